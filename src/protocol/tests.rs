//! Decoding every era of rollout line described in codex-format §2.

use serde_json::{Value, json};

use super::*;

fn decode(value: Value) -> RolloutLine {
    RolloutLine::decode(&value.to_string()).expect("decodes")
}

const ID: &str = "019e2a4c-7b1d-7c42-9a3e-5d1f0c2b8e77";

#[test]
fn session_meta_keeps_unknown_fields_and_reencodes_them() {
    let line = json!({"timestamp":"2026-05-14T09:12:34.010Z","type":"session_meta","payload":{
        "id": ID, "timestamp":"2026-05-14T09:12:33.402Z","cwd":"/home/ana/src/widget",
        "originator":"codex_cli_rs","cli_version":"0.131.0","source":"cli","model_provider":"openai",
        "base_instructions":{"text":"You are Codex"},"history_mode":"paginated",
        "agent_type":"reviewer",
        "git":{"commit_hash":"3f9c","branch":"main","repository_url":"git@x:y.git"}}});
    let decoded = decode(line.clone());
    let RolloutItem::SessionMeta(meta) = &decoded.item else {
        panic!("not a session meta: {decoded:?}")
    };
    assert_eq!(meta.id.to_string(), ID);
    assert_eq!(meta.agent_role.as_deref(), Some("reviewer"));
    assert_eq!(meta.git.as_ref().unwrap().branch.as_deref(), Some("main"));
    assert_eq!(meta.extra["history_mode"], "paginated");
    assert_eq!(meta.source_text(), "cli");
    let again: Value = serde_json::from_str(&decoded.encode()).unwrap();
    assert_eq!(
        again["payload"]["base_instructions"]["text"],
        "You are Codex"
    );
    assert_eq!(again["payload"]["history_mode"], "paginated");
    assert_eq!(again["timestamp"], "2026-05-14T09:12:34.010Z");
}

#[test]
fn encoding_puts_timestamp_type_payload_in_that_order() {
    let line = RolloutLine {
        timestamp: "2026-05-14T09:12:34.010Z".to_string(),
        ordinal: None,
        item: RolloutItem::EventMsg(EventMsg::ContextCompacted),
    };
    assert_eq!(
        line.encode(),
        r#"{"timestamp":"2026-05-14T09:12:34.010Z","type":"event_msg","payload":{"type":"context_compacted"}}"#
    );
}

#[test]
fn complex_sources_serialise_as_json_text() {
    let line = decode(json!({"timestamp":"t","type":"session_meta","payload":{
        "id": ID, "timestamp":"2026-05-14T09:12:33.402Z","source":{"subagent":"review"}}}));
    let RolloutItem::SessionMeta(meta) = line.item else {
        panic!()
    };
    assert_eq!(meta.source_text(), r#"{"subagent":"review"}"#);
    assert_eq!(source_to_text(None), "vscode");
}

#[test]
fn response_items_of_every_persisted_kind_decode() {
    let kinds = [
        json!({"type":"message","role":"user","content":[{"type":"input_text","text":"hi"},{"type":"input_image","image_url":"data:"}]}),
        json!({"type":"reasoning","summary":[{"type":"summary_text","text":"**Plan**"}],"content":null,"encrypted_content":"gAAA"}),
        json!({"type":"local_shell_call","call_id":null,"status":"completed","action":{"type":"exec","command":["ls","-la"]}}),
        json!({"type":"function_call","name":"exec_command","arguments":"{\"cmd\":\"ls\"}","call_id":"c1"}),
        json!({"type":"function_call_output","call_id":"c1","output":"ok"}),
        json!({"type":"custom_tool_call","status":"completed","call_id":"c2","name":"apply_patch","input":"*** Begin Patch"}),
        json!({"type":"custom_tool_call_output","call_id":"c2","output":"Success"}),
        json!({"type":"web_search_call","status":"completed","action":{"type":"search","query":"rust"}}),
        json!({"type":"image_generation_call","status":"completed","result":"aGk="}),
        json!({"type":"ghost_snapshot","ghost_commit":{}}),
        json!({"type":"compaction_summary","encrypted_content":"x"}),
    ];
    for payload in kinds {
        let line = decode(json!({"timestamp":"t","type":"response_item","payload":payload}));
        let RolloutItem::ResponseItem(item) = &line.item else {
            panic!()
        };
        assert!(
            !matches!(item, ResponseItem::Other(_)),
            "{payload} decoded as Other"
        );
    }
    let line = decode(json!({"timestamp":"t","type":"response_item","payload":
        {"type":"message","role":"user","content":[{"type":"input_text","text":"hi"},{"type":"input_image","image_url":"x"}]}}));
    let RolloutItem::ResponseItem(ResponseItem::Message(message)) = line.item else {
        panic!()
    };
    assert_eq!(message.text(), "hi\n[Image]");
}

#[test]
fn function_output_text_accepts_string_array_and_legacy_object() {
    let cases = [
        (json!("plain"), "plain"),
        (
            json!([{"type":"input_text","text":"a"},{"type":"input_image","image_url":"u"}]),
            "a\n[Image]",
        ),
        (json!({"content":"legacy","success":true}), "legacy"),
    ];
    for (output, text) in cases {
        assert_eq!(output_value_text(&output), text);
    }
}

#[test]
fn unknown_kinds_and_types_are_kept_raw() {
    let unknown_line = decode(json!({"timestamp":"t","type":"world_state","payload":{"x":1}}));
    assert_eq!(
        unknown_line.item,
        RolloutItem::Unknown {
            kind: "world_state".into(),
            payload: json!({"x":1})
        }
    );
    assert_eq!(
        unknown_line.encode(),
        r#"{"timestamp":"t","type":"world_state","payload":{"x":1}}"#
    );
    let unknown_event = decode(
        json!({"timestamp":"t","type":"event_msg","payload":{"type":"sub_agent_activity","n":2}}),
    );
    let RolloutItem::EventMsg(EventMsg::Other(raw)) = &unknown_event.item else {
        panic!()
    };
    assert_eq!(raw["n"], 2);
    let unknown_response = decode(
        json!({"timestamp":"t","type":"response_item","payload":{"type":"tool_search_call","call_id":"x"}}),
    );
    assert!(matches!(
        unknown_response.item,
        RolloutItem::ResponseItem(ResponseItem::Other(_))
    ));
    // A known kind whose payload has the wrong shape is kept, not dropped.
    let bad_shape = decode(json!({"timestamp":"t","type":"turn_context","payload":"oops"}));
    assert_eq!(bad_shape.item.kind(), "turn_context");
    assert!(matches!(bad_shape.item, RolloutItem::Unknown { .. }));
}

#[test]
fn event_aliases_and_legacy_rename_decode() {
    let started = decode(
        json!({"timestamp":"t","type":"event_msg","payload":{"type":"turn_started","turn_id":"a"}}),
    );
    assert!(matches!(
        started.item,
        RolloutItem::EventMsg(EventMsg::TaskStarted(_))
    ));
    let done = decode(
        json!({"timestamp":"t","type":"event_msg","payload":{"type":"turn_complete","turn_id":"a","duration_ms":5}}),
    );
    let RolloutItem::EventMsg(EventMsg::TaskComplete(done)) = done.item else {
        panic!()
    };
    assert_eq!(done.duration_ms, Some(5));
    let renamed = decode(
        json!({"timestamp":"2026-04-20T08:00:00.000Z","type":"event_msg","payload":
        {"type":"thread_name_updated","thread_id":ID,"thread_name":"Login flake"}}),
    );
    let RolloutItem::EventMsg(EventMsg::ThreadNameUpdated(renamed)) = renamed.item else {
        panic!()
    };
    assert_eq!(renamed.thread_name.as_deref(), Some("Login flake"));
}

#[test]
fn token_counts_decode_with_and_without_info() {
    let with_info = decode(
        json!({"timestamp":"t","type":"event_msg","payload":{"type":"token_count",
        "info":{"total_token_usage":{"input_tokens":1,"cached_input_tokens":0,"output_tokens":2,"reasoning_output_tokens":0,"total_tokens":3},
        "last_token_usage":{"total_tokens":3},"model_context_window":272000},"rate_limits":null}}),
    );
    let RolloutItem::EventMsg(EventMsg::TokenCount(count)) = with_info.item else {
        panic!()
    };
    assert_eq!(count.info.unwrap().total_token_usage.total_tokens, 3);
    let without = decode(
        json!({"timestamp":"t","type":"event_msg","payload":{"type":"token_count","info":null,"rate_limits":null}}),
    );
    assert!(matches!(
        without.item,
        RolloutItem::EventMsg(EventMsg::TokenCount(TokenCountEvent { info: None, .. }))
    ));
}

#[test]
fn pre_envelope_lines_decode() {
    let header = decode(
        json!({"id":ID,"timestamp":"2025-04-01T10:00:00.000Z","instructions":null,"git":{"branch":"dev"}}),
    );
    let RolloutItem::SessionMeta(meta) = header.item else {
        panic!()
    };
    assert_eq!(meta.timestamp, "2025-04-01T10:00:00.000Z");
    assert_eq!(meta.git.unwrap().branch.as_deref(), Some("dev"));
    let bare = decode(
        json!({"type":"message","role":"assistant","content":[{"type":"output_text","text":"old"}]}),
    );
    assert!(matches!(
        bare.item,
        RolloutItem::ResponseItem(ResponseItem::Message(_))
    ));
    let state = decode(json!({"record_type":"state"}));
    assert_eq!(state.item.kind(), "legacy_state");
}

#[test]
fn bad_lines_are_errors_not_panics() {
    assert_eq!(RolloutLine::decode("   "), Err(DecodeError::Blank));
    assert!(matches!(
        RolloutLine::decode(r#"{"timestamp":"t","type":"event_ms"#),
        Err(DecodeError::InvalidJson(_))
    ));
    assert!(matches!(
        RolloutLine::decode("[1,2]"),
        Err(DecodeError::NotARolloutLine(_))
    ));
    assert!(RolloutLine::decode("{\"timestamp\":\"t\"}\r").is_err());
}

#[test]
fn lines_not_laid_out_as_codex_writes_them_decode_the_same() {
    let codex = r#"{"timestamp":"t","type":"event_msg","payload":{"type":"agent_message","message":"hi","phase":null}}"#;
    let reordered = r#"{"type":"event_msg","payload":{"type":"agent_message","message":"hi","phase":null},"timestamp":"t"}"#;
    let extra_key = r#"{"timestamp":"t","type":"event_msg","payload":{"type":"agent_message","message":"hi","phase":null},"x":1}"#;
    let expected = RolloutLine::decode(codex).unwrap();
    assert_eq!(RolloutLine::decode(reordered).unwrap(), expected);
    assert_eq!(RolloutLine::decode(extra_key).unwrap(), expected);
    let compacted = r#"{"timestamp":"t","type":"event_msg","payload":{"type":"context_compacted"},"x":{"y":2}}"#;
    assert!(matches!(
        RolloutLine::decode(compacted).unwrap().item,
        RolloutItem::EventMsg(EventMsg::ContextCompacted)
    ));
    let broken =
        r#"{"timestamp":"t","type":"event_msg","payload":{"type":"context_compacted"oops}"#;
    assert!(RolloutLine::decode(broken).is_err());
    let ghost = r#"{"timestamp":"t","type":"response_item","payload":{"type":"ghost_snapshot","ghost_commit":{"id":"a"}},"x":1}"#;
    let RolloutItem::ResponseItem(ResponseItem::GhostSnapshot(raw)) =
        RolloutLine::decode(ghost).unwrap().item
    else {
        panic!()
    };
    assert_eq!(raw["ghost_commit"]["id"], "a");
}

#[test]
fn paginated_lines_decode_with_their_ordinal_and_trailing_metadata() {
    let line = r#"{"timestamp":"2026-11-30T03:18:34.360Z","ordinal":12,"type":"response_item","payload":{"type":"function_call_output","call_id":"call_1","output":"ok"},"metadata":{"history_sequence":4,"mcp_attribution":{"status":"none"}}}"#;
    let decoded = RolloutLine::decode(line).unwrap();
    assert_eq!(decoded.ordinal, Some(12));
    let RolloutItem::ResponseItem(ResponseItem::FunctionCallOutput(output)) = &decoded.item else {
        panic!("{decoded:?}")
    };
    assert_eq!(output.call_id, "call_1");
    // The same words inside the payload do not cut it short.
    let quoting = r#"{"timestamp":"t","ordinal":3,"type":"response_item","payload":{"type":"function_call_output","call_id":"c","output":"x,\"metadata\":{\"a\":1}"}}"#;
    let decoded = RolloutLine::decode(quoting).unwrap();
    let RolloutItem::ResponseItem(ResponseItem::FunctionCallOutput(output)) = &decoded.item else {
        panic!("{decoded:?}")
    };
    assert_eq!(output.output_text(), "x,\"metadata\":{\"a\":1}");
}
