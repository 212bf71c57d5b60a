//! Draws one transcript item as styled lines at a given width. This is the costly part of the
//! history view; the view caches the result per item and redraws only when the item or the
//! width changes. Every piece of rollout text passes through `sanitize` here.

use ratatui::style::{Modifier, Style};
use ratatui::text::{Line, Span};

use super::markdown::render_markdown;
use super::wrap::{pad_line, truncate, wrap_chars, wrap_text};
use crate::history::patch::{DiffLineKind, FileChange, FileDiff};
use crate::history::{CommandOutcome, CommandStatus, ItemKind, PlanStep, StepStatus};
use crate::text::sanitize::{sanitize, single_line};
use crate::tui::theme::Theme;

/// Lines of command or tool output shown at each end; the middle is counted.
pub const OUTPUT_HEAD_LINES: usize = 5;
pub const OUTPUT_TAIL_LINES: usize = 5;
/// Diff lines shown per file before the rest is counted.
pub const DIFF_LINES_PER_FILE: usize = 40;

/// What the history view asks every cell to show beyond the default; one value for the whole
/// view, so a toggle re-lays out every cached item the same way.
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq)]
pub struct CellOptions {
    /// Every line of command and tool output (wrapped, not cut) and of each diff, instead of
    /// the first and last few with a count between.
    pub full_output: bool,
    /// The model's raw reasoning text, which otherwise takes no lines at all.
    pub raw_reasoning: bool,
}

/// The lines of one item, followed by a blank separator line.
pub fn render_item(
    item: &ItemKind,
    width: usize,
    theme: &Theme,
    options: CellOptions,
) -> Vec<Line<'static>> {
    let width = width.max(1);
    let mut lines = match item {
        ItemKind::RawReasoning { .. } if !options.raw_reasoning => return Vec::new(),
        ItemKind::RawReasoning { text } => {
            let bullet = [Span::styled("⋮ ", theme.dim)];
            wrap_text(
                sanitize(text).trim(),
                theme.dim,
                width,
                &bullet,
                &[Span::raw("  ")],
            )
        }
        ItemKind::User { text, images } => user_message(text, images, width, theme),
        ItemKind::Assistant { text } => {
            let bullet = [Span::styled("• ", theme.text)];
            render_markdown(&sanitize(text), width, theme, &bullet, &[Span::raw("  ")])
        }
        ItemKind::Reasoning { text } => {
            let text = sanitize(text).replace("**", "");
            let bullet = [Span::styled("• ", theme.dim)];
            wrap_text(
                text.trim(),
                theme.reasoning,
                width,
                &bullet,
                &[Span::raw("  ")],
            )
        }
        ItemKind::Command {
            command, outcome, ..
        } => {
            let status = item.command_status().unwrap_or(CommandStatus::NoOutput);
            command_cell(command, outcome.as_ref(), status, width, theme, options)
        }
        ItemKind::Patch { files, success, .. } => {
            patch_cell(files, *success, width, theme, options)
        }
        ItemKind::Plan { explanation, steps } => {
            plan_cell(explanation.as_deref(), steps, width, theme)
        }
        ItemKind::ToolCall {
            server,
            tool,
            arguments,
            result,
            ..
        } => tool_cell(
            server,
            tool,
            arguments,
            result.as_ref(),
            width,
            theme,
            options,
        ),
        ItemKind::WebSearch { query } => {
            let text = if query.is_empty() {
                "Searched the web".to_string()
            } else {
                format!("Searched the web for “{}”", single_line(query))
            };
            titled(&text, theme.accent, width, theme)
        }
        ItemKind::Image { description } => titled(
            &capitalize(&single_line(description)),
            theme.accent,
            width,
            theme,
        ),
        ItemKind::TurnEnded {
            duration_ms,
            tokens,
            aborted,
        } => vec![turn_rule(
            *duration_ms,
            *tokens,
            aborted.as_deref(),
            width,
            theme,
        )],
        ItemKind::Compacted => vec![marker("↻ context compacted", theme.dim, width)],
        ItemKind::RolledBack { turns } => {
            let plural = if *turns == 1 { "" } else { "s" };
            vec![marker(
                &format!("↶ rolled back {turns} turn{plural}"),
                theme.dim,
                width,
            )]
        }
        ItemKind::Notice { text } => vec![marker(
            &format!("· {}", single_line(text)),
            theme.dim,
            width,
        )],
        ItemKind::Error { message } => {
            let prefix = [Span::styled("■ ", theme.failure)];
            wrap_text(
                &sanitize(message),
                theme.failure,
                width,
                &prefix,
                &[Span::raw("  ")],
            )
        }
        ItemKind::Skipped { what } => {
            vec![marker(
                &format!("⋯ skipped {}", single_line(what)),
                theme.dim,
                width,
            )]
        }
        ItemKind::Omitted { note, .. } => {
            vec![marker(
                &format!("[{}]", single_line(note)),
                theme.dim,
                width,
            )]
        }
    };
    lines.push(Line::default());
    lines
}

fn user_message(text: &str, images: &[String], width: usize, theme: &Theme) -> Vec<Line<'static>> {
    let style = theme.user_message;
    let clean = sanitize(text);
    let mut lines = wrap_text(
        clean.trim_end(),
        style,
        width,
        &[Span::styled("› ", style.add_modifier(Modifier::BOLD))],
        &[Span::styled("  ", style)],
    );
    for image in images {
        let label = format!("  [image: {}]", single_line(image));
        lines.push(Line::from(Span::styled(
            truncate(&label, width),
            style.add_modifier(Modifier::ITALIC),
        )));
    }
    lines
        .into_iter()
        .map(|line| pad_line(line, width, style))
        .collect()
}

fn status_bullet(ok: Option<bool>, theme: &Theme) -> Span<'static> {
    let style = match ok {
        Some(true) => theme.success,
        Some(false) => theme.failure,
        None => theme.dim,
    };
    Span::styled("• ", style.add_modifier(Modifier::BOLD))
}

/// `• Ran <command>`, then under a corner: how it ended (`exit 0 · 1.2s`) and its output; or
/// `running` (the view adds the elapsed time when it draws: see `running_marker`); or that its
/// turn ended without output.
fn command_cell(
    command: &str,
    outcome: Option<&CommandOutcome>,
    status: CommandStatus,
    width: usize,
    theme: &Theme,
    options: CellOptions,
) -> Vec<Line<'static>> {
    let bullet = match status {
        CommandStatus::Finished { exit_code, .. } => {
            status_bullet(exit_code.map(|code| code == 0), theme)
        }
        CommandStatus::Running { .. } => {
            Span::styled("• ", theme.live.add_modifier(Modifier::BOLD))
        }
        CommandStatus::NoOutput => status_bullet(None, theme),
    };
    let first = [bullet, Span::styled("Ran ", theme.title)];
    let rest = [Span::styled("  │ ", theme.dim)];
    let clean = sanitize(command);
    let mut lines = Vec::new();
    for (index, line) in clean.trim().lines().enumerate() {
        let prefix: &[Span<'static>] = if index == 0 { &first } else { &rest };
        lines.extend(wrap_chars(line, theme.text, width, prefix, &rest));
    }
    if lines.is_empty() {
        lines.push(Line::from(first.to_vec()));
    }
    match status {
        CommandStatus::Finished {
            exit_code,
            duration_ms,
        } => {
            let output = outcome.map_or_else(Vec::new, |outcome| {
                output_lines(&outcome.output, width, theme, options)
            });
            let mut body = Vec::new();
            let mut summary = Vec::new();
            if let Some(code) = exit_code {
                summary.push(format!("exit {code}"));
            }
            if let Some(ms) = duration_ms {
                summary.push(format_command_duration(ms));
            }
            if !summary.is_empty() {
                if output.is_empty() {
                    summary.push("no output".to_string());
                }
                let style = if exit_code.is_some_and(|code| code != 0) {
                    theme.failure
                } else {
                    theme.dim
                };
                let text = truncate(&summary.join(" · "), width.saturating_sub(4).max(1));
                body.push(Line::from(Span::styled(text, style)));
            }
            body.extend(output);
            lines.extend(under_corner(body, "(no output)", theme));
        }
        CommandStatus::Running { .. } => lines.push(running_marker(None, width, theme)),
        CommandStatus::NoOutput => {
            lines.extend(under_corner(Vec::new(), "(ended without output)", theme))
        }
    }
    lines
}

/// The line under a running command: `└ running`, or `└ running 12s` when the view knows how
/// long it has run. A running command's cell ends with this line (and the blank separator),
/// so the view redraws only this line as the clock moves, never the cell.
pub fn running_marker(elapsed_ms: Option<i64>, width: usize, theme: &Theme) -> Line<'static> {
    let text = match elapsed_ms {
        Some(ms) => format!("running {}", format_elapsed_ms(ms)),
        None => "running".to_string(),
    };
    Line::from(vec![
        Span::styled("  └ ", theme.dim),
        Span::styled(truncate(&text, width.saturating_sub(4).max(1)), theme.live),
    ])
}

/// How long a finished command ran: `15ms`, `1.2s`, `3m 12s`.
pub fn format_command_duration(ms: i64) -> String {
    let ms = ms.max(0);
    if (1000..60_000).contains(&ms) {
        // Tenths, cut rather than rounded: 59.96 s is not a minute yet.
        format!("{}.{}s", ms / 1000, ms % 1000 / 100)
    } else {
        format_duration_ms(ms)
    }
}

/// How long a running command has run so far, in whole seconds: `0s`, `12s`, `3m 12s`.
pub fn format_elapsed_ms(ms: i64) -> String {
    let ms = ms.max(0);
    if ms < 1000 {
        "0s".to_string()
    } else {
        format_duration_ms(ms)
    }
}

/// The most lines of one output shown in full-output mode.
const FULL_OUTPUT_MAX_LINES: usize = 5_000;

/// The first and last lines of an output, with a count of the lines between; with
/// `full_output`, every line (up to `FULL_OUTPUT_MAX_LINES`), wrapped.
fn output_lines(
    output: &str,
    width: usize,
    theme: &Theme,
    options: CellOptions,
) -> Vec<Line<'static>> {
    let clean = sanitize(output);
    let all: Vec<&str> = clean.trim_end().lines().collect();
    let all = if all.iter().all(|line| line.trim().is_empty()) {
        Vec::new()
    } else {
        all
    };
    let shown_width = width.saturating_sub(4).max(1);
    if options.full_output {
        // Even "everything" stays bounded: a runaway output must not fill memory.
        let shown = all.len().min(FULL_OUTPUT_MAX_LINES);
        let mut lines: Vec<Line<'static>> = all[..shown]
            .iter()
            .flat_map(|text| wrap_chars(text, theme.dim, shown_width, &[], &[]))
            .collect();
        if all.len() > shown {
            lines.push(Line::from(Span::styled(
                format!(
                    "… +{} more lines (`codex-threads show` prints everything)",
                    all.len() - shown
                ),
                theme.dim.add_modifier(Modifier::ITALIC),
            )));
        }
        return lines;
    }
    let line = |text: &str| Line::from(Span::styled(truncate(text, shown_width), theme.dim));
    if all.len() <= OUTPUT_HEAD_LINES + OUTPUT_TAIL_LINES {
        return all.iter().map(|text| line(text)).collect();
    }
    let hidden = all.len() - OUTPUT_HEAD_LINES - OUTPUT_TAIL_LINES;
    let mut lines: Vec<Line<'static>> = all[..OUTPUT_HEAD_LINES].iter().map(|t| line(t)).collect();
    lines.push(Line::from(Span::styled(
        format!("… +{hidden} lines"),
        theme.dim.add_modifier(Modifier::ITALIC),
    )));
    lines.extend(all[all.len() - OUTPUT_TAIL_LINES..].iter().map(|t| line(t)));
    lines
}

/// Indents `body` under a `└` corner; an empty body shows `empty` instead.
fn under_corner(body: Vec<Line<'static>>, empty: &str, theme: &Theme) -> Vec<Line<'static>> {
    let body = if body.is_empty() {
        vec![Line::from(Span::styled(
            empty.to_string(),
            theme.dim.add_modifier(Modifier::ITALIC),
        ))]
    } else {
        body
    };
    body.into_iter()
        .enumerate()
        .map(|(index, line)| {
            let corner = if index == 0 { "  └ " } else { "    " };
            let mut spans = vec![Span::styled(corner, theme.dim)];
            spans.extend(line.spans);
            Line::from(spans)
        })
        .collect()
}

fn patch_cell(
    files: &[FileDiff],
    success: Option<bool>,
    width: usize,
    theme: &Theme,
    options: CellOptions,
) -> Vec<Line<'static>> {
    let added: usize = files.iter().map(FileDiff::added).sum();
    let removed: usize = files.iter().map(FileDiff::removed).sum();
    let counts = |added: usize, removed: usize| {
        vec![
            Span::styled(" (", theme.dim),
            Span::styled(format!("+{added}"), theme.diff_added),
            Span::styled(" ", theme.dim),
            Span::styled(format!("-{removed}"), theme.diff_removed),
            Span::styled(")", theme.dim),
        ]
    };
    let mut header = vec![status_bullet(success, theme)];
    match files {
        [only] => {
            header.push(Span::styled(
                format!("{} ", change_verb(only.change)),
                theme.title,
            ));
            header.push(Span::raw(single_line(&file_label(only))));
        }
        _ => {
            header.push(Span::styled("Edited ", theme.title));
            header.push(Span::raw(format!("{} files", files.len())));
        }
    }
    header.extend(counts(added, removed));
    if success == Some(false) {
        header.push(Span::styled(" failed", theme.failure));
    }
    let mut lines = vec![Line::from(header)];
    let mut body = Vec::new();
    for file in files {
        if files.len() > 1 {
            let mut spans = vec![Span::styled(single_line(&file_label(file)), theme.title)];
            spans.extend(counts(file.added(), file.removed()));
            body.push(Line::from(spans));
        }
        body.extend(diff_lines(file, width, theme, options));
    }
    if !body.is_empty() {
        lines.extend(under_corner(body, "", theme));
    }
    lines
}

fn change_verb(change: FileChange) -> &'static str {
    match change {
        FileChange::Added => "Added",
        FileChange::Deleted => "Deleted",
        FileChange::Updated => "Edited",
    }
}

fn file_label(file: &FileDiff) -> String {
    match &file.moved_to {
        Some(target) => format!("{} → {}", file.path, target),
        None => file.path.clone(),
    }
}

fn diff_lines(
    file: &FileDiff,
    width: usize,
    theme: &Theme,
    options: CellOptions,
) -> Vec<Line<'static>> {
    let shown_width = width.saturating_sub(4).max(1);
    let limit = if options.full_output {
        usize::MAX
    } else {
        DIFF_LINES_PER_FILE
    };
    let mut lines: Vec<Line<'static>> = file
        .lines
        .iter()
        .take(limit)
        .map(|(kind, text)| {
            let (sign, style) = match kind {
                DiffLineKind::Added => ("+", theme.diff_added),
                DiffLineKind::Removed => ("-", theme.diff_removed),
                DiffLineKind::Context => (" ", theme.dim),
                DiffLineKind::Hunk => ("", theme.accent),
            };
            let text = format!("{sign}{}", sanitize(text));
            Line::from(Span::styled(truncate(&text, shown_width), style))
        })
        .collect();
    if file.lines.len() > limit {
        let hidden = file.lines.len() - limit;
        lines.push(Line::from(Span::styled(
            format!("… +{hidden} lines"),
            theme.dim,
        )));
    }
    lines
}

fn plan_cell(
    explanation: Option<&str>,
    steps: &[PlanStep],
    width: usize,
    theme: &Theme,
) -> Vec<Line<'static>> {
    let mut lines = vec![Line::from(vec![
        Span::styled("• ", theme.accent),
        Span::styled("Updated Plan", theme.title),
    ])];
    let mut body = Vec::new();
    if let Some(explanation) = explanation {
        let style = theme.dim.add_modifier(Modifier::ITALIC);
        body.extend(wrap_text(
            &sanitize(explanation),
            style,
            width.saturating_sub(4),
            &[],
            &[],
        ));
    }
    for step in steps {
        let (mark, style) = match step.status {
            StepStatus::Done => ("✔ ", theme.dim.add_modifier(Modifier::CROSSED_OUT)),
            StepStatus::InProgress => ("◐ ", theme.accent.add_modifier(Modifier::BOLD)),
            StepStatus::Pending => ("□ ", theme.text),
        };
        let mark_style = if step.status == StepStatus::Done {
            theme.success
        } else {
            style
        };
        body.extend(wrap_text(
            &single_line(&step.text),
            style,
            width.saturating_sub(4),
            &[Span::styled(mark, mark_style)],
            &[Span::raw("  ")],
        ));
    }
    lines.extend(under_corner(body, "(empty plan)", theme));
    lines
}

fn tool_cell(
    server: &str,
    tool: &str,
    arguments: &str,
    result: Option<&Result<String, String>>,
    width: usize,
    theme: &Theme,
    options: CellOptions,
) -> Vec<Line<'static>> {
    let ok = result.map(Result::is_ok);
    let name = if server.is_empty() {
        tool.to_string()
    } else {
        format!("{server}.{tool}")
    };
    let call = format!("{}({})", single_line(&name), single_line(arguments));
    let header_width = width.saturating_sub(9).max(1);
    let mut lines = vec![Line::from(vec![
        status_bullet(ok, theme),
        Span::styled("Called ", theme.title),
        Span::raw(truncate(&call, header_width)),
    ])];
    let body = match result {
        Some(Ok(text)) => output_lines(text, width, theme, options),
        Some(Err(text)) => {
            let mut body = output_lines(text, width, theme, options);
            body.insert(0, Line::from(Span::styled("error", theme.failure)));
            body
        }
        None => Vec::new(),
    };
    let empty = if result.is_some() {
        "(no output)"
    } else {
        "(no result recorded yet)"
    };
    lines.extend(under_corner(body, empty, theme));
    lines
}

fn titled(text: &str, bullet: Style, width: usize, theme: &Theme) -> Vec<Line<'static>> {
    wrap_text(
        text,
        theme.text,
        width,
        &[Span::styled("• ", bullet)],
        &[Span::raw("  ")],
    )
}

fn marker(text: &str, style: Style, width: usize) -> Line<'static> {
    Line::from(Span::styled(truncate(text, width), style))
}

fn turn_rule(
    duration_ms: Option<i64>,
    tokens: Option<i64>,
    aborted: Option<&str>,
    width: usize,
    theme: &Theme,
) -> Line<'static> {
    let mut parts = Vec::new();
    if let Some(reason) = aborted {
        parts.push(format!("turn aborted ({})", single_line(reason)));
    }
    if let Some(ms) = duration_ms {
        parts.push(format_duration_ms(ms));
    }
    if let Some(tokens) = tokens {
        parts.push(format!("{} tokens", format_count(tokens)));
    }
    let label = if parts.is_empty() {
        String::new()
    } else {
        format!(" {} ", parts.join(" · "))
    };
    let style = if aborted.is_some() {
        theme.warning
    } else {
        theme.dim
    };
    let text = format!("──{label}");
    let used = unicode_width::UnicodeWidthStr::width(text.as_str());
    let rule = format!("{text}{}", "─".repeat(width.saturating_sub(used)));
    Line::from(Span::styled(truncate(&rule, width), style))
}

/// `850ms`, `46s`, `3m 12s`, `1h 02m`.
pub fn format_duration_ms(ms: i64) -> String {
    let ms = ms.max(0);
    if ms < 1000 {
        return format!("{ms}ms");
    }
    let seconds = ms / 1000;
    match seconds {
        0..60 => format!("{seconds}s"),
        60..3600 => format!("{}m {:02}s", seconds / 60, seconds % 60),
        _ => format!("{}h {:02}m", seconds / 3600, seconds % 3600 / 60),
    }
}

/// `950`, `12.4k`, `1.2M`.
pub fn format_count(count: i64) -> String {
    let value = count.max(0) as f64;
    if value < 1000.0 {
        format!("{count}")
    } else if value < 1_000_000.0 {
        format!("{:.1}k", value / 1000.0)
    } else {
        format!("{:.1}M", value / 1_000_000.0)
    }
}

fn capitalize(text: &str) -> String {
    let mut chars = text.chars();
    match chars.next() {
        Some(first) => first.to_uppercase().chain(chars).collect(),
        None => String::new(),
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::tui::config::Config;

    fn text_with(item: &ItemKind, width: usize, options: CellOptions) -> Vec<String> {
        let theme = Config::builtin(true).expect("config").theme;
        render_item(item, width, &theme, options)
            .iter()
            .map(|l| l.to_string())
            .collect()
    }

    fn text_of(item: &ItemKind, width: usize) -> Vec<String> {
        text_with(item, width, CellOptions::default())
    }

    fn seq_30() -> ItemKind {
        let output: String = (1..=30).map(|i| format!("line {i}\n")).collect();
        ItemKind::Command {
            call_id: "c".into(),
            command: "seq 30".into(),
            started_at_ms: None,
            turn_ended: false,
            outcome: Some(CommandOutcome {
                // No exit code or duration: only the output under the corner.
                exit_code: None,
                duration_ms: None,
                output,
            }),
        }
    }

    #[test]
    fn long_command_output_shows_head_and_tail_with_a_count() {
        let lines = text_of(&seq_30(), 40);
        assert_eq!(lines[0], "• Ran seq 30");
        assert_eq!(lines[1], "  └ line 1");
        assert_eq!(lines[6], "    … +20 lines");
        assert_eq!(lines[11], "    line 30");
    }

    #[test]
    fn full_output_of_a_runaway_command_is_still_bounded() {
        let huge = ItemKind::Command {
            call_id: "c".into(),
            command: "yes".into(),
            started_at_ms: None,
            turn_ended: false,
            outcome: Some(CommandOutcome {
                // No exit code or duration: only the output under the corner.
                exit_code: None,
                duration_ms: None,
                output: "y\n".repeat(FULL_OUTPUT_MAX_LINES + 7),
            }),
        };
        let full = CellOptions {
            full_output: true,
            ..CellOptions::default()
        };
        let lines = text_with(&huge, 40, full);
        assert!(
            lines.len() <= FULL_OUTPUT_MAX_LINES + 3,
            "{} lines",
            lines.len()
        );
        assert!(lines.iter().any(|line| line.contains("+7 more lines")));
    }

    #[test]
    fn full_output_shows_every_line_wrapped_instead_of_cut() {
        let full = CellOptions {
            full_output: true,
            ..CellOptions::default()
        };
        let lines = text_with(&seq_30(), 40, full);
        assert_eq!(lines.len(), 1 + 30 + 1, "{lines:?}");
        assert!(lines.iter().all(|line| !line.contains("… +")));
        assert_eq!(lines[30], "    line 30");
        let long = ItemKind::Command {
            call_id: "c".into(),
            command: "echo".into(),
            started_at_ms: None,
            turn_ended: false,
            outcome: Some(CommandOutcome {
                // No exit code or duration: only the output under the corner.
                exit_code: None,
                duration_ms: None,
                output: "x".repeat(50),
            }),
        };
        assert_eq!(text_of(&long, 20)[1], format!("  └ {}…", "x".repeat(15)));
        let wrapped = text_with(&long, 20, full);
        assert_eq!(
            wrapped[1..4],
            [
                "  └ xxxxxxxxxxxxxxxx",
                "    xxxxxxxxxxxxxxxx",
                "    xxxxxxxxxxxxxxxx"
            ]
        );
    }

    #[test]
    fn raw_reasoning_takes_no_lines_unless_asked_for() {
        let raw = ItemKind::RawReasoning {
            text: "weigh the retry\u{1b}[2J".into(),
        };
        assert!(text_of(&raw, 40).is_empty());
        let shown = CellOptions {
            raw_reasoning: true,
            ..CellOptions::default()
        };
        assert_eq!(text_with(&raw, 40, shown), ["⋮ weigh the retry␛[2J", ""]);
    }

    #[test]
    fn escape_sequences_in_messages_are_drawn_escaped() {
        let lines = text_of(
            &ItemKind::Assistant {
                text: "x\u{1b}[2Jy \u{1b}]52;c;AA==\u{7}".into(),
            },
            40,
        );
        assert_eq!(lines[0], "• x␛[2Jy ␛]52;c;AA==^G");
    }

    fn command(outcome: Option<CommandOutcome>, turn_ended: bool) -> ItemKind {
        ItemKind::Command {
            call_id: "c".into(),
            command: "cargo test".into(),
            started_at_ms: Some(1_000),
            outcome,
            turn_ended,
        }
    }

    #[test]
    fn a_finished_command_says_how_it_ended_and_how_long_it_ran() {
        let failed = command(
            Some(CommandOutcome {
                exit_code: Some(101),
                duration_ms: Some(12_240),
                output: "FAILED\n".into(),
            }),
            false,
        );
        assert_eq!(
            text_of(&failed, 40),
            ["• Ran cargo test", "  └ exit 101 · 12.2s", "    FAILED", ""]
        );
        let quiet = command(
            Some(CommandOutcome {
                exit_code: Some(0),
                duration_ms: Some(15),
                output: String::new(),
            }),
            false,
        );
        assert_eq!(text_of(&quiet, 40)[1], "  └ exit 0 · 15ms · no output");
        // Nothing known of the end but the output: the output alone, as before.
        let bare = command(
            Some(CommandOutcome {
                output: "ok".into(),
                ..CommandOutcome::default()
            }),
            false,
        );
        assert_eq!(text_of(&bare, 40)[1], "  └ ok");
    }

    #[test]
    fn a_running_command_ends_with_its_marker_and_an_ended_one_says_so() {
        let theme = Config::builtin(true).expect("config").theme;
        let running = render_item(&command(None, false), 40, &theme, CellOptions::default());
        // The view finds the marker here and redraws it with the elapsed time.
        assert_eq!(running[running.len() - 2], running_marker(None, 40, &theme));
        assert_eq!(
            running_marker(Some(12_400), 40, &theme).to_string(),
            "  └ running 12s"
        );
        assert_eq!(
            text_of(&command(None, true), 40),
            ["• Ran cargo test", "  └ (ended without output)", ""]
        );
    }

    #[test]
    fn durations_and_counts_are_short() {
        assert_eq!(format_command_duration(361), "361ms");
        assert_eq!(format_command_duration(1_250), "1.2s");
        assert_eq!(format_command_duration(59_960), "59.9s");
        assert_eq!(format_command_duration(192_000), "3m 12s");
        assert_eq!(format_elapsed_ms(400), "0s");
        assert_eq!(format_elapsed_ms(12_900), "12s");
        assert_eq!(format_duration_ms(46_287), "46s");
        assert_eq!(format_duration_ms(192_000), "3m 12s");
        assert_eq!(format_count(12_413), "12.4k");
        assert_eq!(format_count(950), "950");
    }
}
