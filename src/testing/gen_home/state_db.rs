//! `state_5.sqlite` for a generated home: the empty DB of the newest recorded Codex release
//! (its schema and migration history, so real Codex opens it) and one `threads` row per rollout,
//! filled as Codex's extractor would (codex-format §1.4, §4.5).

use std::fs::File;
use std::io;
use std::path::{Path, PathBuf};
use std::time::{Duration, SystemTime};

use chrono::{DateTime, Utc};
use rusqlite::types::Value as SqlValue;
use rusqlite::{Connection, params_from_iter};

use super::GeneratedThread;
use crate::testing::codex_state_db::{self, StateDbRelease};

pub const STATE_DB_FILE: &str = "state_5.sqlite";

/// The columns we fill, in the order of `row`; the others keep Codex's defaults (not pinned, no
/// section or project, …).
const COLUMNS: &[&str] = &[
    "id",
    "rollout_path",
    "created_at",
    "updated_at",
    "created_at_ms",
    "updated_at_ms",
    "source",
    "thread_source",
    "originator",
    "model_provider",
    "model",
    "reasoning_effort",
    "cwd",
    "cli_version",
    "title",
    "name",
    "preview",
    "first_user_message",
    "sandbox_policy",
    "approval_mode",
    "tokens_used",
    "has_user_event",
    "archived",
    "archived_at",
    "git_sha",
    "git_branch",
    "git_origin_url",
    "memory_mode",
    "recency_at",
    "recency_at_ms",
    "history_mode",
];

fn sql_error(err: rusqlite::Error) -> io::Error {
    io::Error::other(err)
}

/// Creates the DB (Codex's own, so WAL and incremental auto-vacuum), marks the backfill complete
/// and inserts every thread.
pub fn write(root: &Path, threads: &[GeneratedThread], end: DateTime<Utc>) -> io::Result<PathBuf> {
    let path = root.join(STATE_DB_FILE);
    codex_state_db::create_empty(&path, StateDbRelease::NEWEST)?;
    let mut connection = Connection::open(&path).map_err(sql_error)?;
    let transaction = connection.transaction().map_err(sql_error)?;
    transaction
        .execute(
            "INSERT INTO backfill_state (id, status, last_watermark, last_success_at, updated_at)
             VALUES (1, 'complete', NULL, ?1, ?1)",
            [end.timestamp()],
        )
        .map_err(sql_error)?;
    {
        let sql = format!(
            "INSERT INTO threads ({}) VALUES ({})",
            COLUMNS.join(", "),
            vec!["?"; COLUMNS.len()].join(", ")
        );
        let mut insert = transaction.prepare(&sql).map_err(sql_error)?;
        for thread in threads {
            insert
                .execute(params_from_iter(row(thread)))
                .map_err(sql_error)?;
        }
    }
    transaction.commit().map_err(sql_error)?;
    connection.close().map_err(|(_, err)| sql_error(err))?;
    // A fixed mtime keeps the whole home reproducible.
    File::options().write(true).open(&path)?.set_modified(
        SystemTime::UNIX_EPOCH + Duration::from_secs(end.timestamp().max(0) as u64),
    )?;
    Ok(path)
}

/// The values of `COLUMNS` for one thread, as the Codex that wrote it left them (recorded rows
/// in `testdata/homes/0.169.0/state_5.sqlite`).
fn row(thread: &GeneratedThread) -> Vec<SqlValue> {
    let facts = &thread.facts;
    let text = |value: &str| SqlValue::Text(value.to_string());
    let optional = |value: Option<&str>| value.map_or(SqlValue::Null, text);
    let git = facts.git.clone().unwrap_or_default();
    let created = thread.created_at;
    let updated = thread.updated_at();
    // A rename lands in `name` for a paginated thread and replaces the title (the first user
    // message) of a legacy one.
    let (title, name) = if facts.paginated {
        (facts.first_user_message.as_str(), thread.name.as_deref())
    } else {
        (
            thread.name.as_deref().unwrap_or(&facts.first_user_message),
            None,
        )
    };
    // Codex moves a paginated thread's recency when a turn starts; legacy rows were backfilled
    // from `updated_at` when the column arrived. Only paginated rows know their originator.
    let (recency, originator) = if facts.paginated {
        (facts.last_turn_at, Some(facts.originator.as_str()))
    } else {
        (updated, None)
    };
    vec![
        text(&thread.id.to_string()),
        // Current releases store where the file is, `.jsonl.zst` included.
        text(&thread.path.display().to_string()),
        SqlValue::Integer(created.timestamp()),
        SqlValue::Integer(updated.timestamp()),
        SqlValue::Integer(created.timestamp_millis()),
        SqlValue::Integer(updated.timestamp_millis()),
        text(&facts.source),
        optional(facts.thread_source.as_deref()),
        optional(originator),
        text("openai"),
        text(&facts.model),
        text(&facts.reasoning_effort),
        text(&facts.cwd),
        text(&facts.cli_version),
        text(title),
        optional(name),
        text(&facts.first_user_message),
        text(&facts.first_user_message),
        text(&facts.sandbox_policy),
        text(&facts.approval_mode),
        SqlValue::Integer(facts.tokens_used),
        // Set from `user_message` events, which paginated rollouts do not have.
        SqlValue::Integer((!facts.paginated).into()),
        SqlValue::Integer(thread.archived.into()),
        if thread.archived {
            SqlValue::Integer(updated.timestamp())
        } else {
            SqlValue::Null
        },
        optional(git.commit_hash.as_deref()),
        optional(git.branch.as_deref()),
        optional(git.repository_url.as_deref()),
        text(facts.memory_mode.as_str()),
        SqlValue::Integer(recency.timestamp()),
        SqlValue::Integer(recency.timestamp_millis()),
        text(if facts.paginated {
            "paginated"
        } else {
            "legacy"
        }),
    ]
}
