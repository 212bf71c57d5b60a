//! The history screen: a header with the thread and follow state, and the visible slice of the
//! pre-laid-out transcript.

use ratatui::Frame;
use ratatui::layout::{Alignment, Rect};
use ratatui::text::{Line, Span};
use ratatui::widgets::Paragraph;
use unicode_width::UnicodeWidthStr;

use super::format::branch;
use super::highlight::highlight;
use super::layout::ScreenLayout;
use super::status;
use crate::store::HistoryDirection;
use crate::text::sanitize::single_line;
use crate::tui::app::{FollowStatus, HistoryView, State, ThreadMatches};
use crate::tui::transcript::cells::running_marker;
use crate::tui::transcript::wrap::truncate;

pub fn render(frame: &mut Frame, state: &State, layout: &ScreenLayout) {
    let Some(history) = state.history.as_ref() else {
        return;
    };
    render_header(frame, state, history, layout.header);
    render_body(frame, state, history, layout.body);
}

fn render_header(frame: &mut Frame, state: &State, history: &HistoryView, area: Rect) {
    let theme = &state.theme;
    let thread = &history.thread;
    // What the follower says, when it is not simply following (or, archived, not meant to).
    let follow = match (&history.follow, history.loading) {
        (FollowStatus::Moved, _) => Some((
            "archived or moved — no longer following".to_string(),
            theme.warning,
        )),
        (FollowStatus::Failed(error), _) => Some((
            format!("follow failed: {}", single_line(error)),
            theme.failure,
        )),
        (_, Some(HistoryDirection::Backward)) if history.loaded_once => {
            Some(("loading older…".to_string(), theme.dim))
        }
        (_, Some(_)) => Some(("loading…".to_string(), theme.dim)),
        (FollowStatus::Off, None) if thread.archived => Some(("archived".to_string(), theme.dim)),
        _ => None,
    };
    let (width, badge) = status::reserve_badge(state, area.width);
    let report = thread.status.status;
    let following = matches!(history.follow, FollowStatus::Following);
    // The follow note ends the status whatever its length: the status is cut, not the note.
    let suffix = if following && follow.is_none() {
        " · following"
    } else {
        ""
    };
    let (status, status_style) = match follow {
        Some(note) => note,
        None => (
            format!(
                "{} {}",
                status::status_glyph(report),
                status::status_line(thread, state.now)
            ),
            status::status_style(report, theme),
        ),
    };
    let room = (width / 2).saturating_sub(suffix.width());
    let status = format!("{}{suffix}", truncate(&status, room));
    let mut title = single_line(thread.title());
    if let Some(branch) = branch(thread) {
        title.push_str(&format!(" · {}", single_line(branch)));
    }
    let title = truncate(
        &format!("‹ {title}"),
        width.saturating_sub(status.width() + 1),
    );
    let gap = width.saturating_sub(title.width() + status.width());
    let mut spans = vec![
        Span::styled(title, theme.title),
        Span::raw(" ".repeat(gap)),
        Span::styled(status, status_style),
    ];
    spans.extend(badge);
    frame.render_widget(Paragraph::new(Line::from(spans)), area);
}

fn render_body(frame: &mut Frame, state: &State, history: &HistoryView, area: Rect) {
    if area.height == 0 {
        return;
    }
    let page_lines = usize::from(area.height);
    if history.total_lines() == 0 {
        let message = if history.loaded_once {
            "(nothing to show yet)"
        } else {
            "Loading history…"
        };
        let text =
            Paragraph::new(Span::styled(message, state.theme.dim)).alignment(Alignment::Center);
        frame.render_widget(
            text,
            Rect {
                y: area.y + area.height / 2,
                height: 1,
                ..area
            },
        );
        return;
    }
    let top = history.top(page_lines);
    let mut lines: Vec<Line> = history.lines(top, page_lines).cloned().collect();
    mark_running(state, history, top, usize::from(area.width), &mut lines);
    if let Some(matches) = &history.matches {
        mark_matches(state, history, matches, top, &mut lines);
    }
    frame.render_widget(Paragraph::new(lines), area);
}

/// Adds the elapsed time to the `running` line of each running command on screen: the cached
/// cells stay as they are, and only these few lines are made again, each frame. Below a window
/// whose newest lines were dropped, a call's output may be among them: no time is claimed.
fn mark_running(
    state: &State,
    history: &HistoryView,
    top: usize,
    width: usize,
    lines: &mut [Line<'static>],
) {
    if history.tail_trimmed {
        return;
    }
    let now = state.now.timestamp_millis();
    for (line, started_at_ms) in history.running_markers(top, lines.len()) {
        if let Some(slot) = lines.get_mut(line - top) {
            let elapsed = started_at_ms.map(|start| now.saturating_sub(start));
            *slot = running_marker(elapsed, width, &state.theme);
        }
    }
}

/// Marks the query in the visible lines, and the lines of the current match (those that show
/// the query, else the item's first line).
fn mark_matches(
    state: &State,
    history: &HistoryView,
    matches: &ThreadMatches,
    top: usize,
    lines: &mut [Line<'static>],
) {
    let theme = &state.theme;
    let current = matches
        .current
        .filter(|_| history.jump_to.is_none())
        .and_then(|cursor| history.item_lines(cursor))
        .map(|range| {
            let showing: Vec<usize> = range
                .clone()
                .filter(|&index| history.line_shows(index, &matches.query))
                .collect();
            if showing.is_empty() {
                vec![range.start]
            } else {
                showing
            }
        })
        .unwrap_or_default();
    for (offset, line) in lines.iter_mut().enumerate() {
        let mut marked = highlight(std::mem::take(line), &matches.query, theme.search_match);
        if current.contains(&(top + offset)) {
            marked = marked.patch_style(theme.current_match);
        }
        *line = marked;
    }
}

/// "lines 12–35 of 800 · 45%", with `+` when older lines are not loaded yet.
pub fn position(history: &HistoryView, page_lines: usize) -> String {
    let total = history.total_lines();
    if total == 0 {
        return String::new();
    }
    let top = history.top(page_lines);
    let bottom = (top + page_lines).min(total);
    let where_ = if total <= page_lines {
        "all".to_string()
    } else if top == 0 {
        "top".to_string()
    } else if bottom == total {
        "end".to_string()
    } else {
        format!("{}%", bottom * 100 / total)
    };
    let more = if history.at_start { "" } else { "+" };
    format!("{}–{}/{}{} {}", top + 1, bottom, total, more, where_)
}
