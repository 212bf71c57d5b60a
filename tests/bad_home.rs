//! A Codex home that is a file or cannot be read is reported, by the commands and by the TUI,
//! never replaced by the demo home; the demo opens only where there is no home at all, and
//! says so. The real binary, on real directories.

mod common;

use std::fs;
use std::os::unix::fs::PermissionsExt;
use std::os::unix::process::CommandExt;
use std::path::Path;
use std::process::{Command, Output};

use common::pty::{PtySession, binary};

const WIDTH: u16 = 160;
const HEIGHT: u16 = 30;

/// The binary with `CODEX_HOME=home` (as a user sets it) and everything it writes in `scratch`.
fn command(home: &Path, scratch: &Path, args: &[&str]) -> Command {
    let mut command = Command::new(binary());
    command
        .args(args)
        .env("CODEX_HOME", home)
        .env("XDG_CONFIG_HOME", scratch.join("config"))
        .env("XDG_STATE_HOME", scratch.join("state"))
        .env("XDG_DATA_HOME", scratch.join("data"))
        .env("CODEX_THREADS_CACHE_DIR", scratch.join("cache"))
        .env_remove("CODEX_THREADS_STORE")
        .env_remove("CODEX_SQLITE_HOME");
    command
}

/// The single stderr line of a run that failed.
fn failure_line(output: &Output) -> String {
    assert!(!output.status.success(), "the run fails");
    assert!(output.stdout.is_empty(), "nothing on stdout");
    let stderr = String::from_utf8(output.stderr.clone()).unwrap();
    let lines: Vec<&str> = stderr.lines().collect();
    assert_eq!(lines.len(), 1, "one line on stderr: {stderr:?}");
    lines[0].to_string()
}

#[test]
fn a_home_that_is_a_file_is_not_a_directory_for_commands_and_the_tui() {
    let scratch = tempfile::tempdir().unwrap();
    let file = scratch.path().join("codex-home");
    fs::write(&file, "not a directory").unwrap();
    let expected = format!(
        "codex-threads: Codex home {} is not a directory",
        file.display()
    );
    for args in [&["list"][..], &["search", "x"], &["show", "x"]] {
        let output = command(&file, scratch.path(), args).output().unwrap();
        assert_eq!(failure_line(&output), expected, "{args:?}");
    }

    // The TUI says the same on the terminal, and exits non-zero instead of opening the demo.
    let mut tui = PtySession::spawn_with(
        &[],
        scratch.path(),
        WIDTH,
        HEIGHT,
        None,
        &[("CODEX_HOME", file.as_os_str())],
    );
    tui.wait_for("is not a directory");
    assert!(!tui.wait_exit(), "the TUI fails");
    let screen = tui.contents();
    assert!(screen.contains(&expected), "{screen}");
    assert!(!screen.contains("Demo home"), "{screen}");
    assert_eq!(
        fs::read_to_string(&file).unwrap(),
        "not a directory",
        "the file is left alone"
    );
}

#[test]
fn an_unreadable_home_fails_with_its_cause_for_commands_and_the_tui() {
    let scratch = tempfile::tempdir().unwrap();
    let home = scratch.path().join("codex-home");
    fs::create_dir_all(home.join("sessions")).unwrap();
    fs::set_permissions(&home, fs::Permissions::from_mode(0o000)).unwrap();
    let as_root = fs::read_dir(&home).is_ok();
    if as_root {
        // Root reads any directory: run the binary as `nobody`, for whom mode 000 applies.
        // It must reach the home's parent and write its logs and cache beside it.
        eprintln!("running as root: checking as uid 65534 instead");
        fs::set_permissions(scratch.path(), fs::Permissions::from_mode(0o777)).unwrap();
    }
    let run = |args: &[&str]| {
        let mut command = command(&home, scratch.path(), args);
        if as_root {
            command.uid(65534).gid(65534);
        }
        command.output().unwrap()
    };
    let list = run(&["list"]);
    // No arguments: the TUI, which fails before it takes the terminal.
    let tui = run(&[]);
    fs::set_permissions(&home, fs::Permissions::from_mode(0o755)).unwrap();

    let expected = format!(
        "codex-threads: cannot read Codex home {}: Permission denied (os error 13)",
        home.display()
    );
    assert_eq!(failure_line(&list), expected);
    assert_eq!(failure_line(&tui), expected);
    assert!(home.join("sessions").is_dir(), "the home is left as it was");
}

#[test]
fn a_missing_home_fails_a_command_and_opens_the_demo_saying_so() {
    let scratch = tempfile::tempdir().unwrap();
    let missing = scratch.path().join("no-codex-home");
    let output = command(&missing, scratch.path(), &["list"])
        .output()
        .unwrap();
    assert_eq!(
        failure_line(&output),
        format!(
            "codex-threads: Codex home {} does not exist",
            missing.display()
        )
    );

    let mut tui = PtySession::spawn_with(
        &[],
        scratch.path(),
        WIDTH,
        HEIGHT,
        None,
        &[("CODEX_HOME", missing.as_os_str())],
    );
    tui.wait_for(&format!("No Codex home at {}", missing.display()));
    tui.wait_for("Demo home");
    // The first list already has the thread that plays live, and reads as a user's own: the
    // newest thread minutes ago.
    tui.wait_for("Rate limiter design");
    let screen = tui.contents();
    assert!(screen.contains("Keep an eye on the test"), "{screen}");
    assert!(screen.contains("m ago"), "{screen}");
    assert!(!missing.exists(), "the missing home is not created");
    tui.quit_with("q");
}

#[test]
fn an_empty_home_opens_as_itself_not_as_the_demo() {
    let scratch = tempfile::tempdir().unwrap();
    let home = scratch.path().join("codex-home");
    fs::create_dir(&home).unwrap();
    let mut tui = PtySession::spawn_with(
        &[],
        scratch.path(),
        WIDTH,
        HEIGHT,
        None,
        &[("CODEX_HOME", home.as_os_str())],
    );
    tui.wait_for("No threads");
    assert!(!tui.contents().contains("Demo home"), "{}", tui.contents());
    tui.send("q");
    assert!(tui.wait_exit());
}
