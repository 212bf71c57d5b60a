//! Running the real binary on a test home, for the command-line tests.

use std::path::Path;
use std::process::{Command, Output};

/// `codex-threads --codex-home HOME ARGS…`, with its cache inside the home.
pub fn run(home: &Path, args: &[&str]) -> Output {
    Command::new(env!("CARGO_BIN_EXE_codex-threads"))
        .arg("--codex-home")
        .arg(home)
        .args(args)
        .env_remove("CODEX_SQLITE_HOME")
        .env("CODEX_THREADS_CACHE_DIR", home.join(".test-cache"))
        .env("CODEX_THREADS_STATE_DIR", home.join(".test-cache-state"))
        // Deleted threads go to a trash in the test's home, never the user's.
        .env("XDG_DATA_HOME", home.join(".test-data"))
        .output()
        .expect("the binary runs")
}

/// `codex-threads --codex-home HOME ARGS…` with its config, cache, state and trash in
/// `scratch`, and none of the user's store settings (`--store` tests pass their own URL).
pub fn run_isolated(home: &Path, scratch: &Path, args: &[&str]) -> Output {
    Command::new(env!("CARGO_BIN_EXE_codex-threads"))
        .arg("--codex-home")
        .arg(home)
        .args(args)
        .env_remove("CODEX_THREADS_STORE")
        .env_remove("CODEX_SQLITE_HOME")
        .env_remove("PGPASSWORD")
        .env("XDG_CONFIG_HOME", scratch.join("config"))
        .env("CODEX_THREADS_CACHE_DIR", scratch.join("cache"))
        .env("CODEX_THREADS_STATE_DIR", scratch.join("state"))
        .env("XDG_DATA_HOME", scratch.join("data"))
        .output()
        .expect("the binary runs")
}

/// Standard output and standard error of a run that must have succeeded.
pub fn succeeded(output: Output) -> (String, String) {
    let stderr = String::from_utf8_lossy(&output.stderr).into_owned();
    assert!(output.status.success(), "failed: {stderr}");
    (
        String::from_utf8(output.stdout).expect("utf-8 output"),
        stderr,
    )
}

/// The output of a run that must have succeeded.
pub fn stdout(output: &Output) -> String {
    assert!(
        output.status.success(),
        "failed: {}",
        String::from_utf8_lossy(&output.stderr)
    );
    String::from_utf8(output.stdout.clone()).expect("utf-8 output")
}
