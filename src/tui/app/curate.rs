//! Codex's pins, sections and projects in the list: `P` pins or unpins a thread (a move into
//! or out of Codex's built-in "Pinned" section), `b` groups the list by section (in Codex's
//! order, each thread at its place in its section) or shows it flat (pinned threads first),
//! `o` steps through the projects of the listed threads as a filter.

use super::msg::Effect;
use super::state::State;
use crate::store::{ProjectRef, SectionMove, StoredThread, ThreadMetadataPatch};
use crate::text::sanitize::single_line;

/// Pins the thread, or unpins a pinned one (Codex keeps pins on archived threads too).
pub(super) fn toggle_pin(state: &mut State, thread: &StoredThread) -> Vec<Effect> {
    let (to, saving) = if thread.pinned() {
        (SectionMove::out(), "Unpinning…")
    } else {
        (SectionMove::pin(), "Pinning…")
    };
    state.set_info(saving);
    vec![Effect::UpdateMetadata {
        id: thread.thread_id,
        patch: ThreadMetadataPatch::move_to_section(to),
        include_archived: true,
    }]
}

pub(super) fn toggle_grouped(state: &mut State) {
    state.list.grouped = !state.list.grouped;
    state.list.refilter();
    state.set_info(if state.list.grouped {
        "Grouped by Codex section"
    } else {
        "Flat list, pinned threads first"
    });
}

/// The next project filter: none, then each project of the listed threads in list order.
/// `None` when there is nothing to step through.
pub(super) fn next_project(state: &mut State) -> bool {
    let mut projects: Vec<ProjectRef> = Vec::new();
    for row in &state.list.rows {
        if let Some(project) = &row.thread.project
            && !projects.contains(project)
        {
            projects.push(project.clone());
        }
    }
    let next = match &state.list.project {
        None => projects.first().cloned(),
        Some(current) => projects
            .iter()
            .position(|project| project == current)
            .and_then(|index| projects.get(index + 1).cloned()),
    };
    if next.is_none() && state.list.project.is_none() {
        state.set_info("No listed thread belongs to a Codex project");
        return false;
    }
    state.set_info(match &next {
        Some(project) => format!("Only project “{}”", single_line(&project.name)),
        None => "Every project".to_string(),
    });
    state.list.project = next;
    true
}

/// What an edit of a thread's pin, section or project changed, for the status line.
pub(super) fn what_changed(before: &StoredThread, after: &StoredThread) -> Option<String> {
    let title = single_line(after.title());
    if before.pinned() != after.pinned() {
        return Some(if after.pinned() {
            format!("Pinned “{title}”")
        } else {
            format!("Unpinned “{title}”")
        });
    }
    if before.section != after.section {
        return Some(match &after.section {
            Some(placement) => format!(
                "Moved “{title}” to section “{}”",
                single_line(&placement.section.name)
            ),
            None => format!("“{title}” is in no section now"),
        });
    }
    if before.project != after.project {
        return Some(match &after.project {
            Some(project) => format!("“{title}” is in project “{}”", single_line(&project.name)),
            None => format!("“{title}” is in no project now"),
        });
    }
    None
}
