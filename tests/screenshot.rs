//! The README's screenshot, `assets/screenshot.svg`: the TUI on the demo home in a real
//! pseudo-terminal. The test fails when the TUI's look (text and colours) drifts from the
//! checked-in picture; `UPDATE_SCREENSHOT=1 cargo test --test screenshot` takes it again.
//!
//! The demo home is dated relative to now, so ages and dates on screen are left out of the
//! comparison; everything else must match cell for cell.

mod common;
#[path = "screenshot/grid.rs"]
mod grid;
#[path = "screenshot/svg.rs"]
mod svg;

use std::path::PathBuf;
use std::time::{Duration, Instant};

use common::pty::*;
use grid::Grid;
use regex::Regex;

const WIDTH: u16 = 110;
const HEIGHT: u16 = 30;
const UPDATE_ENV: &str = "UPDATE_SCREENSHOT";
const HEADER: &str = "The TUI on the demo home, as assets/screenshot.svg shows it.\nRegenerate both with: UPDATE_SCREENSHOT=1 cargo test --test screenshot";

fn asset(name: &str) -> PathBuf {
    PathBuf::from(env!("CARGO_MANIFEST_DIR"))
        .join("assets")
        .join(name)
}

/// The demo's list with the thread that shows most selected, once the screen has settled.
fn take_screenshot() -> Grid {
    let scratch = tempfile::TempDir::new().unwrap();
    // The live session plays at once, so its thread is finished before the picture is taken.
    let pace = std::ffi::OsStr::new("0");
    let mut tui = PtySession::spawn_with(
        &["--demo"],
        scratch.path(),
        WIDTH,
        HEIGHT,
        None,
        &[("CODEX_THREADS_DEMO_PACE_MS", pace)],
    );
    tui.wait_for("Demo home");
    tui.wait_for("●✓ Keep an eye");
    tui.send("j");
    tui.wait_for("binds the fixed");
    let settled = settled_screen(&tui);
    assert!(tui.quit_with("q"));
    settled
}

/// Waits until two captures a moment apart agree (times aside): the list and preview have
/// finished loading.
fn settled_screen(tui: &PtySession) -> Grid {
    let start = Instant::now();
    let mut last = tui.with_screen(Grid::capture);
    loop {
        std::thread::sleep(Duration::from_millis(300));
        let now = tui.with_screen(Grid::capture);
        if differences(&last, &now).is_empty() {
            return now;
        }
        assert!(
            start.elapsed() < DEADLINE,
            "the screen did not settle:\n{}",
            now.plain_text()
        );
        last = now;
    }
}

/// Ages (`4m ago`, `now`) with the spaces that pad their column, and dates with a time.
fn volatile() -> Regex {
    Regex::new(r"\b(now|\d+[smhd] ago) *|\d{4}-\d{2}-\d{2} \d{2}:\d{2}").unwrap()
}

/// The rows that differ, in text or in look, once the volatile times are taken out.
fn differences(expected: &Grid, actual: &Grid) -> Vec<String> {
    if expected.cols != actual.cols || expected.rows.len() != actual.rows.len() {
        return vec![format!(
            "the size: {}x{} expected, {}x{} now",
            expected.cols,
            expected.rows.len(),
            actual.cols,
            actual.rows.len()
        )];
    }
    let volatile = volatile();
    let kept = |grid: &Grid, row: usize| {
        let text = grid.row_text(row);
        let mut masked = vec![false; grid.cols];
        for found in volatile.find_iter(&text) {
            let first = text[..found.start()].chars().count();
            let len = found.as_str().chars().count();
            masked[first..first + len].fill(true);
        }
        grid.rows[row]
            .iter()
            .zip(masked)
            .filter(|(_, masked)| !masked)
            .map(|(cell, _)| cell.clone())
            .collect::<Vec<_>>()
    };
    (0..expected.rows.len())
        .filter(|&row| kept(expected, row) != kept(actual, row))
        .map(|row| {
            format!(
                "row {row}:\n  expected {:?}\n  now      {:?}",
                expected.row_text(row).trim_end(),
                actual.row_text(row).trim_end()
            )
        })
        .collect()
}

#[test]
fn the_readme_screenshot_matches_the_tui() {
    let taken = take_screenshot();
    if std::env::var_os(UPDATE_ENV).is_some() {
        std::fs::write(asset("screenshot.txt"), taken.to_file(HEADER)).unwrap();
        std::fs::write(asset("screenshot.svg"), svg::render(&taken)).unwrap();
        return;
    }
    let stored = std::fs::read_to_string(asset("screenshot.txt")).unwrap_or_else(|err| {
        panic!("assets/screenshot.txt: {err}; run {UPDATE_ENV}=1 cargo test --test screenshot")
    });
    let stored = Grid::from_file(&stored).expect("assets/screenshot.txt reads");
    let drift = differences(&stored, &taken);
    assert!(
        drift.is_empty(),
        "the TUI no longer looks like the README's screenshot; if the change is meant, run \
         {UPDATE_ENV}=1 cargo test --test screenshot\n{}\nthe screen now:\n{}",
        drift.join("\n"),
        taken.plain_text()
    );
    // The picture is the one drawn from the stored grid, so the two never part.
    let picture = std::fs::read_to_string(asset("screenshot.svg")).unwrap();
    assert!(
        picture == svg::render(&stored),
        "assets/screenshot.svg is not drawn from assets/screenshot.txt; run {UPDATE_ENV}=1 cargo test --test screenshot"
    );
}

/// The comparison passes over times and nothing else: another age passes, a changed word or
/// colour fails.
#[test]
fn the_comparison_ignores_only_times() {
    let file = |row: &str, looks: &str| {
        format!(
            "size 24 1\nstyle a fg=default bg=default\nstyle b fg=#ff0000 bg=default bold\ntext {row}\nlook {looks}\n"
        )
    };
    let grid = |row: &str, looks: &str| Grid::from_file(&file(row, looks)).unwrap();
    let base = grid("● Fix it  4m ago   main ", "bbaaaaaaaaaaaaaaaaaaaaaa");
    let older = grid("● Fix it  17d ago  main ", "bbaaaaaaaaaaaaaaaaaaaaaa");
    let now = grid("● Fix it  now      main ", "bbaaaaaaaaaaaaaaaaaaaaaa");
    let reworded = grid("● Fix up  4m ago   main ", "bbaaaaaaaaaaaaaaaaaaaaaa");
    let recoloured = grid("● Fix it  4m ago   main ", "baaaaaaaaaaaaaaaaaaaaaaa");
    let moved = grid("● Fix it  4m ago    main", "bbaaaaaaaaaaaaaaaaaaaaaa");
    assert!(differences(&base, &older).is_empty());
    assert!(differences(&base, &now).is_empty());
    assert!(!differences(&base, &reworded).is_empty());
    assert!(!differences(&base, &recoloured).is_empty());
    assert!(!differences(&base, &moved).is_empty());
    // The file form reads back as written.
    assert_eq!(Grid::from_file(&base.to_file("x")).unwrap(), base);
}
