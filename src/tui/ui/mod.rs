//! Pure render functions over `&State`: nothing here changes state or does IO.

mod dialogs;
mod disk;
mod footer;
pub mod format;
mod help;
mod highlight;
mod history;
pub mod layout;
mod list;
pub mod preview;
mod search;
pub mod split;
mod stats;
pub mod status;
mod trash;
mod usage_lines;

use ratatui::Frame;
use ratatui::layout::Rect;
use ratatui::text::{Line, Span};
use ratatui::widgets::Paragraph;

use crate::text::sanitize::single_line;
use crate::tui::app::{Overlay, Screen, State};
use crate::tui::transcript::wrap::truncate;
use layout::screen_layout;

/// Draws the whole screen.
pub fn render(frame: &mut Frame, state: &State) {
    let area = frame.area();
    if area.width == 0 || area.height == 0 {
        return;
    }
    let layout = screen_layout(area, state);
    if let (Some(rect), Some(banner)) = (layout.banner, state.banner.as_deref()) {
        let text = truncate(&single_line(banner), usize::from(rect.width));
        frame.render_widget(
            Paragraph::new(Line::from(Span::styled(text, state.theme.warning))),
            rect,
        );
    }
    match state.screen {
        Screen::List => list::render(frame, state, &layout),
        Screen::History => history::render(frame, state, &layout),
        Screen::Split => split::render(frame, state, &layout),
        Screen::Stats => stats::render(frame, state, &layout),
        Screen::Trash => trash::render(frame, state, &layout),
        Screen::Disk => disk::render(frame, state, &layout),
    }
    footer::render(frame, state, layout.footer);
    match &state.overlay {
        Some(Overlay::Help { scroll }) => help::render(frame, state, *scroll),
        Some(Overlay::Rename(dialog)) => dialogs::render_rename(frame, state, dialog),
        Some(Overlay::Confirm(dialog)) => dialogs::render_confirm(frame, state, dialog),
        // The choice is a line in the footer.
        Some(Overlay::Copy(_)) | None => {}
    }
}

/// A rectangle of at most `width` x `height` centred in `area`.
fn centered(area: Rect, width: u16, height: u16) -> Rect {
    let width = width.min(area.width);
    let height = height.min(area.height);
    Rect {
        x: area.x + (area.width - width) / 2,
        y: area.y + (area.height - height) / 2,
        width,
        height,
    }
}

#[cfg(test)]
mod split_tests;
#[cfg(test)]
mod stats_tests;
#[cfg(test)]
mod tests;
#[cfg(test)]
mod trash_tests;
#[cfg(test)]
mod usage_tests;
