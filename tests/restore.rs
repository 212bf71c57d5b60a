//! `restore` and `list --trash` on test homes with a state DB: what our delete removed (the
//! rollout, the `threads` row, the name in `session_index.jsonl`) comes back as it was; a
//! taken path is refused and nothing changes; and a kill at each point of a restore leaves the
//! thread under exactly one name, restorable or restored.

mod common;

use std::fs;
use std::path::{Path, PathBuf};
use std::process::Command;

use codex_threads::protocol::ThreadId;
use common::binary::{run, stdout};
use common::*;
use serde_json::Value;

fn json(home: &Path, args: &[&str]) -> Value {
    serde_json::from_str(&stdout(&run(home, args))).unwrap()
}

fn trash_dir(home: &TestHome) -> PathBuf {
    home.path().join(".test-data/Trash")
}

/// A named thread with its row and index entry, deleted by our binary; (id, rollout path).
fn deleted_named_thread(home: &TestHome, prompt: &str, name: &str) -> (ThreadId, PathBuf) {
    let spec = ThreadSpec::new().turn(prompt, "Done.");
    let written = home.add_indexed_thread(&spec);
    stdout(&run(home.path(), &["rename", &spec.id.to_string(), name]));
    stdout(&run(
        home.path(),
        &["delete", &spec.id.to_string(), "--yes"],
    ));
    assert!(!written.path.exists());
    assert_eq!(home.state_db_row(spec.id), None);
    (spec.id, written.path)
}

fn listed_ids(home: &Path) -> Vec<String> {
    json(home, &["list", "--json", "--limit", "0"])
        .as_array()
        .unwrap()
        .iter()
        .map(|thread| thread["id"].as_str().unwrap().to_string())
        .collect()
}

#[test]
fn a_restore_puts_back_the_rollout_row_and_name() {
    let home = TestHome::new();
    home.create_state_db(SchemaVariant::Current);
    let spec = ThreadSpec::new().turn("Keep me around", "Done.");
    let written = home.add_indexed_thread(&spec);
    stdout(&run(home.path(), &["rename", &spec.id.to_string(), "Kept"]));
    let row_before = home.state_db_row(spec.id).unwrap();
    let bytes_before = fs::read(&written.path).unwrap();
    stdout(&run(
        home.path(),
        &["delete", &spec.id.to_string(), "--yes"],
    ));
    let (older, _) = deleted_named_thread(&home, "Older", "Other one");
    let id = spec.id.to_string();

    // Newest deletion first: ours was deleted first, so it is second.
    let trashed = json(home.path(), &["list", "--trash", "--json"]);
    let trashed = trashed.as_array().unwrap();
    assert_eq!(trashed.len(), 2, "{trashed:?}");
    let ours = trashed.iter().find(|t| t["id"] == id.as_str()).unwrap();
    assert_eq!(ours["title"], "Kept");
    assert_eq!(ours["preview"], "Keep me around");
    assert_eq!(ours["original_path"], written.path.to_str().unwrap());
    assert_eq!(ours["size"], bytes_before.len() as u64);
    assert!(ours["deleted_at"].as_str().unwrap().starts_with("20"));
    let text = stdout(&run(home.path(), &["list", "--trash"]));
    assert!(text.contains(&id) && text.contains("Kept"), "{text}");

    // A dry run by name changes nothing.
    let dry = stdout(&run(home.path(), &["restore", "Kept", "--dry-run"]));
    assert!(
        dry.starts_with(&format!("would restore {id} “Kept” to ")),
        "{dry}"
    );
    assert!(!written.path.exists());

    let restored = json(home.path(), &["restore", &id[..24], "--json"]);
    assert_eq!(restored[0]["id"], id.as_str());
    assert_eq!(restored[0]["rows_restored"], true);
    assert_eq!(restored[0]["name_restored"], true);
    assert_eq!(fs::read(&written.path).unwrap(), bytes_before);
    assert_eq!(home.state_db_row(spec.id).unwrap(), row_before);
    let shown = json(home.path(), &["show", &id, "--json"]);
    assert_eq!(shown["thread"]["name"], "Kept", "{shown}");
    assert!(listed_ids(home.path()).contains(&id));
    // The trash keeps only the other thread, its info and file both.
    let left = json(home.path(), &["list", "--trash", "--json"]);
    assert_eq!(left.as_array().unwrap().len(), 1);
    assert_eq!(left[0]["id"], older.to_string().as_str());
    assert_eq!(
        fs::read_dir(trash_dir(&home).join("info")).unwrap().count(),
        1
    );
    assert_eq!(
        fs::read_dir(trash_dir(&home).join("files"))
            .unwrap()
            .count(),
        1
    );
}

#[test]
fn a_taken_path_is_refused_in_one_line_and_nothing_changes() {
    let home = TestHome::new();
    home.create_state_db(SchemaVariant::Current);
    let (id, original) = deleted_named_thread(&home, "Clash", "Clashing");
    fs::write(&original, "someone else's file\n").unwrap();
    let index_before = fs::read(home.session_index_path()).unwrap_or_default();

    let output = run(home.path(), &["restore", &id.to_string()]);
    assert!(!output.status.success());
    let stderr = String::from_utf8(output.stderr).unwrap();
    assert_eq!(stderr.lines().count(), 1, "{stderr}");
    assert!(
        stderr.contains(&original.display().to_string()) && stderr.contains("already exists"),
        "{stderr}"
    );
    assert_eq!(
        fs::read_to_string(&original).unwrap(),
        "someone else's file\n"
    );
    assert_eq!(home.state_db_row(id), None);
    assert_eq!(
        fs::read(home.session_index_path()).unwrap_or_default(),
        index_before
    );
    assert_eq!(
        json(home.path(), &["list", "--trash", "--json"])
            .as_array()
            .unwrap()
            .len(),
        1
    );
    // A thread that is not in the trash is one line too.
    let output = run(home.path(), &["restore", "no-such-thread"]);
    assert!(!output.status.success());
    let stderr = String::from_utf8(output.stderr).unwrap();
    assert_eq!(
        stderr.trim(),
        "codex-threads: no-such-thread: no thread “no-such-thread” in the trash"
    );
}

#[test]
fn without_a_record_the_rollout_still_goes_back() {
    // A delete made before records were kept (or without a state directory): only the
    // rollout returns, and Codex re-indexes it as it lists.
    let home = TestHome::new();
    home.create_state_db(SchemaVariant::Current);
    let (id, original) = deleted_named_thread(&home, "Unrecorded", "Gone name");
    let records = home.path().join(".test-cache-state");
    for dir in fs::read_dir(&records).unwrap() {
        let dir = dir.unwrap().path();
        if dir
            .file_name()
            .unwrap()
            .to_string_lossy()
            .starts_with("trashed-")
        {
            fs::remove_dir_all(dir).unwrap();
        }
    }
    let restored = json(home.path(), &["restore", &id.to_string(), "--json"]);
    assert_eq!(restored[0]["rows_restored"], false);
    assert_eq!(restored[0]["name_restored"], false);
    assert!(original.exists());
    assert!(listed_ids(home.path()).contains(&id.to_string()));
}

/// `restore ID` dying at `point`.
fn restore_killed_at(home: &TestHome, id: ThreadId, point: &str) {
    let output = Command::new(env!("CARGO_BIN_EXE_codex-threads"))
        .arg("--codex-home")
        .arg(home.path())
        .args(["restore", &id.to_string()])
        .env_remove("CODEX_SQLITE_HOME")
        .env("CODEX_THREADS_CACHE_DIR", home.path().join(".test-cache"))
        .env(
            "CODEX_THREADS_STATE_DIR",
            home.path().join(".test-cache-state"),
        )
        .env("XDG_DATA_HOME", home.path().join(".test-data"))
        .env("CODEX_THREADS_FAULT", point)
        .output()
        .unwrap();
    assert!(
        !output.status.success(),
        "the fault at {point} was not reached"
    );
    assert!(
        String::from_utf8_lossy(&output.stderr).contains(point),
        "{}",
        String::from_utf8_lossy(&output.stderr)
    );
}

/// How many names the rollout has in the home and in the trash.
fn names_of(home: &TestHome, original: &Path) -> (usize, usize) {
    let in_trash = fs::read_dir(trash_dir(home).join("files"))
        .unwrap()
        .filter(|entry| entry.as_ref().unwrap().file_name() == original.file_name().unwrap())
        .count();
    (usize::from(original.exists()), in_trash)
}

#[test]
fn a_restore_killed_before_the_move_is_finished_by_the_next_one() {
    let home = TestHome::new();
    home.create_state_db(SchemaVariant::Current);
    let (id, original) = deleted_named_thread(&home, "Crash early", "Early");
    let bytes = fs::read(
        trash_dir(&home)
            .join("files")
            .join(original.file_name().unwrap()),
    )
    .unwrap();
    restore_killed_at(&home, id, "restore.before_move");
    // The row and the name are back, the rollout still only in the trash, still listed there.
    assert_eq!(names_of(&home, &original), (0, 1));
    assert!(home.state_db_row(id).is_some());
    let trashed = json(home.path(), &["list", "--trash", "--json"]);
    assert_eq!(trashed[0]["id"], id.to_string().as_str());

    stdout(&run(home.path(), &["restore", &id.to_string()]));
    assert_eq!(names_of(&home, &original), (1, 0));
    assert_eq!(fs::read(&original).unwrap(), bytes);
    let index = fs::read_to_string(home.session_index_path()).unwrap();
    let entries = index
        .lines()
        .filter(|l| l.contains(&id.to_string()))
        .count();
    assert_eq!(entries, 1, "the name is appended once: {index}");
    assert_eq!(
        json(home.path(), &["show", &id.to_string(), "--json"])["thread"]["name"],
        "Early"
    );
}

#[test]
fn a_restore_killed_after_the_move_leaves_the_thread_restored() {
    let home = TestHome::new();
    home.create_state_db(SchemaVariant::Current);
    let (id, original) = deleted_named_thread(&home, "Crash late", "Late");
    restore_killed_at(&home, id, "restore.after_move");
    // One name: in the home. The info left behind is no trash entry.
    assert_eq!(names_of(&home, &original), (1, 0));
    assert_eq!(
        fs::read_dir(trash_dir(&home).join("info")).unwrap().count(),
        1
    );
    let trashed = json(home.path(), &["list", "--trash", "--json"]);
    assert_eq!(trashed.as_array().unwrap().len(), 0);
    assert!(listed_ids(home.path()).contains(&id.to_string()));
    assert_eq!(
        json(home.path(), &["show", &id.to_string(), "--json"])["thread"]["name"],
        "Late"
    );
    // A second restore says where the thread is.
    let output = run(home.path(), &["restore", &id.to_string()]);
    assert!(!output.status.success());
}

#[test]
fn an_archived_thread_goes_back_to_the_archive() {
    let home = TestHome::new();
    home.create_state_db(SchemaVariant::Current);
    let spec = ThreadSpec::new().archived().turn("Archived once", "Done.");
    let written = home.add_indexed_thread(&spec);
    let row_before = home.state_db_row(spec.id).unwrap();
    let id = spec.id.to_string();
    stdout(&run(home.path(), &["delete", &id, "--yes"]));
    assert!(!written.path.exists());
    let trashed = json(home.path(), &["list", "--trash", "--json"]);
    assert_eq!(trashed[0]["original_path"], written.path.to_str().unwrap());

    stdout(&run(home.path(), &["restore", &id]));
    assert!(written.path.exists());
    assert_eq!(home.state_db_row(spec.id).unwrap(), row_before);
    let archived = json(
        home.path(),
        &["list", "--archived", "--json", "--limit", "0"],
    );
    assert!(
        archived
            .as_array()
            .unwrap()
            .iter()
            .any(|thread| thread["id"] == id.as_str()),
        "{archived}"
    );
    assert!(!listed_ids(home.path()).contains(&id));
}
