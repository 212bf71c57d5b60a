//! The split view: where each pane goes (shared with `update`, which lays each pane's
//! transcript out at its width and pages by its height) and how the panes are drawn. Like
//! tmux: neighbouring panes share a border, the focused pane's border is the accent colour.

use ratatui::Frame;
use ratatui::layout::{Alignment, Margin, Rect};
use ratatui::style::{Modifier, Style};
use ratatui::symbols::merge::MergeStrategy;
use ratatui::text::{Line, Span};
use ratatui::widgets::{Block, BorderType, Borders, Paragraph};
use unicode_width::UnicodeWidthStr;

use super::history::position;
use super::layout::ScreenLayout;
use crate::store::StoredThread;
use crate::store::status::{ActivityKind, ThreadStatus};
use crate::text::sanitize::single_line;
use crate::tui::app::{FollowStatus, HistoryView, State};
use crate::tui::keymap::{Action, Mode};
use crate::tui::theme::Theme;
use crate::tui::transcript::wrap::truncate;

/// Two or more panes sit side by side from this body width on; below it they are stacked.
pub const SIDE_BY_SIDE_MIN_WIDTH: u16 = 80;
/// The smallest pane drawn, borders included: a few words wide and three lines high. When the
/// panes would be smaller, only the focused one is shown (with "n/N" in its title).
pub const MIN_PANE_WIDTH: u16 = 24;
pub const MIN_PANE_HEIGHT: u16 = 5;

/// Where each pane goes.
#[derive(Clone, Debug, Default, PartialEq, Eq)]
pub struct PaneLayout {
    /// One entry per pane; `None` for a pane not shown (another is zoomed, or the screen is
    /// too small for all of them).
    pub areas: Vec<Option<Rect>>,
    /// Only the focused pane is shown because the others would not fit.
    pub compact: bool,
}

impl PaneLayout {
    /// Whether one pane stands for all (zoomed or compact): its title says which it is.
    pub fn single(&self) -> bool {
        self.areas.len() > 1 && self.areas.iter().filter(|area| area.is_some()).count() == 1
    }
}

/// The text area of a pane: inside its border.
pub fn pane_inner(area: Rect) -> Rect {
    area.inner(Margin::new(1, 1))
}

/// The body of the split screen at the state's size: below the banner and the header, above
/// the footer (what `screen_layout` gives when the split view is shown, whatever screen shows
/// now, so panes are laid out before they appear).
pub fn split_body(state: &State) -> Rect {
    let height = state.size.height;
    let top = (u16::from(state.banner.is_some()) + 1).min(height);
    let rest = height - top;
    Rect {
        x: 0,
        y: top,
        width: state.size.width,
        height: rest - 1.min(rest),
    }
}

/// The split view's panes at the state's size.
pub fn layout(state: &State) -> PaneLayout {
    let split = &state.split;
    pane_layout(
        split_body(state),
        split.panes.len(),
        split.focus,
        split.zoomed,
    )
}

/// One pane fills the body; two sit side by side (stacked when the body is narrow); three
/// are two above one; four are a grid. Zoomed, or when the panes would be too small, only the
/// focused pane is shown.
pub fn pane_layout(body: Rect, count: usize, focus: usize, zoomed: bool) -> PaneLayout {
    let only_focused = |compact| PaneLayout {
        areas: (0..count)
            .map(|index| (index == focus).then_some(body))
            .collect(),
        compact,
    };
    if count == 0 {
        return PaneLayout::default();
    }
    if zoomed && count > 1 {
        return only_focused(false);
    }
    let tiles = tiles(body, count);
    let too_small = tiles
        .iter()
        .any(|tile| tile.width < MIN_PANE_WIDTH || tile.height < MIN_PANE_HEIGHT);
    if too_small && count > 1 {
        return only_focused(true);
    }
    PaneLayout {
        areas: tiles.into_iter().map(Some).collect(),
        compact: false,
    }
}

fn tiles(body: Rect, count: usize) -> Vec<Rect> {
    let wide = body.width >= SIDE_BY_SIDE_MIN_WIDTH;
    match (count, wide) {
        (1, _) => vec![body],
        (2, true) => columns(body, 2),
        (3, true) => {
            let rows = rows(body, 2);
            let mut tiles = columns(rows[0], 2);
            tiles.push(rows[1]);
            tiles
        }
        (4, true) => rows(body, 2)
            .into_iter()
            .flat_map(|row| columns(row, 2))
            .collect(),
        (count, _) => rows(body, count),
    }
}

/// `count` columns sharing their borders: each overlaps the next by one column.
fn columns(area: Rect, count: usize) -> Vec<Rect> {
    shared_splits(area.width, count)
        .into_iter()
        .map(|(start, len)| Rect {
            x: area.x + start,
            width: len,
            ..area
        })
        .collect()
}

/// `count` rows sharing their borders.
fn rows(area: Rect, count: usize) -> Vec<Rect> {
    shared_splits(area.height, count)
        .into_iter()
        .map(|(start, len)| Rect {
            y: area.y + start,
            height: len,
            ..area
        })
        .collect()
}

/// Splits `total` cells into `count` runs where each run's last cell is the next one's first
/// (the shared border); returns (start, length) of each.
fn shared_splits(total: u16, count: usize) -> Vec<(u16, u16)> {
    let count = count.max(1) as u32;
    let span = u32::from(total.saturating_sub(1));
    let edge = |index: u32| (span * index / count) as u16;
    (0..count)
        .map(|index| {
            let start = edge(index);
            let end = edge(index + 1);
            (start, end - start + 1)
        })
        .collect()
}

pub fn render(frame: &mut Frame, state: &State, screen: &ScreenLayout) {
    let layout = layout(state);
    render_header(frame, state, &layout, screen.header);
    let split = &state.split;
    if split.panes.is_empty() {
        let hint = state
            .keymap
            .key_hint(Mode::List, Action::AddToSplit)
            .unwrap_or("+");
        let text = format!("No threads in the split view: {hint} adds one from the list");
        let body = screen.body;
        if body.height > 0 {
            let middle = Rect {
                y: body.y + body.height / 2,
                height: 1,
                ..body
            };
            frame.render_widget(
                Paragraph::new(Span::styled(text, state.theme.dim)).alignment(Alignment::Center),
                middle,
            );
        }
        return;
    }
    // The focused pane last, so the borders it shares are drawn in its colour.
    let order = (0..split.panes.len())
        .filter(|&index| index != split.focus)
        .chain([split.focus]);
    for index in order {
        if let (Some(Some(area)), Some(view)) = (layout.areas.get(index), split.panes.get(index)) {
            render_pane(frame, state, &layout, index, view, *area);
        }
    }
}

fn render_header(frame: &mut Frame, state: &State, layout: &PaneLayout, area: Rect) {
    if area.height == 0 {
        return;
    }
    let theme = &state.theme;
    let split = &state.split;
    let count = split.panes.len();
    let mut spans = vec![
        Span::styled(" Split view ", theme.tab_active),
        Span::styled(
            format!("  {count} thread{}", if count == 1 { "" } else { "s" }),
            theme.dim,
        ),
    ];
    if split.zoomed && count > 1 {
        let key = state
            .keymap
            .key_hint(Mode::Split, Action::ZoomPane)
            .unwrap_or("z");
        spans.push(Span::styled(
            format!(" · zoomed ({key} shows all)"),
            theme.accent,
        ));
    } else if layout.compact {
        spans.push(Span::styled(" · one at a time", theme.warning));
    }
    let line = super::status::with_badge(state, Line::from(spans), area.width);
    frame.render_widget(Paragraph::new(line), area);
}

fn render_pane(
    frame: &mut Frame,
    state: &State,
    layout: &PaneLayout,
    index: usize,
    view: &HistoryView,
    area: Rect,
) {
    let theme = &state.theme;
    let split = &state.split;
    let focused = index == split.focus;
    let width = usize::from(area.width.saturating_sub(2));
    let border_style = if focused {
        theme.accent.add_modifier(Modifier::BOLD)
    } else {
        theme.border
    };
    // Without colours the focused pane still stands out: a heavy border.
    let border_type = if focused && theme.no_color {
        BorderType::Thick
    } else {
        BorderType::Plain
    };
    let number = if layout.single() {
        format!("{}/{} ", index + 1, split.panes.len())
    } else {
        String::new()
    };
    let dot = if view.thread.unread { "● " } else { "" };
    let title = format!("{number}{dot}{}", single_line(view.thread.title()));
    // The status beside the whole title if it fits, else cut; when too little room is left,
    // only its word (the title is cut instead).
    let (status, status_style) = status_label(&view.thread, theme);
    let word = view.thread.status.status.as_str();
    let room = width.saturating_sub(title.width() + 5);
    let status = if status.width() <= room {
        status
    } else if room >= word.width() + 6 {
        truncate(&status, room)
    } else {
        truncate(word, width / 2)
    };
    let status_width = if status.is_empty() {
        0
    } else {
        status.width() + 2
    };
    let title = truncate(&title, width.saturating_sub(status_width + 3));
    let title_style = if focused {
        theme.title.patch(theme.accent)
    } else {
        theme.title
    };
    let mut block = Block::default()
        .borders(Borders::ALL)
        .border_type(border_type)
        .border_style(border_style)
        .merge_borders(MergeStrategy::Exact)
        .title_top(Line::from(Span::styled(format!(" {title} "), title_style)));
    if !status.is_empty() {
        block = block.title_top(
            Line::from(Span::styled(format!(" {status} "), status_style)).right_aligned(),
        );
    }
    let inner = pane_inner(area);
    let page_lines = usize::from(inner.height);
    if let Some(note) = pane_note(view, focused, page_lines, theme) {
        block = block.title_bottom(Line::from(note).right_aligned());
    }
    frame.render_widget(block, area);
    if inner.width == 0 || inner.height == 0 {
        return;
    }
    if view.total_lines() == 0 {
        let message = if view.loaded_once {
            "(nothing to show yet)"
        } else {
            "Loading history…"
        };
        frame.render_widget(
            Paragraph::new(Span::styled(message, theme.dim)).alignment(Alignment::Center),
            Rect { height: 1, ..inner },
        );
        return;
    }
    let top = view.top(page_lines);
    let lines: Vec<Line> = view.lines(top, page_lines).cloned().collect();
    frame.render_widget(Paragraph::new(lines), inner);
}

/// The thread's status as its pane's title says it: "working · cargo test", "waiting ·
/// approval", "failed", …, coloured by how much it needs the user.
pub fn status_label(thread: &StoredThread, theme: &Theme) -> (String, Style) {
    let report = &thread.status;
    let activity = report.activity.as_ref().map(|activity| {
        let label = single_line(&activity.label);
        match activity.kind {
            ActivityKind::Approval => format!("approve {label}"),
            ActivityKind::Question => "a question for you".to_string(),
            ActivityKind::Command | ActivityKind::Tool => label,
        }
    });
    let word = report.status.as_str();
    let text = match (report.status, activity) {
        (ThreadStatus::Working | ThreadStatus::Waiting, Some(activity)) => {
            format!("{word} · {activity}")
        }
        (ThreadStatus::Failed, _) => match report.failure.as_deref() {
            Some(failure) => format!("{word} · {}", single_line(failure)),
            None => word.to_string(),
        },
        _ => word.to_string(),
    };
    let style = match report.status {
        ThreadStatus::Working => theme.live,
        ThreadStatus::Waiting => theme.warning.add_modifier(Modifier::BOLD),
        ThreadStatus::Failed => theme.failure.add_modifier(Modifier::BOLD),
        ThreadStatus::Interrupted => theme.warning,
        ThreadStatus::Idle => theme.text,
        ThreadStatus::Done => theme.dim,
    };
    (text, style)
}

/// What the pane's bottom border says: new lines below while scrolled up, a follow that
/// stopped, or (focused, scrolled up) where the view is.
fn pane_note(
    view: &HistoryView,
    focused: bool,
    page_lines: usize,
    theme: &Theme,
) -> Option<Span<'static>> {
    if view.unseen > 0 {
        return Some(Span::styled(
            format!(" {} new ↓ ", view.unseen),
            theme
                .accent
                .add_modifier(Modifier::REVERSED | Modifier::BOLD),
        ));
    }
    match &view.follow {
        FollowStatus::Moved => {
            return Some(Span::styled(" archived or moved ", theme.warning));
        }
        FollowStatus::Failed(_) => {
            return Some(Span::styled(" follow failed ", theme.failure));
        }
        FollowStatus::Off | FollowStatus::Following => {}
    }
    (focused && !view.at_bottom(page_lines) && view.total_lines() > 0)
        .then(|| Span::styled(format!(" {} ", position(view, page_lines)), theme.dim))
}

/// The footer's right side: which pane has the focus, and where it is scrolled.
pub fn footer_position(state: &State) -> Option<Span<'static>> {
    let split = &state.split;
    let view = split.panes.get(split.focus)?;
    let layout = layout(state);
    let lines = layout
        .areas
        .get(split.focus)
        .copied()
        .flatten()
        .map_or(1, |area| usize::from(pane_inner(area).height).max(1));
    let mut text = format!("pane {}/{}", split.focus + 1, split.panes.len());
    let at = position(view, lines);
    if !at.is_empty() {
        text.push_str(&format!(" · {at}"));
    }
    Some(Span::styled(text, state.theme.dim))
}

/// The footer's key hints on the split screen.
pub const HINTS: &[(Action, &str)] = &[
    (Action::Help, "help"),
    (Action::NextPane, "next pane"),
    (Action::ZoomPane, "zoom"),
    (Action::ClosePane, "close"),
    (Action::Open, "history"),
    (Action::Back, "list"),
];

#[cfg(test)]
mod tests {
    use super::*;

    fn body(width: u16, height: u16) -> Rect {
        Rect::new(0, 1, width, height)
    }

    fn shown(layout: &PaneLayout) -> Vec<Rect> {
        layout.areas.iter().flatten().copied().collect()
    }

    #[test]
    fn two_panes_sit_side_by_side_sharing_a_border_and_stack_when_narrow() {
        let wide = pane_layout(body(80, 22), 2, 0, false);
        assert_eq!(
            shown(&wide),
            vec![Rect::new(0, 1, 40, 22), Rect::new(39, 1, 41, 22)]
        );
        let narrow = pane_layout(body(60, 22), 2, 0, false);
        assert_eq!(
            shown(&narrow),
            vec![Rect::new(0, 1, 60, 11), Rect::new(0, 11, 60, 12)]
        );
    }

    #[test]
    fn three_are_two_above_one_and_four_a_grid() {
        let three = pane_layout(body(120, 38), 3, 0, false);
        assert_eq!(
            shown(&three),
            vec![
                Rect::new(0, 1, 60, 19),
                Rect::new(59, 1, 61, 19),
                Rect::new(0, 19, 120, 20)
            ]
        );
        let four = pane_layout(body(80, 22), 4, 3, false);
        let areas = shown(&four);
        assert_eq!(areas.len(), 4);
        assert!(!four.compact);
        // At 80x24 each of four panes still shows several lines.
        for area in areas {
            assert!(pane_inner(area).height >= 9, "{area:?}");
            assert!(pane_inner(area).width >= 38, "{area:?}");
        }
    }

    #[test]
    fn zoomed_or_too_small_only_the_focused_pane_shows() {
        let zoomed = pane_layout(body(120, 38), 4, 2, true);
        assert_eq!(
            zoomed.areas,
            vec![None, None, Some(body(120, 38)), None],
            "zoomed"
        );
        assert!(zoomed.single() && !zoomed.compact);
        let tiny = pane_layout(body(40, 10), 4, 1, false);
        assert_eq!(tiny.areas, vec![None, Some(body(40, 10)), None, None]);
        assert!(tiny.compact);
        // One pane is never "one of n".
        assert!(!pane_layout(body(40, 10), 1, 0, true).single());
    }

    #[test]
    fn degenerate_bodies_do_not_panic() {
        for (width, height) in [(0, 0), (1, 1), (2, 3), (10, 3)] {
            for count in 0..=4 {
                let layout = pane_layout(body(width, height), count, 0, false);
                assert_eq!(layout.areas.len(), count);
            }
        }
    }
}
