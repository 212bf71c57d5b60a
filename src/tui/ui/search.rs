//! The full-text search on the list screen: the query line and the results (one row per
//! thread: its title, then its first hit's snippet with the query marked).

use ratatui::Frame;
use ratatui::layout::{Alignment, Rect};
use ratatui::style::Style;
use ratatui::text::{Line, Span};
use ratatui::widgets::Paragraph;
use unicode_width::UnicodeWidthStr;

use super::format::relative_time;
use super::highlight::highlight;
use super::layout::RESULT_ROW_HEIGHT;
use crate::text::sanitize::single_line;
use crate::tui::app::{ResultRow, SearchProgress, SearchResults, State};
use crate::tui::transcript::wrap::{pad_line, truncate};

/// The query line: the prompt while typing, else the results' query and progress.
pub fn render_line(frame: &mut Frame, state: &State, area: Rect) {
    let theme = &state.theme;
    let (query, cursor) = match (&state.prompt, &state.full_text) {
        (Some(prompt), _) => (prompt.as_str(), "▏"),
        (None, Some(results)) => (results.query.as_str(), ""),
        (None, None) => ("", ""),
    };
    let right = state
        .full_text
        .as_ref()
        .map_or_else(|| "Enter searches every thread".to_string(), progress);
    let left = format!("f {}{cursor}", single_line(query));
    let width = usize::from(area.width);
    let right = truncate(&right, width.saturating_sub(left.width() + 1));
    let gap = width.saturating_sub(left.width() + right.width()).max(1);
    let line = Line::from(vec![
        Span::styled(left, theme.accent),
        Span::raw(" ".repeat(gap)),
        Span::styled(right, theme.dim),
    ]);
    frame.render_widget(Paragraph::new(line), area);
}

/// "Searching… 12 matches in 4 threads", "17 matches in 5 threads", …
fn progress(results: &SearchResults) -> String {
    let threads = results.rows.len();
    let counts = format!(
        "{} match{} in {threads} thread{}",
        results.hit_count,
        if results.hit_count == 1 { "" } else { "es" },
        if threads == 1 { "" } else { "s" },
    );
    match &results.progress {
        SearchProgress::Running => format!("Searching… {counts}"),
        SearchProgress::Done(_) => counts,
        SearchProgress::Truncated => format!("{counts} (stopped; refine the query)"),
        SearchProgress::Failed(error) => format!("search failed: {}", single_line(error)),
    }
}

pub fn render_results(frame: &mut Frame, state: &State, results: &SearchResults, area: Rect) {
    if area.height == 0 || area.width == 0 {
        return;
    }
    if results.rows.is_empty() {
        let message = match results.progress {
            SearchProgress::Running => "Searching…".to_string(),
            _ => format!("No matches for “{}”", single_line(&results.query)),
        };
        let text =
            Paragraph::new(Span::styled(message, state.theme.dim)).alignment(Alignment::Center);
        let middle = Rect {
            y: area.y + area.height / 2,
            height: 1,
            ..area
        };
        frame.render_widget(text, middle);
        return;
    }
    let width = usize::from(area.width);
    let per_page = (usize::from(area.height) / RESULT_ROW_HEIGHT).max(1);
    let lines: Vec<Line> = results
        .rows
        .iter()
        .enumerate()
        .skip(results.offset)
        .take(per_page)
        .flat_map(|(index, row)| {
            row_lines(state, row, &results.query, index == results.selected, width)
        })
        .collect();
    frame.render_widget(Paragraph::new(lines), area);
}

fn row_lines(
    state: &State,
    row: &ResultRow,
    query: &str,
    selected: bool,
    width: usize,
) -> [Line<'static>; 2] {
    let theme = &state.theme;
    let thread = &row.thread;
    let pointer = if selected { "› " } else { "  " };
    let mut meta = format!(
        "{} · {}",
        row.hits_label(),
        relative_time(state.now, thread.updated_at)
    );
    if thread.archived {
        meta.push_str(" · archived");
    }
    let title_width = width.saturating_sub(2 + meta.width() + 2);
    let title = truncate(&single_line(thread.title()), title_width);
    let gap = width
        .saturating_sub(2 + title.width() + meta.width())
        .max(1);
    let first = Line::from(vec![
        Span::styled(pointer, theme.accent),
        Span::styled(title, theme.title),
        Span::raw(" ".repeat(gap)),
        Span::styled(meta, theme.dim),
    ]);
    let snippet = row
        .hits
        .first()
        .map(|hit| single_line(&hit.snippet))
        .unwrap_or_default();
    let snippet = truncate(&snippet, width.saturating_sub(4));
    let second = highlight(
        Line::from(vec![Span::raw("    "), Span::styled(snippet, theme.dim)]),
        query,
        theme.search_match,
    );
    [first, second].map(|line| {
        if selected {
            pad_line(line, width, Style::new()).style(theme.selected)
        } else {
            line
        }
    })
}
