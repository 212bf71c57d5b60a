//! Writes a large, realistic, deterministic Codex home for benchmarks (issue 4).
//!
//! ```text
//! cargo run --release --example gen_home -- --threads 10000 --huge-gb 1 --state-db /tmp/home
//! ```
//!
//! The generator itself is `codex_threads::testing::gen_home`; see its documentation for what
//! a home contains. The same arguments always give byte-identical files.

use std::path::PathBuf;
use std::process::ExitCode;

use clap::Parser;
use codex_threads::testing::gen_home::{GIB, GenOptions, generate};

#[derive(Parser)]
#[command(about = "Generate a realistic Codex home (deterministic for a given seed)")]
struct Args {
    /// Number of threads (rollouts), the huge one included.
    #[arg(long, default_value_t = 1000)]
    threads: usize,
    /// Size of the one huge rollout in GiB (fractions allowed; 0 for none).
    #[arg(long, default_value_t = 0.0)]
    huge_gb: f64,
    /// Also write `state_5.sqlite` with one row per thread.
    #[arg(long)]
    state_db: bool,
    #[arg(long, default_value_t = 1)]
    seed: u64,
    /// Worker threads (the output does not depend on it); default: one per core.
    #[arg(long)]
    workers: Option<usize>,
    /// Directory to write; must not exist or be empty.
    out: PathBuf,
}

fn main() -> ExitCode {
    let args = Args::parse();
    if !(args.huge_gb >= 0.0 && args.huge_gb.is_finite()) {
        eprintln!("gen_home: --huge-gb must be a non-negative number");
        return ExitCode::from(2);
    }
    let mut options = GenOptions::new(args.threads);
    options.huge_bytes = (args.huge_gb * GIB as f64) as u64;
    options.state_db = args.state_db;
    options.seed = args.seed;
    if let Some(workers) = args.workers {
        options.workers = workers.max(1);
    }
    match generate(&args.out, &options) {
        Ok(summary) => {
            println!("{}", summary.line());
            ExitCode::SUCCESS
        }
        Err(err) => {
            eprintln!("gen_home: {}: {err}", args.out.display());
            ExitCode::FAILURE
        }
    }
}
