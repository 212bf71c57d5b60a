//! Pure tests of `update` for private threads (`H`), and render snapshots of the mark in the
//! list, the preview pane and the `?` legend.

use crossterm::event::KeyCode;

use super::*;
use crate::tui::test_support::*;

fn row_private(state: &State, n: u128) -> bool {
    state
        .list
        .rows
        .iter()
        .find(|row| row.thread.thread_id == thread_id(n))
        .unwrap()
        .thread
        .private
}

fn set_private(effects: &[Effect]) -> (Vec<crate::protocol::ThreadId>, bool) {
    match effects {
        [Effect::SetPrivate { ids, private }] => (ids.clone(), *private),
        other => panic!("unexpected {other:?}"),
    }
}

fn screen(state: &State, width: u16, height: u16) -> String {
    let mut terminal =
        ratatui::Terminal::new(ratatui::backend::TestBackend::new(width, height)).unwrap();
    terminal
        .draw(|frame| crate::tui::ui::render(frame, state))
        .unwrap();
    terminal.backend().to_string()
}

#[test]
fn h_marks_the_selected_thread_private_then_public_again() {
    let mut state = state_with_threads(80, 24, sample_threads(), false);
    let (ids, private) = set_private(&update(&mut state, key(KeyCode::Char('H'))));
    assert_eq!((ids.as_slice(), private), ([thread_id(0)].as_slice(), true));
    // Nothing shows as private until the mark is written.
    assert!(!row_private(&state, 0));
    update(
        &mut state,
        Msg::PrivateSet {
            ids,
            private: true,
            result: Ok(()),
        },
    );
    assert!(row_private(&state, 0));
    let status = &state.status.as_ref().unwrap().text;
    assert!(
        status.contains("is private: sync keeps it at home"),
        "{status}"
    );

    let (ids, private) = set_private(&update(&mut state, key(KeyCode::Char('H'))));
    assert_eq!(
        (ids.as_slice(), private),
        ([thread_id(0)].as_slice(), false)
    );
    update(
        &mut state,
        Msg::PrivateSet {
            ids,
            private: false,
            result: Ok(()),
        },
    );
    assert!(!row_private(&state, 0));
    assert!(state.status.as_ref().unwrap().text.contains("public"));
}

#[test]
fn with_marks_h_acts_on_every_marked_thread_and_their_marks_go() {
    let mut state = state_with_threads(80, 24, sample_threads(), false);
    // Thread 1 is private already; marking 0 and 1 makes both private (one was public).
    let mut private_one = state.list.rows[1].thread.clone();
    private_one.private = true;
    state.list.replace_thread(&private_one);
    update(&mut state, key(KeyCode::Char(' ')));
    update(&mut state, key(KeyCode::Char(' ')));
    let (ids, private) = set_private(&update(&mut state, key(KeyCode::Char('H'))));
    assert_eq!(ids, [thread_id(0), thread_id(1)]);
    assert!(private);
    update(
        &mut state,
        Msg::PrivateSet {
            ids,
            private,
            result: Ok(()),
        },
    );
    assert!(row_private(&state, 0) && row_private(&state, 1));
    assert!(state.list.marked.is_empty());
    assert!(
        state
            .status
            .as_ref()
            .unwrap()
            .text
            .starts_with("2 threads are private")
    );
}

#[test]
fn a_refused_mark_is_the_status_line_and_changes_nothing() {
    let mut state = state_with_threads(80, 24, sample_threads(), false);
    let (ids, _) = set_private(&update(&mut state, key(KeyCode::Char('H'))));
    update(
        &mut state,
        Msg::PrivateSet {
            ids,
            private: true,
            result: Err("a shared store has no such mark".into()),
        },
    );
    assert!(!row_private(&state, 0));
    let status = state.status.as_ref().unwrap();
    assert_eq!(status.kind, StatusKind::Error);
    assert!(status.text.contains("shared store"));
}

#[test]
fn h_in_a_history_marks_its_thread_not_the_marked_ones() {
    let mut state = state_with_threads(80, 24, sample_threads(), false);
    update(&mut state, key(KeyCode::Char(' ')));
    update(&mut state, key(KeyCode::Char('k')));
    update(&mut state, key(KeyCode::Char('j')));
    update(&mut state, key(KeyCode::Enter));
    assert_eq!(state.screen, Screen::History);
    let opened = state.history.as_ref().unwrap().thread.thread_id;
    let (ids, private) = set_private(&update(&mut state, key(KeyCode::Char('H'))));
    assert_eq!((ids, private), (vec![opened], true));
}

#[test]
fn a_private_thread_shows_its_mark_before_its_title_80x24() {
    let mut threads = sample_threads();
    threads[0].private = true;
    threads[2].private = true;
    let state = state_with_threads(80, 24, threads, false);
    let list = screen(&state, 80, 24);
    assert!(list.contains("⌂ "), "{list}");
    insta::with_settings!({ snapshot_path => "../snapshots", prepend_module_to_snapshot => false }, {
        insta::assert_snapshot!("list_private_80x24", list);
    });
}

#[test]
fn a_private_thread_shows_its_mark_in_the_preview_pane_120x40() {
    let mut threads = sample_threads();
    threads[0].private = true;
    let state = state_with_threads(120, 40, threads, false);
    let list = screen(&state, 120, 40);
    assert!(list.contains("private: kept at home"), "{list}");
    insta::with_settings!({ snapshot_path => "../snapshots", prepend_module_to_snapshot => false }, {
        insta::assert_snapshot!("list_private_120x40", list);
    });
}

#[test]
fn the_legend_explains_the_private_mark_and_its_key() {
    let mut state = state_with_threads(120, 40, sample_threads(), false);
    update(&mut state, key(KeyCode::Char('?')));
    // Scroll through the whole overlay: the marks are at its end.
    let mut seen = String::new();
    for _ in 0..40 {
        seen.push_str(&screen(&state, 120, 40));
        update(&mut state, key(KeyCode::Char('j')));
    }
    // The mark's line in the legend, and the key's line.
    assert!(
        seen.lines()
            .any(|line| line.contains("⌂") && line.contains("private: sync keeps it at home")),
        "{seen}"
    );
    assert!(
        seen.lines()
            .any(|line| line.contains(" H ") && line.contains("private / public")),
        "{seen}"
    );
}
