//! Codex's state DB (`state_5.sqlite`, codex-format §1.4): read thread rows, write the columns
//! Codex reads. We never migrate it, never change its journal mode, check columns before use,
//! and keep write transactions short (`BEGIN IMMEDIATE`, one statement).

use std::collections::{HashMap, HashSet};
use std::path::{Path, PathBuf};
use std::sync::Mutex;
use std::time::Duration;

use chrono::{DateTime, Utc};
use rusqlite::types::Value as SqlValue;
use rusqlite::{Connection, OpenFlags, OptionalExtension, params_from_iter};

use crate::protocol::time::from_millis;
use crate::protocol::{HistoryMode, ThreadId, ThreadMemoryMode};
use crate::store::ThreadMetadataPatch;
use crate::store::status::ProjectedTurn;

mod curation;
mod saved_rows;

pub use curation::CurationSupport;
pub use saved_rows::SavedRows;

pub const STATE_DB_FILE: &str = "state_5.sqlite";

/// How long a statement waits for Codex to release the DB (SQLite retries until then) before
/// the edit fails. Codex holds its write transactions for milliseconds; a DB busy for longer is
/// reported, not given up on silently.
const DEFAULT_BUSY_TIMEOUT: Duration = Duration::from_secs(10);

#[derive(Debug, thiserror::Error)]
pub enum StateDbError {
    #[error("state DB {path}: {source}")]
    Sqlite {
        path: PathBuf,
        source: rusqlite::Error,
    },
    #[error("state DB {0} has no threads table")]
    NoThreadsTable(PathBuf),
    /// An edit refused before anything changed (a section that does not exist, "Pinned"
    /// renamed, a DB without the tables).
    #[error("{0}")]
    Refused(String),
}

/// Where Codex keeps the state DB: its `sqlite_home` (`$CODEX_SQLITE_HOME` or the config
/// key), the Codex home, or (desktop app) `<home>/sqlite`. The first that exists wins.
pub fn locate_state_db(codex_home: &Path, sqlite_home: Option<&Path>) -> Option<PathBuf> {
    let candidates = [
        sqlite_home.map(|dir| dir.join(STATE_DB_FILE)),
        Some(codex_home.join(STATE_DB_FILE)),
        Some(codex_home.join("sqlite").join(STATE_DB_FILE)),
    ];
    candidates.into_iter().flatten().find(|path| path.is_file())
}

/// One `threads` row, with the columns this version knows (absent columns read as `None`).
#[derive(Clone, Debug, Default, PartialEq)]
pub struct ThreadRow {
    pub id: String,
    pub rollout_path: Option<String>,
    pub created_at: Option<DateTime<Utc>>,
    pub updated_at: Option<DateTime<Utc>>,
    pub source: Option<String>,
    pub model_provider: Option<String>,
    pub model: Option<String>,
    pub reasoning_effort: Option<String>,
    pub cwd: Option<String>,
    pub title: Option<String>,
    pub preview: Option<String>,
    pub first_user_message: Option<String>,
    pub tokens_used: Option<i64>,
    pub archived: bool,
    pub git_sha: Option<String>,
    pub git_branch: Option<String>,
    pub git_origin_url: Option<String>,
    pub memory_mode: Option<String>,
    /// The explicit name of a paginated thread (newer DBs; legacy threads keep it in `title`).
    pub name: Option<String>,
    pub history_mode: Option<String>,
    /// Codex's section of the thread (0.147+), its name and the thread's position in it.
    pub section_id: Option<String>,
    pub section_name: Option<String>,
    pub section_position: Option<i64>,
    /// Codex's project of the thread (0.169+) and its name.
    pub project_id: Option<String>,
    pub project_name: Option<String>,
    /// Codex's read state: `Some(true)` when its read receipt names a first unread turn;
    /// `None` when the DB keeps no read state.
    pub unread: Option<bool>,
}

impl ThreadRow {
    /// The explicit name this row records: a title that is not just the first user message.
    pub fn explicit_name(&self) -> Option<String> {
        let title = self.title.as_deref()?.trim();
        let first = self.first_user_message.as_deref().unwrap_or("").trim();
        (!title.is_empty() && title != first).then(|| title.to_string())
    }

    pub fn memory_mode(&self) -> Option<ThreadMemoryMode> {
        self.memory_mode
            .as_deref()
            .and_then(ThreadMemoryMode::parse)
    }
}

/// The values some columns of a row had before an edit.
#[derive(Debug)]
pub struct PreviousValues(Vec<(&'static str, SqlValue)>);

pub struct StateDb {
    path: PathBuf,
    connection: Mutex<Connection>,
    columns: HashSet<String>,
    /// Codex 0.169+ keeps read state in `thread_read_receipts`.
    has_read_receipts: bool,
    /// Which of Codex's sections and projects this DB keeps.
    curation: CurationSupport,
    /// Codex's history DB, opened read-only on first use (`None` inside: absent or unusable).
    history_db: Mutex<Option<Option<Connection>>>,
    busy_timeout: Duration,
}

impl StateDb {
    /// Opens an existing DB read-write without creating, migrating or reconfiguring it.
    /// `busy_timeout` (default 10 s) bounds how long a statement waits for a busy DB.
    pub fn open(path: &Path, busy_timeout: Option<Duration>) -> Result<StateDb, StateDbError> {
        let sqlite = |source| StateDbError::Sqlite {
            path: path.to_path_buf(),
            source,
        };
        let flags = OpenFlags::SQLITE_OPEN_READ_WRITE
            | OpenFlags::SQLITE_OPEN_NO_MUTEX
            | OpenFlags::SQLITE_OPEN_URI;
        let connection = Connection::open_with_flags(path, flags).map_err(sqlite)?;
        let busy_timeout = busy_timeout.unwrap_or(DEFAULT_BUSY_TIMEOUT);
        connection.busy_timeout(busy_timeout).map_err(sqlite)?;
        let columns = table_columns(&connection, "threads").map_err(sqlite)?;
        if columns.is_empty() {
            return Err(StateDbError::NoThreadsTable(path.to_path_buf()));
        }
        let has_read_receipts = table_columns(&connection, READ_RECEIPTS)
            .map_err(sqlite)?
            .is_superset(&READ_RECEIPT_COLUMNS.iter().map(|c| c.to_string()).collect());
        let curation = CurationSupport::detect(&connection, &columns).map_err(sqlite)?;
        Ok(StateDb {
            path: path.to_path_buf(),
            connection: Mutex::new(connection),
            columns,
            has_read_receipts,
            curation,
            history_db: Mutex::new(None),
            busy_timeout,
        })
    }

    pub fn path(&self) -> &Path {
        &self.path
    }

    /// The `ROW_COLUMNS` this DB has, for a `SELECT`, and whether Codex counts the thread as
    /// unread (`unread`: its read receipt names a first unread turn; no receipt means read).
    fn read_columns(&self) -> String {
        let mut columns: Vec<String> = ROW_COLUMNS
            .iter()
            .filter(|column| self.has_column(column))
            .map(|column| column.to_string())
            .collect();
        if self.has_read_receipts {
            columns.push(format!(
                "(SELECT first_unread_turn IS NOT NULL FROM {READ_RECEIPTS} \
                 WHERE {READ_RECEIPTS}.thread_id = threads.id) AS unread"
            ));
        }
        // Section and project names in the same pass, so listing costs one query as before.
        columns.extend(self.curation.name_columns());
        columns.join(", ")
    }

    /// Whether this DB keeps Codex's read state (0.169+).
    pub fn has_read_receipts(&self) -> bool {
        self.has_read_receipts
    }

    /// Marks a thread read or unread the way Codex's `thread/readState/update` does: the
    /// receipt's first unread turn becomes NULL (read) or `''` (the whole thread unread, as a
    /// user marks it), under a new revision, so Codex's clients see a changed read state. The
    /// last published turn is left to Codex. `Ok(false)` when this DB has no read receipts or
    /// no row for the thread (Codex keeps read state only for threads it indexed).
    pub fn set_read(&self, id: ThreadId, read: bool) -> Result<bool, StateDbError> {
        if !self.has_read_receipts || self.thread_row(id)?.is_none() {
            return Ok(false);
        }
        let first_unread = if read {
            SqlValue::Null
        } else {
            SqlValue::Text(String::new())
        };
        let revision = uuid::Uuid::new_v4().to_string();
        let mut connection = self.connection();
        let transaction = connection
            .transaction_with_behavior(rusqlite::TransactionBehavior::Immediate)
            .map_err(|e| self.error(e))?;
        transaction
            .execute(
                &format!(
                    "INSERT INTO {READ_RECEIPTS} (thread_id, first_unread_turn, revision) \
                     VALUES (?1, ?2, ?3) ON CONFLICT(thread_id) DO UPDATE SET \
                     first_unread_turn = excluded.first_unread_turn, \
                     revision = excluded.revision"
                ),
                rusqlite::params![id.to_string(), first_unread, revision],
            )
            .map_err(|e| self.error(e))?;
        transaction.commit().map_err(|e| self.error(e))?;
        Ok(true)
    }

    pub fn has_column(&self, column: &str) -> bool {
        self.columns.contains(column)
    }

    fn error(&self, source: rusqlite::Error) -> StateDbError {
        StateDbError::Sqlite {
            path: self.path.clone(),
            source,
        }
    }

    fn connection(&self) -> std::sync::MutexGuard<'_, Connection> {
        self.connection
            .lock()
            .unwrap_or_else(|poisoned| poisoned.into_inner())
    }

    pub fn thread_row(&self, id: ThreadId) -> Result<Option<ThreadRow>, StateDbError> {
        Ok(self.thread_rows(&[id])?.remove(&id))
    }

    /// Every row: one pass over the table, for listings that look at most threads.
    pub fn all_thread_rows(&self) -> Result<HashMap<ThreadId, ThreadRow>, StateDbError> {
        let sql = format!("SELECT {} FROM threads", self.read_columns());
        let connection = self.connection();
        let mut statement = connection.prepare(&sql).map_err(|e| self.error(e))?;
        let names: Vec<String> = statement.column_names().map(|s| s.to_string()).collect();
        let found = statement
            .query_map([], |row| read_row(row, &names))
            .map_err(|e| self.error(e))?;
        let mut rows = HashMap::new();
        for row in found {
            let row = row.map_err(|e| self.error(e))?;
            if let Ok(id) = row.id.parse::<ThreadId>() {
                rows.insert(id, row);
            }
        }
        Ok(rows)
    }

    /// Rows for many ids at once (listing enriches a page with one query).
    pub fn thread_rows(
        &self,
        ids: &[ThreadId],
    ) -> Result<HashMap<ThreadId, ThreadRow>, StateDbError> {
        let mut rows = HashMap::new();
        // SQLite limits bound parameters; 500 per query is well under every default.
        for chunk in ids.chunks(500) {
            let placeholders = vec!["?"; chunk.len()].join(",");
            let sql = format!(
                "SELECT {} FROM threads WHERE id IN ({placeholders})",
                self.read_columns()
            );
            let connection = self.connection();
            let mut statement = connection.prepare(&sql).map_err(|e| self.error(e))?;
            let names: Vec<String> = statement.column_names().map(|s| s.to_string()).collect();
            let found = statement
                .query_map(
                    params_from_iter(chunk.iter().map(|id| id.to_string())),
                    |row| read_row(row, &names),
                )
                .map_err(|e| self.error(e))?;
            for row in found {
                let row = row.map_err(|e| self.error(e))?;
                if let Ok(id) = row.id.parse::<ThreadId>() {
                    rows.insert(id, row);
                }
            }
        }
        Ok(rows)
    }

    /// Writes the fields of `patch` to an existing row, the way Codex maps them (§4.1), and
    /// returns the values those columns had, to put back if the rest of the edit fails. `None`
    /// when the thread has no row: Codex rebuilds missing rows from the rollout itself, so we do
    /// not invent one in its DB.
    pub fn apply_patch(
        &self,
        id: ThreadId,
        patch: &ThreadMetadataPatch,
        history_mode: &HistoryMode,
    ) -> Result<Option<PreviousValues>, StateDbError> {
        let existing = self.thread_row(id)?;
        let Some(existing) = existing else {
            return Ok(None);
        };
        let assignments = self.assignments(patch, &existing, history_mode);
        if assignments.is_empty() {
            return Ok(Some(PreviousValues(Vec::new())));
        }
        let columns: Vec<&'static str> = assignments.iter().map(|(column, _)| *column).collect();
        let mut connection = self.connection();
        let transaction = connection
            .transaction_with_behavior(rusqlite::TransactionBehavior::Immediate)
            .map_err(|e| self.error(e))?;
        let previous = transaction
            .query_row(
                &format!("SELECT {} FROM threads WHERE id = ?", columns.join(", ")),
                [id.to_string()],
                |row| {
                    (0..columns.len())
                        .map(|index| row.get::<_, SqlValue>(index))
                        .collect::<rusqlite::Result<Vec<_>>>()
                },
            )
            .map_err(|e| self.error(e))?;
        let sql = format!(
            "UPDATE threads SET {} WHERE id = ?",
            columns
                .iter()
                .map(|column| format!("{column} = ?"))
                .collect::<Vec<_>>()
                .join(", ")
        );
        let mut values: Vec<SqlValue> = assignments.into_iter().map(|(_, v)| v).collect();
        values.push(SqlValue::Text(id.to_string()));
        transaction
            .execute(&sql, params_from_iter(values))
            .map_err(|e| self.error(e))?;
        transaction.commit().map_err(|e| self.error(e))?;
        Ok(Some(PreviousValues(
            columns.into_iter().zip(previous).collect(),
        )))
    }

    /// Puts back what `apply_patch` changed.
    pub fn restore(&self, id: ThreadId, previous: PreviousValues) -> Result<(), StateDbError> {
        self.set_columns(id, previous.0)
    }

    /// Column assignments for a patch, limited to the columns this DB has.
    fn assignments(
        &self,
        patch: &ThreadMetadataPatch,
        existing: &ThreadRow,
        history_mode: &HistoryMode,
    ) -> Vec<(&'static str, SqlValue)> {
        let text = |value: &str| SqlValue::Text(value.to_string());
        let optional = |value: &Option<String>| match value {
            Some(value) => SqlValue::Text(value.clone()),
            None => SqlValue::Null,
        };
        let mut set: Vec<(&'static str, SqlValue)> = Vec::new();
        if let Some(path) = &patch.rollout_path {
            set.push(("rollout_path", text(&path.to_string_lossy())));
        }
        if let Some(preview) = &patch.preview {
            set.push(("preview", text(preview)));
        }
        if let Some(first) = &patch.first_user_message {
            set.push(("first_user_message", text(first)));
        }
        let name = patch.name.as_ref().map(|name| {
            // Trimmed like the session_index entry, so both places hold the same name.
            name.as_deref()
                .map(str::trim)
                .filter(|name| !name.is_empty())
        });
        match (name, &patch.title) {
            // Codex keeps a paginated thread's name in its own column (cleared to NULL) and
            // leaves `title` as the derived title.
            (Some(name), _) if *history_mode == HistoryMode::Paginated => {
                set.push(("name", name.map_or(SqlValue::Null, text)));
            }
            (Some(Some(name)), _) => set.push(("title", text(name))),
            // A cleared name gives the title back to the first message, as Codex derives it.
            (Some(None), _) => {
                let derived = existing.first_user_message.as_deref().unwrap_or("");
                set.push(("title", text(derived)));
            }
            // A derived title never overwrites an explicit name.
            (None, Some(title)) if existing.explicit_name().is_none() => {
                set.push(("title", text(title)))
            }
            _ => {}
        }
        if let Some(provider) = &patch.model_provider {
            set.push(("model_provider", text(provider)));
        }
        if let Some(model) = &patch.model {
            set.push(("model", text(model)));
        }
        if let Some(effort) = &patch.reasoning_effort {
            set.push(("reasoning_effort", text(effort)));
        }
        for (at, seconds, millis) in [
            (patch.created_at, "created_at", "created_at_ms"),
            (patch.updated_at, "updated_at", "updated_at_ms"),
        ] {
            if let Some(at) = at {
                set.push((seconds, SqlValue::Integer(at.timestamp())));
                set.push((millis, SqlValue::Integer(at.timestamp_millis())));
            }
        }
        if let Some(source) = &patch.source {
            set.push((
                "source",
                text(&crate::protocol::source_to_text(Some(source))),
            ));
        }
        for (column, value) in [
            ("thread_source", &patch.thread_source),
            ("agent_nickname", &patch.agent_nickname),
            ("agent_role", &patch.agent_role),
            ("agent_path", &patch.agent_path),
        ] {
            if let Some(value) = value {
                set.push((column, optional(value)));
            }
        }
        if let Some(cwd) = &patch.cwd {
            set.push(("cwd", text(&cwd.to_string_lossy())));
        }
        if let Some(version) = &patch.cli_version {
            set.push(("cli_version", text(version)));
        }
        if let Some(approval) = &patch.approval_mode {
            let approval = approval
                .as_str()
                .map(str::to_string)
                .unwrap_or_else(|| approval.to_string());
            set.push(("approval_mode", text(&approval)));
        }
        if let Some(usage) = &patch.token_usage {
            set.push(("tokens_used", SqlValue::Integer(usage.total_tokens.max(0))));
        }
        if let Some(git) = &patch.git_info {
            for (column, value) in [
                ("git_sha", &git.sha),
                ("git_branch", &git.branch),
                ("git_origin_url", &git.origin_url),
            ] {
                if let Some(value) = value {
                    set.push((column, optional(value)));
                }
            }
        }
        if let Some(mode) = patch.memory_mode {
            set.push(("memory_mode", text(mode.as_str())));
        }
        if patch.updated_at.is_none()
            && let Some(at) = explicit_edit_time(patch, existing, history_mode)
        {
            set.push(("updated_at", SqlValue::Integer(at.timestamp())));
            set.push(("updated_at_ms", SqlValue::Integer(at.timestamp_millis())));
        }
        set.retain(|(column, _)| self.has_column(column));
        set
    }

    /// Records a move into `archived_sessions/` (no-op without a row).
    pub fn mark_archived(
        &self,
        id: ThreadId,
        rollout_path: &Path,
        at: DateTime<Utc>,
        file_modified: DateTime<Utc>,
    ) -> Result<(), StateDbError> {
        self.set_columns(
            id,
            vec![
                ("archived", SqlValue::Integer(1)),
                ("archived_at", SqlValue::Integer(at.timestamp())),
                (
                    "rollout_path",
                    SqlValue::Text(rollout_path.to_string_lossy().into_owned()),
                ),
                ("updated_at", SqlValue::Integer(file_modified.timestamp())),
                (
                    "updated_at_ms",
                    SqlValue::Integer(file_modified.timestamp_millis()),
                ),
            ],
        )
    }

    /// Records a move back into `sessions/` (no-op without a row).
    pub fn mark_unarchived(
        &self,
        id: ThreadId,
        rollout_path: &Path,
        file_modified: DateTime<Utc>,
    ) -> Result<(), StateDbError> {
        self.set_columns(
            id,
            vec![
                ("archived", SqlValue::Integer(0)),
                ("archived_at", SqlValue::Null),
                (
                    "rollout_path",
                    SqlValue::Text(rollout_path.to_string_lossy().into_owned()),
                ),
                ("updated_at", SqlValue::Integer(file_modified.timestamp())),
                (
                    "updated_at_ms",
                    SqlValue::Integer(file_modified.timestamp_millis()),
                ),
            ],
        )
    }

    fn set_columns(
        &self,
        id: ThreadId,
        mut columns: Vec<(&'static str, SqlValue)>,
    ) -> Result<(), StateDbError> {
        columns.retain(|(column, _)| self.has_column(column));
        if columns.is_empty() {
            return Ok(());
        }
        let sql = format!(
            "UPDATE threads SET {} WHERE id = ?",
            columns
                .iter()
                .map(|(column, _)| format!("{column} = ?"))
                .collect::<Vec<_>>()
                .join(", ")
        );
        let mut values: Vec<SqlValue> = columns.into_iter().map(|(_, v)| v).collect();
        values.push(SqlValue::Text(id.to_string()));
        self.write(&sql, values)
    }

    /// Deletes the thread's row and the rows that hang off it, in one transaction, as Codex's
    /// own delete does (observed in 0.169: `threads` and `thread_read_receipts`; the tables
    /// whose rows Codex's foreign keys cascade from `threads` go too, since our connection
    /// does not turn foreign keys on). Tables or columns this DB lacks are passed over.
    /// Returns how many `threads` rows went (0 when there was none).
    pub fn delete_thread(&self, id: ThreadId) -> Result<usize, StateDbError> {
        let mut connection = self.connection();
        let transaction = connection
            .transaction_with_behavior(rusqlite::TransactionBehavior::Immediate)
            .map_err(|e| self.error(e))?;
        delete_rows_by_thread(&transaction, STATE_THREAD_TABLES, id).map_err(|e| self.error(e))?;
        let deleted = transaction
            .execute("DELETE FROM threads WHERE id = ?1", [id.to_string()])
            .map_err(|e| self.error(e))?;
        transaction.commit().map_err(|e| self.error(e))?;
        Ok(deleted)
    }

    /// Deletes a thread's rows from Codex's history DB (`thread_history_1.sqlite`, beside the
    /// state DB), when there is one. Opened like the state DB: never created, never migrated,
    /// its journal mode left alone; one `BEGIN IMMEDIATE` transaction.
    pub fn delete_history_rows(&self, id: ThreadId) -> Result<(), StateDbError> {
        let Some(path) = self
            .path
            .parent()
            .map(|dir| dir.join(HISTORY_DB_FILE))
            .filter(|path| path.is_file())
        else {
            return Ok(());
        };
        let sqlite = |source| StateDbError::Sqlite {
            path: path.clone(),
            source,
        };
        let flags = OpenFlags::SQLITE_OPEN_READ_WRITE
            | OpenFlags::SQLITE_OPEN_NO_MUTEX
            | OpenFlags::SQLITE_OPEN_URI;
        let mut connection = Connection::open_with_flags(&path, flags).map_err(sqlite)?;
        connection.busy_timeout(self.busy_timeout).map_err(sqlite)?;
        let transaction = connection
            .transaction_with_behavior(rusqlite::TransactionBehavior::Immediate)
            .map_err(sqlite)?;
        delete_rows_by_thread(&transaction, HISTORY_THREAD_TABLES, id).map_err(sqlite)?;
        transaction.commit().map_err(sqlite)
    }

    /// The last turn of each thread as Codex's own projection (`thread_turns` in the history
    /// DB beside the state DB) records it, for the threads that have one there. Read-only; an
    /// absent DB or table gives nothing.
    pub fn projected_turns(
        &self,
        ids: &[ThreadId],
    ) -> Result<HashMap<ThreadId, ProjectedTurn>, StateDbError> {
        let mut turns = HashMap::new();
        let mut guard = self
            .history_db
            .lock()
            .unwrap_or_else(|poisoned| poisoned.into_inner());
        if guard.is_none() {
            let Some(path) = self
                .path
                .parent()
                .map(|dir| dir.join(HISTORY_DB_FILE))
                .filter(|path| path.is_file())
            else {
                return Ok(turns);
            };
            let flags = OpenFlags::SQLITE_OPEN_READ_ONLY
                | OpenFlags::SQLITE_OPEN_NO_MUTEX
                | OpenFlags::SQLITE_OPEN_URI;
            let sqlite = |source| StateDbError::Sqlite {
                path: path.clone(),
                source,
            };
            let connection = Connection::open_with_flags(&path, flags).map_err(sqlite)?;
            connection.busy_timeout(self.busy_timeout).map_err(sqlite)?;
            let columns = table_columns(&connection, "thread_turns").map_err(sqlite)?;
            let usable = [
                "thread_id",
                "turn_id",
                "status",
                "error_json",
                "rollout_ordinal",
            ]
            .iter()
            .all(|column| columns.contains(*column));
            *guard = Some(usable.then_some(connection));
        }
        let Some(Some(connection)) = guard.as_ref() else {
            return Ok(turns);
        };
        let error = |source| StateDbError::Sqlite {
            path: self.path.with_file_name(HISTORY_DB_FILE),
            source,
        };
        for chunk in ids.chunks(500) {
            let placeholders = vec!["?"; chunk.len()].join(",");
            // SQLite gives the other columns of the row that holds the MAX.
            let sql = format!(
                "SELECT thread_id, turn_id, status, error_json, MAX(rollout_ordinal) \
                 FROM thread_turns WHERE thread_id IN ({placeholders}) GROUP BY thread_id"
            );
            let mut statement = connection.prepare_cached(&sql).map_err(error)?;
            let rows = statement
                .query_map(
                    params_from_iter(chunk.iter().map(|id| id.to_string())),
                    |row| {
                        Ok((
                            row.get::<_, String>(0)?,
                            ProjectedTurn {
                                turn_id: row.get(1)?,
                                status: row.get(2)?,
                                error: row
                                    .get::<_, Option<String>>(3)?
                                    .as_deref()
                                    .map(turn_error_message),
                            },
                        ))
                    },
                )
                .map_err(error)?;
            for row in rows {
                let (id, turn) = row.map_err(error)?;
                if let Ok(id) = id.parse::<ThreadId>() {
                    turns.insert(id, turn);
                }
            }
        }
        Ok(turns)
    }

    /// One statement in a `BEGIN IMMEDIATE` transaction, so a busy DB fails fast and whole.
    fn write(&self, sql: &str, values: Vec<SqlValue>) -> Result<(), StateDbError> {
        let mut connection = self.connection();
        let transaction = connection
            .transaction_with_behavior(rusqlite::TransactionBehavior::Immediate)
            .map_err(|e| self.error(e))?;
        transaction
            .execute(sql, params_from_iter(values))
            .map_err(|e| self.error(e))?;
        transaction.commit().map_err(|e| self.error(e))
    }
}

/// The update time an explicit edit gives the row, as Codex sets it (observed in 0.147 and
/// 0.169): a paginated thread's name or memory mode nudges it by a millisecond, so the thread
/// keeps its place in Codex's order; a legacy thread's memory mode makes it "now" (Codex also
/// appends to the rollout); a legacy name leaves it alone.
fn explicit_edit_time(
    patch: &ThreadMetadataPatch,
    existing: &ThreadRow,
    history_mode: &HistoryMode,
) -> Option<DateTime<Utc>> {
    let renamed = patch.name.is_some();
    let memory = patch.memory_mode.is_some();
    match history_mode {
        HistoryMode::Paginated if renamed || memory => existing
            .updated_at
            .map(|at| at + chrono::Duration::milliseconds(1)),
        HistoryMode::Legacy if memory && !patch.has_observed_facts() => {
            Some(crate::protocol::time::now_millis())
        }
        _ => None,
    }
}

fn table_columns(connection: &Connection, table: &str) -> rusqlite::Result<HashSet<String>> {
    let mut statement = connection.prepare(&format!("PRAGMA table_info({table})"))?;
    let names = statement.query_map([], |row| row.get::<_, String>(1))?;
    names.collect()
}

/// Codex's read state per thread (0.169+), and the columns we use of it.
const READ_RECEIPTS: &str = "thread_read_receipts";
const READ_RECEIPT_COLUMNS: [&str; 3] = ["thread_id", "first_unread_turn", "revision"];

/// The columns `read_row` reads; newer DBs have many more, some large, that we never use.
const ROW_COLUMNS: [&str; 25] = [
    "id",
    "rollout_path",
    "created_at",
    "created_at_ms",
    "updated_at",
    "updated_at_ms",
    "source",
    "model_provider",
    "model",
    "reasoning_effort",
    "cwd",
    "title",
    "preview",
    "first_user_message",
    "tokens_used",
    "archived",
    "git_sha",
    "git_branch",
    "git_origin_url",
    "memory_mode",
    "name",
    "history_mode",
    "thread_section_id",
    "section_position",
    "project_id",
];

fn read_row(row: &rusqlite::Row<'_>, names: &[String]) -> rusqlite::Result<ThreadRow> {
    // Columns by position: a lookup by name asks SQLite for every column's name on each call.
    let index = |name: &str| names.iter().position(|n| n == name);
    let text = |name: &str| -> rusqlite::Result<Option<String>> {
        let Some(index) = index(name) else {
            return Ok(None);
        };
        // Some columns hold numbers in older rows; read any type as text.
        let value: Option<SqlValue> = row.get(index).optional()?.flatten();
        Ok(match value {
            Some(SqlValue::Text(text)) => Some(text),
            Some(SqlValue::Integer(n)) => Some(n.to_string()),
            Some(SqlValue::Real(n)) => Some(n.to_string()),
            _ => None,
        })
    };
    let integer = |name: &str| -> rusqlite::Result<Option<i64>> {
        Ok(index(name).and_then(|index| row.get::<_, Option<i64>>(index).unwrap_or(None)))
    };
    let instant = |millis: &str, seconds: &str| -> rusqlite::Result<Option<DateTime<Utc>>> {
        Ok(match integer(millis)? {
            Some(ms) => Some(from_millis(ms)),
            None => integer(seconds)?
                .and_then(|s| s.checked_mul(1000))
                .map(from_millis),
        })
    };
    Ok(ThreadRow {
        id: text("id")?.unwrap_or_default(),
        rollout_path: text("rollout_path")?,
        created_at: instant("created_at_ms", "created_at")?,
        updated_at: instant("updated_at_ms", "updated_at")?,
        source: text("source")?,
        model_provider: text("model_provider")?,
        model: text("model")?,
        reasoning_effort: text("reasoning_effort")?,
        cwd: text("cwd")?,
        title: text("title")?,
        preview: text("preview")?,
        first_user_message: text("first_user_message")?,
        tokens_used: integer("tokens_used")?,
        archived: integer("archived")?.unwrap_or(0) != 0,
        git_sha: text("git_sha")?,
        git_branch: text("git_branch")?,
        git_origin_url: text("git_origin_url")?,
        memory_mode: text("memory_mode")?,
        unread: match index("unread") {
            Some(_) => Some(integer("unread")?.is_some_and(|unread| unread != 0)),
            None => None,
        },
        name: text("name")?,
        history_mode: text("history_mode")?,
        section_id: text("thread_section_id")?,
        section_name: text("section_name")?,
        section_position: integer("section_position")?,
        project_id: text("project_id")?,
        project_name: text("project_name")?,
    })
}

/// Tables of the state DB keyed by `thread_id` whose rows go with a deleted thread.
const STATE_THREAD_TABLES: &[&str] = &[
    "thread_read_receipts",
    "thread_dynamic_tools",
    "thread_attachments",
];

/// The message of a `thread_turns.error_json` (`{"message": …, "codexErrorInfo": …}`).
fn turn_error_message(json: &str) -> String {
    serde_json::from_str::<serde_json::Value>(json)
        .ok()
        .and_then(|value| value.get("message")?.as_str().map(str::to_owned))
        .unwrap_or_else(|| json.to_owned())
}

/// Codex's projection of paginated rollouts, beside the state DB.
pub const HISTORY_DB_FILE: &str = "thread_history_1.sqlite";

/// Tables of the history DB keyed by `thread_id`; Codex's delete empties them for the thread
/// (observed in 0.169).
const HISTORY_THREAD_TABLES: &[&str] = &[
    "thread_history_projection_state",
    "thread_turns",
    "thread_items",
    "thread_realtime_items",
];

/// Deletes a thread's rows from each table in `tables` that exists and has a `thread_id`.
fn delete_rows_by_thread(
    connection: &Connection,
    tables: &[&str],
    id: ThreadId,
) -> rusqlite::Result<()> {
    for table in tables {
        if table_columns(connection, table)?.contains("thread_id") {
            connection.execute(
                &format!("DELETE FROM \"{table}\" WHERE thread_id = ?1"),
                [id.to_string()],
            )?;
        }
    }
    Ok(())
}
