//! Pure tests of `update` for Codex beside the monitor (launch modes, a new session, Ctrl-C
//! after Codex, the quit question) and for a list that holds still (no re-sort under recent
//! keys, edits on the thread shown, the thread of a full-text hit selected on the way back).

use chrono::Duration;
use crossterm::event::KeyCode;

use super::*;
use crate::launch::{CodexSession, LaunchMode};
use crate::protocol::ThreadId;
use crate::store::status::ThreadStatus;
use crate::store::{HistoryCursor, SearchHit, StoredThread, ThreadMetadataPatch, ThreadPage};
use crate::tui::test_support::*;

fn at(seconds: i64) -> Msg {
    Msg::Tick(fixed_now() + Duration::seconds(seconds))
}

fn at_ms(millis: i64) -> Msg {
    Msg::Tick(fixed_now() + Duration::milliseconds(millis))
}

fn selected_id(state: &State) -> ThreadId {
    state.list.selected_row().unwrap().thread.thread_id
}

/// The thread ids in the order the list shows them.
fn order(state: &State) -> Vec<ThreadId> {
    state
        .list
        .matches
        .iter()
        .map(|&index| state.list.rows[index].thread.thread_id)
        .collect()
}

fn loaded(items: Vec<StoredThread>, next_cursor: Option<&str>) -> Result<LoadedThreads, String> {
    Ok(LoadedThreads {
        page: ThreadPage {
            items,
            next_cursor: next_cursor.map(str::to_string),
            skipped: Vec::new(),
        },
        live: Default::default(),
    })
}

/// The sample threads as a refresh finds them later: thread 4 was written to at `seconds`
/// (so it sorts first, its preview changed), and a new thread 99 started.
fn reordered(seconds: i64) -> Vec<StoredThread> {
    let mut threads = sample_threads();
    let mut written = threads.remove(4);
    written.updated_at = fixed_now() + Duration::seconds(seconds);
    written.preview = "Write docs for the config file (and the launch modes)".into();
    let mut fresh = vec![thread(99, "a thread started meanwhile"), written];
    fresh.extend(threads);
    fresh
}

/// Ticks to `seconds`; returns the background refresh's request id.
fn refresh_at(state: &mut State, seconds: i64) -> u64 {
    let effects = update(state, at(seconds));
    let [Effect::LoadThreads { request_id, params }] = effects.as_slice() else {
        panic!("expected a refresh at {seconds}s, got {effects:?}")
    };
    assert_eq!(params.cursor, None);
    *request_id
}

fn launch_request(effects: &[Effect]) -> &CodexRequest {
    match effects {
        [Effect::LaunchCodex(request)] => request,
        other => panic!("expected a launch, got {other:?}"),
    }
}

fn quits(effects: &[Effect]) -> bool {
    effects.iter().any(|effect| matches!(effect, Effect::Quit))
}

#[test]
fn in_tmux_c_and_n_open_codex_in_a_window_named_after_the_thread() {
    let mut state = state_with_threads(80, 24, sample_threads(), false);
    state.launch_mode = LaunchMode::TmuxWindow;
    update(&mut state, key(KeyCode::Char('j')));
    let thread = state.list.selected_row().unwrap().thread.clone();

    let effects = update(&mut state, key(KeyCode::Char('C')));
    let request = launch_request(&effects);
    assert_eq!(request.session, CodexSession::Resume(thread.thread_id));
    assert_eq!(request.mode, LaunchMode::TmuxWindow);
    assert_eq!(request.window_name, "JSON output");
    assert_eq!(request.cwd, thread.cwd);
    assert_eq!(request.codex_command, "codex");
    assert_eq!(
        state.status.as_ref().unwrap().text,
        "Starting Codex in tmux…"
    );

    // `N`: a new session (the command alone) in the thread's directory, the same way.
    let effects = update(&mut state, key(KeyCode::Char('N')));
    let request = launch_request(&effects);
    assert_eq!(request.session, CodexSession::New);
    assert_eq!(request.cwd, thread.cwd);
    assert_eq!(request.mode, LaunchMode::TmuxWindow);
    assert_eq!(request.window_name, "new: other-project");

    // The list stays; the status line says where Codex went, or why not.
    let effects = update(
        &mut state,
        Msg::CodexOpened(Ok("Codex opened in tmux window work:3 “JSON output”".into())),
    );
    assert!(effects.is_empty());
    assert_eq!(state.screen, Screen::List);
    let status = state.status.as_ref().unwrap();
    assert_eq!(
        (status.kind, status.text.as_str()),
        (
            StatusKind::Info,
            "Codex opened in tmux window work:3 “JSON output”"
        )
    );
    update(
        &mut state,
        Msg::CodexOpened(Err("tmux could not open Codex: no server".into())),
    );
    assert_eq!(state.status.as_ref().unwrap().kind, StatusKind::Error);
    // Nothing came back to this terminal: Ctrl-C quits as ever.
    assert!(quits(&update(&mut state, ctrl('c'))));
}

#[test]
fn outside_tmux_n_starts_the_new_session_in_this_terminal() {
    let mut state = state_with_threads(80, 24, sample_threads(), false);
    assert_eq!(state.launch_mode, LaunchMode::Replace);
    let effects = update(&mut state, key(KeyCode::Char('N')));
    let request = launch_request(&effects);
    assert_eq!(
        (request.session, request.mode),
        (CodexSession::New, LaunchMode::Replace)
    );
    assert_eq!(request.cwd, sample_threads()[0].cwd);
    assert!(state.status.is_none());
}

#[test]
fn a_ctrl_c_within_two_seconds_of_codex_giving_the_terminal_back_is_swallowed() {
    let mut state = state_with_threads(80, 24, sample_threads(), false);
    update(&mut state, key(KeyCode::Char('C')));
    update(&mut state, at(10));
    update(&mut state, Msg::BackFromCodex(Ok("Back from Codex".into())));
    update(&mut state, at_ms(11_500));
    let effects = update(&mut state, ctrl('c'));
    assert!(effects.is_empty() && !state.quit);
    assert_eq!(
        state.status.as_ref().unwrap().text,
        "Ctrl-C ignored: Codex had just exited (press it again to quit)"
    );
    // Once: the next Ctrl-C quits.
    assert!(quits(&update(&mut state, ctrl('c'))));

    // After 2 s it quits at once.
    let mut state = state_with_threads(80, 24, sample_threads(), false);
    update(&mut state, at(10));
    update(&mut state, Msg::BackFromCodex(Ok("Back from Codex".into())));
    update(&mut state, at(12));
    assert!(quits(&update(&mut state, ctrl('c'))));

    // Codex that never started took no Ctrl-C.
    let mut state = state_with_threads(80, 24, sample_threads(), false);
    update(
        &mut state,
        Msg::BackFromCodex(Err("codex not found on PATH".into())),
    );
    assert!(quits(&update(&mut state, ctrl('c'))));

    // `q` is not what leaves Codex: it quits (or asks) as ever.
    let mut state = state_with_threads(80, 24, sample_threads(), false);
    update(&mut state, Msg::BackFromCodex(Ok("Back from Codex".into())));
    assert!(quits(&update(&mut state, key(KeyCode::Char('q')))));
}

#[test]
fn quitting_while_threads_work_asks_once_and_the_key_again_or_y_confirms() {
    let mut threads = sample_threads();
    threads[1].status.status = ThreadStatus::Working;
    threads[3].status.status = ThreadStatus::Working;
    threads[4].status.status = ThreadStatus::Waiting;
    let mut state = state_with_threads(80, 24, threads, false);

    // Ctrl-C asks; anything but yes keeps us, and the key goes nowhere else.
    assert!(update(&mut state, ctrl('c')).is_empty());
    assert!(!state.quit);
    assert_eq!(
        state.status.as_ref().unwrap().text,
        "2 threads are working; quit? y/N"
    );
    let selected = selected_id(&state);
    assert!(update(&mut state, key(KeyCode::Char('j'))).is_empty());
    assert!(!state.quit && state.status.is_none());
    assert_eq!(selected_id(&state), selected, "the answer was not a move");
    // Ctrl-C again confirms.
    update(&mut state, ctrl('c'));
    assert!(quits(&update(&mut state, ctrl('c'))));

    // `q` asks too; `y` confirms, as does `q` again.
    let mut threads = sample_threads();
    threads[2].status.status = ThreadStatus::Working;
    let mut state = state_with_threads(80, 24, threads.clone(), false);
    assert!(update(&mut state, key(KeyCode::Char('q'))).is_empty());
    assert_eq!(
        state.status.as_ref().unwrap().text,
        "1 thread is working; quit? y/N"
    );
    assert!(quits(&update(&mut state, key(KeyCode::Char('y')))));
    let mut state = state_with_threads(80, 24, threads.clone(), false);
    update(&mut state, key(KeyCode::Char('q')));
    assert!(quits(&update(&mut state, key(KeyCode::Char('q')))));

    // Once the question has left the status line, a key is a key again.
    let mut state = state_with_threads(80, 24, threads, false);
    update(&mut state, key(KeyCode::Char('q')));
    update(&mut state, at(5));
    assert!(state.status.is_none());
    assert!(update(&mut state, key(KeyCode::Char('y'))).is_empty());
    assert_eq!(state.mode(), crate::tui::keymap::Mode::Copy);
    assert!(!state.quit);
}

#[test]
fn rows_hold_still_while_keys_are_recent_and_resort_once_idle_on_the_same_thread() {
    let mut state = state_with_threads(80, 24, sample_threads(), false);
    let shown = order(&state);
    let request_id = refresh_at(&mut state, 3);
    // The user moves as the refresh comes back.
    update(&mut state, key(KeyCode::Char('j')));
    update(&mut state, key(KeyCode::Char('j')));
    let selected = selected_id(&state);
    update(
        &mut state,
        Msg::ThreadsLoaded {
            request_id,
            result: loaded(reordered(3), None),
        },
    );
    // Same rows, same order, same place; their data is new; the new thread waits.
    assert_eq!(order(&state), shown);
    assert_eq!(state.list.selected, 2);
    assert_eq!(selected_id(&state), selected);
    let written = state
        .list
        .rows
        .iter()
        .find(|row| row.thread.thread_id == thread_id(4))
        .unwrap();
    assert!(written.thread.preview.ends_with("(and the launch modes)"));
    assert!(state.list.order_held);

    // Keys still recent: nothing reloads yet.
    assert!(update(&mut state, at_ms(4_000)).is_empty());
    // Idle for 1.5 s: a refresh at once (not after the usual interval), and its rows re-sort.
    let request_id = refresh_at(&mut state, 5);
    update(
        &mut state,
        Msg::ThreadsLoaded {
            request_id,
            result: loaded(reordered(3), None),
        },
    );
    assert_eq!(
        order(&state)[..3],
        [thread_id(99), thread_id(4), thread_id(0)]
    );
    assert_eq!(
        selected_id(&state),
        selected,
        "the selection follows the thread"
    );
    assert_eq!(state.list.selected, 4);
    assert!(!state.list.order_held);
    // No more early refreshes.
    assert!(update(&mut state, at(6)).is_empty());
}

#[test]
fn a_refresh_that_moves_nothing_applies_even_under_recent_keys() {
    let mut state = state_with_threads(80, 24, sample_threads(), false);
    let request_id = refresh_at(&mut state, 3);
    update(&mut state, key(KeyCode::Char('j')));
    let mut same = sample_threads();
    same[0].preview = "Fix the flaky login test (fixed)".into();
    update(
        &mut state,
        Msg::ThreadsLoaded {
            request_id,
            result: loaded(same, Some("next")),
        },
    );
    assert!(!state.list.order_held);
    assert_eq!(
        state.list.rows[0].thread.preview,
        "Fix the flaky login test (fixed)"
    );
    assert!(state.list.has_more());
}

/// Selects thread 1 (second row), starts a refresh at 3 s and opens a dialog with `keys`
/// while it is in flight; the refresh comes back at 6 s (keys idle) with thread 1 moved.
fn dialog_across_a_reorder(keys: &[char]) -> State {
    let mut state = state_with_threads(80, 24, sample_threads(), false);
    update(&mut state, key(KeyCode::Char('j')));
    assert_eq!(selected_id(&state), thread_id(1));
    let request_id = refresh_at(&mut state, 3);
    for &c in keys {
        update(&mut state, key(KeyCode::Char(c)));
    }
    assert!(state.overlay.is_some());
    // No refresh starts under a dialog; the one in flight lands after the keys went idle.
    assert!(update(&mut state, at(6)).is_empty());
    let mut fresh = sample_threads();
    let moved = fresh.remove(1);
    fresh.insert(3, moved);
    fresh.insert(0, thread(99, "a thread started meanwhile"));
    update(
        &mut state,
        Msg::ThreadsLoaded {
            request_id,
            result: loaded(fresh, None),
        },
    );
    // The rows did move: the second row is another thread now.
    assert_eq!(order(&state)[1], thread_id(0));
    state
}

#[test]
fn an_edit_confirmed_after_a_reorder_acts_on_the_thread_shown_when_it_started() {
    // Rename.
    let mut state = dialog_across_a_reorder(&['r']);
    type_text(&mut state, " v2");
    let effects = update(&mut state, key(KeyCode::Enter));
    let [Effect::UpdateMetadata { id, patch, .. }] = effects.as_slice() else {
        panic!("unexpected {effects:?}")
    };
    assert_eq!(*id, thread_id(1));
    assert_eq!(
        *patch,
        ThreadMetadataPatch::rename(Some("JSON output v2".to_string()))
    );

    // Archive and delete confirmations.
    let mut state = dialog_across_a_reorder(&['a']);
    let effects = update(&mut state, key(KeyCode::Char('y')));
    assert!(matches!(effects.as_slice(), [Effect::Archive(id)] if *id == thread_id(1)));
    let mut state = dialog_across_a_reorder(&['d']);
    let effects = update(&mut state, key(KeyCode::Enter));
    assert!(matches!(effects.as_slice(), [Effect::Delete(id)] if *id == thread_id(1)));

    // The copy choice.
    let mut state = dialog_across_a_reorder(&['y']);
    let effects = update(&mut state, key(KeyCode::Char('i')));
    assert!(
        matches!(effects.as_slice(), [Effect::Copy { text }] if *text == thread_id(1).to_string())
    );

    // A bulk action on marks made before the reorder: the marked threads, wherever they are.
    let mut state = state_with_threads(80, 24, sample_threads(), false);
    update(&mut state, key(KeyCode::Char(' ')));
    update(&mut state, key(KeyCode::Char(' ')));
    let request_id = refresh_at(&mut state, 3);
    update(&mut state, key(KeyCode::Char('a')));
    update(&mut state, at(6));
    update(
        &mut state,
        Msg::ThreadsLoaded {
            request_id,
            result: loaded(reordered(3), None),
        },
    );
    let effects = update(&mut state, key(KeyCode::Enter));
    let [Effect::Bulk { ids, .. }] = effects.as_slice() else {
        panic!("unexpected {effects:?}")
    };
    assert_eq!(*ids, [thread_id(0), thread_id(1)]);
}

fn hit(id: ThreadId) -> SearchHit {
    SearchHit {
        thread_id: id,
        archived: false,
        cursor: HistoryCursor(3),
        timestamp: "2026-05-14T09:12:34.010Z".to_string(),
        kind: "event_msg:user_message".to_string(),
        snippet: "the launch modes".to_string(),
    }
}

/// `f`, a query, Enter, hits in `threads`; then Enter opens the first result's thread.
fn open_hit(state: &mut State, threads: Vec<StoredThread>) {
    update(state, key(KeyCode::Char('f')));
    type_text(state, "launch");
    let effects = update(state, key(KeyCode::Enter));
    let request_id = effects
        .iter()
        .find_map(|effect| match effect {
            Effect::FullTextSearch { request_id, .. } => Some(*request_id),
            _ => None,
        })
        .expect("a search");
    let hits = threads.iter().map(|t| hit(t.thread_id)).collect();
    update(
        state,
        Msg::SearchHits {
            request_id,
            threads,
            hits,
        },
    );
    update(state, key(KeyCode::Enter));
    assert_eq!(state.screen, Screen::History);
}

#[test]
fn back_from_a_full_text_hit_the_list_selects_its_thread_loading_pages_to_it() {
    // A loaded thread: selected at once.
    let mut state = state_with_threads(80, 24, sample_threads(), false);
    open_hit(&mut state, vec![sample_threads()[3].clone()]);
    update(&mut state, key(KeyCode::Esc));
    assert!(state.full_text.is_some(), "back to the results first");
    assert_eq!(selected_id(&state), thread_id(3));
    update(&mut state, key(KeyCode::Esc));
    assert!(state.full_text.is_none());
    assert_eq!(selected_id(&state), thread_id(3));

    // A thread further down than the pages loaded: pages come until it does.
    let mut state = state_with_threads(80, 24, sample_threads(), true);
    let in_flight = state.list.loading.expect("the next page is on its way");
    open_hit(&mut state, vec![thread(9, "far down")]);
    update(&mut state, key(KeyCode::Esc));
    assert_eq!(state.list.seeking.map(|seek| seek.id), Some(thread_id(9)));
    let effects = update(
        &mut state,
        Msg::ThreadsLoaded {
            request_id: in_flight,
            result: loaded((5..8).map(|n| thread(n, "older")).collect(), Some("p3")),
        },
    );
    let next = load_threads_request(&effects).expect("another page");
    assert_eq!(state.list.loading, Some(next));
    update(
        &mut state,
        Msg::ThreadsLoaded {
            request_id: next,
            result: loaded((8..12).map(|n| thread(n, "older")).collect(), Some("p4")),
        },
    );
    assert_eq!(state.list.seeking, None);
    assert_eq!(selected_id(&state), thread_id(9));
    update(&mut state, key(KeyCode::Esc));
    assert_eq!(selected_id(&state), thread_id(9));

    // A thread the listing cannot hold (archived, the list shows local threads): no pages
    // are loaded for it, the selection stays.
    let mut state = state_with_threads(80, 24, sample_threads(), true);
    let mut archived = thread(9, "archived");
    archived.archived = true;
    open_hit(&mut state, vec![archived]);
    let effects = update(&mut state, key(KeyCode::Esc));
    assert_eq!(state.list.seeking, None);
    assert!(load_threads_request(&effects).is_none());
    assert_eq!(selected_id(&state), thread_id(0));

    // Pages that pass where it would sort without bringing it: the search stops there.
    let mut state = state_with_threads(80, 24, sample_threads(), true);
    let in_flight = state.list.loading.unwrap();
    open_hit(&mut state, vec![thread(6, "gone from this listing")]);
    update(&mut state, key(KeyCode::Esc));
    let effects = update(
        &mut state,
        Msg::ThreadsLoaded {
            request_id: in_flight,
            result: loaded(vec![thread(5, "older"), thread(7, "older")], Some("p3")),
        },
    );
    assert_eq!(state.list.seeking, None);
    assert!(load_threads_request(&effects).is_none());
}
