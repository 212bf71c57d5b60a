//! A thread's rows in Codex's state DB, kept by our delete so that a restore puts back exactly
//! what the delete removed. Codex re-indexes a rollout that reappears (0.147, 0.169 and 0.171
//! add a `threads` row when they next list), but from the rollout alone: a name set with
//! `thread/name/set` lives only in the row (paginated threads) and `session_index.jsonl`, so
//! without the saved row a restored thread comes back unnamed.

use std::collections::BTreeMap;

use rusqlite::types::Value as SqlValue;
use rusqlite::{Connection, OptionalExtension, params_from_iter};
use serde::{Deserialize, Serialize};
use serde_json::{Map, Value};

use super::{STATE_THREAD_TABLES, StateDb, StateDbError, table_columns};
use crate::protocol::ThreadId;

/// Rows per table (`threads` and the tables keyed by `thread_id`), each a column -> value map.
#[derive(Clone, Debug, Default, PartialEq, Serialize, Deserialize)]
pub struct SavedRows {
    pub tables: BTreeMap<String, Vec<Map<String, Value>>>,
}

impl SavedRows {
    pub fn is_empty(&self) -> bool {
        self.tables.values().all(Vec::is_empty)
    }
}

/// Foreign references of a `threads` row that may be gone by the time it comes back: the
/// referenced table, and the columns that go with the reference.
const REFERENCES: &[(&str, &str, &[&str])] = &[
    (
        "thread_section_id",
        "thread_sections",
        &[
            "thread_section_id",
            "section_position",
            "section_entered_at_ms",
        ],
    ),
    ("project_id", "projects", &["project_id"]),
];

impl StateDb {
    /// The thread's rows, to be kept before a delete removes them.
    pub fn saved_rows(&self, id: ThreadId) -> Result<SavedRows, StateDbError> {
        let connection = self.connection();
        let mut saved = SavedRows::default();
        let keyed = std::iter::once(("threads", "id")).chain(
            STATE_THREAD_TABLES
                .iter()
                .map(|table| (*table, "thread_id")),
        );
        for (table, key) in keyed {
            let columns = table_columns(&connection, table).map_err(|e| self.error(e))?;
            if !columns.contains(key) {
                continue;
            }
            let rows = select_rows(&connection, table, key, id).map_err(|e| self.error(e))?;
            if !rows.is_empty() {
                saved.tables.insert(table.to_string(), rows);
            }
        }
        Ok(saved)
    }

    /// Puts saved rows back, in one `BEGIN IMMEDIATE` transaction, unless the thread has a
    /// `threads` row already (Codex re-indexed it: its row wins). Only the columns this DB still
    /// has are written; a section or project deleted meanwhile is left out of the row. Returns
    /// whether the rows went back.
    pub fn put_rows_back(&self, id: ThreadId, saved: &SavedRows) -> Result<bool, StateDbError> {
        let mut connection = self.connection();
        let transaction = connection
            .transaction_with_behavior(rusqlite::TransactionBehavior::Immediate)
            .map_err(|e| self.error(e))?;
        let present: Option<i64> = transaction
            .query_row(
                "SELECT 1 FROM threads WHERE id = ?1",
                [id.to_string()],
                |r| r.get(0),
            )
            .optional()
            .map_err(|e| self.error(e))?;
        if present.is_some() || saved.tables.get("threads").is_none_or(Vec::is_empty) {
            return Ok(false);
        }
        // `threads` first: the other tables refer to it.
        let order = std::iter::once("threads").chain(STATE_THREAD_TABLES.iter().copied());
        for table in order {
            let Some(rows) = saved.tables.get(table) else {
                continue;
            };
            let columns = table_columns(&transaction, table).map_err(|e| self.error(e))?;
            for row in rows {
                let mut row = row.clone();
                if table == "threads" {
                    drop_missing_references(&transaction, &mut row).map_err(|e| self.error(e))?;
                }
                insert_row(&transaction, table, &columns, &row).map_err(|e| self.error(e))?;
            }
        }
        transaction.commit().map_err(|e| self.error(e))?;
        Ok(true)
    }
}

fn select_rows(
    connection: &Connection,
    table: &str,
    key: &str,
    id: ThreadId,
) -> rusqlite::Result<Vec<Map<String, Value>>> {
    let mut statement =
        connection.prepare(&format!("SELECT * FROM \"{table}\" WHERE \"{key}\" = ?1"))?;
    let names: Vec<String> = statement.column_names().map(str::to_owned).collect();
    let mut rows = statement.query([id.to_string()])?;
    let mut saved = Vec::new();
    while let Some(row) = rows.next()? {
        let mut map = Map::new();
        for (index, name) in names.iter().enumerate() {
            map.insert(name.clone(), to_json(row.get(index)?));
        }
        saved.push(map);
    }
    Ok(saved)
}

fn insert_row(
    connection: &Connection,
    table: &str,
    columns: &std::collections::HashSet<String>,
    row: &Map<String, Value>,
) -> rusqlite::Result<()> {
    let kept: Vec<(&String, &Value)> = row
        .iter()
        .filter(|(name, _)| columns.contains(*name))
        .collect();
    if kept.is_empty() {
        return Ok(());
    }
    let names: Vec<String> = kept.iter().map(|(name, _)| format!("\"{name}\"")).collect();
    let marks: Vec<String> = (1..=kept.len()).map(|n| format!("?{n}")).collect();
    connection.execute(
        &format!(
            "INSERT OR IGNORE INTO \"{table}\" ({}) VALUES ({})",
            names.join(", "),
            marks.join(", ")
        ),
        params_from_iter(kept.iter().map(|(_, value)| to_sql(value))),
    )?;
    Ok(())
}

fn drop_missing_references(
    connection: &Connection,
    row: &mut Map<String, Value>,
) -> rusqlite::Result<()> {
    for (column, table, goes_with) in REFERENCES {
        let Some(Value::String(target)) = row.get(*column) else {
            continue;
        };
        let exists = table_columns(connection, table)?.contains("id")
            && connection
                .query_row(
                    &format!("SELECT 1 FROM \"{table}\" WHERE id = ?1"),
                    [target],
                    |r| r.get::<_, i64>(0),
                )
                .optional()?
                .is_some();
        if !exists {
            for name in *goes_with {
                row.insert((*name).to_string(), Value::Null);
            }
        }
    }
    Ok(())
}

/// SQLite values as JSON: a blob as `{"blob": [bytes]}`, so it comes back a blob.
fn to_json(value: SqlValue) -> Value {
    match value {
        SqlValue::Null => Value::Null,
        SqlValue::Integer(n) => Value::from(n),
        SqlValue::Real(x) => serde_json::Number::from_f64(x).map_or(Value::Null, Value::Number),
        SqlValue::Text(text) => Value::String(text),
        SqlValue::Blob(bytes) => serde_json::json!({ "blob": bytes }),
    }
}

fn to_sql(value: &Value) -> SqlValue {
    match value {
        Value::Null => SqlValue::Null,
        Value::Bool(b) => SqlValue::Integer(i64::from(*b)),
        Value::Number(n) => n
            .as_i64()
            .map(SqlValue::Integer)
            .or_else(|| n.as_f64().map(SqlValue::Real))
            .unwrap_or(SqlValue::Null),
        Value::String(text) => SqlValue::Text(text.clone()),
        Value::Object(object) => match object.get("blob") {
            Some(Value::Array(bytes)) => SqlValue::Blob(
                bytes
                    .iter()
                    .filter_map(|b| b.as_u64().and_then(|b| u8::try_from(b).ok()))
                    .collect(),
            ),
            _ => SqlValue::Text(value.to_string()),
        },
        Value::Array(_) => SqlValue::Text(value.to_string()),
    }
}

/// Codex's history DB keeps a paginated thread's projection (`thread_items`, `thread_turns`,
/// …), from which 0.169 and 0.171 answer `thread/read`; a restored thread without it reads as
/// having no turns until it is resumed. Its rows can be as large as the thread, so they are
/// copied by SQLite itself into a file of their own (never held in memory).
impl StateDb {
    fn history_db(&self) -> Option<Result<Connection, StateDbError>> {
        let path = self
            .path
            .parent()
            .map(|dir| dir.join(super::HISTORY_DB_FILE))
            .filter(|path| path.is_file())?;
        let sqlite = |source| StateDbError::Sqlite {
            path: path.clone(),
            source,
        };
        let flags = rusqlite::OpenFlags::SQLITE_OPEN_READ_WRITE
            | rusqlite::OpenFlags::SQLITE_OPEN_NO_MUTEX
            | rusqlite::OpenFlags::SQLITE_OPEN_URI;
        Some(
            Connection::open_with_flags(&path, flags)
                .and_then(|connection| {
                    connection.busy_timeout(self.busy_timeout)?;
                    Ok(connection)
                })
                .map_err(sqlite),
        )
    }

    /// Copies the thread's history DB rows into `to`, an empty file the caller made (the
    /// history DB is opened without the right to create files, and so is what it attaches;
    /// an empty file is an empty database). Without a history DB, nothing is copied.
    pub fn save_history_rows(
        &self,
        id: ThreadId,
        to: &std::path::Path,
    ) -> Result<(), StateDbError> {
        let Some(connection) = self.history_db() else {
            return Ok(());
        };
        let connection = connection?;
        let sqlite = |source| StateDbError::Sqlite {
            path: to.to_path_buf(),
            source,
        };
        connection
            .execute("ATTACH DATABASE ?1 AS saved", [to.to_string_lossy()])
            .map_err(sqlite)?;
        let copied = (|| {
            for table in super::HISTORY_THREAD_TABLES {
                if schema_columns(&connection, "main", table)?.contains("thread_id") {
                    connection.execute(
                        &format!(
                            "CREATE TABLE saved.\"{table}\" AS \
                             SELECT * FROM main.\"{table}\" WHERE thread_id = ?1"
                        ),
                        [id.to_string()],
                    )?;
                }
            }
            Ok(())
        })();
        let detached = connection.execute("DETACH DATABASE saved", []);
        copied.and(detached.map(|_| ())).map_err(sqlite)
    }

    /// Puts rows saved by `save_history_rows` back, in one `BEGIN IMMEDIATE` transaction, for
    /// the tables where the thread has none (Codex projected it again meanwhile: its rows win).
    pub fn put_history_rows_back(
        &self,
        id: ThreadId,
        from: &std::path::Path,
    ) -> Result<(), StateDbError> {
        if !from.is_file() {
            return Ok(());
        }
        let Some(connection) = self.history_db() else {
            return Ok(());
        };
        let mut connection = connection?;
        let sqlite = |source| StateDbError::Sqlite {
            path: from.to_path_buf(),
            source,
        };
        connection
            .execute("ATTACH DATABASE ?1 AS saved", [from.to_string_lossy()])
            .map_err(sqlite)?;
        let copied = (|| {
            let transaction =
                connection.transaction_with_behavior(rusqlite::TransactionBehavior::Immediate)?;
            for table in super::HISTORY_THREAD_TABLES {
                let ours = schema_columns(&transaction, "main", table)?;
                let saved = schema_columns(&transaction, "saved", table)?;
                let mut columns: Vec<&String> = saved.intersection(&ours).collect();
                columns.sort();
                if columns.is_empty() || !ours.contains("thread_id") {
                    continue;
                }
                let present: Option<i64> = transaction
                    .query_row(
                        &format!("SELECT 1 FROM main.\"{table}\" WHERE thread_id = ?1 LIMIT 1"),
                        [id.to_string()],
                        |row| row.get(0),
                    )
                    .optional()?;
                if present.is_some() {
                    continue;
                }
                let names: Vec<String> = columns.iter().map(|c| format!("\"{c}\"")).collect();
                let names = names.join(", ");
                transaction.execute(
                    &format!(
                        "INSERT OR IGNORE INTO main.\"{table}\" ({names}) \
                         SELECT {names} FROM saved.\"{table}\""
                    ),
                    [],
                )?;
            }
            transaction.commit()
        })();
        let detached = connection.execute("DETACH DATABASE saved", []);
        copied.and(detached.map(|_| ())).map_err(sqlite)
    }
}

/// The columns of `schema.table` (empty when there is no such table).
fn schema_columns(
    connection: &Connection,
    schema: &str,
    table: &str,
) -> rusqlite::Result<std::collections::HashSet<String>> {
    let mut statement = connection.prepare(&format!("PRAGMA {schema}.table_info(\"{table}\")"))?;
    let names = statement.query_map([], |row| row.get::<_, String>(1))?;
    names.collect()
}
