//! `ARCHITECTURE.md` stays true of the code: every path it names exists, every file name it
//! gives without a directory is a file of the crate, and the README's Layout section points
//! to it.

use std::path::{Path, PathBuf};

fn root() -> PathBuf {
    PathBuf::from(env!("CARGO_MANIFEST_DIR"))
}

fn architecture() -> String {
    std::fs::read_to_string(root().join("ARCHITECTURE.md")).expect("ARCHITECTURE.md")
}

/// The text of each `code span` of a Markdown document.
fn code_spans(text: &str) -> Vec<&str> {
    text.split('`').skip(1).step_by(2).collect()
}

/// The spans that name a path of the repository: under `src/` or `tests/`.
fn named_paths(text: &str) -> Vec<&str> {
    code_spans(text)
        .into_iter()
        .filter(|span| span.starts_with("src/") || span.starts_with("tests/"))
        .collect()
}

/// Whether a file of this name is anywhere under `dir`.
fn has_file_named(dir: &Path, name: &str) -> bool {
    std::fs::read_dir(dir)
        .expect("a readable source tree")
        .any(|entry| {
            let entry = entry.expect("a readable entry");
            let path = entry.path();
            if path.is_dir() {
                has_file_named(&path, name)
            } else {
                path.file_name().is_some_and(|file| file == name)
            }
        })
}

#[test]
fn every_path_architecture_md_names_exists() {
    let text = architecture();
    let paths = named_paths(&text);
    assert!(
        paths.len() > 40,
        "ARCHITECTURE.md should name the files it describes; found {paths:?}"
    );
    let missing: Vec<&str> = paths
        .into_iter()
        .filter(|path| !root().join(path.trim_end_matches('/')).exists())
        .collect();
    assert!(
        missing.is_empty(),
        "ARCHITECTURE.md names missing paths: {missing:?}"
    );
}

#[test]
fn every_bare_file_name_architecture_md_gives_is_a_source_file() {
    let text = architecture();
    let bare: Vec<&str> = code_spans(&text)
        .into_iter()
        .filter(|span| span.ends_with(".rs") && !span.contains('/'))
        .collect();
    assert!(!bare.is_empty(), "the TUI section names its files");
    let missing: Vec<&str> = bare
        .into_iter()
        .filter(|name| !has_file_named(&root().join("src"), name))
        .collect();
    assert!(
        missing.is_empty(),
        "ARCHITECTURE.md names missing files: {missing:?}"
    );
}

#[test]
fn the_checks_see_a_missing_path() {
    let text = "the loop is `src/tui/runtime/mod.rs`, the map `src/no/such/file.rs`";
    let paths = named_paths(text);
    assert_eq!(paths, ["src/tui/runtime/mod.rs", "src/no/such/file.rs"]);
    assert!(root().join(paths[0]).exists());
    assert!(!root().join(paths[1]).exists());
}

#[test]
fn the_readme_layout_points_to_architecture_md() {
    let readme = std::fs::read_to_string(root().join("README.md")).expect("README.md");
    let layout = readme
        .split("\n### Layout\n")
        .nth(1)
        .expect("a Layout section in the README");
    let layout = layout.split("\n#").next().unwrap_or(layout);
    assert!(
        layout.contains("(ARCHITECTURE.md)"),
        "the Layout section links ARCHITECTURE.md"
    );
}
