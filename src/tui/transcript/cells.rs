//! Draws one transcript item as styled lines at a given width. This is the costly part of the
//! history view; the view caches the result per item and redraws only when the item or the
//! width changes. Every piece of rollout text passes through `sanitize` here.

use ratatui::style::{Modifier, Style};
use ratatui::text::{Line, Span};

use super::markdown::render_markdown;
use super::wrap::{pad_line, truncate, wrap_chars, wrap_text};
use crate::history::patch::{DiffLineKind, FileChange, FileDiff};
use crate::history::{CommandOutcome, ItemKind, PlanStep, StepStatus};
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
        } => command_cell(command, outcome.as_ref(), width, theme, options),
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

fn command_cell(
    command: &str,
    outcome: Option<&CommandOutcome>,
    width: usize,
    theme: &Theme,
    options: CellOptions,
) -> Vec<Line<'static>> {
    let ok = outcome.and_then(|o| o.exit_code).map(|code| code == 0);
    let first = [status_bullet(ok, theme), Span::styled("Ran ", theme.title)];
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
    match outcome {
        Some(outcome) => {
            let mut output = output_lines(&outcome.output, width, theme, options);
            if let Some(code) = outcome.exit_code.filter(|code| *code != 0) {
                output.push(Line::from(Span::styled(
                    format!("exit code {code}"),
                    theme.failure,
                )));
            }
            lines.extend(under_corner(output, "(no output)", theme));
        }
        None => lines.extend(under_corner(Vec::new(), "(no result recorded yet)", theme)),
    }
    lines
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
            outcome: Some(CommandOutcome {
                exit_code: Some(0),
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
            outcome: Some(CommandOutcome {
                exit_code: Some(0),
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
            outcome: Some(CommandOutcome {
                exit_code: Some(0),
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

    #[test]
    fn durations_and_counts_are_short() {
        assert_eq!(format_duration_ms(46_287), "46s");
        assert_eq!(format_duration_ms(192_000), "3m 12s");
        assert_eq!(format_count(12_413), "12.4k");
        assert_eq!(format_count(950), "950");
    }
}
