//! Builders shared by the TUI's tests: a fixed clock, threads, states and key presses.

use std::path::PathBuf;

use chrono::{DateTime, Duration, Utc};
use crossterm::event::{KeyCode, KeyEvent, KeyModifiers};
use serde_json::{Value, json};

use crate::protocol::{GitInfo, RolloutLine, ThreadId, TokenUsage};
use crate::store::{HistoryCursor, HistoryLine, StoredThread, ThreadHistoryPage, ThreadPage};
use crate::tui::app::{Effect, LoadedThreads, Msg, State, update};
use crate::tui::config::Config;

pub const CWD: &str = "/home/ana/src/widget";

/// The clock every test state uses.
pub fn fixed_now() -> DateTime<Utc> {
    "2026-05-14T12:00:00Z".parse().expect("fixed time")
}

/// A thread id that depends only on `n`.
pub fn thread_id(n: u128) -> ThreadId {
    ThreadId::from_uuid(uuid::Uuid::from_u128(
        0x019e2a4c_7b1d_7c42_9a3e_000000000000 + n,
    ))
}

/// Thread `n`, updated `n` hours before the fixed clock.
pub fn thread(n: u128, preview: &str) -> StoredThread {
    let updated = fixed_now() - Duration::hours(n as i64) - Duration::seconds(42);
    let mut thread = StoredThread::blank(thread_id(n), updated - Duration::days(1));
    thread.updated_at = updated;
    thread.preview = preview.to_string();
    thread.cwd = PathBuf::from(if n.is_multiple_of(2) {
        CWD
    } else {
        "/home/ana/src/other-project"
    });
    thread.git_info = Some(GitInfo {
        branch: Some(
            if n.is_multiple_of(3) {
                "main"
            } else {
                "fix/login-flake"
            }
            .to_string(),
        ),
        ..Default::default()
    });
    thread.model = Some("gpt-5.5-codex".to_string());
    thread.token_usage = Some(TokenUsage {
        total_tokens: 1_000 * (n as i64 + 1) + 413,
        ..Default::default()
    });
    thread
}

pub fn sample_threads() -> Vec<StoredThread> {
    let mut threads = vec![
        thread(0, "Fix the flaky login test"),
        thread(1, "Add a --json flag to the list command"),
        thread(2, "Why is the release build slow?"),
        thread(3, "Refactor the rollout reader"),
        thread(4, "Write docs for the config file"),
    ];
    threads[1].name = Some("JSON output".to_string());
    threads[2].memory_mode = crate::protocol::ThreadMemoryMode::Disabled;
    threads
}

pub fn new_state(width: u16, height: u16) -> State {
    let config = Config::builtin(false).expect("default config");
    let mut state = State::new(config, PathBuf::from(CWD), fixed_now());
    update(&mut state, Msg::Resize { width, height });
    state
}

/// A state whose list holds `threads` (one page, `more` says whether another exists).
pub fn state_with_threads(
    width: u16,
    height: u16,
    threads: Vec<StoredThread>,
    more: bool,
) -> State {
    let mut state = new_state(width, height);
    let effects = update(&mut state, Msg::Start);
    let request_id = load_threads_request(&effects).expect("a list request");
    let live = threads.first().map(|t| t.thread_id).into_iter().collect();
    let next_cursor = more.then(|| "next-page".to_string());
    let effects = update(
        &mut state,
        Msg::ThreadsLoaded {
            request_id,
            result: Ok(LoadedThreads {
                page: ThreadPage {
                    items: threads,
                    next_cursor,
                    skipped: Vec::new(),
                },
                live,
            }),
        },
    );
    answer_usage(&mut state, &effects);
    state
}

/// Answers every usage request among `effects` as the runtime would: each thread's own tokens
/// are its `token_usage` total (nine tenths input, a third of that cached), priced with the
/// shipped table, and its rollout is 37 KB per thousand tokens.
pub fn answer_usage(state: &mut State, effects: &[Effect]) {
    let prices = crate::usage::PriceTable::shipped();
    for effect in effects {
        let Effect::LoadUsage { threads } = effect else {
            continue;
        };
        let mut figures = std::collections::HashMap::new();
        for thread in threads {
            figures.insert(thread.thread_id, fixture_figures(thread, &prices));
        }
        let asked = threads
            .iter()
            .map(|thread| {
                (
                    thread.thread_id,
                    crate::tui::app::usage::UsageKey::of(thread),
                )
            })
            .collect();
        update(
            state,
            Msg::UsageLoaded {
                threads: asked,
                result: Ok(crate::tui::app::usage::UsageBatch {
                    figures,
                    prices: crate::tui::app::usage::PricesUsed {
                        taken: prices.taken.clone(),
                        source: prices.source.clone(),
                    },
                }),
            },
        );
    }
}

fn fixture_figures(
    thread: &StoredThread,
    prices: &crate::usage::PriceTable,
) -> crate::usage::ThreadFigures {
    let total = thread.tokens_used().max(0) as u64;
    let input = total * 9 / 10;
    let tokens = crate::usage::Tokens {
        input,
        cached_input: input / 3,
        output: total - input,
        reasoning: (total - input) / 4,
        total,
    };
    let model = thread
        .model
        .clone()
        .unwrap_or_else(|| "unknown".to_string());
    let source = if prices.price(&model).is_some() {
        crate::usage::PriceSource::Shipped
    } else {
        crate::usage::PriceSource::None
    };
    crate::usage::ThreadFigures {
        tokens: Some(tokens),
        cost: prices.cost(Some(&model), &tokens),
        models: vec![crate::usage::ModelPrice { model, source }],
        bytes: Some(total * 37),
        damaged: None,
    }
}

pub fn load_threads_request(effects: &[Effect]) -> Option<u64> {
    effects.iter().find_map(|effect| match effect {
        Effect::LoadThreads { request_id, .. } => Some(*request_id),
        _ => None,
    })
}

pub fn key(code: KeyCode) -> Msg {
    Msg::Key(KeyEvent::new(code, KeyModifiers::NONE))
}

pub fn ctrl(c: char) -> Msg {
    Msg::Key(KeyEvent::new(KeyCode::Char(c), KeyModifiers::CONTROL))
}

/// Presses each character of `text` in turn; returns every effect.
pub fn type_text(state: &mut State, text: &str) -> Vec<Effect> {
    text.chars()
        .flat_map(|c| update(state, key(KeyCode::Char(c))))
        .collect()
}

/// History lines from JSON rollout lines; a string that is not JSON becomes a bad line.
pub fn history_lines(values: Vec<Value>) -> Vec<HistoryLine> {
    values
        .into_iter()
        .enumerate()
        .map(|(index, value)| HistoryLine {
            raw: None,
            bytes: 100,
            cursor: HistoryCursor(index as u64),
            line: match value {
                Value::String(text) => RolloutLine::decode(&text).map_err(|err| err.to_string()),
                other => RolloutLine::decode(&other.to_string()).map_err(|err| err.to_string()),
            },
        })
        .collect()
}

pub fn whole_page(lines: Vec<HistoryLine>) -> ThreadHistoryPage {
    let end = HistoryCursor(lines.len() as u64);
    ThreadHistoryPage {
        lines,
        start: HistoryCursor(0),
        end,
        at_start: true,
        at_end: true,
        ..Default::default()
    }
}

fn response(payload: Value) -> Value {
    json!({"timestamp": "2026-05-14T09:12:34.010Z", "type": "response_item", "payload": payload})
}

fn event(payload: Value) -> Value {
    json!({"timestamp": "2026-05-14T09:12:34.010Z", "type": "event_msg", "payload": payload})
}

/// A thread with every kind of item the history view draws.
pub fn rich_history() -> Vec<Value> {
    let long_output: String = (1..=24)
        .map(|i| format!("test case_{i:02} ... FAILED\n"))
        .collect();
    vec![
        json!({"timestamp":"2026-05-14T09:12:34.010Z","type":"session_meta","payload":{"id":thread_id(0).to_string(),"timestamp":"2026-05-14T09:12:33.402Z","cwd":CWD,"originator":"codex_cli_rs","cli_version":"0.131.0","source":"cli","model_provider":"openai"}}),
        response(
            json!({"type":"message","role":"user","content":[{"type":"input_text","text":"<environment_context>\n  <cwd>/home/ana/src/widget</cwd>\n</environment_context>"}]}),
        ),
        event(json!({"type":"task_started","turn_id":"t1","model_context_window":272000})),
        json!({"timestamp":"2026-05-14T09:12:34.015Z","type":"turn_context","payload":{"turn_id":"t1","cwd":CWD,"approval_policy":"on-request","sandbox_policy":{"type":"workspace-write"},"model":"gpt-5.5-codex","summary":"auto"}}),
        response(
            json!({"type":"message","role":"user","content":[{"type":"input_text","text":"Fix the flaky login test"}]}),
        ),
        event(
            json!({"type":"user_message","message":"Fix the flaky login test","local_images":[],"text_elements":[]}),
        ),
        response(
            json!({"type":"reasoning","summary":[{"type":"summary_text","text":"**Inspecting the login test**"}],"content":null,"encrypted_content":"gAAA"}),
        ),
        event(json!({"type":"agent_reasoning","text":"**Inspecting the login test**"})),
        response(
            json!({"type":"function_call","name":"update_plan","arguments":"{\"plan\":[{\"step\":\"Reproduce the failure\",\"status\":\"completed\"},{\"step\":\"Replace the sleep\",\"status\":\"in_progress\"},{\"step\":\"Run the suite\",\"status\":\"pending\"}]}","call_id":"plan1"}),
        ),
        response(json!({"type":"function_call_output","call_id":"plan1","output":"Plan updated"})),
        response(
            json!({"type":"function_call","name":"exec_command","arguments":"{\"cmd\":\"cargo test -p auth login\",\"workdir\":\"/home/ana/src/widget\"}","call_id":"c1"}),
        ),
        response(
            json!({"type":"function_call_output","call_id":"c1","output":format!("Chunk ID: 9\nWall time: 12.2 seconds\nProcess exited with code 101\nOutput:\n{long_output}")}),
        ),
        response(
            json!({"type":"function_call","name":"exec_command","arguments":"{\"cmd\":\"rg -n sleep auth/src\"}","call_id":"c2"}),
        ),
        response(
            json!({"type":"function_call_output","call_id":"c2","output":"Exit code: 0\nWall time: 0.1 seconds\nOutput:\nauth/src/login.rs:41:    sleep(50)\n\u{1b}[2J\u{1b}]52;c;SGVsbG8=\u{7}\n"}),
        ),
        response(
            json!({"type":"custom_tool_call","status":"completed","call_id":"p1","name":"apply_patch","input":"*** Begin Patch\n*** Update File: auth/src/login.rs\n@@ fn login_retries\n-    sleep(50)\n+    wait_for_ready()\n+    assert!(ready())\n*** End Patch"}),
        ),
        response(
            json!({"type":"custom_tool_call_output","call_id":"p1","output":"Success. Updated the following files:\nM auth/src/login.rs"}),
        ),
        response(
            json!({"type":"function_call","name":"mcp__docs__search","arguments":"{\"query\":\"tokio timeout\"}","call_id":"m1"}),
        ),
        event(
            json!({"type":"mcp_tool_call_end","call_id":"m1","invocation":{"server":"docs","tool":"search","arguments":{"query":"tokio timeout"}},"duration":{"secs":0,"nanos":5},"result":{"Ok":{"content":[{"type":"text","text":"tokio::time::timeout wraps a future"}]}}}),
        ),
        response(
            json!({"type":"web_search_call","status":"completed","action":{"type":"search","query":"flaky login test retries"}}),
        ),
        event(json!({"type":"web_search_end","call_id":"w1","query":"flaky login test retries"})),
        response(
            json!({"type":"function_call","name":"view_image","arguments":"{\"path\":\"/tmp/screenshot.png\"}","call_id":"v1"}),
        ),
        event(
            json!({"type":"agent_message","message":"## Fixed\n\nThe test now **waits** for readiness:\n\n- replaced `sleep(50)`\n- added an assertion\n\n```rust\nwait_for_ready();\n```","phase":"final_answer"}),
        ),
        response(
            json!({"type":"message","role":"assistant","content":[{"type":"output_text","text":"## Fixed\n\nThe test now **waits** for readiness:\n\n- replaced `sleep(50)`\n- added an assertion\n\n```rust\nwait_for_ready();\n```"}]}),
        ),
        event(
            json!({"type":"token_count","info":{"total_token_usage":{"total_tokens":50104},"last_token_usage":{"total_tokens":12413},"model_context_window":272000},"rate_limits":null}),
        ),
        event(
            json!({"type":"task_complete","turn_id":"t1","last_agent_message":"Fixed","duration_ms":46287}),
        ),
        event(json!({"type":"task_started","turn_id":"t2"})),
        event(
            json!({"type":"user_message","message":"Now run the whole suite","local_images":[],"text_elements":[]}),
        ),
        event(
            json!({"type":"turn_aborted","turn_id":"t2","reason":"interrupted","duration_ms":3100}),
        ),
        json!({"timestamp":"2026-05-14T10:40:00.120Z","type":"compacted","payload":{"message":"Summary of earlier work"}}),
        event(json!({"type":"context_compacted"})),
        event(json!({"type":"thread_rolled_back","num_turns":1})),
        json!({"timestamp":"2026-05-14T10:41:00.000Z","type":"shiny_new_kind","payload":{"x":1}}),
        Value::String("{not json".to_string()),
    ]
}
