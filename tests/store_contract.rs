//! The `ThreadStore` contract, run on every store: the local store over a real temporary
//! Codex home, the in-memory store seeded from it, and the PostgreSQL store filled from it by
//! `sync` (skipped, saying so, without a test server).

mod common;

use std::collections::HashSet;
use std::sync::Arc;

use chrono::Duration;
use codex_threads::protocol::{ThreadId, ThreadMemoryMode};
use codex_threads::store::local::{LocalStoreOptions, LocalThreadStore};
use codex_threads::store::memory::InMemoryThreadStore;
use codex_threads::store::pg::PgThreadStore;
use codex_threads::store::*;
use common::{TestHome, ThreadSpec, at};

struct Fixture {
    home: TestHome,
    listable: Vec<ThreadSpec>,
    archived: Vec<ThreadSpec>,
    needle: ThreadId,
}

fn fixture() -> Fixture {
    let home = TestHome::new();
    let base = at("2026-05-10T08:00:00.000Z");
    let mut listable = Vec::new();
    for i in 0..7i64 {
        // Pairs share a creation second: ties are broken by id.
        let mut spec = ThreadSpec::new()
            .created(base + Duration::hours(i / 2))
            .modified(base + Duration::days(1) + Duration::minutes((i * 3) % 7))
            .cwd(if i % 3 == 0 {
                "/work/alpha"
            } else {
                "/work/beta"
            })
            .turn(&format!("Task number {i}"), "Done.")
            .turn("second question", "second answer");
        if i == 2 {
            spec = spec.git_branch("feature-NEEDLE");
        }
        home.add_thread(&spec);
        listable.push(spec);
    }
    let archived = vec![
        ThreadSpec::new()
            .created(base + Duration::hours(9))
            .archived()
            .turn("Archived one", "x"),
        ThreadSpec::new()
            .created(base + Duration::hours(10))
            .archived()
            .compressed()
            .turn("Archived two", "x"),
    ];
    for spec in &archived {
        home.add_thread(spec);
    }
    home.add_thread(&ThreadSpec::new().no_user_message().turn("hidden", "x"));
    let needle = listable[2].id;
    Fixture {
        home,
        listable,
        archived,
        needle,
    }
}

fn local(fixture: &Fixture) -> Arc<LocalThreadStore> {
    Arc::new(LocalThreadStore::open(
        fixture.home.path(),
        LocalStoreOptions {
            // Beside the home, never the user's own trash.
            trash_dir: Some(fixture.home.path().join("test-trash")),
            ..LocalStoreOptions::default()
        },
    ))
}

async fn everything(store: &dyn ThreadStore, archived: bool) -> Vec<StoredThread> {
    store
        .list_threads(ListThreadsParams {
            page_size: 0,
            archived,
            ..Default::default()
        })
        .await
        .unwrap()
        .items
}

fn ids(threads: &[StoredThread]) -> Vec<ThreadId> {
    threads.iter().map(|t| t.thread_id).collect()
}

fn id_set(specs: &[ThreadSpec]) -> HashSet<ThreadId> {
    specs.iter().map(|s| s.id).collect()
}

async fn pages(store: &dyn ThreadStore, mut params: ListThreadsParams) -> Vec<StoredThread> {
    let mut seen = Vec::new();
    for _ in 0..100 {
        let page = store.list_threads(params.clone()).await.unwrap();
        assert!(page.items.len() <= params.page_size.max(1));
        if page.next_cursor.is_some() {
            assert_eq!(
                page.items.len(),
                params.page_size,
                "short page with a cursor"
            );
        }
        seen.extend(page.items);
        match page.next_cursor {
            Some(cursor) => params.cursor = Some(cursor),
            None => return seen,
        }
    }
    panic!("paging never ended");
}

async fn check_listing(store: &dyn ThreadStore, f: &Fixture) {
    let all = everything(store, false).await;
    assert_eq!(
        ids(&all).into_iter().collect::<HashSet<_>>(),
        id_set(&f.listable)
    );
    let archived = everything(store, true).await;
    assert_eq!(
        ids(&archived).into_iter().collect::<HashSet<_>>(),
        id_set(&f.archived)
    );
    for key in [SortKey::CreatedAt, SortKey::UpdatedAt] {
        for direction in [SortDirection::Asc, SortDirection::Desc] {
            for page_size in 1..=3 {
                let params = ListThreadsParams {
                    page_size,
                    sort_key: key,
                    sort_direction: direction,
                    ..Default::default()
                };
                let seen = pages(store, params).await;
                let keys: Vec<listing::ListKey> =
                    seen.iter().map(|t| listing::ListKey::of(t, key)).collect();
                let mut expected = keys.clone();
                expected.sort_by(|a, b| a.listing_order(*b, direction));
                expected.dedup();
                assert_eq!(keys, expected, "{key:?} {direction:?} {page_size}");
                assert_eq!(seen.len(), f.listable.len());
            }
        }
    }
    let alpha = store
        .list_threads(ListThreadsParams {
            page_size: 0,
            cwd_filters: Some(vec!["/work/alpha".into()]),
            ..Default::default()
        })
        .await
        .unwrap()
        .items;
    assert_eq!(alpha.len(), 3);
    assert!(
        alpha
            .iter()
            .all(|t| t.cwd == std::path::Path::new("/work/alpha"))
    );
    let none = store
        .list_threads(ListThreadsParams {
            cwd_filters: Some(Vec::new()),
            ..Default::default()
        })
        .await
        .unwrap();
    assert!(none.items.is_empty());
    for term in ["needle", "FEATURE-needle"] {
        let found = store
            .list_threads(ListThreadsParams {
                search_term: Some(term.into()),
                ..Default::default()
            })
            .await
            .unwrap()
            .items;
        assert_eq!(ids(&found), vec![f.needle], "{term}");
    }
    let found = store
        .list_threads(ListThreadsParams {
            search_term: Some("task NUMBER 5".into()),
            ..Default::default()
        })
        .await
        .unwrap()
        .items;
    assert_eq!(ids(&found), vec![f.listable[5].id]);
    let bad = store
        .list_threads(ListThreadsParams {
            cursor: Some("garbage".into()),
            ..Default::default()
        })
        .await;
    assert!(matches!(bad, Err(ThreadStoreError::InvalidRequest { .. })));
}

async fn read(
    store: &dyn ThreadStore,
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

/// A request every store refuses as invalid, naming the thread and saying why.
fn refused<T: std::fmt::Debug>(result: StoreResult<T>, id: ThreadId, says: &str) {
    match result {
        Err(ThreadStoreError::InvalidRequest { message }) => assert!(
            message.contains(&id.to_string()) && message.contains(says),
            "{message:?} should name {id} and say {says:?}"
        ),
        other => panic!("expected an invalid request ({says}), got {other:?}"),
    }
}

async fn check_reads_and_edits(store: &dyn ThreadStore, f: &Fixture) {
    let unknown = read(store, ThreadId::new(), true).await;
    assert!(matches!(
        unknown,
        Err(ThreadStoreError::ThreadNotFound { .. })
    ));
    let hidden = f.archived[0].id;
    refused(read(store, hidden, false).await, hidden, "is archived");
    assert!(read(store, f.archived[0].id, true).await.unwrap().archived);

    let id = f.listable[1].id;
    let patch = |patch| UpdateThreadMetadataParams {
        thread_id: id,
        patch,
        include_archived: false,
    };
    let renamed = store
        .update_thread_metadata(patch(ThreadMetadataPatch::rename(Some(
            "Shared name".into(),
        ))))
        .await
        .unwrap();
    assert_eq!(renamed.name.as_deref(), Some("Shared name"));
    assert_eq!(read(store, id, false).await.unwrap().title(), "Shared name");
    store
        .update_thread_metadata(patch(ThreadMetadataPatch::memory_mode(
            ThreadMemoryMode::Disabled,
        )))
        .await
        .unwrap();
    let after = read(store, id, false).await.unwrap();
    assert_eq!(after.memory_mode, ThreadMemoryMode::Disabled);
    assert_eq!(after.name.as_deref(), Some("Shared name"));
    store
        .update_thread_metadata(patch(ThreadMetadataPatch::rename(None)))
        .await
        .unwrap();
    assert_eq!(read(store, id, false).await.unwrap().name, None);
    // Edits of an archived thread need include_archived.
    let archived_edit = store
        .update_thread_metadata(UpdateThreadMetadataParams {
            thread_id: f.archived[0].id,
            patch: ThreadMetadataPatch::rename(Some("x".into())),
            include_archived: false,
        })
        .await;
    refused(archived_edit, f.archived[0].id, "is archived");

    store.archive_thread(id).await.unwrap();
    assert!(!ids(&everything(store, false).await).contains(&id));
    assert!(ids(&everything(store, true).await).contains(&id));
    // Archived twice: the second is refused (one store says "already", another "is").
    refused(store.archive_thread(id).await, id, "archived");
    let back = store.unarchive_thread(id).await.unwrap();
    assert!(!back.archived);
    assert!(ids(&everything(store, false).await).contains(&id));
    refused(store.unarchive_thread(id).await, id, "is not archived");
}

async fn check_history(store: &dyn ThreadStore, f: &Fixture) {
    for spec in [&f.listable[0], &f.archived[1]] {
        let page = |anchor, direction| ReadHistoryPageParams {
            thread_id: spec.id,
            include_archived: true,
            anchor,
            direction,
            limit: 2,
            include_raw: false,
        };
        let mut forward = Vec::new();
        let mut anchor = None;
        loop {
            let p = store
                .read_history_page(page(anchor, HistoryDirection::Forward))
                .await
                .unwrap();
            forward.extend(p.lines.clone());
            anchor = Some(p.end);
            if p.at_end {
                break;
            }
            assert!(!p.lines.is_empty(), "a page before the end has lines");
        }
        let mut backward = Vec::new();
        let mut anchor = None;
        loop {
            let p = store
                .read_history_page(page(anchor, HistoryDirection::Backward))
                .await
                .unwrap();
            backward.splice(0..0, p.lines.clone());
            anchor = Some(p.start);
            if p.at_start {
                break;
            }
        }
        assert!(forward.len() >= 4, "history has lines");
        assert!(forward.windows(2).all(|w| w[0].cursor < w[1].cursor));
        assert_eq!(forward, backward);
        let items = store
            .load_history(LoadThreadHistoryParams {
                thread_id: spec.id,
                include_archived: true,
            })
            .await
            .unwrap();
        let decoded: Vec<_> = forward
            .iter()
            .filter_map(|l| l.line.as_ref().ok().map(|l| l.item.clone()))
            .collect();
        assert_eq!(items, decoded);
    }
}

async fn check_delete(store: &dyn ThreadStore, f: &Fixture) {
    let id = f.listable[0].id;
    let deleted = store.delete_thread(id).await.unwrap();
    assert_eq!(deleted.thread_id, id);
    assert!(!ids(&everything(store, false).await).contains(&id));
    assert!(matches!(
        read(store, id, true).await,
        Err(ThreadStoreError::ThreadNotFound { .. })
    ));
    assert!(matches!(
        store.delete_thread(id).await,
        Err(ThreadStoreError::ThreadNotFound { .. })
    ));
    // The others are untouched.
    assert!(read(store, f.listable[1].id, false).await.is_ok());
}

async fn check_references(store: &dyn ThreadStore, f: &Fixture) {
    let found = |prefix: String, name: &'static str| async move {
        let threads = store.threads_by_reference(&prefix, name).await.unwrap();
        ids(&threads).into_iter().collect::<HashSet<_>>()
    };
    let wanted = f.listable[3].id;
    let prefix: String = wanted.to_string().chars().take(35).collect();
    assert_eq!(found(prefix.clone(), "").await, HashSet::from([wanted]));
    let archived = f.archived[1].id;
    let archived_prefix: String = archived.to_string().chars().take(35).collect();
    assert_eq!(found(archived_prefix, "").await, HashSet::from([archived]));
    // `_` and `%` are characters, not wildcards.
    let mut wildcard: Vec<char> = prefix.chars().collect();
    wildcard[4] = '_';
    assert!(found(wildcard.into_iter().collect(), "").await.is_empty());
    assert!(found("%".into(), "").await.is_empty());

    let named = f.listable[4].id;
    store
        .update_thread_metadata(UpdateThreadMetadataParams {
            thread_id: named,
            patch: ThreadMetadataPatch::rename(Some("Reference name".into())),
            include_archived: false,
        })
        .await
        .unwrap();
    assert_eq!(
        found("zzzz".into(), "Reference name").await,
        HashSet::from([named])
    );
    assert!(found("zzzz".into(), "reference name").await.is_empty());
    assert_eq!(
        found(prefix, "Reference name").await,
        HashSet::from([wanted, named])
    );
}

async fn check_contract(store: &dyn ThreadStore, f: &Fixture) {
    check_listing(store, f).await;
    check_references(store, f).await;
    check_history(store, f).await;
    check_reads_and_edits(store, f).await;
    // Last: it removes a thread the other checks count.
    check_delete(store, f).await;
}

#[tokio::test]
async fn the_local_store_keeps_the_contract() {
    let f = fixture();
    check_contract(local(&f).as_ref(), &f).await;
}

#[tokio::test]
async fn the_in_memory_store_keeps_the_contract() {
    let f = fixture();
    let source = local(&f);
    let memory = InMemoryThreadStore::new();
    for archived in [false, true] {
        for thread in everything(source.as_ref(), archived).await {
            let full = source
                .read_thread(ReadThreadParams {
                    thread_id: thread.thread_id,
                    include_archived: true,
                    include_history: true,
                })
                .await
                .unwrap();
            let history = full.history.clone().unwrap();
            memory.insert_thread(full, history);
        }
    }
    check_contract(&memory, &f).await;
}

#[tokio::test]
async fn the_postgres_store_keeps_the_contract() {
    let Some(db) = common::pg::TempDatabase::new("the_postgres_store_keeps_the_contract").await
    else {
        return;
    };
    let url = db.url();
    let f = fixture();
    let store = PgThreadStore::connect(&url).await.unwrap();
    let origin = codex_threads::sync::origin_of(f.home.path());
    let report = codex_threads::sync::sync_once(&local(&f), &store, &origin)
        .await
        .unwrap();
    assert_eq!(report.threads, f.listable.len() + f.archived.len());
    check_contract(&store, &f).await;
}
