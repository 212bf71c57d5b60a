//! Logs go to a daily file in the XDG state directory, never to the terminal the TUI draws on.

use std::path::PathBuf;

use tracing_appender::non_blocking::WorkerGuard;
use tracing_subscriber::EnvFilter;

/// `$XDG_STATE_HOME/codex-threads` (or the platform's equivalent).
pub fn log_dir() -> Option<PathBuf> {
    dirs::state_dir()
        .or_else(dirs::data_local_dir)
        .map(|dir| dir.join("codex-threads"))
}

/// Starts file logging (level from `CODEX_THREADS_LOG`, default `info`). Returns the guard that
/// flushes the log on exit; `None` when no log directory can be made.
pub fn init() -> Option<WorkerGuard> {
    let dir = log_dir()?;
    std::fs::create_dir_all(&dir).ok()?;
    let appender = tracing_appender::rolling::daily(dir, "codex-threads.log");
    let (writer, guard) = tracing_appender::non_blocking(appender);
    let filter = EnvFilter::try_from_env("CODEX_THREADS_LOG").unwrap_or_else(|_| "info".into());
    tracing_subscriber::fmt()
        .with_env_filter(filter)
        .with_writer(writer)
        .with_ansi(false)
        .try_init()
        .ok()?;
    Some(guard)
}
