//! Markdown for an issue: the thread's title and metadata, then each transcript item as a block.
//!
//! Rollout text is untrusted and arbitrary: a command's output may hold backticks, a user message
//! may look like Markdown. Code goes in fences longer than any backtick run inside it, user text
//! in a blockquote (which ends whatever the text opened), and an answer that leaves a fence open
//! gets it closed, so no item can swallow the ones after it.

use std::io::{self, Write};

use serde_json::Value;

use super::clean;
use crate::history::patch::{DiffLineKind, FileChange, FileDiff};
use crate::history::{CommandOutcome, CommandStatus, ItemKind, PlanStep, StepStatus};
use crate::store::StoredThread;
use crate::text::single_line;

pub fn write_header(out: &mut impl Write, thread: &StoredThread) -> io::Result<()> {
    let mut text = format!("# {}\n\n", inline(thread.title()));
    let mut row = |label: &str, value: String| {
        text.push_str(&format!("- **{label}:** {value}\n"));
    };
    row("Thread", code_span(&thread.thread_id.to_string()));
    if let Some(parent) = thread.forked_from_id {
        row("Forked from", code_span(&parent.to_string()));
    }
    row("Created", utc(thread.created_at));
    row("Updated", utc(thread.updated_at));
    if thread.archived {
        row("Archived", "yes".to_string());
    }
    row("Directory", code_span(&thread.cwd.display().to_string()));
    if let Some(git) = &thread.git_info {
        let parts: Vec<String> = [
            ("branch", &git.branch),
            ("commit", &git.commit_hash),
            ("origin", &git.repository_url),
        ]
        .into_iter()
        .filter_map(|(label, value)| {
            let value = value.as_deref().filter(|value| !value.trim().is_empty())?;
            Some(format!("{label} {}", code_span(value)))
        })
        .collect();
        if !parts.is_empty() {
            row("Git", parts.join(", "));
        }
    }
    if let Some(model) = thread.model.as_deref().filter(|model| !model.is_empty()) {
        let mut details = Vec::new();
        if !thread.model_provider.is_empty() {
            details.push(format!("provider {}", code_span(&thread.model_provider)));
        }
        if let Some(effort) = thread.reasoning_effort.as_deref().filter(|e| !e.is_empty()) {
            details.push(format!("reasoning effort {}", code_span(effort)));
        }
        let details = if details.is_empty() {
            String::new()
        } else {
            format!(" ({})", details.join(", "))
        };
        row("Model", format!("{}{details}", code_span(model)));
    }
    if !thread.source.is_empty() {
        row("Source", code_span(&thread.source));
    }
    if !thread.cli_version.is_empty() {
        row("Codex", code_span(&thread.cli_version));
    }
    if thread.tokens_used() > 0 {
        row("Tokens", thousands(thread.tokens_used()));
    }
    write_clean(out, &text)
}

pub fn write_item(out: &mut impl Write, kind: &ItemKind) -> io::Result<()> {
    let mut block = block(kind);
    if !block.ends_with('\n') {
        block.push('\n');
    }
    block.insert(0, '\n');
    write_clean(out, &block)
}

/// Everything written goes through `clean`: the Markdown around the text has no control
/// characters, so cleaning the whole block cleans exactly the rollout text in it.
fn write_clean(out: &mut impl Write, text: &str) -> io::Result<()> {
    out.write_all(clean(text).as_bytes())
}

fn block(kind: &ItemKind) -> String {
    match kind {
        ItemKind::User { text, images } => {
            let mut body = text.trim_end().to_string();
            for image in images {
                if !body.is_empty() {
                    body.push('\n');
                }
                body.push_str(&format!("*Image: {}*", inline(image)));
            }
            format!("### User\n\n{}", quote(&body))
        }
        ItemKind::Assistant { text } => format!("### Assistant\n\n{}", markdown_body(text)),
        ItemKind::Reasoning { text } => reasoning("Reasoning", text),
        ItemKind::RawReasoning { text } => reasoning("Raw reasoning", text),
        ItemKind::Command {
            command, outcome, ..
        } => command_block(command, outcome.as_ref(), kind.command_status()),
        ItemKind::Patch { files, success, .. } => patch_block(files, *success),
        ItemKind::Plan { explanation, steps } => plan_block(explanation.as_deref(), steps),
        ItemKind::ToolCall {
            server,
            tool,
            arguments,
            result,
            ..
        } => tool_block(server, tool, arguments, result.as_ref()),
        ItemKind::WebSearch { query } => format!("**Web search:** {}", inline(query)),
        ItemKind::Image { description } => format!("*Image: {}*", inline(description)),
        ItemKind::TurnEnded {
            duration_ms,
            tokens,
            aborted,
        } => turn_end(*duration_ms, *tokens, aborted.as_deref()),
        ItemKind::Compacted => "*Context compacted.*".to_string(),
        ItemKind::RolledBack { turns } => {
            let plural = if *turns == 1 { "" } else { "s" };
            format!("*Rolled back {turns} turn{plural}.*")
        }
        ItemKind::Notice { text } => format!("*{}*", inline(text)),
        ItemKind::Error { message } => quote(&format!("**Error:** {}", message.trim())),
        ItemKind::Skipped { what } => format!("*Skipped: {}*", inline(what)),
        ItemKind::Omitted { note, .. } => format!("*[{}]*", inline(note)),
    }
}

/// A summary's first line is often its title in bold (`**Checking the flake**`); it becomes the
/// `<summary>` of a collapsed block.
fn reasoning(label: &str, text: &str) -> String {
    let text = text.trim();
    let (title, body) = match text.split_once('\n') {
        Some((first, rest)) => (first.trim(), rest.trim()),
        None => (text, ""),
    };
    let (summary, body) = match title
        .strip_prefix("**")
        .and_then(|title| title.strip_suffix("**"))
    {
        Some(title) if !title.is_empty() && !title.contains("**") => {
            (format!("{label}: {}", html_escape(title)), body)
        }
        _ => (label.to_string(), text),
    };
    let body = if body.is_empty() {
        String::new()
    } else {
        // A closing tag in the text would end the block early.
        format!(
            "\n{}\n",
            markdown_body(body).replace("</details>", "&lt;/details>")
        )
    };
    format!("<details>\n<summary>{summary}</summary>\n{body}\n</details>")
}

/// `**Shell** (exit 0 · 1.3 s)`, then the command and its output in fences.
fn command_block(
    command: &str,
    outcome: Option<&CommandOutcome>,
    status: Option<CommandStatus>,
) -> String {
    let status = command_status(status);
    let mut text = format!("**Shell** ({status})\n\n{}", fenced(command.trim(), "sh"));
    if let Some(outcome) = outcome {
        if outcome.output.trim().is_empty() {
            text.push_str("\n\n*No output.*");
        } else {
            text.push_str("\n\n");
            text.push_str(&fenced(outcome.output.trim_end_matches('\n'), ""));
        }
    }
    text
}

fn patch_block(files: &[FileDiff], success: Option<bool>) -> String {
    let status = match success {
        Some(true) => "applied",
        Some(false) => "failed",
        None => "result not recorded",
    };
    let mut text = format!("**Patch** ({status})");
    if files.is_empty() {
        text.push_str("\n\n*No files.*");
    }
    for file in files {
        let action = match file.change {
            FileChange::Added => "Added",
            FileChange::Deleted => "Deleted",
            FileChange::Updated => "Edited",
        };
        let target = match &file.moved_to {
            Some(to) => format!("{} → {}", code_span(&file.path), code_span(to)),
            None => code_span(&file.path),
        };
        text.push_str(&format!(
            "\n\n{action} {target} (+{} −{})",
            file.added(),
            file.removed()
        ));
        if !file.lines.is_empty() {
            text.push_str("\n\n");
            text.push_str(&fenced(&unified_diff(file), "diff"));
        }
    }
    text
}

/// A file's change as a unified diff with `---`/`+++` headers, as `git diff` writes it.
pub(super) fn unified_diff(file: &FileDiff) -> String {
    let old = match file.change {
        FileChange::Added => "/dev/null".to_string(),
        _ => format!("a/{}", file.path),
    };
    let new = match (file.change, &file.moved_to) {
        (FileChange::Deleted, _) => "/dev/null".to_string(),
        (_, Some(to)) => format!("b/{to}"),
        _ => format!("b/{}", file.path),
    };
    let mut diff = format!("--- {old}\n+++ {new}");
    for (kind, line) in &file.lines {
        let prefix = match kind {
            DiffLineKind::Added => "+",
            DiffLineKind::Removed => "-",
            DiffLineKind::Context => " ",
            DiffLineKind::Hunk => "",
        };
        diff.push('\n');
        diff.push_str(prefix);
        diff.push_str(line);
    }
    diff
}

fn plan_block(explanation: Option<&str>, steps: &[PlanStep]) -> String {
    let mut text = "**Plan**".to_string();
    if let Some(explanation) = explanation.filter(|text| !text.trim().is_empty()) {
        text.push_str("\n\n");
        text.push_str(&markdown_body(explanation));
    }
    if !steps.is_empty() {
        text.push('\n');
    }
    for step in steps {
        let (check, note) = match step.status {
            StepStatus::Done => ("x", ""),
            StepStatus::InProgress => (" ", " *(in progress)*"),
            StepStatus::Pending => (" ", ""),
        };
        text.push_str(&format!("\n- [{check}] {}{note}", inline(&step.text)));
    }
    text
}

fn tool_block(
    server: &str,
    tool: &str,
    arguments: &str,
    result: Option<&Result<String, String>>,
) -> String {
    let name = if server.is_empty() {
        tool.to_string()
    } else {
        format!("{server}/{tool}")
    };
    let status = match result {
        Some(Ok(_)) => "ok",
        Some(Err(_)) => "error",
        None => "no result recorded",
    };
    let mut text = format!("**Tool call** {} ({status})", code_span(&name));
    if !arguments.trim().is_empty() {
        text.push_str("\n\nArguments:\n\n");
        text.push_str(&data_block(arguments));
    }
    match result {
        Some(Ok(output)) | Some(Err(output)) if !output.trim().is_empty() => {
            let label = if matches!(result, Some(Err(_))) {
                "Error"
            } else {
                "Result"
            };
            text.push_str(&format!("\n\n{label}:\n\n{}", data_block(output)));
        }
        _ => {}
    }
    text
}

/// JSON pretty-printed in a `json` fence; anything else as plain text.
fn data_block(text: &str) -> String {
    match serde_json::from_str::<Value>(text) {
        Ok(value @ (Value::Object(_) | Value::Array(_))) => {
            let pretty = serde_json::to_string_pretty(&value).unwrap_or_else(|_| text.into());
            fenced(&pretty, "json")
        }
        _ => fenced(text.trim_end_matches('\n'), ""),
    }
}

fn turn_end(duration_ms: Option<i64>, tokens: Option<i64>, aborted: Option<&str>) -> String {
    let parts = turn_end_parts(duration_ms, tokens, aborted, inline);
    format!("*{}*\n\n---", parts.join(" · "))
}

/// What both text exports say at a turn's end: `Turn ended`, `15.0 s`, `20,812 tokens`, with
/// an abort's reason made safe by `escape`.
pub(super) fn turn_end_parts(
    duration_ms: Option<i64>,
    tokens: Option<i64>,
    aborted: Option<&str>,
    escape: impl Fn(&str) -> String,
) -> Vec<String> {
    let mut parts = vec![match aborted {
        Some(reason) if !reason.is_empty() => format!("Turn aborted ({})", escape(reason)),
        Some(_) => "Turn aborted".to_string(),
        None => "Turn ended".to_string(),
    }];
    if let Some(ms) = duration_ms.filter(|ms| *ms >= 0) {
        parts.push(duration(ms));
    }
    if let Some(tokens) = tokens {
        parts.push(format!("{} tokens", thousands(tokens)));
    }
    parts
}

pub(super) fn duration(ms: i64) -> String {
    let seconds = ms / 1000;
    match seconds {
        0..60 => format!("{:.1} s", ms as f64 / 1000.0),
        60..3600 => format!("{} min {} s", seconds / 60, seconds % 60),
        _ => format!("{} h {} min", seconds / 3600, seconds / 60 % 60),
    }
}

/// A command's run time: `360 ms` below a second, then as `duration` says it.
/// How a command ended, as both text exports say it: `exit 0 · 1.3 s`.
pub(super) fn command_status(status: Option<CommandStatus>) -> String {
    match status {
        Some(CommandStatus::Finished {
            exit_code,
            duration_ms,
        }) => {
            let exit = match exit_code {
                Some(code) => format!("exit {code}"),
                None => "no exit code recorded".to_string(),
            };
            match duration_ms.filter(|ms| *ms >= 0) {
                Some(ms) => format!("{exit} · {}", command_duration(ms)),
                None => exit,
            }
        }
        Some(CommandStatus::Running { .. }) => "running, no result yet".to_string(),
        Some(CommandStatus::NoOutput) | None => "no result recorded".to_string(),
    }
}

pub(super) fn command_duration(ms: i64) -> String {
    if ms < 1000 {
        format!("{ms} ms")
    } else {
        duration(ms)
    }
}

pub(super) fn thousands(value: i64) -> String {
    let digits = value.unsigned_abs().to_string();
    let mut grouped = String::new();
    for (index, digit) in digits.chars().enumerate() {
        if index > 0 && (digits.len() - index).is_multiple_of(3) {
            grouped.push(',');
        }
        grouped.push(digit);
    }
    if value < 0 {
        grouped.insert(0, '-');
    }
    grouped
}

fn utc(at: chrono::DateTime<chrono::Utc>) -> String {
    at.format("%Y-%m-%d %H:%M:%S UTC").to_string()
}

/// Model-written Markdown, with a fence it left open closed.
fn markdown_body(text: &str) -> String {
    let text = text.trim_matches('\n').trim_end();
    match open_fence(text) {
        Some(fence) => format!("{text}\n{fence}"),
        None => text.to_string(),
    }
}

/// The fence still open at the end of the text (CommonMark: a line of 3+ backticks or tildes
/// indented at most 3 spaces; closed by a line of at least as many of the same character).
fn open_fence(text: &str) -> Option<String> {
    let mut open: Option<(char, usize)> = None;
    for line in text.lines() {
        let indent = line.len() - line.trim_start_matches(' ').len();
        if indent > 3 {
            continue;
        }
        let line = line.trim_start_matches(' ');
        let Some(marker) = line.chars().next().filter(|c| *c == '`' || *c == '~') else {
            continue;
        };
        let run = line.chars().take_while(|c| *c == marker).count();
        if run < 3 {
            continue;
        }
        match open {
            None => {
                // A backtick fence's info string may not hold backticks.
                if marker == '~' || !line[run..].contains('`') {
                    open = Some((marker, run));
                }
            }
            Some((open_marker, open_run)) => {
                if marker == open_marker && run >= open_run && line[run..].trim().is_empty() {
                    open = None;
                }
            }
        }
    }
    open.map(|(marker, run)| marker.to_string().repeat(run))
}

/// A fenced code block whose fence is longer than any backtick run in the text, so the text
/// cannot close it.
fn fenced(text: &str, info: &str) -> String {
    let fence = "`".repeat(longest_backtick_run(text).max(2) + 1);
    format!("{fence}{info}\n{text}\n{fence}")
}

/// Inline code for one line of text, delimited by more backticks than any run inside.
fn code_span(text: &str) -> String {
    let text = single_line(text);
    let ticks = "`".repeat(longest_backtick_run(&text) + 1);
    // A space keeps a backtick at either end from joining the delimiter; CommonMark strips it.
    let pad = if text.starts_with('`') || text.ends_with('`') {
        " "
    } else {
        ""
    };
    format!("{ticks}{pad}{text}{pad}{ticks}")
}

fn longest_backtick_run(text: &str) -> usize {
    text.split(|c| c != '`').map(str::len).max().unwrap_or(0)
}

/// One line of plain text, with the characters Markdown would act on escaped.
fn inline(text: &str) -> String {
    let mut escaped = String::new();
    for c in single_line(text).chars() {
        if matches!(
            c,
            '\\' | '`' | '*' | '_' | '[' | ']' | '<' | '>' | '#' | '|' | '~' | '!'
        ) {
            escaped.push('\\');
        }
        escaped.push(c);
    }
    escaped
}

/// Text as a blockquote; a blockquote ends whatever Markdown inside it opened.
fn quote(text: &str) -> String {
    text.lines()
        .map(|line| {
            if line.trim().is_empty() {
                ">".to_string()
            } else {
                format!("> {line}")
            }
        })
        .collect::<Vec<_>>()
        .join("\n")
}

fn html_escape(text: &str) -> String {
    single_line(text)
        .replace('&', "&amp;")
        .replace('<', "&lt;")
        .replace('>', "&gt;")
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn fences_outlast_any_backtick_run_inside() {
        assert_eq!(fenced("ls", "sh"), "```sh\nls\n```");
        assert_eq!(
            fenced("echo ````` done", ""),
            "``````\necho ````` done\n``````"
        );
        assert_eq!(code_span("a`b"), "``a`b``");
        assert_eq!(code_span("`x`"), "`` `x` ``");
    }

    #[test]
    fn an_answer_that_leaves_a_fence_open_gets_it_closed() {
        assert_eq!(open_fence("```rust\nfn x() {}\n```"), None);
        assert_eq!(
            open_fence("text\n````\ncode\n```\nstill code"),
            Some("````".into())
        );
        assert_eq!(open_fence("~~~\n```\n"), Some("~~~".into()));
        assert_eq!(open_fence("inline ```code``` only"), None);
        assert_eq!(markdown_body("```sh\nls"), "```sh\nls\n```");
    }

    #[test]
    fn inline_text_cannot_start_markdown_and_user_text_stays_quoted() {
        assert_eq!(inline("# *not* [a](link)"), "\\# \\*not\\* \\[a\\](link)");
        assert_eq!(quote("one\n\n```\ntwo"), "> one\n>\n> ```\n> two");
    }

    #[test]
    fn reasoning_uses_its_bold_title_as_the_summary() {
        assert_eq!(
            reasoning("Reasoning", "**Checking <the> flake**\n\nThe sleep races."),
            "<details>\n<summary>Reasoning: Checking &lt;the&gt; flake</summary>\n\n\
             The sleep races.\n\n</details>"
        );
        assert_eq!(
            reasoning("Reasoning", "**Title only**"),
            "<details>\n<summary>Reasoning: Title only</summary>\n\n</details>"
        );
    }

    #[test]
    fn numbers_read_like_a_person_wrote_them() {
        assert_eq!(thousands(1_234_567), "1,234,567");
        assert_eq!(thousands(999), "999");
        assert_eq!(duration(1_300), "1.3 s");
        assert_eq!(duration(125_000), "2 min 5 s");
        assert_eq!(duration(3_780_000), "1 h 3 min");
        assert_eq!(command_duration(361), "361 ms");
        assert_eq!(command_duration(12_200), "12.2 s");
    }
}
