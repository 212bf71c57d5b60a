//! codex-threads: browse, follow and curate Codex CLI threads.

pub mod cli;
pub mod demo;
pub mod disk_use;
pub mod export;
pub mod fault;
pub mod history;
pub mod launch;
pub mod live;
pub mod logging;
pub mod manager;
pub mod protocol;
pub mod prune;
pub mod redact;
pub mod rollout;
pub mod store;
pub mod sync;
pub mod sync_policy;
#[cfg(feature = "testing")]
pub mod testing;
pub mod text;
pub mod tui;
pub mod usage;
