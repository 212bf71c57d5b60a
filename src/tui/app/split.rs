//! The split view: two to four threads followed at once, one pane each, as tmux splits a
//! window. Each pane is a `HistoryView` (the same bounded window of rollout lines, the same
//! pages and the same follower as the history screen), laid out at its pane's width; the
//! panes keep following while other screens show.

use chrono::{DateTime, Utc};

use super::history::{FollowStatus, HISTORY_PAGE_LINES, HistoryView};
use super::history_update::open_thread;
use super::list_load::after_selection_change;
use super::msg::Effect;
use super::search;
use super::state::{Overlay, Screen, State};
use crate::manager::FollowEvent;
use crate::protocol::ThreadId;
use crate::store::{HistoryDirection, ReadHistoryPageParams, StoredThread, ThreadHistoryPage};
use crate::text::sanitize::single_line;
use crate::tui::keymap::{Action, Mode};
use crate::tui::ui::split::{layout, pane_inner, split_body};

/// Panes the split view holds at most.
pub const MAX_PANES: usize = 4;
/// How often the panes' threads are read again while the split view shows (their status
/// moves on without new lines: a writer lets go, an approval is answered elsewhere).
const STATUS_REFRESH: chrono::Duration = chrono::Duration::seconds(3);

#[derive(Clone, Debug, Default)]
pub struct SplitView {
    pub panes: Vec<HistoryView>,
    /// The pane keys act on.
    pub focus: usize,
    /// The focused pane fills the screen.
    pub zoomed: bool,
    /// The history screen opened from a pane (its request id): leaving it comes back here.
    pub history_from_split: Option<u64>,
    /// The read of the panes' threads in flight.
    refreshing: Option<u64>,
    refreshed_at: Option<DateTime<Utc>>,
    /// Lines arrived since the last read: the statuses may have moved.
    stale: bool,
}

impl SplitView {
    pub fn focused(&self) -> Option<&HistoryView> {
        self.panes.get(self.focus)
    }

    pub fn index_of(&self, thread_id: ThreadId) -> Option<usize> {
        self.panes
            .iter()
            .position(|view| view.thread.thread_id == thread_id)
    }

    /// Whether a page read with `request_id` is for one of the panes.
    pub fn owns_load(&self, request_id: u64) -> bool {
        self.panes.iter().any(|view| view.load_id == request_id)
    }

    /// Whether follow events with `request_id` are for one of the panes.
    pub fn owns_follow(&self, request_id: u64) -> bool {
        self.panes.iter().any(|view| view.request_id == request_id)
    }

    /// A thread read again or edited: its pane shows the new metadata.
    pub fn replace_thread(&mut self, thread: &StoredThread) {
        for view in &mut self.panes {
            if view.thread.thread_id == thread.thread_id {
                view.thread = thread.clone();
            }
        }
    }
}

/// Adds `thread` in a new focused pane (or focuses the pane that has it) and reads its last
/// page; the screen does not change.
pub(super) fn add_thread(state: &mut State, thread: StoredThread) -> Vec<Effect> {
    let title = single_line(thread.title());
    if let Some(index) = state.split.index_of(thread.thread_id) {
        state.split.focus = index;
        relayout(state);
        state.set_info(format!("“{title}” is already in the split view"));
        return Vec::new();
    }
    if state.split.panes.len() >= MAX_PANES {
        let close = key(state, Mode::Split, Action::ClosePane, "x");
        state.set_error(format!(
            "The split view holds {MAX_PANES} threads at most: close one there ({close}) first"
        ));
        return Vec::new();
    }
    let request_id = state.next_request_id();
    let params = ReadHistoryPageParams {
        thread_id: thread.thread_id,
        include_archived: thread.archived,
        anchor: None,
        direction: HistoryDirection::Backward,
        limit: HISTORY_PAGE_LINES,
        include_raw: false,
    };
    state.split.panes.push(HistoryView::new(thread, request_id));
    state.split.focus = state.split.panes.len() - 1;
    relayout(state);
    let show = key(state, state.mode(), Action::ShowSplit, "w");
    state.set_info(format!(
        "Added “{title}” to the split view ({}/{MAX_PANES}) · {show} shows it",
        state.split.panes.len()
    ));
    vec![Effect::LoadHistory { request_id, params }]
}

/// `+` on the list: the selected thread.
pub(super) fn add_selected(state: &mut State) -> Vec<Effect> {
    match state.list.selected_row().map(|row| row.thread.clone()) {
        Some(thread) => add_thread(state, thread),
        None => Vec::new(),
    }
}

/// Shows the split view (from the list or a history; the history is closed). An empty split
/// view takes the selected (or shown) thread first.
pub(super) fn show(state: &mut State) -> Vec<Effect> {
    let mut effects = Vec::new();
    if state.split.panes.is_empty() {
        let thread = match state.screen {
            Screen::List => state.list.selected_row().map(|row| row.thread.clone()),
            Screen::History => state.history.as_ref().map(|view| view.thread.clone()),
            Screen::Split | Screen::Stats | Screen::Trash | Screen::Disk => None,
        };
        let Some(thread) = thread else {
            let add = key(state, state.mode(), Action::AddToSplit, "+");
            state.set_info(format!(
                "The split view is empty: {add} adds the selected thread"
            ));
            return effects;
        };
        effects.extend(add_thread(state, thread));
    }
    if let Some(history) = state.history.take() {
        effects.push(Effect::StopFollow);
        effects.extend(search::cancel_thread_search(&history));
    }
    state.screen = Screen::Split;
    state.status = None;
    relayout(state);
    effects.extend(refresh(state));
    effects
}

/// A key on the split screen.
pub(super) fn on_action(state: &mut State, action: Action) -> Vec<Effect> {
    let count = state.split.panes.len();
    match action {
        Action::NextPane | Action::PrevPane if count > 0 => {
            let step = if action == Action::NextPane {
                1
            } else {
                count - 1
            };
            state.split.focus = (state.split.focus + step) % count;
            relayout(state);
        }
        Action::ZoomPane if count > 1 => {
            state.split.zoomed = !state.split.zoomed;
            relayout(state);
        }
        Action::ZoomPane => state.set_info("One pane fills the screen already"),
        Action::ClosePane if count > 0 => return close(state, state.split.focus),
        Action::MoveDown
        | Action::MoveUp
        | Action::PageDown
        | Action::PageUp
        | Action::Top
        | Action::Bottom => return scroll(state, action, 0),
        Action::Open => {
            let Some(thread) = state.split.focused().map(|view| view.thread.clone()) else {
                return Vec::new();
            };
            let effects = open_thread(state, thread);
            state.split.history_from_split = state.history.as_ref().map(|h| h.request_id);
            return effects;
        }
        Action::Back => {
            state.screen = Screen::List;
            return after_selection_change(state);
        }
        Action::Help => state.overlay = Some(Overlay::Help { scroll: 0 }),
        _ => {}
    }
    Vec::new()
}

/// Closes pane `index` and stops its follower; the last one closed goes back to the list.
fn close(state: &mut State, index: usize) -> Vec<Effect> {
    if index >= state.split.panes.len() {
        return Vec::new();
    }
    let view = state.split.panes.remove(index);
    let mut effects = vec![Effect::StopFollowPane {
        request_id: view.request_id,
    }];
    let split = &mut state.split;
    split.focus = split.focus.min(split.panes.len().saturating_sub(1));
    if split.panes.len() <= 1 {
        split.zoomed = false;
    }
    let title = single_line(view.thread.title());
    if split.panes.is_empty() {
        state.set_info(format!("Closed “{title}”; the split view is empty"));
        if state.screen == Screen::Split {
            state.screen = Screen::List;
            effects.extend(after_selection_change(state));
        }
    } else {
        state.set_info(format!("Closed “{title}”"));
    }
    relayout(state);
    effects
}

/// Scrolls the focused pane (by `action`, or by `wheel` lines); reading older lines when it
/// nears the top of its window.
fn scroll(state: &mut State, action: Action, wheel: isize) -> Vec<Effect> {
    let focus = state.split.focus;
    let lines = page_lines(state, focus);
    let page = lines.saturating_sub(1).max(1) as isize;
    let Some(view) = state.split.panes.get_mut(focus) else {
        return Vec::new();
    };
    match action {
        Action::MoveDown => view.scroll_by(1, lines),
        Action::MoveUp => view.scroll_by(-1, lines),
        Action::PageDown => view.scroll_by(page, lines),
        Action::PageUp => view.scroll_by(-page, lines),
        Action::Top => view.scroll_to_top(),
        Action::Bottom => view.scroll_to_bottom(lines),
        _ => view.scroll_by(wheel, lines),
    }
    view.next_page_request(lines).into_iter().collect()
}

/// The mouse wheel scrolls the focused pane.
pub(super) fn on_wheel(state: &mut State, delta: isize) -> Vec<Effect> {
    scroll(state, Action::Accept, delta)
}

/// A click focuses the pane under it.
pub(super) fn on_click(state: &mut State, column: u16, row: u16) -> Vec<Effect> {
    let position = ratatui::layout::Position::new(column, row);
    let clicked = layout(state)
        .areas
        .iter()
        .position(|area| area.is_some_and(|area| area.contains(position)));
    if let Some(index) = clicked {
        state.split.focus = index;
        relayout(state);
    }
    Vec::new()
}

/// Lines pane `index` shows: its text area's height (the whole body's for a pane not shown).
fn page_lines(state: &State, index: usize) -> usize {
    let area = layout(state)
        .areas
        .get(index)
        .copied()
        .flatten()
        .unwrap_or_else(|| split_body(state));
    usize::from(pane_inner(area).height).max(1)
}

/// Lays each shown pane's transcript out at its width (only when the width changed).
pub(super) fn relayout(state: &mut State) {
    let layout = layout(state);
    for (view, area) in state.split.panes.iter_mut().zip(layout.areas) {
        if let Some(area) = area {
            let width = usize::from(pane_inner(area).width).max(1);
            view.relayout(width, &state.theme);
        }
    }
}

pub(super) fn on_history_loaded(
    state: &mut State,
    request_id: u64,
    direction: HistoryDirection,
    result: Result<ThreadHistoryPage, String>,
) -> Vec<Effect> {
    let Some(index) = state
        .split
        .panes
        .iter()
        .position(|view| view.load_id == request_id)
    else {
        return Vec::new();
    };
    let lines = page_lines(state, index);
    let view = &mut state.split.panes[index];
    let page = match result {
        Ok(page) => page,
        Err(error) => {
            view.loading = None;
            view.loaded_once = true;
            let title = single_line(view.thread.title());
            state.set_error(format!("Could not read “{title}”: {error}"));
            return Vec::new();
        }
    };
    let start_following = !view.loaded_once && page.at_end;
    let end = page.end;
    view.apply_page(page, direction, &state.theme);
    let mut effects = Vec::new();
    if start_following {
        view.follow = FollowStatus::Following;
        effects.push(Effect::FollowPane {
            request_id: view.request_id,
            thread_id: view.thread.thread_id,
            from: end,
            include_archived: view.thread.archived,
        });
    }
    effects.extend(view.next_page_request(lines));
    effects
}

pub(super) fn on_follow(state: &mut State, request_id: u64, event: FollowEvent) -> Vec<Effect> {
    let Some(view) = state
        .split
        .panes
        .iter_mut()
        .find(|view| view.request_id == request_id)
    else {
        return Vec::new();
    };
    match event {
        FollowEvent::Lines(lines) => {
            view.follow_lines(lines, &state.theme);
            state.split.stale = true;
        }
        FollowEvent::Moved => view.follow = FollowStatus::Moved,
        FollowEvent::Failed(error) => view.follow = FollowStatus::Failed(error),
    }
    Vec::new()
}

/// On a tick: read the panes' threads again (their status) when lines arrived or a few
/// seconds passed, while the split view shows.
pub(super) fn refresh_if_due(state: &mut State) -> Vec<Effect> {
    let split = &state.split;
    let due = split.stale
        || split
            .refreshed_at
            .is_none_or(|at| state.now - at >= STATUS_REFRESH);
    if state.screen != Screen::Split || !due {
        return Vec::new();
    }
    refresh(state)
}

fn refresh(state: &mut State) -> Vec<Effect> {
    if state.split.panes.is_empty() || state.split.refreshing.is_some() {
        return Vec::new();
    }
    let request_id = state.next_request_id();
    let split = &mut state.split;
    split.refreshing = Some(request_id);
    split.stale = false;
    let ids = split
        .panes
        .iter()
        .map(|view| view.thread.thread_id)
        .collect();
    vec![Effect::ReadThreads { request_id, ids }]
}

pub(super) fn on_threads_read(
    state: &mut State,
    request_id: u64,
    threads: Vec<StoredThread>,
) -> Vec<Effect> {
    let split = &mut state.split;
    if split.refreshing != Some(request_id) {
        return Vec::new();
    }
    split.refreshing = None;
    split.refreshed_at = Some(state.now);
    for thread in &threads {
        split.replace_thread(thread);
    }
    Vec::new()
}

/// A deleted thread's pane goes.
pub(super) fn forget_thread(state: &mut State, thread_id: ThreadId) -> Vec<Effect> {
    let status = state.status.clone();
    let effects = match state.split.index_of(thread_id) {
        Some(index) => close(state, index),
        None => Vec::new(),
    };
    // The deletion's own message stays.
    state.status = status;
    effects
}

/// Leaving the history screen: whether it goes back to the split view (it was opened there).
pub(super) fn back_from_history(state: &mut State, history_request_id: u64) -> bool {
    state.split.history_from_split.take() == Some(history_request_id)
        && !state.split.panes.is_empty()
}

/// The first key bound to `action` in `mode`, or `fallback`.
fn key(state: &State, mode: Mode, action: Action, fallback: &str) -> String {
    state
        .keymap
        .key_hint(mode, action)
        .unwrap_or(fallback)
        .to_string()
}
