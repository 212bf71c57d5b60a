//! The history screen: opening a thread, its keys, its pages as they load, and the lines
//! Codex appends while it is followed.

use super::curate;
use super::history::{FollowStatus, HISTORY_PAGE_LINES, HistoryView};
use super::list_load::after_selection_change;
use super::msg::Effect;
use super::reveal;
use super::search;
use super::split;
use super::state::{Overlay, Screen, State};
use super::supervise;
use super::thread_actions::on_thread_action;
use crate::manager::FollowEvent;
use crate::store::{HistoryDirection, ReadHistoryPageParams, StoredThread, ThreadHistoryPage};
use crate::tui::keymap::Action;
use crate::tui::ui::layout::{history_content_width, history_page_lines};

pub(super) fn on_history_action(state: &mut State, action: Action) -> Vec<Effect> {
    let page_lines = history_page_lines(state);
    let page = page_lines.saturating_sub(1).max(1) as isize;
    let Some(history) = state.history.as_mut() else {
        return Vec::new();
    };
    match action {
        Action::MoveDown => history.scroll_by(1, page_lines),
        Action::MoveUp => history.scroll_by(-1, page_lines),
        Action::PageDown => history.scroll_by(page, page_lines),
        Action::PageUp => history.scroll_by(-page, page_lines),
        Action::Top => history.scroll_to_top(),
        Action::Bottom => history.scroll_to_bottom(page_lines),
        Action::Back => {
            let mut effects = vec![Effect::StopFollow];
            effects.extend(search::cancel_thread_search(history));
            let request_id = history.request_id;
            let thread = history.thread.clone();
            let to_split = split::back_from_history(state, request_id);
            state.history = None;
            if to_split {
                state.screen = Screen::Split;
            } else {
                state.screen = Screen::List;
                // The list shows the thread just left (opened from the full-text results, it
                // may not be loaded yet).
                effects.extend(reveal::select_thread(state, &thread));
            }
            effects.extend(after_selection_change(state));
            return effects;
        }
        Action::NextMatch => return search::jump_to_match(state, true),
        Action::PrevMatch => return search::jump_to_match(state, false),
        Action::NextPrompt | Action::PrevPrompt => {
            if let Some(note) = history.jump_to_prompt(action == Action::NextPrompt, page_lines) {
                state.set_info(note);
            }
        }
        Action::StartSearch => return search::open_prompt(state),
        Action::Help => state.overlay = Some(Overlay::Help { scroll: 0 }),
        Action::AddToSplit => {
            let thread = history.thread.clone();
            return split::add_thread(state, thread);
        }
        Action::ShowSplit => return split::show(state),
        Action::ToggleFullOutput => {
            let on = history.toggle_option(|o| &mut o.full_output, &state.theme);
            state.set_info(if on {
                "Showing the full output of commands and tools"
            } else {
                "Showing the first and last lines of long outputs"
            });
        }
        Action::ToggleRawReasoning => {
            let on = history.toggle_option(|o| &mut o.raw_reasoning, &state.theme);
            let has_raw = history.has_raw_reasoning();
            state.set_info(match (on, has_raw) {
                (true, true) => "Showing the model's raw reasoning",
                // Only the loaded part is known; say what is true of it.
                (true, false) => "No raw reasoning in the loaded part of this thread",
                (false, _) => "Raw reasoning hidden",
            });
        }
        Action::Rename
        | Action::ToggleMemory
        | Action::Archive
        | Action::Unarchive
        | Action::Delete
        | Action::Export
        | Action::ResumeInCodex
        | Action::NewCodexSession
        | Action::Copy => {
            let thread = history.thread.clone();
            return on_thread_action(state, action, &thread);
        }
        Action::ToggleRead => {
            let thread = history.thread.clone();
            return supervise::toggle_read(state, &thread);
        }
        Action::TogglePin => {
            let thread = history.thread.clone();
            return curate::toggle_pin(state, &thread);
        }
        Action::TogglePrivate => {
            let thread = history.thread.clone();
            return super::private::toggle_private(state, Some(thread), false);
        }
        _ => {}
    }
    let mut effects = state.history_page_request();
    effects.extend(supervise::mark_read_if_seen(state));
    effects
}

pub(super) fn open_selected(state: &mut State) -> Vec<Effect> {
    match state.list.selected_row().map(|row| row.thread.clone()) {
        Some(thread) => open_thread(state, thread),
        None => Vec::new(),
    }
}

/// Opens the history screen of `thread`.
pub(super) fn open_thread(state: &mut State, thread: StoredThread) -> Vec<Effect> {
    let request_id = state.next_request_id();
    let include_archived = thread.archived;
    let thread_id = thread.thread_id;
    let mut view = HistoryView::new(thread, request_id);
    view.relayout(history_content_width(state), &state.theme);
    state.history = Some(view);
    state.screen = Screen::History;
    vec![
        Effect::StopFollow,
        Effect::LoadHistory {
            request_id,
            params: ReadHistoryPageParams {
                thread_id,
                include_archived,
                anchor: None,
                direction: HistoryDirection::Backward,
                limit: HISTORY_PAGE_LINES,
                include_raw: false,
            },
        },
    ]
}

pub(super) fn on_history_loaded(
    state: &mut State,
    request_id: u64,
    direction: HistoryDirection,
    result: Result<ThreadHistoryPage, String>,
) -> Vec<Effect> {
    let theme = state.theme.clone();
    let page_lines = history_page_lines(state);
    let Some(history) = state.history.as_mut().filter(|h| h.load_id == request_id) else {
        return Vec::new();
    };
    let page = match result {
        Ok(page) => page,
        Err(error) => {
            history.jump_to = None;
            history.loading = None;
            history.loaded_once = true;
            state.set_error(format!("Could not read the history: {error}"));
            return Vec::new();
        }
    };
    if let Some(target) = history.jump_to.take() {
        history.show_jump_page(page, &theme);
        let query = history.matches.as_ref().map(|m| m.query.clone());
        history.scroll_to_cursor(target, query.as_deref().unwrap_or_default(), page_lines);
        return state.history_page_request();
    }
    let first_load = !history.loaded_once;
    let start_following = first_load && page.at_end;
    let end = page.end;
    history.apply_page(page, direction, &theme);
    let mut effects = Vec::new();
    if start_following {
        history.follow = FollowStatus::Following;
        effects.push(Effect::Follow {
            request_id,
            thread_id: history.thread.thread_id,
            from: end,
            include_archived: history.thread.archived,
        });
    }
    effects.extend(state.history_page_request());
    effects.extend(supervise::mark_read_if_seen(state));
    effects
}

pub(super) fn on_follow(state: &mut State, request_id: u64, event: FollowEvent) -> Vec<Effect> {
    let theme = state.theme.clone();
    let Some(history) = state
        .history
        .as_mut()
        .filter(|h| h.request_id == request_id)
    else {
        return Vec::new();
    };
    match event {
        FollowEvent::Lines(lines) => history.follow_lines(lines, &theme),
        FollowEvent::Moved => history.follow = FollowStatus::Moved,
        FollowEvent::Failed(error) => history.follow = FollowStatus::Failed(error),
    }
    supervise::mark_read_if_seen(state)
}

pub(super) fn relayout_history(state: &mut State) {
    let width = history_content_width(state);
    if let Some(history) = state.history.as_mut() {
        history.relayout(width, &state.theme);
    }
}

impl HistoryView {
    /// The page to read next: older lines when the view nears the top of the window (or the
    /// window does not fill the screen yet), newer ones when it reaches a trimmed bottom.
    pub fn next_page_request(&mut self, page_lines: usize) -> Option<Effect> {
        if self.loading.is_some() || !self.loaded_once {
            return None;
        }
        let top = self.top(page_lines);
        let direction = if !self.at_start && top < page_lines {
            HistoryDirection::Backward
        } else if self.tail_trimmed && self.at_bottom(page_lines) {
            HistoryDirection::Forward
        } else {
            return None;
        };
        self.loading = Some(direction);
        let anchor = match direction {
            HistoryDirection::Backward => self.start,
            HistoryDirection::Forward => self.end,
        };
        Some(Effect::LoadHistory {
            request_id: self.load_id,
            params: ReadHistoryPageParams {
                thread_id: self.thread.thread_id,
                include_archived: self.thread.archived,
                anchor: Some(anchor),
                direction,
                limit: HISTORY_PAGE_LINES,
                include_raw: false,
            },
        })
    }
}
