//! Hostile and broken entries in a Codex home: symlink loops, FIFOs and directories named like
//! rollouts or like `session_index.jsonl`, unreadable directories, damaged `.zst` rollouts, and
//! paths that are not UTF-8. Each is passed over with a warning naming it, the rest of the home
//! is listed, searched and shown, and nothing waits on a FIFO. The store is checked in process,
//! the CLI and the TUI as the real binary, always with a deadline.

mod common;

use std::ffi::OsStr;
use std::fs;
use std::os::unix::ffi::OsStrExt;
use std::os::unix::fs::PermissionsExt;
use std::os::unix::process::CommandExt;
use std::path::{Path, PathBuf};
use std::process::{Command, Output};
use std::time::Duration;

use codex_threads::protocol::ThreadId;
use codex_threads::store::local::{LocalStoreOptions, LocalThreadStore};
use codex_threads::store::*;
use common::pty::{PtySession, binary};
use common::*;
use serde_json::Value;

/// How long one command may take on these small homes. A read of a FIFO would wait forever;
/// `timeout` turns that into a failure that says so.
const DEADLINE_SECS: u64 = 60;
/// `timeout`'s exit status when it had to stop the command.
const TIMED_OUT: i32 = 124;

/// The id of an entry that is not a rollout at all but is named like one.
fn fake_rollout(day: &Path) -> PathBuf {
    day.join(format!(
        "rollout-2026-05-14T10-00-00-{}.jsonl",
        ThreadId::new()
    ))
}

fn make_fifo(path: &Path) {
    fs::create_dir_all(path.parent().unwrap()).unwrap();
    rustix::fs::mknodat(
        rustix::fs::CWD,
        path,
        rustix::fs::FileType::Fifo,
        rustix::fs::Mode::from_raw_mode(0o644),
        0,
    )
    .unwrap();
}

fn symlink_loop(path: &Path) {
    fs::create_dir_all(path.parent().unwrap()).unwrap();
    std::os::unix::fs::symlink(path, path).unwrap();
}

/// Hex digits zstd cannot shrink much: a rollout made of them spans many zstd blocks, so a
/// cut through its compressed file leaves whole blocks before the cut.
fn noise(seed: u64, count: usize) -> String {
    let mut state = seed | 1;
    let mut out = String::new();
    while out.len() < count {
        state = state
            .wrapping_mul(6_364_136_223_846_793_005)
            .wrapping_add(1_442_695_040_888_963_407);
        out.push_str(&format!("{:016x}", state ^ (state >> 29)));
    }
    out.truncate(count);
    out
}

/// A compressed thread cut in half: its first turns decompress, the rest is lost.
fn add_damaged_zst(home: &TestHome, first_ask: &str) -> WrittenThread {
    let mut spec = ThreadSpec::new()
        .created(at("2026-05-13T08:00:00.000Z"))
        .turn(first_ask, "Looking.");
    for n in 0..600 {
        spec = spec.turn(&format!("ask {n}"), &noise(n, 2000));
    }
    let written = home.add_thread(&spec.compressed());
    let length = fs::metadata(&written.path).unwrap().len();
    fs::OpenOptions::new()
        .write(true)
        .open(&written.path)
        .unwrap()
        .set_len(length / 2)
        .unwrap();
    written
}

/// Two ordinary threads, created on 2026-05-14 and 2026-05-12.
fn good_threads(home: &TestHome) -> (WrittenThread, WrittenThread) {
    let login = ThreadSpec::new()
        .created(at("2026-05-14T08:00:00.000Z"))
        .turn("Fix the flaky login test", "The login test waits now.");
    let dark = ThreadSpec::new()
        .created(at("2026-05-12T08:00:00.000Z"))
        .turn("Add a dark mode toggle", "Added the toggle.");
    (home.add_thread(&login), home.add_thread(&dark))
}

fn open_store(home: &Path) -> LocalThreadStore {
    LocalThreadStore::open(home, LocalStoreOptions::default())
}

/// Runs the store call on its own runtime and fails when it does not finish in time.
fn within_deadline<T: Send + 'static>(
    work: impl std::future::Future<Output = T> + Send + 'static,
) -> T {
    let (done, result) = std::sync::mpsc::channel();
    std::thread::spawn(move || {
        let runtime = tokio::runtime::Runtime::new().unwrap();
        let _ = done.send(runtime.block_on(work));
    });
    result
        .recv_timeout(Duration::from_secs(DEADLINE_SECS))
        .expect("finished within the deadline (nothing may wait on a FIFO)")
}

fn reason_for<'a>(skipped: &'a [SkippedEntry], path: &Path) -> &'a str {
    skipped
        .iter()
        .find(|entry| entry.path == path)
        .map(|entry| entry.reason.as_str())
        .unwrap_or_else(|| panic!("{} is not reported: {skipped:#?}", path.display()))
}

// ---------------------------------------------------------------------------------------------
// The store
// ---------------------------------------------------------------------------------------------

#[test]
fn listing_and_search_pass_over_bad_entries_and_name_each() {
    let home = TestHome::new();
    let (login, dark) = good_threads(&home);
    let day = login.path.parent().unwrap().to_path_buf();
    let looped = fake_rollout(&day);
    symlink_loop(&looped);
    let fifo = fake_rollout(&day);
    make_fifo(&fifo);
    make_fifo(&home.session_index_path());
    let garbage = fake_rollout(&day).with_extension("jsonl.zst");
    fs::write(&garbage, b"this was never zstd\n").unwrap();
    let damaged = add_damaged_zst(&home, "Where did the cache go");

    let root = home.path().to_path_buf();
    let (page, small_pages, stats, hits) = within_deadline(async move {
        let store = open_store(&root);
        let params = ListThreadsParams {
            page_size: 0,
            sort_key: SortKey::CreatedAt,
            ..Default::default()
        };
        let page = store.list_threads(params.clone()).await.unwrap();
        let small = store
            .list_threads(ListThreadsParams {
                page_size: 1,
                ..params
            })
            .await
            .unwrap();
        let (sender, mut receiver) = tokio::sync::mpsc::channel(1024);
        let stats = store
            .search(
                SearchParams {
                    query: "toggle".into(),
                    include_archived: true,
                    thread_id: None,
                    max_hits_per_thread: None,
                },
                sender,
            )
            .await
            .unwrap();
        let mut hits = Vec::new();
        while let Some(hit) = receiver.recv().await {
            hits.push(hit.thread_id);
        }
        (page, small, stats, hits)
    });

    // Every thread that can be read is listed; the damaged one from what could be read.
    let listed: Vec<ThreadId> = page.items.iter().map(|t| t.thread_id).collect();
    assert_eq!(listed, [login.id, damaged.id, dark.id]);
    assert_eq!(page.items[1].preview, "Where did the cache go");
    assert!(reason_for(&page.skipped, &looped).contains("Too many levels of symbolic links"));
    assert_eq!(
        reason_for(&page.skipped, &fifo),
        "not a regular file: a FIFO"
    );
    assert_eq!(
        reason_for(&page.skipped, &home.session_index_path()),
        "not a regular file: a FIFO"
    );
    assert!(
        reason_for(&page.skipped, &garbage)
            .starts_with("reading stopped at byte 0 of the decompressed lines"),
        "{:?}",
        page.skipped
    );
    let damage = reason_for(&page.skipped, &damaged.path);
    assert!(
        damage.starts_with("listed only as far as it could be read; reading stopped at byte "),
        "{damage}"
    );
    assert_eq!(page.skipped.len(), 5, "{:#?}", page.skipped);
    // A page of one still reports what the walk passed over.
    assert_eq!(small_pages.items.len(), 1);
    assert!(small_pages.skipped.iter().any(|entry| entry.path == looped));

    // Search finds what is there, and names what it could not search.
    assert!(
        !hits.is_empty() && hits.iter().all(|id| *id == dark.id),
        "{hits:?}"
    );
    assert!(reason_for(&stats.skipped, &looped).contains("symbolic links"));
    reason_for(&stats.skipped, &fifo);
    reason_for(&stats.skipped, &garbage);
    reason_for(&stats.skipped, &damaged.path);
}

#[test]
fn a_damaged_zst_shows_as_far_as_readable_then_names_the_file_and_the_place() {
    let home = TestHome::new();
    let damaged = add_damaged_zst(&home, "Where did the cache go");
    let root = home.path().to_path_buf();
    let id = damaged.id;
    let (thread, lines, error) = within_deadline(async move {
        let store = open_store(&root);
        let thread = store
            .read_thread(ReadThreadParams {
                thread_id: id,
                include_archived: true,
                include_history: false,
            })
            .await
            .unwrap();
        let mut lines = 0;
        let mut anchor = None;
        loop {
            let page = store
                .read_history_page(ReadHistoryPageParams {
                    thread_id: id,
                    include_archived: true,
                    anchor,
                    direction: HistoryDirection::Forward,
                    limit: 100,
                    include_raw: false,
                })
                .await;
            match page {
                Ok(page) if page.at_end => panic!("a damaged rollout read to its end"),
                Ok(page) => {
                    lines += page.lines.len();
                    anchor = Some(page.end);
                }
                Err(err) => return (thread, lines, err.to_string()),
            }
        }
    });
    assert_eq!(thread.preview, "Where did the cache go");
    assert!(lines > 10 && lines < damaged.lines.len(), "{lines} lines");
    let expected = format!("{}: reading stopped at byte ", damaged.path.display());
    assert!(error.starts_with(&expected), "{error}");
    assert!(error.contains("of the decompressed lines"), "{error}");
}

#[test]
fn an_unreadable_day_directory_is_skipped_by_name_when_permissions_apply() {
    let home = TestHome::new();
    let (login, dark) = good_threads(&home);
    let locked = dark.path.parent().unwrap().to_path_buf();
    fs::set_permissions(&locked, fs::Permissions::from_mode(0o000)).unwrap();
    let privileged = fs::read_dir(&locked).is_ok();
    let root = home.path().to_path_buf();
    let page = within_deadline(async move {
        open_store(&root)
            .list_threads(ListThreadsParams {
                page_size: 0,
                ..Default::default()
            })
            .await
            .unwrap()
    });
    fs::set_permissions(&locked, fs::Permissions::from_mode(0o755)).unwrap();
    if privileged {
        // Root reads it anyway; `the_cli_names_an_unreadable_day_directory` runs the binary
        // as an unprivileged user to see what a user would.
        eprintln!("running as root: mode 000 does not stop this process reading {locked:?}");
        assert_eq!(page.items.len(), 2);
        return;
    }
    assert_eq!(
        page.items.iter().map(|t| t.thread_id).collect::<Vec<_>>(),
        [login.id]
    );
    assert!(reason_for(&page.skipped, &locked).contains("Permission denied"));
}

// ---------------------------------------------------------------------------------------------
// The command line
// ---------------------------------------------------------------------------------------------

/// The binary on `home` with a deadline, its cache and logs in `scratch`.
fn command(home: &Path, scratch: &Path, args: &[&str]) -> Command {
    let mut command = Command::new("timeout");
    command
        .arg("--kill-after=5")
        .arg(DEADLINE_SECS.to_string())
        .arg(binary())
        .arg("--codex-home")
        .arg(home)
        .args(args)
        .env_remove("CODEX_SQLITE_HOME")
        .env("CODEX_THREADS_CACHE_DIR", scratch.join("cache"))
        .env("CODEX_THREADS_STATE_DIR", scratch.join("cache-state"))
        .env("XDG_STATE_HOME", scratch.join("state"));
    command
}

fn finished(output: Output) -> Output {
    assert_ne!(
        output.status.code(),
        Some(TIMED_OUT),
        "did not finish in {DEADLINE_SECS} s (waiting on a FIFO?); stderr: {}",
        String::from_utf8_lossy(&output.stderr)
    );
    output
}

fn run(home: &Path, scratch: &Path, args: &[&str]) -> Output {
    finished(command(home, scratch, args).output().expect("timeout runs"))
}

fn succeeded(output: &Output) -> (String, Vec<String>) {
    let stderr = String::from_utf8_lossy(&output.stderr).into_owned();
    assert!(output.status.success(), "failed: {stderr}");
    let stdout = String::from_utf8(output.stdout.clone()).expect("UTF-8 output");
    (stdout, stderr.lines().map(str::to_string).collect())
}

fn skipped_line(path: &Path, reason: &str) -> String {
    format!("codex-threads: skipped {}: {reason}", path.display())
}

#[test]
fn the_cli_lists_searches_and_shows_past_loops_and_fifos_warning_once_per_path() {
    let home = TestHome::new();
    let scratch = tempfile::TempDir::new().unwrap();
    let (login, dark) = good_threads(&home);
    let day = login.path.parent().unwrap().to_path_buf();
    let looped = fake_rollout(&day);
    symlink_loop(&looped);
    let fifo = fake_rollout(&day);
    make_fifo(&fifo);
    make_fifo(&home.session_index_path());
    let fifo_reason = "not a regular file: a FIFO";

    let (stdout, warnings) = succeeded(&run(home.path(), scratch.path(), &["list"]));
    assert!(stdout.contains(&login.id.to_string()), "{stdout}");
    assert!(stdout.contains(&dark.id.to_string()), "{stdout}");
    assert_eq!(warnings.len(), 3, "{warnings:#?}");
    assert!(warnings.contains(&skipped_line(&fifo, fifo_reason)));
    assert!(warnings.contains(&skipped_line(&home.session_index_path(), fifo_reason)));
    assert!(
        warnings
            .iter()
            .any(|line| line.starts_with(&skipped_line(&looped, "Too many levels")))
    );

    let (stdout, warnings) = succeeded(&run(home.path(), scratch.path(), &["search", "toggle"]));
    assert!(stdout.contains(&dark.id.to_string()), "{stdout}");
    assert_eq!(warnings.len(), 2, "{warnings:#?}");
    assert!(warnings.contains(&skipped_line(&fifo, fifo_reason)));

    // `show` by a prefix lists every thread to resolve it, and reads names from the index.
    let prefix = &login.id.to_string()[..32];
    let (stdout, _) = succeeded(&run(home.path(), scratch.path(), &["show", prefix]));
    assert!(stdout.contains("Fix the flaky login test"), "{stdout}");

    // A thread whose rollout is the FIFO: one line naming it, at once.
    let fifo_id = fifo.file_name().unwrap().to_str().unwrap()[28..64].to_string();
    let output = run(home.path(), scratch.path(), &["show", &fifo_id]);
    assert!(!output.status.success());
    let stderr = String::from_utf8_lossy(&output.stderr);
    assert_eq!(
        stderr.trim_end(),
        format!("codex-threads: {}: {fifo_reason}", fifo.display())
    );
}

#[test]
fn the_cli_names_an_unreadable_day_directory_and_rollout() {
    let home = TestHome::new();
    let scratch = tempfile::TempDir::new().unwrap();
    let (login, dark) = good_threads(&home);
    let locked = dark.path.parent().unwrap().to_path_buf();
    fs::set_permissions(&locked, fs::Permissions::from_mode(0o000)).unwrap();
    let sealed = home.add_thread(
        &ThreadSpec::new()
            .created(at("2026-05-14T09:00:00.000Z"))
            .turn("Sealed away", "Yes."),
    );
    fs::set_permissions(&sealed.path, fs::Permissions::from_mode(0o000)).unwrap();
    let mut list = command(home.path(), scratch.path(), &["list"]);
    let mut search = command(home.path(), scratch.path(), &["search", "flaky"]);
    if fs::read_dir(&locked).is_ok() {
        // Root reads any directory: run the binary as `nobody`, for whom mode 000 applies.
        // It needs to reach the home, and to write its cache and logs.
        eprintln!("running as root: checking as uid 65534 instead");
        let mut dir = locked.parent().map(Path::to_path_buf);
        while let Some(path) = dir.filter(|path| path.starts_with(home.path())) {
            fs::set_permissions(&path, fs::Permissions::from_mode(0o755)).unwrap();
            dir = path.parent().map(Path::to_path_buf);
        }
        fs::set_permissions(scratch.path(), fs::Permissions::from_mode(0o777)).unwrap();
        list.uid(65534).gid(65534);
        search.uid(65534).gid(65534);
    }
    let listed = finished(list.output().expect("timeout runs"));
    let searched = finished(search.output().expect("timeout runs"));
    fs::set_permissions(&locked, fs::Permissions::from_mode(0o755)).unwrap();
    let denied = "Permission denied (os error 13)";
    let (stdout, mut warnings) = succeeded(&listed);
    assert!(stdout.contains(&login.id.to_string()), "{stdout}");
    assert!(!stdout.contains(&dark.id.to_string()), "{stdout}");
    assert!(!stdout.contains(&sealed.id.to_string()), "{stdout}");
    warnings.sort();
    let mut expected = [
        skipped_line(&locked, denied),
        skipped_line(&sealed.path, denied),
    ];
    expected.sort();
    assert_eq!(warnings, expected);
    let (stdout, mut warnings) = succeeded(&searched);
    assert!(stdout.contains(&login.id.to_string()), "{stdout}");
    warnings.sort();
    assert_eq!(warnings, expected);
}

#[test]
fn paths_that_are_not_utf8_round_trip_in_json() {
    let home = TestHome::new();
    let scratch = tempfile::TempDir::new().unwrap();
    let (login, _) = good_threads(&home);
    // A day directory and a home whose names are not UTF-8 (the home through a symlink).
    let day = login.path.parent().unwrap();
    let odd_day = day.with_file_name(OsStr::from_bytes(b"1\xfe"));
    fs::rename(day, &odd_day).unwrap();
    let odd_home = scratch.path().join(OsStr::from_bytes(b"home-\xff"));
    std::os::unix::fs::symlink(home.path(), &odd_home).unwrap();
    let rollout = odd_home
        .join(odd_day.strip_prefix(home.path()).unwrap())
        .join(login.path.file_name().unwrap());

    let (stdout, _) = succeeded(&run(&odd_home, scratch.path(), &["list", "--json"]));
    let listed: Value = serde_json::from_str(&stdout).unwrap();
    let thread = listed
        .as_array()
        .unwrap()
        .iter()
        .find(|thread| thread["id"] == login.id.to_string())
        .expect("listed");
    assert_path_round_trips(thread, &rollout);

    let (stdout, _) = succeeded(&run(
        &odd_home,
        scratch.path(),
        &["show", &login.id.to_string(), "--json"],
    ));
    let shown: Value = serde_json::from_str(&stdout).unwrap();
    assert_path_round_trips(&shown["thread"], &rollout);
    assert!(!shown["items"].as_array().unwrap().is_empty());
}

fn assert_path_round_trips(thread: &Value, path: &Path) {
    let bytes: Vec<u8> = thread["rollout_path_bytes"]
        .as_array()
        .expect("rollout_path_bytes for a path that is not UTF-8")
        .iter()
        .map(|byte| u8::try_from(byte.as_u64().unwrap()).unwrap())
        .collect();
    assert_eq!(bytes, path.as_os_str().as_bytes());
    assert_eq!(
        thread["rollout_path"].as_str().unwrap(),
        path.to_string_lossy()
    );
    // UTF-8 paths carry no bytes field.
    assert!(thread.get("cwd_bytes").is_none());
}

#[test]
fn the_cli_lists_a_damaged_zst_and_show_says_where_it_stopped() {
    let home = TestHome::new();
    let scratch = tempfile::TempDir::new().unwrap();
    let damaged = add_damaged_zst(&home, "Where did the cache go");
    let id = damaged.id.to_string();

    let (stdout, warnings) = succeeded(&run(home.path(), scratch.path(), &["list"]));
    // Listed (its title may be cut to the width).
    assert!(stdout.contains(&id), "{stdout}");
    assert_eq!(warnings.len(), 1, "{warnings:#?}");
    let prefix = skipped_line(
        &damaged.path,
        "listed only as far as it could be read; reading stopped at byte ",
    );
    assert!(warnings[0].starts_with(&prefix), "{}", warnings[0]);

    // Text: the readable lines, then one line naming the file and the place.
    let output = run(home.path(), scratch.path(), &["show", &id]);
    assert!(!output.status.success());
    let stdout = String::from_utf8_lossy(&output.stdout);
    assert!(stdout.contains("Where did the cache go"), "{stdout}");
    assert!(stdout.contains("ask 10"), "{stdout}");
    let stderr = String::from_utf8_lossy(&output.stderr);
    assert_eq!(stderr.lines().count(), 1, "{stderr}");
    let named = format!(
        "codex-threads: {}: reading stopped at byte ",
        damaged.path.display()
    );
    assert!(stderr.starts_with(&named), "{stderr}");

    // JSON: still one document, with the error in it.
    let output = run(home.path(), scratch.path(), &["show", &id, "--json"]);
    assert!(!output.status.success());
    let shown: Value = serde_json::from_slice(&output.stdout).expect("valid JSON");
    assert!(shown["items"].as_array().unwrap().len() > 10);
    let error = shown["error"].as_str().unwrap();
    assert!(
        error.starts_with(&named["codex-threads: ".len()..]),
        "{error}"
    );
}

// ---------------------------------------------------------------------------------------------
// The TUI
// ---------------------------------------------------------------------------------------------

#[test]
fn the_tui_lists_the_home_past_bad_entries_counts_them_and_quits() {
    let home = TestHome::new();
    let scratch = tempfile::TempDir::new().unwrap();
    let (login, _) = good_threads(&home);
    let day = login.path.parent().unwrap().to_path_buf();
    symlink_loop(&fake_rollout(&day));
    make_fifo(&home.session_index_path());
    let home_arg = home.path().to_string_lossy().into_owned();
    let mut tui = PtySession::spawn(&["--codex-home", &home_arg], scratch.path(), 120, 40);
    // The real home, not the demo, with the bad entries counted in the footer.
    tui.wait_for("Fix the flaky login test");
    tui.wait_for("2 skipped");
    assert!(!tui.contents().contains("Demo home"));
    tui.send("q");
    assert!(tui.wait_exit());
}
