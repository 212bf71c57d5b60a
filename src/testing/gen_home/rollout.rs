//! Writes one generated rollout: the line sequence Codex writes for a thread (codex-format §2),
//! turn after turn until the file reaches its target size, and the facts Codex's extractor would
//! derive from it (for the state DB row).
//!
//! Lines are formatted by hand into a byte buffer: long texts (command output, encrypted
//! reasoning) are pre-escaped pool slices, so a gigabyte is mostly `memcpy`.

use std::io::{self, Write};

use chrono::{DateTime, Utc};
use uuid::Builder;

use super::rng::Rng;
use super::text::{self, Pools, USER, escape_into, escaped};
use crate::protocol::text::strip_user_message_prefix;
use crate::protocol::time::{format_rollout_timestamp, from_millis};
use crate::protocol::{GitInfo, ThreadId, ThreadMemoryMode};

/// The context window every turn reports.
const CONTEXT_WINDOW: i64 = 272_000;
/// Compact when the prompt reaches this share of the window.
const COMPACT_AT: i64 = CONTEXT_WINDOW * 4 / 5;
/// Flush the huge rollout's buffer to its file once it holds this much.
const FLUSH_AT: usize = 1 << 20;
/// Local time (Asia/Tokyo, no DST) in file names and `current_date`: Codex names files in local
/// wall-clock time.
pub const LOCAL_OFFSET_SECONDS: i64 = 9 * 3600;
const TIMEZONE: &str = "Asia/Tokyo";

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
    pub cli_version: String,
    pub model: String,
    pub reasoning_effort: String,
    pub approval_mode: String,
    pub sandbox_policy: String,
    pub tokens_used: i64,
    pub memory_mode: ThreadMemoryMode,
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

struct Settings {
    cwd: String,
    /// Escaped `session_meta` payload fields after `id`/`timestamp`, up to `base_instructions`.
    meta_middle: String,
    git_json: Option<String>,
    git: Option<GitInfo>,
    source: String,
    cli_version: String,
    model: String,
    other_model: String,
    effort: &'static str,
    approval: &'static str,
    sandbox_json: &'static str,
    memory_disabled: bool,
    base_instructions: usize,
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
    context_tokens: i64,
    first_user_message: String,
    user_messages: Vec<String>,
    memory_mode: ThreadMemoryMode,
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
            first_user_message: String::new(),
            user_messages: Vec::new(),
            memory_mode,
        }
    }

    fn into_facts(self) -> RolloutFacts {
        let s = self.settings;
        RolloutFacts {
            first_user_message: self.first_user_message,
            cwd: s.cwd,
            git: s.git,
            source: s.source,
            cli_version: s.cli_version,
            model: s.model,
            reasoning_effort: s.effort.to_string(),
            approval_mode: s.approval.to_string(),
            sandbox_policy: s.sandbox_json.to_string(),
            tokens_used: self.total.total,
            memory_mode: self.memory_mode,
            last_line_at: from_millis(self.now_ms),
            lines: self.lines,
            bytes: self.flushed + self.out.len() as u64,
        }
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

    /// `{"timestamp":"…","type":"<kind>","payload":` — the payload follows.
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
        self.push_fmt(format_args!(
            ".{millis:03}Z\",\"type\":\"{kind}\",\"payload\":"
        ));
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
        loop {
            let prompt = if turn == 0 {
                let prompt = text::prompt(self.rng());
                if self.rng().chance(0.05) {
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
            if model_switch_turn == Some(turn) {
                std::mem::swap(&mut self.settings.model, &mut self.settings.other_model);
            }
            self.turn(&prompt);
            self.flush(false)?;
            turn += 1;
            if memory_copy_turn == Some(turn) {
                // A cold "memory off" from a client: a copy of the meta with git dropped.
                self.wait(60_000.0, 3_600_000.0);
                self.memory_mode = ThreadMemoryMode::Disabled;
                self.session_meta(Some(ThreadMemoryMode::Disabled));
            }
            let resuming = resume_turn == Some(turn);
            if self.size() >= self.plan.target_bytes && resume_turn.is_none_or(|at| turn > at) {
                return Ok(());
            }
            // Between turns: usually minutes, sometimes hours, rarely days.
            let gap = match self.rng().below(20) {
                _ if resuming => self.rng().log_uniform(86_400_000.0, 60.0 * 86_400_000.0),
                0 => self.rng().log_uniform(7_200_000.0, 259_200_000.0),
                1..=5 => self.rng().log_uniform(300_000.0, 7_200_000.0),
                _ => self.rng().log_uniform(20_000.0, 300_000.0),
            };
            self.advance(gap);
        }
    }

    /// The thread's `session_meta`: the first line, or (with `copy_with`) the copy a cold
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

    /// A `response_item` message with one content part.
    fn message(&mut self, role: &str, part: &str, text: &str) {
        self.begin("response_item");
        self.push_fmt(format_args!(
            "{{\"type\":\"message\",\"role\":\"{role}\",\"content\":[{{\"type\":\"{part}\",\"text\":\""
        ));
        self.push_escaped(text);
        self.push("\"}]}");
        self.end();
    }

    fn turn(&mut self, prompt: &str) {
        let turn_start = self.now_ms;
        let turn_id = self.uuid_v7();
        self.begin("event_msg");
        let started = self.seconds();
        self.push_fmt(format_args!(
            "{{\"type\":\"task_started\",\"turn_id\":\"{turn_id}\",\"started_at\":{started},\"model_context_window\":{CONTEXT_WINDOW},\"collaboration_mode_kind\":\"default\"}}"
        ));
        self.end();
        self.advance(2.0);
        self.turn_context(&turn_id);

        let escaped_prompt = escaped(prompt);
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
        if self.first_user_message.is_empty() {
            self.first_user_message = strip_user_message_prefix(prompt).to_string();
        }
        self.user_messages.push(escaped_prompt);
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
            self.push_fmt(format_args!(
                "{{\"type\":\"turn_aborted\",\"turn_id\":\"{turn_id}\",\"reason\":\"interrupted\",\"duration_ms\":{duration}}}"
            ));
            self.end();
            return;
        }
        if self.rng().chance(0.5) {
            self.reasoning();
        }
        let answer = escaped(&text::final_answer(self.rng()));
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
        self.advance(150.0);
        self.token_count(answer.len() as i64 / 4);
        self.advance(80.0);
        let duration = self.now_ms - turn_start;
        let completed = self.seconds();
        let first_token = first_token_ms.unwrap_or(0);
        self.begin("event_msg");
        self.push_fmt(format_args!(
            "{{\"type\":\"task_complete\",\"turn_id\":\"{turn_id}\",\"last_agent_message\":\""
        ));
        self.push(&answer);
        self.push_fmt(format_args!(
            "\",\"completed_at\":{completed},\"duration_ms\":{duration},\"time_to_first_token_ms\":{first_token}}}"
        ));
        self.end();
    }

    fn turn_context(&mut self, turn_id: &str) {
        let local = from_millis(self.now_ms + LOCAL_OFFSET_SECONDS * 1000);
        let date = local.format("%Y-%m-%d");
        self.begin("turn_context");
        let s = &self.settings;
        let payload = format!(
            "{{\"turn_id\":\"{turn_id}\",\"cwd\":\"{}\",\"current_date\":\"{date}\",\"timezone\":\"{TIMEZONE}\",\"approval_policy\":\"{}\",\"sandbox_policy\":{},\"model\":\"{}\",\"effort\":\"{}\",\"summary\":\"auto\"}}",
            escaped(&s.cwd),
            s.approval,
            s.sandbox_json,
            s.model,
            s.effort
        );
        self.push(&payload);
        self.end();
    }

    fn reasoning(&mut self) {
        let summary = text::reasoning_summary(self.rng());
        let len = self.rng().log_uniform(800.0, 9_000.0) as usize;
        let pools = self.plan.pools;
        let blob = pools.base64(self.rng(), len);
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
        self.context_tokens += len as i64 / 8;
    }

    /// One model response: reasoning, maybe a progress note, a tool call and its result.
    fn step(&mut self, turn_id: &str) {
        if self.rng().chance(0.75) {
            self.reasoning();
        }
        if self.rng().chance(0.2) {
            let note = escaped(&text::commentary(self.rng()));
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
        self.advance(3.0);
        let output_tokens = match self.rng().below(100) {
            0..=74 => self.exec_command(),
            75..=92 => self.apply_patch(turn_id),
            _ => self.update_plan(),
        };
        self.advance(200.0);
        self.token_count(output_tokens);
        if self.context_tokens > COMPACT_AT {
            self.compact(turn_id);
        }
    }

    /// Returns the tokens the call added to the context.
    fn exec_command(&mut self) -> i64 {
        let call_id = self.call_id();
        let command = *self.rng().pick(text::COMMANDS);
        let arguments = serde_json::json!({
            "cmd": command,
            "workdir": self.settings.cwd,
            "yield_time_ms": 10_000,
        })
        .to_string();
        self.begin("response_item");
        self.push("{\"type\":\"function_call\",\"name\":\"exec_command\",\"arguments\":\"");
        self.push_escaped(&arguments);
        self.push_fmt(format_args!("\",\"call_id\":\"{call_id}\"}}"));
        self.end();

        let wall_ms = self.rng().log_uniform(80.0, 90_000.0);
        self.advance(wall_ms);
        let budget = self.plan.target_bytes.saturating_sub(self.size()) as f64;
        let len = self
            .rng()
            .log_uniform(200.0, 30_000.0)
            .min((budget / 2.0).max(200.0)) as usize;
        let pools = self.plan.pools;
        let output = pools.output(self.rng(), len);
        let exit = if self.rng().chance(0.85) { 0 } else { 1 };
        let chunk = self.rng().next_u64() & 0xff_ffff;
        self.begin("response_item");
        self.push_fmt(format_args!(
            "{{\"type\":\"function_call_output\",\"call_id\":\"{call_id}\",\"output\":\"Chunk ID: {chunk:06x}\\nWall time: {:.4} seconds\\nProcess exited with code {exit}\\nOriginal token count: {}\\nOutput:\\n",
            wall_ms / 1000.0,
            output.len() / 4
        ));
        self.push(output);
        self.push("\"}");
        self.end();
        output.len() as i64 / 4
    }

    fn apply_patch(&mut self, turn_id: &str) -> i64 {
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
        self.push_fmt(format_args!(
            "{{\"type\":\"custom_tool_call\",\"status\":\"completed\",\"call_id\":\"{call_id}\",\"name\":\"apply_patch\",\"input\":\"*** Begin Patch\\n*** Update File: {file}\\n"
        ));
        self.push(&diff);
        self.push("*** End Patch\"}");
        self.end();
        self.wait(30.0, 600.0);
        let result = format!("Success. Updated the following files:\\nM {file}\\n");
        self.begin("response_item");
        self.push_fmt(format_args!(
            "{{\"type\":\"custom_tool_call_output\",\"call_id\":\"{call_id}\",\"output\":\"{result}\"}}"
        ));
        self.end();
        let absolute = escaped(&format!("{}/{file}", self.settings.cwd));
        self.begin("event_msg");
        self.push_fmt(format_args!(
            "{{\"type\":\"patch_apply_end\",\"call_id\":\"{call_id}\",\"turn_id\":\"{turn_id}\",\"stdout\":\"{result}\",\"stderr\":\"\",\"success\":true,\"changes\":{{\"{absolute}\":{{\"update\":{{\"unified_diff\":\""
        ));
        self.push(&diff);
        self.push("\",\"move_path\":null}}}}");
        self.end();
        diff.len() as i64 / 3
    }

    fn update_plan(&mut self) -> i64 {
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
        self.begin("response_item");
        self.push("{\"type\":\"function_call\",\"name\":\"update_plan\",\"arguments\":\"");
        self.push_escaped(&arguments);
        self.push_fmt(format_args!("\",\"call_id\":\"{call_id}\"}}"));
        self.end();
        self.advance(5.0);
        self.begin("response_item");
        self.push_fmt(format_args!(
            "{{\"type\":\"function_call_output\",\"call_id\":\"{call_id}\",\"output\":\"Plan updated\"}}"
        ));
        self.end();
        arguments.len() as i64 / 4
    }

    /// One model call's usage; the prompt is the whole current context.
    fn token_count(&mut self, added_tokens: i64) {
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
        self.context_tokens += output + added_tokens;
        let t = self.total;
        let primary = (self.now_ms / 60_000 % 100) as f64;
        let resets = self.seconds() + self.rng().range(60, 18_000);
        self.begin("event_msg");
        self.push_fmt(format_args!(
            "{{\"type\":\"token_count\",\"info\":{{\"total_token_usage\":{{\"input_tokens\":{},\"cached_input_tokens\":{},\"output_tokens\":{},\"reasoning_output_tokens\":{},\"total_tokens\":{}}},\"last_token_usage\":{{\"input_tokens\":{},\"cached_input_tokens\":{},\"output_tokens\":{},\"reasoning_output_tokens\":{},\"total_tokens\":{}}},\"model_context_window\":{CONTEXT_WINDOW}}},\"rate_limits\":{{\"limit_id\":\"codex\",\"limit_name\":null,\"primary\":{{\"used_percent\":{primary:.1},\"window_minutes\":300,\"resets_at\":{resets}}},\"secondary\":{{\"used_percent\":{:.1},\"window_minutes\":10080,\"resets_at\":{}}},\"credits\":null,\"plan_type\":\"pro\",\"rate_limit_reached_type\":null}}}}",
            t.input, t.cached, t.output, t.reasoning, t.total,
            last.input, last.cached, last.output, last.reasoning, last.total,
            primary / 7.0,
            resets + 400_000,
        ));
        self.end();
    }

    /// Mid-turn compaction: the summary with its replacement history, the event, and a fresh
    /// turn context.
    fn compact(&mut self, turn_id: &str) {
        self.wait(2_000.0, 30_000.0);
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
            self.push(message);
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
    let (source_json, originator) = *rng.weighted(&[
        (65, ("\"cli\"", "codex_cli_rs")),
        (25, ("\"vscode\"", "codex_vscode")),
        (7, ("\"exec\"", "codex_exec")),
        (3, ("{\"subagent\":\"review\"}", "codex_cli_rs")),
    ]);
    let source = source_json.trim_matches('"').to_string();
    let minor = 100 + (plan.era * 40.0) as i64;
    let cli_version = format!("0.{minor}.{}", rng.range(0, 3));
    let models: &[&str] = if plan.era < 0.3 {
        &["gpt-5-codex", "gpt-5"]
    } else if plan.era < 0.7 {
        &["gpt-5.1-codex", "gpt-5.1-codex-mini", "gpt-5.1"]
    } else {
        &["gpt-5.5-codex", "gpt-5.5-codex", "gpt-5.1-codex-mini"]
    };
    let model = rng.pick(models).to_string();
    let other_model = rng.pick(models).to_string();
    let effort = *rng.weighted(&[(60, "medium"), (25, "high"), (10, "low"), (5, "xhigh")]);
    let approval = *rng.weighted(&[(70, "on-request"), (20, "never"), (10, "untrusted")]);
    let sandbox_json = *rng.weighted(&[
        (
            70,
            "{\"type\":\"workspace-write\",\"network_access\":false,\"exclude_tmpdir_env_var\":false,\"exclude_slash_tmp\":false}",
        ),
        (15, "{\"type\":\"danger-full-access\"}"),
        (15, "{\"type\":\"read-only\"}"),
    ]);
    let memory_disabled = rng.chance(0.04);
    let base_instructions = if plan.target_bytes < 25_000 {
        rng.below(2) as usize
    } else {
        *rng.weighted(&[(1, 0), (2, 1), (3, 2), (14, 3)])
    };
    let meta_middle = format!(
        "\"cwd\":\"{}\",\"originator\":\"{originator}\",\"cli_version\":\"{cli_version}\",\"source\":{source_json},\"model_provider\":\"openai\"",
        escaped(&cwd)
    );
    Settings {
        cwd,
        meta_middle,
        git_json,
        git,
        source,
        cli_version,
        model,
        other_model,
        effort,
        approval,
        sandbox_json,
        memory_disabled,
        base_instructions,
    }
}
