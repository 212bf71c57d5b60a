//! Status and read state of listed threads: the facts a listing gathers once (writer locks,
//! read marks) and the per-thread step that turns them, with the rollout's last turn and
//! Codex's turn projection, into `StoredThread::status` and `unread`.

use chrono::{DateTime, Utc};

use super::LocalStore;
use super::activity::current_activity;
use super::read_marks::ReadMarksSnapshot;
use super::state_db::ThreadRow;
use super::summary::RolloutSummary;
use crate::protocol::ThreadId;
use crate::rollout::{RolloutFile, WRITER_LOCKS_SUBDIR, WriterLocks};
use crate::store::status::{ProjectedTurn, StatusFacts, StatusReport, ThreadStatus, decide_status};
use crate::store::{StoreResult, StoredThread, ThreadStoreError};

/// In a home without writer locks (Codex before 0.147), a turn under way whose rollout was
/// written this recently is taken as still running.
const LOCKLESS_RUNNING_WINDOW: chrono::Duration = chrono::Duration::minutes(2);

/// What one listing reads once for all its threads.
pub(super) struct ListingFacts {
    pub writer_locks: WriterLocks,
    locks_supported: bool,
    read_marks: Option<ReadMarksSnapshot>,
    now: DateTime<Utc>,
}

impl LocalStore {
    pub(super) fn listing_facts(&self) -> ListingFacts {
        let root = self.home.root();
        ListingFacts {
            writer_locks: WriterLocks::snapshot(root),
            locks_supported: root.join(WRITER_LOCKS_SUBDIR).is_dir(),
            read_marks: self.own_read_marks().map(|marks| marks.snapshot()),
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

    /// Sets a thread's status and read state from what Codex recorded.
    pub(super) fn settle_status(
        &self,
        thread: &mut StoredThread,
        file: &RolloutFile,
        summary: &RolloutSummary,
        row: Option<&ThreadRow>,
        projected: Option<&ProjectedTurn>,
        facts: &ListingFacts,
    ) {
        let holder = facts.writer_locks.holder(file.thread_id);
        thread.open_in_codex = holder.is_some();
        let last_turn = summary.last_turn.as_ref();
        let modified: DateTime<Utc> = file.modified.into();
        let written_recently = facts.now - modified < LOCKLESS_RUNNING_WINDOW;
        let open = if facts.locks_supported {
            holder.is_some()
        } else {
            written_recently
        };
        let running = last_turn.is_some_and(|turn| turn.in_progress());
        let activity = (running && open)
            .then(|| current_activity(&self.pager, &file.path))
            .flatten();
        let status = decide_status(StatusFacts {
            last_turn,
            projected,
            held: holder.is_some(),
            written_recently,
            locks_supported: facts.locks_supported,
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
            None => facts
                .read_marks
                .as_ref()
                .is_some_and(|marks| marks.is_unread(file.thread_id, turn_ended_at)),
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
