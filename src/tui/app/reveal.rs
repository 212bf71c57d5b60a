//! Back from a history, the list selects that thread: a thread opened from the full-text
//! results may not be among the loaded rows yet, so pages are loaded until it comes, or until
//! they have passed where it would sort (then it is not in this listing).

use super::list::{Scope, Seek, Tab};
use super::list_load::list_page_size;
use super::msg::Effect;
use super::state::State;
use crate::store::StoredThread;
use crate::tui::ui::layout::list_rows_per_page;

/// Selects `thread` in the list, or starts looking for it in the pages not loaded yet.
pub(super) fn select_thread(state: &mut State, thread: &StoredThread) -> Vec<Effect> {
    state.list.seeking = None;
    let rows = list_rows_per_page(state);
    if state.list.select_thread(thread.thread_id, rows) || !could_be_listed(state, thread) {
        return Vec::new();
    }
    state.list.seeking = Some(Seek {
        id: thread.thread_id,
        sort_value: state.list.sort_value(thread),
    });
    continue_seeking(state)
}

/// After rows arrived: selects the thread sought when they brought it, else loads the next
/// page while the thread may still come.
pub(super) fn continue_seeking(state: &mut State) -> Vec<Effect> {
    let Some(seek) = state.list.seeking else {
        return Vec::new();
    };
    if state.list.select_thread(seek.id, list_rows_per_page(state)) {
        state.list.seeking = None;
        return Vec::new();
    }
    let list = &state.list;
    let passed = list
        .rows
        .last()
        .is_some_and(|row| list.sort_value(&row.thread) < seek.sort_value);
    if passed || !list.has_more() {
        state.list.seeking = None;
        return Vec::new();
    }
    if list.loading.is_some() {
        // The page in flight is looked at when it comes.
        return Vec::new();
    }
    let request_id = state.next_request_id();
    state.list.loading = Some(request_id);
    // A refresh in flight was sized for fewer rows; its reply would undo this page.
    state.list.refreshing = None;
    let params = state.list.params(&state.cwd, list_page_size(state));
    vec![Effect::LoadThreads { request_id, params }]
}

/// False when the listing shown cannot hold `thread` (the other tab, another directory).
fn could_be_listed(state: &State, thread: &StoredThread) -> bool {
    let tab = if thread.archived {
        Tab::Archived
    } else {
        Tab::Local
    };
    tab == state.list.tab && (state.list.scope == Scope::All || thread.cwd == state.cwd)
}
