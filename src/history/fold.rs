//! Folds rollout lines into transcript items.
//!
//! Codex writes most things twice: an `event_msg` for the UI and a `response_item` for the
//! model. Messages and reasoning are shown once (whichever comes first within a turn; the
//! duplicate from the other source is dropped). Tool calls come from response items, paired with
//! their outputs by `call_id`; `*_end` events add exit codes and results to the call they end.
//!
//! A command's timing comes from whichever era wrote it: the call line's timestamp is its
//! start (or `started_at_ms` of a paginated `item_completed`), its duration is Codex's own
//! (`duration` of `exec_command_end` or `CommandExecution`, `Wall time` or `duration_seconds`
//! in the output) or else the time between the call line and the output line. A command with
//! no output when its turn ends is marked so: it is no longer running.
//!
//! This file routes each line to its item family; each family folds in a file of its own:
//! `messages` (and reasoning), `commands`, `patches`, `tools`, `events` (turns, compactions).

mod commands;
mod events;
mod messages;
mod patches;
mod tools;

use std::collections::HashMap;

use serde_json::Value;

use super::patch::parse_patch;
use super::{CommandOutcome, ItemKind, TranscriptItem};
use crate::protocol::time::parse_timestamp;
use crate::protocol::{EventMsg, ResponseItem, RolloutItem, ThreadItem, output_value_text};
use crate::store::{HistoryCursor, HistoryLine};
use commands::{ItemTimes, duration_ms};
use patches::files_from_changes;
use tools::{function_call_item, web_search_target};

pub use commands::parse_exec_output;
pub use messages::{DUPLICATE_LOOKBACK, is_injected_context};

#[derive(Clone, Debug, Default)]
pub struct Transcript {
    items: Vec<TranscriptItem>,
    calls: HashMap<String, usize>,
    last_total_tokens: Option<i64>,
    turn_start_tokens: Option<i64>,
    touched: Vec<usize>,
    /// The timestamp of the line being folded, in milliseconds since the epoch.
    line_ms: Option<i64>,
    /// Commands of the current turn that have no output yet.
    open_commands: Vec<usize>,
}

impl Transcript {
    pub fn new() -> Self {
        Self::default()
    }

    pub fn from_lines<'a>(lines: impl IntoIterator<Item = &'a HistoryLine>) -> Self {
        let mut transcript = Transcript::new();
        for line in lines {
            transcript.push(line);
        }
        transcript.touched.clear();
        transcript
    }

    pub fn items(&self) -> &[TranscriptItem] {
        &self.items
    }

    /// Folds one more line in; returns the indexes of the items it added or changed.
    pub fn push(&mut self, line: &HistoryLine) -> Vec<usize> {
        let cursor = line.cursor;
        self.line_ms = line
            .line
            .as_ref()
            .ok()
            .and_then(|rollout| parse_timestamp(&rollout.timestamp))
            .map(|at| at.timestamp_millis());
        match &line.line {
            Err(reason) => self.add(
                cursor,
                ItemKind::Skipped {
                    what: format!("unreadable line ({reason})"),
                },
            ),
            Ok(rollout) => match &rollout.item {
                RolloutItem::SessionMeta(_) | RolloutItem::TurnContext(_) => {}
                RolloutItem::Compacted(_) => self.add_compaction(cursor),
                item if item.is_bookkeeping() => {}
                RolloutItem::ResponseItem(item) => self.response_item(cursor, item),
                RolloutItem::EventMsg(event) => self.event(cursor, event),
                RolloutItem::Unknown { kind, .. } => self.add(
                    cursor,
                    ItemKind::Skipped {
                        what: format!("line of unknown kind `{kind}`"),
                    },
                ),
                RolloutItem::Omitted(omitted) => self.add(
                    cursor,
                    ItemKind::Omitted {
                        bytes: omitted.bytes,
                        note: omitted.describe(),
                    },
                ),
            },
        }
        std::mem::take(&mut self.touched)
    }

    /// Removes and returns all but the newest `keep` items, for a reader that writes items out
    /// as it goes (an export) instead of keeping the whole history. Indexes from later `push`
    /// calls count from the first item kept. The calls of taken items are forgotten: an output
    /// that arrives later than that is shown as skipped, as in a history loaded from after its
    /// call. Keeping at least `DUPLICATE_LOOKBACK` items folds duplicates as the whole history
    /// would.
    pub fn drain_oldest(&mut self, keep: usize) -> Vec<TranscriptItem> {
        let count = self.items.len().saturating_sub(keep);
        if count == 0 {
            return Vec::new();
        }
        let shift = |index: &mut usize| match index.checked_sub(count) {
            Some(kept) => {
                *index = kept;
                true
            }
            None => false,
        };
        self.calls.retain(|_, index| shift(index));
        self.touched.retain_mut(|index| shift(index));
        self.open_commands.retain_mut(|index| shift(index));
        self.items.drain(..count).collect()
    }

    fn response_item(&mut self, cursor: HistoryCursor, item: &ResponseItem) {
        match item {
            ResponseItem::Message(message) => {
                let text = message.text();
                match message.role.as_str() {
                    "user" if !is_injected_context(&text) => self.add_once(
                        cursor,
                        ItemKind::User {
                            text,
                            images: Vec::new(),
                        },
                    ),
                    "assistant" => self.add_once(cursor, ItemKind::Assistant { text }),
                    _ => {}
                }
            }
            ResponseItem::Reasoning(reasoning) => {
                for part in &reasoning.summary {
                    if !part.text.trim().is_empty() {
                        let text = part.text.clone();
                        self.add_once(cursor, ItemKind::Reasoning { text });
                    }
                }
                for part in reasoning.content.iter().flatten() {
                    if !part.text.trim().is_empty() {
                        let text = part.text.clone();
                        self.add_once(cursor, ItemKind::RawReasoning { text });
                    }
                }
            }
            ResponseItem::LocalShellCall(call) => {
                let call_id = call.call_id.clone().unwrap_or_default();
                self.add_call(
                    cursor,
                    &call_id,
                    ItemKind::Command {
                        call_id: call_id.clone(),
                        command: call.command(),
                        started_at_ms: None,
                        outcome: None,
                        turn_ended: false,
                    },
                );
            }
            ResponseItem::FunctionCall(call) => {
                let kind = function_call_item(&call.name, &call.arguments, &call.call_id);
                self.add_call(cursor, &call.call_id, kind);
            }
            ResponseItem::FunctionCallOutput(output) => {
                self.attach_output(cursor, &output.call_id, output.output_text());
            }
            ResponseItem::CustomToolCall(call) => {
                let kind = if call.name == "apply_patch" {
                    ItemKind::Patch {
                        call_id: call.call_id.clone(),
                        files: parse_patch(&call.input),
                        success: None,
                    }
                } else {
                    function_call_item(&call.name, &call.input, &call.call_id)
                };
                self.add_call(cursor, &call.call_id, kind);
            }
            ResponseItem::CustomToolCallOutput(output) => {
                self.attach_output(cursor, &output.call_id, output_value_text(&output.output));
            }
            ResponseItem::WebSearchCall(search) => {
                let query = search
                    .action
                    .as_ref()
                    .map(web_search_target)
                    .unwrap_or_default();
                self.add_once(cursor, ItemKind::WebSearch { query });
            }
            ResponseItem::ImageGenerationCall(image) => {
                let description = match image.revised_prompt.as_deref() {
                    Some(prompt) if !prompt.is_empty() => format!("generated an image: {prompt}"),
                    _ => "generated an image".to_string(),
                };
                self.add(cursor, ItemKind::Image { description });
            }
            ResponseItem::GhostSnapshot(_) => {}
            ResponseItem::Compaction(_) => self.add_compaction(cursor),
            ResponseItem::Other(raw) => self.add(
                cursor,
                ItemKind::Skipped {
                    what: format!("response item `{}`", type_tag(raw)),
                },
            ),
        }
    }

    fn event(&mut self, cursor: HistoryCursor, event: &EventMsg) {
        match event {
            EventMsg::UserMessage(message) => self.user_message_event(cursor, message),
            EventMsg::AgentMessage(message) => {
                let text = message.message.clone();
                self.add_once(cursor, ItemKind::Assistant { text });
            }
            EventMsg::AgentReasoning(reasoning) => {
                let text = reasoning.text.clone();
                self.add_once(cursor, ItemKind::Reasoning { text });
            }
            EventMsg::AgentReasoningRawContent(raw) => {
                if !raw.text.trim().is_empty() {
                    let text = raw.text.clone();
                    self.add_once(cursor, ItemKind::RawReasoning { text });
                }
            }
            EventMsg::TokenCount(count) => {
                if let Some(info) = &count.info {
                    self.last_total_tokens = Some(info.total_token_usage.total_tokens);
                }
            }
            EventMsg::TaskStarted(_) => {
                // A new turn: whatever the last one left without output no longer runs.
                self.end_open_commands();
                self.turn_start_tokens = self.last_total_tokens.or(Some(0));
            }
            EventMsg::TaskComplete(done) => self.end_turn(cursor, done.duration_ms, None),
            EventMsg::TurnAborted(aborted) => {
                let reason = Some(aborted.reason.clone());
                self.end_turn(cursor, aborted.duration_ms, reason);
            }
            EventMsg::ContextCompacted => self.add_compaction(cursor),
            EventMsg::ThreadRolledBack(rollback) => self.add(
                cursor,
                ItemKind::RolledBack {
                    turns: rollback.num_turns,
                },
            ),
            EventMsg::ThreadGoalUpdated(update) => {
                let status = update.goal.status.as_deref().map(|s| format!(" ({s})"));
                let text = format!(
                    "goal: {}{}",
                    update.goal.objective,
                    status.unwrap_or_default()
                );
                self.add(cursor, ItemKind::Notice { text });
            }
            EventMsg::ThreadNameUpdated(update) => {
                let text = match update.thread_name.as_deref() {
                    Some(name) if !name.is_empty() => format!("renamed to “{name}”"),
                    _ => "name cleared".to_string(),
                };
                self.add(cursor, ItemKind::Notice { text });
            }
            EventMsg::ExecCommandEnd(end) => {
                let outcome = CommandOutcome {
                    exit_code: Some(end.exit_code),
                    duration_ms: duration_ms(&end.duration),
                    output: end.aggregated_output.clone(),
                };
                self.complete_command(cursor, &end.call_id, &end.command, None, outcome);
            }
            EventMsg::PatchApplyEnd(end) => {
                let files = files_from_changes(&end.changes);
                self.complete_patch(cursor, &end.call_id, files, Some(end.success));
            }
            EventMsg::McpToolCallEnd(end) => self.end_mcp_call(cursor, end),
            EventMsg::WebSearchEnd(end) => {
                let query = end.query.clone();
                self.add_once(cursor, ItemKind::WebSearch { query });
            }
            EventMsg::Error(error) => self.add(
                cursor,
                ItemKind::Error {
                    message: error.message.clone(),
                },
            ),
            EventMsg::ItemCompleted(completed) => {
                let at = |key: &str| completed.extra.get(key).and_then(Value::as_i64);
                let times = ItemTimes {
                    started_at_ms: at("started_at_ms").filter(|ms| *ms > 0),
                    completed_at_ms: at("completed_at_ms").filter(|ms| *ms > 0),
                };
                self.completed_item(cursor, &completed.item, times)
            }
            EventMsg::Other(raw) => self.other_event(cursor, raw),
        }
    }

    /// Items of paginated rollouts. Messages and reasoning repeat a response item (shown once,
    /// like the older events); commands and file changes complete the call they belong to.
    fn completed_item(&mut self, cursor: HistoryCursor, item: &ThreadItem, times: ItemTimes) {
        match item {
            ThreadItem::UserMessage(message) => {
                let images = message.images();
                self.add_once(
                    cursor,
                    ItemKind::User {
                        text: message.text(),
                        images,
                    },
                );
            }
            ThreadItem::AgentMessage(message) => {
                let text = message.text();
                self.add_once(cursor, ItemKind::Assistant { text });
            }
            ThreadItem::Reasoning(reasoning) => {
                for text in reasoning
                    .summary_text
                    .iter()
                    .filter(|t| !t.trim().is_empty())
                {
                    let text = text.clone();
                    self.add_once(cursor, ItemKind::Reasoning { text });
                }
                for text in reasoning
                    .raw_content
                    .iter()
                    .filter(|t| !t.trim().is_empty())
                {
                    let text = text.clone();
                    self.add_once(cursor, ItemKind::RawReasoning { text });
                }
            }
            ThreadItem::CommandExecution(command) => {
                self.completed_command(cursor, command, times);
            }
            ThreadItem::FileChange(change) => {
                let files = files_from_changes(&change.changes);
                self.complete_patch(cursor, &change.id, files, change.succeeded());
            }
        }
    }

    fn add(&mut self, cursor: HistoryCursor, kind: ItemKind) {
        self.touched.push(self.items.len());
        self.items.push(TranscriptItem { cursor, kind });
    }
}

fn type_tag(raw: &Value) -> String {
    raw.get("type")
        .and_then(Value::as_str)
        .unwrap_or("unknown")
        .to_string()
}

#[cfg(test)]
mod tests;
