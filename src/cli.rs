//! The command line: subcommands over the same `ThreadManager` the TUI uses.

mod curate;
mod docs;
mod du;
mod prune;
mod search_output;
mod stats;
mod table;
mod trash;
mod version;

use std::io::Write;
use std::path::{Path, PathBuf};
use std::sync::Arc;

use anyhow::{Context, bail};
use chrono::{NaiveDate, Utc};
use clap::{Parser, Subcommand, ValueEnum};
use serde_json::json;

use crate::demo::{DemoHome, LiveSession};
use crate::export::{self, ExportFormat, thread_json};
use crate::launch::resume_launch;
use crate::manager::ThreadManager;
use crate::protocol::{RolloutItem, ThreadId, ThreadMemoryMode};
use crate::redact::Redactor;
use crate::rollout::{HomePresence, check_home};
use crate::store::local::{LocalStoreOptions, LocalThreadStore};
use crate::store::pg::{PgThreadStore, redact_url};
use crate::store::status::ThreadStatus;
use crate::store::{
    HistoryDirection, HistoryLine, ListThreadsParams, ReadHistoryPageParams, ReadThreadParams,
    SearchParams, SkippedEntry, SortKey, SourceFilter, StoredThread, ThreadMetadataPatch,
};
use crate::text::{one_line, single_line};
use crate::tui::config::{Config, user_config_path};
use crate::tui::{TuiOptions, run_tui};
use crate::usage::GroupBy;

pub use version::VERIFIED_CODEX_RELEASES;

#[derive(Debug, Parser)]
#[command(
    name = "codex-threads",
    version,
    long_version = version::LONG_VERSION,
    about = "Browse, follow and curate Codex CLI threads"
)]
pub struct Cli {
    /// The Codex home (default: $CODEX_HOME, else ~/.codex).
    #[arg(long, global = true, value_name = "DIR")]
    pub codex_home: Option<PathBuf>,
    /// Use an embedded demo home (a fresh temporary copy) instead of a real one.
    #[arg(long, global = true)]
    pub demo: bool,
    /// The TUI lists threads of these sources: all, interactive (what Codex's resume picker
    /// lists: cli, vscode), or one source as Codex names it (cli, exec, vscode, mcp, …).
    #[arg(long, value_name = "SOURCE", default_value = "all")]
    pub source: String,
    /// Use a shared PostgreSQL store instead of a Codex home (also $CODEX_THREADS_STORE, or
    /// `store` in the config file): postgresql://user@host:port/db, or ?host=/socket/dir&port=N.
    #[arg(long, global = true, value_name = "URL")]
    pub store: Option<String>,
    #[command(subcommand)]
    pub command: Option<Command>,
}

#[derive(Debug, Subcommand)]
pub enum Command {
    /// List threads, newest first.
    List {
        /// List archived threads instead of active ones.
        #[arg(long)]
        archived: bool,
        /// List the threads our delete moved to the trash instead (newest deletion first).
        #[arg(long, conflicts_with = "archived")]
        trash: bool,
        #[arg(long, value_enum, default_value_t = SortArg::Updated)]
        sort: SortArg,
        /// How many threads; 0 lists every thread.
        #[arg(long, default_value_t = 25)]
        limit: usize,
        /// Only threads started in this directory.
        #[arg(long, value_name = "DIR")]
        cwd: Option<PathBuf>,
        /// Only threads whose name or preview contains this text (any case).
        #[arg(long, value_name = "TEXT")]
        search: Option<String>,
        /// all, interactive (what Codex's resume picker lists: cli, vscode), or one source as
        /// Codex names it (cli, exec, vscode, mcp, …).
        #[arg(long, value_name = "SOURCE", default_value = "all")]
        source: String,
        /// Only threads of this status: working, waiting, idle, done, failed, interrupted.
        #[arg(long, value_name = "STATUS")]
        status: Option<ThreadStatus>,
        /// Only threads Codex counts as unread.
        #[arg(long)]
        unread: bool,
        /// Only threads that need you: waiting, or finished or failed and unread.
        #[arg(long)]
        attention: bool,
        /// Only the threads pinned in Codex, in Codex's order.
        #[arg(long)]
        pinned: bool,
        /// Only the threads of this Codex section (a name or an id), in the section's order.
        #[arg(long, value_name = "SECTION")]
        section: Option<String>,
        /// Only the threads of this Codex project (a name or an id).
        #[arg(long, value_name = "PROJECT")]
        project: Option<String>,
        #[arg(long)]
        json: bool,
    },
    /// Pin threads in Codex (its built-in "Pinned" section; a thread is in one section at a
    /// time, so pinning takes it out of another).
    Pin {
        #[arg(required = true, value_name = "THREAD")]
        threads: Vec<String>,
    },
    /// Unpin threads pinned in Codex.
    Unpin {
        #[arg(required = true, value_name = "THREAD")]
        threads: Vec<String>,
    },
    /// Codex's sections: list, create, rename, delete, and move a thread into or out of one.
    #[command(subcommand)]
    Section(curate::SectionCommand),
    /// Codex's projects: list them, and set or clear a thread's project.
    #[command(subcommand)]
    Project(curate::ProjectCommand),
    /// Tokens and cost per day, week, month, model, project, directory or thread, from Codex's
    /// own token records (each model call counted once; a fork's copied calls are not its own).
    Stats {
        #[arg(long, value_enum, default_value_t = GroupBy::Day)]
        by: GroupBy,
        /// Only calls on or after this day (UTC), YYYY-MM-DD.
        #[arg(long, value_name = "DATE")]
        since: Option<NaiveDate>,
        /// Only calls on or before this day (UTC), YYYY-MM-DD.
        #[arg(long, value_name = "DATE")]
        until: Option<NaiveDate>,
        /// all, interactive, or one source as Codex names it (cli, exec, vscode, mcp, …).
        #[arg(long, value_name = "SOURCE", default_value = "all")]
        source: String,
        /// Count archived threads too.
        #[arg(long)]
        archived: bool,
        #[arg(long)]
        json: bool,
    },
    /// Bytes on disk per day, month, project or directory (active and archived rollouts).
    Du {
        /// One thread instead: what part of its bytes is inline images and repeated command
        /// output, and the bytes per line kind (streamed).
        #[arg(value_name = "THREAD")]
        thread: Option<String>,
        #[arg(long, value_enum, default_value_t = du::DuBy::Month)]
        by: du::DuBy,
        #[arg(long)]
        json: bool,
    },
    /// Archive, trash or compress the threads picked by age, size and source (never one open
    /// in Codex): says what it would do and the bytes, and asks first unless --yes.
    Prune {
        #[command(flatten)]
        args: prune::PruneArgs,
    },
    /// Mark threads read or unread, where Codex keeps read state (its clients agree).
    Mark {
        #[arg(required = true, value_name = "THREAD")]
        threads: Vec<String>,
        #[arg(value_enum)]
        state: ReadArg,
    },
    /// Show a thread's metadata and history, as the TUI shows it.
    Show {
        /// A full id, a unique id prefix, or an exact thread name.
        thread: String,
        /// The metadata and the rollout lines as stored, as one JSON document.
        #[arg(long, conflicts_with = "raw")]
        json: bool,
        /// One line per rollout line: its time, record kind and text.
        #[arg(long)]
        raw: bool,
    },
    /// Name a thread (where Codex reads names), or clear its name.
    Rename {
        thread: String,
        #[arg(required_unless_present = "clear", conflicts_with = "clear")]
        name: Option<String>,
        #[arg(long)]
        clear: bool,
    },
    /// Allow or forbid Codex to generate memories from a thread.
    Memory {
        thread: String,
        #[arg(value_enum)]
        mode: MemoryArg,
    },
    /// Search message text, command output and tool arguments across threads (smart case:
    /// any case unless the query has capitals).
    Search {
        query: String,
        /// Search archived threads too.
        #[arg(long)]
        archived: bool,
        /// JSON Lines: one object per hit.
        #[arg(long)]
        json: bool,
    },
    /// Move threads into archived_sessions/.
    Archive {
        #[arg(required = true, value_name = "THREAD")]
        threads: Vec<String>,
        /// Archive even when a Codex process has the thread open.
        #[arg(long)]
        force: bool,
    },
    /// Move archived threads back into sessions/.
    Unarchive {
        #[arg(required = true, value_name = "THREAD")]
        threads: Vec<String>,
    },
    /// Delete threads as Codex does, moving their rollouts to the trash
    /// ($XDG_DATA_HOME/Trash) so that they can be restored.
    Delete {
        #[arg(required = true, value_name = "THREAD")]
        threads: Vec<String>,
        /// Do not ask first (needed when stdin is not a terminal).
        #[arg(long)]
        yes: bool,
        /// Say what would go to the trash, and change nothing.
        #[arg(long)]
        dry_run: bool,
    },
    /// Put deleted threads back from the trash where they were, named as they were (THREAD:
    /// an id, an id prefix, or the name it had).
    Restore {
        #[arg(required = true, value_name = "THREAD")]
        threads: Vec<String>,
        /// Say what would be restored, and change nothing.
        #[arg(long)]
        dry_run: bool,
        #[arg(long)]
        json: bool,
    },
    /// Resume a thread in Codex: runs `codex resume ID` (codex_command in the config) in the
    /// thread's directory and exits with its status.
    Resume {
        /// A full id, a unique id prefix, or an exact thread name.
        thread: String,
    },
    /// Push this Codex home's threads into a shared PostgreSQL store (incremental).
    Sync {
        /// The store: postgresql://user@host:port/db (a unix socket as ?host=/dir&port=N).
        #[arg(long, value_name = "URL")]
        to: String,
        /// Keep following the home: new lines and threads reach the store within a second.
        #[arg(long)]
        watch: bool,
        /// Push lines as they are, secrets included (redaction is on by default).
        #[arg(long)]
        no_redact: bool,
    },
    /// Keep threads at home: `sync` does not push them, and removes them from the store at its
    /// next pass. Kept in codex-threads' own state; Codex's files are untouched.
    Private {
        #[arg(required = true, value_name = "THREAD")]
        threads: Vec<String>,
    },
    /// Let `sync` push threads marked private again.
    Public {
        #[arg(required = true, value_name = "THREAD")]
        threads: Vec<String>,
    },
    /// Export a thread's history, streamed: Markdown to paste into an issue, or JSON.
    Export {
        /// A full id, a unique id prefix, or an exact thread name.
        thread: String,
        #[arg(long, value_enum, default_value_t = ExportFormat::Markdown)]
        format: ExportFormat,
        /// Write to FILE instead of stdout (a temporary file renamed into place when complete).
        #[arg(short = 'o', long = "output", value_name = "FILE")]
        output: Option<PathBuf>,
        /// Replace secrets as `sync` does (the rules and the `[redact]` config), before rendering.
        #[arg(long)]
        redact: bool,
    },
    /// Print a shell completion script: `codex-threads completions bash > FILE` (see the
    /// README for where each shell looks).
    Completions {
        #[arg(value_enum)]
        shell: clap_complete::Shell,
    },
    /// Print the man page (roff): `codex-threads man > codex-threads.1`.
    Man,
}

#[derive(Clone, Copy, Debug, ValueEnum)]
pub enum SortArg {
    Updated,
    Created,
    /// Largest rollout on disk first.
    Size,
}

#[derive(Clone, Copy, Debug, ValueEnum)]
pub enum ReadArg {
    Read,
    Unread,
}

#[derive(Clone, Copy, Debug, ValueEnum)]
pub enum MemoryArg {
    Enabled,
    Disabled,
}

impl From<MemoryArg> for ThreadMemoryMode {
    fn from(mode: MemoryArg) -> Self {
        match mode {
            MemoryArg::Enabled => ThreadMemoryMode::Enabled,
            MemoryArg::Disabled => ThreadMemoryMode::Disabled,
        }
    }
}

/// `--codex-home`, else `$CODEX_HOME`, else `~/.codex`.
pub fn codex_home(explicit: Option<&Path>) -> anyhow::Result<PathBuf> {
    if let Some(home) = explicit {
        return Ok(home.to_path_buf());
    }
    if let Some(home) = std::env::var_os("CODEX_HOME").filter(|home| !home.is_empty()) {
        return Ok(PathBuf::from(home));
    }
    let user_home =
        dirs::home_dir().context("cannot find the home directory; pass --codex-home")?;
    Ok(user_home.join(".codex"))
}

/// A manager over the local store of an existing Codex home.
pub fn open_manager(home: &Path) -> anyhow::Result<Arc<ThreadManager>> {
    require_home(home)?;
    let store = LocalThreadStore::open(home, LocalStoreOptions::from_env());
    Ok(Arc::new(ThreadManager::new(Arc::new(store))))
}

/// Fails unless `home` is a readable directory, saying what it is instead.
fn require_home(home: &Path) -> anyhow::Result<()> {
    match check_home(home)? {
        HomePresence::Present => Ok(()),
        HomePresence::Missing => bail!("Codex home {} does not exist", home.display()),
    }
}

/// A manager over a fresh copy of the demo home: nothing of it is kept in our own cache or
/// state directories (no summary index, read marks in memory).
fn demo_manager(home: &Path) -> Arc<ThreadManager> {
    let store = LocalThreadStore::open(home, LocalStoreOptions::default());
    Arc::new(ThreadManager::new(Arc::new(store)))
}

/// Runs one subcommand, writing its output to `out`.
pub async fn run_command(
    manager: &ThreadManager,
    command: Command,
    out: &mut dyn Write,
) -> anyhow::Result<()> {
    match command {
        Command::List {
            trash: true, json, ..
        } => trash::list(manager, json, out).await?,
        Command::List {
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
            trash: false,
        } => {
            let section_id = curate::section_filter(manager, pinned, section.as_deref()).await?;
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
            let mut page = manager.list_threads(params).await?;
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
        }
        Command::Pin { threads } => curate::pin(manager, &threads, true, out).await?,
        Command::Unpin { threads } => curate::pin(manager, &threads, false, out).await?,
        Command::Section(command) => curate::section(manager, command, out).await?,
        Command::Project(command) => curate::project(manager, command, out).await?,
        Command::Stats {
            by,
            since,
            until,
            source,
            archived,
            json,
        } => {
            let args = stats::StatsArgs {
                by,
                since,
                until,
                source,
                archived,
                json,
            };
            stats::stats(manager, args, out).await?;
        }
        Command::Du {
            thread: Some(thread),
            json,
            ..
        } => {
            let id = manager.resolve_thread(&thread).await?;
            du::du_thread(manager, id, json, out).await?;
        }
        Command::Du {
            thread: None,
            by,
            json,
        } => du::du(manager, by, json, out).await?,
        Command::Prune { args } => prune::prune(manager, args, out).await?,
        Command::Show { thread, json, raw } => {
            let id = manager.resolve_thread(&thread).await?;
            if json || raw {
                show(manager, id, json, out).await?;
            } else {
                show_history(manager, id, table::output_width(), out).await?;
            }
        }
        Command::Rename {
            thread,
            name,
            clear,
        } => {
            let id = manager.resolve_thread(&thread).await?;
            let name = if clear {
                None
            } else {
                let name = name.as_deref().map(str::trim).unwrap_or("");
                if name.is_empty() {
                    bail!("thread name must not be empty (use --clear to remove a name)");
                }
                Some(name.to_string())
            };
            let updated = manager
                .update_thread_metadata(id, ThreadMetadataPatch::rename(name), false)
                .await?;
            writeln!(out, "{}", list_line(&updated))?;
        }
        Command::Memory { thread, mode } => {
            let id = manager.resolve_thread(&thread).await?;
            let patch = ThreadMetadataPatch::memory_mode(mode.into());
            let updated = manager.update_thread_metadata(id, patch, false).await?;
            writeln!(out, "{}", list_line(&updated))?;
        }
        Command::Mark { threads, state } => {
            let read = matches!(state, ReadArg::Read);
            let ids = resolve_each(manager, &threads).await;
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
            report_failures(ids.failed.into_iter().chain(done))?;
        }
        Command::Search {
            query,
            archived,
            json,
        } => search(manager, query, archived, json, out).await?,
        Command::Archive { threads, force } => {
            let ids = resolve_each(manager, &threads).await;
            let mut done = Vec::new();
            for (reference, id) in ids.resolved {
                done.push((reference, archive(manager, id, force, out).await));
            }
            report_failures(ids.failed.into_iter().chain(done))?;
        }
        Command::Unarchive { threads } => {
            let ids = resolve_each(manager, &threads).await;
            let mut done = Vec::new();
            for (reference, id) in ids.resolved {
                let unarchived = async {
                    let thread = manager.unarchive_thread(id).await?;
                    writeln!(out, "unarchived {}", list_line(&thread))?;
                    anyhow::Ok(())
                };
                done.push((reference, unarchived.await));
            }
            report_failures(ids.failed.into_iter().chain(done))?;
        }
        Command::Delete {
            threads,
            dry_run: true,
            ..
        } => {
            let ids = resolve_each(manager, &threads).await;
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
            report_failures(ids.failed.into_iter().chain(done))?;
        }
        Command::Delete { threads, yes, .. } => {
            let ids = resolve_each(manager, &threads).await;
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
            report_failures(ids.failed.into_iter().chain(done))?;
        }
        Command::Restore {
            threads,
            dry_run,
            json,
        } => trash::restore(manager, &threads, dry_run, json, out).await?,
        Command::Resume { thread } => {
            let id = manager.resolve_thread(&thread).await?;
            let thread = manager
                .read_thread(ReadThreadParams {
                    thread_id: id,
                    include_archived: true,
                    include_history: false,
                })
                .await?;
            out.flush()?;
            resume_in_codex(&thread)?;
        }
        Command::Sync { .. } => bail!("sync runs on a Codex home, not on a store"),
        Command::Completions { shell } => docs::write_completions(shell, out)?,
        Command::Man => docs::write_man_page(out)?,
        Command::Private { threads } => mark_private(manager, &threads, true, out).await?,
        Command::Public { threads } => mark_private(manager, &threads, false, out).await?,
        Command::Export {
            thread,
            format,
            output,
            redact,
        } => {
            let id = manager.resolve_thread(&thread).await?;
            let redactor = if redact {
                Some(
                    user_sync_policy(true)?
                        .redactor
                        .unwrap_or_else(Redactor::builtin),
                )
            } else {
                None
            };
            match output {
                Some(path) => {
                    export::export_to_file_with(manager, id, format, &path, redactor.as_ref())
                        .await?;
                }
                None => {
                    export::export_thread_with(manager, id, format, &mut *out, redactor.as_ref())
                        .await?;
                }
            }
        }
    }
    Ok(())
}

/// `private` / `public`: marks threads in the home's own state (see `LocalThreadStore`).
async fn mark_private(
    manager: &ThreadManager,
    references: &[String],
    private: bool,
    out: &mut dyn Write,
) -> anyhow::Result<()> {
    let Some(home) = manager.store().as_any().downcast_ref::<LocalThreadStore>() else {
        bail!(
            "private and public mark threads of a Codex home, which its sync then keeps at home; \
             run them without --store"
        );
    };
    let ids = resolve_each(manager, references).await;
    let resolved: Vec<ThreadId> = ids.resolved.iter().map(|(_, id)| *id).collect();
    let mut done = Vec::new();
    let outcome = home.set_private(&resolved, private);
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

/// What `sync` and `export --redact` read from the user's config.
fn user_sync_policy(redact: bool) -> anyhow::Result<crate::sync::SyncPolicy> {
    crate::sync::SyncPolicy::load(user_config_path().as_deref(), redact)
}

/// The references a command was given: those that name a thread, and why the others do not.
struct Resolved {
    resolved: Vec<(String, ThreadId)>,
    failed: Vec<(String, anyhow::Result<()>)>,
}

async fn resolve_each(manager: &ThreadManager, references: &[String]) -> Resolved {
    let mut resolved = Resolved {
        resolved: Vec::new(),
        failed: Vec::new(),
    };
    for reference in references {
        match manager.resolve_thread(reference).await {
            Ok(id) if resolved.resolved.iter().any(|(_, seen)| *seen == id) => {}
            Ok(id) => resolved.resolved.push((reference.clone(), id)),
            Err(err) => resolved.failed.push((reference.clone(), Err(err.into()))),
        }
    }
    resolved
}

/// Failures of a command over several threads, already printed one a line on stderr; the
/// others were done.
#[derive(Debug, thiserror::Error)]
#[error("{failed} of the threads failed")]
pub struct FailuresReported {
    pub failed: usize,
}

/// Prints each failure as one line on stderr (`codex-threads: THREAD: reason`); fails when
/// there was any.
fn report_failures(
    outcomes: impl IntoIterator<Item = (String, anyhow::Result<()>)>,
) -> anyhow::Result<()> {
    let mut failed = 0;
    for (reference, outcome) in outcomes {
        if let Err(err) = outcome {
            failed += 1;
            let message = format!("{err:#}").replace('\n', " ");
            eprintln!(
                "codex-threads: {}: {}",
                single_line(&reference),
                single_line(&message)
            );
        }
    }
    if failed > 0 {
        return Err(FailuresReported { failed }.into());
    }
    Ok(())
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

async fn search(
    manager: &ThreadManager,
    query: String,
    include_archived: bool,
    json: bool,
    out: &mut dyn Write,
) -> anyhow::Result<()> {
    let mut run = manager.search(SearchParams {
        query,
        include_archived,
        thread_id: None,
        max_hits_per_thread: None,
    });
    let mut printer = search_output::HitPrinter::new(table::output_width());
    while let Some(hit) = run.hits.recv().await {
        if json {
            writeln!(out, "{}", serde_json::to_string(&hit)?)?;
        } else {
            // What has arrived is printed together, grouped by thread (the rollouts are
            // searched in parallel, so their hits arrive interleaved).
            let mut batch = vec![hit];
            while batch.len() < search_output::MAX_BATCH
                && let Ok(hit) = run.hits.try_recv()
            {
                batch.push(hit);
            }
            printer.print_batch(manager, batch, out).await?;
        }
        // Hits stream: whatever has been found is shown before waiting for more.
        if run.hits.is_empty() {
            out.flush()?;
        }
    }
    let stats = run.done.await??;
    warn_skipped(&stats.skipped);
    Ok(())
}

/// One line on stderr per entry of the home that was passed over, naming it; the command
/// still succeeds with the rest. Sanitised: a file name can hold escape sequences.
fn warn_skipped(skipped: &[SkippedEntry]) {
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

/// How many history lines `show` reads at a time; the whole rollout is never held in memory.
const SHOW_PAGE: usize = 256;

async fn show(
    manager: &ThreadManager,
    id: ThreadId,
    json: bool,
    out: &mut dyn Write,
) -> anyhow::Result<()> {
    let (thread, live) = manager.read_thread_now(id).await?;
    if json {
        let head = serde_json::to_string_pretty(&thread_json(&thread, live))?;
        write!(out, "{{\"thread\":{head},\"items\":[")?;
    } else {
        export::write_text_header(out, &thread)?;
    }
    let mut anchor = None;
    let mut first = true;
    loop {
        let page = match manager
            .read_history_page(ReadHistoryPageParams {
                thread_id: id,
                include_archived: true,
                anchor,
                direction: HistoryDirection::Forward,
                limit: SHOW_PAGE,
                include_raw: json,
            })
            .await
        {
            Ok(page) => page,
            Err(err) => {
                // What was read stays printed; the error (which names the file and where it
                // stopped) ends the command. The JSON document is closed, with the error in it.
                if json {
                    let error = serde_json::to_string(&err.to_string())?;
                    writeln!(out, "\n],\"error\":{error}}}")?;
                }
                return Err(err.into());
            }
        };
        for line in &page.lines {
            if json {
                let separator = if std::mem::take(&mut first) { "" } else { "," };
                write!(out, "{separator}\n{}", history_line_json(line))?;
            } else {
                writeln!(out, "{}", history_line_text(line))?;
            }
        }
        if page.at_end || page.lines.is_empty() {
            break;
        }
        anchor = Some(page.end);
    }
    if json {
        writeln!(out, "\n]}}")?;
    }
    Ok(())
}

/// `show`: the history as the TUI shows it, folded item by item as it is read. Lines read
/// before an error are still printed; the error (naming the file and where) ends the command.
async fn show_history(
    manager: &ThreadManager,
    id: ThreadId,
    width: usize,
    out: &mut dyn Write,
) -> anyhow::Result<()> {
    let (thread, live) = manager.read_thread_now(id).await?;
    let mut exporter =
        export::Exporter::start(ExportFormat::Text, &thread, live, out)?.with_width(width);
    let mut anchor = None;
    loop {
        let page = manager
            .read_history_page(ReadHistoryPageParams {
                thread_id: id,
                include_archived: true,
                anchor,
                direction: HistoryDirection::Forward,
                limit: SHOW_PAGE,
                include_raw: false,
            })
            .await;
        let page = match page {
            Ok(page) => page,
            Err(err) => {
                exporter.finish()?;
                return Err(err.into());
            }
        };
        exporter.push_page(&page.lines)?;
        if page.at_end || page.lines.is_empty() {
            break;
        }
        anchor = Some(page.end);
    }
    exporter.finish()?;
    Ok(())
}

/// A rollout line exactly as stored; a line that is not valid JSON is reported instead, and
/// one too long to read is reported with its size.
fn history_line_json(line: &HistoryLine) -> String {
    match (&line.line, &line.raw) {
        (Ok(decoded), _) if let RolloutItem::Omitted(omitted) = &decoded.item => json!({
            "omitted_line": {
                "timestamp": decoded.timestamp,
                "type": omitted.kind,
                "bytes": omitted.bytes,
                "limit": omitted.limit,
                "note": omitted.describe(),
            }
        })
        .to_string(),
        (Ok(_), Some(raw)) => raw.clone(),
        (Ok(decoded), None) => decoded.encode(),
        (Err(error), _) => json!({ "invalid_line": error }).to_string(),
    }
}

fn list_line(thread: &StoredThread) -> String {
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

/// `list` for a person: a header and aligned columns, the title cut to the width.
/// Memory mode under its column's header: `on` or `off`.
fn memory_label(mode: ThreadMemoryMode) -> &'static str {
    match mode {
        ThreadMemoryMode::Enabled => "on",
        ThreadMemoryMode::Disabled => "off",
    }
}

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

/// One line per history item: its time, kind and a short text.
fn history_line_text(line: &HistoryLine) -> String {
    let (time, kind, text) = match &line.line {
        Ok(decoded) => {
            let time = decoded.timestamp.get(11..19).unwrap_or("").to_string();
            (
                time,
                crate::text::item_kind(&decoded.item),
                crate::text::item_text(&decoded.item),
            )
        }
        Err(error) => (String::new(), "invalid".to_string(), error.clone()),
    };
    format!(
        "{time:>8}  {kind:<36}  {}",
        single_line(&one_line(&text, 160))
    )
}

/// Replaces this process with Codex resuming `thread` (on Unix; elsewhere it runs Codex and
/// exits with its status). Returns only when Codex could not be started.
fn resume_in_codex(thread: &StoredThread) -> anyhow::Result<()> {
    let config_path = user_config_path();
    let config_label = config_path.as_deref().map_or_else(
        || "the config file".to_string(),
        |path| path.display().to_string(),
    );
    let codex_command = match Config::load(config_path.as_deref(), true) {
        Ok((config, _)) => config.codex_command,
        Err(err) => {
            eprintln!("codex-threads: {err} (using codex_command = \"codex\")");
            crate::launch::DEFAULT_CODEX_COMMAND.to_string()
        }
    };
    let here = std::env::current_dir().context("cannot read the current directory")?;
    let launch = resume_launch(
        &codex_command,
        thread.thread_id,
        &thread.cwd,
        thread.origin.as_ref(),
        &here,
        &config_label,
    )?;
    if let Some(note) = &launch.note {
        eprintln!("codex-threads: {note}");
    }
    let mut command = launch.command();
    #[cfg(unix)]
    {
        use std::os::unix::process::CommandExt;
        let err = command.exec();
        Err(err).with_context(|| format!("cannot start {}", launch.program.display()))
    }
    #[cfg(not(unix))]
    {
        let status = command
            .status()
            .with_context(|| format!("cannot start {}", launch.program.display()))?;
        std::process::exit(status.code().unwrap_or(1));
    }
}

/// Runs what the command line asked for: a subcommand, or the TUI.
pub async fn run(cli: Cli) -> anyhow::Result<()> {
    // About the program itself: no home or store is opened.
    if let Some(command @ (Command::Completions { .. } | Command::Man)) = cli.command {
        let mut out = std::io::BufWriter::new(std::io::stdout().lock());
        match command {
            Command::Completions { shell } => docs::write_completions(shell, &mut out)?,
            _ => docs::write_man_page(&mut out)?,
        }
        out.flush()?;
        return Ok(());
    }
    let home = codex_home(cli.codex_home.as_deref())?;
    if let Some(Command::Sync {
        to,
        watch,
        no_redact,
    }) = &cli.command
    {
        warn_password_on_command_line(to);
        return run_sync(&home, to, *watch, !*no_redact).await;
    }
    if let Some(url) = cli.store.as_deref() {
        warn_password_on_command_line(url);
    }
    if let Some(url) = store_url(cli.store.as_deref())? {
        let manager = open_store_manager(&url).await?;
        return match cli.command {
            Some(command) => {
                let stdout = std::io::stdout();
                let mut out = std::io::BufWriter::new(stdout.lock());
                run_command(&manager, command, &mut out).await?;
                out.flush()?;
                Ok(())
            }
            None => {
                let cwd = std::env::current_dir().unwrap_or_default();
                run_tui(manager, TuiOptions::new(cwd)).await
            }
        };
    }
    match cli.command {
        Some(command) => {
            // `--demo` with a subcommand runs it on a fresh copy of the demo home.
            let demo_home = cli.demo.then(DemoHome::create).transpose()?;
            let manager = match &demo_home {
                Some(demo) => demo_manager(demo.path()),
                None => open_manager(&home)?,
            };
            let stdout = std::io::stdout();
            let mut out = std::io::BufWriter::new(stdout.lock());
            run_command(&manager, command, &mut out).await?;
            out.flush()?;
            Ok(())
        }
        None => open_tui(&home, cli.demo, SourceFilter::parse(&cli.source)).await,
    }
}

/// The shared store to use: `--store`, else `$CODEX_THREADS_STORE`, else the `store` key of
/// `$XDG_CONFIG_HOME/codex-threads/config.toml`; `None`: the Codex home. A config file that
/// others may read is refused when its URL holds a password.
pub fn store_url(explicit: Option<&str>) -> anyhow::Result<Option<String>> {
    let non_empty = |url: &str| (!url.trim().is_empty()).then(|| url.trim().to_string());
    if let Some(url) = explicit {
        return Ok(non_empty(url));
    }
    if let Ok(url) = std::env::var("CODEX_THREADS_STORE") {
        return Ok(non_empty(&url));
    }
    let Some(path) = dirs::config_dir().map(|dir| dir.join("codex-threads").join("config.toml"))
    else {
        return Ok(None);
    };
    let Ok(text) = crate::rollout::read_regular_to_string(&path) else {
        return Ok(None);
    };
    let Some(url) = text
        .parse::<toml::Table>()
        .ok()
        .and_then(|config| config.get("store")?.as_str().and_then(non_empty))
    else {
        return Ok(None);
    };
    crate::store::pg::check_config_store_url(&path, &url)?;
    Ok(Some(url))
}

/// A password typed into a store URL shows in the process list and the shell's history.
fn warn_password_on_command_line(url: &str) {
    if crate::store::pg::url_has_password(url) {
        eprintln!(
            "codex-threads: warning: {}",
            crate::store::pg::COMMAND_LINE_PASSWORD
        );
    }
}

/// A manager over a shared PostgreSQL store. Errors name the store without its password.
pub async fn open_store_manager(url: &str) -> anyhow::Result<Arc<ThreadManager>> {
    let store = PgThreadStore::connect(url).await?;
    Ok(Arc::new(ThreadManager::new(Arc::new(store))))
}

/// `sync --to URL [--watch] [--no-redact]`: one line per pass on stderr (the URL shown without
/// password).
async fn run_sync(home: &Path, url: &str, watch: bool, redact: bool) -> anyhow::Result<()> {
    require_home(home)?;
    let policy = user_sync_policy(redact)?;
    if !redact {
        eprintln!(
            "codex-threads: warning: --no-redact: lines go to the store as they are, with any \
             keys, tokens and passwords in them, readable by everyone the store lets read them"
        );
    }
    let local = LocalThreadStore::open(home, LocalStoreOptions::from_env());
    let store = PgThreadStore::connect(url).await?;
    let origin = crate::sync::origin_of(home);
    let target = redact_url(url);
    let say = |report: &crate::sync::SyncReport, took: std::time::Duration| {
        for message in &report.not_owned {
            eprintln!("codex-threads: warning: {}", single_line(message));
        }
        if !watch || report.changed > 0 {
            eprintln!("codex-threads: {}", report.describe(&target, took));
        }
    };
    if watch {
        crate::sync::sync_watch_with(&local, &store, &origin, &policy, say).await?;
    } else {
        let started = std::time::Instant::now();
        let report = crate::sync::sync_once_with(&local, &store, &origin, &policy).await?;
        say(&report, started.elapsed());
    }
    Ok(())
}

/// The demo thread that plays live is started here, like the demo's other threads.
const DEMO_LIVE_CWD: &str = "/home/demo/src/widget";

/// How long the demo's live session pauses between steps: a human pace.
const DEMO_PACE: std::time::Duration = std::time::Duration::from_millis(1500);

/// Overrides the demo's pace in milliseconds; `0` plays the whole session at once, so the
/// screen settles (the README's screenshot is taken that way).
const DEMO_PACE_ENV: &str = "CODEX_THREADS_DEMO_PACE_MS";

fn demo_pace() -> std::time::Duration {
    std::env::var(DEMO_PACE_ENV)
        .ok()
        .and_then(|ms| ms.parse().ok())
        .map_or(DEMO_PACE, std::time::Duration::from_millis)
}

/// Opens the TUI on the Codex home, or on the embedded demo home when asked to or when there
/// is no Codex home at all. A home that is there but cannot be opened fails before the
/// terminal is taken, as the commands do: the demo would hide the mistake.
async fn open_tui(home: &Path, demo: bool, source: SourceFilter) -> anyhow::Result<()> {
    let cwd = std::env::current_dir().unwrap_or_default();
    let mut options = TuiOptions::new(cwd);
    options.source = source;
    if !demo && check_home(home)? == HomePresence::Present {
        return run_tui(open_manager(home)?, options).await;
    }
    let demo_home = DemoHome::create()?;
    let manager = demo_manager(demo_home.path());
    // The live thread is in the home before the list first loads; it plays on from there.
    let live = LiveSession::new(demo_pace())
        .start(manager.clone(), PathBuf::from(DEMO_LIVE_CWD))
        .await?;
    let live = tokio::spawn(live.play());
    options.banner = Some(if demo {
        demo_home.banner()
    } else {
        format!(
            "No Codex home at {} — {}",
            home.display(),
            demo_home.banner()
        )
    });
    let result = run_tui(manager, options).await;
    live.abort();
    result
}
