//! `delete`: threads deleted as Codex does, their rollouts moved to the trash; asks first
//! unless `--yes`, and `--dry-run` says what would go.

use std::io::Write;

use anyhow::bail;

use super::each::{report_failures, resolve_each};
use crate::manager::ThreadManager;
use crate::protocol::ThreadId;
use crate::text::{one_line, single_line};

/// `delete THREAD… --dry-run`: what would go to the trash; nothing changes.
pub(super) async fn delete_dry_run(
    manager: &ThreadManager,
    threads: &[String],
    out: &mut dyn Write,
) -> anyhow::Result<()> {
    let ids = resolve_each(manager, threads).await;
    let mut done = Vec::new();
    for (reference, id) in ids.resolved {
        let shown = async {
            let (thread, _) = manager.read_thread_now(id).await?;
            let rollout = thread
                .rollout_path
                .as_ref()
                .map(|path| single_line(&path.display().to_string()))
                .unwrap_or_else(|| "no rollout".to_string());
            writeln!(
                out,
                "would delete {id} “{}” (to the trash: {rollout})",
                single_line(&one_line(thread.title(), 80))
            )?;
            anyhow::Ok(())
        };
        done.push((reference, shown.await));
    }
    report_failures(ids.failed.into_iter().chain(done))
}

/// `delete THREAD… [--yes]`.
pub(super) async fn delete(
    manager: &ThreadManager,
    threads: &[String],
    yes: bool,
    out: &mut dyn Write,
) -> anyhow::Result<()> {
    let ids = resolve_each(manager, threads).await;
    let mut done = Vec::new();
    if !ids.resolved.is_empty() && !yes {
        confirm_delete(manager, &ids.resolved).await?;
    }
    for (reference, id) in ids.resolved {
        let deleted = async {
            let deleted = manager.delete_thread(id).await?;
            let places: Vec<String> = deleted
                .trashed
                .iter()
                .map(|path| single_line(&path.display().to_string()))
                .collect();
            writeln!(out, "deleted {id} (in the trash: {})", places.join(", "))?;
            anyhow::Ok(())
        };
        done.push((reference, deleted.await));
    }
    report_failures(ids.failed.into_iter().chain(done))
}

/// Asks on the terminal before deleting, naming each thread; without a terminal, refuses.
async fn confirm_delete(manager: &ThreadManager, ids: &[(String, ThreadId)]) -> anyhow::Result<()> {
    use std::io::{BufRead, IsTerminal};
    if !std::io::stdin().is_terminal() {
        bail!("delete asks first, and stdin is not a terminal: pass --yes; nothing was deleted");
    }
    let mut stderr = std::io::stderr().lock();
    for (_, id) in ids {
        let title = match manager.read_thread_now(*id).await {
            Ok((thread, _)) => one_line(thread.title(), 60),
            Err(_) => String::new(),
        };
        writeln!(stderr, "  {id}  {}", single_line(&title))?;
    }
    let what = match ids.len() {
        1 => "this thread".to_string(),
        count => format!("these {count} threads"),
    };
    write!(
        stderr,
        "Delete {what}? The rollout files go to the trash. [y/N] "
    )?;
    stderr.flush()?;
    let mut answer = String::new();
    std::io::stdin().lock().read_line(&mut answer)?;
    if !matches!(answer.trim(), "y" | "Y" | "yes" | "Yes") {
        bail!("nothing was deleted");
    }
    Ok(())
}
