//! Pure tests of `update` for Codex's pins, sections and projects in the list, and a render
//! snapshot of them.

use crossterm::event::KeyCode;

use super::*;
use crate::store::{
    PINNED_SECTION_ID, ProjectRef, SectionMove, SectionPlacement, StoredThread, ThreadSection,
};
use crate::tui::test_support::*;

fn placed(thread: &mut StoredThread, id: &str, name: &str, position: i64) {
    thread.section = Some(SectionPlacement {
        section: ThreadSection {
            id: id.into(),
            name: name.into(),
        },
        position,
    });
}

/// Five threads, newest first: 3 pinned, 1 and 4 in "Work" (4 before 1), 0 in project "Site".
fn curated_threads() -> Vec<StoredThread> {
    let mut threads = sample_threads();
    placed(&mut threads[3], PINNED_SECTION_ID, "Pinned", 1_000_000);
    placed(
        &mut threads[1],
        "01a30000-0000-7000-8000-000000000000",
        "Work",
        2_000_000,
    );
    placed(
        &mut threads[4],
        "01a30000-0000-7000-8000-000000000000",
        "Work",
        500_000,
    );
    threads[0].project = Some(ProjectRef {
        id: "p1".into(),
        name: "Site".into(),
    });
    threads
}

fn listed(state: &State) -> Vec<usize> {
    let ids: Vec<_> = (0..5).map(thread_id).collect();
    state
        .list
        .matches
        .iter()
        .map(|&index| {
            let id = state.list.rows[index].thread.thread_id;
            ids.iter().position(|known| *known == id).unwrap()
        })
        .collect()
}

#[test]
fn pinned_threads_come_first_and_b_groups_by_section_in_codexs_order() {
    let mut state = state_with_threads(120, 40, curated_threads(), false);
    assert_eq!(listed(&state), [3, 0, 1, 2, 4]);
    update(&mut state, key(KeyCode::Char('b')));
    // Pinned (the oldest section id), then Work by position, then threads in no section.
    assert_eq!(listed(&state), [3, 4, 1, 0, 2]);
    update(&mut state, key(KeyCode::Char('b')));
    assert_eq!(listed(&state), [3, 0, 1, 2, 4]);
}

#[test]
fn p_pins_and_unpins_through_the_one_metadata_path() {
    let mut state = state_with_threads(80, 24, curated_threads(), false);
    // The selection starts on the pinned thread: P unpins it.
    let effects = update(&mut state, key(KeyCode::Char('P')));
    let [Effect::UpdateMetadata { id, patch, .. }] = effects.as_slice() else {
        panic!("unexpected {effects:?}")
    };
    assert_eq!(*id, thread_id(3));
    assert_eq!(patch.section, Some(SectionMove::out()));
    update(&mut state, key(KeyCode::Char('j')));
    let effects = update(&mut state, key(KeyCode::Char('P')));
    let [Effect::UpdateMetadata { id, patch, .. }] = effects.as_slice() else {
        panic!("unexpected {effects:?}")
    };
    assert_eq!(*id, thread_id(0));
    assert_eq!(patch.section, Some(SectionMove::pin()));
    // The answer moves the thread up and says what changed.
    let mut pinned = state
        .list
        .rows
        .iter()
        .find(|r| r.thread.thread_id == thread_id(0))
        .unwrap()
        .thread
        .clone();
    placed(&mut pinned, PINNED_SECTION_ID, "Pinned", 2_000_000);
    update(&mut state, Msg::MetadataUpdated(pinned));
    assert_eq!(listed(&state)[..2], [3, 0]);
    assert!(state.status.as_ref().unwrap().text.starts_with("Pinned"));
}

#[test]
fn o_filters_by_the_listed_threads_projects_and_reloads() {
    let mut state = state_with_threads(80, 24, curated_threads(), false);
    let effects = update(&mut state, key(KeyCode::Char('o')));
    let params = effects
        .iter()
        .find_map(|effect| match effect {
            Effect::LoadThreads { params, .. } => Some(params.clone()),
            _ => None,
        })
        .expect("a reload");
    assert_eq!(params.project_id.as_deref(), Some("p1"));
    assert_eq!(state.list.project.as_ref().unwrap().name, "Site");
}

#[test]
fn pins_sections_and_projects_show_in_the_rows_120x40() {
    let mut state = state_with_threads(120, 40, curated_threads(), false);
    update(&mut state, key(KeyCode::Char('p')));
    let mut terminal = ratatui::Terminal::new(ratatui::backend::TestBackend::new(120, 40)).unwrap();
    terminal
        .draw(|frame| crate::tui::ui::render(frame, &state))
        .unwrap();
    let screen = terminal.backend().to_string();
    assert!(screen.contains("◆ "), "{screen}");
    assert!(screen.contains("§ Work"), "{screen}");
    assert!(screen.contains("@ Site"), "{screen}");
    insta::with_settings!({ snapshot_path => "../snapshots", prepend_module_to_snapshot => false }, {
        insta::assert_snapshot!("list_curated_120x40", screen);
    });
}

#[test]
fn an_archived_thread_is_not_renamed_nor_its_memory_changed_but_it_is_pinned() {
    let mut threads = curated_threads();
    for thread in &mut threads {
        thread.archived = true;
    }
    let mut state = state_with_threads(80, 24, threads, false);
    for edit in ['r', 'm'] {
        let effects = update(&mut state, key(KeyCode::Char(edit)));
        assert!(effects.is_empty() && state.overlay.is_none(), "{edit}");
        let status = state.status.as_ref().unwrap();
        assert_eq!(status.kind, StatusKind::Error);
        assert!(status.text.contains("unarchive"), "{}", status.text);
    }
    let effects = update(&mut state, key(KeyCode::Char('P')));
    assert!(matches!(
        effects.as_slice(),
        [Effect::UpdateMetadata {
            include_archived: true,
            ..
        }]
    ));
}
