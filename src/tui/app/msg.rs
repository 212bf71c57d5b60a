//! What flows into `update` (`Msg`) and what it asks the runtime to do (`Effect`).

use std::collections::HashSet;
use std::path::PathBuf;

use chrono::{DateTime, Utc};
use crossterm::event::{KeyEvent, MouseEvent};

use super::state::BulkAction;
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
    Quit,
}
