//! The folding, line kind by line kind, on lines as Codex writes them.

use super::*;
use crate::history::CommandStatus;
use crate::protocol::RolloutLine;
use serde_json::json;

fn line(index: u64, json: Value) -> HistoryLine {
    HistoryLine {
        raw: None,
        bytes: 100,
        cursor: HistoryCursor(index),
        line: RolloutLine::decode(&json.to_string()).map_err(|err| err.to_string()),
    }
}

fn fold(values: Vec<Value>) -> Vec<ItemKind> {
    let lines: Vec<HistoryLine> = values
        .into_iter()
        .enumerate()
        .map(|(i, v)| line(i as u64, v))
        .collect();
    Transcript::from_lines(&lines)
        .items()
        .iter()
        .map(|item| item.kind.clone())
        .collect()
}

fn response(payload: Value) -> Value {
    json!({"timestamp": "2026-05-14T09:12:34.010Z", "type": "response_item", "payload": payload})
}

fn event(payload: Value) -> Value {
    json!({"timestamp": "2026-05-14T09:12:34.010Z", "type": "event_msg", "payload": payload})
}

#[test]
fn messages_written_twice_are_shown_once_and_injected_context_is_hidden() {
    let items = fold(vec![
        response(
            json!({"type":"message","role":"user","content":[{"type":"input_text","text":"<environment_context>x</environment_context>"}]}),
        ),
        response(
            json!({"type":"message","role":"user","content":[{"type":"input_text","text":"Fix it"}]}),
        ),
        event(
            json!({"type":"user_message","message":"Fix it","local_images":[],"text_elements":[]}),
        ),
        event(json!({"type":"agent_message","message":"Done."})),
        response(
            json!({"type":"message","role":"assistant","content":[{"type":"output_text","text":"Done."}]}),
        ),
    ]);
    assert_eq!(items.len(), 2, "{items:?}");
    assert!(matches!(&items[0], ItemKind::User { text, .. } if text == "Fix it"));
    assert!(matches!(&items[1], ItemKind::Assistant { text } if text == "Done."));
}

#[test]
fn calls_pair_with_outputs_by_call_id() {
    let items = fold(vec![
        response(
            json!({"type":"function_call","name":"exec_command","arguments":"{\"cmd\":\"cargo test\"}","call_id":"c1"}),
        ),
        response(
            json!({"type":"function_call_output","call_id":"c1","output":"Chunk ID: 1\nWall time: 0.2 seconds\nProcess exited with code 101\nOutput:\nFAILED\n"}),
        ),
    ]);
    assert_eq!(
        items,
        vec![ItemKind::Command {
            call_id: "c1".into(),
            command: "cargo test".into(),
            started_at_ms: Some(CALL_MS),
            outcome: Some(CommandOutcome {
                exit_code: Some(101),
                duration_ms: Some(200),
                output: "FAILED\n".into()
            }),
            turn_ended: false,
        }]
    );
}

/// The time of the lines `response` and `event` make: 2026-05-14T09:12:34.010Z.
const CALL_MS: i64 = 1_778_749_954_010;

/// A line written at `timestamp`.
fn at(timestamp: &str, mut line: Value) -> Value {
    line["timestamp"] = json!(timestamp);
    line
}

fn exec_call(call_id: &str, cmd: &str) -> Value {
    response(json!({"type":"function_call","name":"exec_command",
        "arguments":json!({"cmd": cmd}).to_string(),"call_id":call_id}))
}

fn output(call_id: &str, text: &str) -> Value {
    response(json!({"type":"function_call_output","call_id":call_id,"output":text}))
}

/// The status and outcome of the only command among `items`.
fn only_command(items: &[ItemKind]) -> (CommandStatus, Option<i64>, Option<CommandOutcome>) {
    let commands: Vec<_> = items
        .iter()
        .filter_map(|item| match item {
            ItemKind::Command {
                started_at_ms,
                outcome,
                ..
            } => Some((item.command_status()?, *started_at_ms, outcome.clone())),
            _ => None,
        })
        .collect();
    assert_eq!(commands.len(), 1, "{items:?}");
    commands.into_iter().next().unwrap()
}

#[test]
fn legacy_output_headers_give_the_exit_code_and_wall_time() {
    let items = fold(vec![
        exec_call("c1", "cargo build"),
        at(
            "2026-05-14T09:12:40.000Z",
            output(
                "c1",
                "Exit code: 2\nWall time: 1.5 seconds\nOutput:\nerror[E0308]\n",
            ),
        ),
    ]);
    let (status, started, outcome) = only_command(&items);
    assert_eq!(
        status,
        CommandStatus::Finished {
            exit_code: Some(2),
            duration_ms: Some(1_500)
        }
    );
    assert_eq!(started, Some(CALL_MS));
    assert_eq!(outcome.unwrap().output, "error[E0308]\n");
}

#[test]
fn without_a_recorded_duration_the_lines_times_measure_it() {
    // The old shell tool's JSON output (0.104.0 writes it for patches) carries seconds.
    let json_output = fold(vec![
        exec_call("c1", "ls"),
        output(
            "c1",
            r#"{"output":"a\n","metadata":{"exit_code":0,"duration_seconds":0.25}}"#,
        ),
    ]);
    assert_eq!(
        only_command(&json_output).0,
        CommandStatus::Finished {
            exit_code: Some(0),
            duration_ms: Some(250)
        }
    );
    // Plain output: the call line's and the output line's times.
    let plain = fold(vec![
        exec_call("c1", "ls"),
        at("2026-05-14T09:12:36.510Z", output("c1", "a\nb\n")),
    ]);
    assert_eq!(
        only_command(&plain).0,
        CommandStatus::Finished {
            exit_code: None,
            duration_ms: Some(2_500)
        }
    );
}

#[test]
fn exec_command_end_gives_codexs_own_duration_and_exit_code() {
    let end = event(
        json!({"type":"exec_command_end","call_id":"c1","turn_id":"t",
        "command":["/bin/bash","-lc","cargo test"],"stdout":"","stderr":"",
        "aggregated_output":"1 failed\n","exit_code":3,
        "duration":{"secs":1,"nanos":250_000_000},"formatted_output":""}),
    );
    let items = fold(vec![
        exec_call("c1", "cargo test"),
        at("2026-05-14T09:12:35.300Z", end.clone()),
        at(
            "2026-05-14T09:12:35.310Z",
            output(
                "c1",
                "Wall time: 1.3 seconds\nProcess exited with code 3\nOutput:\n1 failed\n",
            ),
        ),
    ]);
    let (status, _, _) = only_command(&items);
    // What Codex measured of the run wins over the output's rounded header.
    assert_eq!(
        status,
        CommandStatus::Finished {
            exit_code: Some(3),
            duration_ms: Some(1_250)
        }
    );
    // An end event whose call was not loaded is a command of its own, started when it
    // ended less its duration.
    let alone = fold(vec![at("2026-05-14T09:12:35.300Z", end)]);
    let (status, started, outcome) = only_command(&alone);
    assert!(matches!(
        status,
        CommandStatus::Finished {
            exit_code: Some(3),
            ..
        }
    ));
    assert_eq!(started, Some(CALL_MS + 1_290 - 1_250));
    assert_eq!(outcome.unwrap().output, "1 failed\n");
}

#[test]
fn paginated_command_execution_gives_its_start_duration_and_exit_code() {
    // As Codex 0.169.0 writes it: the call, Codex's record of the run, the model's copy.
    let item = |exit: i32| {
        event(
            json!({"type":"item_completed","thread_id":"th","turn_id":"t",
            "item":{"type":"CommandExecution","id":"call_1","process_id":"89460",
                "command":["/bin/bash","-lc","ls -a"],"cwd":"file:///repo",
                "source":"unified_exec_startup","status":"completed",
                "aggregated_output":"alpha\n","exit_code":exit,
                "duration":{"secs":0,"nanos":360_744_856}},
            "started_at_ms":CALL_MS + 217,"completed_at_ms":CALL_MS + 578}),
        )
    };
    let items = fold(vec![
        exec_call("call_1", "ls -a"),
        item(0),
        output(
            "call_1",
            "Chunk ID: 73aee7\nWall time: 0.3609 seconds\nProcess exited with code 0\nOutput:\nalpha\n",
        ),
    ]);
    let (status, started, outcome) = only_command(&items);
    assert_eq!(
        status,
        CommandStatus::Finished {
            exit_code: Some(0),
            duration_ms: Some(360)
        }
    );
    // The run's own start, later than the model's call line.
    assert_eq!(started, Some(CALL_MS + 217));
    assert_eq!(outcome.unwrap().output, "alpha\n");
    // Without its call (loaded from the middle of the thread) it is still a command.
    let alone = fold(vec![item(7)]);
    let (status, started, _) = only_command(&alone);
    assert!(matches!(
        status,
        CommandStatus::Finished {
            exit_code: Some(7),
            ..
        }
    ));
    assert_eq!(started, Some(CALL_MS + 217));
}

#[test]
fn a_call_without_output_runs_until_its_turn_ends() {
    let mut transcript = Transcript::new();
    let lines = [
        event(json!({"type":"task_started","turn_id":"t1"})),
        exec_call("c1", "sleep 60"),
    ];
    for (index, value) in lines.into_iter().enumerate() {
        transcript.push(&line(index as u64, value));
    }
    let status = |transcript: &Transcript| transcript.items()[0].kind.command_status();
    assert_eq!(
        status(&transcript),
        Some(CommandStatus::Running {
            started_at_ms: Some(CALL_MS)
        })
    );
    // The turn is aborted: the command shows as ended, and is redrawn.
    let touched = transcript.push(&line(
        2,
        event(json!({"type":"turn_aborted","turn_id":"t1","reason":"interrupted"})),
    ));
    assert_eq!(touched, vec![0, 1]);
    assert_eq!(status(&transcript), Some(CommandStatus::NoOutput));

    // The same when the turn completes, or when the next turn starts without an end.
    for end in [
        json!({"type":"task_complete","turn_id":"t1","duration_ms":5}),
        json!({"type":"task_started","turn_id":"t2"}),
    ] {
        let items = fold(vec![exec_call("c1", "sleep 60"), event(end)]);
        assert_eq!(only_command(&items).0, CommandStatus::NoOutput, "{items:?}");
    }
    // Output that comes after the turn ended still finishes it.
    let late = fold(vec![
        exec_call("c1", "sleep 60"),
        event(json!({"type":"turn_aborted","turn_id":"t1","reason":"interrupted"})),
        output("c1", "Exit code: 130\nOutput:\n"),
    ]);
    assert!(matches!(
        only_command(&late).0,
        CommandStatus::Finished {
            exit_code: Some(130),
            ..
        }
    ));
}

#[test]
fn commands_of_recorded_codex_releases_have_their_exit_code_and_duration() {
    // `exec_shell` of each recorded home: `printf 'alpha\nbeta\n'; ls -a`, exit 0.
    let rollouts = [
        (
            "0.104.0",
            "rollout-2026-11-30T03-20-17-01a22a77-b3c2-7b12-a02b-064c58b18d00.jsonl",
            140,
        ),
        (
            "0.147.0",
            "rollout-2026-11-30T03-20-07-01a22a77-8e1f-7380-969e-3e2cf143b7db.jsonl",
            336,
        ),
        (
            "0.169.0",
            "rollout-2026-11-30T03-19-54-01a22a77-5a42-7151-ae81-eb9769e0b320.jsonl",
            360,
        ),
    ];
    for (version, file, duration_ms) in rollouts {
        let path = format!(
            "{}/testdata/homes/{version}/sessions/2026/11/30/{file}",
            env!("CARGO_MANIFEST_DIR")
        );
        let text = std::fs::read_to_string(&path).expect("recorded rollout");
        let lines: Vec<HistoryLine> = text
            .lines()
            .enumerate()
            .map(|(index, text)| HistoryLine {
                raw: None,
                bytes: text.len() as u64,
                cursor: HistoryCursor(index as u64),
                line: RolloutLine::decode(text).map_err(|err| err.to_string()),
            })
            .collect();
        let transcript = Transcript::from_lines(&lines);
        let items: Vec<ItemKind> = transcript.items().iter().map(|i| i.kind.clone()).collect();
        let (status, started, outcome) = only_command(&items);
        assert_eq!(
            status,
            CommandStatus::Finished {
                exit_code: Some(0),
                duration_ms: Some(duration_ms)
            },
            "Codex {version}"
        );
        assert!(started.is_some(), "Codex {version}");
        assert!(
            outcome.unwrap().output.contains("alpha\nbeta"),
            "Codex {version}"
        );
    }
}

#[test]
fn exec_output_shapes_parse_leniently() {
    assert_eq!(
        parse_exec_output("Exit code: 0\nWall time: 1s\nOutput:\nok").exit_code,
        Some(0)
    );
    let json = parse_exec_output(r#"{"output":"hi","metadata":{"exit_code":2}}"#);
    assert_eq!((json.exit_code, json.output.as_str()), (Some(2), "hi"));
    let plain = parse_exec_output("just text\nmore");
    assert_eq!(
        (plain.exit_code, plain.output.as_str()),
        (None, "just text\nmore")
    );
}

#[test]
fn unknown_and_bad_lines_become_skipped_items() {
    let bad = HistoryLine {
        cursor: HistoryCursor(9),
        bytes: 5,
        line: Err("invalid JSON".into()),
        raw: None,
    };
    let mut transcript = Transcript::new();
    transcript.push(&line(0, json!({"type":"brand_new","payload":{}})));
    transcript.push(&line(1, event(json!({"type":"mystery_event"}))));
    let touched = transcript.push(&bad);
    assert_eq!(touched, vec![2]);
    assert!(
        transcript
            .items()
            .iter()
            .all(|item| matches!(item.kind, ItemKind::Skipped { .. }))
    );
}

#[test]
fn raw_reasoning_written_twice_is_one_item_after_the_summary() {
    let items = fold(vec![
        response(json!({"type":"reasoning","summary":[{"type":"summary_text",
            "text":"**Checking the flake**"}],
            "content":[{"type":"reasoning_text","text":"The sleep races the server."},
                       {"type":"reasoning_text","text":"  "}],
            "encrypted_content":"x"})),
        event(json!({"type":"agent_reasoning_raw_content","text":"The sleep races the server."})),
        event(json!({"type":"agent_reasoning_raw_content","text":"Then patch it."})),
        response(json!({"type":"reasoning","summary":[],"content":null})),
    ]);
    assert_eq!(
        items,
        vec![
            ItemKind::Reasoning {
                text: "**Checking the flake**".into()
            },
            ItemKind::RawReasoning {
                text: "The sleep races the server.".into()
            },
            ItemKind::RawReasoning {
                text: "Then patch it.".into()
            },
        ]
    );
}

#[test]
fn unequal_copies_fold_into_the_better_one() {
    let items = fold(vec![
        response(json!({"type":"message","role":"user","content":[
            {"type":"input_text","text":"Fix the resize panic"},
            {"type":"input_image","image_url":"data:image/png;base64,AAAA"}]})),
        event(
            json!({"type":"user_message","message":"Fix the resize panic",
            "images":["data:image/png;base64,AAAA"],"local_images":[],"text_elements":[]}),
        ),
        response(json!({"type":"reasoning","summary":[{"type":"summary_text",
            "text":"**Planning**\n\nReproduce first, then patch."}],"content":null,"encrypted_content":"x"})),
        event(json!({"type":"agent_reasoning","text":"**Planning**"})),
    ]);
    assert_eq!(items.len(), 2, "{items:?}");
    let ItemKind::User { text, images } = &items[0] else {
        panic!("{items:?}")
    };
    assert_eq!(text, "Fix the resize panic");
    assert_eq!(images.len(), 1);
    let ItemKind::Reasoning { text } = &items[1] else {
        panic!("{items:?}")
    };
    assert!(text.contains("Reproduce first"));
}

#[test]
fn drained_items_leave_later_outputs_attached_to_the_calls_kept() {
    let call = |id: &str| {
        response(json!({"type":"function_call","name":"exec_command",
            "arguments":format!("{{\"cmd\":\"echo {id}\"}}"),"call_id":id}))
    };
    let output = |id: &str| {
        response(json!({"type":"function_call_output","call_id":id,
            "output":format!("Exit code: 0\nOutput:\n{id}\n")}))
    };
    let mut transcript = Transcript::new();
    for (index, value) in [call("a"), call("b"), call("c")].into_iter().enumerate() {
        transcript.push(&line(index as u64, value));
    }
    let taken = transcript.drain_oldest(2);
    assert_eq!(taken.len(), 1);
    assert_eq!(transcript.items().len(), 2);
    // `c` is now the second item kept: its output finds it at its new index.
    assert_eq!(transcript.push(&line(3, output("c"))), vec![1]);
    let ItemKind::Command { outcome, .. } = &transcript.items()[1].kind else {
        panic!("{:?}", transcript.items())
    };
    assert_eq!(outcome.as_ref().unwrap().output, "c\n");
    // `a` was taken, so its call is forgotten rather than pointing at another item.
    transcript.push(&line(4, output("a")));
    assert!(matches!(
        &transcript.items()[2].kind,
        ItemKind::Skipped { .. }
    ));
    assert!(transcript.drain_oldest(5).is_empty());
    assert_eq!(transcript.drain_oldest(0).len(), 3);
    assert!(transcript.calls.is_empty());
}

#[test]
fn absurd_token_counts_do_not_overflow() {
    let count = |total: i64| {
        event(
            json!({"type":"token_count","info":{"total_token_usage":{"total_tokens":total}},"rate_limits":null}),
        )
    };
    let items = fold(vec![
        count(i64::MAX),
        event(json!({"type":"task_started","turn_id":"t"})),
        count(i64::MIN),
        event(json!({"type":"task_complete","turn_id":"t","duration_ms":5})),
    ]);
    assert!(!items.is_empty(), "the turn still ends: {items:?}");
}
