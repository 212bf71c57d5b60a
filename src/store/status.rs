//! A thread's status (working, waiting, idle, done, failed, interrupted), decided in one place
//! from what Codex recorded: where the rollout's last turn stands, Codex's own projection of
//! that turn (`thread_turns`), and whether a Codex process holds the thread open.

use chrono::{DateTime, Utc};
use serde::{Deserialize, Serialize};

pub use crate::rollout::Holder;

/// What a person supervising agents needs to know of a thread at a glance.
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum ThreadStatus {
    /// A turn started and has not finished, while Codex holds the thread.
    Working,
    /// Codex waits for the user: an approval or an answer to a question.
    Waiting,
    /// Open in Codex, its last turn done.
    Idle,
    /// Closed, its last turn completed (or no turn at all).
    #[default]
    Done,
    /// The last turn ended in an error or was aborted.
    Failed,
    /// The writer went away mid-turn.
    Interrupted,
}

impl ThreadStatus {
    pub const ALL: [ThreadStatus; 6] = [
        ThreadStatus::Working,
        ThreadStatus::Waiting,
        ThreadStatus::Idle,
        ThreadStatus::Done,
        ThreadStatus::Failed,
        ThreadStatus::Interrupted,
    ];

    pub fn as_str(self) -> &'static str {
        match self {
            ThreadStatus::Working => "working",
            ThreadStatus::Waiting => "waiting",
            ThreadStatus::Idle => "idle",
            ThreadStatus::Done => "done",
            ThreadStatus::Failed => "failed",
            ThreadStatus::Interrupted => "interrupted",
        }
    }

    /// A turn is under way (Codex is on it, or waits for the user to let it go on).
    pub fn is_active(self) -> bool {
        matches!(self, ThreadStatus::Working | ThreadStatus::Waiting)
    }

    /// The user is needed whatever the read state: an approval, or a turn that went wrong.
    pub fn needs_user(self) -> bool {
        matches!(self, ThreadStatus::Waiting | ThreadStatus::Failed)
    }
}

impl std::fmt::Display for ThreadStatus {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str(self.as_str())
    }
}

impl std::str::FromStr for ThreadStatus {
    type Err = String;

    fn from_str(text: &str) -> Result<Self, Self::Err> {
        ThreadStatus::ALL
            .into_iter()
            .find(|status| status.as_str() == text)
            .ok_or_else(|| {
                let names: Vec<&str> = ThreadStatus::ALL.iter().map(|s| s.as_str()).collect();
                format!("unknown status {text:?} (one of {})", names.join(", "))
            })
    }
}

/// Where the last turn of a rollout stands, from its turn events (`task_started`,
/// `task_complete`, `turn_aborted`, and `error` where the rollout keeps errors).
#[derive(Clone, Debug, Default, PartialEq, Eq, Serialize, Deserialize)]
pub struct LastTurn {
    pub turn_id: Option<String>,
    /// When the turn started (its `task_started` line).
    pub started_at: Option<DateTime<Utc>>,
    /// `None` while the turn runs.
    pub ended: Option<TurnEnd>,
    /// The message of an `error` event seen since the turn started.
    pub error: Option<String>,
}

/// How a turn ended.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
#[serde(tag = "kind", rename_all = "snake_case")]
pub enum TurnEnd {
    Completed {
        at: Option<DateTime<Utc>>,
    },
    /// `turn_aborted` with its reason (`interrupted`, `replaced`, …).
    Aborted {
        reason: String,
        at: Option<DateTime<Utc>>,
    },
}

impl LastTurn {
    pub fn started(turn_id: Option<String>, at: Option<DateTime<Utc>>) -> Self {
        LastTurn {
            turn_id,
            started_at: at,
            ended: None,
            error: None,
        }
    }

    /// Whether an end event belongs to this turn: ids match, or one side has none (older
    /// rollouts).
    pub fn is_turn(&self, turn_id: Option<&str>) -> bool {
        match (self.turn_id.as_deref(), turn_id) {
            (Some(ours), Some(theirs)) => ours == theirs,
            _ => true,
        }
    }

    pub fn in_progress(&self) -> bool {
        self.ended.is_none()
    }

    /// The failure the rollout records for this turn, if any: an abort, or an error before
    /// its end.
    pub fn failure(&self) -> Option<String> {
        match &self.ended {
            Some(TurnEnd::Aborted { reason, .. }) => Some(format!("turn aborted ({reason})")),
            _ => self.error.clone(),
        }
    }

    /// When the turn completed (with an answer or an error); `None` for an aborted turn,
    /// which Codex never counts as unread.
    pub fn completed_at(&self) -> Option<DateTime<Utc>> {
        match &self.ended {
            Some(TurnEnd::Completed { at }) => *at,
            _ => None,
        }
    }

    pub fn ended_at(&self) -> Option<DateTime<Utc>> {
        match &self.ended {
            Some(TurnEnd::Completed { at } | TurnEnd::Aborted { at, .. }) => *at,
            None => None,
        }
    }
}

/// What a working or waiting thread is doing now: the call its turn waits on.
#[derive(Clone, Debug, PartialEq, Eq, Serialize)]
pub struct Activity {
    pub kind: ActivityKind,
    /// The command line, or the tool's name.
    pub label: String,
    /// When the call was made.
    pub since: Option<DateTime<Utc>>,
}

#[derive(Clone, Copy, Debug, PartialEq, Eq, Serialize)]
#[serde(rename_all = "snake_case")]
pub enum ActivityKind {
    /// A shell command runs.
    Command,
    /// Another tool call runs (MCP, web search, a patch, …).
    Tool,
    /// A command waits for the user's approval to run outside the sandbox.
    Approval,
    /// The agent asked the user a question.
    Question,
}

impl ActivityKind {
    pub fn waits_on_user(self) -> bool {
        matches!(self, ActivityKind::Approval | ActivityKind::Question)
    }
}

/// The status of a thread and what explains it, as the list, the history header and
/// `list --json` show it.
#[derive(Clone, Debug, Default, PartialEq, Eq, Serialize)]
pub struct StatusReport {
    pub status: ThreadStatus,
    /// When the last turn started (for a working thread's elapsed time).
    pub turn_started_at: Option<DateTime<Utc>>,
    /// When the last turn ended, if it did.
    pub turn_ended_at: Option<DateTime<Utc>>,
    /// For a working or waiting thread: the call it waits on, when there is one.
    pub activity: Option<Activity>,
    /// For a failed thread: why.
    pub failure: Option<String>,
    /// Who holds the thread open, when someone does.
    pub holder: Option<Holder>,
}

/// What Codex's own turn projection (`thread_turns` in `thread_history_1.sqlite`) says of a
/// thread's last turn: a failed turn's rollout may end with an ordinary `task_complete`.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct ProjectedTurn {
    pub turn_id: String,
    /// `completed`, `failed`, `interrupted`, `inProgress`, …
    pub status: String,
    pub error: Option<String>,
}

impl ProjectedTurn {
    pub fn failure(&self) -> Option<String> {
        match self.status.as_str() {
            "failed" => Some(self.error.clone().unwrap_or_else(|| "turn failed".into())),
            "interrupted" | "aborted" => Some("turn interrupted".into()),
            _ => None,
        }
    }
}

/// Everything a status is decided from.
#[derive(Clone, Copy, Debug, Default)]
pub struct StatusFacts<'a> {
    pub last_turn: Option<&'a LastTurn>,
    pub projected: Option<&'a ProjectedTurn>,
    /// A Codex process has the thread open: it holds the writer lock, or (Codex 0.104, which
    /// takes none) it holds the rollout open while a turn runs.
    pub open: bool,
    /// The running turn waits on the user (an approval or a question, see `activity`).
    pub waiting_on_user: bool,
}

/// The one rule for a thread's status.
pub fn decide_status(facts: StatusFacts<'_>) -> ThreadStatus {
    let open = facts.open;
    let projected_failure = facts.projected.and_then(|turn| {
        let same_turn = facts
            .last_turn
            .is_none_or(|last| last.is_turn(Some(&turn.turn_id)));
        same_turn.then(|| turn.failure()).flatten()
    });
    match facts.last_turn {
        Some(turn) if turn.in_progress() => {
            if !open {
                ThreadStatus::Interrupted
            } else if facts.waiting_on_user {
                ThreadStatus::Waiting
            } else {
                ThreadStatus::Working
            }
        }
        Some(turn) if turn.failure().is_some() || projected_failure.is_some() => {
            ThreadStatus::Failed
        }
        _ if projected_failure.is_some() => ThreadStatus::Failed,
        _ if open => ThreadStatus::Idle,
        _ => ThreadStatus::Done,
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn turn(ended: Option<TurnEnd>, error: Option<&str>) -> LastTurn {
        LastTurn {
            turn_id: Some("t1".into()),
            started_at: None,
            ended,
            error: error.map(str::to_owned),
        }
    }

    fn facts(last_turn: Option<&LastTurn>, open: bool) -> StatusFacts<'_> {
        StatusFacts {
            last_turn,
            open,
            ..Default::default()
        }
    }

    #[test]
    fn a_turn_under_way_is_working_while_held_and_interrupted_when_not() {
        let running = turn(None, None);
        assert_eq!(
            decide_status(facts(Some(&running), true)),
            ThreadStatus::Working
        );
        assert_eq!(
            decide_status(facts(Some(&running), false)),
            ThreadStatus::Interrupted
        );
        let waiting = StatusFacts {
            waiting_on_user: true,
            ..facts(Some(&running), true)
        };
        assert_eq!(decide_status(waiting), ThreadStatus::Waiting);
    }

    #[test]
    fn a_completed_turn_is_idle_while_held_and_done_when_closed() {
        let completed = turn(Some(TurnEnd::Completed { at: None }), None);
        assert_eq!(
            decide_status(facts(Some(&completed), true)),
            ThreadStatus::Idle
        );
        assert_eq!(
            decide_status(facts(Some(&completed), false)),
            ThreadStatus::Done
        );
        assert_eq!(decide_status(facts(None, false)), ThreadStatus::Done);
        assert_eq!(decide_status(facts(None, true)), ThreadStatus::Idle);
    }

    #[test]
    fn an_aborted_or_erroring_turn_is_failed_held_or_not() {
        let aborted = turn(
            Some(TurnEnd::Aborted {
                reason: "interrupted".into(),
                at: None,
            }),
            None,
        );
        let errored = turn(Some(TurnEnd::Completed { at: None }), Some("stream error"));
        for held in [true, false] {
            assert_eq!(
                decide_status(facts(Some(&aborted), held)),
                ThreadStatus::Failed
            );
            assert_eq!(
                decide_status(facts(Some(&errored), held)),
                ThreadStatus::Failed
            );
        }
    }

    #[test]
    fn the_projection_records_a_failure_the_rollout_does_not() {
        let completed = turn(Some(TurnEnd::Completed { at: None }), None);
        let failed = ProjectedTurn {
            turn_id: "t1".into(),
            status: "failed".into(),
            error: None,
        };
        let with = |projected| StatusFacts {
            projected: Some(projected),
            ..facts(Some(&completed), false)
        };
        assert_eq!(decide_status(with(&failed)), ThreadStatus::Failed);
        // A projection of an older turn says nothing of the last one.
        let older = ProjectedTurn {
            turn_id: "t0".into(),
            ..failed.clone()
        };
        assert_eq!(decide_status(with(&older)), ThreadStatus::Done);
    }

    #[test]
    fn statuses_parse_from_their_names() {
        for status in ThreadStatus::ALL {
            assert_eq!(status.as_str().parse::<ThreadStatus>(), Ok(status));
        }
        assert!("busy".parse::<ThreadStatus>().is_err());
    }
}
