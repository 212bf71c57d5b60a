//! The mouse: the wheel scrolls what is under it, a click selects a row and a second one
//! opens it.

use crossterm::event::{MouseButton, MouseEvent, MouseEventKind};

use super::history_update::open_selected;
use super::list_load::after_selection_change;
use super::msg::Effect;
use super::search;
use super::split;
use super::state::{Overlay, Screen, State};
use super::trash;
use crate::tui::keymap::Action;
use crate::tui::ui::layout::{
    RESULT_ROW_HEIGHT, body_area, history_page_lines, list_rows_per_page, results_rows_per_page,
    row_height,
};

/// Lines (history) or rows (list) one mouse wheel step moves.
const WHEEL_STEP: isize = 3;

/// A left click on a row of the list (or of the full-text results) selects it; a click on the
/// row already selected (the second click of a double click) opens it.
fn on_click(state: &mut State, column: u16, row: u16) -> Vec<Effect> {
    if state.overlay.is_none() && state.screen == Screen::Split {
        return split::on_click(state, column, row);
    }
    if state.overlay.is_some() || state.screen != Screen::List {
        return Vec::new();
    }
    let body = body_area(state);
    let inside = column >= body.x
        && column < body.x + body.width
        && row >= body.y
        && row < body.y + body.height;
    if !inside {
        return Vec::new();
    }
    let line = usize::from(row - body.y);
    let result_rows = results_rows_per_page(state);
    if let Some(results) = state.full_text.as_mut() {
        let index = results.offset + line / RESULT_ROW_HEIGHT;
        if index >= results.rows.len() {
            return Vec::new();
        }
        if index == results.selected {
            return search::on_results_action(state, Action::Open);
        }
        let delta = index as isize - results.selected as isize;
        results.move_selection(delta, result_rows);
        return Vec::new();
    }
    let index = state.list.offset + line / row_height(state.list.density);
    if index >= state.list.matches.len() {
        return Vec::new();
    }
    if index == state.list.selected {
        return open_selected(state);
    }
    state.list.select(index, list_rows_per_page(state));
    after_selection_change(state)
}

pub(super) fn on_mouse(state: &mut State, mouse: MouseEvent) -> Vec<Effect> {
    let delta = match mouse.kind {
        MouseEventKind::ScrollDown => WHEEL_STEP,
        MouseEventKind::ScrollUp => -WHEEL_STEP,
        MouseEventKind::Down(MouseButton::Left) => {
            return on_click(state, mouse.column, mouse.row);
        }
        _ => return Vec::new(),
    };
    match (&mut state.overlay, state.screen) {
        (Some(Overlay::Help { scroll }), _) => {
            *scroll = scroll.saturating_add_signed(delta);
            Vec::new()
        }
        (Some(_), _) => Vec::new(),
        (None, Screen::List) if state.full_text.is_some() => {
            let rows = results_rows_per_page(state);
            if let Some(results) = state.full_text.as_mut() {
                results.move_selection(delta, rows);
            }
            Vec::new()
        }
        (None, Screen::List) => {
            let rows = list_rows_per_page(state);
            state.list.move_selection(delta, rows);
            after_selection_change(state)
        }
        (None, Screen::History) => {
            let page_lines = history_page_lines(state);
            if let Some(history) = state.history.as_mut() {
                history.scroll_by(delta, page_lines);
            }
            state.history_page_request()
        }
        (None, Screen::Split) => split::on_wheel(state, delta),
        (None, Screen::Stats | Screen::Disk) => Vec::new(),
        (None, Screen::Trash) => trash::on_action(
            state,
            if delta > 0 {
                Action::MoveDown
            } else {
                Action::MoveUp
            },
        ),
    }
}
