//! The store's value types: threads, list and history pages, and call parameters.

use std::path::PathBuf;

use chrono::{DateTime, Utc};
use serde::Serialize;
use serde_json::Value;

use super::curation::{ProjectRef, SectionPlacement};
use super::patch::ThreadMetadataPatch;
use super::status::{StatusReport, ThreadStatus};
use crate::protocol::{
    GitInfo, HistoryMode, RolloutItem, RolloutLine, ThreadId, ThreadMemoryMode, TokenUsage,
};
pub use crate::rollout::SkippedEntry;

/// What the list shows when a thread has neither a name nor a preview.
pub const NO_MESSAGE_YET: &str = "(no message yet)";

/// A thread's metadata as the store knows it, with its history when asked for.
#[derive(Clone, Debug, PartialEq, Serialize)]
pub struct StoredThread {
    pub thread_id: ThreadId,
    /// Always the plain `.jsonl` path, even when the file on disk is compressed.
    pub rollout_path: Option<PathBuf>,
    pub forked_from_id: Option<ThreadId>,
    pub preview: String,
    /// The explicit name a user gave the thread.
    pub name: Option<String>,
    pub model_provider: String,
    pub model: Option<String>,
    pub reasoning_effort: Option<String>,
    pub created_at: DateTime<Utc>,
    pub updated_at: DateTime<Utc>,
    pub archived_at: Option<DateTime<Utc>>,
    pub archived: bool,
    pub cwd: PathBuf,
    pub cli_version: String,
    /// `SessionSource` in the state DB's text form (`cli`, `{"subagent":"review"}`).
    pub source: String,
    pub thread_source: Option<String>,
    pub agent_nickname: Option<String>,
    pub agent_role: Option<String>,
    pub agent_path: Option<String>,
    pub git_info: Option<GitInfo>,
    pub approval_mode: Option<Value>,
    pub token_usage: Option<TokenUsage>,
    pub first_user_message: Option<String>,
    pub memory_mode: ThreadMemoryMode,
    /// How the rollout is written; decides where edits go (see the local store's write policy).
    #[serde(default)]
    pub history_mode: HistoryMode,
    /// A Codex process holds the thread open for writing (its writer lock is taken).
    #[serde(default)]
    pub open_in_codex: bool,
    /// Working, waiting, idle, done, failed or interrupted, with what explains it.
    pub status: StatusReport,
    /// Codex counts a turn of this thread as unread (its read receipts; our own read marks on
    /// homes before them).
    pub unread: bool,
    /// The Codex section the thread is in ("Pinned" for a pin), with its position there.
    #[serde(default)]
    pub section: Option<SectionPlacement>,
    /// The Codex project the thread belongs to.
    #[serde(default)]
    pub project: Option<ProjectRef>,
    /// Marked private (`codex-threads private`): `sync` keeps it at home. Our own mark, kept
    /// for a Codex home only.
    #[serde(default)]
    pub private: bool,
    /// The machine and Codex home a thread was synced from (shared stores only).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub origin: Option<ThreadOrigin>,
    /// Secrets `sync` replaced in the thread's lines (shared stores only; the values are
    /// never kept).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub redactions: Option<u64>,
    /// The rollout's size on disk (compressed when it is a `.jsonl.zst`) when a local store
    /// listed or read it, so that a listing of every thread need not measure each again.
    #[serde(skip)]
    pub rollout_bytes: Option<u64>,
    #[serde(skip)]
    pub history: Option<Vec<RolloutItem>>,
}

/// Where a thread in a shared store came from.
#[derive(Clone, Debug, PartialEq, Eq, Serialize)]
pub struct ThreadOrigin {
    pub host: String,
    pub codex_home: String,
}

impl ThreadOrigin {
    /// `host:home` as a list column shows it.
    pub fn label(&self) -> String {
        if self.codex_home.is_empty() {
            self.host.clone()
        } else {
            format!("{}:{}", self.host, self.codex_home)
        }
    }
}

impl StoredThread {
    /// A thread known only by id, with every other field empty.
    pub fn blank(thread_id: ThreadId, at: DateTime<Utc>) -> Self {
        StoredThread {
            thread_id,
            rollout_path: None,
            forked_from_id: None,
            preview: String::new(),
            name: None,
            model_provider: String::new(),
            model: None,
            reasoning_effort: None,
            created_at: at,
            updated_at: at,
            archived_at: None,
            archived: false,
            cwd: PathBuf::new(),
            cli_version: String::new(),
            source: "unknown".to_string(),
            thread_source: None,
            agent_nickname: None,
            agent_role: None,
            agent_path: None,
            git_info: None,
            approval_mode: None,
            token_usage: None,
            first_user_message: None,
            memory_mode: ThreadMemoryMode::Enabled,
            history_mode: HistoryMode::Legacy,
            open_in_codex: false,
            status: StatusReport::default(),
            unread: false,
            section: None,
            project: None,
            private: false,
            origin: None,
            redactions: None,
            rollout_bytes: None,
            history: None,
        }
    }

    /// The name if one is set, else the preview, else a placeholder.
    pub fn title(&self) -> &str {
        match self.name.as_deref() {
            Some(name) if !name.trim().is_empty() => name,
            _ if !self.preview.is_empty() => &self.preview,
            _ => NO_MESSAGE_YET,
        }
    }

    /// Pinned in Codex: a member of its built-in "Pinned" section.
    pub fn pinned(&self) -> bool {
        self.section
            .as_ref()
            .is_some_and(|placement| placement.section.is_pinned())
    }

    /// The thread needs the user: it waits for an approval or an answer, or it finished or
    /// failed with a turn the user has not read yet.
    pub fn needs_attention(&self) -> bool {
        self.status.status == ThreadStatus::Waiting
            || (self.unread && self.status.status != ThreadStatus::Working)
    }

    pub fn tokens_used(&self) -> i64 {
        self.token_usage.map_or(0, |usage| usage.total_tokens)
    }

    /// Applies the fields a patch sets that the store keeps as plain values (used by stores
    /// that hold metadata in memory; the local store writes each field where Codex keeps it).
    pub fn apply_patch(&mut self, patch: &ThreadMetadataPatch) {
        fn set<T: Clone>(target: &mut T, value: &Option<T>) {
            if let Some(value) = value {
                *target = value.clone();
            }
        }
        fn set_some<T: Clone>(target: &mut Option<T>, value: &Option<T>) {
            if value.is_some() {
                target.clone_from(value);
            }
        }
        if let Some(name) = &patch.name {
            self.name = name.clone().filter(|name| !name.trim().is_empty());
        }
        if let Some(path) = &patch.rollout_path {
            self.rollout_path = Some(path.clone());
        }
        set(&mut self.preview, &patch.preview);
        set(&mut self.model_provider, &patch.model_provider);
        set_some(&mut self.model, &patch.model);
        set_some(&mut self.reasoning_effort, &patch.reasoning_effort);
        set(&mut self.created_at, &patch.created_at);
        set(&mut self.updated_at, &patch.updated_at);
        if let Some(source) = &patch.source {
            self.source = crate::protocol::source_to_text(Some(source));
        }
        set(&mut self.thread_source, &patch.thread_source);
        set(&mut self.agent_nickname, &patch.agent_nickname);
        set(&mut self.agent_role, &patch.agent_role);
        set(&mut self.agent_path, &patch.agent_path);
        set(&mut self.cwd, &patch.cwd);
        set(&mut self.cli_version, &patch.cli_version);
        set_some(&mut self.approval_mode, &patch.approval_mode);
        set_some(&mut self.token_usage, &patch.token_usage);
        set_some(&mut self.first_user_message, &patch.first_user_message);
        set(&mut self.memory_mode, &patch.memory_mode);
        if let Some(read) = patch.read {
            self.unread = !read;
        }
        if let Some(git) = &patch.git_info {
            let mut info = self.git_info.clone().unwrap_or_default();
            set(&mut info.commit_hash, &git.sha);
            set(&mut info.branch, &git.branch);
            set(&mut info.repository_url, &git.origin_url);
            self.git_info = (!info.is_empty()).then_some(info);
        }
    }
}

/// How much of a thread's history a store persists (Codex's `EventPersistenceMode`).
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq)]
pub enum EventPersistenceMode {
    #[default]
    Limited,
    Extended,
}

#[derive(Clone, Debug)]
pub struct CreateThreadParams {
    pub thread_id: ThreadId,
    pub forked_from_id: Option<ThreadId>,
    /// `SessionSource` as JSON.
    pub source: Value,
    pub thread_source: Option<String>,
    pub base_instructions: Option<String>,
    pub cwd: PathBuf,
    pub model_provider: String,
    pub memory_mode: ThreadMemoryMode,
    pub event_persistence_mode: EventPersistenceMode,
}

impl CreateThreadParams {
    pub fn new(thread_id: ThreadId, cwd: impl Into<PathBuf>) -> Self {
        CreateThreadParams {
            thread_id,
            forked_from_id: None,
            source: Value::String("cli".to_string()),
            thread_source: Some("user".to_string()),
            base_instructions: None,
            cwd: cwd.into(),
            model_provider: "openai".to_string(),
            memory_mode: ThreadMemoryMode::Enabled,
            event_persistence_mode: EventPersistenceMode::Limited,
        }
    }

    /// The thread's first rollout line, `session_meta`, as created at `at`.
    pub fn session_meta(&self, at: DateTime<Utc>) -> crate::protocol::SessionMeta {
        let mut meta = crate::protocol::SessionMeta::new(
            self.thread_id,
            crate::protocol::time::format_rollout_timestamp(at),
            self.cwd.to_string_lossy().into_owned(),
        );
        meta.forked_from_id = self.forked_from_id;
        meta.source = Some(self.source.clone());
        meta.thread_source.clone_from(&self.thread_source);
        meta.model_provider = Some(self.model_provider.clone());
        if self.memory_mode == ThreadMemoryMode::Disabled {
            meta.memory_mode = Some(ThreadMemoryMode::Disabled.as_str().to_string());
        }
        let instructions = self
            .base_instructions
            .as_ref()
            .map(|text| serde_json::json!({ "text": text }))
            .unwrap_or(Value::Null);
        meta.extra
            .insert("base_instructions".to_string(), instructions);
        meta
    }

    /// The thread's metadata as created at `at`, before any message.
    pub fn new_thread(&self, at: DateTime<Utc>) -> StoredThread {
        let mut thread = StoredThread::blank(self.thread_id, at);
        thread.cwd = self.cwd.clone();
        thread.model_provider = self.model_provider.clone();
        thread.memory_mode = self.memory_mode;
        thread.forked_from_id = self.forked_from_id;
        thread.source = crate::protocol::source_to_text(Some(&self.source));
        thread.thread_source = self.thread_source.clone();
        thread
    }
}

#[derive(Clone, Debug)]
pub struct ResumeThreadParams {
    pub thread_id: ThreadId,
    pub rollout_path: Option<PathBuf>,
    /// The history already loaded, if the caller has it.
    pub history: Option<Vec<RolloutItem>>,
    pub include_archived: bool,
    pub event_persistence_mode: EventPersistenceMode,
}

#[derive(Clone, Debug)]
pub struct AppendThreadItemsParams {
    pub thread_id: ThreadId,
    pub items: Vec<RolloutItem>,
}

#[derive(Clone, Copy, Debug)]
pub struct LoadThreadHistoryParams {
    pub thread_id: ThreadId,
    pub include_archived: bool,
}

#[derive(Clone, Copy, Debug)]
pub struct ReadThreadParams {
    pub thread_id: ThreadId,
    pub include_archived: bool,
    pub include_history: bool,
}

#[derive(Clone, Copy, Debug, Default, PartialEq, Eq, Serialize)]
#[serde(rename_all = "snake_case")]
pub enum SortKey {
    #[default]
    CreatedAt,
    UpdatedAt,
}

#[derive(Clone, Copy, Debug, Default, PartialEq, Eq)]
pub enum SortDirection {
    Asc,
    #[default]
    Desc,
}

#[derive(Clone, Debug)]
pub struct ListThreadsParams {
    pub page_size: usize,
    /// Opaque; from a previous page's `next_cursor`.
    pub cursor: Option<String>,
    pub sort_key: SortKey,
    pub sort_direction: SortDirection,
    /// `None` lists every directory; an empty list matches nothing.
    pub cwd_filters: Option<Vec<PathBuf>>,
    /// List archived threads instead of active ones.
    pub archived: bool,
    /// Case-insensitive substring of the title (name or preview).
    pub search_term: Option<String>,
    /// Only threads started from these sources (`session_meta.source`).
    pub source: SourceFilter,
    /// Only threads of this status.
    pub status: Option<ThreadStatus>,
    /// Only threads Codex counts as unread.
    pub unread_only: bool,
    /// Only threads that need the user (see `StoredThread::needs_attention`).
    pub attention_only: bool,
    /// Only threads in this Codex section (its id; the pinned ones with `PINNED_SECTION_ID`).
    pub section_id: Option<String>,
    /// Only threads of this Codex project (its id).
    pub project_id: Option<String>,
}

/// Which threads a listing shows by where they were started (`session_meta.source`, the DB's
/// `source` column).
#[derive(Clone, Debug, Default, PartialEq, Eq)]
pub enum SourceFilter {
    /// Every thread: a browser shows everything.
    #[default]
    All,
    /// What Codex's own resume picker shows (its `INTERACTIVE_SESSION_SOURCES`).
    Interactive,
    /// One source as Codex names it: `cli`, `exec`, `vscode`, `mcp`, `{"subagent":"review"}`…
    Only(String),
}

impl SourceFilter {
    /// The sources Codex's picker lists, in our text form of `SessionSource` (a custom source
    /// is JSON, `{"custom":"atlas"}`; its bare name is accepted too).
    const INTERACTIVE: [&str; 6] = [
        "cli",
        "vscode",
        r#"{"custom":"atlas"}"#,
        r#"{"custom":"chatgpt"}"#,
        "atlas",
        "chatgpt",
    ];

    /// `all`, `interactive`, or a source name.
    pub fn parse(text: &str) -> Self {
        match text.trim() {
            "" | "all" => SourceFilter::All,
            "interactive" => SourceFilter::Interactive,
            source => SourceFilter::Only(source.to_string()),
        }
    }

    pub fn matches(&self, source: &str) -> bool {
        match self {
            SourceFilter::All => true,
            SourceFilter::Interactive => Self::INTERACTIVE.contains(&source),
            SourceFilter::Only(only) => only == source,
        }
    }

    /// As `parse` reads it back.
    pub fn label(&self) -> &str {
        match self {
            SourceFilter::All => "all",
            SourceFilter::Interactive => "interactive",
            SourceFilter::Only(source) => source,
        }
    }
}

impl Default for ListThreadsParams {
    fn default() -> Self {
        ListThreadsParams {
            page_size: 25,
            cursor: None,
            sort_key: SortKey::CreatedAt,
            sort_direction: SortDirection::Desc,
            cwd_filters: None,
            archived: false,
            search_term: None,
            source: SourceFilter::All,
            status: None,
            unread_only: false,
            attention_only: false,
            section_id: None,
            project_id: None,
        }
    }
}

#[derive(Clone, Debug, Default)]
pub struct ThreadPage {
    pub items: Vec<StoredThread>,
    pub next_cursor: Option<String>,
    /// Entries of the store that this listing could not use, or used only in part (an
    /// unreadable directory, a FIFO named like a rollout, a damaged `.zst`), each with why.
    /// The rest is listed all the same.
    pub skipped: Vec<SkippedEntry>,
}

/// What deleting a thread did.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct DeletedThread {
    pub thread_id: ThreadId,
    /// Where its rollout files went in the trash (empty for a store without files).
    pub trashed: Vec<PathBuf>,
}

#[derive(Clone, Debug)]
pub struct UpdateThreadMetadataParams {
    pub thread_id: ThreadId,
    pub patch: ThreadMetadataPatch,
    pub include_archived: bool,
}

/// A position between two lines of a thread's history. Opaque to callers: the local store
/// uses byte offsets, the in-memory store item indexes.
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq, PartialOrd, Ord, Hash)]
pub struct HistoryCursor(pub u64);

#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum HistoryDirection {
    /// Lines at or after the anchor (the start when there is none).
    Forward,
    /// Lines before the anchor (the end when there is none).
    Backward,
}

#[derive(Clone, Copy, Debug)]
pub struct ReadHistoryPageParams {
    pub thread_id: ThreadId,
    pub include_archived: bool,
    pub anchor: Option<HistoryCursor>,
    pub direction: HistoryDirection,
    pub limit: usize,
    /// Also return each line's text exactly as stored (for faithful exports).
    pub include_raw: bool,
}

/// One line of history: a decoded line, or why it could not be decoded.
#[derive(Clone, Debug, PartialEq)]
pub struct HistoryLine {
    pub cursor: HistoryCursor,
    /// The line's length in the rollout (without its newline): what holding it costs, about.
    pub bytes: u64,
    pub line: Result<RolloutLine, String>,
    /// The line's text as stored, when asked for with `include_raw`.
    pub raw: Option<String>,
}

#[derive(Clone, Debug, Default, PartialEq)]
pub struct ThreadHistoryPage {
    pub lines: Vec<HistoryLine>,
    /// Anchor for the page before this one (read backward from here).
    pub start: HistoryCursor,
    /// Anchor for the page after this one (read forward from here).
    pub end: HistoryCursor,
    pub at_start: bool,
    pub at_end: bool,
    /// Blank lines and incomplete last lines passed over (invalid lines are in `lines`).
    pub skipped_lines: u64,
    /// Bytes read from disk to build the page.
    pub bytes_read: u64,
}

#[derive(Clone, Debug)]
pub struct SearchParams {
    pub query: String,
    /// Search archived threads as well as active ones.
    pub include_archived: bool,
    /// Search only this thread.
    pub thread_id: Option<ThreadId>,
    /// Send at most this many hits of a thread (`None`: every hit); the rest are only counted
    /// (`SearchStats::thread_hits`).
    pub max_hits_per_thread: Option<usize>,
}

/// One place where the query occurs in a thread's text.
#[derive(Clone, Debug, PartialEq, Serialize)]
pub struct SearchHit {
    pub thread_id: ThreadId,
    pub archived: bool,
    /// Where the line is, for jumping to it in the history.
    #[serde(skip)]
    pub cursor: HistoryCursor,
    /// The line's write time, `YYYY-MM-DDTHH:MM:SS.mmmZ`.
    pub timestamp: String,
    /// `event_msg:user_message`, `response_item:function_call_output`, …
    pub kind: String,
    /// The text around the first occurrence, on one line.
    pub snippet: String,
}

#[derive(Clone, Debug, Default, PartialEq, Eq)]
pub struct SearchStats {
    pub files: usize,
    /// Every hit, sent or only counted.
    pub hits: usize,
    /// Hits a thread, for each thread that has any.
    pub thread_hits: std::collections::HashMap<ThreadId, usize>,
    pub bytes_read: u64,
    /// Rollouts and directories that could not be searched (or only in part), each with why.
    pub skipped: Vec<SkippedEntry>,
}
