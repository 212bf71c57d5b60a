//! The real binary on temporary Codex homes: output, exit codes, one-line errors, and the
//! files each edit leaves behind.

mod common;

use std::path::Path;
use std::process::{Command, Output};

use codex_threads::protocol::ThreadMemoryMode;
use common::binary::{run, stdout};
use common::*;
use serde_json::Value;

fn json(output: &Output) -> Value {
    serde_json::from_str(&stdout(output)).expect("valid JSON")
}

/// A failure prints exactly one line on stderr and exits non-zero.
fn one_line_error(output: &Output) -> String {
    assert!(!output.status.success(), "expected a failure");
    let stderr = String::from_utf8_lossy(&output.stderr).to_string();
    assert_eq!(stderr.lines().count(), 1, "stderr: {stderr:?}");
    stderr
}

fn two_threads(home: &TestHome) -> (ThreadSpec, ThreadSpec) {
    let older = ThreadSpec::new()
        .created(at("2026-05-10T08:00:00.000Z"))
        .cwd("/work/api")
        .git_branch("feature/login")
        .turn("Fix the flaky login test", "Done.");
    let newer = ThreadSpec::new()
        .created(at("2026-05-12T08:00:00.000Z"))
        .cwd("/work/web")
        .turn("Add a dark mode toggle", "Added.");
    home.add_thread(&older);
    home.add_thread(&newer);
    (older, newer)
}

#[test]
fn list_json_has_every_documented_field() {
    let home = TestHome::new();
    let (older, newer) = two_threads(&home);
    let listed = json(&run(home.path(), &["list", "--json", "--sort", "created"]));
    let threads = listed.as_array().unwrap();
    assert_eq!(threads.len(), 2);
    assert_eq!(threads[0]["id"], newer.id.to_string());
    assert_eq!(threads[1]["id"], older.id.to_string());
    let first = &threads[1];
    for field in [
        "id",
        "name",
        "title",
        "preview",
        "created_at",
        "updated_at",
        "archived",
        "cwd",
        "git",
        "model_provider",
        "model",
        "memory_mode",
        "tokens_used",
        "source",
        "rollout_path",
        "live",
    ] {
        assert!(first.get(field).is_some(), "missing {field}");
    }
    assert_eq!(first["name"], Value::Null);
    assert_eq!(first["title"], "Fix the flaky login test");
    assert_eq!(first["git"]["branch"], "feature/login");
    assert_eq!(first["memory_mode"], "enabled");
    assert_eq!(first["tokens_used"], older.expected_tokens());
    assert_eq!(first["created_at"], "2026-05-10T08:00:00.000Z");
    assert_eq!(first["archived"], false);
}

#[test]
fn list_filters_by_cwd_search_and_limit() {
    let home = TestHome::new();
    let (older, _) = two_threads(&home);
    let by_cwd = json(&run(home.path(), &["list", "--json", "--cwd", "/work/api"]));
    assert_eq!(by_cwd.as_array().unwrap().len(), 1);
    assert_eq!(by_cwd[0]["id"], older.id.to_string());
    let by_search = json(&run(
        home.path(),
        &["list", "--json", "--search", "DARK MODE"],
    ));
    assert_eq!(by_search.as_array().unwrap().len(), 1);
    let limited = json(&run(home.path(), &["list", "--json", "--limit", "1"]));
    assert_eq!(limited.as_array().unwrap().len(), 1);
    let all = json(&run(home.path(), &["list", "--json", "--limit", "0"]));
    assert_eq!(all.as_array().unwrap().len(), 2);
}

#[test]
fn rename_writes_the_index_and_the_state_db_and_leaves_the_rollout_alone() {
    let home = TestHome::new();
    home.create_state_db(SchemaVariant::Current);
    let spec = ThreadSpec::new().turn("Fix the flaky login test", "Done.");
    let written = home.add_indexed_thread(&spec);
    let before = std::fs::read(&written.path).unwrap();
    let prefix = &spec.id.to_string()[..13];
    stdout(&run(home.path(), &["rename", prefix, "Login flake"]));
    assert_eq!(std::fs::read(&written.path).unwrap(), before);
    let index = std::fs::read_to_string(home.session_index_path()).unwrap();
    let entry: Value = serde_json::from_str(index.lines().last().unwrap()).unwrap();
    assert_eq!(entry["id"], spec.id.to_string());
    assert_eq!(entry["thread_name"], "Login flake");
    assert!(entry["updated_at"].as_str().unwrap().ends_with('Z'));
    assert_eq!(home.state_db_row(spec.id).unwrap()["title"], "Login flake");
    // The name now resolves the thread.
    let shown = json(&run(home.path(), &["show", "Login flake", "--json"]));
    assert_eq!(shown["thread"]["name"], "Login flake");
    stdout(&run(home.path(), &["rename", "Login flake", "--clear"]));
    let shown = json(&run(home.path(), &["show", prefix, "--json"]));
    assert_eq!(shown["thread"]["name"], Value::Null);
}

#[test]
fn memory_appends_a_session_meta_copy_and_sets_the_column() {
    let home = TestHome::new();
    home.create_state_db(SchemaVariant::Current);
    let spec = ThreadSpec::new().turn("Fix the flaky login test", "Done.");
    let written = home.add_indexed_thread(&spec);
    let before = std::fs::read(&written.path).unwrap();
    stdout(&run(
        home.path(),
        &["memory", &spec.id.to_string(), "disabled"],
    ));
    let after = std::fs::read(&written.path).unwrap();
    assert!(after.starts_with(&before), "the old bytes are untouched");
    let added = std::str::from_utf8(&after[before.len()..]).unwrap();
    assert_eq!(added.matches('\n').count(), 1, "exactly one new line");
    let line: Value = serde_json::from_str(added.trim_end()).unwrap();
    let first: Value = serde_json::from_str(written.lines[0].as_str()).unwrap();
    assert_eq!(line["type"], "session_meta");
    assert_eq!(line["payload"]["memory_mode"], "disabled");
    assert!(line["payload"].get("git").is_none());
    assert_eq!(line["payload"]["id"], first["payload"]["id"]);
    assert_eq!(line["payload"]["cwd"], first["payload"]["cwd"]);
    assert_eq!(
        home.state_db_row(spec.id).unwrap()["memory_mode"],
        "disabled"
    );
    let shown = json(&run(home.path(), &["show", &spec.id.to_string(), "--json"]));
    assert_eq!(
        shown["thread"]["memory_mode"],
        ThreadMemoryMode::Disabled.as_str()
    );
}

#[test]
fn archive_and_unarchive_move_the_file() {
    let home = TestHome::new();
    let spec = ThreadSpec::new()
        .created(at("2026-05-14T09:12:33.000Z"))
        .turn("Archive me", "Ok.");
    let written = home.add_thread(&spec);
    let id = spec.id.to_string();
    stdout(&run(home.path(), &["archive", &id]));
    let archived = home
        .archived_sessions_dir()
        .join(written.path.file_name().unwrap());
    assert!(archived.is_file() && !written.path.exists());
    let listed = json(&run(home.path(), &["list", "--archived", "--json"]));
    assert_eq!(listed[0]["archived"], true);
    // Renaming an archived thread is refused with one line.
    let refused = one_line_error(&run(home.path(), &["rename", &id, "x"]));
    assert!(refused.contains("archived"), "{refused}");
    one_line_error(&run(home.path(), &["archive", &id]));
    stdout(&run(home.path(), &["unarchive", &id]));
    assert!(written.path.is_file(), "back in sessions/2026/05/14");
}

#[test]
fn show_streams_metadata_and_every_line_including_bad_ones() {
    let home = TestHome::new();
    let spec = ThreadSpec::new().turn("Say \u{1b}[2J hello", "Hi.");
    let written = home.add_thread(&spec);
    append_raw(
        &written.path,
        "{not json\n{\"timestamp\":\"2026-05-14T09:20:00.000Z\",\"type\":\"world_state\",\"payload\":{}}\n{\"half",
    );
    let shown = json(&run(home.path(), &["show", &spec.id.to_string(), "--json"]));
    let items = shown["items"].as_array().unwrap();
    assert_eq!(
        items.len(),
        written.lines.len() + 2,
        "the half line is held back"
    );
    assert!(items[items.len() - 2].get("invalid_line").is_some());
    assert_eq!(items[items.len() - 1]["type"], "world_state");
    let text = stdout(&run(home.path(), &["show", &spec.id.to_string()]));
    assert!(
        !text.contains('\u{1b}'),
        "escape sequences never reach the terminal raw"
    );
    assert!(text.contains("␛[2J"));
}

#[test]
fn errors_are_one_line_and_non_zero() {
    let home = TestHome::new();
    let message = one_line_error(&run(&home.path().join("missing"), &["list"]));
    assert!(message.contains("does not exist"), "{message}");
    let message = one_line_error(&run(home.path(), &["show", "no-such-thread"]));
    assert!(message.contains("no thread matches"), "{message}");
    let unknown = uuid_like();
    let message = one_line_error(&run(home.path(), &["memory", &unknown, "disabled"]));
    assert!(message.contains("not found"), "{message}");
    one_line_error(&run(home.path(), &["rename"]));
}

fn uuid_like() -> String {
    "019e2a4c-0000-7000-8000-000000000000".to_string()
}

#[test]
fn show_json_prints_rollout_lines_exactly_as_stored() {
    let home = TestHome::new();
    let spec = ThreadSpec::new().turn("Keep every field", "Ok.");
    let written = home.add_thread(&spec);
    let unusual = r#"{"timestamp":"2026-05-14T09:20:00.000Z","type":"event_msg","payload":{"type":"agent_message","message":"cited","phase":null,"memory_citation":{"source":"m1"},"future_field":[1,2]}}"#;
    append_raw(&written.path, format!("{unusual}\n"));
    let shown = json(&run(home.path(), &["show", &spec.id.to_string(), "--json"]));
    let items = shown["items"].as_array().unwrap();
    let last = items.last().unwrap();
    assert_eq!(last, &serde_json::from_str::<Value>(unusual).unwrap());
    let first: Value = serde_json::from_str(&written.lines[0]).unwrap();
    assert_eq!(
        items[0], first,
        "the session_meta line, base instructions and all"
    );
}

#[test]
fn a_relative_home_still_records_absolute_paths_in_the_state_db() {
    let home = TestHome::new();
    home.create_state_db(SchemaVariant::Current);
    let spec = ThreadSpec::new().turn("Archive me relatively", "Ok.");
    home.add_indexed_thread(&spec);
    let parent = home.path().parent().unwrap();
    let relative = home.path().file_name().unwrap();
    let output = Command::new(env!("CARGO_BIN_EXE_codex-threads"))
        .current_dir(parent)
        .arg("--codex-home")
        .arg(relative)
        .args(["archive", &spec.id.to_string()])
        .env("CODEX_THREADS_CACHE_DIR", home.path().join(".test-cache"))
        .env(
            "CODEX_THREADS_STATE_DIR",
            home.path().join(".test-cache-state"),
        )
        .env_remove("CODEX_SQLITE_HOME")
        .output()
        .unwrap();
    stdout(&output);
    let row = home.state_db_row(spec.id).unwrap();
    let recorded = row["rollout_path"].as_str().unwrap();
    assert!(Path::new(recorded).is_absolute(), "{recorded}");
    assert!(Path::new(recorded).is_file(), "{recorded}");
    assert_eq!(row["archived"], 1);
}

#[test]
fn subcommands_run_on_the_demo_home_with_demo() {
    let scratch = TestHome::new();
    let output = run(
        &scratch.path().join("unused"),
        &["list", "--demo", "--json"],
    );
    let listed = json(&output);
    assert_eq!(listed.as_array().unwrap().len(), 7);
    assert!(
        listed
            .as_array()
            .unwrap()
            .iter()
            .any(|t| t["name"] == "Rate limiter design")
    );
}

#[test]
fn a_thread_codex_holds_open_is_live_and_archived_only_with_force() {
    let home = TestHome::new();
    let spec = ThreadSpec::new().turn("Keep me open", "Sure.");
    let written = home.add_thread(&spec);
    let id = written.id.to_string();
    let locks = home.path().join("thread-writer-locks");
    std::fs::create_dir_all(&locks).unwrap();
    let lock_path = locks.join(format!("{id}.lock"));
    std::fs::write(&lock_path, "").unwrap();
    // Old enough that only the lock can make it live.
    set_mtime(&written.path, at("2026-01-01T00:00:00.000Z"));

    let listed = json(&run(home.path(), &["list", "--json"]));
    assert_eq!(listed[0]["live"], false);
    assert_eq!(listed[0]["open_in_codex"], false);

    // Another process's lock, as Codex holds it.
    let holder = std::fs::File::open(&lock_path).unwrap();
    holder.lock().unwrap();
    let listed = json(&run(home.path(), &["list", "--json"]));
    assert_eq!(listed[0]["open_in_codex"], true);
    assert_eq!(listed[0]["live"], true);

    let refused = one_line_error(&run(home.path(), &["archive", &id]));
    assert!(refused.contains("open in a Codex process"), "{refused}");
    assert!(written.path.exists(), "nothing moved");
    stdout(&run(home.path(), &["archive", &id, "--force"]));
    holder.unlock().unwrap();
}

#[test]
fn list_search_matches_what_the_tui_filter_matches() {
    let home = TestHome::new();
    two_threads(&home);
    // A header line, then one line per thread.
    let by_branch = stdout(&run(home.path(), &["list", "--search", "FEATURE/login"]));
    assert_eq!(by_branch.lines().count(), 2, "{by_branch}");
    assert!(by_branch.contains("Fix the flaky login"));
    let by_cwd = stdout(&run(home.path(), &["list", "--search", "/work/web"]));
    assert_eq!(by_cwd.lines().count(), 2, "{by_cwd}");
    assert!(by_cwd.contains("dark mode"));
}

#[test]
fn an_ambiguous_prefix_names_a_few_candidates_and_counts_the_rest() {
    let home = TestHome::new();
    for n in 0..12 {
        home.add_thread(&ThreadSpec::new().turn(&format!("Thread number {n}"), "ok"));
    }
    // Every v7 id made in the same run starts alike.
    let listed = json(&run(home.path(), &["list", "--json"]));
    let first = listed[0]["id"].as_str().unwrap();
    let prefix = &first[..4];
    let error = one_line_error(&run(home.path(), &["show", prefix]));
    assert!(error.contains("matches 12 threads"), "{error}");
    assert!(error.contains("and 9 more"), "{error}");
    assert!(error.len() < 400, "{} bytes: {error}", error.len());
}

#[test]
fn a_reader_that_stops_early_is_not_an_error() {
    use std::io::{BufRead, BufReader};
    let home = TestHome::new();
    // More hits than a pipe holds (64 KiB), so the writer meets the closed pipe.
    for n in 0..100 {
        let mut spec = ThreadSpec::new();
        for turn in 0..10 {
            spec = spec.turn(&format!("Needle number {n}.{turn}"), "ok");
        }
        home.add_thread(&spec);
    }
    let mut child = Command::new(env!("CARGO_BIN_EXE_codex-threads"))
        .arg("--codex-home")
        .arg(home.path())
        .args(["search", "needle"])
        .env("CODEX_THREADS_CACHE_DIR", home.path().join(".test-cache"))
        .env(
            "CODEX_THREADS_STATE_DIR",
            home.path().join(".test-cache-state"),
        )
        .stdout(std::process::Stdio::piped())
        .stderr(std::process::Stdio::piped())
        .spawn()
        .unwrap();
    let mut first = String::new();
    BufReader::new(child.stdout.take().unwrap())
        .read_line(&mut first)
        .unwrap();
    assert!(first.contains("Needle"), "{first}");
    // The pipe closes here, as `| head -1` would close it.
    let output = child.wait_with_output().unwrap();
    assert!(output.status.success(), "{:?}", output.status);
    assert_eq!(String::from_utf8_lossy(&output.stderr), "");
}

#[test]
fn list_source_keeps_what_codex_counts_as_interactive_or_one_source() {
    let home = TestHome::new();
    let sourced = |source: Value, prompt: &str| {
        let spec = ThreadSpec::new().source(source).turn(prompt, "Done.");
        home.add_thread(&spec);
        spec
    };
    let cli = sourced(Value::from("cli"), "From the terminal");
    let vscode = sourced(Value::from("vscode"), "From the editor");
    let exec = sourced(Value::from("exec"), "From a script");
    let review = sourced(serde_json::json!({"subagent": "review"}), "A review");
    let ids = |source: &str| {
        let listed = json(&run(home.path(), &["list", "--json", "--source", source]));
        let mut ids: Vec<String> = listed
            .as_array()
            .unwrap()
            .iter()
            .map(|thread| thread["id"].as_str().unwrap().to_string())
            .collect();
        ids.sort();
        ids
    };
    let sorted = |specs: &[&ThreadSpec]| {
        let mut ids: Vec<String> = specs.iter().map(|spec| spec.id.to_string()).collect();
        ids.sort();
        ids
    };
    assert_eq!(ids("all"), sorted(&[&cli, &vscode, &exec, &review]));
    assert_eq!(ids("interactive"), sorted(&[&cli, &vscode]));
    assert_eq!(ids("exec"), sorted(&[&exec]));
    assert_eq!(ids(r#"{"subagent":"review"}"#), sorted(&[&review]));
    // The default is every source.
    let default = json(&run(home.path(), &["list", "--json"]));
    assert_eq!(default.as_array().unwrap().len(), 4);
}

/// A config whose `codex_command` is a script that records its arguments and directory.
#[cfg(unix)]
fn fake_codex(scratch: &Path, exit_code: i32) -> (std::path::PathBuf, std::path::PathBuf) {
    use std::os::unix::fs::PermissionsExt;
    let record = scratch.join("record.txt");
    let script = scratch.join("fake codex");
    std::fs::write(
        &script,
        format!(
            "#!/bin/sh\n{{ pwd; for arg in \"$@\"; do echo \"$arg\"; done; }} > '{}'\nexit {exit_code}\n",
            record.display()
        ),
    )
    .unwrap();
    std::fs::set_permissions(&script, std::fs::Permissions::from_mode(0o755)).unwrap();
    let config_dir = scratch.join("config");
    std::fs::create_dir_all(config_dir.join("codex-threads")).unwrap();
    std::fs::write(
        config_dir.join("codex-threads/config.toml"),
        format!(
            "codex_command = \"'{}' --profile 'my work'\"\n",
            script.display()
        ),
    )
    .unwrap();
    (config_dir, record)
}

#[cfg(unix)]
fn run_with_config(home: &Path, config_dir: &Path, cwd: &Path, args: &[&str]) -> Output {
    Command::new(env!("CARGO_BIN_EXE_codex-threads"))
        .arg("--codex-home")
        .arg(home)
        .args(args)
        .current_dir(cwd)
        .env_remove("CODEX_SQLITE_HOME")
        .env("CODEX_THREADS_CACHE_DIR", home.join(".test-cache"))
        .env("CODEX_THREADS_STATE_DIR", home.join(".test-cache-state"))
        .env("XDG_CONFIG_HOME", config_dir)
        .output()
        .expect("the binary runs")
}

#[cfg(unix)]
#[test]
fn resume_runs_the_configured_codex_in_the_thread_directory_with_its_status() {
    let home = TestHome::new();
    let scratch = tempfile::TempDir::new().unwrap();
    let project = scratch.path().join("project dir");
    std::fs::create_dir(&project).unwrap();
    let spec = ThreadSpec::new()
        .cwd(project.to_str().unwrap())
        .turn("Resume me", "Sure.");
    home.add_thread(&spec);
    let (config_dir, record) = fake_codex(scratch.path(), 7);
    let prefix = &spec.id.to_string()[..13];

    let output = run_with_config(
        home.path(),
        &config_dir,
        scratch.path(),
        &["resume", prefix],
    );
    assert_eq!(output.status.code(), Some(7), "Codex's status is ours");
    let recorded = std::fs::read_to_string(&record).unwrap();
    let lines: Vec<&str> = recorded.lines().collect();
    let id = spec.id.to_string();
    assert_eq!(
        lines,
        [
            project.to_str().unwrap(),
            "--profile",
            "my work",
            "resume",
            id.as_str()
        ]
    );

    // A thread whose directory is gone resumes in the current one, saying so.
    let gone = ThreadSpec::new()
        .cwd("/no/such/dir/anymore")
        .turn("Moved away", "Ok.");
    home.add_thread(&gone);
    let output = run_with_config(
        home.path(),
        &config_dir,
        scratch.path(),
        &["resume", &gone.id.to_string()],
    );
    assert_eq!(output.status.code(), Some(7));
    let recorded = std::fs::read_to_string(&record).unwrap();
    assert_eq!(
        recorded.lines().next(),
        Some(scratch.path().canonicalize().unwrap().to_str().unwrap())
    );
    let stderr = String::from_utf8_lossy(&output.stderr);
    assert!(
        stderr.contains("/no/such/dir/anymore no longer exists"),
        "{stderr}"
    );
}

#[cfg(unix)]
#[test]
fn resume_without_codex_on_path_says_how_to_fix_it() {
    let home = TestHome::new();
    let spec = ThreadSpec::new().turn("Resume me", "Sure.");
    home.add_thread(&spec);
    let scratch = tempfile::TempDir::new().unwrap();
    let config_dir = scratch.path().join("config");
    std::fs::create_dir_all(config_dir.join("codex-threads")).unwrap();
    std::fs::write(
        config_dir.join("codex-threads/config.toml"),
        "codex_command = \"codex-that-is-not-installed\"\n",
    )
    .unwrap();
    let output = run_with_config(
        home.path(),
        &config_dir,
        scratch.path(),
        &["resume", &spec.id.to_string()],
    );
    let error = one_line_error(&output);
    assert!(
        error.contains("codex-that-is-not-installed not found on PATH; set codex_command in")
            && error.contains("codex-threads/config.toml"),
        "{error}"
    );
}

#[test]
fn delete_takes_several_threads_reports_each_failure_and_does_the_rest() {
    let home = TestHome::new();
    home.create_state_db(SchemaVariant::Current);
    let (older, newer) = two_threads(&home);
    let third = ThreadSpec::new().turn("A third thread", "Ok.");
    let third_written = home.add_indexed_thread(&third);
    let (old_id, new_id) = (older.id.to_string(), newer.id.to_string());

    let output = run(
        home.path(),
        &["delete", &old_id, "no-such-thread", &new_id, "--yes"],
    );
    let stderr = one_line_error(&output);
    assert!(
        stderr.starts_with("codex-threads: no-such-thread: "),
        "{stderr}"
    );
    let printed = String::from_utf8_lossy(&output.stdout).to_string();
    assert_eq!(printed.lines().count(), 2, "{printed}");
    assert!(printed.contains(&format!("deleted {old_id}")), "{printed}");
    let trash = home.path().join(".test-data/Trash");
    assert_eq!(std::fs::read_dir(trash.join("files")).unwrap().count(), 2);
    assert_eq!(std::fs::read_dir(trash.join("info")).unwrap().count(), 2);
    let listed = json(&run(home.path(), &["list", "--json"]));
    assert_eq!(listed.as_array().unwrap().len(), 1);
    assert_eq!(listed[0]["id"], third.id.to_string());

    // Without --yes and without a terminal it refuses, and deletes nothing.
    let refused = one_line_error(&run(home.path(), &["delete", &third.id.to_string()]));
    assert!(refused.contains("--yes"), "{refused}");
    assert!(third_written.path.exists());
    assert!(home.state_db_row(third.id).is_some());
}

#[test]
fn archive_and_unarchive_take_several_threads() {
    let home = TestHome::new();
    let (older, newer) = two_threads(&home);
    let (old_id, new_id) = (older.id.to_string(), newer.id.to_string());
    stdout(&run(home.path(), &["archive", &old_id]));

    // The archived one fails (one line), the other is archived all the same.
    let stderr = one_line_error(&run(home.path(), &["archive", &old_id, &new_id]));
    assert!(stderr.contains("already archived"), "{stderr}");
    let archived = json(&run(home.path(), &["list", "--archived", "--json"]));
    assert_eq!(archived.as_array().unwrap().len(), 2);

    let printed = stdout(&run(home.path(), &["unarchive", &old_id, &new_id]));
    assert_eq!(printed.lines().count(), 2, "{printed}");
    let active = json(&run(home.path(), &["list", "--json"]));
    assert_eq!(active.as_array().unwrap().len(), 2);
}

#[test]
fn show_marks_a_line_over_the_limit_with_its_size_and_shows_a_quiet_last_line() {
    use std::io::{Seek, SeekFrom, Write};
    let home = TestHome::new();
    let spec = ThreadSpec::new().turn("Before the long line", "Ok.");
    let written = home.add_thread(&spec);
    let huge = 9_000_000u64;
    let head = r#"{"timestamp":"2026-05-14T09:20:00.000Z","type":"response_item","payload":{"type":"message","role":"user","content":[{"type":"input_text","text":""#;
    let after = r#"{"timestamp":"2026-05-14T09:21:00.000Z","type":"event_msg","payload":{"type":"agent_message","message":"after the long line"}}"#;
    let last = r#"{"timestamp":"2026-05-14T09:22:00.000Z","type":"event_msg","payload":{"type":"agent_message","message":"last words, no newline"}}"#;
    {
        let mut file = std::fs::OpenOptions::new()
            .append(true)
            .open(&written.path)
            .unwrap();
        file.write_all(head.as_bytes()).unwrap();
        let end = file.seek(SeekFrom::End(0)).unwrap();
        // A hole reads as NULs: a 9 MB line that takes no disk space.
        file.set_len(end + huge - head.len() as u64 - 5).unwrap();
    }
    append_raw(&written.path, format!("\"}}]}}}}\n{after}\n{last}"));
    let old = std::time::SystemTime::now() - std::time::Duration::from_secs(60);
    std::fs::File::options()
        .append(true)
        .open(&written.path)
        .unwrap()
        .set_modified(old)
        .unwrap();

    let shown = json(&run(home.path(), &["show", &spec.id.to_string(), "--json"]));
    let items = shown["items"].as_array().unwrap();
    assert_eq!(items.len(), written.lines.len() + 3);
    let omitted = &items[written.lines.len()]["omitted_line"];
    assert_eq!(omitted["bytes"], huge);
    assert_eq!(omitted["type"], "response_item");
    assert_eq!(omitted["limit"], 8 << 20);
    assert_eq!(
        items[items.len() - 2]["payload"]["message"],
        "after the long line"
    );
    assert_eq!(
        items[items.len() - 1]["payload"]["message"],
        "last words, no newline"
    );

    let text = stdout(&run(home.path(), &["show", &spec.id.to_string()]));
    assert!(
        text.contains("[line of 9.0 MB not shown: longer than the 8 MiB limit]"),
        "{text}"
    );
    assert!(text.contains("last words, no newline"));
}
