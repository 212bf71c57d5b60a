//! `pin`, `unpin`, `section …` and `project …`: Codex's sections, pins and projects from the
//! command line. Every edit of a thread is a `ThreadMetadataPatch` through the manager.

use std::io::Write;

use anyhow::bail;
use clap::Subcommand;

use super::{list_line, report_failures, resolve_each};
use crate::manager::ThreadManager;
use crate::store::{
    PINNED_SECTION_ID, ReadThreadParams, SectionMove, ThreadMetadataPatch, ThreadSection,
};
use crate::text::single_line;

#[derive(Debug, Subcommand)]
pub enum SectionCommand {
    /// Codex's sections in its order ("Pinned" first).
    List {
        #[arg(long)]
        json: bool,
    },
    /// Add a section (names may repeat, as in Codex).
    Create { name: String },
    /// Rename a section (a name or an id); "Pinned" cannot be renamed.
    Rename { section: String, name: String },
    /// Delete a section (a name or an id); its threads leave it. "Pinned" cannot be deleted.
    Delete { section: String },
    /// Move a thread into a section (at the end, or before another thread of it), within it,
    /// or out of it with --none.
    Move {
        thread: String,
        #[arg(required_unless_present = "none", conflicts_with = "none")]
        section: Option<String>,
        /// Take the thread out of its section.
        #[arg(long)]
        none: bool,
        /// Place it before this thread of the section.
        #[arg(long, value_name = "THREAD", conflicts_with = "none")]
        before: Option<String>,
    },
}

#[derive(Debug, Subcommand)]
pub enum ProjectCommand {
    /// Codex's projects in its order, with their root directories.
    List {
        #[arg(long)]
        json: bool,
    },
    /// Assign a thread to a project (a name or an id), or clear it with --none.
    Set {
        thread: String,
        #[arg(required_unless_present = "none", conflicts_with = "none")]
        project: Option<String>,
        #[arg(long)]
        none: bool,
    },
}

/// `pin` (`pin: true`) or `unpin` each thread. Unpinning a thread that is not pinned leaves it
/// where it is (in a section of its own, say).
pub async fn pin(
    manager: &ThreadManager,
    threads: &[String],
    pin: bool,
    out: &mut dyn Write,
) -> anyhow::Result<()> {
    let ids = resolve_each(manager, threads).await;
    let mut done = Vec::new();
    for (reference, id) in ids.resolved {
        let pinned = async {
            let current = manager
                .read_thread(ReadThreadParams {
                    thread_id: id,
                    include_archived: true,
                    include_history: false,
                })
                .await?;
            let thread = if current.pinned() == pin {
                current
            } else {
                let to = if pin {
                    SectionMove::pin()
                } else {
                    SectionMove::out()
                };
                manager
                    .update_thread_metadata(id, ThreadMetadataPatch::move_to_section(to), true)
                    .await?
            };
            writeln!(out, "{}", list_line(&thread))?;
            anyhow::Ok(())
        };
        done.push((reference, pinned.await));
    }
    report_failures(ids.failed.into_iter().chain(done))
}

pub async fn section(
    manager: &ThreadManager,
    command: SectionCommand,
    out: &mut dyn Write,
) -> anyhow::Result<()> {
    match command {
        SectionCommand::List { json } => {
            let sections = manager.list_sections().await?;
            if json {
                serde_json::to_writer_pretty(&mut *out, &sections)?;
                writeln!(out)?;
            } else {
                for section in &sections {
                    writeln!(out, "{}", section_line(section))?;
                }
            }
        }
        SectionCommand::Create { name } => {
            let section = manager.create_section(&name).await?;
            writeln!(out, "{}", section_line(&section))?;
        }
        SectionCommand::Rename { section, name } => {
            let section = manager.resolve_section(&section).await?;
            let renamed = manager.rename_section(&section.id, &name).await?;
            writeln!(out, "{}", section_line(&renamed))?;
        }
        SectionCommand::Delete { section } => {
            let section = manager.resolve_section(&section).await?;
            manager.delete_section(&section.id).await?;
            writeln!(out, "deleted {}", section_line(&section))?;
        }
        SectionCommand::Move {
            thread,
            section,
            none: _,
            before,
        } => {
            let id = manager.resolve_thread(&thread).await?;
            let to = match section {
                None => SectionMove::out(),
                Some(section) => {
                    let section = manager.resolve_section(&section).await?;
                    let before = match before {
                        Some(before) => Some(manager.resolve_thread(&before).await?),
                        None => None,
                    };
                    SectionMove::into_section(section.id, before)
                }
            };
            let patch = ThreadMetadataPatch::move_to_section(to);
            let thread = manager.update_thread_metadata(id, patch, true).await?;
            writeln!(out, "{}", list_line(&thread))?;
        }
    }
    Ok(())
}

pub async fn project(
    manager: &ThreadManager,
    command: ProjectCommand,
    out: &mut dyn Write,
) -> anyhow::Result<()> {
    match command {
        ProjectCommand::List { json } => {
            let projects = manager.list_projects().await?;
            if json {
                serde_json::to_writer_pretty(&mut *out, &projects)?;
                writeln!(out)?;
            } else {
                for project in &projects {
                    writeln!(
                        out,
                        "{}  {}  {}",
                        project.id,
                        single_line(&project.name),
                        single_line(&project.roots.join(", "))
                    )?;
                }
            }
        }
        ProjectCommand::Set {
            thread,
            project,
            none: _,
        } => {
            let id = manager.resolve_thread(&thread).await?;
            let project_id = match project {
                Some(project) => Some(manager.resolve_project(&project).await?.id),
                None => None,
            };
            let patch = ThreadMetadataPatch::project(project_id);
            let thread = manager.update_thread_metadata(id, patch, true).await?;
            writeln!(out, "{}", list_line(&thread))?;
        }
    }
    Ok(())
}

fn section_line(section: &ThreadSection) -> String {
    let builtin = if section.id == PINNED_SECTION_ID {
        "  (built in)"
    } else {
        ""
    };
    format!("{}  {}{builtin}", section.id, single_line(&section.name))
}

/// The section id `list --section NAME` filters on; `--pinned` is the built-in one.
pub async fn section_filter(
    manager: &ThreadManager,
    pinned: bool,
    section: Option<&str>,
) -> anyhow::Result<Option<String>> {
    match (pinned, section) {
        (true, Some(_)) => bail!("--pinned and --section cannot be used together"),
        (true, None) => Ok(Some(PINNED_SECTION_ID.to_string())),
        (false, Some(section)) => Ok(Some(manager.resolve_section(section).await?.id)),
        (false, None) => Ok(None),
    }
}
