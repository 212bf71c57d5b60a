//! The split view through `update`: adding, the limit, focus, zoom, closing, following and
//! leaving, checked on the state and the effects.

use crossterm::event::KeyCode;
use serde_json::json;

use super::history::MAX_WINDOW_LINES;
use super::*;
use crate::manager::FollowEvent;
use crate::store::status::ThreadStatus;
use crate::store::{HistoryCursor, HistoryDirection, HistoryLine, ThreadHistoryPage};
use crate::tui::test_support::*;

fn list_of(count: u128) -> State {
    let threads = (0..count)
        .map(|n| thread(n, &format!("Thread number {n}")))
        .collect();
    state_with_threads(120, 40, threads, false)
}

/// The page read a pane asked for.
fn load_request(effects: &[Effect]) -> Option<u64> {
    effects.iter().find_map(|effect| match effect {
        Effect::LoadHistory { request_id, params } => {
            assert_eq!(params.direction, HistoryDirection::Backward);
            assert!(params.anchor.is_none(), "the first page is the last one");
            Some(*request_id)
        }
        _ => None,
    })
}

/// Adds the selected thread, then moves the selection down.
fn add_and_move_on(state: &mut State) -> u64 {
    let effects = update(state, key(KeyCode::Char('+')));
    let request_id = load_request(&effects).expect("a history page for the new pane");
    update(state, key(KeyCode::Char('j')));
    request_id
}

fn agent_line(cursor: u64, text: &str) -> HistoryLine {
    let mut line = history_lines(vec![json!({
        "timestamp": "2026-05-14T09:30:00.000Z",
        "type": "event_msg",
        "payload": {"type": "agent_message", "message": text, "phase": null}
    })])
    .remove(0);
    line.cursor = HistoryCursor(cursor);
    line
}

/// A page of `count` agent messages, the rollout's last.
fn last_page(count: u64, label: &str) -> ThreadHistoryPage {
    let lines = (0..count)
        .map(|index| agent_line(index, &format!("{label} line {index}")))
        .collect();
    whole_page(lines)
}

fn deliver(state: &mut State, request_id: u64, page: ThreadHistoryPage) -> Vec<Effect> {
    update(
        state,
        Msg::HistoryLoaded {
            request_id,
            direction: HistoryDirection::Backward,
            result: Ok(page),
        },
    )
}

fn shown_text(view: &HistoryView) -> String {
    view.lines(0, view.total_lines())
        .map(|line| {
            line.spans
                .iter()
                .map(|span| span.content.as_ref())
                .collect::<String>()
        })
        .collect::<Vec<_>>()
        .join("\n")
}

#[test]
fn plus_adds_the_selected_thread_and_stays_on_the_list() {
    let mut state = list_of(3);
    let effects = update(&mut state, key(KeyCode::Char('+')));
    assert!(load_request(&effects).is_some());
    assert_eq!(state.screen, Screen::List);
    assert_eq!(state.split.panes.len(), 1);
    assert_eq!(state.split.panes[0].thread.thread_id, thread_id(0));
    let status = state.status.as_ref().expect("a note");
    assert!(status.text.contains("(1/4)"), "{}", status.text);
    assert!(status.text.contains("w shows it"), "{}", status.text);
}

#[test]
fn adding_a_thread_twice_focuses_its_pane_instead() {
    let mut state = list_of(3);
    add_and_move_on(&mut state);
    add_and_move_on(&mut state);
    assert_eq!(state.split.focus, 1);
    update(&mut state, key(KeyCode::Char('g')));
    let effects = update(&mut state, key(KeyCode::Char('+')));
    assert!(effects.is_empty(), "{effects:?}");
    assert_eq!(state.split.panes.len(), 2);
    assert_eq!(state.split.focus, 0);
    assert!(
        state
            .status
            .unwrap()
            .text
            .contains("already in the split view")
    );
}

#[test]
fn a_fifth_thread_is_refused_in_the_status_line() {
    let mut state = list_of(6);
    for _ in 0..MAX_PANES {
        add_and_move_on(&mut state);
    }
    let effects = update(&mut state, key(KeyCode::Char('+')));
    assert!(effects.is_empty(), "{effects:?}");
    assert_eq!(state.split.panes.len(), 4);
    let status = state.status.expect("the refusal");
    assert_eq!(status.kind, StatusKind::Error);
    assert!(status.text.contains("4 threads at most"), "{}", status.text);
    assert!(status.text.contains("(x)"), "{}", status.text);
}

#[test]
fn w_shows_the_split_view_and_reads_the_threads_status() {
    let mut state = list_of(3);
    add_and_move_on(&mut state);
    add_and_move_on(&mut state);
    let effects = update(&mut state, key(KeyCode::Char('w')));
    assert_eq!(state.screen, Screen::Split);
    assert_eq!(state.mode(), crate::tui::keymap::Mode::Split);
    let ids = effects
        .iter()
        .find_map(|effect| match effect {
            Effect::ReadThreads { ids, .. } => Some(ids.clone()),
            _ => None,
        })
        .expect("the panes' threads read again");
    assert_eq!(ids, vec![thread_id(0), thread_id(1)]);
}

#[test]
fn w_on_an_empty_split_view_takes_the_selected_thread() {
    let mut state = list_of(3);
    let effects = update(&mut state, key(KeyCode::Char('w')));
    assert!(load_request(&effects).is_some());
    assert_eq!(state.screen, Screen::Split);
    assert_eq!(state.split.panes.len(), 1);
}

#[test]
fn tab_and_backtab_cycle_the_focus() {
    let mut state = list_of(3);
    for _ in 0..3 {
        add_and_move_on(&mut state);
    }
    update(&mut state, key(KeyCode::Char('w')));
    assert_eq!(state.split.focus, 2, "the last added has the focus");
    update(&mut state, key(KeyCode::Tab));
    assert_eq!(state.split.focus, 0);
    update(&mut state, key(KeyCode::Tab));
    assert_eq!(state.split.focus, 1);
    update(&mut state, key(KeyCode::BackTab));
    update(&mut state, key(KeyCode::BackTab));
    assert_eq!(state.split.focus, 2);
}

#[test]
fn z_zooms_the_focused_pane_and_back() {
    let mut state = list_of(3);
    add_and_move_on(&mut state);
    add_and_move_on(&mut state);
    update(&mut state, key(KeyCode::Char('w')));
    update(&mut state, key(KeyCode::Char('z')));
    assert!(state.split.zoomed);
    let layout = crate::tui::ui::split::layout(&state);
    assert!(layout.areas[0].is_none() && layout.areas[1].is_some());
    // Zoomed, the pane is laid out at the whole width.
    update(&mut state, key(KeyCode::Tab));
    assert!(state.split.zoomed, "the zoom stays while cycling");
    update(&mut state, key(KeyCode::Char('z')));
    assert!(!state.split.zoomed);
    let layout = crate::tui::ui::split::layout(&state);
    assert!(layout.areas.iter().all(Option::is_some));
}

#[test]
fn x_closes_the_focused_pane_and_stops_its_follower() {
    let mut state = list_of(3);
    let first = add_and_move_on(&mut state);
    let second = add_and_move_on(&mut state);
    update(&mut state, key(KeyCode::Char('w')));
    update(&mut state, key(KeyCode::Char('z')));
    let effects = update(&mut state, key(KeyCode::Char('x')));
    assert!(
        matches!(effects.as_slice(), [Effect::StopFollowPane { request_id }] if *request_id == second),
        "{effects:?}"
    );
    assert_eq!(state.split.panes.len(), 1);
    assert_eq!(state.split.focus, 0);
    assert!(!state.split.zoomed, "one pane is not zoomed");
    assert_eq!(state.screen, Screen::Split);
    // The last one closed goes back to the list.
    let effects = update(&mut state, key(KeyCode::Char('x')));
    assert!(effects.iter().any(
        |effect| matches!(effect, Effect::StopFollowPane { request_id } if *request_id == first)
    ));
    assert!(state.split.panes.is_empty());
    assert_eq!(state.screen, Screen::List);
}

#[test]
fn a_pane_follows_its_thread_and_stays_at_the_bottom() {
    let mut state = list_of(3);
    let request_id = add_and_move_on(&mut state);
    update(&mut state, key(KeyCode::Char('w')));
    let effects = deliver(&mut state, request_id, last_page(40, "first"));
    let follow = effects
        .iter()
        .find_map(|effect| match effect {
            Effect::FollowPane {
                request_id, from, ..
            } => Some((*request_id, *from)),
            _ => None,
        })
        .expect("a pane follower");
    assert_eq!(follow, (request_id, HistoryCursor(40)));
    assert!(
        !effects
            .iter()
            .any(|effect| matches!(effect, Effect::StopFollow | Effect::Follow { .. })),
        "the history's follower is left alone: {effects:?}"
    );
    let view = &state.split.panes[0];
    assert!(view.stick_to_bottom);
    let before = view.total_lines();

    update(
        &mut state,
        Msg::Follow {
            request_id,
            event: FollowEvent::Lines(vec![agent_line(40, "Build finished: all green")]),
        },
    );
    let view = &state.split.panes[0];
    assert!(view.total_lines() > before);
    assert!(shown_text(view).contains("Build finished: all green"));
    let layout = crate::tui::ui::split::layout(&state);
    let lines = usize::from(crate::tui::ui::split::pane_inner(layout.areas[0].unwrap()).height);
    assert!(view.at_bottom(lines), "still at the bottom");
    assert_eq!(view.unseen, 0);
    assert!(state.history.is_none(), "no history screen involved");
}

#[test]
fn scrolled_up_a_pane_counts_new_lines_instead_of_jumping() {
    let mut state = list_of(3);
    let request_id = add_and_move_on(&mut state);
    update(&mut state, key(KeyCode::Char('w')));
    deliver(&mut state, request_id, last_page(80, "first"));
    update(&mut state, key(KeyCode::PageUp));
    assert!(!state.split.panes[0].stick_to_bottom);
    update(
        &mut state,
        Msg::Follow {
            request_id,
            event: FollowEvent::Lines(vec![agent_line(80, "Later")]),
        },
    );
    assert_eq!(state.split.panes[0].unseen, 1);
    update(&mut state, key(KeyCode::Char('G')));
    assert!(state.split.panes[0].stick_to_bottom);
    assert_eq!(state.split.panes[0].unseen, 0);
}

#[test]
fn each_pane_takes_only_its_own_pages_and_lines() {
    let mut state = list_of(3);
    let first = add_and_move_on(&mut state);
    let second = add_and_move_on(&mut state);
    update(&mut state, key(KeyCode::Char('w')));
    deliver(&mut state, second, last_page(3, "second"));
    deliver(&mut state, first, last_page(3, "first"));
    update(
        &mut state,
        Msg::Follow {
            request_id: first,
            event: FollowEvent::Lines(vec![agent_line(3, "news for the first")]),
        },
    );
    let [one, two] = &state.split.panes[..] else {
        panic!("two panes");
    };
    assert!(shown_text(one).contains("first line 2"));
    assert!(shown_text(one).contains("news for the first"));
    assert!(shown_text(two).contains("second line 2"));
    assert!(!shown_text(two).contains("news"));
}

#[test]
fn a_pane_keeps_a_bounded_window_however_much_arrives() {
    let mut state = list_of(3);
    let request_id = add_and_move_on(&mut state);
    deliver(&mut state, request_id, last_page(10, "start"));
    let mut cursor = 10;
    for _ in 0..20 {
        let batch = (0..500)
            .map(|_| {
                cursor += 1;
                agent_line(cursor, "a line of a long session")
            })
            .collect();
        update(
            &mut state,
            Msg::Follow {
                request_id,
                event: FollowEvent::Lines(batch),
            },
        );
    }
    let view = &state.split.panes[0];
    assert!(
        view.window_len() <= MAX_WINDOW_LINES + 500,
        "{} lines kept",
        view.window_len()
    );
}

#[test]
fn enter_opens_the_focused_history_and_esc_comes_back() {
    let mut state = list_of(3);
    add_and_move_on(&mut state);
    add_and_move_on(&mut state);
    update(&mut state, key(KeyCode::Char('w')));
    update(&mut state, key(KeyCode::BackTab));
    let effects = update(&mut state, key(KeyCode::Enter));
    assert_eq!(state.screen, Screen::History);
    assert!(load_request(&effects).is_some());
    assert_eq!(
        state.history.as_ref().map(|h| h.thread.thread_id),
        Some(thread_id(0))
    );
    let effects = update(&mut state, key(KeyCode::Esc));
    assert_eq!(state.screen, Screen::Split);
    assert!(effects.iter().any(|e| matches!(e, Effect::StopFollow)));
    assert!(
        !effects
            .iter()
            .any(|e| matches!(e, Effect::StopFollowPane { .. })),
        "the panes keep following"
    );
    // Esc from the split view goes to the list; the panes stay for later.
    update(&mut state, key(KeyCode::Esc));
    assert_eq!(state.screen, Screen::List);
    assert_eq!(state.split.panes.len(), 2);
    // A history opened from the list goes back to the list.
    update(&mut state, key(KeyCode::Enter));
    update(&mut state, key(KeyCode::Esc));
    assert_eq!(state.screen, Screen::List);
}

#[test]
fn from_a_history_plus_adds_its_thread_and_w_shows_the_split() {
    let mut state = list_of(3);
    update(&mut state, key(KeyCode::Enter));
    let effects = update(&mut state, key(KeyCode::Char('+')));
    assert!(load_request(&effects).is_some());
    assert_eq!(state.screen, Screen::History);
    let effects = update(&mut state, key(KeyCode::Char('w')));
    assert_eq!(state.screen, Screen::Split);
    assert!(state.history.is_none(), "the history is closed");
    assert!(effects.iter().any(|e| matches!(e, Effect::StopFollow)));
}

#[test]
fn statuses_are_read_again_while_the_split_shows() {
    let mut state = list_of(3);
    let pane = add_and_move_on(&mut state);
    let effects = update(&mut state, key(KeyCode::Char('w')));
    let request_id = effects
        .iter()
        .find_map(|effect| match effect {
            Effect::ReadThreads { request_id, .. } => Some(*request_id),
            _ => None,
        })
        .expect("a read");
    // One read at a time.
    let tick = Msg::Tick(fixed_now() + chrono::Duration::seconds(10));
    assert!(update(&mut state, tick.clone()).is_empty());
    let mut working = thread(0, "Thread number 0");
    working.status.status = ThreadStatus::Working;
    working.unread = true;
    update(
        &mut state,
        Msg::ThreadsRead {
            request_id,
            threads: vec![working],
        },
    );
    assert_eq!(
        state.split.panes[0].thread.status.status,
        ThreadStatus::Working
    );
    assert!(state.split.panes[0].thread.unread);
    // Nothing new and no time passed: no read.
    let now = state.now;
    assert!(update(&mut state, Msg::Tick(now)).is_empty());
    // New lines: the next tick reads again.
    deliver(&mut state, pane, last_page(2, "x"));
    update(
        &mut state,
        Msg::Follow {
            request_id: pane,
            event: FollowEvent::Lines(vec![agent_line(2, "more")]),
        },
    );
    let effects = update(&mut state, Msg::Tick(now));
    assert!(
        effects
            .iter()
            .any(|e| matches!(e, Effect::ReadThreads { .. }))
    );
}

#[test]
fn a_deleted_thread_leaves_the_split_view() {
    let mut state = list_of(3);
    let request_id = add_and_move_on(&mut state);
    add_and_move_on(&mut state);
    let effects = update(&mut state, Msg::Deleted(thread_id(0)));
    assert!(
        effects
            .iter()
            .any(|e| matches!(e, Effect::StopFollowPane { request_id: id } if *id == request_id))
    );
    assert_eq!(state.split.panes.len(), 1);
    assert!(state.status.unwrap().text.starts_with("Deleted"));
}

#[test]
fn a_click_focuses_the_pane_under_it() {
    let mut state = list_of(3);
    add_and_move_on(&mut state);
    add_and_move_on(&mut state);
    update(&mut state, key(KeyCode::Char('w')));
    assert_eq!(state.split.focus, 1);
    let click = crossterm::event::MouseEvent {
        kind: crossterm::event::MouseEventKind::Down(crossterm::event::MouseButton::Left),
        column: 5,
        row: 5,
        modifiers: crossterm::event::KeyModifiers::NONE,
    };
    update(&mut state, Msg::Mouse(click));
    assert_eq!(state.split.focus, 0);
}

#[test]
fn the_help_lists_the_split_keys() {
    let state = list_of(1);
    let keys: Vec<_> = state
        .keymap
        .bindings(crate::tui::keymap::Mode::Split)
        .iter()
        .map(|binding| (binding.action, binding.keys_label()))
        .collect();
    use crate::tui::keymap::Action;
    for (action, label) in [
        (Action::NextPane, "Tab"),
        (Action::PrevPane, "BackTab"),
        (Action::ZoomPane, "z"),
        (Action::ClosePane, "x"),
        (Action::Open, "Enter"),
    ] {
        assert!(
            keys.contains(&(action, label.to_string())),
            "{action:?} {label}: {keys:?}"
        );
    }
}
