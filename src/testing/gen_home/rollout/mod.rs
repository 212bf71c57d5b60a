//! Writes one generated rollout: the line sequence Codex writes for a thread (codex-format §2),
//! turn after turn until the file reaches its target size, and the facts Codex's extractor would
//! derive from it (for the state DB row).
//!
//! Two formats, as a current user's home holds both:
//!
//! * legacy history, as releases before paginated history wrote it (and as exec and app-server
//!   threads of the 0.14x releases still do): `user_message` / `agent_message` /
//!   `agent_reasoning` events beside the response items;
//! * paginated history (`history_mode: "paginated"`), as 0.169.0 writes it: every line numbered
//!   by `ordinal`, `item_completed` events instead of the message events, `world_state`,
//!   `token_usage_record` and `thread_settings_applied` lines, ids and metadata on response
//!   items. Its shapes live in `paginated.rs`.
//!
//! Lines are formatted by hand into a byte buffer: long texts (command output, encrypted
//! reasoning) are pre-escaped pool slices, so a gigabyte is mostly `memcpy`.

mod paginated;

use std::io::{self, Write};

use chrono::{DateTime, Utc};
use uuid::Builder;

use super::rng::Rng;
use super::text::{self, Pools, USER, escape_into, escaped};
use crate::protocol::text::strip_user_message_prefix;
use crate::protocol::time::{format_rollout_timestamp, from_millis};
use crate::protocol::{GitInfo, ThreadId, ThreadMemoryMode};

/// The context window every legacy turn reports.
const CONTEXT_WINDOW: i64 = 272_000;
/// Compact when the prompt reaches this share of the window.
const COMPACT_AT: i64 = CONTEXT_WINDOW * 4 / 5;
/// Flush the huge rollout's buffer to its file once it holds this much.
const FLUSH_AT: usize = 1 << 20;
/// Local time (Asia/Tokyo, no DST) in file names and `current_date`: Codex names files in local
/// wall-clock time.
pub const LOCAL_OFFSET_SECONDS: i64 = 9 * 3600;
const TIMEZONE: &str = "Asia/Tokyo";

/// Releases are spread over the generated span: the oldest threads come from 0.130, the newest
/// from 0.169 (the newest recorded release).
const OLDEST_MINOR: i64 = 130;
const NEWEST_MINOR: i64 = 169;
/// From this release the interactive TUI writes paginated history; exec and app-server threads
/// stay legacy (as recorded from 0.147.0).
const TUI_PAGINATED_MINOR: i64 = 147;
/// From this release every thread is paginated (recorded from 0.169.0; the exact release where
/// that began is not known, this is a choice that makes about half of a home paginated).
const ALL_PAGINATED_MINOR: i64 = 160;

/// What to write for one thread.
pub struct RolloutPlan<'a> {
    pub id: ThreadId,
    pub created_ms: i64,
    /// Stop starting turns once the file holds this many bytes.
    pub target_bytes: u64,
    /// No line is stamped (much) later than this.
    pub limit_ms: i64,
    /// Where this thread falls between the first and the last thread (0..=1), for versions.
    pub era: f64,
    /// Write paginated history whatever the release (for the huge rollout).
    pub force_paginated: bool,
    pub pools: &'a Pools,
    pub rng: Rng,
}

/// What Codex's extractor derives from the rollout (codex-format §4.5, §5.3).
#[derive(Clone, Debug, PartialEq)]
pub struct RolloutFacts {
    pub first_user_message: String,
    pub cwd: String,
    pub git: Option<GitInfo>,
    /// `SessionSource` as SQLite stores it.
    pub source: String,
    pub originator: String,
    /// `session_meta.thread_source` (paginated threads started by a user say `user`).
    pub thread_source: Option<String>,
    pub cli_version: String,
    pub model: String,
    pub reasoning_effort: String,
    pub approval_mode: String,
    pub sandbox_policy: String,
    pub tokens_used: i64,
    /// For a paginated thread a cold "memory off" is recorded in the state DB only, so this may
    /// say `Disabled` where the rollout says nothing.
    pub memory_mode: ThreadMemoryMode,
    /// `history_mode: "paginated"`.
    pub paginated: bool,
    /// When the last turn started (Codex's `recency_at` for threads it writes now).
    pub last_turn_at: DateTime<Utc>,
    pub last_line_at: DateTime<Utc>,
    pub lines: u64,
    pub bytes: u64,
}

#[derive(Clone, Copy, Default)]
struct Usage {
    input: i64,
    cached: i64,
    output: i64,
    reasoning: i64,
    total: i64,
}

impl Usage {
    fn add(&mut self, other: Usage) {
        self.input += other.input;
        self.cached += other.cached;
        self.output += other.output;
        self.reasoning += other.reasoning;
        self.total += other.total;
    }
}

/// Writes the rollout into `out`, or, when `file` is given, streams it there in large chunks
/// (for the huge rollout) and leaves `out` empty.
pub fn write_rollout<'o>(
    plan: RolloutPlan<'_>,
    out: &'o mut Vec<u8>,
    file: Option<&'o mut dyn Write>,
) -> io::Result<RolloutFacts> {
    let mut writer = Writer::new(plan, out, file);
    writer.write_all()?;
    writer.flush(true)?;
    Ok(writer.into_facts())
}

/// The thread's sandbox, which decides its permission profile in paginated lines.
#[derive(Clone, Copy, PartialEq, Eq)]
enum Sandbox {
    WorkspaceWrite,
    FullAccess,
    ReadOnly,
}

impl Sandbox {
    fn policy_json(self) -> &'static str {
        match self {
            Sandbox::WorkspaceWrite => {
                "{\"type\":\"workspace-write\",\"network_access\":false,\"exclude_tmpdir_env_var\":false,\"exclude_slash_tmp\":false}"
            }
            Sandbox::FullAccess => "{\"type\":\"danger-full-access\"}",
            Sandbox::ReadOnly => "{\"type\":\"read-only\"}",
        }
    }
}

struct Settings {
    cwd: String,
    /// Escaped `session_meta` payload fields after `id`/`timestamp`, up to `base_instructions`.
    meta_middle: String,
    git_json: Option<String>,
    git: Option<GitInfo>,
    source: String,
    originator: &'static str,
    thread_source: Option<&'static str>,
    /// `task_started.turn_attribution.turn_trigger` (paginated), already JSON.
    turn_trigger: &'static str,
    cli_version: String,
    /// Paginated threads of the newest releases say `account_scoped`.
    account_scoped: bool,
    paginated: bool,
    model: String,
    other_model: String,
    effort: &'static str,
    approval: &'static str,
    sandbox: Sandbox,
    /// How the sandbox reads in paginated lines (paginated threads only).
    permissions: Option<paginated::Permissions>,
    memory_disabled: bool,
    base_instructions: usize,
}

/// A user message, kept for the replacement history of a compaction.
struct UserInput {
    escaped: String,
    /// Paginated only: the response item's id, its turn, `create_time`, and its metadata
    /// (sequence numbers, retained revision, input order), which a compaction repeats.
    id: String,
    turn_id: String,
    create_time: String,
    history_sequence: u64,
    sampled_through: u64,
    revision: String,
    order: u64,
}

struct Writer<'a, 'o> {
    plan: RolloutPlan<'a>,
    out: &'o mut Vec<u8>,
    file: Option<&'o mut dyn Write>,
    flushed: u64,
    lines: u64,
    now_ms: i64,
    pace: f64,
    stamp_second: i64,
    stamp: String,
    settings: Settings,
    total: Usage,
    /// Usage of the current turn (paginated `token_usage_record`).
    turn_usage: Usage,
    context_tokens: i64,
    first_user_message: String,
    user_messages: Vec<UserInput>,
    memory_mode: ThreadMemoryMode,
    last_turn_ms: i64,
    /// Paginated response-item bookkeeping (`metadata`): the number of items so far, the
    /// number the model had seen at its latest call, and the order of user-visible inputs and
    /// outputs.
    history_sequence: u64,
    sampled_through: u64,
    user_input_order: u64,
    /// The previous turn was interrupted; Codex tells the model so in the next one.
    aborted_before: bool,
    /// The latest assistant messages, for a compaction's retained context.
    assistant_messages: Vec<paginated::Retained>,
    /// The latest `token_usage_record` payload and its response id.
    last_usage_record: String,
    last_response_id: String,
    /// Context windows: the first (named in `session_meta`), the current, and how many
    /// compactions opened a new one.
    first_window_id: String,
    window_id: String,
    window_number: u64,
}

impl<'a, 'o> Writer<'a, 'o> {
    fn new(
        mut plan: RolloutPlan<'a>,
        out: &'o mut Vec<u8>,
        file: Option<&'o mut dyn Write>,
    ) -> Self {
        let settings = settings(&mut plan);
        // Spread the thread's turns over at most 70% of the time left before the limit.
        let turns = (plan.target_bytes as f64 / 40_000.0).max(1.0);
        let natural_ms = turns * 75.0 * 60_000.0;
        let allowed_ms = (plan.limit_ms - plan.created_ms) as f64 * 0.7;
        let pace = (allowed_ms / natural_ms).clamp(0.000_1, 1.0);
        let memory_mode = if settings.memory_disabled {
            ThreadMemoryMode::Disabled
        } else {
            ThreadMemoryMode::Enabled
        };
        Writer {
            now_ms: plan.created_ms,
            context_tokens: (plan.pools.base_instructions[settings.base_instructions].len() / 4)
                as i64
                + 2_500,
            last_turn_ms: plan.created_ms,
            plan,
            out,
            file,
            flushed: 0,
            lines: 0,
            pace,
            stamp_second: i64::MIN,
            stamp: String::new(),
            settings,
            total: Usage::default(),
            turn_usage: Usage::default(),
            first_user_message: String::new(),
            user_messages: Vec::new(),
            memory_mode,
            history_sequence: 0,
            sampled_through: 0,
            user_input_order: 0,
            aborted_before: false,
            assistant_messages: Vec::new(),
            last_usage_record: String::new(),
            last_response_id: String::new(),
            first_window_id: String::new(),
            window_id: String::new(),
            window_number: 0,
        }
    }

    fn into_facts(self) -> RolloutFacts {
        let s = self.settings;
        RolloutFacts {
            first_user_message: self.first_user_message,
            cwd: s.cwd,
            git: s.git,
            source: s.source,
            originator: s.originator.to_string(),
            thread_source: s.thread_source.map(str::to_string),
            cli_version: s.cli_version,
            model: s.model,
            reasoning_effort: s.effort.to_string(),
            approval_mode: s.approval.to_string(),
            sandbox_policy: s.sandbox.policy_json().to_string(),
            tokens_used: self.total.total,
            memory_mode: self.memory_mode,
            paginated: s.paginated,
            last_turn_at: from_millis(self.last_turn_ms),
            last_line_at: from_millis(self.now_ms),
            lines: self.lines,
            bytes: self.flushed + self.out.len() as u64,
        }
    }

    fn paginated(&self) -> bool {
        self.settings.paginated
    }

    fn size(&self) -> u64 {
        self.flushed + self.out.len() as u64
    }

    fn rng(&mut self) -> &mut Rng {
        &mut self.plan.rng
    }

    fn flush(&mut self, all: bool) -> io::Result<()> {
        if let Some(file) = self.file.as_mut()
            && (all || self.out.len() >= FLUSH_AT)
        {
            file.write_all(self.out)?;
            self.flushed += self.out.len() as u64;
            self.out.clear();
        }
        Ok(())
    }

    /// Moves the clock; `ms` is a natural duration, scaled by the thread's pace. Lines never go
    /// back in time, and each step takes at most half of the time left before the limit.
    fn advance(&mut self, ms: f64) {
        let room = self.plan.limit_ms - self.now_ms;
        let step = ((ms * self.pace) as i64).min(room / 2).max(1);
        self.now_ms += step;
    }

    fn wait(&mut self, lo: f64, hi: f64) {
        let ms = self.rng().log_uniform(lo, hi);
        self.advance(ms);
    }

    fn push(&mut self, text: &str) {
        self.out.extend_from_slice(text.as_bytes());
    }

    fn push_escaped(&mut self, text: &str) {
        escape_into(self.out, text);
    }

    fn push_fmt(&mut self, args: std::fmt::Arguments<'_>) {
        let _ = self.out.write_fmt(args);
    }

    /// `{"timestamp":"…","type":"<kind>","payload":` — the payload follows. Paginated lines carry
    /// their `ordinal` (the line's index in the file) between timestamp and type.
    fn begin(&mut self, kind: &str) {
        let second = self.now_ms.div_euclid(1000);
        if second != self.stamp_second {
            self.stamp_second = second;
            self.stamp = from_millis(second * 1000)
                .format("%Y-%m-%dT%H:%M:%S")
                .to_string();
        }
        let millis = self.now_ms.rem_euclid(1000);
        self.push("{\"timestamp\":\"");
        self.out.extend_from_slice(self.stamp.as_bytes());
        self.push_fmt(format_args!(".{millis:03}Z\""));
        if self.paginated() {
            let ordinal = self.lines;
            self.push_fmt(format_args!(",\"ordinal\":{ordinal}"));
        }
        self.push_fmt(format_args!(",\"type\":\"{kind}\",\"payload\":"));
    }

    fn end(&mut self) {
        self.push("}\n");
        self.lines += 1;
    }

    fn seconds(&self) -> i64 {
        self.now_ms.div_euclid(1000)
    }

    fn uuid_v7(&mut self) -> String {
        let mut random = [0u8; 10];
        let now = self.now_ms as u64;
        self.rng().fill(&mut random);
        Builder::from_unix_timestamp_millis(now, &random)
            .into_uuid()
            .to_string()
    }

    fn call_id(&mut self) -> String {
        const ALPHABET: &[u8] = b"ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789";
        let rng = self.rng();
        let id: String = (0..24)
            .map(|_| ALPHABET[rng.below(ALPHABET.len() as u64) as usize] as char)
            .collect();
        format!("call_{id}")
    }

    fn write_all(&mut self) -> io::Result<()> {
        self.wait(300.0, 900.0);
        if self.paginated() {
            self.paginated_session_meta();
        } else {
            self.legacy_preamble();
        }

        let memory_copy_turn = if self.rng().chance(0.02) {
            Some(self.rng().range(1, 6))
        } else {
            None
        };
        let model_switch_turn = if self.rng().chance(0.1) {
            Some(self.rng().range(1, 10))
        } else {
            None
        };
        // Some threads are resumed days or weeks later, so updated order differs from created.
        let resume_turn = if self.rng().chance(0.08) {
            Some(self.rng().range(1, 2))
        } else {
            None
        };
        let mut turn = 0;
        let mut resumed = false;
        loop {
            let prompt = if turn == 0 {
                let prompt = text::prompt(self.rng());
                // The IDE context block is how older extensions sent it; paginated clients send
                // the request alone.
                if !self.paginated() && self.rng().chance(0.05) {
                    let file = *self.rng().pick(text::FILES);
                    format!(
                        "# Context from my IDE setup:\n\n## Active file: {file}\n\n## Open tabs:\n- {file}\n\n## My request for Codex:\n{prompt}\n"
                    )
                } else {
                    prompt
                }
            } else if self.rng().chance(0.8) {
                text::follow_up(self.rng())
            } else {
                text::prompt(self.rng())
            };
            let switched = model_switch_turn == Some(turn);
            if switched {
                std::mem::swap(&mut self.settings.model, &mut self.settings.other_model);
            }
            self.turn(&prompt, turn == 0, resumed, switched);
            self.flush(false)?;
            turn += 1;
            if memory_copy_turn == Some(turn) {
                // A cold "memory off" from a client: a legacy thread gets a copy of the meta
                // with git dropped; a paginated one is changed in the state DB only.
                self.wait(60_000.0, 3_600_000.0);
                self.memory_mode = ThreadMemoryMode::Disabled;
                if !self.paginated() {
                    self.session_meta(Some(ThreadMemoryMode::Disabled));
                }
            }
            resumed = resume_turn == Some(turn);
            if self.size() >= self.plan.target_bytes && resume_turn.is_none_or(|at| turn > at) {
                return Ok(());
            }
            // Between turns: usually minutes, sometimes hours, rarely days.
            let gap = match self.rng().below(20) {
                _ if resumed => self.rng().log_uniform(86_400_000.0, 60.0 * 86_400_000.0),
                0 => self.rng().log_uniform(7_200_000.0, 259_200_000.0),
                1..=5 => self.rng().log_uniform(300_000.0, 7_200_000.0),
                _ => self.rng().log_uniform(20_000.0, 300_000.0),
            };
            self.advance(gap);
        }
    }

    /// A legacy thread starts with its meta, the permissions, maybe AGENTS.md, and the
    /// environment context, before the first turn.
    fn legacy_preamble(&mut self) {
        self.session_meta(None);
        self.message("developer", "input_text", text::PERMISSIONS);
        if self.rng().chance(0.6) {
            let agents = format!(
                "# AGENTS.md instructions for {}\n\n<INSTRUCTIONS>\n- Run `cargo fmt` and the tests before you finish.\n- Prefer small, focused commits.\n- Never commit secrets.\n</INSTRUCTIONS>",
                self.settings.cwd
            );
            self.message("user", "input_text", &agents);
        }
        let context = format!(
            "<environment_context>\n  <cwd>{}</cwd>\n  <approval_policy>{}</approval_policy>\n  <shell>zsh</shell>\n</environment_context>",
            self.settings.cwd, self.settings.approval
        );
        self.message("user", "input_text", &context);
    }

    /// A legacy thread's `session_meta`: the first line, or (with `copy_with`) the copy a cold
    /// memory-mode change appends, which states the mode and drops `git`.
    fn session_meta(&mut self, copy_with: Option<ThreadMemoryMode>) {
        self.begin("session_meta");
        let id = self.plan.id;
        let created = format_rollout_timestamp(from_millis(self.plan.created_ms));
        self.push_fmt(format_args!(
            "{{\"id\":\"{id}\",\"timestamp\":\"{created}\","
        ));
        self.out
            .extend_from_slice(self.settings.meta_middle.as_bytes());
        self.push(",\"base_instructions\":{\"text\":\"");
        let pools = self.plan.pools;
        self.push(&pools.base_instructions[self.settings.base_instructions]);
        self.push("\"}");
        let (memory_mode, with_git) = match copy_with {
            Some(mode) => (Some(mode), false),
            None => (
                self.settings
                    .memory_disabled
                    .then_some(ThreadMemoryMode::Disabled),
                true,
            ),
        };
        if let Some(mode) = memory_mode {
            self.push_fmt(format_args!(",\"memory_mode\":\"{}\"", mode.as_str()));
        }
        if with_git && let Some(git) = &self.settings.git_json {
            self.out.extend_from_slice(b",\"git\":");
            self.out.extend_from_slice(git.as_bytes());
        }
        self.push("}");
        self.end();
    }

    /// A legacy `response_item` message with one content part.
    fn message(&mut self, role: &str, part: &str, text: &str) {
        self.begin("response_item");
        self.push_fmt(format_args!(
            "{{\"type\":\"message\",\"role\":\"{role}\",\"content\":[{{\"type\":\"{part}\",\"text\":\""
        ));
        self.push_escaped(text);
        self.push("\"}]}");
        self.end();
    }

    fn turn(&mut self, prompt: &str, first: bool, resumed: bool, switched_model: bool) {
        let turn_start = self.now_ms;
        self.last_turn_ms = turn_start;
        self.turn_usage = Usage::default();
        let turn_id = self.uuid_v7();
        if self.paginated() {
            self.paginated_turn_start(&turn_id, first, resumed, switched_model);
        } else {
            self.begin("event_msg");
            let started = self.seconds();
            self.push_fmt(format_args!(
                "{{\"type\":\"task_started\",\"turn_id\":\"{turn_id}\",\"started_at\":{started},\"model_context_window\":{CONTEXT_WINDOW},\"collaboration_mode_kind\":\"default\"}}"
            ));
            self.end();
            self.advance(2.0);
            self.turn_context(&turn_id);
        }

        let escaped_prompt = escaped(prompt);
        let input = if self.paginated() {
            self.paginated_user_prompt(&turn_id, escaped_prompt)
        } else {
            self.begin("response_item");
            self.push("{\"type\":\"message\",\"role\":\"user\",\"content\":[{\"type\":\"input_text\",\"text\":\"");
            self.push(&escaped_prompt);
            self.push("\"}]}");
            self.end();
            self.begin("event_msg");
            self.push("{\"type\":\"user_message\",\"message\":\"");
            self.push(&escaped_prompt);
            self.push("\",\"local_images\":[],\"text_elements\":[]}");
            self.end();
            UserInput {
                escaped: escaped_prompt,
                id: String::new(),
                turn_id: String::new(),
                create_time: String::new(),
                history_sequence: 0,
                sampled_through: 0,
                revision: String::new(),
                order: 0,
            }
        };
        if self.first_user_message.is_empty() {
            self.first_user_message = strip_user_message_prefix(prompt).to_string();
        }
        self.user_messages.push(input);
        self.context_tokens += prompt.len() as i64 / 4 + 10;

        let steps = match self.rng().below(10) {
            0..=2 => self.rng().range(0, 2),
            3..=7 => self.rng().range(3, 8),
            _ => self.rng().range(9, 25),
        };
        let mut first_token_ms = None;
        for step in 0..steps {
            if step > 0 && self.size() >= self.plan.target_bytes {
                break;
            }
            self.wait(800.0, 15_000.0);
            first_token_ms.get_or_insert(self.now_ms - turn_start);
            self.step(&turn_id);
        }

        self.wait(800.0, 20_000.0);
        first_token_ms.get_or_insert(self.now_ms - turn_start);
        if self.rng().chance(0.04) {
            let duration = self.now_ms - turn_start;
            self.begin("event_msg");
            if self.paginated() {
                let (started, completed) = (turn_start.div_euclid(1000), self.seconds());
                self.push_fmt(format_args!(
                    "{{\"type\":\"turn_aborted\",\"root_turn_id\":\"{turn_id}\",\"turn_id\":\"{turn_id}\",\"reason\":\"interrupted\",\"started_at\":{started},\"completed_at\":{completed},\"duration_ms\":{duration}}}"
                ));
                self.aborted_before = true;
            } else {
                self.push_fmt(format_args!(
                    "{{\"type\":\"turn_aborted\",\"turn_id\":\"{turn_id}\",\"reason\":\"interrupted\",\"duration_ms\":{duration}}}"
                ));
            }
            self.end();
            return;
        }
        self.sampled_through = self.history_sequence;
        if self.rng().chance(0.5) {
            self.reasoning(&turn_id);
        }
        let answer = escaped(&text::final_answer(self.rng()));
        if self.paginated() {
            self.paginated_agent_message(&turn_id, &answer, "final_answer");
        } else {
            self.begin("response_item");
            self.push("{\"type\":\"message\",\"role\":\"assistant\",\"content\":[{\"type\":\"output_text\",\"text\":\"");
            self.push(&answer);
            self.push("\"}],\"phase\":\"final_answer\"}");
            self.end();
            self.advance(1.0);
            self.begin("event_msg");
            self.push("{\"type\":\"agent_message\",\"message\":\"");
            self.push(&answer);
            self.push("\",\"phase\":\"final_answer\",\"memory_citation\":null}");
            self.end();
        }
        let usage = self.model_call(&turn_id);
        self.advance(150.0);
        self.token_count(usage, answer.len() as i64 / 4);
        self.advance(80.0);
        let duration = self.now_ms - turn_start;
        let completed = self.seconds();
        let first_token = first_token_ms.unwrap_or(0);
        self.begin("event_msg");
        if self.paginated() {
            let started = turn_start.div_euclid(1000);
            self.push_fmt(format_args!(
                "{{\"type\":\"task_complete\",\"root_turn_id\":\"{turn_id}\",\"turn_id\":\"{turn_id}\",\"last_agent_message\":\""
            ));
            self.push(&answer);
            self.push_fmt(format_args!(
                "\",\"started_at\":{started},\"completed_at\":{completed},\"duration_ms\":{duration},\"time_to_first_token_ms\":{first_token}}}"
            ));
        } else {
            self.push_fmt(format_args!(
                "{{\"type\":\"task_complete\",\"turn_id\":\"{turn_id}\",\"last_agent_message\":\""
            ));
            self.push(&answer);
            self.push_fmt(format_args!(
                "\",\"completed_at\":{completed},\"duration_ms\":{duration},\"time_to_first_token_ms\":{first_token}}}"
            ));
        }
        self.end();
    }

    fn turn_context(&mut self, turn_id: &str) {
        if self.paginated() {
            self.paginated_turn_context(turn_id);
            return;
        }
        let local = from_millis(self.now_ms + LOCAL_OFFSET_SECONDS * 1000);
        let date = local.format("%Y-%m-%d");
        self.begin("turn_context");
        let s = &self.settings;
        let payload = format!(
            "{{\"turn_id\":\"{turn_id}\",\"cwd\":\"{}\",\"current_date\":\"{date}\",\"timezone\":\"{TIMEZONE}\",\"approval_policy\":\"{}\",\"sandbox_policy\":{},\"model\":\"{}\",\"effort\":\"{}\",\"summary\":\"auto\"}}",
            escaped(&s.cwd),
            s.approval,
            s.sandbox.policy_json(),
            s.model,
            s.effort
        );
        self.push(&payload);
        self.end();
    }

    fn reasoning(&mut self, turn_id: &str) {
        let summary = text::reasoning_summary(self.rng());
        let len = self.rng().log_uniform(800.0, 9_000.0) as usize;
        let pools = self.plan.pools;
        let blob = pools.base64(self.rng(), len);
        if self.paginated() {
            self.paginated_reasoning(turn_id, summary, blob);
        } else {
            self.begin("response_item");
            self.push_fmt(format_args!(
                "{{\"type\":\"reasoning\",\"summary\":[{{\"type\":\"summary_text\",\"text\":\"{summary}\"}}],\"content\":null,\"encrypted_content\":\"gAAAAAB"
            ));
            self.push(blob);
            self.push("\"}");
            self.end();
            self.advance(1.0);
            self.begin("event_msg");
            self.push_fmt(format_args!(
                "{{\"type\":\"agent_reasoning\",\"text\":\"{summary}\"}}"
            ));
            self.end();
        }
        self.context_tokens += len as i64 / 8;
    }

    /// One model response: reasoning, maybe a progress note, a tool call and its result.
    fn step(&mut self, turn_id: &str) {
        // The model sees everything written so far.
        self.sampled_through = self.history_sequence;
        if self.rng().chance(0.75) {
            self.reasoning(turn_id);
        }
        if self.rng().chance(0.2) {
            let note = escaped(&text::commentary(self.rng()));
            if self.paginated() {
                self.paginated_agent_message(turn_id, &note, "commentary");
            } else {
                self.begin("response_item");
                self.push("{\"type\":\"message\",\"role\":\"assistant\",\"content\":[{\"type\":\"output_text\",\"text\":\"");
                self.push(&note);
                self.push("\"}],\"phase\":\"commentary\"}");
                self.end();
                self.begin("event_msg");
                self.push("{\"type\":\"agent_message\",\"message\":\"");
                self.push(&note);
                self.push("\",\"phase\":\"commentary\",\"memory_citation\":null}");
                self.end();
            }
        }
        self.advance(3.0);
        let (usage, added_tokens) = match self.rng().below(100) {
            0..=74 => self.exec_command(turn_id),
            75..=92 => self.apply_patch(turn_id),
            _ => self.update_plan(turn_id),
        };
        self.advance(200.0);
        self.token_count(usage, added_tokens);
        if self.context_tokens > COMPACT_AT {
            self.compact(turn_id);
        }
    }

    /// The usage of the model call whose output was just written; a paginated rollout records
    /// it right away (`token_usage_record`), both formats later in a `token_count`.
    fn model_call(&mut self, turn_id: &str) -> Usage {
        let output = self.rng().range(40, 2_500);
        let input = self.context_tokens;
        let cached = ((input as f64 * self.rng().log_uniform(0.5, 0.99)) as i64) / 256 * 256;
        let last = Usage {
            input,
            cached,
            output,
            reasoning: output * self.rng().range(0, 70) / 100,
            total: input + output,
        };
        self.total.add(last);
        self.turn_usage.add(last);
        if self.paginated() {
            self.token_usage_record(turn_id, last);
        }
        last
    }

    /// Function-call `exec_command` and its output. Returns the call's usage and the tokens
    /// the output added to the context.
    fn exec_command(&mut self, turn_id: &str) -> (Usage, i64) {
        let call_id = self.call_id();
        let command = *self.rng().pick(text::COMMANDS);
        let arguments = serde_json::json!({
            "cmd": command,
            "workdir": self.settings.cwd,
            "yield_time_ms": 10_000,
        })
        .to_string();
        self.function_call(turn_id, "exec_command", &arguments, &call_id);
        let usage = self.model_call(turn_id);

        let started_ms = self.now_ms;
        let wall_ms = self.rng().log_uniform(80.0, 90_000.0);
        self.advance(wall_ms);
        // A paginated rollout holds the output twice (the item and the model's copy).
        let copies = if self.paginated() { 4.0 } else { 2.0 };
        let budget = self.plan.target_bytes.saturating_sub(self.size()) as f64;
        let len = self
            .rng()
            .log_uniform(200.0, 30_000.0)
            .min((budget / copies).max(200.0)) as usize;
        let pools = self.plan.pools;
        let output = pools.output(self.rng(), len);
        let exit = if self.rng().chance(0.85) { 0 } else { 1 };
        if self.paginated() {
            self.command_execution_item(turn_id, &call_id, command, output, exit, started_ms);
        }
        let chunk = self.rng().next_u64() & 0xff_ffff;
        let output_id = self.output_id();
        self.begin("response_item");
        self.push_fmt(format_args!(
            "{{\"type\":\"function_call_output\",{output_id}\"call_id\":\"{call_id}\",\"output\":\"Chunk ID: {chunk:06x}\\nWall time: {:.4} seconds\\nProcess exited with code {exit}\\nOriginal token count: {}\\nOutput:\\n",
            wall_ms / 1000.0,
            output.len() / 4
        ));
        self.push(output);
        self.push("\"");
        self.end_output(turn_id);
        (usage, output.len() as i64 / 4)
    }

    /// A `function_call` response item.
    fn function_call(&mut self, turn_id: &str, name: &str, arguments: &str, call_id: &str) {
        self.begin("response_item");
        self.push_fmt(format_args!("{{\"type\":\"function_call\","));
        if self.paginated() {
            let id = self.openai_id("fc");
            self.push_fmt(format_args!("\"id\":\"{id}\","));
        }
        self.push_fmt(format_args!("\"name\":\"{name}\",\"arguments\":\""));
        self.push_escaped(arguments);
        self.push_fmt(format_args!("\",\"call_id\":\"{call_id}\""));
        self.end_model_output(turn_id);
    }

    /// `"id":"fco_…",` for a paginated tool output (Codex names them), nothing for legacy.
    fn output_id(&mut self) -> String {
        if self.paginated() {
            format!("\"id\":\"fco_{}\",", self.uuid_v7())
        } else {
            String::new()
        }
    }

    fn apply_patch(&mut self, turn_id: &str) -> (Usage, i64) {
        let call_id = self.call_id();
        let file = *self.rng().pick(text::FILES);
        let pools = self.plan.pools;
        // The diff body, escaped: context, removed and added lines.
        let mut diff = String::new();
        let hunks = self.rng().range(1, 4);
        for _ in 0..hunks {
            let at = self.rng().range(1, 800);
            diff.push_str(&format!("@@ -{at},7 +{at},8 @@\\n"));
            for _ in 0..self.rng().range(3, 30) {
                let prefix = *self.rng().pick(&[" ", " ", "-", "+", "+"]);
                let line = self.rng().pick(&pools.code);
                diff.push_str(prefix);
                diff.push_str(line);
                diff.push_str("\\n");
            }
        }
        self.begin("response_item");
        self.push("{\"type\":\"custom_tool_call\",");
        if self.paginated() {
            let id = self.openai_id("ctc");
            self.push_fmt(format_args!("\"id\":\"{id}\","));
        }
        self.push_fmt(format_args!(
            "\"status\":\"completed\",\"call_id\":\"{call_id}\",\"name\":\"apply_patch\",\"input\":\"*** Begin Patch\\n*** Update File: {file}\\n"
        ));
        self.push(&diff);
        self.push("*** End Patch\"");
        self.end_model_output(turn_id);
        let usage = self.model_call(turn_id);
        self.wait(30.0, 600.0);
        let result = format!("Success. Updated the following files:\\nM {file}\\n");
        let absolute = escaped(&format!("{}/{file}", self.settings.cwd));
        if self.paginated() {
            self.file_change_item(turn_id, &call_id, &absolute, &diff, &result);
        }
        self.begin("response_item");
        self.push_fmt(format_args!(
            "{{\"type\":\"custom_tool_call_output\",\"call_id\":\"{call_id}\",\"output\":\"{result}\""
        ));
        self.end_output(turn_id);
        if !self.paginated() {
            self.begin("event_msg");
            self.push_fmt(format_args!(
                "{{\"type\":\"patch_apply_end\",\"call_id\":\"{call_id}\",\"turn_id\":\"{turn_id}\",\"stdout\":\"{result}\",\"stderr\":\"\",\"success\":true,\"changes\":{{\"{absolute}\":{{\"update\":{{\"unified_diff\":\""
            ));
            self.push(&diff);
            self.push("\",\"move_path\":null}}}}");
            self.end();
        }
        (usage, diff.len() as i64 / 3)
    }

    fn update_plan(&mut self, turn_id: &str) -> (Usage, i64) {
        let call_id = self.call_id();
        let steps = [
            "Reproduce the problem",
            "Implement the fix",
            "Add tests",
            "Run the full suite",
        ];
        let done = self.rng().below(steps.len() as u64) as usize;
        let plan: Vec<_> = steps
            .iter()
            .enumerate()
            .map(|(i, step)| {
                let status = match i.cmp(&done) {
                    std::cmp::Ordering::Less => "completed",
                    std::cmp::Ordering::Equal => "in_progress",
                    std::cmp::Ordering::Greater => "pending",
                };
                serde_json::json!({ "step": step, "status": status })
            })
            .collect();
        let arguments = serde_json::json!({ "plan": plan }).to_string();
        self.function_call(turn_id, "update_plan", &arguments, &call_id);
        let usage = self.model_call(turn_id);
        self.advance(5.0);
        let output_id = self.output_id();
        self.begin("response_item");
        self.push_fmt(format_args!(
            "{{\"type\":\"function_call_output\",{output_id}\"call_id\":\"{call_id}\",\"output\":\"Plan updated\""
        ));
        self.end_output(turn_id);
        (usage, arguments.len() as i64 / 4)
    }

    /// One model call's usage as a `token_count` event; the output and what the tools added
    /// grow the context.
    fn token_count(&mut self, last: Usage, added_tokens: i64) {
        self.context_tokens += last.output + added_tokens;
        let t = self.total;
        let (cache_write, window, includes) = if self.paginated() {
            (
                ",\"cache_write_input_tokens\":0",
                paginated::CONTEXT_WINDOW,
                ",\"last_usage_includes_reasoning\":false",
            )
        } else {
            ("", CONTEXT_WINDOW, "")
        };
        let limits = self.rate_limits();
        self.begin("event_msg");
        self.push_fmt(format_args!(
            "{{\"type\":\"token_count\",\"info\":{{\"total_token_usage\":{{\"input_tokens\":{},\"cached_input_tokens\":{}{cache_write},\"output_tokens\":{},\"reasoning_output_tokens\":{},\"total_tokens\":{}}},\"last_token_usage\":{{\"input_tokens\":{},\"cached_input_tokens\":{}{cache_write},\"output_tokens\":{},\"reasoning_output_tokens\":{},\"total_tokens\":{}}}{includes},\"model_context_window\":{window}}},\"rate_limits\":{limits}}}",
            t.input, t.cached, t.output, t.reasoning, t.total,
            last.input, last.cached, last.output, last.reasoning, last.total,
        ));
        self.end();
    }

    /// The account's rate limits as a `token_count` reports them; paginated releases add two
    /// fields.
    fn rate_limits(&mut self) -> String {
        let primary = (self.now_ms / 60_000 % 100) as f64;
        let resets = self.seconds() + self.rng().range(60, 18_000);
        let extra = if self.paginated() {
            ",\"individual_limit\":null,\"spend_control_reached\":null"
        } else {
            ""
        };
        format!(
            "{{\"limit_id\":\"codex\",\"limit_name\":null,\"primary\":{{\"used_percent\":{primary:.1},\"window_minutes\":300,\"resets_at\":{resets}}},\"secondary\":{{\"used_percent\":{:.1},\"window_minutes\":10080,\"resets_at\":{}}},\"credits\":null{extra},\"plan_type\":\"pro\",\"rate_limit_reached_type\":null}}",
            primary / 7.0,
            resets + 400_000,
        )
    }

    /// Mid-turn compaction: the summary with its replacement history, the event, and a fresh
    /// turn context.
    fn compact(&mut self, turn_id: &str) {
        self.wait(2_000.0, 30_000.0);
        if self.paginated() {
            self.paginated_compact(turn_id);
            return;
        }
        self.begin("compacted");
        self.push("{\"message\":\"Summary of the work so far: the user asked for changes in ");
        let cwd = escaped(&self.settings.cwd);
        self.push(&cwd);
        self.push(". Files were inspected and edited, tests were run; the remaining steps are tracked in the plan.\",\"replacement_history\":[");
        let keep = self.user_messages.len().min(4);
        let start = self.user_messages.len() - keep;
        let messages = std::mem::take(&mut self.user_messages);
        for (i, message) in messages[start..].iter().enumerate() {
            if i > 0 {
                self.push(",");
            }
            self.push("{\"type\":\"message\",\"role\":\"user\",\"content\":[{\"type\":\"input_text\",\"text\":\"");
            self.push(&message.escaped);
            self.push("\"}]}");
        }
        self.user_messages = messages;
        self.push(",{\"type\":\"compaction\",\"encrypted_content\":\"gAAAAAB");
        let pools = self.plan.pools;
        let len = self.rng().range(2_000, 12_000) as usize;
        let blob = pools.base64(self.rng(), len);
        self.push(blob);
        self.push("\"}]}");
        self.end();
        self.advance(1.0);
        self.begin("event_msg");
        self.push("{\"type\":\"context_compacted\"}");
        self.end();
        self.context_tokens = 12_000 + self.rng().range(0, 8_000);
        self.advance(2.0);
        self.turn_context(turn_id);
    }
}

/// The thread's fixed settings, drawn from its generator.
fn settings(plan: &mut RolloutPlan<'_>) -> Settings {
    let era = plan.era;
    let force_paginated = plan.force_paginated;
    let rng = &mut plan.rng;
    let (project, owner) = *rng.pick(text::PROJECTS);
    let cwd = format!("/home/{USER}/{project}");
    let repo = project.rsplit('/').next().unwrap_or(project);
    let mut sha = [0u8; 20];
    rng.fill(&mut sha);
    let sha: String = sha.iter().map(|byte| format!("{byte:02x}")).collect();
    let branch = rng.pick(text::BRANCHES).to_string();
    let git = match rng.below(20) {
        0 => None,
        1 | 2 => Some(GitInfo {
            commit_hash: Some(sha),
            branch: Some(branch),
            repository_url: None,
        }),
        _ => Some(GitInfo {
            commit_hash: Some(sha),
            branch: Some(branch),
            repository_url: Some(format!("git@github.com:{owner}/{repo}.git")),
        }),
    };
    let git_json = git
        .as_ref()
        .map(|git| serde_json::to_string(git).expect("git info serialises"));

    #[derive(Clone, Copy, PartialEq)]
    enum Client {
        Tui,
        Vscode,
        Exec,
        Subagent,
    }
    let client = *rng.weighted(&[
        (65, Client::Tui),
        (25, Client::Vscode),
        (7, Client::Exec),
        (3, Client::Subagent),
    ]);
    let span = (NEWEST_MINOR - OLDEST_MINOR + 1) as f64;
    let minor = (OLDEST_MINOR + (era * span) as i64).min(NEWEST_MINOR);
    let patch = if minor == NEWEST_MINOR {
        0
    } else {
        rng.range(0, 3)
    };
    let cli_version = format!("0.{minor}.{patch}");
    let paginated = force_paginated
        || minor >= ALL_PAGINATED_MINOR
        || (minor >= TUI_PAGINATED_MINOR && client == Client::Tui);
    // What each client writes, as recorded: the 0.169 TUI runs through the app-server daemon
    // and records its threads as `vscode`; threads a user starts say `thread_source: "user"`.
    let (source_json, originator, thread_source, turn_trigger) = match client {
        Client::Tui if minor >= ALL_PAGINATED_MINOR => {
            ("\"vscode\"", "codex-tui", Some("user"), "\"user\"")
        }
        Client::Tui if paginated => ("\"cli\"", "codex-tui", Some("user"), "\"user\""),
        Client::Tui => ("\"cli\"", "codex_cli_rs", None, "null"),
        Client::Vscode => ("\"vscode\"", "codex_vscode", None, "null"),
        Client::Exec => (
            "\"exec\"",
            "codex_exec",
            paginated.then_some("user"),
            "\"exec\"",
        ),
        Client::Subagent => ("{\"subagent\":\"review\"}", "codex_cli_rs", None, "null"),
    };
    let source = source_json.trim_matches('"').to_string();
    let models: &[&str] = if era < 0.3 {
        &["gpt-5-codex", "gpt-5"]
    } else if era < 0.7 {
        &["gpt-5.1-codex", "gpt-5.1-codex-mini", "gpt-5.1"]
    } else {
        &["gpt-5.5-codex", "gpt-5.5-codex", "gpt-5.1-codex-mini"]
    };
    let model = rng.pick(models).to_string();
    let other_model = rng.pick(models).to_string();
    let effort = *rng.weighted(&[(60, "medium"), (25, "high"), (10, "low"), (5, "xhigh")]);
    let approval = *rng.weighted(&[(70, "on-request"), (20, "never"), (10, "untrusted")]);
    let sandbox = *rng.weighted(&[
        (70, Sandbox::WorkspaceWrite),
        (15, Sandbox::FullAccess),
        (15, Sandbox::ReadOnly),
    ]);
    let memory_disabled = rng.chance(0.04);
    let base_instructions = if plan.target_bytes < 25_000 {
        rng.below(2) as usize
    } else {
        *rng.weighted(&[(1, 0), (2, 1), (3, 2), (14, 3)])
    };
    let cwd_json = escaped(&cwd);
    let meta_middle = if paginated {
        let thread_source = thread_source
            .map(|value| format!(",\"thread_source\":\"{value}\""))
            .unwrap_or_default();
        format!(
            "\"cwd\":\"{cwd_json}\",\"runtime_workspace_roots\":[\"{cwd_json}\"],\"originator\":\"{originator}\",\"cli_version\":\"{cli_version}\",\"source\":{source_json}{thread_source},\"model_provider\":\"openai\""
        )
    } else {
        format!(
            "\"cwd\":\"{cwd_json}\",\"originator\":\"{originator}\",\"cli_version\":\"{cli_version}\",\"source\":{source_json},\"model_provider\":\"openai\""
        )
    };
    let permissions = paginated.then(|| paginated::Permissions::new(sandbox, &cwd));
    Settings {
        cwd,
        meta_middle,
        git_json,
        git,
        source,
        originator,
        thread_source,
        turn_trigger,
        cli_version,
        account_scoped: minor >= ALL_PAGINATED_MINOR,
        paginated,
        model,
        other_model,
        effort,
        approval,
        sandbox,
        permissions,
        memory_disabled,
        base_instructions,
    }
}
