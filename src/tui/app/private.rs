//! Private threads from the TUI: `H` marks the selected thread (or every marked one) private,
//! so `sync` keeps it at home, or public again; the same path as `codex-threads private` /
//! `public` (`ThreadManager::set_private`). The mark is ours, not Codex's: a `⌂` before the
//! title and a line in the preview pane show it.

use super::edited::{apply_thread, known_thread};
use super::msg::Effect;
use super::state::State;
use crate::protocol::ThreadId;
use crate::store::StoredThread;
use crate::text::sanitize::single_line;

/// Marks the targets private, or public when every one of them is private already. In the
/// list the targets are the marked threads when there are any, else the selected one; in a
/// history, its thread.
pub(super) fn toggle_private(
    state: &mut State,
    thread: Option<StoredThread>,
    with_marks: bool,
) -> Vec<Effect> {
    let marked: Vec<StoredThread> = state
        .list
        .marked_rows()
        .into_iter()
        .map(|row| row.thread.clone())
        .collect();
    let targets: Vec<StoredThread> = if with_marks && !marked.is_empty() {
        marked
    } else {
        thread.into_iter().collect()
    };
    if targets.is_empty() {
        return Vec::new();
    }
    let private = !targets.iter().all(|thread| thread.private);
    state.set_info(if private {
        "Marking private…"
    } else {
        "Marking public…"
    });
    vec![Effect::SetPrivate {
        ids: targets.iter().map(|thread| thread.thread_id).collect(),
        private,
    }]
}

/// The marks are written: each thread shows its new state, the marks that chose them go, and
/// the status line says what `sync` will do.
pub(super) fn on_set(
    state: &mut State,
    ids: &[ThreadId],
    private: bool,
    result: Result<(), String>,
) {
    if let Err(err) = result {
        state.set_error(err);
        return;
    }
    for id in ids {
        if let Some(mut thread) = known_thread(state, *id) {
            thread.private = private;
            apply_thread(state, &thread);
        }
    }
    state.list.marked.retain(|marked| !ids.contains(marked));
    let (which, them) = match ids {
        [id] => (format!("“{}” is", title_of(state, *id)), "it"),
        _ => (format!("{} threads are", ids.len()), "them"),
    };
    state.set_info(if private {
        format!("{which} private: sync keeps {them} at home (and out of the store)")
    } else {
        format!("{which} public: sync shares {them} again")
    });
}

fn title_of(state: &State, id: ThreadId) -> String {
    known_thread(state, id).map_or_else(|| id.to_string(), |thread| single_line(thread.title()))
}
