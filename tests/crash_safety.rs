//! Crash safety of the commands that move or rewrite files: the state a kill leaves at a chosen
//! point (a move cut between its link and its unlink, a `.zst` materialization cut before its
//! link) is built by the test or produced by the real binary dying at a fault point
//! (`CODEX_THREADS_FAULT`), and the next command or listing must finish or clean it up, list
//! the thread once, and lose nothing.

mod common;

use std::fs;
use std::path::{Path, PathBuf};
use std::process::Command;

use common::binary::{run, stdout};
use common::*;
use serde_json::Value;

fn listed_ids(home: &Path, archived: bool) -> Vec<String> {
    let mut args = vec!["list", "--json", "--limit", "0"];
    if archived {
        args.push("--archived");
    }
    let listed: Value = serde_json::from_str(&stdout(&run(home, &args))).unwrap();
    listed
        .as_array()
        .unwrap()
        .iter()
        .map(|thread| thread["id"].as_str().unwrap().to_string())
        .collect()
}

/// A thread whose rollout is in both trees under one inode, as a kill between the link and
/// the unlink of a move leaves it. Returns the (active, archived) paths.
fn half_moved(home: &TestHome, spec: &ThreadSpec) -> (PathBuf, PathBuf) {
    let written = home.add_thread(spec);
    let archived = home
        .archived_sessions_dir()
        .join(written.path.file_name().unwrap());
    fs::create_dir_all(home.archived_sessions_dir()).unwrap();
    fs::hard_link(&written.path, &archived).unwrap();
    (written.path, archived)
}

#[test]
fn an_interrupted_archive_is_finished_by_the_next_listing() {
    let home = TestHome::new();
    home.create_state_db(SchemaVariant::Current);
    let spec = ThreadSpec::new().turn("Archive me", "Done.");
    let other = ThreadSpec::new().turn("Stay", "Done.");
    home.add_indexed_thread(&other);
    let (active, archived) = half_moved(&home, &spec);
    // The DB is written after the move: it still says active, so the move was an archive.
    home.insert_thread_row(&state_db::ThreadRow::from_spec(&spec, &active));
    let before = fs::read(&archived).unwrap();

    let id = spec.id.to_string();
    assert_eq!(listed_ids(home.path(), false), vec![other.id.to_string()]);
    assert_eq!(listed_ids(home.path(), true), vec![id.clone()]);
    assert!(!active.exists(), "the sessions/ name is gone");
    assert_eq!(fs::read(&archived).unwrap(), before, "not a byte changed");
    let row = home.state_db_row(spec.id).unwrap();
    assert_eq!(row["archived"], 1);
    assert_eq!(row["rollout_path"], archived.to_string_lossy().as_ref());
    // And the thread moves on as any archived thread.
    stdout(&run(home.path(), &["unarchive", &id]));
    assert_eq!(listed_ids(home.path(), false).len(), 2);
}

#[test]
fn an_interrupted_unarchive_is_finished_by_the_next_command() {
    let home = TestHome::new();
    home.create_state_db(SchemaVariant::Current);
    let spec = ThreadSpec::new().archived().turn("Bring me back", "Done.");
    let written = home.add_thread(&spec);
    home.insert_thread_row(&state_db::ThreadRow::from_spec(&spec, &written.path));
    // Cut short after linking it into its date directory.
    let day = spec.created.format("%Y/%m/%d").to_string();
    let active_dir = home.sessions_dir().join(day);
    fs::create_dir_all(&active_dir).unwrap();
    let active = active_dir.join(written.path.file_name().unwrap());
    fs::hard_link(&written.path, &active).unwrap();

    // A command on the thread itself finishes the move before it acts.
    let id = spec.id.to_string();
    let shown = stdout(&run(home.path(), &["show", &id]));
    assert!(shown.contains("Bring me back"), "{shown}");
    assert!(!written.path.exists(), "the archived name is gone");
    assert!(active.exists());
    assert_eq!(home.state_db_row(spec.id).unwrap()["archived"], 0);
    assert_eq!(listed_ids(home.path(), false), vec![id.clone()]);
    assert!(listed_ids(home.path(), true).is_empty());
    stdout(&run(home.path(), &["archive", &id]));
    assert_eq!(listed_ids(home.path(), true), vec![id]);
}

#[test]
fn without_a_state_db_an_interrupted_move_ends_archived_and_is_listed_once() {
    let home = TestHome::new();
    let spec = ThreadSpec::new().turn("No DB here", "Done.");
    let (active, archived) = half_moved(&home, &spec);
    let id = spec.id.to_string();
    let both: Vec<String> = [
        listed_ids(home.path(), false),
        listed_ids(home.path(), true),
    ]
    .concat();
    assert_eq!(both, vec![id.clone()], "listed once across both tabs");
    assert!(!active.exists() && archived.exists());
    // Search, over both trees, finds it once.
    let hits = stdout(&run(
        home.path(),
        &["search", "No DB here", "--archived", "--json"],
    ));
    let threads: std::collections::HashSet<String> = hits
        .lines()
        .map(|line| serde_json::from_str::<Value>(line).unwrap()["thread_id"].to_string())
        .collect();
    assert_eq!(threads.len(), 1, "{hits}");
}

#[test]
fn two_copies_across_the_trees_list_the_newer_and_report_the_other() {
    let home = TestHome::new();
    let spec = ThreadSpec::new().turn("Copied", "Done.");
    let written = home.add_thread(&spec);
    let copy = home
        .archived_sessions_dir()
        .join(written.path.file_name().unwrap());
    fs::create_dir_all(home.archived_sessions_dir()).unwrap();
    fs::copy(&written.path, &copy).unwrap();
    // The archived copy is older.
    set_mtime(&copy, at("2025-01-01T00:00:00Z"));

    let output = run(home.path(), &["list", "--json"]);
    let listed: Value = serde_json::from_str(&stdout(&output)).unwrap();
    assert_eq!(listed.as_array().unwrap().len(), 1);
    let stderr = String::from_utf8_lossy(&output.stderr);
    assert!(
        stderr.contains(&format!("skipped {}", copy.display())) && stderr.contains("newer"),
        "{stderr}"
    );
    assert!(listed_ids(home.path(), true).is_empty());
    assert!(
        copy.exists() && written.path.exists(),
        "neither copy is touched"
    );
}

#[test]
fn a_kill_while_materializing_a_zst_leaves_a_temporary_file_the_next_command_removes() {
    let home = TestHome::new();
    let spec = ThreadSpec::new().compressed().turn("Compressed", "Done.");
    let written = home.add_thread(&spec);
    let id = spec.id.to_string();
    let killed = Command::new(env!("CARGO_BIN_EXE_codex-threads"))
        .arg("--codex-home")
        .arg(home.path())
        .args(["memory", &id, "disabled"])
        .env("CODEX_THREADS_CACHE_DIR", home.path().join(".test-cache"))
        .env(
            "CODEX_THREADS_STATE_DIR",
            home.path().join(".test-cache-state"),
        )
        .env("CODEX_THREADS_FAULT", "materialize.before_link")
        .output()
        .unwrap();
    assert!(!killed.status.success(), "the fault point stopped it");
    let day_dir = written.path.parent().unwrap().to_path_buf();
    let temps = |dir: &Path| -> Vec<PathBuf> {
        fs::read_dir(dir)
            .unwrap()
            .map(|entry| entry.unwrap().path())
            .filter(|path| path.to_string_lossy().ends_with(".materialize.tmp"))
            .collect()
    };
    assert_eq!(temps(&day_dir).len(), 1, "the kill left its temporary file");
    assert!(written.path.exists(), "the .zst is untouched");
    assert_eq!(read_rollout(&written.path), written.contents());

    assert_eq!(listed_ids(home.path(), false), vec![id.clone()]);
    assert!(temps(&day_dir).is_empty(), "the listing removed it");
    stdout(&run(home.path(), &["memory", &id, "disabled"]));
    let shown: Value =
        serde_json::from_str(&stdout(&run(home.path(), &["show", &id, "--json"]))).unwrap();
    assert_eq!(shown["thread"]["memory_mode"], "disabled");
}

/// `prune --compress` killed at a fault point: the plain rollout is still the thread.
fn prune_killed_at(home: &TestHome, point: &str) {
    let killed = Command::new(env!("CARGO_BIN_EXE_codex-threads"))
        .arg("--codex-home")
        .arg(home.path())
        .args(["prune", "--compress", "--yes"])
        .env("CODEX_THREADS_CACHE_DIR", home.path().join(".test-cache"))
        .env(
            "CODEX_THREADS_STATE_DIR",
            home.path().join(".test-cache-state"),
        )
        .env("CODEX_THREADS_FAULT", point)
        .output()
        .unwrap();
    assert!(!killed.status.success(), "the fault point stopped it");
    let stderr = String::from_utf8_lossy(&killed.stderr);
    assert!(
        stderr.contains(&format!("fault injected at {point}")),
        "{stderr}"
    );
}

fn names_in(dir: &Path) -> Vec<String> {
    let mut names: Vec<String> = fs::read_dir(dir)
        .unwrap()
        .map(|entry| entry.unwrap().file_name().to_string_lossy().into_owned())
        .collect();
    names.sort();
    names
}

#[test]
fn a_kill_after_writing_the_compressed_temp_leaves_the_plain_thread_and_a_temp_the_listing_removes()
{
    let home = TestHome::new();
    let spec = ThreadSpec::new().turn("Compress me", &"words ".repeat(2000));
    let written = home.add_thread(&spec);
    let before = fs::read(&written.path).unwrap();
    let day_dir = written.path.parent().unwrap().to_path_buf();
    let name = written
        .path
        .file_name()
        .unwrap()
        .to_string_lossy()
        .into_owned();

    prune_killed_at(&home, "compress.after_temp");
    assert_eq!(
        names_in(&day_dir),
        vec![name.clone(), format!("{name}.zst.tmp")],
        "the plain rollout and the temp: no second rollout name"
    );
    assert_eq!(fs::read(&written.path).unwrap(), before);

    let id = spec.id.to_string();
    assert_eq!(listed_ids(home.path(), false), vec![id.clone()]);
    assert_eq!(
        names_in(&day_dir),
        vec![name.clone()],
        "the listing removed the temp"
    );
    // The next prune compresses it from the start.
    stdout(&run(home.path(), &["prune", "--compress", "--yes"]));
    assert_eq!(names_in(&day_dir), vec![format!("{name}.zst")]);
    assert_eq!(
        read_rollout(&day_dir.join(format!("{name}.zst"))).as_bytes(),
        before
    );
}

#[test]
fn a_kill_after_the_rename_leaves_both_names_read_once_and_the_next_prune_finishes() {
    let home = TestHome::new();
    home.create_state_db(SchemaVariant::Current);
    let spec = ThreadSpec::new().turn("Halfway", &"words ".repeat(2000));
    let written = home.add_indexed_thread(&spec);
    let before = fs::read(&written.path).unwrap();
    let id = spec.id.to_string();
    let shown_before = stdout(&run(home.path(), &["show", &id, "--json"]));
    let day_dir = written.path.parent().unwrap().to_path_buf();
    let name = written
        .path
        .file_name()
        .unwrap()
        .to_string_lossy()
        .into_owned();

    prune_killed_at(&home, "compress.after_rename");
    assert_eq!(
        names_in(&day_dir),
        vec![name.clone(), format!("{name}.zst")]
    );
    // Both hold the same lines; the thread is listed and read once, from the plain file.
    assert_eq!(
        read_rollout(&day_dir.join(format!("{name}.zst"))).as_bytes(),
        before
    );
    assert_eq!(listed_ids(home.path(), false), vec![id.clone()]);
    assert!(listed_ids(home.path(), true).is_empty());
    assert_eq!(
        stdout(&run(home.path(), &["show", &id, "--json"])),
        shown_before
    );
    let hits = stdout(&run(home.path(), &["search", "Halfway", "--json"]));
    let unique: std::collections::HashSet<&str> = hits.lines().collect();
    assert_eq!(unique.len(), hits.lines().count(), "no hit twice: {hits}");
    assert_eq!(unique.len(), 2, "the message and the reasoning: {hits}");

    let out = stdout(&run(home.path(), &["prune", "--compress", "--yes"]));
    assert!(out.contains(&format!("compressed {id}")), "{out}");
    assert_eq!(names_in(&day_dir), vec![format!("{name}.zst")]);
    assert_eq!(
        stdout(&run(home.path(), &["show", &id, "--json"])),
        shown_before
    );
}
