//! Render snapshots of the main screens with `TestBackend` and a fixed clock, and checks that
//! every screen survives tiny terminals.

use crossterm::event::KeyCode;
use ratatui::Terminal;
use ratatui::backend::TestBackend;
use ratatui::style::Modifier;

use super::render;
use crate::store::HistoryDirection;
use crate::tui::app::{Msg, State, update};
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

fn resized(mut state: State, width: u16, height: u16) -> State {
    update(&mut state, Msg::Resize { width, height });
    state
}

fn list_state(width: u16, height: u16) -> State {
    let mut state = state_with_threads(width, height, sample_threads(), true);
    // The preview of the selected thread, as the runtime would deliver it.
    let lines = history_lines(rich_history());
    update(
        &mut state,
        Msg::PreviewLoaded {
            thread_id: thread_id(0),
            result: Ok(lines),
        },
    );
    state
}

fn history_state(width: u16, height: u16) -> State {
    let mut state = state_with_threads(width, height, sample_threads(), false);
    let effects = update(&mut state, key(KeyCode::Enter));
    let request_id = effects
        .iter()
        .find_map(|effect| match effect {
            crate::tui::app::Effect::LoadHistory { request_id, .. } => Some(*request_id),
            _ => None,
        })
        .expect("history request");
    let page = whole_page(history_lines(rich_history()));
    update(
        &mut state,
        Msg::HistoryLoaded {
            request_id,
            direction: HistoryDirection::Backward,
            result: Ok(page),
        },
    );
    state
}

#[test]
fn list_80x24() {
    assert_screen("list_80x24", &list_state(80, 24));
}

#[test]
fn list_120x40_with_preview() {
    assert_screen("list_120x40", &list_state(120, 40));
}

#[test]
fn list_comfortable_80x24() {
    let mut state = list_state(80, 24);
    update(&mut state, key(KeyCode::Char('v')));
    assert_screen("list_comfortable_80x24", &state);
}

#[test]
fn threads_of_a_shared_store_show_their_origin_120x40() {
    let mut threads = sample_threads();
    for (index, thread) in threads.iter_mut().enumerate() {
        thread.origin = Some(crate::store::ThreadOrigin {
            host: ["laptop", "devbox"][index % 2].to_string(),
            codex_home: "/home/ana/.codex".to_string(),
        });
    }
    let state = state_with_threads(120, 40, threads, false);
    let screen = draw(&state);
    assert!(screen.contains("laptop:/home/ana/.codex"), "{screen}");
    assert!(screen.contains("devbox:/home/ana/.codex"), "{screen}");
    assert_screen("list_with_origin_120x40", &state);
}

#[test]
fn list_with_search_80x24() {
    let mut state = list_state(80, 24);
    update(&mut state, key(KeyCode::Char('/')));
    type_text(&mut state, "login");
    assert_screen("list_search_80x24", &state);
}

#[test]
fn list_with_a_search_matching_nothing() {
    let mut state = state_with_threads(80, 24, sample_threads(), false);
    update(&mut state, key(KeyCode::Char('/')));
    type_text(&mut state, "zzz");
    assert!(draw(&state).contains("No results for your search"));
}

#[test]
fn empty_and_loading_states_are_spelled_out() {
    let mut state = new_state(80, 24);
    update(&mut state, Msg::Start);
    assert!(draw(&state).contains("Loading threads…"));
    let mut state = state_with_threads(80, 24, Vec::new(), false);
    assert!(draw(&state).contains("No threads yet"));
    state.list.scope = crate::tui::app::Scope::ThisDirectory;
    assert!(draw(&state).contains("No threads in this directory"));
    state.list.tab = crate::tui::app::Tab::Archived;
    assert!(draw(&state).contains("No archived threads in this directory"));
}

#[test]
fn archived_tab_80x24() {
    let mut state = new_state(80, 24);
    update(&mut state, Msg::Start);
    let effects = update(&mut state, key(KeyCode::Tab));
    let request_id = load_threads_request(&effects).expect("request");
    let mut archived = vec![
        thread(7, "Old spike: try sqlite FTS"),
        thread(9, "Benchmark zstd levels"),
    ];
    for thread in &mut archived {
        thread.archived = true;
        thread.archived_at = Some(thread.updated_at);
    }
    let effects = update(
        &mut state,
        Msg::ThreadsLoaded {
            request_id,
            result: Ok(crate::tui::app::LoadedThreads {
                page: crate::store::ThreadPage {
                    items: archived,
                    next_cursor: None,
                    skipped: Vec::new(),
                },
                live: Default::default(),
            }),
        },
    );
    answer_usage(&mut state, &effects);
    assert_screen("archived_80x24", &state);
}

#[test]
fn history_80x24_top_and_bottom() {
    let mut state = history_state(80, 24);
    assert_screen("history_80x24_bottom", &state);
    update(&mut state, key(KeyCode::Char('g')));
    assert_screen("history_80x24_top", &state);
}

#[test]
fn history_full_output_80x24() {
    let mut state = history_state(80, 24);
    update(&mut state, key(KeyCode::Char('o')));
    update(&mut state, key(KeyCode::Home));
    // The long `cargo test` output from its first line.
    let command = state
        .history
        .as_ref()
        .and_then(|history| history.item_lines(crate::store::HistoryCursor(10)))
        .expect("the command");
    for _ in 0..command.start {
        update(&mut state, key(KeyCode::Char('j')));
    }
    assert_screen("history_full_output_80x24", &state);
}

#[test]
fn history_120x40() {
    let mut state = history_state(120, 40);
    update(&mut state, key(KeyCode::Home));
    assert_screen("history_120x40_top", &state);
    update(&mut state, key(KeyCode::End));
    assert_screen("history_120x40_bottom", &state);
}

#[test]
fn edit_dialog_80x24() {
    let mut state = list_state(80, 24);
    update(&mut state, key(KeyCode::Char('j')));
    update(&mut state, key(KeyCode::Char('r')));
    type_text(&mut state, " (v2)");
    assert_screen("edit_dialog_80x24", &state);
}

#[test]
fn confirm_dialog_80x24() {
    let mut state = list_state(80, 24);
    update(&mut state, key(KeyCode::Char('a')));
    assert_screen("confirm_archive_80x24", &state);
}

#[test]
fn delete_dialog_80x24() {
    let mut state = list_state(80, 24);
    update(&mut state, key(KeyCode::Char('d')));
    assert_screen("confirm_delete_80x24", &state);
}

#[test]
fn marked_rows_and_the_bulk_confirmation_120x40() {
    let mut state = list_state(120, 40);
    update(&mut state, key(KeyCode::Char(' ')));
    update(&mut state, key(KeyCode::Down));
    update(&mut state, key(KeyCode::Char(' ')));
    update(&mut state, key(KeyCode::Up));
    assert_screen("marked_120x40", &state);
    update(&mut state, key(KeyCode::Char('d')));
    assert_screen("confirm_bulk_delete_120x40", &state);
}

#[test]
fn help_overlay_80x24_and_120x40() {
    let mut state = list_state(80, 24);
    update(&mut state, key(KeyCode::Char('?')));
    assert_screen("help_80x24", &state);
    assert_screen("help_120x40", &resized(state, 120, 40));
}

#[test]
fn help_in_the_history_lists_its_display_toggles() {
    let mut state = history_state(120, 40);
    update(&mut state, key(KeyCode::Char('?')));
    let screen = draw(&state);
    for (key, help) in [
        ("o", "show or hide full output of commands"),
        ("R", "show or hide raw reasoning"),
        ("]", "next user prompt"),
        ("[", "previous user prompt"),
    ] {
        assert!(
            screen
                .lines()
                .any(|line| line.contains(&format!("│  {key} ")) && line.contains(help)),
            "{screen}"
        );
    }
}

#[test]
fn the_footer_counts_skipped_entries() {
    let mut state = list_state(80, 24);
    assert!(!draw(&state).contains("skipped"));
    state.list.skipped = vec![
        crate::store::SkippedEntry::new("/h/sessions/2026/05/15", "Permission denied"),
        crate::store::SkippedEntry::new("/h/session_index.jsonl", "not a regular file: a FIFO"),
    ];
    let screen = draw(&state);
    let footer = screen.lines().last().unwrap();
    assert!(footer.contains("2 skipped"), "{footer}");
    assert!(footer.contains("1 / 5+"), "{footer}");
}

#[test]
fn error_status_line_80x24() {
    let mut state = list_state(80, 24);
    update(
        &mut state,
        Msg::EffectFailed("Could not save: thread 019e2a4c not found".to_string()),
    );
    assert_screen("error_status_80x24", &state);
}

#[test]
fn follow_indicators_show_new_lines_and_a_moved_rollout() {
    let mut state = history_state(80, 24);
    let request_id = state.history.as_ref().unwrap().request_id;
    update(&mut state, key(KeyCode::PageUp));
    let mut lines = history_lines(vec![serde_json::json!({
        "timestamp": "2026-05-14T11:00:00.000Z", "type": "event_msg",
        "payload": {"type": "agent_message", "message": "still here"}
    })]);
    lines[0].cursor = crate::store::HistoryCursor(500);
    update(
        &mut state,
        Msg::Follow {
            request_id,
            event: crate::manager::FollowEvent::Lines(lines),
        },
    );
    assert!(draw(&state).contains("1 new ↓"));
    update(
        &mut state,
        Msg::Follow {
            request_id,
            event: crate::manager::FollowEvent::Moved,
        },
    );
    assert!(draw(&state).contains("archived or moved — no longer following"));
}

#[test]
fn no_color_keeps_the_selection_visible() {
    let config = crate::tui::config::Config::builtin(true).expect("config");
    let mut state = list_state(80, 24);
    state.theme = config.theme;
    let mut terminal = Terminal::new(TestBackend::new(80, 24)).expect("terminal");
    terminal.draw(|frame| render(frame, &state)).expect("draw");
    let buffer = terminal.backend().buffer();
    let selected_row_y = 1;
    let cell = &buffer[(4, selected_row_y)];
    assert!(cell.modifier.contains(ratatui::style::Modifier::REVERSED));
    assert!(
        buffer
            .content()
            .iter()
            .all(|cell| cell.fg == ratatui::style::Color::Reset
                && cell.bg == ratatui::style::Color::Reset)
    );
}

#[test]
fn escape_sequences_from_rollouts_never_reach_the_terminal() {
    let mut threads = sample_threads();
    threads[0].preview = "evil \u{1b}]52;c;SGVsbG8=\u{7} \u{1b}[2J title".to_string();
    let mut state = state_with_threads(120, 40, threads, false);
    let screen = draw(&state);
    assert!(screen.contains("evil ␛]52;c;SGVsbG8=^G"), "{screen}");
    assert!(!screen.contains('\u{1b}') && !screen.contains('\u{7}'));
    update(&mut state, key(KeyCode::Enter));
    let history = history_state(120, 40);
    let screen = draw(&history);
    assert!(!screen.contains('\u{1b}') && !screen.contains('\u{7}'));
}

#[test]
fn every_screen_survives_tiny_terminals() {
    for (width, height) in [(40, 12), (10, 3), (1, 1), (0, 0)] {
        let screens = [
            list_state(80, 24),
            {
                let mut state = list_state(80, 24);
                update(&mut state, key(KeyCode::Char('v')));
                update(&mut state, key(KeyCode::Char('/')));
                type_text(&mut state, "x");
                state
            },
            history_state(80, 24),
            {
                let mut state = list_state(80, 24);
                update(&mut state, key(KeyCode::Char('r')));
                state
            },
            {
                let mut state = list_state(80, 24);
                update(&mut state, key(KeyCode::Char('a')));
                state
            },
            {
                let mut state = history_state(80, 24);
                update(&mut state, key(KeyCode::Char('?')));
                state
            },
        ];
        for state in screens {
            let mut state = resized(state, width, height);
            for step in [
                KeyCode::Char('k'),
                KeyCode::PageUp,
                KeyCode::End,
                KeyCode::Char('j'),
            ] {
                update(&mut state, key(step));
            }
            if width > 0 && height > 0 {
                draw(&state);
            }
        }
    }
}

#[test]
fn list_40x12() {
    assert_screen("list_40x12", &list_state(40, 12));
}

#[test]
fn history_40x12() {
    assert_screen("history_40x12", &history_state(40, 12));
}

fn search_hit(n: u128, cursor: u64, snippet: &str) -> crate::store::SearchHit {
    crate::store::SearchHit {
        thread_id: thread_id(n),
        archived: false,
        cursor: crate::store::HistoryCursor(cursor),
        timestamp: "2026-05-14T09:12:34.010Z".to_string(),
        kind: "event_msg:user_message".to_string(),
        snippet: snippet.to_string(),
    }
}

/// `f`, the query, Enter; returns the effects of Enter.
fn full_text_search(state: &mut State, query: &str) -> Vec<crate::tui::app::Effect> {
    update(state, key(KeyCode::Char('f')));
    type_text(state, query);
    update(state, key(KeyCode::Enter))
}

fn search_request(effects: &[crate::tui::app::Effect]) -> u64 {
    effects
        .iter()
        .find_map(|effect| match effect {
            crate::tui::app::Effect::FullTextSearch { request_id, .. } => Some(*request_id),
            _ => None,
        })
        .expect("a search")
}

fn results_state() -> State {
    let mut state = state_with_threads(80, 24, sample_threads(), true);
    let request_id = search_request(&full_text_search(&mut state, "sleep"));
    let mut archived = sample_threads()[3].clone();
    archived.archived = true;
    update(
        &mut state,
        Msg::SearchHits {
            request_id,
            threads: vec![sample_threads()[0].clone(), archived],
            hits: vec![
                search_hit(
                    0,
                    13,
                    "…auth/src/login.rs:41:    sleep(50)\n\u{1b}[2J\u{1b}]52;c;SGVsbG8=\u{7}",
                ),
                search_hit(0, 12, "rg -n sleep auth/src"),
                search_hit(
                    0,
                    14,
                    "…@@ fn login_retries -    SLEEP(50) +    wait_for_ready()",
                ),
                search_hit(
                    3,
                    40,
                    "…the reader used to sleep between polls; now it waits on a notification from the watcher",
                ),
            ],
        },
    );
    update(&mut state, key(KeyCode::Down));
    state
}

#[test]
fn full_text_results_80x24() {
    assert_screen("full_text_results_80x24", &results_state());
    let mut prompt = state_with_threads(80, 24, sample_threads(), true);
    update(&mut prompt, key(KeyCode::Char('f')));
    type_text(&mut prompt, "slee");
    let screen = draw(&prompt);
    assert!(screen.contains("f slee▏"), "{screen}");
    assert!(screen.contains("Enter searches every thread"), "{screen}");
}

#[test]
fn history_at_a_match_80x24() {
    let mut state = results_state();
    update(&mut state, key(KeyCode::Up));
    let effects = update(&mut state, key(KeyCode::Enter));
    let load = effects
        .iter()
        .find_map(|effect| match effect {
            crate::tui::app::Effect::LoadHistory { request_id, .. } => Some(*request_id),
            _ => None,
        })
        .expect("a page");
    let search = search_request(&effects);
    let lines: Vec<_> = history_lines(rich_history()).into_iter().skip(12).collect();
    let effects = update(
        &mut state,
        Msg::HistoryLoaded {
            request_id: load,
            direction: HistoryDirection::Forward,
            result: Ok(crate::store::ThreadHistoryPage {
                start: crate::store::HistoryCursor(12),
                end: crate::store::HistoryCursor(33),
                at_end: true,
                lines,
                ..Default::default()
            }),
        },
    );
    // The older lines, as the runtime would read them.
    assert!(effects.iter().any(|effect| matches!(
        effect,
        crate::tui::app::Effect::LoadHistory { params, .. }
            if params.direction == HistoryDirection::Backward
    )));
    let older: Vec<_> = history_lines(rich_history()).into_iter().take(12).collect();
    update(
        &mut state,
        Msg::HistoryLoaded {
            request_id: load,
            direction: HistoryDirection::Backward,
            result: Ok(crate::store::ThreadHistoryPage {
                start: crate::store::HistoryCursor(0),
                end: crate::store::HistoryCursor(12),
                at_start: true,
                lines: older,
                ..Default::default()
            }),
        },
    );
    update(
        &mut state,
        Msg::SearchHits {
            request_id: search,
            threads: Vec::new(),
            hits: vec![
                search_hit(0, 12, "a"),
                search_hit(0, 13, "b"),
                search_hit(0, 14, "c"),
            ],
        },
    );
    update(&mut state, key(KeyCode::Char('n')));
    assert_screen("history_at_a_match_80x24", &state);
    // The query is marked, and the current match's line is selected.
    let mut terminal = Terminal::new(TestBackend::new(80, 24)).expect("terminal");
    terminal.draw(|frame| render(frame, &state)).expect("draw");
    let buffer = terminal.backend().buffer();
    let row = (0..24)
        .find(|&y| {
            let text: String = (0..80).map(|x| buffer[(x, y)].symbol()).collect();
            text.contains("-    sleep(50)")
        })
        .expect("the match is on screen");
    let x = (0..80)
        .find(|&x| buffer[(x, row)].symbol() == "s")
        .expect("the s of sleep");
    let cell = &buffer[(x, row)];
    assert!(cell.modifier.contains(Modifier::REVERSED), "{cell:?}");
    assert_eq!(buffer[(0, row)].bg, state.theme.current_match.bg.unwrap());
}

#[test]
fn the_history_header_says_the_status_and_what_runs() {
    use crate::store::status::{Activity, ActivityKind, StatusReport, ThreadStatus};
    let mut state = history_state(120, 20);
    let history = state.history.as_mut().unwrap();
    history.thread.status = StatusReport {
        status: ThreadStatus::Working,
        turn_started_at: Some(fixed_now() - chrono::Duration::seconds(95)),
        activity: Some(Activity {
            kind: ActivityKind::Command,
            label: "cargo test".into(),
            since: Some(fixed_now() - chrono::Duration::seconds(12)),
        }),
        ..Default::default()
    };
    let screen = draw(&state);
    assert!(
        screen.contains("▶ working 1m35s · running cargo test (12s)"),
        "{screen}"
    );
    let history = state.history.as_mut().unwrap();
    history.thread.status = StatusReport {
        status: ThreadStatus::Done,
        ..Default::default()
    };
    history.thread.unread = true;
    let screen = draw(&state);
    assert!(screen.contains("✓ done · unread"), "{screen}");
}

#[test]
fn list_rows_mark_unread_apart_from_their_status() {
    use crate::store::status::ThreadStatus;
    let mut threads = sample_threads();
    threads[0].unread = true;
    threads[0].status.status = ThreadStatus::Done;
    threads[1].status.status = ThreadStatus::Working;
    threads[2].status.status = ThreadStatus::Failed;
    let state = state_with_threads(100, 12, threads, false);
    let screen = draw(&state);
    let row = |title: &str| {
        screen
            .lines()
            .find(|line| line.contains(title))
            .unwrap_or_default()
            .to_string()
    };
    assert!(row("Fix the flaky").contains("●✓ Fix"), "{screen}");
    assert!(row("JSON output").contains(" ▶ JSON output"), "{screen}");
    assert!(row("Why is the").contains(" ✗ Why"), "{screen}");
}

#[test]
fn a_long_model_name_shows_whole_when_there_is_room() {
    let mut threads = sample_threads();
    threads[0].model = Some("gpt-5.1-codex-mini".to_string());
    let mut state = state_with_threads(160, 24, threads, false);
    state.list.show_preview = false;
    assert!(draw(&state).contains("gpt-5.1-codex-mini"));
}

#[test]
fn the_preview_renders_markdown_once_per_selection_and_width() {
    let mut state = state_with_threads(120, 40, sample_threads(), true);
    let answer = "## The plan\n\nUse **bold** words and `inline code`.\n\n- first step";
    let lines = history_lines(vec![
        serde_json::json!({"timestamp": "2026-05-14T09:12:34.000Z", "type": "event_msg",
            "payload": {"type": "user_message", "message": "What is **the plan**?"}}),
        serde_json::json!({"timestamp": "2026-05-14T09:12:35.000Z", "type": "event_msg",
            "payload": {"type": "agent_message", "message": answer}}),
    ]);
    update(
        &mut state,
        Msg::PreviewLoaded {
            thread_id: thread_id(0),
            result: Ok(lines),
        },
    );
    let width = crate::tui::ui::layout::preview_text_width(&state).expect("a preview pane");
    let Some(crate::tui::app::Preview::Ready(ready)) = state.previews.get(&thread_id(0)) else {
        panic!("no preview");
    };
    assert!(ready.lines(width).is_some(), "made when it arrived");
    let screen = draw(&state);
    // The answer as Markdown: no heading marks, asterisks or backticks; the user's text as typed.
    assert!(screen.contains("• The plan"), "{screen}");
    assert!(
        screen.contains("Use bold words and inline code."),
        "{screen}"
    );
    assert!(!screen.contains("## The plan") && !screen.contains("`inline"));
    assert!(screen.contains("› What is **the plan**?"), "{screen}");
    // A narrower pane makes the lines again, for its width.
    let state = resized(state, 110, 40);
    let narrower = crate::tui::ui::layout::preview_text_width(&state).unwrap();
    assert_ne!(narrower, width);
    let Some(crate::tui::app::Preview::Ready(ready)) = state.previews.get(&thread_id(0)) else {
        panic!("no preview");
    };
    assert!(ready.lines(narrower).is_some());
}

/// A thread whose first turn ran a command that finished and whose second turn is running one,
/// started 12 s before the fixed clock.
fn commands_history() -> Vec<serde_json::Value> {
    use serde_json::json;
    let line = |at: &str, kind: &str, payload: serde_json::Value| json!({"timestamp": at, "type": kind, "payload": payload});
    vec![
        line(
            "2026-05-14T11:58:00.000Z",
            "event_msg",
            json!({"type":"task_started","turn_id":"t1"}),
        ),
        line(
            "2026-05-14T11:58:00.010Z",
            "event_msg",
            json!({"type":"user_message","message":"Run the tests","local_images":[],"text_elements":[]}),
        ),
        line(
            "2026-05-14T11:58:01.000Z",
            "response_item",
            json!({"type":"function_call","name":"exec_command","arguments":"{\"cmd\":\"cargo test\"}","call_id":"c1"}),
        ),
        line(
            "2026-05-14T11:58:02.300Z",
            "response_item",
            json!({"type":"function_call_output","call_id":"c1","output":"Exit code: 0\nWall time: 1.234 seconds\nOutput:\ntest result: ok. 12 passed\n"}),
        ),
        line(
            "2026-05-14T11:58:03.000Z",
            "response_item",
            json!({"type":"function_call","name":"exec_command","arguments":"{\"cmd\":\"cargo clippy\"}","call_id":"c2"}),
        ),
        line(
            "2026-05-14T11:58:04.000Z",
            "event_msg",
            json!({"type":"turn_aborted","turn_id":"t1","reason":"interrupted","duration_ms":4000}),
        ),
        line(
            "2026-05-14T11:59:47.000Z",
            "event_msg",
            json!({"type":"task_started","turn_id":"t2"}),
        ),
        line(
            "2026-05-14T11:59:47.500Z",
            "event_msg",
            json!({"type":"user_message","message":"Now the slow suite","local_images":[],"text_elements":[]}),
        ),
        line(
            "2026-05-14T11:59:48.000Z",
            "response_item",
            json!({"type":"function_call","name":"exec_command","arguments":"{\"cmd\":\"cargo test --release -- --ignored\"}","call_id":"c3"}),
        ),
    ]
}

fn commands_state(width: u16, height: u16) -> State {
    let mut state = state_with_threads(width, height, sample_threads(), false);
    let effects = update(&mut state, key(KeyCode::Enter));
    let request_id = effects
        .iter()
        .find_map(|effect| match effect {
            crate::tui::app::Effect::LoadHistory { request_id, .. } => Some(*request_id),
            _ => None,
        })
        .expect("history request");
    update(
        &mut state,
        Msg::HistoryLoaded {
            request_id,
            direction: HistoryDirection::Backward,
            result: Ok(whole_page(history_lines(commands_history()))),
        },
    );
    state
}

#[test]
fn history_commands_80x24() {
    // A finished command with its exit code and duration, one its turn left without output,
    // and a running one with its elapsed time at the fixed clock.
    let state = commands_state(80, 24);
    assert_screen("history_commands_80x24", &state);
}

#[test]
fn a_running_commands_elapsed_time_follows_the_clock_without_a_relayout() {
    let mut state = commands_state(80, 24);
    assert!(draw(&state).contains("└ running 12s"));
    let before: Vec<_> = {
        let history = state.history.as_ref().unwrap();
        history.lines(0, history.total_lines()).cloned().collect()
    };
    update(
        &mut state,
        Msg::Tick(fixed_now() + chrono::Duration::seconds(60)),
    );
    let screen = draw(&state);
    assert!(screen.contains("└ running 1m 12s"), "{screen}");
    // The cached cells did not change: only the frame drew the new time.
    let history = state.history.as_ref().unwrap();
    let after: Vec<_> = history.lines(0, history.total_lines()).cloned().collect();
    assert_eq!(before, after);
}
