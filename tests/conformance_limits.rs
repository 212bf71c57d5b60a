//! The limits the conformance suites skip checks for still hold. A release-capability flag of
//! `CodexRelease` that is false turns a check into a skip ("Codex 0.104.0 has no
//! thread/memoryMode/set"); here each such limit is shown on the release itself, so a release
//! that gains the ability (or a flag set wrongly) fails instead of skipping quietly.
//!
//! Needs the installed releases (`scripts/install-codex-releases.sh`); without them it says so
//! and passes, unless `CONFORMANCE_REQUIRE_RELEASES` is set.

mod common;

use std::path::{Path, PathBuf};

use serde_json::{Value, json};

use codex_threads::protocol::ThreadId;
use codex_threads::store::ThreadStore;
use codex_threads::store::local::{LocalStoreOptions, LocalThreadStore};
use codex_threads::testing::codex::{self, AppServer, CodexRelease, ReadStateOperation};
use codex_threads::testing::mock_model::MockModel;

#[test]
fn limits_of_codex_0_147_0_hold() {
    limits_hold("0.147.0");
}

#[test]
fn limits_of_codex_0_104_0_hold() {
    limits_hold("0.104.0");
}

/// A fresh Codex home with one thread the release wrote, and its app server still running.
struct Written {
    _model: MockModel,
    _root: tempfile::TempDir,
    home: PathBuf,
    cwd: PathBuf,
    server: AppServer,
    id: String,
}

fn write_thread(release: &CodexRelease) -> Written {
    let model = MockModel::start().expect("mock model");
    let root = tempfile::tempdir().unwrap();
    let (home, cwd) = (root.path().join("home"), root.path().join("work"));
    std::fs::create_dir_all(&cwd).unwrap();
    codex::write_config(&home, &model.base_url(), &[&cwd]).unwrap();
    let mut server = AppServer::start(release, &home, &cwd).expect("app server");
    let id = server
        .start_thread_with_turn(&cwd, "a thread to look at")
        .expect("a thread with one turn");
    Written {
        _model: model,
        _root: root,
        home,
        cwd,
        server,
        id,
    }
}

/// The thread as `thread/list` shows it.
fn listed(server: &mut AppServer, id: &str) -> Value {
    let mut threads = server.list_threads(false).expect("thread/list");
    threads.remove(id).expect("the thread is listed")
}

fn error_of(reply: anyhow::Result<Value>, what: &str) -> String {
    match reply {
        Ok(value) => panic!("{what} succeeded: {value}"),
        Err(err) => format!("{err:#}"),
    }
}

/// The app server refused `method` as one it does not have (not for its parameters).
fn assert_unknown_method(reply: anyhow::Result<Value>, method: &str) {
    let error = error_of(reply, method);
    assert!(
        error.contains(&format!("unknown variant `{method}`")),
        "{method} failed otherwise: {error}"
    );
}

fn limits_hold(version: &str) {
    let Some(release) = common::releases::release_or_skip(version, "conformance_limits") else {
        return;
    };
    let mut written = write_thread(&release);
    let mut held = Vec::new();
    let id = written.id.clone();

    if !release.shows_names() {
        let thread = listed(&mut written.server, &id);
        assert!(
            thread.get("name").is_none(),
            "Codex {version}'s Thread has a name now: {thread}"
        );
        held.push("shows_names");
    }
    if !release.reports_thread_status() {
        let thread = listed(&mut written.server, &id);
        assert!(
            thread.get("status").is_none(),
            "Codex {version}'s Thread has a status now: {thread}"
        );
        held.push("reports_thread_status");
    }
    if !release.sets_memory_mode() {
        let reply = written.server.request(
            "thread/memoryMode/set",
            json!({"threadId": id, "mode": "disabled"}),
        );
        assert_unknown_method(reply, "thread/memoryMode/set");
        held.push("sets_memory_mode");
    }
    if !release.keeps_read_state() {
        let reply = written
            .server
            .update_read_state(&id, ReadStateOperation::Read, "0");
        assert_unknown_method(reply, "thread/readState/update");
        let page = written
            .server
            .list_page(json!({"limit": 10}))
            .expect("thread/list");
        assert!(
            page.get("readStates").is_none(),
            "Codex {version} lists read states now: {page}"
        );
        held.push("keeps_read_state");
    }
    if !release.deletes_threads() {
        let reply = written
            .server
            .request("thread/delete", json!({"threadId": id}));
        assert_unknown_method(reply, "thread/delete");
        assert!(
            codex::find_rollout(&written.home, &id).is_some(),
            "the refused delete left the rollout"
        );
        held.push("deletes_threads");
    }
    if !release.writes_state_db() {
        assert_no_file(&written.home, "state_5.sqlite", version);
        held.push("writes_state_db");
    }
    if !release.projects_turns() {
        assert_no_file(&written.home, "thread_history_1.sqlite", version);
        held.push("projects_turns");
    }
    if !release.reads_archived_threads() {
        // A server that never loaded the thread reads it while it is active, and not once we
        // archived it.
        let mut fresh =
            AppServer::start(&release, &written.home, &written.cwd).expect("a second app server");
        let active = fresh
            .read_thread(&id)
            .expect("thread/read of the active thread");
        assert_eq!(active["id"], json!(id));
        archive(&written.home, &id);
        let error = error_of(fresh.read_thread(&id), "thread/read of an archived thread");
        assert!(error.contains("not loaded"), "{error}");
        held.push("reads_archived_threads");
    }
    assert!(
        !held.is_empty(),
        "Codex {version} has no limit left: its flags say it can do everything"
    );
    eprintln!("conformance_limits: Codex {version} still lacks {held:?}");
}

fn assert_no_file(home: &Path, name: &str, version: &str) {
    assert!(
        !home.join(name).exists(),
        "Codex {version} writes {name} now"
    );
}

/// Archives the thread with our own store, as `codex-threads archive` does.
fn archive(home: &Path, id: &str) {
    let store = LocalThreadStore::open(home, LocalStoreOptions::default());
    let id: ThreadId = id.parse().expect("a thread id");
    let runtime = tokio::runtime::Builder::new_current_thread()
        .enable_all()
        .build()
        .unwrap();
    runtime
        .block_on(store.archive_thread(id))
        .expect("archived by our store");
    // The rollout moved: the release no longer finds it under sessions/.
    let moved = codex::find_rollout(home, &id.to_string()).expect("the rollout");
    assert!(
        moved.to_string_lossy().contains("archived_sessions"),
        "{}",
        moved.display()
    );
}
