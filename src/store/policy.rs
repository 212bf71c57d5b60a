//! Which rollout items a thread persists (Codex's persistence policy, codex-format §2.4).

use serde_json::Value;

use super::types::EventPersistenceMode;
use crate::protocol::{EventMsg, ResponseItem, RolloutItem};

/// True if a store keeps `item` in a thread's rollout in the given mode.
pub fn is_persisted(item: &RolloutItem, mode: EventPersistenceMode) -> bool {
    match item {
        RolloutItem::SessionMeta(_)
        | RolloutItem::Compacted(_)
        | RolloutItem::TurnContext(_)
        | RolloutItem::Unknown { .. } => true,
        // A reader's marker, not a line of the thread.
        RolloutItem::Omitted(_) => false,
        RolloutItem::ResponseItem(item) => !matches!(item, ResponseItem::Other(_)),
        RolloutItem::EventMsg(event) => is_event_persisted(event, mode),
    }
}

fn is_event_persisted(event: &EventMsg, mode: EventPersistenceMode) -> bool {
    let extended = mode == EventPersistenceMode::Extended;
    match event {
        EventMsg::UserMessage(_)
        | EventMsg::AgentMessage(_)
        | EventMsg::AgentReasoning(_)
        | EventMsg::AgentReasoningRawContent(_)
        | EventMsg::TokenCount(_)
        | EventMsg::TaskStarted(_)
        | EventMsg::TaskComplete(_)
        | EventMsg::TurnAborted(_)
        | EventMsg::ContextCompacted
        | EventMsg::ThreadRolledBack(_)
        | EventMsg::ThreadGoalUpdated(_)
        | EventMsg::PatchApplyEnd(_)
        | EventMsg::McpToolCallEnd(_)
        | EventMsg::WebSearchEnd(_) => true,
        // Renames live in SQLite and session_index.jsonl since 2026-05-05.
        EventMsg::ThreadNameUpdated(_) => false,
        EventMsg::ExecCommandEnd(_) | EventMsg::Error(_) | EventMsg::ItemCompleted(_) => extended,
        EventMsg::Other(raw) => is_other_event_persisted(raw, extended),
    }
}

fn is_other_event_persisted(raw: &Value, extended: bool) -> bool {
    let kind = raw.get("type").and_then(Value::as_str).unwrap_or("");
    match kind {
        "entered_review_mode" | "exited_review_mode" | "image_generation_end" => true,
        "item_completed" => {
            let item_kind = raw.pointer("/item/type").and_then(Value::as_str);
            extended || matches!(item_kind, Some("Plan" | "plan"))
        }
        "guardian_assessment"
        | "view_image_tool_call"
        | "collab_agent_spawn_end"
        | "collab_agent_interaction_end"
        | "collab_waiting_end"
        | "collab_close_end"
        | "collab_resume_end"
        | "dynamic_tool_call_request"
        | "dynamic_tool_call_response" => extended,
        _ => false,
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::protocol::{ErrorEvent, ReasoningTextEvent};
    use serde_json::json;

    #[test]
    fn limited_mode_keeps_messages_and_drops_extended_events() {
        let reasoning = RolloutItem::EventMsg(EventMsg::AgentReasoning(ReasoningTextEvent {
            text: "x".into(),
        }));
        let error = RolloutItem::EventMsg(EventMsg::Error(ErrorEvent {
            message: "boom".into(),
        }));
        let delta = RolloutItem::EventMsg(EventMsg::Other(
            json!({"type":"agent_message_delta","delta":"x"}),
        ));
        assert!(is_persisted(&reasoning, EventPersistenceMode::Limited));
        assert!(!is_persisted(&error, EventPersistenceMode::Limited));
        assert!(is_persisted(&error, EventPersistenceMode::Extended));
        assert!(!is_persisted(&delta, EventPersistenceMode::Extended));
    }
}
