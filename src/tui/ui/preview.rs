//! The preview pane beside the list: the selected thread's metadata and its last messages.

use ratatui::Frame;
use ratatui::layout::Rect;
use ratatui::text::{Line, Span};
use ratatui::widgets::{Block, Borders, Paragraph};

use super::format::{absolute_time, branch};
use super::status;
use crate::history::MessageRole;
use crate::text::sanitize::{sanitize, single_line};
use crate::tui::app::{Preview, State};
use crate::tui::theme::Theme;
use crate::tui::transcript::markdown::render_markdown;
use crate::tui::transcript::wrap::{truncate, wrap_text};

/// Lines each previewed message may take.
const LINES_PER_MESSAGE: usize = 3;

/// The width the pane's text is laid out at, in a pane `area_width` columns wide (its border
/// and a margin off).
pub fn text_width(area_width: u16) -> usize {
    usize::from(area_width.saturating_sub(1).saturating_sub(1)).max(1)
}

/// The lines of a preview's messages: a user message as plain text, an answer as Markdown
/// (as the history renders it), each cut to a few lines.
pub fn message_lines(
    messages: &[(MessageRole, String)],
    width: usize,
    theme: &Theme,
) -> Vec<Line<'static>> {
    let mut lines = Vec::new();
    for (role, text) in messages {
        let clean = sanitize(text);
        let mut wrapped = match role {
            MessageRole::User => {
                let style = theme.user_message;
                wrap_text(
                    clean.replace("\n\n", "\n").trim(),
                    style,
                    width,
                    &[Span::styled(" › ", style)],
                    &[Span::styled("   ", style)],
                )
            }
            MessageRole::Assistant => render_markdown(
                clean.trim(),
                width,
                theme,
                &[Span::styled(" • ", theme.text)],
                &[Span::styled("   ", theme.text)],
            ),
        };
        // A preview is a glimpse: paragraph breaks would use up its few lines.
        wrapped.retain(|line| {
            line.spans
                .iter()
                .any(|span| !span.content.trim().is_empty())
        });
        if wrapped.len() > LINES_PER_MESSAGE {
            wrapped.truncate(LINES_PER_MESSAGE);
            if let Some(last) = wrapped.last_mut() {
                last.spans.push(Span::styled("…", theme.dim));
            }
        }
        lines.extend(wrapped);
    }
    lines
}

pub fn render(frame: &mut Frame, state: &State, area: Rect) {
    let theme = &state.theme;
    let block = Block::default()
        .borders(Borders::LEFT)
        .border_style(theme.border);
    let inner = block.inner(area);
    frame.render_widget(block, area);
    let Some(row) = state.list.selected_row() else {
        return;
    };
    let thread = &row.thread;
    let width = text_width(area.width);
    let heading = match thread
        .name
        .as_deref()
        .filter(|name| !name.trim().is_empty())
    {
        Some(name) => single_line(name),
        None => thread.thread_id.to_string(),
    };
    let field = |label: &str, value: String| {
        Line::from(vec![
            Span::styled(format!(" {label:<8} "), theme.dim),
            Span::raw(truncate(&value, width.saturating_sub(10))),
        ])
    };
    let mut lines = vec![Line::from(Span::styled(
        format!(" {}", truncate(&heading, width)),
        theme.title,
    ))];
    if thread.name.is_some() {
        lines.push(field("id", thread.thread_id.to_string()));
    }
    let report = thread.status.status;
    lines.push(Line::from(vec![
        Span::styled(" status   ", theme.dim),
        Span::styled(
            truncate(
                &format!(
                    "{} {}",
                    status::status_glyph(report),
                    status::status_line(thread, state.now)
                ),
                width.saturating_sub(10),
            ),
            status::status_style(report, theme),
        ),
    ]));
    lines.push(field(
        "created",
        absolute_time(thread.created_at, state.utc_offset),
    ));
    lines.push(field(
        "updated",
        absolute_time(thread.updated_at, state.utc_offset),
    ));
    if let Some(origin) = &thread.origin {
        lines.push(field("origin", single_line(&origin.label())));
    }
    lines.push(field("dir", single_line(&thread.cwd.to_string_lossy())));
    if let Some(branch) = branch(thread) {
        lines.push(field("branch", single_line(branch)));
    }
    if let Some(model) = thread.model.as_deref() {
        lines.push(field("model", single_line(model)));
    }
    lines.push(field("memory", thread.memory_mode.as_str().to_string()));
    if let Some(placement) = &thread.section {
        lines.push(field("section", single_line(&placement.section.name)));
    }
    if let Some(project) = &thread.project {
        lines.push(field("project", single_line(&project.name)));
    }
    if thread.private {
        lines.push(field(
            "sync",
            format!(
                "{} private: kept at home, not pushed",
                super::list::PRIVATE_GLYPH
            ),
        ));
    }
    for (label, value) in super::usage_lines::usage_fields(state, thread) {
        lines.push(field(label, value));
    }
    lines.push(Line::default());
    match state.previews.get(&thread.thread_id) {
        None | Some(Preview::Loading) => {
            lines.push(Line::from(Span::styled(" Loading…", theme.dim)))
        }
        Some(Preview::Failed(error)) => lines.push(Line::from(Span::styled(
            format!(" {}", single_line(error)),
            theme.failure,
        ))),
        Some(Preview::Ready(ready)) if ready.messages.is_empty() => {
            lines.push(Line::from(Span::styled(" (no messages)", theme.dim)))
        }
        Some(Preview::Ready(ready)) => match ready.lines(width) {
            Some(made) => lines.extend(made.iter().cloned()),
            // Not made for this width yet (the layout just changed): made here, once.
            None => lines.extend(message_lines(&ready.messages, width, theme)),
        },
    }
    frame.render_widget(Paragraph::new(lines), inner);
}
