//! `stats`, and the usage columns of `list --json`: what the usage module counts, printed.

use anyhow::{Context, bail};
use chrono::NaiveDate;
use serde::Serialize;
use std::io::Write;

use crate::export::ThreadJson;
use crate::manager::ThreadManager;
use crate::store::local::LocalThreadStore;
use crate::store::{SourceFilter, StoredThread};
use crate::tui::config::user_config_path;
use crate::usage::{
    GroupBy, GroupRow, PriceTable, StatsFilter, StatsReport, ThreadFacts, ThreadFigures, Tokens,
};

/// `stats`' options.
pub struct StatsArgs {
    pub by: GroupBy,
    pub since: Option<NaiveDate>,
    pub until: Option<NaiveDate>,
    pub source: String,
    pub archived: bool,
    pub json: bool,
}

/// The local store under a manager: usage is read from a Codex home's rollouts.
pub fn local_store(manager: &ThreadManager) -> anyhow::Result<&LocalThreadStore> {
    manager
        .store()
        .as_any()
        .downcast_ref::<LocalThreadStore>()
        .context("usage is counted from a Codex home's rollouts, not from a shared store")
}

/// The price table: shipped, with the user's overrides.
pub fn prices() -> anyhow::Result<PriceTable> {
    Ok(PriceTable::load(user_config_path().as_deref())?)
}

/// Every thread's own usage: the active tree, and the archived one when asked.
pub async fn thread_facts(
    store: &LocalThreadStore,
    archived: bool,
) -> anyhow::Result<Vec<ThreadFacts>> {
    let trees: &[bool] = if archived { &[false, true] } else { &[false] };
    let mut facts = Vec::new();
    for &tree in trees {
        let home = store.home_usage(tree).await?;
        for skipped in &home.skipped {
            eprintln!("codex-threads: skipped {skipped}");
        }
        facts.extend(home.rollouts.into_iter().map(|rollout| ThreadFacts {
            id: rollout.file.thread_id,
            archived: rollout.file.archived,
            usage: rollout.usage,
        }));
    }
    Ok(facts)
}

pub async fn stats(
    manager: &ThreadManager,
    args: StatsArgs,
    out: &mut dyn Write,
) -> anyhow::Result<()> {
    if let (Some(since), Some(until)) = (args.since, args.until)
        && since > until
    {
        bail!("--since {since} is after --until {until}");
    }
    let store = local_store(manager)?;
    let prices = prices()?;
    let threads = thread_facts(store, args.archived).await?;
    let filter = StatsFilter {
        since: args.since,
        until: args.until,
        source: SourceFilter::parse(&args.source),
    };
    let report = crate::usage::group(&threads, args.by, &filter, &prices);
    if args.json {
        serde_json::to_writer_pretty(&mut *out, &report)?;
        writeln!(out)?;
    } else {
        write_table(&report, out)?;
    }
    Ok(())
}

fn write_table(report: &StatsReport, out: &mut dyn Write) -> std::io::Result<()> {
    let key_width = report
        .groups
        .iter()
        .map(|row| crate::text::single_line(&row.key).chars().count())
        .max()
        .unwrap_or(0)
        .clamp(5, 60);
    writeln!(
        out,
        "{:<key_width$}  {:>14}  {:>14}  {:>12}  {:>12}  {:>14}  {:>12}",
        report.by.label(),
        "input",
        "cached input",
        "output",
        "reasoning",
        "total",
        "cost"
    )?;
    for row in report.groups.iter().chain([&report.total]) {
        let key = crate::text::one_line(&crate::text::single_line(&row.key), key_width);
        writeln!(
            out,
            "{key:<key_width$}  {:>14}  {:>14}  {:>12}  {:>12}  {:>14}  {:>12}",
            row.tokens.input,
            row.tokens.cached_input,
            row.tokens.output,
            row.tokens.reasoning,
            row.tokens.total,
            cost_text(row)
        )?;
    }
    if !report.total.unpriced_models.is_empty() {
        writeln!(
            out,
            "no price for {} (tokens counted, not in the cost; see [prices] in the config)",
            report.total.unpriced_models.join(", ")
        )?;
    }
    writeln!(
        out,
        "prices taken {} from {}",
        report.prices_taken, report.prices_source
    )
}

/// `$12.63`, `no price`, or `$12.63+` when some of the group's models have no price.
pub fn cost_text(row: &GroupRow) -> String {
    match row.cost {
        None if row.tokens.total == 0 => "$0.00".to_string(),
        None => "no price".to_string(),
        Some(cost) if row.unpriced_models.is_empty() => format!("${cost:.2}"),
        Some(cost) => format!("${cost:.2}+"),
    }
}

/// A thread as `list --json` shows it: its listing fields, its own tokens and their cost.
#[derive(Serialize)]
pub struct ListedThreadJson<'a> {
    #[serde(flatten)]
    pub thread: ThreadJson<'a>,
    /// The thread's own tokens (a fork's copied calls excluded); null when not counted (a
    /// shared store, or an unreadable rollout).
    pub tokens: Option<Tokens>,
    /// US dollars; null when a model of the thread has no price.
    pub cost: Option<f64>,
    /// The rollout's size on disk (compressed when it is a `.jsonl.zst`); null when not found.
    pub bytes: Option<u64>,
}

impl<'a> ListedThreadJson<'a> {
    pub fn new(thread: ThreadJson<'a>, figures: Option<&ThreadFigures>) -> Self {
        ListedThreadJson {
            thread,
            tokens: figures.and_then(|figures| figures.tokens),
            cost: figures.and_then(|figures| figures.cost),
            bytes: figures.and_then(|figures| figures.bytes),
        }
    }
}

/// Reads the usage cache of a Codex home into memory (nothing on a shared store): run beside
/// a listing whose threads' figures `figures_of` is asked next.
pub async fn preload_usage(manager: &ThreadManager) {
    if let Ok(store) = local_store(manager) {
        store.preload_usage().await;
    }
}

/// The figures of listed threads, by id (see `usage::figures_of`).
pub async fn figures_of(
    manager: &ThreadManager,
    threads: &[StoredThread],
) -> anyhow::Result<std::collections::HashMap<crate::protocol::ThreadId, ThreadFigures>> {
    crate::usage::figures_of(manager, threads, &prices()?).await
}
