//! The list's rows: loaded page by page, refreshed in the background, and what follows a
//! change of selection (more rows, the preview).

use super::hold;
use super::list::{LIST_PAGE_SIZE, ListRow};
use super::msg::{Effect, LoadedThreads};
use super::preview::preview_effects;
use super::reveal;
use super::state::{Screen, State};
use crate::tui::ui::layout::list_rows_per_page;

/// How often the list reloads by itself, so threads that start or change while it is open
/// show up without a key press.
const LIST_REFRESH_INTERVAL: chrono::Duration = chrono::Duration::seconds(3);

pub(super) fn refresh_list_if_due(state: &mut State) -> Vec<Effect> {
    let list = &state.list;
    let idle = state.screen == Screen::List
        && state.overlay.is_none()
        && list.loaded_once
        && list.loading.is_none()
        && list.refreshing.is_none();
    let due = list
        .refreshed_at
        .is_none_or(|at| state.now - at >= LIST_REFRESH_INTERVAL)
        || hold::resort_due(state);
    if !idle || !due {
        return Vec::new();
    }
    let request_id = state.next_request_id();
    state.list.refreshing = Some(request_id);
    vec![Effect::LoadThreads {
        request_id,
        params: state.list.refresh_params(&state.cwd),
    }]
}

pub(super) fn reload_list(state: &mut State) -> Vec<Effect> {
    state.list.clear_rows();
    state.list.refreshing = None;
    state.list.refreshed_at = Some(state.now);
    let request_id = state.next_request_id();
    state.list.loading = Some(request_id);
    vec![Effect::LoadThreads {
        request_id,
        params: state.list.params(&state.cwd, list_page_size(state)),
    }]
}

/// Rows a page loads: a screenful and a few more (so the next page is asked for before the
/// selection reaches the end), never fewer than the default.
pub(super) fn list_page_size(state: &State) -> usize {
    (list_rows_per_page(state) + 5).max(LIST_PAGE_SIZE)
}

/// Loads every row not loaded yet, then selects the last (`G` / `End` reach the real end).
pub(super) fn load_the_rest(state: &mut State) -> Vec<Effect> {
    state.list.wants_end = true;
    if state.list.loading.is_some() {
        // The page in flight is followed by the rest when it arrives.
        return Vec::new();
    }
    let request_id = state.next_request_id();
    state.list.loading = Some(request_id);
    state.list.refreshing = None;
    vec![Effect::LoadThreads {
        request_id,
        params: state.list.params(&state.cwd, 0),
    }]
}

pub(super) fn on_threads_loaded(
    state: &mut State,
    request_id: u64,
    result: Result<LoadedThreads, String>,
) -> Vec<Effect> {
    if state.list.refreshing == Some(request_id) {
        return on_list_refreshed(state, result);
    }
    if state.list.loading != Some(request_id) {
        return Vec::new();
    }
    state.list.loading = None;
    state.list.loaded_once = true;
    match result {
        Ok(mut loaded) => {
            state
                .list
                .add_skipped(std::mem::take(&mut loaded.page.skipped));
            let (rows, next_cursor) = list_rows(loaded);
            catch_up_clock(state, &rows);
            state.list.next_cursor = next_cursor;
            state.list.append(rows);
            if state.list.wants_end {
                if state.list.has_more() {
                    return load_the_rest(state);
                }
                state.list.wants_end = false;
                state.list.select(usize::MAX, list_rows_per_page(state));
            }
            state.list.keep_selection_visible(list_rows_per_page(state));
            let mut effects = reveal::continue_seeking(state);
            effects.extend(after_selection_change(state));
            effects
        }
        Err(error) => {
            state.list.next_cursor = None;
            state.list.seeking = None;
            state.set_error(format!("Could not list threads: {error}"));
            Vec::new()
        }
    }
}

fn on_list_refreshed(state: &mut State, result: Result<LoadedThreads, String>) -> Vec<Effect> {
    state.list.refreshing = None;
    state.list.refreshed_at = Some(state.now);
    // A failed background refresh keeps what is shown; the next one may succeed.
    let Ok(mut loaded) = result else {
        return Vec::new();
    };
    // A refresh re-reads every loaded row from the start: what it passed over is the truth now.
    state.list.skipped.clear();
    state
        .list
        .add_skipped(std::mem::take(&mut loaded.page.skipped));
    let (rows, next_cursor) = list_rows(loaded);
    catch_up_clock(state, &rows);
    hold::apply_refresh(state, rows, next_cursor);
    // A thread sought is selected when the refresh brought it; pages are not loaded for it
    // from here.
    if let Some(seek) = state.list.seeking
        && state.list.select_thread(seek.id, list_rows_per_page(state))
    {
        state.list.seeking = None;
    }
    state.list.keep_selection_visible(list_rows_per_page(state));
    preview_effects(state)
}

/// How far a load may move the clock ahead of the last tick: a tick is at most this old.
const CLOCK_CATCH_UP: chrono::Duration = chrono::Duration::seconds(2);

/// Rows written after the last tick would read "now", then jump when the tick comes; the clock
/// catches up with them instead (never more than a tick's worth, so a file dated in the future
/// cannot move it far).
fn catch_up_clock(state: &mut State, rows: &[ListRow]) {
    let newest = rows.iter().map(|row| row.thread.updated_at).max();
    if let Some(newest) = newest.filter(|newest| *newest > state.now) {
        state.now = newest.min(state.now + CLOCK_CATCH_UP);
    }
}

fn list_rows(loaded: LoadedThreads) -> (Vec<ListRow>, Option<String>) {
    let rows = loaded
        .page
        .items
        .into_iter()
        .map(|thread| ListRow {
            live: loaded.live.contains(&thread.thread_id),
            thread,
        })
        .collect();
    (rows, loaded.page.next_cursor)
}

/// After the selection or the loaded rows changed: fetch more rows when the selection nears the
/// end, and the preview of the selected thread.
pub(super) fn after_selection_change(state: &mut State) -> Vec<Effect> {
    let mut effects = Vec::new();
    if state.screen == Screen::List && state.list.wants_more() {
        let request_id = state.next_request_id();
        state.list.loading = Some(request_id);
        // A refresh in flight was sized for fewer rows; its reply would undo this page.
        state.list.refreshing = None;
        let params = state.list.params(&state.cwd, list_page_size(state));
        effects.push(Effect::LoadThreads { request_id, params });
    }
    effects.extend(preview_effects(state));
    effects
}
