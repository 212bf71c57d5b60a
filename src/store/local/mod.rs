//! `LocalThreadStore`: threads in a Codex home. Rollout files are the truth; Codex's state DB
//! (when present) adds what only it records, and receives our edits the way Codex writes them.

mod activity;
mod cache;
mod compress;
mod curate;
mod delete;
mod every_thread;
mod live_writer;
mod private_marks;
mod read;
mod read_marks;
mod restore;
mod search;
pub mod state_db;
pub mod summary;
mod supervision;
mod trash_records;
mod twins;
mod usage;
mod usage_cache;
mod write;

#[cfg(test)]
mod tests;

use std::any::Any;
use std::collections::{HashMap, HashSet};
use std::path::{Path, PathBuf};
use std::sync::{Arc, Mutex, MutexGuard};

use async_trait::async_trait;

use self::cache::SummaryCache;
use self::live_writer::LiveWriter;
use self::state_db::{StateDb, locate_state_db};
pub use self::usage::{HomeUsage, RolloutUsage};
use self::usage_cache::UsageCache;
use super::*;
use crate::rollout::{CodexHome, RolloutPager, WatchedTree};

/// Where to find Codex's files.
#[derive(Clone, Debug, Default)]
pub struct LocalStoreOptions {
    /// `$CODEX_SQLITE_HOME`: where the state DB lives when not in the Codex home.
    pub sqlite_home: Option<PathBuf>,
    /// Where our summary index lives (`None`: summaries are kept in memory only).
    pub cache_dir: Option<PathBuf>,
    /// How long an edit waits for a busy state DB before it fails (`None`: 10 s).
    pub state_db_busy_timeout: Option<std::time::Duration>,
    /// The freedesktop trash deleted rollouts go to (`None`: deleting is refused).
    pub trash_dir: Option<PathBuf>,
    /// Where our own read marks live, for homes whose state DB keeps no read state (`None`:
    /// kept in memory for this process only).
    pub state_dir: Option<PathBuf>,
}

impl LocalStoreOptions {
    /// `$CODEX_SQLITE_HOME`, the cache in `$CODEX_THREADS_CACHE_DIR`, else the XDG cache
    /// directory (`~/.cache/codex-threads`), and the home trash (`$XDG_DATA_HOME/Trash`).
    pub fn from_env() -> Self {
        let env_path = |name: &str| {
            std::env::var_os(name)
                .filter(|value| !value.is_empty())
                .map(PathBuf::from)
        };
        LocalStoreOptions {
            sqlite_home: env_path("CODEX_SQLITE_HOME"),
            cache_dir: env_path("CODEX_THREADS_CACHE_DIR")
                .or_else(|| dirs::cache_dir().map(|dir| dir.join("codex-threads"))),
            state_db_busy_timeout: None,
            trash_dir: crate::rollout::home_trash_dir(),
            state_dir: env_path("CODEX_THREADS_STATE_DIR").or_else(crate::logging::log_dir),
        }
    }
}

/// The `sqlite_home` key of Codex's `config.toml`, when set.
fn configured_sqlite_home(codex_home: &Path) -> Option<PathBuf> {
    // A FIFO or device named config.toml must not stall opening the store.
    let text = crate::rollout::read_regular_to_string(&codex_home.join("config.toml")).ok()?;
    let config: toml::Table = text.parse().ok()?;
    let value = config.get("sqlite_home")?.as_str()?;
    let path = PathBuf::from(value);
    Some(if path.is_absolute() {
        path
    } else {
        codex_home.join(path)
    })
}

/// One index file per Codex home, named after a hash of its absolute path.
fn summary_index_path(cache_dir: &Path, home: &Path) -> PathBuf {
    cache_dir.join(format!("index-{}.sqlite", home_key(home)))
}

/// A name for a Codex home in our own directories: a hash of its absolute path.
fn home_key(home: &Path) -> String {
    let absolute = std::fs::canonicalize(home).unwrap_or_else(|_| home.to_path_buf());
    // FNV-1a: stable across runs and Rust versions, unlike `DefaultHasher`.
    let mut hash: u64 = 0xcbf2_9ce4_8422_2325;
    // The path's own bytes: two homes whose names differ only in bytes that are not UTF-8
    // must not share an index.
    for &byte in std::os::unix::ffi::OsStrExt::as_bytes(absolute.as_os_str()) {
        hash = (hash ^ u64::from(byte)).wrapping_mul(0x0100_0000_01b3);
    }
    format!("{hash:016x}")
}

#[derive(Clone)]
pub struct LocalThreadStore {
    inner: Arc<LocalStore>,
}

struct LocalStore {
    home: CodexHome,
    state_db: Option<StateDb>,
    trash_dir: Option<PathBuf>,
    /// What our delete kept for a restore (see `trash_records`); `None` without a state
    /// directory.
    trash_records_dir: Option<PathBuf>,
    writers: Mutex<HashMap<ThreadId, LiveWriter>>,
    summaries: SummaryCache,
    /// Each rollout's own usage, for `stats` and the usage columns.
    usages: UsageCache,
    /// Keeps what makes the next page of a compressed rollout cheap (its decoder, its spool).
    pager: RolloutPager,
    /// Where each thread's rollout was last seen (plain path), so that reading a thread does not
    /// walk the whole home each time.
    known_paths: Mutex<HashMap<ThreadId, PathBuf>>,
    /// Bad entries already logged: the TUI lists again every few seconds, and one warning per
    /// entry and reason is enough.
    warned: Mutex<HashSet<SkippedEntry>>,
    /// Our own read marks (opened when first needed; see `read_marks`).
    read_marks: std::sync::OnceLock<Option<read_marks::ReadMarks>>,
    read_marks_path: Option<PathBuf>,
    /// Threads `sync` leaves at home (see `private_marks`); `None` without a state directory.
    private_marks_path: Option<PathBuf>,
    /// Discovery of `sessions/` and of `archived_sessions/`, watched once listed twice.
    trees: [Mutex<WatchedTree>; 2],
    /// The last settled discovery of `sessions/` (see `twins`).
    settled_active: Mutex<Option<twins::SettledActive>>,
    /// The last sorted listing of a tree (see `read`).
    sorted_listing: Mutex<Option<read::SortedListing>>,
}

impl LocalThreadStore {
    /// Opens a Codex home. A missing, locked or unexpected state DB is logged and left out:
    /// the store then works from the files alone.
    pub fn open(home: impl Into<PathBuf>, options: LocalStoreOptions) -> Self {
        // Paths we record (in Codex's DB, in our index) must not depend on our working directory.
        let home: PathBuf = home.into();
        let home = CodexHome::new(std::path::absolute(&home).unwrap_or(home));
        let index_path = options
            .cache_dir
            .as_deref()
            .map(|dir| summary_index_path(dir, home.root()));
        let summaries = SummaryCache::new(index_path);
        let usages = UsageCache::new(
            options
                .cache_dir
                .as_deref()
                .map(|dir| dir.join(format!("usage-{}.sqlite", home_key(home.root())))),
        );
        let read_marks_path = options
            .state_dir
            .as_deref()
            .map(|dir| dir.join(format!("read-marks-{}.sqlite", home_key(home.root()))));
        let private_marks_path = options
            .state_dir
            .as_deref()
            .map(|dir| dir.join(format!("private-threads-{}.txt", home_key(home.root()))));
        let trash_records_dir = options
            .state_dir
            .as_deref()
            .map(|dir| dir.join(format!("trashed-{}", home_key(home.root()))));
        // Spools of compressed rollouts are unnamed files; they sit beside the index.
        let spool_dir = options.cache_dir.as_deref().map(|dir| dir.join("spool"));
        let sqlite_home = options
            .sqlite_home
            .clone()
            .or_else(|| configured_sqlite_home(home.root()));
        let state_db =
            locate_state_db(home.root(), sqlite_home.as_deref()).and_then(
                |path| match StateDb::open(&path, options.state_db_busy_timeout) {
                    Ok(db) => Some(db),
                    Err(err) => {
                        tracing::warn!(%err, "state DB unusable; working from rollout files only");
                        None
                    }
                },
            );
        LocalThreadStore {
            inner: Arc::new(LocalStore {
                home: home.clone(),
                state_db,
                trash_dir: options.trash_dir,
                trash_records_dir,
                writers: Mutex::new(HashMap::new()),
                summaries,
                usages,
                pager: RolloutPager::new(spool_dir),
                known_paths: Mutex::new(HashMap::new()),
                warned: Mutex::new(HashSet::new()),
                read_marks: std::sync::OnceLock::new(),
                read_marks_path,
                private_marks_path,
                trees: [false, true].map(|archived| Mutex::new(home.watched_tree(archived))),
                settled_active: Mutex::new(None),
                sorted_listing: Mutex::new(None),
            }),
        }
    }

    /// The threads marked private: `sync` leaves them at home.
    pub fn private_threads(&self) -> std::io::Result<std::collections::HashSet<ThreadId>> {
        match &self.inner.private_marks_path {
            Some(path) => private_marks::read(path),
            None => Ok(Default::default()),
        }
    }

    /// Marks threads private (`sync` leaves them at home, and removes them from the store at
    /// its next pass) or public again. Codex's files are not touched.
    pub fn set_private(&self, ids: &[ThreadId], private: bool) -> StoreResult<()> {
        let path = self.inner.private_marks_path.as_deref().ok_or_else(|| {
            ThreadStoreError::invalid(
                "no state directory to keep private marks in (set CODEX_THREADS_STATE_DIR)"
                    .to_string(),
            )
        })?;
        private_marks::set(path, ids, private).map_err(|err| {
            ThreadStoreError::internal(format!("cannot write {}: {err}", path.display()))
        })
    }

    pub fn home(&self) -> &CodexHome {
        &self.inner.home
    }

    /// The state DB in use, if one was found and opened.
    pub fn state_db_path(&self) -> Option<&Path> {
        self.inner.state_db.as_ref().map(StateDb::path)
    }

    /// The rollout path of a thread live in this process.
    pub fn live_rollout_path(&self, thread_id: ThreadId) -> Option<PathBuf> {
        self.inner
            .writers()
            .get(&thread_id)
            .map(|writer| writer.path().to_path_buf())
    }

    /// The thread of the rollout at `path` (plain or `.zst`, in either tree) as a listing of
    /// its tree shows it, found without walking the home: what `sync --watch` reads when one
    /// rollout changed. `None` when no rollout is there now or the thread is not listed yet.
    pub async fn listed_thread_at(&self, path: PathBuf) -> StoreResult<Option<StoredThread>> {
        self.blocking(move |store| Ok(store.listed_thread_at(&path)))
            .await
    }

    /// Runs blocking file and SQLite work off the async threads.
    async fn blocking<T: Send + 'static>(
        &self,
        work: impl FnOnce(&LocalStore) -> StoreResult<T> + Send + 'static,
    ) -> StoreResult<T> {
        let inner = self.inner.clone();
        tokio::task::spawn_blocking(move || work(&inner))
            .await
            .map_err(|err| ThreadStoreError::internal(format!("store task failed: {err}")))?
    }
}

impl LocalStore {
    /// Logs each bad entry the first time this store meets it.
    fn warn_skipped(&self, entries: &[SkippedEntry]) {
        let mut warned = self
            .warned
            .lock()
            .unwrap_or_else(|poisoned| poisoned.into_inner());
        for entry in entries {
            if warned.insert(entry.clone()) {
                tracing::warn!(path = %entry.path.display(), reason = %entry.reason, "skipped");
            }
        }
    }

    fn writers(&self) -> MutexGuard<'_, HashMap<ThreadId, LiveWriter>> {
        self.writers
            .lock()
            .unwrap_or_else(|poisoned| poisoned.into_inner())
    }
}

#[async_trait]
impl ThreadStore for LocalThreadStore {
    fn as_any(&self) -> &dyn Any {
        self
    }

    async fn create_thread(&self, params: CreateThreadParams) -> StoreResult<()> {
        self.blocking(move |store| store.create_thread(params))
            .await
    }

    async fn resume_thread(&self, params: ResumeThreadParams) -> StoreResult<()> {
        self.blocking(move |store| store.resume_thread(params))
            .await
    }

    async fn append_items(&self, params: AppendThreadItemsParams) -> StoreResult<()> {
        self.blocking(move |store| store.append_items(params)).await
    }

    async fn persist_thread(&self, thread_id: ThreadId) -> StoreResult<()> {
        self.blocking(move |store| store.persist_thread(thread_id))
            .await
    }

    async fn flush_thread(&self, thread_id: ThreadId) -> StoreResult<()> {
        // Every append is written before append_items returns; there is nothing to wait for.
        self.blocking(move |store| store.require_writer(thread_id))
            .await
    }

    async fn shutdown_thread(&self, thread_id: ThreadId) -> StoreResult<()> {
        self.blocking(move |store| store.shutdown_thread(thread_id))
            .await
    }

    async fn discard_thread(&self, thread_id: ThreadId) -> StoreResult<()> {
        self.blocking(move |store| {
            store.writers().remove(&thread_id);
            Ok(())
        })
        .await
    }

    async fn load_history(&self, params: LoadThreadHistoryParams) -> StoreResult<Vec<RolloutItem>> {
        self.blocking(move |store| store.load_history(params)).await
    }

    async fn read_history_page(
        &self,
        params: ReadHistoryPageParams,
    ) -> StoreResult<ThreadHistoryPage> {
        self.blocking(move |store| store.history_page(params)).await
    }

    async fn read_thread(&self, params: ReadThreadParams) -> StoreResult<StoredThread> {
        self.blocking(move |store| store.read_thread(params)).await
    }

    async fn list_threads(&self, params: ListThreadsParams) -> StoreResult<ThreadPage> {
        self.blocking(move |store| store.list_threads(&params))
            .await
    }

    async fn update_thread_metadata(
        &self,
        params: UpdateThreadMetadataParams,
    ) -> StoreResult<StoredThread> {
        self.blocking(move |store| store.update_thread_metadata(params))
            .await
    }

    async fn archive_thread(&self, thread_id: ThreadId) -> StoreResult<()> {
        self.blocking(move |store| store.archive_thread(thread_id))
            .await
    }

    async fn unarchive_thread(&self, thread_id: ThreadId) -> StoreResult<StoredThread> {
        self.blocking(move |store| store.unarchive_thread(thread_id))
            .await
    }

    async fn delete_thread(&self, thread_id: ThreadId) -> StoreResult<DeletedThread> {
        self.blocking(move |store| store.delete_thread(thread_id))
            .await
    }

    async fn search(
        &self,
        params: SearchParams,
        hits: tokio::sync::mpsc::Sender<SearchHit>,
    ) -> StoreResult<SearchStats> {
        self.blocking(move |store| store.search(&params, &hits))
            .await
    }

    async fn list_trash(&self) -> StoreResult<Vec<TrashedThread>> {
        self.blocking(|store| store.list_trash()).await
    }

    async fn restore_thread(
        &self,
        thread_id: ThreadId,
        dry_run: bool,
    ) -> StoreResult<RestoredThread> {
        self.blocking(move |store| store.restore_thread(thread_id, dry_run))
            .await
    }

    async fn list_sections(&self) -> StoreResult<Vec<ThreadSection>> {
        self.blocking(|store| store.list_sections()).await
    }

    async fn create_section(&self, name: &str) -> StoreResult<ThreadSection> {
        let name = name.to_string();
        self.blocking(move |store| store.create_section(&name))
            .await
    }

    async fn rename_section(&self, id: &str, name: &str) -> StoreResult<ThreadSection> {
        let (id, name) = (id.to_string(), name.to_string());
        self.blocking(move |store| store.rename_section(&id, &name))
            .await
    }

    async fn delete_section(&self, id: &str) -> StoreResult<()> {
        let id = id.to_string();
        self.blocking(move |store| store.delete_section(&id)).await
    }

    async fn list_projects(&self) -> StoreResult<Vec<Project>> {
        self.blocking(|store| store.list_projects()).await
    }
}
