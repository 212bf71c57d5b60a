//! The rename dialog (a textarea) and the yes/no confirmation.

use ratatui::Frame;
use ratatui::layout::Rect;
use ratatui::text::{Line, Span};
use ratatui::widgets::{Block, Borders, Clear, Paragraph};

use super::centered;
use crate::prune::PruneAction;
use crate::rollout::Holder;
use crate::text::decimal_size;
use crate::tui::app::{BulkAction, ConfirmAction, ConfirmDialog, RenameDialog, State};
use crate::tui::keymap::{Action, Mode};
use crate::tui::transcript::wrap::truncate;

pub fn render_rename(frame: &mut Frame, state: &State, dialog: &RenameDialog) {
    let theme = &state.theme;
    let popup = centered(frame.area(), 60, 5);
    let block = Block::default()
        .borders(Borders::ALL)
        .border_style(theme.accent)
        .title(Span::styled(" Rename thread ", theme.title));
    let inner = block.inner(popup);
    frame.render_widget(Clear, popup);
    frame.render_widget(block, popup);
    if inner.height == 0 {
        return;
    }
    let input = Rect { height: 1, ..inner };
    frame.render_widget(&dialog.textarea, input);
    if inner.height > 2 {
        let save = state
            .keymap
            .key_hint(Mode::Edit, Action::Accept)
            .unwrap_or("Enter");
        let cancel = state
            .keymap
            .key_hint(Mode::Edit, Action::Back)
            .unwrap_or("Esc");
        let hint = format!("{save} save · {cancel} cancel · an empty name clears it");
        let hint_area = Rect {
            y: inner.y + 2,
            height: 1,
            ..inner
        };
        let text = truncate(&hint, usize::from(inner.width));
        frame.render_widget(Paragraph::new(Span::styled(text, theme.dim)), hint_area);
    }
}

pub fn render_confirm(frame: &mut Frame, state: &State, dialog: &ConfirmDialog) {
    let theme = &state.theme;
    let (verb, several, deletes) = match &dialog.action {
        ConfirmAction::Archive(_) => ("Archive", false, false),
        ConfirmAction::Unarchive(_) => ("Unarchive", false, false),
        ConfirmAction::Delete(_) => ("Delete", false, true),
        ConfirmAction::Bulk { action, .. } => (action.verb(), true, *action == BulkAction::Delete),
        ConfirmAction::Prune { action, .. } => match action {
            PruneAction::Archive => ("Archive", false, false),
            PruneAction::Trash => ("Move to the trash", false, true),
            PruneAction::Compress => ("Compress", false, false),
        },
    };
    let height = 4 + u16::from(dialog.held_by.is_some()) + u16::from(deletes);
    let popup = centered(frame.area(), 60, height);
    let width = usize::from(popup.width.saturating_sub(2));
    // Several threads are counted, not quoted.
    let question = if several {
        truncate(&format!("{verb} {}?", dialog.title), width)
    } else if let ConfirmAction::Prune { bytes, .. } = &dialog.action {
        truncate(
            &format!("{verb} “{}” ({})?", dialog.title, decimal_size(*bytes)),
            width,
        )
    } else {
        truncate(&format!("{verb} “{}”?", dialog.title), width)
    };
    let open_warning = match (dialog.held_by, several) {
        (Some(Holder::BackgroundAppServer), false) => {
            "Codex's background app server holds it (released a minute after Codex quit)."
        }
        (Some(Holder::BackgroundAppServer), true) => {
            "Codex's background app server holds some (released a minute after Codex quit)."
        }
        (_, true) => "Codex has some of them open and may still write to them.",
        (_, false) => "Codex has this thread open and may still write to it.",
    };
    let warning = dialog
        .held_by
        .map(|_| Line::from(Span::styled(truncate(open_warning, width), theme.warning)));
    let trash_note = deletes.then(|| {
        let note = if several {
            "Their rollouts go to the trash; they can be restored."
        } else {
            "Its rollout goes to the trash, where it can be restored."
        };
        Line::from(Span::styled(truncate(note, width), theme.dim))
    });
    let yes = state
        .keymap
        .key_hint(Mode::Confirm, Action::Accept)
        .unwrap_or("y");
    let no = state
        .keymap
        .key_hint(Mode::Confirm, Action::Back)
        .unwrap_or("n");
    let lines: Vec<Line> = [Line::from(Span::raw(question))]
        .into_iter()
        .chain(warning)
        .chain(trash_note)
        .chain([Line::from(Span::styled(
            truncate(&format!("{yes} yes · {no} no"), width),
            theme.dim,
        ))])
        .collect();
    let block = Block::default()
        .borders(Borders::ALL)
        .border_style(theme.warning)
        .title(Span::styled(format!(" {verb} "), theme.title));
    frame.render_widget(Clear, popup);
    frame.render_widget(Paragraph::new(lines).block(block), popup);
}
