//! Starting Codex for a thread: the `codex_command` of the config, split the way a shell splits
//! words, found on `PATH`, run as `… resume ID` (or alone, for a new session) in the thread's
//! directory. The TUI (which hands the terminal over, or opens a tmux window or pane, see
//! `LaunchMode` and `tmux`) and `codex-threads resume` (which execs) start Codex from the same
//! `CodexLaunch`.

pub mod tmux;

use std::path::{Path, PathBuf};

use serde::Deserialize;

use crate::protocol::ThreadId;
use crate::store::ThreadOrigin;
use crate::text::sanitize::single_line;

/// What `codex_command` is when the config does not say.
pub const DEFAULT_CODEX_COMMAND: &str = "codex";

/// Where the TUI starts Codex (the config's `launch`).
#[derive(Clone, Copy, Debug, PartialEq, Eq, Deserialize)]
#[serde(rename_all = "kebab-case")]
pub enum LaunchMode {
    /// A new tmux window named after the thread; the TUI keeps running where it was.
    TmuxWindow,
    /// A new tmux pane beside the TUI's own; the TUI keeps running.
    TmuxPane,
    /// Codex takes this terminal until it exits, then the TUI is back.
    Replace,
}

impl LaunchMode {
    /// The mode in effect: inside tmux the configured one (`TmuxWindow` when none is), outside
    /// tmux always `Replace`, as there is no tmux session to open a window in.
    pub fn resolve(configured: Option<LaunchMode>, inside_tmux: bool) -> LaunchMode {
        if !inside_tmux {
            return LaunchMode::Replace;
        }
        configured.unwrap_or(LaunchMode::TmuxWindow)
    }

    /// True when this process runs inside tmux (`$TMUX` is set).
    pub fn inside_tmux() -> bool {
        std::env::var_os("TMUX").is_some_and(|value| !value.is_empty())
    }
}

/// Which Codex session to start.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum CodexSession {
    /// `codex_command resume ID`.
    Resume(ThreadId),
    /// `codex_command` alone: a new session.
    New,
}

/// A Codex process to start: the program (a path), its arguments, and where.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct CodexLaunch {
    pub program: PathBuf,
    pub args: Vec<String>,
    pub cwd: PathBuf,
    /// The Codex home to resume in (`CODEX_HOME`): a thread of a shared store lives in the
    /// home it was synced from. `None`: Codex's own default.
    pub codex_home: Option<PathBuf>,
    /// Said to the user when the thread's own directory could not be used.
    pub note: Option<String>,
}

impl CodexLaunch {
    pub fn command(&self) -> std::process::Command {
        let mut command = std::process::Command::new(&self.program);
        command.args(&self.args).current_dir(&self.cwd);
        if let Some(home) = &self.codex_home {
            command.env("CODEX_HOME", home);
        }
        command
    }
}

#[derive(Clone, Debug, PartialEq, Eq, thiserror::Error)]
pub enum LaunchError {
    #[error("codex_command is empty; set it in {config}")]
    Empty { config: String },
    #[error("codex_command {command:?} cannot be split into words: {reason}; fix it in {config}")]
    Unsplittable {
        command: String,
        reason: &'static str,
        config: String,
    },
    #[error("{program} not found on PATH; set codex_command in {config}")]
    NotFound { program: String, config: String },
    #[error("this thread was synced from {host}; {what} there")]
    OtherMachine { host: String, what: &'static str },
}

/// `codex_command resume ID`, run in `thread_cwd`, or in `fallback_cwd` (with a note) when the
/// thread's directory is gone. A thread of a shared store (with an `origin`) resumes only on
/// the machine it came from, in the Codex home it came from. `config` names the file to fix in
/// errors.
pub fn resume_launch(
    codex_command: &str,
    thread_id: ThreadId,
    thread_cwd: &Path,
    origin: Option<&ThreadOrigin>,
    fallback_cwd: &Path,
    config: &str,
) -> Result<CodexLaunch, LaunchError> {
    codex_launch(
        codex_command,
        CodexSession::Resume(thread_id),
        thread_cwd,
        origin,
        fallback_cwd,
        config,
    )
}

/// As `resume_launch`, for either session: a resume, or `codex_command` alone (a new session
/// in the thread's directory, in the Codex home the thread came from).
pub fn codex_launch(
    codex_command: &str,
    session: CodexSession,
    thread_cwd: &Path,
    origin: Option<&ThreadOrigin>,
    fallback_cwd: &Path,
    config: &str,
) -> Result<CodexLaunch, LaunchError> {
    let codex_home = match origin {
        Some(origin) if origin.host != crate::store::pg::host_name() => {
            return Err(LaunchError::OtherMachine {
                host: single_line(&origin.host),
                what: match session {
                    CodexSession::Resume(_) => "resume it",
                    CodexSession::New => "start Codex",
                },
            });
        }
        Some(origin) if !origin.codex_home.is_empty() => Some(PathBuf::from(&origin.codex_home)),
        _ => None,
    };
    let mut words = split_words(codex_command).map_err(|reason| LaunchError::Unsplittable {
        command: codex_command.to_string(),
        reason,
        config: config.to_string(),
    })?;
    if words.is_empty() {
        return Err(LaunchError::Empty {
            config: config.to_string(),
        });
    }
    let name = words.remove(0);
    let program = find_program(&name, fallback_cwd).ok_or_else(|| LaunchError::NotFound {
        program: single_line(&name),
        config: config.to_string(),
    })?;
    if let CodexSession::Resume(thread_id) = session {
        words.extend(["resume".to_string(), thread_id.to_string()]);
    }
    let (cwd, note) = if thread_cwd.is_dir() {
        (thread_cwd.to_path_buf(), None)
    } else {
        let note = format!(
            "{} no longer exists; Codex runs in {}",
            single_line(&thread_cwd.to_string_lossy()),
            single_line(&fallback_cwd.to_string_lossy()),
        );
        (fallback_cwd.to_path_buf(), Some(note))
    };
    Ok(CodexLaunch {
        program,
        args: words,
        cwd,
        codex_home,
        note,
    })
}

/// A program name with a slash is a path (relative to `base`); a bare name is looked up in
/// `PATH` as a shell would. Only executable files count.
pub fn find_program(name: &str, base: &Path) -> Option<PathBuf> {
    if name.contains('/') {
        let path = base.join(name);
        return is_executable(&path).then_some(path);
    }
    let path = std::env::var_os("PATH")?;
    std::env::split_paths(&path)
        .map(|dir| dir.join(name))
        .find(|candidate| is_executable(candidate))
}

fn is_executable(path: &Path) -> bool {
    let Ok(meta) = std::fs::metadata(path) else {
        return false;
    };
    #[cfg(unix)]
    {
        use std::os::unix::fs::PermissionsExt;
        meta.is_file() && meta.permissions().mode() & 0o111 != 0
    }
    #[cfg(not(unix))]
    {
        meta.is_file()
    }
}

/// Splits a command line into words as a POSIX shell does for quoting (quotes and backslashes,
/// no expansion of any kind).
pub fn split_words(text: &str) -> Result<Vec<String>, &'static str> {
    shlex::split(text).ok_or("a quote is not closed or it ends with a backslash")
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn words_split_like_a_shell_without_expansion() {
        let split = |text| split_words(text).unwrap();
        assert_eq!(split("codex"), ["codex"]);
        assert_eq!(split("  npx  @openai/codex "), ["npx", "@openai/codex"]);
        assert_eq!(
            split(r#"'/opt/my tools/codex' --profile "work \"x\"" a\ b"#),
            ["/opt/my tools/codex", "--profile", "work \"x\"", "a b"]
        );
        assert_eq!(split(r#"x "" ''"#), ["x", "", ""]);
        assert_eq!(split("$HOME/codex"), ["$HOME/codex"]);
        assert_eq!(split(""), Vec::<String>::new());
        assert!(split_words("codex 'open").is_err());
        assert!(split_words("codex \"open").is_err());
        assert!(split_words("codex \\").is_err());
    }

    #[test]
    fn the_launch_runs_in_the_thread_directory_or_says_why_not() {
        let dir = tempfile::TempDir::new().unwrap();
        let program = dir.path().join("fake codex");
        std::fs::write(&program, "#!/bin/sh\n").unwrap();
        #[cfg(unix)]
        {
            use std::os::unix::fs::PermissionsExt;
            std::fs::set_permissions(&program, std::fs::Permissions::from_mode(0o755)).unwrap();
        }
        let id = ThreadId::new();
        let command = format!("'{}' --flag", program.display());
        let thread_dir = dir.path().join("project");
        std::fs::create_dir(&thread_dir).unwrap();
        let launch = resume_launch(&command, id, &thread_dir, None, dir.path(), "cfg").unwrap();
        assert_eq!(launch.program, program);
        assert_eq!(launch.args, ["--flag", "resume", &id.to_string()]);
        assert_eq!(launch.cwd, thread_dir);
        assert_eq!(launch.note, None);

        // A new session: the command alone, in the same directory.
        let launch = codex_launch(
            &command,
            CodexSession::New,
            &thread_dir,
            None,
            dir.path(),
            "cfg",
        )
        .unwrap();
        assert_eq!(launch.args, ["--flag"]);
        assert_eq!(launch.cwd, thread_dir);

        let gone = dir.path().join("gone");
        let launch = resume_launch(&command, id, &gone, None, dir.path(), "cfg").unwrap();
        assert_eq!(launch.cwd, dir.path());
        assert!(launch.note.unwrap().contains("no longer exists"));

        let missing = resume_launch(
            "no-such-codex-anywhere",
            id,
            &thread_dir,
            None,
            dir.path(),
            "cfg",
        );
        assert_eq!(
            missing.unwrap_err().to_string(),
            "no-such-codex-anywhere not found on PATH; set codex_command in cfg"
        );
        // A file that is not executable is not a program.
        std::fs::write(dir.path().join("plain"), "").unwrap();
        assert!(resume_launch("./plain", id, &thread_dir, None, dir.path(), "cfg").is_err());
        assert!(matches!(
            resume_launch("  ", id, &thread_dir, None, dir.path(), "cfg"),
            Err(LaunchError::Empty { .. })
        ));

        // A thread of a shared store resumes in the home it came from, on its machine only.
        let here = ThreadOrigin {
            host: crate::store::pg::host_name(),
            codex_home: "/srv/codex-home".into(),
        };
        let launch =
            resume_launch(&command, id, &thread_dir, Some(&here), dir.path(), "cfg").unwrap();
        assert_eq!(launch.codex_home, Some(PathBuf::from("/srv/codex-home")));
        let process = launch.command();
        let env: Vec<_> = process.get_envs().collect();
        assert!(env.contains(&(
            std::ffi::OsStr::new("CODEX_HOME"),
            Some(std::ffi::OsStr::new("/srv/codex-home"))
        )));
        let elsewhere = ThreadOrigin {
            host: format!("not-{}", here.host),
            codex_home: "/srv/codex-home".into(),
        };
        let refused = resume_launch(
            &command,
            id,
            &thread_dir,
            Some(&elsewhere),
            dir.path(),
            "cfg",
        );
        assert_eq!(
            refused.unwrap_err().to_string(),
            format!(
                "this thread was synced from {}; resume it there",
                elsewhere.host
            )
        );
        let refused = codex_launch(
            &command,
            CodexSession::New,
            &thread_dir,
            Some(&elsewhere),
            dir.path(),
            "cfg",
        );
        assert_eq!(
            refused.unwrap_err().to_string(),
            format!(
                "this thread was synced from {}; start Codex there",
                elsewhere.host
            )
        );
    }
}
