//! `codex-threads`: wires the command line, logging and the runtime together.

use std::process::ExitCode;

use clap::Parser;
use codex_threads::cli::{self, Cli};

#[global_allocator]
static ALLOCATOR: mimalloc::MiMalloc = mimalloc::MiMalloc;

fn main() -> ExitCode {
    let args = match Cli::try_parse() {
        Ok(args) => args,
        Err(err) => return usage_error(err),
    };
    let _log_guard = codex_threads::logging::init();
    let runtime = match tokio::runtime::Runtime::new() {
        Ok(runtime) => runtime,
        Err(err) => return fail(&anyhow::anyhow!(err)),
    };
    match runtime.block_on(cli::run(args)) {
        Ok(()) => ExitCode::SUCCESS,
        Err(err) => fail(&err),
    }
}

/// Help and version go to stdout as clap prints them; a usage error is one line on stderr.
fn usage_error(err: clap::Error) -> ExitCode {
    use clap::error::ErrorKind;
    if matches!(
        err.kind(),
        ErrorKind::DisplayHelp | ErrorKind::DisplayVersion
    ) {
        let _ = err.print();
        return ExitCode::SUCCESS;
    }
    let text = err.to_string();
    let message: Vec<&str> = text
        .lines()
        .map(str::trim)
        .take_while(|line| !line.starts_with("Usage:"))
        .filter(|line| !line.is_empty())
        .collect();
    let message = message.join(" ");
    let message = message.trim_start_matches("error: ");
    eprintln!("codex-threads: {message} (see --help)");
    ExitCode::from(2)
}

/// Errors are one line on stderr. A closed stdout (`codex-threads search x | head`) is the
/// reader's choice, not an error: exit quietly.
fn fail(err: &anyhow::Error) -> ExitCode {
    let broken_pipe = err.chain().any(|cause| {
        cause
            .downcast_ref::<std::io::Error>()
            .is_some_and(|io| io.kind() == std::io::ErrorKind::BrokenPipe)
    });
    if broken_pipe {
        return ExitCode::SUCCESS;
    }
    // A command over several threads has printed each failure already.
    if err.downcast_ref::<cli::FailuresReported>().is_some() {
        return ExitCode::FAILURE;
    }
    let message = format!("{err:#}").replace('\n', " ");
    eprintln!(
        "codex-threads: {}",
        codex_threads::text::single_line(&message)
    );
    ExitCode::FAILURE
}
