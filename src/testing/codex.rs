//! Drivers for real Codex releases, run offline against [`MockModel`](super::mock_model):
//! where the installed releases are, what each of them can do, a Codex home configured for the
//! mock, `codex exec`, and a JSON-RPC client for `codex app-server`, which can leave a thread in
//! each status a test needs (a turn running, waiting on an approval or an answer, interrupted,
//! failed, or its writer killed mid-turn; see `tests/conformance_status.rs`), plus what tells a
//! live writer from outside: writer locks (`/proc/locks`) and open rollouts (`/proc/*/fd`).
//!
//! `scripts/install-codex-releases.sh` installs the releases into
//! `$CODEX_RELEASES_DIR/<version>/bin/codex` (default `~/.cache/codex-threads/codex-releases`).

use std::collections::{BTreeSet, HashMap};
use std::io::{self, BufRead, BufReader, Write};
use std::path::{Path, PathBuf};
use std::process::{Child, ChildStdin, Command, Output, Stdio};
use std::sync::mpsc::{Receiver, RecvTimeoutError, channel};
use std::time::{Duration, Instant};

use anyhow::{Context, Result, anyhow, bail};
use serde_json::{Value, json};

use super::mock_model::MockModel;

/// The releases we verify against, newest first.
pub const SUPPORTED_RELEASES: [&str; 4] = ["0.171.0", "0.169.0", "0.147.0", "0.104.0"];

/// The variable that carries the mock provider's (meaningless) API key.
const MOCK_KEY_VAR: &str = "CODEX_THREADS_MOCK_KEY";

/// How long one app-server request may take.
const RPC_DEADLINE: Duration = Duration::from_secs(60);

/// How long one `codex exec` may take; against the mock a turn takes about a second, so this
/// only stops a hung release from hanging the tests.
const EXEC_DEADLINE: Duration = Duration::from_secs(120);

/// Every `sourceKinds` value of `thread/list` (the same enum in all supported releases);
/// without them the app server lists only interactive threads.
pub const ALL_SOURCE_KINDS: [&str; 10] = [
    "cli",
    "vscode",
    "exec",
    "appServer",
    "subAgent",
    "subAgentReview",
    "subAgentCompact",
    "subAgentThreadSpawn",
    "subAgentOther",
    "unknown",
];

#[derive(Clone, Debug)]
pub struct CodexRelease {
    pub version: String,
    pub binary: PathBuf,
}

/// What a release can do, as observed on the supported releases (0.104.0 is the one before the
/// state DB; 0.147.0 and 0.169.0 behave alike here). Every difference between them that a test
/// needs is decided here, not in the tests.
impl CodexRelease {
    /// A supported release, whether or not it is installed (see [`Self::is_installed`]).
    pub fn supported(version: &str) -> Self {
        Self {
            version: version.to_owned(),
            binary: releases_dir().join(version).join("bin").join("codex"),
        }
    }

    pub fn is_installed(&self) -> bool {
        self.binary.exists()
    }

    fn before_state_db(&self) -> bool {
        self.version == "0.104.0"
    }

    /// Whether the release is `version` or newer (dotted numbers compared as numbers).
    pub fn is_at_least(&self, version: &str) -> bool {
        fn parts(version: &str) -> Vec<u64> {
            version.split('.').map(|p| p.parse().unwrap_or(0)).collect()
        }
        parts(&self.version) >= parts(version)
    }

    /// Whether the app server's `Thread` has a `status` (`notLoaded`, `idle`, `systemError`,
    /// `active` with `activeFlags`); 0.104's has none.
    pub fn reports_thread_status(&self) -> bool {
        !self.before_state_db()
    }

    /// Whether the app server keeps read state: `readStates` in `thread/list`,
    /// `thread/readState/update`, and the `thread_read_receipts` table (from 0.169).
    pub fn keeps_read_state(&self) -> bool {
        self.is_at_least("0.169.0")
    }

    /// Whether a process that has a thread open holds `thread-writer-locks/<id>.lock` with
    /// `flock` (0.147 and later; 0.104 takes no lock, but keeps the rollout open).
    pub fn takes_writer_locks(&self) -> bool {
        !self.before_state_db()
    }

    /// Whether Codex projects its turns into `thread_history_1.sqlite`'s `thread_turns`
    /// (status `inProgress`, `completed`, `failed`, `interrupted`, with `error_json`): from
    /// 0.169, where every thread is paginated (0.147 has no such database).
    pub fn projects_turns(&self) -> bool {
        self.is_at_least("0.169.0")
    }

    /// Whether a failed turn's `task_complete` carries `error` (`message`,
    /// `codex_error_info`); 0.104's says nothing of the failure.
    pub fn records_turn_errors(&self) -> bool {
        !self.before_state_db()
    }

    /// Whether the app server, on `SIGTERM` mid-turn, ends the turn (`turn_aborted`, reason
    /// `interrupted`) and removes its writer lock before it exits (from 0.169; 0.147 and 0.104
    /// die like on `SIGKILL`).
    pub fn app_server_aborts_turns_on_sigterm(&self) -> bool {
        self.is_at_least("0.169.0")
    }

    /// Whether the app server, when its client closes its stdin mid-turn, ends the turn
    /// (`turn_aborted`) before it exits (0.147 and later; 0.104 leaves it open).
    pub fn app_server_aborts_turns_when_stdin_closes(&self) -> bool {
        !self.before_state_db()
    }

    /// The status `thread/read` gives a turn that has not ended, as the app server that runs it
    /// says and as any other app server says: 0.147 and later `inProgress` and `interrupted`
    /// (another process cannot tell a running turn from a dead one); 0.104 `completed` for both.
    pub fn unfinished_turn_read_as(&self) -> (&'static str, &'static str) {
        if self.before_state_db() {
            ("completed", "completed")
        } else {
            ("inProgress", "interrupted")
        }
    }

    /// Codex's state DB and paginated history came after 0.104.
    pub fn writes_state_db(&self) -> bool {
        !self.before_state_db()
    }

    /// Whether the app server's `Thread` has a `name` (0.104's has none; it only resolves names
    /// in `codex exec resume NAME`).
    pub fn shows_names(&self) -> bool {
        !self.before_state_db()
    }

    /// Whether the app server has the experimental `thread/memoryMode/set`.
    pub fn sets_memory_mode(&self) -> bool {
        !self.before_state_db()
    }

    /// Whether the app server has `thread/delete`.
    pub fn deletes_threads(&self) -> bool {
        !self.before_state_db()
    }

    /// 0.104's `thread/name/set` works only on a thread loaded with `thread/resume`, and writes
    /// `session_index.jsonl` after it has replied.
    pub fn names_loaded_threads_only(&self) -> bool {
        self.before_state_db()
    }

    /// Whether `codex exec resume NAME` stops finding a thread by a name it no longer has (after
    /// Codex's own rename); 0.104 finds a thread by any name it ever had in
    /// `session_index.jsonl`.
    pub fn forgets_superseded_names(&self) -> bool {
        !self.before_state_db()
    }

    /// Whether `thread/read` answers for an archived thread (0.104 says "thread not loaded").
    pub fn reads_archived_threads(&self) -> bool {
        !self.before_state_db()
    }

    /// Whether `codex exec resume ID` of an archived thread fails saying so; 0.104 does not
    /// find the thread and silently starts a new one.
    pub fn refuses_to_resume_archived(&self) -> bool {
        !self.before_state_db()
    }

    /// The `sortKey`s of `thread/list` that order threads by time.
    pub fn sort_keys(&self) -> &'static [&'static str] {
        if self.before_state_db() {
            &["created_at", "updated_at"]
        } else {
            &["created_at", "updated_at", "recency_at"]
        }
    }
}

/// Where the install script puts releases.
pub fn releases_dir() -> PathBuf {
    if let Some(dir) = std::env::var_os("CODEX_RELEASES_DIR") {
        return PathBuf::from(dir);
    }
    dirs::home_dir()
        .unwrap_or_else(|| PathBuf::from("/tmp"))
        .join(".cache/codex-threads/codex-releases")
}

/// The supported release `version`, when it is installed.
pub fn release(version: &str) -> Option<CodexRelease> {
    let release = CodexRelease::supported(version);
    release.is_installed().then_some(release)
}

/// Every supported release that is installed, newest first.
pub fn installed_releases() -> Vec<CodexRelease> {
    SUPPORTED_RELEASES
        .iter()
        .filter_map(|v| release(v))
        .collect()
}

/// A Codex home (`CODEX_HOME`) set up to talk to the mock model, with `trusted` projects
/// pre-trusted so that the interactive TUI starts without asking.
pub fn write_config(home: &Path, model_base_url: &str, trusted: &[&Path]) -> io::Result<()> {
    std::fs::create_dir_all(home)?;
    let mut config = format!(
        r#"model = "mock-model"
model_provider = "mock"
approval_policy = "never"
sandbox_mode = "danger-full-access"
check_for_update_on_startup = false

[model_providers.mock]
name = "Mock"
base_url = "{model_base_url}"
wire_api = "responses"
env_key = "{MOCK_KEY_VAR}"
request_max_retries = 0
stream_max_retries = 0

[analytics]
enabled = false
"#
    );
    for dir in trusted {
        config.push_str(&format!(
            "\n[projects.{}]\ntrust_level = \"trusted\"\n",
            toml_string(&dir.to_string_lossy())
        ));
    }
    std::fs::write(home.join("config.toml"), config)
}

fn toml_string(text: &str) -> String {
    toml::Value::String(text.to_owned()).to_string()
}

/// A command running `release` on `home`, with no terminal and stdin closed.
pub fn command(release: &CodexRelease, home: &Path, cwd: &Path) -> Command {
    // Codex runs commands in a login shell (`bash -lc`): the user's own profile must stay out.
    // Here it ran `pyenv rehash`, which waits a minute on a lock that a shell killed with its
    // Codex leaves behind, and every command then printed nothing.
    let user_home = home.parent().unwrap_or(home).join("user-home");
    let _ = std::fs::create_dir_all(&user_home);
    let mut command = Command::new(&release.binary);
    command
        .current_dir(cwd)
        .env("HOME", &user_home)
        .env("CODEX_HOME", home)
        .env(MOCK_KEY_VAR, "mock")
        .env("NO_COLOR", "1")
        .env_remove("CODEX_SQLITE_HOME")
        .env_remove("OPENAI_API_KEY")
        .env_remove("RUST_LOG")
        .stdin(Stdio::null());
    command
}

/// `codex exec PROMPT` in `cwd`; the output when it succeeded.
pub fn exec(release: &CodexRelease, home: &Path, cwd: &Path, prompt: &str) -> Result<Output> {
    let mut command = exec_command(release, home, cwd, prompt);
    let output = output_within(&mut command, EXEC_DEADLINE).context("codex exec")?;
    check_success("codex exec", output)
}

/// The command [`exec`] runs, for a caller that runs it in the background (stdout and stderr
/// are left for the caller to direct).
pub fn exec_command(release: &CodexRelease, home: &Path, cwd: &Path, prompt: &str) -> Command {
    let mut command = command(release, home, cwd);
    command.args(exec_flags()).arg(prompt);
    command
}

/// `codex exec resume THREAD PROMPT` in `cwd`, where `THREAD` is an id or a thread name (names
/// are looked up among the threads of `cwd` only).
pub fn exec_resume(
    release: &CodexRelease,
    home: &Path,
    cwd: &Path,
    thread: &str,
    prompt: &str,
) -> Result<Output> {
    let mut command = command(release, home, cwd);
    command.args(exec_flags()).args(["resume", thread, prompt]);
    let output = output_within(&mut command, EXEC_DEADLINE).context("codex exec resume")?;
    check_success("codex exec resume", output)
}

/// Runs `command` to completion with its output captured, killing it (only it, by its pid)
/// when it outlives `deadline`.
pub fn output_within(command: &mut Command, deadline: Duration) -> Result<Output> {
    let child = command
        .stdout(Stdio::piped())
        .stderr(Stdio::piped())
        .spawn()
        .with_context(|| format!("starting {:?}", command.get_program()))?;
    let pid = child.id();
    let (done, result) = channel();
    std::thread::spawn(move || {
        let _ = done.send(child.wait_with_output());
    });
    match result.recv_timeout(deadline) {
        Ok(output) => Ok(output?),
        Err(_) => {
            let _ = Command::new("kill").arg("-9").arg(pid.to_string()).status();
            bail!(
                "{:?} did not finish within {} s",
                command.get_program(),
                deadline.as_secs()
            )
        }
    }
}

fn exec_flags() -> [&'static str; 4] {
    [
        "exec",
        "--skip-git-repo-check",
        "--dangerously-bypass-approvals-and-sandbox",
        "--color=never",
    ]
}

fn check_success(what: &str, output: Output) -> Result<Output> {
    if output.status.success() {
        return Ok(output);
    }
    let stderr = String::from_utf8_lossy(&output.stderr);
    bail!(
        "{what} failed ({}): {}",
        output.status,
        error_lines(&stderr)
    )
}

/// The lines of a release's stderr that say what went wrong: its `Error:` line when it printed
/// one (newer releases follow it with a long backtrace), else the last few lines.
fn error_lines(stderr: &str) -> String {
    if let Some(error) = stderr.lines().find(|l| l.starts_with("Error:")) {
        return error.to_owned();
    }
    let tail: Vec<&str> = stderr
        .lines()
        .rev()
        .filter(|l| !l.trim().is_empty())
        .take(5)
        .collect();
    tail.into_iter().rev().collect::<Vec<_>>().join(" | ")
}

/// A running `codex app-server`, spoken to in JSON-RPC over its stdio (one object a line).
pub struct AppServer {
    child: Child,
    stdin: Option<ChildStdin>,
    lines: Receiver<Value>,
    next_id: u64,
    /// Notifications received while waiting for replies, oldest first.
    pub notifications: Vec<Value>,
    /// Requests from the server (approvals, questions) left unanswered, oldest first; see
    /// [`Self::keep_server_requests`].
    pub server_requests: Vec<Value>,
    keep_server_requests: bool,
}

/// A turn started with [`AppServer::start_turn`] and not waited for.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct StartedTurn {
    pub thread_id: String,
    pub turn_id: String,
}

/// A thread as one app server's `thread/list` shows it.
#[derive(Clone, Debug)]
pub struct ListedThread {
    /// The thread's entry in `data`.
    pub thread: Value,
    /// `status` of the entry (`{"type": "notLoaded" | "idle" | "systemError"}` or
    /// `{"type": "active", "activeFlags": [...]}`); `Null` where the release has none (0.104).
    pub status: Value,
    /// The thread's entry in `readStates` (`{"firstUnread": ..., "revision": ...}`): `None`
    /// when the reply has no entry for it, `Some(Null)` never (a `readStates: null` reply, as
    /// from releases before 0.169, gives `None` too).
    pub read_state: Option<Value>,
    /// Whether the reply had `readStates` at all (not null).
    pub has_read_states: bool,
}

/// `thread/readState/update`'s `operation`.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum ReadStateOperation {
    Read,
    Unread,
}

/// The `turn/start` overrides under which Codex asks before it runs an escalated command: the
/// `on-request` approval policy and the `workspace-write` sandbox (under `danger-full-access`,
/// which [`write_config`] sets, it runs the command without asking).
pub fn asking_turn_overrides() -> Value {
    json!({"approvalPolicy": "on-request", "sandboxPolicy": {"type": "workspaceWrite"}})
}

/// The `turn/start` overrides that put a turn in Plan mode, where Codex offers the model its
/// `request_user_input` tool (elsewhere the tool answers "unavailable in Default mode").
pub fn plan_mode_overrides(model: &str) -> Value {
    json!({"collaborationMode": {"mode": "plan", "settings": {"model": model}}})
}

/// The model name [`write_config`] configures.
pub const MOCK_MODEL_NAME: &str = "mock-model";

impl AppServer {
    /// Starts the app server of `release` on `home` and completes the `initialize` handshake.
    pub fn start(release: &CodexRelease, home: &Path, cwd: &Path) -> Result<Self> {
        let mut child = command(release, home, cwd)
            .arg("app-server")
            .stdin(Stdio::piped())
            .stdout(Stdio::piped())
            .stderr(Stdio::null())
            .spawn()
            .context("starting codex app-server")?;
        let stdin = child.stdin.take().context("app-server stdin")?;
        let stdout = child.stdout.take().context("app-server stdout")?;
        let (sender, lines) = channel();
        std::thread::spawn(move || {
            for line in BufReader::new(stdout).lines() {
                let Ok(line) = line else { break };
                if let Ok(value) = serde_json::from_str::<Value>(&line)
                    && sender.send(value).is_err()
                {
                    break;
                }
            }
        });
        let mut server = Self {
            child,
            stdin: Some(stdin),
            lines,
            next_id: 1,
            notifications: Vec::new(),
            server_requests: Vec::new(),
            keep_server_requests: false,
        };
        server.request(
            "initialize",
            json!({
                "clientInfo": {"name": "codex_threads_tests", "title": null, "version": "0.1.0"},
                "capabilities": {"experimentalApi": true},
            }),
        )?;
        server.send(&json!({"method": "initialized"}))?;
        Ok(server)
    }

    fn send(&mut self, message: &Value) -> Result<()> {
        let stdin = self
            .stdin
            .as_mut()
            .context("the app server's stdin is closed")?;
        writeln!(stdin, "{message}").context("writing to the app server")?;
        stdin.flush().context("writing to the app server")
    }

    /// The process id of the app server as started (for an npm release, its Node launcher).
    pub fn pid(&self) -> u32 {
        self.child.id()
    }

    /// The process id of Codex itself: the one that holds the writer locks and that a signal
    /// must reach (see [`codex_process`]).
    pub fn codex_pid(&self) -> u32 {
        codex_process(self.child.id())
    }

    /// From now on, requests from the server (an approval, a question) stay unanswered in
    /// [`Self::server_requests`], so that the turn that asked keeps waiting, until the test
    /// answers with [`Self::respond`]. By default they are answered at once: an approval
    /// declined, a question with no answers.
    pub fn keep_server_requests(&mut self) {
        self.keep_server_requests = true;
    }

    /// Answers the server's request `request` (as kept in [`Self::server_requests`]) with
    /// `result`, and forgets it.
    pub fn respond(&mut self, request: &Value, result: Value) -> Result<()> {
        self.server_requests.retain(|r| r["id"] != request["id"]);
        self.send(&json!({"id": request["id"], "result": result}))
    }

    /// Waits for a request from the server named `method` that `accept`s (by its params),
    /// and returns it; it stays in [`Self::server_requests`] until answered. Needs
    /// [`Self::keep_server_requests`].
    pub fn wait_for_server_request(
        &mut self,
        method: &str,
        accept: impl Fn(&Value) -> bool,
    ) -> Result<Value> {
        if !self.keep_server_requests {
            bail!("waiting for a server request needs keep_server_requests()");
        }
        let deadline = Instant::now() + RPC_DEADLINE;
        loop {
            if let Some(request) = self
                .server_requests
                .iter()
                .find(|r| r["method"] == method && accept(&r["params"]))
            {
                return Ok(request.clone());
            }
            let message = self.next_message(deadline, method)?;
            self.handle_unrequested(message)?;
        }
    }

    /// Takes every message that has arrived by now, without waiting.
    pub fn drain(&mut self) -> Result<()> {
        while let Ok(message) = self.lines.try_recv() {
            self.handle_unrequested(message)?;
        }
        Ok(())
    }

    /// Sends a request and waits for its result; a JSON-RPC error becomes an `Err`.
    pub fn request(&mut self, method: &str, params: Value) -> Result<Value> {
        let id = self.next_id;
        self.next_id += 1;
        self.send(&json!({"id": id, "method": method, "params": params}))?;
        let deadline = Instant::now() + RPC_DEADLINE;
        loop {
            let message = self.next_message(deadline, method)?;
            if message.get("id") == Some(&json!(id)) && message.get("method").is_none() {
                if let Some(error) = message.get("error") {
                    bail!("{method}: {error}");
                }
                return Ok(message["result"].clone());
            }
            self.handle_unrequested(message)?;
        }
    }

    /// Waits for a notification named `method` that `accept`s, keeping the others.
    pub fn wait_for_notification(
        &mut self,
        method: &str,
        accept: impl Fn(&Value) -> bool,
    ) -> Result<Value> {
        self.wait_for_notification_within(method, RPC_DEADLINE, accept)
    }

    /// [`Self::wait_for_notification`], waiting at most `timeout`.
    pub fn wait_for_notification_within(
        &mut self,
        method: &str,
        timeout: Duration,
        accept: impl Fn(&Value) -> bool,
    ) -> Result<Value> {
        if let Some(index) = self
            .notifications
            .iter()
            .position(|n| n["method"] == method && accept(&n["params"]))
        {
            return Ok(self.notifications.remove(index));
        }
        let deadline = Instant::now() + timeout;
        loop {
            let message = self.next_message(deadline, method)?;
            if message["method"] == method && accept(&message["params"]) {
                return Ok(message);
            }
            self.handle_unrequested(message)?;
        }
    }

    fn next_message(&mut self, deadline: Instant, waiting_for: &str) -> Result<Value> {
        let left = deadline.saturating_duration_since(Instant::now());
        match self.lines.recv_timeout(left) {
            Ok(message) => Ok(message),
            Err(RecvTimeoutError::Timeout) => Err(anyhow!("app server: no {waiting_for} in time")),
            Err(RecvTimeoutError::Disconnected) => {
                Err(anyhow!("app server exited while waiting for {waiting_for}"))
            }
        }
    }

    /// A notification is kept; a request from the server is kept (see
    /// [`Self::keep_server_requests`]) or answered: an approval declined, a question with no
    /// answers.
    fn handle_unrequested(&mut self, message: Value) -> Result<()> {
        if message.get("id").is_some() && message.get("method").is_some() {
            if self.keep_server_requests {
                self.server_requests.push(message);
                return Ok(());
            }
            let result = if message["method"] == "item/tool/requestUserInput" {
                json!({"answers": {}})
            } else {
                json!({"decision": "decline"})
            };
            let reply = json!({"id": message["id"], "result": result});
            return self.send(&reply);
        }
        self.notifications.push(message);
        Ok(())
    }

    /// `thread/start` in `cwd` with extra `params` (such as `approvalPolicy`); the new
    /// thread's id.
    pub fn start_thread(&mut self, cwd: &Path, params: Value) -> Result<String> {
        let mut all = json!({"cwd": cwd});
        merge(&mut all, params);
        let started = self.request("thread/start", all)?;
        Ok(started["thread"]["id"]
            .as_str()
            .context("thread/start returned no thread id")?
            .to_owned())
    }

    /// `turn/start` of `prompt` on a loaded thread, with `overrides` (such as
    /// [`asking_turn_overrides`]), without waiting for the turn to end.
    pub fn start_turn(
        &mut self,
        thread_id: &str,
        prompt: &str,
        overrides: Value,
    ) -> Result<StartedTurn> {
        let mut params =
            json!({"threadId": thread_id, "input": [{"type": "text", "text": prompt}]});
        merge(&mut params, overrides);
        let reply = self.request("turn/start", params)?;
        let turn_id = reply["turn"]["id"]
            .as_str()
            .context("turn/start returned no turn id")?
            .to_owned();
        Ok(StartedTurn {
            thread_id: thread_id.to_owned(),
            turn_id,
        })
    }

    /// Waits for `turn` to end; its `turn/completed` params' `turn` (with `status`
    /// `completed`, `failed` or `interrupted`, and `error`).
    pub fn wait_for_turn(&mut self, turn: &StartedTurn) -> Result<Value> {
        let completed = self.wait_for_notification("turn/completed", |params| {
            params["threadId"] == turn.thread_id.as_str()
                && params["turn"]["id"] == turn.turn_id.as_str()
        })?;
        Ok(completed["params"]["turn"].clone())
    }

    /// Starts a turn whose answer `model` holds at `[hold: HOLD]` until the test releases it
    /// ([`MockModel::release`]); returns once Codex is waiting for that answer, with the
    /// turn in progress and nothing running.
    pub fn start_held_turn(
        &mut self,
        model: &MockModel,
        thread_id: &str,
        hold: &str,
    ) -> Result<StartedTurn> {
        let turn = self.start_turn(thread_id, &format!("[hold: {hold}] Hold on"), json!({}))?;
        model
            .wait_for_hold(hold, RPC_DEADLINE)
            .context("the held turn's request did not reach the model")?;
        Ok(turn)
    }

    /// Starts a turn that asks to run `command` outside the sandbox and returns once the
    /// server asks for the approval (`item/commandExecution/requestApproval`), which stays
    /// unanswered: the turn waits on the user. Answer with [`Self::respond`] and
    /// `{"decision": "accept"}` (or `decline`, `cancel`).
    pub fn start_turn_awaiting_approval(
        &mut self,
        thread_id: &str,
        command: &str,
    ) -> Result<(StartedTurn, Value)> {
        self.keep_server_requests();
        let turn = self.start_turn(
            thread_id,
            &format!("[escalate: {command}]"),
            asking_turn_overrides(),
        )?;
        let request = self
            .wait_for_server_request("item/commandExecution/requestApproval", |params| {
                params["turnId"] == turn.turn_id.as_str()
            })?;
        Ok((turn, request))
    }

    /// Starts a Plan-mode turn whose model asks the user a question (`request_user_input`)
    /// and returns once the server asks it (`item/tool/requestUserInput`), unanswered. Answer
    /// with [`Self::answer_question`].
    pub fn start_turn_awaiting_answer(&mut self, thread_id: &str) -> Result<(StartedTurn, Value)> {
        self.keep_server_requests();
        let turn = self.start_turn(
            thread_id,
            "[ask: Go on?]",
            plan_mode_overrides(MOCK_MODEL_NAME),
        )?;
        let request = self.wait_for_server_request("item/tool/requestUserInput", |params| {
            params["turnId"] == turn.turn_id.as_str()
        })?;
        Ok((turn, request))
    }

    /// Answers every question of a kept `item/tool/requestUserInput` request with `answer`.
    pub fn answer_question(&mut self, request: &Value, answer: &str) -> Result<()> {
        let answers: serde_json::Map<String, Value> = request["params"]["questions"]
            .as_array()
            .into_iter()
            .flatten()
            .filter_map(|q| Some((q["id"].as_str()?.to_owned(), json!({"answers": [answer]}))))
            .collect();
        self.respond(request, json!({"answers": answers}))
    }

    /// `thread/unsubscribe` (0.147 and later): this client stops following the thread. The
    /// server keeps it loaded (status `idle`, writer lock held) for about a minute more, then
    /// unloads it (`thread/closed`; lock released, lock file removed); see
    /// [`Self::wait_for_thread_closed`].
    pub fn unsubscribe(&mut self, thread_id: &str) -> Result<Value> {
        self.request("thread/unsubscribe", json!({"threadId": thread_id}))
    }

    /// Waits at most `timeout` for the server to unload the thread (`thread/closed`).
    pub fn wait_for_thread_closed(&mut self, thread_id: &str, timeout: Duration) -> Result<()> {
        self.wait_for_notification_within("thread/closed", timeout, |params| {
            params["threadId"] == thread_id
        })?;
        Ok(())
    }

    /// `turn/interrupt` of a running turn, then waits for it to end (`interrupted`).
    pub fn interrupt_turn(&mut self, turn: &StartedTurn) -> Result<Value> {
        self.request(
            "turn/interrupt",
            json!({"threadId": turn.thread_id, "turnId": turn.turn_id}),
        )?;
        self.wait_for_turn(turn)
    }

    /// One `thread/list` call with `params` (every source kind unless `params` names some),
    /// the whole reply (`data`, `nextCursor`, and `readStates` from 0.169).
    pub fn list_page(&mut self, params: Value) -> Result<Value> {
        let mut all = json!({"limit": 100, "sourceKinds": ALL_SOURCE_KINDS});
        merge(&mut all, params);
        self.request("thread/list", all)
    }

    /// The thread `id` as this server's `thread/list` shows it (not archived, every source),
    /// with its `status` and its `readStates` entry; `None` when it is not listed.
    pub fn listed_thread(&mut self, id: &str) -> Result<Option<ListedThread>> {
        let mut cursor = Value::Null;
        loop {
            let reply = self.list_page(json!({"cursor": cursor}))?;
            let found = reply["data"]
                .as_array()
                .into_iter()
                .flatten()
                .find(|t| t["id"] == id)
                .cloned();
            if let Some(thread) = found {
                let read_states = &reply["readStates"];
                return Ok(Some(ListedThread {
                    status: thread.get("status").cloned().unwrap_or(Value::Null),
                    read_state: read_states.get(id).cloned(),
                    has_read_states: read_states.is_object(),
                    thread,
                }));
            }
            cursor = reply["nextCursor"].clone();
            if cursor.is_null() {
                return Ok(None);
            }
        }
    }

    /// `thread/readState/update` (0.169 and later, experimental): marks the thread read or
    /// unread, given the `revision` last seen (from `readStates`); the new read state
    /// (`{"firstUnread": ..., "revision": ...}`).
    pub fn update_read_state(
        &mut self,
        id: &str,
        operation: ReadStateOperation,
        expected_revision: &str,
    ) -> Result<Value> {
        let operation = match operation {
            ReadStateOperation::Read => "read",
            ReadStateOperation::Unread => "unread",
        };
        let reply = self.request(
            "thread/readState/update",
            json!({
                "threadId": id,
                "operation": {"type": operation},
                "expectedRevision": expected_revision,
            }),
        )?;
        Ok(reply["readState"].clone())
    }

    /// Closes the server's stdin, as a client that goes away does, and waits (at most
    /// `deadline`) for it to exit by itself; killed if it does not. Whether it exited by itself.
    pub fn close(mut self, deadline: Duration) -> Result<bool> {
        drop(self.stdin.take());
        let end = Instant::now() + deadline;
        while Instant::now() < end {
            if self.child.try_wait()?.is_some() {
                return Ok(true);
            }
            std::thread::sleep(Duration::from_millis(50));
        }
        Ok(false)
    }

    /// Sends `signal` (such as `TERM` or `KILL`) to the server, and waits (at most `deadline`)
    /// for it to exit; killed if it has not. `KILL` is a writer that goes away mid-turn
    /// without a word. Whether it exited within the deadline.
    pub fn signal(mut self, signal: &str, deadline: Duration) -> Result<bool> {
        let pid = self.codex_pid().to_string();
        let sent = Command::new("kill")
            .args([format!("-{signal}"), pid])
            .status()
            .context("running kill")?;
        if !sent.success() {
            bail!("kill -{signal} failed");
        }
        let end = Instant::now() + deadline;
        while Instant::now() < end {
            if self.child.try_wait()?.is_some() {
                return Ok(true);
            }
            std::thread::sleep(Duration::from_millis(50));
        }
        Ok(false)
    }

    /// Starts a thread in `cwd`, runs one turn with `prompt`, and returns the thread id once
    /// the turn completed.
    pub fn start_thread_with_turn(&mut self, cwd: &Path, prompt: &str) -> Result<String> {
        let started = self.request("thread/start", json!({"cwd": cwd}))?;
        let id = started["thread"]["id"]
            .as_str()
            .context("thread/start returned no thread id")?
            .to_owned();
        self.run_turn(&id, prompt)?;
        Ok(id)
    }

    /// Runs one turn on a loaded thread and waits for it to complete.
    pub fn run_turn(&mut self, id: &str, prompt: &str) -> Result<()> {
        let turn = self.start_turn(id, prompt, json!({}))?;
        self.wait_for_turn(&turn)?;
        Ok(())
    }

    /// `thread/read` with its items.
    pub fn read_thread(&mut self, id: &str) -> Result<Value> {
        let reply = self.request("thread/read", json!({"threadId": id, "includeTurns": true}))?;
        Ok(reply["thread"].clone())
    }

    /// `thread/list` of every source, archived or not, keyed by id.
    pub fn list_threads(&mut self, archived: bool) -> Result<HashMap<String, Value>> {
        let threads = self.list_threads_sorted(archived, "created_at")?;
        Ok(threads
            .into_iter()
            .filter_map(|t| Some((t["id"].as_str()?.to_owned(), t)))
            .collect())
    }

    /// Every thread of every source in Codex's order for `sort_key` (newest first), all pages.
    pub fn list_threads_sorted(&mut self, archived: bool, sort_key: &str) -> Result<Vec<Value>> {
        let mut threads = Vec::new();
        let mut cursor = Value::Null;
        loop {
            let reply = self.request(
                "thread/list",
                json!({
                    "cursor": cursor,
                    "limit": 100,
                    "archived": archived,
                    "sortKey": sort_key,
                    "sourceKinds": ALL_SOURCE_KINDS,
                }),
            )?;
            threads.extend(reply["data"].as_array().into_iter().flatten().cloned());
            cursor = reply["nextCursor"].clone();
            if cursor.is_null() {
                return Ok(threads);
            }
        }
    }
}

/// How long a dropped [`AppServer`] may take to exit by itself once its stdin is closed.
const DROP_GRACE: Duration = Duration::from_secs(2);

impl Drop for AppServer {
    /// Closes the server's stdin and gives it [`DROP_GRACE`] to exit; then kills Codex itself
    /// and its launcher, so that no Codex process outlives the test holding locks.
    fn drop(&mut self) {
        if matches!(self.child.try_wait(), Ok(Some(_))) {
            return;
        }
        let codex = self.codex_pid();
        drop(self.stdin.take());
        let end = Instant::now() + DROP_GRACE;
        while Instant::now() < end {
            if matches!(self.child.try_wait(), Ok(Some(_))) {
                return;
            }
            std::thread::sleep(Duration::from_millis(20));
        }
        if codex != self.child.id() {
            let _ = Command::new("kill")
                .args(["-KILL", &codex.to_string()])
                .status();
        }
        let _ = self.child.kill();
        let _ = self.child.wait();
    }
}

/// Stops the app-server daemon that the interactive TUI of newer releases leaves running in
/// `home` (it keeps threads open, holding their writer locks).
pub fn stop_daemons(home: &Path) {
    let Ok(entries) = std::fs::read_dir(home.join("app-server-daemon")) else {
        return;
    };
    for entry in entries.flatten() {
        let path = entry.path();
        if path.extension().is_none_or(|e| e != "pid") {
            continue;
        }
        let pid = std::fs::read_to_string(&path)
            .ok()
            .and_then(|text| serde_json::from_str::<Value>(&text).ok())
            .and_then(|record| record["pid"].as_u64());
        if let Some(pid) = pid {
            let _ = Command::new("kill").arg(pid.to_string()).status();
        }
    }
}

/// The process that runs Codex itself for the process `pid` that was started: `pid`, unless
/// `pid` is the npm package's Node launcher, which on this machine's Node (before 22.15, no
/// `process.execve`) spawns the native binary as its child and forwards signals to it; then
/// that child. A `KILL` sent to the launcher would leave the child running, holding its locks.
pub fn codex_process(pid: u32) -> u32 {
    let is_node = |pid: u32| {
        std::fs::read_link(format!("/proc/{pid}/exe"))
            .ok()
            .and_then(|exe| {
                exe.file_name()
                    .map(|n| n.to_string_lossy().starts_with("node"))
            })
            .unwrap_or(false)
    };
    if !is_node(pid) {
        return pid;
    }
    let children =
        std::fs::read_to_string(format!("/proc/{pid}/task/{pid}/children")).unwrap_or_default();
    children
        .split_whitespace()
        .filter_map(|c| c.parse().ok())
        .find(|child| !is_node(*child))
        .unwrap_or(pid)
}

/// Adds the fields of the object `extra` to the object `target` (replacing any of the same name).
fn merge(target: &mut Value, extra: Value) {
    if let (Some(target), Value::Object(extra)) = (target.as_object_mut(), extra) {
        target.extend(extra);
    }
}

/// Every rollout file under `home` (`sessions/` and `archived_sessions/`).
pub fn rollouts(home: &Path) -> BTreeSet<PathBuf> {
    let mut found = BTreeSet::new();
    let mut dirs = vec![home.join("sessions"), home.join("archived_sessions")];
    while let Some(dir) = dirs.pop() {
        let Ok(entries) = std::fs::read_dir(&dir) else {
            continue;
        };
        for entry in entries.flatten() {
            let path = entry.path();
            if path.is_dir() {
                dirs.push(path);
            } else if path
                .file_name()
                .is_some_and(|n| n.to_string_lossy().starts_with("rollout-"))
            {
                found.insert(path);
            }
        }
    }
    found
}

/// The rollout of the thread `thread_id` under `home` (`.jsonl` or `.jsonl.zst`, archived or
/// not), found by its file name.
pub fn find_rollout(home: &Path, thread_id: &str) -> Option<PathBuf> {
    rollouts(home).into_iter().find(|p| {
        p.file_name()
            .is_some_and(|n| n.to_string_lossy().contains(thread_id))
    })
}

/// The thread id in a rollout's file name (`rollout-<time>-<id>.jsonl[.zst]`).
pub fn rollout_thread_id(path: &Path) -> Option<String> {
    let name = path.file_name()?.to_str()?;
    let stem = name.strip_suffix(".zst").unwrap_or(name);
    let stem = stem.strip_suffix(".jsonl")?;
    let id = stem.get(stem.len().checked_sub(36)?..)?;
    uuid::Uuid::parse_str(id).ok()?;
    Some(id.to_owned())
}

/// The id of the thread whose rollout appeared under `home` since `before` (from
/// [`rollouts`]), waiting up to `timeout` for it: how a test finds the thread that a `codex
/// exec` it started writes.
pub fn new_thread_since(
    home: &Path,
    before: &BTreeSet<PathBuf>,
    timeout: Duration,
) -> Result<String> {
    let deadline = Instant::now() + timeout;
    loop {
        if let Some(id) = rollouts(home)
            .difference(before)
            .find_map(|path| rollout_thread_id(path))
        {
            return Ok(id);
        }
        if Instant::now() > deadline {
            bail!("no new rollout appeared in {}", home.display());
        }
        std::thread::sleep(Duration::from_millis(50));
    }
}

/// Where a thread's writer lock lives: `CODEX_HOME/thread-writer-locks/<id>.lock`.
pub fn writer_lock_path(home: &Path, thread_id: &str) -> PathBuf {
    home.join("thread-writer-locks")
        .join(format!("{thread_id}.lock"))
}

/// The locks the kernel lists (`/proc/locks`) on the file at `path`: one line each, as
/// `FLOCK ADVISORY WRITE`, with the pid that took it. Empty when the file is not locked or does
/// not exist.
pub fn file_locks(path: &Path) -> Vec<FileLock> {
    use std::os::unix::fs::MetadataExt;
    let Ok(meta) = std::fs::metadata(path) else {
        return Vec::new();
    };
    let (dev, inode) = (meta.dev(), meta.ino());
    let (major, minor) = (
        ((dev >> 8) & 0xfff) | ((dev >> 32) & !0xfff),
        (dev & 0xff) | ((dev >> 12) & !0xff),
    );
    let wanted = format!("{major:02x}:{minor:02x}:{inode}");
    let Ok(locks) = std::fs::read_to_string("/proc/locks") else {
        return Vec::new();
    };
    locks
        .lines()
        .filter_map(|line| {
            // "1: FLOCK  ADVISORY  WRITE 12345 08:01:1234567 0 EOF" (a blocked waiter has "->").
            let fields: Vec<&str> = line.split_whitespace().filter(|f| *f != "->").collect();
            if fields.get(5) != Some(&wanted.as_str()) {
                return None;
            }
            Some(FileLock {
                kind: fields[1].to_owned(),
                mode: fields[3].to_owned(),
                pid: fields[4].parse().ok()?,
                waiting: line.contains("->"),
            })
        })
        .collect()
}

/// The processes that have the file at `path` open (any of `/proc/<pid>/fd/*` links to it), as
/// far as this user may look. A writer that keeps its rollout open shows here even where it
/// takes no lock (0.104).
pub fn processes_with_open(path: &Path) -> Vec<u32> {
    let Ok(wanted) = std::fs::canonicalize(path) else {
        return Vec::new();
    };
    let Ok(processes) = std::fs::read_dir("/proc") else {
        return Vec::new();
    };
    let mut pids: Vec<u32> = processes
        .flatten()
        .filter_map(|entry| entry.file_name().to_str()?.parse::<u32>().ok())
        .filter(|pid| {
            std::fs::read_dir(format!("/proc/{pid}/fd")).is_ok_and(|fds| {
                fds.flatten()
                    .any(|fd| std::fs::read_link(fd.path()).is_ok_and(|target| target == wanted))
            })
        })
        .collect();
    pids.sort_unstable();
    pids
}

/// One lock on a file, from `/proc/locks`.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct FileLock {
    /// `FLOCK`, `POSIX` or `OFDLCK`.
    pub kind: String,
    /// `READ` or `WRITE`.
    pub mode: String,
    pub pid: u32,
    /// A process blocked waiting for the lock rather than holding it.
    pub waiting: bool,
}
