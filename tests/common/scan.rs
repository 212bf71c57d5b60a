//! Straightforward scans of rollout files, to check what the store finds against.

use std::collections::BTreeSet;
use std::path::Path;

use codex_threads::manager::ThreadManager;
use codex_threads::protocol::text::{strip_user_message_prefix, user_message_preview};
use codex_threads::protocol::{EventMsg, RolloutItem, RolloutLine, ThreadId};
use codex_threads::store::SearchParams;
use codex_threads::text::{find_query, item_kind, searchable_text};

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

/// Every line of these rollouts whose searchable text contains `query`, found by decoding
/// each line in turn.
pub fn expected_hits<'a>(
    rollouts: impl IntoIterator<Item = (ThreadId, &'a Path)>,
    query: &str,
) -> BTreeSet<HitKey> {
    let mut expected = BTreeSet::new();
    for (id, path) in rollouts {
        for text in read_rollout(path).lines() {
            let Ok(line) = RolloutLine::decode(text) else {
                continue;
            };
            let found = searchable_text(&line.item).and_then(|t| find_query(&t, query));
            if found.is_some() {
                expected.insert((id.to_string(), line.timestamp, item_kind(&line.item)));
            }
        }
    }
    expected
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
