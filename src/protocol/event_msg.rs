//! `event_msg` payloads: the persisted subset of Codex's UI event stream.

use serde::{Deserialize, Serialize};
use serde_json::{Map, Value};

use super::ids::ThreadId;
use super::tagged::{Payload, encode_tagged};

#[derive(Clone, Debug, Default, PartialEq, Serialize, Deserialize)]
pub struct UserMessageEvent {
    #[serde(default)]
    pub message: String,
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub images: Vec<String>,
    #[serde(default)]
    pub local_images: Vec<String>,
    #[serde(default)]
    pub text_elements: Vec<Value>,
}

#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
pub struct AgentMessageEvent {
    #[serde(default)]
    pub message: String,
    #[serde(default)]
    pub phase: Option<String>,
}

#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
pub struct ReasoningTextEvent {
    #[serde(default)]
    pub text: String,
}

#[derive(Clone, Copy, Debug, Default, PartialEq, Eq, Serialize, Deserialize)]
pub struct TokenUsage {
    #[serde(default)]
    pub input_tokens: i64,
    #[serde(default)]
    pub cached_input_tokens: i64,
    #[serde(default)]
    pub output_tokens: i64,
    #[serde(default)]
    pub reasoning_output_tokens: i64,
    #[serde(default)]
    pub total_tokens: i64,
}

#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
pub struct TokenCountInfo {
    #[serde(default)]
    pub total_token_usage: TokenUsage,
    #[serde(default)]
    pub last_token_usage: TokenUsage,
    #[serde(default)]
    pub model_context_window: Option<i64>,
}

#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
pub struct TokenCountEvent {
    #[serde(default)]
    pub info: Option<TokenCountInfo>,
    #[serde(default)]
    pub rate_limits: Value,
}

#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
pub struct TaskStartedEvent {
    #[serde(default)]
    pub turn_id: Option<String>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub started_at: Option<i64>,
    #[serde(default)]
    pub model_context_window: Option<i64>,
}

#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
pub struct TaskCompleteEvent {
    #[serde(default)]
    pub turn_id: Option<String>,
    #[serde(default)]
    pub last_agent_message: Option<String>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub completed_at: Option<i64>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub duration_ms: Option<i64>,
    /// Newer releases say here why a turn failed (`{"message": …}`).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub error: Option<Value>,
}

impl TaskCompleteEvent {
    /// The failure this end reports, if any.
    pub fn error_message(&self) -> Option<String> {
        match self.error.as_ref()? {
            Value::Null => None,
            Value::String(text) => Some(text.clone()),
            other => Some(
                other
                    .get("message")
                    .and_then(Value::as_str)
                    .map_or_else(|| other.to_string(), str::to_owned),
            ),
        }
    }
}

#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
pub struct TurnAbortedEvent {
    #[serde(default)]
    pub turn_id: Option<String>,
    #[serde(default)]
    pub reason: String,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub duration_ms: Option<i64>,
}

#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
pub struct ThreadRolledBackEvent {
    #[serde(default)]
    pub num_turns: u32,
}

#[derive(Clone, Debug, Default, PartialEq, Serialize, Deserialize)]
pub struct ThreadGoal {
    #[serde(default)]
    pub objective: String,
    #[serde(default)]
    pub status: Option<String>,
}

#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
pub struct ThreadGoalUpdatedEvent {
    #[serde(default)]
    pub goal: ThreadGoal,
}

/// The legacy rename event, written only before 2026-05-05.
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
pub struct ThreadNameUpdatedEvent {
    pub thread_id: ThreadId,
    #[serde(default)]
    pub thread_name: Option<String>,
}

#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
pub struct ExecCommandEndEvent {
    #[serde(default)]
    pub call_id: String,
    #[serde(default)]
    pub command: Value,
    #[serde(default)]
    pub exit_code: i32,
    #[serde(default)]
    pub aggregated_output: String,
    #[serde(default)]
    pub duration: Value,
}

#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
pub struct PatchApplyEndEvent {
    #[serde(default)]
    pub call_id: String,
    #[serde(default)]
    pub stdout: String,
    #[serde(default)]
    pub stderr: String,
    #[serde(default)]
    pub success: bool,
    #[serde(default)]
    pub changes: Value,
}

#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
pub struct McpInvocation {
    #[serde(default)]
    pub server: String,
    #[serde(default)]
    pub tool: String,
    #[serde(default)]
    pub arguments: Value,
}

#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
pub struct McpToolCallEndEvent {
    #[serde(default)]
    pub call_id: String,
    pub invocation: McpInvocation,
    #[serde(default)]
    pub duration: Value,
    /// `{"Ok": …}` or `{"Err": …}`.
    #[serde(default)]
    pub result: Value,
}

#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
pub struct WebSearchEndEvent {
    #[serde(default)]
    pub call_id: String,
    #[serde(default)]
    pub query: String,
}

#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
pub struct ErrorEvent {
    #[serde(default)]
    pub message: String,
}

/// `item_completed`: how paginated rollouts (current Codex) record what happened in a turn, in
/// place of the older `user_message`, `agent_message`, `agent_reasoning`, `exec_command_end`
/// and `patch_apply_end` events. Fields this version does not model stay in `extra`.
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
pub struct ItemCompletedEvent {
    pub item: ThreadItem,
    #[serde(flatten)]
    pub extra: Map<String, Value>,
}

/// The item of an `item_completed` event. Item types this version does not know make the whole
/// event decode as `EventMsg::Other`.
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
#[serde(tag = "type")]
pub enum ThreadItem {
    UserMessage(ItemMessage),
    AgentMessage(ItemMessage),
    Reasoning(ItemReasoning),
    CommandExecution(CommandExecutionItem),
    FileChange(FileChangeItem),
}

/// A user's or the agent's message: `content` parts of type `text`/`Text` (images and other
/// parts kept as they are).
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
pub struct ItemMessage {
    #[serde(default)]
    pub content: Vec<Value>,
    #[serde(flatten)]
    pub extra: Map<String, Value>,
}

impl ItemMessage {
    /// The text parts, joined by newlines.
    pub fn text(&self) -> String {
        let texts: Vec<&str> = self
            .content
            .iter()
            .filter(|part| {
                part.get("type")
                    .and_then(Value::as_str)
                    .is_some_and(|kind| kind.eq_ignore_ascii_case("text"))
            })
            .filter_map(|part| part.get("text").and_then(Value::as_str))
            .collect();
        texts.join("\n")
    }

    /// The same message as the older `user_message` event would carry it, so that previews and
    /// titles follow one rule for both eras.
    pub fn as_user_message_event(&self) -> UserMessageEvent {
        UserMessageEvent {
            message: self.text(),
            images: self.images(),
            ..UserMessageEvent::default()
        }
    }

    /// Images attached to a user message: URLs (a pasted image is a `data:` URL) and local paths.
    pub fn images(&self) -> Vec<String> {
        self.content
            .iter()
            .filter_map(|part| {
                ["url", "image_url", "path"]
                    .iter()
                    .find_map(|key| part.get(*key).and_then(Value::as_str))
            })
            .map(str::to_string)
            .collect()
    }
}

#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
pub struct ItemReasoning {
    #[serde(default)]
    pub summary_text: Vec<String>,
    #[serde(default)]
    pub raw_content: Vec<String>,
    #[serde(flatten)]
    pub extra: Map<String, Value>,
}

#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
pub struct CommandExecutionItem {
    /// The call this item completes (the `call_id` of the model's function call).
    #[serde(default)]
    pub id: String,
    /// An argv array or a command string.
    #[serde(default)]
    pub command: Value,
    #[serde(default)]
    pub aggregated_output: Option<String>,
    #[serde(default)]
    pub exit_code: Option<i32>,
    #[serde(default)]
    pub status: Option<String>,
    #[serde(flatten)]
    pub extra: Map<String, Value>,
}

#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
pub struct FileChangeItem {
    #[serde(default)]
    pub id: String,
    /// `{path: {"type": "add"|"delete"|"update", "content"|"unified_diff": …}}`.
    #[serde(default)]
    pub changes: Value,
    #[serde(default)]
    pub status: Option<String>,
    #[serde(flatten)]
    pub extra: Map<String, Value>,
}

impl FileChangeItem {
    pub fn succeeded(&self) -> Option<bool> {
        match self.status.as_deref()? {
            "completed" => Some(true),
            "failed" | "declined" => Some(false),
            _ => None,
        }
    }
}

/// Event types current Codex writes for its own bookkeeping, with nothing for a reader of the
/// thread's history.
const BOOKKEEPING_EVENTS: [&str; 1] = ["thread_settings_applied"];

/// An `event_msg` payload. Event types this version does not model, and known ones whose shape
/// does not decode, are kept whole in `Other`.
#[derive(Clone, Debug, PartialEq)]
pub enum EventMsg {
    UserMessage(UserMessageEvent),
    AgentMessage(AgentMessageEvent),
    AgentReasoning(ReasoningTextEvent),
    AgentReasoningRawContent(ReasoningTextEvent),
    TokenCount(TokenCountEvent),
    /// Written as `task_started`; `turn_started` is accepted.
    TaskStarted(TaskStartedEvent),
    /// Written as `task_complete`; `turn_complete` is accepted.
    TaskComplete(TaskCompleteEvent),
    TurnAborted(TurnAbortedEvent),
    ContextCompacted,
    ThreadRolledBack(ThreadRolledBackEvent),
    ThreadGoalUpdated(ThreadGoalUpdatedEvent),
    ThreadNameUpdated(ThreadNameUpdatedEvent),
    ExecCommandEnd(ExecCommandEndEvent),
    PatchApplyEnd(PatchApplyEndEvent),
    McpToolCallEnd(McpToolCallEndEvent),
    WebSearchEnd(WebSearchEndEvent),
    Error(ErrorEvent),
    ItemCompleted(ItemCompletedEvent),
    Other(Value),
}

impl EventMsg {
    pub fn decode(payload: &Value) -> EventMsg {
        Self::decode_payload(payload)
    }

    pub(crate) fn decode_payload(payload: &(impl Payload + ?Sized)) -> EventMsg {
        let kind = payload.tag().unwrap_or_default();
        let decoded = match kind.as_str() {
            "user_message" => payload.fields().map(EventMsg::UserMessage),
            "agent_message" => payload.fields().map(EventMsg::AgentMessage),
            "agent_reasoning" => payload.fields().map(EventMsg::AgentReasoning),
            "agent_reasoning_raw_content" => {
                payload.fields().map(EventMsg::AgentReasoningRawContent)
            }
            "token_count" => payload.fields().map(EventMsg::TokenCount),
            "task_started" | "turn_started" => payload.fields().map(EventMsg::TaskStarted),
            "task_complete" | "turn_complete" => payload.fields().map(EventMsg::TaskComplete),
            "turn_aborted" => payload.fields().map(EventMsg::TurnAborted),
            "context_compacted" => Some(EventMsg::ContextCompacted),
            "thread_rolled_back" => payload.fields().map(EventMsg::ThreadRolledBack),
            "thread_goal_updated" => payload.fields().map(EventMsg::ThreadGoalUpdated),
            "thread_name_updated" => payload.fields().map(EventMsg::ThreadNameUpdated),
            "exec_command_end" => payload.fields().map(EventMsg::ExecCommandEnd),
            "patch_apply_end" => payload.fields().map(EventMsg::PatchApplyEnd),
            "mcp_tool_call_end" => payload.fields().map(EventMsg::McpToolCallEnd),
            "web_search_end" => payload.fields().map(EventMsg::WebSearchEnd),
            "error" => payload.fields().map(EventMsg::Error),
            "item_completed" => payload.fields().map(EventMsg::ItemCompleted),
            _ => None,
        };
        decoded.unwrap_or_else(|| EventMsg::Other(payload.to_value()))
    }

    pub fn encode(&self) -> Value {
        let kind = self.kind();
        match self {
            EventMsg::UserMessage(event) => encode_tagged(kind, event),
            EventMsg::AgentMessage(event) => encode_tagged(kind, event),
            EventMsg::AgentReasoning(event) => encode_tagged(kind, event),
            EventMsg::AgentReasoningRawContent(event) => encode_tagged(kind, event),
            EventMsg::TokenCount(event) => encode_tagged(kind, event),
            EventMsg::TaskStarted(event) => encode_tagged(kind, event),
            EventMsg::TaskComplete(event) => encode_tagged(kind, event),
            EventMsg::TurnAborted(event) => encode_tagged(kind, event),
            EventMsg::ContextCompacted => encode_tagged(kind, &serde_json::json!({})),
            EventMsg::ThreadRolledBack(event) => encode_tagged(kind, event),
            EventMsg::ThreadGoalUpdated(event) => encode_tagged(kind, event),
            EventMsg::ThreadNameUpdated(event) => encode_tagged(kind, event),
            EventMsg::ExecCommandEnd(event) => encode_tagged(kind, event),
            EventMsg::PatchApplyEnd(event) => encode_tagged(kind, event),
            EventMsg::McpToolCallEnd(event) => encode_tagged(kind, event),
            EventMsg::WebSearchEnd(event) => encode_tagged(kind, event),
            EventMsg::Error(event) => encode_tagged(kind, event),
            EventMsg::ItemCompleted(event) => encode_tagged(kind, event),
            EventMsg::Other(raw) => raw.clone(),
        }
    }

    /// True for events that only record Codex's own bookkeeping.
    pub fn is_bookkeeping(&self) -> bool {
        matches!(self, EventMsg::Other(_)) && BOOKKEEPING_EVENTS.contains(&self.kind())
    }

    /// The snake_case type tag, as written in rollouts.
    pub fn kind(&self) -> &str {
        match self {
            EventMsg::UserMessage(_) => "user_message",
            EventMsg::AgentMessage(_) => "agent_message",
            EventMsg::AgentReasoning(_) => "agent_reasoning",
            EventMsg::AgentReasoningRawContent(_) => "agent_reasoning_raw_content",
            EventMsg::TokenCount(_) => "token_count",
            EventMsg::TaskStarted(_) => "task_started",
            EventMsg::TaskComplete(_) => "task_complete",
            EventMsg::TurnAborted(_) => "turn_aborted",
            EventMsg::ContextCompacted => "context_compacted",
            EventMsg::ThreadRolledBack(_) => "thread_rolled_back",
            EventMsg::ThreadGoalUpdated(_) => "thread_goal_updated",
            EventMsg::ThreadNameUpdated(_) => "thread_name_updated",
            EventMsg::ExecCommandEnd(_) => "exec_command_end",
            EventMsg::PatchApplyEnd(_) => "patch_apply_end",
            EventMsg::McpToolCallEnd(_) => "mcp_tool_call_end",
            EventMsg::WebSearchEnd(_) => "web_search_end",
            EventMsg::Error(_) => "error",
            EventMsg::ItemCompleted(_) => "item_completed",
            EventMsg::Other(raw) => raw.get("type").and_then(Value::as_str).unwrap_or("unknown"),
        }
    }
}
