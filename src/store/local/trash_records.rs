//! What our delete removes besides the rollout (the thread's name in `session_index.jsonl`,
//! its state DB rows, its history DB rows), kept in our own state directory (one JSON file per thread and Codex
//! home) so that a restore puts it back. Only a copy: a missing or unreadable record makes a
//! restore fall back to Codex's own re-indexing of the rollout.

use std::io::{self, Write};
use std::path::{Path, PathBuf};

use serde::{Deserialize, Serialize};

use super::state_db::SavedRows;
use crate::protocol::ThreadId;

#[derive(Clone, Debug, Default, PartialEq, Serialize, Deserialize)]
pub(super) struct TrashRecord {
    pub thread_id: Option<ThreadId>,
    /// The newest name in `session_index.jsonl` when deleted; `None` when unnamed.
    pub name: Option<String>,
    #[serde(default)]
    pub rows: SavedRows,
}

fn record_path(dir: &Path, id: ThreadId) -> PathBuf {
    dir.join(format!("{id}.json"))
}

/// The thread's rows of Codex's history DB, copied there by SQLite (see `save_history_rows`).
pub(super) fn history_path(dir: &Path, id: ThreadId) -> PathBuf {
    dir.join(format!("{id}.history.sqlite"))
}

/// A new empty file at `path` (an older one of the same thread replaced), its directory made.
pub(super) fn empty_file(path: &Path) -> io::Result<()> {
    if let Some(dir) = path.parent() {
        std::fs::create_dir_all(dir)?;
    }
    match std::fs::remove_file(path) {
        Err(err) if err.kind() != io::ErrorKind::NotFound => return Err(err),
        _ => {}
    }
    std::fs::File::create_new(path).map(drop)
}

/// Writes the record whole (a synced temporary file renamed into place).
pub(super) fn save(dir: &Path, id: ThreadId, record: &TrashRecord) -> io::Result<()> {
    std::fs::create_dir_all(dir)?;
    let mut temp = tempfile::NamedTempFile::new_in(dir)?;
    serde_json::to_writer(&mut temp, record)?;
    temp.write_all(b"\n")?;
    temp.as_file().sync_all()?;
    temp.persist(record_path(dir, id))
        .map_err(|err| err.error)?;
    Ok(())
}

/// The record for `id`; `None` when there is none or it cannot be read (logged).
pub(super) fn load(dir: &Path, id: ThreadId) -> Option<TrashRecord> {
    let path = record_path(dir, id);
    let text = match std::fs::read_to_string(&path) {
        Ok(text) => text,
        Err(err) if err.kind() == io::ErrorKind::NotFound => return None,
        Err(err) => {
            tracing::warn!(path = %path.display(), %err, "trash record unreadable");
            return None;
        }
    };
    match serde_json::from_str::<TrashRecord>(&text) {
        Ok(record) if record.thread_id.is_none_or(|kept| kept == id) => Some(record),
        Ok(_) => None,
        Err(err) => {
            tracing::warn!(path = %path.display(), %err, "trash record unreadable");
            None
        }
    }
}

pub(super) fn remove(dir: &Path, id: ThreadId) {
    let _ = std::fs::remove_file(record_path(dir, id));
    let _ = std::fs::remove_file(history_path(dir, id));
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn records_round_trip_and_bad_ones_read_as_none() {
        let dir = tempfile::tempdir().unwrap();
        let id = ThreadId::new();
        assert_eq!(load(dir.path(), id), None);
        let mut record = TrashRecord {
            thread_id: Some(id),
            name: Some("Named".into()),
            ..Default::default()
        };
        let mut row = serde_json::Map::new();
        row.insert("id".into(), id.to_string().into());
        record.rows.tables.insert("threads".into(), vec![row]);
        save(dir.path(), id, &record).unwrap();
        assert_eq!(load(dir.path(), id), Some(record));
        std::fs::write(record_path(dir.path(), id), "{not json").unwrap();
        assert_eq!(load(dir.path(), id), None);
        remove(dir.path(), id);
        assert_eq!(load(dir.path(), id), None);
    }
}
