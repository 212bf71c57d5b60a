//! Codex beside the TUI: a `CodexLaunch` run in a new tmux window (named after the thread) or in
//! a pane split off the TUI's own, so the list keeps running where it was.
//!
//! `tmux new-window -n NAME -c DIR [-e CODEX_HOME=…] -P -F FORMAT -- PROGRAM ARGS…` (or
//! `split-window -h`). Given more than one word, tmux runs the command itself, without a shell;
//! a lone word would go to `default-shell -c`, so it is quoted for a shell. Without `-t` the
//! target is the session and pane this process runs in (tmux finds them through `$TMUX` and
//! `$TMUX_PANE`); `-P -F` prints where the new window or pane is, for the status line.

use std::ffi::OsString;
use std::path::PathBuf;
use std::process::{Command, Stdio};

use super::{CodexLaunch, LaunchMode};
use crate::text::sanitize::single_line;

/// Where a new window is, as `tmux new-window -P -F` prints it.
const WINDOW_FORMAT: &str = "#{session_name}:#{window_index}";
/// Where a new pane is, as `tmux split-window -P -F` prints it.
const PANE_FORMAT: &str = "#{session_name}:#{window_index}.#{pane_index}";
/// Characters of a window name at most (tmux shows it in the status bar).
pub const WINDOW_NAME_CHARS: usize = 24;

/// The tmux server to ask. The default is the one this process runs in; tests start their own
/// on a private socket and name the session to open windows in.
#[derive(Clone, Debug, Default, PartialEq, Eq)]
pub struct TmuxServer {
    /// `tmux -S SOCKET`; `None`: the server of `$TMUX`.
    pub socket: Option<PathBuf>,
    /// `-t TARGET` for the new window (a session, `name:`) or the pane to split; `None`: the
    /// session or pane this process runs in.
    pub target: Option<String>,
}

/// A window name: one line, at most `WINDOW_NAME_CHARS` characters (an ellipsis when cut).
pub fn window_name(title: &str) -> String {
    let line = single_line(title);
    let line = line.trim();
    if line.chars().count() <= WINDOW_NAME_CHARS {
        return line.to_string();
    }
    let mut name: String = line.chars().take(WINDOW_NAME_CHARS - 1).collect();
    name.truncate(name.trim_end().len());
    name.push('…');
    name
}

/// The tmux command that starts `launch` in a new window (`LaunchMode::TmuxWindow`) named
/// `name`, or in a pane beside this one (`LaunchMode::TmuxPane`).
pub fn tmux_command(
    server: &TmuxServer,
    mode: LaunchMode,
    launch: &CodexLaunch,
    name: &str,
) -> Command {
    let mut command = Command::new("tmux");
    if let Some(socket) = &server.socket {
        command.arg("-S").arg(socket);
    }
    match mode {
        LaunchMode::TmuxPane => {
            // Side by side: Codex on the right of the list.
            command.args(["split-window", "-h", "-P", "-F", PANE_FORMAT]);
        }
        LaunchMode::TmuxWindow | LaunchMode::Replace => {
            command.args(["new-window", "-n", name, "-P", "-F", WINDOW_FORMAT]);
        }
    }
    if let Some(target) = &server.target {
        command.args(["-t", target]);
    }
    command.arg("-c").arg(&launch.cwd);
    if let Some(home) = &launch.codex_home {
        // The new pane gets the server's environment, not ours: the home is passed along.
        let mut assignment = OsString::from("CODEX_HOME=");
        assignment.push(home);
        command.arg("-e").arg(assignment);
    }
    command.arg("--");
    if launch.args.is_empty() {
        // One word is run by the shell: quoted, a path with spaces stays one word.
        let program = launch.program.to_string_lossy();
        let quoted = shlex::try_quote(&program).map_or(program.clone(), |quoted| quoted);
        command.arg(quoted.as_ref());
    } else {
        command.arg(&launch.program).args(&launch.args);
    }
    command
        .stdin(Stdio::null())
        .stdout(Stdio::piped())
        .stderr(Stdio::piped());
    command
}

/// Starts `launch` in tmux and returns what the status line says: where Codex opened, or why
/// it did not.
pub async fn open_in_tmux(
    server: &TmuxServer,
    mode: LaunchMode,
    launch: &CodexLaunch,
    name: &str,
) -> Result<String, String> {
    let command = tmux_command(server, mode, launch, name);
    tracing::info!(?command, "starting Codex in tmux");
    let output = tokio::process::Command::from(command)
        .output()
        .await
        .map_err(|err| format!("Could not run tmux: {err}"))?;
    if !output.status.success() {
        let said = String::from_utf8_lossy(&output.stderr);
        let said = single_line(said.trim());
        return Err(if said.is_empty() {
            format!("tmux could not open Codex ({})", output.status)
        } else {
            format!("tmux could not open Codex: {said}")
        });
    }
    let place = single_line(String::from_utf8_lossy(&output.stdout).trim());
    let mut text = match mode {
        LaunchMode::TmuxPane => format!("Codex opened in the tmux pane beside this one ({place})"),
        LaunchMode::TmuxWindow | LaunchMode::Replace => {
            format!("Codex opened in tmux window {place} “{name}”")
        }
    };
    if let Some(note) = &launch.note {
        text.push_str(&format!("; {note}"));
    }
    Ok(text)
}

#[cfg(test)]
mod tests;
