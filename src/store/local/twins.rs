//! A thread whose rollout sits in both `sessions/` and `archived_sessions/`: an archive or
//! unarchive cut short (one file under two names, left by a link-then-unlink move), or two
//! copies. It is settled before the thread is listed, searched or edited, so a thread is never
//! listed twice and a command never trips over its own earlier half-move.
//!
//! Rules: a half-move is finished in the direction the state DB has not recorded yet (the DB is
//! written after the move); with no DB row the thread ends archived (nothing is lost, and
//! `unarchive` brings it back). Two copies: the more recently written one is the thread (as
//! within one tree), the other is reported as skipped and left alone.

use std::fs;
use std::os::unix::fs::MetadataExt;
use std::path::{Path, PathBuf};
use std::sync::Arc;
use std::time::{Duration, SystemTime};

use chrono::{DateTime, Utc};

use super::LocalStore;
use crate::protocol::time::now_millis;
use crate::rollout::{Discovery, RolloutFile, SkippedEntry, same_file};

/// The settled discovery of `sessions/`, kept while neither it nor the archive changed: an
/// idle TUI polls a large home every few seconds and then settles nothing again.
pub(super) struct SettledActive {
    tree_generation: u64,
    archive: ArchiveStamp,
    discovery: Arc<Discovery>,
}

/// What tells that `archived_sessions/` (a flat directory) gained or lost a name: its
/// modification time and identity, or that it is not there.
#[derive(Clone, Copy, PartialEq, Eq)]
enum ArchiveStamp {
    Missing,
    Present { modified: SystemTime, inode: u64 },
}

/// A directory modified this recently may change again within the same clock tick, unseen by
/// its time stamp: a listing made then is not kept.
const ARCHIVE_STAMP_SETTLE: Duration = Duration::from_secs(2);

impl ArchiveStamp {
    /// `None` when the stamp cannot be trusted: the archive was modified too recently, or
    /// cannot be looked at.
    fn of(dir: &Path) -> Option<ArchiveStamp> {
        let meta = match fs::metadata(dir) {
            Ok(meta) => meta,
            Err(err) if err.kind() == std::io::ErrorKind::NotFound => {
                return Some(ArchiveStamp::Missing);
            }
            Err(_) => return None,
        };
        let modified = meta.modified().ok()?;
        let settled = SystemTime::now()
            .duration_since(modified)
            .is_ok_and(|age| age >= ARCHIVE_STAMP_SETTLE);
        settled.then(|| ArchiveStamp::Present {
            modified,
            inode: meta.ino(),
        })
    }
}

impl LocalStore {
    /// `discover` of one tree, with twins in the other tree settled and our stale temporary
    /// files removed. The same `Arc` comes back while nothing changed in `sessions/` or the
    /// archive (a temporary file whose process died since is then removed at the next change).
    pub(super) fn discover_settled(&self, archived: bool) -> Arc<Discovery> {
        let (found, generation) = {
            let mut tree = self.trees[usize::from(archived)]
                .lock()
                .unwrap_or_else(|poisoned| poisoned.into_inner());
            (tree.discover(), tree.generation())
        };
        if archived {
            return self.settle_twins(&found, archived);
        }
        let archive = ArchiveStamp::of(&self.home.archived_dir());
        let mut kept = self
            .settled_active
            .lock()
            .unwrap_or_else(|poisoned| poisoned.into_inner());
        if let Some(kept) = kept.as_ref()
            && kept.tree_generation == generation
            && Some(kept.archive) == archive
        {
            return kept.discovery.clone();
        }
        let discovery = self.settle_twins(&found, archived);
        *kept = archive.map(|archive| SettledActive {
            tree_generation: generation,
            archive,
            discovery: discovery.clone(),
        });
        discovery
    }

    /// `found` with its twins settled. Without stale temporary files or possible twins (the
    /// usual case) that is `found` itself, shared rather than copied.
    /// The settled discovery of `sessions/` that the last listing kept, if it kept one.
    pub(super) fn kept_active_discovery(&self) -> Option<Arc<Discovery>> {
        let kept = self
            .settled_active
            .lock()
            .unwrap_or_else(|poisoned| poisoned.into_inner());
        kept.as_ref().map(|kept| kept.discovery.clone())
    }

    fn settle_twins(&self, found: &Arc<Discovery>, archived: bool) -> Arc<Discovery> {
        remove_stale_temps(&found.stale_temps);
        // An active rollout is checked against one read of the archive directory; an archived
        // one (the archive is usually the smaller tree) by a `stat` of where it would be.
        let archived_ids = (!archived).then(|| self.home.archived_thread_ids());
        let may_have_twin = |file: &RolloutFile| {
            archived_ids
                .as_ref()
                .is_none_or(|ids| ids.contains(&file.thread_id))
        };
        if found.stale_temps.is_empty() && !found.files.iter().any(may_have_twin) {
            return found.clone();
        }
        let mut settled = Discovery {
            files: Vec::with_capacity(found.files.len()),
            skipped: found.skipped.clone(),
            stale_temps: Vec::new(),
        };
        for file in &found.files {
            if !may_have_twin(file) {
                settled.files.push(file.clone());
                continue;
            }
            let (kept, skipped) = self.settle_twin(file.clone());
            settled.skipped.extend(skipped);
            if kept.archived == archived {
                settled.files.push(kept);
            }
        }
        Arc::new(settled)
    }

    /// The file that is the thread once a twin in the other tree (if any) is settled, and the
    /// copy passed over, if there was one.
    pub(super) fn settle_twin(&self, file: RolloutFile) -> (RolloutFile, Option<SkippedEntry>) {
        let twin = self
            .home
            .twin_path(&file)
            .and_then(|plain| self.home.rollout_at(&plain).ok().flatten());
        let Some(twin) = twin else {
            return (file, None);
        };
        if same_file(&file.path, &twin.path).unwrap_or(false) {
            return (self.finish_move(file, twin), None);
        }
        let newer = |a: &RolloutFile, b: &RolloutFile| (a.modified, a.size) > (b.modified, b.size);
        let (kept, other) = if newer(&twin, &file) {
            (twin, file)
        } else {
            (file, twin)
        };
        let skipped = SkippedEntry::new(
            &other.path,
            format!(
                "another rollout of thread {} is newer and is the one listed: {}",
                other.thread_id,
                kept.path.display()
            ),
        );
        (kept, Some(skipped))
    }

    /// Removes the name the interrupted move was leaving and records the move in the DB.
    fn finish_move(&self, file: RolloutFile, twin: RolloutFile) -> RolloutFile {
        let id = file.thread_id;
        let was_archived = self.state_row(id).map(|row| row.archived);
        let finish_archived = was_archived != Some(true);
        let (kept, left) = if file.archived == finish_archived {
            (file, twin)
        } else {
            (twin, file)
        };
        if let Err(err) = fs::remove_file(&left.path) {
            tracing::warn!(%err, path = %left.path.display(), "could not finish an interrupted move");
            return kept;
        }
        tracing::info!(thread = %id, kept = %kept.path.display(), "finished an interrupted move");
        self.forget(id);
        if let Some(db) = &self.state_db {
            let modified: DateTime<Utc> = kept.modified.into();
            let recorded = if kept.archived {
                db.mark_archived(id, &kept.path, now_millis(), modified)
            } else {
                db.mark_unarchived(id, &kept.path, SystemTime::now().into())
            };
            if let Err(err) = recorded {
                tracing::warn!(%err, thread = %id, "state DB not updated after finishing a move");
            }
        }
        kept
    }
}

fn remove_stale_temps(paths: &[PathBuf]) {
    for path in paths {
        match fs::remove_file(path) {
            Ok(()) => tracing::info!(path = %path.display(), "removed a stale temporary file"),
            Err(err) => tracing::warn!(%err, path = %path.display(), "stale temporary file kept"),
        }
    }
}

#[cfg(test)]
mod tests {
    use std::sync::Arc;

    use super::super::{LocalStoreOptions, LocalThreadStore};
    use crate::protocol::ThreadId;
    use crate::rollout::CodexHome;

    fn rollout(home: &CodexHome, second: u32) -> std::path::PathBuf {
        let when = chrono::NaiveDate::from_ymd_opt(2026, 12, 1)
            .unwrap()
            .and_hms_opt(10, 0, second)
            .unwrap();
        let path = home.new_rollout_path(ThreadId::new(), when);
        std::fs::create_dir_all(path.parent().unwrap()).unwrap();
        std::fs::write(&path, "{}\n").unwrap();
        path
    }

    /// An idle poll gets the discovery it had (the same `Arc`); a new rollout gives a new one,
    /// and a fresh archive is looked at again on every listing until its time stamp settles.
    #[test]
    fn the_settled_discovery_is_kept_until_something_changes() {
        let dir = tempfile::tempdir().unwrap();
        let home = CodexHome::new(dir.path());
        let first_rollout = rollout(&home, 1);
        let store = LocalThreadStore::open(dir.path(), LocalStoreOptions::default());
        let store = &store.inner;
        let first = store.discover_settled(false);
        let again = store.discover_settled(false);
        assert!(Arc::ptr_eq(&first, &again), "nothing changed");
        assert_eq!(again.files.len(), 1);

        rollout(&home, 2);
        let grown = store.discover_settled(false);
        assert_eq!(grown.files.len(), 2, "a new rollout is listed at once");
        assert!(Arc::ptr_eq(&grown, &store.discover_settled(false)));

        // A new archive directory is too fresh to trust its time stamp: a newer copy archived
        // right after it appeared (within one clock tick) is still seen, and wins.
        std::fs::create_dir(home.archived_dir()).unwrap();
        assert_eq!(store.discover_settled(false).files.len(), 2);
        let archived_copy = home.archived_dir().join(first_rollout.file_name().unwrap());
        std::fs::write(&archived_copy, "{}\n{}\n").unwrap();
        let settled = store.discover_settled(false);
        assert_eq!(
            settled.files.len(),
            1,
            "the archived copy is the thread now"
        );
        assert_ne!(settled.files[0].path, first_rollout);
    }
}
