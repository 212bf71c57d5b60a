//! Single rollout lines as Codex writes them (codex-format §2), one builder per line kind.
//!
//! Lines whose payload the typed protocol API reproduces byte for byte are built through
//! `RolloutLine::encode`; the others (payloads with fields the typed API does not model, or key
//! orders it cannot keep) through `serde_json::json!`, whose maps keep insertion order here.

use chrono::{DateTime, Utc};
use codex_threads::protocol::time::format_rollout_timestamp;
use codex_threads::protocol::{
    ContentItem, CustomToolCallItem, CustomToolCallOutputItem, EventMsg, FunctionCallItem,
    FunctionCallOutputItem, GitInfo, MessageItem, ReasoningTextEvent, ResponseItem, RolloutItem,
    RolloutLine, TaskCompleteEvent, ThreadId, ThreadMemoryMode, ThreadNameUpdatedEvent,
    TokenCountEvent, TokenCountInfo, TokenUsage, UserMessageEvent,
};
use serde_json::{Map, Value, json};

/// The context window every fixture turn reports.
pub const MODEL_CONTEXT_WINDOW: i64 = 272_000;

/// Hands out the write times of consecutive lines, so that they only ever move forward.
#[derive(Clone, Debug)]
pub struct LineClock {
    now: DateTime<Utc>,
}

impl LineClock {
    pub fn starting_at(at: DateTime<Utc>) -> Self {
        LineClock { now: at }
    }

    pub fn now(&self) -> DateTime<Utc> {
        self.now
    }

    /// Moves the clock `millis` forward and returns the new time.
    pub fn advance(&mut self, millis: i64) -> DateTime<Utc> {
        self.now += chrono::Duration::milliseconds(millis);
        self.now
    }
}

/// The fields of a `session_meta` payload that fixtures vary.
#[derive(Clone, Debug, PartialEq)]
pub struct MetaFields {
    pub id: ThreadId,
    pub forked_from_id: Option<ThreadId>,
    pub timestamp: DateTime<Utc>,
    pub cwd: String,
    pub originator: String,
    pub cli_version: String,
    pub source: Value,
    pub model_provider: String,
    pub base_instructions: String,
    pub memory_mode: Option<ThreadMemoryMode>,
    pub git: Option<GitInfo>,
}

impl MetaFields {
    /// The payload in Codex's key order: the `SessionMeta` fields, then `git`.
    pub fn payload(&self) -> Value {
        let mut payload = Map::new();
        let mut put = |key: &str, value: Value| payload.insert(key.to_string(), value);
        put("id", json!(self.id));
        if let Some(parent) = self.forked_from_id {
            put("forked_from_id", json!(parent));
        }
        put("timestamp", json!(format_rollout_timestamp(self.timestamp)));
        put("cwd", json!(self.cwd));
        put("originator", json!(self.originator));
        put("cli_version", json!(self.cli_version));
        put("source", self.source.clone());
        put("model_provider", json!(self.model_provider));
        put(
            "base_instructions",
            json!({ "text": self.base_instructions }),
        );
        if let Some(mode) = self.memory_mode {
            put("memory_mode", json!(mode));
        }
        if let Some(git) = &self.git {
            put("git", json!(git));
        }
        Value::Object(payload)
    }

    /// The copy Codex appends for a cold memory-mode change: same meta, `git` removed.
    pub fn memory_mode_copy(&self, mode: ThreadMemoryMode) -> MetaFields {
        MetaFields {
            memory_mode: Some(mode),
            git: None,
            ..self.clone()
        }
    }
}

/// A line in the current envelope from a raw payload.
pub fn enveloped(at: DateTime<Utc>, kind: &str, payload: Value) -> String {
    json!({
        "timestamp": format_rollout_timestamp(at),
        "type": kind,
        "payload": payload,
    })
    .to_string()
}

/// A line in the current envelope from a typed item.
pub fn typed(at: DateTime<Utc>, item: RolloutItem) -> String {
    RolloutLine {
        timestamp: format_rollout_timestamp(at),
        ordinal: None,
        item,
    }
    .encode()
}

fn response_item(at: DateTime<Utc>, item: ResponseItem) -> String {
    typed(at, RolloutItem::ResponseItem(item))
}

fn event(at: DateTime<Utc>, event: EventMsg) -> String {
    typed(at, RolloutItem::EventMsg(event))
}

pub fn session_meta(at: DateTime<Utc>, meta: &MetaFields) -> String {
    enveloped(at, "session_meta", meta.payload())
}

/// The injected context Codex sends as a user-role message; it never counts as a preview.
pub fn environment_context_text(cwd: &str) -> String {
    format!(
        "<environment_context>\n  <cwd>{cwd}</cwd>\n  <shell>zsh</shell>\n</environment_context>"
    )
}

fn message(role: &str, content: ContentItem, phase: Option<&str>) -> ResponseItem {
    ResponseItem::Message(MessageItem {
        role: role.to_string(),
        content: vec![content],
        phase: phase.map(str::to_string),
    })
}

pub fn user_response_message(at: DateTime<Utc>, text: &str) -> String {
    let content = ContentItem::InputText {
        text: text.to_string(),
    };
    response_item(at, message("user", content, None))
}

pub fn assistant_response_message(at: DateTime<Utc>, text: &str) -> String {
    let content = ContentItem::OutputText {
        text: text.to_string(),
    };
    response_item(at, message("assistant", content, Some("final_answer")))
}

pub fn user_message_event(at: DateTime<Utc>, text: &str) -> String {
    let user_message = UserMessageEvent {
        message: text.to_string(),
        ..Default::default()
    };
    event(at, EventMsg::UserMessage(user_message))
}

pub fn agent_message_event(at: DateTime<Utc>, text: &str) -> String {
    let payload = json!({
        "type": "agent_message",
        "message": text,
        "phase": "final_answer",
        "memory_citation": null,
    });
    enveloped(at, "event_msg", payload)
}

pub fn reasoning_item(at: DateTime<Utc>, summary: &str) -> String {
    let payload = json!({
        "type": "reasoning",
        "summary": [{ "type": "summary_text", "text": summary }],
        "content": null,
        "encrypted_content": "gAAAAABo-fixture",
    });
    enveloped(at, "response_item", payload)
}

pub fn agent_reasoning_event(at: DateTime<Utc>, text: &str) -> String {
    let reasoning = ReasoningTextEvent {
        text: text.to_string(),
    };
    event(at, EventMsg::AgentReasoning(reasoning))
}

/// An `exec_command` function call; `arguments` is a string holding JSON, as Codex writes it.
pub fn exec_command_call(at: DateTime<Utc>, call_id: &str, command: &str, workdir: &str) -> String {
    let arguments = json!({ "cmd": command, "workdir": workdir }).to_string();
    response_item(
        at,
        ResponseItem::FunctionCall(FunctionCallItem {
            name: "exec_command".to_string(),
            namespace: None,
            arguments,
            call_id: call_id.to_string(),
        }),
    )
}

pub fn function_call_output(at: DateTime<Utc>, call_id: &str, output: &str) -> String {
    response_item(
        at,
        ResponseItem::FunctionCallOutput(FunctionCallOutputItem {
            call_id: call_id.to_string(),
            output: json!(output),
        }),
    )
}

pub fn apply_patch_call(at: DateTime<Utc>, call_id: &str, patch: &str) -> String {
    response_item(
        at,
        ResponseItem::CustomToolCall(CustomToolCallItem {
            status: Some("completed".to_string()),
            call_id: call_id.to_string(),
            name: "apply_patch".to_string(),
            input: patch.to_string(),
        }),
    )
}

pub fn custom_tool_call_output(at: DateTime<Utc>, call_id: &str, output: &str) -> String {
    response_item(
        at,
        ResponseItem::CustomToolCallOutput(CustomToolCallOutputItem {
            call_id: call_id.to_string(),
            name: None,
            output: json!(output),
        }),
    )
}

pub fn task_started(at: DateTime<Utc>, turn_id: &str) -> String {
    let payload = json!({
        "type": "task_started",
        "turn_id": turn_id,
        "started_at": at.timestamp(),
        "model_context_window": MODEL_CONTEXT_WINDOW,
        "collaboration_mode_kind": "default",
    });
    enveloped(at, "event_msg", payload)
}

/// What a turn ran with, as recorded in its `turn_context` line.
#[derive(Clone, Debug, PartialEq)]
pub struct TurnSettings {
    pub cwd: String,
    pub model: String,
    pub effort: String,
    pub approval_policy: String,
    pub sandbox_policy: Value,
}

pub fn turn_context(at: DateTime<Utc>, turn_id: &str, settings: &TurnSettings) -> String {
    let payload = json!({
        "turn_id": turn_id,
        "cwd": settings.cwd,
        "current_date": at.format("%Y-%m-%d").to_string(),
        "timezone": "UTC",
        "approval_policy": settings.approval_policy,
        "sandbox_policy": settings.sandbox_policy,
        "model": settings.model,
        "effort": settings.effort,
        "summary": "auto",
    });
    enveloped(at, "turn_context", payload)
}

pub fn token_count(at: DateTime<Utc>, total: TokenUsage, last: TokenUsage) -> String {
    let info = TokenCountInfo {
        total_token_usage: total,
        last_token_usage: last,
        model_context_window: Some(MODEL_CONTEXT_WINDOW),
    };
    let token_count = TokenCountEvent {
        info: Some(info),
        rate_limits: Value::Null,
    };
    event(at, EventMsg::TokenCount(token_count))
}

pub fn task_complete(
    at: DateTime<Utc>,
    turn_id: &str,
    last_agent_message: &str,
    duration_ms: i64,
) -> String {
    let complete = TaskCompleteEvent {
        turn_id: Some(turn_id.to_string()),
        last_agent_message: Some(last_agent_message.to_string()),
        completed_at: Some(at.timestamp()),
        duration_ms: Some(duration_ms),
        error: None,
    };
    event(at, EventMsg::TaskComplete(complete))
}

pub fn thread_goal_updated(at: DateTime<Utc>, thread_id: ThreadId, objective: &str) -> String {
    let payload = json!({
        "type": "thread_goal_updated",
        "thread_id": thread_id,
        "turn_id": null,
        "goal": {
            "thread_id": thread_id,
            "objective": objective,
            "status": "active",
            "token_budget": null,
            "tokens_used": 0,
            "time_used_seconds": 0,
            "created_at": at.timestamp(),
            "updated_at": at.timestamp(),
        },
    });
    enveloped(at, "event_msg", payload)
}

/// The rename event Codex wrote before 2026-05-05.
pub fn thread_name_updated(at: DateTime<Utc>, thread_id: ThreadId, name: &str) -> String {
    let renamed = ThreadNameUpdatedEvent {
        thread_id,
        thread_name: Some(name.to_string()),
    };
    event(at, EventMsg::ThreadNameUpdated(renamed))
}

/// The bare header that opened a 2025 rollout, before the envelope existed.
pub fn legacy_header(id: ThreadId, created: DateTime<Utc>, git: Option<&GitInfo>) -> String {
    json!({
        "id": id,
        "timestamp": format_rollout_timestamp(created),
        "instructions": null,
        "git": git,
    })
    .to_string()
}

/// A bare (un-enveloped) 2025 response message.
pub fn legacy_message(role: &str, text: &str) -> String {
    let content_type = if role == "user" {
        "input_text"
    } else {
        "output_text"
    };
    json!({
        "type": "message",
        "role": role,
        "content": [{ "type": content_type, "text": text }],
    })
    .to_string()
}

/// The state marker line of 2025 rollouts.
pub fn legacy_state_marker() -> String {
    json!({ "record_type": "state" }).to_string()
}

/// One `session_index.jsonl` entry.
pub fn session_index_entry(id: ThreadId, thread_name: &str, updated_at: &str) -> String {
    json!({ "id": id, "thread_name": thread_name, "updated_at": updated_at }).to_string()
}
