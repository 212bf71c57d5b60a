//! `prune`: archive, trash or compress the threads an age, size and source filter picks; says
//! what it would do and the bytes, asks first (naming the count and bytes) unless `--yes`.

use std::io::Write;

use anyhow::bail;
use chrono::Utc;
use serde::Serialize;
use serde_json::json;

use super::{list_line, report_failures};
use crate::manager::ThreadManager;
use crate::prune::{Candidate, PruneAction, PruneFilter, PrunePlan};
use crate::store::SourceFilter;
use crate::text::decimal_size;
use crate::text::{one_line, single_line};

/// `--archive`, `--trash` or `--compress`: exactly one.
#[derive(Clone, Copy, Debug, clap::Args)]
#[group(required = true, multiple = false)]
pub struct ActionArgs {
    /// Move them into archived_sessions/, as `archive` does.
    #[arg(long)]
    archive: bool,
    /// Delete them as `delete` does: the rollouts go to the trash, restorable.
    #[arg(long)]
    trash: bool,
    /// Rewrite each closed rollout as .jsonl.zst (read by Codex as it is).
    #[arg(long)]
    compress: bool,
}

impl ActionArgs {
    fn action(self) -> PruneAction {
        if self.archive {
            PruneAction::Archive
        } else if self.trash {
            PruneAction::Trash
        } else {
            PruneAction::Compress
        }
    }
}

#[derive(clap::Args, Debug)]
pub struct PruneArgs {
    /// Only threads last updated longer ago than this: 30d, 2w, 12h, 45m.
    #[arg(long, value_name = "DURATION", value_parser = crate::prune::parse_duration)]
    pub older_than: Option<chrono::Duration>,
    /// Only rollouts larger than this on disk: 100M, 1.5G, 500K (or MiB, GiB).
    #[arg(long, value_name = "SIZE", value_parser = crate::prune::parse_size)]
    pub larger_than: Option<u64>,
    /// Only archived threads.
    #[arg(long)]
    pub archived_only: bool,
    /// all, interactive, or one source as Codex names it (cli, exec, vscode, mcp, …).
    #[arg(long, value_name = "SOURCE", default_value = "all")]
    pub source: String,
    #[command(flatten)]
    pub action: ActionArgs,
    /// Say what would be done and the bytes, and change nothing.
    #[arg(long)]
    pub dry_run: bool,
    /// Do not ask first (needed when stdin is not a terminal).
    #[arg(long)]
    pub yes: bool,
    #[arg(long)]
    pub json: bool,
}

#[derive(Serialize)]
struct ThreadEntry {
    id: String,
    title: String,
    archived: bool,
    rollout_path: String,
    bytes: u64,
    compressed: bool,
    #[serde(skip_serializing_if = "Option::is_none")]
    reason: Option<String>,
}

impl ThreadEntry {
    fn of(candidate: &Candidate, reason: Option<String>) -> Self {
        ThreadEntry {
            id: candidate.thread.thread_id.to_string(),
            title: candidate.thread.title().to_string(),
            archived: candidate.thread.archived,
            rollout_path: candidate.disk.path.display().to_string(),
            bytes: candidate.disk.bytes,
            compressed: candidate.disk.compressed,
            reason,
        }
    }
}

pub async fn prune(
    manager: &ThreadManager,
    args: PruneArgs,
    out: &mut dyn Write,
) -> anyhow::Result<()> {
    if manager
        .store()
        .as_any()
        .downcast_ref::<crate::store::local::LocalThreadStore>()
        .is_none()
    {
        bail!(
            "prune works on a Codex home's rollouts, not on a shared store; run it without --store"
        );
    }
    let action = args.action.action();
    let filter = PruneFilter {
        older_than: args.older_than,
        larger_than: args.larger_than,
        archived_only: args.archived_only,
        source: SourceFilter::parse(&args.source),
    };
    let plan = crate::prune::plan(manager, action, &filter, Utc::now()).await?;
    if args.dry_run {
        return write_plan(&plan, args.json, out);
    }
    if !plan.candidates.is_empty() && !args.yes {
        confirm(&plan)?;
    }
    let mut entries = Vec::new();
    let mut failures = Vec::new();
    let mut freed = 0;
    for candidate in &plan.candidates {
        match crate::prune::apply(manager, action, candidate).await {
            Ok(pruned) => {
                freed += pruned.freed_bytes;
                if !args.json {
                    writeln!(out, "{}", done_line(action, candidate, &pruned))?;
                }
                entries.push(json!({
                    "id": candidate.thread.thread_id.to_string(),
                    "bytes": candidate.disk.bytes,
                    "freed_bytes": pruned.freed_bytes,
                    "now_at": pruned.now_at.iter().map(|p| p.display().to_string()).collect::<Vec<_>>(),
                }));
            }
            Err(err) => failures.push((candidate.thread.thread_id.to_string(), Err(err))),
        }
    }
    let skipped: Vec<ThreadEntry> = plan
        .skipped
        .iter()
        .map(|(candidate, reason)| ThreadEntry::of(candidate, Some(reason.clone())))
        .collect();
    if args.json {
        let report = json!({
            "action": action,
            "dry_run": false,
            "done": entries,
            "skipped": skipped,
            "failed": failures.len(),
            "freed_bytes": freed,
        });
        serde_json::to_writer_pretty(&mut *out, &report)?;
        writeln!(out)?;
    } else {
        write_skipped(&plan, out)?;
        writeln!(out, "{}", summary(action, entries.len(), freed))?;
    }
    out.flush()?;
    report_failures(failures)
}

fn write_plan(plan: &PrunePlan, json: bool, out: &mut dyn Write) -> anyhow::Result<()> {
    let action = plan.action;
    if json {
        let threads: Vec<ThreadEntry> = plan
            .candidates
            .iter()
            .map(|candidate| ThreadEntry::of(candidate, None))
            .collect();
        let skipped: Vec<ThreadEntry> = plan
            .skipped
            .iter()
            .map(|(candidate, reason)| ThreadEntry::of(candidate, Some(reason.clone())))
            .collect();
        let report = json!({
            "action": action,
            "dry_run": true,
            "threads": threads,
            "skipped": skipped,
            "count": plan.candidates.len(),
            "bytes": plan.bytes(),
            "freed_bytes": would_free(plan),
        });
        serde_json::to_writer_pretty(&mut *out, &report)?;
        writeln!(out)?;
        return Ok(());
    }
    for candidate in &plan.candidates {
        writeln!(
            out,
            "would {} {:>9}  {}",
            action.verb(),
            decimal_size(candidate.disk.bytes),
            list_line(&candidate.thread)
        )?;
    }
    write_skipped(plan, out)?;
    writeln!(out, "{} (dry run: nothing changed)", plan_summary(plan))?;
    Ok(())
}

/// The bytes the plan frees for certain: all of them for the trash (once it is emptied), none
/// for the archive (the rollouts stay in the home); a compression's saving is known only after
/// it (`null`).
fn would_free(plan: &PrunePlan) -> Option<u64> {
    match plan.action {
        PruneAction::Trash => Some(plan.bytes()),
        PruneAction::Archive => Some(0),
        PruneAction::Compress => None,
    }
}

/// "3 threads, 1.2 GB: would compress them (most of the bytes; a compressed rollout is
/// usually a tenth of the plain one)".
fn plan_summary(plan: &PrunePlan) -> String {
    let what = count_and_bytes(plan.candidates.len(), plan.bytes());
    match plan.action {
        PruneAction::Archive => format!(
            "{what}: would move to archived_sessions/ (no bytes freed; Codex's picker stops \
             listing them)"
        ),
        PruneAction::Trash => {
            format!("{what}: would free them, in the trash until it is emptied (restorable)")
        }
        PruneAction::Compress => {
            format!("{what}: would compress to .jsonl.zst (the saving is known once compressed)")
        }
    }
}

fn count_and_bytes(count: usize, bytes: u64) -> String {
    let threads = if count == 1 { "thread" } else { "threads" };
    format!("{count} {threads}, {}", decimal_size(bytes))
}

fn summary(action: PruneAction, count: usize, freed: u64) -> String {
    let threads = if count == 1 { "thread" } else { "threads" };
    match action {
        PruneAction::Archive => format!("archived {count} {threads}"),
        PruneAction::Trash => format!(
            "trashed {count} {threads}: {} freed once the trash is emptied",
            decimal_size(freed)
        ),
        PruneAction::Compress => {
            format!(
                "compressed {count} {threads}: {} freed",
                decimal_size(freed)
            )
        }
    }
}

fn done_line(action: PruneAction, candidate: &Candidate, pruned: &crate::prune::Pruned) -> String {
    let id = candidate.thread.thread_id;
    let title = single_line(&one_line(candidate.thread.title(), 60));
    match action {
        PruneAction::Compress => format!(
            "compressed {id} {} -> {}  {title}",
            decimal_size(candidate.disk.bytes),
            decimal_size(candidate.disk.bytes.saturating_sub(pruned.freed_bytes))
        ),
        _ => {
            let places: Vec<String> = pruned
                .now_at
                .iter()
                .map(|path| single_line(&path.display().to_string()))
                .collect();
            format!(
                "{} {id} {}  {title} ({})",
                action.done(),
                decimal_size(candidate.disk.bytes),
                places.join(", ")
            )
        }
    }
}

fn write_skipped(plan: &PrunePlan, out: &mut dyn Write) -> std::io::Result<()> {
    for (candidate, reason) in &plan.skipped {
        writeln!(
            out,
            "skipped {} ({}): {}",
            candidate.thread.thread_id,
            decimal_size(candidate.disk.bytes),
            single_line(reason)
        )?;
    }
    Ok(())
}

/// Asks on the terminal, naming the count and the bytes; without a terminal, refuses.
fn confirm(plan: &PrunePlan) -> anyhow::Result<()> {
    use std::io::{BufRead, IsTerminal};
    let action = plan.action;
    if !std::io::stdin().is_terminal() {
        bail!(
            "prune asks first, and stdin is not a terminal: pass --yes (or --dry-run to see \
             what it would do); nothing was changed"
        );
    }
    let mut stderr = std::io::stderr().lock();
    let verb = match action {
        PruneAction::Archive => "Archive",
        PruneAction::Trash => "Move to the trash",
        PruneAction::Compress => "Compress",
    };
    write!(
        stderr,
        "{verb} {}? [y/N] ",
        count_and_bytes(plan.candidates.len(), plan.bytes())
    )?;
    stderr.flush()?;
    let mut answer = String::new();
    std::io::stdin().lock().read_line(&mut answer)?;
    if !matches!(answer.trim(), "y" | "Y" | "yes" | "Yes") {
        bail!("nothing was changed");
    }
    Ok(())
}
