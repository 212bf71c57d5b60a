//! The edits of a thread's metadata and place: `rename`, `memory`, `mark`, `archive`,
//! `unarchive`, `private` and `public`. Each prints the thread as `list` shows it.

use std::io::Write;

use anyhow::bail;

use super::each::{report_failures, resolve_each};
use super::listing::list_line;
use super::{MemoryArg, ReadArg};
use crate::manager::ThreadManager;
use crate::protocol::ThreadId;
use crate::store::ThreadMetadataPatch;

/// `rename THREAD NAME` or `rename THREAD --clear`.
pub(super) async fn rename(
    manager: &ThreadManager,
    thread: &str,
    name: Option<&str>,
    clear: bool,
    out: &mut dyn Write,
) -> anyhow::Result<()> {
    let id = manager.resolve_thread(thread).await?;
    let name = if clear {
        None
    } else {
        let name = name.map(str::trim).unwrap_or("");
        if name.is_empty() {
            bail!("thread name must not be empty (use --clear to remove a name)");
        }
        Some(name.to_string())
    };
    let updated = manager
        .update_thread_metadata(id, ThreadMetadataPatch::rename(name), false)
        .await?;
    writeln!(out, "{}", list_line(&updated))?;
    Ok(())
}

/// `memory THREAD enabled|disabled`.
pub(super) async fn memory(
    manager: &ThreadManager,
    thread: &str,
    mode: MemoryArg,
    out: &mut dyn Write,
) -> anyhow::Result<()> {
    let id = manager.resolve_thread(thread).await?;
    let patch = ThreadMetadataPatch::memory_mode(mode.into());
    let updated = manager.update_thread_metadata(id, patch, false).await?;
    writeln!(out, "{}", list_line(&updated))?;
    Ok(())
}

/// `mark THREAD… read|unread`.
pub(super) async fn mark(
    manager: &ThreadManager,
    threads: &[String],
    state: ReadArg,
    out: &mut dyn Write,
) -> anyhow::Result<()> {
    let read = matches!(state, ReadArg::Read);
    let ids = resolve_each(manager, threads).await;
    let mut done = Vec::new();
    for (reference, id) in ids.resolved {
        let marked = async {
            let patch = ThreadMetadataPatch::read_state(read);
            let thread = manager.update_thread_metadata(id, patch, true).await?;
            writeln!(out, "{}", list_line(&thread))?;
            anyhow::Ok(())
        };
        done.push((reference, marked.await));
    }
    report_failures(ids.failed.into_iter().chain(done))
}

/// `archive THREAD… [--force]`.
pub(super) async fn archive_each(
    manager: &ThreadManager,
    threads: &[String],
    force: bool,
    out: &mut dyn Write,
) -> anyhow::Result<()> {
    let ids = resolve_each(manager, threads).await;
    let mut done = Vec::new();
    for (reference, id) in ids.resolved {
        done.push((reference, archive(manager, id, force, out).await));
    }
    report_failures(ids.failed.into_iter().chain(done))
}

async fn archive(
    manager: &ThreadManager,
    id: ThreadId,
    force: bool,
    out: &mut dyn Write,
) -> anyhow::Result<()> {
    let current = crate::prune::archive_unless_held(manager, id, force).await?;
    // The same line as `unarchive` prints: the thread as `list` shows it.
    writeln!(out, "archived {}", list_line(&current))?;
    Ok(())
}

/// `unarchive THREAD…`.
pub(super) async fn unarchive_each(
    manager: &ThreadManager,
    threads: &[String],
    out: &mut dyn Write,
) -> anyhow::Result<()> {
    let ids = resolve_each(manager, threads).await;
    let mut done = Vec::new();
    for (reference, id) in ids.resolved {
        let unarchived = async {
            let thread = manager.unarchive_thread(id).await?;
            writeln!(out, "unarchived {}", list_line(&thread))?;
            anyhow::Ok(())
        };
        done.push((reference, unarchived.await));
    }
    report_failures(ids.failed.into_iter().chain(done))
}

/// `private` / `public`: marks threads in the home's own state (`ThreadManager::set_private`).
pub(super) async fn mark_private(
    manager: &ThreadManager,
    references: &[String],
    private: bool,
    out: &mut dyn Write,
) -> anyhow::Result<()> {
    let ids = resolve_each(manager, references).await;
    let resolved: Vec<ThreadId> = ids.resolved.iter().map(|(_, id)| *id).collect();
    let mut done = Vec::new();
    let outcome = manager.set_private(resolved, private).await;
    for (reference, id) in ids.resolved {
        let result = match &outcome {
            Ok(()) => {
                let what = if private { "private" } else { "public" };
                writeln!(out, "{what} {id}")?;
                Ok(())
            }
            Err(err) => Err(anyhow::anyhow!("{err}")),
        };
        done.push((reference, result));
    }
    report_failures(ids.failed.into_iter().chain(done))
}
