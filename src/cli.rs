//! The command line: subcommands over the same `ThreadManager` the TUI uses.

mod curate;
mod delete;
mod docs;
mod du;
mod each;
mod edits;
mod export;
mod listing;
mod open;
mod prune;
mod resume;
mod search;
mod search_output;
mod show;
mod stats;
mod store_sync;
mod table;
mod trash;
mod version;

use std::io::Write;
use std::path::PathBuf;

use anyhow::bail;
use chrono::NaiveDate;
use clap::{Parser, Subcommand, ValueEnum};

use crate::demo::DemoHome;
use crate::export::ExportFormat;
use crate::manager::ThreadManager;
use crate::protocol::ThreadMemoryMode;
use crate::store::SourceFilter;
use crate::tui::{TuiOptions, run_tui};
use crate::usage::GroupBy;
// The helpers the command groups share, named here so that each reaches them as `super::…`.
use each::{report_failures, resolve_each};
use listing::list_line;
use open::{demo_manager, open_tui, warn_password_on_command_line};
use store_sync::run_sync;

pub use each::FailuresReported;
pub use listing::ListArgs;
pub use open::{codex_home, open_manager, open_store_manager, store_url};
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
        #[command(flatten)]
        args: listing::ListArgs,
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

/// Runs one subcommand, writing its output to `out`.
pub async fn run_command(
    manager: &ThreadManager,
    command: Command,
    out: &mut dyn Write,
) -> anyhow::Result<()> {
    match command {
        Command::List { args } if args.trash => trash::list(manager, args.json, out).await?,
        Command::List { args } => listing::list(manager, args, out).await?,
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
            show::show_thread(manager, &thread, json, raw, out).await?
        }
        Command::Rename {
            thread,
            name,
            clear,
        } => edits::rename(manager, &thread, name.as_deref(), clear, out).await?,
        Command::Memory { thread, mode } => edits::memory(manager, &thread, mode, out).await?,
        Command::Mark { threads, state } => edits::mark(manager, &threads, state, out).await?,
        Command::Search {
            query,
            archived,
            json,
        } => search::search(manager, query, archived, json, out).await?,
        Command::Archive { threads, force } => {
            edits::archive_each(manager, &threads, force, out).await?
        }
        Command::Unarchive { threads } => edits::unarchive_each(manager, &threads, out).await?,
        Command::Delete {
            threads,
            dry_run: true,
            ..
        } => delete::delete_dry_run(manager, &threads, out).await?,
        Command::Delete { threads, yes, .. } => delete::delete(manager, &threads, yes, out).await?,
        Command::Restore {
            threads,
            dry_run,
            json,
        } => trash::restore(manager, &threads, dry_run, json, out).await?,
        Command::Resume { thread } => resume::resume(manager, &thread, out).await?,
        Command::Sync { .. } => bail!("sync runs on a Codex home, not on a store"),
        Command::Completions { shell } => docs::write_completions(shell, out)?,
        Command::Man => docs::write_man_page(out)?,
        Command::Private { threads } => edits::mark_private(manager, &threads, true, out).await?,
        Command::Public { threads } => edits::mark_private(manager, &threads, false, out).await?,
        Command::Export {
            thread,
            format,
            output,
            redact,
        } => {
            export::export_thread(manager, &thread, format, output.as_deref(), redact, out).await?
        }
    }
    Ok(())
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
