//! Sections, pins and projects through the manager: resolving what a user typed (a name or an
//! id), and the section edits that are not about one thread. Edits of a thread's own section or
//! project go through `update_thread_metadata`, like every other metadata edit.

use super::ThreadManager;
use crate::store::curation::sections_named;
use crate::store::{Project, StoreResult, ThreadSection, ThreadStoreError};

impl ThreadManager {
    pub async fn list_sections(&self) -> StoreResult<Vec<ThreadSection>> {
        self.store.list_sections().await
    }

    pub async fn create_section(&self, name: &str) -> StoreResult<ThreadSection> {
        self.store.create_section(name).await
    }

    pub async fn rename_section(&self, id: &str, name: &str) -> StoreResult<ThreadSection> {
        self.store.rename_section(id, name).await
    }

    pub async fn delete_section(&self, id: &str) -> StoreResult<()> {
        self.store.delete_section(id).await
    }

    pub async fn list_projects(&self) -> StoreResult<Vec<Project>> {
        self.store.list_projects().await
    }

    /// The one section `reference` (an id or a name) means; a name two sections share is
    /// refused with their ids, since Codex lets names repeat.
    pub async fn resolve_section(&self, reference: &str) -> StoreResult<ThreadSection> {
        let sections = self.list_sections().await?;
        match sections_named(&sections, reference).as_slice() {
            [only] => Ok((*only).clone()),
            [] => Err(ThreadStoreError::invalid(format!(
                "no section named {reference:?}"
            ))),
            many => Err(ThreadStoreError::invalid(format!(
                "{} sections are named {reference:?}; give one of their ids: {}",
                many.len(),
                many.iter()
                    .map(|section| section.id.as_str())
                    .collect::<Vec<_>>()
                    .join(", ")
            ))),
        }
    }

    /// The one project `reference` (an id or a name) means, refused like a section's.
    pub async fn resolve_project(&self, reference: &str) -> StoreResult<Project> {
        let projects = self.list_projects().await?;
        let reference = reference.trim();
        let by_id: Vec<&Project> = projects.iter().filter(|p| p.id == reference).collect();
        let matching = if by_id.is_empty() {
            projects.iter().filter(|p| p.name == reference).collect()
        } else {
            by_id
        };
        match matching.as_slice() {
            [only] => Ok((*only).clone()),
            [] => Err(ThreadStoreError::invalid(format!(
                "no project named {reference:?}"
            ))),
            many => Err(ThreadStoreError::invalid(format!(
                "{} projects are named {reference:?}; give one of their ids: {}",
                many.len(),
                many.iter()
                    .map(|project| project.id.as_str())
                    .collect::<Vec<_>>()
                    .join(", ")
            ))),
        }
    }
}
