//! Pure tests of delete, marks and bulk actions: keys in, state and effects out.

use crossterm::event::KeyCode;

use super::*;
use crate::tui::keymap::Mode;
use crate::tui::test_support::*;

fn space() -> Msg {
    key(KeyCode::Char(' '))
}

#[test]
fn d_asks_naming_the_thread_and_a_deleted_thread_leaves_the_list() {
    let mut state = state_with_threads(80, 24, sample_threads(), false);
    let title = state.list.rows[0].thread.title().to_string();
    assert!(update(&mut state, key(KeyCode::Char('d'))).is_empty());
    let Some(Overlay::Confirm(dialog)) = &state.overlay else {
        panic!("no confirmation");
    };
    assert_eq!(dialog.action, ConfirmAction::Delete(thread_id(0)));
    assert_eq!(dialog.title, title);
    assert!(update(&mut state, key(KeyCode::Char('n'))).is_empty());
    assert!(state.overlay.is_none());

    update(&mut state, key(KeyCode::Char('d')));
    let effects = update(&mut state, key(KeyCode::Char('y')));
    assert!(matches!(effects.as_slice(), [Effect::Delete(id)] if *id == thread_id(0)));
    update(&mut state, Msg::Deleted(thread_id(0)));
    assert_eq!(state.list.rows.len(), 4);
    let status = state.status.as_ref().unwrap();
    assert_eq!(
        status.text,
        format!("Deleted “{title}” (its rollout is in the trash)")
    );
}

#[test]
fn a_thread_open_in_codex_is_not_offered_for_deletion() {
    let mut threads = sample_threads();
    threads[0].open_in_codex = true;
    let mut state = state_with_threads(80, 24, threads, false);
    assert!(update(&mut state, key(KeyCode::Char('d'))).is_empty());
    assert!(state.overlay.is_none());
    let status = state.status.as_ref().unwrap();
    assert_eq!(status.kind, StatusKind::Error);
    assert!(
        status.text.contains("open in a Codex process") && status.text.contains("after Codex"),
        "{}",
        status.text
    );
}

#[test]
fn a_thread_only_codexs_background_app_server_holds_is_said_to_be_let_go_soon() {
    let mut threads = sample_threads();
    threads[0].open_in_codex = true;
    threads[0].status.holder = Some(crate::rollout::Holder::BackgroundAppServer);
    let mut state = state_with_threads(80, 24, threads, false);
    assert!(update(&mut state, key(KeyCode::Char('d'))).is_empty());
    let status = state.status.as_ref().unwrap();
    assert!(
        status.text.contains("background app server") && status.text.contains("in about a minute"),
        "{}",
        status.text
    );
    assert!(!status.text.contains("open in a Codex process"));
}

#[test]
fn deleting_from_the_history_goes_back_to_the_list() {
    let mut state = state_with_threads(80, 24, sample_threads(), false);
    update(&mut state, key(KeyCode::Enter));
    assert_eq!(state.screen, Screen::History);
    update(&mut state, key(KeyCode::Char('d')));
    let effects = update(&mut state, key(KeyCode::Char('y')));
    assert!(matches!(effects.as_slice(), [Effect::Delete(id)] if *id == thread_id(0)));
    let effects = update(&mut state, Msg::Deleted(thread_id(0)));
    assert!(effects.iter().any(|e| matches!(e, Effect::StopFollow)));
    assert_eq!(state.screen, Screen::List);
    assert!(state.history.is_none());
    // Space still pages in a history: it is not a mark there.
    update(&mut state, key(KeyCode::Enter));
    update(&mut state, space());
    assert!(state.list.marked.is_empty());
}

#[test]
fn space_marks_and_moves_on_esc_clears_the_marks_then_the_search() {
    let mut state = state_with_threads(80, 24, sample_threads(), false);
    update(&mut state, space());
    update(&mut state, space());
    assert_eq!(state.list.marked, vec![thread_id(0), thread_id(1)]);
    assert_eq!(state.list.selected, 2);
    // Space on a marked row unmarks it and stays.
    update(&mut state, key(KeyCode::Up));
    update(&mut state, space());
    assert_eq!(state.list.marked, vec![thread_id(0)]);
    assert_eq!(state.list.selected, 1);

    state.list.query = "x".to_string();
    update(&mut state, key(KeyCode::Esc));
    assert!(state.list.marked.is_empty());
    assert_eq!(state.list.query, "x", "the first Esc clears only the marks");
}

#[test]
fn a_bulk_action_asks_once_then_reports_progress_and_a_summary() {
    let mut state = state_with_threads(80, 24, sample_threads(), false);
    for _ in 0..3 {
        update(&mut state, space());
    }
    assert!(update(&mut state, key(KeyCode::Char('a'))).is_empty());
    assert_eq!(state.mode(), Mode::Confirm);
    let Some(Overlay::Confirm(dialog)) = &state.overlay else {
        panic!("no confirmation");
    };
    assert_eq!(dialog.title, "the 3 marked threads");
    let effects = update(&mut state, key(KeyCode::Char('y')));
    let ids = vec![thread_id(0), thread_id(1), thread_id(2)];
    assert!(matches!(
        effects.as_slice(),
        [Effect::Bulk { action: BulkAction::Archive, ids: sent }] if *sent == ids
    ));
    assert_eq!(state.status.as_ref().unwrap().text, "Archiving… 0/3");
    // Another bulk action waits for this one.
    assert!(update(&mut state, key(KeyCode::Char('d'))).is_empty());
    assert!(state.overlay.is_none());

    update(
        &mut state,
        Msg::BulkProgress {
            action: BulkAction::Archive,
            done: 2,
            total: 3,
        },
    );
    assert_eq!(state.status.as_ref().unwrap().text, "Archiving… 2/3");
    update(
        &mut state,
        Msg::BulkDone {
            action: BulkAction::Archive,
            succeeded: vec![thread_id(0), thread_id(2)],
            failed: vec![(thread_id(1), "thread is busy".to_string())],
        },
    );
    let status = state.status.as_ref().unwrap();
    assert_eq!(status.kind, StatusKind::Error);
    assert_eq!(
        status.text,
        format!("archived 2, 1 failed: {}: thread is busy", thread_id(1))
    );
    assert_eq!(state.list.rows.len(), 3);
    assert_eq!(
        state.list.marked,
        vec![thread_id(1)],
        "the failed one stays marked"
    );
    assert!(state.list.bulk.is_none());

    // With every mark gone, `d` is about the selected thread again.
    update(&mut state, key(KeyCode::Esc));
    update(&mut state, key(KeyCode::Char('d')));
    let Some(Overlay::Confirm(dialog)) = &state.overlay else {
        panic!("no confirmation");
    };
    assert!(matches!(dialog.action, ConfirmAction::Delete(_)));
}

#[test]
fn a_bulk_delete_that_fully_succeeds_is_an_info_line() {
    let mut state = state_with_threads(80, 24, sample_threads(), false);
    update(&mut state, space());
    update(&mut state, key(KeyCode::Char('d')));
    let effects = update(&mut state, key(KeyCode::Enter));
    assert!(matches!(
        effects.as_slice(),
        [Effect::Bulk {
            action: BulkAction::Delete,
            ..
        }]
    ));
    update(
        &mut state,
        Msg::BulkDone {
            action: BulkAction::Delete,
            succeeded: vec![thread_id(0)],
            failed: Vec::new(),
        },
    );
    let status = state.status.as_ref().unwrap();
    assert_eq!(
        (status.kind, status.text.as_str()),
        (StatusKind::Info, "deleted 1")
    );
    assert!(state.list.marked.is_empty());
    assert_eq!(state.list.rows.len(), 4);
}
