//! Each thread's own tokens, cost and size in the list and the preview: asked for off the render
//! path when rows arrive (again only when a rollout moved on), the columns dropped in their
//! stated order as the row narrows, and a thread whose usage is unknown shown as unknown.

use ratatui::Terminal;
use ratatui::backend::TestBackend;

use super::render;
use crate::protocol::ThreadId;
use crate::store::StoredThread;
use crate::tui::app::usage::{RowUsage, UsageKey};
use crate::tui::app::{Effect, LoadedThreads, Msg, State, update};
use crate::tui::test_support::*;

fn draw(state: &State) -> String {
    let size = state.size;
    let mut terminal = Terminal::new(TestBackend::new(size.width, size.height)).expect("terminal");
    terminal.draw(|frame| render(frame, state)).expect("draw");
    terminal.backend().to_string()
}

fn assert_screen(name: &str, state: &State) {
    let screen = draw(state);
    insta::with_settings!({ snapshot_path => "../snapshots", prepend_module_to_snapshot => false }, {
        insta::assert_snapshot!(name, screen);
    });
}

fn usage_requests(effects: &[Effect]) -> Vec<Vec<ThreadId>> {
    effects
        .iter()
        .filter_map(|effect| match effect {
            Effect::LoadUsage { threads } => {
                Some(threads.iter().map(|thread| thread.thread_id).collect())
            }
            _ => None,
        })
        .collect()
}

/// The list reloaded in the background with `threads` (as a refresh brings them).
fn refresh(state: &mut State, threads: Vec<StoredThread>) -> Vec<Effect> {
    state.list.refreshed_at = None;
    let effects = update(state, Msg::Tick(fixed_now()));
    let request_id = load_threads_request(&effects).expect("a refresh");
    update(
        state,
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
    )
}

fn row_of<'a>(screen: &'a str, title: &str) -> &'a str {
    screen
        .lines()
        .find(|line| line.contains(title))
        .unwrap_or_else(|| panic!("no row {title}:\n{screen}"))
}

#[test]
fn rows_are_counted_once_and_again_only_when_their_rollout_moved_on() {
    let mut state = new_state(80, 24);
    let effects = update(&mut state, Msg::Start);
    let request_id = load_threads_request(&effects).unwrap();
    let effects = update(
        &mut state,
        Msg::ThreadsLoaded {
            request_id,
            result: Ok(LoadedThreads {
                page: crate::store::ThreadPage {
                    items: sample_threads(),
                    ..Default::default()
                },
                live: Default::default(),
            }),
        },
    );
    let asked = usage_requests(&effects);
    assert_eq!(asked.len(), 1, "one batch for one page");
    assert_eq!(asked[0].len(), 5);
    assert_eq!(*state.usage.get(&thread_id(0)), RowUsage::Counting);
    // While the answer is on its way, a refresh asks for nothing again.
    assert!(usage_requests(&refresh(&mut state, sample_threads())).is_empty());
    answer_usage(&mut state, &effects);
    assert!(matches!(state.usage.get(&thread_id(0)), RowUsage::Known(_)));
    // Nothing moved: nothing is counted again.
    assert!(usage_requests(&refresh(&mut state, sample_threads())).is_empty());

    // Thread 2 was written to: only it is counted again, and keeps its figures meanwhile.
    let mut moved = sample_threads();
    moved[2].updated_at += chrono::Duration::seconds(5);
    moved[2].rollout_bytes = Some(99_000);
    let effects = refresh(&mut state, moved.clone());
    assert_eq!(usage_requests(&effects), vec![vec![thread_id(2)]]);
    assert!(matches!(state.usage.get(&thread_id(2)), RowUsage::Known(_)));
    // A failed count says why, for the threads it was asked for.
    update(
        &mut state,
        Msg::UsageLoaded {
            threads: vec![(thread_id(2), UsageKey::of(&moved[2]))],
            result: Err("disk on fire".to_string()),
        },
    );
    assert_eq!(
        *state.usage.get(&thread_id(2)),
        RowUsage::Failed("disk on fire".to_string())
    );
    assert!(
        usage_requests(&refresh(&mut state, moved)).is_empty(),
        "a failure is not retried until the rollout moves on"
    );
}

#[test]
fn list_usage_columns_160x24() {
    let mut state = state_with_threads(160, 24, sample_threads(), false);
    state.list.show_preview = false;
    let screen = draw(&state);
    let row = row_of(&screen, "Fix the flaky login test");
    for column in ["1.4k tok", "$0.01", "52.3 KB", "mem on"] {
        assert!(row.contains(column), "{column}: {row}");
    }
    assert_screen("list_usage_160x24", &state);
}

#[test]
fn narrow_rows_drop_size_then_tokens_then_cost() {
    let shown = |width: u16| {
        let mut state = state_with_threads(width, 24, sample_threads(), false);
        state.list.show_preview = false;
        let screen = draw(&state);
        let row = row_of(&screen, "Fix the flaky").to_string();
        ["52.3 KB", "1.4k tok", "$0.01", "mem on"]
            .into_iter()
            .filter(|column| row.contains(column))
            .collect::<Vec<_>>()
    };
    assert_eq!(shown(160), ["52.3 KB", "1.4k tok", "$0.01", "mem on"]);
    assert_eq!(shown(100), ["1.4k tok", "$0.01", "mem on"]);
    assert_eq!(shown(80), ["$0.01", "mem on"]);
    assert_eq!(shown(60), ["mem on"]);
}

#[test]
fn a_thread_whose_usage_is_unknown_shows_so_120x40() {
    let mut state = new_state(120, 40);
    let effects = update(&mut state, Msg::Start);
    let request_id = load_threads_request(&effects).unwrap();
    let threads = sample_threads();
    let effects = update(
        &mut state,
        Msg::ThreadsLoaded {
            request_id,
            result: Ok(LoadedThreads {
                page: crate::store::ThreadPage {
                    items: threads.clone(),
                    ..Default::default()
                },
                live: Default::default(),
            }),
        },
    );
    // Still counting: an ellipsis, in the list and the preview.
    let screen = draw(&state);
    assert!(row_of(&screen, "Fix the flaky").contains("…"), "{screen}");
    assert!(screen.contains("counting…"), "{screen}");

    // Thread 0 has no rollout to count (a shared store's, say); thread 1's count failed; the
    // others are known.
    answer_usage(&mut state, &effects);
    let asked = vec![(thread_id(0), UsageKey::of(&threads[0]))];
    let prices = state.usage.prices.clone().unwrap();
    update(
        &mut state,
        Msg::UsageLoaded {
            threads: asked,
            result: Ok(crate::tui::app::usage::UsageBatch {
                figures: Default::default(),
                prices,
            }),
        },
    );
    update(
        &mut state,
        Msg::UsageLoaded {
            threads: vec![(thread_id(1), UsageKey::of(&threads[1]))],
            result: Err("permission denied".to_string()),
        },
    );
    state.list.show_preview = false;
    let wide = draw(&state);
    for title in ["Fix the flaky", "JSON output"] {
        let row = row_of(&wide, title);
        assert!(row.contains("? tok") && row.contains("$?"), "{row}");
    }
    assert!(row_of(&wide, "Why is the release").contains("3.4k tok"));
    state.list.show_preview = true;
    let screen = draw(&state);
    assert!(
        screen.contains("tokens   unknown: no rollout to count here"),
        "{screen}"
    );
    assert_screen("list_usage_unknown_120x40", &state);
    update(&mut state, key(crossterm::event::KeyCode::Down));
    let screen = draw(&state);
    assert!(
        screen.contains("tokens   unknown: permission denied"),
        "{screen}"
    );
}

#[test]
fn the_preview_names_each_models_price_source_and_leaves_unpriced_ones_out() {
    let mut threads = sample_threads();
    threads[0].model = Some("mock-model".to_string());
    let state = state_with_threads(120, 40, threads, false);
    let screen = draw(&state);
    assert!(
        screen.contains("cost     no price for mock-model"),
        "{screen}"
    );
    assert!(
        screen.contains("priced   mock-model (no price)"),
        "{screen}"
    );
    assert!(
        !screen.contains("prices   LiteLLM"),
        "no shipped price used: {screen}"
    );
}
