//! The README says what the program does: every key of the default keymap is in its Keys
//! table, under the screen it works on, and the commands it tells a new user to run are there
//! (CI runs the test command written in it).

use codex_threads::tui::config::Config;
use codex_threads::tui::keymap::Mode;

fn readme() -> String {
    std::fs::read_to_string(concat!(env!("CARGO_MANIFEST_DIR"), "/README.md")).expect("README.md")
}

/// Every mode; the match makes a new mode a compile error here until it is listed.
fn modes() -> Vec<Mode> {
    let all = [
        Mode::Global,
        Mode::List,
        Mode::History,
        Mode::Split,
        Mode::Stats,
        Mode::Trash,
        Mode::Disk,
        Mode::Search,
        Mode::FullText,
        Mode::Edit,
        Mode::Confirm,
        Mode::Copy,
        Mode::Help,
    ];
    for mode in all {
        match mode {
            Mode::Global
            | Mode::List
            | Mode::History
            | Mode::Split
            | Mode::Stats
            | Mode::Trash
            | Mode::Disk
            | Mode::Search
            | Mode::FullText
            | Mode::Edit
            | Mode::Confirm
            | Mode::Copy
            | Mode::Help => {}
        }
    }
    all.to_vec()
}

/// The rows of the table under `### Keys`: (keys cell, where cell).
fn key_table_rows(readme: &str) -> Vec<(String, String)> {
    let section = readme
        .split("\n### Keys\n")
        .nth(1)
        .expect("a Keys section in the README");
    let section = section.split("\n#").next().unwrap_or(section);
    section
        .lines()
        .filter(|line| line.starts_with("| `"))
        .map(|line| {
            let cells: Vec<&str> = line.split(" | ").collect();
            (
                cells[0].trim_start_matches("| ").to_string(),
                cells.get(1).copied().unwrap_or("").to_string(),
            )
        })
        .collect()
}

#[test]
fn every_key_of_the_keymap_is_in_the_readme_table() {
    let config = Config::builtin(false).expect("the built-in config");
    let rows = key_table_rows(&readme());
    assert!(!rows.is_empty(), "the Keys table has rows");
    let mut missing = Vec::new();
    for mode in modes() {
        for binding in config.keymap.bindings(mode) {
            let listed = rows.iter().any(|(keys, screens)| {
                screens.split(", ").any(|screen| screen == mode.title())
                    && binding
                        .key_labels
                        .iter()
                        .all(|label| keys.split(' ').any(|key| key == format!("`{label}`")))
            });
            if !listed {
                missing.push(format!(
                    "{} ({}): {}",
                    binding.keys_label(),
                    mode.title(),
                    binding.help
                ));
            }
        }
    }
    assert!(
        missing.is_empty(),
        "keys missing from the README's Keys table:\n{}",
        missing.join("\n")
    );
}

#[test]
fn the_readme_gives_the_install_run_and_test_commands() {
    let readme = readme();
    for command in [
        "    cargo install --locked --path .",
        "    cargo install --locked --git ",
        "    cargo run --release\n",
        // .ci/run runs this very command line.
        "    cargo test\n",
        "    UPDATE_SCREENSHOT=1 cargo test --test screenshot\n",
        "](assets/screenshot.svg)",
    ] {
        assert!(readme.contains(command), "the README lacks {command:?}");
    }
}
