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

use std::collections::HashMap;

use serde_json::Value;

use super::patch::{DiffLineKind, FileChange, FileDiff, parse_patch};
use super::{CommandOutcome, ItemKind, PlanStep, StepStatus, TranscriptItem};
use crate::protocol::calls::{command_from_arguments, command_text, compact_json, is_command_tool};
use crate::protocol::time::parse_timestamp;
use crate::protocol::{EventMsg, ResponseItem, RolloutItem, ThreadItem, output_value_text};
use crate::store::{HistoryCursor, HistoryLine};

/// User messages that carry context Codex injects rather than what the user typed.
const INJECTED_CONTEXT_PREFIXES: [&str; 11] = [
    "<environment_context>",
    "<user_instructions>",
    "<INSTRUCTIONS>",
    "# AGENTS.md instructions",
    "<permissions instructions>",
    "<user_shell_command>",
    "<turn_aborted>",
    "<collaboration_mode>",
    "<skill",
    "<developer",
    // A notice to the model when it sends a patch through the shell tool.
    "Warning: apply_patch was requested via",
];

/// How far back (in items, within the turn) a duplicate message is looked for.
pub const DUPLICATE_LOOKBACK: usize = 64;

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
            EventMsg::UserMessage(message) => {
                let images = message
                    .images
                    .iter()
                    .map(|url| {
                        if url.starts_with("data:") {
                            "pasted image".to_string()
                        } else {
                            url.clone()
                        }
                    })
                    .chain(message.local_images.iter().cloned())
                    .collect();
                let text = message.message.clone();
                self.add_once(cursor, ItemKind::User { text, images });
            }
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
            EventMsg::TaskComplete(done) => {
                self.end_open_commands();
                let tokens = self.turn_tokens();
                self.add(
                    cursor,
                    ItemKind::TurnEnded {
                        duration_ms: done.duration_ms,
                        tokens,
                        aborted: None,
                    },
                );
            }
            EventMsg::TurnAborted(aborted) => {
                self.end_open_commands();
                let tokens = self.turn_tokens();
                self.add(
                    cursor,
                    ItemKind::TurnEnded {
                        duration_ms: aborted.duration_ms,
                        tokens,
                        aborted: Some(aborted.reason.clone()),
                    },
                );
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
            EventMsg::McpToolCallEnd(end) => {
                let outcome = mcp_result(&end.result);
                match self.call_mut(&end.call_id) {
                    Some((
                        index,
                        ItemKind::ToolCall {
                            server,
                            tool,
                            result,
                            ..
                        },
                    )) => {
                        *server = end.invocation.server.clone();
                        *tool = end.invocation.tool.clone();
                        *result = Some(outcome);
                        self.touched.push(index);
                    }
                    _ => self.add(
                        cursor,
                        ItemKind::ToolCall {
                            call_id: end.call_id.clone(),
                            server: end.invocation.server.clone(),
                            tool: end.invocation.tool.clone(),
                            arguments: compact_json(&end.invocation.arguments),
                            result: Some(outcome),
                        },
                    ),
                }
            }
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
                let measured = match (times.started_at_ms, times.completed_at_ms) {
                    (Some(start), Some(end)) if end >= start => Some(end - start),
                    _ => None,
                };
                let outcome = CommandOutcome {
                    exit_code: command.exit_code,
                    duration_ms: command
                        .extra
                        .get("duration")
                        .and_then(duration_ms)
                        .or(measured),
                    output: command.aggregated_output.clone().unwrap_or_default(),
                };
                let started = times.started_at_ms;
                self.complete_command(cursor, &command.id, &command.command, started, outcome);
            }
            ThreadItem::FileChange(change) => {
                let files = files_from_changes(&change.changes);
                self.complete_patch(cursor, &change.id, files, change.succeeded());
            }
        }
    }

    /// Gives a command call the outcome Codex recorded for its run (an end event, a
    /// `CommandExecution` item), or adds the command when its call was not seen. What Codex
    /// measured wins over what an output's header said.
    fn complete_command(
        &mut self,
        cursor: HistoryCursor,
        call_id: &str,
        command: &Value,
        started: Option<i64>,
        outcome: CommandOutcome,
    ) {
        match self.call_mut(call_id) {
            Some((
                index,
                ItemKind::Command {
                    outcome: slot,
                    started_at_ms,
                    ..
                },
            )) => {
                *started_at_ms = started.or(*started_at_ms);
                *slot = Some(merge_outcomes(slot.take(), outcome, true));
                self.touched.push(index);
            }
            // A patch sent through the shell tool: Codex applied it as a file change.
            Some((_, ItemKind::Patch { .. })) => {}
            _ => {
                let started_at_ms = started.or_else(|| {
                    let (end, duration) = (self.line_ms?, outcome.duration_ms?);
                    Some(end - duration)
                });
                self.add(
                    cursor,
                    ItemKind::Command {
                        call_id: call_id.to_string(),
                        command: command_text(command),
                        started_at_ms,
                        outcome: Some(outcome),
                        turn_ended: false,
                    },
                )
            }
        }
    }

    /// Records whether a patch applied; a patch call that was not seen (or was seen as a shell
    /// command that Codex intercepted) becomes a patch item with the files it changed.
    fn complete_patch(
        &mut self,
        cursor: HistoryCursor,
        call_id: &str,
        files: Vec<FileDiff>,
        succeeded: Option<bool>,
    ) {
        match self.call_mut(call_id) {
            Some((index, ItemKind::Patch { success, .. })) => {
                *success = succeeded;
                self.touched.push(index);
            }
            Some((index, slot @ ItemKind::Command { .. })) => {
                *slot = ItemKind::Patch {
                    call_id: call_id.to_string(),
                    files,
                    success: succeeded,
                };
                self.touched.push(index);
            }
            _ => self.add(
                cursor,
                ItemKind::Patch {
                    call_id: call_id.to_string(),
                    files,
                    success: succeeded,
                },
            ),
        }
    }

    /// Events the protocol layer does not model.
    fn other_event(&mut self, cursor: HistoryCursor, raw: &Value) {
        let kind = type_tag(raw);
        match kind.as_str() {
            "image_generation_end" => {}
            "entered_review_mode" | "exited_review_mode" => self.add(
                cursor,
                ItemKind::Notice {
                    text: kind.replace('_', " "),
                },
            ),
            "view_image_tool_call" => {
                let path = raw
                    .get("path")
                    .and_then(Value::as_str)
                    .unwrap_or("an image");
                let description = format!("viewed {path}");
                self.add_once(cursor, ItemKind::Image { description });
            }
            "item_completed" if item_is_plan(raw) => {
                let text = raw
                    .pointer("/item/text")
                    .and_then(Value::as_str)
                    .unwrap_or_default()
                    .to_string();
                self.add(
                    cursor,
                    ItemKind::Plan {
                        explanation: Some(text),
                        steps: Vec::new(),
                    },
                );
            }
            _ => self.add(
                cursor,
                ItemKind::Skipped {
                    what: format!("event `{kind}`"),
                },
            ),
        }
    }

    fn add(&mut self, cursor: HistoryCursor, kind: ItemKind) {
        self.touched.push(self.items.len());
        self.items.push(TranscriptItem { cursor, kind });
    }

    /// Adds an item unless the same content was already shown in this turn (from the other of
    /// Codex's two copies). Codex's copies are not always equal: the response item of a user
    /// message wraps images in markers, a reasoning event may be only the summary's title. The
    /// better copy stays: the user's own words, the fuller reasoning or answer.
    fn add_once(&mut self, cursor: HistoryCursor, kind: ItemKind) {
        let shown = self
            .items
            .iter()
            .enumerate()
            .rev()
            .take(DUPLICATE_LOOKBACK)
            .take_while(|(_, item)| !matches!(item.kind, ItemKind::TurnEnded { .. }))
            .find(|(_, item)| same_content(&item.kind, &kind))
            .map(|(index, _)| index);
        match shown {
            None => self.add(cursor, kind),
            Some(index) if is_better_copy(&kind, &self.items[index].kind) => {
                self.items[index].kind = kind;
                self.touched.push(index);
            }
            Some(_) => {}
        }
    }

    /// Adds a tool call; its output and end event find it by `call_id`. A command starts at
    /// its call line's time and stays open until its output or the end of its turn.
    fn add_call(&mut self, cursor: HistoryCursor, call_id: &str, mut kind: ItemKind) {
        if !call_id.is_empty() {
            self.calls.insert(call_id.to_string(), self.items.len());
        }
        if let ItemKind::Command { started_at_ms, .. } = &mut kind {
            *started_at_ms = self.line_ms;
            self.open_commands.push(self.items.len());
        }
        self.add(cursor, kind);
    }

    /// Marks the commands of the turn that just ended (or was followed by a new one) that
    /// never got output: they are not running.
    fn end_open_commands(&mut self) {
        for index in std::mem::take(&mut self.open_commands) {
            if let Some(TranscriptItem {
                kind:
                    ItemKind::Command {
                        outcome: None,
                        turn_ended,
                        ..
                    },
                ..
            }) = self.items.get_mut(index)
            {
                *turn_ended = true;
                self.touched.push(index);
            }
        }
    }

    fn add_compaction(&mut self, cursor: HistoryCursor) {
        if !matches!(
            self.items.last(),
            Some(TranscriptItem {
                kind: ItemKind::Compacted,
                ..
            })
        ) {
            self.add(cursor, ItemKind::Compacted);
        }
    }

    fn call_mut(&mut self, call_id: &str) -> Option<(usize, &mut ItemKind)> {
        let index = *self.calls.get(call_id)?;
        self.items
            .get_mut(index)
            .map(|item| (index, &mut item.kind))
    }

    fn attach_output(&mut self, cursor: HistoryCursor, call_id: &str, text: String) {
        let line_ms = self.line_ms;
        let Some((index, kind)) = self.call_mut(call_id) else {
            self.add(
                cursor,
                ItemKind::Skipped {
                    what: "output of a call made before the loaded part of the history".into(),
                },
            );
            return;
        };
        match kind {
            ItemKind::Command {
                outcome,
                started_at_ms,
                ..
            } => {
                let mut parsed = parse_exec_output(&text);
                if parsed.duration_ms.is_none()
                    && let (Some(start), Some(end)) = (*started_at_ms, line_ms)
                    && end >= start
                {
                    parsed.duration_ms = Some(end - start);
                }
                *outcome = Some(merge_outcomes(outcome.take(), parsed, false));
            }
            ItemKind::Patch { success, .. } => *success = success.or(patch_output_ok(&text)),
            ItemKind::ToolCall { result, .. } => *result = Some(Ok(text)),
            _ => return,
        }
        self.touched.push(index);
    }

    fn turn_tokens(&mut self) -> Option<i64> {
        let tokens = match (self.last_total_tokens, self.turn_start_tokens.take()) {
            (Some(now), Some(start)) => now.checked_sub(start),
            _ => None,
        };
        tokens.filter(|tokens| *tokens > 0)
    }
}

/// The text of the items Codex writes twice (once as an event, once as a response item).
fn copied_text(kind: &ItemKind) -> Option<&str> {
    use ItemKind::*;
    match kind {
        User { text, .. } | Assistant { text } | Reasoning { text } | RawReasoning { text } => {
            Some(text.trim())
        }
        _ => None,
    }
}

/// Two items of the same kind where one text holds the other.
fn same_content(shown: &ItemKind, new: &ItemKind) -> bool {
    use ItemKind::*;
    match (shown, new) {
        (WebSearch { query: a }, WebSearch { query: b })
        | (Image { description: a }, Image { description: b }) => a.trim() == b.trim(),
        _ if std::mem::discriminant(shown) == std::mem::discriminant(new) => {
            match (copied_text(shown), copied_text(new)) {
                (Some(a), Some(b)) if !a.is_empty() && !b.is_empty() => {
                    a.contains(b) || b.contains(a)
                }
                _ => false,
            }
        }
        _ => false,
    }
}

/// For a user message the shorter copy is what was typed (the other adds image markers); for
/// answers and reasoning the longer copy is the whole text.
fn is_better_copy(new: &ItemKind, shown: &ItemKind) -> bool {
    let (Some(new_text), Some(shown_text)) = (copied_text(new), copied_text(shown)) else {
        return false;
    };
    match new {
        ItemKind::User { images, .. } => {
            new_text.len() < shown_text.len()
                || (new_text.len() == shown_text.len() && !images.is_empty())
        }
        _ => new_text.len() > shown_text.len(),
    }
}

pub fn is_injected_context(text: &str) -> bool {
    let text = text.trim_start();
    INJECTED_CONTEXT_PREFIXES
        .iter()
        .any(|prefix| text.starts_with(prefix))
}

/// The item a function (or custom tool) call becomes, by tool name.
/// The patch of a shell command like `apply_patch <<'EOF' … EOF`, without the heredoc around it.
fn shell_patch(command: &str) -> Option<&str> {
    const BEGIN: &str = "*** Begin Patch";
    const END: &str = "*** End Patch";
    if !command.trim_start().starts_with("apply_patch") {
        return None;
    }
    let start = command.find(BEGIN)?;
    let end = command[start..]
        .find(END)
        .map_or(command.len(), |at| start + at + END.len());
    Some(&command[start..end])
}

fn function_call_item(name: &str, arguments: &str, call_id: &str) -> ItemKind {
    let args: Value =
        serde_json::from_str(arguments).unwrap_or_else(|_| Value::String(arguments.to_string()));
    let call_id = call_id.to_string();
    if is_command_tool(name) {
        let command = command_from_arguments(&args);
        // Codex intercepts a patch sent through the shell and applies it as a patch.
        if let Some(patch) = shell_patch(&command) {
            return ItemKind::Patch {
                call_id,
                files: parse_patch(patch),
                success: None,
            };
        }
        return ItemKind::Command {
            call_id,
            command,
            started_at_ms: None,
            outcome: None,
            turn_ended: false,
        };
    }
    match name {
        "apply_patch" => {
            let input = args
                .get("input")
                .and_then(Value::as_str)
                .unwrap_or(arguments);
            ItemKind::Patch {
                call_id,
                files: parse_patch(input),
                success: None,
            }
        }
        "update_plan" => plan_from_arguments(&args),
        "view_image" => {
            let path = args
                .get("path")
                .and_then(Value::as_str)
                .unwrap_or("an image");
            ItemKind::Image {
                description: format!("viewed {path}"),
            }
        }
        _ => {
            let (server, tool) = match name.strip_prefix("mcp__").and_then(|r| r.split_once("__")) {
                Some((server, tool)) => (server.to_string(), tool.to_string()),
                None => (String::new(), name.to_string()),
            };
            ItemKind::ToolCall {
                call_id,
                server,
                tool,
                arguments: compact_json(&args),
                result: None,
            }
        }
    }
}

fn plan_from_arguments(args: &Value) -> ItemKind {
    let explanation = args
        .get("explanation")
        .and_then(Value::as_str)
        .filter(|text| !text.trim().is_empty())
        .map(str::to_string);
    let steps = args
        .get("plan")
        .and_then(Value::as_array)
        .map(|steps| {
            steps
                .iter()
                .map(|step| PlanStep {
                    text: step
                        .get("step")
                        .and_then(Value::as_str)
                        .unwrap_or("")
                        .to_string(),
                    status: match step.get("status").and_then(Value::as_str) {
                        Some("completed") => StepStatus::Done,
                        Some("in_progress") => StepStatus::InProgress,
                        _ => StepStatus::Pending,
                    },
                })
                .collect()
        })
        .unwrap_or_default();
    ItemKind::Plan { explanation, steps }
}

/// The exit code and output of a command, from any of the output shapes Codex has written:
/// a JSON object `{"output", "metadata": {"exit_code"}}`, or text with header lines
/// (`Exit code: 0`, `Process exited with code 101`, `Wall time: …`, `Output:`).
pub fn parse_exec_output(text: &str) -> CommandOutcome {
    if let Ok(Value::Object(map)) = serde_json::from_str::<Value>(text)
        && let Some(output) = map.get("output").and_then(Value::as_str)
    {
        let exit_code = map
            .get("metadata")
            .and_then(|meta| meta.get("exit_code"))
            .and_then(Value::as_i64)
            .and_then(|code| i32::try_from(code).ok());
        let duration_ms = map
            .get("metadata")
            .and_then(|meta| meta.get("duration_seconds"))
            .and_then(Value::as_f64)
            .and_then(seconds_to_ms);
        return CommandOutcome {
            exit_code,
            duration_ms,
            output: output.to_string(),
        };
    }
    let mut exit_code = None;
    let mut duration_ms = None;
    let mut body_start = 0;
    let mut offset = 0;
    for line in text.split_inclusive('\n') {
        let trimmed = line.trim();
        let header = if let Some(code) = trimmed
            .strip_prefix("Process exited with code ")
            .or_else(|| trimmed.strip_prefix("Exit code:"))
        {
            exit_code = code.trim().parse::<i32>().ok().or(exit_code);
            true
        } else if let Some(wall) = trimmed.strip_prefix("Wall time:") {
            duration_ms = duration_ms.or_else(|| wall_time_ms(wall));
            true
        } else {
            [
                "Chunk ID:",
                "Original token count:",
                "Total output lines:",
                "Process running with session ID",
            ]
            .iter()
            .any(|prefix| trimmed.starts_with(prefix))
        };
        offset += line.len();
        if trimmed == "Output:" {
            body_start = offset;
            break;
        }
        if !header {
            break;
        }
        body_start = offset;
    }
    CommandOutcome {
        exit_code,
        duration_ms,
        output: text.get(body_start..).unwrap_or_default().to_string(),
    }
}

/// The times an `item_completed` event carries beside its item.
#[derive(Clone, Copy, Debug, Default)]
struct ItemTimes {
    started_at_ms: Option<i64>,
    completed_at_ms: Option<i64>,
}

/// One command's outcome from two records of it (Codex's record of the run and the output the
/// model was sent, in either order). The newer output text is kept; for the exit code and
/// duration, a record of the run (`authoritative`) wins over an output's header, and a value
/// one of them lacks is taken from the other.
fn merge_outcomes(
    old: Option<CommandOutcome>,
    new: CommandOutcome,
    authoritative: bool,
) -> CommandOutcome {
    let Some(old) = old else {
        return new;
    };
    fn pick<T>(old: Option<T>, new: Option<T>, new_wins: bool) -> Option<T> {
        if new_wins { new.or(old) } else { old.or(new) }
    }
    CommandOutcome {
        exit_code: pick(old.exit_code, new.exit_code, authoritative),
        duration_ms: pick(old.duration_ms, new.duration_ms, authoritative),
        output: new.output,
    }
}

/// A Rust `Duration` as serde writes it (`{"secs": 0, "nanos": 360744856}`), in milliseconds.
fn duration_ms(value: &Value) -> Option<i64> {
    let secs = value.get("secs")?.as_u64()?;
    let nanos = value.get("nanos").and_then(Value::as_u64).unwrap_or(0);
    let ms = u128::from(secs) * 1000 + u128::from(nanos) / 1_000_000;
    i64::try_from(ms).ok()
}

/// `0.1403 seconds`, `0 seconds`, `1s`, `2.5 sec`: the value of an output's `Wall time:`.
fn wall_time_ms(text: &str) -> Option<i64> {
    let text = text.trim();
    let number = ["seconds", "second", "secs", "sec", "s"]
        .iter()
        .find_map(|unit| text.strip_suffix(unit))
        .unwrap_or(text)
        .trim();
    seconds_to_ms(number.parse::<f64>().ok()?)
}

fn seconds_to_ms(seconds: f64) -> Option<i64> {
    let ms = (seconds * 1000.0).round();
    (ms.is_finite() && (0.0..9.0e15).contains(&ms)).then_some(ms as i64)
}

fn patch_output_ok(text: &str) -> Option<bool> {
    if let Ok(value) = serde_json::from_str::<Value>(text)
        && let Some(code) = value.pointer("/metadata/exit_code").and_then(Value::as_i64)
    {
        return Some(code == 0);
    }
    let lower = text.trim_start().to_lowercase();
    if lower.starts_with("success") || lower.starts_with("done") {
        Some(true)
    } else if lower.contains("error") || lower.contains("failed") {
        Some(false)
    } else {
        None
    }
}

fn files_from_changes(changes: &Value) -> Vec<FileDiff> {
    let Some(map) = changes.as_object() else {
        return Vec::new();
    };
    map.iter()
        .map(|(path, change)| {
            let kind = change
                .get("type")
                .and_then(Value::as_str)
                .unwrap_or("update");
            FileDiff {
                path: path.clone(),
                change: match kind {
                    "add" => FileChange::Added,
                    "delete" => FileChange::Deleted,
                    _ => FileChange::Updated,
                },
                moved_to: change
                    .get("move_path")
                    .and_then(Value::as_str)
                    .map(str::to_string),
                lines: change_lines(kind, change),
            }
        })
        .collect()
}

/// The lines of one file's change: a new file's content, or an update's unified diff.
fn change_lines(kind: &str, change: &Value) -> Vec<(DiffLineKind, String)> {
    let text = |key: &str| change.get(key).and_then(Value::as_str).unwrap_or_default();
    match kind {
        "add" => text("content")
            .lines()
            .map(|line| (DiffLineKind::Added, line.to_string()))
            .collect(),
        "delete" => Vec::new(),
        _ => text("unified_diff")
            .lines()
            .filter(|line| !line.starts_with("---") && !line.starts_with("+++"))
            .map(|line| match line.chars().next() {
                Some('+') => (DiffLineKind::Added, line[1..].to_string()),
                Some('-') => (DiffLineKind::Removed, line[1..].to_string()),
                Some('@') => (DiffLineKind::Hunk, line.to_string()),
                _ => (
                    DiffLineKind::Context,
                    line.strip_prefix(' ').unwrap_or(line).to_string(),
                ),
            })
            .collect(),
    }
}

/// `{"Ok": result}` or `{"Err": message}`; a result with `isError: true` is an error too.
fn mcp_result(result: &Value) -> Result<String, String> {
    if let Some(error) = result.get("Err") {
        return Err(value_text(error));
    }
    let ok = result.get("Ok").unwrap_or(result);
    let text = match ok.get("content") {
        Some(content) => output_value_text(content),
        None => value_text(ok),
    };
    if ok.get("isError").and_then(Value::as_bool) == Some(true) {
        Err(text)
    } else {
        Ok(text)
    }
}

fn web_search_target(action: &Value) -> String {
    ["query", "url", "pattern"]
        .iter()
        .find_map(|key| action.get(*key).and_then(Value::as_str))
        .unwrap_or_default()
        .to_string()
}

fn item_is_plan(raw: &Value) -> bool {
    raw.pointer("/item/type")
        .and_then(Value::as_str)
        .is_some_and(|kind| kind.eq_ignore_ascii_case("plan"))
}

fn type_tag(raw: &Value) -> String {
    raw.get("type")
        .and_then(Value::as_str)
        .unwrap_or("unknown")
        .to_string()
}

fn value_text(value: &Value) -> String {
    match value {
        Value::String(text) => text.clone(),
        other => compact_json(other),
    }
}

#[cfg(test)]
mod tests {
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
            event(
                json!({"type":"agent_reasoning_raw_content","text":"The sleep races the server."}),
            ),
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
}
