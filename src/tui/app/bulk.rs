//! Marks and actions on every marked thread: `Space` marks, `a` / `u` / `d` ask once for all
//! of them, the runtime works through them one by one (progress in the status line), and a
//! summary says what failed.

use super::list::Tab;
use super::msg::BulkAction;
use super::msg::Effect;
use super::state::{ConfirmAction, ConfirmDialog, Overlay, State};
use crate::protocol::ThreadId;
use crate::rollout::Holder;
use crate::text::sanitize::single_line;
use crate::tui::keymap::Action;

/// How many failures the summary names; the log has all of them.
const NAMED_FAILURES: usize = 3;

/// The bulk action a key asks for.
pub fn bulk_action(action: Action) -> Option<BulkAction> {
    match action {
        Action::Archive => Some(BulkAction::Archive),
        Action::Unarchive => Some(BulkAction::Unarchive),
        Action::Delete => Some(BulkAction::Delete),
        _ => None,
    }
}

/// Opens the one confirmation for every marked thread.
pub fn confirm_bulk(state: &mut State, action: BulkAction) -> Vec<Effect> {
    if let Some(running) = state.list.bulk {
        state.set_info(format!(
            "{} the marked threads… wait for it to finish",
            running.progressive()
        ));
        return Vec::new();
    }
    let marked = state.list.marked_rows();
    let ids: Vec<ThreadId> = marked.iter().map(|row| row.thread.thread_id).collect();
    // Codex itself first: it may still write; a background app server only holds on.
    let held_by = marked
        .iter()
        .filter(|row| row.thread.open_in_codex)
        .map(|row| row.thread.status.holder.unwrap_or(Holder::Codex))
        .min_by_key(|holder| *holder != Holder::Codex);
    if ids.is_empty() {
        return Vec::new();
    }
    let title = match ids.len() {
        1 => "the 1 marked thread".to_string(),
        count => format!("the {count} marked threads"),
    };
    state.overlay = Some(Overlay::Confirm(ConfirmDialog {
        action: ConfirmAction::Bulk { action, ids },
        title,
        held_by,
    }));
    Vec::new()
}

/// The confirmation was accepted: the runtime starts on the threads.
pub fn start(state: &mut State, action: BulkAction, ids: Vec<ThreadId>) -> Vec<Effect> {
    state.list.bulk = Some(action);
    state.set_info(format!("{}… 0/{}", action.progressive(), ids.len()));
    vec![Effect::Bulk { action, ids }]
}

pub fn on_progress(state: &mut State, action: BulkAction, done: usize, total: usize) {
    state.set_info(format!("{}… {done}/{total}", action.progressive()));
}

/// The action is over: the threads it moved away leave the list, their marks go, the failed
/// ones stay marked (to try again), and the status line sums it up.
pub fn on_done(
    state: &mut State,
    action: BulkAction,
    succeeded: &[ThreadId],
    failed: &[(ThreadId, String)],
) {
    state.list.bulk = None;
    let leaves_this_tab = match action {
        BulkAction::Archive => state.list.tab == Tab::Local,
        BulkAction::Unarchive => state.list.tab == Tab::Archived,
        BulkAction::Delete => true,
    };
    for id in succeeded {
        if leaves_this_tab {
            state.list.remove_thread(*id);
        } else {
            state.list.marked.retain(|marked| marked != id);
        }
        state.previews.remove(id);
    }
    let mut summary = format!("{} {}", action.past(), succeeded.len());
    if !failed.is_empty() {
        let named: Vec<String> = failed
            .iter()
            .take(NAMED_FAILURES)
            .map(|(id, reason)| format!("{id}: {}", single_line(reason)))
            .collect();
        summary.push_str(&format!(", {} failed: {}", failed.len(), named.join("; ")));
        if failed.len() > NAMED_FAILURES {
            summary.push_str(&format!(" (and {} more)", failed.len() - NAMED_FAILURES));
        }
    }
    if failed.is_empty() {
        state.set_info(summary);
    } else {
        state.set_error(summary);
    }
}
