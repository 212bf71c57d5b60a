//! The disk screen: the largest threads (active and archived), with the prune actions on the
//! selected one — archive, move to the trash, compress — each after a confirmation naming the
//! thread and its bytes. Threads open in Codex are refused, as `prune` sets them aside.

use super::msg::Effect;
use super::state::{ConfirmAction, ConfirmDialog, Overlay, Screen, State};
use crate::protocol::ThreadId;
use crate::prune::{Candidate, PruneAction, Pruned};
use crate::text::decimal_size;
use crate::text::sanitize::single_line;
use crate::tui::keymap::Action;

/// How many of the largest threads the screen lists.
pub const LARGEST: usize = 50;

#[derive(Clone, Debug, Default)]
pub enum DiskLoad {
    #[default]
    NotLoaded,
    Loading,
    Ready,
    Failed(String),
}

#[derive(Clone, Debug, Default)]
pub struct DiskView {
    pub load: DiskLoad,
    /// Largest first.
    pub rows: Vec<Candidate>,
    pub selected: usize,
    /// Bytes of every rollout of the home, listed or not.
    pub total_bytes: u64,
    /// A prune under way (one at a time).
    pub busy: Option<PruneAction>,
    request_id: u64,
}

impl DiskView {
    pub fn selected_row(&self) -> Option<&Candidate> {
        self.rows.get(self.selected)
    }
}

/// What the runtime found: the largest threads and the bytes of all of them.
#[derive(Clone, Debug, Default)]
pub struct DiskData {
    pub largest: Vec<Candidate>,
    pub total_bytes: u64,
}

/// Opens the disk screen, measuring again each time.
pub fn show(state: &mut State) -> Vec<Effect> {
    state.screen = Screen::Disk;
    reload(state)
}

fn reload(state: &mut State) -> Vec<Effect> {
    let request_id = state.next_request_id();
    state.disk.request_id = request_id;
    if !matches!(state.disk.load, DiskLoad::Ready) {
        state.disk.load = DiskLoad::Loading;
    }
    vec![Effect::LoadDisk { request_id }]
}

pub fn on_loaded(state: &mut State, request_id: u64, result: Result<DiskData, String>) {
    if request_id != state.disk.request_id {
        return;
    }
    match result {
        Ok(data) => {
            let selected = state.disk.selected_row().map(|row| row.thread.thread_id);
            state.disk.rows = data.largest;
            state.disk.total_bytes = data.total_bytes;
            state.disk.load = DiskLoad::Ready;
            // The selection stays on its thread when it is still listed.
            state.disk.selected = selected
                .and_then(|id| {
                    state
                        .disk
                        .rows
                        .iter()
                        .position(|row| row.thread.thread_id == id)
                })
                .unwrap_or(state.disk.selected)
                .min(state.disk.rows.len().saturating_sub(1));
        }
        Err(error) => {
            state.disk.load = DiskLoad::Failed(error.clone());
            state.set_error(format!("Sizes not read: {error}"));
        }
    }
}

pub fn on_action(state: &mut State, action: Action) -> Vec<Effect> {
    let last = state.disk.rows.len().saturating_sub(1);
    let page = usize::from(state.size.height.saturating_sub(6)).max(1);
    let selected = &mut state.disk.selected;
    match action {
        Action::MoveDown => *selected = (*selected + 1).min(last),
        Action::MoveUp => *selected = selected.saturating_sub(1),
        Action::PageDown => *selected = (*selected + page).min(last),
        Action::PageUp => *selected = selected.saturating_sub(page),
        Action::Top => *selected = 0,
        Action::Bottom => *selected = last,
        Action::Archive => return confirm(state, PruneAction::Archive),
        Action::Delete => return confirm(state, PruneAction::Trash),
        Action::Compress => return confirm(state, PruneAction::Compress),
        Action::Back | Action::ShowDisk => state.screen = Screen::List,
        Action::Help => state.overlay = Some(Overlay::Help { scroll: 0 }),
        _ => {}
    }
    Vec::new()
}

/// Asks before acting on the selected thread, or says why it cannot be done.
fn confirm(state: &mut State, action: PruneAction) -> Vec<Effect> {
    if let Some(running) = state.disk.busy {
        state.set_info(format!(
            "Still {}ing… wait for it to finish",
            running.verb()
        ));
        return Vec::new();
    }
    let Some(row) = state.disk.selected_row() else {
        return Vec::new();
    };
    let title = single_line(row.thread.title());
    let refusal = match action {
        PruneAction::Archive if row.thread.archived => Some("is already archived".to_string()),
        PruneAction::Compress if row.disk.compressed => Some("is already compressed".to_string()),
        _ => crate::prune::why_open(&row.thread),
    };
    if let Some(reason) = refusal {
        state.set_error(format!("“{title}” {reason}"));
        return Vec::new();
    }
    let id = row.thread.thread_id;
    let bytes = row.disk.bytes;
    state.overlay = Some(Overlay::Confirm(ConfirmDialog {
        action: ConfirmAction::Prune { action, id, bytes },
        title,
        held_by: None,
    }));
    Vec::new()
}

/// The confirmation was accepted: the runtime acts on the thread.
pub fn start(state: &mut State, action: PruneAction, id: ThreadId) -> Vec<Effect> {
    let Some(row) = state
        .disk
        .rows
        .iter()
        .find(|row| row.thread.thread_id == id)
        .cloned()
    else {
        return Vec::new();
    };
    state.disk.busy = Some(action);
    state.set_info(format!(
        "{} “{}”…",
        progressive(action),
        single_line(row.thread.title())
    ));
    vec![Effect::Prune {
        action,
        candidate: Box::new(row),
    }]
}

/// The thread was pruned (or not): the status says so, the list forgets a thread that left
/// it, and the sizes are read again.
pub fn on_pruned(
    state: &mut State,
    action: PruneAction,
    id: ThreadId,
    result: Result<Pruned, String>,
) -> Vec<Effect> {
    state.disk.busy = None;
    match result {
        Ok(pruned) => {
            let freed = match action {
                PruneAction::Archive => String::new(),
                PruneAction::Trash => {
                    format!(": {} in the trash", decimal_size(pruned.freed_bytes))
                }
                PruneAction::Compress => format!(": {} freed", decimal_size(pruned.freed_bytes)),
            };
            state.set_info(format!("{} {id}{freed}", action.done()));
            let leaves_the_list = match action {
                PruneAction::Archive => state.list.tab == super::list::Tab::Local,
                PruneAction::Trash => true,
                PruneAction::Compress => false,
            };
            if leaves_the_list {
                state.list.remove_thread(id);
                state.previews.remove(&id);
            }
        }
        Err(error) => state.set_error(format!("Not {}: {}", action.done(), single_line(&error))),
    }
    reload(state)
}

fn progressive(action: PruneAction) -> &'static str {
    match action {
        PruneAction::Archive => "Archiving",
        PruneAction::Trash => "Moving to the trash",
        PruneAction::Compress => "Compressing",
    }
}
