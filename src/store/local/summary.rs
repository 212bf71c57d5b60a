//! What a rollout says about its thread, gathered in one streaming pass that decodes only the
//! lines that can matter, and that can continue where it stopped when the file grows.

use std::ops::ControlFlow;
use std::path::Path;

use memchr::memmem;
use serde::{Deserialize, Serialize};

use crate::protocol::text::{user_message_preview, user_message_title};
use crate::protocol::time::parse_timestamp;
use crate::protocol::{
    EventMsg, GitInfo, HistoryMode, RolloutItem, RolloutLine, SessionMeta, ThreadItem,
    ThreadMemoryMode, TokenUsage, UserMessageEvent,
};
use crate::rollout::{LineOffset, file_error, scan_lines};
use crate::store::status::{LastTurn, TurnEnd};

/// The line kinds (envelope `type` or event `type`) a summary reads. All of them sit in the
/// first bytes of a line, before the payload's content.
const SUMMARY_KINDS: [&str; 12] = [
    "\"session_meta\"",
    "\"turn_context\"",
    "\"user_message\"",
    "\"token_count\"",
    "\"thread_goal_updated\"",
    "\"thread_name_updated\"",
    // Where the last turn stands (see `LastTurn`).
    "\"task_started\"",
    "\"turn_started\"",
    "\"task_complete\"",
    "\"turn_complete\"",
    "\"turn_aborted\"",
    "\"type\":\"error\"",
];

/// How far into a line its kinds are looked for.
const KIND_WINDOW: usize = 160;

/// Paginated rollouts record the user's words as `item_completed` events whose item type comes
/// after the thread and turn ids, further in than `KIND_WINDOW`.
const USER_ITEM_MARKERS: [&str; 2] = ["\"item_completed\"", "{\"type\":\"UserMessage\""];
const USER_ITEM_WINDOW: usize = 400;

#[derive(Clone, Debug, Default, PartialEq, Serialize, Deserialize)]
pub struct RolloutSummary {
    /// The thread's own first `session_meta` (fork copies of other threads are ignored).
    pub meta: Option<SessionMeta>,
    pub preview: Option<String>,
    pub first_user_message: Option<String>,
    pub title: Option<String>,
    /// cwd from the first turn context, for rollouts whose meta has none.
    pub context_cwd: Option<String>,
    pub model: Option<String>,
    pub reasoning_effort: Option<String>,
    pub token_usage: Option<TokenUsage>,
    /// From the last own `session_meta` copy that states a mode.
    pub memory_mode: Option<ThreadMemoryMode>,
    /// From the last own `session_meta` that carries git facts.
    pub git: Option<GitInfo>,
    /// From the thread's own first `session_meta` (kept apart: the meta's extras are dropped).
    #[serde(default)]
    pub history_mode: HistoryMode,
    /// From the last legacy `thread_name_updated` event (before 2026-05-05); `Some("")` clears.
    pub legacy_name: Option<String>,
    /// Where the last turn stands; `None` when the rollout has no turn events.
    #[serde(default)]
    pub last_turn: Option<LastTurn>,
    /// Just past the last complete line read; a later pass continues here.
    pub scanned_to: u64,
    /// Only the head and the tail of a huge rollout were read (see `quick`): the fields that
    /// come from the last line of their kind may miss a line in the middle.
    #[serde(default)]
    pub partial: bool,
    /// Bytes read from disk by the passes so far.
    #[serde(skip)]
    pub bytes_read: u64,
    /// Reading failed part way (a damaged `.zst`, an I/O error): why and where. The fields hold
    /// what the lines before that point said.
    #[serde(default)]
    pub damaged: Option<String>,
}

/// Rollouts larger than this are summarised from their head and tail when a listing needs them
/// fast; `read_thread` always reads the whole file once (and then only what is appended).
pub const QUICK_SUMMARY_THRESHOLD: u64 = 32 << 20;

/// How much of a huge rollout's start and end a quick summary reads.
const QUICK_HEAD_BYTES: u64 = 1 << 20;
const QUICK_TAIL_BYTES: u64 = 4 << 20;

impl RolloutSummary {
    /// The head and the tail of a huge plain rollout: the first user message and settings are
    /// at the start, the latest tokens, model and metadata copies near the end.
    pub fn quick(path: &Path, file_size: u64) -> std::io::Result<Self> {
        let mut summary = RolloutSummary::default();
        summary.scan_range(path, 0, Some(QUICK_HEAD_BYTES))?;
        // The tail starts mid-line; that first fragment does not decode and is passed over.
        let tail_start = file_size
            .saturating_sub(QUICK_TAIL_BYTES)
            .max(summary.scanned_to);
        summary.scan_range(path, tail_start, None)?;
        summary.partial = true;
        Ok(summary)
    }

    /// Reads what was appended since the last pass (or the whole file the first time).
    pub fn update_from(&mut self, path: &Path) -> std::io::Result<()> {
        self.scan_range(path, self.scanned_to, None)
    }

    /// Observes the summary lines from `start`, up to about `limit` bytes when given.
    fn scan_range(&mut self, path: &Path, start: u64, limit: Option<u64>) -> std::io::Result<()> {
        let finders: Vec<memmem::Finder<'static>> = SUMMARY_KINDS
            .iter()
            .map(|kind| memmem::Finder::new(kind.as_bytes()))
            .collect();
        let user_item_finders = USER_ITEM_MARKERS.map(memmem::Finder::new);
        let start = LineOffset(start);
        let stop_at = limit.map(|limit| start.0.saturating_add(limit));
        // The first line is read whatever it is: pre-envelope headers carry no `type`.
        let mut first_line = start.0 == 0;
        let mut position = start.0;
        let mut filter = |line: &[u8]| {
            // Past the limit every line goes to `visit`, which stops the scan.
            position += line.len() as u64 + 1;
            let past_limit = stop_at.is_some_and(|stop| position > stop);
            let window = &line[..line.len().min(KIND_WINDOW)];
            let user_item_window = &line[..line.len().min(USER_ITEM_WINDOW)];
            past_limit
                || std::mem::take(&mut first_line)
                || finders.iter().any(|finder| finder.find(window).is_some())
                || user_item_finders
                    .iter()
                    .all(|finder| finder.find(user_item_window).is_some())
        };
        let mut lines_seen = false;
        let mut visit = |offset: LineOffset, text: &str| {
            lines_seen = true;
            if stop_at.is_some_and(|stop| offset.0 >= stop) {
                return ControlFlow::Break(());
            }
            if let Ok(line) = RolloutLine::decode(text) {
                self.observe_line(&line);
            }
            ControlFlow::Continue(())
        };
        let end = match scan_lines(path, start, &mut filter, &mut visit) {
            Ok(end) => end,
            Err(err) => {
                // A read that failed after some lines keeps them: a damaged rollout is listed
                // as far as it can be read, and says where it stopped. One that yielded no line
                // (not even the first, which is always visited) is an error: nothing to list.
                let stopped = file_error(&err).filter(|error| error.stopped_at.is_some());
                match stopped {
                    Some(error) if lines_seen => {
                        self.damaged = Some(error.reason());
                        return Ok(());
                    }
                    _ => return Err(err),
                }
            }
        };
        self.scanned_to = end.end.0;
        self.bytes_read += end.bytes_read;
        Ok(())
    }

    pub fn observe_line(&mut self, line: &RolloutLine) {
        self.observe_turn(line);
        self.observe(&line.item);
    }

    /// Follows the turn events: a start opens a turn, an end of the same turn closes it.
    fn observe_turn(&mut self, line: &RolloutLine) {
        let at = || parse_timestamp(&line.timestamp);
        let RolloutItem::EventMsg(event) = &line.item else {
            return;
        };
        match event {
            EventMsg::TaskStarted(started) => {
                self.last_turn = Some(LastTurn::started(started.turn_id.clone(), at()));
            }
            EventMsg::TaskComplete(complete) => {
                let turn = self.ended_turn(complete.turn_id.as_deref());
                turn.ended = Some(TurnEnd::Completed { at: at() });
                if let Some(error) = complete.error_message() {
                    turn.error = Some(error);
                }
            }
            EventMsg::TurnAborted(aborted) => {
                let turn = self.ended_turn(aborted.turn_id.as_deref());
                turn.ended = Some(TurnEnd::Aborted {
                    reason: aborted.reason.clone(),
                    at: at(),
                });
            }
            EventMsg::Error(error) => {
                if let Some(turn) = self.last_turn.as_mut().filter(|turn| turn.in_progress()) {
                    turn.error = Some(error.message.clone());
                }
            }
            _ => {}
        }
    }

    /// The turn an end event closes: the last one started, or, when the end names another
    /// turn (its start was not read: a quick summary reads only the head and the tail), a turn
    /// known only by that end.
    fn ended_turn(&mut self, turn_id: Option<&str>) -> &mut LastTurn {
        match &mut self.last_turn {
            Some(turn) if turn.is_turn(turn_id) => {}
            slot => {
                *slot = Some(LastTurn {
                    turn_id: turn_id.map(str::to_owned),
                    ..LastTurn::default()
                })
            }
        }
        self.last_turn.get_or_insert_with(LastTurn::default)
    }

    pub fn observe(&mut self, item: &RolloutItem) {
        match item {
            RolloutItem::SessionMeta(meta) => self.observe_meta(meta),
            RolloutItem::TurnContext(context) => {
                if self.context_cwd.is_none() && !context.cwd.is_empty() {
                    self.context_cwd = Some(context.cwd.clone());
                }
                if !context.model.is_empty() {
                    self.model = Some(context.model.clone());
                }
                if context.effort.is_some() {
                    self.reasoning_effort.clone_from(&context.effort);
                }
            }
            RolloutItem::EventMsg(EventMsg::UserMessage(message)) => {
                self.observe_user_message(message);
            }
            RolloutItem::EventMsg(EventMsg::ItemCompleted(completed)) => {
                if let ThreadItem::UserMessage(message) = &completed.item {
                    self.observe_user_message(&message.as_user_message_event());
                }
            }
            RolloutItem::EventMsg(EventMsg::ThreadGoalUpdated(goal)) => {
                let objective = goal.goal.objective.trim();
                if self.preview.is_none() && !objective.is_empty() {
                    self.preview = Some(objective.to_string());
                }
            }
            RolloutItem::EventMsg(EventMsg::TokenCount(count)) => {
                if let Some(info) = &count.info {
                    self.token_usage = Some(info.total_token_usage);
                }
            }
            RolloutItem::EventMsg(EventMsg::ThreadNameUpdated(renamed))
                if self.is_own(renamed.thread_id) =>
            {
                let name = renamed.thread_name.as_deref().unwrap_or("").trim();
                self.legacy_name = Some(name.to_string());
            }
            _ => {}
        }
    }

    fn observe_user_message(&mut self, message: &UserMessageEvent) {
        if self.first_user_message.is_none() {
            self.first_user_message = user_message_preview(message);
        }
        if self.preview.is_none() {
            self.preview = user_message_preview(message);
        }
        if self.title.is_none() {
            self.title = user_message_title(message);
        }
    }

    fn is_own(&self, id: crate::protocol::ThreadId) -> bool {
        self.meta.as_ref().is_none_or(|meta| meta.id == id)
    }

    fn observe_meta(&mut self, meta: &SessionMeta) {
        if self.meta.is_none() {
            self.history_mode = meta.history_mode();
            let mut own = meta.clone();
            // Base instructions and other extras are large and never shown in a summary.
            own.extra.clear();
            self.meta = Some(own);
        } else if !self.is_own(meta.id) {
            return; // a fork's copy of its source thread
        }
        if let Some(mode) = meta.memory_mode() {
            self.memory_mode = Some(mode);
        }
        if let Some(git) = &meta.git {
            self.git = Some(git.clone());
        }
    }

    /// The working directory: the meta's, else the first turn context's.
    pub fn cwd(&self) -> Option<&str> {
        self.meta
            .as_ref()
            .map(|meta| meta.cwd.as_str())
            .filter(|cwd| !cwd.is_empty())
            .or(self.context_cwd.as_deref())
    }
}

/// Helpers for the summary and cache tests.
#[cfg(test)]
pub(super) mod test_lines {
    pub const ID: &str = "019e2a4c-7b1d-7c42-9a3e-5d1f0c2b8e77";

    /// One rollout line of `kind` with `payload` (JSON text), newline included.
    pub fn line(kind: &str, payload: &str) -> String {
        format!(
            "{{\"timestamp\":\"2026-05-14T09:12:34.010Z\",\"type\":\"{kind}\",\"payload\":{payload}}}\n"
        )
    }
}

#[cfg(test)]
mod tests {
    use super::test_lines::{ID, line};
    use super::*;
    use std::io::Write;

    #[test]
    fn a_quick_summary_reads_head_and_tail_of_a_huge_rollout() {
        let dir = tempfile::TempDir::new().unwrap();
        let path = dir.path().join("rollout.jsonl");
        let mut file = std::io::BufWriter::new(std::fs::File::create(&path).unwrap());
        let meta = format!(
            "{{\"id\":\"{ID}\",\"timestamp\":\"2026-05-14T09:12:33.402Z\",\"cwd\":\"/w\"}}"
        );
        write!(file, "{}", line("session_meta", &meta)).unwrap();
        write!(
            file,
            "{}",
            line(
                "event_msg",
                "{\"type\":\"user_message\",\"message\":\"first ask\"}"
            )
        )
        .unwrap();
        let filler = line(
            "response_item",
            &format!(
                "{{\"type\":\"function_call_output\",\"call_id\":\"c\",\"output\":\"{}\"}}",
                "x".repeat(4000)
            ),
        );
        let mut written = 0;
        while written < QUICK_SUMMARY_THRESHOLD + (8 << 20) {
            file.write_all(filler.as_bytes()).unwrap();
            written += filler.len() as u64;
        }
        let copy = format!(
            "{{\"id\":\"{ID}\",\"timestamp\":\"2026-05-14T09:12:33.402Z\",\"cwd\":\"/w\",\"memory_mode\":\"disabled\"}}"
        );
        write!(file, "{}", line("session_meta", &copy)).unwrap();
        write!(
            file,
            "{}",
            line(
                "event_msg",
                "{\"type\":\"token_count\",\"info\":{\"total_token_usage\":{\"total_tokens\":9}}}"
            )
        )
        .unwrap();
        drop(file);
        let size = std::fs::metadata(&path).unwrap().len();

        let quick = RolloutSummary::quick(&path, size).unwrap();
        assert!(quick.partial);
        assert_eq!(quick.preview.as_deref(), Some("first ask"));
        assert_eq!(quick.memory_mode, Some(ThreadMemoryMode::Disabled));
        assert_eq!(quick.token_usage.unwrap().total_tokens, 9);
        assert!(
            quick.bytes_read < 8 << 20,
            "read {} of {size}",
            quick.bytes_read
        );

        let mut complete = RolloutSummary::default();
        complete.update_from(&path).unwrap();
        assert!(!complete.partial);
        assert_eq!(complete.memory_mode, quick.memory_mode);
        assert_eq!(complete.scanned_to, size);
    }

    #[test]
    fn the_last_turn_is_the_last_one_ended_even_when_its_start_was_not_read() {
        let event = |payload: &str| line("event_msg", payload);
        let mut summary = RolloutSummary::default();
        for text in [
            event(r#"{"type":"task_started","turn_id":"t1"}"#),
            // t1's end and t2's start fell between the head and the tail.
            event(r#"{"type":"task_complete","turn_id":"t2","error":{"message":"boom"}}"#),
        ] {
            let line = RolloutLine::decode(text.trim_end()).unwrap();
            summary.observe_line(&line);
        }
        let turn = summary.last_turn.as_ref().unwrap();
        assert_eq!(turn.turn_id.as_deref(), Some("t2"));
        assert!(!turn.in_progress());
        assert_eq!(turn.failure().as_deref(), Some("boom"));

        // A start opens the next turn; an abort of it closes it.
        for text in [
            event(r#"{"type":"task_started","turn_id":"t3"}"#),
            event(r#"{"type":"turn_aborted","turn_id":"t3","reason":"interrupted"}"#),
        ] {
            summary.observe_line(&RolloutLine::decode(text.trim_end()).unwrap());
        }
        let turn = summary.last_turn.as_ref().unwrap();
        assert_eq!(turn.turn_id.as_deref(), Some("t3"));
        assert_eq!(
            turn.failure().as_deref(),
            Some("turn aborted (interrupted)")
        );
    }
}
