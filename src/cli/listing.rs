//! `list`: threads newest first (or by size, or in a section's order), as a table for a
//! person or as JSON; and the one-line form of a thread the edit commands print.

use std::io::Write;
use std::path::{Path, PathBuf};

use chrono::Utc;

use super::{SortArg, stats, table};
use crate::export::thread_json;
use crate::manager::ThreadManager;
use crate::protocol::ThreadMemoryMode;
use crate::store::status::ThreadStatus;
use crate::store::{ListThreadsParams, SkippedEntry, SortKey, SourceFilter, StoredThread};
use crate::text::{one_line, single_line};

/// What `list` takes.
#[derive(Debug, clap::Args)]
pub struct ListArgs {
    /// List archived threads instead of active ones.
    #[arg(long)]
    pub archived: bool,
    /// List the threads our delete moved to the trash instead (newest deletion first).
    #[arg(long, conflicts_with = "archived")]
    pub trash: bool,
    #[arg(long, value_enum, default_value_t = SortArg::Updated)]
    pub sort: SortArg,
    /// How many threads; 0 lists every thread.
    #[arg(long, default_value_t = 25)]
    pub limit: usize,
    /// Only threads started in this directory.
    #[arg(long, value_name = "DIR")]
    pub cwd: Option<PathBuf>,
    /// Only threads whose name or preview contains this text (any case).
    #[arg(long, value_name = "TEXT")]
    pub search: Option<String>,
    /// all, interactive (what Codex's resume picker lists: cli, vscode), or one source as
    /// Codex names it (cli, exec, vscode, mcp, …).
    #[arg(long, value_name = "SOURCE", default_value = "all")]
    pub source: String,
    /// Only threads of this status: working, waiting, idle, done, failed, interrupted.
    #[arg(long, value_name = "STATUS")]
    pub status: Option<ThreadStatus>,
    /// Only threads Codex counts as unread.
    #[arg(long)]
    pub unread: bool,
    /// Only threads that need you: waiting, or finished or failed and unread.
    #[arg(long)]
    pub attention: bool,
    /// Only the threads pinned in Codex, in Codex's order.
    #[arg(long)]
    pub pinned: bool,
    /// Only the threads of this Codex section (a name or an id), in the section's order.
    #[arg(long, value_name = "SECTION")]
    pub section: Option<String>,
    /// Only the threads of this Codex project (a name or an id).
    #[arg(long, value_name = "PROJECT")]
    pub project: Option<String>,
    #[arg(long)]
    pub json: bool,
}

/// `list` without `--trash`.
pub(super) async fn list(
    manager: &ThreadManager,
    args: ListArgs,
    out: &mut dyn Write,
) -> anyhow::Result<()> {
    let ListArgs {
        archived,
        sort,
        limit,
        cwd,
        search,
        source,
        status,
        unread,
        attention,
        pinned,
        section,
        project,
        json,
        trash: _,
    } = args;
    let section_id = super::curate::section_filter(manager, pinned, section.as_deref()).await?;
    let project_id = match project {
        Some(project) => Some(manager.resolve_project(&project).await?.id),
        None => None,
    };
    let in_section_order = section_id.is_some();
    // Sizes are on disk, not in the listing's order: every thread is listed, then sorted.
    let by_size = matches!(sort, SortArg::Size);
    let params = ListThreadsParams {
        sort_key: match sort {
            SortArg::Updated | SortArg::Size => SortKey::UpdatedAt,
            SortArg::Created => SortKey::CreatedAt,
        },
        archived,
        cwd_filters: cwd.map(|dir| vec![normalize_dir(&dir)]),
        search_term: search,
        source: SourceFilter::parse(&source),
        status,
        unread_only: unread,
        attention_only: attention,
        // A section is listed whole, then put in its own order.
        page_size: if in_section_order || by_size {
            0
        } else {
            limit
        },
        section_id,
        project_id,
        ..Default::default()
    };
    // The usage cache is read while the listing is made: both read every thread.
    let preload_usage = async {
        if json {
            stats::preload_usage(manager).await;
        }
    };
    let (page, ()) = tokio::join!(manager.list_threads(params), preload_usage);
    let mut page = page?;
    if in_section_order {
        crate::store::listing::sort_by_section_position(&mut page.items);
        if limit > 0 {
            page.items.truncate(limit);
        }
    }
    if by_size {
        crate::prune::sort_largest_first(&mut page.items);
        if limit > 0 {
            page.items.truncate(limit);
        }
    }
    warn_skipped(&page.skipped);
    let now = Utc::now();
    if json {
        let figures = stats::figures_of(manager, &page.items).await?;
        let threads: Vec<stats::ListedThreadJson> = page
            .items
            .iter()
            .map(|thread| {
                stats::ListedThreadJson::new(
                    thread_json(thread, manager.is_live(thread, now)),
                    figures.get(&thread.thread_id),
                )
            })
            .collect();
        serde_json::to_writer_pretty(&mut *out, &threads)?;
        writeln!(out)?;
    } else {
        write_thread_table(out, &page.items, table::output_width())?;
    }
    Ok(())
}

/// One line on stderr per entry of the home that was passed over, naming it; the command
/// still succeeds with the rest. Sanitised: a file name can hold escape sequences.
pub(super) fn warn_skipped(skipped: &[SkippedEntry]) {
    let mut stderr = std::io::stderr().lock();
    for entry in skipped {
        let _ = writeln!(
            stderr,
            "codex-threads: skipped {}",
            single_line(&entry.to_string())
        );
    }
}

/// Relative `--cwd` values are taken from the current directory, as Codex records absolute paths.
fn normalize_dir(dir: &Path) -> PathBuf {
    std::path::absolute(dir).unwrap_or_else(|_| dir.to_path_buf())
}

pub(super) fn list_line(thread: &StoredThread) -> String {
    let branch = thread
        .git_info
        .as_ref()
        .and_then(|git| git.branch.as_deref())
        .unwrap_or("-");
    let unread = if thread.unread { "●" } else { " " };
    let line = format!(
        "{}  {}  {:<11} {}  {:<8}  {}  {}",
        thread.thread_id,
        thread.updated_at.format("%Y-%m-%d %H:%M"),
        thread.status.status.as_str(),
        unread,
        thread.memory_mode.as_str(),
        single_line(&one_line(branch, 24)),
        single_line(&one_line(thread.title(), 80)),
    );
    // Threads from a shared store say which machine and home they came from.
    match &thread.origin {
        Some(origin) => format!("{line}  [{}]", single_line(&one_line(&origin.label(), 60))),
        None => line,
    }
}

/// Memory mode under its column's header: `on` or `off`.
fn memory_label(mode: ThreadMemoryMode) -> &'static str {
    match mode {
        ThreadMemoryMode::Enabled => "on",
        ThreadMemoryMode::Disabled => "off",
    }
}

/// `list` for a person: a header and aligned columns, the title cut to the width.
fn write_thread_table(
    out: &mut dyn Write,
    threads: &[StoredThread],
    width: usize,
) -> std::io::Result<()> {
    let from_store = threads.iter().any(|thread| thread.origin.is_some());
    let mut columns = vec![
        table::Column::new("ID", 36),
        table::Column::new("UPDATED (UTC)", 16),
        table::Column::new("STATUS", 11),
        // Codex's unread mark; no room at all when nothing is unread.
        table::Column::new("", 1),
        table::Column::new("MEMORY", 3),
        table::Column::new("BRANCH", 16).shrinking(6),
    ];
    if from_store {
        columns.push(table::Column::new("ORIGIN", usize::MAX).shrinking(12));
    }
    columns.push(table::Column::new("TITLE", usize::MAX));
    let rows: Vec<Vec<String>> = threads
        .iter()
        .map(|thread| {
            let branch = thread
                .git_info
                .as_ref()
                .and_then(|git| git.branch.as_deref())
                .unwrap_or("-");
            let mut row = vec![
                thread.thread_id.to_string(),
                thread.updated_at.format("%Y-%m-%d %H:%M").to_string(),
                thread.status.status.as_str().to_string(),
                if thread.unread { "●" } else { "" }.to_string(),
                memory_label(thread.memory_mode).to_string(),
                single_line(branch),
            ];
            if from_store {
                let origin = thread.origin.as_ref().map(|origin| origin.label());
                row.push(single_line(origin.as_deref().unwrap_or("-")));
            }
            row.push(single_line(&one_line(thread.title(), 200)));
            row
        })
        .collect();
    table::write_table(out, &columns, &rows, width)
}
