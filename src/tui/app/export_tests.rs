//! The export key: from the list and the history it asks the runtime to export the thread to
//! the current directory, and the status line says where.

use crossterm::event::KeyCode;

use super::*;
use crate::tui::test_support::*;

const EXPECTED_FILE: &str = "019e2a4c-7b1d-fix-the-flaky-login-test.md";

#[test]
fn e_in_the_list_exports_the_selected_thread_to_the_current_directory() {
    let mut state = state_with_threads(80, 24, sample_threads(), false);
    let effects = update(&mut state, key(KeyCode::Char('e')));
    let [Effect::Export { id, path }] = effects.as_slice() else {
        panic!("unexpected {effects:?}")
    };
    assert_eq!(*id, thread_id(0));
    assert_eq!(*path, state.cwd.join(EXPECTED_FILE));
    let status = state.status.as_ref().expect("a status");
    assert!(status.text.starts_with("Exporting to "), "{status:?}");

    update(&mut state, Msg::Exported(path.clone()));
    let status = state.status.as_ref().expect("a status");
    assert_eq!(status.kind, StatusKind::Info);
    assert_eq!(status.text, format!("Exported to {}", path.display()));
}

#[test]
fn e_in_the_history_exports_the_open_thread() {
    let mut state = state_with_threads(80, 24, sample_threads(), false);
    update(&mut state, key(KeyCode::Down));
    update(&mut state, key(KeyCode::Enter));
    assert_eq!(state.screen, Screen::History);
    let effects = update(&mut state, key(KeyCode::Char('e')));
    let [Effect::Export { id, path }] = effects.as_slice() else {
        panic!("unexpected {effects:?}")
    };
    assert_eq!(*id, thread_id(1));
    // The name, not the preview, titles a named thread.
    assert_eq!(
        path.file_name().and_then(|name| name.to_str()),
        Some("019e2a4c-7b1d-json-output.md")
    );
}
