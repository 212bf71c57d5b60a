//! codex-threads: browse, follow and curate Codex CLI threads.

pub mod live;
pub mod manager;
pub mod protocol;
pub mod store;
pub mod tui;
