//! The background reader behind `ThreadManager::follow_thread`.

use std::path::{Path, PathBuf};
use std::sync::Arc;
use std::time::Duration;

use notify::{EventKind, RecursiveMode, Watcher};
use tokio::sync::{broadcast, mpsc};

use super::FollowEvent;
use crate::protocol::{RolloutItem, ThreadId};
use crate::store::{
    HistoryCursor, HistoryDirection, ReadHistoryPageParams, ThreadStore, ThreadStoreError,
};

/// Without file-system events (or if one is missed) the follower still looks this often.
pub(super) const SAFETY_POLL: Duration = Duration::from_millis(500);

/// The same for a thread of a store that wakes its followers itself (`watch_thread`: a
/// database's `LISTEN`, which wakes everyone again after it reconnects): slow, to spare the
/// database a query per follower twice a second.
pub(super) const STORE_SAFETY_POLL: Duration = Duration::from_secs(30);

/// How many lines one read may return; a burst larger than this arrives in several batches.
const FOLLOW_BATCH: usize = 512;

pub(super) struct FollowReader {
    pub store: Arc<dyn ThreadStore>,
    pub thread_id: ThreadId,
    pub include_archived: bool,
    pub next: HistoryCursor,
    /// The plain rollout file (none for stores without files). Lines are read only while it
    /// exists: a compressed rollout is not being written, and one not yet created has nothing.
    /// Once a file that was there is gone (archived, or compressed, which Codex does only to
    /// rollouts nobody writes) no line will come.
    pub plain_path: Option<PathBuf>,
    /// Whether the plain file has existed since the follow started.
    pub file_seen: bool,
    /// The store's own change subscription (`ThreadStore::watch_thread`), held while following.
    pub _store_watch: Option<Box<dyn std::any::Any + Send>>,
    /// How long to wait for a wake-up before looking anyway.
    pub safety_poll: Duration,
}

impl FollowReader {
    /// Reads new lines each time something wakes it, until the receiver goes away or the
    /// rollout moves. `_watcher` lives as long as the loop so its events keep coming.
    pub async fn run(
        mut self,
        mut wake: mpsc::Receiver<()>,
        events: mpsc::Sender<FollowEvent>,
        _watcher: Option<notify::RecommendedWatcher>,
    ) {
        loop {
            let file_present = self.plain_path.as_ref().is_none_or(|path| path.exists());
            if file_present {
                self.file_seen = true;
                match self.read_new_lines(&events).await {
                    Ok(true) => {}
                    Ok(false) | Err(()) => return,
                }
            } else if self.file_seen {
                let _ = events.send(FollowEvent::Moved).await;
                return;
            }
            // Either a wake-up or the safety poll; a closed wake channel leaves the poll.
            let _ = tokio::time::timeout(self.safety_poll, wake.recv()).await;
        }
    }

    /// Sends every complete line after `next`. Ok(false) when the follower should stop.
    async fn read_new_lines(&mut self, events: &mpsc::Sender<FollowEvent>) -> Result<bool, ()> {
        loop {
            let page = self
                .store
                .read_history_page(ReadHistoryPageParams {
                    thread_id: self.thread_id,
                    include_archived: self.include_archived,
                    anchor: Some(self.next),
                    direction: HistoryDirection::Forward,
                    limit: FOLLOW_BATCH,
                    include_raw: false,
                })
                .await;
            let page = match page {
                Ok(page) => page,
                Err(ThreadStoreError::ThreadNotFound { .. })
                | Err(ThreadStoreError::InvalidRequest { .. }) => {
                    let _ = events.send(FollowEvent::Moved).await;
                    return Ok(false);
                }
                // A read that failed because the file moved away mid-read is a move.
                Err(_) if self.plain_path.as_ref().is_some_and(|path| !path.exists()) => {
                    let _ = events.send(FollowEvent::Moved).await;
                    return Ok(false);
                }
                Err(err) => {
                    let _ = events.send(FollowEvent::Failed(err.to_string())).await;
                    return Ok(false);
                }
            };
            self.next = page.end;
            // A page also stops at a byte budget, so a short page need not be the end.
            let full = !page.at_end && !page.lines.is_empty();
            if !page.lines.is_empty() && events.send(FollowEvent::Lines(page.lines)).await.is_err()
            {
                return Err(());
            }
            if !full {
                return Ok(true);
            }
        }
    }
}

/// Wakes the follower on any change in the rollout's directory (appends, renames). Returns
/// `None` when the platform cannot watch; the safety poll covers that case.
pub(super) fn watch_file_changes(
    rollout_path: &Path,
    wake: mpsc::Sender<()>,
) -> Option<notify::RecommendedWatcher> {
    let directory = rollout_path.parent()?;
    // Built from the bytes: `display()` would change a path that is not UTF-8.
    let compressed = crate::rollout::zst_sibling(rollout_path);
    let watched = [rollout_path.to_path_buf(), compressed];
    let mut watcher = notify::recommended_watcher(move |event: notify::Result<notify::Event>| {
        let Ok(event) = event else { return };
        // Our own reads show up as access events; waking on them would spin.
        let about_the_rollout =
            event.paths.is_empty() || event.paths.iter().any(|path| watched.contains(path));
        if !matches!(event.kind, EventKind::Access(_)) && about_the_rollout {
            // A full channel already holds a pending wake-up.
            let _ = wake.try_send(());
        }
    })
    .map_err(|err| tracing::warn!(%err, "file watching unavailable; polling instead"))
    .ok()?;
    watcher
        .watch(directory, RecursiveMode::NonRecursive)
        .map_err(|err| tracing::warn!(%err, dir = %directory.display(), "cannot watch"))
        .ok()?;
    Some(watcher)
}

/// Wakes the follower whenever the in-process live thread appends.
pub(super) fn forward_live_appends(
    mut appended: broadcast::Receiver<Arc<Vec<RolloutItem>>>,
    wake: mpsc::Sender<()>,
) {
    tokio::spawn(async move {
        loop {
            match appended.recv().await {
                Ok(_) | Err(broadcast::error::RecvError::Lagged(_)) => {
                    // A full channel already holds a pending wake-up.
                    if let Err(mpsc::error::TrySendError::Closed(())) = wake.try_send(()) {
                        return;
                    }
                }
                Err(broadcast::error::RecvError::Closed) => return,
            }
        }
    });
}
