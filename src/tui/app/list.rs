//! The thread list: loaded rows, the search filter over them, selection and paging.

use std::path::Path;

use chrono::{DateTime, Utc};

use crate::protocol::ThreadId;
use crate::store::listing::matches_lowercase;
use crate::store::{
    ListThreadsParams, ProjectRef, SkippedEntry, SortDirection, SortKey, SourceFilter, StoredThread,
};
use crate::tui::app::BulkAction;
use crate::tui::config::Density;
use crate::tui::ui_state::UiState;

/// Where a thread goes in the list grouped by section: sections in Codex's order (their ids
/// are UUIDv7, the built-in "Pinned" the oldest), each thread at its position; threads in no
/// section last.
fn section_rank(thread: &StoredThread) -> (bool, Option<&str>, i64) {
    match &thread.section {
        Some(placement) => (
            false,
            Some(placement.section.id.as_str()),
            placement.position,
        ),
        None => (true, None, 0),
    }
}

/// Pinned threads first, in Codex's order of its "Pinned" section; the others keep theirs.
fn pin_rank(thread: &StoredThread) -> (bool, i64) {
    match &thread.section {
        Some(placement) if thread.pinned() => (false, placement.position),
        _ => (true, 0),
    }
}

/// Threads fetched per page.
pub const LIST_PAGE_SIZE: usize = 25;
/// More rows are fetched when the selection comes this close to the last loaded match.
pub const PREFETCH_MARGIN: usize = 5;

#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Tab {
    Local,
    Archived,
}

#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Scope {
    ThisDirectory,
    All,
}

#[derive(Clone, Debug, PartialEq)]
pub struct ListRow {
    pub thread: StoredThread,
    pub live: bool,
}

#[derive(Clone, Debug)]
pub struct ListView {
    pub tab: Tab,
    pub sort: SortKey,
    pub scope: Scope,
    /// Which sources are listed (`session_meta.source`).
    pub source: SourceFilter,
    /// Only the threads that need the user (waiting, or finished or failed and unread).
    pub attention_only: bool,
    /// Rows grouped by Codex section (its order, then each thread's place in its section);
    /// flat otherwise, with pinned threads first.
    pub grouped: bool,
    /// Only the threads of this Codex project.
    pub project: Option<ProjectRef>,
    pub density: Density,
    pub show_preview: bool,
    pub rows: Vec<ListRow>,
    /// Indexes into `rows` of the rows the search matches, in list order.
    pub matches: Vec<usize>,
    /// Index into `matches`.
    pub selected: usize,
    /// The first match shown (scroll position).
    pub offset: usize,
    pub next_cursor: Option<String>,
    pub loaded_once: bool,
    /// The request in flight, if any.
    pub loading: Option<u64>,
    /// A background reload of the loaded rows in flight, if any.
    pub refreshing: Option<u64>,
    /// When the rows were last loaded from the first page.
    pub refreshed_at: Option<DateTime<Utc>>,
    pub query: String,
    /// Typing goes to the query.
    pub searching: bool,
    /// `G` asked for the last thread while rows were still unloaded: select it on arrival.
    pub wants_end: bool,
    /// Entries of the home the loaded pages passed over (each once), counted in the footer.
    pub skipped: Vec<SkippedEntry>,
    /// Threads marked for a bulk action, in the order they were marked.
    pub marked: Vec<ThreadId>,
    /// A bulk action running on the marked threads.
    pub bulk: Option<BulkAction>,
    /// When the user last pressed a key (or scrolled or clicked): rows do not re-sort under
    /// a user who is moving or typing (see `hold`).
    pub last_input_at: Option<DateTime<Utc>>,
    /// A refresh came while the user was active: rows took its data but kept their order, and
    /// new threads wait; the next refresh after the keys go idle re-sorts.
    pub order_held: bool,
    /// A thread to select once the pages loaded reach it (see `reveal`).
    pub seeking: Option<Seek>,
}

/// A thread the list should select when a page brings it, and where in the order it would be
/// (the sort key's value when it was known): no need to load past it.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct Seek {
    pub id: ThreadId,
    pub sort_value: DateTime<Utc>,
}

impl ListView {
    /// The layout and preview choices, as they are remembered across runs.
    pub fn ui_state(&self) -> UiState {
        UiState {
            layout: Some(self.density),
            preview: Some(self.show_preview),
        }
    }

    /// Takes the remembered choices; a missing one keeps what the config said.
    pub fn apply_ui_state(&mut self, remembered: UiState) {
        self.density = remembered.layout.unwrap_or(self.density);
        self.show_preview = remembered.preview.unwrap_or(self.show_preview);
    }

    pub fn new(density: Density) -> Self {
        ListView {
            tab: Tab::Local,
            sort: SortKey::UpdatedAt,
            scope: Scope::All,
            source: SourceFilter::All,
            attention_only: false,
            grouped: false,
            project: None,
            density,
            show_preview: true,
            rows: Vec::new(),
            matches: Vec::new(),
            selected: 0,
            offset: 0,
            next_cursor: None,
            loaded_once: false,
            loading: None,
            refreshing: None,
            refreshed_at: None,
            query: String::new(),
            searching: false,
            wants_end: false,
            skipped: Vec::new(),
            marked: Vec::new(),
            bulk: None,
            last_input_at: None,
            order_held: false,
            seeking: None,
        }
    }

    /// The next page; `page_size` 0 loads every remaining row.
    pub fn params(&self, cwd: &Path, page_size: usize) -> ListThreadsParams {
        ListThreadsParams {
            page_size,
            cursor: self.next_cursor.clone(),
            sort_key: self.sort,
            sort_direction: SortDirection::Desc,
            cwd_filters: match self.scope {
                Scope::ThisDirectory => Some(vec![cwd.to_path_buf()]),
                Scope::All => None,
            },
            archived: self.tab == Tab::Archived,
            search_term: None,
            source: self.source.clone(),
            status: None,
            unread_only: false,
            attention_only: self.attention_only,
            section_id: None,
            project_id: self.project.as_ref().map(|project| project.id.clone()),
        }
    }

    /// Params that reload every row loaded so far from the start, for a background refresh.
    pub fn refresh_params(&self, cwd: &Path) -> ListThreadsParams {
        ListThreadsParams {
            cursor: None,
            ..self.params(cwd, self.rows.len().max(LIST_PAGE_SIZE))
        }
    }

    /// Takes the data of a fresh load for the rows already listed, in their order: threads not
    /// listed yet wait, and rows the load lacks stay (until the next `replace_rows`).
    pub fn update_in_place(&mut self, fresh: Vec<ListRow>) {
        let mut fresh: std::collections::HashMap<ThreadId, ListRow> = fresh
            .into_iter()
            .map(|row| (row.thread.thread_id, row))
            .collect();
        for row in &mut self.rows {
            if let Some(new) = fresh.remove(&row.thread.thread_id) {
                *row = new;
            }
        }
        self.refilter();
    }

    /// Selects the thread `id` when a loaded row of it matches the search; true when it did.
    pub fn select_thread(&mut self, id: ThreadId, rows_per_page: usize) -> bool {
        let Some(position) = self
            .matches
            .iter()
            .position(|&index| self.rows[index].thread.thread_id == id)
        else {
            return false;
        };
        self.select(position, rows_per_page);
        true
    }

    /// The value of the sort key for `thread`.
    pub fn sort_value(&self, thread: &StoredThread) -> DateTime<Utc> {
        match self.sort {
            SortKey::UpdatedAt => thread.updated_at,
            SortKey::CreatedAt => thread.created_at,
        }
    }

    /// Replaces the rows with a fresh load, keeping the selected thread selected.
    pub fn replace_rows(&mut self, rows: Vec<ListRow>, next_cursor: Option<String>) {
        let selected_id = self.selected_row().map(|row| row.thread.thread_id);
        self.rows = rows;
        self.next_cursor = next_cursor;
        self.refilter();
        if let Some(position) = selected_id.and_then(|id| {
            self.matches
                .iter()
                .position(|&index| self.rows[index].thread.thread_id == id)
        }) {
            self.selected = position;
        }
        self.selected = self.selected.min(self.matches.len().saturating_sub(1));
    }

    /// Forgets every row (before loading a different listing).
    pub fn clear_rows(&mut self) {
        self.rows.clear();
        self.matches.clear();
        self.selected = 0;
        self.offset = 0;
        self.next_cursor = None;
        self.loaded_once = false;
        self.wants_end = false;
        self.skipped.clear();
        // Marks belong to the rows they were made on; another listing starts unmarked.
        self.marked.clear();
        self.order_held = false;
        self.seeking = None;
    }

    /// Adds what a page passed over; every page of a listing reports the bad entries of the
    /// directory walk again, so each is kept once.
    pub fn add_skipped(&mut self, skipped: Vec<SkippedEntry>) {
        for entry in skipped {
            if !self.skipped.contains(&entry) {
                self.skipped.push(entry);
            }
        }
    }

    /// The next source filter of the cycle: all, interactive (what Codex's picker lists),
    /// exec (what it hides), all. A source given on the command line leads back to all.
    pub fn cycle_source(&mut self) {
        self.source = match self.source {
            SourceFilter::All => SourceFilter::Interactive,
            SourceFilter::Interactive => SourceFilter::Only("exec".to_string()),
            SourceFilter::Only(_) => SourceFilter::All,
        };
    }

    pub fn has_more(&self) -> bool {
        self.next_cursor.is_some()
    }

    pub fn shows_search_line(&self) -> bool {
        self.searching || !self.query.is_empty()
    }

    pub fn selected_row(&self) -> Option<&ListRow> {
        self.matches
            .get(self.selected)
            .and_then(|&index| self.rows.get(index))
    }

    pub fn visible_rows(&self, count: usize) -> impl Iterator<Item = (usize, &ListRow)> {
        self.matches
            .iter()
            .enumerate()
            .skip(self.offset)
            .take(count)
            .filter_map(|(position, &index)| self.rows.get(index).map(|row| (position, row)))
    }

    /// Adds a page of rows (skipping threads already listed).
    pub fn append(&mut self, rows: Vec<ListRow>) {
        for row in rows {
            if !self
                .rows
                .iter()
                .any(|r| r.thread.thread_id == row.thread.thread_id)
            {
                self.rows.push(row);
            }
        }
        self.refilter();
    }

    pub fn replace_thread(&mut self, thread: &StoredThread) -> bool {
        match self
            .rows
            .iter_mut()
            .find(|r| r.thread.thread_id == thread.thread_id)
        {
            Some(row) => {
                row.thread = thread.clone();
                self.refilter();
                true
            }
            None => false,
        }
    }

    pub fn remove_thread(&mut self, id: ThreadId) {
        self.rows.retain(|row| row.thread.thread_id != id);
        self.marked.retain(|marked| *marked != id);
        self.refilter();
    }

    pub fn is_marked(&self, id: ThreadId) -> bool {
        self.marked.contains(&id)
    }

    /// Marks the selected thread, or unmarks it; true when it is marked now.
    pub fn toggle_mark(&mut self) -> bool {
        let Some(id) = self.selected_row().map(|row| row.thread.thread_id) else {
            return false;
        };
        if self.is_marked(id) {
            self.marked.retain(|marked| *marked != id);
            false
        } else {
            self.marked.push(id);
            true
        }
    }

    /// The marked threads that are still listed, in the order they were marked.
    pub fn marked_rows(&self) -> Vec<&ListRow> {
        self.marked
            .iter()
            .filter_map(|id| self.rows.iter().find(|row| row.thread.thread_id == *id))
            .collect()
    }

    /// Recomputes the matches, keeping the selected thread selected when it still matches.
    pub fn refilter(&mut self) {
        let selected_id = self.selected_row().map(|row| row.thread.thread_id);
        let needle = self.query.trim().to_lowercase();
        self.matches = self
            .rows
            .iter()
            .enumerate()
            .filter(|(_, row)| needle.is_empty() || matches_lowercase(&row.thread, &needle))
            .map(|(index, _)| index)
            .collect();
        // Codex's curation comes before the sort key; a stable sort keeps the rest in order.
        let rows = &self.rows;
        if self.grouped {
            self.matches
                .sort_by_key(|&index| section_rank(&rows[index].thread));
        } else {
            self.matches
                .sort_by_key(|&index| pin_rank(&rows[index].thread));
        }
        if let Some(id) = selected_id
            && let Some(position) = self
                .matches
                .iter()
                .position(|&index| self.rows[index].thread.thread_id == id)
        {
            self.selected = position;
        }
        self.selected = self.selected.min(self.matches.len().saturating_sub(1));
    }

    /// Moves the selection by `delta` rows and keeps it on screen.
    pub fn move_selection(&mut self, delta: isize, rows_per_page: usize) {
        let last = self.matches.len().saturating_sub(1);
        self.selected = self.selected.saturating_add_signed(delta).min(last);
        self.keep_selection_visible(rows_per_page);
    }

    pub fn select(&mut self, position: usize, rows_per_page: usize) {
        self.selected = position.min(self.matches.len().saturating_sub(1));
        self.keep_selection_visible(rows_per_page);
    }

    pub fn keep_selection_visible(&mut self, rows_per_page: usize) {
        let rows = rows_per_page.max(1);
        if self.selected < self.offset {
            self.offset = self.selected;
        } else if self.selected >= self.offset + rows {
            self.offset = self.selected + 1 - rows;
        }
        self.offset = self.offset.min(self.matches.len().saturating_sub(rows));
    }

    /// True when more rows should be fetched: the selection is near the last match (or
    /// nothing loaded matches the search) and the store has more.
    pub fn wants_more(&self) -> bool {
        self.loading.is_none()
            && self.has_more()
            && self.selected + PREFETCH_MARGIN >= self.matches.len()
    }
}
