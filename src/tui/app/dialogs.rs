//! Keys in the dialogs over a screen: rename, confirm, help and the copy choice.

use crossterm::event::{KeyCode, KeyEvent, KeyModifiers};

use super::bulk;
use super::msg::Effect;
use super::state::{ConfirmAction, Overlay, State};
use crate::store::ThreadMetadataPatch;
use crate::text::sanitize::single_line;
use crate::tui::keymap::Action;

pub(super) fn on_edit_key(state: &mut State, action: Option<Action>, key: KeyEvent) -> Vec<Effect> {
    let Some(Overlay::Rename(dialog)) = state.overlay.as_mut() else {
        return Vec::new();
    };
    match action {
        Some(Action::Back) => {
            state.overlay = None;
            Vec::new()
        }
        Some(Action::Accept) => {
            let name = dialog.textarea.lines().join(" ").trim().to_string();
            let effect = Effect::UpdateMetadata {
                id: dialog.thread_id,
                patch: ThreadMetadataPatch::rename((!name.is_empty()).then_some(name)),
                include_archived: dialog.include_archived,
            };
            state.overlay = None;
            state.set_info("Saving the name…");
            vec![effect]
        }
        _ => {
            // The shell's line-editing keys, where the text area's own would undo.
            let ctrl = key.modifiers.contains(KeyModifiers::CONTROL);
            match key.code {
                KeyCode::Char('u') if ctrl => {
                    dialog.textarea.delete_line_by_head();
                }
                KeyCode::Char('w') if ctrl => {
                    dialog.textarea.delete_word();
                }
                _ => {
                    dialog.textarea.input(key);
                }
            }
            Vec::new()
        }
    }
}

pub(super) fn on_confirm_key(state: &mut State, action: Option<Action>) -> Vec<Effect> {
    let Some(Overlay::Confirm(dialog)) = state.overlay.as_ref() else {
        return Vec::new();
    };
    let confirmed = dialog.action.clone();
    match action {
        Some(Action::Accept) => {
            state.overlay = None;
            vec![match confirmed {
                ConfirmAction::Archive(id) => Effect::Archive(id),
                ConfirmAction::Unarchive(id) => Effect::Unarchive(id),
                ConfirmAction::Delete(id) => Effect::Delete(id),
                ConfirmAction::Bulk { action, ids } => return bulk::start(state, action, ids),
                ConfirmAction::Prune { action, id, .. } => {
                    return super::disk::start(state, action, id);
                }
            }]
        }
        Some(Action::Back) => {
            state.overlay = None;
            Vec::new()
        }
        _ => Vec::new(),
    }
}

pub(super) fn on_help_key(state: &mut State, action: Option<Action>) -> Vec<Effect> {
    let Some(Overlay::Help { scroll }) = state.overlay.as_mut() else {
        return Vec::new();
    };
    match action {
        Some(Action::Back | Action::Help) => state.overlay = None,
        Some(Action::MoveDown) => *scroll += 1,
        Some(Action::MoveUp) => *scroll = scroll.saturating_sub(1),
        Some(Action::PageDown) => *scroll += 10,
        Some(Action::PageUp) => *scroll = scroll.saturating_sub(10),
        _ => {}
    }
    Vec::new()
}

/// A key of the copy choice: what it copies goes to the clipboard, and the status says so.
pub(super) fn on_copy_key(state: &mut State, action: Option<Action>) -> Vec<Effect> {
    let Some(Overlay::Copy(choice)) = state.overlay.as_ref() else {
        return Vec::new();
    };
    let id = choice.thread_id;
    let copied = match action {
        Some(Action::CopyId) => Some(("id", id.to_string())),
        Some(Action::CopyPath) => match &choice.rollout_path {
            Some(path) => Some(("path", path.to_string_lossy().into_owned())),
            None => {
                state.overlay = None;
                state.set_error("This thread has no rollout file yet");
                return Vec::new();
            }
        },
        Some(Action::CopyResumeCommand) => Some((
            "command",
            format!("{} resume {id}", state.codex_command.trim()),
        )),
        Some(Action::Back) => None,
        // Any other key leaves the choice open.
        _ => return Vec::new(),
    };
    state.overlay = None;
    let Some((what, text)) = copied else {
        return Vec::new();
    };
    state.set_info(format!("Copied {what} {}", single_line(&text)));
    vec![Effect::Copy { text }]
}
