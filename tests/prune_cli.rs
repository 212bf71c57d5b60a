//! `prune` on the real binary: the dry run names the threads and bytes and changes nothing,
//! the confirmation refuses without a terminal, `--json` reports what was done, and each of
//! `--compress`, `--trash` and `--archive` leaves the home as Codex reads it; a thread whose
//! writer lock is held is never touched.

mod common;

use std::fs;

use common::binary::{run, stdout};
use common::*;
use serde_json::Value;

/// A thread with enough text to be worth compressing.
fn big_spec(text: &str) -> ThreadSpec {
    let reply = format!("{text} ").repeat(4000);
    ThreadSpec::new()
        .created(at("2026-01-10T10:00:00Z"))
        .turn(text, &reply)
}

fn json(output: &std::process::Output) -> Value {
    serde_json::from_str(&stdout(output)).unwrap()
}

fn listed(home: &TestHome, archived: bool) -> Vec<String> {
    let mut args = vec!["list", "--json", "--limit", "0"];
    if archived {
        args.push("--archived");
    }
    json(&run(home.path(), &args))
        .as_array()
        .unwrap()
        .iter()
        .map(|thread| thread["id"].as_str().unwrap().to_string())
        .collect()
}

#[test]
fn a_dry_run_names_the_threads_and_bytes_and_changes_nothing() {
    let home = TestHome::new();
    home.create_state_db(SchemaVariant::Current);
    let big = home.add_indexed_thread(&big_spec("Large one"));
    let small = home.add_indexed_thread(
        &ThreadSpec::new()
            .created(at("2026-01-11T10:00:00Z"))
            .turn("Small one", "ok"),
    );
    let before = fs::read(&big.path).unwrap();
    let size = before.len() as u64;

    let out = stdout(&run(
        home.path(),
        &[
            "prune",
            "--larger-than",
            "10K",
            "--older-than",
            "7d",
            "--compress",
            "--dry-run",
        ],
    ));
    let lines: Vec<&str> = out.lines().collect();
    assert_eq!(lines.len(), 2, "{out}");
    assert!(
        lines[0].starts_with("would compress") && lines[0].contains(&big.id.to_string()),
        "{out}"
    );
    assert!(!out.contains(&small.id.to_string()), "{out}");
    assert!(
        lines[1].starts_with("1 thread, ") && lines[1].contains("nothing changed"),
        "{out}"
    );

    let report = json(&run(
        home.path(),
        &["prune", "--trash", "--dry-run", "--json"],
    ));
    assert_eq!(report["action"], "trash");
    assert_eq!(report["dry_run"], true);
    assert_eq!(report["count"], 2);
    let ids: Vec<&str> = report["threads"]
        .as_array()
        .unwrap()
        .iter()
        .map(|thread| thread["id"].as_str().unwrap())
        .collect();
    assert_eq!(
        ids,
        vec![big.id.to_string(), small.id.to_string()],
        "largest first"
    );
    assert_eq!(report["threads"][0]["bytes"], size);
    assert_eq!(
        report["bytes"].as_u64().unwrap(),
        size + fs::metadata(&small.path).unwrap().len()
    );
    assert_eq!(report["freed_bytes"], report["bytes"]);

    // Nothing moved, nothing rewritten.
    assert_eq!(fs::read(&big.path).unwrap(), before);
    assert!(small.path.exists());
    assert_eq!(listed(&home, false).len(), 2);
}

#[test]
fn without_a_terminal_and_without_yes_it_refuses_with_one_line() {
    let home = TestHome::new();
    let big = home.add_thread(&big_spec("Keep me"));
    let before = fs::read(&big.path).unwrap();
    for action in ["--compress", "--trash", "--archive"] {
        let output = run(home.path(), &["prune", action]);
        assert!(!output.status.success(), "{action}");
        let stderr = String::from_utf8_lossy(&output.stderr);
        assert_eq!(stderr.lines().count(), 1, "{stderr}");
        assert!(
            stderr.contains("pass --yes") && stderr.contains("nothing was changed"),
            "{stderr}"
        );
        assert_eq!(fs::read(&big.path).unwrap(), before, "{action}");
    }
    // An action is required, and only one.
    assert!(!run(home.path(), &["prune", "--dry-run"]).status.success());
    assert!(
        !run(
            home.path(),
            &["prune", "--trash", "--compress", "--dry-run"]
        )
        .status
        .success()
    );
}

#[test]
fn compress_rewrites_as_zst_that_reads_back_the_same_and_keeps_the_db_row() {
    let home = TestHome::new();
    home.create_state_db(SchemaVariant::Current);
    let big = home.add_indexed_thread(&big_spec("Compress me"));
    let archived = home.add_indexed_thread(&big_spec("Archived too").archived());
    let original = fs::read(&big.path).unwrap();
    let mtime_before = mtime(&big.path);
    let shown_before = stdout(&run(home.path(), &["show", &big.id.to_string(), "--json"]));
    let row_before = home.state_db_row(big.id).unwrap();

    let report = json(&run(
        home.path(),
        &["prune", "--compress", "--yes", "--json"],
    ));
    assert_eq!(report["action"], "compress");
    assert_eq!(report["done"].as_array().unwrap().len(), 2, "{report}");
    let freed = report["freed_bytes"].as_u64().unwrap();
    assert!(freed > original.len() as u64 / 2, "{report}");

    let compressed = common::plain_rollout_path(&big.path).with_extension("jsonl.zst");
    assert!(!big.path.exists(), "the plain file is gone");
    assert_eq!(
        read_rollout(&compressed),
        String::from_utf8(original).unwrap()
    );
    assert_eq!(
        mtime(&compressed),
        mtime_before,
        "the mtime is kept, as Codex's worker does"
    );
    assert!(archived.path.with_extension("jsonl.zst").exists());
    // The history reads the same, the listing shows each thread once, where it was.
    assert_eq!(
        stdout(&run(home.path(), &["show", &big.id.to_string(), "--json"])),
        shown_before
    );
    assert_eq!(listed(&home, false), vec![big.id.to_string()]);
    assert_eq!(listed(&home, true), vec![archived.id.to_string()]);
    // As Codex's own compression worker: the DB row is untouched (it records the plain path,
    // which every Codex reader resolves to the .zst beside it).
    assert_eq!(home.state_db_row(big.id).unwrap(), row_before);

    // A second prune finds nothing left to compress.
    let again = json(&run(
        home.path(),
        &["prune", "--compress", "--yes", "--json"],
    ));
    assert!(again["done"].as_array().unwrap().is_empty(), "{again}");
}

#[test]
fn trash_and_archive_go_the_way_delete_and_archive_do() {
    let home = TestHome::new();
    home.create_state_db(SchemaVariant::Current);
    let old = home.add_indexed_thread(&big_spec("Old and big"));
    let new = home.add_indexed_thread(
        &ThreadSpec::new()
            .created(at("2026-01-12T10:00:00Z"))
            .modified(chrono::Utc::now())
            .turn("Fresh", "ok"),
    );

    let out = stdout(&run(
        home.path(),
        &["prune", "--older-than", "30d", "--archive", "--yes"],
    ));
    assert!(out.contains(&format!("archived {}", old.id)), "{out}");
    assert!(out.ends_with("archived 1 thread\n"), "{out}");
    assert_eq!(listed(&home, false), vec![new.id.to_string()]);
    assert_eq!(listed(&home, true), vec![old.id.to_string()]);
    assert_eq!(home.state_db_row(old.id).unwrap()["archived"], 1);

    let out = stdout(&run(
        home.path(),
        &["prune", "--archived-only", "--trash", "--yes"],
    ));
    assert!(out.contains(&format!("trashed {}", old.id)), "{out}");
    assert!(listed(&home, true).is_empty());
    assert!(
        home.state_db_row(old.id).is_none(),
        "its row went, as Codex's delete does"
    );
    let trashed = home
        .path()
        .join(".test-data/Trash/files")
        .join(old.path.file_name().unwrap());
    assert!(trashed.exists(), "restorable from the trash");
    assert_eq!(
        listed(&home, false),
        vec![new.id.to_string()],
        "the other stays"
    );

    // --archive with --archived-only selects nothing: said, not silently done.
    let output = run(
        home.path(),
        &["prune", "--archived-only", "--archive", "--dry-run"],
    );
    assert!(!output.status.success());
}

#[test]
fn a_thread_whose_writer_lock_is_held_is_skipped_and_untouched() {
    let home = TestHome::new();
    let held = home.add_thread(&big_spec("Held open"));
    let free = home.add_thread(&big_spec("Free"));
    let locks = home.path().join("thread-writer-locks");
    fs::create_dir_all(&locks).unwrap();
    let lock = fs::File::create(locks.join(format!("{}.lock", held.id))).unwrap();
    lock.lock().unwrap();
    let before = fs::read(&held.path).unwrap();

    let dry = json(&run(
        home.path(),
        &["prune", "--compress", "--dry-run", "--json"],
    ));
    assert_eq!(dry["count"], 1);
    assert_eq!(dry["skipped"][0]["id"], held.id.to_string());
    assert!(
        dry["skipped"][0]["reason"]
            .as_str()
            .unwrap()
            .contains("open in a Codex process"),
        "{dry}"
    );
    for action in ["--compress", "--trash"] {
        let out = stdout(&run(home.path(), &["prune", action, "--yes"]));
        assert!(out.contains(&format!("skipped {}", held.id)), "{out}");
    }
    assert_eq!(fs::read(&held.path).unwrap(), before, "not a byte changed");
    assert!(!free.path.exists(), "the other was pruned");
    assert_eq!(listed(&home, false), vec![held.id.to_string()]);
    lock.unlock().unwrap();
}

#[test]
fn list_sorts_by_size_largest_first_and_by_updated_time_by_default() {
    let home = TestHome::new();
    let small = home.add_thread(
        &ThreadSpec::new()
            .created(at("2026-01-12T10:00:00Z"))
            .turn("Small and newest", "ok"),
    );
    let big = home.add_thread(&big_spec("Big and oldest"));
    let middle = home.add_thread(
        &ThreadSpec::new()
            .created(at("2026-01-11T10:00:00Z"))
            .turn("Middle", &"text ".repeat(500)),
    );
    let ids_of = |args: &[&str]| -> Vec<String> {
        json(&run(home.path(), args))
            .as_array()
            .unwrap()
            .iter()
            .map(|thread| thread["id"].as_str().unwrap().to_string())
            .collect()
    };
    let by_size = ids_of(&["list", "--sort", "size", "--json"]);
    assert_eq!(
        by_size,
        vec![
            big.id.to_string(),
            middle.id.to_string(),
            small.id.to_string()
        ]
    );
    assert_eq!(
        ids_of(&["list", "--sort", "size", "--limit", "1", "--json"]),
        vec![big.id.to_string()]
    );
    assert_eq!(
        ids_of(&["list", "--json"]),
        vec![
            small.id.to_string(),
            middle.id.to_string(),
            big.id.to_string()
        ]
    );
}

/// A thread with no user message has no preview, so no listing shows it (as Codex's does not);
/// its file takes disk all the same, and prune sees every thread file: in the state DB's home
/// and one the DB has no row for.
#[test]
fn threads_no_listing_shows_are_pruned_too() {
    let home = TestHome::new();
    home.create_state_db(SchemaVariant::Current);
    let listed_one = home.add_indexed_thread(&big_spec("Listed"));
    let silent = home.add_indexed_thread(
        &big_spec("Never asked")
            .no_user_message()
            .created(at("2026-01-11T10:00:00Z")),
    );
    let unindexed = home.add_thread(
        &ThreadSpec::new()
            .created(at("2026-01-12T10:00:00Z"))
            .assistant_message(&"A reply without a question. ".repeat(2000))
            .no_user_message(),
    );
    assert_eq!(listed(&home, false), vec![listed_one.id.to_string()]);

    let plan = json(&run(
        home.path(),
        &[
            "prune",
            "--larger-than",
            "10K",
            "--trash",
            "--dry-run",
            "--json",
        ],
    ));
    let mut picked: Vec<&str> = plan["threads"]
        .as_array()
        .unwrap()
        .iter()
        .map(|thread| thread["id"].as_str().unwrap())
        .collect();
    picked.sort();
    let mut expected = vec![
        listed_one.id.to_string(),
        silent.id.to_string(),
        unindexed.id.to_string(),
    ];
    expected.sort();
    assert_eq!(picked, expected, "{plan}");

    let out = stdout(&run(
        home.path(),
        &["prune", "--larger-than", "10K", "--compress", "--yes"],
    ));
    assert!(out.contains(&format!("compressed {}", silent.id)), "{out}");
    assert!(
        out.contains(&format!("compressed {}", unindexed.id)),
        "{out}"
    );
    for thread in [&silent, &unindexed] {
        assert!(!thread.path.exists(), "{}", thread.path.display());
        let mut zst = thread.path.clone().into_os_string();
        zst.push(".zst");
        assert!(std::path::Path::new(&zst).exists());
    }
}
