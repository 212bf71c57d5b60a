//! Text from rollouts, made safe and short for a terminal. Rollout text is untrusted: control
//! characters and escape sequences in it must never reach the terminal raw (see `sanitize`).

pub mod sanitize;
mod sizes;

use crate::protocol::{EventMsg, ResponseItem, RolloutItem, ThreadItem, output_value_text};
pub use sanitize::{sanitize, single_line};
pub use sizes::decimal_size;

/// The text on one line (whitespace runs folded), cut to `max_chars` with an ellipsis.
pub fn one_line(text: &str, max_chars: usize) -> String {
    let folded = text.split_whitespace().collect::<Vec<_>>().join(" ");
    if folded.chars().count() <= max_chars {
        return folded;
    }
    let mut cut: String = folded.chars().take(max_chars.saturating_sub(1)).collect();
    cut.push('…');
    cut
}

/// A short name for an item's kind: `event_msg:user_message`, `response_item:function_call`;
/// messages add their role (`response_item:message:user`) and completed items their type
/// (`event_msg:item_completed:AgentMessage`).
pub fn item_kind(item: &RolloutItem) -> String {
    let detail = match item {
        RolloutItem::EventMsg(EventMsg::ItemCompleted(completed)) => Some(format!(
            "item_completed:{}",
            thread_item_type(&completed.item)
        )),
        RolloutItem::EventMsg(event) => Some(event.kind().to_string()),
        RolloutItem::ResponseItem(ResponseItem::Message(message)) => {
            Some(format!("message:{}", message.role))
        }
        RolloutItem::ResponseItem(response) => Some(response.kind().to_string()),
        RolloutItem::Omitted(omitted) if omitted.kind.is_some() => Some("omitted".to_string()),
        _ => None,
    };
    match detail {
        Some(detail) => format!("{}:{detail}", item.kind()),
        None => item.kind().to_string(),
    }
}

fn thread_item_type(item: &ThreadItem) -> &'static str {
    match item {
        ThreadItem::UserMessage(_) => "UserMessage",
        ThreadItem::AgentMessage(_) => "AgentMessage",
        ThreadItem::Reasoning(_) => "Reasoning",
        ThreadItem::CommandExecution(_) => "CommandExecution",
        ThreadItem::FileChange(_) => "FileChange",
    }
}

/// The human text of an item: a message, a command, a tool's output; empty when it has none.
pub fn item_text(item: &RolloutItem) -> String {
    match item {
        RolloutItem::SessionMeta(meta) => format!("session {} in {}", meta.id, meta.cwd),
        RolloutItem::TurnContext(context) => format!("model {} in {}", context.model, context.cwd),
        RolloutItem::Compacted(compacted) => compacted.message.clone(),
        RolloutItem::EventMsg(event) => event_text(event),
        RolloutItem::ResponseItem(response) => response_text(response),
        RolloutItem::Unknown { .. } if item.is_bookkeeping() => String::new(),
        RolloutItem::Unknown { payload, .. } => payload.to_string(),
        RolloutItem::Omitted(omitted) => format!("[{}]", omitted.describe()),
    }
}

fn event_text(event: &EventMsg) -> String {
    match event {
        EventMsg::UserMessage(message) => message.message.clone(),
        EventMsg::AgentMessage(message) => message.message.clone(),
        EventMsg::AgentReasoning(reasoning) | EventMsg::AgentReasoningRawContent(reasoning) => {
            reasoning.text.clone()
        }
        EventMsg::ExecCommandEnd(end) => end.aggregated_output.clone(),
        EventMsg::ThreadNameUpdated(renamed) => renamed.thread_name.clone().unwrap_or_default(),
        EventMsg::ThreadGoalUpdated(goal) => goal.goal.objective.clone(),
        EventMsg::Error(error) => error.message.clone(),
        EventMsg::McpToolCallEnd(end) => format!(
            "{}/{} {}",
            end.invocation.server, end.invocation.tool, end.invocation.arguments
        ),
        EventMsg::WebSearchEnd(search) => search.query.clone(),
        EventMsg::ItemCompleted(completed) => thread_item_text(&completed.item),
        EventMsg::TokenCount(count) => count
            .info
            .as_ref()
            .map(|info| format!("{} tokens", info.total_token_usage.total_tokens))
            .unwrap_or_default(),
        _ => String::new(),
    }
}

fn thread_item_text(item: &ThreadItem) -> String {
    match item {
        ThreadItem::UserMessage(message) | ThreadItem::AgentMessage(message) => message.text(),
        ThreadItem::Reasoning(reasoning) => reasoning.summary_text.join("\n"),
        ThreadItem::CommandExecution(command) => {
            let line = match &command.command {
                serde_json::Value::String(text) => text.clone(),
                other => other.to_string(),
            };
            let output = command.aggregated_output.as_deref().unwrap_or_default();
            format!("{line}\n{output}")
        }
        ThreadItem::FileChange(change) => change
            .changes
            .as_object()
            .map(|files| files.keys().cloned().collect::<Vec<_>>().join(", "))
            .unwrap_or_default(),
    }
}

fn response_text(item: &ResponseItem) -> String {
    match item {
        ResponseItem::Message(message) => message.text(),
        ResponseItem::Reasoning(reasoning) => reasoning
            .summary
            .iter()
            .map(|part| part.text.as_str())
            .collect::<Vec<_>>()
            .join("\n"),
        ResponseItem::LocalShellCall(call) => call.command(),
        ResponseItem::FunctionCall(call) => format!("{} {}", call.name, call.arguments),
        ResponseItem::FunctionCallOutput(output) => output.output_text(),
        ResponseItem::CustomToolCall(call) => format!("{} {}", call.name, call.input),
        ResponseItem::CustomToolCallOutput(output) => output_value_text(&output.output),
        ResponseItem::WebSearchCall(call) => call
            .action
            .as_ref()
            .and_then(|action| action.get("query"))
            .and_then(serde_json::Value::as_str)
            .unwrap_or_default()
            .to_string(),
        _ => String::new(),
    }
}

/// The text a full-text search looks at, or `None` for items it skips: metadata, settings,
/// token counts, and events that repeat a response item's text (Codex writes both).
pub fn searchable_text(item: &RolloutItem) -> Option<String> {
    let text = match item {
        RolloutItem::SessionMeta(_)
        | RolloutItem::TurnContext(_)
        | RolloutItem::Unknown { .. }
        | RolloutItem::Omitted(_) => {
            return None;
        }
        RolloutItem::ResponseItem(ResponseItem::Message(message))
            if message.role != "assistant" =>
        {
            // User-role messages carry injected context; the user_message event has the words.
            return None;
        }
        // The user's words are searched in the item; the rest repeat a response item.
        RolloutItem::EventMsg(EventMsg::ItemCompleted(completed))
            if !matches!(completed.item, ThreadItem::UserMessage(_)) =>
        {
            return None;
        }
        RolloutItem::EventMsg(
            EventMsg::AgentMessage(_)
            | EventMsg::AgentReasoning(_)
            | EventMsg::AgentReasoningRawContent(_)
            | EventMsg::TokenCount(_)
            | EventMsg::TaskStarted(_)
            | EventMsg::TaskComplete(_)
            | EventMsg::Other(_),
        ) => return None,
        other => item_text(other),
    };
    (!text.is_empty()).then_some(text)
}

/// How far into a raw line `skipped_by_search` looks for a completed item's type: past the
/// envelope, the event type and the thread and turn ids.
const ITEM_TYPE_WINDOW: usize = 400;

/// A look at the head of a raw rollout line, laid out as Codex writes it, for kinds that
/// `searchable_text` always skips, so that a search need not decode them: Codex's bookkeeping
/// lines, settings, and completed items other than the user's message (they repeat a response
/// item's text). Whatever this passes is decided by `searchable_text` after decoding.
pub fn skipped_by_search(raw_line: &[u8]) -> bool {
    let head = &raw_line[..raw_line.len().min(ITEM_TYPE_WINDOW)];
    // A cut through a multi-byte character ends the head early; that only makes it shorter.
    let head = match std::str::from_utf8(head) {
        Ok(text) => text,
        Err(err) => std::str::from_utf8(&head[..err.valid_up_to()]).unwrap_or_default(),
    };
    let Some(envelope) = crate::protocol::EnvelopeHead::parse(head) else {
        return false;
    };
    match envelope.kind {
        "session_meta" | "turn_context" | "world_state" | "token_usage_record" => true,
        "event_msg" => {
            let payload = envelope.payload;
            payload.starts_with("{\"type\":\"item_completed\"")
                && payload.contains("\"item\":{\"type\":\"")
                && !payload.contains("\"item\":{\"type\":\"UserMessage\"")
        }
        _ => false,
    }
}

/// Where `query` occurs in `text` (smart case: any case unless the query has capitals),
/// as a byte range of `text`.
pub fn find_query(text: &str, query: &str) -> Option<std::ops::Range<usize>> {
    if query.is_empty() {
        return None;
    }
    if query.chars().any(char::is_uppercase) {
        return text.find(query).map(|at| at..at + query.len());
    }
    let lowered: String = text.to_lowercase();
    // Lowercasing can change byte lengths; map back through char positions.
    let at = lowered.find(query)?;
    let char_index = lowered[..at].chars().count();
    let query_chars = query.chars().count();
    let mut indices = text.char_indices().map(|(i, _)| i).chain([text.len()]);
    let start = indices.nth(char_index)?;
    let end = text
        .char_indices()
        .map(|(i, _)| i)
        .chain([text.len()])
        .nth(char_index + query_chars)?;
    Some(start..end)
}

/// A one-line excerpt of `text` around `range`.
pub fn snippet_around(text: &str, range: std::ops::Range<usize>, width: usize) -> String {
    let before: String = {
        let chars: Vec<char> = text[..range.start].chars().rev().take(width / 3).collect();
        chars.into_iter().rev().collect()
    };
    let after: String = text[range.start..]
        .chars()
        .take(width - width / 3)
        .collect();
    let lead = if before.len() < range.start {
        "…"
    } else {
        ""
    };
    one_line(&format!("{lead}{before}{after}"), width)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn search_passes_over_lines_it_would_skip_after_decoding() {
        let agent = r#"{"timestamp":"t","ordinal":14,"type":"event_msg","payload":{"type":"item_completed","thread_id":"a","turn_id":"b","item":{"type":"AgentMessage","id":"m","content":[{"type":"Text","text":"FAILED"}]}}}"#;
        let user = r#"{"timestamp":"t","ordinal":8,"type":"event_msg","payload":{"type":"item_completed","thread_id":"a","turn_id":"b","item":{"type":"UserMessage","id":"u","content":[{"type":"text","text":"FAILED"}]}}}"#;
        let world = r#"{"timestamp":"t","ordinal":4,"type":"world_state","payload":{"full":true}}"#;
        let output = r#"{"timestamp":"t","type":"response_item","payload":{"type":"function_call_output","call_id":"c","output":"FAILED"}}"#;
        assert!(skipped_by_search(agent.as_bytes()));
        assert!(skipped_by_search(world.as_bytes()));
        assert!(!skipped_by_search(user.as_bytes()));
        assert!(!skipped_by_search(output.as_bytes()));
        // The decoded check agrees.
        for (raw, skipped) in [(agent, true), (world, true), (user, false), (output, false)] {
            let line = crate::protocol::RolloutLine::decode(raw).unwrap();
            assert_eq!(searchable_text(&line.item).is_none(), skipped, "{raw}");
        }
    }

    #[test]
    fn one_line_folds_and_cuts() {
        assert_eq!(one_line("a\n  b\tc", 10), "a b c");
        assert_eq!(one_line("abcdefgh", 4), "abc…");
    }
}
