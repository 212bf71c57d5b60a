//! The shipped binary carries no test support: the `testing` feature (the mock model, the home
//! generator, the Codex drivers) and its dependencies stay out of a normal build.

use std::process::Command;

#[test]
fn a_normal_build_depends_on_no_test_support() {
    let output = Command::new(env!("CARGO"))
        .args(["tree", "--offline", "-e", "normal", "--prefix", "none"])
        .args([
            "--manifest-path",
            concat!(env!("CARGO_MANIFEST_DIR"), "/Cargo.toml"),
        ])
        .output()
        .expect("cargo runs");
    assert!(
        output.status.success(),
        "cargo tree: {}",
        String::from_utf8_lossy(&output.stderr)
    );
    let tree = String::from_utf8(output.stdout).unwrap();
    assert!(tree.starts_with("codex-threads "), "{tree}");
    assert!(
        tree.contains("\nclap_complete "),
        "the tree lists dependencies: {tree}"
    );
    for test_only in [
        "tiny_http ",
        "insta ",
        "portable-pty ",
        "proptest ",
        "vt100 ",
    ] {
        assert!(
            !tree.lines().any(|line| line.starts_with(test_only)),
            "{test_only}is in a normal build"
        );
    }
}
