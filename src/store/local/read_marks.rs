//! Our own read state, for homes whose state DB keeps none (Codex before 0.169, or no DB at
//! all). Codex's rule carried over: a thread becomes unread when a turn of it ends, and stays
//! so until it is marked read. One small SQLite file per Codex home in our state directory;
//! Codex's files are never touched.
//!
//! A thread counts as unread when a turn of it ended after the later of two times: when it was
//! last marked read, and when we first met the home (so a first start does not turn a whole
//! history unread). Marked unread, it stays unread until marked read.

use std::collections::HashMap;
use std::path::{Path, PathBuf};
use std::sync::Mutex;

use chrono::{DateTime, Utc};
use rusqlite::{Connection, OptionalExtension, params};

use crate::protocol::ThreadId;
use crate::protocol::time::{from_millis, now_millis};

#[derive(Clone, Copy, Debug, PartialEq, Eq)]
enum Mark {
    ReadAt(DateTime<Utc>),
    Unread,
}

pub(super) struct ReadMarks {
    /// `None`: kept in memory only (a store opened without a state directory).
    path: Option<PathBuf>,
    connection: Mutex<Connection>,
    /// When the marks of this home were first kept: turns that ended before count as read.
    since: DateTime<Utc>,
}

impl ReadMarks {
    /// Opens (or starts) the marks of a home at `path`, or in memory for this process only.
    pub fn open(path: Option<&Path>) -> rusqlite::Result<Self> {
        let connection = match path {
            Some(path) => {
                if let Some(dir) = path.parent() {
                    let _ = std::fs::create_dir_all(dir);
                }
                Connection::open(path)?
            }
            None => Connection::open_in_memory()?,
        };
        connection.busy_timeout(std::time::Duration::from_secs(2))?;
        connection.execute_batch(
            "CREATE TABLE IF NOT EXISTS home (since_ms INTEGER NOT NULL);
             CREATE TABLE IF NOT EXISTS marks (
                 thread_id TEXT PRIMARY KEY,
                 read_at_ms INTEGER,
                 unread INTEGER NOT NULL DEFAULT 0
             );",
        )?;
        let since: Option<i64> = connection
            .query_row("SELECT since_ms FROM home", [], |row| row.get(0))
            .optional()?;
        let since = match since {
            Some(ms) => from_millis(ms),
            None => {
                let now = now_millis();
                connection.execute(
                    "INSERT INTO home (since_ms) VALUES (?1)",
                    [now.timestamp_millis()],
                )?;
                now
            }
        };
        Ok(ReadMarks {
            path: path.map(Path::to_path_buf),
            connection: Mutex::new(connection),
            since,
        })
    }

    fn connection(&self) -> std::sync::MutexGuard<'_, Connection> {
        self.connection
            .lock()
            .unwrap_or_else(|poisoned| poisoned.into_inner())
    }

    /// Every mark, read once per listing.
    pub fn snapshot(&self) -> ReadMarksSnapshot {
        let connection = self.connection();
        let marks = connection
            .prepare_cached("SELECT thread_id, read_at_ms, unread FROM marks")
            .and_then(|mut statement| {
                statement
                    .query_map([], |row| {
                        let id: String = row.get(0)?;
                        let read_at: Option<i64> = row.get(1)?;
                        let unread: bool = row.get(2)?;
                        Ok((id, read_at, unread))
                    })?
                    .collect::<rusqlite::Result<Vec<_>>>()
            })
            .unwrap_or_else(|err| {
                tracing::warn!(%err, path = ?self.path, "reading read marks failed");
                Vec::new()
            });
        let marks = marks
            .into_iter()
            .filter_map(|(id, read_at, unread)| {
                let id = id.parse().ok()?;
                let mark = match (unread, read_at) {
                    (true, _) => Mark::Unread,
                    (false, Some(ms)) => Mark::ReadAt(from_millis(ms)),
                    (false, None) => return None,
                };
                Some((id, mark))
            })
            .collect();
        ReadMarksSnapshot {
            since: self.since,
            marks,
        }
    }

    pub fn set(&self, id: ThreadId, read: bool) -> rusqlite::Result<()> {
        let connection = self.connection();
        connection.execute(
            "INSERT INTO marks (thread_id, read_at_ms, unread) VALUES (?1, ?2, ?3)
             ON CONFLICT(thread_id) DO UPDATE SET
                 read_at_ms = COALESCE(excluded.read_at_ms, marks.read_at_ms),
                 unread = excluded.unread",
            params![
                id.to_string(),
                read.then(|| now_millis().timestamp_millis()),
                !read
            ],
        )?;
        Ok(())
    }
}

/// The marks as one listing reads them.
#[derive(Clone, Debug, Default)]
pub(super) struct ReadMarksSnapshot {
    since: DateTime<Utc>,
    marks: HashMap<ThreadId, Mark>,
}

impl ReadMarksSnapshot {
    /// Whether a thread whose last turn ended at `turn_ended_at` is unread.
    pub fn is_unread(&self, id: ThreadId, turn_ended_at: Option<DateTime<Utc>>) -> bool {
        match self.marks.get(&id) {
            Some(Mark::Unread) => true,
            Some(Mark::ReadAt(read_at)) => turn_ended_at.is_some_and(|ended| ended > *read_at),
            None => turn_ended_at.is_some_and(|ended| ended > self.since),
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_turn_that_ends_after_the_last_read_is_unread_until_marked_read() {
        let dir = tempfile::TempDir::new().unwrap();
        let path = dir.path().join("marks.sqlite");
        let marks = ReadMarks::open(Some(&path)).unwrap();
        let id: ThreadId = "019e2a4c-7b1d-7c42-9a3e-5d1f0c2b8e77".parse().unwrap();
        let before = marks.since - chrono::Duration::hours(1);
        let after = marks.since + chrono::Duration::seconds(5);

        let snapshot = marks.snapshot();
        assert!(
            !snapshot.is_unread(id, Some(before)),
            "older turns are read"
        );
        assert!(snapshot.is_unread(id, Some(after)));
        assert!(
            !snapshot.is_unread(id, None),
            "no turn ended: nothing to read"
        );

        let read_at = now_millis();
        marks.set(id, true).unwrap();
        let snapshot = marks.snapshot();
        assert!(!snapshot.is_unread(id, Some(read_at - chrono::Duration::seconds(1))));
        assert!(
            snapshot.is_unread(id, Some(after)),
            "a turn that ends later is new"
        );
        marks.set(id, false).unwrap();
        assert!(marks.snapshot().is_unread(id, Some(before)));

        // The marks and the home's first time survive a reopen.
        let since = marks.since;
        drop(marks);
        let reopened = ReadMarks::open(Some(&path)).unwrap();
        assert_eq!(reopened.since, since);
        assert!(reopened.snapshot().is_unread(id, None));
        reopened.set(id, true).unwrap();
        let later = now_millis() + chrono::Duration::seconds(60);
        assert!(reopened.snapshot().is_unread(id, Some(later)));
    }
}
