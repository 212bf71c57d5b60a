//! Checks that the fixture helpers write what codex-format.md describes.

mod common;

use std::time::SystemTime;

use codex_threads::protocol::{
    EventMsg, ResponseItem, RolloutItem, RolloutLine, SessionMeta, ThreadId, ThreadMemoryMode,
};
use common::{
    SchemaVariant, THREAD_COLUMNS, TestHome, ThreadRow, ThreadSpec, Turn, append_raw, at, lines,
    mtime, read_rollout, thread_columns,
};
use rusqlite::{Connection, ErrorCode};
use serde_json::{Value, json};

fn decode_all(lines: &[String]) -> Vec<RolloutLine> {
    lines
        .iter()
        .map(|line| RolloutLine::decode(line).unwrap_or_else(|err| panic!("{err}: {line}")))
        .collect()
}

fn session_metas(lines: &[RolloutLine]) -> Vec<&SessionMeta> {
    lines
        .iter()
        .filter_map(|line| match &line.item {
            RolloutItem::SessionMeta(meta) => Some(meta),
            _ => None,
        })
        .collect()
}

fn events(lines: &[RolloutLine]) -> Vec<&EventMsg> {
    lines
        .iter()
        .filter_map(|line| match &line.item {
            RolloutItem::EventMsg(event) => Some(event),
            _ => None,
        })
        .collect()
}

/// `kind` of the envelope, with the payload's `type` for tagged kinds: `event_msg/task_started`.
fn line_kinds(lines: &[String]) -> Vec<String> {
    lines
        .iter()
        .map(|line| {
            let value: Value = serde_json::from_str(line).unwrap();
            let kind = value["type"].as_str().unwrap();
            match value["payload"]["type"].as_str() {
                Some(inner) => format!("{kind}/{inner}"),
                None => kind.to_string(),
            }
        })
        .collect()
}

fn object_keys(value: &Value) -> Vec<&str> {
    value
        .as_object()
        .unwrap()
        .keys()
        .map(String::as_str)
        .collect()
}

fn fixed_id() -> ThreadId {
    "019e2a4c-7b1d-7c42-9a3e-5d1f0c2b8e77".parse().unwrap()
}

#[test]
fn a_thread_is_written_under_its_date_with_codex_file_name() {
    let home = TestHome::new();
    let spec = ThreadSpec::new()
        .id(fixed_id())
        .created(at("2026-05-14T11:12:33.402Z"))
        .turn("Fix the flaky login test", "Fixed.");
    let written = home.add_thread(&spec);

    let expected = home.path().join(
        "sessions/2026/05/14/rollout-2026-05-14T11-12-33-019e2a4c-7b1d-7c42-9a3e-5d1f0c2b8e77.jsonl",
    );
    assert_eq!(written.path, expected);
    assert_eq!(written.id, spec.id);
    assert_eq!(read_rollout(&written.path), written.contents());
    assert!(written.contents().ends_with("}\n"));
}

#[test]
fn every_line_decodes_and_the_first_is_the_threads_session_meta() {
    let spec = ThreadSpec::new().turn("one", "first").turn("two", "second");
    let decoded = decode_all(&spec.render_lines());

    let RolloutItem::SessionMeta(meta) = &decoded[0].item else {
        panic!("first line is {:?}", decoded[0].item.kind());
    };
    assert_eq!(meta.id, spec.id);
    assert_eq!(meta.timestamp, "2026-05-14T09:12:33.402Z");
    assert_eq!(meta.git.as_ref().unwrap().branch.as_deref(), Some("main"));
    assert!(decoded.iter().all(|line| line.timestamp.len() == 24));
    assert!(
        decoded
            .windows(2)
            .all(|pair| pair[0].timestamp <= pair[1].timestamp)
    );
    assert!(
        decoded
            .iter()
            .all(|line| !matches!(line.item, RolloutItem::Unknown { .. }))
    );
}

#[test]
fn a_turn_has_the_full_codex_line_sequence() {
    let spec = ThreadSpec::new().turn("Fix it", "Done.");
    let kinds = line_kinds(&spec.render_lines());
    let expected = [
        "session_meta",
        "event_msg/task_started",
        "turn_context",
        "response_item/message",
        "response_item/message",
        "event_msg/user_message",
        "response_item/reasoning",
        "event_msg/agent_reasoning",
        "response_item/function_call",
        "response_item/function_call_output",
        "response_item/custom_tool_call",
        "response_item/custom_tool_call_output",
        "response_item/message",
        "event_msg/agent_message",
        "event_msg/token_count",
        "event_msg/task_complete",
    ];
    assert_eq!(kinds, expected);
}

#[test]
fn the_first_user_response_message_is_injected_context_not_the_request() {
    let spec = ThreadSpec::new().turn("Fix it", "Done.");
    let decoded = decode_all(&spec.render_lines());
    let user_texts: Vec<String> = decoded
        .iter()
        .filter_map(|line| match &line.item {
            RolloutItem::ResponseItem(ResponseItem::Message(message)) if message.role == "user" => {
                Some(message.text())
            }
            _ => None,
        })
        .collect();
    assert!(user_texts[0].starts_with("<environment_context>"));
    assert_eq!(user_texts[1], "Fix it");
    assert_eq!(spec.expected_preview().as_deref(), Some("Fix it"));
}

#[test]
fn token_counts_are_cumulative_and_match_expected_tokens() {
    let spec = ThreadSpec::new()
        .with_turn(Turn::new("a", "b").tokens(1_000, 100))
        .with_turn(Turn::new("c", "d").tokens(2_000, 200));
    let decoded = decode_all(&spec.render_lines());
    let totals: Vec<i64> = events(&decoded)
        .into_iter()
        .filter_map(|event| match event {
            EventMsg::TokenCount(count) => count.info.as_ref(),
            _ => None,
        })
        .map(|info| info.total_token_usage.total_tokens)
        .collect();
    assert_eq!(totals, [1_100, 3_300]);
    assert_eq!(spec.expected_tokens(), 3_300);
    assert_eq!(ThreadSpec::new().expected_tokens(), 0);
}

#[test]
fn task_complete_reports_the_turn_duration() {
    let spec = ThreadSpec::new().turn("a", "b");
    let decoded = decode_all(&spec.render_lines());
    let started = decoded
        .iter()
        .find(|line| line_is_event(line, "task_started"))
        .unwrap();
    let completed = decoded.last().unwrap();
    let EventMsg::TaskComplete(complete) = events(&decoded).pop().unwrap().clone() else {
        panic!("last line is not task_complete");
    };
    let elapsed = common::at(&completed.timestamp) - common::at(&started.timestamp);
    assert_eq!(complete.duration_ms, Some(elapsed.num_milliseconds()));
    assert_eq!(complete.last_agent_message.as_deref(), Some("b"));
}

fn line_is_event(line: &RolloutLine, kind: &str) -> bool {
    matches!(&line.item, RolloutItem::EventMsg(event) if event.kind() == kind)
}

#[test]
fn lines_match_the_codex_format_examples() {
    let at = at("2026-05-14T09:13:20.210Z");
    let usage = |input, cached, output, reasoning, total| codex_threads::protocol::TokenUsage {
        input_tokens: input,
        cached_input_tokens: cached,
        output_tokens: output,
        reasoning_output_tokens: reasoning,
        total_tokens: total,
    };
    let token_count = lines::token_count(
        at,
        usage(48211, 40960, 1893, 1024, 50104),
        usage(12011, 11264, 402, 128, 12413),
    );
    assert_eq!(
        token_count,
        r#"{"timestamp":"2026-05-14T09:13:20.210Z","type":"event_msg","payload":{"type":"token_count","info":{"total_token_usage":{"input_tokens":48211,"cached_input_tokens":40960,"output_tokens":1893,"reasoning_output_tokens":1024,"total_tokens":50104},"last_token_usage":{"input_tokens":12011,"cached_input_tokens":11264,"output_tokens":402,"reasoning_output_tokens":128,"total_tokens":12413},"model_context_window":272000},"rate_limits":null}}"#
    );
    assert_eq!(
        lines::user_message_event(at, "Fix the flaky login test"),
        r#"{"timestamp":"2026-05-14T09:13:20.210Z","type":"event_msg","payload":{"type":"user_message","message":"Fix the flaky login test","local_images":[],"text_elements":[]}}"#
    );
    assert_eq!(
        lines::agent_message_event(at, "Done."),
        r#"{"timestamp":"2026-05-14T09:13:20.210Z","type":"event_msg","payload":{"type":"agent_message","message":"Done.","phase":"final_answer","memory_citation":null}}"#
    );
    assert_eq!(
        lines::exec_command_call(
            at,
            "call_9kQ2x",
            "cargo test -p auth login",
            "/home/ana/src/widget"
        ),
        r#"{"timestamp":"2026-05-14T09:13:20.210Z","type":"response_item","payload":{"type":"function_call","name":"exec_command","arguments":"{\"cmd\":\"cargo test -p auth login\",\"workdir\":\"/home/ana/src/widget\"}","call_id":"call_9kQ2x"}}"#
    );
    assert_eq!(
        lines::apply_patch_call(at, "call_Pa7", "*** Begin Patch\n*** End Patch"),
        r#"{"timestamp":"2026-05-14T09:13:20.210Z","type":"response_item","payload":{"type":"custom_tool_call","status":"completed","call_id":"call_Pa7","name":"apply_patch","input":"*** Begin Patch\n*** End Patch"}}"#
    );
    assert_eq!(
        lines::assistant_response_message(at, "Done."),
        r#"{"timestamp":"2026-05-14T09:13:20.210Z","type":"response_item","payload":{"type":"message","role":"assistant","content":[{"type":"output_text","text":"Done."}],"phase":"final_answer"}}"#
    );
    assert_eq!(
        lines::task_started(common::at("2026-05-14T09:12:34.013Z"), "t1"),
        r#"{"timestamp":"2026-05-14T09:12:34.013Z","type":"event_msg","payload":{"type":"task_started","turn_id":"t1","started_at":1778749954,"model_context_window":272000,"collaboration_mode_kind":"default"}}"#
    );
    assert_eq!(
        lines::task_complete(at, "t1", "Done.", 46287),
        r#"{"timestamp":"2026-05-14T09:13:20.210Z","type":"event_msg","payload":{"type":"task_complete","turn_id":"t1","last_agent_message":"Done.","completed_at":1778750000,"duration_ms":46287}}"#
    );
}

#[test]
fn session_meta_keys_are_in_codex_order() {
    let spec = ThreadSpec::new().memory_mode(ThreadMemoryMode::Disabled);
    let first: Value = serde_json::from_str(&spec.render_lines()[0]).unwrap();
    assert_eq!(object_keys(&first), ["timestamp", "type", "payload"]);
    assert_eq!(
        object_keys(&first["payload"]),
        [
            "id",
            "timestamp",
            "cwd",
            "originator",
            "cli_version",
            "source",
            "model_provider",
            "base_instructions",
            "memory_mode",
            "git"
        ]
    );
}

#[test]
fn archived_threads_are_flat_in_archived_sessions() {
    let home = TestHome::new();
    let spec = ThreadSpec::new().archived().turn("a", "b");
    let written = home.add_thread(&spec);
    assert_eq!(
        written.path,
        home.archived_sessions_dir().join(spec.file_name())
    );
    assert!(written.path.exists());
}

#[test]
fn the_mtime_is_the_chosen_one_or_the_last_line_time() {
    let home = TestHome::new();
    let chosen = at("2026-06-01T10:00:00Z");
    let explicit = home.add_thread(&ThreadSpec::new().turn("a", "b").modified(chosen));
    assert_eq!(mtime(&explicit.path), SystemTime::from(chosen));

    let spec = ThreadSpec::new().turn("a", "b");
    let implicit = home.add_thread(&spec);
    let last_line = decode_all(&implicit.lines).pop().unwrap();
    assert_eq!(
        mtime(&implicit.path),
        SystemTime::from(at(&last_line.timestamp))
    );
}

#[test]
fn compressed_threads_replace_the_plain_file_and_keep_its_bytes_and_mtime() {
    let home = TestHome::new();
    let chosen = at("2026-05-01T08:00:00Z");
    let spec = ThreadSpec::new()
        .compressed()
        .turn("a", "b")
        .modified(chosen);
    let written = home.add_thread(&spec);

    assert!(written.path.to_string_lossy().ends_with(".jsonl.zst"));
    assert!(written.path.exists());
    assert!(!written.plain_path().exists());
    assert_eq!(written.plain_path().extension().unwrap(), "jsonl");
    let bytes = zstd::decode_all(std::fs::read(&written.path).unwrap().as_slice()).unwrap();
    assert_eq!(bytes, written.contents().into_bytes());
    assert_eq!(mtime(&written.path), SystemTime::from(chosen));
}

#[test]
fn a_fork_names_its_parent_and_carries_the_parents_meta_second() {
    let parent = ThreadSpec::new().turn("parent work", "ok");
    let fork = ThreadSpec::new()
        .forked_from(&parent)
        .turn("fork work", "ok");
    let decoded = decode_all(&fork.render_lines());
    let metas = session_metas(&decoded);
    assert_eq!(metas.len(), 2);
    assert_eq!(metas[0].id, fork.id);
    assert_eq!(metas[0].forked_from_id, Some(parent.id));
    assert_eq!(metas[1].id, parent.id);
    assert!(matches!(decoded[1].item, RolloutItem::SessionMeta(_)));
}

#[test]
fn a_memory_copy_is_the_own_meta_with_memory_mode_and_without_git() {
    let spec = ThreadSpec::new()
        .turn("a", "b")
        .with_memory_copy(ThreadMemoryMode::Disabled);
    let decoded = decode_all(&spec.render_lines());
    let metas = session_metas(&decoded);
    let (first, copy) = (metas[0], *metas.last().unwrap());
    assert_eq!(copy.id, first.id);
    assert_eq!(copy.timestamp, first.timestamp);
    assert_eq!(copy.memory_mode(), Some(ThreadMemoryMode::Disabled));
    assert!(first.git.is_some() && copy.git.is_none());
    assert_eq!(spec.expected_memory_mode(), ThreadMemoryMode::Disabled);
    assert_eq!(
        ThreadSpec::new().expected_memory_mode(),
        ThreadMemoryMode::Enabled
    );
}

#[test]
fn a_goal_comes_before_the_first_user_message_and_is_the_preview() {
    let spec = ThreadSpec::new()
        .with_goal("  Ship the release  ")
        .turn("first request", "ok");
    let decoded = decode_all(&spec.render_lines());
    let goal_at = decoded
        .iter()
        .position(|line| line_is_event(line, "thread_goal_updated"))
        .unwrap();
    let user_at = decoded
        .iter()
        .position(|line| line_is_event(line, "user_message"))
        .unwrap();
    assert!(goal_at < user_at);
    assert_eq!(spec.expected_preview().as_deref(), Some("Ship the release"));
    assert_eq!(spec.expected_title().as_deref(), Some("first request"));
}

#[test]
fn a_legacy_rename_is_a_thread_name_updated_event() {
    let spec = ThreadSpec::new()
        .turn("a", "b")
        .with_legacy_rename("Login flake");
    let decoded = decode_all(&spec.render_lines());
    let EventMsg::ThreadNameUpdated(renamed) = events(&decoded).pop().unwrap() else {
        panic!("last event is not a rename");
    };
    assert_eq!(renamed.thread_id, spec.id);
    assert_eq!(renamed.thread_name.as_deref(), Some("Login flake"));
    assert_eq!(spec.expected_legacy_name().as_deref(), Some("Login flake"));
}

#[test]
fn the_request_marker_is_stripped_from_expected_facts() {
    let spec = ThreadSpec::new().user_message("wrapper\n## My request for Codex:\n  do it ");
    assert_eq!(spec.expected_preview().as_deref(), Some("do it"));
}

#[test]
fn a_thread_without_user_message_events_is_not_listable() {
    let spec = ThreadSpec::new().turn("hidden", "ok").no_user_message();
    let decoded = decode_all(&spec.render_lines());
    assert!(
        !events(&decoded)
            .iter()
            .any(|event| matches!(event, EventMsg::UserMessage(_)))
    );
    assert_eq!(spec.expected_preview(), None);
    assert!(!spec.is_listable());
}

#[test]
fn pre_envelope_threads_have_a_bare_header_items_and_state_markers() {
    let spec = ThreadSpec::new()
        .created(at("2025-04-20T08:00:00Z"))
        .pre_envelope()
        .turn("old request", "old reply");
    let decoded = decode_all(&spec.render_lines());

    let RolloutItem::SessionMeta(header) = &decoded[0].item else {
        panic!("the header is not read as session meta");
    };
    assert_eq!(header.id, spec.id);
    assert_eq!(decoded[0].timestamp, "");
    assert!(spec.render_lines()[0].contains(r#""instructions":null"#));
    assert!(matches!(
        &decoded[1].item,
        RolloutItem::ResponseItem(ResponseItem::Message(message)) if message.text() == "old request"
    ));
    assert!(matches!(
        &decoded[2].item,
        RolloutItem::Unknown { kind, .. } if kind == "legacy_state"
    ));
    assert!(!spec.is_listable());
}

#[test]
fn raw_appends_are_written_verbatim() {
    let home = TestHome::new();
    let written = home.add_thread(&ThreadSpec::new().turn("a", "b"));
    let tail = "\n{\"broken\": \r\n{\"timestamp\":\"2026";
    append_raw(&written.path, tail);
    assert_eq!(read_rollout(&written.path), written.contents() + tail);
}

#[test]
fn session_index_entries_use_codex_keys_and_append() {
    let home = TestHome::new();
    let id = fixed_id();
    home.write_session_index(&[(id, "Login flake", "2026-05-14T11:05:09.123456789Z")]);
    home.write_session_index(&[(id, "Renamed", "2026-05-15T00:00:00.000000000Z")]);
    let text = std::fs::read_to_string(home.session_index_path()).unwrap();
    let lines: Vec<&str> = text.lines().collect();
    assert_eq!(
        lines[0],
        r#"{"id":"019e2a4c-7b1d-7c42-9a3e-5d1f0c2b8e77","thread_name":"Login flake","updated_at":"2026-05-14T11:05:09.123456789Z"}"#
    );
    assert_eq!(lines.len(), 2);
    assert!(text.ends_with('\n'));
}

#[test]
fn the_state_db_has_every_codex_column_and_uses_wal() {
    let home = TestHome::new();
    let path = home.create_state_db(SchemaVariant::Current);
    assert_eq!(path, home.path().join("state_5.sqlite"));

    let connection = Connection::open(&path).unwrap();
    assert_eq!(thread_columns(&connection), THREAD_COLUMNS);
    let mode: String = connection
        .query_row("PRAGMA journal_mode", [], |row| row.get(0))
        .unwrap();
    assert_eq!(mode, "wal");
    for table in [
        "_sqlx_migrations",
        "backfill_state",
        "thread_dynamic_tools",
        "thread_spawn_edges",
    ] {
        let count: i64 = connection
            .query_row(
                "SELECT count(*) FROM sqlite_master WHERE type = 'table' AND name = ?1",
                [table],
                |row| row.get(0),
            )
            .unwrap();
        assert_eq!(count, 1, "{table}");
    }
}

#[test]
fn schema_variants_leave_out_their_columns() {
    for variant in [
        SchemaVariant::WithoutMemoryMode,
        SchemaVariant::WithoutMillis,
    ] {
        let home = TestHome::new();
        home.create_state_db(variant);
        let columns = thread_columns(&home.open_state_db());
        for dropped in variant.dropped_columns() {
            assert!(!columns.iter().any(|column| column == dropped), "{dropped}");
        }
        assert_eq!(
            columns.len(),
            THREAD_COLUMNS.len() - variant.dropped_columns().len()
        );

        let spec = ThreadSpec::new().turn("a", "b");
        home.add_indexed_thread(&spec);
        assert_eq!(home.state_db_row(spec.id).unwrap()["title"], "a");
    }
}

#[test]
fn a_row_from_a_spec_holds_what_codex_extracts() {
    let home = TestHome::new();
    home.create_state_db(SchemaVariant::Current);
    let spec = ThreadSpec::new()
        .compressed()
        .memory_mode(ThreadMemoryMode::Disabled)
        .turn("Fix the flaky login test", "Fixed.");
    let written = home.add_thread(&spec);
    home.insert_thread_row(&ThreadRow::from_spec(&spec, &written.path));

    let row = home.state_db_row(spec.id).unwrap();
    let updated = spec.last_line_at();
    assert_eq!(row["id"], json!(spec.id));
    assert_eq!(
        row["rollout_path"],
        json!(written.plain_path().display().to_string())
    );
    assert_eq!(row["created_at"], json!(spec.created.timestamp()));
    assert_eq!(row["created_at_ms"], json!(spec.created.timestamp_millis()));
    assert_eq!(row["updated_at_ms"], json!(updated.timestamp_millis()));
    assert_eq!(row["title"], "Fix the flaky login test");
    assert_eq!(row["preview"], row["first_user_message"]);
    assert_eq!(row["tokens_used"], json!(spec.expected_tokens()));
    assert_eq!(row["model"], "gpt-5.5-codex");
    assert_eq!(row["git_branch"], "main");
    assert_eq!(row["memory_mode"], "disabled");
    assert_eq!(row["source"], "cli");
    assert_eq!(row["archived"], 0);
    assert_eq!(home.state_db_row(ThreadId::new()), None);
}

#[test]
fn lock_state_db_makes_other_writers_busy_until_dropped() {
    let home = TestHome::new();
    home.create_state_db(SchemaVariant::Current);
    let other = home.open_state_db();
    other.busy_timeout(std::time::Duration::ZERO).unwrap();

    let lock = home.lock_state_db();
    let error = other.execute_batch("BEGIN IMMEDIATE").unwrap_err();
    assert_eq!(error.sqlite_error_code(), Some(ErrorCode::DatabaseBusy));

    drop(lock);
    other.execute_batch("BEGIN IMMEDIATE; COMMIT;").unwrap();
}
