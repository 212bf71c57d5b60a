//! Codex's sections and projects in its state DB, written as its app server writes them
//! (observed with 0.169 and 0.171; 0.147 has sections but no projects):
//! - `thread_sections (id, name)`, listed in id order (UUIDv7, so creation order) with the
//!   built-in "Pinned" first; names may repeat.
//! - `threads.thread_section_id`, `section_position`, `section_entered_at_ms`: a move into a
//!   section sets all three (the entry time only when the thread was not in it already); a move
//!   out clears all three; deleting a section clears them for its threads. Neither changes
//!   `updated_at`.
//! - `threads.project_id` (`projects`, `project_roots`): assigning or clearing a project makes
//!   `updated_at` now.

use std::collections::HashSet;

use rusqlite::types::Value as SqlValue;
use rusqlite::{Connection, OptionalExtension, Transaction, params};

use super::{StateDb, StateDbError, table_columns};
use crate::protocol::ThreadId;
use crate::protocol::time::now_millis;
use crate::store::curation::{
    PINNED_SECTION_ID, Project, SectionMove, ThreadSection, position_for, renumbered,
};

/// Which of Codex's curation tables a state DB has.
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq)]
pub struct CurationSupport {
    /// `thread_sections` and the threads' section columns (Codex 0.147+).
    pub sections: bool,
    /// `projects`, `project_roots` and `threads.project_id` (Codex 0.169+).
    pub projects: bool,
}

impl CurationSupport {
    pub(super) fn detect(
        connection: &Connection,
        thread_columns: &HashSet<String>,
    ) -> rusqlite::Result<Self> {
        let has = |table: &str, columns: &[&str]| -> rusqlite::Result<bool> {
            let found = table_columns(connection, table)?;
            Ok(columns.iter().all(|column| found.contains(*column)))
        };
        let threads_have = |columns: &[&str]| {
            columns
                .iter()
                .all(|column| thread_columns.contains(*column))
        };
        Ok(CurationSupport {
            sections: has("thread_sections", &["id", "name"])?
                && threads_have(&[
                    "thread_section_id",
                    "section_position",
                    "section_entered_at_ms",
                ]),
            projects: has("projects", &["id", "name", "position"])?
                && has("project_roots", &["project_id", "position", "path"])?
                && threads_have(&["project_id", "updated_at_ms"]),
        })
    }

    /// The extra `SELECT` columns that name a row's section and project.
    pub(super) fn name_columns(&self) -> Vec<String> {
        let mut columns = Vec::new();
        if self.sections {
            columns.push(
                "(SELECT name FROM thread_sections WHERE thread_sections.id = \
                 threads.thread_section_id) AS section_name"
                    .to_string(),
            );
        }
        if self.projects {
            columns.push(
                "(SELECT name FROM projects WHERE projects.id = threads.project_id) \
                 AS project_name"
                    .to_string(),
            );
        }
        columns
    }
}

const NO_SECTIONS: &str = "this Codex home's state DB keeps no sections or pins (Codex 0.147 and \
                           newer keep them); nothing was changed";
const NO_PROJECTS: &str = "this Codex home's state DB keeps no projects (Codex 0.169 and newer \
                           keep them); nothing was changed";

fn refused(message: impl Into<String>) -> StateDbError {
    StateDbError::Refused(message.into())
}

impl StateDb {
    pub fn curation(&self) -> CurationSupport {
        self.curation
    }

    fn require_sections(&self) -> Result<(), StateDbError> {
        if self.curation.sections {
            Ok(())
        } else {
            Err(refused(NO_SECTIONS))
        }
    }

    fn require_projects(&self) -> Result<(), StateDbError> {
        if self.curation.projects {
            Ok(())
        } else {
            Err(refused(NO_PROJECTS))
        }
    }

    /// Runs `edit` in one `BEGIN IMMEDIATE` transaction, committed when it succeeds.
    fn in_transaction<T>(
        &self,
        edit: impl FnOnce(&Transaction<'_>) -> Result<T, StateDbError>,
    ) -> Result<T, StateDbError> {
        let mut connection = self.connection();
        let transaction = connection
            .transaction_with_behavior(rusqlite::TransactionBehavior::Immediate)
            .map_err(|e| self.error(e))?;
        let done = edit(&transaction)?;
        transaction.commit().map_err(|e| self.error(e))?;
        Ok(done)
    }

    /// The sections in Codex's order ("Pinned" first: its id is the smallest).
    pub fn list_sections(&self) -> Result<Vec<ThreadSection>, StateDbError> {
        self.require_sections()?;
        let connection = self.connection();
        let mut statement = connection
            .prepare("SELECT id, name FROM thread_sections ORDER BY id")
            .map_err(|e| self.error(e))?;
        let rows = statement
            .query_map([], |row| {
                Ok(ThreadSection {
                    id: row.get(0)?,
                    name: row.get(1)?,
                })
            })
            .map_err(|e| self.error(e))?;
        rows.collect::<rusqlite::Result<Vec<_>>>()
            .map_err(|e| self.error(e))
    }

    pub fn create_section(&self, name: &str) -> Result<ThreadSection, StateDbError> {
        self.require_sections()?;
        let name = section_name(name)?;
        let section = ThreadSection {
            id: uuid::Uuid::now_v7().to_string(),
            name,
        };
        self.in_transaction(|tx| {
            tx.execute(
                "INSERT INTO thread_sections (id, name) VALUES (?1, ?2)",
                params![section.id, section.name],
            )
            .map_err(|e| self.error(e))?;
            Ok(())
        })?;
        Ok(section)
    }

    pub fn rename_section(&self, id: &str, name: &str) -> Result<ThreadSection, StateDbError> {
        self.require_sections()?;
        if id == PINNED_SECTION_ID {
            return Err(refused("the built-in Pinned section cannot be renamed"));
        }
        let name = section_name(name)?;
        self.in_transaction(|tx| {
            let changed = tx
                .execute(
                    "UPDATE thread_sections SET name = ?1 WHERE id = ?2",
                    params![name, id],
                )
                .map_err(|e| self.error(e))?;
            if changed == 0 {
                return Err(no_section(id));
            }
            Ok(())
        })?;
        Ok(ThreadSection {
            id: id.to_string(),
            name,
        })
    }

    /// Deletes a section; its threads leave it, as Codex's foreign key and delete leave them.
    pub fn delete_section(&self, id: &str) -> Result<(), StateDbError> {
        self.require_sections()?;
        if id == PINNED_SECTION_ID {
            return Err(refused("the built-in Pinned section cannot be deleted"));
        }
        self.in_transaction(|tx| {
            tx.execute(
                "UPDATE threads SET thread_section_id = NULL, section_position = NULL, \
                 section_entered_at_ms = NULL WHERE thread_section_id = ?1",
                [id],
            )
            .map_err(|e| self.error(e))?;
            let deleted = tx
                .execute("DELETE FROM thread_sections WHERE id = ?1", [id])
                .map_err(|e| self.error(e))?;
            if deleted == 0 {
                return Err(no_section(id));
            }
            Ok(())
        })
    }

    /// Moves a thread into, within or out of a section. `Ok(false)`: the thread has no row
    /// (Codex keeps sections only for threads it indexed).
    pub fn move_to_section(&self, id: ThreadId, to: &SectionMove) -> Result<bool, StateDbError> {
        self.require_sections()?;
        let thread = id.to_string();
        self.in_transaction(|tx| {
            let current: Option<Option<String>> = tx
                .query_row(
                    "SELECT thread_section_id FROM threads WHERE id = ?1",
                    [&thread],
                    |row| row.get(0),
                )
                .optional()
                .map_err(|e| self.error(e))?;
            let Some(current) = current else {
                return Ok(false);
            };
            let Some(section) = to.section_id.as_deref() else {
                tx.execute(
                    "UPDATE threads SET thread_section_id = NULL, section_position = NULL, \
                     section_entered_at_ms = NULL WHERE id = ?1",
                    [&thread],
                )
                .map_err(|e| self.error(e))?;
                return Ok(true);
            };
            let exists: Option<String> = tx
                .query_row(
                    "SELECT id FROM thread_sections WHERE id = ?1",
                    [section],
                    |row| row.get(0),
                )
                .optional()
                .map_err(|e| self.error(e))?;
            if exists.is_none() {
                return Err(no_section(section));
            }
            let position = self.place_in_section(tx, &thread, section, to.before)?;
            let entered = if current.as_deref() == Some(section) {
                None
            } else {
                Some(now_millis().timestamp_millis())
            };
            tx.execute(
                "UPDATE threads SET thread_section_id = ?1, section_position = ?2, \
                 section_entered_at_ms = COALESCE(?3, section_entered_at_ms) WHERE id = ?4",
                params![section, position, entered, thread],
            )
            .map_err(|e| self.error(e))?;
            Ok(true)
        })
    }

    /// The position `thread` gets in `section` (before `before`, or at the end), spacing the
    /// section's other threads out again when no integer is left between two of them.
    fn place_in_section(
        &self,
        tx: &Transaction<'_>,
        thread: &str,
        section: &str,
        before: Option<ThreadId>,
    ) -> Result<i64, StateDbError> {
        let mut statement = tx
            .prepare(
                "SELECT id, section_position FROM threads WHERE thread_section_id = ?1 \
                 AND id <> ?2 ORDER BY section_position IS NULL, section_position, id",
            )
            .map_err(|e| self.error(e))?;
        let others: Vec<(String, Option<i64>)> = statement
            .query_map(params![section, thread], |row| {
                Ok((row.get(0)?, row.get(1)?))
            })
            .map_err(|e| self.error(e))?
            .collect::<rusqlite::Result<_>>()
            .map_err(|e| self.error(e))?;
        let before_index = match before {
            None => None,
            Some(before) => {
                let before = before.to_string();
                if before == thread {
                    return Err(refused("a thread cannot go before itself"));
                }
                Some(
                    others
                        .iter()
                        .position(|(id, _)| *id == before)
                        .ok_or_else(|| {
                            refused(format!("thread {before} is not in that section"))
                        })?,
                )
            }
        };
        let positions: Vec<i64> = others.iter().map(|(_, p)| p.unwrap_or(0)).collect();
        let ordered = positions.windows(2).all(|pair| pair[0] < pair[1]);
        if ordered && let Some(position) = position_for(&positions, before_index) {
            return Ok(position);
        }
        let spaced = renumbered(others.len());
        for ((id, _), position) in others.iter().zip(&spaced) {
            tx.execute(
                "UPDATE threads SET section_position = ?1 WHERE id = ?2",
                params![position, id],
            )
            .map_err(|e| self.error(e))?;
        }
        Ok(position_for(&spaced, before_index).expect("spaced positions leave room"))
    }

    /// Assigns a project (`None` clears it). `Ok(false)`: the thread has no row.
    pub fn set_project(&self, id: ThreadId, project: Option<&str>) -> Result<bool, StateDbError> {
        self.require_projects()?;
        self.in_transaction(|tx| {
            if let Some(project) = project {
                let exists: Option<String> = tx
                    .query_row("SELECT id FROM projects WHERE id = ?1", [project], |row| {
                        row.get(0)
                    })
                    .optional()
                    .map_err(|e| self.error(e))?;
                if exists.is_none() {
                    return Err(refused(format!("no project with id {project}")));
                }
            }
            let now = now_millis();
            let mut set = vec![
                (
                    "project_id",
                    project.map_or(SqlValue::Null, |p| SqlValue::Text(p.to_string())),
                ),
                ("updated_at_ms", SqlValue::Integer(now.timestamp_millis())),
                ("updated_at", SqlValue::Integer(now.timestamp())),
            ];
            set.retain(|(column, _)| self.has_column(column));
            let sql = format!(
                "UPDATE threads SET {} WHERE id = ?",
                set.iter()
                    .map(|(column, _)| format!("{column} = ?"))
                    .collect::<Vec<_>>()
                    .join(", ")
            );
            let mut values: Vec<SqlValue> = set.into_iter().map(|(_, value)| value).collect();
            values.push(SqlValue::Text(id.to_string()));
            let changed = tx
                .execute(&sql, rusqlite::params_from_iter(values))
                .map_err(|e| self.error(e))?;
            Ok(changed > 0)
        })
    }

    /// The projects in Codex's order (`position`, then id), with their roots.
    pub fn list_projects(&self) -> Result<Vec<Project>, StateDbError> {
        self.require_projects()?;
        let connection = self.connection();
        let mut statement = connection
            .prepare(
                "SELECT p.id, p.name, r.path FROM projects p \
                 LEFT JOIN project_roots r ON r.project_id = p.id \
                 ORDER BY p.position, p.id, r.position",
            )
            .map_err(|e| self.error(e))?;
        let rows = statement
            .query_map([], |row| {
                Ok((
                    row.get::<_, String>(0)?,
                    row.get::<_, String>(1)?,
                    row.get::<_, Option<String>>(2)?,
                ))
            })
            .map_err(|e| self.error(e))?;
        let mut projects: Vec<Project> = Vec::new();
        for row in rows {
            let (id, name, root) = row.map_err(|e| self.error(e))?;
            if projects.last().is_none_or(|last| last.id != id) {
                projects.push(Project {
                    id,
                    name,
                    roots: Vec::new(),
                });
            }
            if let (Some(root), Some(project)) = (root, projects.last_mut()) {
                project.roots.push(root);
            }
        }
        Ok(projects)
    }
}

fn section_name(name: &str) -> Result<String, StateDbError> {
    let name = name.trim();
    if name.is_empty() {
        return Err(refused("a section name must not be empty"));
    }
    Ok(name.to_string())
}

fn no_section(id: &str) -> StateDbError {
    refused(format!("no section with id {id}"))
}
