//! Straightforward scans of rollout files, to check what the store finds against.

use std::collections::BTreeSet;
use std::path::Path;

use codex_threads::manager::ThreadManager;
use codex_threads::protocol::text::{strip_user_message_prefix, user_message_preview};
use codex_threads::protocol::{EventMsg, RolloutItem, RolloutLine, ThreadId};
use codex_threads::store::SearchParams;

use serde_json::Value;

use super::read_rollout;

/// A search hit as (thread id, line timestamp, item kind).
pub type HitKey = (String, String, String);

pub fn is_archived(path: &Path) -> bool {
    path.components()
        .any(|part| part.as_os_str() == "archived_sessions")
}

/// The preview a straightforward reading gives: the first thing the user asked, or the
/// thread's goal.
///
/// Legacy rollouts say it in `user_message` events. Paginated ones (`history_mode:
/// "paginated"`) have none: there it is the text of the first `item_completed` `UserMessage`
/// item, or, in a file without one, the first user `response_item` message that is not context
/// Codex injected (`<environment_context>`, AGENTS.md instructions, …).
pub fn scanned_preview(path: &Path) -> Option<String> {
    let text = read_rollout(path);
    let paginated = text
        .lines()
        .next()
        .and_then(|first| serde_json::from_str::<Value>(first).ok())
        .is_some_and(|first| first["payload"]["history_mode"] == "paginated");
    let mut first_input = None;
    for line in text.lines() {
        let Ok(decoded) = RolloutLine::decode(line) else {
            continue;
        };
        match decoded.item {
            RolloutItem::EventMsg(EventMsg::UserMessage(message)) if !paginated => {
                if let Some(preview) = user_message_preview(&message) {
                    return Some(preview);
                }
            }
            RolloutItem::EventMsg(EventMsg::ThreadGoalUpdated(goal))
                if !goal.goal.objective.trim().is_empty() =>
            {
                return Some(goal.goal.objective.trim().to_string());
            }
            _ if paginated => {
                let Ok(raw) = serde_json::from_str::<Value>(line) else {
                    continue;
                };
                let payload = &raw["payload"];
                if raw["type"] == "event_msg"
                    && payload["type"] == "item_completed"
                    && payload["item"]["type"] == "UserMessage"
                {
                    let said = joined_text(&payload["item"]["content"], "text");
                    let said = strip_user_message_prefix(&said);
                    if !said.is_empty() {
                        return Some(said.to_string());
                    }
                } else if first_input.is_none()
                    && raw["type"] == "response_item"
                    && payload["type"] == "message"
                    && payload["role"] == "user"
                {
                    let said = joined_text(&payload["content"], "input_text");
                    let said = strip_user_message_prefix(&said);
                    if !said.is_empty() && !is_injected_context(said) {
                        first_input = Some(said.to_string());
                    }
                }
            }
            _ => {}
        }
    }
    first_input
}

/// The `text` of the content parts of type `part`, one per line.
fn joined_text(content: &Value, part: &str) -> String {
    content
        .as_array()
        .into_iter()
        .flatten()
        .filter(|item| item["type"] == part)
        .filter_map(|item| item["text"].as_str())
        .collect::<Vec<_>>()
        .join("\n")
}

/// Context Codex adds as user messages: tagged blocks and AGENTS.md instructions.
fn is_injected_context(text: &str) -> bool {
    text.starts_with('<') || text.starts_with("# AGENTS.md instructions")
}

/// Every line of these rollouts that a full-text search must find for `query`, decided from
/// the raw JSON by the format facts (codex-format.md) rather than by the product's own
/// `searchable_text`, `find_query` and `item_kind`, so that a wrong definition there cannot
/// agree with itself here.
///
/// What a person wrote or read is searched: the user's words (the `user_message` event, or a
/// paginated rollout's completed `UserMessage` item), the assistant's messages and reasoning
/// summaries (response items; their events repeat them), commands and tool calls with their
/// output, web searches, errors, names and goals, and compaction summaries. Metadata, settings,
/// token counts, user-role response messages (injected context) and other completed items
/// (they repeat a response item) are not.
pub fn expected_hits<'a>(
    rollouts: impl IntoIterator<Item = (ThreadId, &'a Path)>,
    query: &str,
) -> BTreeSet<HitKey> {
    let mut expected = BTreeSet::new();
    for (id, path) in rollouts {
        for text in read_rollout(path).lines() {
            let Ok(Value::Object(line)) = serde_json::from_str::<Value>(text) else {
                continue;
            };
            let Some((kind, searched)) = scanned_line(&line) else {
                continue;
            };
            if contains_smart_case(&searched, query) {
                let timestamp = line.get("timestamp").and_then(Value::as_str).unwrap_or("");
                expected.insert((id.to_string(), timestamp.to_string(), kind));
            }
        }
    }
    expected
}

/// A line's kind as `type:payload type` (`event_msg:user_message`; messages add their role,
/// completed items their type) and the text a search looks at; `None` for lines not searched.
fn scanned_line(line: &serde_json::Map<String, Value>) -> Option<(String, String)> {
    let kind = line.get("type")?.as_str()?;
    let Some(payload) = line.get("payload") else {
        // Before the envelope, a response item stood alone on its line.
        return scanned_response_item(&Value::Object(line.clone()));
    };
    match kind {
        "response_item" => scanned_response_item(payload),
        "event_msg" => scanned_event(payload),
        "compacted" => Some(("compacted".to_string(), str_at(payload, "message"))),
        _ => None,
    }
}

fn scanned_response_item(item: &Value) -> Option<(String, String)> {
    let kind = item["type"].as_str()?;
    let text = match kind {
        "message" if item["role"] == "assistant" => item["content"]
            .as_array()?
            .iter()
            .map(|part| match part["type"].as_str() {
                Some("input_text" | "output_text") => str_at(part, "text"),
                Some("input_image") => "[Image]".to_string(),
                _ => String::new(),
            })
            .collect::<Vec<_>>()
            .join("\n"),
        "message" => return None,
        "reasoning" => item["summary"]
            .as_array()?
            .iter()
            .map(|part| str_at(part, "text"))
            .collect::<Vec<_>>()
            .join("\n"),
        "local_shell_call" => match &item["action"]["command"] {
            Value::Array(words) => words
                .iter()
                .filter_map(Value::as_str)
                .collect::<Vec<_>>()
                .join(" "),
            Value::String(line) => line.clone(),
            _ => String::new(),
        },
        "function_call" => format!("{} {}", str_at(item, "name"), str_at(item, "arguments")),
        "custom_tool_call" => format!("{} {}", str_at(item, "name"), str_at(item, "input")),
        "function_call_output" | "custom_tool_call_output" => tool_output(&item["output"]),
        "web_search_call" => str_at(&item["action"], "query"),
        _ => return None,
    };
    let kind = match kind {
        "message" => format!("response_item:message:{}", str_at(item, "role")),
        other => format!("response_item:{other}"),
    };
    Some((kind, text))
}

fn scanned_event(event: &Value) -> Option<(String, String)> {
    let kind = event["type"].as_str()?;
    let text = match kind {
        "user_message" | "error" => str_at(event, "message"),
        "exec_command_end" => str_at(event, "aggregated_output"),
        "thread_name_updated" => str_at(event, "thread_name"),
        "thread_goal_updated" => str_at(&event["goal"], "objective"),
        "web_search_end" => str_at(event, "query"),
        "mcp_tool_call_end" => {
            let call = &event["invocation"];
            let arguments = match &call["arguments"] {
                Value::Null => "null".to_string(),
                other => other.to_string(),
            };
            format!(
                "{}/{} {arguments}",
                str_at(call, "server"),
                str_at(call, "tool")
            )
        }
        "item_completed" if event["item"]["type"] == "UserMessage" => {
            let words = event["item"]["content"]
                .as_array()?
                .iter()
                .filter(|part| {
                    part["type"]
                        .as_str()
                        .is_some_and(|kind| kind.eq_ignore_ascii_case("text"))
                })
                .map(|part| str_at(part, "text"))
                .collect::<Vec<_>>()
                .join("\n");
            return Some(("event_msg:item_completed:UserMessage".to_string(), words));
        }
        _ => return None,
    };
    Some((format!("event_msg:{kind}"), text))
}

/// A tool's output: a string, content parts, or an object holding them under `content`.
fn tool_output(output: &Value) -> String {
    match output {
        Value::String(text) => text.clone(),
        Value::Array(parts) => parts
            .iter()
            .map(|part| match part["text"].as_str() {
                Some(text) => text.to_string(),
                None if part["type"] == "input_image" => "[Image]".to_string(),
                None => String::new(),
            })
            .collect::<Vec<_>>()
            .join("\n"),
        Value::Object(fields) => fields
            .get("content")
            .map(tool_output)
            .unwrap_or_else(|| output.to_string()),
        Value::Null => String::new(),
        other => other.to_string(),
    }
}

fn str_at(value: &Value, key: &str) -> String {
    value[key].as_str().unwrap_or_default().to_string()
}

/// Smart case, as Codex users know it from ripgrep: a query with a capital matches exactly,
/// one without matches any case.
fn contains_smart_case(text: &str, query: &str) -> bool {
    if query.is_empty() {
        return false;
    }
    if query.chars().any(char::is_uppercase) {
        text.contains(query)
    } else {
        text.to_lowercase().contains(query)
    }
}

/// What `ThreadManager::search` finds, checking each hit is reported once.
pub async fn search_hits(
    manager: &ThreadManager,
    query: &str,
    include_archived: bool,
) -> BTreeSet<HitKey> {
    let mut run = manager.search(SearchParams {
        query: query.to_string(),
        include_archived,
        thread_id: None,
        max_hits_per_thread: None,
    });
    let mut found = BTreeSet::new();
    while let Some(hit) = run.hits.recv().await {
        let key = (hit.thread_id.to_string(), hit.timestamp, hit.kind);
        assert!(found.insert(key.clone()), "hit reported twice: {key:?}");
    }
    let stats = run.done.await.unwrap().unwrap();
    assert_eq!(stats.hits, found.len());
    found
}
