//! Codex's own ways to curate threads (0.147+ for sections, 0.169+ for projects): sections
//! (the built-in "Pinned" one among them) and projects. A thread is in at most one section at a
//! time, at a position Codex orders it by; a pin is membership of "Pinned".

use serde::{Deserialize, Serialize};

use crate::protocol::ThreadId;

/// The id of Codex's built-in "Pinned" section (the same in every home: Codex's migration
/// inserts it, and its app server refuses to rename or delete it).
pub const PINNED_SECTION_ID: &str = "01984de2-8f74-7c91-a3b2-5c5e937cf318";

/// The name Codex gives the built-in section.
pub const PINNED_SECTION_NAME: &str = "Pinned";

/// A section as `threadSection/list` returns it.
#[derive(Clone, Debug, PartialEq, Eq, Serialize)]
pub struct ThreadSection {
    pub id: String,
    pub name: String,
}

impl ThreadSection {
    pub fn pinned() -> Self {
        ThreadSection {
            id: PINNED_SECTION_ID.to_string(),
            name: PINNED_SECTION_NAME.to_string(),
        }
    }

    pub fn is_pinned(&self) -> bool {
        self.id == PINNED_SECTION_ID
    }
}

/// Where a thread sits: its section and its position there (smaller first).
#[derive(Clone, Debug, PartialEq, Eq, Serialize)]
pub struct SectionPlacement {
    #[serde(flatten)]
    pub section: ThreadSection,
    pub position: i64,
}

/// A thread's project: its id and name.
#[derive(Clone, Debug, PartialEq, Eq, Serialize)]
pub struct ProjectRef {
    pub id: String,
    pub name: String,
}

/// A project as `project/list` returns it, with its root directories.
#[derive(Clone, Debug, PartialEq, Eq, Serialize)]
pub struct Project {
    pub id: String,
    pub name: String,
    pub roots: Vec<String>,
}

/// A move into, within or out of a section, as `thread/section/move` takes it: `section_id`
/// `None` takes the thread out of its section; `before` places it before another thread of the
/// section (absent: at the end).
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct SectionMove {
    pub section_id: Option<String>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub before: Option<ThreadId>,
}

impl SectionMove {
    pub fn into_section(section_id: impl Into<String>, before: Option<ThreadId>) -> Self {
        SectionMove {
            section_id: Some(section_id.into()),
            before,
        }
    }

    pub fn pin() -> Self {
        Self::into_section(PINNED_SECTION_ID, None)
    }

    pub fn out() -> Self {
        SectionMove {
            section_id: None,
            before: None,
        }
    }
}

/// The gap Codex leaves between positions when it appends to a section (observed in 0.169 and
/// 0.171: the first thread gets 1 000 000, each appended one the last position plus this).
pub const SECTION_POSITION_STEP: i64 = 1_000_000;

/// The position a thread moved into a section gets, as Codex assigns it: `others` are the
/// positions of the section's other threads in order, `before` the index among them of the
/// thread to go before (`None`: the end). Before a thread: halfway between it and the one
/// before it (0 at the start). `None` when there is no integer between them: the section needs
/// renumbering first (see [`renumbered`]).
pub fn position_for(others: &[i64], before: Option<usize>) -> Option<i64> {
    match before {
        None => Some(others.last().copied().unwrap_or(0) + SECTION_POSITION_STEP),
        Some(index) => {
            let next = others[index];
            let previous = index.checked_sub(1).map_or(0, |i| others[i]);
            (next - previous >= 2).then(|| previous + (next - previous) / 2)
        }
    }
}

/// Positions for a section's threads in their order, spaced out again.
pub fn renumbered(count: usize) -> Vec<i64> {
    (1..=count as i64)
        .map(|n| n * SECTION_POSITION_STEP)
        .collect()
}

/// Sections whose name or id is `reference`: an id matches exactly, a name exactly or else
/// ignoring case.
pub fn sections_named<'a>(
    sections: &'a [ThreadSection],
    reference: &str,
) -> Vec<&'a ThreadSection> {
    let reference = reference.trim();
    if let Some(section) = sections.iter().find(|section| section.id == reference) {
        return vec![section];
    }
    let exact: Vec<&ThreadSection> = sections
        .iter()
        .filter(|section| section.name == reference)
        .collect();
    if !exact.is_empty() {
        return exact;
    }
    sections
        .iter()
        .filter(|section| section.name.eq_ignore_ascii_case(reference))
        .collect()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn positions_follow_codex_appends_and_midpoints() {
        // Observed with 0.171: 1M for the first, last + 1M at the end, midpoints before.
        assert_eq!(position_for(&[], None), Some(1_000_000));
        assert_eq!(position_for(&[1_000_000], None), Some(2_000_000));
        assert_eq!(
            position_for(&[1_000_000, 2_000_000], Some(0)),
            Some(500_000)
        );
        assert_eq!(position_for(&[500_000], Some(0)), Some(250_000));
        assert_eq!(position_for(&[250_000, 500_000], Some(1)), Some(375_000));
        assert_eq!(position_for(&[375_000, 500_000], None), Some(1_500_000));
        assert_eq!(position_for(&[4, 5], Some(1)), None);
        assert_eq!(position_for(&[1], Some(0)), None);
        assert_eq!(renumbered(3), [1_000_000, 2_000_000, 3_000_000]);
    }

    #[test]
    fn a_reference_is_an_id_or_a_name_that_may_repeat() {
        let sections = vec![
            ThreadSection::pinned(),
            ThreadSection {
                id: "a".into(),
                name: "Work".into(),
            },
            ThreadSection {
                id: "b".into(),
                name: "Work".into(),
            },
        ];
        assert_eq!(sections_named(&sections, "b")[0].id, "b");
        assert_eq!(sections_named(&sections, "Work").len(), 2);
        assert_eq!(sections_named(&sections, "pinned")[0].id, PINNED_SECTION_ID);
        assert!(sections_named(&sections, "none").is_empty());
    }
}
