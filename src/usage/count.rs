//! Counting a thread's own model calls from its rollout lines, once each:
//!
//! * a `token_count` event counts its `last_token_usage` when its `total_token_usage` moved
//!   (Codex repeats an unchanged count, e.g. when only the rate limits changed);
//! * a `token_usage_record` (paginated history) counts only when no `token_count` reported
//!   its call (a compaction's call): a record is settled by the first `token_count` whose
//!   running total reaches the record's `thread_token_usage`;
//! * a fork counts its own calls only. A legacy fork starts with its parent's lines copied
//!   after a foreign `session_meta`, all written in one burst when the fork was made; their
//!   calls are the parent's and are skipped. The burst is told by its stamps: one line after
//!   another, each within `FORK_COPY_GAP_MS` of the one before (0.147's app server writes a
//!   whole copy within a millisecond or two; its fork's own first call, answered at once by a
//!   local mock model, came some 350 ms after the copy's last line, and the own turn's
//!   `turn_context` 25 ms after it: see `tests/conformance_usage_fork.rs`). The model a copied
//!   `turn_context` names is still the one in effect for the fork's first own call. A
//!   paginated fork copies no lines, but its running totals start from the parent's:
//!   `last_token_usage` is still the fork's own call.
//!
//! The state survives between passes (it is cached), so a rollout that grew is read from where
//! the last pass stopped.

use serde::{Deserialize, Serialize};
use serde_json::Value;

use crate::protocol::time::parse_timestamp;
use crate::protocol::{EventMsg, RolloutItem, RolloutLine, SessionMeta, ThreadId, TokenUsage};

/// Consecutive usage lines of a legacy fork's copy are stamped within this long of each other
/// (the copy is written in one burst); the fork's own first call comes later, after a user
/// turn and a model's reply. (A copy's long lines, written between two usage lines, would
/// need over a tenth of a second to end the burst early.)
const FORK_COPY_GAP_MS: i64 = 100;

/// Token counts as Codex reports them: `input` includes `cached_input`, `output` includes
/// `reasoning`, `total` is input plus output.
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq, Serialize, Deserialize)]
pub struct Tokens {
    pub input: u64,
    pub cached_input: u64,
    pub output: u64,
    pub reasoning: u64,
    pub total: u64,
}

impl Tokens {
    pub fn add(&mut self, other: &Tokens) {
        self.input += other.input;
        self.cached_input += other.cached_input;
        self.output += other.output;
        self.reasoning += other.reasoning;
        self.total += other.total;
    }

    pub fn is_zero(&self) -> bool {
        *self == Tokens::default()
    }

    fn from_usage(usage: &TokenUsage) -> Self {
        let clamp = |value: i64| value.max(0) as u64;
        Tokens {
            input: clamp(usage.input_tokens),
            cached_input: clamp(usage.cached_input_tokens),
            output: clamp(usage.output_tokens),
            reasoning: clamp(usage.reasoning_output_tokens),
            total: clamp(usage.total_tokens),
        }
    }
}

/// The calls of one UTC day with one model.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct UsageBucket {
    /// `YYYY-MM-DD` (UTC).
    pub day: String,
    /// `None`: no turn context named the model before the call.
    pub model: Option<String>,
    pub tokens: Tokens,
    pub calls: u64,
}

/// A `token_usage_record` no `token_count` has settled yet.
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
struct PendingRecord {
    day: String,
    model: Option<String>,
    tokens: Tokens,
    thread_total: u64,
}

#[derive(Clone, Copy, Debug, Default, PartialEq, Eq, Serialize, Deserialize)]
enum ForkCopy {
    /// No foreign `session_meta` seen yet.
    #[default]
    NotSeen,
    /// Inside a legacy fork's copy burst, whose last line seen was stamped at this instant
    /// (ms).
    Copying { last_ms: i64 },
    /// Past the copy: every later call is the thread's own.
    Done,
}

/// A thread's own usage so far, and what counting the next lines needs.
#[derive(Clone, Debug, Default, PartialEq, Serialize, Deserialize)]
pub struct ThreadUsage {
    pub thread_id: Option<ThreadId>,
    pub forked_from: Option<ThreadId>,
    pub cwd: Option<String>,
    /// `session_meta.source` in the listing's text form (`cli`, `exec`, …).
    pub source: Option<String>,
    /// The repository's origin URL, from the thread's own first `session_meta`.
    #[serde(default)]
    pub git_origin: Option<String>,
    /// Counted calls, by day and model, in the order they were first seen.
    pub buckets: Vec<UsageBucket>,
    pending: Vec<PendingRecord>,
    /// The running total of the last `token_count` (of the thread's own lines).
    last_total: Option<u64>,
    model: Option<String>,
    fork_copy: ForkCopy,
    /// Just past the last complete line read.
    pub scanned_to: u64,
    /// Reading stopped early (a damaged `.zst`, an I/O error): why.
    #[serde(default)]
    pub damaged: Option<String>,
}

impl ThreadUsage {
    pub fn observe_line(&mut self, line: &RolloutLine) {
        match &line.item {
            RolloutItem::SessionMeta(meta) => self.observe_meta(meta, &line.timestamp),
            RolloutItem::TurnContext(context) => {
                // A copied turn context still says which model the fork starts with.
                let own = self.is_own_line(&line.timestamp);
                if !context.model.is_empty() {
                    self.model = Some(context.model.clone());
                }
                if own && self.cwd.is_none() && !context.cwd.is_empty() {
                    self.cwd = Some(context.cwd.clone());
                }
            }
            RolloutItem::EventMsg(EventMsg::TokenCount(count)) => {
                if let Some(info) = &count.info {
                    let own = self.is_own_line(&line.timestamp);
                    self.observe_token_count(
                        &line.timestamp,
                        &info.total_token_usage,
                        &info.last_token_usage,
                        own,
                    );
                }
            }
            RolloutItem::Unknown { kind, payload } if kind == "token_usage_record" => {
                self.observe_record(&line.timestamp, payload);
            }
            _ => {}
        }
    }

    fn observe_meta(&mut self, meta: &SessionMeta, stamp: &str) {
        match self.thread_id {
            None => {
                self.thread_id = Some(meta.id);
                self.forked_from = meta.forked_from_id;
                self.source = Some(meta.source_text());
                self.git_origin = meta.git.as_ref().and_then(|git| git.repository_url.clone());
                if !meta.cwd.is_empty() {
                    self.cwd = Some(meta.cwd.clone());
                }
            }
            Some(own) if own != meta.id && self.fork_copy == ForkCopy::NotSeen => {
                // A legacy fork's copy of its parent begins here.
                if let Some(at) = parse_timestamp(stamp) {
                    self.fork_copy = ForkCopy::Copying {
                        last_ms: at.timestamp_millis(),
                    };
                }
            }
            _ => {}
        }
    }

    /// Whether a line stamped `stamp` is the thread's own (not in a fork's copy burst). Ends
    /// the burst at the first line stamped longer than the gap after the line before.
    fn is_own_line(&mut self, stamp: &str) -> bool {
        let ForkCopy::Copying { last_ms } = self.fork_copy else {
            return true;
        };
        let at = parse_timestamp(stamp).map(|at| at.timestamp_millis());
        match at {
            Some(at) if at > last_ms + FORK_COPY_GAP_MS => {
                self.fork_copy = ForkCopy::Done;
                true
            }
            Some(at) => {
                self.fork_copy = ForkCopy::Copying {
                    last_ms: last_ms.max(at),
                };
                false
            }
            None => false,
        }
    }

    fn observe_token_count(
        &mut self,
        stamp: &str,
        total: &TokenUsage,
        last: &TokenUsage,
        own: bool,
    ) {
        let total = total.total_tokens.max(0) as u64;
        let moved = self.last_total != Some(total);
        self.last_total = Some(total);
        if !own {
            return;
        }
        // Records whose call this count or an earlier one reported are settled; a record a
        // count went past without reporting it (a compaction's call) counts on its own.
        let mut still_pending = Vec::new();
        for record in std::mem::take(&mut self.pending) {
            if record.thread_total == total {
                continue;
            } else if record.thread_total < total {
                self.count(&record.day, record.model.clone(), &record.tokens);
            } else {
                still_pending.push(record);
            }
        }
        self.pending = still_pending;
        if moved {
            let day = utc_day(stamp);
            self.count(&day, self.model.clone(), &Tokens::from_usage(last));
        }
    }

    fn observe_record(&mut self, stamp: &str, payload: &Value) {
        if !self.is_own_line(stamp) {
            return;
        }
        // A record of another thread (a sub-agent's) is not this thread's call.
        if let (Some(own), Some(id)) = (self.thread_id, payload.get("thread_id"))
            && id.as_str() != Some(own.to_string().as_str())
        {
            return;
        }
        let usage = |key: &str| {
            payload
                .get(key)
                .and_then(|value| serde_json::from_value::<TokenUsage>(value.clone()).ok())
        };
        let (Some(call), Some(thread)) = (usage("usage"), usage("thread_token_usage")) else {
            return;
        };
        let thread_total = thread.total_tokens.max(0) as u64;
        // Already reported by a count (records normally come first, but not always).
        if self.last_total.is_some_and(|total| total >= thread_total) {
            return;
        }
        self.pending.push(PendingRecord {
            day: utc_day(stamp),
            model: self.model.clone(),
            tokens: Tokens::from_usage(&call),
            thread_total,
        });
    }

    fn count(&mut self, day: &str, model: Option<String>, tokens: &Tokens) {
        if tokens.is_zero() {
            return;
        }
        let found = self
            .buckets
            .iter_mut()
            .find(|bucket| bucket.day == day && bucket.model == model);
        match found {
            Some(bucket) => {
                bucket.tokens.add(tokens);
                bucket.calls += 1;
            }
            None => self.buckets.push(UsageBucket {
                day: day.to_string(),
                model,
                tokens: *tokens,
                calls: 1,
            }),
        }
    }

    /// Every call counted so far, with the records no count has settled yet (a compaction at
    /// the end of the rollout, or a call whose count is not written yet).
    pub fn calls(&self) -> Vec<UsageBucket> {
        let mut all = self.clone();
        for record in &self.pending {
            all.count(&record.day, record.model.clone(), &record.tokens);
        }
        all.buckets
    }

    /// The thread's own tokens, all days and models together.
    pub fn total(&self) -> Tokens {
        let mut total = Tokens::default();
        for bucket in self.calls() {
            total.add(&bucket.tokens);
        }
        total
    }
}

/// The UTC day of a line's stamp; lines without one (pre-envelope rollouts) count as
/// `unknown`.
fn utc_day(stamp: &str) -> String {
    parse_timestamp(stamp)
        .map(|at| at.format("%Y-%m-%d").to_string())
        .unwrap_or_else(|| "unknown".to_string())
}

#[cfg(test)]
mod tests;
