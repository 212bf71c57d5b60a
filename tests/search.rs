//! Full-text search finds exactly what a straightforward scan of every line finds.

mod common;

use std::collections::BTreeSet;
use std::sync::Arc;

use codex_threads::manager::ThreadManager;
use codex_threads::protocol::RolloutLine;
use codex_threads::store::SearchParams;
use codex_threads::store::local::{LocalStoreOptions, LocalThreadStore};
use codex_threads::text::{find_query, item_kind, searchable_text};
use common::*;

fn home_with_threads() -> (TestHome, Vec<WrittenThread>) {
    let home = TestHome::new();
    let specs = [
        ThreadSpec::new().with_turn(
            Turn::new("Fix the flaky login test", "The login test waits now.")
                .command("cargo test login", "test login ... FAILED\nLogin retried"),
        ),
        ThreadSpec::new().turn("Add a dark mode", "Dark mode added; no login changes."),
        ThreadSpec::new()
            .turn("Explain the LOGIN flow", "It posts credentials.")
            .compressed(),
        ThreadSpec::new()
            .turn("Archived login notes", "Kept for later.")
            .archived(),
        ThreadSpec::new().turn("Nothing relevant", "Indeed."),
    ];
    let written = specs.iter().map(|spec| home.add_thread(spec)).collect();
    (home, written)
}

/// (thread, line timestamp, kind) of every line whose searchable text contains the query.
fn straightforward_scan(
    threads: &[WrittenThread],
    query: &str,
    include_archived: bool,
) -> BTreeSet<(String, String, String)> {
    let mut expected = BTreeSet::new();
    for thread in threads {
        if thread
            .path
            .starts_with(thread.path.ancestors().nth(1).unwrap())
            && thread.path.to_string_lossy().contains("archived_sessions")
            && !include_archived
        {
            continue;
        }
        for text in read_rollout(&thread.path).lines() {
            let Ok(line) = RolloutLine::decode(text) else {
                continue;
            };
            let found = searchable_text(&line.item).and_then(|t| find_query(&t, query));
            if found.is_some() {
                expected.insert((thread.id.to_string(), line.timestamp, item_kind(&line.item)));
            }
        }
    }
    expected
}

async fn search(
    home: &TestHome,
    query: &str,
    include_archived: bool,
) -> BTreeSet<(String, String, String)> {
    let store = LocalThreadStore::open(home.path(), LocalStoreOptions::default());
    let manager = ThreadManager::new(Arc::new(store));
    let mut run = manager.search(SearchParams {
        query: query.to_string(),
        include_archived,
        thread_id: None,
        max_hits_per_thread: None,
    });
    let mut found = BTreeSet::new();
    while let Some(hit) = run.hits.recv().await {
        assert!(
            hit.snippet.to_lowercase().contains(&query.to_lowercase()) || hit.snippet.contains('…')
        );
        assert!(
            found.insert((hit.thread_id.to_string(), hit.timestamp, hit.kind)),
            "duplicate hit"
        );
    }
    let stats = run.done.await.unwrap().unwrap();
    assert_eq!(stats.hits, found.len());
    found
}

#[tokio::test]
async fn hits_match_a_straightforward_scan() {
    let (home, threads) = home_with_threads();
    for (query, archived) in [
        ("login", false),
        ("login", true),
        ("LOGIN", true),
        ("FAILED", false),
    ] {
        let expected = straightforward_scan(&threads, query, archived);
        assert!(!expected.is_empty(), "{query}: the fixture has hits");
        assert_eq!(
            search(&home, query, archived).await,
            expected,
            "query {query:?} archived {archived}"
        );
    }
    // Smart case: capitals match exactly, lowercase matches any case.
    let exact = search(&home, "LOGIN", true).await;
    let any = search(&home, "login", true).await;
    assert!(exact.len() < any.len());
}

#[tokio::test]
async fn json_keys_and_metadata_are_not_hits() {
    let (home, _) = home_with_threads();
    assert!(search(&home, "payload", true).await.is_empty());
    assert!(search(&home, "session_meta", true).await.is_empty());
}
