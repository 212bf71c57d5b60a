//! Plain text for a terminal, as `show` prints a thread: its metadata, then each transcript
//! item the way the TUI's history draws it (`›` the user, `•` answers and actions, `└` a
//! command's outcome, a rule at each turn's end), wrapped to a width. Rollout text is
//! sanitized: control characters and escape sequences are shown as visible text.

use std::io::{self, Write};

use chrono::{DateTime, SecondsFormat, Utc};
use unicode_width::{UnicodeWidthChar, UnicodeWidthStr};

use super::markdown::{command_status, turn_end_parts, unified_diff};
use crate::history::patch::{FileChange, FileDiff};
use crate::history::{CommandOutcome, CommandStatus, ItemKind, PlanStep, StepStatus};
use crate::store::StoredThread;
use crate::text::{one_line, sanitize, single_line};

/// The thread's fields, one `label: value` a line, then a blank line.
pub fn write_header(out: &mut (impl Write + ?Sized), thread: &StoredThread) -> io::Result<()> {
    let rfc3339 = |at: DateTime<Utc>| at.to_rfc3339_opts(SecondsFormat::Millis, true);
    let rows = [
        ("id", thread.thread_id.to_string()),
        ("name", thread.name.clone().unwrap_or_else(|| "-".into())),
        ("preview", one_line(&thread.preview, 200)),
        ("created", rfc3339(thread.created_at)),
        ("updated", rfc3339(thread.updated_at)),
        ("cwd", thread.cwd.display().to_string()),
        (
            "branch",
            thread
                .git_info
                .as_ref()
                .and_then(|git| git.branch.clone())
                .unwrap_or_else(|| "-".into()),
        ),
        ("model", thread.model.clone().unwrap_or_else(|| "-".into())),
        ("memory", thread.memory_mode.to_string()),
        ("tokens", thread.tokens_used().to_string()),
        ("archived", thread.archived.to_string()),
    ];
    let origin = thread
        .origin
        .as_ref()
        .map(|origin| ("origin", origin.label()));
    for (label, value) in rows.into_iter().chain(origin) {
        writeln!(out, "{label:>9}: {}", single_line(&value))?;
    }
    writeln!(out)
}

/// One item, followed by a blank line; nothing for items the history does not show.
pub fn write_item(out: &mut impl Write, kind: &ItemKind, width: usize) -> io::Result<()> {
    let lines = item_lines(kind, width.max(MIN_WIDTH));
    if lines.is_empty() {
        return Ok(());
    }
    for line in lines {
        writeln!(out, "{}", line.trim_end())?;
    }
    writeln!(out)
}

/// Below this, wrapping would leave no room for text.
const MIN_WIDTH: usize = 40;

fn item_lines(kind: &ItemKind, width: usize) -> Vec<String> {
    match kind {
        ItemKind::User { text, images } => {
            let mut lines = para("› ", text, width);
            for image in images {
                lines.push(format!("  [image: {}]", single_line(image)));
            }
            lines
        }
        ItemKind::Assistant { text } => para("• ", text, width),
        ItemKind::Reasoning { text } => para("◦ ", &unbold_title(text), width),
        // The TUI shows raw reasoning only when asked; `show --raw` has the lines.
        ItemKind::RawReasoning { .. } => Vec::new(),
        ItemKind::Command {
            command, outcome, ..
        } => command_lines(command, outcome.as_ref(), kind.command_status(), width),
        ItemKind::Patch { files, success, .. } => patch_lines(files, *success),
        ItemKind::Plan { explanation, steps } => plan_lines(explanation.as_deref(), steps, width),
        ItemKind::ToolCall {
            server,
            tool,
            arguments,
            result,
            ..
        } => tool_lines(server, tool, arguments, result.as_ref(), width),
        ItemKind::WebSearch { query } => para("• Searched the web: ", query, width),
        ItemKind::Image { description } => para("• Image: ", description, width),
        ItemKind::TurnEnded {
            duration_ms,
            tokens,
            aborted,
        } => vec![turn_rule(*duration_ms, *tokens, aborted.as_deref(), width)],
        ItemKind::Compacted => vec!["• Context compacted.".to_string()],
        ItemKind::RolledBack { turns } => {
            let plural = if *turns == 1 { "" } else { "s" };
            vec![format!("• Rolled back {turns} turn{plural}.")]
        }
        ItemKind::Notice { text } => para("• ", text, width),
        ItemKind::Error { message } => para("✗ Error: ", message, width),
        ItemKind::Skipped { what } => para("• Skipped: ", what, width),
        ItemKind::Omitted { note, .. } => vec![format!("• [{}]", single_line(note))],
    }
}

/// A reasoning summary's first line is often its title in bold (`**Checking the flake**`); the
/// TUI draws it bold, here it is plain.
fn unbold_title(text: &str) -> String {
    let text = text.trim();
    let (first, rest) = text.split_once('\n').unwrap_or((text, ""));
    match first
        .trim()
        .strip_prefix("**")
        .and_then(|title| title.strip_suffix("**"))
    {
        Some(title) if !title.is_empty() && !title.contains("**") => format!("{title}\n{rest}"),
        _ => text.to_string(),
    }
}

/// Text after a marker, wrapped at spaces to `width`; following lines are indented under the
/// text. Blank lines in the text are kept.
fn para(marker: &str, text: &str, width: usize) -> Vec<String> {
    let indent = " ".repeat(marker.width());
    let clean = sanitize(text.trim());
    let mut lines = Vec::new();
    for source in clean.lines() {
        let prefix = if lines.is_empty() { marker } else { &indent };
        lines.extend(wrap(prefix, &indent, source, width));
    }
    if lines.is_empty() {
        lines.push(marker.trim_end().to_string());
    }
    lines
}

/// One source line, greedily wrapped at spaces; a word longer than the room stays whole.
fn wrap(first_prefix: &str, prefix: &str, line: &str, width: usize) -> Vec<String> {
    let mut lines = Vec::new();
    let mut current = first_prefix.to_string();
    let mut current_width = first_prefix.width();
    let mut has_word = false;
    // Leading spaces (code, lists) are kept as written.
    let lead = line.len() - line.trim_start_matches(' ').len();
    current.push_str(&line[..lead]);
    current_width += lead;
    for word in line[lead..].split(' ') {
        let word_width: usize = word.chars().map(|c| c.width().unwrap_or(0)).sum();
        if has_word && current_width + 1 + word_width > width {
            lines.push(std::mem::replace(&mut current, prefix.to_string()));
            current_width = prefix.width();
            has_word = false;
        }
        if has_word {
            current.push(' ');
            current_width += 1;
        }
        current.push_str(word);
        current_width += word_width;
        has_word = true;
    }
    lines.push(current);
    lines
}

/// `• Ran cargo test`, `└ exit 0 · 1.2 s`, then the whole output indented.
fn command_lines(
    command: &str,
    outcome: Option<&CommandOutcome>,
    status: Option<CommandStatus>,
    width: usize,
) -> Vec<String> {
    let mut lines = para("• Ran ", command, width);
    let status = command_status(status);
    lines.push(format!("  └ {status}"));
    if let Some(outcome) = outcome {
        let output = sanitize(outcome.output.trim_end_matches('\n'));
        lines.extend(output.lines().map(|line| format!("    {line}")));
    }
    lines
}

fn patch_lines(files: &[FileDiff], success: Option<bool>) -> Vec<String> {
    let status = match success {
        Some(true) => "applied",
        Some(false) => "failed",
        None => "result not recorded",
    };
    let mut lines = vec![format!("• Patch ({status})")];
    for file in files {
        let action = match file.change {
            FileChange::Added => "Added",
            FileChange::Deleted => "Deleted",
            FileChange::Updated => "Edited",
        };
        let target = match &file.moved_to {
            Some(to) => format!("{} → {}", file.path, to),
            None => file.path.clone(),
        };
        lines.push(single_line(&format!(
            "  {action} {target} (+{} −{})",
            file.added(),
            file.removed()
        )));
        let diff = unified_diff(file);
        let diff = sanitize(&diff);
        lines.extend(diff.lines().map(|line| format!("    {line}")));
    }
    lines
}

fn plan_lines(explanation: Option<&str>, steps: &[PlanStep], width: usize) -> Vec<String> {
    let mut lines = vec!["• Plan".to_string()];
    if let Some(explanation) = explanation.filter(|text| !text.trim().is_empty()) {
        lines.extend(para("  ", explanation, width));
    }
    for step in steps {
        let check = match step.status {
            StepStatus::Done => "[x] ",
            StepStatus::InProgress => "[~] ",
            StepStatus::Pending => "[ ] ",
        };
        lines.extend(para(&format!("  {check}"), &step.text, width));
    }
    lines
}

fn tool_lines(
    server: &str,
    tool: &str,
    arguments: &str,
    result: Option<&Result<String, String>>,
    width: usize,
) -> Vec<String> {
    let name = if server.is_empty() {
        tool.to_string()
    } else {
        format!("{server}/{tool}")
    };
    let mut lines = para("• Called ", &format!("{name} {}", arguments.trim()), width);
    match result {
        Some(Ok(output)) => lines.extend(para("  └ ", output, width)),
        Some(Err(output)) => lines.extend(para("  └ error: ", output, width)),
        None => lines.push("  └ no result recorded".to_string()),
    }
    lines
}

/// `── Turn ended · 15.0 s · 20,812 tokens ────`, as wide as the text.
fn turn_rule(
    duration_ms: Option<i64>,
    tokens: Option<i64>,
    aborted: Option<&str>,
    width: usize,
) -> String {
    let parts = turn_end_parts(duration_ms, tokens, aborted, single_line);
    let label = format!("── {} ", parts.join(" · "));
    let fill = width.saturating_sub(label.width());
    format!("{label}{}", "─".repeat(fill))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn paragraphs_wrap_under_their_marker_and_escapes_are_shown() {
        let lines = para(
            "› ",
            "one two three four five six\n\n  indented \u{1b}[2J",
            17,
        );
        assert_eq!(
            lines,
            [
                "› one two three",
                "  four five six",
                "  ",
                "    indented ␛[2J"
            ]
        );
    }
}
