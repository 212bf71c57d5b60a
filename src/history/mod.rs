//! A thread's history as a person reads it: rollout lines folded into items (messages,
//! commands with their outcome, patches, tool calls, turn ends). One model, below every
//! consumer: the TUI draws these items, `show` and `export` write them.

pub mod fold;
pub mod patch;

use crate::store::HistoryCursor;

pub use fold::Transcript;
pub use patch::FileDiff;

/// One thing the history view shows, starting at the rollout line `cursor`.
#[derive(Clone, Debug, PartialEq)]
pub struct TranscriptItem {
    pub cursor: HistoryCursor,
    pub kind: ItemKind,
}

#[derive(Clone, Debug, PartialEq)]
pub enum ItemKind {
    User {
        text: String,
        images: Vec<String>,
    },
    Assistant {
        text: String,
    },
    Reasoning {
        text: String,
    },
    /// The model's raw reasoning text (not the summary); drawn only when asked for.
    RawReasoning {
        text: String,
    },
    Command {
        call_id: String,
        command: String,
        outcome: Option<CommandOutcome>,
    },
    Patch {
        call_id: String,
        files: Vec<FileDiff>,
        success: Option<bool>,
    },
    Plan {
        explanation: Option<String>,
        steps: Vec<PlanStep>,
    },
    /// An MCP tool call, or any other tool call (`server` empty).
    ToolCall {
        call_id: String,
        server: String,
        tool: String,
        arguments: String,
        result: Option<Result<String, String>>,
    },
    WebSearch {
        query: String,
    },
    Image {
        description: String,
    },
    TurnEnded {
        duration_ms: Option<i64>,
        tokens: Option<i64>,
        /// The abort reason when the turn was aborted.
        aborted: Option<String>,
    },
    Compacted,
    RolledBack {
        turns: u32,
    },
    Notice {
        text: String,
    },
    Error {
        message: String,
    },
    /// A line that is not shown as an item, and why.
    Skipped {
        what: String,
    },
    /// A line too long to read into memory (see `OmittedLine`): a marker with its size.
    Omitted {
        bytes: u64,
        /// `line of 200.0 MB not shown: longer than the 8 MiB limit`
        note: String,
    },
}

#[derive(Clone, Debug, PartialEq)]
pub struct CommandOutcome {
    pub exit_code: Option<i32>,
    pub output: String,
}

#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum StepStatus {
    Done,
    InProgress,
    Pending,
}

#[derive(Clone, Debug, PartialEq)]
pub struct PlanStep {
    pub text: String,
    pub status: StepStatus,
}

impl ItemKind {
    /// The role and text of a conversational message, for previews.
    pub fn message(&self) -> Option<(MessageRole, &str)> {
        match self {
            ItemKind::User { text, .. } => Some((MessageRole::User, text)),
            ItemKind::Assistant { text } => Some((MessageRole::Assistant, text)),
            _ => None,
        }
    }
}

#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum MessageRole {
    User,
    Assistant,
}
