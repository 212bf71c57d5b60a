//! Leaving codex-threads: a Ctrl-C meant for Codex does not end it, and quitting while threads
//! are working asks once.

use chrono::Duration;
use crossterm::event::{KeyCode, KeyEvent, KeyModifiers};

use super::msg::Effect;
use super::state::State;
use crate::store::status::ThreadStatus;
use crate::tui::keymap::Action;

/// How long after Codex gives the terminal back a Ctrl-C is taken as meant for Codex (users
/// press it twice to leave Codex, and the second may come after Codex is gone).
pub const CTRL_C_GRACE: Duration = Duration::seconds(2);

/// Keys that answer the question before anything else sees them: `y` or the quit key again
/// quits, any other key says no. And a Ctrl-C just after Codex exited is swallowed. `None`:
/// the key goes on as usual.
pub(super) fn intercept(
    state: &mut State,
    key: &KeyEvent,
    action: Option<Action>,
) -> Option<Vec<Effect>> {
    if asking(state) {
        state.quit_question = None;
        let yes = matches!(key.code, KeyCode::Char('y' | 'Y'))
            && !key.modifiers.contains(KeyModifiers::CONTROL);
        if yes || action == Some(Action::Quit) {
            return Some(quit(state));
        }
        state.status = None;
        return Some(Vec::new());
    }
    state.quit_question = None;
    let ctrl_c = key.code == KeyCode::Char('c') && key.modifiers.contains(KeyModifiers::CONTROL);
    if ctrl_c
        && action == Some(Action::Quit)
        && let Some(back_at) = state.codex_back_at.take()
        && state.now - back_at < CTRL_C_GRACE
    {
        state.set_info("Ctrl-C ignored: Codex had just exited (press it again to quit)");
        return Some(Vec::new());
    }
    None
}

/// The quit key: quits, or first asks when loaded threads are working.
pub(super) fn request(state: &mut State) -> Vec<Effect> {
    let working = state
        .list
        .rows
        .iter()
        .filter(|row| row.thread.status.status == ThreadStatus::Working)
        .count();
    if working == 0 {
        return quit(state);
    }
    let question = match working {
        1 => "1 thread is working; quit? y/N".to_string(),
        count => format!("{count} threads are working; quit? y/N"),
    };
    state.set_info(question.clone());
    state.quit_question = Some(question);
    Vec::new()
}

/// True while the status line shows the question (it goes when the status line is cleared or
/// says something else).
fn asking(state: &State) -> bool {
    state.quit_question.as_ref().is_some_and(|question| {
        state
            .status
            .as_ref()
            .is_some_and(|status| &status.text == question)
    })
}

pub(super) fn quit(state: &mut State) -> Vec<Effect> {
    state.quit = true;
    vec![Effect::StopFollow, Effect::Quit]
}
