//! Pure tests of the full-text search in `update`: the prompt, the results, opening a result at
//! its hit, and `n` / `N` between a thread's matches.

use crossterm::event::KeyCode;

use super::*;
use crate::protocol::ThreadId;
use crate::store::{
    HistoryCursor, HistoryDirection, ReadHistoryPageParams, SearchHit, SearchParams, SearchStats,
    StoredThread, ThreadHistoryPage,
};
use crate::tui::keymap::Mode;
use crate::tui::test_support::*;

fn hit(n: u128, cursor: u64, snippet: &str) -> SearchHit {
    SearchHit {
        thread_id: thread_id(n),
        archived: false,
        cursor: HistoryCursor(cursor),
        timestamp: "2026-05-14T09:12:34.010Z".to_string(),
        kind: "event_msg:user_message".to_string(),
        snippet: snippet.to_string(),
    }
}

fn search_effect(effects: &[Effect]) -> (u64, SearchParams) {
    effects
        .iter()
        .find_map(|effect| match effect {
            Effect::FullTextSearch { request_id, params } => Some((*request_id, params.clone())),
            _ => None,
        })
        .unwrap_or_else(|| panic!("no search in {effects:?}"))
}

fn history_loads(effects: &[Effect]) -> Vec<(u64, ReadHistoryPageParams)> {
    effects
        .iter()
        .filter_map(|effect| match effect {
            Effect::LoadHistory { request_id, params } => Some((*request_id, *params)),
            _ => None,
        })
        .collect()
}

/// The list, `f`, the query typed, Enter: returns the search's request id.
fn start_search(state: &mut State, query: &str) -> u64 {
    update(state, key(KeyCode::Char('f')));
    type_text(state, query);
    search_effect(&update(state, key(KeyCode::Enter))).0
}

/// Results for "login": thread 2 (two hits) first, then thread 0.
fn state_with_results() -> (State, u64) {
    let mut state = state_with_threads(80, 24, sample_threads(), false);
    let request_id = start_search(&mut state, "login");
    let threads: Vec<StoredThread> = vec![sample_threads()[2].clone(), sample_threads()[0].clone()];
    update(
        &mut state,
        Msg::SearchHits {
            request_id,
            threads,
            hits: vec![
                hit(2, 5, "the login page is slow"),
                hit(0, 7, "Fix the flaky login test"),
                hit(2, 9, "login again"),
            ],
        },
    );
    (state, request_id)
}

#[test]
fn f_opens_a_prompt_and_enter_searches_every_thread() {
    let mut state = state_with_threads(80, 24, sample_threads(), false);
    update(&mut state, key(KeyCode::Char('f')));
    assert_eq!(state.mode(), Mode::FullText);
    // Keys that are commands in the list are text here.
    type_text(&mut state, "jq flaky");
    update(&mut state, key(KeyCode::Backspace));
    assert_eq!(state.prompt.as_deref(), Some("jq flak"));
    let effects = update(&mut state, key(KeyCode::Enter));
    let (request_id, params) = search_effect(&effects);
    assert_eq!(params.query, "jq flak");
    assert!(params.include_archived);
    assert_eq!(params.thread_id, None);
    assert_eq!(params.max_hits_per_thread, Some(3));
    assert_eq!(state.mode(), Mode::List);
    let results = state.full_text.as_ref().expect("results");
    assert_eq!((results.request_id, results.running()), (request_id, true));
    assert!(!state.quit);
}

#[test]
fn an_empty_query_or_esc_runs_nothing() {
    let mut state = state_with_threads(80, 24, sample_threads(), false);
    update(&mut state, key(KeyCode::Char('f')));
    type_text(&mut state, "  ");
    assert!(update(&mut state, key(KeyCode::Enter)).is_empty());
    update(&mut state, key(KeyCode::Char('f')));
    type_text(&mut state, "x");
    assert!(update(&mut state, key(KeyCode::Esc)).is_empty());
    assert!(state.prompt.is_none() && state.full_text.is_none());
    assert_eq!(state.mode(), Mode::List);
}

#[test]
fn hits_become_one_row_per_thread_in_hit_order() {
    let (mut state, request_id) = state_with_results();
    let results = state.full_text.as_ref().expect("results");
    let rows: Vec<(ThreadId, Vec<u64>)> = results
        .rows
        .iter()
        .map(|row| {
            let cursors = row.hits.iter().map(|hit| hit.cursor.0).collect();
            (row.thread.thread_id, cursors)
        })
        .collect();
    assert_eq!(rows, [(thread_id(2), vec![5, 9]), (thread_id(0), vec![7])]);
    assert_eq!(results.hit_count, 3);
    // A stale search's hits change nothing.
    update(
        &mut state,
        Msg::SearchHits {
            request_id: request_id + 100,
            threads: vec![sample_threads()[4].clone()],
            hits: vec![hit(4, 1, "login")],
        },
    );
    assert_eq!(state.full_text.as_ref().unwrap().rows.len(), 2);
    update(
        &mut state,
        Msg::SearchDone {
            request_id,
            result: Ok(SearchStats::default()),
        },
    );
    assert!(!state.full_text.as_ref().unwrap().running());
}

#[test]
fn esc_leaves_the_results_and_stops_a_running_search() {
    let (mut state, request_id) = state_with_results();
    let effects = update(&mut state, key(KeyCode::Esc));
    assert!(
        effects
            .iter()
            .any(|e| matches!(e, Effect::CancelSearch { request_id: id } if *id == request_id)),
        "{effects:?}"
    );
    assert!(state.full_text.is_none());
    assert_eq!(state.list.matches.len(), 5);
    assert_eq!(state.mode(), Mode::List);
}

#[test]
fn enter_opens_the_thread_at_its_first_hit_and_searches_it_for_every_match() {
    let (mut state, _) = state_with_results();
    let effects = update(&mut state, key(KeyCode::Enter));
    assert_eq!(state.screen, Screen::History);
    let [(load_id, params)] = history_loads(&effects)[..] else {
        panic!("{effects:?}")
    };
    assert_eq!(params.thread_id, thread_id(2));
    assert_eq!(params.anchor, Some(HistoryCursor(5)));
    assert_eq!(params.direction, HistoryDirection::Forward);
    let (search_id, search) = search_effect(&effects);
    assert_eq!(search.thread_id, Some(thread_id(2)));
    assert_eq!(search.max_hits_per_thread, None);
    assert_eq!(search.query, "login");

    // The page starting at the hit arrives: no follower, and the view reads older lines.
    let lines: Vec<_> = history_lines(rich_history()).into_iter().skip(5).collect();
    let effects = update(
        &mut state,
        Msg::HistoryLoaded {
            request_id: load_id,
            direction: HistoryDirection::Forward,
            result: Ok(ThreadHistoryPage {
                start: HistoryCursor(5),
                end: HistoryCursor(33),
                at_end: true,
                lines,
                ..Default::default()
            }),
        },
    );
    assert!(!effects.iter().any(|e| matches!(e, Effect::Follow { .. })));
    let history = state.history.as_ref().expect("history");
    assert_eq!(history.follow, FollowStatus::Off);
    assert!(history.contains(HistoryCursor(5)));
    let older = history_loads(&effects);
    assert_eq!(older.len(), 1);
    assert_eq!(older[0].1.direction, HistoryDirection::Backward);
    assert_eq!(older[0].1.anchor, Some(HistoryCursor(5)));

    update(
        &mut state,
        Msg::SearchHits {
            request_id: search_id,
            threads: Vec::new(),
            hits: vec![hit(2, 4, "a"), hit(2, 5, "b"), hit(2, 9, "c")],
        },
    );
    let matches = state.history.as_ref().unwrap().matches.as_ref().unwrap();
    assert_eq!(matches.label(), "match 2/3…");

    // Back to the results, not the plain list.
    update(&mut state, key(KeyCode::Esc));
    assert_eq!(state.screen, Screen::List);
    assert!(state.full_text.is_some());
}

/// A thread open at a match, its window holding cursors 100..=132, with matches at 104, 110
/// and 500.
fn state_at_a_match() -> (State, u64) {
    let (mut state, _) = state_with_results();
    let effects = update(&mut state, key(KeyCode::Enter));
    let (load_id, _) = history_loads(&effects)[0];
    let (search_id, _) = search_effect(&effects);
    let page = page_from(100, false);
    update(
        &mut state,
        Msg::HistoryLoaded {
            request_id: load_id,
            direction: HistoryDirection::Forward,
            result: Ok(page),
        },
    );
    let history = state.history.as_mut().unwrap();
    history.matches.as_mut().unwrap().current = Some(HistoryCursor(104));
    update(
        &mut state,
        Msg::SearchHits {
            request_id: search_id,
            threads: Vec::new(),
            hits: vec![hit(2, 104, "a"), hit(2, 110, "b"), hit(2, 500, "c")],
        },
    );
    update(
        &mut state,
        Msg::SearchDone {
            request_id: search_id,
            result: Ok(SearchStats::default()),
        },
    );
    (state, search_id)
}

/// The rich history with its cursors moved to start at `first`.
fn page_from(first: u64, at_end: bool) -> ThreadHistoryPage {
    let mut lines = history_lines(rich_history());
    for line in &mut lines {
        line.cursor = HistoryCursor(first + line.cursor.0);
    }
    ThreadHistoryPage {
        start: HistoryCursor(first),
        end: HistoryCursor(first + lines.len() as u64),
        at_end,
        lines,
        ..Default::default()
    }
}

fn label(state: &State) -> String {
    state
        .history
        .as_ref()
        .unwrap()
        .matches
        .as_ref()
        .unwrap()
        .label()
}

#[test]
fn n_and_shift_n_cycle_through_the_matches_and_wrap() {
    let (mut state, _) = state_at_a_match();
    assert_eq!(label(&state), "match 1/3");

    // 110 is in the window: no page is read for it.
    let effects = update(&mut state, key(KeyCode::Char('n')));
    assert!(
        history_loads(&effects)
            .iter()
            .all(|(_, p)| p.direction == HistoryDirection::Backward),
        "{effects:?}"
    );
    assert_eq!(label(&state), "match 2/3");

    // 500 is not: the page from it is read, and replaces the window when it arrives.
    let effects = update(&mut state, key(KeyCode::Char('n')));
    let [(load_id, params)] = history_loads(&effects)[..] else {
        panic!("{effects:?}")
    };
    assert_eq!(params.anchor, Some(HistoryCursor(500)));
    assert_eq!(params.direction, HistoryDirection::Forward);
    assert_eq!(label(&state), "match 3/3");
    update(
        &mut state,
        Msg::HistoryLoaded {
            request_id: load_id,
            direction: HistoryDirection::Forward,
            result: Ok(page_from(500, true)),
        },
    );
    let history = state.history.as_ref().unwrap();
    assert!(history.contains(HistoryCursor(500)) && !history.contains(HistoryCursor(110)));
    assert!(history.jump_to.is_none());

    // Past the last match, `n` wraps to the first; `N` wraps back to the last.
    let effects = update(&mut state, key(KeyCode::Char('n')));
    assert_eq!(label(&state), "match 1/3");
    assert_eq!(
        history_loads(&effects)[0].1.anchor,
        Some(HistoryCursor(104))
    );
    assert_eq!(
        state.status.as_ref().map(|s| s.text.as_str()),
        Some("Wrapped to the first match")
    );
    // Back to 500 (still in the window) before that page came: the page is ignored.
    let stale = history_loads(&effects)[0].0;
    let effects = update(&mut state, key(KeyCode::Char('N')));
    assert_eq!(label(&state), "match 3/3");
    assert!(
        history_loads(&effects)
            .iter()
            .all(|(_, p)| p.anchor != Some(HistoryCursor(500))
                || p.direction == HistoryDirection::Backward),
        "{effects:?}"
    );
    update(
        &mut state,
        Msg::HistoryLoaded {
            request_id: stale,
            direction: HistoryDirection::Forward,
            result: Ok(page_from(100, false)),
        },
    );
    let history = state.history.as_ref().unwrap();
    assert!(history.contains(HistoryCursor(500)) && history.jump_to.is_none());
}

#[test]
fn slash_in_the_history_searches_the_thread_and_goes_to_the_first_match() {
    let mut state = state_with_threads(80, 24, sample_threads(), false);
    let effects = update(&mut state, key(KeyCode::Enter));
    let (load_id, _) = history_loads(&effects)[0];
    update(
        &mut state,
        Msg::HistoryLoaded {
            request_id: load_id,
            direction: HistoryDirection::Backward,
            result: Ok(whole_page(history_lines(rich_history()))),
        },
    );
    let effects = update(&mut state, key(KeyCode::Char('n')));
    assert!(effects.is_empty());
    update(&mut state, key(KeyCode::Char('/')));
    assert_eq!(state.mode(), Mode::FullText);
    type_text(&mut state, "sleep");
    let effects = update(&mut state, key(KeyCode::Enter));
    let (search_id, params) = search_effect(&effects);
    assert_eq!(params.thread_id, Some(thread_id(0)));
    update(
        &mut state,
        Msg::SearchHits {
            request_id: search_id,
            threads: Vec::new(),
            hits: vec![hit(0, 12, "rg -n sleep"), hit(0, 14, "sleep(50)")],
        },
    );
    let history = state.history.as_ref().unwrap();
    assert!(history.matches.as_ref().unwrap().current.is_some());
    assert!(!history.stick_to_bottom);
    // Leaving the history stops the thread's search.
    let effects = update(&mut state, key(KeyCode::Esc));
    assert!(
        effects
            .iter()
            .any(|e| matches!(e, Effect::CancelSearch { request_id } if *request_id == search_id))
    );
}

#[test]
fn the_prompt_offers_the_last_query_and_typing_replaces_it() {
    let mut state = state_with_threads(80, 24, sample_threads(), false);
    update(&mut state, key(KeyCode::Char('f')));
    type_text(&mut state, "old words");
    update(&mut state, key(KeyCode::Enter));
    update(&mut state, key(KeyCode::Char('f')));
    assert_eq!(state.prompt.as_deref(), Some("old words"));
    type_text(&mut state, "new");
    assert_eq!(state.prompt.as_deref(), Some("new"));
    // Shell editing keys: Ctrl-W drops the last word, Ctrl-U the whole line.
    type_text(&mut state, " query here");
    update(&mut state, ctrl('w'));
    assert_eq!(state.prompt.as_deref(), Some("new query "));
    update(&mut state, ctrl('u'));
    assert_eq!(state.prompt.as_deref(), Some(""));
}

#[test]
fn q_from_the_results_goes_back_to_the_list_and_quits_from_there() {
    let (mut state, _) = state_with_results();
    update(&mut state, key(KeyCode::Char('q')));
    assert!(state.full_text.is_none() && !state.quit);
    update(&mut state, key(KeyCode::Char('q')));
    assert!(state.quit);
}

#[test]
fn a_finished_search_shows_every_hit_counted_not_only_the_ones_shown() {
    let mut state = state_with_threads(80, 24, sample_threads(), false);
    let request_id = start_search(&mut state, "login");
    update(
        &mut state,
        Msg::SearchHits {
            request_id,
            threads: vec![sample_threads()[2].clone(), sample_threads()[0].clone()],
            hits: vec![
                hit(2, 5, "one"),
                hit(2, 9, "two"),
                hit(2, 12, "three"),
                hit(0, 7, "only"),
            ],
        },
    );
    let results = state.full_text.as_ref().unwrap();
    assert_eq!(results.rows[0].hits_label(), "3+ hits", "still counting");
    assert_eq!(results.rows[1].hits_label(), "1 hit");
    let stats = crate::store::SearchStats {
        hits: 10,
        thread_hits: [(thread_id(2), 9), (thread_id(0), 1)].into_iter().collect(),
        ..Default::default()
    };
    update(
        &mut state,
        Msg::SearchDone {
            request_id,
            result: Ok(stats),
        },
    );
    let results = state.full_text.as_ref().unwrap();
    assert_eq!(results.rows[0].hits_label(), "9 hits");
    assert_eq!(results.hit_count, 10);
}
