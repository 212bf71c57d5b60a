//! `du`: where the bytes of a Codex home go, per day, month, project or directory.

use std::collections::HashMap;
use std::io::Write;

use serde::Serialize;

use super::stats::local_store;
use crate::manager::ThreadManager;
use crate::text::decimal_size;

#[derive(Clone, Copy, Debug, Default, PartialEq, Eq, clap::ValueEnum)]
pub enum DuBy {
    Day,
    #[default]
    Month,
    Project,
    Cwd,
}

#[derive(Debug, Default, Serialize)]
pub struct DuRow {
    pub key: String,
    /// Bytes on disk (a `.jsonl.zst` counts its compressed size).
    pub bytes: u64,
    pub threads: u64,
    pub archived_bytes: u64,
    pub compressed_threads: u64,
}

impl DuRow {
    fn add(&mut self, bytes: u64, archived: bool, compressed: bool) {
        self.bytes += bytes;
        self.threads += 1;
        if archived {
            self.archived_bytes += bytes;
        }
        if compressed {
            self.compressed_threads += 1;
        }
    }
}

#[derive(Debug, Serialize)]
pub struct DuReport {
    pub by: &'static str,
    pub groups: Vec<DuRow>,
    pub total: DuRow,
}

/// Every rollout of the home, active and archived, grouped. A thread's day is the one in its
/// file name (Codex names files in local time).
pub async fn du(
    manager: &ThreadManager,
    by: DuBy,
    json: bool,
    out: &mut dyn Write,
) -> anyhow::Result<()> {
    let store = local_store(manager)?;
    let mut groups: HashMap<String, DuRow> = HashMap::new();
    let mut total = DuRow {
        key: "total".to_string(),
        ..DuRow::default()
    };
    for archived in [false, true] {
        let home = store.home_usage(archived).await?;
        for skipped in &home.skipped {
            eprintln!("codex-threads: skipped {skipped}");
        }
        for rollout in home.rollouts {
            let file = &rollout.file;
            let usage = &rollout.usage;
            let key = match by {
                DuBy::Day => file.file_timestamp.format("%Y-%m-%d").to_string(),
                DuBy::Month => file.file_timestamp.format("%Y-%m").to_string(),
                DuBy::Project => crate::usage::project_of(usage),
                DuBy::Cwd => usage.cwd.clone().unwrap_or_default(),
            };
            let row = groups.entry(key.clone()).or_insert_with(|| DuRow {
                key,
                ..DuRow::default()
            });
            row.add(file.size, file.archived, file.compressed);
            total.add(file.size, file.archived, file.compressed);
        }
    }
    let mut groups: Vec<DuRow> = groups.into_values().collect();
    match by {
        DuBy::Day | DuBy::Month => groups.sort_by(|a, b| a.key.cmp(&b.key)),
        DuBy::Project | DuBy::Cwd => {
            groups.sort_by(|a, b| b.bytes.cmp(&a.bytes).then(a.key.cmp(&b.key)))
        }
    }
    let report = DuReport {
        by: match by {
            DuBy::Day => "day",
            DuBy::Month => "month",
            DuBy::Project => "project",
            DuBy::Cwd => "cwd",
        },
        groups,
        total,
    };
    if json {
        serde_json::to_writer_pretty(&mut *out, &report)?;
        writeln!(out)?;
        return Ok(());
    }
    writeln!(
        out,
        "{:>10}  {:>7}  {:>10}  {}",
        "bytes", "threads", "archived", report.by
    )?;
    for row in report.groups.iter().chain([&report.total]) {
        writeln!(
            out,
            "{:>10}  {:>7}  {:>10}  {}",
            decimal_size(row.bytes),
            row.threads,
            decimal_size(row.archived_bytes),
            crate::text::single_line(&row.key)
        )?;
    }
    Ok(())
}

/// `du THREAD`: where one thread's bytes go.
pub async fn du_thread(
    manager: &ThreadManager,
    id: crate::protocol::ThreadId,
    json: bool,
    out: &mut dyn Write,
) -> anyhow::Result<()> {
    let (thread, _) = manager.read_thread_now(id).await?;
    let Some(disk) = crate::prune::on_disk(&thread) else {
        anyhow::bail!("thread {id} has no rollout file on this machine");
    };
    let path = disk.path.clone();
    let used = tokio::task::spawn_blocking(move || crate::disk_use::disk_use(&path)).await??;
    if json {
        let report = serde_json::json!({
            "id": id.to_string(),
            "rollout_path": disk.path.display().to_string(),
            "bytes": disk.bytes,
            "compressed": disk.compressed,
            "usage": used,
        });
        serde_json::to_writer_pretty(&mut *out, &report)?;
        writeln!(out)?;
        return Ok(());
    }
    let whole = used.uncompressed_bytes.max(1);
    let share = |bytes: u64| format!("{:>5.1}%", bytes as f64 * 100.0 / whole as f64);
    let on_disk = if disk.compressed {
        format!(
            "{} on disk (.zst), {} of lines",
            decimal_size(disk.bytes),
            decimal_size(used.uncompressed_bytes)
        )
    } else {
        format!("{} on disk", decimal_size(disk.bytes))
    };
    writeln!(out, "{id}  {on_disk}, {} lines", used.lines)?;
    let rows = [
        (
            format!("inline images ({})", used.inline_images),
            used.inline_image_bytes,
        ),
        ("command output".to_string(), used.command_output_bytes),
        (
            "  of it repeated".to_string(),
            used.repeated_command_output_bytes,
        ),
    ];
    for (label, bytes) in rows {
        writeln!(
            out,
            "{:>10}  {}  {label}",
            decimal_size(bytes),
            share(bytes)
        )?;
    }
    if used.overlong_lines > 0 {
        writeln!(
            out,
            "{} lines over 8 MiB (scanned for images only)",
            used.overlong_lines
        )?;
    }
    if !used.inline_binary.is_empty() {
        writeln!(out, "inline binary (base64) by where it is:")?;
        for kind in &used.inline_binary {
            writeln!(
                out,
                "{:>10}  {}  {:>7}  {}",
                decimal_size(kind.bytes),
                share(kind.bytes),
                kind.items,
                kind.kind
            )?;
        }
    }
    writeln!(out, "by line kind:")?;
    for kind in &used.by_kind {
        writeln!(
            out,
            "{:>10}  {}  {:>7}  {}",
            decimal_size(kind.bytes),
            share(kind.bytes),
            kind.lines,
            crate::text::single_line(&kind.kind)
        )?;
    }
    Ok(())
}
