//! JSON: one document, `{"thread": {...}, "items": [...]}`, with the thread object of
//! `list --json` and an item a line, so it streams and still reads line by line.

use std::io::{self, Write};

use serde_json::{Value, json};

use super::clean;
use super::thread_json;
use crate::history::patch::{DiffLineKind, FileChange};
use crate::history::{ItemKind, StepStatus};
use crate::store::StoredThread;

pub fn write_header(out: &mut impl Write, thread: &StoredThread, live: bool) -> io::Result<()> {
    let thread = serde_json::to_value(thread_json(thread, live)).map_err(io::Error::other)?;
    let thread = cleaned(thread);
    write!(out, "{{\"thread\":{thread},\"items\":[")
}

pub fn write_item(out: &mut impl Write, kind: &ItemKind, first: bool) -> io::Result<()> {
    let separator = if first { "" } else { "," };
    write!(out, "{separator}\n{}", cleaned(item_json(kind)))
}

pub fn write_footer(out: &mut impl Write) -> io::Result<()> {
    writeln!(out, "\n]}}")
}

/// serde escapes control characters, but a reader that prints a decoded string would still
/// send them to its terminal; every string is cleaned as the Markdown is.
fn cleaned(value: Value) -> Value {
    match value {
        Value::String(text) => Value::String(clean(&text)),
        Value::Array(values) => Value::Array(values.into_iter().map(cleaned).collect()),
        Value::Object(map) => Value::Object(
            map.into_iter()
                .map(|(key, value)| (clean(&key), cleaned(value)))
                .collect(),
        ),
        other => other,
    }
}

fn item_json(kind: &ItemKind) -> Value {
    match kind {
        ItemKind::User { text, images } => json!({"type": "user", "text": text, "images": images}),
        ItemKind::Assistant { text } => json!({"type": "assistant", "text": text}),
        ItemKind::Reasoning { text } => json!({"type": "reasoning", "text": text}),
        ItemKind::RawReasoning { text } => json!({"type": "raw_reasoning", "text": text}),
        ItemKind::Command {
            call_id,
            command,
            outcome,
            ..
        } => json!({
            "type": "command",
            "call_id": call_id,
            "command": command,
            "exit_code": outcome.as_ref().and_then(|outcome| outcome.exit_code),
            "duration_ms": outcome.as_ref().and_then(|outcome| outcome.duration_ms),
            "output": outcome.as_ref().map(|outcome| &outcome.output),
        }),
        ItemKind::Patch {
            call_id,
            files,
            success,
        } => {
            let files: Vec<Value> = files
                .iter()
                .map(|file| {
                    let lines: Vec<String> = file
                        .lines
                        .iter()
                        .map(|(kind, line)| match kind {
                            DiffLineKind::Added => format!("+{line}"),
                            DiffLineKind::Removed => format!("-{line}"),
                            DiffLineKind::Context => format!(" {line}"),
                            DiffLineKind::Hunk => line.clone(),
                        })
                        .collect();
                    json!({
                        "path": file.path,
                        "change": match file.change {
                            FileChange::Added => "add",
                            FileChange::Deleted => "delete",
                            FileChange::Updated => "update",
                        },
                        "moved_to": file.moved_to,
                        "added": file.added(),
                        "removed": file.removed(),
                        "diff": lines,
                    })
                })
                .collect();
            json!({"type": "patch", "call_id": call_id, "success": success, "files": files})
        }
        ItemKind::Plan { explanation, steps } => {
            let steps: Vec<Value> = steps
                .iter()
                .map(|step| {
                    let status = match step.status {
                        StepStatus::Done => "completed",
                        StepStatus::InProgress => "in_progress",
                        StepStatus::Pending => "pending",
                    };
                    json!({"step": step.text, "status": status})
                })
                .collect();
            json!({"type": "plan", "explanation": explanation, "steps": steps})
        }
        ItemKind::ToolCall {
            call_id,
            server,
            tool,
            arguments,
            result,
        } => {
            let (result, error) = match result {
                Some(Ok(text)) => (Some(text), None),
                Some(Err(text)) => (None, Some(text)),
                None => (None, None),
            };
            json!({
                "type": "tool_call",
                "call_id": call_id,
                "server": server,
                "tool": tool,
                "arguments": arguments,
                "result": result,
                "error": error,
            })
        }
        ItemKind::WebSearch { query } => json!({"type": "web_search", "query": query}),
        ItemKind::Image { description } => json!({"type": "image", "description": description}),
        ItemKind::TurnEnded {
            duration_ms,
            tokens,
            aborted,
        } => json!({
            "type": "turn_ended",
            "duration_ms": duration_ms,
            "tokens": tokens,
            "aborted": aborted,
        }),
        ItemKind::Compacted => json!({"type": "compacted"}),
        ItemKind::RolledBack { turns } => json!({"type": "rolled_back", "turns": turns}),
        ItemKind::Notice { text } => json!({"type": "notice", "text": text}),
        ItemKind::Error { message } => json!({"type": "error", "message": message}),
        ItemKind::Skipped { what } => json!({"type": "skipped", "what": what}),
        ItemKind::Omitted { bytes, note } => {
            json!({"type": "omitted_line", "bytes": bytes, "note": note})
        }
    }
}
