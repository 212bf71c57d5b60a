//! The `?` overlay, generated from the keymap entries.

use ratatui::Frame;
use ratatui::text::{Line, Span};
use ratatui::widgets::{Block, Borders, Clear, Paragraph};

use super::{centered, status};
use crate::tui::app::{Screen, State};
use crate::tui::keymap::Mode;
use crate::tui::transcript::wrap::truncate;

pub fn render(frame: &mut Frame, state: &State, scroll: usize) {
    let theme = &state.theme;
    let modes: &[Mode] = match state.screen {
        Screen::List => &[
            Mode::List,
            Mode::Search,
            Mode::FullText,
            Mode::Edit,
            Mode::Confirm,
            Mode::Copy,
            Mode::Global,
        ],
        Screen::History => &[
            Mode::History,
            Mode::FullText,
            Mode::Edit,
            Mode::Confirm,
            Mode::Copy,
            Mode::Global,
        ],
        Screen::Split => &[Mode::Split, Mode::Global],
        Screen::Stats => &[Mode::Stats, Mode::Global],
        Screen::Trash => &[Mode::Trash, Mode::Global],
        Screen::Disk => &[Mode::Disk, Mode::Global],
    };
    let key_width = modes
        .iter()
        .flat_map(|mode| state.keymap.bindings(*mode))
        .map(|binding| binding.keys_label().chars().count())
        .max()
        .unwrap_or(0)
        .min(24);
    let mut lines = Vec::new();
    for (index, mode) in modes.iter().enumerate() {
        if index > 0 {
            lines.push(Line::default());
        }
        lines.push(Line::from(Span::styled(mode.title(), theme.heading)));
        for binding in state.keymap.bindings(*mode) {
            let keys = truncate(&binding.keys_label(), key_width);
            lines.push(Line::from(vec![
                Span::styled(format!("  {keys:<key_width$}  "), theme.accent),
                Span::raw(binding.help.clone()),
            ]));
        }
    }
    // Handled by every text field rather than bound in the keymap.
    lines.push(Line::default());
    lines.push(Line::from(Span::styled("Text fields", theme.heading)));
    for (keys, help) in [
        ("Ctrl-U", "delete to the start of the line"),
        ("Ctrl-W", "delete the word before the cursor"),
    ] {
        lines.push(Line::from(vec![
            Span::styled(format!("  {keys:<key_width$}  "), theme.accent),
            Span::raw(help),
        ]));
    }
    // The marks before each thread's title.
    lines.push(Line::default());
    lines.push(Line::from(Span::styled("Thread marks", theme.heading)));
    lines.push(Line::from(vec![
        Span::styled(
            format!("  {:<key_width$}  ", status::UNREAD_GLYPH),
            theme.accent,
        ),
        Span::raw("unread: a turn finished since you last read it (Codex's own mark)"),
    ]));
    for (glyph, meaning) in [
        (
            super::list::PIN_GLYPH,
            "pinned in Codex (its built-in Pinned section)",
        ),
        (super::list::PRIVATE_GLYPH, "private: sync keeps it at home"),
        ("§", "the thread's Codex section"),
        ("@", "the thread's Codex project"),
    ] {
        lines.push(Line::from(vec![
            Span::styled(format!("  {glyph:<key_width$}  "), theme.accent),
            Span::raw(meaning),
        ]));
    }
    for (status, glyph, meaning) in status::STATUS_LEGEND {
        lines.push(Line::from(vec![
            Span::styled(
                format!("  {glyph:<key_width$}  "),
                status::status_style(status, theme),
            ),
            Span::raw(meaning),
        ]));
    }
    let area = frame.area();
    let content_width = lines.iter().map(Line::width).max().unwrap_or(0) as u16;
    let popup = centered(
        area,
        content_width.saturating_add(4),
        (lines.len() as u16).saturating_add(2),
    );
    // Inner height: the popup less its two borders.
    let visible = usize::from(popup.height.saturating_sub(2));
    let scroll = scroll.min(lines.len().saturating_sub(visible));
    // When the keys do not fit, the title says so and where the view is.
    let title = if lines.len() > visible {
        let last = (scroll + visible).min(lines.len());
        format!(
            " Keys · {}–{last} of {} · j/k scroll · Esc closes ",
            scroll + 1,
            lines.len()
        )
    } else {
        " Keys · Esc closes ".to_string()
    };
    let block = Block::default()
        .borders(Borders::ALL)
        .border_style(theme.border)
        .title(Span::styled(title, theme.title));
    let shown: Vec<Line> = lines.into_iter().skip(scroll).collect();
    frame.render_widget(Clear, popup);
    frame.render_widget(Paragraph::new(shown).block(block), popup);
}
