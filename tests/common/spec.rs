//! `ThreadSpec`: a builder describing one thread's rollout, and the facts Codex would derive
//! from it (preview, title, tokens, memory mode) for assertions.

use chrono::{DateTime, Utc};
use codex_threads::protocol::{GitInfo, ThreadId, ThreadMemoryMode, TokenUsage};
use serde_json::{Value, json};
use uuid::Uuid;

use super::lines::{self, LineClock, MetaFields, TurnSettings};

/// Marker some flows put before the user's words (codex-format §4.5).
const USER_REQUEST_MARKER: &str = "## My request for Codex:";

/// One complete user turn, rendered as the full line sequence Codex writes for it.
#[derive(Clone, Debug, PartialEq)]
pub struct Turn {
    pub user: String,
    pub reply: String,
    pub command: String,
    pub command_output: String,
    pub patch: String,
    pub patch_output: String,
    /// This turn's own usage; the `token_count` line carries it as `last_token_usage` and the
    /// running sum as `total_token_usage`.
    pub usage: TokenUsage,
}

impl Turn {
    pub fn new(user: &str, reply: &str) -> Self {
        Turn {
            user: user.to_string(),
            reply: reply.to_string(),
            command: "cargo test".to_string(),
            command_output: "Process exited with code 0\ntest result: ok. 3 passed".to_string(),
            patch: "*** Begin Patch\n*** Update File: src/lib.rs\n@@\n-    old()\n+    new()\n*** End Patch"
                .to_string(),
            patch_output: "Success. Updated the following files:\nM src/lib.rs".to_string(),
            usage: usage(12_000, 400),
        }
    }

    pub fn command(mut self, command: &str, output: &str) -> Self {
        self.command = command.to_string();
        self.command_output = output.to_string();
        self
    }

    pub fn tokens(mut self, input: i64, output: i64) -> Self {
        self.usage = usage(input, output);
        self
    }
}

/// A usage record with plausible cached and reasoning shares.
fn usage(input: i64, output: i64) -> TokenUsage {
    TokenUsage {
        input_tokens: input,
        cached_input_tokens: input * 9 / 10,
        output_tokens: output,
        reasoning_output_tokens: output / 4,
        total_tokens: input + output,
    }
}

fn add_usage(sum: TokenUsage, next: TokenUsage) -> TokenUsage {
    TokenUsage {
        input_tokens: sum.input_tokens + next.input_tokens,
        cached_input_tokens: sum.cached_input_tokens + next.cached_input_tokens,
        output_tokens: sum.output_tokens + next.output_tokens,
        reasoning_output_tokens: sum.reasoning_output_tokens + next.reasoning_output_tokens,
        total_tokens: sum.total_tokens + next.total_tokens,
    }
}

/// Something after the thread's header, in the order the builder was called.
#[derive(Clone, Debug, PartialEq)]
pub enum Entry {
    Turn(Turn),
    /// A user message outside a full turn: the response item and the `user_message` event.
    UserMessage(String),
    /// An assistant message outside a full turn: the response item and the `agent_message` event.
    AssistantMessage(String),
    /// A pre-2026-05-05 `thread_name_updated` event.
    LegacyRename(String),
    /// A copy of the thread's own session_meta with `memory_mode` set and `git` removed.
    MemoryCopy(ThreadMemoryMode),
}

/// Which generation of the rollout format the thread is written in.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Era {
    /// `{"timestamp","type","payload"}` lines.
    Enveloped,
    /// 2025: a bare header, bare response items and `{"record_type":"state"}` markers.
    PreEnvelope,
}

/// A thread to write into a `TestHome`. Every setting has a realistic default.
#[derive(Clone, Debug, PartialEq)]
pub struct ThreadSpec {
    pub id: ThreadId,
    pub created: DateTime<Utc>,
    pub cwd: String,
    pub git: Option<GitInfo>,
    pub model: String,
    pub model_provider: String,
    pub reasoning_effort: String,
    pub cli_version: String,
    pub source: Value,
    pub memory_mode: Option<ThreadMemoryMode>,
    pub forked_from: Option<MetaFields>,
    pub goal: Option<String>,
    pub entries: Vec<Entry>,
    pub era: Era,
    pub user_message_events: bool,
    pub archived: bool,
    pub compressed: bool,
    /// File modification time; `None` means the time of the last line, as Codex leaves it.
    pub modified: Option<DateTime<Utc>>,
}

impl Default for ThreadSpec {
    fn default() -> Self {
        ThreadSpec {
            id: ThreadId::new(),
            created: super::at("2026-05-14T09:12:33.402Z"),
            cwd: "/home/ana/src/widget".to_string(),
            git: Some(GitInfo {
                commit_hash: Some("3f9c2d17a0b4e6c8d1f2a3b4c5d6e7f8a9b0c1d2".to_string()),
                branch: Some("main".to_string()),
                repository_url: Some("git@github.com:ana/widget.git".to_string()),
            }),
            model: "gpt-5.5-codex".to_string(),
            model_provider: "openai".to_string(),
            reasoning_effort: "medium".to_string(),
            cli_version: "0.131.0".to_string(),
            source: json!("cli"),
            memory_mode: None,
            forked_from: None,
            goal: None,
            entries: Vec::new(),
            era: Era::Enveloped,
            user_message_events: true,
            archived: false,
            compressed: false,
            modified: None,
        }
    }
}

/// Builder methods.
impl ThreadSpec {
    pub fn new() -> Self {
        Self::default()
    }

    pub fn id(mut self, id: ThreadId) -> Self {
        self.id = id;
        self
    }

    pub fn created(mut self, at: DateTime<Utc>) -> Self {
        self.created = at;
        self
    }

    pub fn cwd(mut self, cwd: &str) -> Self {
        self.cwd = cwd.to_string();
        self
    }

    pub fn git_branch(mut self, branch: &str) -> Self {
        self.git.get_or_insert_with(GitInfo::default).branch = Some(branch.to_string());
        self
    }

    pub fn git_sha(mut self, sha: &str) -> Self {
        self.git.get_or_insert_with(GitInfo::default).commit_hash = Some(sha.to_string());
        self
    }

    pub fn git_origin(mut self, url: &str) -> Self {
        self.git.get_or_insert_with(GitInfo::default).repository_url = Some(url.to_string());
        self
    }

    /// A thread started outside a git repository: its session_meta has no `git`.
    pub fn no_git(mut self) -> Self {
        self.git = None;
        self
    }

    pub fn model(mut self, model: &str) -> Self {
        self.model = model.to_string();
        self
    }

    pub fn model_provider(mut self, provider: &str) -> Self {
        self.model_provider = provider.to_string();
        self
    }

    /// The `SessionSource`: `json!("exec")`, `json!({"subagent": "review"})`, ...
    pub fn source(mut self, source: Value) -> Self {
        self.source = source;
        self
    }

    /// The `memory_mode` written in the first session_meta (Codex writes only `disabled` there).
    pub fn memory_mode(mut self, mode: ThreadMemoryMode) -> Self {
        self.memory_mode = Some(mode);
        self
    }

    /// A fork of `parent`: its own meta names the parent, and the parent's session_meta line
    /// follows it, as fork copies carry it.
    pub fn forked_from(mut self, parent: &ThreadSpec) -> Self {
        self.forked_from = Some(parent.meta_fields());
        self
    }

    pub fn turn(self, user: &str, reply: &str) -> Self {
        self.with_turn(Turn::new(user, reply))
    }

    pub fn with_turn(mut self, turn: Turn) -> Self {
        self.entries.push(Entry::Turn(turn));
        self
    }

    pub fn user_message(mut self, text: &str) -> Self {
        self.entries.push(Entry::UserMessage(text.to_string()));
        self
    }

    pub fn assistant_message(mut self, text: &str) -> Self {
        self.entries.push(Entry::AssistantMessage(text.to_string()));
        self
    }

    pub fn with_legacy_rename(mut self, name: &str) -> Self {
        self.entries.push(Entry::LegacyRename(name.to_string()));
        self
    }

    pub fn with_memory_copy(mut self, mode: ThreadMemoryMode) -> Self {
        self.entries.push(Entry::MemoryCopy(mode));
        self
    }

    /// A `thread_goal_updated` event before the first user message; its objective is the preview.
    pub fn with_goal(mut self, objective: &str) -> Self {
        self.goal = Some(objective.to_string());
        self
    }

    /// Written in the 2025 format, which Codex no longer lists.
    pub fn pre_envelope(mut self) -> Self {
        self.era = Era::PreEnvelope;
        self
    }

    /// Leaves out every `event_msg user_message` line. The rollout still holds model-visible
    /// user text, which Codex never uses for previews, so the thread must not be listed.
    pub fn no_user_message(mut self) -> Self {
        self.user_message_events = false;
        self
    }

    /// Written flat into `archived_sessions/`.
    pub fn archived(mut self) -> Self {
        self.archived = true;
        self
    }

    /// Stored as `.jsonl.zst` (zstd level 3), as Codex's compression worker leaves cold rollouts.
    pub fn compressed(mut self) -> Self {
        self.compressed = true;
        self
    }

    pub fn modified(mut self, at: DateTime<Utc>) -> Self {
        self.modified = Some(at);
        self
    }
}

/// Rendering and derived facts.
impl ThreadSpec {
    /// `rollout-YYYY-MM-DDThh-mm-ss-<id>.jsonl` (fixtures treat local time as UTC).
    pub fn file_name(&self) -> String {
        let stamp = self.created.format("%Y-%m-%dT%H-%M-%S");
        format!("rollout-{stamp}-{}.jsonl", self.id)
    }

    /// `sessions/YYYY/MM/DD/<file>` or `archived_sessions/<file>`, relative to the home.
    pub fn relative_path(&self) -> String {
        if self.archived {
            format!("archived_sessions/{}", self.file_name())
        } else {
            let day = self.created.format("%Y/%m/%d");
            format!("sessions/{day}/{}", self.file_name())
        }
    }

    /// The fields of this thread's own first session_meta.
    pub fn meta_fields(&self) -> MetaFields {
        MetaFields {
            id: self.id,
            forked_from_id: self.forked_from.as_ref().map(|parent| parent.id),
            timestamp: self.created,
            cwd: self.cwd.clone(),
            originator: "codex_cli_rs".to_string(),
            cli_version: self.cli_version.clone(),
            source: self.source.clone(),
            model_provider: self.model_provider.clone(),
            base_instructions: "You are Codex, a coding agent...".to_string(),
            memory_mode: self.memory_mode,
            git: self.git.clone(),
        }
    }

    pub fn turn_settings(&self) -> TurnSettings {
        TurnSettings {
            cwd: self.cwd.clone(),
            model: self.model.clone(),
            effort: self.reasoning_effort.clone(),
            approval_policy: "on-request".to_string(),
            sandbox_policy: json!({
                "type": "workspace-write",
                "network_access": false,
                "exclude_tmpdir_env_var": false,
                "exclude_slash_tmp": false,
            }),
        }
    }

    /// Every line of the rollout, without newlines.
    pub fn render_lines(&self) -> Vec<String> {
        self.render().lines
    }

    /// The write time of the last line: the file's default mtime and the row's `updated_at`.
    pub fn last_line_at(&self) -> DateTime<Utc> {
        self.render().ended_at
    }

    /// The modification time the written file gets.
    pub fn effective_mtime(&self) -> DateTime<Utc> {
        self.modified.unwrap_or_else(|| self.last_line_at())
    }

    fn render(&self) -> Rendered {
        let mut writer = RolloutWriter::new(self);
        match self.era {
            Era::Enveloped => writer.write_enveloped(),
            Era::PreEnvelope => writer.write_pre_envelope(),
        }
        Rendered {
            ended_at: writer.clock.now(),
            lines: writer.lines,
        }
    }

    fn user_texts(&self) -> impl Iterator<Item = &str> {
        self.entries.iter().filter_map(|entry| match entry {
            Entry::Turn(turn) => Some(turn.user.as_str()),
            Entry::UserMessage(text) => Some(text.as_str()),
            _ => None,
        })
    }

    /// Whether Codex's head scanner would find a preview and list this thread.
    pub fn is_listable(&self) -> bool {
        self.expected_preview().is_some()
    }

    /// The first `user_message` event's normalised text (codex-format §4.5).
    pub fn expected_first_user_message(&self) -> Option<String> {
        if self.era == Era::PreEnvelope || !self.user_message_events {
            return None;
        }
        self.user_texts()
            .map(normalise_user_text)
            .find(|text| !text.is_empty())
    }

    /// The derived title: the first user message (fixture messages never carry only images).
    pub fn expected_title(&self) -> Option<String> {
        self.expected_first_user_message()
    }

    /// The preview: a goal objective seen first wins, else the first user message.
    pub fn expected_preview(&self) -> Option<String> {
        if self.era == Era::PreEnvelope {
            return None;
        }
        let goal = self.goal.as_deref().map(str::trim);
        match goal.filter(|objective| !objective.is_empty()) {
            Some(objective) => Some(objective.to_string()),
            None => self.expected_first_user_message(),
        }
    }

    /// The last cumulative usage a `token_count` line carries.
    pub fn expected_token_usage(&self) -> TokenUsage {
        self.turns()
            .map(|turn| turn.usage)
            .fold(TokenUsage::default(), add_usage)
    }

    /// `threads.tokens_used`: `total_tokens` of the last cumulative usage, 0 without turns.
    pub fn expected_tokens(&self) -> i64 {
        if self.era == Era::PreEnvelope {
            return 0;
        }
        self.expected_token_usage().total_tokens
    }

    /// The mode of the last own session_meta that states one, else `enabled`.
    pub fn expected_memory_mode(&self) -> ThreadMemoryMode {
        let copied = self.entries.iter().rev().find_map(|entry| match entry {
            Entry::MemoryCopy(mode) => Some(*mode),
            _ => None,
        });
        copied.or(self.memory_mode).unwrap_or_default()
    }

    /// The newest legacy rename in the rollout.
    pub fn expected_legacy_name(&self) -> Option<String> {
        self.entries.iter().rev().find_map(|entry| match entry {
            Entry::LegacyRename(name) => Some(name.clone()),
            _ => None,
        })
    }

    /// The model a `turn_context` line reports, when the thread has a turn.
    pub fn expected_model(&self) -> Option<String> {
        self.turns().next().map(|_| self.model.clone())
    }

    fn turns(&self) -> impl Iterator<Item = &Turn> {
        self.entries.iter().filter_map(|entry| match entry {
            Entry::Turn(turn) => Some(turn),
            _ => None,
        })
    }
}

/// The user's words, after Codex's request marker when present, trimmed.
fn normalise_user_text(message: &str) -> String {
    let after_marker = match message.find(USER_REQUEST_MARKER) {
        Some(at) => &message[at + USER_REQUEST_MARKER.len()..],
        None => message,
    };
    after_marker.trim().to_string()
}

struct Rendered {
    lines: Vec<String>,
    ended_at: DateTime<Utc>,
}

/// Renders a spec line by line, advancing the write clock as Codex's writes would.
struct RolloutWriter<'a> {
    spec: &'a ThreadSpec,
    clock: LineClock,
    lines: Vec<String>,
    running_usage: TokenUsage,
    turn_count: u128,
}

impl<'a> RolloutWriter<'a> {
    fn new(spec: &'a ThreadSpec) -> Self {
        RolloutWriter {
            spec,
            clock: LineClock::starting_at(spec.created),
            lines: Vec::new(),
            running_usage: TokenUsage::default(),
            turn_count: 0,
        }
    }

    /// Appends a line written `millis` after the previous one.
    fn push_after(&mut self, millis: i64, line: impl FnOnce(DateTime<Utc>) -> String) {
        let at = self.clock.advance(millis);
        self.lines.push(line(at));
    }

    fn write_enveloped(&mut self) {
        let spec = self.spec;
        let meta = spec.meta_fields();
        self.push_after(608, |at| lines::session_meta(at, &meta));
        if let Some(parent) = &spec.forked_from {
            self.push_after(1, |at| lines::session_meta(at, parent));
        }
        if let Some(objective) = &spec.goal {
            self.push_after(1, |at| lines::thread_goal_updated(at, spec.id, objective));
        }
        for entry in &spec.entries {
            self.write_entry(entry, &meta);
        }
    }

    fn write_entry(&mut self, entry: &Entry, meta: &MetaFields) {
        let id = self.spec.id;
        match entry {
            Entry::Turn(turn) => self.write_turn(turn),
            Entry::UserMessage(text) => self.write_user_message(text),
            Entry::AssistantMessage(text) => self.write_assistant_message(text),
            Entry::LegacyRename(name) => {
                self.push_after(1_000, |at| lines::thread_name_updated(at, id, name))
            }
            Entry::MemoryCopy(mode) => {
                let copy = meta.memory_mode_copy(*mode);
                self.push_after(1_000, |at| lines::session_meta(at, &copy));
            }
        }
    }

    fn write_user_message(&mut self, text: &str) {
        self.push_after(2, |at| lines::user_response_message(at, text));
        if self.spec.user_message_events {
            self.push_after(0, |at| lines::user_message_event(at, text));
        }
    }

    fn write_assistant_message(&mut self, text: &str) {
        self.push_after(5_000, |at| lines::assistant_response_message(at, text));
        self.push_after(1, |at| lines::agent_message_event(at, text));
    }

    fn write_turn(&mut self, turn: &Turn) {
        let turn_id = self.next_turn_id();
        let settings = self.spec.turn_settings();
        let cwd = self.spec.cwd.as_str();
        let started = self.clock.advance(1_000);
        self.lines.push(lines::task_started(started, &turn_id));
        self.push_after(2, |at| lines::turn_context(at, &turn_id, &settings));
        let context = lines::environment_context_text(cwd);
        self.push_after(1, |at| lines::user_response_message(at, &context));
        self.write_user_message(&turn.user);
        self.write_reasoning(&format!("**Working on: {}**", turn.user));
        self.write_tool_calls(turn, &turn_id);
        self.write_assistant_message(&turn.reply);
        self.running_usage = add_usage(self.running_usage, turn.usage);
        let (total, last) = (self.running_usage, turn.usage);
        self.push_after(200, |at| lines::token_count(at, total, last));
        let at = self.clock.advance(90);
        let duration_ms = (at - started).num_milliseconds();
        let complete = lines::task_complete(at, &turn_id, &turn.reply, duration_ms);
        self.lines.push(complete);
    }

    fn write_reasoning(&mut self, summary: &str) {
        self.push_after(5_000, |at| lines::reasoning_item(at, summary));
        self.push_after(1, |at| lines::agent_reasoning_event(at, summary));
    }

    fn write_tool_calls(&mut self, turn: &Turn, turn_id: &str) {
        let exec_id = format!("call_exec_{turn_id}");
        let patch_id = format!("call_patch_{turn_id}");
        let cwd = self.spec.cwd.as_str();
        self.push_after(230, |at| {
            lines::exec_command_call(at, &exec_id, &turn.command, cwd)
        });
        self.push_after(12_000, |at| {
            lines::function_call_output(at, &exec_id, &turn.command_output)
        });
        self.push_after(13_000, |at| {
            lines::apply_patch_call(at, &patch_id, &turn.patch)
        });
        self.push_after(460, |at| {
            lines::custom_tool_call_output(at, &patch_id, &turn.patch_output)
        });
    }

    /// Turn ids derived from the thread id, so a spec with a fixed id renders identically.
    fn next_turn_id(&mut self) -> String {
        self.turn_count += 1;
        let base = self.spec.id.as_uuid().as_u128();
        Uuid::from_u128(base.wrapping_add(self.turn_count)).to_string()
    }

    fn write_pre_envelope(&mut self) {
        let spec = self.spec;
        self.lines.push(lines::legacy_header(
            spec.id,
            spec.created,
            spec.git.as_ref(),
        ));
        for entry in &spec.entries {
            self.write_legacy_entry(entry);
        }
    }

    /// 2025 files hold only bare messages and state markers; later line kinds are left out.
    fn write_legacy_entry(&mut self, entry: &Entry) {
        let messages: Vec<(&str, &str)> = match entry {
            Entry::Turn(turn) => vec![("user", &turn.user), ("assistant", &turn.reply)],
            Entry::UserMessage(text) => vec![("user", text)],
            Entry::AssistantMessage(text) => vec![("assistant", text)],
            Entry::LegacyRename(_) | Entry::MemoryCopy(_) => return,
        };
        for (role, text) in messages {
            self.clock.advance(1_000);
            self.lines.push(lines::legacy_message(role, text));
            self.lines.push(lines::legacy_state_marker());
        }
    }
}
