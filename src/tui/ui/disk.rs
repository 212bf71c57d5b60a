//! The disk screen: the largest threads, one a row (size, `zst` when compressed, `archived`,
//! the title), the selected one highlighted. Reads only `State::disk`.

use ratatui::Frame;
use ratatui::layout::Rect;
use ratatui::text::{Line, Span};
use ratatui::widgets::Paragraph;

use super::layout::ScreenLayout;
use crate::text::decimal_size;
use crate::text::single_line;
use crate::tui::app::disk::DiskLoad;
use crate::tui::app::{Screen, State};
use crate::tui::keymap::Action;
use crate::tui::transcript::wrap::truncate;

pub const HINTS: &[(Action, &str)] = &[
    (Action::Help, "help"),
    (Action::Compress, "compress"),
    (Action::Archive, "archive"),
    (Action::Delete, "trash"),
    (Action::Back, "list"),
];

pub fn render(frame: &mut Frame, state: &State, screen: &ScreenLayout) {
    debug_assert_eq!(state.screen, Screen::Disk);
    render_header(frame, state, screen.header);
    let body = screen.body;
    if body.height == 0 {
        return;
    }
    let theme = &state.theme;
    let width = usize::from(body.width);
    let message = match &state.disk.load {
        DiskLoad::Failed(error) => Some(format!("Sizes not read: {}", single_line(error))),
        DiskLoad::Ready if state.disk.rows.is_empty() => Some("No threads yet".to_string()),
        DiskLoad::Ready => None,
        DiskLoad::NotLoaded | DiskLoad::Loading => Some("Measuring rollouts…".to_string()),
    };
    if let Some(message) = message {
        let line = Line::from(Span::styled(truncate(&message, width), theme.dim));
        frame.render_widget(Paragraph::new(line), Rect { height: 1, ..body });
        return;
    }
    let rows = usize::from(body.height);
    // The window keeps the selection in view.
    let first = state.disk.selected.saturating_sub(rows.saturating_sub(1));
    let lines: Vec<Line> = state
        .disk
        .rows
        .iter()
        .enumerate()
        .skip(first)
        .take(rows)
        .map(|(index, row)| {
            let marks = format!(
                "{:<3} {:<8}",
                if row.disk.compressed { "zst" } else { "" },
                if row.thread.archived { "archived" } else { "" }
            );
            let text = format!(
                "{:>9}  {marks}  {}",
                decimal_size(row.disk.bytes),
                single_line(row.thread.title())
            );
            let style = if index == state.disk.selected {
                theme.selected
            } else {
                theme.text
            };
            Line::from(Span::styled(truncate(&text, width), style))
        })
        .collect();
    frame.render_widget(Paragraph::new(lines), body);
}

fn render_header(frame: &mut Frame, state: &State, area: Rect) {
    if area.height == 0 {
        return;
    }
    let theme = &state.theme;
    let disk = &state.disk;
    let shown: u64 = disk.rows.iter().map(|row| row.disk.bytes).sum();
    let spans = vec![
        Span::styled(" Disk ", theme.tab_active),
        Span::styled(
            format!(
                "  the {} largest threads: {} of {}",
                disk.rows.len(),
                decimal_size(shown),
                decimal_size(disk.total_bytes)
            ),
            theme.accent,
        ),
    ];
    let line = super::status::with_badge(state, Line::from(spans), area.width);
    frame.render_widget(Paragraph::new(line), area);
}
