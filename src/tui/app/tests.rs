//! Pure tests of `update`: key sequences in, state and effects out.

use crossterm::event::KeyCode;

use super::*;
use crate::manager::FollowEvent;
use crate::protocol::ThreadMemoryMode;
use crate::store::{HistoryDirection, SortKey, StoredThread, ThreadMetadataPatch, ThreadPage};
use crate::tui::keymap::Mode;
use crate::tui::test_support::*;
use crate::tui::ui::layout::list_rows_per_page;

fn titles(state: &State) -> Vec<String> {
    state
        .list
        .matches
        .iter()
        .map(|&index| state.list.rows[index].thread.title().to_string())
        .collect()
}

#[test]
fn start_loads_the_first_page_and_shows_loading_until_it_arrives() {
    let mut state = new_state(80, 24);
    let effects = update(&mut state, Msg::Start);
    let Some(Effect::LoadThreads { params, .. }) = effects
        .iter()
        .find(|effect| matches!(effect, Effect::LoadThreads { .. }))
    else {
        panic!("unexpected {effects:?}")
    };
    assert!(params.page_size >= 25, "{}", params.page_size);
    assert_eq!((params.archived, params.cursor.as_deref()), (false, None));
    assert_eq!(params.sort_key, SortKey::UpdatedAt);
    assert!(!state.list.loaded_once && state.list.loading.is_some());
}

#[test]
fn typing_a_search_filters_loaded_rows_and_esc_clears_it() {
    let mut state = state_with_threads(80, 24, sample_threads(), false);
    update(&mut state, key(KeyCode::Char('/')));
    assert_eq!(state.mode(), Mode::Search);
    type_text(&mut state, "JSON");
    assert_eq!(titles(&state), ["JSON output"]);
    // Branch and directory match too; `j` and `q` are text here, not commands.
    update(&mut state, key(KeyCode::Backspace));
    update(&mut state, key(KeyCode::Backspace));
    update(&mut state, key(KeyCode::Backspace));
    update(&mut state, key(KeyCode::Backspace));
    type_text(&mut state, "other-proj");
    assert_eq!(state.list.matches.len(), 2);
    assert!(!state.quit);
    update(&mut state, key(KeyCode::Esc));
    assert_eq!(state.mode(), Mode::List);
    assert!(state.list.query.is_empty());
    assert_eq!(state.list.matches.len(), 5);
}

#[test]
fn enter_keeps_the_filter_and_esc_in_the_list_clears_it() {
    let mut state = state_with_threads(80, 24, sample_threads(), false);
    update(&mut state, key(KeyCode::Char('/')));
    type_text(&mut state, "main");
    update(&mut state, key(KeyCode::Enter));
    assert_eq!(state.mode(), Mode::List);
    assert_eq!(state.list.matches.len(), 2);
    update(&mut state, key(KeyCode::Esc));
    assert_eq!(state.list.matches.len(), 5);
}

#[test]
fn a_search_with_no_loaded_match_keeps_loading_pages() {
    let threads: Vec<_> = (0..25).map(|n| thread(n, &format!("thread {n}"))).collect();
    let mut state = state_with_threads(80, 24, threads, true);
    assert!(state.list.loading.is_none());
    update(&mut state, key(KeyCode::Char('/')));
    let effects = type_text(&mut state, "zz");
    let [Effect::LoadThreads { params, .. }] = effects.as_slice() else {
        panic!("unexpected {effects:?}")
    };
    assert_eq!(params.cursor.as_deref(), Some("next-page"));
    assert_eq!(
        params.search_term, None,
        "the filter is applied to loaded rows"
    );
}

#[test]
fn moving_near_the_end_of_the_loaded_rows_fetches_the_next_page() {
    let threads: Vec<_> = (0..25).map(|n| thread(n, &format!("thread {n}"))).collect();
    let mut state = state_with_threads(80, 24, threads, true);
    for _ in 0..19 {
        let effects = update(&mut state, key(KeyCode::Char('j')));
        assert!(
            load_threads_request(&effects).is_none(),
            "too early at {}",
            state.list.selected
        );
    }
    let effects = update(&mut state, key(KeyCode::Char('j')));
    assert_eq!(state.list.selected, 20);
    let Some(Effect::LoadThreads { params, request_id }) = effects.first() else {
        panic!("unexpected {effects:?}")
    };
    assert_eq!(params.cursor.as_deref(), Some("next-page"));
    // Only one request at a time.
    assert!(load_threads_request(&update(&mut state, key(KeyCode::Char('j')))).is_none());
    let more: Vec<_> = (25..30)
        .map(|n| thread(n, &format!("thread {n}")))
        .collect();
    let request_id = *request_id;
    update(
        &mut state,
        Msg::ThreadsLoaded {
            request_id,
            result: Ok(LoadedThreads {
                page: crate::store::ThreadPage {
                    items: more,
                    next_cursor: None,
                    skipped: Vec::new(),
                },
                live: Default::default(),
            }),
        },
    );
    assert_eq!(state.list.rows.len(), 30);
    assert_eq!(state.list.selected, 21);
}

#[test]
fn sort_scope_and_tab_changes_reload_from_the_first_page() {
    let mut state = state_with_threads(80, 24, sample_threads(), true);
    let effects = update(&mut state, key(KeyCode::Char('s')));
    let [Effect::LoadThreads { params, .. }] = effects.as_slice() else {
        panic!("unexpected {effects:?}")
    };
    assert_eq!(
        (params.sort_key, params.cursor.as_deref()),
        (SortKey::CreatedAt, None)
    );
    assert!(state.list.rows.is_empty());

    let effects = update(&mut state, key(KeyCode::Char('c')));
    let [Effect::LoadThreads { params, .. }] = effects.as_slice() else {
        panic!("unexpected {effects:?}")
    };
    assert_eq!(
        params.cwd_filters,
        Some(vec![std::path::PathBuf::from(CWD)])
    );

    let effects = update(&mut state, key(KeyCode::Tab));
    let [Effect::LoadThreads { params, .. }] = effects.as_slice() else {
        panic!("unexpected {effects:?}")
    };
    assert!(params.archived);
    assert_eq!(state.list.tab, Tab::Archived);
}

#[test]
fn a_stale_page_is_ignored() {
    let mut state = new_state(80, 24);
    let first = load_threads_request(&update(&mut state, Msg::Start)).unwrap();
    update(&mut state, key(KeyCode::Tab));
    update(
        &mut state,
        Msg::ThreadsLoaded {
            request_id: first,
            result: Ok(LoadedThreads {
                page: crate::store::ThreadPage {
                    items: sample_threads(),
                    next_cursor: None,
                    skipped: Vec::new(),
                },
                live: Default::default(),
            }),
        },
    );
    assert!(state.list.rows.is_empty());
}

fn open_first_thread(state: &mut State) -> u64 {
    let effects = update(state, key(KeyCode::Enter));
    assert_eq!(state.screen, Screen::History);
    effects
        .iter()
        .find_map(|effect| match effect {
            Effect::LoadHistory { request_id, params } => {
                assert_eq!(params.direction, HistoryDirection::Backward);
                assert_eq!(params.anchor, None);
                Some(*request_id)
            }
            _ => None,
        })
        .expect("a history request")
}

#[test]
fn the_history_follows_at_the_bottom_and_counts_new_items_when_scrolled_up() {
    let mut state = state_with_threads(80, 24, sample_threads(), false);
    let request_id = open_first_thread(&mut state);
    let page = whole_page(history_lines(rich_history()));
    let end = page.end;
    let effects = update(
        &mut state,
        Msg::HistoryLoaded {
            request_id,
            direction: HistoryDirection::Backward,
            result: Ok(page),
        },
    );
    assert!(effects.iter().any(|effect| matches!(effect,
        Effect::Follow { from, .. } if *from == end)));
    let history = state.history.as_ref().unwrap();
    assert_eq!(history.follow, FollowStatus::Following);
    assert!(history.stick_to_bottom);

    let new_line = |index: u64, text: &str| {
        let mut lines = history_lines(vec![serde_json::json!({
            "timestamp": "2026-05-14T11:00:00.000Z", "type": "event_msg",
            "payload": {"type": "agent_message", "message": text}
        })]);
        lines[0].cursor = crate::store::HistoryCursor(index);
        lines
    };
    // At the bottom: the view stays at the bottom, nothing counts as unseen.
    update(
        &mut state,
        Msg::Follow {
            request_id,
            event: FollowEvent::Lines(new_line(100, "one")),
        },
    );
    let history = state.history.as_ref().unwrap();
    assert_eq!(history.unseen, 0);
    assert!(history.at_bottom(crate::tui::ui::layout::history_page_lines(&state)));

    // Scrolled up: new items are counted instead of moving the view.
    update(&mut state, key(KeyCode::Char('k')));
    let top = state.history.as_ref().unwrap().scroll_top;
    assert!(!state.history.as_ref().unwrap().stick_to_bottom);
    update(
        &mut state,
        Msg::Follow {
            request_id,
            event: FollowEvent::Lines(new_line(101, "two")),
        },
    );
    // A line already seen is ignored.
    update(
        &mut state,
        Msg::Follow {
            request_id,
            event: FollowEvent::Lines(new_line(101, "two")),
        },
    );
    let history = state.history.as_ref().unwrap();
    assert_eq!((history.unseen, history.scroll_top), (1, top));

    // End goes back to the bottom and follows again.
    update(&mut state, key(KeyCode::End));
    let history = state.history.as_ref().unwrap();
    assert!(history.stick_to_bottom);
    assert_eq!(history.unseen, 0);

    update(
        &mut state,
        Msg::Follow {
            request_id,
            event: FollowEvent::Moved,
        },
    );
    assert_eq!(state.history.as_ref().unwrap().follow, FollowStatus::Moved);

    let effects = update(&mut state, key(KeyCode::Esc));
    assert!(matches!(effects.first(), Some(Effect::StopFollow)));
    assert_eq!(state.screen, Screen::List);
}

#[test]
fn scrolling_to_the_top_of_a_partial_window_reads_the_page_before_it() {
    let mut state = state_with_threads(80, 24, sample_threads(), false);
    let request_id = open_first_thread(&mut state);
    let mut page = whole_page(history_lines(rich_history()));
    page.at_start = false;
    page.start = crate::store::HistoryCursor(7);
    update(
        &mut state,
        Msg::HistoryLoaded {
            request_id,
            direction: HistoryDirection::Backward,
            result: Ok(page),
        },
    );
    let effects = update(&mut state, key(KeyCode::Char('g')));
    let [Effect::LoadHistory { params, .. }] = effects.as_slice() else {
        panic!("unexpected {effects:?}")
    };
    assert_eq!(params.direction, HistoryDirection::Backward);
    assert_eq!(params.anchor, Some(crate::store::HistoryCursor(7)));
}

#[test]
fn rename_opens_a_prefilled_textarea_and_enter_saves_the_exact_patch() {
    let mut state = state_with_threads(80, 24, sample_threads(), false);
    update(&mut state, key(KeyCode::Char('j')));
    update(&mut state, key(KeyCode::Char('r')));
    let Some(Overlay::Rename(dialog)) = &state.overlay else {
        panic!("no rename dialog")
    };
    assert_eq!(dialog.textarea.lines(), ["JSON output"]);
    type_text(&mut state, " v2");
    let effects = update(&mut state, key(KeyCode::Enter));
    let [
        Effect::UpdateMetadata {
            id,
            patch,
            include_archived,
        },
    ] = effects.as_slice()
    else {
        panic!("unexpected {effects:?}")
    };
    assert_eq!(*id, thread_id(1));
    assert_eq!(
        *patch,
        ThreadMetadataPatch::rename(Some("JSON output v2".to_string()))
    );
    assert!(!include_archived);
    assert!(state.overlay.is_none());
}

#[test]
fn an_empty_name_clears_it_and_esc_cancels() {
    let mut state = state_with_threads(80, 24, sample_threads(), false);
    update(&mut state, key(KeyCode::Char('j')));
    update(&mut state, key(KeyCode::Char('r')));
    assert!(update(&mut state, key(KeyCode::Esc)).is_empty());
    assert!(state.overlay.is_none());

    update(&mut state, key(KeyCode::Char('r')));
    for _ in 0.."JSON output".len() {
        update(&mut state, key(KeyCode::Backspace));
    }
    type_text(&mut state, "   ");
    let effects = update(&mut state, key(KeyCode::Enter));
    let [Effect::UpdateMetadata { patch, .. }] = effects.as_slice() else {
        panic!("unexpected {effects:?}")
    };
    assert_eq!(*patch, ThreadMetadataPatch::rename(None));
    assert_eq!(patch.name, Some(None));
}

#[test]
fn m_toggles_memory_mode_through_a_metadata_effect() {
    let mut state = state_with_threads(80, 24, sample_threads(), false);
    let effects = update(&mut state, key(KeyCode::Char('m')));
    let [Effect::UpdateMetadata { patch, .. }] = effects.as_slice() else {
        panic!("unexpected {effects:?}")
    };
    assert_eq!(
        *patch,
        ThreadMetadataPatch::memory_mode(ThreadMemoryMode::Disabled)
    );
    // The row changes only when the manager returns the updated thread.
    assert_eq!(
        state.list.selected_row().unwrap().thread.memory_mode,
        ThreadMemoryMode::Enabled
    );
    assert!(state.status.as_ref().unwrap().text.starts_with("Saving"));
    let mut updated = state.list.selected_row().unwrap().thread.clone();
    updated.memory_mode = ThreadMemoryMode::Disabled;
    update(&mut state, Msg::MetadataUpdated(updated));
    assert_eq!(
        state.list.selected_row().unwrap().thread.memory_mode,
        ThreadMemoryMode::Disabled
    );
    let status = state.status.clone().unwrap();
    assert!(status.text.starts_with("Memory disabled for"), "{status:?}");

    // The note goes after a few seconds, and the key hints come back.
    let later = state.now + chrono::Duration::seconds(2);
    update(&mut state, Msg::Tick(later));
    assert!(state.status.is_some());
    let later = state.now + chrono::Duration::seconds(3);
    update(&mut state, Msg::Tick(later));
    assert_eq!(state.status, None);

    // Thread 2 is disabled already: m enables it.
    update(&mut state, key(KeyCode::Char('j')));
    update(&mut state, key(KeyCode::Char('j')));
    let effects = update(&mut state, key(KeyCode::Char('m')));
    assert!(
        matches!(effects.as_slice(), [Effect::UpdateMetadata { patch, .. }]
        if *patch == ThreadMetadataPatch::memory_mode(ThreadMemoryMode::Enabled))
    );
}

#[test]
fn the_status_says_what_a_rename_changed() {
    let mut state = state_with_threads(80, 24, sample_threads(), false);
    let before = state.list.selected_row().unwrap().thread.clone();
    let mut renamed = before.clone();
    renamed.name = Some("Fresh name".to_string());
    update(&mut state, Msg::MetadataUpdated(renamed.clone()));
    assert_eq!(
        state.status.as_ref().unwrap().text,
        "Renamed to “Fresh name”"
    );
    let mut cleared = renamed;
    cleared.name = None;
    update(&mut state, Msg::MetadataUpdated(cleared.clone()));
    let text = &state.status.as_ref().unwrap().text;
    assert_eq!(
        *text,
        format!("Name cleared; shown as “{}”", cleared.title())
    );
}

#[test]
fn archive_needs_a_confirmation() {
    let mut state = state_with_threads(80, 24, sample_threads(), false);
    assert!(update(&mut state, key(KeyCode::Char('a'))).is_empty());
    assert_eq!(state.mode(), Mode::Confirm);
    assert!(update(&mut state, key(KeyCode::Char('n'))).is_empty());
    assert!(state.overlay.is_none());

    update(&mut state, key(KeyCode::Char('a')));
    let effects = update(&mut state, key(KeyCode::Char('y')));
    assert!(matches!(effects.as_slice(), [Effect::Archive(id)] if *id == thread_id(0)));
    update(&mut state, Msg::Archived(thread_id(0)));
    assert_eq!(state.list.rows.len(), 4);
    assert!(state.status.as_ref().unwrap().text.starts_with("Archived"));

    // Unarchive on the local tab says so instead of asking.
    assert!(update(&mut state, key(KeyCode::Char('u'))).is_empty());
    assert!(state.overlay.is_none());
}

#[test]
fn a_failed_edit_shows_in_the_status_line_and_changes_nothing_else() {
    let mut state = state_with_threads(80, 24, sample_threads(), false);
    let before = state.list.rows.clone();
    update(&mut state, key(KeyCode::Char('r')));
    type_text(&mut state, "New name");
    assert_eq!(update(&mut state, key(KeyCode::Enter)).len(), 1);
    update(
        &mut state,
        Msg::EffectFailed("Could not save: disk full".to_string()),
    );
    let status = state.status.clone().unwrap();
    assert_eq!(status.kind, StatusKind::Error);
    assert_eq!(status.text, "Could not save: disk full");
    assert_eq!(state.list.rows, before);
}

#[test]
fn q_quits_from_the_list_and_ctrl_c_from_anywhere() {
    let mut state = state_with_threads(80, 24, sample_threads(), false);
    update(&mut state, key(KeyCode::Char('r')));
    let effects = update(&mut state, ctrl('c'));
    assert!(effects.iter().any(|effect| matches!(effect, Effect::Quit)));
    assert!(state.quit);

    let mut state = state_with_threads(80, 24, sample_threads(), false);
    assert!(
        update(&mut state, key(KeyCode::Char('q')))
            .iter()
            .any(|e| matches!(e, Effect::Quit))
    );
}

#[test]
fn help_opens_and_closes() {
    let mut state = state_with_threads(80, 24, sample_threads(), false);
    update(&mut state, key(KeyCode::Char('?')));
    assert_eq!(state.mode(), Mode::Help);
    update(&mut state, key(KeyCode::Esc));
    assert_eq!(state.mode(), Mode::List);
}

#[test]
fn layout_and_preview_choices_are_saved_for_the_next_run() {
    use crate::tui::config::Density;
    use crate::tui::ui_state::UiState;
    let mut state = state_with_threads(80, 24, sample_threads(), false);
    let effects = update(&mut state, key(KeyCode::Char('v')));
    assert!(matches!(
        effects.as_slice(),
        [Effect::SaveUiState(UiState {
            layout: Some(Density::Comfortable),
            preview: Some(true)
        })]
    ));
    let effects = update(&mut state, key(KeyCode::Char('p')));
    assert!(matches!(
        effects.as_slice(),
        [Effect::SaveUiState(UiState {
            layout: Some(Density::Comfortable),
            preview: Some(false)
        })]
    ));
    // Other list keys save nothing.
    let effects = update(&mut state, key(KeyCode::Char('j')));
    assert!(!effects.iter().any(|e| matches!(e, Effect::SaveUiState(_))));
}

#[test]
fn a_wide_screen_asks_for_the_selected_threads_preview_once() {
    let mut state = state_with_threads(120, 40, sample_threads(), false);
    assert!(matches!(
        state.previews.get(&thread_id(0)),
        Some(Preview::Loading)
    ));
    let effects = update(&mut state, key(KeyCode::Char('j')));
    assert!(
        matches!(effects.as_slice(), [Effect::LoadPreview { params }] if params.thread_id == thread_id(1))
    );
    update(&mut state, key(KeyCode::Char('k')));
    assert!(update(&mut state, key(KeyCode::Char('j'))).is_empty());
}

#[test]
fn the_history_keeps_only_a_bounded_window_of_lines() {
    use crate::tui::app::history::MAX_WINDOW_LINES;
    let mut state = state_with_threads(80, 24, sample_threads(), false);
    let request_id = open_first_thread(&mut state);
    let page = whole_page(history_lines(rich_history()));
    update(
        &mut state,
        Msg::HistoryLoaded {
            request_id,
            direction: HistoryDirection::Backward,
            result: Ok(page),
        },
    );
    for batch in 0..6u64 {
        let lines: Vec<_> = (0..500u64)
            .map(|i| {
                let mut line = history_lines(vec![serde_json::json!({
                    "timestamp": "2026-05-14T11:00:00.000Z", "type": "event_msg",
                    "payload": {"type": "agent_message", "message": format!("line {batch}-{i}")}
                })])
                .remove(0);
                line.cursor = crate::store::HistoryCursor(1_000 + batch * 500 + i);
                line
            })
            .collect();
        update(
            &mut state,
            Msg::Follow {
                request_id,
                event: FollowEvent::Lines(lines),
            },
        );
        let history = state.history.as_ref().unwrap();
        assert!(
            history.window_len() <= MAX_WINDOW_LINES + 500,
            "{}",
            history.window_len()
        );
    }
    let history = state.history.as_ref().unwrap();
    assert!(!history.at_start);
    assert!(history.stick_to_bottom);
    // Scrolling to the top asks for the lines dropped from the window.
    let effects = update(&mut state, key(KeyCode::Home));
    assert!(
        matches!(effects.as_slice(), [Effect::LoadHistory { params, .. }]
        if params.direction == HistoryDirection::Backward && params.anchor.is_some())
    );
}

#[test]
fn the_history_window_is_bounded_in_bytes_not_only_in_lines() {
    use crate::tui::app::history::MAX_WINDOW_BYTES;
    let mut state = state_with_threads(80, 24, sample_threads(), false);
    let request_id = open_first_thread(&mut state);
    // Few lines, each standing for 3 MiB of rollout: far under the line count, over the bytes.
    let page_of = |first: u64| {
        let mut lines = history_lines(
            (0..4)
                .map(|i| {
                    serde_json::json!({
                        "timestamp": "2026-05-14T11:00:00.000Z", "type": "event_msg",
                        "payload": {"type": "agent_message", "message": format!("long {}", first + i)}
                    })
                })
                .collect(),
        );
        for (i, line) in lines.iter_mut().enumerate() {
            line.cursor = crate::store::HistoryCursor((first + i as u64) * (3 << 20));
            line.bytes = 3 << 20;
        }
        let mut page = whole_page(lines);
        page.at_start = first == 0;
        page.start = crate::store::HistoryCursor(first * (3 << 20));
        page
    };
    update(
        &mut state,
        Msg::HistoryLoaded {
            request_id,
            direction: HistoryDirection::Backward,
            result: Ok(page_of(40)),
        },
    );
    // Scrolling up reads older pages; the newest lines are dropped to stay in budget.
    for first in [36, 32, 28, 24] {
        update(
            &mut state,
            Msg::HistoryLoaded {
                request_id,
                direction: HistoryDirection::Backward,
                result: Ok(page_of(first)),
            },
        );
        let history = state.history.as_ref().unwrap();
        assert!(
            history.window_bytes() <= MAX_WINDOW_BYTES,
            "{} bytes",
            history.window_bytes()
        );
        assert!(history.contains(crate::store::HistoryCursor(first * (3 << 20))));
    }
    let history = state.history.as_ref().unwrap();
    assert!(history.tail_trimmed);
    assert!(history.window_len() < 8);
}

#[test]
fn the_list_refreshes_itself_and_keeps_the_selection() {
    let mut state = state_with_threads(80, 24, sample_threads(), false);
    update(&mut state, key(KeyCode::Down));
    let selected = state.list.selected_row().unwrap().thread.thread_id;
    assert!(
        update(
            &mut state,
            Msg::Tick(fixed_now() + chrono::Duration::seconds(1))
        )
        .is_empty()
    );
    let effects = update(
        &mut state,
        Msg::Tick(fixed_now() + chrono::Duration::seconds(4)),
    );
    let [Effect::LoadThreads { request_id, params }] = effects.as_slice() else {
        panic!("expected a refresh, got {effects:?}")
    };
    assert_eq!(params.cursor, None);
    assert!(params.page_size >= state.list.rows.len());
    // A thread that started meanwhile comes first; the selection stays on the same thread.
    let mut fresh = vec![thread(99, "a new thread")];
    fresh.extend(sample_threads());
    update(
        &mut state,
        Msg::ThreadsLoaded {
            request_id: *request_id,
            result: Ok(LoadedThreads {
                page: ThreadPage {
                    items: fresh,
                    next_cursor: None,
                    skipped: Vec::new(),
                },
                live: Default::default(),
            }),
        },
    );
    assert_eq!(titles(&state)[0], "a new thread");
    assert_eq!(
        state.list.selected_row().unwrap().thread.thread_id,
        selected
    );
    // No second refresh while one is recent.
    let effects = update(
        &mut state,
        Msg::Tick(fixed_now() + chrono::Duration::seconds(5)),
    );
    assert!(load_threads_request(&effects).is_none(), "{effects:?}");
}

#[test]
fn a_tall_screen_asks_for_a_page_that_fills_it() {
    let mut state = new_state(80, 60);
    let effects = update(&mut state, Msg::Start);
    let Some(Effect::LoadThreads { params, .. }) = effects
        .iter()
        .find(|effect| matches!(effect, Effect::LoadThreads { .. }))
    else {
        panic!("unexpected {effects:?}")
    };
    assert!(
        params.page_size > list_rows_per_page(&state),
        "{} rows for {} on screen",
        params.page_size,
        list_rows_per_page(&state)
    );
}

fn page(items: Vec<StoredThread>, next_cursor: Option<&str>) -> Result<LoadedThreads, String> {
    Ok(LoadedThreads {
        page: ThreadPage {
            items,
            next_cursor: next_cursor.map(str::to_string),
            ..ThreadPage::default()
        },
        live: Default::default(),
    })
}

#[test]
fn bottom_loads_every_remaining_row_and_selects_the_last_thread() {
    let mut state = state_with_threads(80, 24, sample_threads(), true);
    // Few rows: the next page is already on its way; `G` asks for the rest after it.
    let in_flight = state.list.loading.expect("a prefetch");
    assert!(update(&mut state, key(KeyCode::Char('G'))).is_empty());
    let middle: Vec<_> = (100..130)
        .map(|n| thread(n, &format!("Older {n}")))
        .collect();
    let effects = update(
        &mut state,
        Msg::ThreadsLoaded {
            request_id: in_flight,
            result: page(middle, Some("page-3")),
        },
    );
    let effects: Vec<Effect> = effects
        .into_iter()
        .filter(|effect| !matches!(effect, Effect::LoadUsage { .. }))
        .collect();
    let [Effect::LoadThreads { request_id, params }] = effects.as_slice() else {
        panic!("unexpected {effects:?}")
    };
    assert_eq!(params.page_size, 0, "the rest, in one page");
    assert_eq!(params.cursor.as_deref(), Some("page-3"));
    let rest: Vec<_> = (130..160)
        .map(|n| thread(n, &format!("Older {n}")))
        .collect();
    update(
        &mut state,
        Msg::ThreadsLoaded {
            request_id: *request_id,
            result: page(rest, None),
        },
    );
    let selected = state.list.selected_row().unwrap();
    assert_eq!(selected.thread.preview, "Older 159");
    assert!(!state.list.wants_end);
}

#[test]
fn text_fields_take_the_shell_editing_keys() {
    let mut state = state_with_threads(80, 24, sample_threads(), false);
    update(&mut state, key(KeyCode::Char('/')));
    type_text(&mut state, "json output");
    update(&mut state, ctrl('w'));
    assert_eq!(state.list.query, "json ");
    update(&mut state, ctrl('u'));
    assert_eq!(state.list.query, "");
    update(&mut state, key(KeyCode::Esc));

    update(&mut state, key(KeyCode::Char('r')));
    update(&mut state, ctrl('u'));
    type_text(&mut state, "first second");
    update(&mut state, ctrl('w'));
    let Some(Overlay::Rename(dialog)) = &state.overlay else {
        panic!("no rename dialog")
    };
    assert_eq!(dialog.textarea.lines(), ["first "]);
}

fn click(column: u16, row: u16) -> Msg {
    Msg::Mouse(crossterm::event::MouseEvent {
        kind: crossterm::event::MouseEventKind::Down(crossterm::event::MouseButton::Left),
        column,
        row,
        modifiers: crossterm::event::KeyModifiers::NONE,
    })
}

#[test]
fn a_click_selects_a_row_and_a_second_click_opens_it() {
    let mut state = state_with_threads(80, 24, sample_threads(), false);
    let body = crate::tui::ui::layout::body_area(&state);
    let third = body.y + 2 * crate::tui::ui::layout::row_height(state.list.density) as u16;
    update(&mut state, click(body.x + 3, third));
    assert_eq!(state.list.selected, 2);
    assert_eq!(state.screen, Screen::List);
    let effects = update(&mut state, click(body.x + 3, third));
    assert_eq!(state.screen, Screen::History, "{effects:?}");
    // Outside the rows (the footer) nothing happens.
    let mut state = state_with_threads(80, 24, sample_threads(), false);
    update(&mut state, click(3, 23));
    assert_eq!(state.list.selected, 0);
}

#[test]
fn skipped_entries_are_counted_once_across_pages_and_a_refresh_replaces_them() {
    let entry = |n: u32| crate::store::SkippedEntry::new(format!("/h/sessions/{n}"), "bad");
    let mut state = new_state(80, 24);
    let effects = update(&mut state, Msg::Start);
    let page = |items, skipped, next_cursor: Option<&str>| LoadedThreads {
        page: ThreadPage {
            items,
            next_cursor: next_cursor.map(str::to_string),
            skipped,
        },
        live: Default::default(),
    };
    // Five rows with more to come: the next page is asked for at once.
    let effects = update(
        &mut state,
        Msg::ThreadsLoaded {
            request_id: load_threads_request(&effects).unwrap(),
            result: Ok(page(sample_threads(), vec![entry(1), entry(2)], Some("p2"))),
        },
    );
    assert_eq!(state.list.skipped.len(), 2);
    // The next page repeats what the directory walk passed over, and adds one of its own.
    let request_id = load_threads_request(&effects).expect("the next page is asked for");
    update(
        &mut state,
        Msg::ThreadsLoaded {
            request_id,
            result: Ok(page(
                vec![thread(7, "seven")],
                vec![entry(2), entry(3)],
                None,
            )),
        },
    );
    assert_eq!(state.list.skipped, [entry(1), entry(2), entry(3)]);
    // A refresh reads every row again: what it reports is what is wrong now.
    let effects = update(
        &mut state,
        Msg::Tick(fixed_now() + chrono::Duration::seconds(4)),
    );
    let request_id = load_threads_request(&effects).expect("a refresh");
    update(
        &mut state,
        Msg::ThreadsLoaded {
            request_id,
            result: Ok(page(sample_threads(), vec![entry(3)], None)),
        },
    );
    assert_eq!(state.list.skipped, [entry(3)]);
    // Another listing (the archived tab) starts with none.
    update(&mut state, key(KeyCode::Tab));
    assert!(state.list.skipped.is_empty());
}
