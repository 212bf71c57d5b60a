//! The history view of one thread: a bounded window of rollout lines, the transcript folded
//! from it, each item's lines laid out at the current width (cached), and the scroll state.

use std::collections::VecDeque;

use ratatui::text::Line;

use super::matches::ThreadMatches;
use crate::history::{CommandStatus, ItemKind, Transcript, TranscriptItem};
use crate::store::{HistoryCursor, HistoryDirection, HistoryLine, StoredThread, ThreadHistoryPage};
use crate::text::find_query;
use crate::tui::theme::Theme;
use crate::tui::transcript::cells::{CellOptions, render_item};

/// Lines read per history page.
pub const HISTORY_PAGE_LINES: usize = 200;
/// At most this many rollout lines are kept parsed; older (or newer) ones are dropped and read
/// again when scrolled to.
pub const MAX_WINDOW_LINES: usize = 2_000;
/// The window may grow this far past its limit before it is trimmed (trimming refolds).
const TRIM_SLACK: usize = 500;
/// At most this many bytes of rollout lines are kept parsed (what they cost is a few times
/// this, parsed, folded and laid out), whatever their count: a few long lines weigh as much as
/// thousands of short ones. A page read holds at most about 4 MiB and one line of at most
/// 8 MiB (the rollout readers' limits), so the window always holds the page just read.
pub const MAX_WINDOW_BYTES: u64 = 16 << 20;

#[derive(Clone, Debug, PartialEq, Eq)]
pub enum FollowStatus {
    /// Not following (the first page has not arrived, or the thread is not at its end).
    Off,
    Following,
    /// The rollout was archived or moved; what was read stays.
    Moved,
    Failed(String),
}

#[derive(Clone, Debug)]
pub struct HistoryView {
    pub thread: StoredThread,
    /// Follow events for this view carry this id; others are stale.
    pub request_id: u64,
    /// Pages read for this view carry this id; a jump to a match outside the window changes it,
    /// so pages still in flight for the old window are ignored.
    pub load_id: u64,
    /// A jump is waiting for the page read forward from this line; the page replaces the window.
    pub jump_to: Option<HistoryCursor>,
    /// The query's matches in this thread, for `n` / `N` and highlighting.
    pub matches: Option<ThreadMatches>,
    window: VecDeque<HistoryLine>,
    /// The `bytes` of the lines in `window`.
    window_bytes: u64,
    transcript: Transcript,
    /// Each item's lines at `cell_width`.
    cells: Vec<Vec<Line<'static>>>,
    /// `offsets[i]` is the first line of item `i`; the last entry is the total.
    offsets: Vec<usize>,
    cell_width: usize,
    /// What every cell shows (full output…); changing it lays every item out again.
    options: CellOptions,
    /// Anchor for reading older lines.
    pub start: HistoryCursor,
    pub at_start: bool,
    /// Anchor for reading newer lines when the newest ones were dropped from the window.
    pub end: HistoryCursor,
    pub tail_trimmed: bool,
    pub loading: Option<HistoryDirection>,
    pub loaded_once: bool,
    /// The first line shown.
    pub scroll_top: usize,
    /// At the bottom, new lines keep the view at the bottom.
    pub stick_to_bottom: bool,
    /// Items that arrived while scrolled up.
    pub unseen: usize,
    pub follow: FollowStatus,
}

impl HistoryView {
    /// Whether the loaded part of the thread has raw reasoning to show.
    pub fn has_raw_reasoning(&self) -> bool {
        self.transcript
            .items()
            .iter()
            .any(|item| matches!(item.kind, crate::history::ItemKind::RawReasoning { .. }))
    }

    pub fn new(thread: StoredThread, request_id: u64) -> Self {
        HistoryView {
            thread,
            request_id,
            load_id: request_id,
            jump_to: None,
            matches: None,
            window: VecDeque::new(),
            window_bytes: 0,
            transcript: Transcript::new(),
            cells: Vec::new(),
            offsets: vec![0],
            cell_width: 0,
            options: CellOptions::default(),
            start: HistoryCursor::default(),
            at_start: false,
            end: HistoryCursor::default(),
            tail_trimmed: false,
            loading: Some(HistoryDirection::Backward),
            loaded_once: false,
            scroll_top: 0,
            stick_to_bottom: true,
            unseen: 0,
            follow: FollowStatus::Off,
        }
    }

    pub fn items(&self) -> &[TranscriptItem] {
        self.transcript.items()
    }

    pub fn window_len(&self) -> usize {
        self.window.len()
    }

    pub fn window_bytes(&self) -> u64 {
        self.window_bytes
    }

    /// Whether the window should be trimmed: past its count (and slack) or its bytes.
    fn over_budget(&self) -> bool {
        self.window.len() > MAX_WINDOW_LINES + TRIM_SLACK || self.window_bytes > MAX_WINDOW_BYTES
    }

    /// How many lines to drop from one end, keeping at least `keep` lines, so that the rest
    /// fits the count and the bytes; the lines are taken from the front or the back.
    fn excess(&self, keep: usize, from_front: bool) -> usize {
        let mut count = 0;
        let mut bytes = self.window_bytes;
        let droppable = self.window.len().saturating_sub(keep);
        let mut lines: Box<dyn Iterator<Item = &HistoryLine>> = if from_front {
            Box::new(self.window.iter())
        } else {
            Box::new(self.window.iter().rev())
        };
        while count < droppable
            && (self.window.len() - count > MAX_WINDOW_LINES || bytes > MAX_WINDOW_BYTES)
        {
            let Some(line) = lines.next() else { break };
            bytes -= line.bytes;
            count += 1;
        }
        count
    }

    pub fn total_lines(&self) -> usize {
        self.offsets.last().copied().unwrap_or(0)
    }

    /// The lines from `top`, at most `count` of them.
    pub fn lines(&self, top: usize, count: usize) -> impl Iterator<Item = &Line<'static>> {
        let first_item = self
            .offsets
            .partition_point(|&offset| offset <= top)
            .saturating_sub(1);
        let skip = top.saturating_sub(self.offsets.get(first_item).copied().unwrap_or(0));
        self.cells
            .iter()
            .skip(first_item)
            .flatten()
            .skip(skip)
            .take(count)
    }

    pub fn max_top(&self, page_lines: usize) -> usize {
        self.total_lines().saturating_sub(page_lines)
    }

    /// The first line shown, with the view pinned to the bottom while it sticks there.
    pub fn top(&self, page_lines: usize) -> usize {
        if self.stick_to_bottom {
            self.max_top(page_lines)
        } else {
            self.scroll_top.min(self.max_top(page_lines))
        }
    }

    pub fn at_bottom(&self, page_lines: usize) -> bool {
        self.top(page_lines) >= self.max_top(page_lines)
    }

    /// Scrolls by `delta` lines; reaching the bottom sticks there (unless newer lines were
    /// dropped from the window and must be read again first).
    pub fn scroll_by(&mut self, delta: isize, page_lines: usize) {
        let top = self.top(page_lines).saturating_add_signed(delta);
        self.scroll_top = top.min(self.max_top(page_lines));
        self.stick_to_bottom = false;
        if self.scroll_top >= self.max_top(page_lines) && !self.tail_trimmed {
            self.stick_to_bottom = true;
            self.unseen = 0;
        }
    }

    pub fn scroll_to_top(&mut self) {
        self.scroll_top = 0;
        self.stick_to_bottom = false;
    }

    pub fn scroll_to_bottom(&mut self, page_lines: usize) {
        self.scroll_top = self.max_top(page_lines);
        if !self.tail_trimmed {
            self.stick_to_bottom = true;
            self.unseen = 0;
        }
    }

    /// The running commands drawn on lines `top..top + count`: the line of each one's
    /// `running` marker (the last of its cell before the separator) and when it started, for
    /// the elapsed time the frame adds. Only the items on screen are looked at.
    pub fn running_markers(&self, top: usize, count: usize) -> Vec<(usize, Option<i64>)> {
        let end = top.saturating_add(count);
        let first = self
            .offsets
            .partition_point(|&offset| offset <= top)
            .saturating_sub(1);
        let mut markers = Vec::new();
        for (index, item) in self.items().iter().enumerate().skip(first) {
            let Some((&start, &next)) = self.offsets.get(index).zip(self.offsets.get(index + 1))
            else {
                break;
            };
            if start >= end {
                break;
            }
            if let Some(CommandStatus::Running { started_at_ms }) = item.kind.command_status()
                && let Some(line) = next.checked_sub(2).filter(|line| *line >= start)
                && (top..end).contains(&line)
            {
                markers.push((line, started_at_ms));
            }
        }
        markers
    }

    /// Scrolls to the start of the next (`forward`) or previous user prompt, from the line at
    /// the top of the view, as Codex's transcript does. When the loaded window has none that
    /// way, it scrolls to that end of the window instead (which reads the next page when there
    /// is one) and says so.
    pub fn jump_to_prompt(&mut self, forward: bool, page_lines: usize) -> Option<&'static str> {
        let top = self.top(page_lines);
        let max_top = self.max_top(page_lines);
        let mut prompts = self
            .items()
            .iter()
            .enumerate()
            .filter(|(_, item)| matches!(item.kind, ItemKind::User { .. }))
            .filter_map(|(index, _)| self.offsets.get(index).copied());
        let target = if forward {
            // A prompt on the last page is as far as the view goes: it is no jump.
            prompts.find(|&line| line.min(max_top) > top)
        } else {
            prompts.rfind(|&line| line < top)
        };
        match (target, forward) {
            (Some(line), _) => {
                self.scroll_by(line as isize - top as isize, page_lines);
                None
            }
            (None, true) if self.tail_trimmed => {
                self.scroll_to_bottom(page_lines);
                Some("No later prompt loaded yet: reading newer lines")
            }
            (None, true) => Some("No later prompt"),
            (None, false) if !self.at_start => {
                self.scroll_to_top();
                Some("No earlier prompt loaded yet: reading older lines")
            }
            (None, false) => Some("No earlier prompt"),
        }
    }

    /// Whether `cursor` is one of the lines in the window.
    pub fn contains(&self, cursor: HistoryCursor) -> bool {
        match (self.window.front(), self.window.back()) {
            (Some(first), Some(last)) => first.cursor <= cursor && cursor <= last.cursor,
            _ => false,
        }
    }

    /// The first rollout line of the item at the top of the view.
    pub fn top_cursor(&self, page_lines: usize) -> HistoryCursor {
        let top = self.top(page_lines);
        let index = self.offsets.partition_point(|&offset| offset <= top);
        self.items()
            .get(index.saturating_sub(1))
            .map_or(self.start, |item| item.cursor)
    }

    /// The lines (first, end) of the item that holds rollout line `cursor`.
    pub fn item_lines(&self, cursor: HistoryCursor) -> Option<std::ops::Range<usize>> {
        let index = self
            .items()
            .partition_point(|item| item.cursor <= cursor)
            .checked_sub(1)?;
        Some(self.offsets[index]..self.offsets[index + 1])
    }

    /// Whether line `index` of the laid-out transcript shows `query`.
    pub fn line_shows(&self, index: usize, query: &str) -> bool {
        self.lines(index, 1).next().is_some_and(|line| {
            let text: String = line.spans.iter().map(|s| s.content.as_ref()).collect();
            find_query(&text, query).is_some()
        })
    }

    /// Scrolls so that the item holding rollout line `cursor` is on screen, at the line that
    /// shows `query` when one does, with a line of context above.
    pub fn scroll_to_cursor(&mut self, cursor: HistoryCursor, query: &str, page_lines: usize) {
        let Some(lines) = self.item_lines(cursor) else {
            return;
        };
        let shown = lines
            .clone()
            .find(|&index| self.line_shows(index, query))
            .unwrap_or(lines.start);
        let top = if shown + 2 < lines.start + page_lines {
            lines.start.saturating_sub(1)
        } else {
            shown.saturating_sub(2)
        };
        self.scroll_top = top.min(self.max_top(page_lines));
        self.stick_to_bottom = false;
    }

    /// Marks a jump to `cursor` whose page is read with `load_id`.
    pub fn start_jump(&mut self, cursor: HistoryCursor, load_id: u64) {
        self.load_id = load_id;
        self.jump_to = Some(cursor);
        self.loading = Some(HistoryDirection::Forward);
    }

    /// Forgets a pending jump: its page (read with the old `load_id`) will be ignored.
    pub fn cancel_jump(&mut self, load_id: u64) {
        self.load_id = load_id;
        self.jump_to = None;
        self.loading = None;
    }

    /// Replaces the window with a page read forward from a jump's target line.
    pub fn show_jump_page(&mut self, page: ThreadHistoryPage, theme: &Theme) {
        self.loading = None;
        self.loaded_once = true;
        self.window = page.lines.into();
        self.window_bytes = self.window.iter().map(|line| line.bytes).sum();
        self.start = page.start;
        self.at_start = page.at_start;
        self.end = page.end;
        self.tail_trimmed = !page.at_end;
        self.stick_to_bottom = false;
        self.unseen = 0;
        self.refold(theme);
    }

    /// Lays every item out again if the width changed.
    pub fn relayout(&mut self, width: usize, theme: &Theme) {
        if width != self.cell_width {
            self.cell_width = width;
            // Line numbers change with the width: keep the same item at the top.
            let anchor = self.anchor();
            self.render_all(theme);
            if !self.stick_to_bottom {
                self.restore_anchor(anchor);
            }
        }
    }

    pub fn options(&self) -> CellOptions {
        self.options
    }

    /// Flips one of the cell options (`pick` chooses it) and lays the items out again; returns
    /// whether it is now on.
    pub fn toggle_option(
        &mut self,
        pick: fn(&mut CellOptions) -> &mut bool,
        theme: &Theme,
    ) -> bool {
        let mut options = self.options;
        let flag = pick(&mut options);
        *flag = !*flag;
        let on = *flag;
        self.set_options(options, theme);
        on
    }

    /// Lays every item out again with `options`, keeping the item at the top of the view there
    /// (or the view at the bottom while it sticks there).
    pub fn set_options(&mut self, options: CellOptions, theme: &Theme) {
        if options == self.options {
            return;
        }
        self.options = options;
        let anchor = self.anchor();
        self.render_all(theme);
        if !self.stick_to_bottom {
            self.restore_anchor(anchor);
        }
    }

    /// Adds a page read backward (older lines, or the first page) or forward (newer lines
    /// dropped from the window earlier).
    pub fn apply_page(
        &mut self,
        page: ThreadHistoryPage,
        direction: HistoryDirection,
        theme: &Theme,
    ) {
        self.loading = None;
        match direction {
            HistoryDirection::Backward => {
                let first_load = !self.loaded_once;
                self.loaded_once = true;
                self.start = page.start;
                self.at_start = page.at_start;
                if first_load {
                    self.end = page.end;
                    self.tail_trimmed = !page.at_end;
                }
                let anchor = self.anchor();
                let added = page.lines.len();
                for line in page.lines.into_iter().rev() {
                    self.window_bytes += line.bytes;
                    self.window.push_front(line);
                }
                if self.over_budget() {
                    // The newest lines go; the page just read (at the top of the view) stays.
                    let keep = self.window.len() - self.excess(added, false);
                    let dropped = self.window.split_off(keep);
                    self.window_bytes -= dropped.iter().map(|line| line.bytes).sum::<u64>();
                    if let Some(first_dropped) = dropped.front() {
                        self.end = first_dropped.cursor;
                        self.tail_trimmed = true;
                        self.stick_to_bottom = false;
                    }
                }
                self.refold(theme);
                if !first_load {
                    self.restore_anchor(anchor);
                }
            }
            HistoryDirection::Forward => {
                self.end = page.end;
                let caught_up = page.at_end;
                self.append(page.lines, theme);
                if caught_up {
                    self.tail_trimmed = false;
                }
            }
        }
    }

    /// Adds lines the follower read. Lines already in the window are ignored; while newer lines
    /// are missing from the window they only count as unseen.
    pub fn follow_lines(&mut self, lines: Vec<HistoryLine>, theme: &Theme) {
        if self.tail_trimmed {
            self.unseen += lines.len();
            return;
        }
        let last = self.window.back().map(|line| line.cursor);
        let fresh: Vec<HistoryLine> = lines
            .into_iter()
            .filter(|line| last.is_none_or(|last| line.cursor > last))
            .collect();
        let before = self.items().len();
        self.append(fresh, theme);
        if !self.stick_to_bottom {
            self.unseen += self.items().len().saturating_sub(before);
        }
    }

    fn append(&mut self, lines: Vec<HistoryLine>, theme: &Theme) {
        let mut first_touched = usize::MAX;
        let added = lines.len();
        for line in lines {
            self.window_bytes += line.bytes;
            for index in self.transcript.push(&line) {
                first_touched = first_touched.min(index);
                let item = &self.transcript.items()[index].kind;
                let rendered = render_item(item, self.cell_width, theme, self.options);
                if index < self.cells.len() {
                    self.cells[index] = rendered;
                } else {
                    self.cells.push(rendered);
                }
            }
            self.window.push_back(line);
        }
        if first_touched != usize::MAX {
            self.recompute_offsets();
        }
        let excess = if self.over_budget() {
            self.excess(added, true)
        } else {
            0
        };
        if excess > 0 {
            let anchor = self.anchor();
            self.window_bytes -= self
                .window
                .drain(..excess)
                .map(|line| line.bytes)
                .sum::<u64>();
            if let Some(first) = self.window.front() {
                self.start = first.cursor;
                self.at_start = false;
            }
            self.refold(theme);
            self.restore_anchor(anchor);
        }
    }

    /// Folds the whole window again (after lines were added before it or dropped from it).
    fn refold(&mut self, theme: &Theme) {
        self.transcript = Transcript::from_lines(self.window.iter());
        self.render_all(theme);
    }

    fn render_all(&mut self, theme: &Theme) {
        self.cells = self
            .transcript
            .items()
            .iter()
            .map(|item| render_item(&item.kind, self.cell_width, theme, self.options))
            .collect();
        self.recompute_offsets();
    }

    fn recompute_offsets(&mut self) {
        self.offsets.clear();
        let mut total = 0;
        self.offsets.push(0);
        for cell in &self.cells {
            total += cell.len();
            self.offsets.push(total);
        }
    }

    /// The item at the top of the view and how far into it the view starts.
    fn anchor(&self) -> Option<(HistoryCursor, usize)> {
        let top = self.scroll_top;
        let index = self
            .offsets
            .partition_point(|&offset| offset <= top)
            .checked_sub(1)?;
        let item = self.items().get(index)?;
        Some((item.cursor, top - self.offsets[index]))
    }

    /// Puts the anchor's item back at the top; `within` stays inside the item if it shrank.
    fn restore_anchor(&mut self, anchor: Option<(HistoryCursor, usize)>) {
        let Some((cursor, within)) = anchor else {
            return;
        };
        let index = self.items().partition_point(|item| item.cursor < cursor);
        let Some(&offset) = self.offsets.get(index) else {
            return;
        };
        let len = self.cells.get(index).map_or(usize::MAX, Vec::len);
        self.scroll_top = offset + within.min(len.saturating_sub(1));
    }
}
