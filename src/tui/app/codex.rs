//! Starting Codex for a thread (`C` resumes it, `N` starts a new session in its directory), the
//! way the config's `launch` says, and what the status line says when it has started or the
//! terminal is back.

use std::path::Path;

use super::msg::{CodexRequest, Effect};
use super::state::State;
use crate::launch::tmux::window_name;
use crate::launch::{CodexSession, LaunchMode};
use crate::store::StoredThread;

/// The effect that starts Codex for `thread`.
pub(super) fn launch(
    state: &mut State,
    thread: &StoredThread,
    session: CodexSession,
) -> Vec<Effect> {
    let name = match session {
        CodexSession::Resume(_) => window_name(thread.title()),
        CodexSession::New => window_name(&format!("new: {}", directory_name(&thread.cwd))),
    };
    if state.launch_mode != LaunchMode::Replace {
        // tmux answers at once, but say it is under way.
        state.set_info("Starting Codex in tmux…");
    }
    vec![Effect::LaunchCodex(CodexRequest {
        session,
        cwd: thread.cwd.clone(),
        origin: thread.origin.clone(),
        codex_command: state.codex_command.clone(),
        mode: state.launch_mode,
        window_name: name,
    })]
}

/// The last component of a directory ("/" for the root).
fn directory_name(dir: &Path) -> String {
    dir.file_name().map_or_else(
        || dir.to_string_lossy().into_owned(),
        |name| name.to_string_lossy().into_owned(),
    )
}

/// Codex ran in this terminal and has exited (or could not start).
pub(super) fn on_back(state: &mut State, result: Result<String, String>) {
    match result {
        Ok(text) => {
            state.set_info(text);
            // Codex is left with Ctrl-C pressed twice: one too many may reach us.
            state.codex_back_at = Some(state.now);
        }
        Err(error) => state.set_error(error),
    }
}

/// Codex was started in tmux (where), or not (why).
pub(super) fn on_opened(state: &mut State, result: Result<String, String>) {
    match result {
        Ok(text) => state.set_info(text),
        Err(error) => state.set_error(error),
    }
}
