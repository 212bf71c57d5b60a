//! A scripted Codex session written through a `LiveThread` at a human pace, so the demo has a
//! thread that grows while you watch: a first turn that runs the tests and answers in a few
//! messages, then short follow-up turns every few seconds.

use std::path::PathBuf;
use std::sync::Arc;
use std::time::{Duration, Instant};

use serde_json::{Value, json};

use crate::live::LiveThread;
use crate::manager::ThreadManager;
use crate::protocol::time::now_millis;
use crate::protocol::{EventMsg, ResponseItem, RolloutItem, ThreadId, TokenUsage, TurnContextItem};
use crate::store::{CreateThreadParams, StoreResult};

/// The first thing the scripted user says; it becomes the thread's preview.
pub const LIVE_SESSION_PROMPT: &str =
    "Keep an eye on the test suite while I refactor `Layout` and tell me when something breaks.";

/// Turns played by `play_live_session`, the first one included.
const DEFAULT_MAX_TURNS: usize = 20;

/// A follow-up turn starts this many paces after the previous one ended.
const PACES_BETWEEN_TURNS: u32 = 4;

const MODEL: &str = "gpt-5.5-codex";
const CONTEXT_WINDOW: i64 = 272_000;

const BASELINE_TEST_OUTPUT: &str = "Chunk ID: 6e2d\nWall time: 5.9 seconds\nProcess exited with code 0\nOriginal token count: 141\nOutput:\n    Finished `test` profile [unoptimized + debuginfo] target(s) in 0.41s\n     Running unittests src/lib.rs (target/debug/deps/widget-3f0a9c1d2b7e4a55)\n\nrunning 14 tests\n..............\ntest result: ok. 14 passed; 0 failed; 0 ignored; 0 measured; 0 filtered out; finished in 0.01s\n\n     Running tests/layout.rs (target/debug/deps/layout-8c2b6e0f1a9d3c47)\n\nrunning 6 tests\n......\ntest result: ok. 6 passed; 0 failed; 0 ignored; 0 measured; 0 filtered out; finished in 0.00s\n\n     Running tests/size.rs (target/debug/deps/size-1e7d4b9a0c3f6285)\n\nrunning 5 tests\n.....\ntest result: ok. 5 passed; 0 failed; 0 ignored; 0 measured; 0 filtered out; finished in 0.00s\n";

const QUICK_TEST_OUTPUT: &str = "Chunk ID: 7a41\nWall time: 1.2 seconds\nProcess exited with code 0\nOriginal token count: 19\nOutput:\ntest result: ok. 25 passed; 0 failed; 0 ignored; 0 measured; 0 filtered out; finished in 0.02s\n";

/// The first answer streams in as separate messages a pace apart: commentary, then the answer.
const FIRST_ANSWER_COMMENTARY: [&str; 2] = [
    "Baseline first: all **25 tests** pass (14 unit, 6 layout, 5 size).",
    "I'll re-run `cargo test -q` whenever you tell me you changed something, and report only what changed.",
];
const FIRST_ANSWER: &str = "Watching. Go ahead with the `Layout` refactor.";

/// What the scripted user says in follow-up turns, in rotation.
const FOLLOW_UP_PROMPTS: [&str; 3] = [
    "Renamed `Layout::solve` to `Layout::resolve`. Still green?",
    "Moved the grow pass into its own function. Check again.",
    "Inlined `total_grow`. Anything broken?",
];

/// Plays the scripted session in a new thread in `cwd`, one step per `pace`, for at most
/// twenty turns. Aborting the task that runs it stops it cleanly between two whole lines.
pub async fn play_live_session(
    manager: Arc<ThreadManager>,
    cwd: PathBuf,
    pace: Duration,
) -> anyhow::Result<()> {
    LiveSession::new(pace).play(manager, cwd).await
}

/// The scripted session's settings.
#[derive(Clone, Copy, Debug)]
pub struct LiveSession {
    pace: Duration,
    max_turns: usize,
}

impl LiveSession {
    pub fn new(pace: Duration) -> Self {
        LiveSession {
            pace,
            max_turns: DEFAULT_MAX_TURNS,
        }
    }

    /// How many turns to play, the first one included (at least one).
    pub fn with_max_turns(self, max_turns: usize) -> Self {
        LiveSession {
            max_turns: max_turns.max(1),
            ..self
        }
    }

    /// Starts the thread through the manager, plays the turns, then unloads the thread.
    pub async fn play(self, manager: Arc<ThreadManager>, cwd: PathBuf) -> anyhow::Result<()> {
        self.start(manager, cwd).await?.play().await
    }

    /// Starts the thread and writes its first prompt, so that the thread is in the home (and
    /// in a list opened next) before anything else is played.
    pub async fn start(
        self,
        manager: Arc<ThreadManager>,
        cwd: PathBuf,
    ) -> anyhow::Result<StartedSession> {
        let params = CreateThreadParams::new(ThreadId::new(), cwd.clone());
        let live = manager.start_thread(params).await?;
        let registration = Registration::new(manager, live.thread_id());
        let mut script = ScriptWriter::new(live, cwd, self.pace);
        let first_turn = script.open_first_turn().await?;
        Ok(StartedSession {
            session: self,
            registration,
            script,
            first_turn,
        })
    }
}

/// A scripted session whose thread exists, its first prompt written; `play` goes on from there.
pub struct StartedSession {
    session: LiveSession,
    registration: Registration,
    script: ScriptWriter,
    first_turn: Turn,
}

impl StartedSession {
    /// Plays the rest of the turns, then unloads the thread.
    pub async fn play(self) -> anyhow::Result<()> {
        let StartedSession {
            session,
            registration,
            mut script,
            first_turn,
        } = self;
        script.finish_first_turn(first_turn).await?;
        for turn_number in 2..=session.max_turns {
            script.pause_between_turns().await;
            script.follow_up_turn(turn_number).await?;
        }
        registration.unload().await?;
        Ok(())
    }
}

/// Takes the thread out of the manager however the session ends: awaited after the last turn,
/// spawned when the session stops early (an error, or its task aborted mid-step).
struct Registration {
    manager: Option<Arc<ThreadManager>>,
    thread_id: ThreadId,
}

impl Registration {
    fn new(manager: Arc<ThreadManager>, thread_id: ThreadId) -> Self {
        Registration {
            manager: Some(manager),
            thread_id,
        }
    }

    async fn unload(mut self) -> StoreResult<()> {
        match self.manager.take() {
            Some(manager) => manager.unload_thread(self.thread_id).await,
            None => Ok(()),
        }
    }
}

impl Drop for Registration {
    fn drop(&mut self) {
        let Some(manager) = self.manager.take() else {
            return;
        };
        let thread_id = self.thread_id;
        if let Ok(runtime) = tokio::runtime::Handle::try_current() {
            runtime.spawn(async move {
                if let Err(err) = manager.unload_thread(thread_id).await {
                    tracing::warn!(%err, %thread_id, "unloading the demo live thread failed");
                }
            });
        }
    }
}

/// A turn in progress.
struct Turn {
    id: String,
    started: Instant,
}

/// Appends the script's items to the live thread, sleeping one pace after each step.
struct ScriptWriter {
    live: LiveThread,
    cwd: String,
    pace: Duration,
    total_tokens: TokenUsage,
}

impl ScriptWriter {
    fn new(live: LiveThread, cwd: PathBuf, pace: Duration) -> Self {
        ScriptWriter {
            live,
            cwd: cwd.to_string_lossy().into_owned(),
            pace,
            total_tokens: TokenUsage::default(),
        }
    }

    async fn open_first_turn(&mut self) -> anyhow::Result<Turn> {
        let turn = self.begin_turn(LIVE_SESSION_PROMPT).await?;
        // The rollout file exists from the first user message on, as in Codex.
        self.live.persist().await?;
        Ok(turn)
    }

    async fn finish_first_turn(&mut self, turn: Turn) -> anyhow::Result<()> {
        self.pause().await;
        self.step(vec![
            reasoning(
                "**Getting a baseline**\n\nRunning the whole suite once, so later runs have something to compare with.",
            ),
            agent_reasoning("**Getting a baseline**"),
        ])
        .await?;
        self.exec("cargo test", BASELINE_TEST_OUTPUT).await?;
        for part in FIRST_ANSWER_COMMENTARY {
            self.say(part, "commentary").await?;
        }
        self.say(FIRST_ANSWER, "final_answer").await?;
        self.finish_turn(turn, FIRST_ANSWER, turn_tokens(9_412, 388))
            .await
    }

    /// Turn 2 onwards.
    async fn follow_up_turn(&mut self, turn_number: usize) -> anyhow::Result<()> {
        let prompt = FOLLOW_UP_PROMPTS[turn_number.saturating_sub(2) % FOLLOW_UP_PROMPTS.len()];
        let turn = self.begin_turn(prompt).await?;
        self.pause().await;
        self.exec("cargo test -q", QUICK_TEST_OUTPUT).await?;
        let answer = format!("Still green: 25 passed (check {turn_number}).");
        self.say(&answer, "final_answer").await?;
        self.finish_turn(turn, &answer, turn_tokens(2_046, 61))
            .await
    }

    async fn begin_turn(&self, prompt: &str) -> anyhow::Result<Turn> {
        let turn = Turn {
            id: ThreadId::new().to_string(),
            started: Instant::now(),
        };
        self.live
            .append_items(vec![
                task_started(&turn.id),
                turn_context(&turn.id, &self.cwd),
                user_response_message(prompt),
                user_message_event(prompt),
            ])
            .await?;
        Ok(turn)
    }

    async fn exec(&self, command: &str, output: &str) -> anyhow::Result<()> {
        let call_id = new_call_id();
        self.step(vec![exec_command_call(&call_id, command, &self.cwd)])
            .await?;
        self.step(vec![function_call_output(&call_id, output)])
            .await
    }

    async fn say(&self, text: &str, phase: &str) -> anyhow::Result<()> {
        self.step(vec![
            assistant_message(text, phase),
            agent_message(text, phase),
        ])
        .await
    }

    async fn finish_turn(
        &mut self,
        turn: Turn,
        last_message: &str,
        turn_usage: TokenUsage,
    ) -> anyhow::Result<()> {
        self.total_tokens = add_usage(self.total_tokens, turn_usage);
        let duration_ms = i64::try_from(turn.started.elapsed().as_millis()).unwrap_or(i64::MAX);
        self.step(vec![
            token_count(self.total_tokens, turn_usage),
            task_complete(&turn.id, last_message, duration_ms),
        ])
        .await
    }

    async fn step(&self, items: Vec<RolloutItem>) -> anyhow::Result<()> {
        self.live.append_items(items).await?;
        self.pause().await;
        Ok(())
    }

    async fn pause(&self) {
        tokio::time::sleep(self.pace).await;
    }

    async fn pause_between_turns(&self) {
        tokio::time::sleep(self.pace * PACES_BETWEEN_TURNS).await;
    }
}

fn new_call_id() -> String {
    let id = uuid::Uuid::new_v4().simple().to_string();
    format!("call_{}", &id[..12])
}

fn turn_tokens(input_tokens: i64, output_tokens: i64) -> TokenUsage {
    let cached_input_tokens = input_tokens / 4 * 3;
    TokenUsage {
        input_tokens,
        cached_input_tokens,
        output_tokens,
        reasoning_output_tokens: output_tokens / 3,
        total_tokens: input_tokens + output_tokens,
    }
}

fn add_usage(total: TokenUsage, turn: TokenUsage) -> TokenUsage {
    TokenUsage {
        input_tokens: total.input_tokens + turn.input_tokens,
        cached_input_tokens: total.cached_input_tokens + turn.cached_input_tokens,
        output_tokens: total.output_tokens + turn.output_tokens,
        reasoning_output_tokens: total.reasoning_output_tokens + turn.reasoning_output_tokens,
        total_tokens: total.total_tokens + turn.total_tokens,
    }
}

fn event(payload: Value) -> RolloutItem {
    RolloutItem::EventMsg(EventMsg::decode(&payload))
}

fn response(payload: Value) -> RolloutItem {
    RolloutItem::ResponseItem(ResponseItem::decode(&payload))
}

fn task_started(turn_id: &str) -> RolloutItem {
    event(json!({
        "type": "task_started",
        "turn_id": turn_id,
        "started_at": now_millis().timestamp(),
        "model_context_window": CONTEXT_WINDOW,
    }))
}

fn turn_context(turn_id: &str, cwd: &str) -> RolloutItem {
    RolloutItem::TurnContext(TurnContextItem {
        turn_id: Some(turn_id.to_string()),
        cwd: cwd.to_string(),
        approval_policy: json!("on-request"),
        sandbox_policy: json!({
            "type": "workspace-write",
            "writable_roots": [],
            "network_access": false,
            "exclude_tmpdir_env_var": false,
            "exclude_slash_tmp": false,
        }),
        model: MODEL.to_string(),
        effort: Some("medium".to_string()),
        summary: json!("auto"),
    })
}

fn user_response_message(text: &str) -> RolloutItem {
    response(json!({
        "type": "message",
        "role": "user",
        "content": [{"type": "input_text", "text": text}],
    }))
}

fn user_message_event(text: &str) -> RolloutItem {
    event(json!({
        "type": "user_message",
        "message": text,
        "local_images": [],
        "text_elements": [],
    }))
}

fn reasoning(summary: &str) -> RolloutItem {
    response(json!({
        "type": "reasoning",
        "summary": [{"type": "summary_text", "text": summary}],
        "content": null,
        "encrypted_content": "gAAAAABoZGVtb19saXZlX3Nlc3Npb25fcmVhc29uaW5n",
    }))
}

fn agent_reasoning(text: &str) -> RolloutItem {
    event(json!({"type": "agent_reasoning", "text": text}))
}

fn exec_command_call(call_id: &str, command: &str, workdir: &str) -> RolloutItem {
    let arguments = json!({"cmd": command, "workdir": workdir, "yield_time_ms": 30_000});
    response(json!({
        "type": "function_call",
        "name": "exec_command",
        "arguments": arguments.to_string(),
        "call_id": call_id,
    }))
}

fn function_call_output(call_id: &str, output: &str) -> RolloutItem {
    response(json!({"type": "function_call_output", "call_id": call_id, "output": output}))
}

fn assistant_message(text: &str, phase: &str) -> RolloutItem {
    response(json!({
        "type": "message",
        "role": "assistant",
        "content": [{"type": "output_text", "text": text}],
        "phase": phase,
    }))
}

fn agent_message(text: &str, phase: &str) -> RolloutItem {
    event(json!({
        "type": "agent_message",
        "message": text,
        "phase": phase,
        "memory_citation": null,
    }))
}

fn token_count(total: TokenUsage, last: TokenUsage) -> RolloutItem {
    event(json!({
        "type": "token_count",
        "info": {
            "total_token_usage": total,
            "last_token_usage": last,
            "model_context_window": CONTEXT_WINDOW,
        },
        "rate_limits": null,
    }))
}

fn task_complete(turn_id: &str, last_message: &str, duration_ms: i64) -> RolloutItem {
    event(json!({
        "type": "task_complete",
        "turn_id": turn_id,
        "last_agent_message": last_message,
        "completed_at": now_millis().timestamp(),
        "duration_ms": duration_ms,
    }))
}
