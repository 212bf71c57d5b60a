//! Fault injection for the crash-safety tests: `CODEX_THREADS_FAULT=<point>` makes the process
//! abort (as a `kill -9` would stop it) when it reaches that point. Unset, a point costs one
//! load of a cached value.

use std::sync::OnceLock;

/// The environment variable naming the point to die at.
pub const FAULT_ENV: &str = "CODEX_THREADS_FAULT";

/// Aborts the process if `CODEX_THREADS_FAULT` names this point.
pub fn point(name: &str) {
    static CHOSEN: OnceLock<Option<String>> = OnceLock::new();
    let chosen = CHOSEN.get_or_init(|| std::env::var(FAULT_ENV).ok());
    if chosen.as_deref() == Some(name) {
        eprintln!("codex-threads: fault injected at {name}");
        std::process::abort();
    }
}
