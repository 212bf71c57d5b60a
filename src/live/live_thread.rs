//! `LiveThread`: the handle a writer holds on a thread it is appending to. It keeps the store's
//! history and the metadata derived from it in step (codex-format §5.1).

use std::path::PathBuf;
use std::sync::{Arc, Mutex};
use std::time::Instant;

use tokio::sync::broadcast;

use super::metadata_sync::{PendingThreadMetadataPatch, ThreadMetadataSync};
use crate::protocol::time::now_millis;
use crate::protocol::{RolloutItem, ThreadId, ThreadMemoryMode};
use crate::rollout::collect_git_info;
use crate::store::policy::is_persisted;
use crate::store::{
    AppendThreadItemsParams, CreateThreadParams, EventPersistenceMode, LoadThreadHistoryParams,
    ReadThreadParams, ResumeThreadParams, StoreResult, StoredThread, ThreadMetadataPatch,
    ThreadStore, UpdateThreadMetadataParams,
};

/// How many unread append notifications a slow subscriber may fall behind by.
const APPENDED_CHANNEL_CAPACITY: usize = 256;

#[derive(Clone)]
pub struct LiveThread {
    thread_id: ThreadId,
    store: Arc<dyn ThreadStore>,
    metadata_sync: Arc<Mutex<ThreadMetadataSync>>,
    persistence_mode: EventPersistenceMode,
    appended: broadcast::Sender<Arc<Vec<RolloutItem>>>,
}

impl LiveThread {
    /// Starts a new thread. Git facts are collected from `cwd` when it is inside a repository.
    pub async fn create(
        store: Arc<dyn ThreadStore>,
        params: CreateThreadParams,
    ) -> StoreResult<LiveThread> {
        let cwd = params.cwd.clone();
        let git_info = tokio::task::spawn_blocking(move || collect_git_info(&cwd))
            .await
            .ok()
            .flatten();
        let sync = ThreadMetadataSync::for_create(&params, git_info, now_millis());
        let (thread_id, mode) = (params.thread_id, params.event_persistence_mode);
        store.create_thread(params).await?;
        Ok(Self::new(store, thread_id, mode, sync))
    }

    /// Reopens an existing thread for appends, loading its history first if not supplied.
    pub async fn resume(
        store: Arc<dyn ThreadStore>,
        mut params: ResumeThreadParams,
    ) -> StoreResult<LiveThread> {
        if params.history.is_none() {
            let history = store
                .load_history(LoadThreadHistoryParams {
                    thread_id: params.thread_id,
                    include_archived: params.include_archived,
                })
                .await?;
            params.history = Some(history);
        }
        let sync = ThreadMetadataSync::for_resume(params.thread_id, params.history.as_deref());
        let (thread_id, mode) = (params.thread_id, params.event_persistence_mode);
        store.resume_thread(params).await?;
        Ok(Self::new(store, thread_id, mode, sync))
    }

    fn new(
        store: Arc<dyn ThreadStore>,
        thread_id: ThreadId,
        persistence_mode: EventPersistenceMode,
        sync: ThreadMetadataSync,
    ) -> Self {
        LiveThread {
            thread_id,
            store,
            metadata_sync: Arc::new(Mutex::new(sync)),
            persistence_mode,
            appended: broadcast::channel(APPENDED_CHANNEL_CAPACITY).0,
        }
    }

    pub fn thread_id(&self) -> ThreadId {
        self.thread_id
    }

    /// Items appended from now on, as each append completes.
    pub fn subscribe(&self) -> broadcast::Receiver<Arc<Vec<RolloutItem>>> {
        self.appended.subscribe()
    }

    /// The rollout path when the store is the local one.
    pub fn local_rollout_path(&self) -> Option<PathBuf> {
        self.store
            .as_any()
            .downcast_ref::<crate::store::local::LocalThreadStore>()
            .and_then(|local| local.live_rollout_path(self.thread_id))
    }

    /// Appends raw items: the store writes the persisted subset, then the metadata they imply
    /// is applied (JSONL first, so the index never gets ahead of the history).
    pub async fn append_items(&self, items: Vec<RolloutItem>) -> StoreResult<()> {
        let persisted: Vec<RolloutItem> = items
            .into_iter()
            .filter(|item| is_persisted(item, self.persistence_mode))
            .collect();
        if persisted.is_empty() {
            return Ok(());
        }
        self.store
            .append_items(AppendThreadItemsParams {
                thread_id: self.thread_id,
                items: persisted.clone(),
            })
            .await?;
        let pending = self
            .sync()
            .observe_appended_items(&persisted, now_millis(), Instant::now());
        // Nobody listening is fine.
        let _ = self.appended.send(Arc::new(persisted));
        self.apply_pending(pending).await
    }

    /// Materializes the rollout and writes everything queued, then all pending metadata.
    pub async fn persist(&self) -> StoreResult<()> {
        self.store.persist_thread(self.thread_id).await?;
        let pending = self.sync().take_pending_update();
        self.apply_pending(pending).await
    }

    /// Waits for queued items, then writes pending metadata if the thread has history.
    pub async fn flush(&self) -> StoreResult<()> {
        self.store.flush_thread(self.thread_id).await?;
        self.flush_pending_for_existing_history().await
    }

    pub async fn shutdown(&self) -> StoreResult<()> {
        self.flush_pending_for_existing_history().await?;
        self.store.shutdown_thread(self.thread_id).await
    }

    pub async fn discard(&self) -> StoreResult<()> {
        self.store.discard_thread(self.thread_id).await
    }

    /// An explicit edit (name, memory mode, git): the derived metadata still pending is written
    /// first, so the explicit patch is the last word.
    pub async fn update_metadata(
        &self,
        patch: ThreadMetadataPatch,
        include_archived: bool,
    ) -> StoreResult<StoredThread> {
        self.flush_pending_for_existing_history().await?;
        self.store
            .update_thread_metadata(UpdateThreadMetadataParams {
                thread_id: self.thread_id,
                patch,
                include_archived,
            })
            .await
    }

    pub async fn update_memory_mode(
        &self,
        mode: ThreadMemoryMode,
        include_archived: bool,
    ) -> StoreResult<StoredThread> {
        self.update_metadata(ThreadMetadataPatch::memory_mode(mode), include_archived)
            .await
    }

    pub async fn read_thread(
        &self,
        include_archived: bool,
        include_history: bool,
    ) -> StoreResult<StoredThread> {
        self.store
            .read_thread(ReadThreadParams {
                thread_id: self.thread_id,
                include_archived,
                include_history,
            })
            .await
    }

    pub async fn load_history(&self, include_archived: bool) -> StoreResult<Vec<RolloutItem>> {
        self.store
            .load_history(LoadThreadHistoryParams {
                thread_id: self.thread_id,
                include_archived,
            })
            .await
    }

    fn sync(&self) -> std::sync::MutexGuard<'_, ThreadMetadataSync> {
        // The lock is never held across an await, so poisoning means a panic elsewhere;
        // the bookkeeping inside is still consistent.
        self.metadata_sync
            .lock()
            .unwrap_or_else(|poisoned| poisoned.into_inner())
    }

    async fn flush_pending_for_existing_history(&self) -> StoreResult<()> {
        let pending = self.sync().take_pending_update_for_existing_history();
        self.apply_pending(pending).await
    }

    async fn apply_pending(&self, pending: Option<PendingThreadMetadataPatch>) -> StoreResult<()> {
        let Some(pending) = pending else {
            return Ok(());
        };
        self.store
            .update_thread_metadata(UpdateThreadMetadataParams {
                thread_id: self.thread_id,
                patch: pending.patch.clone(),
                include_archived: true,
            })
            .await?;
        self.sync()
            .mark_pending_update_applied(&pending, Instant::now());
        Ok(())
    }
}

/// Holds a `LiveThread` while the session around it may still fail to start. Dropping it
/// without `commit` discards the writer, so a failed start never forces lazy state to disk.
pub struct LiveThreadInitGuard {
    thread: Option<LiveThread>,
}

impl LiveThreadInitGuard {
    pub fn new(thread: LiveThread) -> Self {
        LiveThreadInitGuard {
            thread: Some(thread),
        }
    }

    pub fn thread(&self) -> Option<&LiveThread> {
        self.thread.as_ref()
    }

    /// Initialisation succeeded: hand the thread over.
    pub fn commit(mut self) -> Option<LiveThread> {
        self.thread.take()
    }

    pub async fn discard(mut self) -> StoreResult<()> {
        match self.thread.take() {
            Some(thread) => thread.discard().await,
            None => Ok(()),
        }
    }
}

impl Drop for LiveThreadInitGuard {
    fn drop(&mut self) {
        let Some(thread) = self.thread.take() else {
            return;
        };
        match tokio::runtime::Handle::try_current() {
            Ok(runtime) => {
                runtime.spawn(async move {
                    if let Err(err) = thread.discard().await {
                        tracing::warn!(%err, "discarding an uncommitted live thread failed");
                    }
                });
            }
            Err(_) => tracing::warn!(
                thread_id = %thread.thread_id(),
                "live thread dropped outside a runtime; its writer was not discarded"
            ),
        }
    }
}
