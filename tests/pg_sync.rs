//! `sync` and `--store` against a real PostgreSQL server: incremental and idempotent pushes,
//! two syncs at once, last edit wins, a read-only role, following through LISTEN/NOTIFY, and
//! `sync --watch` carrying each change by a pass over the changed thread alone.
//! Each test prints one `skipped` line and passes without a test server.

mod common;

use std::sync::Arc;
use std::time::Duration;

use codex_threads::manager::{FollowEvent, ThreadManager};
use codex_threads::protocol::{RolloutItem, ThreadId};
use codex_threads::store::local::{LocalStoreOptions, LocalThreadStore};
use codex_threads::store::pg::PgThreadStore;
use codex_threads::store::*;
use codex_threads::sync::{PassKind, SyncReport, origin_of, sync_once, sync_watch};
use common::{TestHome, ThreadSpec, append_raw, lines};

fn home_with_threads(n: usize) -> (TestHome, Vec<(ThreadSpec, std::path::PathBuf)>) {
    let home = TestHome::new();
    let threads = (0..n)
        .map(|i| {
            let spec = ThreadSpec::new()
                .turn(&format!("question {i}"), "answer")
                .turn("more", "still more");
            let written = home.add_thread(&spec);
            (spec, written.path)
        })
        .collect();
    (home, threads)
}

fn local(home: &TestHome) -> LocalThreadStore {
    LocalThreadStore::open(home.path(), LocalStoreOptions::default())
}

async fn line_counts(url: &str) -> (i64, i64) {
    let (client, connection) = tokio_postgres::connect(url, tokio_postgres::NoTls)
        .await
        .unwrap();
    tokio::spawn(connection);
    let row = client
        .query_one(
            "SELECT count(*), count(DISTINCT (thread_id, byte_offset)) FROM ct_lines",
            &[],
        )
        .await
        .unwrap();
    (row.get(0), row.get(1))
}

fn file_lines(path: &std::path::Path) -> i64 {
    std::fs::read_to_string(path).unwrap().lines().count() as i64
}

/// Appends a user message, as Codex would, to a rollout.
fn append_user_message(rollout: &std::path::Path, text: &str) {
    append_raw(
        rollout,
        format!("{}\n", lines::user_message_event(chrono::Utc::now(), text)),
    );
}

/// A home of `n` threads synced once into a fresh database.
struct SyncedHome {
    db: common::pg::TempDatabase,
    home: TestHome,
    threads: Vec<(ThreadSpec, std::path::PathBuf)>,
    origin: ThreadOrigin,
    store: PgThreadStore,
}

impl SyncedHome {
    /// `None` (skipped) without a test server.
    async fn new(test: &str, n: usize) -> Option<SyncedHome> {
        let db = common::pg::TempDatabase::new(test).await?;
        let (home, threads) = home_with_threads(n);
        let origin = origin_of(home.path());
        let store = PgThreadStore::connect(&db.url()).await.unwrap();
        let synced = SyncedHome {
            db,
            home,
            threads,
            origin,
            store,
        };
        synced.sync().await;
        Some(synced)
    }

    /// Syncs the home into the store again.
    async fn sync(&self) -> SyncReport {
        sync_once(&local(&self.home), &self.store, &self.origin)
            .await
            .unwrap()
    }
}

#[tokio::test]
async fn sync_is_incremental_idempotent_and_safe_with_two_at_once() {
    let Some(db) = common::pg::TempDatabase::new("sync_is_incremental").await else {
        return;
    };
    let url = db.url();
    let (home, threads) = home_with_threads(12);
    let origin = origin_of(home.path());
    let (a, b) = (
        PgThreadStore::connect(&url).await.unwrap(),
        PgThreadStore::connect(&url).await.unwrap(),
    );
    let (la, lb) = (local(&home), local(&home));
    // Two syncs of the same home at once: every line once.
    let (ra, rb) = tokio::join!(sync_once(&la, &a, &origin), sync_once(&lb, &b, &origin));
    let (ra, rb) = (ra.unwrap(), rb.unwrap());
    let expected: i64 = threads.iter().map(|(_, path)| file_lines(path)).sum();
    assert_eq!((ra.lines_added + rb.lines_added) as i64, expected);
    assert_eq!(line_counts(&url).await, (expected, expected));
    // A second run adds nothing.
    let again = sync_once(&la, &a, &origin).await.unwrap();
    assert_eq!((again.changed, again.lines_added), (0, 0));
    // New lines in one rollout: only they are sent.
    let (spec, path) = &threads[3];
    append_user_message(path, "appended later");
    let la = local(&home);
    let next = sync_once(&la, &a, &origin).await.unwrap();
    assert_eq!((next.changed, next.lines_added), (1, 1));
    let page = common::pg::last_line_page(&a, spec.id).await.unwrap();
    assert!(
        page.lines[0]
            .raw
            .as_deref()
            .unwrap()
            .contains("appended later")
    );
    assert_eq!(line_counts(&url).await, (expected + 1, expected + 1));
}

#[tokio::test]
async fn edits_on_the_store_during_two_syncs_lose_no_line_and_no_edit() {
    let Some(SyncedHome {
        db,
        home,
        threads,
        origin,
        store,
    }) = SyncedHome::new("edits_during_syncs", 8).await
    else {
        return;
    };
    let url = db.url();
    // New lines in every rollout, then two syncs while each thread is renamed on the store.
    for (_, path) in &threads {
        append_user_message(path, "during the edits");
    }
    let (la, lb) = (local(&home), local(&home));
    let other = PgThreadStore::connect(&url).await.unwrap();
    let renames = async {
        for (index, (spec, _)) in threads.iter().enumerate() {
            store
                .update_thread_metadata(UpdateThreadMetadataParams {
                    thread_id: spec.id,
                    patch: ThreadMetadataPatch::rename(Some(format!("edited {index}"))),
                    include_archived: false,
                })
                .await
                .unwrap();
        }
    };
    let (ra, rb, ()) = tokio::join!(
        sync_once(&la, &store, &origin),
        sync_once(&lb, &other, &origin),
        renames
    );
    let added = ra.unwrap().lines_added + rb.unwrap().lines_added;
    assert_eq!(added, threads.len(), "each new line once");
    let expected: i64 = threads.iter().map(|(_, path)| file_lines(path)).sum();
    assert_eq!(line_counts(&url).await, (expected, expected));
    for (index, (spec, _)) in threads.iter().enumerate() {
        let thread = store
            .read_thread(ReadThreadParams {
                thread_id: spec.id,
                include_archived: false,
                include_history: false,
            })
            .await
            .unwrap();
        assert_eq!(thread.name, Some(format!("edited {index}")), "no edit lost");
    }
}

#[tokio::test]
async fn an_edit_on_the_store_survives_later_syncs_and_never_touches_the_home() {
    let Some(SyncedHome {
        db: _db,
        home,
        threads,
        origin,
        store,
    }) = SyncedHome::new("an_edit_on_the_store_survives", 2).await
    else {
        return;
    };
    let id = threads[0].0.id;
    let before = std::fs::read(&threads[0].1).unwrap();
    let manager = ThreadManager::new(Arc::new(store.clone()));
    manager
        .update_thread_metadata(
            id,
            ThreadMetadataPatch::rename(Some("Named on the store".into())),
            false,
        )
        .await
        .unwrap();
    // The home changes (new lines), the name on the store stays.
    append_user_message(&threads[0].1, "later");
    let report = sync_once(&local(&home), &store, &origin).await.unwrap();
    assert_eq!(report.changed, 1);
    let thread = store
        .read_thread(ReadThreadParams {
            thread_id: id,
            include_archived: false,
            include_history: false,
        })
        .await
        .unwrap();
    assert_eq!(thread.name.as_deref(), Some("Named on the store"));
    assert_eq!(thread.origin.unwrap().codex_home, origin.codex_home);
    // The rollout holds our appended line and nothing from the store's edit.
    let after = std::fs::read(&threads[0].1).unwrap();
    assert!(after.starts_with(&before));
    assert!(!String::from_utf8_lossy(&after).contains("Named on the store"));
    assert!(
        !home.path().join("session_index.jsonl").exists()
            || !std::fs::read_to_string(home.path().join("session_index.jsonl"))
                .unwrap()
                .contains("Named on the store")
    );
}

/// A one-thread home synced into a fresh store, and a follower on the store from its end.
struct FollowedThread {
    synced: SyncedHome,
    follower: codex_threads::manager::ThreadFollower,
}

impl FollowedThread {
    async fn new(test: &str) -> Option<FollowedThread> {
        let synced = SyncedHome::new(test, 1).await?;
        let id: ThreadId = synced.threads[0].0.id;
        let manager = ThreadManager::new(Arc::new(synced.store.clone()));
        let end = common::pg::last_line_page(&synced.store, id)
            .await
            .unwrap()
            .end;
        let follower = manager.follow_thread(id, end, false).await.unwrap();
        Some(FollowedThread { synced, follower })
    }

    /// Appends a line to the home's rollout and syncs it into the store.
    async fn append_and_sync(&self, text: &str) {
        append_user_message(&self.synced.threads[0].1, text);
        self.synced.sync().await;
    }

    /// The lines of the follower's next event, which must come within `deadline`.
    async fn next_lines(&mut self, deadline: Duration) -> Vec<HistoryLine> {
        let event = tokio::time::timeout(deadline, self.follower.recv())
            .await
            .expect("a follow event within the deadline")
            .expect("the follower is open");
        let FollowEvent::Lines(lines) = event else {
            panic!("expected lines, got {event:?}");
        };
        lines
    }
}

#[tokio::test]
async fn a_follower_on_the_store_sees_synced_lines_through_notify() {
    let Some(mut followed) = FollowedThread::new("a_follower_on_the_store").await else {
        return;
    };
    // How soon it arrives is a figure for `pg_bench` (append → a LISTEN follower has it);
    // here it must arrive, woken by NOTIFY, within the deadline.
    followed.append_and_sync("live line").await;
    let lines = followed.next_lines(Duration::from_secs(5)).await;
    let Ok(line) = &lines[0].line else {
        panic!("decoded")
    };
    assert!(matches!(line.item, RolloutItem::EventMsg(_)));
}

#[tokio::test]
async fn a_follower_on_the_store_keeps_following_after_its_listen_connection_is_cut() {
    let Some(mut followed) = FollowedThread::new("listen_connection_cut").await else {
        return;
    };
    // The server ends the `LISTEN` session (as a restart or a network cut would).
    let db = &followed.synced.db;
    let cut = db
        .query(&format!(
            "SELECT pg_terminate_backend(pid) FROM pg_stat_activity
             WHERE datname = '{}' AND query LIKE 'LISTEN%'",
            db.name()
        ))
        .await;
    assert_eq!(cut.len(), 1, "one LISTEN session to cut");
    // A line pushed while it is gone, or after it is back: either way it arrives, long before
    // the follower's own 30 s look.
    followed.append_and_sync("after the cut").await;
    let lines = followed.next_lines(Duration::from_secs(10)).await;
    assert_eq!(lines.len(), 1);
}

#[tokio::test]
async fn search_texts_stored_before_migration_3_are_lowercased_by_it() {
    let Some(db) = common::pg::TempDatabase::new("search_text_migration").await else {
        return;
    };
    let url = db.url();
    let home = TestHome::new();
    home.add_thread(&ThreadSpec::new().turn("Deploy the Gateway", "Gateway DEPLOYED"));
    let store = PgThreadStore::connect(&url).await.unwrap();
    sync_once(&local(&home), &store, &origin_of(home.path()))
        .await
        .unwrap();
    let hits = |store: PgThreadStore, query: &'static str| async move {
        let manager = ThreadManager::new(Arc::new(store));
        common::scan::search_hits(&manager, query, true).await.len()
    };
    let before = (
        hits(store.clone(), "gateway").await,
        hits(store.clone(), "DEPLOYED").await,
    );
    assert!(before.0 >= 2 && before.1 >= 1, "{before:?}");
    drop(store);
    // The store as an earlier version left it: search texts as written, migration 3 not run.
    common::pg::admin(
        &url,
        db.name(),
        "UPDATE ct_lines SET search_text = initcap(search_text) WHERE search_text IS NOT NULL;
         DELETE FROM ct_migrations WHERE version >= 3;",
    )
    .await;
    let store = PgThreadStore::connect(&url).await.unwrap();
    let after = (
        hits(store.clone(), "gateway").await,
        hits(store.clone(), "DEPLOYED").await,
    );
    assert_eq!(after, before);
}

#[tokio::test]
async fn a_select_only_role_browses_and_gets_a_clear_error_on_edits() {
    let Some(SyncedHome {
        db,
        home,
        threads,
        origin,
        store: _,
    }) = SyncedHome::new("a_select_only_role", 2).await
    else {
        return;
    };
    let url = db.url();
    let database = db.name().to_string();
    let role = format!("reader_{database}");
    common::pg::admin(
        &url,
        &database,
        &format!(
            "CREATE ROLE {role} LOGIN PASSWORD 'pw-never-shown';
             GRANT SELECT ON ALL TABLES IN SCHEMA public TO {role};"
        ),
    )
    .await;
    let reader_url = url.replacen("://", &format!("://{role}:pw-never-shown@"), 1);
    let reader_url = match reader_url.find('@') {
        // Drop the admin user name that followed.
        Some(at) => {
            let rest = &reader_url[at + 1..];
            let rest = rest.split_once('@').map_or(rest, |(_, after)| after);
            format!("{}@{}", &reader_url[..at], rest)
        }
        None => reader_url,
    };
    let run = |args: &[&str]| {
        std::process::Command::new(env!("CARGO_BIN_EXE_codex-threads"))
            .arg("--store")
            .arg(&reader_url)
            .args(args)
            .env("CODEX_THREADS_CACHE_DIR", home.path().join(".cache"))
            .env("CODEX_THREADS_STATE_DIR", home.path().join(".cache-state"))
            .output()
            .unwrap()
    };
    let listed = run(&["list"]);
    let text = String::from_utf8_lossy(&listed.stdout);
    assert!(
        listed.status.success(),
        "{}",
        String::from_utf8_lossy(&listed.stderr)
    );
    assert!(text.contains(&threads[0].0.id.to_string()));
    // The table shrinks the origin to fit 100 columns; the JSON carries it whole.
    assert!(text.contains("ORIGIN"), "{text}");
    let listed_json = run(&["list", "--json"]);
    assert!(listed_json.status.success());
    let json = String::from_utf8_lossy(&listed_json.stdout);
    assert!(json.contains(&origin.codex_home), "{json}");
    let id = threads[0].0.id.to_string();
    let shown = run(&["show", &id]);
    assert!(shown.status.success());
    let renamed = run(&["rename", &id, "nope"]);
    let err = String::from_utf8_lossy(&renamed.stderr);
    assert!(!renamed.status.success());
    assert!(err.contains("read-only"), "{err}");
    assert!(!err.contains("pw-never-shown"), "{err}");
    // Roles belong to the whole server, not to the test's database.
    common::pg::admin(&url, &database, &format!("DROP OWNED BY {role}")).await;
    common::pg::admin(&url, "postgres", &format!("DROP ROLE {role}")).await;
}

type Passes = tokio::sync::mpsc::UnboundedReceiver<SyncReport>;

/// `sync --watch` on the home in the background; its pass reports come through the receiver.
fn start_watch(
    home: &TestHome,
    store: &PgThreadStore,
) -> (tokio::task::JoinHandle<StoreResult<()>>, Passes) {
    let (passes_tx, passes) = tokio::sync::mpsc::unbounded_channel();
    let (local, store, origin) = (local(home), store.clone(), origin_of(home.path()));
    let watch = tokio::spawn(async move {
        sync_watch(&local, &store, &origin, move |report: &SyncReport, _| {
            let _ = passes_tx.send(report.clone());
        })
        .await
    });
    (watch, passes)
}

async fn next_pass(passes: &mut Passes, deadline: tokio::time::Instant) -> SyncReport {
    tokio::time::timeout_at(deadline, passes.recv())
        .await
        .expect("a pass of the watch within the deadline")
        .expect("the watch is running")
}

/// Waits (at most 10 s) until `done` holds, checking after each pass of the watch; every pass
/// meanwhile must have looked at a changed thread or two, not at the home. Returns the passes.
async fn until_by_targeted_passes<F, Fut>(passes: &mut Passes, done: F) -> Vec<SyncReport>
where
    F: Fn() -> Fut,
    Fut: std::future::Future<Output = bool>,
{
    let deadline = tokio::time::Instant::now() + Duration::from_secs(10);
    let mut seen = Vec::new();
    while !done().await {
        let report = next_pass(passes, deadline).await;
        assert_eq!(report.kind, PassKind::Targeted, "{report:?}");
        assert!(report.threads <= 2, "{report:?}");
        seen.push(report);
    }
    seen
}

async fn stored_thread(store: &PgThreadStore, id: ThreadId) -> Option<StoredThread> {
    store
        .read_thread(ReadThreadParams {
            thread_id: id,
            include_archived: true,
            include_history: false,
        })
        .await
        .ok()
}

async fn last_stored_line(store: &PgThreadStore, id: ThreadId) -> Option<String> {
    let page = common::pg::last_line_page(store, id).await.ok()?;
    page.lines.last()?.raw.clone()
}

#[tokio::test]
async fn watch_carries_each_changed_rollout_alone_on_a_large_home() {
    let Some(db) = common::pg::TempDatabase::new("watch_carries_each_changed_rollout").await else {
        return;
    };
    let url = db.url();
    const THREADS: usize = 2_000;
    let (home, threads) = home_with_threads(THREADS);
    let store = PgThreadStore::connect(&url).await.unwrap();
    let (watch, mut passes) = start_watch(&home, &store);
    let first = next_pass(
        &mut passes,
        tokio::time::Instant::now() + Duration::from_secs(300),
    )
    .await;
    assert_eq!(
        (first.kind, first.threads, first.changed),
        (PassKind::Full, THREADS, THREADS)
    );

    // A line appended to one rollout: in the store by a pass over that thread alone (how
    // soon is a figure for `pg_bench`: line appended → in the store).
    let (spec, path) = &threads[1234];
    append_user_message(path, "appended while watched");
    let seen = until_by_targeted_passes(&mut passes, || async {
        last_stored_line(&store, spec.id)
            .await
            .is_some_and(|raw| raw.contains("appended while watched"))
    })
    .await;
    assert!(
        seen.iter()
            .any(|pass| (pass.threads, pass.changed, pass.lines_added) == (1, 1, 1)),
        "{seen:?}"
    );

    // A new thread: its row and every line.
    let new = ThreadSpec::new().turn("a new thread", "while watched");
    let written = home.add_thread(&new);
    let seen = until_by_targeted_passes(&mut passes, || async {
        let Some(thread) = stored_thread(&store, new.id).await else {
            return false;
        };
        thread.preview == "a new thread"
            && last_stored_line(&store, new.id).await.as_deref()
                == written.lines.last().map(String::as_str)
    })
    .await;
    assert!(
        seen.iter()
            .any(|pass| pass.threads == 1 && pass.lines_added == written.lines.len()),
        "{seen:?}"
    );

    // A rollout moved into archived_sessions: the thread is archived in the store.
    let (moved, moved_path) = &threads[42];
    std::fs::rename(
        moved_path,
        home.archived_sessions_dir()
            .join(moved_path.file_name().unwrap()),
    )
    .unwrap();
    until_by_targeted_passes(&mut passes, || async {
        stored_thread(&store, moved.id)
            .await
            .is_some_and(|thread| thread.archived)
    })
    .await;
    watch.abort();
}

#[tokio::test]
async fn watch_takes_a_rename_in_session_index_by_a_full_pass() {
    let Some(db) = common::pg::TempDatabase::new("watch_takes_a_rename").await else {
        return;
    };
    let url = db.url();
    let (home, threads) = home_with_threads(5);
    let store = PgThreadStore::connect(&url).await.unwrap();
    let (watch, mut passes) = start_watch(&home, &store);
    let deadline = tokio::time::Instant::now() + Duration::from_secs(30);
    assert_eq!(next_pass(&mut passes, deadline).await.kind, PassKind::Full);
    let id = threads[2].0.id;
    home.write_session_index(&[(id, "Renamed in Codex", &chrono::Utc::now().to_rfc3339())]);
    // Names are not in the rollout: no targeted pass carries them, a full one does.
    let deadline = tokio::time::Instant::now() + Duration::from_secs(10);
    loop {
        let report = next_pass(&mut passes, deadline).await;
        if report.kind == PassKind::Full && report.changed > 0 {
            assert_eq!((report.threads, report.changed), (5, 1));
            break;
        }
    }
    let thread = stored_thread(&store, id).await.unwrap();
    assert_eq!(thread.name.as_deref(), Some("Renamed in Codex"));
    watch.abort();
}
