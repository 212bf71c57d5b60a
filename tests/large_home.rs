//! On a generated home (the benchmark's generator, smaller): listing, paging and search give
//! exactly what a straightforward scan of the same files gives, and scrolling a large rollout
//! reads a bounded number of bytes.

mod common;

use std::collections::HashMap;
use std::sync::Arc;
use std::time::UNIX_EPOCH;

use codex_threads::manager::ThreadManager;
use codex_threads::protocol::ThreadId;
use codex_threads::rollout::parse_rollout_file_name;
use codex_threads::store::local::{LocalStoreOptions, LocalThreadStore};
use codex_threads::store::{
    HistoryDirection, ListThreadsParams, ReadHistoryPageParams, SortDirection, SortKey,
};
use codex_threads::testing::gen_home::{GenOptions, GenSummary, generate};
use common::read_rollout;
use common::scan::{expected_hits, is_archived, scanned_preview, search_hits};
use tempfile::TempDir;

const THREADS: usize = 400;
const HUGE_BYTES: u64 = 6 << 20;

fn generated_home() -> (TempDir, GenSummary) {
    let dir = TempDir::new().unwrap();
    let root = dir.path().join("home");
    let mut options = GenOptions::new(THREADS);
    options.huge_bytes = HUGE_BYTES;
    options.seed = 11;
    let summary = generate(&root, &options).unwrap();
    (dir, summary)
}

fn manager(summary: &GenSummary, cache: Option<&std::path::Path>) -> ThreadManager {
    let store = LocalThreadStore::open(
        &summary.root,
        LocalStoreOptions {
            sqlite_home: None,
            cache_dir: cache.map(|dir| dir.to_path_buf()),
            ..LocalStoreOptions::default()
        },
    );
    ThreadManager::new(Arc::new(store))
}

/// The listing a straightforward scan gives: listable threads, newest first by the sort key
/// (file-name time for created, mtime for updated), ties by id.
fn scanned_order(summary: &GenSummary, archived: bool, sort: SortKey) -> Vec<ThreadId> {
    let mut keyed: Vec<(i64, ThreadId)> = summary
        .threads
        .iter()
        .filter(|thread| is_archived(&thread.path) == archived)
        .filter(|thread| scanned_preview(&thread.path).is_some())
        .map(|thread| {
            let at = match sort {
                SortKey::CreatedAt => {
                    let name = thread.path.file_name().unwrap().to_str().unwrap();
                    parse_rollout_file_name(name).unwrap().0.timestamp_millis()
                }
                SortKey::UpdatedAt => {
                    let modified = std::fs::metadata(&thread.path).unwrap().modified().unwrap();
                    modified.duration_since(UNIX_EPOCH).unwrap().as_millis() as i64
                }
            };
            (at, thread.id)
        })
        .collect();
    keyed.sort_by(|a, b| b.cmp(a));
    keyed.into_iter().map(|(_, id)| id).collect()
}

async fn paged_order(
    manager: &ThreadManager,
    archived: bool,
    sort: SortKey,
    page_size: usize,
) -> Vec<ThreadId> {
    let mut params = ListThreadsParams {
        page_size,
        archived,
        sort_key: sort,
        sort_direction: SortDirection::Desc,
        ..Default::default()
    };
    let mut ids = Vec::new();
    loop {
        let page = manager.list_threads(params.clone()).await.unwrap();
        ids.extend(page.items.iter().map(|thread| thread.thread_id));
        match page.next_cursor {
            Some(cursor) => params.cursor = Some(cursor),
            None => return ids,
        }
    }
}

#[tokio::test]
async fn listing_and_paging_match_a_straightforward_scan() {
    let (dir, summary) = generated_home();
    let cache = dir.path().join("cache");
    // Cold, then warm from our own index: both must agree with the files.
    for round in ["cold", "warm"] {
        let manager = manager(&summary, Some(&cache));
        for archived in [false, true] {
            for sort in [SortKey::CreatedAt, SortKey::UpdatedAt] {
                let expected = scanned_order(&summary, archived, sort);
                assert!(!expected.is_empty());
                for page_size in [7, 50, 0] {
                    let listed = paged_order(&manager, archived, sort, page_size).await;
                    assert_eq!(
                        listed, expected,
                        "{round}: archived {archived}, {sort:?}, pages of {page_size}"
                    );
                }
            }
        }
    }
    // And every listed thread shows the preview its file gives.
    let manager = manager(&summary, None);
    let page = manager
        .list_threads(ListThreadsParams {
            page_size: 0,
            ..Default::default()
        })
        .await
        .unwrap();
    let paths: HashMap<ThreadId, &std::path::Path> = summary
        .threads
        .iter()
        .map(|thread| (thread.id, thread.path.as_path()))
        .collect();
    for thread in &page.items {
        assert_eq!(
            Some(thread.preview.clone()),
            scanned_preview(paths[&thread.thread_id])
        );
    }
}

#[tokio::test]
async fn search_hits_match_a_straightforward_scan() {
    let (_dir, summary) = generated_home();
    let manager = manager(&summary, None);
    for (query, archived) in [("FAILED", true), ("failed", false), ("cargo test", true)] {
        let searched = summary
            .threads
            .iter()
            .filter(|thread| archived || !is_archived(&thread.path))
            .map(|thread| (thread.id, thread.path.as_path()));
        let expected = expected_hits(searched, query);
        assert!(!expected.is_empty(), "{query}: the generated home has hits");
        assert_eq!(
            search_hits(&manager, query, archived).await,
            expected,
            "{query}"
        );
    }
}

#[tokio::test]
async fn scrolling_a_large_rollout_reads_each_byte_about_once() {
    let (_dir, summary) = generated_home();
    let huge = summary.threads.iter().find(|thread| thread.huge).unwrap();
    let manager = manager(&summary, None);
    let mut anchor = None;
    let mut total_bytes = 0;
    let mut lines = 0;
    loop {
        let page = manager
            .read_history_page(ReadHistoryPageParams {
                thread_id: huge.id,
                include_archived: true,
                anchor,
                direction: HistoryDirection::Backward,
                limit: 100,
                include_raw: false,
            })
            .await
            .unwrap();
        assert!(
            page.lines.len() <= 100,
            "a page holds at most what was asked"
        );
        assert!(
            page.bytes_read < 1 << 20,
            "one page read {} bytes",
            page.bytes_read
        );
        total_bytes += page.bytes_read;
        lines += page.lines.len();
        if page.at_start {
            break;
        }
        anchor = Some(page.start);
    }
    let size = std::fs::metadata(&huge.path).unwrap().len();
    assert_eq!(lines, read_rollout(&huge.path).lines().count());
    assert!(
        total_bytes < size * 2,
        "scrolling {size} bytes read {total_bytes}"
    );
}
