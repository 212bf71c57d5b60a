//! The TUI as a person uses it: the real binary in a pseudo-terminal on a temporary Codex
//! home. Every wait is for text on the screen or a fact on disk, with a deadline.

mod common;

use std::path::Path;

use common::pty::*;
use common::*;
use serde_json::Value;

const WIDTH: u16 = 120;
const HEIGHT: u16 = 40;

fn open_tui(home: &TestHome, scratch: &Path) -> PtySession {
    let home_arg = home.path().to_string_lossy().into_owned();
    PtySession::spawn(&["--codex-home", &home_arg], scratch, WIDTH, HEIGHT)
}

fn last_rollout_line(path: &Path) -> Value {
    let text = read_rollout(path);
    serde_json::from_str(text.lines().last().unwrap_or("null")).unwrap_or(Value::Null)
}

#[test]
fn search_open_rename_toggle_memory_and_archive() {
    let home = TestHome::new();
    home.create_state_db(SchemaVariant::Current);
    let login = ThreadSpec::new()
        .created(at("2026-05-10T08:00:00.000Z"))
        .turn(
            "Fix the flaky login test",
            "The login test waits for readiness now.",
        );
    let dark = ThreadSpec::new()
        .created(at("2026-05-12T08:00:00.000Z"))
        .turn(
            "Add a dark mode toggle",
            "Added a toggle in the settings page.",
        );
    home.add_indexed_thread(&login);
    let written = home.add_indexed_thread(&dark);
    let scratch = tempfile::TempDir::new().unwrap();
    let mut tui = open_tui(&home, scratch.path());
    tui.wait_for("Fix the flaky login test");
    tui.wait_for("Add a dark mode toggle");

    // Incremental search narrows the list.
    tui.send("/login");
    tui.wait_until("only the login thread listed", |screen| {
        screen.contains("Fix the flaky login test") && !screen.contains("Add a dark mode toggle")
    });
    tui.send(ESC);
    tui.wait_for("Add a dark mode toggle");

    // Open the dark-mode thread (the newest, so first) and read its history.
    tui.send("g");
    tui.send(ENTER);
    tui.wait_for("Added a toggle in the settings page.");

    // Rename: the name lands in session_index.jsonl and the state DB.
    tui.send("r");
    tui.wait_for("Rename");
    tui.send("Dark mode work");
    tui.send(ENTER);
    wait_for_condition("the session index entry", || {
        std::fs::read_to_string(home.session_index_path())
            .is_ok_and(|index| index.contains("\"thread_name\":\"Dark mode work\""))
    });
    wait_for_condition("the state DB title", || {
        home.state_db_row(dark.id)
            .is_some_and(|row| row["title"] == "Dark mode work")
    });

    // Memory off: the rollout's last line is a session_meta copy saying so.
    tui.send("m");
    wait_for_condition("the session_meta copy", || {
        let line = last_rollout_line(&written.path);
        line["type"] == "session_meta" && line["payload"]["memory_mode"] == "disabled"
    });
    wait_for_condition("the state DB memory mode", || {
        home.state_db_row(dark.id)
            .is_some_and(|row| row["memory_mode"] == "disabled")
    });

    // Archive after a confirmation: the file moves to archived_sessions/.
    tui.send("a");
    tui.wait_for("Archive");
    tui.send("y");
    let archived = home
        .archived_sessions_dir()
        .join(written.path.file_name().unwrap());
    wait_for_condition("the rollout in archived_sessions/", || {
        archived.is_file() && !written.path.exists()
    });

    // (Esc then `q` at once would read as Alt-q: wait for the list first.)
    tui.send(ESC);
    tui.wait_for("by updated");
    tui.send("q");
    assert!(tui.wait_exit(), "quits cleanly");
    let raw = tui.raw_output();
    assert!(
        raw.windows(8).any(|w| w == b"\x1b[?1049l"),
        "the alternate screen is left on exit"
    );
}

#[test]
fn a_line_appended_by_another_process_appears_without_a_key_press() {
    let home = TestHome::new();
    let spec = ThreadSpec::new().turn("Watch the build", "Watching.");
    let written = home.add_thread(&spec);
    let scratch = tempfile::TempDir::new().unwrap();
    let mut tui = open_tui(&home, scratch.path());
    tui.wait_for("Watch the build");
    tui.send(ENTER);
    tui.wait_for("Watching.");
    append_raw(
        &written.path,
        "{\"timestamp\":\"2026-05-14T09:30:00.000Z\",\"type\":\"event_msg\",\"payload\":{\"type\":\"agent_message\",\"message\":\"Build finished: all green\",\"phase\":null}}\n",
    );
    tui.wait_for("Build finished: all green");
    // A half-written line stays hidden until it is complete.
    append_raw(
        &written.path,
        "{\"timestamp\":\"2026-05-14T09:31:00.000Z\",\"type\":\"event_msg\",\"payload\":{\"type\":\"agent_message\",\"message\":\"Second ",
    );
    append_raw(&written.path, "update arrived\",\"phase\":null}}\n");
    tui.wait_for("Second update arrived");
    tui.send(CTRL_C);
    assert!(tui.wait_exit());
}

#[test]
fn two_threads_followed_side_by_side_in_the_split_view() {
    let home = TestHome::new();
    let build = home.add_thread(
        &ThreadSpec::new()
            .created(at("2026-05-10T08:00:00.000Z"))
            .turn("Watch the build", "Watching the build."),
    );
    let deploy = home.add_thread(
        &ThreadSpec::new()
            .created(at("2026-05-12T08:00:00.000Z"))
            .turn("Watch the deploy", "Watching the deploy."),
    );
    let scratch = tempfile::TempDir::new().unwrap();
    let mut tui = open_tui(&home, scratch.path());
    tui.wait_for("Watch the build");
    tui.wait_for("Watch the deploy");

    // `+` adds the selected thread, `j` moves on, `+` adds the next, `w` shows both.
    tui.send("+");
    tui.wait_for("to the split view (1/4)");
    tui.send("j");
    tui.send("+");
    tui.wait_for("to the split view (2/4)");
    tui.send("w");
    tui.wait_until("both panes loaded", |screen| {
        screen.contains("Split view")
            && screen.contains("Watching the build.")
            && screen.contains("Watching the deploy.")
    });

    // A line appended to each rollout shows in its pane, without a key press.
    let agent_line = |text: &str| {
        format!(
            "{{\"timestamp\":\"2026-05-14T09:30:00.000Z\",\"type\":\"event_msg\",\"payload\":{{\"type\":\"agent_message\",\"message\":\"{text}\",\"phase\":null}}}}\n"
        )
    };
    append_raw(&build.path, agent_line("Build finished: all green"));
    append_raw(&deploy.path, agent_line("Deploy finished: 3 hosts"));
    tui.wait_until("both new lines in their panes", |screen| {
        screen.contains("Build finished: all green") && screen.contains("Deploy finished: 3 hosts")
    });
    // Side by side: the two lines share a screen row's height range, one in each half.
    let screen = tui.contents();
    let column_of = |text: &str| {
        screen
            .lines()
            .find_map(|line| line.find(text).map(|byte| line[..byte].chars().count()))
            .unwrap_or(usize::MAX)
    };
    let (build_column, deploy_column) = (
        column_of("Build finished: all green"),
        column_of("Deploy finished: 3 hosts"),
    );
    assert!(
        (build_column < 60) != (deploy_column < 60),
        "one pane each side: {build_column} and {deploy_column}\n{screen}"
    );

    // `x` closes the focused pane; its follower stops, the other pane keeps following.
    tui.send("x");
    tui.wait_for("Split view   1 thread");
    let kept_deploy = tui.contents().contains("Watching the deploy.");
    append_raw(&build.path, agent_line("Build deployed"));
    append_raw(&deploy.path, agent_line("Deploy verified"));
    tui.wait_for(if kept_deploy {
        "Deploy verified"
    } else {
        "Build deployed"
    });
    tui.send(CTRL_C);
    assert!(tui.wait_exit());
}

#[test]
fn escape_sequences_in_a_rollout_are_shown_not_obeyed() {
    let home = TestHome::new();
    let spec = ThreadSpec::new().turn(
        "Print this: \u{1b}]52;c;aGVsbG8=\u{7} and \u{1b}[2J done",
        "Printed.",
    );
    home.add_thread(&spec);
    let scratch = tempfile::TempDir::new().unwrap();
    let mut tui = open_tui(&home, scratch.path());
    tui.wait_for("Print this");
    tui.send(ENTER);
    tui.wait_for("Printed.");
    tui.wait_for("␛]52;c;aGVsbG8=");
    tui.wait_for("␛[2J done");
    let raw = tui.raw_output();
    let contains = |needle: &[u8]| raw.windows(needle.len()).any(|w| w == needle);
    assert!(
        !contains(b"\x1b]52"),
        "no clipboard write reached the terminal"
    );
    assert!(!contains(b"\x07"), "no bell reached the terminal");
    // The screen was not cleared behind the TUI's back: the history is still there.
    tui.wait_for("Printed.");
    tui.send("q");
    tui.send("q");
    assert!(tui.wait_exit());
}

#[test]
fn with_no_codex_home_the_demo_opens_with_its_live_thread() {
    let scratch = tempfile::TempDir::new().unwrap();
    let missing = scratch.path().join("no-codex-home");
    let missing = missing.to_string_lossy().into_owned();
    let mut tui = PtySession::spawn(&["--codex-home", &missing], scratch.path(), WIDTH, HEIGHT);
    tui.wait_for("Demo home");
    tui.wait_for("Rate limiter design");
    // The scripted session starts a thread that is live in this process.
    tui.wait_for("Keep an eye on the test");
    // Its thread is working: quitting asks first.
    assert!(tui.quit_with("q"));
}

#[test]
fn delete_asks_on_the_terminal_naming_the_thread() {
    let home = TestHome::new();
    let spec = ThreadSpec::new().turn("Throw this one away", "Ok.");
    let written = home.add_thread(&spec);
    let scratch = tempfile::TempDir::new().unwrap();
    let home_arg = home.path().to_string_lossy().into_owned();
    let id = spec.id.to_string();
    let args = ["--codex-home", home_arg.as_str(), "delete", id.as_str()];

    let mut session = PtySession::spawn(&args, scratch.path(), WIDTH, HEIGHT);
    session.wait_for("[y/N]");
    assert!(session.contents().contains("Throw this one away"));
    session.send("n\r");
    assert!(!session.wait_exit(), "a no fails");
    assert!(written.path.exists());

    let mut session = PtySession::spawn(&args, scratch.path(), WIDTH, HEIGHT);
    session.wait_for("[y/N]");
    session.send("y\r");
    assert!(session.wait_exit());
    assert!(!written.path.exists());
    let trashed = scratch
        .path()
        .join("data/Trash/files")
        .join(spec.file_name());
    assert!(trashed.is_file(), "{}", trashed.display());
}

/// A tmux server on a private socket, killed when dropped however the test ends.
struct PrivateTmux {
    socket: std::path::PathBuf,
}

impl PrivateTmux {
    fn command(&self) -> std::process::Command {
        let mut command = std::process::Command::new("tmux");
        command
            .arg("-S")
            .arg(&self.socket)
            .env_remove("TMUX")
            .env_remove("TMUX_PANE");
        command
    }

    fn output(&self, args: &[&str]) -> String {
        let output = self.command().args(args).output().expect("tmux runs");
        String::from_utf8_lossy(&output.stdout).into_owned()
    }
}

impl Drop for PrivateTmux {
    fn drop(&mut self) {
        let _ = self.command().arg("kill-server").status();
    }
}

#[test]
fn inside_tmux_c_and_n_open_codex_in_windows_named_after_the_thread_and_the_list_stays() {
    if std::process::Command::new("tmux")
        .arg("-V")
        .output()
        .is_err()
    {
        eprintln!("skipped: tmux is not installed");
        return;
    }
    let root = tempfile::TempDir::new().unwrap();
    let root = root.path().canonicalize().unwrap();
    let project = root.join("parser");
    let scratch = root.join("scratch");
    std::fs::create_dir_all(&project).unwrap();
    std::fs::create_dir_all(scratch.join("config").join("codex-threads")).unwrap();
    let home = TestHome::new();
    let spec = ThreadSpec::new()
        .cwd(&project.to_string_lossy())
        .turn("Fix the parser crash on empty input", "Fixed.");
    home.add_thread(&spec);
    // A stand-in for Codex: it records its directory and arguments, then stays (so does its
    // window).
    let record = root.join("codex-args");
    let fake = root.join("fake-codex");
    std::fs::write(
        &fake,
        format!(
            "#!/bin/sh\n{{ pwd; for a in \"$@\"; do echo \"$a\"; done; }} > '{0}.tmp'\n\
             mv '{0}.tmp' \"{0}.$#\"\nexec sleep 60\n",
            record.display()
        ),
    )
    .unwrap();
    use std::os::unix::fs::PermissionsExt;
    std::fs::set_permissions(&fake, std::fs::Permissions::from_mode(0o755)).unwrap();
    std::fs::write(
        scratch
            .join("config")
            .join("codex-threads")
            .join("config.toml"),
        format!("codex_command = \"'{}'\"\n", fake.display()),
    )
    .unwrap();

    // codex-threads in a tmux session of its own server; `launch` is not set, so inside tmux
    // it is a new window.
    let tmux = PrivateTmux {
        socket: root.join("tmux.sock"),
    };
    let binary = binary();
    let started = tmux
        .command()
        .args([
            "-f",
            "/dev/null",
            "new-session",
            "-d",
            "-s",
            "mon",
            "-x",
            "120",
            "-y",
            "40",
        ])
        .arg("-c")
        .arg(&scratch)
        .env("XDG_CONFIG_HOME", scratch.join("config"))
        .env("XDG_STATE_HOME", scratch.join("state"))
        .env("CODEX_THREADS_CACHE_DIR", scratch.join("cache"))
        .env("XDG_DATA_HOME", scratch.join("data"))
        .env_remove("NO_COLOR")
        .env_remove("CODEX_SQLITE_HOME")
        .arg("--")
        .arg(&binary)
        .arg("--codex-home")
        .arg(home.path())
        .status()
        .unwrap();
    assert!(started.success());
    let screen = || tmux.output(&["capture-pane", "-p", "-t", "mon:0.0"]);
    wait_for_condition("the list in tmux", || {
        screen().contains("Fix the parser crash")
    });

    let windows = || {
        tmux.output(&[
            "list-windows",
            "-t",
            "mon:",
            "-F",
            "#{window_index}\t#{window_name}\t#{pane_current_path}",
        ])
    };
    let window = |index: &str, name: &str| format!("{index}\t{name}\t{}", project.display());
    tmux.command()
        .args(["send-keys", "-t", "mon:0.0", "C"])
        .status()
        .unwrap();
    wait_for_condition("Codex resuming in a new window", || {
        windows()
            .lines()
            .any(|line| line == window("1", "Fix the parser crash on…"))
    });
    let recorded = |args: usize| {
        let path = format!("{}.{args}", record.display());
        let mut text = String::new();
        wait_for_condition("the stand-in's record", || {
            text = std::fs::read_to_string(&path).unwrap_or_default();
            !text.is_empty()
        });
        text
    };
    assert_eq!(
        recorded(2),
        format!("{}\nresume\n{}\n", project.display(), spec.id)
    );
    // The list is still there, and says where Codex went.
    wait_for_condition("the status line", || {
        screen().contains("Codex opened in tmux window mon:1")
    });

    // `N`: a new session (no arguments) in the thread's directory, named after it.
    tmux.command()
        .args(["select-window", "-t", "mon:0"])
        .status()
        .unwrap();
    tmux.command()
        .args(["send-keys", "-t", "mon:0.0", "N"])
        .status()
        .unwrap();
    wait_for_condition("a new session in another window", || {
        windows()
            .lines()
            .any(|line| line == window("2", "new: parser"))
    });
    assert_eq!(recorded(0), format!("{}\n", project.display()));
    assert!(screen().contains("Fix the parser crash"), "{}", screen());
}
