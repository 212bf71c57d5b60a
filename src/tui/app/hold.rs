//! A list that holds still: the list reloads every few seconds and rows sort by their updated
//! time, so a refresh would move rows under the cursor while the user moves or types. While
//! keys are recent, a refresh updates the rows in place (their data, not their order; new
//! threads wait); once the keys have been idle for `KEY_IDLE`, the next refresh (due at once)
//! brings the new order, the selection staying on the same thread.

use chrono::Duration;

use super::list::ListRow;
use super::state::State;

/// How long after the last key the list may re-sort.
pub const KEY_IDLE: Duration = Duration::milliseconds(1500);

/// A key was pressed (or the wheel turned, or a row clicked).
pub(super) fn note_input(state: &mut State) {
    state.list.last_input_at = Some(state.now);
}

/// True while the last key is recent.
pub(super) fn user_active(state: &State) -> bool {
    state
        .list
        .last_input_at
        .is_some_and(|at| state.now - at < KEY_IDLE)
}

/// True when a held order should be brought up to date now (keys have gone idle).
pub(super) fn resort_due(state: &State) -> bool {
    state.list.order_held && !user_active(state)
}

/// A background refresh's rows: in place while the user is active (unless nothing would
/// move), as they come otherwise.
pub(super) fn apply_refresh(state: &mut State, rows: Vec<ListRow>, next_cursor: Option<String>) {
    let same_order = rows.len() == state.list.rows.len()
        && rows
            .iter()
            .zip(&state.list.rows)
            .all(|(fresh, shown)| fresh.thread.thread_id == shown.thread.thread_id);
    if user_active(state) && !same_order {
        state.list.update_in_place(rows);
        state.list.order_held = true;
    } else {
        state.list.replace_rows(rows, next_cursor);
        state.list.order_held = false;
    }
}
