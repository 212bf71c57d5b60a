//! codex-threads: browse, follow and curate Codex CLI threads.

pub mod protocol;
pub mod rollout;
