//! `ThreadMetadataPatch`: a literal patch. Absent = unchanged, value = set, and for clearable
//! fields `Some(None)` (JSON `null`) = clear.

use std::path::PathBuf;

use chrono::{DateTime, Utc};
use serde::{Deserialize, Serialize};
use serde_json::Value;

use super::curation::SectionMove;
use crate::protocol::{ThreadMemoryMode, TokenUsage};

/// A field that can be left alone (`None`), cleared (`Some(None)`) or set (`Some(Some(v))`).
pub type ClearableField<T> = Option<Option<T>>;

/// Git facts to change; each field is itself clearable.
#[derive(Clone, Debug, Default, PartialEq, Eq, Serialize, Deserialize)]
pub struct GitInfoPatch {
    #[serde(default, skip_serializing_if = "Option::is_none", with = "clearable")]
    pub sha: ClearableField<String>,
    #[serde(default, skip_serializing_if = "Option::is_none", with = "clearable")]
    pub branch: ClearableField<String>,
    #[serde(default, skip_serializing_if = "Option::is_none", with = "clearable")]
    pub origin_url: ClearableField<String>,
}

impl GitInfoPatch {
    pub fn is_empty(&self) -> bool {
        self.sha.is_none() && self.branch.is_none() && self.origin_url.is_none()
    }

    fn merge(&mut self, next: GitInfoPatch) {
        overlay(&mut self.sha, next.sha);
        overlay(&mut self.branch, next.branch);
        overlay(&mut self.origin_url, next.origin_url);
    }
}

#[derive(Clone, Debug, Default, PartialEq, Serialize, Deserialize)]
pub struct ThreadMetadataPatch {
    #[serde(default, skip_serializing_if = "Option::is_none", with = "clearable")]
    pub name: ClearableField<String>,
    #[serde(default)]
    pub rollout_path: Option<PathBuf>,
    #[serde(default)]
    pub preview: Option<String>,
    #[serde(default)]
    pub title: Option<String>,
    #[serde(default)]
    pub model_provider: Option<String>,
    #[serde(default)]
    pub model: Option<String>,
    #[serde(default)]
    pub reasoning_effort: Option<String>,
    #[serde(default)]
    pub created_at: Option<DateTime<Utc>>,
    #[serde(default)]
    pub updated_at: Option<DateTime<Utc>>,
    /// `SessionSource` as JSON (`"cli"`, `{"subagent":"review"}`, …).
    #[serde(default)]
    pub source: Option<Value>,
    #[serde(default, skip_serializing_if = "Option::is_none", with = "clearable")]
    pub thread_source: ClearableField<String>,
    #[serde(default, skip_serializing_if = "Option::is_none", with = "clearable")]
    pub agent_nickname: ClearableField<String>,
    #[serde(default, skip_serializing_if = "Option::is_none", with = "clearable")]
    pub agent_role: ClearableField<String>,
    #[serde(default, skip_serializing_if = "Option::is_none", with = "clearable")]
    pub agent_path: ClearableField<String>,
    #[serde(default)]
    pub cwd: Option<PathBuf>,
    #[serde(default)]
    pub cli_version: Option<String>,
    /// `AskForApproval` as JSON (`"on-request"`, …).
    #[serde(default)]
    pub approval_mode: Option<Value>,
    #[serde(default)]
    pub token_usage: Option<TokenUsage>,
    #[serde(default)]
    pub first_user_message: Option<String>,
    #[serde(default)]
    pub git_info: Option<GitInfoPatch>,
    #[serde(default)]
    pub memory_mode: Option<ThreadMemoryMode>,
    /// Mark the thread read (`true`) or unread (`false`), where Codex keeps read state.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub read: Option<bool>,
    /// Move the thread into, within or out of one of Codex's sections (a pin is a move into
    /// "Pinned"), as `thread/section/move` does.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub section: Option<SectionMove>,
    /// Assign the thread to a project (its id) or clear it, as `thread/metadata/update` with
    /// `projectId` does.
    #[serde(default, skip_serializing_if = "Option::is_none", with = "clearable")]
    pub project: ClearableField<String>,
}

fn overlay<T>(target: &mut Option<T>, next: Option<T>) {
    if next.is_some() {
        *target = next;
    }
}

impl ThreadMetadataPatch {
    pub fn rename(name: Option<String>) -> Self {
        ThreadMetadataPatch {
            name: Some(name),
            ..Default::default()
        }
    }

    pub fn read_state(read: bool) -> Self {
        ThreadMetadataPatch {
            read: Some(read),
            ..Default::default()
        }
    }

    pub fn move_to_section(to: SectionMove) -> Self {
        ThreadMetadataPatch {
            section: Some(to),
            ..Default::default()
        }
    }

    /// Assigns a project by id (`None` clears it).
    pub fn project(project_id: Option<String>) -> Self {
        ThreadMetadataPatch {
            project: Some(project_id),
            ..Default::default()
        }
    }

    /// Whether the patch carries an edit Codex refuses on an archived thread (observed with
    /// 0.147, 0.169 and 0.171: `thread/name/set` and `thread/memoryMode/set` fail with "no
    /// rollout found", while section moves, pins, projects and read state are accepted).
    /// `None` when Codex accepts every field of the patch on an archived thread.
    pub fn refused_when_archived(&self) -> Option<&'static str> {
        if self.name.is_some() {
            Some("renamed")
        } else if self.memory_mode.is_some() {
            Some("given a memory mode")
        } else {
            None
        }
    }

    /// The fields kept in the state DB alone, apart from the thread's rollout: read state,
    /// section and project. Taken out of `self`, which keeps the rest.
    pub fn take_db_only_fields(&mut self) -> ThreadMetadataPatch {
        ThreadMetadataPatch {
            read: self.read.take(),
            section: self.section.take(),
            project: self.project.take(),
            ..Default::default()
        }
    }

    pub fn memory_mode(mode: ThreadMemoryMode) -> Self {
        ThreadMetadataPatch {
            memory_mode: Some(mode),
            ..Default::default()
        }
    }

    pub fn is_empty(&self) -> bool {
        self == &ThreadMetadataPatch::default()
    }

    /// True when the patch carries facts observed from history (anything but the explicit
    /// user-editable fields). Codex writes JSONL compatibility lines for memory mode and git only
    /// for explicit updates, i.e. patches without observed facts.
    pub fn has_observed_facts(&self) -> bool {
        let explicit_only = ThreadMetadataPatch {
            name: self.name.clone(),
            git_info: self.git_info.clone(),
            memory_mode: self.memory_mode,
            read: self.read,
            section: self.section.clone(),
            project: self.project.clone(),
            ..Default::default()
        };
        &explicit_only != self
    }

    /// True when the patch carries anything besides an `updated_at` touch.
    pub fn has_facts_besides_touch(&self) -> bool {
        ThreadMetadataPatch {
            updated_at: None,
            ..self.clone()
        } != ThreadMetadataPatch::default()
    }

    /// Overlays every field present in `next`; git facts merge field by field.
    pub fn merge(&mut self, next: ThreadMetadataPatch) {
        overlay(&mut self.name, next.name);
        overlay(&mut self.rollout_path, next.rollout_path);
        overlay(&mut self.preview, next.preview);
        overlay(&mut self.title, next.title);
        overlay(&mut self.model_provider, next.model_provider);
        overlay(&mut self.model, next.model);
        overlay(&mut self.reasoning_effort, next.reasoning_effort);
        overlay(&mut self.created_at, next.created_at);
        overlay(&mut self.updated_at, next.updated_at);
        overlay(&mut self.source, next.source);
        overlay(&mut self.thread_source, next.thread_source);
        overlay(&mut self.agent_nickname, next.agent_nickname);
        overlay(&mut self.agent_role, next.agent_role);
        overlay(&mut self.agent_path, next.agent_path);
        overlay(&mut self.cwd, next.cwd);
        overlay(&mut self.cli_version, next.cli_version);
        overlay(&mut self.approval_mode, next.approval_mode);
        overlay(&mut self.token_usage, next.token_usage);
        overlay(&mut self.first_user_message, next.first_user_message);
        overlay(&mut self.memory_mode, next.memory_mode);
        overlay(&mut self.read, next.read);
        overlay(&mut self.section, next.section);
        overlay(&mut self.project, next.project);
        match (&mut self.git_info, next.git_info) {
            (Some(git), Some(next_git)) => git.merge(next_git),
            (slot, next_git) => overlay(slot, next_git),
        }
    }
}

/// serde codec for clearable fields: key absent = `None`, `null` = `Some(None)`,
/// value = `Some(Some(v))`.
mod clearable {
    use serde::{Deserialize, Deserializer, Serialize, Serializer};

    pub fn serialize<T: Serialize, S: Serializer>(
        value: &Option<Option<T>>,
        serializer: S,
    ) -> Result<S::Ok, S::Error> {
        match value {
            Some(inner) => inner.serialize(serializer),
            None => serializer.serialize_none(),
        }
    }

    pub fn deserialize<'de, T: Deserialize<'de>, D: Deserializer<'de>>(
        deserializer: D,
    ) -> Result<Option<Option<T>>, D::Error> {
        Option::<T>::deserialize(deserializer).map(Some)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn clearable_json_distinguishes_absent_null_and_value() {
        let absent: ThreadMetadataPatch = serde_json::from_str("{}").unwrap();
        assert_eq!(absent.name, None);
        assert!(absent.is_empty());
        let cleared: ThreadMetadataPatch = serde_json::from_str(r#"{"name":null}"#).unwrap();
        assert_eq!(cleared.name, Some(None));
        let set: ThreadMetadataPatch = serde_json::from_str(r#"{"name":"x"}"#).unwrap();
        assert_eq!(set.name, Some(Some("x".to_string())));
        let json = serde_json::to_value(&cleared).unwrap();
        assert_eq!(json["name"], Value::Null);
        assert!(
            serde_json::to_value(&absent)
                .unwrap()
                .get("agent_role")
                .is_none()
        );
        // A non-clearable null reads back as "leave unchanged".
        let plain_null: ThreadMetadataPatch = serde_json::from_str(r#"{"model":null}"#).unwrap();
        assert_eq!(plain_null.model, None);
    }

    #[test]
    fn merge_overlays_present_fields_and_git_field_by_field() {
        let mut base = ThreadMetadataPatch {
            model: Some("a".into()),
            preview: Some("first".into()),
            git_info: Some(GitInfoPatch {
                sha: Some(Some("111".into())),
                branch: Some(Some("main".into())),
                origin_url: None,
            }),
            ..Default::default()
        };
        base.merge(ThreadMetadataPatch {
            model: Some("b".into()),
            name: Some(None),
            git_info: Some(GitInfoPatch {
                branch: Some(None),
                ..Default::default()
            }),
            ..Default::default()
        });
        assert_eq!(base.model.as_deref(), Some("b"));
        assert_eq!(base.preview.as_deref(), Some("first"));
        assert_eq!(base.name, Some(None));
        let git = base.git_info.unwrap();
        assert_eq!(git.sha, Some(Some("111".into())));
        assert_eq!(git.branch, Some(None));
    }

    #[test]
    fn explicit_and_observed_patches_are_told_apart() {
        assert!(!ThreadMetadataPatch::memory_mode(ThreadMemoryMode::Disabled).has_observed_facts());
        assert!(!ThreadMetadataPatch::rename(Some("n".into())).has_observed_facts());
        let derived = ThreadMetadataPatch {
            memory_mode: Some(ThreadMemoryMode::Disabled),
            cwd: Some("/x".into()),
            ..Default::default()
        };
        assert!(derived.has_observed_facts());
        let touch = ThreadMetadataPatch {
            updated_at: Some(Utc::now()),
            ..Default::default()
        };
        assert!(!touch.has_facts_besides_touch());
        assert!(derived.has_facts_besides_touch());
    }
}
