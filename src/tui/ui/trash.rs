//! The trash view: the threads our delete moved to the trash, newest deletion first (when,
//! how big, the title), the selected one's original path below. Reads only `State::trash`.

use ratatui::Frame;
use ratatui::layout::Rect;
use ratatui::text::{Line, Span};
use ratatui::widgets::Paragraph;

use super::layout::ScreenLayout;
use crate::store::TrashedThread;
use crate::text::{decimal_size, single_line};
use crate::tui::app::trash::{TrashLoad, rows_per_page};
use crate::tui::app::{Screen, State};
use crate::tui::keymap::{Action, Mode};
use crate::tui::transcript::wrap::{pad_line, truncate};

pub const HINTS: &[(Action, &str)] = &[
    (Action::Help, "help"),
    (Action::Restore, "restore"),
    (Action::Back, "list"),
];

/// `2026-12-07 20:14`, the width of the date column.
const DATE_WIDTH: usize = 16;
const SIZE_WIDTH: usize = 8;

pub fn render(frame: &mut Frame, state: &State, screen: &ScreenLayout) {
    debug_assert_eq!(state.screen, Screen::Trash);
    render_header(frame, state, screen.header);
    let body = screen.body;
    if body.height == 0 {
        return;
    }
    let theme = &state.theme;
    let width = usize::from(body.width);
    let line = |text: &str| Line::from(Span::styled(truncate(text, width), theme.dim));
    let message = match &state.trash.load {
        TrashLoad::NotLoaded | TrashLoad::Loading => Some(line("Reading the trash…")),
        TrashLoad::Failed(error) => Some(line(&format!(
            "The trash could not be read: {}",
            single_line(error)
        ))),
        TrashLoad::Ready(threads) if threads.is_empty() => {
            Some(line("No deleted threads of this Codex home in the trash"))
        }
        TrashLoad::Ready(_) => None,
    };
    if let Some(message) = message {
        frame.render_widget(Paragraph::new(message), Rect { height: 1, ..body });
        return;
    }
    let view = &state.trash;
    let mut lines = vec![Line::from(Span::styled(
        truncate(
            &format!(
                "  {:<DATE_WIDTH$}  {:>SIZE_WIDTH$}  title",
                "deleted", "size"
            ),
            width,
        ),
        theme.dim,
    ))];
    let rows = rows_per_page(state).min(usize::from(body.height).saturating_sub(2));
    for (index, thread) in view
        .threads()
        .iter()
        .enumerate()
        .skip(view.offset)
        .take(rows)
    {
        let selected = index == view.selected;
        let restoring = view.restoring == Some(thread.thread_id);
        lines.push(row(state, thread, selected, restoring, width));
    }
    frame.render_widget(Paragraph::new(lines), body);
    if let Some(thread) = view.threads().get(view.selected) {
        let path = format!(
            "  ↩ {}",
            single_line(&thread.original_path.display().to_string())
        );
        let area = Rect {
            y: body.y + body.height - 1,
            height: 1,
            ..body
        };
        frame.render_widget(
            Paragraph::new(Line::from(Span::styled(truncate(&path, width), theme.dim))),
            area,
        );
    }
}

fn row(
    state: &State,
    thread: &TrashedThread,
    selected: bool,
    restoring: bool,
    width: usize,
) -> Line<'static> {
    let theme = &state.theme;
    let date = thread.deleted_at.map_or_else(
        || "?".to_string(),
        |at| at.format("%Y-%m-%d %H:%M").to_string(),
    );
    let marker = if selected { "› " } else { "  " };
    let archived = if thread
        .original_path
        .components()
        .any(|part| part.as_os_str() == crate::rollout::ARCHIVED_SESSIONS_SUBDIR)
    {
        " (archived)"
    } else {
        ""
    };
    let doing = if restoring { " · restoring…" } else { "" };
    let lead = format!(
        "{marker}{date:<DATE_WIDTH$}  {:>SIZE_WIDTH$}  ",
        decimal_size(thread.size)
    );
    let room = width.saturating_sub(lead.chars().count());
    let title = truncate(
        &format!("{}{archived}{doing}", single_line(thread.title())),
        room,
    );
    let style = if selected { theme.selected } else { theme.text };
    let line = Line::from(vec![
        Span::styled(lead, if selected { theme.selected } else { theme.dim }),
        Span::styled(title, style),
    ]);
    if selected {
        pad_line(line, width, theme.selected)
    } else {
        line
    }
}

fn render_header(frame: &mut Frame, state: &State, area: Rect) {
    if area.height == 0 {
        return;
    }
    let theme = &state.theme;
    let key = state
        .keymap
        .key_hint(Mode::Trash, Action::Restore)
        .unwrap_or("u");
    let count = state.trash.threads().len();
    let spans = vec![
        Span::styled(" Trash ", theme.tab_active),
        Span::styled(
            format!(
                "  {count} deleted thread{}",
                if count == 1 { "" } else { "s" }
            ),
            theme.accent,
        ),
        Span::styled(format!(" · {key} restores the selected one"), theme.dim),
    ];
    let line = super::status::with_badge(state, Line::from(spans), area.width);
    frame.render_widget(Paragraph::new(line), area);
}

/// `3 / 12` for the footer.
pub fn footer_position(state: &State) -> Option<Span<'static>> {
    let count = state.trash.threads().len();
    (count > 0).then(|| {
        Span::styled(
            format!("{} / {count}", state.trash.selected + 1),
            state.theme.dim,
        )
    })
}
