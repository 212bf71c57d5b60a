//! The results of a full-text search across every thread: one row per matching thread, in the
//! order the hits arrive (the most recently written rollouts first), with its first few hits.

use crate::protocol::ThreadId;
use crate::store::{SearchHit, SearchStats, StoredThread};

/// Hits kept per thread (the search is asked for no more).
pub const HITS_PER_THREAD: usize = 3;
/// Threads shown at most; the search is stopped when this many have matched.
pub const MAX_RESULT_THREADS: usize = 1_000;

#[derive(Clone, Debug, PartialEq)]
pub struct ResultRow {
    pub thread: StoredThread,
    /// The first hits in this thread, in file order (never empty).
    pub hits: Vec<SearchHit>,
    /// Every hit in the thread, once the search is done (`None` while it runs).
    pub total: Option<usize>,
}

impl ResultRow {
    /// "3 hits", "1 hit", or "3+ hits" while a search that stopped sending is still counting.
    pub fn hits_label(&self) -> String {
        let (count, more) = match self.total {
            Some(total) => (total, ""),
            None if self.hits.len() >= HITS_PER_THREAD => (self.hits.len(), "+"),
            None => (self.hits.len(), ""),
        };
        let plural = if count == 1 && more.is_empty() {
            ""
        } else {
            "s"
        };
        format!("{count}{more} hit{plural}")
    }
}

#[derive(Clone, Debug, PartialEq)]
pub enum SearchProgress {
    Running,
    Done(SearchStats),
    /// Stopped at `MAX_RESULT_THREADS`.
    Truncated,
    Failed(String),
}

#[derive(Clone, Debug, PartialEq)]
pub struct SearchResults {
    /// Hits and the end of the search carry this id; others are stale.
    pub request_id: u64,
    pub query: String,
    pub rows: Vec<ResultRow>,
    /// Hits received so far.
    pub hit_count: usize,
    pub progress: SearchProgress,
    pub selected: usize,
    /// The first row shown (scroll position).
    pub offset: usize,
}

impl SearchResults {
    pub fn new(request_id: u64, query: String) -> Self {
        SearchResults {
            request_id,
            query,
            rows: Vec::new(),
            hit_count: 0,
            progress: SearchProgress::Running,
            selected: 0,
            offset: 0,
        }
    }

    pub fn running(&self) -> bool {
        self.progress == SearchProgress::Running
    }

    /// Adds a batch: `threads` holds the metadata of threads seen for the first time. Hits of
    /// threads without metadata are dropped. Returns false once the rows are full.
    pub fn add(&mut self, threads: Vec<StoredThread>, hits: Vec<SearchHit>) -> bool {
        for thread in threads {
            if self.rows.len() >= MAX_RESULT_THREADS {
                break;
            }
            if self.row_mut(thread.thread_id).is_none() {
                self.rows.push(ResultRow {
                    thread,
                    hits: Vec::new(),
                    total: None,
                });
            }
        }
        for hit in hits {
            if let Some(row) = self.row_mut(hit.thread_id)
                && row.hits.len() < HITS_PER_THREAD
            {
                row.hits.push(hit);
                self.hit_count += 1;
            }
        }
        self.rows.retain(|row| !row.hits.is_empty());
        self.rows.len() < MAX_RESULT_THREADS
    }

    /// The search is done: every row and the total get their real counts.
    pub fn finish(&mut self, stats: SearchStats) {
        for row in &mut self.rows {
            row.total = stats.thread_hits.get(&row.thread.thread_id).copied();
        }
        self.hit_count = stats.hits;
        self.progress = SearchProgress::Done(stats);
    }

    /// A thread the manager returned after an edit (a rename shows in its row).
    pub fn replace_thread(&mut self, thread: &StoredThread) {
        if let Some(row) = self.row_mut(thread.thread_id) {
            row.thread = thread.clone();
        }
    }

    fn row_mut(&mut self, id: ThreadId) -> Option<&mut ResultRow> {
        self.rows.iter_mut().find(|row| row.thread.thread_id == id)
    }

    pub fn selected_row(&self) -> Option<&ResultRow> {
        self.rows.get(self.selected)
    }

    pub fn move_selection(&mut self, delta: isize, rows_per_page: usize) {
        let last = self.rows.len().saturating_sub(1);
        self.selected = self.selected.saturating_add_signed(delta).min(last);
        let rows = rows_per_page.max(1);
        if self.selected < self.offset {
            self.offset = self.selected;
        } else if self.selected >= self.offset + rows {
            self.offset = self.selected + 1 - rows;
        }
    }
}
