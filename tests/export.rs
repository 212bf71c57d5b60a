//! `codex-threads export`: the Markdown of threads recorded from real Codex releases, hostile
//! rollout text kept inert, a 100k-line rollout exported with a bounded window of items, and the
//! binary's `-o`, `--format json` and errors.

mod common;

use std::path::{Path, PathBuf};
use std::sync::Arc;

use codex_threads::export::{ExportFormat, export_thread, export_to_file};
use codex_threads::manager::ThreadManager;
use codex_threads::protocol::ThreadId;
use codex_threads::store::local::{LocalStoreOptions, LocalThreadStore};
use common::binary::{run, stdout};
use common::lines::{
    agent_message_event, exec_command_call, function_call_output, reasoning_item, task_complete,
    task_started, user_message_event,
};
use common::*;
use serde_json::Value;

fn manager(home: &Path) -> ThreadManager {
    let options = LocalStoreOptions {
        cache_dir: Some(home.join(".test-cache")),
        ..LocalStoreOptions::default()
    };
    ThreadManager::new(Arc::new(LocalThreadStore::open(home, options)))
}

async fn markdown(manager: &ThreadManager, id: ThreadId) -> String {
    let (bytes, _) = export_thread(manager, id, ExportFormat::Markdown, Vec::new())
        .await
        .unwrap();
    String::from_utf8(bytes).unwrap()
}

/// A recorded home copied to a temporary directory, and the id of each recorded scenario.
fn recorded_home(version: &str) -> (tempfile::TempDir, PathBuf, Value) {
    common::recorded::copy_recorded_home(version)
}

#[tokio::test]
async fn recorded_threads_export_as_markdown() {
    for version in ["0.169.0", "0.147.0", "0.104.0"] {
        let (_dir, home, manifest) = recorded_home(version);
        let manager = manager(&home);
        for scenario in ["exec_shell", "exec_apply_patch", "exec_reasoning"] {
            let id: ThreadId = manifest["threads"][scenario]
                .as_str()
                .unwrap()
                .parse()
                .unwrap();
            // The updated time is the rollout's mtime, which the copy sets to now.
            let text: String = markdown(&manager, id)
                .await
                .lines()
                .map(|line| {
                    if line.starts_with("- **Updated:**") {
                        "- **Updated:** [mtime of the copy]\n".to_string()
                    } else {
                        format!("{line}\n")
                    }
                })
                .collect();
            insta::assert_snapshot!(format!("{scenario}_{version}"), text);
        }
    }
}

#[tokio::test]
async fn hostile_rollout_text_stays_inert_and_fences_hold() {
    let home = TestHome::new();
    let output = "before\n```\n\u{1b}]52;c;SGVsbG8=\u{7}\tafter a tab\n`````\nend";
    let spec = ThreadSpec::new()
        .id("01a22a77-0000-7000-8000-000000000001".parse().unwrap())
        .created(at("2026-05-14T09:12:33.402Z"))
        .modified(at("2026-05-14T09:20:00.000Z"))
        .cwd("/work/`odd` dir")
        .git_branch("fix/escapes")
        .with_turn(
            Turn::new(
                "# Not a heading\n```\nan unclosed fence in my message",
                "Here:\n\n```sh\nleft open",
            )
            .command("printf '```'", output),
        )
        .turn("Thanks", "Done.");
    home.add_thread(&spec);
    let text = markdown(&manager(home.path()), spec.id).await;
    assert!(
        !text.contains('\u{1b}') && !text.contains('\u{7}'),
        "{text}"
    );
    assert!(text.contains("\tafter a tab"));
    assert!(
        text.contains("\n``````\nbefore\n"),
        "a fence of six: {text}"
    );
    insta::assert_snapshot!("hostile", text);
}

/// Turns of 5,000 steps (reasoning, a command and its output, an answer): the lines, and how
/// many steps they hold.
fn long_rollout_lines(count: usize) -> (String, usize) {
    let start = at("2026-05-14T10:00:00.000Z");
    let mut lines = vec![
        task_started(start, "long"),
        user_message_event(start, "Run everything"),
    ];
    let mut n = 0;
    while lines.len() < count {
        let at = start + chrono::Duration::milliseconds(n as i64);
        let call_id = format!("call-{n}");
        lines.push(reasoning_item(at, &format!("**Step {n}**\n\nChecking.")));
        lines.push(exec_command_call(
            at,
            &call_id,
            &format!("echo {n}"),
            "/work",
        ));
        lines.push(function_call_output(
            at,
            &call_id,
            &format!("Exit code: 0\nOutput:\n{n}\n"),
        ));
        lines.push(agent_message_event(at, &format!("Ran step {n}.")));
        if n % 5_000 == 4_999 {
            lines.push(task_complete(at, "long", "done", 1_000));
            lines.push(task_started(at, "next"));
        }
        n += 1;
    }
    lines.push(task_complete(start, "long", "done", 1_000));
    (joined_lines(&lines), n)
}

#[tokio::test]
async fn a_100k_line_rollout_exports_with_a_bounded_window_of_items() {
    let home = TestHome::new();
    let spec = ThreadSpec::new().turn("Start", "Ok.");
    let written = home.add_thread(&spec);
    let (lines, steps) = long_rollout_lines(100_000);
    append_raw(&written.path, lines);
    let out = home.path().join("long.md");

    let stats = export_to_file(&manager(home.path()), spec.id, ExportFormat::Markdown, &out)
        .await
        .unwrap();

    assert!(stats.lines_read > 100_000, "{stats:?}");
    // Each step is three items (reasoning, command, answer).
    assert!(stats.items_written > 3 * steps, "{stats:?}");
    assert!(
        stats.max_retained < 1_024,
        "the exporter held {} items at once",
        stats.max_retained
    );
    let text = std::fs::read_to_string(&out).unwrap();
    // Every step is there: the window never dropped or repeated an item.
    // Each step's call and output share a timestamp: it ran for 0 ms.
    assert_eq!(text.matches("**Shell** (exit 0 · 0 ms)").count(), steps);
    assert_eq!(text.matches("**Shell** (exit 0").count(), steps + 1);
    let last = steps - 1;
    assert!(text.contains(&format!("```sh\necho {last}\n```\n\n```\n{last}\n```")));
    assert!(text.trim_end().ends_with("---"));
}

#[test]
fn output_file_is_written_whole_and_matches_stdout() {
    let home = TestHome::new();
    let spec = ThreadSpec::new().turn("Fix the flaky login test", "Done.");
    home.add_thread(&spec);
    let id = spec.id.to_string();
    let printed = stdout(&run(home.path(), &["export", &id]));
    assert!(
        printed.starts_with("# Fix the flaky login test\n"),
        "{printed}"
    );

    let dir = tempfile::TempDir::new().unwrap();
    let file = dir.path().join("thread.md");
    let quiet = stdout(&run(
        home.path(),
        &["export", &id[..13], "-o", file.to_str().unwrap()],
    ));
    assert_eq!(quiet, "");
    assert_eq!(std::fs::read_to_string(&file).unwrap(), printed);
    let names: Vec<_> = std::fs::read_dir(dir.path())
        .unwrap()
        .map(|entry| entry.unwrap().file_name())
        .collect();
    assert_eq!(names, ["thread.md"], "no temporary file is left behind");
    // An ordinary file, as any program would create it, not a private temporary one.
    #[cfg(unix)]
    {
        use std::os::unix::fs::PermissionsExt;
        let mode = |path: &Path| std::fs::metadata(path).unwrap().permissions().mode();
        let ordinary = dir.path().join("ordinary");
        std::fs::write(&ordinary, "").unwrap();
        assert_eq!(mode(&file), mode(&ordinary));
    }
}

#[test]
fn json_export_is_one_document_with_the_thread_and_its_items() {
    let home = TestHome::new();
    let spec = ThreadSpec::new()
        .git_branch("main")
        .turn("Fix the flaky login test", "Done.");
    home.add_thread(&spec);
    let printed = stdout(&run(
        home.path(),
        &["export", &spec.id.to_string(), "--format", "json"],
    ));
    let document: Value = serde_json::from_str(&printed).unwrap();
    assert_eq!(document["thread"]["id"], spec.id.to_string());
    assert_eq!(document["thread"]["git"]["branch"], "main");
    let kinds: Vec<&str> = document["items"]
        .as_array()
        .unwrap()
        .iter()
        .map(|item| item["type"].as_str().unwrap())
        .collect();
    assert_eq!(
        kinds,
        [
            "user",
            "reasoning",
            "command",
            "patch",
            "assistant",
            "turn_ended"
        ]
    );
    let command = &document["items"][2];
    assert_eq!(command["command"], "cargo test");
    assert_eq!(command["exit_code"], 0);
    // The output says no wall time: the 12 s between the call line and the output line.
    assert_eq!(command["duration_ms"], 12_000);
    // An item a line: the document streams and still reads line by line.
    assert_eq!(printed.lines().count(), 2 + kinds.len());
}

#[test]
fn json_commands_carry_duration_and_exit_code_or_null() {
    let home = TestHome::new();
    let spec = ThreadSpec::new().turn("Build it", "Built.");
    let written = home.add_thread(&spec);
    let start = at("2026-05-14T11:00:00.000Z");
    let later = |ms: i64| start + chrono::Duration::milliseconds(ms);
    // A turn whose command reports its wall time, and a command still running.
    append_raw(
        &written.path,
        joined_lines(&[
            task_started(start, "t9"),
            user_message_event(start, "Check and wait"),
            exec_command_call(later(10), "c-check", "cargo check", "/work"),
            function_call_output(
                later(900),
                "c-check",
                "Chunk ID: 1\nWall time: 0.8123 seconds\nProcess exited with code 101\nOutput:\nerror\n",
            ),
            exec_command_call(later(1_000), "c-wait", "sleep 600", "/work"),
        ]),
    );
    let printed = stdout(&run(
        home.path(),
        &["export", &spec.id.to_string(), "--format", "json"],
    ));
    let document: Value = serde_json::from_str(&printed).unwrap();
    let commands: Vec<&Value> = document["items"]
        .as_array()
        .unwrap()
        .iter()
        .filter(|item| item["type"] == "command")
        .collect();
    assert_eq!(commands.len(), 3, "{printed}");
    assert_eq!(commands[1]["command"], "cargo check");
    assert_eq!(commands[1]["exit_code"], 101);
    assert_eq!(commands[1]["duration_ms"], 812);
    // Running: nothing known of its end, and every member is there.
    assert_eq!(commands[2]["command"], "sleep 600");
    for member in ["exit_code", "duration_ms", "output"] {
        assert!(commands[2][member].is_null(), "{member}: {}", commands[2]);
        assert!(commands[2].as_object().unwrap().contains_key(member));
    }

    let markdown = stdout(&run(home.path(), &["export", &spec.id.to_string()]));
    assert!(
        markdown.contains("**Shell** (exit 101 · 812 ms)"),
        "{markdown}"
    );
    assert!(
        markdown.contains("**Shell** (running, no result yet)"),
        "{markdown}"
    );
}

#[test]
fn failures_are_one_line_and_leave_no_file() {
    let home = TestHome::new();
    let spec = ThreadSpec::new().turn("Hello", "Hi.");
    home.add_thread(&spec);
    let missing = run(home.path(), &["export", "01a22a77-ffff"]);
    assert!(!missing.status.success());
    assert_eq!(String::from_utf8_lossy(&missing.stderr).lines().count(), 1);

    let target = home.path().join("no-such-dir").join("out.md");
    let unwritable = run(
        home.path(),
        &[
            "export",
            &spec.id.to_string(),
            "-o",
            target.to_str().unwrap(),
        ],
    );
    assert!(!unwritable.status.success());
    let stderr = String::from_utf8_lossy(&unwritable.stderr);
    assert_eq!(stderr.lines().count(), 1, "{stderr}");
    assert!(stderr.contains("no-such-dir"), "{stderr}");
    assert!(!target.exists());
}
