//! Reading threads: locating rollouts, summarising them, listing and paging history.

use std::collections::HashMap;
use std::ops::ControlFlow;
use std::path::{Path, PathBuf};
use std::sync::Arc;

use chrono::{DateTime, Utc};

use super::LocalStore;
use super::cache::Depth;
use super::state_db::ThreadRow;
use super::summary::RolloutSummary;
use super::supervision::ListingFacts;
use crate::protocol::time::{from_millis, parse_timestamp};
use crate::protocol::{
    GitInfo, HistoryMode, ResponseItem, RolloutItem, RolloutLine, ThreadId, TokenUsage,
};
use crate::rollout::{
    Discovery, LineOffset, RolloutFile, find_newest_thread_name, read_newest_thread_names,
    scan_lines, strip_zst,
};
use crate::store::listing::{ListKey, is_listable, matches_filters, take_page};
use crate::store::status::ProjectedTurn;
use crate::store::*;

/// Where a thread's history is: a file on disk, or (a new live thread) not yet anywhere.
pub(super) enum Located {
    File(RolloutFile),
    NotMaterialized(PathBuf),
}

impl LocalStore {
    /// Finds a thread's rollout. An archived thread is an error unless `include_archived`.
    pub(super) fn locate(&self, id: ThreadId, include_archived: bool) -> StoreResult<Located> {
        if let Some(file) = self.find_rollout(id)? {
            if file.archived && !include_archived {
                return Err(ThreadStoreError::invalid(format!(
                    "thread {id} is archived"
                )));
            }
            return Ok(Located::File(file));
        }
        match self.writers().get(&id) {
            Some(writer) => Ok(Located::NotMaterialized(writer.path().to_path_buf())),
            None => Err(ThreadStoreError::not_found(id)),
        }
    }

    /// The thread's rollout: where it was last seen if it is still there, else a walk.
    fn find_rollout(&self, id: ThreadId) -> StoreResult<Option<RolloutFile>> {
        let remembered = self.known_paths().get(&id).cloned();
        // A remembered path that cannot be checked now is looked for afresh: the walk reports
        // what is wrong with it, naming it.
        if let Some(path) = remembered
            && let Ok(Some(file)) = self.home.rollout_at(&path)
            && file.thread_id == id
        {
            return Ok(Some(self.settle_twin(file).0));
        }
        let found = self
            .home
            .find_rollout(id, true)?
            .map(|file| self.settle_twin(file).0);
        if let Some(file) = &found {
            self.remember(file);
        }
        Ok(found)
    }

    fn known_paths(&self) -> std::sync::MutexGuard<'_, HashMap<ThreadId, PathBuf>> {
        self.known_paths
            .lock()
            .unwrap_or_else(|poisoned| poisoned.into_inner())
    }

    fn remember(&self, file: &RolloutFile) {
        self.known_paths().insert(file.thread_id, file.plain_path());
    }

    /// Forgets where a thread's rollout was (it was moved away).
    pub(super) fn forget(&self, id: ThreadId) {
        self.known_paths().remove(&id);
    }

    pub(super) fn locate_file(
        &self,
        id: ThreadId,
        include_archived: bool,
    ) -> StoreResult<RolloutFile> {
        match self.locate(id, include_archived)? {
            Located::File(file) => Ok(file),
            Located::NotMaterialized(_) => Err(ThreadStoreError::invalid(format!(
                "thread {id} has no rollout file yet"
            ))),
        }
    }

    pub(super) fn state_row(&self, id: ThreadId) -> Option<ThreadRow> {
        let db = self.state_db.as_ref()?;
        db.thread_row(id)
            .map_err(|err| tracing::warn!(%err, "reading the state DB failed"))
            .ok()
            .flatten()
    }

    /// Every row of the state DB, when there is one that can be read.
    fn all_state_rows(&self) -> Option<HashMap<ThreadId, ThreadRow>> {
        let db = self.state_db.as_ref()?;
        db.all_thread_rows()
            .map_err(|err| tracing::warn!(%err, "reading the state DB failed"))
            .ok()
    }

    fn state_rows(&self, ids: &[ThreadId]) -> HashMap<ThreadId, ThreadRow> {
        let Some(db) = &self.state_db else {
            return HashMap::new();
        };
        db.thread_rows(ids)
            .map_err(|err| tracing::warn!(%err, "reading the state DB failed"))
            .unwrap_or_default()
    }

    pub(super) fn read_thread(&self, params: ReadThreadParams) -> StoreResult<StoredThread> {
        let id = params.thread_id;
        let file = match self.locate(id, params.include_archived)? {
            Located::File(file) => file,
            Located::NotMaterialized(path) => {
                let mut thread = StoredThread::blank(id, crate::protocol::time::now_millis());
                thread.rollout_path = Some(path);
                return Ok(thread);
            }
        };
        let summary = self.summaries.summary(&file, Depth::Complete)?;
        self.summaries.persist();
        let index_name = find_newest_thread_name(&self.home, id).unwrap_or_else(|err| {
            tracing::warn!(%err, "reading session_index.jsonl failed");
            None
        });
        let row = self.state_row(id);
        let mut thread = build_thread(&file, &summary, row.as_ref(), index_name);
        let projected = self.projected_turns(&[id]).remove(&id);
        let facts = self.listing_facts();
        self.settle_status(
            &mut thread,
            &file,
            &summary,
            row.as_ref(),
            projected.as_ref(),
            &facts,
        );
        if params.include_history {
            thread.history = Some(self.load_history(LoadThreadHistoryParams {
                thread_id: id,
                include_archived: params.include_archived,
            })?);
        }
        Ok(thread)
    }

    /// Lists threads in pages. Candidates are ordered by what the file system says (file-name
    /// time for created, mtime for updated); only as many rollouts are summarised as the page
    /// needs. Bad entries met on the way are passed over and reported in `skipped`.
    pub(super) fn list_threads(&self, params: &ListThreadsParams) -> StoreResult<ThreadPage> {
        self.list_threads_where(params, matches_filters)
    }

    /// `list_threads` with the threads `keep` picks (with the listing's filters or without
    /// its rule that a thread without a preview is not listed).
    pub(super) fn list_threads_where(
        &self,
        params: &ListThreadsParams,
        keep: fn(&StoredThread, &ListThreadsParams) -> bool,
    ) -> StoreResult<ThreadPage> {
        let cursor = params
            .cursor
            .as_deref()
            .map(ListKey::parse_cursor)
            .transpose()?;
        let discovery = self.discover_settled(params.archived);
        let mut skipped = discovery.skipped.clone();
        let order = self.sorted_listing(&discovery, params);
        let candidates: Vec<(ListKey, &RolloutFile)> = order
            .iter()
            .filter(|(key, _)| key.is_after(cursor, params.sort_direction))
            .map(|&(key, index)| (key, &discovery.files[index]))
            .collect();
        // Loading every cached summary at once pays off only when most will be looked at.
        let filtered = params.cwd_filters.is_some()
            || params.search_term.is_some()
            || params.source != SourceFilter::All
            || params.status.is_some()
            || params.unread_only
            || params.attention_only;
        let wants_many = params.page_size == 0 || params.page_size > PRELOAD_AFTER || filtered;
        let preloading = wants_many && candidates.len() > PRELOAD_AFTER;
        // Likewise the state DB: one pass over its table rather than a query per chunk. The two
        // are read at once, each on its own core.
        let all_rows = if preloading {
            std::thread::scope(|scope| {
                let summaries = scope.spawn(|| self.summaries.preload());
                let rows = self.all_state_rows();
                let _ = summaries.join();
                rows
            })
        } else {
            None
        };
        // Without the index the threads are still listed, by their other names.
        let names = read_newest_thread_names(&self.home).unwrap_or_else(|err| {
            skipped.push(SkippedEntry::from_error(
                self.home.session_index_path(),
                &err,
            ));
            HashMap::new()
        });
        let wanted = match params.page_size {
            0 => usize::MAX,
            size => size + 1, // one more tells whether another page exists
        };
        let facts = self.listing_facts();
        let mut found: Vec<(ListKey, StoredThread)> = Vec::new();
        for chunk in candidates.chunks(64) {
            let chunk_rows;
            let rows = match &all_rows {
                Some(rows) => rows,
                None => {
                    let ids: Vec<ThreadId> = chunk.iter().map(|(_, file)| file.thread_id).collect();
                    chunk_rows = self.state_rows(&ids);
                    &chunk_rows
                }
            };
            let ids: Vec<ThreadId> = chunk.iter().map(|(_, file)| file.thread_id).collect();
            let projected = self.projected_turns(&ids);
            for &(key, file) in chunk {
                let id = file.thread_id;
                let name = names.get(&id).cloned();
                let row = rows.get(&id);
                if let Some(thread) =
                    self.listed_thread(file, row, name, projected.get(&id), &facts, &mut skipped)
                    && keep(&thread, params)
                {
                    found.push((key, thread));
                }
            }
            if found.len() >= wanted {
                break;
            }
        }
        self.summaries.persist();
        self.warn_skipped(&skipped);
        let mut page = take_page(found, params.page_size);
        page.skipped = skipped;
        Ok(page)
    }

    /// A rollout's thread as a listing shows it, the rollout remembered as the thread's. `None`
    /// (what was wrong added to `skipped`) when it cannot be read now.
    fn listed_thread(
        &self,
        file: &RolloutFile,
        row: Option<&ThreadRow>,
        index_name: Option<String>,
        projected: Option<&ProjectedTurn>,
        facts: &ListingFacts,
        skipped: &mut Vec<SkippedEntry>,
    ) -> Option<StoredThread> {
        self.remember(file);
        let summary = match self.summaries.summary(file, Depth::Quick) {
            Ok(summary) => summary,
            // Moved or deleted since it was found: not listed.
            Err(err) if err.kind() == std::io::ErrorKind::NotFound => {
                tracing::debug!(%err, path = %file.path.display(), "skipping rollout");
                return None;
            }
            Err(err) => {
                skipped.push(SkippedEntry::from_error(&file.path, &err));
                return None;
            }
        };
        if let Some(damage) = &summary.damaged {
            skipped.push(SkippedEntry::new(
                &file.path,
                format!("listed only as far as it could be read; {damage}"),
            ));
        }
        let mut thread = build_thread(file, &summary, row, index_name);
        self.settle_status(&mut thread, file, &summary, row, projected, facts);
        Some(thread)
    }

    /// The thread of the rollout at `path` (plain or `.zst`, in either tree) exactly as
    /// `list_threads` of its tree shows it, without walking the home: `None` when no rollout
    /// is there now or the listing leaves the thread out (no preview yet). A twin in the other
    /// tree is settled first, as a listing does; of two copies in one tree, only one met by an
    /// earlier listing is known here.
    pub(super) fn listed_thread_at(&self, path: &Path) -> Option<StoredThread> {
        let mut skipped = Vec::new();
        let file = match self.home.rollout_at(&strip_zst(path)) {
            Ok(file) => file?,
            Err(err) => {
                self.warn_skipped(&[SkippedEntry::from_error(path, &err)]);
                return None;
            }
        };
        // Another copy in the same tree, met by an earlier listing: the newer one is listed.
        let remembered = self.known_paths().get(&file.thread_id).cloned();
        let file = match remembered.map(|path| self.home.rollout_at(&path)) {
            Some(Ok(Some(other)))
                if other.thread_id == file.thread_id
                    && other.archived == file.archived
                    && (other.modified, other.size) > (file.modified, file.size) =>
            {
                other
            }
            _ => file,
        };
        let (file, twin) = self.settle_twin(file);
        skipped.extend(twin);
        let id = file.thread_id;
        let index_name = find_newest_thread_name(&self.home, id).unwrap_or_else(|err| {
            skipped.push(SkippedEntry::from_error(
                self.home.session_index_path(),
                &err,
            ));
            None
        });
        let facts = self.listing_facts();
        let row = self.state_row(id);
        let projected = self.projected_turns(&[id]).remove(&id);
        let thread = self.listed_thread(
            &file,
            row.as_ref(),
            index_name,
            projected.as_ref(),
            &facts,
            &mut skipped,
        );
        self.summaries.persist();
        self.warn_skipped(&skipped);
        thread.filter(is_listable)
    }

    pub(super) fn history_page(
        &self,
        params: ReadHistoryPageParams,
    ) -> StoreResult<ThreadHistoryPage> {
        let file = match self.locate(params.thread_id, params.include_archived)? {
            Located::File(file) => file,
            Located::NotMaterialized(_) => {
                return Ok(ThreadHistoryPage {
                    at_start: true,
                    at_end: true,
                    ..Default::default()
                });
            }
        };
        let limit = params.limit.max(1);
        let page = match params.direction {
            HistoryDirection::Forward => self.pager.read_forward(
                &file.path,
                LineOffset(params.anchor.map_or(0, |c| c.0)),
                limit,
            )?,
            HistoryDirection::Backward => self.pager.read_backward(
                &file.path,
                params.anchor.map(|c| LineOffset(c.0)),
                limit,
            )?,
        };
        Ok(ThreadHistoryPage {
            lines: page
                .entries
                .into_iter()
                .map(|entry| HistoryLine {
                    cursor: HistoryCursor(entry.offset.0),
                    bytes: entry.len,
                    line: entry.line.map_err(|err| err.to_string()),
                    // An omitted line has no text to give.
                    raw: (params.include_raw && !entry.raw.is_empty()).then(|| entry.raw.into()),
                })
                .collect(),
            start: HistoryCursor(page.start.0),
            end: HistoryCursor(page.end.0),
            at_start: page.at_start,
            at_end: page.at_end,
            skipped_lines: page.skipped.blank + page.skipped.partial,
            bytes_read: page.bytes_read,
        })
    }

    /// Every item Codex would load: undecodable lines and legacy ghost snapshots are dropped.
    pub(super) fn load_history(
        &self,
        params: LoadThreadHistoryParams,
    ) -> StoreResult<Vec<RolloutItem>> {
        let file = match self.locate(params.thread_id, params.include_archived)? {
            Located::File(file) => file,
            Located::NotMaterialized(_) => return Ok(Vec::new()),
        };
        let mut items = Vec::new();
        let mut visit = |_: LineOffset, text: &str| {
            if let Ok(RolloutLine { item, .. }) = RolloutLine::decode(text)
                && !matches!(
                    item,
                    RolloutItem::ResponseItem(ResponseItem::GhostSnapshot(_))
                )
            {
                items.push(item);
            }
            ControlFlow::Continue(())
        };
        scan_lines(&file.path, LineOffset(0), &mut |_| true, &mut visit)?;
        Ok(items)
    }
}

/// Listings that may look at more rollouts than this load the whole summary index at once.
const PRELOAD_AFTER: usize = 200;

fn modified_at(file: &RolloutFile) -> DateTime<Utc> {
    let utc: DateTime<Utc> = file.modified.into();
    from_millis(utc.timestamp_millis())
}

/// Created order follows the file name (Codex's file-system rule), updated order the mtime.
/// A tree's discovery in listing order (each file's key and its index in the discovery), kept
/// while the discovery is the same `Arc`: an idle TUI asks for the newest page of 10,000
/// rollouts every few seconds.
pub(super) struct SortedListing {
    discovery: Arc<Discovery>,
    sort_key: SortKey,
    direction: SortDirection,
    order: Arc<[(ListKey, usize)]>,
}

impl LocalStore {
    fn sorted_listing(
        &self,
        discovery: &Arc<Discovery>,
        params: &ListThreadsParams,
    ) -> Arc<[(ListKey, usize)]> {
        let mut kept = self
            .sorted_listing
            .lock()
            .unwrap_or_else(|poisoned| poisoned.into_inner());
        if let Some(kept) = kept.as_ref()
            && Arc::ptr_eq(&kept.discovery, discovery)
            && kept.sort_key == params.sort_key
            && kept.direction == params.sort_direction
        {
            return kept.order.clone();
        }
        // The index as the last tie-break keeps the order the walk gave equal keys.
        let mut order: Vec<(ListKey, usize)> = discovery
            .files
            .iter()
            .enumerate()
            .map(|(index, file)| (list_key(file, params.sort_key), index))
            .collect();
        order.sort_unstable_by(|(a, i), (b, j)| {
            a.listing_order(*b, params.sort_direction).then(i.cmp(j))
        });
        let order: Arc<[(ListKey, usize)]> = order.into();
        *kept = Some(SortedListing {
            discovery: discovery.clone(),
            sort_key: params.sort_key,
            direction: params.sort_direction,
            order: order.clone(),
        });
        order
    }
}

fn list_key(file: &RolloutFile, sort_key: SortKey) -> ListKey {
    match sort_key {
        SortKey::CreatedAt => ListKey::new(file.file_timestamp, file.thread_id),
        SortKey::UpdatedAt => ListKey::new(modified_at(file), file.thread_id),
    }
}

/// Puts a thread together from its rollout summary (the truth), its state-DB row (explicit
/// name, memory mode, anything the rollout lacks) and its `session_index.jsonl` name.
pub(super) fn build_thread(
    file: &RolloutFile,
    summary: &RolloutSummary,
    row: Option<&ThreadRow>,
    // The newest `session_index.jsonl` name, blank when it cleared the name.
    index_name: Option<String>,
) -> StoredThread {
    let meta = summary.meta.as_ref();
    let mut thread = StoredThread::blank(file.thread_id, modified_at(file));
    thread.rollout_path = Some(file.plain_path());
    thread.rollout_bytes = Some(file.size);
    thread.archived = file.archived;
    thread.archived_at = file.archived.then(|| modified_at(file));
    thread.created_at = meta
        .and_then(|meta| parse_timestamp(&meta.timestamp))
        .unwrap_or(file.file_timestamp);
    thread.preview = summary.preview.clone().unwrap_or_default();
    thread.first_user_message = summary.first_user_message.clone();
    thread.history_mode = match (meta, row.and_then(|row| row.history_mode.as_deref())) {
        (None, Some(mode)) => HistoryMode::parse(Some(mode)),
        _ => summary.history_mode.clone(),
    };
    thread.name = resolve_name(summary, row, index_name, &thread.history_mode);
    thread.cwd = summary
        .cwd()
        .map(PathBuf::from)
        .or_else(|| row.and_then(|row| row.cwd.clone()).map(PathBuf::from))
        .unwrap_or_default();
    if let Some(meta) = meta {
        thread.forked_from_id = meta.forked_from_id;
        thread.cli_version = meta.cli_version.clone();
        thread.source = meta.source_text();
        thread.thread_source.clone_from(&meta.thread_source);
        thread.agent_nickname.clone_from(&meta.agent_nickname);
        thread.agent_role.clone_from(&meta.agent_role);
        thread.agent_path.clone_from(&meta.agent_path);
    }
    thread.model_provider = meta
        .and_then(|meta| meta.model_provider.clone())
        .or_else(|| row.and_then(|row| row.model_provider.clone()))
        .unwrap_or_else(|| "openai".to_string());
    thread.model = summary
        .model
        .clone()
        .or_else(|| row.and_then(|row| row.model.clone()));
    thread.reasoning_effort = summary
        .reasoning_effort
        .clone()
        .or_else(|| row.and_then(|row| row.reasoning_effort.clone()));
    thread.token_usage = summary.token_usage.or_else(|| {
        row.and_then(|row| row.tokens_used).map(|total| TokenUsage {
            total_tokens: total,
            ..Default::default()
        })
    });
    let db_memory_mode = row.and_then(ThreadRow::memory_mode);
    thread.memory_mode = match thread.history_mode {
        // Codex writes a paginated thread's memory mode to its DB only.
        HistoryMode::Paginated => db_memory_mode.or(summary.memory_mode),
        // The rollout's own metadata lines win: Codex writes them with every explicit change
        // and repairs its DB from them.
        _ => summary.memory_mode.or(db_memory_mode),
    }
    .unwrap_or_default();
    thread.git_info = summary.git.clone().or_else(|| row.and_then(row_git));
    if let Some(row) = row {
        thread.section = row_section(row);
        thread.project = row_project(row);
    }
    thread
}

fn row_section(row: &ThreadRow) -> Option<SectionPlacement> {
    Some(SectionPlacement {
        section: ThreadSection {
            id: row.section_id.clone()?,
            name: row.section_name.clone().unwrap_or_default(),
        },
        position: row.section_position.unwrap_or(0),
    })
}

fn row_project(row: &ThreadRow) -> Option<ProjectRef> {
    Some(ProjectRef {
        id: row.project_id.clone()?,
        name: row.project_name.clone().unwrap_or_default(),
    })
}

/// Name resolution (codex-format §4.2): the DB's explicit title, else the newest
/// `session_index.jsonl` entry, else a legacy rename event; a name equal to the preview is none.
/// `index_name` is the newest entry's name, blank when it cleared the name: a clear must also
/// hide a legacy rename, which predates every index entry. A paginated thread with a DB row
/// is named by the row's `name` column alone, as Codex reads it.
fn resolve_name(
    summary: &RolloutSummary,
    row: Option<&ThreadRow>,
    index_name: Option<String>,
    history_mode: &HistoryMode,
) -> Option<String> {
    let paginated_row = row.filter(|_| *history_mode == HistoryMode::Paginated);
    if let Some(row) = paginated_row {
        let name = row.name.as_deref().map(str::trim).unwrap_or_default();
        return (!name.is_empty()).then(|| name.to_string());
    }
    let name = row
        .and_then(ThreadRow::explicit_name)
        .or(index_name)
        .or_else(|| summary.legacy_name.clone())
        .map(|name| name.trim().to_string())
        .filter(|name| !name.is_empty())?;
    (Some(name.as_str()) != summary.preview.as_deref()).then_some(name)
}

fn row_git(row: &ThreadRow) -> Option<GitInfo> {
    let git = GitInfo {
        commit_hash: row.git_sha.clone(),
        branch: row.git_branch.clone(),
        repository_url: row.git_origin_url.clone(),
    };
    (!git.is_empty()).then_some(git)
}
