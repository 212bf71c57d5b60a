//! Compressing a closed thread's rollout to `.jsonl.zst` (see `rollout::compress_rollout`),
//! never one that a Codex process, or this one, has open.
//!
//! The state DB is left as Codex's own compression worker leaves it: the worker renames files
//! and never touches `rollout_path`, and every Codex reader resolves a recorded plain path to
//! the `.zst` beside it (the conformance suite checks 0.169 and 0.171 list, read and resume
//! such a thread).

use std::path::{Path, PathBuf};
use std::time::{Duration, SystemTime};

use super::{LocalStore, LocalThreadStore};
use crate::protocol::ThreadId;
use crate::rollout::{CompressError, Compressed, WriterLocks, compress_rollout};
use crate::store::{StoreResult, ThreadStoreError};

/// Where Codex's open files cannot be seen (not Linux), a rollout written this recently may
/// still be written.
const QUIET_BEFORE_COMPRESS: Duration = Duration::from_secs(120);

impl LocalThreadStore {
    /// Rewrites the thread's plain rollout as `.jsonl.zst` and removes the plain file. Refused
    /// (nothing changed) when the thread is open in Codex or in this process, or already
    /// compressed.
    pub async fn compress_thread(&self, id: ThreadId) -> StoreResult<Compressed> {
        let inner = self.inner.clone();
        tokio::task::spawn_blocking(move || inner.compress_thread(id))
            .await
            .map_err(|err| ThreadStoreError::internal(format!("store task failed: {err}")))?
    }
}

impl LocalStore {
    fn compress_thread(&self, id: ThreadId) -> StoreResult<Compressed> {
        let file = self.locate_file(id, true)?;
        if file.compressed {
            return Err(ThreadStoreError::invalid(format!(
                "thread {id} is already compressed"
            )));
        }
        let plain = file.path.clone();
        let still_closed = || self.why_open(id, &plain).map_or(Ok(()), Err);
        still_closed().map_err(|message| ThreadStoreError::Conflict { message })?;
        let compressed = compress_rollout(&plain, &still_closed).map_err(|err| match err {
            CompressError::Io(err) => ThreadStoreError::internal(format!(
                "compressing {}: {err}; the plain rollout is kept",
                plain.display()
            )),
            CompressError::Refused(message) => ThreadStoreError::Conflict { message },
            other => ThreadStoreError::Conflict {
                message: other.to_string(),
            },
        })?;
        self.forget(id);
        Ok(compressed)
    }

    /// Why the thread cannot be rewritten now, if it cannot: this process writes it, a Codex
    /// process holds its writer lock, or (Codex before 0.147, which takes none) holds the
    /// rollout open.
    fn why_open(&self, id: ThreadId, plain: &Path) -> Option<String> {
        if self.writers().contains_key(&id) {
            return Some(format!("thread {id} is live in this process"));
        }
        if let Some(holder) = WriterLocks::snapshot(self.home.root()).holder(id) {
            return Some(format!(
                "thread {id} is {}; compress it {}",
                holder.describe(),
                holder.retry_hint()
            ));
        }
        match crate::rollout::files_open_in_codex() {
            Some(open) if open.contains(&PathBuf::from(plain)) => {
                Some(format!("thread {id} is open in a Codex process"))
            }
            Some(_) => None,
            None => {
                let modified = std::fs::metadata(plain)
                    .and_then(|meta| meta.modified())
                    .ok()?;
                let age = SystemTime::now()
                    .duration_since(modified)
                    .unwrap_or_default();
                (age < QUIET_BEFORE_COMPRESS)
                    .then(|| format!("thread {id} was written in the last two minutes"))
            }
        }
    }
}
