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
        /// When it started, in milliseconds since the epoch: the call line's timestamp, or the
        /// `started_at_ms` of Codex's own record of the run.
        started_at_ms: Option<i64>,
        /// How it ended; `None` while it runs, or when its turn ended without output for it.
        outcome: Option<CommandOutcome>,
        /// The turn ended (or the next one started) with no output for this call: it is not
        /// running any more, whatever became of it.
        turn_ended: bool,
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

#[derive(Clone, Debug, Default, PartialEq)]
pub struct CommandOutcome {
    pub exit_code: Option<i32>,
    /// How long it ran: Codex's `duration`, the output's `Wall time`, or the time between the
    /// call and its output.
    pub duration_ms: Option<i64>,
    pub output: String,
}

/// Where a command stands, for whoever shows it.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum CommandStatus {
    /// Called, no output yet, its turn still under way: it runs (its elapsed time is counted
    /// from `started_at_ms` when drawn).
    Running { started_at_ms: Option<i64> },
    Finished {
        exit_code: Option<i32>,
        duration_ms: Option<i64>,
    },
    /// Its turn ended without output for it (interrupted, or its result was never recorded).
    NoOutput,
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
    /// A command's status; `None` for other items.
    pub fn command_status(&self) -> Option<CommandStatus> {
        match self {
            ItemKind::Command {
                started_at_ms,
                outcome,
                turn_ended,
                ..
            } => Some(match outcome {
                Some(outcome) => CommandStatus::Finished {
                    exit_code: outcome.exit_code,
                    duration_ms: outcome.duration_ms,
                },
                None if *turn_ended => CommandStatus::NoOutput,
                None => CommandStatus::Running {
                    started_at_ms: *started_at_ms,
                },
            }),
            _ => None,
        }
    }

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
