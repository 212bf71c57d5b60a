//! Sections and projects of the in-memory store, by the same rules as Codex's state DB (the
//! positions come from `curation`, as the local store's do).

use std::collections::HashMap;

use super::curation::{PINNED_SECTION_ID, position_for, renumbered};
use super::*;

/// The sections ("Pinned" built in) and projects an in-memory store keeps.
#[derive(Debug)]
pub(super) struct Curation {
    pub sections: Vec<ThreadSection>,
    pub projects: Vec<Project>,
}

impl Default for Curation {
    fn default() -> Self {
        Curation {
            sections: vec![ThreadSection::pinned()],
            projects: Vec::new(),
        }
    }
}

impl Curation {
    pub fn section(&self, id: &str) -> StoreResult<&ThreadSection> {
        self.sections
            .iter()
            .find(|section| section.id == id)
            .ok_or_else(|| ThreadStoreError::invalid(format!("no section with id {id}")))
    }

    pub fn create_section(&mut self, name: &str) -> StoreResult<ThreadSection> {
        let section = ThreadSection {
            id: uuid::Uuid::now_v7().to_string(),
            name: section_name(name)?,
        };
        self.sections.push(section.clone());
        Ok(section)
    }

    pub fn rename_section(&mut self, id: &str, name: &str) -> StoreResult<ThreadSection> {
        if id == PINNED_SECTION_ID {
            return Err(ThreadStoreError::invalid(
                "the built-in Pinned section cannot be renamed",
            ));
        }
        let name = section_name(name)?;
        let section = self
            .sections
            .iter_mut()
            .find(|section| section.id == id)
            .ok_or_else(|| ThreadStoreError::invalid(format!("no section with id {id}")))?;
        section.name = name;
        Ok(section.clone())
    }

    /// Removes a section; the caller takes its threads out of it.
    pub fn delete_section(&mut self, id: &str) -> StoreResult<()> {
        if id == PINNED_SECTION_ID {
            return Err(ThreadStoreError::invalid(
                "the built-in Pinned section cannot be deleted",
            ));
        }
        self.section(id)?;
        self.sections.retain(|section| section.id != id);
        Ok(())
    }

    pub fn project(&self, id: &str) -> StoreResult<ProjectRef> {
        self.projects
            .iter()
            .find(|project| project.id == id)
            .map(|project| ProjectRef {
                id: project.id.clone(),
                name: project.name.clone(),
            })
            .ok_or_else(|| ThreadStoreError::invalid(format!("no project with id {id}")))
    }

    /// Where `thread` goes for `to`, renumbering the section's other threads in `placements`
    /// when there is no room between two of them.
    pub fn place(
        &self,
        thread: ThreadId,
        to: &SectionMove,
        placements: &mut HashMap<ThreadId, SectionPlacement>,
    ) -> StoreResult<Option<SectionPlacement>> {
        let Some(section_id) = to.section_id.as_deref() else {
            return Ok(None);
        };
        let section = self.section(section_id)?.clone();
        let mut others: Vec<(i64, ThreadId)> = placements
            .iter()
            .filter(|(id, placement)| **id != thread && placement.section.id == section_id)
            .map(|(id, placement)| (placement.position, *id))
            .collect();
        others.sort();
        let before = match to.before {
            None => None,
            Some(before) => Some(others.iter().position(|(_, id)| *id == before).ok_or_else(
                || ThreadStoreError::invalid(format!("thread {before} is not in that section")),
            )?),
        };
        let positions: Vec<i64> = others.iter().map(|(position, _)| *position).collect();
        let position = match position_for(&positions, before) {
            Some(position) => position,
            None => {
                let spaced = renumbered(others.len());
                for ((_, id), position) in others.iter().zip(&spaced) {
                    if let Some(placement) = placements.get_mut(id) {
                        placement.position = *position;
                    }
                }
                position_for(&spaced, before).expect("spaced positions leave room")
            }
        };
        Ok(Some(SectionPlacement { section, position }))
    }
}

fn section_name(name: &str) -> StoreResult<String> {
    let name = name.trim();
    if name.is_empty() {
        return Err(ThreadStoreError::invalid(
            "a section name must not be empty",
        ));
    }
    Ok(name.to_string())
}
