//! Codex's SQLite state DB (`state_5.sqlite`) in a `TestHome`: schema, rows and locks.

use std::path::{Path, PathBuf};

use chrono::{DateTime, Utc};
use codex_threads::protocol::{ThreadId, ThreadMemoryMode, source_to_text};
use codex_threads::testing::codex_state_db::{StateDbRelease, create_empty};
use rusqlite::types::{Value as SqlValue, ValueRef};
use rusqlite::{Connection, params_from_iter};
use serde_json::{Map, Value};

use super::home::{TestHome, plain_rollout_path};
use super::spec::ThreadSpec;

pub const STATE_DB_FILE_NAME: &str = "state_5.sqlite";

/// Every `threads` column of the newest recorded release's DB (0.169.0), in table order.
pub const THREAD_COLUMNS: &[&str] = &[
    "id",
    "rollout_path",
    "created_at",
    "updated_at",
    "source",
    "model_provider",
    "cwd",
    "title",
    "sandbox_policy",
    "approval_mode",
    "tokens_used",
    "has_user_event",
    "archived",
    "archived_at",
    "git_sha",
    "git_branch",
    "git_origin_url",
    "cli_version",
    "first_user_message",
    "agent_nickname",
    "agent_role",
    "memory_mode",
    "model",
    "reasoning_effort",
    "agent_path",
    "created_at_ms",
    "updated_at_ms",
    "thread_source",
    "preview",
    "recency_at",
    "recency_at_ms",
    "history_mode",
    "name",
    "is_pinned",
    "thread_section_id",
    "section_position",
    "section_entered_at_ms",
    "project_id",
    "originator",
    "daybreak_enabled",
    "creator_user_id",
    "creator_account_id",
    "attached_thread_parent_id",
];

/// Which shape of `threads` table to create, to test DBs that are not what we expect. Each is
/// Codex's own DB (newest recorded release) with columns dropped.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum SchemaVariant {
    /// All columns of `THREAD_COLUMNS`, exactly as Codex created them.
    Current,
    /// No `memory_mode` column.
    WithoutMemoryMode,
    /// An older DB: no `*_ms` columns (nor `recency_at`, which came later still).
    WithoutMillis,
}

impl SchemaVariant {
    pub fn dropped_columns(self) -> &'static [&'static str] {
        match self {
            SchemaVariant::Current => &[],
            SchemaVariant::WithoutMemoryMode => &["memory_mode"],
            SchemaVariant::WithoutMillis => &[
                "created_at_ms",
                "updated_at_ms",
                "recency_at",
                "recency_at_ms",
            ],
        }
    }
}

/// One `threads` row. `Default` gives a valid row; `from_spec` the row Codex would extract.
#[derive(Clone, Debug, PartialEq)]
pub struct ThreadRow {
    pub id: ThreadId,
    /// Always the plain `.jsonl` path.
    pub rollout_path: PathBuf,
    pub created_at: DateTime<Utc>,
    pub updated_at: DateTime<Utc>,
    pub source: String,
    pub thread_source: Option<String>,
    pub agent_nickname: Option<String>,
    pub agent_role: Option<String>,
    pub agent_path: Option<String>,
    pub model_provider: String,
    pub model: Option<String>,
    pub reasoning_effort: Option<String>,
    pub cwd: String,
    pub cli_version: String,
    pub title: String,
    pub preview: String,
    pub first_user_message: String,
    pub sandbox_policy: String,
    pub approval_mode: String,
    pub tokens_used: i64,
    pub has_user_event: bool,
    pub archived: bool,
    pub archived_at: Option<DateTime<Utc>>,
    pub git_sha: Option<String>,
    pub git_branch: Option<String>,
    pub git_origin_url: Option<String>,
    pub memory_mode: String,
    pub recency_at: Option<DateTime<Utc>>,
    pub history_mode: String,
}

impl Default for ThreadRow {
    fn default() -> Self {
        let now = super::at("2026-05-14T09:12:33.402Z");
        ThreadRow {
            id: ThreadId::new(),
            rollout_path: PathBuf::new(),
            created_at: now,
            updated_at: now,
            source: "cli".to_string(),
            thread_source: None,
            agent_nickname: None,
            agent_role: None,
            agent_path: None,
            model_provider: "openai".to_string(),
            model: None,
            reasoning_effort: None,
            cwd: "/home/ana/src/widget".to_string(),
            cli_version: String::new(),
            title: String::new(),
            preview: String::new(),
            first_user_message: String::new(),
            sandbox_policy: "workspace-write".to_string(),
            approval_mode: "on-request".to_string(),
            tokens_used: 0,
            has_user_event: false,
            archived: false,
            archived_at: None,
            git_sha: None,
            git_branch: None,
            git_origin_url: None,
            memory_mode: ThreadMemoryMode::Enabled.to_string(),
            recency_at: Some(now),
            history_mode: "legacy".to_string(),
        }
    }
}

impl ThreadRow {
    /// The row Codex's extractor would build from the spec's rollout at `rollout_path`.
    pub fn from_spec(spec: &ThreadSpec, rollout_path: &Path) -> Self {
        let updated_at = spec.effective_mtime();
        let has_turn = spec.expected_model().is_some();
        let git = spec.git.clone().unwrap_or_default();
        let first_user_message = spec.expected_first_user_message();
        ThreadRow {
            id: spec.id,
            rollout_path: plain_rollout_path(rollout_path),
            created_at: spec.created,
            updated_at,
            source: source_to_text(Some(&spec.source)),
            model_provider: spec.model_provider.clone(),
            model: spec.expected_model(),
            reasoning_effort: has_turn.then(|| spec.reasoning_effort.clone()),
            cwd: spec.cwd.clone(),
            cli_version: spec.cli_version.clone(),
            title: spec.expected_title().unwrap_or_default(),
            preview: spec.expected_preview().unwrap_or_default(),
            has_user_event: first_user_message.is_some(),
            first_user_message: first_user_message.unwrap_or_default(),
            sandbox_policy: spec.turn_settings().sandbox_policy.to_string(),
            tokens_used: spec.expected_tokens(),
            archived: spec.archived,
            archived_at: spec.archived.then_some(updated_at),
            git_sha: git.commit_hash,
            git_branch: git.branch,
            git_origin_url: git.repository_url,
            memory_mode: spec.expected_memory_mode().to_string(),
            recency_at: Some(updated_at),
            ..ThreadRow::default()
        }
    }

    /// `(column, value)` for the columns this row sets; the others keep Codex's defaults.
    fn column_values(&self) -> Vec<(&'static str, SqlValue)> {
        let mut values = vec![
            ("id", text(self.id.to_string())),
            (
                "rollout_path",
                text(self.rollout_path.display().to_string()),
            ),
            ("created_at", seconds(self.created_at)),
            ("updated_at", seconds(self.updated_at)),
            ("created_at_ms", millis(self.created_at)),
            ("updated_at_ms", millis(self.updated_at)),
            ("source", text(&self.source)),
            ("thread_source", optional_text(&self.thread_source)),
            ("agent_nickname", optional_text(&self.agent_nickname)),
            ("agent_role", optional_text(&self.agent_role)),
            ("agent_path", optional_text(&self.agent_path)),
            ("model_provider", text(&self.model_provider)),
            ("model", optional_text(&self.model)),
            ("reasoning_effort", optional_text(&self.reasoning_effort)),
            ("cwd", text(&self.cwd)),
            ("cli_version", text(&self.cli_version)),
            ("title", text(&self.title)),
            ("preview", text(&self.preview)),
            ("first_user_message", text(&self.first_user_message)),
            ("sandbox_policy", text(&self.sandbox_policy)),
            ("approval_mode", text(&self.approval_mode)),
            ("tokens_used", SqlValue::Integer(self.tokens_used)),
            ("has_user_event", flag(self.has_user_event)),
            ("archived", flag(self.archived)),
            (
                "archived_at",
                self.archived_at.map_or(SqlValue::Null, seconds),
            ),
            ("git_sha", optional_text(&self.git_sha)),
            ("git_branch", optional_text(&self.git_branch)),
            ("git_origin_url", optional_text(&self.git_origin_url)),
            ("memory_mode", text(&self.memory_mode)),
            ("history_mode", text(&self.history_mode)),
        ];
        // Codex's columns are NOT NULL: without a recency its insert trigger copies updated_at.
        if let Some(recency_at) = self.recency_at {
            values.push(("recency_at", seconds(recency_at)));
            values.push(("recency_at_ms", millis(recency_at)));
        }
        values
    }
}

fn text(value: impl Into<String>) -> SqlValue {
    SqlValue::Text(value.into())
}

fn optional_text(value: &Option<String>) -> SqlValue {
    value.clone().map_or(SqlValue::Null, SqlValue::Text)
}

fn seconds(at: DateTime<Utc>) -> SqlValue {
    SqlValue::Integer(at.timestamp())
}

fn millis(at: DateTime<Utc>) -> SqlValue {
    SqlValue::Integer(at.timestamp_millis())
}

fn flag(value: bool) -> SqlValue {
    SqlValue::Integer(value.into())
}

/// Holds SQLite's write lock on the state DB until dropped.
pub struct StateDbLock {
    connection: Connection,
}

impl Drop for StateDbLock {
    fn drop(&mut self) {
        let _ = self.connection.execute_batch("ROLLBACK");
    }
}

/// The state DB of a `TestHome`.
impl TestHome {
    pub fn state_db_path(&self) -> PathBuf {
        self.path().join(STATE_DB_FILE_NAME)
    }

    /// A connection to the state DB (which must exist), with no busy timeout.
    pub fn open_state_db(&self) -> Connection {
        let path = self.state_db_path();
        assert!(path.exists(), "create_state_db first");
        Connection::open(&path).expect("open state DB")
    }

    /// Creates `state_5.sqlite` from the DB Codex itself created (its schema, triggers and
    /// migration history; WAL, incremental auto-vacuum), with a complete backfill, and the
    /// `threads` table shaped by `variant`.
    pub fn create_state_db(&self, variant: SchemaVariant) -> PathBuf {
        let path = self.state_db_path();
        create_empty(&path, StateDbRelease::NEWEST).expect("create state DB");
        let connection = Connection::open(&path).expect("open state DB");
        for column in variant.dropped_columns() {
            drop_thread_column(&connection, column);
        }
        self.set_backfill_status("complete");
        path
    }

    /// Sets `backfill_state.status` (`pending`, `running` or `complete`).
    pub fn set_backfill_status(&self, status: &str) {
        self.open_state_db()
            .execute(
                "INSERT INTO backfill_state (id, status, last_success_at, updated_at)
                 VALUES (1, ?1, unixepoch(), unixepoch())
                 ON CONFLICT(id) DO UPDATE SET status = excluded.status",
                [status],
            )
            .expect("set backfill status");
    }

    /// Inserts (or replaces) a row, writing only the columns the table has.
    pub fn insert_thread_row(&self, row: &ThreadRow) {
        let connection = self.open_state_db();
        let existing = thread_columns(&connection);
        let (columns, values): (Vec<&str>, Vec<SqlValue>) = row
            .column_values()
            .into_iter()
            .filter(|(column, _)| existing.iter().any(|name| name == column))
            .unzip();
        let placeholders = vec!["?"; columns.len()].join(", ");
        let sql = format!(
            "INSERT OR REPLACE INTO threads ({}) VALUES ({placeholders})",
            columns.join(", ")
        );
        connection
            .execute(&sql, params_from_iter(values))
            .expect("insert thread row");
    }

    /// Writes the spec's rollout and the row Codex would have for it.
    pub fn add_indexed_thread(&self, spec: &ThreadSpec) -> super::WrittenThread {
        let written = self.add_thread(spec);
        self.insert_thread_row(&ThreadRow::from_spec(spec, &written.path));
        written
    }

    /// The row for `id` as a JSON object keyed by column name.
    pub fn state_db_row(&self, id: ThreadId) -> Option<Value> {
        let connection = self.open_state_db();
        let mut statement = connection
            .prepare("SELECT * FROM threads WHERE id = ?1")
            .expect("prepare row query");
        let names: Vec<String> = statement.column_names().map(str::to_string).collect();
        let mut rows = statement.query([id.to_string()]).expect("query row");
        let row = rows.next().expect("read row")?;
        let object: Map<String, Value> = names
            .iter()
            .enumerate()
            .map(|(index, name)| {
                let value = row.get_ref(index).expect("column value");
                (name.clone(), json_value(value))
            })
            .collect();
        Some(Value::Object(object))
    }

    /// Takes SQLite's write lock from another connection (`BEGIN EXCLUSIVE`), as a busy Codex would.
    pub fn lock_state_db(&self) -> StateDbLock {
        let connection = self.open_state_db();
        connection
            .execute_batch("BEGIN EXCLUSIVE")
            .expect("take the state DB write lock");
        StateDbLock { connection }
    }
}

/// The names of the `threads` columns, in table order.
pub fn thread_columns(connection: &Connection) -> Vec<String> {
    let mut statement = connection
        .prepare("SELECT name FROM pragma_table_info('threads')")
        .expect("prepare table_info");
    statement
        .query_map([], |row| row.get(0))
        .expect("query table_info")
        .collect::<Result<_, _>>()
        .expect("read table_info")
}

/// Drops a `threads` column together with the indexes and triggers that mention it (SQLite
/// refuses otherwise; an older DB without the column had neither).
fn drop_thread_column(connection: &Connection, column: &str) {
    let pattern = format!("%{column}%");
    let dependents: Vec<(String, String)> = connection
        .prepare(
            "SELECT type, name FROM sqlite_master
             WHERE type IN ('index', 'trigger') AND tbl_name = 'threads' AND sql LIKE ?1",
        )
        .and_then(|mut statement| {
            statement
                .query_map([pattern], |row| Ok((row.get(0)?, row.get(1)?)))?
                .collect::<Result<_, _>>()
        })
        .expect("find indexes and triggers using the column");
    for (kind, name) in dependents {
        connection
            .execute_batch(&format!("DROP {kind} {name}"))
            .expect("drop index or trigger");
    }
    connection
        .execute_batch(&format!("ALTER TABLE threads DROP COLUMN {column}"))
        .expect("drop column");
}

fn json_value(value: ValueRef<'_>) -> Value {
    match value {
        ValueRef::Null => Value::Null,
        ValueRef::Integer(integer) => Value::from(integer),
        ValueRef::Real(real) => Value::from(real),
        ValueRef::Text(bytes) => Value::from(String::from_utf8_lossy(bytes).into_owned()),
        ValueRef::Blob(bytes) => Value::from(bytes.to_vec()),
    }
}
