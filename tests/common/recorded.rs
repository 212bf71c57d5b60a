//! Homes recorded from real Codex releases (`testdata/homes/<version>/`, written by
//! `scripts/record-homes.sh`), copied into a temporary directory so a test may change them.

use std::path::{Path, PathBuf};

use serde_json::Value;

/// A copy of the home recorded from Codex `version`, and its `RECORDING.json` (the id of each
/// recorded scenario under `threads`).
pub fn copy_recorded_home(version: &str) -> (tempfile::TempDir, PathBuf, Value) {
    let source = Path::new(env!("CARGO_MANIFEST_DIR"))
        .join("testdata/homes")
        .join(version);
    let dir = tempfile::TempDir::new().unwrap();
    let home = dir.path().join("home");
    copy_tree(&source, &home);
    let manifest = std::fs::read_to_string(home.join("RECORDING.json")).unwrap();
    (dir, home, serde_json::from_str(&manifest).unwrap())
}

fn copy_tree(from: &Path, to: &Path) {
    std::fs::create_dir_all(to).unwrap();
    for entry in std::fs::read_dir(from).unwrap() {
        let entry = entry.unwrap();
        let target = to.join(entry.file_name());
        if entry.file_type().unwrap().is_dir() {
            copy_tree(&entry.path(), &target);
        } else {
            std::fs::copy(entry.path(), &target).unwrap();
        }
    }
}
