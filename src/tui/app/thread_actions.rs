//! What a key does to one thread, from the list or its history: the dialogs it opens (rename,
//! confirm, copy) and the edits it asks for.

use ratatui_textarea::TextArea;

use super::codex;
use super::msg::Effect;
use super::state::{ConfirmAction, ConfirmDialog, CopyChoice, Overlay, RenameDialog, State};
use crate::launch::CodexSession;
use crate::manager::archived_refusal;
use crate::protocol::ThreadMemoryMode;
use crate::rollout::Holder;
use crate::store::{StoredThread, ThreadMetadataPatch};
use crate::text::sanitize::single_line;
use crate::tui::keymap::Action;

/// Rename, memory toggle, archive and unarchive, from the list or the history.
pub(super) fn on_thread_action(
    state: &mut State,
    action: Action,
    thread: &StoredThread,
) -> Vec<Effect> {
    let id = thread.thread_id;
    // Codex renames no archived thread and changes no archived thread's memory mode.
    let probe = match action {
        Action::Rename => Some(ThreadMetadataPatch::rename(None)),
        Action::ToggleMemory => Some(ThreadMetadataPatch::memory_mode(thread.memory_mode)),
        _ => None,
    };
    if let Some(refusal) = probe.and_then(|patch| archived_refusal(thread, &patch)) {
        state.set_error(refusal);
        return Vec::new();
    }
    match action {
        Action::Rename => {
            let mut textarea = TextArea::new(vec![thread.name.clone().unwrap_or_default()]);
            textarea.move_cursor(ratatui_textarea::CursorMove::End);
            textarea.set_placeholder_text("a name (empty clears it)");
            state.overlay = Some(Overlay::Rename(Box::new(RenameDialog {
                thread_id: id,
                include_archived: thread.archived,
                textarea,
            })));
            Vec::new()
        }
        Action::ToggleMemory => {
            let mode = match thread.memory_mode {
                ThreadMemoryMode::Enabled => ThreadMemoryMode::Disabled,
                ThreadMemoryMode::Disabled => ThreadMemoryMode::Enabled,
            };
            // A busy state DB can hold an edit for seconds; say it is under way.
            state.set_info(format!("Saving memory {mode}…"));
            vec![Effect::UpdateMetadata {
                id,
                patch: ThreadMetadataPatch::memory_mode(mode),
                include_archived: thread.archived,
            }]
        }
        Action::Export => {
            let path = state.cwd.join(crate::export::file_name(thread));
            state.set_info(format!(
                "Exporting to {}…",
                single_line(&path.display().to_string())
            ));
            vec![Effect::Export { id, path }]
        }
        Action::ResumeInCodex => codex::launch(state, thread, CodexSession::Resume(id)),
        Action::NewCodexSession => codex::launch(state, thread, CodexSession::New),
        Action::Copy => {
            state.overlay = Some(Overlay::Copy(CopyChoice {
                thread_id: id,
                rollout_path: thread.rollout_path.clone(),
            }));
            Vec::new()
        }
        Action::Archive if thread.archived => {
            state.set_info("Already archived");
            Vec::new()
        }
        Action::Unarchive if !thread.archived => {
            state.set_info("Not archived");
            Vec::new()
        }
        Action::Delete if thread.open_in_codex => {
            let holder = thread.status.holder.unwrap_or(Holder::Codex);
            state.set_error(format!(
                "“{}” is {}; delete it {}",
                single_line(thread.title()),
                holder.describe(),
                holder.retry_hint()
            ));
            Vec::new()
        }
        Action::Delete => {
            state.overlay = Some(Overlay::Confirm(ConfirmDialog {
                action: ConfirmAction::Delete(id),
                title: single_line(thread.title()),
                held_by: None,
            }));
            Vec::new()
        }
        Action::Archive | Action::Unarchive => {
            let action = if action == Action::Archive {
                ConfirmAction::Archive(id)
            } else {
                ConfirmAction::Unarchive(id)
            };
            state.overlay = Some(Overlay::Confirm(ConfirmDialog {
                action,
                title: single_line(thread.title()),
                held_by: thread
                    .open_in_codex
                    .then(|| thread.status.holder.unwrap_or(Holder::Codex)),
            }));
            Vec::new()
        }
        _ => Vec::new(),
    }
}
