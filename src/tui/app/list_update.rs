//! Keys on the list screen, and the typed filter over its rows.

use crossterm::event::KeyEvent;

use super::bulk;
use super::curate;
use super::history_update::open_selected;
use super::input::{edit_line, typed_char};
use super::list::{Scope, Tab};
use super::list_load::{after_selection_change, load_the_rest, reload_list};
use super::msg::Effect;
use super::search;
use super::split;
use super::state::{Overlay, State};
use super::stats;
use super::supervise;
use super::thread_actions::on_thread_action;
use super::trash;
use crate::store::SortKey;
use crate::tui::config::Density;
use crate::tui::keymap::Action;
use crate::tui::ui::layout::list_rows_per_page;

pub(super) fn on_list_action(state: &mut State, action: Action) -> Vec<Effect> {
    if state.full_text.is_some() {
        return search::on_results_action(state, action);
    }
    let rows = list_rows_per_page(state);
    let page = rows as isize;
    match action {
        Action::MoveDown => state.list.move_selection(1, rows),
        Action::MoveUp => state.list.move_selection(-1, rows),
        Action::PageDown => state.list.move_selection(page, rows),
        Action::PageUp => state.list.move_selection(-page, rows),
        Action::Top => state.list.select(0, rows),
        Action::Bottom => {
            state.list.select(usize::MAX, rows);
            if state.list.has_more() {
                return load_the_rest(state);
            }
        }
        Action::Open => return open_selected(state),
        Action::StartSearch => state.list.searching = true,
        Action::FullTextSearch => return search::open_prompt(state),
        Action::Back if !state.list.marked.is_empty() => state.list.marked.clear(),
        Action::Back => {
            if state.list.query.is_empty() {
                state.status = None;
                return Vec::new();
            }
            state.list.query.clear();
            state.list.refilter();
            state.list.keep_selection_visible(list_rows_per_page(state));
        }
        Action::NextTab => {
            state.list.tab = match state.list.tab {
                Tab::Local => Tab::Archived,
                Tab::Archived => Tab::Local,
            };
            return reload_list(state);
        }
        Action::ToggleSort => {
            state.list.sort = match state.list.sort {
                SortKey::UpdatedAt => SortKey::CreatedAt,
                SortKey::CreatedAt => SortKey::UpdatedAt,
            };
            return reload_list(state);
        }
        Action::ToggleScope => {
            state.list.scope = match state.list.scope {
                Scope::All => Scope::ThisDirectory,
                Scope::ThisDirectory => Scope::All,
            };
            return reload_list(state);
        }
        Action::CycleSource => {
            state.list.cycle_source();
            return reload_list(state);
        }
        Action::ToggleLayout => {
            state.list.density = match state.list.density {
                Density::Dense => Density::Comfortable,
                Density::Comfortable => Density::Dense,
            };
            state.list.keep_selection_visible(list_rows_per_page(state));
            return remember_ui_state(state);
        }
        Action::TogglePreview => {
            state.list.show_preview = !state.list.show_preview;
            return remember_ui_state(state);
        }
        Action::Help => state.overlay = Some(Overlay::Help { scroll: 0 }),
        Action::ToggleAttention => {
            state.list.attention_only = !state.list.attention_only;
            state.set_info(if state.list.attention_only {
                "Showing the threads that need you: waiting, or finished or failed and unread"
            } else {
                "Showing every thread"
            });
            return reload_list(state);
        }
        Action::ToggleRead => {
            return match state.list.selected_row().map(|row| row.thread.clone()) {
                Some(thread) => supervise::toggle_read(state, &thread),
                None => Vec::new(),
            };
        }
        Action::TogglePin => {
            return match state.list.selected_row().map(|row| row.thread.clone()) {
                Some(thread) => curate::toggle_pin(state, &thread),
                None => Vec::new(),
            };
        }
        Action::TogglePrivate => {
            let thread = state.list.selected_row().map(|row| row.thread.clone());
            return super::private::toggle_private(state, thread, true);
        }
        Action::ToggleGrouped => {
            curate::toggle_grouped(state);
            state.list.keep_selection_visible(list_rows_per_page(state));
        }
        Action::CycleProject => {
            if curate::next_project(state) {
                return reload_list(state);
            }
        }
        Action::AddToSplit => return split::add_selected(state),
        Action::ShowSplit => return split::show(state),
        Action::ShowStats => return stats::show(state),
        Action::ShowTrash => return trash::show(state),
        Action::ShowDisk => return super::disk::show(state),
        Action::ToggleMark => {
            if state.list.toggle_mark() {
                // Marking moves on, so a run of threads is marked key after key.
                state.list.move_selection(1, rows);
            }
        }
        Action::Archive | Action::Unarchive | Action::Delete if !state.list.marked.is_empty() => {
            return match bulk::bulk_action(action) {
                Some(bulk_action) => bulk::confirm_bulk(state, bulk_action),
                None => Vec::new(),
            };
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
            return match state.list.selected_row().map(|row| row.thread.clone()) {
                Some(thread) => on_thread_action(state, action, &thread),
                None => Vec::new(),
            };
        }
        Action::Quit
        | Action::Accept
        | Action::DeleteChar
        | Action::NextMatch
        | Action::PrevMatch
        | Action::NextPrompt
        | Action::PrevPrompt
        | Action::ToggleFullOutput
        | Action::ToggleRawReasoning
        | Action::CopyId
        | Action::CopyPath
        | Action::CopyResumeCommand
        | Action::NextPane
        | Action::PrevPane
        | Action::ClosePane
        | Action::ZoomPane
        | Action::NextRange
        | Action::Restore
        | Action::Compress => {}
    }
    after_selection_change(state)
}

/// After a layout or preview change: save the choice, and load the preview if now shown.
fn remember_ui_state(state: &mut State) -> Vec<Effect> {
    let mut effects = vec![Effect::SaveUiState(state.list.ui_state())];
    effects.extend(after_selection_change(state));
    effects
}

pub(super) fn on_search_key(
    state: &mut State,
    action: Option<Action>,
    key: KeyEvent,
) -> Vec<Effect> {
    if edit_line(&mut state.list.query, &key) {
        state.list.refilter();
        state.list.keep_selection_visible(list_rows_per_page(state));
        return after_selection_change(state);
    }
    match action {
        Some(Action::Accept) => {
            state.list.searching = false;
            return Vec::new();
        }
        Some(Action::Back) => {
            state.list.searching = false;
            state.list.query.clear();
        }
        Some(Action::DeleteChar) => {
            state.list.query.pop();
        }
        _ => match typed_char(&key) {
            Some(c) => state.list.query.push(c),
            None => return Vec::new(),
        },
    }
    state.list.refilter();
    state.list.keep_selection_visible(list_rows_per_page(state));
    after_selection_change(state)
}
