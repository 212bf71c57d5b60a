//! What the commands print for a person: the real binary on a test home.

mod common;

use common::binary::{run, stdout};
use common::{TestHome, ThreadSpec, Turn, at};

#[test]
fn archive_and_unarchive_print_the_same_kind_of_line() {
    let home = TestHome::new();
    let spec = ThreadSpec::new().turn("Tidy the release notes", "Done.");
    home.add_thread(&spec);
    let id = spec.id.to_string();
    let archived = stdout(&run(home.path(), &["archive", &id]));
    let unarchived = stdout(&run(home.path(), &["unarchive", &id]));
    let archived = archived
        .trim_end()
        .strip_prefix("archived ")
        .expect(&archived);
    let unarchived = unarchived
        .trim_end()
        .strip_prefix("unarchived ")
        .expect(&unarchived);
    assert!(archived.starts_with(&id), "{archived}");
    assert!(archived.contains("Tidy the release notes"), "{archived}");
    // The thread's line as `list` prints it; unarchiving touches the rollout, so its updated
    // time (the column after the id) moves on.
    let without_time = |line: &str| format!("{}{}", &line[..id.len()], &line[id.len() + 18..]);
    assert_eq!(without_time(archived), without_time(unarchived));
}

#[test]
fn an_export_that_cannot_be_written_names_the_path_given() {
    let home = TestHome::new();
    let spec = ThreadSpec::new().turn("Export me", "Ok.");
    home.add_thread(&spec);
    let target = home.path().join("no-such-dir").join("out.md");
    let output = run(
        home.path(),
        &[
            "export",
            &spec.id.to_string(),
            "-o",
            target.to_str().unwrap(),
        ],
    );
    assert!(!output.status.success());
    let stderr = String::from_utf8(output.stderr).unwrap();
    assert_eq!(
        stderr.trim_end(),
        format!(
            "codex-threads: cannot write {}: No such file or directory (os error 2)",
            target.display()
        ),
        "no temporary file named"
    );
    assert!(!target.exists());
}

/// Two threads with fixed ids and times, so that what the commands print is the same each run.
fn fixed_home() -> (TestHome, ThreadSpec, ThreadSpec) {
    let home = TestHome::new();
    let login = ThreadSpec::new()
        .id("019e1c90-ff30-7dae-aeb9-75729fae923d".parse().unwrap())
        .created(at("2026-05-10T08:00:00.000Z"))
        .cwd("/work/api")
        .git_branch("feature/login-flake-with-a-long-branch-name")
        .with_turn(
            Turn::new(
                "Fix the flaky login test; it fails one run in five on CI and the log shows \
                 \u{1b}]52;c;c2VjcmV0\u{7} a timeout",
                "The login test now waits for the server to be ready instead of sleeping.",
            )
            .command(
                "cargo test login",
                "test login ... ok\ntest result: ok. 1 passed",
            ),
        );
    let dark = ThreadSpec::new()
        .id("019e223d-6d47-74fd-b12a-abfe228f219e".parse().unwrap())
        .created(at("2026-05-12T08:00:00.000Z"))
        .cwd("/work/web")
        .memory_mode(codex_threads::protocol::ThreadMemoryMode::Disabled)
        .turn(
            "Add a dark mode toggle to the settings page",
            "Added the toggle.",
        );
    home.add_thread(&login);
    home.add_thread(&dark);
    (home, login, dark)
}

#[test]
fn list_prints_a_header_and_aligned_columns() {
    let (home, _, _) = fixed_home();
    let text = stdout(&run(home.path(), &["list"]));
    insta::assert_snapshot!("list", text);
    // Piped, the lines fit the default width of 100 columns.
    assert!(
        text.lines().all(|line| line.chars().count() <= 100),
        "{text}"
    );
}

#[test]
fn show_prints_the_history_as_the_tui_shows_it() {
    let (home, login, _) = fixed_home();
    let text = stdout(&run(home.path(), &["show", &login.id.to_string()]));
    assert!(!text.contains('\u{1b}'), "no escape reaches the terminal");
    insta::assert_snapshot!("show", text);
    // The record kinds, one line each, stay behind --raw.
    let raw = stdout(&run(home.path(), &["show", "--raw", &login.id.to_string()]));
    assert!(raw.contains("event_msg:user_message"), "{raw}");
    assert!(!raw.contains('\u{1b}'));
}

#[test]
fn search_prints_hits_under_their_thread() {
    let (home, login, dark) = fixed_home();
    let text = stdout(&run(home.path(), &["search", "the"]));
    // Threads are searched in parallel: their groups come in either order, and a thread whose
    // hits arrived in two batches with the other's between is headed twice. Merged by heading,
    // each thread's hits are in their order.
    let mut groups: std::collections::BTreeMap<&str, Vec<&str>> = Default::default();
    for group in text.trim_end().split("\n\n") {
        let mut lines = group.lines();
        let heading = lines.next().unwrap();
        assert!(lines.clone().all(|line| line.starts_with("  ")), "{text}");
        groups.entry(heading).or_default().extend(lines);
    }
    assert_eq!(groups.len(), 2, "{text}");
    let merged: Vec<String> = groups
        .iter()
        .map(|(heading, hits)| format!("{heading}\n{}", hits.join("\n")))
        .collect();
    insta::assert_snapshot!("search", merged.join("\n\n"));
    let heading = |spec: &ThreadSpec| {
        text.lines()
            .position(|line| !line.starts_with(' ') && line.contains(&spec.id.to_string()))
    };
    assert!(
        heading(&login).is_some() && heading(&dark).is_some(),
        "{text}"
    );
}
