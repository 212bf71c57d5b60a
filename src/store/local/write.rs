//! Writing: live-thread appends, metadata edits where Codex reads them, archive and unarchive.

use std::fs;
use std::time::SystemTime;

use chrono::{DateTime, Utc};

use super::LocalStore;
use super::live_writer::LiveWriter;
use super::read::Located;
use crate::protocol::time::now_millis;
use crate::protocol::{GitInfo, HistoryMode, RolloutItem, RolloutLine, SessionMeta, ThreadId};
use crate::rollout::{
    AppendError, RolloutFile, append_line, append_thread_name, read_head, remove_thread_names,
    rollout_date_parts,
};
use crate::store::*;

impl From<AppendError> for ThreadStoreError {
    fn from(err: AppendError) -> Self {
        match err {
            AppendError::IncompleteLastLine(_) | AppendError::StillBeingWritten(_) => {
                ThreadStoreError::Conflict {
                    message: err.to_string(),
                }
            }
            AppendError::Io(err) => err.into(),
        }
    }
}

impl LocalStore {
    pub(super) fn create_thread(&self, params: CreateThreadParams) -> StoreResult<()> {
        let id = params.thread_id;
        let on_disk = self.home.find_rollout(id, true)?.is_some();
        let mut writers = self.writers();
        if on_disk || writers.contains_key(&id) {
            return Err(ThreadStoreError::Conflict {
                message: format!("thread {id} already exists"),
            });
        }
        writers.insert(id, LiveWriter::for_new_thread(&self.home, &params));
        Ok(())
    }

    pub(super) fn resume_thread(&self, params: ResumeThreadParams) -> StoreResult<()> {
        let id = params.thread_id;
        // Appends always go to the plain file (a `.zst` is materialized first by the writer).
        let path = match params.rollout_path {
            Some(path) => crate::rollout::strip_zst(&path),
            None => self.locate_file(id, params.include_archived)?.plain_path(),
        };
        let mut writers = self.writers();
        if writers.contains_key(&id) {
            return Err(ThreadStoreError::Conflict {
                message: format!("thread {id} is already open for appends"),
            });
        }
        writers.insert(
            id,
            LiveWriter::for_existing(path, params.event_persistence_mode),
        );
        Ok(())
    }

    pub(super) fn require_writer(&self, id: ThreadId) -> StoreResult<()> {
        if self.writers().contains_key(&id) {
            Ok(())
        } else {
            Err(ThreadStoreError::invalid(format!(
                "thread {id} is not open for appends"
            )))
        }
    }

    fn with_writer<T>(
        &self,
        id: ThreadId,
        action: impl FnOnce(&mut LiveWriter) -> Result<T, AppendError>,
    ) -> StoreResult<T> {
        let mut writers = self.writers();
        let writer = writers.get_mut(&id).ok_or_else(|| {
            ThreadStoreError::invalid(format!("thread {id} is not open for appends"))
        })?;
        Ok(action(writer)?)
    }

    pub(super) fn append_items(&self, params: AppendThreadItemsParams) -> StoreResult<()> {
        self.with_writer(params.thread_id, |writer| writer.append(params.items))
    }

    pub(super) fn persist_thread(&self, id: ThreadId) -> StoreResult<()> {
        self.with_writer(id, LiveWriter::persist)
    }

    pub(super) fn shutdown_thread(&self, id: ThreadId) -> StoreResult<()> {
        let writer = self.writers().remove(&id);
        match writer {
            // Only a thread that already has its file gets the rest written; a lazy one stays
            // lazy, as in Codex.
            Some(mut writer) if writer.is_materialized() => Ok(writer.persist()?),
            _ => Ok(()),
        }
    }

    /// Applies a literal patch (codex-format §4.1). Explicit names, memory modes and git facts
    /// are first written where Codex reads them from files (an appended `session_meta` copy,
    /// a `session_index.jsonl` entry); then every field goes to the state DB, best effort.
    /// The files go first so that a failed write leaves nothing half-changed.
    pub(super) fn update_thread_metadata(
        &self,
        params: UpdateThreadMetadataParams,
    ) -> StoreResult<StoredThread> {
        let UpdateThreadMetadataParams {
            thread_id: id,
            mut patch,
            include_archived,
        } = params;
        // Read state, sections and projects live apart from the thread's other metadata,
        // never in its rollout.
        let db_only = patch.take_db_only_fields();
        if let Some(read) = db_only.read {
            self.locate(id, include_archived)?;
            self.set_read_state(id, read)?;
        }
        self.apply_curation(id, include_archived, db_only.section, db_only.project)?;
        let read_back = ReadThreadParams {
            thread_id: id,
            include_archived: true,
            include_history: false,
        };
        if patch.is_empty() {
            return self.read_thread(ReadThreadParams {
                include_archived,
                ..read_back
            });
        }
        let located = self.locate(id, include_archived)?;
        let current = self.read_thread(read_back)?;
        match &current.history_mode {
            HistoryMode::Legacy => {}
            HistoryMode::Paginated => {
                self.update_paginated_metadata(id, &patch)?;
                return self.read_thread(read_back);
            }
            HistoryMode::Other(mode) => {
                return Err(ThreadStoreError::invalid(format!(
                    "thread {id} has history mode \"{mode}\", which this version does not know how \
                     to edit; nothing was changed"
                )));
            }
        }
        let explicit = !patch.has_observed_facts();
        if !explicit {
            // Facts observed from a live thread's own lines: the rollout already holds them and
            // Codex repairs its DB from the rollout, so a busy DB must not stop the thread.
            if let Some(db) = &self.state_db
                && let Err(err) = db.apply_patch(id, &patch, &HistoryMode::Legacy)
            {
                tracing::warn!(%err, thread = %id, "state DB not updated; the rollout holds the facts");
            }
            return self.read_thread(read_back);
        }
        // An explicit edit goes to the DB first: a DB that stays busy fails it before any file
        // changed, and a file that cannot be written puts the DB back.
        let previous = match &self.state_db {
            Some(db) => db
                .apply_patch(id, &patch, &HistoryMode::Legacy)
                .map_err(|err| ThreadStoreError::Conflict {
                    message: format!("{err}; nothing was changed"),
                })?,
            None => None,
        };
        if let Err(err) = self.write_legacy_metadata_files(id, located, &patch) {
            let undone = match (&self.state_db, previous) {
                (Some(db), Some(previous)) => db.restore(id, previous).map_err(|e| e.to_string()),
                _ => Ok(()),
            };
            let message = match undone {
                Ok(()) => format!("{err}; nothing was changed"),
                Err(undo) => format!(
                    "{err}; the state DB has the change but the files do not, and putting the \
                     DB back failed: {undo}"
                ),
            };
            return Err(ThreadStoreError::Conflict { message });
        }
        self.read_thread(read_back)
    }

    /// Where a legacy thread's explicit edit goes besides the DB: memory mode and git facts as
    /// an appended `session_meta` copy, a name in `session_index.jsonl`.
    fn write_legacy_metadata_files(
        &self,
        id: ThreadId,
        located: Located,
        patch: &ThreadMetadataPatch,
    ) -> StoreResult<()> {
        let writes_meta_copy = patch.memory_mode.is_some() || patch.git_info.is_some();
        if !writes_meta_copy && patch.name.is_none() {
            return Ok(());
        }
        if self.writers().contains_key(&id) {
            self.persist_thread(id)?;
        }
        if writes_meta_copy {
            let file = match located {
                Located::File(file) => file,
                Located::NotMaterialized(_) => self.locate_file(id, true)?,
            };
            self.append_session_meta_copy(id, &file.plain_path(), &file.path, patch)?;
        }
        if let Some(name) = &patch.name {
            write_index_name(&self.home, id, name.as_deref())?;
        }
        Ok(())
    }

    /// A paginated rollout is never appended to (Codex numbers every line and treats a
    /// `session_meta` as a history boundary), so its explicit metadata lives in the state DB,
    /// where Codex reads it; names also go to `session_index.jsonl`, as Codex writes them. The
    /// DB goes first: if it fails, nothing has changed.
    fn update_paginated_metadata(
        &self,
        id: ThreadId,
        patch: &ThreadMetadataPatch,
    ) -> StoreResult<()> {
        let no_db = || ThreadStoreError::Conflict {
            message: format!(
                "thread {id} is paginated and Codex keeps its name and memory mode in its state \
                 DB, which has no row for it; nothing was changed"
            ),
        };
        let db = self.state_db.as_ref().ok_or_else(no_db)?;
        let previous = db
            .apply_patch(id, patch, &HistoryMode::Paginated)
            .map_err(|err| ThreadStoreError::Conflict {
                message: format!("{err}; nothing was changed"),
            })?
            .ok_or_else(no_db)?;
        if let Some(name) = &patch.name
            && let Err(err) = write_index_name(&self.home, id, name.as_deref())
        {
            let message = match db.restore(id, previous) {
                Ok(()) => format!("session_index.jsonl: {err}; nothing was changed"),
                Err(undo) => format!(
                    "session_index.jsonl: {err}; the state DB has the new name and putting it \
                     back failed: {undo}"
                ),
            };
            return Err(ThreadStoreError::Conflict { message });
        }
        Ok(())
    }

    /// Appends a copy of the thread's first `session_meta` with the patch's memory mode and
    /// resolved git facts, as Codex does for explicit updates. A memory-only copy drops `git`
    /// ("git unchanged" to readers).
    fn append_session_meta_copy(
        &self,
        id: ThreadId,
        plain_path: &std::path::Path,
        current_path: &std::path::Path,
        patch: &ThreadMetadataPatch,
    ) -> StoreResult<()> {
        let mut meta = first_session_meta(current_path)?;
        if meta.id != id {
            return Err(ThreadStoreError::internal(format!(
                "rollout metadata id mismatch: expected {id}, found {}",
                meta.id
            )));
        }
        let current = self.read_thread(ReadThreadParams {
            thread_id: id,
            include_archived: true,
            include_history: false,
        })?;
        meta.git = match &patch.git_info {
            Some(git_patch) => Some(resolve_git(current.git_info.clone(), git_patch)),
            None => None,
        };
        let mode = patch.memory_mode.unwrap_or(current.memory_mode);
        meta.memory_mode = Some(mode.as_str().to_string());
        let line = RolloutLine::now(RolloutItem::SessionMeta(meta));
        append_line(plain_path, &line)?;
        Ok(())
    }

    pub(super) fn archive_thread(&self, id: ThreadId) -> StoreResult<()> {
        if self.writers().contains_key(&id) {
            return Err(ThreadStoreError::Conflict {
                message: format!("thread {id} is live in this process; shut it down first"),
            });
        }
        let file = self.locate_file(id, true)?;
        if file.archived {
            return Err(ThreadStoreError::invalid(format!(
                "thread {id} is already archived"
            )));
        }
        let sessions = fs::canonicalize(self.home.sessions_dir())?;
        if !fs::canonicalize(&file.path)?.starts_with(&sessions) {
            return Err(ThreadStoreError::invalid(format!(
                "rollout {} is not under sessions/",
                file.path.display()
            )));
        }
        let target_dir = self.home.archived_dir();
        fs::create_dir_all(&target_dir)?;
        move_rollout(&file, &target_dir)?;
        if let Some(db) = &self.state_db {
            // Codex records the file as it is, `.jsonl.zst` for a compressed rollout.
            let moved = target_dir.join(file.path.file_name().unwrap_or_default());
            let modified: DateTime<Utc> = file.modified.into();
            if let Err(err) = db.mark_archived(id, &moved, now_millis(), modified) {
                tracing::warn!(%err, thread = %id, "state DB not marked archived");
            }
        }
        Ok(())
    }

    pub(super) fn unarchive_thread(&self, id: ThreadId) -> StoreResult<StoredThread> {
        let file = self.locate_file(id, true)?;
        if !file.archived {
            return Err(ThreadStoreError::invalid(format!(
                "thread {id} is not archived"
            )));
        }
        let name = file.file_name();
        let (year, month, day) = rollout_date_parts(&name).ok_or_else(|| {
            ThreadStoreError::invalid(format!("cannot date rollout file name {name}"))
        })?;
        let target_dir = self.home.sessions_dir().join(year).join(month).join(day);
        fs::create_dir_all(&target_dir)?;
        let target = target_dir.join(&name);
        move_rollout(&file, &target_dir)?;
        let now = SystemTime::now();
        // Codex touches the mtime so the thread sorts as just updated; the move itself is done,
        // so a failure here is only logged.
        let touched = fs::File::options()
            .append(true)
            .open(&target)
            .and_then(|file| file.set_modified(now));
        if let Err(err) = touched {
            tracing::warn!(%err, path = %target.display(), "could not touch the unarchived rollout");
        }
        if let Some(db) = &self.state_db {
            let moved = target_dir.join(file.path.file_name().unwrap_or_default());
            if let Err(err) = db.mark_unarchived(id, &moved, now.into()) {
                tracing::warn!(%err, thread = %id, "state DB not marked unarchived");
            }
        }
        self.read_thread(ReadThreadParams {
            thread_id: id,
            include_archived: false,
            include_history: false,
        })
    }
}

/// A name goes to `session_index.jsonl` as a new entry. A cleared one (`None` or blank) takes
/// the thread's older entries out, since Codex skips blank entries and would find the older
/// name again (and resume the thread by it), then leaves one blank entry, which tells our own
/// reader to hide a name from a legacy rename event too.
fn write_index_name(
    home: &crate::rollout::CodexHome,
    id: ThreadId,
    name: Option<&str>,
) -> std::io::Result<()> {
    match name.map(str::trim).filter(|name| !name.is_empty()) {
        Some(name) => append_thread_name(home, id, name),
        None => {
            remove_thread_names(home, id)?;
            append_thread_name(home, id, "")
        }
    }
}

/// Renames `from` to `to`, refusing to replace a file already there.
fn move_without_replacing(from: &std::path::Path, to: &std::path::Path) -> StoreResult<()> {
    match crate::rollout::move_no_replace(from, to) {
        Ok(()) => Ok(()),
        Err(err) if err.kind() == std::io::ErrorKind::AlreadyExists => {
            Err(ThreadStoreError::Conflict {
                message: format!("{} already exists", to.display()),
            })
        }
        Err(err) => Err(err.into()),
    }
}

/// Moves a rollout and, when both forms exist, its other form too (a plain file and a
/// leftover `.zst`), so no copy of the thread stays behind.
fn move_rollout(file: &RolloutFile, target_dir: &std::path::Path) -> StoreResult<()> {
    let plain = file.plain_path();
    let compressed = crate::rollout::zst_sibling(&plain);
    for path in [plain, compressed] {
        if path.exists() {
            let name = path.file_name().unwrap_or_default();
            move_without_replacing(&path, &target_dir.join(name))?;
        }
    }
    Ok(())
}

fn first_session_meta(path: &std::path::Path) -> StoreResult<SessionMeta> {
    let head = read_head(path, 1)?;
    match head.into_iter().next().map(|entry| entry.line) {
        Some(Ok(RolloutLine {
            item: RolloutItem::SessionMeta(meta),
            ..
        })) => Ok(meta),
        _ => Err(ThreadStoreError::internal(format!(
            "rollout {} does not start with session metadata",
            path.display()
        ))),
    }
}

/// Applies a git patch to the current facts: absent = keep, `null` = clear, value = set.
fn resolve_git(current: Option<GitInfo>, patch: &GitInfoPatch) -> GitInfo {
    let mut git = current.unwrap_or_default();
    let apply = |field: &mut Option<String>, change: &ClearableField<String>| {
        if let Some(change) = change {
            field.clone_from(change);
        }
    };
    apply(&mut git.commit_hash, &patch.sha);
    apply(&mut git.branch, &patch.branch);
    apply(&mut git.repository_url, &patch.origin_url);
    git
}
