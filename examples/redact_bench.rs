//! The cost of redaction in `sync` (issue 19):
//! `cargo run --release --example redact_bench -- HOME URL`, with `URL` a superuser URL of a
//! throwaway server (`eval "$(scripts/pg-test-server.sh)"` gives `$CODEX_THREADS_TEST_PG`).
//!
//! Syncs HOME into two new databases, one with redaction off (`sync --no-redact`, the sync
//! before issue 19) and one with the built-in rules (the default), alternating which goes
//! first over `RUNS` rounds (`--runs N` to change it), and prints the median of each and their ratio. Then the
//! redactor alone over every line of HOME (no database): lines and bytes a second, and how
//! many lines its literal prefilter let through to the JSON pass. The databases are removed at
//! the end. Benchmarks are not tests: nothing fails.

use std::path::Path;
use std::time::{Duration, Instant};

use anyhow::Context;

use codex_threads::redact::Redactor;
use codex_threads::store::local::{LocalStoreOptions, LocalThreadStore};
use codex_threads::store::pg::{PgThreadStore, with_database};
use codex_threads::store::{
    HistoryCursor, HistoryDirection, ListThreadsParams, ReadHistoryPageParams, ThreadStore,
};
use codex_threads::sync::{SyncPolicy, origin_of, sync_once_with};
use tokio_postgres::NoTls;

const RUNS: usize = 3;

#[tokio::main]
async fn main() -> anyhow::Result<()> {
    let mut args: Vec<String> = std::env::args().skip(1).collect();
    // `--runs N`: fewer rounds for a large home (a first sync of 10,000 threads takes minutes).
    let mut runs = RUNS;
    if let Some(at) = args.iter().position(|arg| arg == "--runs") {
        runs = args.get(at + 1).map_or(Ok(RUNS), |n| n.parse())?;
        args.drain(at..(at + 2).min(args.len()));
    }
    // `--no-sync HOME`: the redactor alone, without a database (when a sync of the home takes
    // longer than there is time for).
    if args.first().map(String::as_str) == Some("--no-sync") {
        let home = args.get(1).context("usage: redact_bench --no-sync HOME")?;
        print_alone(&redactor_alone(Path::new(home)).await?);
        return Ok(());
    }
    let [home, url] = args.as_slice() else {
        anyhow::bail!("usage: redact_bench [--runs N] HOME URL | --no-sync HOME");
    };
    let home = Path::new(home);
    let plain = SyncPolicy {
        redactor: None,
        ..SyncPolicy::default()
    };
    let redacting = SyncPolicy::default();
    let mut off = Vec::new();
    let mut on = Vec::new();
    let mut redactions = 0;
    for round in 0..runs {
        let order: [(&SyncPolicy, bool); 2] = if round % 2 == 0 {
            [(&plain, false), (&redacting, true)]
        } else {
            [(&redacting, true), (&plain, false)]
        };
        for (policy, redacts) in order {
            let (took, count) = timed_sync(home, url, policy).await?;
            if redacts {
                on.push(took);
                redactions = count;
            } else {
                off.push(took);
            }
        }
    }
    let (off, on) = (median(off), median(on));
    println!("home: {}", home.display());
    println!();
    println!("| figure | time |");
    println!("| --- | --- |");
    println!(
        "| `sync --to` into an empty store, `--no-redact` (median of {runs}) | {:.2} s |",
        off.as_secs_f64()
    );
    println!(
        "| `sync --to` into an empty store, redacting (median of {runs}; {redactions} secrets) | {:.2} s ({:.2}×) |",
        on.as_secs_f64(),
        on.as_secs_f64() / off.as_secs_f64()
    );
    print_alone(&redactor_alone(home).await?);
    Ok(())
}

fn print_alone(alone: &Alone) {
    println!(
        "| the redactor alone over every line ({} lines, {:.0} MB) | {:.2} s ({:.0} MB/s); {} lines ({:.1}%) past the prefilter |",
        alone.lines,
        alone.bytes as f64 / 1e6,
        alone.took.as_secs_f64(),
        alone.bytes as f64 / 1e6 / alone.took.as_secs_f64(),
        alone.parsed,
        100.0 * alone.parsed as f64 / alone.lines.max(1) as f64
    );
}

/// One sync of the home into a new database, and the secrets it redacted.
async fn timed_sync(
    home: &Path,
    url: &str,
    policy: &SyncPolicy,
) -> anyhow::Result<(Duration, usize)> {
    let database = format!("ct_redact_bench_{}", std::process::id());
    admin(url, "postgres", &format!("CREATE DATABASE {database}")).await?;
    let result = async {
        let local = LocalThreadStore::open(home, LocalStoreOptions::default());
        let store = PgThreadStore::connect(&with_database(url, &database)).await?;
        let started = Instant::now();
        let report = sync_once_with(&local, &store, &origin_of(home), policy).await?;
        anyhow::Ok((started.elapsed(), report.redactions))
    }
    .await;
    admin(
        url,
        "postgres",
        &format!("DROP DATABASE {database} WITH (FORCE)"),
    )
    .await?;
    result
}

struct Alone {
    lines: usize,
    bytes: u64,
    parsed: usize,
    took: Duration,
}

/// Reads every line of the home (outside the timing) and times the redactor over them, one
/// thread's page at a time.
async fn redactor_alone(home: &Path) -> anyhow::Result<Alone> {
    let local = LocalThreadStore::open(home, LocalStoreOptions::default());
    let redactor = Redactor::builtin();
    let mut alone = Alone {
        lines: 0,
        bytes: 0,
        parsed: 0,
        took: Duration::ZERO,
    };
    for archived in [false, true] {
        let threads = local
            .list_threads(ListThreadsParams {
                page_size: 0,
                archived,
                ..Default::default()
            })
            .await?
            .items;
        for thread in threads {
            let mut anchor = Some(HistoryCursor(0));
            loop {
                let page = local
                    .read_history_page(ReadHistoryPageParams {
                        thread_id: thread.thread_id,
                        include_archived: true,
                        anchor,
                        direction: HistoryDirection::Forward,
                        limit: 4_000,
                        include_raw: true,
                    })
                    .await?;
                let raws: Vec<&str> = page
                    .lines
                    .iter()
                    .filter_map(|line| line.raw.as_deref())
                    .collect();
                let started = Instant::now();
                for raw in &raws {
                    std::hint::black_box(redactor.redact_line(raw));
                }
                alone.took += started.elapsed();
                alone.lines += raws.len();
                alone.bytes += raws.iter().map(|raw| raw.len() as u64).sum::<u64>();
                alone.parsed += raws
                    .iter()
                    .filter(|raw| redactor.may_hold_secret(raw))
                    .count();
                if page.at_end || page.lines.is_empty() {
                    break;
                }
                anchor = Some(page.end);
            }
        }
    }
    Ok(alone)
}

fn median(mut times: Vec<Duration>) -> Duration {
    times.sort();
    times[times.len() / 2]
}

async fn admin(url: &str, database: &str, sql: &str) -> anyhow::Result<()> {
    let (client, connection) =
        tokio_postgres::connect(&with_database(url, database), NoTls).await?;
    let task = tokio::spawn(connection);
    client.batch_execute(sql).await?;
    drop(client);
    let _ = task.await;
    Ok(())
}
