//! The disk screen, pure: `D` measures and lists the largest threads, `z` / `a` / `d` ask
//! naming the thread and its size and then act through the runtime, a thread open in Codex is
//! refused, and the result is told and measured again.

use std::path::PathBuf;

use crossterm::event::KeyCode;

use super::disk::DiskData;
use super::*;
use crate::prune::{Candidate, OnDisk, PruneAction, Pruned};
use crate::tui::keymap::Mode;
use crate::tui::test_support::*;

fn candidates() -> Vec<Candidate> {
    sample_threads()
        .into_iter()
        .take(3)
        .enumerate()
        .map(|(n, thread)| Candidate {
            disk: OnDisk {
                path: PathBuf::from(format!("/home/.codex/sessions/rollout-{n}.jsonl")),
                bytes: 3_000_000 / (n as u64 + 1),
                compressed: n == 2,
            },
            thread,
        })
        .collect()
}

/// The list, then `D` and the measured threads.
pub fn disk_state(rows: Vec<Candidate>) -> State {
    let mut state = state_with_threads(80, 24, sample_threads(), false);
    let effects = update(&mut state, key(KeyCode::Char('D')));
    let request_id = effects
        .iter()
        .find_map(|effect| match effect {
            Effect::LoadDisk { request_id } => Some(*request_id),
            _ => None,
        })
        .expect("sizes are measured");
    assert_eq!(state.screen, Screen::Disk);
    assert_eq!(state.mode(), Mode::Disk);
    update(
        &mut state,
        Msg::DiskLoaded {
            request_id,
            result: Ok(DiskData {
                largest: rows,
                total_bytes: 9_000_000,
            }),
        },
    );
    state
}

#[test]
fn z_asks_with_the_size_and_compresses_through_the_runtime() {
    let mut state = disk_state(candidates());
    assert_eq!(state.disk.rows.len(), 3);
    let id = state.disk.rows[0].thread.thread_id;
    assert!(update(&mut state, key(KeyCode::Char('z'))).is_empty());
    let Some(Overlay::Confirm(dialog)) = &state.overlay else {
        panic!("no confirmation");
    };
    assert_eq!(
        dialog.action,
        ConfirmAction::Prune {
            action: PruneAction::Compress,
            id,
            bytes: 3_000_000
        }
    );
    // No: nothing happens.
    assert!(update(&mut state, key(KeyCode::Char('n'))).is_empty());
    assert!(state.overlay.is_none());

    update(&mut state, key(KeyCode::Char('z')));
    let effects = update(&mut state, key(KeyCode::Char('y')));
    assert!(
        matches!(effects.as_slice(), [Effect::Prune { action: PruneAction::Compress, candidate }] if candidate.thread.thread_id == id),
        "{effects:?}"
    );
    assert_eq!(state.disk.busy, Some(PruneAction::Compress));
    let effects = update(
        &mut state,
        Msg::Pruned {
            action: PruneAction::Compress,
            id,
            result: Ok(Pruned {
                thread_id: id,
                freed_bytes: 2_700_000,
                now_at: vec![],
            }),
        },
    );
    assert!(
        matches!(effects.as_slice(), [Effect::LoadDisk { .. }]),
        "measured again"
    );
    assert_eq!(state.disk.busy, None);
    let status = state.status.as_ref().unwrap();
    assert_eq!(status.text, format!("compressed {id}: 2.7 MB freed"));
    assert_eq!(state.list.rows.len(), 5, "a compressed thread stays listed");
}

#[test]
fn a_trashed_thread_leaves_the_list_and_a_failure_is_told() {
    let mut state = disk_state(candidates());
    update(&mut state, key(KeyCode::Char('j')));
    let id = state.disk.rows[1].thread.thread_id;
    update(&mut state, key(KeyCode::Char('d')));
    let effects = update(&mut state, key(KeyCode::Char('y')));
    assert!(matches!(
        effects.as_slice(),
        [Effect::Prune {
            action: PruneAction::Trash,
            ..
        }]
    ));
    update(
        &mut state,
        Msg::Pruned {
            action: PruneAction::Trash,
            id,
            result: Ok(Pruned {
                thread_id: id,
                freed_bytes: 1_500_000,
                now_at: vec![],
            }),
        },
    );
    assert!(!state.list.rows.iter().any(|row| row.thread.thread_id == id));

    update(&mut state, key(KeyCode::Char('a')));
    update(&mut state, key(KeyCode::Char('y')));
    update(
        &mut state,
        Msg::Pruned {
            action: PruneAction::Archive,
            id,
            result: Err("thread is open in a Codex process".into()),
        },
    );
    let status = state.status.as_ref().unwrap();
    assert_eq!(status.kind, StatusKind::Error);
    assert!(status.text.starts_with("Not archived: "), "{}", status.text);
}

#[test]
fn a_thread_open_in_codex_or_already_compressed_is_refused_without_asking() {
    let mut rows = candidates();
    rows[0].thread.status.holder = Some(crate::rollout::Holder::Codex);
    let mut state = disk_state(rows);
    for key_char in ['z', 'a', 'd'] {
        assert!(update(&mut state, key(KeyCode::Char(key_char))).is_empty());
        assert!(state.overlay.is_none(), "{key_char}");
        let status = state.status.as_ref().unwrap();
        assert!(
            status.text.contains("open in a Codex process"),
            "{}",
            status.text
        );
    }
    update(&mut state, key(KeyCode::Char('G')));
    assert_eq!(state.disk.selected, 2);
    assert!(update(&mut state, key(KeyCode::Char('z'))).is_empty());
    assert!(
        state
            .status
            .as_ref()
            .unwrap()
            .text
            .contains("already compressed"),
        "{:?}",
        state.status
    );
    update(&mut state, key(KeyCode::Esc));
    assert_eq!(state.screen, Screen::List);
}
