//! The trash view's state: the threads our delete moved to the trash (newest deletion first),
//! read by the runtime when the view opens, and a key that restores the selected one.

use super::msg::Effect;
use super::state::{Overlay, Screen, State};
use crate::protocol::ThreadId;
use crate::store::{RestoredThread, TrashedThread};
use crate::text::{one_line, single_line};
use crate::tui::keymap::Action;

#[derive(Clone, Debug, Default)]
pub enum TrashLoad {
    #[default]
    NotLoaded,
    Loading,
    Ready(Vec<TrashedThread>),
    Failed(String),
}

#[derive(Clone, Debug, Default)]
pub struct TrashView {
    pub load: TrashLoad,
    pub selected: usize,
    /// The first row shown (kept so that the selection stays in view).
    pub offset: usize,
    /// A restore under way: its key does nothing more until it is back.
    pub restoring: Option<ThreadId>,
    request_id: u64,
}

impl TrashView {
    pub fn threads(&self) -> &[TrashedThread] {
        match &self.load {
            TrashLoad::Ready(threads) => threads,
            _ => &[],
        }
    }

    fn select(&mut self, index: isize, rows: usize) {
        let last = self.threads().len().saturating_sub(1) as isize;
        self.selected = index.clamp(0, last.max(0)) as usize;
        let rows = rows.max(1);
        if self.selected < self.offset {
            self.offset = self.selected;
        } else if self.selected >= self.offset + rows {
            self.offset = self.selected + 1 - rows;
        }
    }
}

/// Rows of threads the screen shows: all but the header, the column titles, the selected
/// thread's path, the footer and the banner.
pub fn rows_per_page(state: &State) -> usize {
    let banner = u16::from(state.banner.is_some());
    usize::from(state.size.height.saturating_sub(4 + banner)).max(1)
}

/// Opens the trash view, reading the trash again each time.
pub fn show(state: &mut State) -> Vec<Effect> {
    state.screen = Screen::Trash;
    let request_id = state.next_request_id();
    state.trash.request_id = request_id;
    if !matches!(state.trash.load, TrashLoad::Ready(_)) {
        state.trash.load = TrashLoad::Loading;
    }
    vec![Effect::LoadTrash { request_id }]
}

pub fn on_action(state: &mut State, action: Action) -> Vec<Effect> {
    let rows = rows_per_page(state);
    let at = state.trash.selected as isize;
    let page = rows as isize;
    match action {
        Action::MoveDown => state.trash.select(at + 1, rows),
        Action::MoveUp => state.trash.select(at - 1, rows),
        Action::PageDown => state.trash.select(at + page, rows),
        Action::PageUp => state.trash.select(at - page, rows),
        Action::Top => state.trash.select(0, rows),
        Action::Bottom => state.trash.select(isize::MAX, rows),
        Action::Restore => return restore_selected(state),
        Action::Back | Action::ShowTrash => state.screen = Screen::List,
        Action::Help => state.overlay = Some(Overlay::Help { scroll: 0 }),
        _ => {}
    }
    Vec::new()
}

fn restore_selected(state: &mut State) -> Vec<Effect> {
    if state.trash.restoring.is_some() {
        return Vec::new();
    }
    let Some(thread) = state.trash.threads().get(state.trash.selected) else {
        return Vec::new();
    };
    let thread_id = thread.thread_id;
    let title = single_line(&one_line(thread.title(), 40));
    state.trash.restoring = Some(thread_id);
    state.set_info(format!("Restoring “{title}”…"));
    vec![Effect::Restore { thread_id }]
}

pub fn on_loaded(state: &mut State, request_id: u64, result: Result<Vec<TrashedThread>, String>) {
    if request_id != state.trash.request_id {
        return;
    }
    match result {
        Ok(threads) => {
            state.trash.load = TrashLoad::Ready(threads);
            let at = state.trash.selected as isize;
            state.trash.select(at, rows_per_page(state));
        }
        Err(error) => {
            state.set_error(format!("The trash could not be read: {error}"));
            state.trash.load = TrashLoad::Failed(error);
        }
    }
}

/// A restore is back: the thread leaves the view and the list is read again; a refusal (its
/// path taken, say) is the status line.
pub fn on_restored(
    state: &mut State,
    thread_id: ThreadId,
    result: Result<RestoredThread, String>,
) -> Vec<Effect> {
    state.trash.restoring = None;
    match result {
        Ok(restored) => {
            let title = state
                .trash
                .threads()
                .iter()
                .find(|thread| thread.thread_id == thread_id)
                .map(|thread| single_line(&one_line(thread.title(), 40)))
                .unwrap_or_else(|| thread_id.to_string());
            if let TrashLoad::Ready(threads) = &mut state.trash.load {
                threads.retain(|thread| thread.thread_id != thread_id);
            }
            let at = state.trash.selected as isize;
            state.trash.select(at, rows_per_page(state));
            state.set_info(format!(
                "Restored “{title}” to {}",
                single_line(&restored.path.display().to_string())
            ));
            state.list.refreshed_at = None;
            Vec::new()
        }
        Err(error) => {
            state.set_error(format!("Not restored: {error}"));
            Vec::new()
        }
    }
}
