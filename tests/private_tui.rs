//! Private threads from the TUI, as a person marks them: the real binary in a pseudo-terminal
//! on a temporary Codex home. `H` writes the same mark as `codex-threads private` (the next
//! `list --json` of the home says `private`), shows `⌂` before the title, and `H` again undoes
//! it; Codex's files are untouched.

mod common;

use std::ffi::OsStr;
use std::path::Path;

use common::pty::*;
use common::*;
use serde_json::Value;

fn private_of(home: &TestHome, scratch: &Path, id: &str) -> bool {
    let output = common::binary::run_isolated(home.path(), scratch, &["list", "--json"]);
    let (stdout, _) = common::binary::succeeded(output);
    let listed: Vec<Value> = serde_json::from_str(&stdout).expect("list --json");
    listed
        .iter()
        .find(|thread| thread["id"] == id)
        .and_then(|thread| thread["private"].as_bool())
        .expect("the thread is listed with `private`")
}

#[test]
fn h_marks_the_selected_thread_private_where_sync_reads_it_and_h_again_public() {
    let home = TestHome::new();
    let older = ThreadSpec::new()
        .created(at("2026-05-10T08:00:00.000Z"))
        .turn("Rotate the staging keys", "Rotated.");
    let newer = ThreadSpec::new()
        .created(at("2026-05-12T08:00:00.000Z"))
        .turn("Add a dark mode toggle", "Added.");
    home.add_thread(&older);
    home.add_thread(&newer);
    let before = snapshot_home(home.path());
    let scratch = tempfile::TempDir::new().unwrap();
    let home_arg = home.path().to_string_lossy().into_owned();
    // The state directory `run_isolated` gives the CLI, so both see the same marks.
    let state_dir = scratch.path().join("state");
    let mut tui = PtySession::spawn_with(
        &["--codex-home", &home_arg],
        scratch.path(),
        120,
        40,
        None,
        &[("CODEX_THREADS_STATE_DIR", OsStr::new(&state_dir))],
    );
    tui.wait_for("Add a dark mode toggle");
    tui.wait_for("Rotate the staging keys");

    // The older thread is second: select it and mark it private.
    tui.send("j");
    tui.send("H");
    tui.wait_for("⌂ Rotate the staging keys");
    tui.wait_for("is private: sync keeps it at home");
    wait_for_condition("the private mark", || {
        private_of(&home, scratch.path(), &older.id.to_string())
    });
    assert!(!private_of(&home, scratch.path(), &newer.id.to_string()));

    // Public again.
    tui.send("H");
    tui.wait_for("is public: sync shares it again");
    tui.wait_until("no mark before the title", |screen| {
        !screen.contains("⌂ Rotate") && screen.contains("Rotate the staging keys")
    });
    assert!(!private_of(&home, scratch.path(), &older.id.to_string()));
    assert!(tui.quit_with("q"));
    assert_eq!(snapshot_home(home.path()), before, "Codex's files changed");
}

/// Every file of the home with its bytes.
fn snapshot_home(root: &Path) -> Vec<(std::path::PathBuf, Vec<u8>)> {
    let mut files = Vec::new();
    let mut dirs = vec![root.to_path_buf()];
    while let Some(dir) = dirs.pop() {
        for entry in std::fs::read_dir(&dir).unwrap().flatten() {
            let path = entry.path();
            if path.is_dir() {
                dirs.push(path);
            } else {
                files.push((path.clone(), std::fs::read(&path).unwrap()));
            }
        }
    }
    files.sort();
    files
}
