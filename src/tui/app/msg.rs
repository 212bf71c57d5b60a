//! What flows into `update` (`Msg`) and what it asks the runtime to do (`Effect`).

use std::collections::HashSet;
use std::path::PathBuf;

use chrono::{DateTime, Utc};
use crossterm::event::{KeyEvent, MouseEvent};

use crate::launch::{CodexSession, LaunchMode};
use crate::manager::FollowEvent;
use crate::protocol::ThreadId;
use crate::store::{
    HistoryCursor, HistoryDirection, HistoryLine, ListThreadsParams, ReadHistoryPageParams,
    SearchHit, SearchParams, SearchStats, StoredThread, ThreadHistoryPage, ThreadMetadataPatch,
    ThreadPage,
};
use crate::tui::ui_state::UiState;

#[derive(Clone, Debug)]
pub enum Msg {
    /// The first message: loads the first page of threads.
    Start,
    Key(KeyEvent),
    Mouse(MouseEvent),
    Resize {
        width: u16,
        height: u16,
    },
    /// The clock moved (relative times in the list).
    Tick(DateTime<Utc>),
    ThreadsLoaded {
        request_id: u64,
        result: Result<LoadedThreads, String>,
    },
    HistoryLoaded {
        request_id: u64,
        direction: HistoryDirection,
        result: Result<ThreadHistoryPage, String>,
    },
    PreviewLoaded {
        thread_id: ThreadId,
        result: Result<Vec<HistoryLine>, String>,
    },
    Follow {
        request_id: u64,
        event: FollowEvent,
    },
    /// A batch of a running search's hits; `threads` holds the metadata of the threads seen
    /// for the first time in this batch (a whole-home search only).
    SearchHits {
        request_id: u64,
        threads: Vec<StoredThread>,
        hits: Vec<SearchHit>,
    },
    SearchDone {
        request_id: u64,
        result: Result<SearchStats, String>,
    },
    MetadataUpdated(StoredThread),
    Archived(ThreadId),
    Unarchived(StoredThread),
    /// A thread was deleted (its rollout moved to the trash).
    Deleted(ThreadId),
    /// A bulk action finished with one more thread.
    BulkProgress {
        action: BulkAction,
        done: usize,
        total: usize,
    },
    /// A bulk action is over: the threads it acted on, and those it could not, with why.
    BulkDone {
        action: BulkAction,
        succeeded: Vec<ThreadId>,
        failed: Vec<(ThreadId, String)>,
    },
    /// A thread was exported to this file.
    Exported(PathBuf),
    /// Codex, started in this terminal (`LaunchMode::Replace`), has exited (what to say about
    /// it), or could not be started (why).
    BackFromCodex(Result<String, String>),
    /// Codex was started in a tmux window or pane (where), or could not be (why).
    CodexOpened(Result<String, String>),
    EffectFailed(String),
    /// The threads of the split view's panes, read again (their status moves on); those that
    /// could not be read are left out.
    ThreadsRead {
        request_id: u64,
        threads: Vec<StoredThread>,
    },
    /// The usage of every thread, for the usage screen.
    StatsLoaded {
        request_id: u64,
        result: Result<std::sync::Arc<super::stats::StatsData>, String>,
    },
    /// Listed threads' own tokens, cost and size (`Effect::LoadUsage`), for the threads as
    /// they were asked for.
    UsageLoaded {
        threads: Vec<(ThreadId, super::usage::UsageKey)>,
        result: Result<super::usage::UsageBatch, String>,
    },
    /// The threads in the trash, for the trash view.
    TrashLoaded {
        request_id: u64,
        result: Result<Vec<crate::store::TrashedThread>, String>,
    },
    /// A restore from the trash view came back.
    Restored {
        thread_id: ThreadId,
        result: Result<crate::store::RestoredThread, String>,
    },
    /// The largest threads, for the disk screen.
    DiskLoaded {
        request_id: u64,
        result: Result<super::disk::DiskData, String>,
    },
    /// A prune action from the disk screen is done, or failed (why).
    Pruned {
        action: crate::prune::PruneAction,
        id: ThreadId,
        result: Result<crate::prune::Pruned, String>,
    },
    /// Threads were marked private (or public), or could not be (why).
    PrivateSet {
        ids: Vec<ThreadId>,
        private: bool,
        result: Result<(), String>,
    },
    /// A supervision poll came back (see `supervise`).
    Supervised {
        request_id: u64,
        result: Result<Vec<StoredThread>, String>,
    },
}

/// What a notification tells.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum NotifyEvent {
    /// The thread waits for the user: an approval or an answer.
    Waiting,
    /// Its turn ended in an error or was aborted.
    Failed,
    /// Its turn finished.
    Finished,
}

impl NotifyEvent {
    /// The word `notify_command` gets in `CODEX_THREADS_EVENT`.
    pub fn as_str(self) -> &'static str {
        match self {
            NotifyEvent::Waiting => "waiting",
            NotifyEvent::Failed => "failed",
            NotifyEvent::Finished => "finished",
        }
    }
}

#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Notification {
    pub event: NotifyEvent,
    pub thread_id: ThreadId,
    /// The thread's title, as untrusted text (sanitised where it is written).
    pub title: String,
}

/// Codex to start: which session, where, and how.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct CodexRequest {
    /// `codex_command resume ID`, or `codex_command` alone.
    pub session: CodexSession,
    /// The thread's directory.
    pub cwd: PathBuf,
    /// Where a thread of a shared store came from (Codex starts for it only there).
    pub origin: Option<crate::store::ThreadOrigin>,
    pub codex_command: String,
    pub mode: LaunchMode,
    /// The tmux window's name (the thread's title, short).
    pub window_name: String,
}

/// A page of threads and which of them are live (`ThreadManager::is_live`).
#[derive(Clone, Debug, Default)]
pub struct LoadedThreads {
    pub page: ThreadPage,
    pub live: HashSet<ThreadId>,
}

/// Work for the runtime. `update` never does IO; it returns these instead. Effects live only
/// until the runtime takes them, so their size does not matter.
#[allow(clippy::large_enum_variant)]
#[derive(Clone, Debug)]
pub enum Effect {
    LoadThreads {
        request_id: u64,
        params: ListThreadsParams,
    },
    LoadHistory {
        request_id: u64,
        params: ReadHistoryPageParams,
    },
    /// Count every thread's usage (active and archived) with the prices in use; answered by
    /// `Msg::StatsLoaded`.
    LoadStats {
        request_id: u64,
    },
    /// Count these listed threads' own tokens, cost and size; answered by `Msg::UsageLoaded`.
    LoadUsage {
        threads: Vec<StoredThread>,
    },
    /// Read the trash (the threads our delete moved there); answered by `Msg::TrashLoaded`.
    LoadTrash {
        request_id: u64,
    },
    /// Put a thread back from the trash; answered by `Msg::Restored`.
    Restore {
        thread_id: ThreadId,
    },
    /// Measure every thread's rollout and keep the largest; answered by `Msg::DiskLoaded`.
    LoadDisk {
        request_id: u64,
    },
    /// Archive, trash or compress one thread (as `prune` does); answered by `Msg::Pruned`.
    Prune {
        action: crate::prune::PruneAction,
        candidate: Box<crate::prune::Candidate>,
    },
    /// The last lines of a thread, for the preview pane.
    LoadPreview {
        params: ReadHistoryPageParams,
    },
    /// Start following a thread (replacing any follower running).
    Follow {
        request_id: u64,
        thread_id: ThreadId,
        from: HistoryCursor,
        include_archived: bool,
    },
    StopFollow,
    /// Follow a thread for a pane of the split view: one follower per `request_id`, beside the
    /// history's. Events come back as `Msg::Follow` with that id.
    FollowPane {
        request_id: u64,
        thread_id: ThreadId,
        from: HistoryCursor,
        include_archived: bool,
    },
    /// Stop the pane follower started with `request_id`.
    StopFollowPane {
        request_id: u64,
    },
    /// Read these threads' metadata again (archived or not); answered by `Msg::ThreadsRead`.
    ReadThreads {
        request_id: u64,
        ids: Vec<ThreadId>,
    },
    /// Start a search; hits come back in batches as `Msg::SearchHits`, then `Msg::SearchDone`.
    FullTextSearch {
        request_id: u64,
        params: SearchParams,
    },
    /// Stop a search that may still be running.
    CancelSearch {
        request_id: u64,
    },
    UpdateMetadata {
        id: ThreadId,
        patch: ThreadMetadataPatch,
        include_archived: bool,
    },
    /// Mark threads private (`sync` keeps them at home) or public; answered by
    /// `Msg::PrivateSet`.
    SetPrivate {
        ids: Vec<ThreadId>,
        private: bool,
    },
    Archive(ThreadId),
    Unarchive(ThreadId),
    Delete(ThreadId),
    /// One action on each thread in turn, reporting progress as it goes.
    Bulk {
        action: BulkAction,
        ids: Vec<ThreadId>,
    },
    /// Export a thread's history as Markdown to `path`.
    Export {
        id: ThreadId,
        path: PathBuf,
    },
    /// Start Codex for a thread. `LaunchMode::Replace`: the loop hands it the terminal until
    /// it exits (it owns the terminal) and answers with `Msg::BackFromCodex`; the tmux modes
    /// open a window or pane and answer with `Msg::CodexOpened`.
    LaunchCodex(CodexRequest),
    /// Put `text` on the clipboard: OSC 52 to the terminal (by the loop, between frames) and
    /// the system clipboard tool, if there is one.
    Copy {
        text: String,
    },
    /// Remember the list layout and preview choices for the next run.
    SaveUiState(UiState),
    /// List threads for supervision (`Msg::Supervised`).
    Supervise {
        request_id: u64,
        params: ListThreadsParams,
    },
    /// Tell the user: a terminal notification (by the loop, between frames) and the
    /// `notify_command`, when one is set.
    Notify(Notification),
    Quit,
}

/// What `a`, `u` and `d` do to every marked thread.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum BulkAction {
    Archive,
    Unarchive,
    Delete,
}

impl BulkAction {
    /// "Archive", for the dialog's title and question.
    pub fn verb(self) -> &'static str {
        match self {
            BulkAction::Archive => "Archive",
            BulkAction::Unarchive => "Unarchive",
            BulkAction::Delete => "Delete",
        }
    }

    /// "archived", for the summary.
    pub fn past(self) -> &'static str {
        match self {
            BulkAction::Archive => "archived",
            BulkAction::Unarchive => "unarchived",
            BulkAction::Delete => "deleted",
        }
    }

    /// "Archiving", for the progress.
    pub fn progressive(self) -> &'static str {
        match self {
            BulkAction::Archive => "Archiving",
            BulkAction::Unarchive => "Unarchiving",
            BulkAction::Delete => "Deleting",
        }
    }
}
