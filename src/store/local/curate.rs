//! Sections, pins and projects in a Codex home: they live in Codex's state DB alone (never in
//! a rollout), so every edit goes there, as Codex's app server makes it
//! (`state_db::curation`). A home whose DB lacks the tables refuses each edit with one line.

use super::LocalStore;
use super::state_db::{StateDb, StateDbError};
use crate::protocol::ThreadId;
use crate::store::*;

const NO_STATE_DB: &str = "this Codex home has no state DB (Codex 0.104 and older keep none), \
                           so it keeps no sections, pins or projects; nothing was changed";

fn store_error(err: StateDbError) -> ThreadStoreError {
    match err {
        StateDbError::Refused(message) => ThreadStoreError::invalid(message),
        err => ThreadStoreError::Conflict {
            message: format!("{err}; nothing was changed"),
        },
    }
}

impl LocalStore {
    fn curation_db(&self) -> StoreResult<&StateDb> {
        self.state_db
            .as_ref()
            .ok_or_else(|| ThreadStoreError::invalid(NO_STATE_DB))
    }

    /// Applies a patch's section move and project, each in a transaction of its own.
    pub(super) fn apply_curation(
        &self,
        id: ThreadId,
        include_archived: bool,
        section: Option<SectionMove>,
        project: ClearableField<String>,
    ) -> StoreResult<()> {
        if section.is_none() && project.is_none() {
            return Ok(());
        }
        self.locate(id, include_archived)?;
        let db = self.curation_db()?;
        let not_indexed = || {
            ThreadStoreError::invalid(format!(
                "thread {id} has no row in Codex's state DB yet (Codex indexes a thread when it \
                 next opens it); nothing was changed"
            ))
        };
        if let Some(to) = section
            && !db.move_to_section(id, &to).map_err(store_error)?
        {
            return Err(not_indexed());
        }
        if let Some(project) = project
            && !db
                .set_project(id, project.as_deref())
                .map_err(store_error)?
        {
            return Err(not_indexed());
        }
        Ok(())
    }

    pub(super) fn list_sections(&self) -> StoreResult<Vec<ThreadSection>> {
        self.curation_db()?.list_sections().map_err(store_error)
    }

    pub(super) fn create_section(&self, name: &str) -> StoreResult<ThreadSection> {
        self.curation_db()?
            .create_section(name)
            .map_err(store_error)
    }

    pub(super) fn rename_section(&self, id: &str, name: &str) -> StoreResult<ThreadSection> {
        self.curation_db()?
            .rename_section(id, name)
            .map_err(store_error)
    }

    pub(super) fn delete_section(&self, id: &str) -> StoreResult<()> {
        self.curation_db()?.delete_section(id).map_err(store_error)
    }

    pub(super) fn list_projects(&self) -> StoreResult<Vec<Project>> {
        self.curation_db()?.list_projects().map_err(store_error)
    }
}
