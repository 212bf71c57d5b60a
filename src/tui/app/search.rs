//! `update` for the full-text search: the query prompt, the results that replace the list,
//! opening a result at its first hit, and `n` / `N` between the matches of a thread.

use crossterm::event::KeyEvent;

use super::full_text::{HITS_PER_THREAD, SearchProgress, SearchResults};
use super::history::{HISTORY_PAGE_LINES, HistoryView};
use super::input::{edit_line, typed_char};
use super::matches::ThreadMatches;
use super::msg::Effect;
use super::state::{Overlay, Screen, State};
use crate::store::{
    HistoryCursor, HistoryDirection, ReadHistoryPageParams, SearchHit, SearchParams, SearchStats,
    StoredThread,
};
use crate::text::sanitize::single_line;
use crate::tui::keymap::Action;
use crate::tui::ui::layout::{history_content_width, history_page_lines, results_rows_per_page};

/// Opens the prompt, filled with the query of the results or the history's matches.
pub(super) fn open_prompt(state: &mut State) -> Vec<Effect> {
    let query = match state.screen {
        Screen::List => state.full_text.as_ref().map(|r| r.query.clone()),
        Screen::History => state
            .history
            .as_ref()
            .and_then(|h| h.matches.as_ref())
            .map(|m| m.query.clone()),
        Screen::Split | Screen::Stats | Screen::Trash | Screen::Disk => None,
    };
    let query = query.unwrap_or_default();
    // The last query is offered, and the first character typed replaces it.
    state.prompt_prefilled = !query.is_empty();
    state.prompt = Some(query);
    Vec::new()
}

pub(super) fn on_prompt_key(
    state: &mut State,
    action: Option<Action>,
    key: KeyEvent,
) -> Vec<Effect> {
    let prefilled = std::mem::take(&mut state.prompt_prefilled);
    let Some(prompt) = state.prompt.as_mut() else {
        return Vec::new();
    };
    if edit_line(prompt, &key) {
        return Vec::new();
    }
    match action {
        Some(Action::Back) => state.prompt = None,
        Some(Action::DeleteChar) => {
            prompt.pop();
        }
        Some(Action::Accept) => {
            let query = state.prompt.take().unwrap_or_default().trim().to_string();
            if query.is_empty() {
                return Vec::new();
            }
            return match state.screen {
                Screen::List => search_all(state, query),
                Screen::History => search_thread(state, query, None),
                Screen::Split | Screen::Stats | Screen::Trash | Screen::Disk => Vec::new(),
            };
        }
        _ => {
            if let Some(c) = typed_char(&key) {
                if prefilled {
                    prompt.clear();
                }
                prompt.push(c);
            }
        }
    }
    Vec::new()
}

/// Starts a search of every thread, archived ones too; its results replace the list.
fn search_all(state: &mut State, query: String) -> Vec<Effect> {
    let mut effects = close_results(state);
    let request_id = state.next_request_id();
    state.full_text = Some(SearchResults::new(request_id, query.clone()));
    effects.push(Effect::FullTextSearch {
        request_id,
        params: SearchParams {
            query,
            include_archived: true,
            thread_id: None,
            max_hits_per_thread: Some(HITS_PER_THREAD),
        },
    });
    effects
}

/// Forgets the results, stopping their search if it still runs.
fn close_results(state: &mut State) -> Vec<Effect> {
    state
        .full_text
        .take()
        .filter(SearchResults::running)
        .map(|results| Effect::CancelSearch {
            request_id: results.request_id,
        })
        .into_iter()
        .collect()
}

/// Starts a search of the open thread for every match of `query`.
fn search_thread(state: &mut State, query: String, current: Option<HistoryCursor>) -> Vec<Effect> {
    let request_id = state.next_request_id();
    let Some(history) = state.history.as_mut() else {
        return Vec::new();
    };
    let mut effects = cancel_thread_search(history);
    history.matches = Some(ThreadMatches::new(query.clone(), request_id, current));
    effects.push(Effect::FullTextSearch {
        request_id,
        params: SearchParams {
            query,
            include_archived: true,
            thread_id: Some(history.thread.thread_id),
            max_hits_per_thread: None,
        },
    });
    effects
}

/// Stops the open thread's search if it still runs.
pub(super) fn cancel_thread_search(history: &HistoryView) -> Vec<Effect> {
    history
        .matches
        .as_ref()
        .filter(|matches| !matches.done)
        .map(|matches| Effect::CancelSearch {
            request_id: matches.request_id,
        })
        .into_iter()
        .collect()
}

/// List keys while the results are shown.
pub(super) fn on_results_action(state: &mut State, action: Action) -> Vec<Effect> {
    let rows = results_rows_per_page(state);
    let page = rows as isize;
    let Some(results) = state.full_text.as_mut() else {
        return Vec::new();
    };
    match action {
        Action::MoveDown => results.move_selection(1, rows),
        Action::MoveUp => results.move_selection(-1, rows),
        Action::PageDown => results.move_selection(page, rows),
        Action::PageUp => results.move_selection(-page, rows),
        Action::Top => results.move_selection(isize::MIN, rows),
        Action::Bottom => results.move_selection(isize::MAX, rows),
        Action::Open => return open_result(state),
        Action::Back => {
            state.status = None;
            return close_results(state);
        }
        Action::FullTextSearch | Action::StartSearch => return open_prompt(state),
        Action::Help => state.overlay = Some(Overlay::Help { scroll: 0 }),
        _ => {}
    }
    Vec::new()
}

/// Opens the selected result's thread at its first hit, with the query's matches in it.
fn open_result(state: &mut State) -> Vec<Effect> {
    let Some((thread, hit, query)) = state.full_text.as_ref().and_then(|results| {
        let row = results.selected_row()?;
        Some((
            row.thread.clone(),
            row.hits.first()?.clone(),
            results.query.clone(),
        ))
    }) else {
        return Vec::new();
    };
    let request_id = state.next_request_id();
    let mut view = HistoryView::new(thread, request_id);
    view.relayout(history_content_width(state), &state.theme);
    view.start_jump(hit.cursor, request_id);
    let load = jump_page(&view, hit.cursor);
    state.history = Some(view);
    state.screen = Screen::History;
    let mut effects = vec![Effect::StopFollow, load];
    effects.extend(search_thread(state, query, Some(hit.cursor)));
    effects
}

/// Reads the page that starts at a match's line.
fn jump_page(history: &HistoryView, cursor: HistoryCursor) -> Effect {
    Effect::LoadHistory {
        request_id: history.load_id,
        params: ReadHistoryPageParams {
            thread_id: history.thread.thread_id,
            include_archived: history.thread.archived,
            anchor: Some(cursor),
            direction: HistoryDirection::Forward,
            limit: HISTORY_PAGE_LINES,
            include_raw: false,
        },
    }
}

/// `n` / `N`: scrolls to the next / previous match, reading the page around it when it is
/// outside the window.
pub(super) fn jump_to_match(state: &mut State, forward: bool) -> Vec<Effect> {
    let page_lines = history_page_lines(state);
    let load_id = state.next_request_id();
    let Some(history) = state.history.as_mut() else {
        return Vec::new();
    };
    let from = history.top_cursor(page_lines);
    let Some(matches) = history.matches.as_mut() else {
        state.set_info("No search yet: / searches this thread");
        return Vec::new();
    };
    let Some(target) = matches.step(forward, from) else {
        let text = if matches.done {
            format!("No matches for “{}”", single_line(&matches.query))
        } else {
            "Still searching…".to_string()
        };
        state.set_info(text);
        return Vec::new();
    };
    let wrapped = matches
        .current
        .is_some_and(|current| (target <= current) == forward && target != current);
    matches.current = Some(target);
    let query = matches.query.clone();
    if history.contains(target) {
        if history.jump_to.is_some() {
            history.cancel_jump(load_id);
        }
        history.scroll_to_cursor(target, &query, page_lines);
    } else {
        history.start_jump(target, load_id);
        let load = jump_page(history, target);
        note_wrap(state, wrapped, forward);
        return vec![load];
    }
    note_wrap(state, wrapped, forward);
    state.history_page_request()
}

fn note_wrap(state: &mut State, wrapped: bool, forward: bool) {
    if wrapped {
        state.set_info(if forward {
            "Wrapped to the first match"
        } else {
            "Wrapped to the last match"
        });
    } else {
        state.status = None;
    }
}

pub(super) fn on_hits(
    state: &mut State,
    request_id: u64,
    threads: Vec<StoredThread>,
    hits: Vec<SearchHit>,
) -> Vec<Effect> {
    if let Some(results) = state
        .full_text
        .as_mut()
        .filter(|r| r.request_id == request_id)
    {
        if !results.add(threads, hits) && results.running() {
            results.progress = SearchProgress::Truncated;
            return vec![Effect::CancelSearch { request_id }];
        }
        return Vec::new();
    }
    let Some(matches) = thread_matches(state, request_id) else {
        return Vec::new();
    };
    matches.add(hits.iter().map(|hit| hit.cursor));
    // A search typed in the history goes to its first match as soon as one is known.
    if matches.current.is_none() && !matches.cursors.is_empty() {
        return jump_to_match(state, true);
    }
    Vec::new()
}

pub(super) fn on_done(
    state: &mut State,
    request_id: u64,
    result: Result<SearchStats, String>,
) -> Vec<Effect> {
    if let Some(results) = state
        .full_text
        .as_mut()
        .filter(|r| r.request_id == request_id && r.running())
    {
        match result {
            Ok(stats) => results.finish(stats),
            Err(error) => results.progress = SearchProgress::Failed(error),
        }
        return Vec::new();
    }
    let Some(matches) = thread_matches(state, request_id) else {
        return Vec::new();
    };
    matches.done = true;
    let query = single_line(&matches.query);
    let none = matches.cursors.is_empty();
    match result {
        Err(error) => state.set_error(format!("Search failed: {}", single_line(&error))),
        Ok(_) if none => state.set_info(format!("No matches for “{query}” in this thread")),
        Ok(_) => {}
    }
    Vec::new()
}

fn thread_matches(state: &mut State, request_id: u64) -> Option<&mut ThreadMatches> {
    state
        .history
        .as_mut()?
        .matches
        .as_mut()
        .filter(|m| m.request_id == request_id)
}
