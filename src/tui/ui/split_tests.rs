//! The split view on screen: snapshots with two and four panes at 80x24 and 120x40 (fixed
//! clock), the focused border, zoom, and tiny terminals.

use crossterm::event::KeyCode;
use ratatui::Terminal;
use ratatui::backend::TestBackend;
use ratatui::buffer::Buffer;
use ratatui::style::Color;
use serde_json::{Value, json};

use super::render;
use crate::store::status::{Activity, ActivityKind, ThreadStatus};
use crate::store::{HistoryDirection, StoredThread};
use crate::tui::app::{Effect, Msg, State, update};
use crate::tui::test_support::*;

fn buffer(state: &State) -> Buffer {
    let size = state.size;
    let mut terminal = Terminal::new(TestBackend::new(size.width, size.height)).expect("terminal");
    terminal.draw(|frame| render(frame, state)).expect("draw");
    terminal.backend().buffer().clone()
}

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

fn message(role: &str, text: &str) -> Value {
    let kind = if role == "user" {
        "input_text"
    } else {
        "output_text"
    };
    json!({"timestamp":"2026-05-14T09:12:34.010Z","type":"response_item","payload":{"type":"message","role":role,"content":[{"type":kind,"text":text}]}})
}

fn command(call_id: &str, cmd: &str, output: &str) -> Vec<Value> {
    vec![
        json!({"timestamp":"2026-05-14T09:12:35.000Z","type":"response_item","payload":{"type":"function_call","name":"exec_command","arguments":json!({"cmd": cmd}).to_string(),"call_id":call_id}}),
        json!({"timestamp":"2026-05-14T09:12:36.000Z","type":"response_item","payload":{"type":"function_call_output","call_id":call_id,"output":format!("Exit code: 0\nWall time: 0.4 seconds\nOutput:\n{output}")}}),
    ]
}

/// A short conversation per thread, so each pane shows something of its own.
fn conversation(n: u128) -> Vec<Value> {
    let (ask, cmd, output, answer) = match n {
        0 => (
            "Fix the flaky login test",
            "cargo test -p auth login",
            "test login_retries ... ok\ntest login_waits ... ok",
            "The login test waits for readiness now; both cases pass.",
        ),
        1 => (
            "Add a --json flag to the list command",
            "rg -n 'fn list' src/cli.rs",
            "212:fn list(args: ListArgs)",
            "I added `--json`; it prints one object per thread.",
        ),
        2 => (
            "Why is the release build slow?",
            "cargo build --release --timings",
            "Finished release in 3m 12s",
            "Most of the time goes to LTO; thin LTO halves it.",
        ),
        _ => (
            "Refactor the rollout reader",
            "cargo clippy --all-targets",
            "warning: unused import",
            "The reader is split in two; one warning is left.",
        ),
    };
    let mut lines = vec![message("user", ask)];
    lines.extend(command(&format!("c{n}"), cmd, output));
    lines.push(message("assistant", answer));
    lines
}

/// Four threads, each in another state.
fn supervised_threads() -> Vec<StoredThread> {
    let mut threads = sample_threads();
    threads.truncate(4);
    threads[0].status.status = ThreadStatus::Working;
    threads[0].status.activity = Some(Activity {
        kind: ActivityKind::Command,
        label: "cargo test -p auth login".to_string(),
        since: None,
    });
    threads[1].status.status = ThreadStatus::Waiting;
    threads[1].status.activity = Some(Activity {
        kind: ActivityKind::Approval,
        label: "git push".to_string(),
        since: None,
    });
    threads[2].status.status = ThreadStatus::Done;
    threads[2].unread = true;
    threads[3].status.status = ThreadStatus::Failed;
    threads[3].status.failure = Some("stream error".to_string());
    threads
}

/// The split view with the first `panes` threads, each page delivered.
fn split_state(width: u16, height: u16, panes: usize) -> State {
    let mut state = state_with_threads(width, height, supervised_threads(), false);
    let mut requests = Vec::new();
    for n in 0..panes {
        let effects = update(&mut state, key(KeyCode::Char('+')));
        let request_id = effects
            .iter()
            .find_map(|effect| match effect {
                Effect::LoadHistory { request_id, .. } => Some(*request_id),
                _ => None,
            })
            .expect("a page request");
        requests.push((n as u128, request_id));
        update(&mut state, key(KeyCode::Char('j')));
    }
    update(&mut state, key(KeyCode::Char('w')));
    for (n, request_id) in requests {
        update(
            &mut state,
            Msg::HistoryLoaded {
                request_id,
                direction: HistoryDirection::Backward,
                result: Ok(whole_page(history_lines(conversation(n)))),
            },
        );
    }
    // The first pane has the focus.
    while state.split.focus != 0 {
        update(&mut state, key(KeyCode::Tab));
    }
    state
}

#[test]
fn split_two_panes_80x24() {
    assert_screen("split_2_80x24", &split_state(80, 24, 2));
}

#[test]
fn split_two_panes_120x40() {
    assert_screen("split_2_120x40", &split_state(120, 40, 2));
}

#[test]
fn split_four_panes_80x24() {
    let state = split_state(80, 24, 4);
    let screen = draw(&state);
    // Each of the four panes still shows its conversation's last lines.
    for text in ["both cases", "one object", "halves it.", "warning is left."] {
        assert!(screen.contains(text), "{text:?} missing:\n{screen}");
    }
    assert_screen("split_4_80x24", &state);
}

#[test]
fn split_four_panes_120x40() {
    assert_screen("split_4_120x40", &split_state(120, 40, 4));
}

#[test]
fn split_zoomed_80x24() {
    let mut state = split_state(80, 24, 4);
    update(&mut state, key(KeyCode::Tab));
    update(&mut state, key(KeyCode::Char('z')));
    let screen = draw(&state);
    assert!(screen.contains("2/4"), "{screen}");
    assert!(screen.contains("zoomed"), "{screen}");
    assert_screen("split_zoomed_80x24", &state);
}

#[test]
fn titles_carry_the_status_and_the_unread_dot() {
    let screen = draw(&split_state(120, 40, 4));
    for text in [
        "working · cargo test -p auth",
        "waiting · approve git push",
        "done",
        "failed · stream error",
        "● Why is the release build slow?",
        "JSON output",
    ] {
        assert!(screen.contains(text), "{text:?} missing:\n{screen}");
    }
}

#[test]
fn the_focused_pane_has_the_accent_border() {
    let mut state = split_state(120, 40, 2);
    let corner = |state: &State, x: u16| buffer(state)[(x, 1)].fg;
    // Panes at x 0 and 59; the focused one is drawn in the accent colour.
    assert_eq!(corner(&state, 0), Color::Cyan);
    assert_ne!(corner(&state, 119), Color::Cyan);
    update(&mut state, key(KeyCode::Tab));
    assert_ne!(corner(&state, 0), Color::Cyan);
    assert_eq!(corner(&state, 119), Color::Cyan);
}

#[test]
fn too_small_for_all_only_the_focused_pane_shows_with_its_number() {
    let mut state = split_state(80, 24, 4);
    update(
        &mut state,
        Msg::Resize {
            width: 40,
            height: 12,
        },
    );
    update(&mut state, key(KeyCode::Tab));
    let screen = draw(&state);
    assert!(screen.contains("2/4"), "{screen}");
    assert!(screen.contains("JSON output"), "{screen}");
    assert!(!screen.contains("Fix the flaky"), "{screen}");
}

#[test]
fn the_split_view_survives_tiny_terminals_and_its_help_opens() {
    for (width, height) in [(40, 12), (24, 6), (10, 3), (1, 1), (0, 0)] {
        for panes in 1..=4 {
            let mut state = split_state(80, 24, panes);
            update(&mut state, Msg::Resize { width, height });
            for step in [
                KeyCode::Char('k'),
                KeyCode::PageUp,
                KeyCode::Tab,
                KeyCode::Char('z'),
                KeyCode::End,
                KeyCode::Char('j'),
            ] {
                update(&mut state, key(step));
            }
            if width > 0 && height > 0 {
                draw(&state);
                update(&mut state, key(KeyCode::Char('?')));
                draw(&state);
            }
        }
    }
    let mut state = split_state(120, 40, 2);
    update(&mut state, key(KeyCode::Char('?')));
    let screen = draw(&state);
    assert!(screen.contains("Split view"), "{screen}");
    assert!(screen.contains("focus the next pane"), "{screen}");
}

#[test]
fn the_panes_body_is_the_split_screens_body() {
    for banner in [None, Some("Demo home".to_string())] {
        for (width, height) in [(80, 24), (120, 40), (10, 3), (1, 1), (0, 0)] {
            let mut state = split_state(80, 24, 2);
            state.banner = banner.clone();
            update(&mut state, Msg::Resize { width, height });
            let area = ratatui::layout::Rect::new(0, 0, width, height);
            assert_eq!(
                super::layout::screen_layout(area, &state).body,
                super::split::split_body(&state),
                "{width}x{height} banner {banner:?}"
            );
        }
    }
}
