//! Tool calls: what a call becomes by tool name (command, patch, plan, image, MCP tool), and
//! its output found by `call_id`.

use serde_json::Value;

use super::Transcript;
use super::commands::{merge_outcomes, parse_exec_output};
use super::patches::{patch_output_ok, shell_patch};
use crate::history::patch::parse_patch;
use crate::history::{ItemKind, PlanStep, StepStatus};
use crate::protocol::calls::{command_from_arguments, compact_json, is_command_tool};
use crate::protocol::{McpToolCallEndEvent, output_value_text};
use crate::store::HistoryCursor;

/// The item a function (or custom tool) call becomes, by tool name.
pub(super) fn function_call_item(name: &str, arguments: &str, call_id: &str) -> ItemKind {
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

/// `{"Ok": result}` or `{"Err": message}`; a result with `isError: true` is an error too.
pub(super) fn mcp_result(result: &Value) -> Result<String, String> {
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

pub(super) fn web_search_target(action: &Value) -> String {
    ["query", "url", "pattern"]
        .iter()
        .find_map(|key| action.get(*key).and_then(Value::as_str))
        .unwrap_or_default()
        .to_string()
}

pub(super) fn item_is_plan(raw: &Value) -> bool {
    raw.pointer("/item/type")
        .and_then(Value::as_str)
        .is_some_and(|kind| kind.eq_ignore_ascii_case("plan"))
}

fn value_text(value: &Value) -> String {
    match value {
        Value::String(text) => text.clone(),
        other => compact_json(other),
    }
}

impl Transcript {
    /// Adds a tool call; its output and end event find it by `call_id`. A command starts at
    /// its call line's time and stays open until its output or the end of its turn.
    pub(super) fn add_call(&mut self, cursor: HistoryCursor, call_id: &str, mut kind: ItemKind) {
        if !call_id.is_empty() {
            self.calls.insert(call_id.to_string(), self.items.len());
        }
        if let ItemKind::Command { started_at_ms, .. } = &mut kind {
            *started_at_ms = self.line_ms;
            self.open_commands.push(self.items.len());
        }
        self.add(cursor, kind);
    }

    pub(super) fn call_mut(&mut self, call_id: &str) -> Option<(usize, &mut ItemKind)> {
        let index = *self.calls.get(call_id)?;
        self.items
            .get_mut(index)
            .map(|item| (index, &mut item.kind))
    }

    pub(super) fn attach_output(&mut self, cursor: HistoryCursor, call_id: &str, text: String) {
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

    /// An MCP call ended: its call takes the server, tool and result; one not seen is added.
    pub(super) fn end_mcp_call(&mut self, cursor: HistoryCursor, end: &McpToolCallEndEvent) {
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
}
