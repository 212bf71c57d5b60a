//! Straightforward scans of rollout files, to check what the store finds against.

use std::collections::BTreeSet;
use std::path::Path;

use codex_threads::manager::ThreadManager;
use codex_threads::protocol::{RolloutLine, ThreadId};
use codex_threads::store::SearchParams;
use codex_threads::text::{find_query, item_kind, searchable_text};

use super::read_rollout;

/// A search hit as (thread id, line timestamp, item kind).
pub type HitKey = (String, String, String);

pub fn is_archived(path: &Path) -> bool {
    path.components()
        .any(|part| part.as_os_str() == "archived_sessions")
}

/// Every line of these rollouts whose searchable text contains `query`, found by decoding
/// each line in turn.
pub fn expected_hits<'a>(
    rollouts: impl IntoIterator<Item = (ThreadId, &'a Path)>,
    query: &str,
) -> BTreeSet<HitKey> {
    let mut expected = BTreeSet::new();
    for (id, path) in rollouts {
        for text in read_rollout(path).lines() {
            let Ok(line) = RolloutLine::decode(text) else {
                continue;
            };
            let found = searchable_text(&line.item).and_then(|t| find_query(&t, query));
            if found.is_some() {
                expected.insert((id.to_string(), line.timestamp, item_kind(&line.item)));
            }
        }
    }
    expected
}

/// What `ThreadManager::search` finds, checking each hit is reported once.
pub async fn search_hits(
    manager: &ThreadManager,
    query: &str,
    include_archived: bool,
) -> BTreeSet<HitKey> {
    let mut run = manager.search(SearchParams {
        query: query.to_string(),
        include_archived,
        thread_id: None,
        max_hits_per_thread: None,
    });
    let mut found = BTreeSet::new();
    while let Some(hit) = run.hits.recv().await {
        let key = (hit.thread_id.to_string(), hit.timestamp, hit.kind);
        assert!(found.insert(key.clone()), "hit reported twice: {key:?}");
    }
    let stats = run.done.await.unwrap().unwrap();
    assert_eq!(stats.hits, found.len());
    found
}
