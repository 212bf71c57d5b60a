//! What the commands print for a person: the real binary on a test home.

mod common;

use common::binary::{run, stdout};
use common::{TestHome, ThreadSpec};

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
