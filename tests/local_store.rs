//! `LocalThreadStore` on real temporary Codex homes: real rollout files (plain and `.zst`), a
//! real `session_index.jsonl` and a real state DB in Codex's schema (codex-format §1–4).

mod common;

use std::fs;
use std::io::{BufWriter, Write};
use std::path::PathBuf;
use std::sync::Arc;
use std::time::{Duration as StdDuration, SystemTime};

use chrono::{DateTime, Duration, Utc};
use codex_threads::manager::ThreadManager;
use codex_threads::protocol::{
    EventMsg, RolloutItem, RolloutLine, ThreadId, ThreadMemoryMode, UserMessageEvent,
};
use codex_threads::store::local::{LocalStoreOptions, LocalThreadStore};
use codex_threads::store::*;
use common::lines::{self, MetaFields};
use common::{
    SchemaVariant, TestHome, ThreadRow, ThreadSpec, Turn, WrittenThread, append_raw, at, mtime,
    read_rollout, set_mtime,
};
use serde_json::{Value, json};

// ---------------------------------------------------------------------------------------------
// Helpers
// ---------------------------------------------------------------------------------------------

fn open_store(home: &TestHome) -> Arc<LocalThreadStore> {
    Arc::new(LocalThreadStore::open(
        home.path(),
        LocalStoreOptions::default(),
    ))
}

fn manager(store: &Arc<LocalThreadStore>) -> ThreadManager {
    ThreadManager::new(store.clone())
}

async fn read(store: &LocalThreadStore, id: ThreadId) -> StoredThread {
    try_read(store, id, true).await.unwrap()
}

async fn try_read(
    store: &LocalThreadStore,
    id: ThreadId,
    include_archived: bool,
) -> StoreResult<StoredThread> {
    store
        .read_thread(ReadThreadParams {
            thread_id: id,
            include_archived,
            include_history: false,
        })
        .await
}

async fn list(store: &LocalThreadStore, params: ListThreadsParams) -> Vec<StoredThread> {
    store.list_threads(params).await.unwrap().items
}

fn ids(threads: &[StoredThread]) -> Vec<ThreadId> {
    threads.iter().map(|thread| thread.thread_id).collect()
}

/// Follows `next_cursor` from the first page to the last, checking each page's size.
async fn list_by_pages(store: &LocalThreadStore, mut params: ListThreadsParams) -> Vec<ThreadId> {
    let mut seen = Vec::new();
    for _ in 0..200 {
        let page = store.list_threads(params.clone()).await.unwrap();
        if params.page_size > 0 {
            assert!(page.items.len() <= params.page_size, "page too big");
        }
        if page.next_cursor.is_some() {
            assert_eq!(
                page.items.len(),
                params.page_size,
                "short page with a cursor"
            );
        }
        seen.extend(ids(&page.items));
        match page.next_cursor {
            Some(cursor) => params.cursor = Some(cursor),
            None => return seen,
        }
    }
    panic!("paging never ended");
}

/// The listing order computed the plain way: created = file-name time (whole seconds),
/// updated = mtime (ms); ties by id; then the direction.
fn expected_order(specs: &[ThreadSpec], key: SortKey, direction: SortDirection) -> Vec<ThreadId> {
    let mut keyed: Vec<(i64, ThreadId)> = specs
        .iter()
        .map(|spec| {
            let at = match key {
                SortKey::CreatedAt => spec.created.timestamp() * 1000,
                SortKey::UpdatedAt => spec.effective_mtime().timestamp_millis(),
            };
            (at, spec.id)
        })
        .collect();
    keyed.sort();
    if direction == SortDirection::Desc {
        keyed.reverse();
    }
    keyed.into_iter().map(|(_, id)| id).collect()
}

fn image_only_message(at: DateTime<Utc>) -> String {
    let event = UserMessageEvent {
        message: "  ".to_string(),
        local_images: vec!["/tmp/screenshot.png".to_string()],
        ..Default::default()
    };
    lines::typed(at, RolloutItem::EventMsg(EventMsg::UserMessage(event)))
}

fn index_lines(home: &TestHome) -> Vec<Value> {
    match fs::read_to_string(home.session_index_path()) {
        Ok(text) => text
            .lines()
            .map(|line| serde_json::from_str(line).unwrap())
            .collect(),
        Err(_) => Vec::new(),
    }
}

fn row(home: &TestHome, id: ThreadId) -> Value {
    home.state_db_row(id).expect("thread row")
}

fn rename(name: &str) -> ThreadMetadataPatch {
    ThreadMetadataPatch::rename(Some(name.to_string()))
}

fn disable_memory() -> ThreadMetadataPatch {
    ThreadMetadataPatch::memory_mode(ThreadMemoryMode::Disabled)
}

/// A home with a state DB and one indexed thread.
fn indexed_home(spec: &ThreadSpec) -> (TestHome, WrittenThread) {
    let home = TestHome::new();
    home.create_state_db(SchemaVariant::Current);
    let written = home.add_indexed_thread(spec);
    (home, written)
}

fn decoded(lines: &[String]) -> Vec<RolloutLine> {
    lines
        .iter()
        .map(|line| RolloutLine::decode(line).unwrap())
        .collect()
}

fn page_params(
    id: ThreadId,
    anchor: Option<HistoryCursor>,
    direction: HistoryDirection,
    limit: usize,
) -> ReadHistoryPageParams {
    ReadHistoryPageParams {
        thread_id: id,
        include_archived: true,
        anchor,
        direction,
        limit,
        include_raw: false,
    }
}

/// Every history line, read backward page by page from the end, in file order.
async fn read_backward_to_start(
    store: &LocalThreadStore,
    id: ThreadId,
    limit: usize,
) -> Vec<HistoryLine> {
    let mut pages: Vec<Vec<HistoryLine>> = Vec::new();
    let mut anchor = None;
    for _ in 0..10_000 {
        let page = store
            .read_history_page(page_params(id, anchor, HistoryDirection::Backward, limit))
            .await
            .unwrap();
        assert!(page.lines.len() <= limit);
        let at_start = page.at_start;
        anchor = Some(page.start);
        pages.push(page.lines);
        if at_start {
            pages.reverse();
            return pages.into_iter().flatten().collect();
        }
    }
    panic!("never reached the start");
}

fn assert_strictly_increasing(lines: &[HistoryLine]) {
    assert!(
        lines.windows(2).all(|pair| pair[0].cursor < pair[1].cursor),
        "cursors repeat or go backward"
    );
}

fn ok_lines(lines: &[HistoryLine]) -> Vec<RolloutLine> {
    lines
        .iter()
        .map(|line| line.line.clone().expect("a valid line"))
        .collect()
}

// ---------------------------------------------------------------------------------------------
// Listing
// ---------------------------------------------------------------------------------------------

/// Nine listable active threads over several days (pairs share a file-name second, several
/// share an mtime), one compressed and one goal-first; three that must never be listed; and
/// two archived threads.
struct ListingHome {
    home: TestHome,
    listable: Vec<ThreadSpec>,
    archived: Vec<ThreadSpec>,
}

fn listing_home() -> ListingHome {
    let home = TestHome::new();
    let base = at("2026-05-10T08:00:00.000Z");
    let updated_base = at("2026-06-01T00:00:00.000Z");
    let mut listable = Vec::new();
    for i in 0..9i64 {
        let created = base + Duration::hours((i / 2) * 20) + Duration::milliseconds(i * 100);
        let modified = updated_base + Duration::minutes((i * 5 % 9) / 2);
        let cwd = if i % 3 == 0 {
            "/work/alpha"
        } else {
            "/work/beta"
        };
        let mut spec = ThreadSpec::new()
            .created(created)
            .cwd(cwd)
            .modified(modified)
            .turn(&format!("Task number {i}"), "Done.");
        if i == 4 {
            spec = spec.compressed();
        }
        if i == 7 {
            spec = spec.with_goal("Ship the release");
        }
        home.add_thread(&spec);
        listable.push(spec);
    }
    let hidden = [
        ThreadSpec::new()
            .created(base + Duration::hours(5))
            .no_user_message()
            .turn("invisible", "x"),
        ThreadSpec::new()
            .created(base + Duration::hours(25))
            .pre_envelope()
            .turn("from 2025", "x"),
        ThreadSpec::new().created(base + Duration::hours(45)),
    ];
    for spec in &hidden {
        assert!(!spec.is_listable());
        home.add_thread(spec);
    }
    let archived = vec![
        ThreadSpec::new()
            .created(base + Duration::hours(3))
            .archived()
            .turn("Archived one", "x"),
        ThreadSpec::new()
            .created(base + Duration::hours(30))
            .archived()
            .compressed()
            .turn("Archived two", "x"),
    ];
    for spec in &archived {
        home.add_thread(spec);
    }
    ListingHome {
        home,
        listable,
        archived,
    }
}

#[tokio::test]
async fn paging_by_cursor_visits_every_listable_thread_once_in_order() {
    let fixture = listing_home();
    let store = open_store(&fixture.home);
    for key in [SortKey::CreatedAt, SortKey::UpdatedAt] {
        for direction in [SortDirection::Asc, SortDirection::Desc] {
            let expected = expected_order(&fixture.listable, key, direction);
            for page_size in 1..=5 {
                let params = ListThreadsParams {
                    page_size,
                    sort_key: key,
                    sort_direction: direction,
                    ..Default::default()
                };
                let seen = list_by_pages(&store, params).await;
                assert_eq!(
                    seen, expected,
                    "{key:?} {direction:?} page size {page_size}"
                );
            }
        }
    }
}

#[tokio::test]
async fn page_size_zero_lists_everything_and_hidden_threads_never_show() {
    let fixture = listing_home();
    let store = open_store(&fixture.home);
    let page = store
        .list_threads(ListThreadsParams {
            page_size: 0,
            ..Default::default()
        })
        .await
        .unwrap();
    assert_eq!(page.next_cursor, None);
    assert_eq!(
        ids(&page.items),
        expected_order(&fixture.listable, SortKey::CreatedAt, SortDirection::Desc)
    );
    // Facts of a few entries: the compressed one reports its plain path, the goal one its goal.
    let compressed = &fixture.listable[4];
    let listed = page
        .items
        .iter()
        .find(|t| t.thread_id == compressed.id)
        .unwrap();
    assert_eq!(
        listed.rollout_path.as_deref(),
        Some(
            fixture
                .home
                .path()
                .join(compressed.relative_path())
                .as_path()
        )
    );
    assert_eq!(listed.preview, "Task number 4");
    let goal = page
        .items
        .iter()
        .find(|t| t.thread_id == fixture.listable[7].id)
        .unwrap();
    assert_eq!(goal.preview, "Ship the release");
    assert!(page.items.iter().all(|t| !t.archived));
}

#[tokio::test]
async fn archived_listing_shows_only_archived_threads() {
    let fixture = listing_home();
    let store = open_store(&fixture.home);
    for page_size in [0, 1] {
        let params = ListThreadsParams {
            page_size,
            archived: true,
            ..Default::default()
        };
        let seen = list_by_pages(&store, params).await;
        assert_eq!(
            seen,
            expected_order(&fixture.archived, SortKey::CreatedAt, SortDirection::Desc)
        );
    }
    let archived = list(
        &store,
        ListThreadsParams {
            archived: true,
            ..Default::default()
        },
    )
    .await;
    assert!(archived.iter().all(|t| t.archived));
}

#[tokio::test]
async fn cwd_filter_keeps_matching_directories_and_an_empty_filter_matches_nothing() {
    let fixture = listing_home();
    let store = open_store(&fixture.home);
    let alpha: Vec<ThreadSpec> = fixture
        .listable
        .iter()
        .filter(|spec| spec.cwd == "/work/alpha")
        .cloned()
        .collect();
    assert_eq!(alpha.len(), 3);
    let params = ListThreadsParams {
        page_size: 2,
        sort_direction: SortDirection::Asc,
        cwd_filters: Some(vec![PathBuf::from("/work/alpha")]),
        ..Default::default()
    };
    assert_eq!(
        list_by_pages(&store, params).await,
        expected_order(&alpha, SortKey::CreatedAt, SortDirection::Asc)
    );
    let nothing = list(
        &store,
        ListThreadsParams {
            cwd_filters: Some(Vec::new()),
            ..Default::default()
        },
    )
    .await;
    assert!(nothing.is_empty());
    let both = list(
        &store,
        ListThreadsParams {
            page_size: 0,
            cwd_filters: Some(vec!["/work/alpha".into(), "/work/beta".into()]),
            ..Default::default()
        },
    )
    .await;
    assert_eq!(both.len(), fixture.listable.len());
}

#[tokio::test]
async fn search_matches_name_or_preview_ignoring_case() {
    let home = TestHome::new();
    let by_preview = ThreadSpec::new()
        .created(at("2026-05-01T10:00:00Z"))
        .turn("Fix the flaky LOGIN test", "ok");
    let by_index_name = ThreadSpec::new()
        .created(at("2026-05-02T10:00:00Z"))
        .turn("Something else", "ok");
    let by_db_name = ThreadSpec::new()
        .created(at("2026-05-03T10:00:00Z"))
        .turn("Unrelated words", "ok");
    let neither = ThreadSpec::new()
        .created(at("2026-05-04T10:00:00Z"))
        .turn("Refactor the parser", "ok");
    home.create_state_db(SchemaVariant::Current);
    for spec in [&by_preview, &by_index_name, &neither] {
        home.add_thread(spec);
    }
    let written = home.add_thread(&by_db_name);
    home.insert_thread_row(&ThreadRow {
        title: "Login Redesign".to_string(),
        ..ThreadRow::from_spec(&by_db_name, &written.path)
    });
    home.write_session_index(&[(by_index_name.id, "login cleanup", "2026-05-02T11:00:00Z")]);
    let store = open_store(&home);

    let search = |term: &str| ListThreadsParams {
        page_size: 0,
        search_term: Some(term.to_string()),
        ..Default::default()
    };
    let found = list(&store, search("LoGiN")).await;
    assert_eq!(
        ids(&found),
        vec![by_db_name.id, by_index_name.id, by_preview.id]
    );
    assert_eq!(
        ids(&list(&store, search("login RED")).await),
        vec![by_db_name.id]
    );
    assert_eq!(ids(&list(&store, search("PARSER")).await), vec![neither.id]);
    assert!(list(&store, search("nowhere")).await.is_empty());
    // Paging through a search gives the same threads.
    let paged = list_by_pages(
        &store,
        ListThreadsParams {
            page_size: 1,
            ..search("login")
        },
    )
    .await;
    assert_eq!(paged, ids(&found));
}

#[tokio::test]
async fn an_invalid_cursor_is_an_invalid_request() {
    let fixture = listing_home();
    let store = open_store(&fixture.home);
    for cursor in [
        "",
        "garbage",
        "2026-05-10T08:00:00Z",
        "2026-05-10T08:00:00Z~x",
    ] {
        let result = store
            .list_threads(ListThreadsParams {
                cursor: Some(cursor.to_string()),
                ..Default::default()
            })
            .await;
        assert!(
            matches!(result, Err(ThreadStoreError::InvalidRequest { .. })),
            "{cursor:?} gave {result:?}"
        );
    }
}

// ---------------------------------------------------------------------------------------------
// Every era of rollout
// ---------------------------------------------------------------------------------------------

#[tokio::test]
async fn pre_envelope_rollouts_are_readable_but_not_listed() {
    let home = TestHome::new();
    let spec = ThreadSpec::new()
        .pre_envelope()
        .turn("from 2025", "old answer")
        .turn("second", "again");
    let written = home.add_thread(&spec);
    let store = open_store(&home);

    assert!(list(&store, ListThreadsParams::default()).await.is_empty());
    let thread = read(&store, spec.id).await;
    assert_eq!(thread.thread_id, spec.id);
    assert_eq!(thread.preview, "");
    assert_eq!(thread.created_at, spec.created);
    assert_eq!(thread.name, None);

    let history = read_backward_to_start(&store, spec.id, 3).await;
    assert_eq!(ok_lines(&history), decoded(&written.lines));
    let items = store
        .load_history(LoadThreadHistoryParams {
            thread_id: spec.id,
            include_archived: false,
        })
        .await
        .unwrap();
    assert_eq!(items.len(), written.lines.len());
}

#[tokio::test]
async fn legacy_rename_events_name_a_thread() {
    let home = TestHome::new();
    let spec = ThreadSpec::new()
        .turn("Fix the login", "ok")
        .with_legacy_rename("First name")
        .with_legacy_rename("Login flake");
    home.add_thread(&spec);
    let store = open_store(&home);
    assert_eq!(
        read(&store, spec.id).await.name.as_deref(),
        Some("Login flake")
    );
    let listed = list(&store, ListThreadsParams::default()).await;
    assert_eq!(listed[0].name.as_deref(), Some("Login flake"));
    // A newer session_index entry overrides the legacy event.
    home.write_session_index(&[(spec.id, "From the index", "2026-05-20T00:00:00Z")]);
    assert_eq!(
        read(&store, spec.id).await.name.as_deref(),
        Some("From the index")
    );
}

#[tokio::test]
async fn compressed_rollouts_are_listed_read_and_paged() {
    let home = TestHome::new();
    let spec = ThreadSpec::new()
        .compressed()
        .turn("Compressed work", "ok")
        .turn("More", "ok")
        .turn("Even more", "ok");
    let written = home.add_thread(&spec);
    assert!(written.path.to_string_lossy().ends_with(".jsonl.zst"));
    let store = open_store(&home);

    let listed = list(&store, ListThreadsParams::default()).await;
    assert_eq!(ids(&listed), vec![spec.id]);
    let thread = read(&store, spec.id).await;
    assert_eq!(thread.preview, "Compressed work");
    assert_eq!(thread.rollout_path, Some(written.plain_path()));
    assert_eq!(thread.token_usage, Some(spec.expected_token_usage()));

    let all = decoded(&written.lines);
    for limit in [1, 4, 7] {
        let history = read_backward_to_start(&store, spec.id, limit).await;
        assert_strictly_increasing(&history);
        assert_eq!(ok_lines(&history), all);
    }
    let start = store
        .read_history_page(page_params(spec.id, None, HistoryDirection::Forward, 5))
        .await
        .unwrap();
    assert_eq!(ok_lines(&start.lines), all[..5]);
    let next = store
        .read_history_page(page_params(
            spec.id,
            Some(start.end),
            HistoryDirection::Forward,
            5,
        ))
        .await
        .unwrap();
    assert_eq!(ok_lines(&next.lines), all[5..10]);
    // Reading never materialised the plain file.
    assert!(written.path.exists() && !written.plain_path().exists());
}

#[tokio::test]
async fn a_forks_embedded_source_meta_does_not_change_its_identity() {
    let home = TestHome::new();
    let parent = ThreadSpec::new()
        .cwd("/work/parent")
        .git_branch("parent-branch")
        .memory_mode(ThreadMemoryMode::Disabled)
        .turn("Parent work", "ok");
    let child = ThreadSpec::new()
        .cwd("/work/child")
        .git_branch("child-branch")
        .created(parent.created + Duration::minutes(5))
        .forked_from(&parent)
        .turn("Child work", "ok");
    home.add_thread(&parent);
    home.add_thread(&child);
    let store = open_store(&home);

    let thread = read(&store, child.id).await;
    assert_eq!(thread.thread_id, child.id);
    assert_eq!(thread.forked_from_id, Some(parent.id));
    assert_eq!(thread.cwd, PathBuf::from("/work/child"));
    assert_eq!(thread.memory_mode, ThreadMemoryMode::Enabled);
    assert_eq!(
        thread.git_info.unwrap().branch.as_deref(),
        Some("child-branch")
    );
    assert_eq!(thread.created_at, child.created);
    let alpha_only = list(
        &store,
        ListThreadsParams {
            cwd_filters: Some(vec!["/work/child".into()]),
            ..Default::default()
        },
    )
    .await;
    assert_eq!(ids(&alpha_only), vec![child.id]);
}

#[tokio::test]
async fn the_last_own_meta_copy_sets_memory_mode_and_git() {
    let home = TestHome::new();
    let toggled = ThreadSpec::new()
        .turn("Toggle", "ok")
        .with_memory_copy(ThreadMemoryMode::Disabled)
        .with_memory_copy(ThreadMemoryMode::Enabled);
    let disabled = ThreadSpec::new()
        .created(at("2026-05-15T00:00:00Z"))
        .turn("Disable", "ok")
        .with_memory_copy(ThreadMemoryMode::Disabled);
    home.add_thread(&toggled);
    let written = home.add_thread(&disabled);
    // A git copy (new branch), then a memory copy without git: git stays at the copy's.
    let git_copy = MetaFields {
        git: Some(codex_threads::protocol::GitInfo {
            commit_hash: Some("abc123".into()),
            branch: Some("feature".into()),
            repository_url: None,
        }),
        ..disabled.meta_fields()
    };
    let later = disabled.last_line_at() + Duration::seconds(1);
    let memory_copy = disabled
        .meta_fields()
        .memory_mode_copy(ThreadMemoryMode::Disabled);
    append_raw(
        &written.path,
        format!(
            "{}\n{}\n",
            lines::session_meta(later, &git_copy),
            lines::session_meta(later, &memory_copy)
        ),
    );
    let store = open_store(&home);

    assert_eq!(
        read(&store, toggled.id).await.memory_mode,
        ThreadMemoryMode::Enabled
    );
    let thread = read(&store, disabled.id).await;
    assert_eq!(thread.memory_mode, ThreadMemoryMode::Disabled);
    let git = thread.git_info.unwrap();
    assert_eq!(git.branch.as_deref(), Some("feature"));
    assert_eq!(git.commit_hash.as_deref(), Some("abc123"));
    assert_eq!(git.repository_url, None);
}

#[tokio::test]
async fn goal_first_and_image_only_previews() {
    let home = TestHome::new();
    let goal = ThreadSpec::new()
        .with_goal("  Ship v2 by Friday ")
        .turn("Start with the changelog", "ok");
    home.add_thread(&goal);
    let image = ThreadSpec::new().created(at("2026-05-16T00:00:00Z"));
    let written = home.add_thread(&image);
    let after = image.last_line_at() + Duration::seconds(1);
    append_raw(
        &written.path,
        format!(
            "{}\n{}\n",
            image_only_message(after),
            lines::user_message_event(after, "What is in this screenshot?")
        ),
    );
    let store = open_store(&home);

    let thread = read(&store, goal.id).await;
    assert_eq!(thread.preview, "Ship v2 by Friday");
    assert_eq!(
        thread.first_user_message.as_deref(),
        Some("Start with the changelog")
    );
    let thread = read(&store, image.id).await;
    assert_eq!(thread.preview, "[Image]");
    assert_eq!(thread.first_user_message.as_deref(), Some("[Image]"));
    let listed = list(&store, ListThreadsParams::default()).await;
    assert_eq!(ids(&listed), vec![image.id, goal.id]);
}

// ---------------------------------------------------------------------------------------------
// Name resolution
// ---------------------------------------------------------------------------------------------

#[tokio::test]
async fn names_resolve_from_the_db_title_then_the_newest_index_entry() {
    let home = TestHome::new();
    home.create_state_db(SchemaVariant::Current);
    let spec = |day: u32, text: &str| {
        ThreadSpec::new()
            .created(at(&format!("2026-05-{day:02}T10:00:00Z")))
            .turn(text, "ok")
    };
    let db_wins = spec(1, "db wins");
    let derived_title = spec(2, "derived title");
    let cleared = spec(3, "cleared");
    let same_as_preview = spec(4, "Same as preview");
    let index_only = spec(5, "index only");
    let db_equal_preview = spec(6, "db equal preview");
    for s in [&db_wins, &derived_title, &cleared, &same_as_preview] {
        home.add_indexed_thread(s);
    }
    home.add_thread(&index_only);
    let written = home.add_thread(&db_equal_preview);
    let set_title = |spec: &ThreadSpec, title: &str| {
        let path = home.path().join(spec.relative_path());
        home.insert_thread_row(&ThreadRow {
            title: title.to_string(),
            ..ThreadRow::from_spec(spec, &path)
        });
    };
    set_title(&db_wins, "Explicit DB name");
    // The row's title differs from first_user_message only by surrounding space: not explicit.
    set_title(&derived_title, "  derived title ");
    home.insert_thread_row(&ThreadRow {
        title: "db equal preview".to_string(),
        first_user_message: String::new(),
        ..ThreadRow::from_spec(&db_equal_preview, &written.path)
    });
    home.write_session_index(&[
        (db_wins.id, "Index name", "2026-05-20T00:00:00Z"),
        (derived_title.id, "Older index name", "2026-05-20T00:00:00Z"),
        (cleared.id, "Was named", "2026-05-20T00:00:00Z"),
        (derived_title.id, "Index name 2", "2026-05-21T00:00:00Z"),
        (
            same_as_preview.id,
            "Same as preview",
            "2026-05-21T00:00:00Z",
        ),
        (index_only.id, "Index only name", "2026-05-21T00:00:00Z"),
        (cleared.id, "", "2026-05-22T00:00:00Z"),
    ]);
    let store = open_store(&home);

    let expected: [(&ThreadSpec, Option<&str>); 6] = [
        (&db_wins, Some("Explicit DB name")),
        (&derived_title, Some("Index name 2")),
        (&cleared, None),
        (&same_as_preview, None),
        (&index_only, Some("Index only name")),
        (&db_equal_preview, None),
    ];
    let listed = list(
        &store,
        ListThreadsParams {
            page_size: 0,
            ..Default::default()
        },
    )
    .await;
    for (spec, name) in expected {
        assert_eq!(read(&store, spec.id).await.name.as_deref(), name, "read");
        let in_list = listed.iter().find(|t| t.thread_id == spec.id).unwrap();
        assert_eq!(in_list.name.as_deref(), name, "list");
    }
}

#[tokio::test]
async fn a_blank_index_entry_clears_a_legacy_name_too() {
    let home = TestHome::new();
    let spec = ThreadSpec::new()
        .turn("Fix the login", "ok")
        .with_legacy_rename("Legacy name");
    home.add_thread(&spec);
    let store = open_store(&home);
    assert_eq!(
        read(&store, spec.id).await.name.as_deref(),
        Some("Legacy name")
    );

    manager(&store)
        .update_thread_metadata(spec.id, ThreadMetadataPatch::rename(None), false)
        .await
        .unwrap();
    assert_eq!(read(&store, spec.id).await.name, None);
    let listed = list(&store, ListThreadsParams::default()).await;
    assert_eq!(listed[0].name, None);
}

// ---------------------------------------------------------------------------------------------
// Damaged files
// ---------------------------------------------------------------------------------------------

#[tokio::test]
async fn blank_invalid_and_partial_lines_do_not_break_listing_reading_or_paging() {
    let home = TestHome::new();
    let spec = ThreadSpec::new().turn("Damaged but fine", "ok");
    let written = home.add_thread(&spec);
    // Blank lines at the start of the body, invalid lines, and a writer stopped mid-line.
    append_raw(
        &written.path,
        "\n   \nnot json at all\n{\"unexpected\":true}\n\r\n",
    );
    let more = lines::agent_message_event(spec.last_line_at(), "after the damage");
    append_raw(
        &written.path,
        format!("{more}\n{{\"timestamp\":\"2026-05-14T10:00:00.000Z\",\"type\":\"event_"),
    );
    let store = open_store(&home);

    let listed = list(&store, ListThreadsParams::default()).await;
    assert_eq!(ids(&listed), vec![spec.id]);
    assert_eq!(listed[0].preview, "Damaged but fine");
    assert_eq!(read(&store, spec.id).await.preview, "Damaged but fine");

    let mut expected = decoded(&written.lines);
    expected.push(RolloutLine::decode(&more).unwrap());
    for limit in [1, 2, 5, 50] {
        let history = read_backward_to_start(&store, spec.id, limit).await;
        assert_strictly_increasing(&history);
        let errors = history.iter().filter(|line| line.line.is_err()).count();
        assert_eq!(errors, 2, "limit {limit}");
        let valid: Vec<RolloutLine> = history
            .iter()
            .filter_map(|line| line.line.clone().ok())
            .collect();
        assert_eq!(valid, expected, "limit {limit}");
    }
    let whole = store
        .read_history_page(page_params(spec.id, None, HistoryDirection::Forward, 1000))
        .await
        .unwrap();
    assert!(whole.at_start && whole.at_end);
    assert_eq!(whole.lines.len(), expected.len() + 2);
    // Three blank lines and the partial last line were passed over.
    assert_eq!(whole.skipped_lines, 4);
    let items = store
        .load_history(LoadThreadHistoryParams {
            thread_id: spec.id,
            include_archived: false,
        })
        .await
        .unwrap();
    assert_eq!(items.len(), expected.len());
}

#[tokio::test]
async fn an_empty_rollout_and_a_meta_only_rollout_are_not_listed_and_do_not_panic() {
    let home = TestHome::new();
    let meta_only = ThreadSpec::new();
    home.add_thread(&meta_only);
    let empty = ThreadSpec::new().created(at("2026-05-20T00:00:00Z"));
    let empty_path = home.path().join(empty.relative_path());
    fs::create_dir_all(empty_path.parent().unwrap()).unwrap();
    fs::write(&empty_path, "").unwrap();
    let store = open_store(&home);

    assert!(list(&store, ListThreadsParams::default()).await.is_empty());
    assert_eq!(read(&store, meta_only.id).await.preview, "");
    let _ = try_read(&store, empty.id, false).await;
    let page = store
        .read_history_page(page_params(empty.id, None, HistoryDirection::Backward, 10))
        .await
        .unwrap();
    assert!(page.lines.is_empty() && page.at_start);
}

// ---------------------------------------------------------------------------------------------
// History pages
// ---------------------------------------------------------------------------------------------

#[tokio::test]
async fn history_pages_backward_reach_the_start_and_forward_pages_resume_at_a_cursor() {
    let home = TestHome::new();
    let mut spec = ThreadSpec::new();
    for i in 0..5 {
        spec = spec.with_turn(Turn::new(&format!("request {i}"), "reply").tokens(100, 10));
    }
    let written = home.add_thread(&spec);
    let store = open_store(&home);
    let all = decoded(&written.lines);

    for limit in [1, 3, 7, 16, 1000] {
        let history = read_backward_to_start(&store, spec.id, limit).await;
        assert_strictly_increasing(&history);
        assert_eq!(ok_lines(&history), all, "limit {limit}");
        assert_eq!(history[0].cursor, HistoryCursor(0));
    }
    let history = read_backward_to_start(&store, spec.id, 1000).await;
    // Forward from the cursor of line 20: lines 20.. in pages of 6, ending at the end.
    let mut anchor = Some(history[20].cursor);
    let mut forward = Vec::new();
    loop {
        let page = store
            .read_history_page(page_params(spec.id, anchor, HistoryDirection::Forward, 6))
            .await
            .unwrap();
        forward.extend(page.lines);
        if page.at_end {
            break;
        }
        anchor = Some(page.end);
    }
    assert_strictly_increasing(&forward);
    assert_eq!(ok_lines(&forward), all[20..]);
    // The last backward page says so; the one before it points at its first line.
    let last = store
        .read_history_page(page_params(spec.id, None, HistoryDirection::Backward, 4))
        .await
        .unwrap();
    assert!(last.at_end && !last.at_start);
    assert_eq!(ok_lines(&last.lines), all[all.len() - 4..]);
    assert_eq!(last.start, last.lines[0].cursor);
}

#[tokio::test]
async fn the_last_page_of_a_big_rollout_reads_little() {
    let home = TestHome::new();
    let spec = ThreadSpec::new().turn("Run the big build", "ok");
    let written = home.add_thread(&spec);
    let at = spec.last_line_at();
    let output = "x".repeat(8 * 1024);
    let line = lines::function_call_output(at, "call_big", &output) + "\n";
    let target: usize = 64 * 1024 * 1024;
    {
        let file = fs::OpenOptions::new()
            .append(true)
            .open(&written.path)
            .unwrap();
        let mut out = BufWriter::with_capacity(1 << 20, file);
        let mut written_bytes = 0;
        while written_bytes < target {
            out.write_all(line.as_bytes()).unwrap();
            written_bytes += line.len();
        }
        out.flush().unwrap();
    }
    let tail = lines::agent_message_event(at, "the end");
    append_raw(&written.path, format!("{tail}\n"));
    assert!(fs::metadata(&written.path).unwrap().len() > target as u64);
    let store = open_store(&home);

    let page = store
        .read_history_page(page_params(spec.id, None, HistoryDirection::Backward, 20))
        .await
        .unwrap();
    assert_eq!(page.lines.len(), 20);
    assert!(page.at_end && !page.at_start);
    assert_eq!(
        page.lines.last().unwrap().line,
        Ok(RolloutLine::decode(&tail).unwrap())
    );
    assert!(
        page.bytes_read < 1024 * 1024,
        "read {} bytes",
        page.bytes_read
    );
    let before = store
        .read_history_page(page_params(
            spec.id,
            Some(page.start),
            HistoryDirection::Backward,
            20,
        ))
        .await
        .unwrap();
    assert_eq!(before.lines.len(), 20);
    assert!(before.lines.last().unwrap().cursor < page.lines[0].cursor);
    assert!(
        before.bytes_read < 1024 * 1024,
        "read {}",
        before.bytes_read
    );
}

// ---------------------------------------------------------------------------------------------
// Metadata writes on cold threads, through the manager
// ---------------------------------------------------------------------------------------------

fn assert_index_entry(entry: &Value, id: ThreadId, name: &str) {
    let keys: Vec<&str> = entry
        .as_object()
        .unwrap()
        .keys()
        .map(String::as_str)
        .collect();
    assert_eq!(keys, ["id", "thread_name", "updated_at"]);
    assert_eq!(entry["id"], json!(id.to_string()));
    assert_eq!(entry["thread_name"], json!(name));
    let stamp = entry["updated_at"].as_str().unwrap();
    assert!(
        DateTime::parse_from_rfc3339(stamp).is_ok() && stamp.ends_with('Z'),
        "{stamp}"
    );
}

#[tokio::test]
async fn rename_appends_an_index_entry_sets_the_db_title_and_leaves_the_rollout_alone() {
    let spec = ThreadSpec::new().turn("Fix the flaky login test", "ok");
    let (home, written) = indexed_home(&spec);
    let before = fs::read(&written.path).unwrap();
    let store = open_store(&home);
    let manager = manager(&store);

    let thread = manager
        .update_thread_metadata(spec.id, rename("  Login flake "), false)
        .await
        .unwrap();
    assert_eq!(thread.name.as_deref(), Some("Login flake"));
    let index = index_lines(&home);
    assert_eq!(index.len(), 1);
    assert_index_entry(&index[0], spec.id, "Login flake");
    assert_eq!(row(&home, spec.id)["title"], "Login flake");
    assert_eq!(fs::read(&written.path).unwrap(), before);
    assert_eq!(
        read(&store, spec.id).await.name.as_deref(),
        Some("Login flake")
    );

    // Clearing: the older entries go (Codex would find them past a blank one), one blank
    // entry stays, the title is the first message again, no name on read or in lists.
    let thread = manager
        .update_thread_metadata(spec.id, ThreadMetadataPatch::rename(None), false)
        .await
        .unwrap();
    assert_eq!(thread.name, None);
    let index = index_lines(&home);
    assert_eq!(index.len(), 1);
    assert_index_entry(&index[0], spec.id, "");
    assert_eq!(row(&home, spec.id)["title"], "Fix the flaky login test");
    assert_eq!(read(&store, spec.id).await.name, None);
    assert_eq!(
        list(&store, ListThreadsParams::default()).await[0].name,
        None
    );
    assert_eq!(fs::read(&written.path).unwrap(), before);
}

/// Checks that `after` is `before` plus one line: a copy of the first session_meta with
/// `memory_mode` set to `mode` and without `git`.
fn assert_memory_copy_appended(before: &[u8], after: &[u8], mode: &str) {
    assert!(after.starts_with(before), "old bytes are not a prefix");
    let added = std::str::from_utf8(&after[before.len()..]).unwrap();
    assert!(added.ends_with('\n'));
    assert_eq!(added.matches('\n').count(), 1, "exactly one new line");
    let line: Value = serde_json::from_str(added.trim_end()).unwrap();
    let first_text = std::str::from_utf8(before).unwrap().lines().next().unwrap();
    let first: Value = serde_json::from_str(first_text).unwrap();
    assert_eq!(line["type"], "session_meta");
    let mut expected = first["payload"].clone();
    let object = expected.as_object_mut().unwrap();
    object.remove("git");
    object.insert("memory_mode".to_string(), json!(mode));
    assert_eq!(line["payload"], expected);
    let stamp = line["timestamp"].as_str().unwrap();
    assert!(DateTime::parse_from_rfc3339(stamp).is_ok(), "{stamp}");
}

#[tokio::test]
async fn disabling_memory_appends_a_meta_copy_and_sets_the_db_column() {
    let spec = ThreadSpec::new().turn("Remember nothing", "ok");
    let (home, written) = indexed_home(&spec);
    let before = fs::read(&written.path).unwrap();
    let store = open_store(&home);
    assert_eq!(
        read(&store, spec.id).await.memory_mode,
        ThreadMemoryMode::Enabled
    );

    let thread = manager(&store)
        .update_thread_metadata(spec.id, disable_memory(), false)
        .await
        .unwrap();
    assert_eq!(thread.memory_mode, ThreadMemoryMode::Disabled);
    assert_eq!(row(&home, spec.id)["memory_mode"], "disabled");
    assert_memory_copy_appended(&before, &fs::read(&written.path).unwrap(), "disabled");
    let reread = read(&store, spec.id).await;
    assert_eq!(reread.memory_mode, ThreadMemoryMode::Disabled);
    // The copy carries no git, which means "unchanged".
    assert_eq!(reread.git_info, spec.git);
    // A fresh store (no cache) reads the same.
    assert_eq!(
        read(&open_store(&home), spec.id).await.memory_mode,
        ThreadMemoryMode::Disabled
    );
    assert!(index_lines(&home).is_empty());
}

#[tokio::test]
async fn memory_mode_on_a_compressed_rollout_materializes_the_plain_file_first() {
    let spec = ThreadSpec::new().compressed().turn("Compressed", "ok");
    let (home, written) = indexed_home(&spec);
    let before = read_rollout(&written.path).into_bytes();
    let store = open_store(&home);
    // Read once so that a stale cache entry for the .zst would show.
    assert_eq!(
        read(&store, spec.id).await.memory_mode,
        ThreadMemoryMode::Enabled
    );
    // A rename writes no rollout line, so the compressed file stays as it is.
    let compressed = fs::read(&written.path).unwrap();
    manager(&store)
        .update_thread_metadata(spec.id, rename("Packed"), false)
        .await
        .unwrap();
    assert_eq!(fs::read(&written.path).unwrap(), compressed);
    assert!(!written.plain_path().exists());

    let thread = manager(&store)
        .update_thread_metadata(spec.id, disable_memory(), false)
        .await
        .unwrap();
    assert_eq!(thread.memory_mode, ThreadMemoryMode::Disabled);
    assert!(!written.path.exists(), "the .zst is gone");
    let plain = written.plain_path();
    assert_memory_copy_appended(&before, &fs::read(&plain).unwrap(), "disabled");
    assert_eq!(row(&home, spec.id)["memory_mode"], "disabled");
    assert_eq!(
        row(&home, spec.id)["rollout_path"],
        json!(plain.to_string_lossy())
    );
    let listed = list(&store, ListThreadsParams::default()).await;
    assert_eq!(listed[0].memory_mode, ThreadMemoryMode::Disabled);
    assert_eq!(listed[0].rollout_path.as_deref(), Some(plain.as_path()));
}

#[tokio::test]
async fn an_archived_thread_is_refused_without_include_archived() {
    let spec = ThreadSpec::new().archived().turn("Old work", "ok");
    let (home, written) = indexed_home(&spec);
    let before = fs::read(&written.path).unwrap();
    let row_before = row(&home, spec.id);
    let store = open_store(&home);
    let manager = manager(&store);

    let mut both = rename("Nope");
    both.memory_mode = Some(ThreadMemoryMode::Disabled);
    for patch in [rename("Nope"), disable_memory(), both] {
        let result = manager.update_thread_metadata(spec.id, patch, false).await;
        assert!(result.is_err(), "{result:?}");
    }
    assert_eq!(fs::read(&written.path).unwrap(), before);
    assert!(index_lines(&home).is_empty());
    assert_eq!(row(&home, spec.id), row_before);

    // Codex renames no archived thread (its app server answers "no rollout found"): through
    // the manager, include_archived does not change that, and the refusal says how to
    // unarchive (issue 16, item 6).
    let refused = manager
        .update_thread_metadata(spec.id, rename("Archived name"), true)
        .await
        .unwrap_err();
    assert!(refused.to_string().contains("unarchive"), "{refused}");
    assert_eq!(row(&home, spec.id), row_before);
    // The store itself still takes it when asked with include_archived (the thread stays
    // archived).
    let thread = store
        .update_thread_metadata(UpdateThreadMetadataParams {
            thread_id: spec.id,
            patch: rename("Archived name"),
            include_archived: true,
        })
        .await
        .unwrap();
    assert_eq!(thread.name.as_deref(), Some("Archived name"));
    assert!(thread.archived);
    assert_eq!(row(&home, spec.id)["archived"], 1);
}

#[tokio::test]
async fn an_unknown_thread_is_not_found() {
    let spec = ThreadSpec::new().turn("Exists", "ok");
    let (home, _) = indexed_home(&spec);
    let store = open_store(&home);
    let missing = ThreadId::new();
    for patch in [rename("x"), disable_memory()] {
        let result = manager(&store)
            .update_thread_metadata(missing, patch, true)
            .await;
        assert_eq!(
            result.unwrap_err(),
            ThreadStoreError::ThreadNotFound { thread_id: missing }
        );
    }
    assert!(matches!(
        try_read(&store, missing, true).await,
        Err(ThreadStoreError::ThreadNotFound { .. })
    ));
    assert!(index_lines(&home).is_empty());
}

#[tokio::test]
async fn without_a_state_db_the_jsonl_writes_still_happen() {
    let home = TestHome::new();
    let spec = ThreadSpec::new().turn("No database here", "ok");
    let written = home.add_thread(&spec);
    let before = fs::read(&written.path).unwrap();
    let store = open_store(&home);
    assert_eq!(store.state_db_path(), None);

    let mut patch = rename("Named without DB");
    patch.memory_mode = Some(ThreadMemoryMode::Disabled);
    let thread = manager(&store)
        .update_thread_metadata(spec.id, patch, false)
        .await
        .unwrap();
    assert_eq!(thread.name.as_deref(), Some("Named without DB"));
    assert_eq!(thread.memory_mode, ThreadMemoryMode::Disabled);
    assert_index_entry(&index_lines(&home)[0], spec.id, "Named without DB");
    assert_memory_copy_appended(&before, &fs::read(&written.path).unwrap(), "disabled");
    assert!(!home.state_db_path().exists());
}

#[tokio::test]
async fn an_edit_that_cannot_reach_a_busy_db_fails_and_changes_nothing() {
    let spec = ThreadSpec::new().turn("Busy database", "ok");
    let (home, written) = indexed_home(&spec);
    let before = fs::read(&written.path).unwrap();
    let index_before = index_lines(&home);
    let row_before = row(&home, spec.id);
    let store = Arc::new(LocalThreadStore::open(
        home.path(),
        LocalStoreOptions {
            state_db_busy_timeout: Some(StdDuration::from_millis(200)),
            ..LocalStoreOptions::default()
        },
    ));
    assert!(store.state_db_path().is_some());

    let lock = home.lock_state_db();
    let mut patch = rename("Named while busy");
    patch.memory_mode = Some(ThreadMemoryMode::Disabled);
    let err = manager(&store)
        .update_thread_metadata(spec.id, patch, false)
        .await
        .unwrap_err();
    drop(lock);
    let message = err.to_string();
    assert!(
        message.contains("locked") && message.contains("nothing was changed"),
        "{message}"
    );
    assert_eq!(fs::read(&written.path).unwrap(), before);
    assert_eq!(index_lines(&home), index_before);
    assert_eq!(row(&home, spec.id), row_before);
    assert_eq!(read(&store, spec.id).await.name, None);
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn an_edit_waits_out_a_db_that_is_busy_for_a_moment() {
    let spec = ThreadSpec::new().turn("Briefly busy database", "ok");
    let (home, written) = indexed_home(&spec);
    let before = fs::read(&written.path).unwrap();
    let store = open_store(&home);

    let lock = home.lock_state_db();
    let mut patch = rename("Named after the wait");
    patch.memory_mode = Some(ThreadMemoryMode::Disabled);
    let editor = manager(&store);
    let edit =
        tokio::spawn(async move { editor.update_thread_metadata(spec.id, patch, false).await });
    // The lock is held for a moment (this is the busy spell, not a wait for a result): the
    // edit has met it and is waiting, not done and not failed.
    tokio::time::sleep(StdDuration::from_millis(300)).await;
    assert!(!edit.is_finished(), "the edit waits while the DB is locked");
    drop(lock);
    let thread = edit.await.unwrap().unwrap();
    assert_eq!(thread.name.as_deref(), Some("Named after the wait"));
    assert_index_entry(&index_lines(&home)[0], spec.id, "Named after the wait");
    assert_memory_copy_appended(&before, &fs::read(&written.path).unwrap(), "disabled");
    let row = row(&home, spec.id);
    assert_eq!(row["title"], "Named after the wait");
    assert_eq!(row["memory_mode"], "disabled");
}

#[tokio::test]
async fn a_db_without_the_memory_mode_column_still_gets_the_rest() {
    let home = TestHome::new();
    home.create_state_db(SchemaVariant::WithoutMemoryMode);
    let spec = ThreadSpec::new().turn("Old schema", "ok");
    let written = home.add_indexed_thread(&spec);
    let before = fs::read(&written.path).unwrap();
    let store = open_store(&home);

    let mut patch = rename("Renamed on old schema");
    patch.memory_mode = Some(ThreadMemoryMode::Disabled);
    let thread = manager(&store)
        .update_thread_metadata(spec.id, patch, false)
        .await
        .unwrap();
    assert_eq!(thread.memory_mode, ThreadMemoryMode::Disabled);
    assert_eq!(thread.name.as_deref(), Some("Renamed on old schema"));
    assert_memory_copy_appended(&before, &fs::read(&written.path).unwrap(), "disabled");
    let row = row(&home, spec.id);
    assert_eq!(row["title"], "Renamed on old schema");
    assert!(row.get("memory_mode").is_none());
}

#[tokio::test]
async fn an_incomplete_last_line_refuses_the_memory_append() {
    let spec = ThreadSpec::new().turn("Codex is mid-write", "ok");
    let (home, written) = indexed_home(&spec);
    append_raw(
        &written.path,
        "{\"timestamp\":\"2026-05-14T10:00:00.000Z\",\"ty",
    );
    let before = fs::read(&written.path).unwrap();
    let store = open_store(&home);

    let result = manager(&store)
        .update_thread_metadata(spec.id, disable_memory(), false)
        .await;
    assert!(result.is_err(), "{result:?}");
    assert_eq!(fs::read(&written.path).unwrap(), before);
    assert_eq!(row(&home, spec.id)["memory_mode"], "enabled");
    assert_eq!(
        read(&store, spec.id).await.memory_mode,
        ThreadMemoryMode::Enabled
    );
}

// ---------------------------------------------------------------------------------------------
// Archive and unarchive
// ---------------------------------------------------------------------------------------------

#[tokio::test]
async fn archive_moves_the_file_flat_and_unarchive_moves_it_back_by_its_name() {
    let old = at("2026-05-14T12:00:00Z");
    let spec = ThreadSpec::new()
        .created(at("2026-05-14T09:12:33.402Z"))
        .modified(old)
        .turn("To be archived", "ok");
    let (home, written) = indexed_home(&spec);
    let contents = fs::read(&written.path).unwrap();
    let store = open_store(&home);
    let manager = manager(&store);

    manager.archive_thread(spec.id).await.unwrap();
    let archived_path = home.archived_sessions_dir().join(spec.file_name());
    assert!(!written.path.exists());
    assert_eq!(fs::read(&archived_path).unwrap(), contents);
    let db = row(&home, spec.id);
    assert_eq!(db["archived"], 1);
    assert_eq!(db["rollout_path"], json!(archived_path.to_string_lossy()));
    assert!(db["archived_at"].is_i64());
    assert!(list(&store, ListThreadsParams::default()).await.is_empty());
    let archived = list(
        &store,
        ListThreadsParams {
            archived: true,
            ..Default::default()
        },
    )
    .await;
    assert_eq!(ids(&archived), vec![spec.id]);
    assert!(archived[0].archived);
    assert!(try_read(&store, spec.id, false).await.is_err());
    assert!(read(&store, spec.id).await.archived);

    let again = manager.archive_thread(spec.id).await;
    assert!(again.is_err(), "{again:?}");
    assert!(archived_path.exists());

    let before_unarchive = SystemTime::now() - StdDuration::from_secs(1);
    let thread = manager.unarchive_thread(spec.id).await.unwrap();
    let restored = home
        .sessions_dir()
        .join("2026/05/14")
        .join(spec.file_name());
    assert_eq!(restored, written.path);
    assert!(!archived_path.exists());
    assert_eq!(fs::read(&restored).unwrap(), contents);
    assert!(mtime(&restored) >= before_unarchive, "mtime touched");
    assert!(!thread.archived);
    assert_eq!(thread.rollout_path.as_deref(), Some(restored.as_path()));
    let db = row(&home, spec.id);
    assert_eq!(db["archived"], 0);
    assert_eq!(db["archived_at"], Value::Null);
    assert_eq!(db["rollout_path"], json!(restored.to_string_lossy()));
    assert_eq!(
        ids(&list(&store, ListThreadsParams::default()).await),
        vec![spec.id]
    );
    let again = manager.unarchive_thread(spec.id).await;
    assert!(again.is_err(), "{again:?}");
}

#[tokio::test]
async fn unarchive_recreates_missing_date_directories_and_handles_zst() {
    let home = TestHome::new();
    let spec = ThreadSpec::new()
        .created(at("2025-12-31T23:59:59Z"))
        .archived()
        .compressed()
        .turn("Year end", "ok");
    let written = home.add_thread(&spec);
    set_mtime(&written.path, at("2026-01-01T00:00:00Z"));
    let store = open_store(&home);

    let thread = store.unarchive_thread(spec.id).await.unwrap();
    let restored = home
        .sessions_dir()
        .join("2025/12/31")
        .join(format!("{}.zst", spec.file_name()));
    assert!(restored.exists() && !written.path.exists());
    assert_eq!(
        thread.rollout_path.as_deref(),
        Some(restored.with_extension("").as_path())
    );
    assert_eq!(thread.preview, "Year end");
    store.archive_thread(spec.id).await.unwrap();
    assert!(written.path.exists() && !restored.exists());
}

#[tokio::test]
async fn archiving_moves_both_forms_of_a_rollout() {
    let home = TestHome::new();
    let spec = ThreadSpec::new().turn("Both forms", "Ok.");
    let written = home.add_thread(&spec);
    // A leftover compressed copy beside the plain file (a compression that did not finish).
    let leftover = std::path::PathBuf::from(format!("{}.zst", written.path.display()));
    std::fs::write(
        &leftover,
        zstd::encode_all(std::fs::read(&written.path).unwrap().as_slice(), 3).unwrap(),
    )
    .unwrap();
    let store = open_store(&home);
    store.archive_thread(spec.id).await.unwrap();
    assert!(
        !written.path.exists() && !leftover.exists(),
        "nothing stays in sessions/"
    );
    let archived = home.archived_sessions_dir();
    assert!(archived.join(written.path.file_name().unwrap()).is_file());
    assert!(archived.join(leftover.file_name().unwrap()).is_file());
    let back = store.unarchive_thread(spec.id).await.unwrap();
    assert!(!back.archived);
    assert!(written.path.is_file() && leftover.is_file());
}

#[tokio::test]
async fn the_state_db_is_found_through_the_sqlite_home_config_key() {
    let home = TestHome::new();
    let spec = ThreadSpec::new().turn("Configured DB", "Ok.");
    let written = home.add_thread(&spec);
    // Build the DB in the home, then move it where config.toml says.
    home.create_state_db(SchemaVariant::Current);
    home.insert_thread_row(&ThreadRow::from_spec(&spec, &written.path));
    let elsewhere = home.path().join("db-elsewhere");
    std::fs::create_dir_all(&elsewhere).unwrap();
    for name in ["state_5.sqlite", "state_5.sqlite-wal", "state_5.sqlite-shm"] {
        let from = home.path().join(name);
        if from.exists() {
            std::fs::rename(&from, elsewhere.join(name)).unwrap();
        }
    }
    std::fs::write(
        home.path().join("config.toml"),
        "sqlite_home = \"db-elsewhere\"\n",
    )
    .unwrap();
    let store = open_store(&home);
    assert_eq!(
        store.state_db_path(),
        Some(elsewhere.join("state_5.sqlite").as_path())
    );
}

// ---------------------------------------------------------------------------------------------
// Delete (to the trash)
// ---------------------------------------------------------------------------------------------

/// A store whose deletes go to a trash inside the test's directory.
fn open_store_with_trash(home: &TestHome) -> (Arc<LocalThreadStore>, tempfile::TempDir) {
    let trash = tempfile::TempDir::new().unwrap();
    let store = LocalThreadStore::open(
        home.path(),
        LocalStoreOptions {
            trash_dir: Some(trash.path().join("Trash")),
            ..LocalStoreOptions::default()
        },
    );
    (Arc::new(store), trash)
}

/// The trash's `info/NAME.trashinfo` for `file`, checked against the spec's layout.
fn assert_trashed(trash: &std::path::Path, original: &std::path::Path, contents: &[u8]) {
    let name = original.file_name().unwrap().to_str().unwrap();
    let file = trash.join("Trash/files").join(name);
    assert_eq!(fs::read(&file).unwrap(), contents, "{}", file.display());
    let info = fs::read_to_string(trash.join(format!("Trash/info/{name}.trashinfo"))).unwrap();
    let lines: Vec<&str> = info.lines().collect();
    assert_eq!(lines[0], "[Trash Info]");
    let path = lines[1].strip_prefix("Path=").expect("Path= line");
    // Percent-decoding gives back the absolute original path.
    let mut decoded = Vec::new();
    let bytes = path.as_bytes();
    let mut i = 0;
    while i < bytes.len() {
        if bytes[i] == b'%' {
            decoded.push(u8::from_str_radix(&path[i + 1..i + 3], 16).unwrap());
            i += 3;
        } else {
            decoded.push(bytes[i]);
            i += 1;
        }
    }
    assert_eq!(
        String::from_utf8(decoded).unwrap(),
        original.to_str().unwrap()
    );
    let date = lines[2]
        .strip_prefix("DeletionDate=")
        .expect("DeletionDate= line");
    assert!(
        chrono::NaiveDateTime::parse_from_str(date, "%Y-%m-%dT%H:%M:%S").is_ok(),
        "{date}"
    );
}

#[tokio::test]
async fn delete_moves_the_rollout_to_the_trash_and_removes_index_entries_and_the_row() {
    let spec = ThreadSpec::new().cwd("/work/a b").turn("Delete me", "ok");
    let (home, written) = indexed_home(&spec);
    let keep = ThreadSpec::new().turn("Keep me", "ok");
    home.add_indexed_thread(&keep);
    home.write_session_index(&[
        (spec.id, "Old name", "2026-05-14T11:05:09.1Z"),
        (keep.id, "Kept name", "2026-05-14T11:05:09.2Z"),
        (spec.id, "Newer name", "2026-05-14T11:05:09.3Z"),
    ]);
    let contents = fs::read(&written.path).unwrap();
    let (store, trash) = open_store_with_trash(&home);

    let deleted = manager(&store).delete_thread(spec.id).await.unwrap();
    let trashed_file = trash
        .path()
        .join("Trash/files")
        .join(written.path.file_name().unwrap());
    assert_eq!(deleted.trashed, vec![trashed_file]);
    assert!(!written.path.exists());
    assert_trashed(trash.path(), &written.path, &contents);
    assert!(home.state_db_row(spec.id).is_none());
    assert!(home.state_db_row(keep.id).is_some());
    let index = index_lines(&home);
    assert_eq!(index.len(), 1, "{index:?}");
    assert_eq!(index[0]["id"], json!(keep.id.to_string()));
    assert_eq!(
        ids(&list(&store, ListThreadsParams::default()).await),
        vec![keep.id]
    );
    assert!(matches!(
        try_read(&store, spec.id, true).await,
        Err(ThreadStoreError::ThreadNotFound { .. })
    ));
    let again = store.delete_thread(spec.id).await;
    assert!(
        matches!(again, Err(ThreadStoreError::ThreadNotFound { .. })),
        "{again:?}"
    );
}

#[tokio::test]
async fn delete_takes_an_archived_compressed_rollout_and_its_plain_twin() {
    let home = TestHome::new();
    home.create_state_db(SchemaVariant::Current);
    let spec = ThreadSpec::new()
        .archived()
        .compressed()
        .turn("Archived and compressed", "ok");
    let written = home.add_indexed_thread(&spec);
    assert!(written.path.to_string_lossy().ends_with(".jsonl.zst"));
    let compressed = fs::read(&written.path).unwrap();
    let plain = written.plain_path();
    let plain_text = read_rollout(&written.path);
    fs::write(&plain, &plain_text).unwrap();
    let (store, trash) = open_store_with_trash(&home);

    let deleted = store.delete_thread(spec.id).await.unwrap();
    assert_eq!(deleted.trashed.len(), 2, "{:?}", deleted.trashed);
    assert!(!written.path.exists() && !plain.exists());
    assert_trashed(trash.path(), &written.path, &compressed);
    assert_trashed(trash.path(), &plain, plain_text.as_bytes());
    assert!(home.state_db_row(spec.id).is_none());
    let archived = ListThreadsParams {
        archived: true,
        ..Default::default()
    };
    assert!(list(&store, archived).await.is_empty());
}

#[tokio::test]
async fn delete_without_a_state_db_and_with_a_name_taken_in_the_trash() {
    let home = TestHome::new();
    let spec = ThreadSpec::new().turn("No DB here", "ok");
    let written = home.add_thread(&spec);
    let (store, trash) = open_store_with_trash(&home);
    // Something of the same name is in the trash already.
    let name = written
        .path
        .file_name()
        .unwrap()
        .to_str()
        .unwrap()
        .to_string();
    fs::create_dir_all(trash.path().join("Trash/files")).unwrap();
    fs::write(trash.path().join("Trash/files").join(&name), "older").unwrap();

    let deleted = store.delete_thread(spec.id).await.unwrap();
    let numbered = name.replace(".jsonl", ".2.jsonl");
    assert_eq!(
        deleted.trashed,
        vec![trash.path().join("Trash/files").join(&numbered)]
    );
    assert!(
        trash
            .path()
            .join(format!("Trash/info/{numbered}.trashinfo"))
            .is_file()
    );
    assert_eq!(
        fs::read_to_string(trash.path().join("Trash/files").join(&name)).unwrap(),
        "older"
    );
    assert!(list(&store, ListThreadsParams::default()).await.is_empty());
}

#[tokio::test]
async fn delete_is_refused_while_codex_holds_the_writer_lock_or_without_a_trash() {
    let spec = ThreadSpec::new().turn("Open in Codex", "ok");
    let (home, written) = indexed_home(&spec);
    let locks = home.path().join("thread-writer-locks");
    fs::create_dir_all(&locks).unwrap();
    let lock_path = locks.join(format!("{}.lock", spec.id));
    fs::write(&lock_path, "").unwrap();
    let holder = fs::File::open(&lock_path).unwrap();
    holder.lock().unwrap();
    let (store, trash) = open_store_with_trash(&home);

    let refused = store.delete_thread(spec.id).await;
    let Err(ThreadStoreError::Conflict { message }) = refused else {
        panic!("{refused:?}");
    };
    assert!(message.contains("open in a Codex process"), "{message}");
    assert!(written.path.exists());
    assert!(home.state_db_row(spec.id).is_some());
    assert!(!trash.path().join("Trash").exists());

    holder.unlock().unwrap();
    let no_trash = open_store(&home).delete_thread(spec.id).await;
    assert!(
        matches!(no_trash, Err(ThreadStoreError::Unavailable { .. })),
        "{no_trash:?}"
    );
    assert!(written.path.exists());
    store.delete_thread(spec.id).await.unwrap();
    assert!(!written.path.exists());
}
