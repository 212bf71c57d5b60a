//! Full-text search finds exactly what a straightforward scan of every line finds.

mod common;

use std::collections::BTreeSet;
use std::sync::Arc;

use codex_threads::manager::ThreadManager;
use codex_threads::store::local::{LocalStoreOptions, LocalThreadStore};
use common::scan::{HitKey, expected_hits, is_archived, search_hits};
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

/// What a straightforward scan finds in the fixture's rollouts.
fn straightforward_scan(
    threads: &[WrittenThread],
    query: &str,
    include_archived: bool,
) -> BTreeSet<HitKey> {
    let searched = threads
        .iter()
        .filter(|thread| include_archived || !is_archived(&thread.path))
        .map(|thread| (thread.id, thread.path.as_path()));
    expected_hits(searched, query)
}

async fn search(home: &TestHome, query: &str, include_archived: bool) -> BTreeSet<HitKey> {
    let store = LocalThreadStore::open(home.path(), LocalStoreOptions::default());
    let manager = ThreadManager::new(Arc::new(store));
    search_hits(&manager, query, include_archived).await
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

#[tokio::test]
async fn a_limit_on_hits_sent_still_counts_every_hit() {
    use codex_threads::store::{SearchParams, ThreadStore};
    let home = TestHome::new();
    let mut spec = ThreadSpec::new();
    for turn in 0..5 {
        spec = spec.turn(&format!("needle number {turn}"), "ok");
    }
    let written = home.add_thread(&spec);
    let store = LocalThreadStore::open(home.path(), LocalStoreOptions::default());
    let run = |limit: Option<usize>| {
        let store = store.clone();
        async move {
            let (sender, mut receiver) = tokio::sync::mpsc::channel(1024);
            let params = SearchParams {
                query: "needle".to_string(),
                include_archived: true,
                thread_id: None,
                max_hits_per_thread: limit,
            };
            let stats = store.search(params, sender).await.unwrap();
            let mut sent = 0;
            while receiver.recv().await.is_some() {
                sent += 1;
            }
            (sent, stats)
        }
    };
    let (every, _) = run(None).await;
    assert!(every > 3, "{every} hits");
    let (sent, stats) = run(Some(3)).await;
    assert_eq!(sent, 3);
    assert_eq!(stats.hits, every);
    assert_eq!(stats.thread_hits.get(&written.id), Some(&every));
}
