//! `list --trash` and `restore`: the threads our delete moved to the trash, and putting them
//! back.

use std::io::Write;

use chrono::{Local, NaiveDateTime, SecondsFormat, TimeZone};
use serde_json::json;

use super::report_failures;
use crate::manager::ThreadManager;
use crate::protocol::ThreadId;
use crate::store::{TrashedThread, resolve_trashed};
use crate::text::{decimal_size, one_line, single_line};

/// `list --trash`: newest deletion first.
pub async fn list(manager: &ThreadManager, json: bool, out: &mut dyn Write) -> anyhow::Result<()> {
    let trashed = manager.list_trash().await?;
    if json {
        let rows: Vec<serde_json::Value> = trashed.iter().map(trashed_json).collect();
        serde_json::to_writer_pretty(&mut *out, &rows)?;
        writeln!(out)?;
        return Ok(());
    }
    for thread in &trashed {
        writeln!(
            out,
            "{}  {}  {:>8}  {}  {}",
            thread.thread_id,
            thread.deleted_at.map_or_else(
                || "?".repeat(16),
                |at| at.format("%Y-%m-%d %H:%M").to_string()
            ),
            decimal_size(thread.size),
            single_line(&one_line(thread.title(), 80)),
            single_line(&thread.original_path.display().to_string()),
        )?;
    }
    Ok(())
}

fn trashed_json(thread: &TrashedThread) -> serde_json::Value {
    json!({
        "id": thread.thread_id.to_string(),
        "title": thread.title(),
        "name": thread.name,
        "preview": thread.preview,
        "original_path": thread.original_path.to_string_lossy(),
        "trashed_path": thread.trashed_path.to_string_lossy(),
        "deleted_at": thread.deleted_at.and_then(local_rfc3339),
        "size": thread.size,
    })
}

/// A `.trashinfo` date (local wall-clock time) with this machine's offset.
fn local_rfc3339(at: NaiveDateTime) -> Option<String> {
    Local
        .from_local_datetime(&at)
        .earliest()
        .map(|at| at.to_rfc3339_opts(SecondsFormat::Secs, false))
}

/// `restore THREAD…`: each found in the trash (an id, an id prefix, or the name it had), put
/// back, or with `dry_run` only checked.
pub async fn restore(
    manager: &ThreadManager,
    references: &[String],
    dry_run: bool,
    json: bool,
    out: &mut dyn Write,
) -> anyhow::Result<()> {
    let trashed = manager.list_trash().await?;
    let mut outcomes = Vec::new();
    let mut chosen: Vec<(String, ThreadId)> = Vec::new();
    for reference in references {
        match resolve_trashed(&trashed, reference) {
            Ok(id) if chosen.iter().any(|(_, seen)| *seen == id) => {}
            Ok(id) => chosen.push((reference.clone(), id)),
            Err(message) => outcomes.push((reference.clone(), Err(anyhow::anyhow!(message)))),
        }
    }
    let mut restored_json = Vec::new();
    for (reference, id) in chosen {
        let outcome = match manager.restore_thread(id, dry_run).await {
            Ok(restored) => {
                let title = trashed
                    .iter()
                    .find(|thread| thread.thread_id == id)
                    .map_or("", TrashedThread::title);
                let path = single_line(&restored.path.display().to_string());
                if json {
                    restored_json.push(json!({
                        "id": id.to_string(),
                        "path": restored.path.to_string_lossy(),
                        "dry_run": dry_run,
                        "rows_restored": restored.rows_restored,
                        "name_restored": restored.name_restored,
                    }));
                    Ok(())
                } else {
                    let verb = if dry_run { "would restore" } else { "restored" };
                    writeln!(
                        out,
                        "{verb} {id} “{}” to {path}",
                        single_line(&one_line(title, 80))
                    )
                    .map_err(Into::into)
                }
            }
            Err(err) => Err(err.into()),
        };
        outcomes.push((reference, outcome));
    }
    if json {
        serde_json::to_writer_pretty(&mut *out, &restored_json)?;
        writeln!(out)?;
    }
    report_failures(outcomes)
}
