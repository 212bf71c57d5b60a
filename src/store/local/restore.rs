//! Listing the trash and restoring a thread our delete moved there.
//!
//! Codex re-indexes a rollout that reappears on its own (0.147, 0.169 and 0.171 add its
//! `threads` row the next time they list), but from the rollout alone, so a restore also puts
//! back what the delete removed beside it, from the record the delete kept: the state DB rows
//! (which hold a paginated thread's name), the history DB rows (Codex's projection, from
//! which 0.169+ answers `thread/read`) and the name in `session_index.jsonl`.
//!
//! The order makes a kill at any point leave the thread under one name: the rows and the name
//! go back first (a row without its rollout is one Codex ignores, and a second restore finds
//! them there), then the rollout is renamed into place (never replacing a file), then its
//! `.trashinfo` goes (an info without its file is no trash entry), then our record.

use super::LocalStore;
use super::summary::RolloutSummary;
use super::trash_records;
use crate::fault;
use crate::protocol::ThreadId;
use crate::rollout::{
    TrashEntry, append_thread_name, find_newest_thread_name, list_trash, original_taken, put_back,
};
use crate::store::*;

impl LocalStore {
    fn trash_entries(&self) -> StoreResult<Vec<TrashEntry>> {
        let Some(trash_dir) = self.trash_dir.as_deref() else {
            return Ok(Vec::new());
        };
        let (entries, skipped) = list_trash(trash_dir, &self.home)
            .map_err(|err| ThreadStoreError::internal(format!("reading the trash: {err}")))?;
        self.warn_skipped(&skipped);
        Ok(entries)
    }

    pub(super) fn list_trash(&self) -> StoreResult<Vec<TrashedThread>> {
        Ok(self
            .trash_entries()?
            .into_iter()
            .map(|entry| {
                let record = self
                    .trash_records_dir
                    .as_deref()
                    .and_then(|dir| trash_records::load(dir, entry.thread_id));
                // A preview from the head (and tail) of the rollout: never the whole file.
                let summary = RolloutSummary::quick(&entry.file, entry.size).unwrap_or_default();
                TrashedThread {
                    thread_id: entry.thread_id,
                    name: record.and_then(|record| record.name),
                    preview: summary.preview.unwrap_or_default(),
                    original_path: entry.original,
                    trashed_path: entry.file,
                    deleted_at: entry.deleted_at,
                    size: entry.size,
                }
            })
            .collect())
    }

    pub(super) fn restore_thread(
        &self,
        id: ThreadId,
        dry_run: bool,
    ) -> StoreResult<RestoredThread> {
        // The newest deletion of the thread is the one that goes back.
        let entry = self
            .trash_entries()?
            .into_iter()
            .find(|entry| entry.thread_id == id)
            .ok_or_else(|| ThreadStoreError::InvalidRequest {
                message: format!("thread {id} is not in the trash"),
            })?;
        if let Some(message) = original_taken(&entry) {
            return Err(ThreadStoreError::Conflict { message });
        }
        if let Some(file) = self.home.find_rollout(id, true)? {
            return Err(ThreadStoreError::Conflict {
                message: format!(
                    "thread {id} is in the home already ({}); nothing was restored",
                    file.path.display()
                ),
            });
        }
        let record = self
            .trash_records_dir
            .as_deref()
            .and_then(|dir| trash_records::load(dir, id))
            .unwrap_or_default();
        let name = record
            .name
            .as_deref()
            .filter(|name| !name.trim().is_empty());
        let mut restored = RestoredThread {
            thread_id: id,
            path: entry.original.clone(),
            rows_restored: self.state_db.is_some() && !record.rows.is_empty(),
            name_restored: name.is_some(),
        };
        if dry_run {
            return Ok(restored);
        }

        if let Some(db) = &self.state_db
            && !record.rows.is_empty()
        {
            restored.rows_restored = db.put_rows_back(id, &record.rows).map_err(|err| {
                ThreadStoreError::internal(format!("{err}; nothing was restored"))
            })?;
            if let Some(dir) = self.trash_records_dir.as_deref() {
                // Without its projection, 0.169+ reads the thread as turnless until resumed.
                db.put_history_rows_back(id, &trash_records::history_path(dir, id))
                    .map_err(|err| {
                        ThreadStoreError::internal(format!(
                            "{err}; the state DB rows went back, the rollout did not"
                        ))
                    })?;
            }
        }
        if let Some(name) = name {
            // Appended as Codex's rename does, unless the index names it so already (a
            // restore cut short after this step).
            let current = find_newest_thread_name(&self.home, id).ok().flatten();
            if current.as_deref() != Some(name) {
                append_thread_name(&self.home, id, name).map_err(|err| {
                    ThreadStoreError::internal(format!(
                        "session_index.jsonl: {err}; nothing was restored"
                    ))
                })?;
            }
        }
        fault::point("restore.before_move");
        put_back(&entry).map_err(|err| {
            ThreadStoreError::internal(format!("putting the rollout back: {err}"))
        })?;
        if let Some(dir) = self.trash_records_dir.as_deref() {
            trash_records::remove(dir, id);
        }
        self.forget(id);
        Ok(restored)
    }
}
