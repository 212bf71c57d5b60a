//! Thread ids and the memory-mode flag, as Codex serialises them.

use std::fmt;
use std::str::FromStr;

use serde::{Deserialize, Serialize};
use uuid::Uuid;

/// A Codex thread id: a UUID in lowercase hyphenated form (v7 for new threads, v4 for older ones).
#[derive(Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord, Serialize, Deserialize)]
#[serde(transparent)]
pub struct ThreadId(Uuid);

impl ThreadId {
    /// A fresh time-ordered id, as Codex creates them.
    pub fn new() -> Self {
        ThreadId(Uuid::now_v7())
    }

    pub fn from_uuid(uuid: Uuid) -> Self {
        ThreadId(uuid)
    }

    pub fn as_uuid(&self) -> &Uuid {
        &self.0
    }
}

impl Default for ThreadId {
    fn default() -> Self {
        Self::new()
    }
}

impl fmt::Display for ThreadId {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        self.0.hyphenated().fmt(f)
    }
}

impl fmt::Debug for ThreadId {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "ThreadId({self})")
    }
}

impl FromStr for ThreadId {
    type Err = uuid::Error;

    fn from_str(s: &str) -> Result<Self, Self::Err> {
        Uuid::parse_str(s.trim()).map(ThreadId)
    }
}

/// How a thread's rollout is written (`session_meta.history_mode`). Legacy rollouts (no field,
/// or `"legacy"`) take appended metadata copies; paginated ones (every line numbered by
/// `ordinal`, Codex 0.147+) must never be appended to by anyone but Codex, and keep their
/// explicit metadata in the state DB.
#[derive(Clone, Debug, Default, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[serde(into = "String", from = "String")]
pub enum HistoryMode {
    #[default]
    Legacy,
    Paginated,
    /// A mode from a release this version does not know.
    Other(String),
}

impl HistoryMode {
    pub fn parse(value: Option<&str>) -> Self {
        match value {
            None | Some("legacy") => HistoryMode::Legacy,
            Some("paginated") => HistoryMode::Paginated,
            Some(other) => HistoryMode::Other(other.to_string()),
        }
    }

    pub fn as_str(&self) -> &str {
        match self {
            HistoryMode::Legacy => "legacy",
            HistoryMode::Paginated => "paginated",
            HistoryMode::Other(other) => other,
        }
    }
}

impl From<String> for HistoryMode {
    fn from(value: String) -> Self {
        HistoryMode::parse(Some(&value))
    }
}

impl From<HistoryMode> for String {
    fn from(mode: HistoryMode) -> Self {
        mode.as_str().to_string()
    }
}

/// Whether Codex may generate memories from a thread. JSON: `"enabled"` / `"disabled"`.
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[serde(rename_all = "lowercase")]
pub enum ThreadMemoryMode {
    #[default]
    Enabled,
    Disabled,
}

impl ThreadMemoryMode {
    pub fn as_str(self) -> &'static str {
        match self {
            ThreadMemoryMode::Enabled => "enabled",
            ThreadMemoryMode::Disabled => "disabled",
        }
    }

    /// Reads the value of a rollout `memory_mode` field or the SQLite column. Only the two
    /// user-settable strings count; anything else (for example `polluted`, which the memories
    /// pipeline sets in SQLite) is `None` so callers fall back to another source.
    pub fn parse(value: &str) -> Option<Self> {
        match value {
            "enabled" => Some(ThreadMemoryMode::Enabled),
            "disabled" => Some(ThreadMemoryMode::Disabled),
            _ => None,
        }
    }

    pub fn toggled(self) -> Self {
        match self {
            ThreadMemoryMode::Enabled => ThreadMemoryMode::Disabled,
            ThreadMemoryMode::Disabled => ThreadMemoryMode::Enabled,
        }
    }
}

impl fmt::Display for ThreadMemoryMode {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.as_str())
    }
}

impl FromStr for ThreadMemoryMode {
    type Err = String;

    fn from_str(s: &str) -> Result<Self, Self::Err> {
        Self::parse(s).ok_or_else(|| format!("memory mode must be enabled or disabled, not {s:?}"))
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn thread_id_round_trips_as_lowercase_string() {
        let id: ThreadId = "019E2A4C-7B1D-7C42-9A3E-5D1F0C2B8E77".parse().unwrap();
        assert_eq!(id.to_string(), "019e2a4c-7b1d-7c42-9a3e-5d1f0c2b8e77");
        let json = serde_json::to_string(&id).unwrap();
        assert_eq!(json, "\"019e2a4c-7b1d-7c42-9a3e-5d1f0c2b8e77\"");
        assert_eq!(serde_json::from_str::<ThreadId>(&json).unwrap(), id);
    }

    #[test]
    fn memory_mode_json_is_lowercase_and_polluted_is_not_a_mode() {
        assert_eq!(
            serde_json::to_string(&ThreadMemoryMode::Disabled).unwrap(),
            "\"disabled\""
        );
        assert_eq!(
            ThreadMemoryMode::parse("enabled"),
            Some(ThreadMemoryMode::Enabled)
        );
        assert_eq!(ThreadMemoryMode::parse("polluted"), None);
        assert_eq!(
            ThreadMemoryMode::Enabled.toggled(),
            ThreadMemoryMode::Disabled
        );
    }
}
