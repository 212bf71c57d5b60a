//! `codex-threads completions SHELL` prints scripts the shells accept, `codex-threads man` a
//! page `man` renders, and `--version` names the verified Codex releases: the real binary, the
//! real shells where installed.

use std::io::Write;
use std::process::{Command, Stdio};

fn codex_threads(args: &[&str]) -> String {
    let output = Command::new(env!("CARGO_BIN_EXE_codex-threads"))
        .args(args)
        // No home is needed: these work where `~/.codex` is missing or broken.
        .env("CODEX_HOME", "/nonexistent/codex-home")
        .output()
        .expect("the binary runs");
    assert!(
        output.status.success(),
        "{args:?}: {}",
        String::from_utf8_lossy(&output.stderr)
    );
    String::from_utf8(output.stdout).expect("utf-8")
}

/// Runs `program args` with `script` on stdin; `None` when the program is not installed.
fn check_with(program: &str, args: &[&str], script: &str) -> Option<std::process::Output> {
    let mut child = match Command::new(program)
        .args(args)
        .stdin(Stdio::piped())
        .stdout(Stdio::piped())
        .stderr(Stdio::piped())
        .spawn()
    {
        Ok(child) => child,
        Err(err) if err.kind() == std::io::ErrorKind::NotFound => return None,
        Err(err) => panic!("{program}: {err}"),
    };
    child
        .stdin
        .take()
        .unwrap()
        .write_all(script.as_bytes())
        .unwrap();
    Some(child.wait_with_output().unwrap())
}

#[test]
fn bash_accepts_the_bash_script_and_it_completes_subcommands() {
    let script = codex_threads(&["completions", "bash"]);
    let syntax = check_with("bash", &["-n"], &script).expect("bash is installed");
    assert!(
        syntax.status.success(),
        "bash -n: {}",
        String::from_utf8_lossy(&syntax.stderr)
    );
    // Loaded into a shell, the function it registers completes `codex-threads ar` to
    // `archive`.
    let function = script
        .split_whitespace()
        .skip_while(|word| *word != "-F")
        .nth(1)
        .expect("the script registers a function");
    let probe = format!(
        "{script}\nCOMP_WORDS=(codex-threads ar); COMP_CWORD=1; COMP_LINE='codex-threads ar'; \
         COMP_POINT=${{#COMP_LINE}}; {function} codex-threads ar codex-threads; \
         printf '%s\\n' \"${{COMPREPLY[@]}}\""
    );
    let completed = check_with("bash", &[], &probe).unwrap();
    let words = String::from_utf8_lossy(&completed.stdout);
    assert!(
        words.lines().any(|word| word == "archive"),
        "completions: {words:?} {}",
        String::from_utf8_lossy(&completed.stderr)
    );
}

#[test]
fn zsh_and_fish_scripts_parse_where_those_shells_are_installed() {
    for (shell, program, args) in [
        ("zsh", "zsh", &["-n"][..]),
        ("fish", "fish", &["--no-execute"]),
    ] {
        let script = codex_threads(&["completions", shell]);
        assert!(script.contains("archive"), "{shell}");
        match check_with(program, args, &script) {
            Some(output) => assert!(
                output.status.success(),
                "{program}: {}",
                String::from_utf8_lossy(&output.stderr)
            ),
            None => eprintln!("{program} is not installed: checked the script's text only"),
        }
    }
}

#[test]
fn the_man_page_renders() {
    let page = codex_threads(&["man"]);
    assert!(page.contains(".TH codex-threads 1"));
    assert!(page.contains(".SH \"CODEX-THREADS ARCHIVE\""));
    match check_with("groff", &["-k", "-man", "-Tutf8", "-ww", "-z"], &page) {
        Some(output) => assert!(
            output.status.success() && output.stderr.is_empty(),
            "groff: {}",
            String::from_utf8_lossy(&output.stderr)
        ),
        None => eprintln!("groff is not installed: checked the page's text only"),
    }
}

#[test]
fn the_version_names_the_codex_releases_the_installer_brings() {
    let version = codex_threads(&["--version"]);
    assert!(
        version.starts_with(&format!("codex-threads {}\n", env!("CARGO_PKG_VERSION"))),
        "{version}"
    );
    let installer = std::fs::read_to_string(concat!(
        env!("CARGO_MANIFEST_DIR"),
        "/scripts/install-codex-releases.sh"
    ))
    .unwrap();
    for release in codex_threads::cli::VERIFIED_CODEX_RELEASES {
        assert!(version.contains(release), "{release}: {version}");
        assert!(
            installer.contains(release),
            "the installer brings {release}"
        );
    }
}
