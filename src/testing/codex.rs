//! Drivers for real Codex releases, run offline against [`MockModel`](super::mock_model):
//! where the installed releases are, what each of them can do, a Codex home configured for the
//! mock, `codex exec`, and a JSON-RPC client for `codex app-server`.
//!
//! `scripts/install-codex-releases.sh` installs the releases into
//! `$CODEX_RELEASES_DIR/<version>/bin/codex` (default `~/.cache/codex-threads/codex-releases`).

use std::collections::HashMap;
use std::io::{self, BufRead, BufReader, Write};
use std::path::{Path, PathBuf};
use std::process::{Child, ChildStdin, Command, Output, Stdio};
use std::sync::mpsc::{Receiver, RecvTimeoutError, channel};
use std::time::{Duration, Instant};

use anyhow::{Context, Result, anyhow, bail};
use serde_json::{Value, json};

/// The releases we verify against, newest first.
pub const SUPPORTED_RELEASES: [&str; 3] = ["0.169.0", "0.147.0", "0.104.0"];

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
    let mut command = Command::new(&release.binary);
    command
        .current_dir(cwd)
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
    stdin: ChildStdin,
    lines: Receiver<Value>,
    next_id: u64,
    /// Notifications received while waiting for replies, oldest first.
    pub notifications: Vec<Value>,
}

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
            stdin,
            lines,
            next_id: 1,
            notifications: Vec::new(),
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
        writeln!(self.stdin, "{message}").context("writing to the app server")?;
        self.stdin.flush().context("writing to the app server")
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
        if let Some(index) = self
            .notifications
            .iter()
            .position(|n| n["method"] == method && accept(&n["params"]))
        {
            return Ok(self.notifications.remove(index));
        }
        let deadline = Instant::now() + RPC_DEADLINE;
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

    /// A notification is kept; a request from the server (an approval) is declined.
    fn handle_unrequested(&mut self, message: Value) -> Result<()> {
        if message.get("id").is_some() && message.get("method").is_some() {
            let reply = json!({"id": message["id"], "result": {"decision": "decline"}});
            return self.send(&reply);
        }
        self.notifications.push(message);
        Ok(())
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
        self.request(
            "turn/start",
            json!({"threadId": id, "input": [{"type": "text", "text": prompt}]}),
        )?;
        self.wait_for_notification("turn/completed", |params| params["threadId"] == id)?;
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

impl Drop for AppServer {
    fn drop(&mut self) {
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
