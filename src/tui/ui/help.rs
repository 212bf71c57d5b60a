//! The `?` overlay, generated from the keymap entries.

use ratatui::Frame;
use ratatui::text::{Line, Span};
use ratatui::widgets::{Block, Borders, Clear, Paragraph};

use super::centered;
use crate::tui::app::{Screen, State};
use crate::tui::keymap::Mode;
use crate::tui::transcript::wrap::truncate;

pub fn render(frame: &mut Frame, state: &State, scroll: usize) {
    let theme = &state.theme;
    let modes: &[Mode] = match state.screen {
        Screen::List => &[Mode::List, Mode::Search, Mode::FullText, Mode::Global],
        Screen::History => &[Mode::History, Mode::Global],
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
    let area = frame.area();
    let content_width = lines.iter().map(Line::width).max().unwrap_or(0) as u16;
    let popup = centered(
        area,
        content_width.saturating_add(4),
        (lines.len() as u16).saturating_add(2),
    );
    let block = Block::default()
        .borders(Borders::ALL)
        .border_style(theme.border)
        .title(Span::styled(" Keys · Esc closes ", theme.title));
    let visible = usize::from(block.inner(popup).height);
    let scroll = scroll.min(lines.len().saturating_sub(visible));
    let shown: Vec<Line> = lines.into_iter().skip(scroll).collect();
    frame.render_widget(Clear, popup);
    frame.render_widget(Paragraph::new(shown).block(block), popup);
}
