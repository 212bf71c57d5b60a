//! An in-memory `ThreadStore` for unit tests of the layers above the store. It keeps the same
//! contract as the local store (listing rules, literal patches, archived checks) and records
//! every call so tests can check the order of operations.

use std::any::Any;
use std::collections::HashMap;
use std::sync::Mutex;

use async_trait::async_trait;

use super::listing::page_threads;
use super::memory_curation::Curation;
use super::policy::is_persisted;
use super::*;
use crate::protocol::RolloutLine;
use crate::protocol::time::now_millis;

#[derive(Debug)]
struct MemoryThread {
    meta: StoredThread,
    history: Vec<RolloutItem>,
    mode: EventPersistenceMode,
    live: bool,
}

#[derive(Default)]
pub struct InMemoryThreadStore {
    threads: Mutex<HashMap<ThreadId, MemoryThread>>,
    calls: Mutex<Vec<String>>,
    curation: Mutex<Curation>,
}

impl InMemoryThreadStore {
    pub fn new() -> Self {
        Self::default()
    }

    /// Every call so far, as `method` or `method:detail`, oldest first.
    pub fn calls(&self) -> Vec<String> {
        self.calls.lock().expect("calls lock").clone()
    }

    /// Adds a cold thread with the given metadata and history.
    pub fn insert_thread(&self, meta: StoredThread, history: Vec<RolloutItem>) {
        let thread = MemoryThread {
            meta,
            history,
            mode: EventPersistenceMode::Limited,
            live: false,
        };
        self.lock().insert(thread.meta.thread_id, thread);
    }

    /// Adds a project, as Codex's `project/create` would.
    pub fn insert_project(&self, project: Project) {
        self.curation().projects.push(project);
    }

    fn curation(&self) -> std::sync::MutexGuard<'_, Curation> {
        self.curation.lock().expect("curation lock")
    }

    /// Applies a section move and a project to `thread_id`, checked before anything changes.
    /// Both are accepted on archived threads, as Codex accepts them.
    fn apply_curation(&self, thread_id: ThreadId, patch: &ThreadMetadataPatch) -> StoreResult<()> {
        if patch.section.is_none() && patch.project.is_none() {
            return Ok(());
        }
        let curation = self.curation();
        let project = match &patch.project {
            Some(Some(id)) => Some(Some(curation.project(id)?)),
            Some(None) => Some(None),
            None => None,
        };
        let mut threads = self.lock();
        if !threads.contains_key(&thread_id) {
            return Err(ThreadStoreError::not_found(thread_id));
        }
        if let Some(to) = &patch.section {
            let mut placements: HashMap<ThreadId, SectionPlacement> = threads
                .iter()
                .filter_map(|(id, t)| Some((*id, t.meta.section.clone()?)))
                .collect();
            let placed = curation.place(thread_id, to, &mut placements)?;
            for (id, thread) in threads.iter_mut() {
                if *id != thread_id
                    && let Some(placement) = placements.remove(id)
                {
                    thread.meta.section = Some(placement);
                }
            }
            let thread = threads.get_mut(&thread_id).expect("checked above");
            thread.meta.section = placed;
        }
        if let Some(project) = project {
            let thread = threads.get_mut(&thread_id).expect("checked above");
            thread.meta.project = project;
            thread.meta.updated_at = now_millis();
        }
        Ok(())
    }

    fn lock(&self) -> std::sync::MutexGuard<'_, HashMap<ThreadId, MemoryThread>> {
        self.threads.lock().expect("threads lock")
    }

    fn record(&self, call: impl Into<String>) {
        self.calls.lock().expect("calls lock").push(call.into());
    }

    fn with_thread<T>(
        &self,
        thread_id: ThreadId,
        include_archived: bool,
        action: impl FnOnce(&mut MemoryThread) -> StoreResult<T>,
    ) -> StoreResult<T> {
        let mut threads = self.lock();
        let thread = threads
            .get_mut(&thread_id)
            .ok_or(ThreadStoreError::not_found(thread_id))?;
        if thread.meta.archived && !include_archived {
            return Err(ThreadStoreError::invalid(format!(
                "thread {thread_id} is archived"
            )));
        }
        action(thread)
    }
}

#[async_trait]
impl ThreadStore for InMemoryThreadStore {
    fn as_any(&self) -> &dyn Any {
        self
    }

    async fn create_thread(&self, params: CreateThreadParams) -> StoreResult<()> {
        self.record("create_thread");
        let now = now_millis();
        let thread = MemoryThread {
            meta: params.new_thread(now),
            history: vec![RolloutItem::SessionMeta(params.session_meta(now))],
            mode: params.event_persistence_mode,
            live: true,
        };
        let mut threads = self.lock();
        if threads.contains_key(&params.thread_id) {
            return Err(ThreadStoreError::Conflict {
                message: format!("thread {} already exists", params.thread_id),
            });
        }
        threads.insert(params.thread_id, thread);
        Ok(())
    }

    async fn resume_thread(&self, params: ResumeThreadParams) -> StoreResult<()> {
        self.record("resume_thread");
        self.with_thread(params.thread_id, params.include_archived, |thread| {
            thread.live = true;
            thread.mode = params.event_persistence_mode;
            Ok(())
        })
    }

    async fn append_items(&self, params: AppendThreadItemsParams) -> StoreResult<()> {
        self.record(format!("append_items:{}", params.items.len()));
        self.with_thread(params.thread_id, true, |thread| {
            if !thread.live {
                return Err(ThreadStoreError::invalid(format!(
                    "thread {} is not open for appends",
                    params.thread_id
                )));
            }
            let mode = thread.mode;
            thread.history.extend(
                params
                    .items
                    .into_iter()
                    .filter(|item| is_persisted(item, mode)),
            );
            Ok(())
        })
    }

    async fn persist_thread(&self, thread_id: ThreadId) -> StoreResult<()> {
        self.record("persist_thread");
        self.with_thread(thread_id, true, |_| Ok(()))
    }

    async fn flush_thread(&self, thread_id: ThreadId) -> StoreResult<()> {
        self.record("flush_thread");
        self.with_thread(thread_id, true, |_| Ok(()))
    }

    async fn shutdown_thread(&self, thread_id: ThreadId) -> StoreResult<()> {
        self.record("shutdown_thread");
        self.with_thread(thread_id, true, |thread| {
            thread.live = false;
            Ok(())
        })
    }

    async fn discard_thread(&self, thread_id: ThreadId) -> StoreResult<()> {
        self.record("discard_thread");
        if let Some(thread) = self.lock().get_mut(&thread_id) {
            thread.live = false;
        }
        Ok(())
    }

    async fn load_history(&self, params: LoadThreadHistoryParams) -> StoreResult<Vec<RolloutItem>> {
        self.record("load_history");
        self.with_thread(params.thread_id, params.include_archived, |thread| {
            Ok(thread.history.clone())
        })
    }

    async fn read_history_page(
        &self,
        params: ReadHistoryPageParams,
    ) -> StoreResult<ThreadHistoryPage> {
        self.record("read_history_page");
        self.with_thread(params.thread_id, params.include_archived, |thread| {
            let len = thread.history.len();
            let limit = params.limit.max(1);
            let (first, last) = match params.direction {
                HistoryDirection::Forward => {
                    let first = params.anchor.map_or(0, |c| (c.0 as usize).min(len));
                    (first, (first + limit).min(len))
                }
                HistoryDirection::Backward => {
                    let last = params.anchor.map_or(len, |c| (c.0 as usize).min(len));
                    (last.saturating_sub(limit), last)
                }
            };
            let lines = (first..last)
                .map(|index| {
                    let line = RolloutLine {
                        timestamp: String::new(),
                        ordinal: None,
                        item: thread.history[index].clone(),
                    };
                    let raw = line.encode();
                    HistoryLine {
                        cursor: HistoryCursor(index as u64),
                        bytes: raw.len() as u64,
                        raw: params.include_raw.then_some(raw),
                        line: Ok(line),
                    }
                })
                .collect();
            Ok(ThreadHistoryPage {
                lines,
                start: HistoryCursor(first as u64),
                end: HistoryCursor(last as u64),
                at_start: first == 0,
                at_end: last == len,
                skipped_lines: 0,
                bytes_read: 0,
            })
        })
    }

    async fn read_thread(&self, params: ReadThreadParams) -> StoreResult<StoredThread> {
        self.record("read_thread");
        self.with_thread(params.thread_id, params.include_archived, |thread| {
            let mut meta = thread.meta.clone();
            if params.include_history {
                meta.history = Some(thread.history.clone());
            }
            Ok(meta)
        })
    }

    async fn list_threads(&self, params: ListThreadsParams) -> StoreResult<ThreadPage> {
        self.record("list_threads");
        let threads: Vec<StoredThread> = self.lock().values().map(|t| t.meta.clone()).collect();
        page_threads(threads, &params)
    }

    async fn update_thread_metadata(
        &self,
        params: UpdateThreadMetadataParams,
    ) -> StoreResult<StoredThread> {
        self.record(format!(
            "update_thread_metadata:{}",
            if params.patch.has_observed_facts() {
                "derived"
            } else {
                "explicit"
            }
        ));
        let mut patch = params.patch;
        let db_only = patch.take_db_only_fields();
        self.apply_curation(params.thread_id, &db_only)?;
        patch.read = db_only.read;
        self.with_thread(params.thread_id, params.include_archived, |thread| {
            thread.meta.apply_patch(&patch);
            Ok(thread.meta.clone())
        })
    }

    async fn archive_thread(&self, thread_id: ThreadId) -> StoreResult<()> {
        self.record("archive_thread");
        self.with_thread(thread_id, false, |thread| {
            thread.meta.archived = true;
            thread.meta.archived_at = Some(now_millis());
            Ok(())
        })
    }

    async fn delete_thread(&self, thread_id: ThreadId) -> StoreResult<DeletedThread> {
        self.record("delete_thread");
        let mut threads = self.lock();
        match threads.get(&thread_id) {
            None => Err(ThreadStoreError::not_found(thread_id)),
            Some(thread) if thread.live || thread.meta.open_in_codex => {
                Err(ThreadStoreError::Conflict {
                    message: format!("thread {thread_id} is open; delete it after it is closed"),
                })
            }
            Some(_) => {
                threads.remove(&thread_id);
                Ok(DeletedThread {
                    thread_id,
                    trashed: Vec::new(),
                })
            }
        }
    }

    async fn list_sections(&self) -> StoreResult<Vec<ThreadSection>> {
        Ok(self.curation().sections.clone())
    }

    async fn create_section(&self, name: &str) -> StoreResult<ThreadSection> {
        self.curation().create_section(name)
    }

    async fn rename_section(&self, id: &str, name: &str) -> StoreResult<ThreadSection> {
        let renamed = self.curation().rename_section(id, name)?;
        for thread in self.lock().values_mut() {
            if let Some(placement) = thread.meta.section.as_mut()
                && placement.section.id == id
            {
                placement.section = renamed.clone();
            }
        }
        Ok(renamed)
    }

    async fn delete_section(&self, id: &str) -> StoreResult<()> {
        self.curation().delete_section(id)?;
        for thread in self.lock().values_mut() {
            if thread
                .meta
                .section
                .as_ref()
                .is_some_and(|placement| placement.section.id == id)
            {
                thread.meta.section = None;
            }
        }
        Ok(())
    }

    async fn list_projects(&self) -> StoreResult<Vec<Project>> {
        Ok(self.curation().projects.clone())
    }

    async fn unarchive_thread(&self, thread_id: ThreadId) -> StoreResult<StoredThread> {
        self.record("unarchive_thread");
        self.with_thread(thread_id, true, |thread| {
            if !thread.meta.archived {
                return Err(ThreadStoreError::invalid(format!(
                    "thread {thread_id} is not archived"
                )));
            }
            thread.meta.archived = false;
            thread.meta.archived_at = None;
            thread.meta.updated_at = now_millis();
            Ok(thread.meta.clone())
        })
    }
}
