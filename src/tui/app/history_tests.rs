//! Pure tests of the history view: its display toggles (full output, raw reasoning) and the
//! jumps between user prompts.

use crossterm::event::KeyCode;

use super::*;
use crate::store::{HistoryCursor, HistoryDirection};
use crate::tui::keymap::{Action, Mode};
use crate::tui::test_support::*;
use crate::tui::ui::layout::history_page_lines;

/// A state showing the history of `rich_history()` at 80x24.
fn history_state() -> State {
    history_state_of(rich_history())
}

/// A state showing a history of `values` at 80x24.
fn history_state_of(values: Vec<serde_json::Value>) -> State {
    let mut state = state_with_threads(80, 24, sample_threads(), false);
    let effects = update(&mut state, key(KeyCode::Enter));
    let request_id = effects
        .iter()
        .find_map(|effect| match effect {
            Effect::LoadHistory { request_id, .. } => Some(*request_id),
            _ => None,
        })
        .expect("a history request");
    update(
        &mut state,
        Msg::HistoryLoaded {
            request_id,
            direction: HistoryDirection::Backward,
            result: Ok(whole_page(history_lines(values))),
        },
    );
    state
}

fn history(state: &State) -> &HistoryView {
    state.history.as_ref().expect("a history view")
}

#[test]
fn o_toggles_full_output_for_the_whole_view() {
    let mut state = history_state();
    let trimmed = history(&state).total_lines();
    assert!(!history(&state).options().full_output);

    let effects = update(&mut state, key(KeyCode::Char('o')));
    assert!(effects.is_empty(), "{effects:?}");
    assert!(history(&state).options().full_output);
    // The 24-line output of `cargo test` showed 5 + `… +14 lines` + 5; now all 24.
    assert_eq!(history(&state).total_lines(), trimmed + 24 - 11);
    assert!(matches!(&state.status, Some(s) if s.kind == StatusKind::Info));

    update(&mut state, key(KeyCode::Char('o')));
    assert!(!history(&state).options().full_output);
    assert_eq!(history(&state).total_lines(), trimmed);
}

#[test]
fn toggling_full_output_keeps_the_item_at_the_top_of_the_view() {
    let mut state = history_state();
    let page_lines = history_page_lines(&state);
    update(&mut state, key(KeyCode::Home));
    // Put the line after the long command (the `rg` command) at the top.
    let rg = history(&state)
        .item_lines(HistoryCursor(12))
        .expect("the rg command");
    for _ in 0..rg.start {
        update(&mut state, key(KeyCode::Char('j')));
    }
    let before = history(&state).top_cursor(page_lines);
    assert_eq!(before, HistoryCursor(12));

    update(&mut state, key(KeyCode::Char('o')));
    let view = history(&state);
    assert_eq!(view.top_cursor(page_lines), before);
    assert_eq!(view.top(page_lines), rg.start + 13);

    update(&mut state, key(KeyCode::Char('o')));
    assert_eq!(history(&state).top(page_lines), rg.start);
}

#[test]
fn toggling_at_the_bottom_stays_at_the_bottom() {
    let mut state = history_state();
    let page_lines = history_page_lines(&state);
    update(&mut state, key(KeyCode::Char('o')));
    let view = history(&state);
    assert!(view.stick_to_bottom && view.at_bottom(page_lines));
}

/// Every laid-out line of the view, as text.
fn shown_text(state: &State) -> String {
    let view = history(state);
    view.lines(0, view.total_lines())
        .map(|line| line.to_string())
        .collect::<Vec<_>>()
        .join("\n")
}

#[test]
fn capital_r_shows_raw_reasoning_dim() {
    let raw = "The sleep races the server; wait for readiness instead.";
    let mut values = rich_history();
    values.push(serde_json::json!({"timestamp": "2026-05-14T10:42:00.000Z", "type": "response_item",
        "payload": {"type": "reasoning", "summary": [{"type": "summary_text", "text": "**Rethinking**"}],
            "content": [{"type": "reasoning_text", "text": raw}], "encrypted_content": "x"}}));
    values.push(
        serde_json::json!({"timestamp": "2026-05-14T10:42:00.001Z", "type": "event_msg",
        "payload": {"type": "agent_reasoning_raw_content", "text": raw}}),
    );
    let mut state = history_state_of(values);
    let hidden = history(&state).total_lines();
    assert!(shown_text(&state).contains("Rethinking"));
    assert!(!shown_text(&state).contains("races the server"));

    let effects = update(&mut state, key(KeyCode::Char('R')));
    assert!(effects.is_empty(), "{effects:?}");
    assert!(history(&state).options().raw_reasoning);
    // Shown once (Codex writes it twice), as one line and a separator, in the dim style.
    assert_eq!(history(&state).total_lines(), hidden + 2);
    assert_eq!(shown_text(&state).matches("races the server").count(), 1);
    let view = history(&state);
    let line = view
        .lines(0, view.total_lines())
        .find(|line| line.to_string().contains("races the server"))
        .expect("the raw reasoning line");
    assert!(line.spans.iter().all(|span| span.style == state.theme.dim));

    update(&mut state, key(KeyCode::Char('R')));
    assert_eq!(history(&state).total_lines(), hidden);
}

/// Three turns, each a prompt and an answer longer than the screen.
fn three_turns() -> Vec<serde_json::Value> {
    let answer: String = (1..=30).map(|i| format!("line {i}\n\n")).collect();
    let mut values = Vec::new();
    for (turn, prompt) in ["First prompt", "Second prompt", "Third prompt"]
        .iter()
        .enumerate()
    {
        values.push(
            serde_json::json!({"timestamp":"2026-05-14T09:12:34.010Z","type":"event_msg",
            "payload":{"type":"task_started","turn_id":format!("t{turn}")}}),
        );
        values.push(serde_json::json!({"timestamp":"2026-05-14T09:12:34.010Z","type":"event_msg",
            "payload":{"type":"user_message","message":prompt,"local_images":[],"text_elements":[]}}));
        values.push(
            serde_json::json!({"timestamp":"2026-05-14T09:12:34.010Z","type":"event_msg",
            "payload":{"type":"agent_message","message":answer}}),
        );
        values.push(
            serde_json::json!({"timestamp":"2026-05-14T09:12:34.010Z","type":"event_msg",
            "payload":{"type":"task_complete","turn_id":format!("t{turn}"),"duration_ms":5}}),
        );
    }
    values
}

/// The first line of the user prompt that rollout line `cursor` holds.
fn prompt_line(state: &State, cursor: u64) -> usize {
    history(state)
        .item_lines(HistoryCursor(cursor))
        .expect("the prompt")
        .start
}

#[test]
fn brackets_jump_between_user_prompts() {
    let mut state = history_state_of(three_turns());
    let page_lines = history_page_lines(&state);
    let top = |state: &State| history(state).top(page_lines);
    let (first, second, third) = (
        prompt_line(&state, 1),
        prompt_line(&state, 5),
        prompt_line(&state, 9),
    );
    assert!(first < second && second < third);
    // From the bottom, `[` goes back to the last prompt, then to the one before.
    assert!(history(&state).stick_to_bottom);
    let effects = update(&mut state, key(KeyCode::Char('[')));
    assert!(effects.is_empty(), "{effects:?}");
    assert_eq!(top(&state), third);
    assert!(!history(&state).stick_to_bottom);
    update(&mut state, key(KeyCode::Char('[')));
    assert_eq!(top(&state), second);
    update(&mut state, key(KeyCode::Char('[')));
    assert_eq!(top(&state), first);
    // None earlier, and the whole thread is loaded: it stays and says so.
    update(&mut state, key(KeyCode::Char('[')));
    assert_eq!(top(&state), first);
    assert!(matches!(&state.status, Some(s) if s.text == "No earlier prompt"));

    update(&mut state, key(KeyCode::Char(']')));
    assert_eq!(top(&state), second);
    update(&mut state, key(KeyCode::Char(']')));
    assert_eq!(top(&state), third);
    update(&mut state, key(KeyCode::Char(']')));
    assert_eq!(top(&state), third);
    assert!(matches!(&state.status, Some(s) if s.text == "No later prompt"));

    // The help overlay lists them, from the same keymap entries.
    assert_eq!(
        state.keymap.key_hint(Mode::History, Action::NextPrompt),
        Some("]")
    );
    assert_eq!(
        state.keymap.key_hint(Mode::History, Action::PrevPrompt),
        Some("[")
    );
}

#[test]
fn a_prompt_before_the_loaded_window_is_read_on_the_way() {
    let mut state = state_with_threads(80, 24, sample_threads(), false);
    let effects = update(&mut state, key(KeyCode::Enter));
    let request_id = effects
        .iter()
        .find_map(|effect| match effect {
            Effect::LoadHistory { request_id, .. } => Some(*request_id),
            _ => None,
        })
        .expect("a history request");
    // Only the end of the second turn and the third are loaded: older lines are on disk.
    let lines: Vec<_> = history_lines(three_turns()).into_iter().skip(6).collect();
    let mut page = whole_page(lines);
    page.start = HistoryCursor(6);
    page.end = HistoryCursor(12);
    page.at_start = false;
    update(
        &mut state,
        Msg::HistoryLoaded {
            request_id,
            direction: HistoryDirection::Backward,
            result: Ok(page),
        },
    );
    let page_lines = history_page_lines(&state);
    update(&mut state, key(KeyCode::Char('[')));
    assert_eq!(history(&state).top(page_lines), prompt_line(&state, 9));
    // No earlier prompt loaded: to the top of the window, which reads the page before it.
    let effects = update(&mut state, key(KeyCode::Char('[')));
    assert_eq!(history(&state).top(page_lines), 0);
    assert!(
        effects.iter().any(|effect| matches!(effect,
            Effect::LoadHistory { params, .. }
                if params.direction == HistoryDirection::Backward
                    && params.anchor == Some(HistoryCursor(6)))),
        "{effects:?}"
    );
    assert!(matches!(&state.status, Some(s) if s.text.contains("reading older lines")));
}
