//! After an edit landed: the screens take the thread's new metadata, and the status line
//! says what changed.

use super::curate;
use super::list::Tab;
use super::list_load::after_selection_change;
use super::msg::Effect;
use super::split;
use super::state::{Screen, State};
use crate::protocol::ThreadId;
use crate::store::StoredThread;
use crate::text::sanitize::single_line;

/// The manager saved a metadata edit: the status says what changed, the screens show it.
pub(super) fn on_metadata_updated(state: &mut State, thread: &StoredThread) -> Vec<Effect> {
    let before = known_thread(state, thread.thread_id);
    state.set_info(what_changed(before.as_ref(), thread));
    apply_thread(state, thread);
    Vec::new()
}

pub(super) fn on_archived(state: &mut State, id: ThreadId) -> Vec<Effect> {
    let title = title_of(state, id);
    state.set_info(format!("Archived “{title}”"));
    if state.list.tab == Tab::Local {
        state.list.remove_thread(id);
    }
    if let Some(history) = state.history.as_mut().filter(|h| h.thread.thread_id == id) {
        history.thread.archived = true;
    }
    after_selection_change(state)
}

pub(super) fn on_unarchived(state: &mut State, thread: StoredThread) -> Vec<Effect> {
    state.set_info(format!("Unarchived “{}”", single_line(thread.title())));
    if state.list.tab == Tab::Archived {
        state.list.remove_thread(thread.thread_id);
    }
    if let Some(history) = state
        .history
        .as_mut()
        .filter(|h| h.thread.thread_id == thread.thread_id)
    {
        history.thread = thread;
    }
    after_selection_change(state)
}

pub(super) fn on_deleted(state: &mut State, id: ThreadId) -> Vec<Effect> {
    let title = title_of(state, id);
    state.set_info(format!("Deleted “{title}” (its rollout is in the trash)"));
    state.list.remove_thread(id);
    state.previews.remove(&id);
    let mut effects = Vec::new();
    if state
        .history
        .as_ref()
        .is_some_and(|h| h.thread.thread_id == id)
    {
        // Its history has nothing left to follow.
        effects.push(Effect::StopFollow);
        state.history = None;
        state.screen = Screen::List;
    }
    effects.extend(split::forget_thread(state, id));
    effects.extend(after_selection_change(state));
    effects
}

/// A thread the manager returned after an edit: the row, the open history and the preview
/// take its new metadata.
pub(super) fn apply_thread(state: &mut State, thread: &StoredThread) {
    state.list.replace_thread(thread);
    if let Some(results) = state.full_text.as_mut() {
        results.replace_thread(thread);
    }
    if let Some(history) = state
        .history
        .as_mut()
        .filter(|h| h.thread.thread_id == thread.thread_id)
    {
        history.thread = thread.clone();
    }
    state.split.replace_thread(thread);
}

/// The thread as the screen last showed it.
pub(super) fn known_thread(state: &State, id: ThreadId) -> Option<StoredThread> {
    let from_history = state
        .history
        .as_ref()
        .filter(|h| h.thread.thread_id == id)
        .map(|h| h.thread.clone());
    from_history.or_else(|| {
        state
            .list
            .rows
            .iter()
            .find(|row| row.thread.thread_id == id)
            .map(|row| row.thread.clone())
    })
}

/// The status line after an edit: what changed, in words.
fn what_changed(before: Option<&StoredThread>, after: &StoredThread) -> String {
    let title = single_line(after.title());
    let Some(before) = before else {
        return format!("Saved “{title}”");
    };
    if before.name != after.name {
        return match &after.name {
            Some(name) => format!("Renamed to “{}”", single_line(name)),
            None => format!("Name cleared; shown as “{title}”"),
        };
    }
    if before.memory_mode != after.memory_mode {
        return format!("Memory {} for “{title}”", after.memory_mode);
    }
    if let Some(change) = curate::what_changed(before, after) {
        return change;
    }
    format!("Saved “{title}”")
}

fn title_of(state: &State, id: ThreadId) -> String {
    let from_history = state
        .history
        .as_ref()
        .filter(|h| h.thread.thread_id == id)
        .map(|h| h.thread.title().to_string());
    let from_list = || {
        state
            .list
            .rows
            .iter()
            .find(|row| row.thread.thread_id == id)
            .map(|row| row.thread.title().to_string())
    };
    single_line(
        &from_history
            .or_else(from_list)
            .unwrap_or_else(|| id.to_string()),
    )
}
