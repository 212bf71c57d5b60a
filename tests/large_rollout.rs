//! The last page of a 1 GiB rollout costs a bounded number of bytes. The file is sparse, so
//! the test needs no disk space and no time to write it.

mod common;

use std::fs::OpenOptions;
use std::io::{Seek, SeekFrom, Write};
use std::sync::Arc;

use codex_threads::manager::ThreadManager;
use codex_threads::store::local::{LocalStoreOptions, LocalThreadStore};
use codex_threads::store::{HistoryDirection, ReadHistoryPageParams};
use common::*;

const GIB: u64 = 1 << 30;

#[tokio::test]
async fn the_last_page_of_a_one_gib_rollout_reads_a_bounded_number_of_bytes() {
    let home = TestHome::new();
    let spec = ThreadSpec::new().turn("Start", "Ok.");
    let written = home.add_thread(&spec);
    let tail: String = (0..200)
        .map(|n| {
            format!(
                "{{\"timestamp\":\"2026-05-14T10:00:00.000Z\",\"type\":\"event_msg\",\"payload\":{{\"type\":\"agent_message\",\"message\":\"line {n}\",\"phase\":null}}}}\n"
            )
        })
        .collect();
    {
        let mut file = OpenOptions::new().write(true).open(&written.path).unwrap();
        // A newline closes the (NUL-filled) hole so the tail lines stand on their own.
        file.seek(SeekFrom::Start(GIB - tail.len() as u64 - 1))
            .unwrap();
        file.write_all(b"\n").unwrap();
        file.write_all(tail.as_bytes()).unwrap();
    }
    assert_eq!(std::fs::metadata(&written.path).unwrap().len(), GIB);

    let store = LocalThreadStore::open(home.path(), LocalStoreOptions::default());
    let manager = ThreadManager::new(Arc::new(store));
    let last_page_before = |anchor| ReadHistoryPageParams {
        thread_id: spec.id,
        include_archived: false,
        anchor,
        direction: HistoryDirection::Backward,
        limit: 50,
        include_raw: false,
    };
    let page = manager
        .read_history_page(last_page_before(None))
        .await
        .unwrap();
    assert_eq!(page.lines.len(), 50);
    assert!(page.at_end);
    let last = page.lines.last().unwrap().line.as_ref().unwrap();
    assert!(last.encode().contains("line 199"));
    assert!(
        page.bytes_read < 256 * 1024,
        "read {} bytes for the last page of 1 GiB",
        page.bytes_read
    );
    // And the page before it is just as cheap.
    let before = manager
        .read_history_page(last_page_before(Some(page.start)))
        .await
        .unwrap();
    assert_eq!(before.lines.len(), 50);
    assert!(before.end <= page.start);
    assert!(before.bytes_read < 256 * 1024);
}
