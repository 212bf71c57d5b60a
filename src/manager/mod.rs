//! `ThreadManager`: the threads live in this process, and the one path for metadata edits.

use std::collections::HashMap;
use std::sync::{Arc, RwLock};

use chrono::{DateTime, Duration, Utc};

use crate::live::LiveThread;

mod curate;
mod follow;
mod private;
use crate::protocol::ThreadId;
use crate::store::{
    CreateThreadParams, DeletedThread, HistoryCursor, HistoryLine, ListThreadsParams,
    ReadHistoryPageParams, ReadThreadParams, RestoredThread, ResumeThreadParams, SearchHit,
    SearchParams, SearchStats, StoreResult, StoredThread, ThreadHistoryPage, ThreadMetadataPatch,
    ThreadPage, ThreadStore, ThreadStoreError, TrashedThread, UpdateThreadMetadataParams,
};

/// A thread whose rollout changed this recently counts as being written by another process.
pub const RECENT_WRITE_WINDOW: Duration = Duration::seconds(10);

pub struct ThreadManager {
    store: Arc<dyn ThreadStore>,
    live: RwLock<HashMap<ThreadId, LiveThread>>,
}

impl ThreadManager {
    pub fn new(store: Arc<dyn ThreadStore>) -> Self {
        ThreadManager {
            store,
            live: RwLock::new(HashMap::new()),
        }
    }

    pub fn store(&self) -> &Arc<dyn ThreadStore> {
        &self.store
    }

    /// Starts a new thread that lives in this process.
    pub async fn start_thread(&self, params: CreateThreadParams) -> StoreResult<LiveThread> {
        let thread = LiveThread::create(self.store.clone(), params).await?;
        self.register(thread.clone());
        Ok(thread)
    }

    /// Reopens an existing thread for appends in this process.
    pub async fn resume_thread(&self, params: ResumeThreadParams) -> StoreResult<LiveThread> {
        let thread = LiveThread::resume(self.store.clone(), params).await?;
        self.register(thread.clone());
        Ok(thread)
    }

    fn register(&self, thread: LiveThread) {
        self.live_threads_mut().insert(thread.thread_id(), thread);
    }

    /// Shuts a live thread down and forgets it. Unknown ids are fine.
    pub async fn unload_thread(&self, thread_id: ThreadId) -> StoreResult<()> {
        let thread = self.live_threads_mut().remove(&thread_id);
        match thread {
            Some(thread) => thread.shutdown().await,
            None => Ok(()),
        }
    }

    pub fn live_thread(&self, thread_id: ThreadId) -> Option<LiveThread> {
        self.live
            .read()
            .unwrap_or_else(|poisoned| poisoned.into_inner())
            .get(&thread_id)
            .cloned()
    }

    /// Live in this process, held open by a Codex process, or written by another process in
    /// the last few seconds.
    pub fn is_live(&self, thread: &StoredThread, now: DateTime<Utc>) -> bool {
        self.live_thread(thread.thread_id).is_some()
            || thread.open_in_codex
            || (!thread.archived && now - thread.updated_at < RECENT_WRITE_WINDOW)
    }

    /// A thread (archived or not, without its history) and whether it is live now, as `show`
    /// and `export` head their output.
    pub async fn read_thread_now(&self, thread_id: ThreadId) -> StoreResult<(StoredThread, bool)> {
        let thread = self
            .read_thread(ReadThreadParams {
                thread_id,
                include_archived: true,
                include_history: false,
            })
            .await?;
        let live = self.is_live(&thread, Utc::now());
        Ok((thread, live))
    }

    /// The one path for metadata edits: a live thread goes through its `LiveThread` (so the
    /// edit is ordered after its pending derived metadata), a cold one straight to the store.
    ///
    /// Archived threads follow Codex's one rule, whoever asks (TUI or CLI): what Codex refuses
    /// on an archived thread (a name, a memory mode) is refused with how to unarchive it; what
    /// it accepts (sections, pins, projects, read state) is made, whatever `include_archived`.
    pub async fn update_thread_metadata(
        &self,
        thread_id: ThreadId,
        patch: ThreadMetadataPatch,
        include_archived: bool,
    ) -> StoreResult<StoredThread> {
        let include_archived = match patch.refused_when_archived() {
            None if !patch.has_observed_facts() => true,
            None => include_archived,
            Some(_) => {
                let current = self
                    .read_thread(ReadThreadParams {
                        thread_id,
                        include_archived: true,
                        include_history: false,
                    })
                    .await?;
                if let Some(refusal) = archived_refusal(&current, &patch) {
                    return Err(ThreadStoreError::invalid(refusal));
                }
                false
            }
        };
        match self.live_thread(thread_id) {
            Some(thread) => thread.update_metadata(patch, include_archived).await,
            None => {
                self.store
                    .update_thread_metadata(UpdateThreadMetadataParams {
                        thread_id,
                        patch,
                        include_archived,
                    })
                    .await
            }
        }
    }

    pub async fn list_threads(&self, params: ListThreadsParams) -> StoreResult<ThreadPage> {
        self.store.list_threads(params).await
    }

    pub async fn read_thread(&self, params: ReadThreadParams) -> StoreResult<StoredThread> {
        self.store.read_thread(params).await
    }

    pub async fn read_history_page(
        &self,
        params: ReadHistoryPageParams,
    ) -> StoreResult<ThreadHistoryPage> {
        self.store.read_history_page(params).await
    }

    /// Archives a thread; a live one is shut down and unloaded first.
    pub async fn archive_thread(&self, thread_id: ThreadId) -> StoreResult<()> {
        self.unload_thread(thread_id).await?;
        self.store.archive_thread(thread_id).await
    }

    pub async fn unarchive_thread(&self, thread_id: ThreadId) -> StoreResult<StoredThread> {
        self.store.unarchive_thread(thread_id).await
    }

    /// Deletes a thread. One live in this process is refused, as one a Codex process holds
    /// open is by the store: something is still writing it.
    pub async fn delete_thread(&self, thread_id: ThreadId) -> StoreResult<DeletedThread> {
        if self.live_thread(thread_id).is_some() {
            return Err(ThreadStoreError::Conflict {
                message: format!("thread {thread_id} is live in this process"),
            });
        }
        self.store.delete_thread(thread_id).await
    }

    /// The threads our delete moved to the trash, newest deletion first.
    pub async fn list_trash(&self) -> StoreResult<Vec<TrashedThread>> {
        self.store.list_trash().await
    }

    /// Puts a thread back from the trash (with `dry_run`, only says whether it could).
    pub async fn restore_thread(
        &self,
        thread_id: ThreadId,
        dry_run: bool,
    ) -> StoreResult<RestoredThread> {
        self.store.restore_thread(thread_id, dry_run).await
    }

    /// Follows a thread from `from` on: new complete lines arrive as `FollowEvent::Lines`
    /// within milliseconds of being written, whether this process appends them (a live thread)
    /// or another process does (file-system events, with a slow poll as a safety net).
    pub async fn follow_thread(
        &self,
        thread_id: ThreadId,
        from: HistoryCursor,
        include_archived: bool,
    ) -> StoreResult<ThreadFollower> {
        let thread = self
            .read_thread(ReadThreadParams {
                thread_id,
                include_archived,
                include_history: false,
            })
            .await?;
        let (wake_tx, wake_rx) = tokio::sync::mpsc::channel::<()>(1);
        let watcher = thread
            .rollout_path
            .as_deref()
            .and_then(|path| follow::watch_file_changes(path, wake_tx.clone()));
        let store_watch = self.store.watch_thread(thread_id, wake_tx.clone()).await;
        if let Some(live) = self.live_thread(thread_id) {
            follow::forward_live_appends(live.subscribe(), wake_tx);
        }
        let safety_poll = if store_watch.is_some() && thread.rollout_path.is_none() {
            follow::STORE_SAFETY_POLL
        } else {
            follow::SAFETY_POLL
        };
        let (events_tx, events) = tokio::sync::mpsc::channel(64);
        let reader = follow::FollowReader {
            safety_poll,
            store: self.store.clone(),
            thread_id,
            include_archived,
            file_seen: thread
                .rollout_path
                .as_ref()
                .is_some_and(|path| path.exists()),
            plain_path: thread.rollout_path.clone(),
            next: from,
            _store_watch: store_watch,
        };
        let task = tokio::spawn(reader.run(wake_rx, events_tx, watcher));
        Ok(ThreadFollower { events, task })
    }

    /// Starts a full-text search. Hits stream from `SearchRun::hits` as they are found;
    /// dropping the receiver stops the search.
    pub fn search(&self, params: SearchParams) -> SearchRun {
        let (hits_tx, hits) = tokio::sync::mpsc::channel(256);
        let store = self.store.clone();
        let done = tokio::spawn(async move { store.search(params, hits_tx).await });
        SearchRun { hits, done }
    }

    /// Resolves what a user typed: a full id, a unique id prefix, or an exact thread name (the
    /// most recently updated thread with that name). Archived threads are candidates too.
    pub async fn resolve_thread(&self, reference: &str) -> Result<ThreadId, ResolveError> {
        let reference = reference.trim();
        if reference.is_empty() {
            return Err(ResolveError::NotFound(reference.to_string()));
        }
        if let Ok(id) = reference.parse::<ThreadId>() {
            return Ok(id);
        }
        let needle = reference.to_lowercase();
        let candidates = self.store.threads_by_reference(&needle, reference).await?;
        let by_prefix: Vec<&StoredThread> = candidates
            .iter()
            .filter(|thread| thread.thread_id.to_string().starts_with(&needle))
            .collect();
        match by_prefix.as_slice() {
            [only] => return Ok(only.thread_id),
            [] => {}
            many => return Err(ResolveError::ambiguous(reference, many)),
        }
        candidates
            .iter()
            .filter(|thread| thread.name.as_deref() == Some(reference))
            .max_by_key(|thread| thread.updated_at)
            .map(|thread| thread.thread_id)
            .ok_or_else(|| ResolveError::NotFound(reference.to_string()))
    }

    fn live_threads_mut(&self) -> std::sync::RwLockWriteGuard<'_, HashMap<ThreadId, LiveThread>> {
        self.live
            .write()
            .unwrap_or_else(|poisoned| poisoned.into_inner())
    }
}

/// Why `patch` cannot be made on `thread` when it is archived (Codex refuses a name or a
/// memory mode there), with how to unarchive it; `None` when it can. The TUI asks before
/// opening an edit; the manager refuses the edit itself.
pub fn archived_refusal(thread: &StoredThread, patch: &ThreadMetadataPatch) -> Option<String> {
    let edit = patch.refused_when_archived().filter(|_| thread.archived)?;
    let id = thread.thread_id;
    Some(format!(
        "thread {id} is archived, and Codex does not let an archived thread be {edit}: \
         unarchive it first (codex-threads unarchive {id}, or u in the archived list)"
    ))
}

/// A running search: hits as they come, then the totals.
pub struct SearchRun {
    pub hits: tokio::sync::mpsc::Receiver<SearchHit>,
    pub done: tokio::task::JoinHandle<StoreResult<SearchStats>>,
}

/// What a follower reports about a thread it follows.
#[derive(Clone, Debug, PartialEq)]
pub enum FollowEvent {
    /// New complete lines, in file order.
    Lines(Vec<HistoryLine>),
    /// The rollout was archived, compressed or removed while followed. What was read stays
    /// valid; no more lines will come.
    Moved,
    /// Reading failed; the follower stops.
    Failed(String),
}

/// Follows one thread's history. Dropping it stops the background task.
pub struct ThreadFollower {
    events: tokio::sync::mpsc::Receiver<FollowEvent>,
    task: tokio::task::JoinHandle<()>,
}

impl ThreadFollower {
    pub async fn recv(&mut self) -> Option<FollowEvent> {
        self.events.recv().await
    }
}

impl Drop for ThreadFollower {
    fn drop(&mut self) {
        self.task.abort();
    }
}

#[derive(Debug, thiserror::Error)]
pub enum ResolveError {
    #[error("no thread matches {0:?}")]
    NotFound(String),
    #[error("{reference:?} matches {count} threads: {candidates}")]
    Ambiguous {
        reference: String,
        count: usize,
        candidates: String,
    },
    #[error(transparent)]
    Store(#[from] ThreadStoreError),
}

impl ResolveError {
    /// Names the first few candidates and counts the rest, so the error stays one short line.
    fn ambiguous(reference: &str, matches: &[&StoredThread]) -> Self {
        const SHOWN: usize = 3;
        let mut candidates = matches
            .iter()
            .take(SHOWN)
            .map(|thread| {
                let title = crate::text::one_line(thread.title(), 40);
                format!("{} ({title})", thread.thread_id)
            })
            .collect::<Vec<_>>()
            .join(", ");
        if matches.len() > SHOWN {
            candidates.push_str(&format!(" and {} more", matches.len() - SHOWN));
        }
        ResolveError::Ambiguous {
            reference: reference.to_string(),
            count: matches.len(),
            candidates,
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::protocol::ThreadMemoryMode;
    use crate::protocol::time::now_millis;
    use crate::store::memory::InMemoryThreadStore;

    fn cold_thread(store: &InMemoryThreadStore, preview: &str, name: Option<&str>) -> ThreadId {
        cold_thread_with_id(store, ThreadId::new(), preview, name)
    }

    fn cold_thread_with_id(
        store: &InMemoryThreadStore,
        id: ThreadId,
        preview: &str,
        name: Option<&str>,
    ) -> ThreadId {
        let mut thread = StoredThread::blank(id, now_millis());
        thread.preview = preview.to_string();
        thread.name = name.map(str::to_string);
        let id = thread.thread_id;
        store.insert_thread(thread, Vec::new());
        id
    }

    #[tokio::test]
    async fn cold_edits_go_to_the_store_and_live_edits_through_the_live_thread() {
        let store = Arc::new(InMemoryThreadStore::new());
        let cold = cold_thread(&store, "cold one", None);
        let manager = ThreadManager::new(store.clone());
        let updated = manager
            .update_thread_metadata(
                cold,
                ThreadMetadataPatch::memory_mode(ThreadMemoryMode::Disabled),
                false,
            )
            .await
            .unwrap();
        assert_eq!(updated.memory_mode, ThreadMemoryMode::Disabled);

        let live = manager
            .start_thread(CreateThreadParams::new(ThreadId::new(), "/nowhere"))
            .await
            .unwrap();
        live.append_items(vec![crate::protocol::RolloutItem::EventMsg(
            crate::protocol::EventMsg::decode(
                &serde_json::json!({"type":"user_message","message":"hi"}),
            ),
        )])
        .await
        .unwrap();
        live.append_items(vec![crate::protocol::RolloutItem::EventMsg(
            crate::protocol::EventMsg::decode(
                &serde_json::json!({"type":"agent_message","message":"yo"}),
            ),
        )])
        .await
        .unwrap();
        let before = store.calls().len();
        manager
            .update_thread_metadata(
                live.thread_id(),
                ThreadMetadataPatch::rename(Some("x".into())),
                false,
            )
            .await
            .unwrap();
        // The manager reads the thread for Codex's archived rule (a name is refused on an
        // archived thread); the throttled touch is flushed by the live thread before the
        // explicit edit.
        assert_eq!(
            store.calls()[before..],
            [
                "read_thread",
                "update_thread_metadata:derived",
                "update_thread_metadata:explicit"
            ]
        );
    }

    #[tokio::test]
    async fn references_resolve_by_id_prefix_and_name() {
        let store = Arc::new(InMemoryThreadStore::new());
        let id = |text: &str| text.parse::<ThreadId>().unwrap();
        let first = cold_thread_with_id(
            &store,
            id("019e2a4c-7b1d-7c42-9a3e-5d1f0c2b8e77"),
            "one",
            Some("Deploy"),
        );
        let second = cold_thread_with_id(
            &store,
            id("019e2a4c-9999-7c42-9a3e-5d1f0c2b8e77"),
            "two",
            None,
        );
        let manager = ThreadManager::new(store);
        assert_eq!(manager.resolve_thread("019e2a4c-7b").await.unwrap(), first);
        assert_eq!(manager.resolve_thread("Deploy").await.unwrap(), first);
        assert_eq!(
            manager.resolve_thread(&second.to_string()).await.unwrap(),
            second
        );
        assert!(matches!(
            manager.resolve_thread("nope").await,
            Err(ResolveError::NotFound(_))
        ));
        assert!(matches!(
            manager.resolve_thread("019E2A4C").await,
            Err(ResolveError::Ambiguous { count: 2, .. })
        ));
    }

    #[tokio::test]
    async fn a_follower_sees_lines_a_live_thread_appends() {
        let store = Arc::new(InMemoryThreadStore::new());
        let manager = ThreadManager::new(store);
        let live = manager
            .start_thread(CreateThreadParams::new(ThreadId::new(), "/nowhere"))
            .await
            .unwrap();
        let mut follower = manager
            .follow_thread(live.thread_id(), HistoryCursor(1), false)
            .await
            .unwrap();
        live.append_items(vec![crate::protocol::RolloutItem::EventMsg(
            crate::protocol::EventMsg::decode(
                &serde_json::json!({"type":"agent_message","message":"tick"}),
            ),
        )])
        .await
        .unwrap();
        let event = tokio::time::timeout(std::time::Duration::from_secs(5), follower.recv())
            .await
            .expect("a follow event within the deadline")
            .unwrap();
        let FollowEvent::Lines(lines) = event else {
            panic!("unexpected {event:?}")
        };
        assert_eq!(lines.len(), 1);
        assert_eq!(lines[0].cursor, HistoryCursor(1));
    }
}
