//! The usage screen: snapshots at 80x24 (fixed clock) for two ranges, with `NO_COLOR`, while
//! counting and after a failure; and the keys that open, switch and leave it.

use std::path::PathBuf;
use std::sync::Arc;

use crossterm::event::KeyCode;
use ratatui::Terminal;
use ratatui::backend::TestBackend;
use ratatui::style::Color;

use super::render;
use crate::protocol::RolloutLine;
use crate::tui::app::stats::{StatsData, StatsRange};
use crate::tui::app::{Effect, Msg, Screen, State, update};
use crate::tui::config::Config;
use crate::tui::test_support::*;
use crate::usage::{PriceTable, ThreadFacts, ThreadUsage};

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

/// Thread `n`'s usage: a call a day on some of the last 60 days, on one of three models (the
/// third without a price).
fn usage(n: u128) -> ThreadUsage {
    let models = ["gpt-5.5-codex", "gpt-5.1-codex-mini", "house-model"];
    let mut usage = ThreadUsage::default();
    let mut feed = |text: String| usage.observe_line(&RolloutLine::decode(&text).unwrap());
    feed(format!(
        "{{\"timestamp\":\"2026-03-01T00:00:00.000Z\",\"type\":\"session_meta\",\"payload\":{{\"id\":\"{}\",\"timestamp\":\"2026-03-01T00:00:00.000Z\",\"cwd\":\"/w\",\"source\":\"cli\"}}}}",
        thread_id(n)
    ));
    let mut total = 0u64;
    for day_back in (0..60u64).rev() {
        if !(day_back + n as u64).is_multiple_of(n as u64 + 2) {
            continue;
        }
        let model = models[((day_back / 9) as usize + n as usize) % models.len()];
        let at = fixed_now() - chrono::Duration::days(day_back as i64);
        let stamp = at.format("%Y-%m-%dT%H:%M:%S.000Z");
        feed(format!(
            "{{\"timestamp\":\"{stamp}\",\"type\":\"turn_context\",\"payload\":{{\"cwd\":\"/w\",\"model\":\"{model}\"}}}}"
        ));
        let input = 20_000 * (n as u64 + 1) + day_back * 1_500;
        let output = 900 + day_back * 40;
        total += input + output;
        feed(format!(
            "{{\"timestamp\":\"{stamp}\",\"type\":\"event_msg\",\"payload\":{{\"type\":\"token_count\",\"info\":{{\"total_token_usage\":{{\"total_tokens\":{total}}},\"last_token_usage\":{{\"input_tokens\":{input},\"cached_input_tokens\":{},\"output_tokens\":{output},\"reasoning_output_tokens\":0,\"total_tokens\":{}}}}}}}}}",
            input / 2,
            input + output
        ));
    }
    usage
}

fn data() -> Arc<StatsData> {
    let threads = (0..5)
        .map(|n| ThreadFacts {
            id: thread_id(n),
            archived: false,
            usage: Arc::new(usage(n)),
        })
        .collect();
    Arc::new(StatsData {
        threads,
        prices: PriceTable::shipped(),
    })
}

/// The list, then `$` and the counted usage.
fn stats_state(state: &mut State) {
    let effects = update(state, key(KeyCode::Char('$')));
    let request_id = effects
        .iter()
        .find_map(|effect| match effect {
            Effect::LoadStats { request_id } => Some(*request_id),
            _ => None,
        })
        .expect("usage is counted");
    assert_eq!(state.screen, Screen::Stats);
    update(
        state,
        Msg::StatsLoaded {
            request_id,
            result: Ok(data()),
        },
    );
}

#[test]
fn the_usage_screen_at_80x24_over_30_and_90_days() {
    let mut state = state_with_threads(80, 24, sample_threads(), false);
    stats_state(&mut state);
    assert_eq!(state.stats.range, StatsRange::Month);
    assert_screen("stats_30_days_80x24", &state);
    let summary = state.stats.summary.as_ref().unwrap();
    assert_eq!(summary.bars.len(), 30);
    assert!(summary.unpriced_models.contains(&"house-model".to_string()));

    update(&mut state, key(KeyCode::Tab));
    assert_eq!(state.stats.range, StatsRange::Quarter);
    assert_screen("stats_90_days_80x24", &state);

    update(&mut state, key(KeyCode::Esc));
    assert_eq!(state.screen, Screen::List);
}

#[test]
fn the_usage_screen_without_colour_and_while_counting_and_after_a_failure() {
    let config = Config::builtin(true).expect("default config");
    let mut state = State::new(config, PathBuf::from(CWD), fixed_now());
    update(
        &mut state,
        Msg::Resize {
            width: 80,
            height: 24,
        },
    );
    let effects = update(&mut state, key(KeyCode::Char('$')));
    assert!(draw(&state).contains("Counting tokens…"));
    let Some(Effect::LoadStats { request_id }) = effects.first().cloned() else {
        panic!("{effects:?}");
    };
    // An answer to an older request is not shown.
    update(
        &mut state,
        Msg::StatsLoaded {
            request_id: request_id + 100,
            result: Ok(data()),
        },
    );
    assert!(state.stats.summary.is_none());
    update(
        &mut state,
        Msg::StatsLoaded {
            request_id,
            result: Ok(data()),
        },
    );
    assert_screen("stats_no_color_80x24", &state);
    let size = state.size;
    let mut terminal = Terminal::new(TestBackend::new(size.width, size.height)).unwrap();
    terminal.draw(|frame| render(frame, &state)).unwrap();
    let buffer = terminal.backend().buffer();
    assert!(
        buffer
            .content()
            .iter()
            .all(|cell| cell.fg == Color::Reset && cell.bg == Color::Reset),
        "NO_COLOR draws no colour"
    );

    let effects = update(&mut state, key(KeyCode::Esc));
    assert!(effects.is_empty());
    let effects = update(&mut state, key(KeyCode::Char('$')));
    let Some(Effect::LoadStats { request_id }) = effects.first().cloned() else {
        panic!("{effects:?}");
    };
    update(
        &mut state,
        Msg::StatsLoaded {
            request_id,
            result: Err("disk on fire".to_string()),
        },
    );
    assert!(draw(&state).contains("Usage not counted: disk on fire"));
}

#[test]
fn the_disk_screen_at_80x24_and_its_confirmation() {
    let mut state = state_with_threads(80, 24, sample_threads(), false);
    let effects = update(&mut state, key(KeyCode::Char('D')));
    assert!(draw(&state).contains("Measuring rollouts…"));
    let Some(Effect::LoadDisk { request_id }) = effects.first().cloned() else {
        panic!("{effects:?}");
    };
    let largest = sample_threads()
        .into_iter()
        .enumerate()
        .map(|(n, thread)| crate::prune::Candidate {
            disk: crate::prune::OnDisk {
                path: PathBuf::from(format!("/r/{n}.jsonl")),
                bytes: 40_000_000 >> n,
                compressed: n % 2 == 1,
            },
            thread,
        })
        .collect();
    update(
        &mut state,
        Msg::DiskLoaded {
            request_id,
            result: Ok(crate::tui::app::disk::DiskData {
                largest,
                total_bytes: 123_000_000,
            }),
        },
    );
    assert_screen("disk_80x24", &state);
    update(&mut state, key(KeyCode::Char('z')));
    assert_screen("disk_confirm_compress_80x24", &state);
}
