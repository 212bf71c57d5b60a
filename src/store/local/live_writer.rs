//! The writer behind a thread that is live in this process: a lazily created rollout file,
//! the `session_meta` line first, then one line per item (codex-format §1.1, §7.1).

use std::collections::VecDeque;
use std::path::{Path, PathBuf};

use chrono::Local;

use crate::protocol::time::now_millis;
use crate::protocol::{RolloutItem, RolloutLine, SessionMeta};
use crate::rollout::collect_git_info;
use crate::rollout::{AppendError, CodexHome, RolloutWriter};
use crate::store::policy::is_persisted;
use crate::store::{CreateThreadParams, EventPersistenceMode};

pub(super) struct LiveWriter {
    writer: RolloutWriter,
    mode: EventPersistenceMode,
    /// The meta line still to be written when the file is created; `None` once it exists.
    pending_meta: Option<SessionMeta>,
    /// Items appended before the file exists.
    queued: VecDeque<RolloutLine>,
}

impl LiveWriter {
    /// A new thread: the path is fixed now (local wall-clock time), the file comes later.
    pub fn for_new_thread(home: &CodexHome, params: &CreateThreadParams) -> Self {
        let now = now_millis();
        let path = home.new_rollout_path(params.thread_id, now.with_timezone(&Local).naive_local());
        let meta = params.session_meta(now);
        LiveWriter {
            writer: RolloutWriter::open(path),
            mode: params.event_persistence_mode,
            pending_meta: Some(meta),
            queued: VecDeque::new(),
        }
    }

    /// An existing rollout, reopened for appends.
    pub fn for_existing(path: PathBuf, mode: EventPersistenceMode) -> Self {
        LiveWriter {
            writer: RolloutWriter::open(path),
            mode,
            pending_meta: None,
            queued: VecDeque::new(),
        }
    }

    pub fn path(&self) -> &Path {
        self.writer.path()
    }

    pub fn is_materialized(&self) -> bool {
        self.pending_meta.is_none()
    }

    /// Writes the persisted subset now if the file exists, else queues it.
    pub fn append(&mut self, items: Vec<RolloutItem>) -> Result<(), AppendError> {
        let lines = items
            .into_iter()
            .filter(|item| is_persisted(item, self.mode))
            .map(RolloutLine::now);
        self.queued.extend(lines);
        if self.is_materialized() {
            self.write_queued()?;
        }
        Ok(())
    }

    /// Creates the file if needed (meta line first, with git facts collected now) and writes
    /// everything queued.
    pub fn persist(&mut self) -> Result<(), AppendError> {
        if let Some(meta) = &mut self.pending_meta {
            if meta.git.is_none() {
                meta.git = collect_git_info(Path::new(&meta.cwd));
            }
            let line = RolloutLine::now(RolloutItem::SessionMeta(meta.clone()));
            self.writer.write_line(&line)?;
            self.pending_meta = None;
        }
        self.write_queued()
    }

    /// Items leave the queue only once written, so a failed write is retried next time.
    fn write_queued(&mut self) -> Result<(), AppendError> {
        while let Some(line) = self.queued.front() {
            self.writer.write_line(line)?;
            self.queued.pop_front();
        }
        Ok(())
    }
}
