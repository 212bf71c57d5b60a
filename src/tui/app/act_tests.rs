//! Pure tests of `update` for acting on a thread outside the browser: resuming it in Codex,
//! copying its id, path or resume command, and the source filter.

use crossterm::event::KeyCode;

use super::*;
use crate::launch::{CodexSession, LaunchMode};
use crate::store::SourceFilter;
use crate::tui::keymap::Mode;
use crate::tui::test_support::*;

fn selected_id(state: &State) -> crate::protocol::ThreadId {
    state.list.selected_row().unwrap().thread.thread_id
}

#[test]
fn c_resumes_the_selected_thread_in_its_directory_and_coming_back_keeps_the_place() {
    let mut state = state_with_threads(80, 24, sample_threads(), false);
    update(&mut state, key(KeyCode::Char('j')));
    let id = selected_id(&state);
    let cwd = state.list.selected_row().unwrap().thread.cwd.clone();
    let effects = update(&mut state, key(KeyCode::Char('C')));
    let [Effect::LaunchCodex(request)] = effects.as_slice() else {
        panic!("unexpected {effects:?}")
    };
    assert_eq!(
        (
            request.session,
            &request.cwd,
            &request.origin,
            request.codex_command.as_str(),
            request.mode
        ),
        (
            CodexSession::Resume(id),
            &cwd,
            &None,
            "codex",
            LaunchMode::Replace
        )
    );

    let effects = update(&mut state, Msg::BackFromCodex(Ok("Back from Codex".into())));
    assert_eq!(state.status.as_ref().unwrap().text, "Back from Codex");
    assert_eq!((state.screen, selected_id(&state)), (Screen::List, id));
    // Codex may have written: the list is reloaded in the background at once.
    assert!(load_threads_request(&effects).is_some());
    assert_eq!(state.list.refreshing, load_threads_request(&effects));
}

#[test]
fn c_in_a_history_resumes_that_thread_and_a_failure_is_an_error_line() {
    let mut state = state_with_threads(80, 24, sample_threads(), false);
    update(&mut state, key(KeyCode::Enter));
    let id = selected_id(&state);
    let effects = update(&mut state, key(KeyCode::Char('C')));
    assert!(
        matches!(effects.as_slice(), [Effect::LaunchCodex(request)] if request.session == CodexSession::Resume(id))
    );
    update(
        &mut state,
        Msg::BackFromCodex(Err("codex not found on PATH; set codex_command in x".into())),
    );
    let status = state.status.as_ref().unwrap();
    assert_eq!(status.kind, StatusKind::Error);
    assert!(status.text.starts_with("codex not found on PATH"));
    assert_eq!(state.screen, Screen::History, "the history stays open");
}

#[test]
fn y_offers_id_path_and_command_and_says_what_was_copied() {
    let mut state = state_with_threads(80, 24, sample_threads(), false);
    let id = selected_id(&state);
    let copy = |state: &mut State, choice: char| {
        assert!(update(state, key(KeyCode::Char('y'))).is_empty());
        assert_eq!(state.mode(), Mode::Copy);
        let effects = update(state, key(KeyCode::Char(choice)));
        assert_eq!(state.mode(), Mode::List);
        match effects.as_slice() {
            [Effect::Copy { text }] => text.clone(),
            other => panic!("unexpected {other:?}"),
        }
    };
    assert_eq!(copy(&mut state, 'i'), id.to_string());
    assert_eq!(
        state.status.as_ref().unwrap().text,
        format!("Copied id {id}")
    );
    assert_eq!(copy(&mut state, 'c'), format!("codex resume {id}"));
    let index = state.list.matches[state.list.selected];
    let path = std::path::PathBuf::from("/home/ana/.codex/sessions/2026/05/14/rollout-x.jsonl");
    state.list.rows[index].thread.rollout_path = Some(path.clone());
    assert_eq!(copy(&mut state, 'p'), path.to_string_lossy());
    // A thread not written yet has no path: said, nothing copied.
    state.list.rows[index].thread.rollout_path = None;
    update(&mut state, key(KeyCode::Char('y')));
    assert!(update(&mut state, key(KeyCode::Char('p'))).is_empty());
    assert_eq!(state.status.as_ref().unwrap().kind, StatusKind::Error);
    // Esc leaves the choice without copying; other keys wait for a choice.
    update(&mut state, key(KeyCode::Char('y')));
    assert!(update(&mut state, key(KeyCode::Char('x'))).is_empty());
    assert_eq!(state.mode(), Mode::Copy);
    assert!(update(&mut state, key(KeyCode::Esc)).is_empty());
    assert_eq!(state.mode(), Mode::List);
}

#[test]
fn s_cycles_the_source_filter_and_reloads_with_it() {
    let mut state = state_with_threads(80, 24, sample_threads(), false);
    let mut seen = Vec::new();
    for _ in 0..3 {
        let effects = update(&mut state, key(KeyCode::Char('S')));
        let [Effect::LoadThreads { params, .. }] = effects.as_slice() else {
            panic!("unexpected {effects:?}")
        };
        assert_eq!(params.source, state.list.source);
        seen.push(params.source.clone());
    }
    assert_eq!(
        seen,
        [
            SourceFilter::Interactive,
            SourceFilter::Only("exec".into()),
            SourceFilter::All
        ]
    );
}

/// Ages read like Codex's picker and never run backwards: a late tick does not set the clock
/// back, and a row written after the last tick does not read "now" and then jump.
#[test]
fn relative_ages_are_steady_across_ticks_and_refreshes() {
    use crate::tui::ui::format::relative_time;
    let mut state = state_with_threads(80, 24, sample_threads(), false);
    let start = state.now;
    let age = |state: &State| {
        let row = state.list.selected_row().unwrap();
        relative_time(state.now, row.thread.updated_at)
    };
    assert_eq!(age(&state), "42s ago");
    let effects = update(&mut state, Msg::Tick(start + chrono::Duration::seconds(3)));
    let request_id = load_threads_request(&effects).expect("a background refresh");
    assert_eq!(age(&state), "45s ago");
    // A tick from before the last one (queued behind other input) changes nothing.
    update(&mut state, Msg::Tick(start + chrono::Duration::seconds(1)));
    assert_eq!(age(&state), "45s ago");

    // A refresh brings a thread written a moment after the last tick: the clock catches up
    // (a tick is at most that old), so its age starts at "now" and only grows.
    update(&mut state, Msg::Tick(start + chrono::Duration::seconds(10)));
    let mut threads = sample_threads();
    threads[0].updated_at = state.now + chrono::Duration::milliseconds(1500);
    update(
        &mut state,
        Msg::ThreadsLoaded {
            request_id,
            result: Ok(LoadedThreads {
                page: crate::store::ThreadPage {
                    items: threads,
                    ..Default::default()
                },
                live: Default::default(),
            }),
        },
    );
    assert_eq!(state.now, start + chrono::Duration::milliseconds(11_500));
    let mut ages = vec![age(&state)];
    let mut refresh = None;
    for second in [11, 12, 17, 20] {
        let effects = update(
            &mut state,
            Msg::Tick(start + chrono::Duration::seconds(second)),
        );
        refresh = refresh.or(load_threads_request(&effects));
        ages.push(age(&state));
    }
    assert_eq!(ages, ["now", "now", "now", "5s ago", "8s ago"]);
    // A file dated far in the future moves the clock by no more than a tick's worth.
    let before = state.now;
    let mut future = sample_threads();
    future[0].updated_at = before + chrono::Duration::days(30);
    let request_id = refresh.expect("the next background refresh");
    {
        update(
            &mut state,
            Msg::ThreadsLoaded {
                request_id,
                result: Ok(LoadedThreads {
                    page: crate::store::ThreadPage {
                        items: future,
                        ..Default::default()
                    },
                    live: Default::default(),
                }),
            },
        );
    }
    assert!(state.now <= before + chrono::Duration::seconds(2));
}
