//! The `session_meta` payload: who started a thread, where, and with which settings.

use serde::{Deserialize, Serialize};
use serde_json::{Map, Value};

use super::ids::{HistoryMode, ThreadId, ThreadMemoryMode};

/// Git facts collected when the rollout file was created. Every field is omitted when unknown.
#[derive(Clone, Debug, Default, PartialEq, Eq, Serialize, Deserialize)]
pub struct GitInfo {
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub commit_hash: Option<String>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub branch: Option<String>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub repository_url: Option<String>,
}

impl GitInfo {
    pub fn is_empty(&self) -> bool {
        self.commit_hash.is_none() && self.branch.is_none() && self.repository_url.is_none()
    }
}

/// A `session_meta` payload. The fields codex-threads reads are typed; everything else is kept
/// in `extra` so that a decoded line re-encodes with nothing lost.
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
pub struct SessionMeta {
    pub id: ThreadId,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub forked_from_id: Option<ThreadId>,
    #[serde(default)]
    pub timestamp: String,
    #[serde(default)]
    pub cwd: String,
    #[serde(default)]
    pub originator: String,
    #[serde(default)]
    pub cli_version: String,
    /// `SessionSource`: a plain string (`"cli"`) or an object (`{"subagent":"review"}`);
    /// absent means `vscode`.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub source: Option<Value>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub thread_source: Option<String>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub agent_nickname: Option<String>,
    #[serde(default, alias = "agent_type", skip_serializing_if = "Option::is_none")]
    pub agent_role: Option<String>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub agent_path: Option<String>,
    #[serde(default)]
    pub model_provider: Option<String>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub memory_mode: Option<String>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub git: Option<GitInfo>,
    #[serde(flatten)]
    pub extra: Map<String, Value>,
}

impl SessionMeta {
    /// A minimal meta line for a new thread.
    pub fn new(id: ThreadId, timestamp: String, cwd: String) -> Self {
        SessionMeta {
            id,
            forked_from_id: None,
            timestamp,
            cwd,
            originator: "codex_threads".to_string(),
            cli_version: env!("CARGO_PKG_VERSION").to_string(),
            source: Some(Value::String("cli".to_string())),
            thread_source: None,
            agent_nickname: None,
            agent_role: None,
            agent_path: None,
            model_provider: Some("openai".to_string()),
            memory_mode: None,
            git: None,
            extra: Map::new(),
        }
    }

    /// The memory mode this line states, when it states one of the two settable values.
    pub fn memory_mode(&self) -> Option<ThreadMemoryMode> {
        self.memory_mode
            .as_deref()
            .and_then(ThreadMemoryMode::parse)
    }

    pub fn history_mode(&self) -> HistoryMode {
        HistoryMode::parse(self.extra.get("history_mode").and_then(Value::as_str))
    }

    /// The source as SQLite stores it: the plain string for simple variants, JSON text otherwise.
    pub fn source_text(&self) -> String {
        source_to_text(self.source.as_ref())
    }
}

/// Serialises a `SessionSource` value the way the Codex state DB stores it.
pub fn source_to_text(source: Option<&Value>) -> String {
    match source {
        None | Some(Value::Null) => "vscode".to_string(),
        Some(Value::String(simple)) => simple.clone(),
        Some(other) => other.to_string(),
    }
}
