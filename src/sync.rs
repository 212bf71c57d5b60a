//! `codex-threads sync`: pushes a Codex home into a shared store. Incremental (a thread whose
//! state in the home is what the store last saw is passed over; a changed one sends only the
//! lines past the byte offset the store holds), idempotent, and safe with other syncs at once
//! (each thread's row is locked while its lines go in; see `PgThreadStore::push_lines`).

use std::path::Path;
use std::sync::Arc;
use std::time::{Duration, Instant};

use futures::StreamExt;
use notify::{EventKind, RecursiveMode, Watcher};

use crate::store::local::LocalThreadStore;
use crate::store::pg::{PgThreadStore, PushLine, SyncedThread};
use crate::store::{
    HistoryCursor, HistoryDirection, ListThreadsParams, ReadHistoryPageParams, SortKey,
    StoreResult, StoredThread, ThreadOrigin, ThreadStore,
};

/// Lines read from a rollout and sent to the store at once.
const PAGE_LINES: usize = 4_000;

/// Threads synced at the same time.
const PARALLEL_THREADS: usize = 4;

/// After a change in the home, further changes within this window are taken in the same pass.
const WATCH_SETTLE: Duration = Duration::from_millis(50);

#[derive(Clone, Debug, Default, PartialEq, Eq)]
pub struct SyncReport {
    /// Threads in the home.
    pub threads: usize,
    /// Threads whose metadata or lines changed since the last sync.
    pub changed: usize,
    pub lines_added: usize,
    pub bytes_added: u64,
}

/// The origin of a home's threads: this machine and the home's absolute path.
pub fn origin_of(home: &Path) -> ThreadOrigin {
    let home = std::path::absolute(home).unwrap_or_else(|_| home.to_path_buf());
    ThreadOrigin {
        host: crate::store::pg::host_name(),
        codex_home: home.to_string_lossy().into_owned(),
    }
}

/// One pass: every listed thread of the home (active and archived) into the store.
pub async fn sync_once(
    home: &LocalThreadStore,
    store: &PgThreadStore,
    origin: &ThreadOrigin,
) -> StoreResult<SyncReport> {
    let synced = Arc::new(store.synced_threads(origin).await?);
    let mut threads = Vec::new();
    for archived in [false, true] {
        let page = home
            .list_threads(ListThreadsParams {
                page_size: 0,
                sort_key: SortKey::UpdatedAt,
                archived,
                ..Default::default()
            })
            .await?;
        threads.extend(page.items);
    }
    let mut report = SyncReport {
        threads: threads.len(),
        ..Default::default()
    };
    let results: Vec<StoreResult<Option<(usize, u64)>>> = futures::stream::iter(threads)
        .map(|thread| {
            let synced = synced.clone();
            async move {
                let known = synced.get(&thread.thread_id);
                sync_thread(home, store, origin, thread, known).await
            }
        })
        .buffer_unordered(PARALLEL_THREADS)
        .collect()
        .await;
    for result in results {
        if let Some((lines, bytes)) = result? {
            report.changed += 1;
            report.lines_added += lines;
            report.bytes_added += bytes;
        }
    }
    Ok(report)
}

/// Syncs one thread; `None` when the home has nothing new for it.
async fn sync_thread(
    home: &LocalThreadStore,
    store: &PgThreadStore,
    origin: &ThreadOrigin,
    thread: StoredThread,
    known: Option<&SyncedThread>,
) -> StoreResult<Option<(usize, u64)>> {
    let state = serde_json::to_string(&thread).unwrap_or_default();
    if known.is_some_and(|known| known.home_state.as_deref() == Some(state.as_str())) {
        return Ok(None);
    }
    let id = thread.thread_id;
    // Until the lines are in, the recorded state does not match the home, so an interrupted
    // sync is finished by the next one.
    let mut offset = store
        .sync_thread_metadata(origin, thread, format!("pending {state}"))
        .await?;
    let (mut lines_added, mut bytes_added) = (0, 0);
    loop {
        let page = home
            .read_history_page(ReadHistoryPageParams {
                thread_id: id,
                include_archived: true,
                anchor: Some(HistoryCursor(offset)),
                direction: HistoryDirection::Forward,
                limit: PAGE_LINES,
                include_raw: true,
            })
            .await?;
        let ends: Vec<u64> = page
            .lines
            .iter()
            .skip(1)
            .map(|line| line.cursor.0)
            .chain([page.end.0])
            .collect();
        let lines: Vec<PushLine> = page
            .lines
            .into_iter()
            .zip(ends)
            .map(|(line, end)| PushLine {
                offset: line.cursor.0,
                len: end - line.cursor.0,
                raw: line.raw.unwrap_or_default(),
            })
            .collect();
        if !lines.is_empty() || page.end.0 > offset {
            lines_added += store.push_lines(id, &lines, page.end.0).await?;
            bytes_added += page.end.0 - offset;
        }
        if page.at_end || page.end.0 <= offset {
            break;
        }
        offset = page.end.0;
    }
    store.mark_synced(id, &state).await?;
    Ok(Some((lines_added, bytes_added)))
}

/// Syncs, then follows the home: every change under it is in the store within a second.
/// Runs until the task is dropped; `on_pass` hears each pass's report.
pub async fn sync_watch(
    home: &LocalThreadStore,
    store: &PgThreadStore,
    origin: &ThreadOrigin,
    mut on_pass: impl FnMut(&SyncReport, Duration),
) -> StoreResult<()> {
    let (wake_tx, mut wake) = tokio::sync::mpsc::channel::<()>(1);
    let _watcher = watch_home(home, wake_tx);
    loop {
        let started = Instant::now();
        let report = sync_once(home, store, origin).await?;
        on_pass(&report, started.elapsed());
        // Without events (or if one is missed) a pass still runs every second.
        if tokio::time::timeout(Duration::from_secs(1), wake.recv())
            .await
            .is_ok()
        {
            tokio::time::sleep(WATCH_SETTLE).await;
            while wake.try_recv().is_ok() {}
        }
    }
}

fn watch_home(
    home: &LocalThreadStore,
    wake: tokio::sync::mpsc::Sender<()>,
) -> Option<notify::RecommendedWatcher> {
    let mut watcher = notify::recommended_watcher(move |event: notify::Result<notify::Event>| {
        if let Ok(event) = event
            && !matches!(event.kind, EventKind::Access(_))
        {
            let _ = wake.try_send(());
        }
    })
    .map_err(|err| tracing::warn!(%err, "cannot watch the home; syncing every second"))
    .ok()?;
    let codex_home = home.home();
    let _ = watcher.watch(codex_home.root(), RecursiveMode::NonRecursive);
    for dir in [codex_home.sessions_dir(), codex_home.archived_dir()] {
        if let Err(err) = watcher.watch(&dir, RecursiveMode::Recursive) {
            tracing::debug!(%err, dir = %dir.display(), "not watched");
        }
    }
    Some(watcher)
}
