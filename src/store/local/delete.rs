//! Deleting a thread as Codex's own delete does (its rollout, its `session_index.jsonl`
//! entries, its rows in the state DB and the history DB), except that the rollout goes to the
//! freedesktop trash, so a mistake can be undone by putting the file back.
//!
//! The order is chosen for what Codex does with a delete cut short (observed in 0.147 and
//! 0.169): the rollout goes first, and once it is gone Codex no longer lists or resumes the
//! thread, whether or not its row is still there (0.169 drops such a row when it lists; both
//! keep working with the other threads). A row without a rollout is harmless; a rollout without
//! a row is a thread Codex lists again. So a failure after the move leaves a deleted thread
//! with leftovers Codex ignores, and a failure before it leaves everything as it was.

use chrono::Local;

use super::LocalStore;
use super::trash_records::{self, TrashRecord};
use crate::protocol::ThreadId;
use crate::rollout::{
    WriterLocks, find_newest_thread_name, move_to_trash, remove_thread_names, zst_sibling,
};
use crate::store::*;

/// A thread has one rollout, but a home can hold stray copies (an active and an archived one);
/// each is trashed, up to this many, so that nothing lists the thread again.
const MAX_ROLLOUTS: usize = 8;

impl LocalStore {
    pub(super) fn delete_thread(&self, id: ThreadId) -> StoreResult<DeletedThread> {
        if self.writers().contains_key(&id) {
            return Err(ThreadStoreError::Conflict {
                message: format!("thread {id} is live in this process; shut it down first"),
            });
        }
        let file = self.locate_file(id, true)?;
        if let Some(holder) = WriterLocks::snapshot(self.home.root()).holder(id) {
            return Err(ThreadStoreError::Conflict {
                message: format!(
                    "thread {id} is {}; delete it {}",
                    holder.describe(),
                    holder.retry_hint()
                ),
            });
        }
        let trash_dir = self
            .trash_dir
            .as_deref()
            .ok_or_else(|| ThreadStoreError::Unavailable {
                message: "no trash directory (set XDG_DATA_HOME or HOME); nothing was deleted"
                    .to_string(),
            })?;

        self.keep_for_restore(id)?;

        let mut trashed = Vec::new();
        let mut next = Some(file);
        while let Some(file) = next.take() {
            let plain = file.plain_path();
            // Both forms of one rollout (a plain file and a leftover `.zst`) go.
            for path in [zst_sibling(&plain), plain] {
                if std::fs::symlink_metadata(&path).is_err() {
                    continue;
                }
                let moved = move_to_trash(trash_dir, &path, Local::now()).map_err(|err| {
                    let done = if trashed.is_empty() {
                        "nothing was deleted".to_string()
                    } else {
                        format!("{} already moved to the trash", trashed.len())
                    };
                    ThreadStoreError::internal(format!("moving to the trash: {err}; {done}"))
                })?;
                trashed.push(moved.file);
            }
            self.forget(id);
            if trashed.len() < MAX_ROLLOUTS {
                next = self.home.find_rollout(id, true)?;
            }
        }

        // The thread is gone for Codex now; what follows only removes what it would ignore.
        let mut leftovers = Vec::new();
        if let Err(err) = remove_thread_names(&self.home, id) {
            leftovers.push(format!("its names stay in session_index.jsonl: {err}"));
        }
        if let Some(db) = &self.state_db {
            if let Err(err) = db.delete_thread(id) {
                leftovers.push(format!("its state DB row stays: {err}"));
            }
            if let Err(err) = db.delete_history_rows(id) {
                leftovers.push(format!("its history DB rows stay: {err}"));
            }
        }
        if !leftovers.is_empty() {
            return Err(ThreadStoreError::Conflict {
                message: format!(
                    "thread {id} was moved to the trash, but {}",
                    leftovers.join("; ")
                ),
            });
        }
        Ok(DeletedThread {
            thread_id: id,
            trashed,
        })
    }

    /// Keeps what the delete removes besides the rollout (the name, the state DB rows), so
    /// that `restore` puts the thread back as it was. Before anything moves: a record of a
    /// thread that is still there is harmless, a delete that could not keep one does nothing.
    fn keep_for_restore(&self, id: ThreadId) -> StoreResult<()> {
        let Some(dir) = self.trash_records_dir.as_deref() else {
            return Ok(());
        };
        let failed = |what: String| {
            ThreadStoreError::internal(format!(
                "keeping its name and rows for a restore: {what}; nothing was deleted"
            ))
        };
        let name = find_newest_thread_name(&self.home, id)
            .map_err(|err| failed(err.to_string()))?
            .filter(|name| !name.is_empty());
        let rows = match &self.state_db {
            Some(db) => {
                let history = trash_records::history_path(dir, id);
                trash_records::empty_file(&history).map_err(|err| failed(err.to_string()))?;
                db.save_history_rows(id, &history)
                    .map_err(|err| failed(err.to_string()))?;
                db.saved_rows(id).map_err(|err| failed(err.to_string()))?
            }
            None => Default::default(),
        };
        let record = TrashRecord {
            thread_id: Some(id),
            name,
            rows,
        };
        trash_records::save(dir, id, &record).map_err(|err| failed(err.to_string()))
    }
}
