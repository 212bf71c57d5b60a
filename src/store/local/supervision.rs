//! Status and read state of listed threads: the facts a listing gathers once (writer locks,
//! read marks) and the per-thread step that turns them, with the rollout's last turn and
//! Codex's turn projection, into `StoredThread::status` and `unread`.

use std::cell::OnceCell;
use std::collections::HashSet;
use std::path::PathBuf;

use chrono::{DateTime, Utc};

use super::LocalStore;
use super::activity::current_activity;
use super::read_marks::ReadMarksSnapshot;
use super::state_db::ThreadRow;
use super::summary::RolloutSummary;
use crate::protocol::ThreadId;
use crate::rollout::{RolloutFile, WriterLocks};
use crate::store::status::{
    LastTurn, ProjectedTurn, StatusFacts, StatusReport, ThreadStatus, decide_status,
};
use crate::store::{StoreResult, StoredThread, ThreadStoreError};

/// Where the files Codex holds open cannot be seen (not Linux), a turn under way with no
/// writer lock counts as running while its rollout was written this recently.
const UNSEEN_RUNNING_WINDOW: chrono::Duration = chrono::Duration::minutes(2);

/// What one listing reads once for all its threads.
pub(super) struct ListingFacts {
    writer_locks: WriterLocks,
    /// The files Codex processes hold open, looked up once when a listing first needs them
    /// (a turn under way without a writer lock); the inner `None` where they cannot be seen.
    open_in_codex: OnceCell<Option<HashSet<PathBuf>>>,
    read_marks: Option<ReadMarksSnapshot>,
    /// The threads marked private (`sync` keeps them at home).
    private: HashSet<ThreadId>,
    now: DateTime<Utc>,
}

impl ListingFacts {
    /// Whether a Codex process still writes this rollout, though it holds no writer lock (Codex
    /// 0.104 takes none): it holds the file open. Elsewhere, a recent write stands for it.
    fn written_by_codex(&self, file: &RolloutFile) -> bool {
        let open = self
            .open_in_codex
            .get_or_init(crate::rollout::files_open_in_codex);
        match open {
            Some(open) => open.contains(&file.path),
            None => {
                let modified: DateTime<Utc> = file.modified.into();
                self.now - modified < UNSEEN_RUNNING_WINDOW
            }
        }
    }
}

impl LocalStore {
    pub(super) fn listing_facts(&self) -> ListingFacts {
        let root = self.home.root();
        ListingFacts {
            writer_locks: WriterLocks::snapshot(root),
            open_in_codex: OnceCell::new(),
            read_marks: self.own_read_marks().map(|marks| marks.snapshot()),
            private: self.private_marks(),
            now: Utc::now(),
        }
    }

    /// Codex's turn projection of these threads, when the home has one.
    pub(super) fn projected_turns(
        &self,
        ids: &[ThreadId],
    ) -> std::collections::HashMap<ThreadId, ProjectedTurn> {
        let Some(db) = &self.state_db else {
            return Default::default();
        };
        db.projected_turns(ids)
            .map_err(|err| tracing::warn!(%err, "reading Codex's turn projection failed"))
            .unwrap_or_default()
    }

    /// Our own read marks, for a home whose state DB keeps no read state.
    fn own_read_marks(&self) -> Option<&super::read_marks::ReadMarks> {
        if self
            .state_db
            .as_ref()
            .is_some_and(|db| db.has_read_receipts())
        {
            return None;
        }
        self.read_marks
            .get_or_init(|| {
                let path = self.read_marks_path.as_deref();
                super::read_marks::ReadMarks::open(path)
                    .map_err(|err| tracing::warn!(%err, "read marks unusable"))
                    .ok()
            })
            .as_ref()
    }

    /// The threads marked private; none (logged) when the marks cannot be read.
    fn private_marks(&self) -> HashSet<ThreadId> {
        let Some(path) = &self.private_marks_path else {
            return HashSet::new();
        };
        super::private_marks::read(path)
            .map_err(|err| tracing::warn!(%err, "private marks unreadable"))
            .unwrap_or_default()
    }

    /// Sets a thread's status and read state from what Codex recorded, and its private mark
    /// from ours.
    pub(super) fn settle_status(
        &self,
        thread: &mut StoredThread,
        file: &RolloutFile,
        summary: &RolloutSummary,
        row: Option<&ThreadRow>,
        projected: Option<&ProjectedTurn>,
        facts: &ListingFacts,
    ) {
        thread.private = facts.private.contains(&file.thread_id);
        let holder = facts.writer_locks.holder(file.thread_id);
        thread.open_in_codex = holder.is_some();
        let last_turn = summary.last_turn.as_ref();
        let running = last_turn.is_some_and(|turn| turn.in_progress());
        // Without a lock, an open turn is still written only if Codex holds the file open.
        let open = holder.is_some() || (running && facts.written_by_codex(file));
        let activity = (running && open)
            .then(|| current_activity(&self.pager, &file.path))
            .flatten();
        let status = decide_status(StatusFacts {
            last_turn,
            projected,
            open,
            waiting_on_user: activity
                .as_ref()
                .is_some_and(|activity| activity.kind.waits_on_user()),
        });
        let turn_ended_at = last_turn.and_then(|turn| turn.ended_at());
        thread.status = StatusReport {
            status,
            turn_started_at: last_turn.and_then(|turn| turn.started_at),
            turn_ended_at,
            activity: activity.filter(|_| status.is_active()),
            failure: (status == ThreadStatus::Failed)
                .then(|| {
                    last_turn
                        .and_then(|turn| turn.failure())
                        .or_else(|| projected.and_then(ProjectedTurn::failure))
                })
                .flatten(),
            holder,
        };
        thread.unread = match row.and_then(|row| row.unread) {
            Some(unread) => unread,
            // As Codex: a turn that completed (with an answer or an error) is news; an
            // interrupted one is not.
            None => facts.read_marks.as_ref().is_some_and(|marks| {
                marks.is_unread(file.thread_id, last_turn.and_then(LastTurn::completed_at))
            }),
        };
    }

    /// Marks a thread read or unread where its home keeps read state: Codex's read receipts,
    /// else our own marks.
    pub(super) fn set_read_state(&self, id: ThreadId, read: bool) -> StoreResult<()> {
        if let Some(db) = &self.state_db
            && db.has_read_receipts()
        {
            let written = db
                .set_read(id, read)
                .map_err(|err| ThreadStoreError::Conflict {
                    message: format!("{err}; the read state was not changed"),
                })?;
            if !written {
                return Err(ThreadStoreError::invalid(format!(
                    "thread {id} has no row in Codex's state DB, which keeps read state only \
                     for the threads it indexed"
                )));
            }
            return Ok(());
        }
        let marks = self.own_read_marks().ok_or_else(|| {
            ThreadStoreError::internal("our read marks cannot be opened; see the log")
        })?;
        marks
            .set(id, read)
            .map_err(|err| ThreadStoreError::internal(format!("saving the read mark: {err}")))
    }
}
