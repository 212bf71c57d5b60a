//! Notifications end to end: the real binary in a pseudo-terminal follows a thread that a real
//! Codex release (its app server, offline against the mock model) is working on; when the turn
//! finishes, an OSC 9 notification reaches the terminal and `notify_command` runs once, with
//! the event, thread id and title in its environment. Nothing is told about the state found
//! at start.
//!
//! Needs an installed release (`scripts/install-codex-releases.sh`); without one it says so and
//! passes, as the conformance suite does (`CONFORMANCE_REQUIRE_RELEASES=1` makes it fail).

mod common;

use std::path::Path;
use std::time::Duration;

use codex_threads::testing::codex::{self, AppServer, CodexRelease};
use codex_threads::testing::mock_model::MockModel;
use common::pty::*;
use serde_json::json;

/// The release that does the work: the newest supported one.
const RELEASE: &str = "0.171.0";

fn release() -> Option<CodexRelease> {
    common::releases::release_or_skip(RELEASE, "notify_e2e")
}

/// Our config: `notify_command` is a script that appends one line per run to `log`.
fn write_our_config(scratch: &Path, log: &Path) {
    std::fs::create_dir_all(scratch).unwrap();
    let script = scratch.join("notify.sh");
    std::fs::write(
        &script,
        format!(
            "#!/bin/sh\nprintf '%s %s %s\\n' \"$CODEX_THREADS_EVENT\" \"$CODEX_THREADS_THREAD_ID\" \"$CODEX_THREADS_TITLE\" >> '{}'\n",
            log.display()
        ),
    )
    .unwrap();
    use std::os::unix::fs::PermissionsExt;
    std::fs::set_permissions(&script, std::fs::Permissions::from_mode(0o755)).unwrap();
    let dir = scratch.join("config").join("codex-threads");
    std::fs::create_dir_all(&dir).unwrap();
    let command = toml::Value::String(script.display().to_string());
    std::fs::write(
        dir.join("config.toml"),
        format!("notify_command = {command}\n"),
    )
    .unwrap();
}

fn osc9_count(session: &PtySession) -> usize {
    let raw = String::from_utf8_lossy(&session.raw_output()).into_owned();
    raw.matches("\x1b]9;Codex thread finished its turn: ")
        .count()
}

#[test]
fn a_finished_turn_of_a_followed_thread_is_told_once_to_the_terminal_and_the_command() {
    let Some(release) = release() else {
        return;
    };
    let root = tempfile::TempDir::new().unwrap();
    let home = root.path().join("codex-home");
    let cwd = root.path().join("work");
    let scratch = root.path().join("scratch");
    std::fs::create_dir_all(&cwd).unwrap();
    let model = MockModel::start().unwrap();
    codex::write_config(&home, &model.base_url(), &[&cwd]).unwrap();
    let log = root.path().join("notified.log");
    write_our_config(&scratch, &log);

    // A thread with one finished turn, and a second turn the model holds.
    let mut server = AppServer::start(&release, &home, &cwd).unwrap();
    let id = server.start_thread(&cwd, json!({})).unwrap();
    server.run_turn(&id, "Watch this agent").unwrap();
    let turn = server.start_held_turn(&model, &id, "notify").unwrap();

    let home_arg = home.display().to_string();
    let mut session = PtySession::spawn(&["--codex-home", &home_arg], &scratch, 120, 30);
    session.wait_for("Watch this agent");
    // The list shows it working; open its history, which follows the rollout.
    session.wait_for("▶ Watch this agent");
    session.send("\r");
    session.wait_for("working");
    assert_eq!(
        osc9_count(&session),
        0,
        "the state found at start is not news"
    );

    model.release("notify");
    let ended = server.wait_for_turn(&turn).unwrap();
    assert_eq!(ended["status"], "completed", "{ended}");
    wait_for_condition("the OSC 9 notification", || osc9_count(&session) == 1);
    wait_for_condition("notify_command's line", || {
        std::fs::read_to_string(&log).is_ok_and(|text| !text.is_empty())
    });
    // Absence can only be watched for a while: two more polls (every 2 s) tell nothing new.
    std::thread::sleep(Duration::from_millis(4500));
    assert_eq!(osc9_count(&session), 1, "told more than once");
    let lines = std::fs::read_to_string(&log).unwrap();
    assert_eq!(
        lines.lines().collect::<Vec<_>>(),
        vec![format!("finished {id} Watch this agent")],
        "notify_command runs once per event, with the event, id and title"
    );
    // Read to its end while shown: the thread is no longer unread, nothing needs the user.
    session.send("q");
    session.wait_for("all caught up");
    session.quit_with("q");
    server.close(Duration::from_secs(10)).unwrap();
}
