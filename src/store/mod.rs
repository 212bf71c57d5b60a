//! The `ThreadStore` trait and its types; `local` keeps threads in a Codex home, `memory` in
//! memory (for tests of the layers above).

pub mod curation;
mod error;
pub(crate) mod hits;
pub mod listing;
pub mod local;
pub mod memory;
mod memory_curation;
mod patch;
pub mod pg;
pub mod policy;
pub mod status;
mod trashed;
mod types;

use std::any::Any;

use async_trait::async_trait;

pub use curation::{
    PINNED_SECTION_ID, Project, ProjectRef, SectionMove, SectionPlacement, ThreadSection,
};
pub use error::{StoreResult, ThreadStoreError};
pub use patch::{ClearableField, GitInfoPatch, ThreadMetadataPatch};
pub use trashed::{RestoredThread, TrashedThread, resolve_trashed};
pub use types::*;

use crate::protocol::{RolloutItem, ThreadId};

/// Where threads are kept. Every method may be called concurrently for different threads.
#[async_trait]
pub trait ThreadStore: Any + Send + Sync {
    /// Downcast escape hatch (for example to reach the local store's paths).
    fn as_any(&self) -> &dyn Any;

    /// Opens a writer for a new thread. The local store creates the rollout file lazily.
    async fn create_thread(&self, params: CreateThreadParams) -> StoreResult<()>;

    /// Reopens an existing thread for appends.
    async fn resume_thread(&self, params: ResumeThreadParams) -> StoreResult<()>;

    /// Appends raw history. Applies the persistence policy; has no metadata side effects.
    async fn append_items(&self, params: AppendThreadItemsParams) -> StoreResult<()>;

    /// Materializes a lazy thread and writes everything queued.
    async fn persist_thread(&self, thread_id: ThreadId) -> StoreResult<()>;

    /// Waits until queued items are readable.
    async fn flush_thread(&self, thread_id: ThreadId) -> StoreResult<()>;

    /// Flushes and closes the live writer.
    async fn shutdown_thread(&self, thread_id: ThreadId) -> StoreResult<()>;

    /// Drops the live writer without forcing lazy state to disk. Idempotent.
    async fn discard_thread(&self, thread_id: ThreadId) -> StoreResult<()>;

    /// Every persisted item. Prefer `read_history_page` for display: rollouts reach gigabytes.
    async fn load_history(&self, params: LoadThreadHistoryParams) -> StoreResult<Vec<RolloutItem>>;

    /// A page of history lines around an opaque cursor.
    async fn read_history_page(
        &self,
        params: ReadHistoryPageParams,
    ) -> StoreResult<ThreadHistoryPage>;

    async fn read_thread(&self, params: ReadThreadParams) -> StoreResult<StoredThread>;

    async fn list_threads(&self, params: ListThreadsParams) -> StoreResult<ThreadPage>;

    /// Applies a literal patch and returns the updated thread.
    async fn update_thread_metadata(
        &self,
        params: UpdateThreadMetadataParams,
    ) -> StoreResult<StoredThread>;

    async fn archive_thread(&self, thread_id: ThreadId) -> StoreResult<()>;

    async fn unarchive_thread(&self, thread_id: ThreadId) -> StoreResult<StoredThread>;

    /// Removes a thread (active or archived) everywhere Codex keeps it. The local store moves
    /// its rollout to the trash rather than deleting it.
    async fn delete_thread(&self, thread_id: ThreadId) -> StoreResult<DeletedThread>;

    /// The listed threads (active and archived) that a typed reference may mean: those whose
    /// id starts with `id_prefix` (lowercase) and those named exactly `name`. The default
    /// filters the whole listing; a store with indexes answers from them.
    async fn threads_by_reference(
        &self,
        id_prefix: &str,
        name: &str,
    ) -> StoreResult<Vec<StoredThread>> {
        let mut matching = Vec::new();
        for archived in [false, true] {
            let page = self
                .list_threads(ListThreadsParams {
                    page_size: 0,
                    archived,
                    sort_key: SortKey::UpdatedAt,
                    ..Default::default()
                })
                .await?;
            matching.extend(page.items.into_iter().filter(|thread| {
                thread.thread_id.to_string().starts_with(id_prefix)
                    || thread.name.as_deref() == Some(name)
            }));
        }
        Ok(matching)
    }

    /// The threads our delete moved to the trash, newest deletion first.
    async fn list_trash(&self) -> StoreResult<Vec<TrashedThread>> {
        Err(ThreadStoreError::Unsupported { operation: "trash" })
    }

    /// Puts a thread back from the trash where it was deleted from, and into Codex's index as
    /// it was; with `dry_run`, only says whether it could.
    async fn restore_thread(
        &self,
        _thread_id: ThreadId,
        _dry_run: bool,
    ) -> StoreResult<RestoredThread> {
        Err(ThreadStoreError::Unsupported { operation: "trash" })
    }

    /// Codex's sections in its order ("Pinned" first), as `threadSection/list` returns them.
    async fn list_sections(&self) -> StoreResult<Vec<ThreadSection>> {
        Err(ThreadStoreError::Unsupported {
            operation: "sections",
        })
    }

    /// Adds a section at the end (names may repeat, as in Codex).
    async fn create_section(&self, _name: &str) -> StoreResult<ThreadSection> {
        Err(ThreadStoreError::Unsupported {
            operation: "sections",
        })
    }

    /// Renames a section; the built-in "Pinned" is refused, as Codex refuses it.
    async fn rename_section(&self, _id: &str, _name: &str) -> StoreResult<ThreadSection> {
        Err(ThreadStoreError::Unsupported {
            operation: "sections",
        })
    }

    /// Deletes a section; its threads leave it (they stay listed). "Pinned" is refused.
    async fn delete_section(&self, _id: &str) -> StoreResult<()> {
        Err(ThreadStoreError::Unsupported {
            operation: "sections",
        })
    }

    /// Codex's projects in its order, as `project/list` returns them.
    async fn list_projects(&self) -> StoreResult<Vec<Project>> {
        Err(ThreadStoreError::Unsupported {
            operation: "projects",
        })
    }

    /// Full-text search over message text, command output and tool arguments. Hits are sent
    /// as they are found, newest threads first; a thread's hits are sent together, never
    /// interleaved with another thread's (so a reader heads each thread once).
    async fn search(
        &self,
        _params: SearchParams,
        _hits: tokio::sync::mpsc::Sender<SearchHit>,
    ) -> StoreResult<SearchStats> {
        Err(ThreadStoreError::Unsupported {
            operation: "search",
        })
    }

    /// Wakes `wake` whenever the thread may have new lines, for stores written by other
    /// processes without files on this machine (a database that `sync --watch` feeds). The
    /// returned guard keeps the subscription alive. `None`: nothing to offer (a home's files
    /// are watched by the manager itself).
    async fn watch_thread(
        &self,
        _thread_id: ThreadId,
        _wake: tokio::sync::mpsc::Sender<()>,
    ) -> Option<Box<dyn Any + Send>> {
        None
    }
}
