//! `codex-threads`: wires the command line, logging and the runtime together.

use std::process::ExitCode;

use clap::Parser;
use codex_threads::cli::{self, Cli};

fn main() -> ExitCode {
    let args = Cli::parse();
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

/// Errors are one line on stderr.
fn fail(err: &anyhow::Error) -> ExitCode {
    let message = format!("{err:#}").replace('\n', " ");
    eprintln!(
        "codex-threads: {}",
        codex_threads::text::escape_controls(&message)
    );
    ExitCode::FAILURE
}
