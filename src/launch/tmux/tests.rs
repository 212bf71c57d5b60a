//! Codex in tmux, against a real tmux server on a private socket (killed at the end), with a
//! stand-in for Codex that records its arguments, directory and `CODEX_HOME`.

use std::path::{Path, PathBuf};
use std::process::Command;
use std::time::{Duration, Instant};

use super::*;
use crate::launch::{CodexSession, codex_launch};
use crate::protocol::ThreadId;
use crate::store::ThreadOrigin;

/// A tmux server of its own; killed when dropped, however the test ends.
struct Server {
    socket: PathBuf,
}

impl Server {
    /// Starts a server with one detached session, `session`, or `None` when tmux is missing.
    fn start(dir: &Path, session: &str) -> Option<Server> {
        if Command::new("tmux").arg("-V").output().is_err() {
            eprintln!("tmux launch test skipped: tmux is not installed");
            return None;
        }
        let server = Server {
            socket: dir.join("tmux.sock"),
        };
        let status = server
            .tmux()
            .args(["-f", "/dev/null", "new-session", "-d", "-s", session])
            .args(["-x", "120", "-y", "40"])
            .arg("-c")
            .arg(dir)
            .status()
            .unwrap();
        assert!(status.success(), "tmux new-session failed");
        Some(server)
    }

    /// `tmux -S SOCKET`, with nothing of a tmux this test may itself run in.
    fn tmux(&self) -> Command {
        let mut command = Command::new("tmux");
        command
            .arg("-S")
            .arg(&self.socket)
            .env_remove("TMUX")
            .env_remove("TMUX_PANE");
        command
    }

    fn output(&self, args: &[&str]) -> String {
        let output = self.tmux().args(args).output().unwrap();
        assert!(output.status.success(), "tmux {args:?} failed: {output:?}");
        String::from_utf8(output.stdout).unwrap()
    }

    fn target(&self, target: &str) -> TmuxServer {
        TmuxServer {
            socket: Some(self.socket.clone()),
            target: Some(target.to_string()),
        }
    }
}

impl Drop for Server {
    fn drop(&mut self) {
        let _ = self.tmux().arg("kill-server").status();
    }
}

/// A stand-in for Codex, in a directory with a space: it writes its directory, `CODEX_HOME`
/// and arguments (one a line) to `record`, then waits, so its window stays open.
fn fake_codex(dir: &Path, record: &Path) -> PathBuf {
    let tools = dir.join("my tools");
    std::fs::create_dir_all(&tools).unwrap();
    let program = tools.join("fake-codex");
    let script = format!(
        "#!/bin/sh\n{{ pwd; echo \"home=$CODEX_HOME\"; for a in \"$@\"; do printf '%s\\n' \"$a\"; done; }} \
         > '{}.tmp'\n\
         mv '{}.tmp' '{}'\nexec sleep 60\n",
        record.display(),
        record.display(),
        record.display()
    );
    std::fs::write(&program, script).unwrap();
    use std::os::unix::fs::PermissionsExt;
    std::fs::set_permissions(&program, std::fs::Permissions::from_mode(0o755)).unwrap();
    program
}

/// The lines `fake_codex` wrote, once it has written them.
fn recorded(record: &Path) -> Vec<String> {
    let deadline = Instant::now() + Duration::from_secs(10);
    loop {
        if let Ok(text) = std::fs::read_to_string(record) {
            return text.lines().map(str::to_string).collect();
        }
        assert!(Instant::now() < deadline, "Codex never started in tmux");
        std::thread::sleep(Duration::from_millis(20));
    }
}

#[tokio::test]
async fn codex_opens_in_a_named_tmux_window_in_the_thread_directory_and_in_a_pane() {
    let dir = tempfile::TempDir::new().unwrap();
    let dir = dir.path().canonicalize().unwrap();
    let Some(server) = Server::start(&dir, "monitor") else {
        return;
    };
    let project = dir.join("project");
    std::fs::create_dir(&project).unwrap();
    let record = dir.join("resume.txt");
    let program = fake_codex(&dir, &record);
    let command = format!("'{}' --profile 'my work'", program.display());
    let id = ThreadId::new();
    let here = ThreadOrigin {
        host: crate::store::pg::host_name(),
        codex_home: "/srv/codex home".into(),
    };
    let launch = codex_launch(
        &command,
        CodexSession::Resume(id),
        &project,
        Some(&here),
        &dir,
        "cfg",
    )
    .unwrap();

    let name = window_name("Fix the parser: a title far longer than a window name");
    assert_eq!(name, "Fix the parser: a title…");
    let opened = open_in_tmux(
        &server.target("monitor:"),
        LaunchMode::TmuxWindow,
        &launch,
        &name,
    )
    .await
    .unwrap();
    assert_eq!(
        opened,
        "Codex opened in tmux window monitor:1 “Fix the parser: a title…”"
    );
    // Codex runs with its words as they were (no shell), in the thread's directory, in the
    // thread's Codex home.
    let id_text = id.to_string();
    assert_eq!(
        recorded(&record),
        [
            project.to_str().unwrap(),
            "home=/srv/codex home",
            "--profile",
            "my work",
            "resume",
            &id_text
        ]
    );
    let windows = server.output(&[
        "list-windows",
        "-t",
        "monitor:",
        "-F",
        "#{window_index}\t#{window_name}\t#{pane_current_path}",
    ]);
    let wanted = format!("1\tFix the parser: a title…\t{}", project.display());
    assert!(
        windows.lines().any(|line| line == wanted),
        "no window {wanted:?} in:\n{windows}"
    );

    // A new session (the command alone, one word: through the shell, quoted) in a pane split
    // off the given one.
    let record = dir.join("new.txt");
    let program = fake_codex(&dir.join("second"), &record);
    let command = format!("'{}'", program.display());
    let launch = codex_launch(&command, CodexSession::New, &project, None, &dir, "cfg").unwrap();
    assert!(launch.args.is_empty());
    let opened = open_in_tmux(
        &server.target("monitor:0.0"),
        LaunchMode::TmuxPane,
        &launch,
        "unused",
    )
    .await
    .unwrap();
    assert_eq!(
        opened,
        "Codex opened in the tmux pane beside this one (monitor:0.1)"
    );
    assert_eq!(
        recorded(&record),
        [project.to_str().unwrap(), "home="],
        "no arguments, no home"
    );
    let panes = server.output(&[
        "list-panes",
        "-t",
        "monitor:0",
        "-F",
        "#{pane_index}\t#{pane_current_path}",
    ]);
    assert_eq!(panes.lines().count(), 2, "{panes}");
    assert!(
        panes.contains(&format!("1\t{}", project.display())),
        "{panes}"
    );

    // A tmux that cannot do it says why.
    let refused = open_in_tmux(
        &server.target("no-such-session:"),
        LaunchMode::TmuxWindow,
        &launch,
        "x",
    )
    .await
    .unwrap_err();
    assert!(
        refused.starts_with("tmux could not open Codex: "),
        "{refused}"
    );
}

#[test]
fn window_names_are_one_short_line() {
    assert_eq!(window_name("  Short  "), "Short");
    assert_eq!(window_name("two\nlines"), single_line("two\nlines"));
    assert_eq!(
        window_name(&"é".repeat(30)).chars().count(),
        WINDOW_NAME_CHARS
    );
}

#[test]
fn the_tmux_command_passes_the_words_and_the_home() {
    let launch = CodexLaunch {
        program: PathBuf::from("/opt/my tools/codex"),
        args: vec!["resume".into(), "ID".into()],
        cwd: PathBuf::from("/src/project"),
        codex_home: Some(PathBuf::from("/srv/home")),
        note: None,
    };
    let args = |command: &Command| -> Vec<String> {
        command
            .get_args()
            .map(|arg| arg.to_string_lossy().into_owned())
            .collect()
    };
    let server = TmuxServer::default();
    let command = tmux_command(&server, LaunchMode::TmuxWindow, &launch, "Fix it");
    assert_eq!(command.get_program(), "tmux");
    assert_eq!(
        args(&command),
        [
            "new-window",
            "-n",
            "Fix it",
            "-P",
            "-F",
            WINDOW_FORMAT,
            "-c",
            "/src/project",
            "-e",
            "CODEX_HOME=/srv/home",
            "--",
            "/opt/my tools/codex",
            "resume",
            "ID"
        ]
    );
    let alone = CodexLaunch {
        args: Vec::new(),
        codex_home: None,
        ..launch
    };
    let command = tmux_command(&server, LaunchMode::TmuxPane, &alone, "x");
    assert_eq!(
        args(&command),
        [
            "split-window",
            "-h",
            "-P",
            "-F",
            PANE_FORMAT,
            "-c",
            "/src/project",
            "--",
            "'/opt/my tools/codex'"
        ]
    );
}
