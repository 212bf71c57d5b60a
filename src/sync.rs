//! `codex-threads sync`: pushes a Codex home into a shared store. Incremental (a thread whose
//! state in the home is what the store last saw is passed over; a changed one sends only the
//! lines past the byte offset the store holds), idempotent, and safe with other syncs at once
//! (each thread's row is locked while its lines go in; see `PgThreadStore::push_lines`).

use std::collections::{BTreeSet, HashMap};
use std::path::{Path, PathBuf};
use std::time::{Duration, Instant};

use futures::StreamExt;
use notify::event::ModifyKind;
use notify::{EventKind, RecursiveMode, Watcher};

use crate::protocol::ThreadId;
use crate::redact::Redactor;
use crate::rollout::{parse_rollout_file_name, strip_zst};
use crate::store::local::LocalThreadStore;
use crate::store::pg::{PgThreadStore, PushLine, SyncedThread};
use crate::store::{
    HistoryCursor, HistoryDirection, ListThreadsParams, ReadHistoryPageParams, SortKey,
    StoreResult, StoredThread, ThreadOrigin, ThreadStore, ThreadStoreError,
};
pub use crate::sync_policy::SyncPolicy;

/// Lines read from a rollout and sent to the store at once.
const PAGE_LINES: usize = 4_000;

/// Threads synced at the same time.
const PARALLEL_THREADS: usize = 4;

/// After a change in the home, further changes within this window are taken in the same pass
/// (one write makes several events). Changes during a pass wait for the next one.
const WATCH_SETTLE: Duration = Duration::from_millis(20);

/// The safety net of `sync --watch`: a full pass at least this often, for changes whose event
/// was lost (an inotify queue overflow is reported, but a watch can also fail silently, e.g. on
/// a network file system). Each costs about half a second of CPU on a 10,000-thread home.
const SAFETY_PASS_EVERY: Duration = Duration::from_secs(30);

/// Without file events (no watcher could be set up), a full pass this often.
const POLL_WITHOUT_EVENTS: Duration = Duration::from_secs(1);

/// Names and metadata changed in `session_index.jsonl` or the state DB are taken by a full
/// pass, at most one per this gap, and never more than a tenth of the time (Codex writes its
/// state DB at every turn of a live session), but within `METADATA_PASS_LONGEST` (a cold first
/// pass can take seconds; a rename should not wait for the safety pass).
const METADATA_PASS_GAP: Duration = Duration::from_secs(2);
const METADATA_PASS_SHARE: u32 = 10;
const METADATA_PASS_LONGEST: Duration = Duration::from_secs(10);

/// What a pass looked at.
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq)]
pub enum PassKind {
    /// Every thread of the home.
    #[default]
    Full,
    /// Only the threads whose rollouts changed (`sync --watch` on file events).
    Targeted,
}

#[derive(Clone, Debug, Default, PartialEq, Eq)]
pub struct SyncReport {
    pub kind: PassKind,
    /// Threads looked at: every thread of the home in a full pass, those whose rollouts
    /// changed in a targeted one.
    pub threads: usize,
    /// Threads whose metadata or lines changed since the last sync.
    pub changed: usize,
    pub lines_added: usize,
    pub bytes_added: u64,
    /// Secrets replaced in what was pushed (lines and thread fields).
    pub redactions: usize,
    /// Threads taken out of the store: marked private or excluded since they were synced.
    pub removed: usize,
    /// Threads passed over because another store role owns them, one sentence each.
    pub not_owned: Vec<String>,
}

impl SyncReport {
    /// One line for the user: what was synced, from what, to `target`, in `took`.
    pub fn describe(&self, target: &str, took: Duration) -> String {
        let from = match self.kind {
            PassKind::Full => format!("{} threads", self.threads),
            PassKind::Targeted => format!("{} changed rollouts", self.threads),
        };
        let mut line = format!(
            "synced {} of {from} to {target}: {} lines, {} bytes",
            self.changed, self.lines_added, self.bytes_added,
        );
        if self.redactions > 0 {
            line += &format!(", {} secrets redacted", self.redactions);
        }
        if self.removed > 0 {
            line += &format!(", {} private or excluded threads removed", self.removed);
        }
        line + &format!(" in {:.2}s", took.as_secs_f64())
    }
}

/// The origin of a home's threads: this machine and the home's absolute path.
pub fn origin_of(home: &Path) -> ThreadOrigin {
    let home = std::path::absolute(home).unwrap_or_else(|_| home.to_path_buf());
    ThreadOrigin {
        host: crate::store::pg::host_name(),
        codex_home: home.to_string_lossy().into_owned(),
    }
}

/// One pass with the default policy (the built-in redaction rules, nothing excluded).
pub async fn sync_once(
    home: &LocalThreadStore,
    store: &PgThreadStore,
    origin: &ThreadOrigin,
) -> StoreResult<SyncReport> {
    sync_once_with(home, store, origin, &SyncPolicy::default()).await
}

/// One pass: every listed thread of the home (active and archived) into the store, as the
/// policy allows.
pub async fn sync_once_with(
    home: &LocalThreadStore,
    store: &PgThreadStore,
    origin: &ThreadOrigin,
    policy: &SyncPolicy,
) -> StoreResult<SyncReport> {
    let synced = store.synced_threads(origin).await?;
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
    let threads = threads
        .into_iter()
        .map(|thread| {
            let known = synced.get(&thread.thread_id).cloned();
            (thread, known)
        })
        .collect();
    sync_threads(home, store, origin, policy, PassKind::Full, threads).await
}

/// The threads of a watched home whose rollouts are at `paths` (plain or `.zst`, in either
/// tree; a path where no rollout is now is passed over) into the store.
pub async fn sync_rollouts(
    home: &LocalThreadStore,
    store: &PgThreadStore,
    origin: &ThreadOrigin,
    policy: &SyncPolicy,
    paths: impl IntoIterator<Item = PathBuf>,
) -> StoreResult<SyncReport> {
    // A move is seen at both names, and a half-finished one finds the same file from both.
    let mut threads = HashMap::new();
    for path in paths {
        if let Some(thread) = home.listed_thread_at(path).await? {
            threads.insert(thread.thread_id, thread);
        }
    }
    let ids: Vec<ThreadId> = threads.keys().copied().collect();
    let mut synced = store.synced_threads_among(origin, &ids).await?;
    let threads = threads
        .into_values()
        .map(|thread| {
            let known = synced.remove(&thread.thread_id);
            (thread, known)
        })
        .collect();
    sync_threads(home, store, origin, policy, PassKind::Targeted, threads).await
}

/// What a thread's sync pushed.
struct Pushed {
    lines: usize,
    bytes: u64,
    redactions: usize,
}

/// Syncs threads, each with what the store holds of it, a few at a time; takes out of the
/// store those the policy keeps at home.
async fn sync_threads(
    home: &LocalThreadStore,
    store: &PgThreadStore,
    origin: &ThreadOrigin,
    policy: &SyncPolicy,
    kind: PassKind,
    threads: Vec<(StoredThread, Option<SyncedThread>)>,
) -> StoreResult<SyncReport> {
    let mut report = SyncReport {
        kind,
        threads: threads.len(),
        ..Default::default()
    };
    let private = home.private_threads().map_err(|err| {
        ThreadStoreError::internal(format!("cannot read the private threads: {err}"))
    })?;
    let (shared, kept_home): (Vec<_>, Vec<_>) = threads
        .into_iter()
        .partition(|(thread, _)| policy.shares(thread, &private));
    for (thread, known) in kept_home {
        if known.is_some() {
            remove_from_store(store, thread.thread_id).await?;
            report.removed += 1;
        }
    }
    let redactor = policy.redactor.as_ref();
    let results: Vec<StoreResult<Option<Pushed>>> = futures::stream::iter(shared)
        .map(|(thread, known)| sync_thread(home, store, origin, redactor, thread, known))
        .buffer_unordered(PARALLEL_THREADS)
        .collect()
        .await;
    for result in results {
        let result = match result {
            // Another role synced this id first: it is theirs (row-level security).
            Err(ThreadStoreError::Conflict { message }) => {
                report.not_owned.push(message);
                continue;
            }
            other => other,
        };
        if let Some(pushed) = result? {
            report.changed += 1;
            report.lines_added += pushed.lines;
            report.bytes_added += pushed.bytes;
            report.redactions += pushed.redactions;
        }
    }
    Ok(report)
}

/// Deletes a thread a sync had pushed and the home now keeps to itself.
async fn remove_from_store(store: &PgThreadStore, id: ThreadId) -> StoreResult<()> {
    match store.delete_thread(id).await {
        Ok(_) | Err(ThreadStoreError::ThreadNotFound { .. }) => Ok(()),
        Err(err) => Err(err),
    }
}

/// Syncs one thread; `None` when the home has nothing new for it. With a redactor, the
/// thread's fields and each line are redacted before they leave (the state recorded in the
/// store too: it is the redacted thread's).
async fn sync_thread(
    home: &LocalThreadStore,
    store: &PgThreadStore,
    origin: &ThreadOrigin,
    redactor: Option<&Redactor>,
    mut thread: StoredThread,
    known: Option<SyncedThread>,
) -> StoreResult<Option<Pushed>> {
    let field_redactions = redactor.map_or(0, |r| r.redact_thread(&mut thread));
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
    let (mut lines_added, mut bytes_added, mut redactions) = (0, 0, field_redactions);
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
            .map(|(line, end)| {
                let raw = line.raw.unwrap_or_default();
                let (raw, count) = match redactor.and_then(|r| r.redact_line(&raw)) {
                    Some((redacted, count)) => (redacted, count),
                    None => (raw, 0),
                };
                PushLine {
                    offset: line.cursor.0,
                    len: end - line.cursor.0,
                    raw,
                    redactions: count as u32,
                }
            })
            .collect();
        redactions += lines
            .iter()
            .map(|line| line.redactions as usize)
            .sum::<usize>();
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
    Ok(Some(Pushed {
        lines: lines_added,
        bytes: bytes_added,
        redactions,
    }))
}

/// Syncs, then follows the home: a rollout written, created or moved is synced alone on its
/// file event (within tens of milliseconds, whatever the size of the home); a change of names
/// or metadata (`session_index.jsonl`, the state DB) by a full pass, throttled (see
/// `METADATA_PASS_GAP`); and a full pass every `SAFETY_PASS_EVERY` catches anything an event
/// missed. Runs until the task is dropped; `on_pass` hears each pass's report.
pub async fn sync_watch(
    home: &LocalThreadStore,
    store: &PgThreadStore,
    origin: &ThreadOrigin,
    on_pass: impl FnMut(&SyncReport, Duration),
) -> StoreResult<()> {
    sync_watch_with(home, store, origin, &SyncPolicy::default(), on_pass).await
}

/// `sync_watch` as the policy allows (each pass reads the private marks again).
pub async fn sync_watch_with(
    home: &LocalThreadStore,
    store: &PgThreadStore,
    origin: &ThreadOrigin,
    policy: &SyncPolicy,
    mut on_pass: impl FnMut(&SyncReport, Duration),
) -> StoreResult<()> {
    let (events_tx, mut events) = tokio::sync::mpsc::unbounded_channel();
    let layout = HomeLayout::of(home);
    let mut watch = HomeWatch::start(&layout, events_tx.clone());
    // Without a watcher nothing else holds a sender, and `recv` must keep waiting.
    let _keep_open = events_tx;
    let full_every = if watch.is_some() {
        SAFETY_PASS_EVERY
    } else {
        POLL_WITHOUT_EVENTS
    };
    let mut changes = Changes::default();
    // When the next full pass is due: now for the first one, then `full_every` after the last.
    let mut full_due = Instant::now();
    let mut metadata_due: Option<Instant> = None;
    let mut last_full = Instant::now();
    let mut metadata_gap = METADATA_PASS_GAP;
    loop {
        let now = Instant::now();
        if changes.rescan || now >= full_due || metadata_due.is_some_and(|due| now >= due) {
            if let Some(watch) = &mut watch {
                watch.watch_missing_trees();
            }
            // The pass looks at everything; changes seen before it are in it.
            changes = Changes::default();
            let started = Instant::now();
            let report = sync_once_with(home, store, origin, policy).await?;
            let took = started.elapsed();
            on_pass(&report, took);
            last_full = Instant::now();
            full_due = last_full + full_every;
            metadata_due = None;
            metadata_gap =
                (took * METADATA_PASS_SHARE).clamp(METADATA_PASS_GAP, METADATA_PASS_LONGEST);
        } else if !changes.rollouts.is_empty() {
            let started = Instant::now();
            let paths = std::mem::take(&mut changes.rollouts);
            let report = sync_rollouts(home, store, origin, policy, paths).await?;
            on_pass(&report, started.elapsed());
        }
        let wake_at = metadata_due.map_or(full_due, |due| due.min(full_due));
        if let Ok(Some(event)) = tokio::time::timeout_at(wake_at.into(), events.recv()).await {
            changes.take(&layout, event);
            tokio::time::sleep(WATCH_SETTLE).await;
            while let Ok(event) = events.try_recv() {
                changes.take(&layout, event);
            }
            if std::mem::take(&mut changes.metadata) && metadata_due.is_none() {
                metadata_due = Some(last_full + metadata_gap);
            }
        }
    }
}

/// Where the changes `sync --watch` cares about happen.
struct HomeLayout {
    root: PathBuf,
    trees: [PathBuf; 2],
    /// The directory of the state DB in use, when it is not the home itself.
    state_db_dir: Option<PathBuf>,
}

impl HomeLayout {
    fn of(home: &LocalThreadStore) -> Self {
        let codex_home = home.home();
        let root = codex_home.root().to_path_buf();
        let state_db_dir = home
            .state_db_path()
            .and_then(Path::parent)
            .filter(|dir| *dir != root)
            .map(Path::to_path_buf);
        HomeLayout {
            trees: [codex_home.sessions_dir(), codex_home.archived_dir()],
            root,
            state_db_dir,
        }
    }

    fn in_trees(&self, path: &Path) -> bool {
        self.trees.iter().any(|tree| path.starts_with(tree))
    }

    /// `session_index.jsonl`, or a state DB file (`state_5.sqlite`, its `-wal`, …).
    fn is_metadata_file(&self, path: &Path) -> bool {
        let Some(dir) = path.parent() else {
            return false;
        };
        if dir != self.root && Some(dir) != self.state_db_dir.as_deref() {
            return false;
        }
        let name = path.file_name().and_then(|name| name.to_str());
        name.is_some_and(|name| {
            name == crate::rollout::SESSION_INDEX_FILE
                || (name.starts_with("state_") && name.contains(".sqlite"))
        })
    }
}

/// What changed in the home since the last pass.
#[derive(Default)]
struct Changes {
    /// Rollouts (plain paths) written, created, moved or removed.
    rollouts: BTreeSet<PathBuf>,
    /// Names or metadata may have changed.
    metadata: bool,
    /// Events were lost, or a tree appeared: only a full pass can tell what changed.
    rescan: bool,
}

impl Changes {
    fn take(&mut self, layout: &HomeLayout, event: notify::Result<notify::Event>) {
        let event = match event {
            Ok(event) => event,
            Err(err) => {
                tracing::warn!(%err, "watching the home failed; syncing all of it");
                self.rescan = true;
                return;
            }
        };
        if event.need_rescan() {
            self.rescan = true;
        }
        if matches!(event.kind, EventKind::Access(_)) {
            return;
        }
        let made = matches!(
            event.kind,
            EventKind::Create(_) | EventKind::Modify(ModifyKind::Name(_))
        );
        for path in event.paths {
            if layout.in_trees(&path) {
                if is_rollout_name(&path) {
                    self.rollouts.insert(strip_zst(&path));
                } else if made && path.is_dir() {
                    // A directory made (or moved in) with rollouts already in it: they were
                    // written before the directory was watched.
                    self.add_rollouts_under(&path);
                }
            } else if layout.is_metadata_file(&path) {
                self.metadata = true;
            } else if made && layout.trees.contains(&path) {
                // A tree made after the watch began: watched from the next full pass on.
                self.rescan = true;
            }
        }
    }

    fn add_rollouts_under(&mut self, dir: &Path) {
        let Ok(entries) = std::fs::read_dir(dir) else {
            return;
        };
        for entry in entries.flatten() {
            let path = entry.path();
            if is_rollout_name(&path) {
                self.rollouts.insert(strip_zst(&path));
            } else if entry.file_type().is_ok_and(|kind| kind.is_dir()) {
                self.add_rollouts_under(&path);
            }
        }
    }
}

fn is_rollout_name(path: &Path) -> bool {
    path.file_name()
        .and_then(|name| name.to_str())
        .is_some_and(|name| parse_rollout_file_name(name).is_some())
}

/// The file watch on a home: its root (not recursive: `session_index.jsonl`, the state DB),
/// the state DB's directory when elsewhere, and both trees of rollouts (recursive).
struct HomeWatch {
    watcher: notify::RecommendedWatcher,
    trees: [(PathBuf, bool); 2],
}

impl HomeWatch {
    fn start(
        layout: &HomeLayout,
        events: tokio::sync::mpsc::UnboundedSender<notify::Result<notify::Event>>,
    ) -> Option<Self> {
        let mut watcher = notify::recommended_watcher(move |event| {
            let _ = events.send(event);
        })
        .map_err(|err| tracing::warn!(%err, "cannot watch the home; syncing every second"))
        .ok()?;
        for dir in std::iter::once(&layout.root).chain(&layout.state_db_dir) {
            if let Err(err) = watcher.watch(dir, RecursiveMode::NonRecursive) {
                tracing::warn!(%err, dir = %dir.display(), "not watched");
            }
        }
        let mut watch = HomeWatch {
            watcher,
            trees: layout.trees.clone().map(|tree| (tree, false)),
        };
        watch.watch_missing_trees();
        Some(watch)
    }

    /// Watches the trees not watched yet (one that does not exist yet is watched once made).
    fn watch_missing_trees(&mut self) {
        for (tree, watched) in &mut self.trees {
            if !*watched && tree.is_dir() {
                match self.watcher.watch(tree, RecursiveMode::Recursive) {
                    Ok(()) => *watched = true,
                    Err(err) => tracing::warn!(%err, dir = %tree.display(), "not watched"),
                }
            }
        }
    }
}
