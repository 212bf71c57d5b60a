//! Resuming a thread in Codex from the TUI, end to end: the real binary in a pseudo-terminal,
//! `C` on a thread, a real Codex release (offline, against the mock model) takes the terminal
//! and shows that thread, `/quit` ends it, and the list is back where it was.
//!
//! Needs an installed release (`scripts/install-codex-releases.sh`); without one it says so and
//! passes, as the conformance suite does (`CONFORMANCE_REQUIRE_RELEASES=1` makes it fail).

mod common;

use std::path::Path;

use base64::Engine;
use base64::engine::general_purpose::STANDARD as BASE64;

use codex_threads::testing::codex::{self, CodexRelease};
use codex_threads::testing::mock_model::MockModel;
use common::pty::*;

/// The release whose TUI is driven: the newest supported one.
const RELEASE: &str = "0.169.0";

fn release() -> Option<CodexRelease> {
    common::releases::release_or_skip(RELEASE, "resume_e2e")
}

/// Writes our config with `codex_command` set to `command`.
fn write_our_config(scratch: &Path, command: &str) {
    let dir = scratch.join("config").join("codex-threads");
    std::fs::create_dir_all(&dir).unwrap();
    let value = toml::Value::String(command.to_string());
    std::fs::write(
        dir.join("config.toml"),
        format!("codex_command = {value}\n"),
    )
    .unwrap();
}

/// Which row of our list is selected (the `›` marker), by the text on it.
fn selected_line(screen: &str) -> Option<String> {
    screen
        .lines()
        .find(|line| line.starts_with('›'))
        .map(str::to_string)
}

#[test]
fn c_hands_the_terminal_to_codex_resume_and_the_list_comes_back_in_place() {
    let Some(release) = release() else {
        return;
    };
    let root = tempfile::TempDir::new().unwrap();
    let home = root.path().join("codex-home");
    let project = root.path().join("project");
    let scratch = root.path().join("scratch");
    std::fs::create_dir_all(&project).unwrap();
    std::fs::create_dir_all(&scratch).unwrap();
    let model = MockModel::start().unwrap();
    codex::write_config(&home, &model.base_url(), &[&project]).unwrap();
    // Two threads; the older one (second in the list) is resumed.
    codex::exec(&release, &home, &project, "Plan the garden shed").unwrap();
    std::thread::sleep(std::time::Duration::from_millis(1100));
    codex::exec(&release, &home, &project, "Paint the fence blue").unwrap();

    let command = format!("'{}'", release.binary.display());
    write_our_config(&scratch, &command);
    // What Codex needs to reach the mock: its home and the mock's key (as codex::command sets).
    let template = codex::command(&release, &home, &project);
    let env: Vec<(String, std::ffi::OsString)> = template
        .get_envs()
        .filter_map(|(key, value)| {
            Some((key.to_string_lossy().into_owned(), value?.to_os_string()))
        })
        .filter(|(key, _)| key != "NO_COLOR")
        .collect();
    let env: Vec<(&str, &std::ffi::OsStr)> = env
        .iter()
        .map(|(key, value)| (key.as_str(), value.as_os_str()))
        .collect();
    let home_arg = home.to_string_lossy().into_owned();
    let _daemons = StopDaemons(&home);
    let mut tui = PtySession::spawn_with(
        &["--codex-home", &home_arg],
        &scratch,
        120,
        40,
        Some(&scratch),
        &env,
    );
    tui.wait_for("Paint the fence blue");
    tui.wait_for("Plan the garden shed");
    tui.send("j");
    tui.wait_until("the older thread selected", |screen| {
        selected_line(screen).is_some_and(|line| line.contains("Plan the garden shed"))
    });

    tui.send("C");
    // Codex's own screen: our header is gone, the resumed thread's answer is shown.
    tui.wait_until("Codex showing the resumed thread", |screen| {
        !screen.contains("Local   Archived") && screen.contains("Answer to: Plan the garden shed")
    });
    let codex_screen = tui.contents();
    assert!(
        !codex_screen.contains("Paint the fence blue"),
        "Codex resumed the wrong thread:\n{codex_screen}"
    );
    tui.wait_until("Codex's composer", |screen| {
        screen.contains('›') || screen.contains("Ask Codex")
    });
    tui.send("/quit");
    tui.wait_for("/quit");
    tui.send(ENTER);

    // Back: our list, the same thread selected, and a status line saying so.
    tui.wait_for("Back from Codex");
    tui.wait_until("the list with the same thread selected", |screen| {
        screen.contains("Local   Archived")
            && selected_line(screen).is_some_and(|line| line.contains("Plan the garden shed"))
    });
    // Keys reach us again (the input reader is back): the help opens and closes.
    tui.send("?");
    tui.wait_for("Keys ·");
    tui.send(ESC);
    tui.wait_until("the help closed", |screen| !screen.contains("Keys ·"));
    // After Codex left, the alternate screen and mouse capture were taken back.
    let raw = tui.raw_output();
    let codex_left = raw
        .windows(8)
        .rposition(|w| w == b"\x1b[?1049l")
        .expect("a screen switch");
    let after = &raw[codex_left..];
    for wanted in [&b"\x1b[?1049h"[..], b"\x1b[?1000h", b"\x1b[?1006h"] {
        assert!(
            after.windows(wanted.len()).any(|w| w == wanted),
            "{:?} not sent after Codex exited",
            String::from_utf8_lossy(wanted)
        );
    }
    tui.send("q");
    assert!(tui.wait_exit(), "the TUI exits cleanly after Codex");
}

/// 0.169's TUI leaves an app-server daemon running in the home: stopped however the test ends.
struct StopDaemons<'a>(&'a Path);

impl Drop for StopDaemons<'_> {
    fn drop(&mut self) {
        codex::stop_daemons(self.0);
    }
}

#[test]
fn c_without_codex_says_how_to_set_codex_command_and_keeps_the_terminal() {
    let root = tempfile::TempDir::new().unwrap();
    let scratch = root.path().join("scratch");
    std::fs::create_dir_all(&scratch).unwrap();
    write_our_config(&scratch, "codex-that-is-not-installed --flag");
    let mut tui = PtySession::spawn(&["--demo"], &scratch, 120, 40);
    // The header shows before the rows: `C` needs a selected thread.
    tui.wait_for("Rate limiter design");
    tui.send("C");
    tui.wait_for("codex-that-is-not-installed not found on PATH; set codex_command in");
    assert!(
        tui.contents().contains("Local   Archived"),
        "still our screen"
    );

    // Copying the resume command: OSC 52 to the terminal, and the status says what.
    tui.send("y");
    tui.wait_for("Copy: i id · p rollout path · c resume command");
    tui.send("c");
    tui.wait_for("Copied command codex-that-is-not-installed --flag resume ");
    let copied_prefix = "codex-that-is-not-installed --flag resume 0";
    let whole = &copied_prefix[..copied_prefix.len() / 3 * 3];
    let expected = format!("\x1b]52;c;{}", BASE64.encode(whole));
    wait_for_condition("the OSC 52 sequence", || {
        let raw = tui.raw_output();
        raw.windows(expected.len())
            .any(|w| w == expected.as_bytes())
    });
    assert!(tui.quit_with("q"));
}
