//! The trash view: snapshots at 80x24 and 120x40 (deletion dates are the `.trashinfo`'s own
//! local times, so no clock is involved), the keys that open it, move, restore and leave it,
//! a refusal on the status line, and its empty and failed states.

use std::path::PathBuf;

use chrono::NaiveDateTime;
use crossterm::event::KeyCode;
use ratatui::Terminal;
use ratatui::backend::TestBackend;

use super::render;
use crate::store::{RestoredThread, TrashedThread};
use crate::tui::app::trash::TrashLoad;
use crate::tui::app::{Effect, Msg, Screen, State, StatusKind, update};
use crate::tui::test_support::*;

fn draw(state: &State) -> String {
    let size = state.size;
    let mut terminal = Terminal::new(TestBackend::new(size.width, size.height)).expect("terminal");
    terminal.draw(|frame| render(frame, state)).expect("draw");
    terminal.backend().to_string()
}

fn assert_screen(name: &str, state: &State) {
    let screen = draw(state);
    insta::with_settings!({ snapshot_path => "../snapshots", prepend_module_to_snapshot => false }, {
        insta::assert_snapshot!(name, screen);
    });
}

fn trashed(n: u128, name: Option<&str>, preview: &str, deleted: &str, size: u64) -> TrashedThread {
    let id = thread_id(n);
    let day = "/home/ana/.codex/sessions/2026/12/07";
    TrashedThread {
        thread_id: id,
        name: name.map(str::to_owned),
        preview: preview.to_string(),
        original_path: PathBuf::from(format!("{day}/rollout-2026-12-07T09-00-00-{id}.jsonl")),
        trashed_path: PathBuf::from(format!(
            "/home/ana/.local/share/Trash/files/rollout-2026-12-07T09-00-00-{id}.jsonl"
        )),
        deleted_at: NaiveDateTime::parse_from_str(deleted, "%Y-%m-%d %H:%M:%S").ok(),
        size,
    }
}

fn trash() -> Vec<TrashedThread> {
    let mut archived = trashed(
        3,
        None,
        "Old experiment\nwith a second line",
        "2026-12-01 08:00:00",
        999,
    );
    archived.original_path = PathBuf::from(format!(
        "/home/ana/.codex/archived_sessions/rollout-2026-11-30T09-00-00-{}.jsonl",
        archived.thread_id
    ));
    vec![
        trashed(
            1,
            Some("Fix the flaky test"),
            "Why does CI fail?",
            "2026-12-07 20:14:20",
            48_213,
        ),
        trashed(
            2,
            None,
            "Refactor the \u{1b}[31mparser\u{1b}[0m",
            "2026-12-06 11:02:09",
            2_400_000,
        ),
        archived,
        trashed(4, None, "", "2026-11-28 17:45:00", 120),
    ]
}

/// The list, then `T` and the trash read.
fn open_trash(state: &mut State, threads: Result<Vec<TrashedThread>, String>) {
    let effects = update(state, key(KeyCode::Char('T')));
    let request_id = effects
        .iter()
        .find_map(|effect| match effect {
            Effect::LoadTrash { request_id } => Some(*request_id),
            _ => None,
        })
        .expect("the trash is read");
    assert_eq!(state.screen, Screen::Trash);
    // Read again each time; the first time it says so.
    assert!(
        matches!(state.trash.load, TrashLoad::Ready(_))
            || draw(state).contains("Reading the trash…")
    );
    update(
        state,
        Msg::TrashLoaded {
            request_id,
            result: threads,
        },
    );
}

#[test]
fn the_trash_view_at_80x24_and_120x40() {
    let mut state = state_with_threads(80, 24, sample_threads(), false);
    open_trash(&mut state, Ok(trash()));
    assert_screen("trash_80x24", &state);
    update(&mut state, key(KeyCode::Char('j')));
    update(&mut state, key(KeyCode::Char('j')));
    assert_eq!(state.trash.selected, 2);
    let mut wide = state.clone();
    update(
        &mut wide,
        Msg::Resize {
            width: 120,
            height: 40,
        },
    );
    assert_screen("trash_120x40_third_selected", &wide);
    let screen = draw(&wide);
    assert!(
        !screen.contains('\u{1b}'),
        "escapes from rollouts are not drawn"
    );
    update(&mut state, key(KeyCode::Esc));
    assert_eq!(state.screen, Screen::List);
}

#[test]
fn restoring_removes_the_row_and_a_refusal_is_the_status_line() {
    let mut state = state_with_threads(80, 24, sample_threads(), false);
    open_trash(&mut state, Ok(trash()));
    update(&mut state, key(KeyCode::Char('j')));
    let effects = update(&mut state, key(KeyCode::Char('u')));
    assert!(
        matches!(effects.as_slice(), [Effect::Restore { thread_id: id }] if *id == thread_id(2)),
        "{effects:?}"
    );
    // A second key while the first restore runs asks nothing more.
    assert!(update(&mut state, key(KeyCode::Char('u'))).is_empty());
    assert!(draw(&state).contains("restoring…"));
    let path = trash()[1].original_path.clone();
    update(
        &mut state,
        Msg::Restored {
            thread_id: thread_id(2),
            result: Ok(RestoredThread {
                thread_id: thread_id(2),
                path: path.clone(),
                rows_restored: true,
                name_restored: false,
            }),
        },
    );
    let left: Vec<_> = state.trash.threads().iter().map(|t| t.thread_id).collect();
    assert_eq!(left, [thread_id(1), thread_id(3), thread_id(4)]);
    let status = state.status.clone().unwrap();
    assert_eq!(status.kind, StatusKind::Info);
    assert!(
        status.text.starts_with("Restored “Refactor the"),
        "{}",
        status.text
    );
    assert!(state.list.refreshed_at.is_none(), "the list is read again");

    let effects = update(&mut state, key(KeyCode::Char('u')));
    let Some(Effect::Restore { thread_id: id }) = effects.first().cloned() else {
        panic!("{effects:?}");
    };
    let refusal = format!("{} already exists; nothing was restored", path.display());
    update(
        &mut state,
        Msg::Restored {
            thread_id: id,
            result: Err(refusal.clone()),
        },
    );
    let status = state.status.clone().unwrap();
    assert_eq!(status.kind, StatusKind::Error);
    assert_eq!(status.text, format!("Not restored: {refusal}"));
    assert_eq!(
        state.trash.threads().len(),
        3,
        "a refused thread stays listed"
    );
    assert_screen("trash_refused_80x24", &state);
}

#[test]
fn an_empty_or_unreadable_trash_says_so() {
    let mut state = state_with_threads(80, 24, sample_threads(), false);
    open_trash(&mut state, Ok(Vec::new()));
    assert!(draw(&state).contains("No deleted threads of this Codex home in the trash"));
    assert!(update(&mut state, key(KeyCode::Char('u'))).is_empty());
    update(&mut state, key(KeyCode::Char('q')));
    assert_eq!(state.screen, Screen::List);
    open_trash(&mut state, Err("permission denied".to_string()));
    assert!(draw(&state).contains("The trash could not be read: permission denied"));
}
