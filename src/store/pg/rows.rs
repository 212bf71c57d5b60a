//! A thread's row: how a `StoredThread` and the store's own bookkeeping map to columns.

use std::path::PathBuf;
use std::sync::LazyLock;

use tokio_postgres::Row;
use tokio_postgres::types::ToSql;

use super::connect::db_error;
use crate::protocol::time::from_millis;
use crate::protocol::{HistoryMode, ThreadId, ThreadMemoryMode};
use crate::store::{StoreResult, StoredThread, ThreadOrigin, ThreadStoreError};

/// Every column of `ct_threads` that a row carries, in `ThreadRow::params` order.
pub(super) const THREAD_COLUMNS: &[&str] = &[
    "thread_id",
    "origin_host",
    "origin_home",
    "rollout_path",
    "forked_from_id",
    "preview",
    "name",
    "model_provider",
    "model",
    "reasoning_effort",
    "created_ms",
    "updated_ms",
    "archived",
    "archived_ms",
    "cwd",
    "cli_version",
    "source",
    "thread_source",
    "agent_nickname",
    "agent_role",
    "agent_path",
    "git_info",
    "approval_mode",
    "token_usage",
    "first_user_message",
    "memory_mode",
    "history_mode",
    "name_edited_ms",
    "memory_edited_ms",
    "archive_edited_ms",
    "home_name",
    "home_memory_mode",
    "home_archived",
    "home_state",
    "synced_offset",
    "line_count",
    "list_search",
];

/// `thread_id, origin_host, …` for a SELECT (without `list_search`, which only filters), and
/// the redaction count, which only `push_lines` writes.
pub(super) static SELECT_COLUMNS: LazyLock<String> = LazyLock::new(|| {
    format!(
        "{}, redactions",
        THREAD_COLUMNS[..THREAD_COLUMNS.len() - 1].join(", ")
    )
});

/// Writes a whole row, inserting or replacing it.
static UPSERT: LazyLock<String> = LazyLock::new(|| {
    let placeholders: Vec<String> = (1..=THREAD_COLUMNS.len())
        .map(|i| format!("${i}"))
        .collect();
    let updates: Vec<String> = THREAD_COLUMNS[1..]
        .iter()
        .map(|column| format!("{column} = EXCLUDED.{column}"))
        .collect();
    format!(
        "INSERT INTO ct_threads ({}) VALUES ({}) ON CONFLICT (thread_id) DO UPDATE SET {}",
        THREAD_COLUMNS.join(", "),
        placeholders.join(", "),
        updates.join(", ")
    )
});

/// When each user-editable field last changed (ms), for last-edit-wins.
#[derive(Clone, Debug, Default, PartialEq)]
pub(super) struct EditTimes {
    pub name_ms: Option<i64>,
    pub memory_ms: Option<i64>,
    pub archive_ms: Option<i64>,
}

/// What the origin home had for the editable fields at the last sync.
#[derive(Clone, Debug, PartialEq)]
pub(super) struct HomeSeen {
    pub name: Option<String>,
    pub memory_mode: ThreadMemoryMode,
    pub archived: bool,
    /// The home's thread as JSON: a sync skips a thread whose home state is unchanged.
    pub state: String,
}

#[derive(Clone, Debug)]
pub(super) struct ThreadRow {
    pub thread: StoredThread,
    /// The origin's rollout path (kept for reference; never followed on this machine).
    pub rollout_path: Option<String>,
    pub edits: EditTimes,
    pub home: Option<HomeSeen>,
    pub synced_offset: i64,
    pub line_count: i64,
}

impl ThreadRow {
    pub fn from_row(row: &Row) -> StoreResult<ThreadRow> {
        let text = |column: &str| -> Option<String> { row.get(column) };
        let json = |column: &str| -> StoreResult<Option<serde_json::Value>> {
            text(column)
                .map(|value| serde_json::from_str(&value))
                .transpose()
                .map_err(|err| ThreadStoreError::internal(format!("bad {column} in store: {err}")))
        };
        let thread_id: String = row.get("thread_id");
        let thread_id: ThreadId = thread_id.parse().map_err(|_| {
            ThreadStoreError::internal(format!("bad thread id in store: {thread_id}"))
        })?;
        let origin = ThreadOrigin {
            host: row.get("origin_host"),
            codex_home: row.get("origin_home"),
        };
        let thread = StoredThread {
            thread_id,
            rollout_path: None,
            forked_from_id: text("forked_from_id").and_then(|id| id.parse().ok()),
            preview: row.get("preview"),
            name: text("name"),
            model_provider: row.get("model_provider"),
            model: text("model"),
            reasoning_effort: text("reasoning_effort"),
            created_at: from_millis(row.get("created_ms")),
            updated_at: from_millis(row.get("updated_ms")),
            archived_at: row.get::<_, Option<i64>>("archived_ms").map(from_millis),
            archived: row.get("archived"),
            cwd: PathBuf::from(row.get::<_, String>("cwd")),
            cli_version: row.get("cli_version"),
            source: row.get("source"),
            thread_source: text("thread_source"),
            agent_nickname: text("agent_nickname"),
            agent_role: text("agent_role"),
            agent_path: text("agent_path"),
            git_info: json("git_info")?.and_then(|v| serde_json::from_value(v).ok()),
            approval_mode: json("approval_mode")?,
            token_usage: json("token_usage")?.and_then(|v| serde_json::from_value(v).ok()),
            first_user_message: text("first_user_message"),
            memory_mode: parse_memory_mode(&row.get::<_, String>("memory_mode")),
            history_mode: HistoryMode::from(row.get::<_, String>("history_mode")),
            open_in_codex: false,
            status: Default::default(),
            unread: false,
            // Item 7 of issue 16: the shared store does not carry sections or projects yet.
            section: None,
            project: None,
            private: false,
            origin: Some(origin),
            redactions: Some(row.get::<_, i64>("redactions").max(0) as u64),
            rollout_bytes: None,
            history: None,
        };
        let home = text("home_state").map(|state| HomeSeen {
            name: text("home_name"),
            memory_mode: parse_memory_mode(&text("home_memory_mode").unwrap_or_default()),
            archived: row.get::<_, Option<bool>>("home_archived").unwrap_or(false),
            state,
        });
        Ok(ThreadRow {
            thread,
            rollout_path: text("rollout_path"),
            edits: EditTimes {
                name_ms: row.get("name_edited_ms"),
                memory_ms: row.get("memory_edited_ms"),
                archive_ms: row.get("archive_edited_ms"),
            },
            home,
            synced_offset: row.get("synced_offset"),
            line_count: row.get("line_count"),
        })
    }

    /// Inserts or replaces the row (the caller holds the transaction and any row lock).
    pub async fn write(&self, client: &deadpool_postgres::Transaction<'_>) -> StoreResult<()> {
        let t = &self.thread;
        let origin = t.origin.clone().unwrap_or_else(|| ThreadOrigin {
            host: String::new(),
            codex_home: String::new(),
        });
        let to_json = |value: Option<String>| value;
        let git_info = to_json(
            t.git_info
                .as_ref()
                .and_then(|git| serde_json::to_string(git).ok()),
        );
        let approval_mode = t.approval_mode.as_ref().map(|mode| mode.to_string());
        let token_usage = t
            .token_usage
            .as_ref()
            .and_then(|usage| serde_json::to_string(usage).ok());
        let home_memory = self.home.as_ref().map(|h| h.memory_mode.as_str());
        let values: [&(dyn ToSql + Sync); 37] = [
            &t.thread_id.to_string(),
            &origin.host,
            &origin.codex_home,
            &self.rollout_path.as_deref().map(no_nul),
            &t.forked_from_id.map(|id| id.to_string()),
            &no_nul(&t.preview),
            &t.name.as_deref().map(no_nul),
            &no_nul(&t.model_provider),
            &t.model.as_deref().map(no_nul),
            &t.reasoning_effort.as_deref().map(no_nul),
            &t.created_at.timestamp_millis(),
            &t.updated_at.timestamp_millis(),
            &t.archived,
            &t.archived_at.map(|at| at.timestamp_millis()),
            &no_nul(&t.cwd.to_string_lossy()),
            &no_nul(&t.cli_version),
            &no_nul(&t.source),
            &t.thread_source.as_deref().map(no_nul),
            &t.agent_nickname.as_deref().map(no_nul),
            &t.agent_role.as_deref().map(no_nul),
            &t.agent_path.as_deref().map(no_nul),
            &git_info,
            &approval_mode,
            &token_usage,
            &t.first_user_message.as_deref().map(no_nul),
            &t.memory_mode.as_str(),
            &String::from(t.history_mode.clone()),
            &self.edits.name_ms,
            &self.edits.memory_ms,
            &self.edits.archive_ms,
            &self
                .home
                .as_ref()
                .and_then(|h| h.name.as_deref().map(no_nul)),
            &home_memory,
            &self.home.as_ref().map(|h| h.archived),
            &self.home.as_ref().map(|h| no_nul(&h.state)),
            &self.synced_offset,
            &self.line_count,
            &list_search_text(t),
        ];
        client
            .execute(UPSERT.as_str(), &values)
            .await
            .map_err(db_error)?;
        Ok(())
    }
}

fn parse_memory_mode(text: &str) -> ThreadMemoryMode {
    match text {
        "disabled" => ThreadMemoryMode::Disabled,
        _ => ThreadMemoryMode::Enabled,
    }
}

/// PostgreSQL text cannot hold NUL; a rollout could (a damaged line). It is dropped.
pub(super) fn no_nul(text: &str) -> String {
    if text.contains('\0') {
        text.replace('\0', "")
    } else {
        text.to_string()
    }
}

/// What `list --search` looks in, lowercased here as `listing::matches_lowercase` does, so
/// the database needs no locale-dependent `lower()`.
pub(super) fn list_search_text(thread: &StoredThread) -> String {
    let branch = thread
        .git_info
        .as_ref()
        .and_then(|git| git.branch.as_deref())
        .unwrap_or_default();
    let text = [
        thread.title(),
        thread.preview.as_str(),
        &thread.thread_id.to_string(),
        branch,
        &thread.cwd.to_string_lossy(),
    ]
    .iter()
    .map(|part| part.to_lowercase())
    .collect::<Vec<_>>()
    // A separator no search term of one line contains, so no match spans two fields.
    .join("\n");
    no_nul(&text)
}

/// A LIKE pattern matching `text` anywhere.
pub(super) fn contains_pattern(text: &str) -> String {
    format!("%{}%", escape_like(text))
}

/// The `LIKE` pattern of texts that start with `text`.
pub(super) fn prefix_pattern(text: &str) -> String {
    format!("{}%", escape_like(text))
}

/// `text` with `LIKE`'s wildcards and escape character taken literally.
fn escape_like(text: &str) -> String {
    let mut escaped = String::with_capacity(text.len());
    for ch in text.chars() {
        if matches!(ch, '%' | '_' | '\\') {
            escaped.push('\\');
        }
        escaped.push(ch);
    }
    escaped
}
