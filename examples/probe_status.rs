//! Prints what real Codex releases leave on disk, and what their app server says, for each
//! state a thread can be in: a turn running (the model's answer held, or a command running), a
//! turn waiting on an approval or on the user's answer, a turn done with the thread still open
//! or closed (or unloaded a minute after `thread/unsubscribe`), a failed turn (HTTP 500, a
//! failed stream), a turn interrupted by the client, and a writer that went away mid-turn
//! (killed, terminated, its client gone); the same for `codex exec`; and how read state moves
//! (`thread_read_receipts`, `readStates`, `thread/readState/update`).
//!
//! ```sh
//! scripts/install-codex-releases.sh
//! cargo run --example probe_status -- [VERSION...] [--only SCENARIO...]
//! ```
//!
//! Every release gets a fresh home (offline, against the mock model), each scenario a thread
//! and an app server of its own. For each state it prints:
//!
//! * the rollout's last lines (kind, event type, key fields);
//! * `thread_turns` and `thread_history_projection_state` rows (`thread_history_1.sqlite`),
//!   the `threads` columns that move and the `thread_read_receipts` row (`state_5.sqlite`);
//! * who holds `thread-writer-locks/<id>.lock` (`/proc/locks`);
//! * the thread's `status` and `readStates` entry in `thread/list` of the app server that has
//!   it open ("owner"), and of a second app server started on the same home ("observer"),
//!   with the observer's `thread/read` of the last turn.

use std::collections::BTreeSet;
use std::path::{Path, PathBuf};
use std::process::{Child, Command, Stdio};
use std::time::{Duration, Instant};

use anyhow::{Context, Result, bail};
use rusqlite::{Connection, OpenFlags};
use serde_json::{Value, json};

use codex_threads::testing::codex::{self, AppServer, CodexRelease, ReadStateOperation};
use codex_threads::testing::mock_model::MockModel;

/// How many rollout lines each report shows.
const TAIL_LINES: usize = 15;
const WAIT: Duration = Duration::from_secs(60);

const SCENARIOS: [&str; 15] = [
    "idle-done",
    "unsubscribe",
    "held",
    "command",
    "approval",
    "question",
    "failed-http",
    "failed-stream",
    "interrupt",
    "kill",
    "term",
    "stdin-closed",
    "exec",
    "exec-killed",
    "read-state",
];

fn main() -> Result<()> {
    let mut versions = Vec::new();
    let mut only = Vec::new();
    let mut args = std::env::args().skip(1);
    while let Some(arg) = args.next() {
        if arg == "--only" {
            only.extend(args.by_ref());
        } else {
            versions.push(arg);
        }
    }
    if let Some(unknown) = only.iter().find(|s| !SCENARIOS.contains(&s.as_str())) {
        bail!(
            "no scenario {unknown}; the scenarios: {}",
            SCENARIOS.join(", ")
        );
    }
    let releases: Vec<CodexRelease> = if versions.is_empty() {
        codex::SUPPORTED_RELEASES
            .iter()
            .filter_map(|v| codex::release(v))
            .collect()
    } else {
        versions
            .iter()
            .map(|v| codex::release(v).with_context(|| format!("Codex {v} is not installed")))
            .collect::<Result<_>>()?
    };
    let model = MockModel::start()?;
    for release in &releases {
        let probe = Probe::new(release, &model)?;
        println!("\n# Codex {}\n", release.version);
        for scenario in SCENARIOS {
            if !only.is_empty() && !only.iter().any(|o| o == scenario) {
                continue;
            }
            println!("\n## {} / {scenario}\n", release.version);
            if let Err(err) = probe.run(scenario) {
                println!("!! {scenario} failed: {err:#}");
            }
        }
    }
    Ok(())
}

struct Probe<'a> {
    release: &'a CodexRelease,
    model: &'a MockModel,
    home: PathBuf,
    cwd: PathBuf,
    _root: tempfile::TempDir,
}

impl<'a> Probe<'a> {
    fn new(release: &'a CodexRelease, model: &'a MockModel) -> Result<Self> {
        let root = tempfile::tempdir()?;
        let (home, cwd) = (root.path().join("home"), root.path().join("work"));
        std::fs::create_dir_all(&cwd)?;
        codex::write_config(&home, &model.base_url(), &[&cwd])?;
        Ok(Self {
            release,
            model,
            home,
            cwd,
            _root: root,
        })
    }

    fn server(&self) -> Result<AppServer> {
        AppServer::start(self.release, &self.home, &self.cwd)
    }

    /// A new app server with a new thread on it.
    fn server_with_thread(&self) -> Result<(AppServer, String)> {
        let mut server = self.server()?;
        let id = server.start_thread(&self.cwd, json!({}))?;
        Ok((server, id))
    }

    fn run(&self, scenario: &str) -> Result<()> {
        match scenario {
            "idle-done" => self.idle_done(),
            "unsubscribe" => self.unsubscribe(),
            "held" => self.held(),
            "command" => self.command(),
            "approval" => self.approval(),
            "question" => self.question(),
            "failed-http" => self.failed("[fail] Please fail"),
            "failed-stream" => self.failed("[fail: stream] Please fail"),
            "interrupt" => self.interrupt(),
            "kill" => self.gone_mid_turn("KILL"),
            "term" => self.gone_mid_turn("TERM"),
            "stdin-closed" => self.stdin_closed_mid_turn(),
            "exec" => self.exec(),
            "exec-killed" => self.exec_killed(),
            "read-state" => self.read_state(),
            _ => bail!("no scenario {scenario}"),
        }
    }

    /// A completed turn with the thread open (idle), then with its app server gone (done).
    fn idle_done(&self) -> Result<()> {
        let (mut server, id) = self.server_with_thread()?;
        let turn = server.start_turn(&id, "[shell: echo hello] Say hello", json!({}))?;
        let ended = server.wait_for_turn(&turn)?;
        println!("turn/completed: {}", turn_brief(&ended));
        self.report("turn completed, app server alive", &id, Some(&mut server))?;
        let exited = server.close(Duration::from_secs(10))?;
        println!("app server exited after its stdin closed: {exited}");
        self.report("app server gone (stdin closed)", &id, None)
    }

    /// A completed turn, then the client unsubscribes and the app server (alive) unloads the
    /// thread a while later.
    fn unsubscribe(&self) -> Result<()> {
        if !self.release.reports_thread_status() {
            println!("(no thread/unsubscribe in {})", self.release.version);
            return Ok(());
        }
        let (mut server, id) = self.server_with_thread()?;
        server.run_turn(&id, "A turn before unsubscribing")?;
        let reply = server.unsubscribe(&id)?;
        println!("thread/unsubscribe: {reply}");
        let start = Instant::now();
        self.report("unsubscribed, app server alive", &id, Some(&mut server))?;
        match server.wait_for_thread_closed(&id, Duration::from_secs(180)) {
            Ok(()) => println!(
                "thread/closed {:.0} s after thread/unsubscribe",
                start.elapsed().as_secs_f64()
            ),
            Err(err) => println!("no thread/closed: {err:#}"),
        }
        self.report("unloaded by the app server (alive)", &id, Some(&mut server))
    }

    /// A turn whose model answer is held: working, nothing running.
    fn held(&self) -> Result<()> {
        let (mut server, id) = self.server_with_thread()?;
        let turn =
            server.start_held_turn(self.model, &id, &format!("held-{}", self.release.version))?;
        std::thread::sleep(Duration::from_millis(500));
        self.report(
            "model answer held, app server alive",
            &id,
            Some(&mut server),
        )?;
        self.model
            .release(&format!("held-{}", self.release.version));
        let ended = server.wait_for_turn(&turn)?;
        println!("turn/completed after release: {}", turn_brief(&ended));
        Ok(())
    }

    /// A turn running a command that waits on a file: working, with a command running.
    fn command(&self) -> Result<()> {
        let (mut server, id) = self.server_with_thread()?;
        let gate = self.cwd.join(format!("gate-{}", self.release.version));
        let command = format!(
            "until test -e {}; do sleep 0.1; done; echo gate opened",
            gate.display()
        );
        let turn = server.start_turn(&id, &format!("[shell-long: {command}]"), json!({}))?;
        let started = server.wait_for_notification("item/started", |params| {
            params["item"]["type"] == "commandExecution"
        })?;
        println!("item/started: {}", brief(&started["params"], 0, 300));
        std::thread::sleep(Duration::from_millis(500));
        self.report("command running, app server alive", &id, Some(&mut server))?;
        std::fs::write(&gate, "")?;
        let ended = server.wait_for_turn(&turn)?;
        println!(
            "turn/completed after the gate opened: {}",
            turn_brief(&ended)
        );
        Ok(())
    }

    /// A turn waiting on the approval of an escalated command; then the approved command
    /// running (it waits on a file).
    fn approval(&self) -> Result<()> {
        let (mut server, id) = self.server_with_thread()?;
        let gate = self
            .cwd
            .join(format!("approval-gate-{}", self.release.version));
        let command = format!("until test -e {}; do sleep 0.1; done", gate.display());
        let (turn, request) = server.start_turn_awaiting_approval(&id, &command)?;
        println!("server request: {}", brief(&request, 0, 600));
        std::thread::sleep(Duration::from_millis(500));
        self.report(
            "waiting on approval, app server alive",
            &id,
            Some(&mut server),
        )?;
        server.respond(&request, json!({"decision": "accept"}))?;
        std::thread::sleep(Duration::from_millis(1500));
        self.report("approved, the command running", &id, Some(&mut server))?;
        std::fs::write(&gate, "")?;
        let ended = server.wait_for_turn(&turn)?;
        println!("turn/completed after accept: {}", turn_brief(&ended));
        self.report(
            "approved and completed, app server alive",
            &id,
            Some(&mut server),
        )
    }

    /// A Plan-mode turn waiting on the user's answer to a question.
    fn question(&self) -> Result<()> {
        let (mut server, id) = self.server_with_thread()?;
        let (turn, request) = server.start_turn_awaiting_answer(&id)?;
        println!("server request: {}", brief(&request, 0, 600));
        std::thread::sleep(Duration::from_millis(500));
        self.report(
            "waiting on the user's answer, app server alive",
            &id,
            Some(&mut server),
        )?;
        server.answer_question(&request, "Yes (Recommended)")?;
        let ended = server.wait_for_turn(&turn)?;
        println!("turn/completed after the answer: {}", turn_brief(&ended));
        Ok(())
    }

    /// A turn that fails; then the thread closed.
    fn failed(&self, prompt: &str) -> Result<()> {
        let (mut server, id) = self.server_with_thread()?;
        let turn = server.start_turn(&id, prompt, json!({}))?;
        let ended = server.wait_for_turn(&turn)?;
        println!("turn/completed: {}", turn_brief(&ended));
        let errors: Vec<String> = server
            .notifications
            .iter()
            .filter(|n| n["method"] == "error")
            .map(|n| brief(&n["params"], 0, 400))
            .collect();
        println!("error notifications: {errors:?}");
        println!(
            "requests the model got so far: {}",
            self.model.requests().len()
        );
        self.report("failed turn, app server alive", &id, Some(&mut server))?;
        server.close(Duration::from_secs(10))?;
        self.report("failed turn, app server gone", &id, None)
    }

    /// A held turn interrupted by the client (`turn/interrupt`).
    fn interrupt(&self) -> Result<()> {
        let (mut server, id) = self.server_with_thread()?;
        let hold = format!("interrupt-{}", self.release.version);
        let turn = server.start_held_turn(self.model, &id, &hold)?;
        let ended = server.interrupt_turn(&turn)?;
        println!("turn/completed: {}", turn_brief(&ended));
        self.model.release(&hold);
        self.report(
            "interrupted by turn/interrupt, app server alive",
            &id,
            Some(&mut server),
        )?;
        server.close(Duration::from_secs(10))?;
        self.report("interrupted, app server gone", &id, None)
    }

    /// A held turn whose app server gets `signal`.
    fn gone_mid_turn(&self, signal: &str) -> Result<()> {
        let (mut server, id) = self.server_with_thread()?;
        let hold = format!("{signal}-{}", self.release.version);
        server.start_held_turn(self.model, &id, &hold)?;
        println!(
            "app server pid {} (Codex itself: {})",
            server.pid(),
            server.codex_pid()
        );
        let exited = server.signal(signal, Duration::from_secs(10))?;
        println!("app server exited within 10 s of SIG{signal}: {exited}");
        self.model.release(&hold);
        self.report(&format!("app server got SIG{signal} mid-turn"), &id, None)?;
        self.resume_report(&id)
    }

    /// A held turn whose client closes the app server's stdin.
    fn stdin_closed_mid_turn(&self) -> Result<()> {
        let (mut server, id) = self.server_with_thread()?;
        let hold = format!("stdin-{}", self.release.version);
        server.start_held_turn(self.model, &id, &hold)?;
        let exited = server.close(Duration::from_secs(10))?;
        println!("app server exited within 10 s of its stdin closing: {exited}");
        self.model.release(&hold);
        self.report("app server's stdin closed mid-turn", &id, None)
    }

    /// What a new app server makes of a thread whose writer went away mid-turn, once it
    /// resumes it.
    fn resume_report(&self, id: &str) -> Result<()> {
        let mut server = self.server()?;
        match server.request("thread/resume", json!({"threadId": id})) {
            Ok(reply) => {
                let turns = reply["thread"]["turns"]
                    .as_array()
                    .cloned()
                    .unwrap_or_default();
                let last = turns.last().map(turn_brief).unwrap_or_default();
                println!(
                    "thread/resume by a new app server: status {}, last turn {last}",
                    reply["thread"]["status"]
                );
            }
            Err(err) => println!("thread/resume by a new app server: {err:#}"),
        }
        self.report("after a new app server resumed it", id, Some(&mut server))
    }

    /// `codex exec`: completed, and failed.
    fn exec(&self) -> Result<()> {
        for (label, prompt) in [
            ("exec completed", "An exec turn"),
            ("exec failed (HTTP 500)", "[fail] An exec turn"),
        ] {
            let before = rollouts(&self.home);
            let output = codex::output_within(
                &mut codex::exec_command(self.release, &self.home, &self.cwd, prompt),
                WAIT,
            )?;
            println!("{label}: exit {}", output.status);
            let id = new_thread(&self.home, &before)?;
            self.report(label, &id, None)?;
        }
        Ok(())
    }

    /// `codex exec` killed (`KILL`) and interrupted (`INT`) mid-turn.
    fn exec_killed(&self) -> Result<()> {
        for signal in ["KILL", "INT", "TERM"] {
            let before = rollouts(&self.home);
            let hold = format!("exec-{signal}-{}", self.release.version);
            let mut child = codex::exec_command(
                self.release,
                &self.home,
                &self.cwd,
                &format!("[hold: {hold}] An exec turn"),
            )
            .stdout(Stdio::null())
            .stderr(Stdio::null())
            .spawn()?;
            self.model.wait_for_hold(&hold, WAIT)?;
            std::thread::sleep(Duration::from_millis(300));
            let id = new_thread(&self.home, &before)?;
            let pid = codex::codex_process(child.id());
            let locks = codex::file_locks(&codex::writer_lock_path(&self.home, &id));
            println!(
                "exec pid {} (Codex itself: {pid}); lock before: {locks:?}",
                child.id()
            );
            Command::new("kill")
                .arg(format!("-{signal}"))
                .arg(pid.to_string())
                .status()?;
            let status = wait_child(&mut child, Duration::from_secs(10));
            println!("exec after SIG{signal}: {status}");
            self.model.release(&hold);
            self.report(&format!("exec got SIG{signal} mid-turn"), &id, None)?;
        }
        Ok(())
    }

    /// Read state: an exec thread; an app-server thread after a completed turn; marked read,
    /// unread, read with a stale revision; after another turn.
    fn read_state(&self) -> Result<()> {
        let before = rollouts(&self.home);
        codex::exec(self.release, &self.home, &self.cwd, "A thread to read")?;
        let exec_id = new_thread(&self.home, &before)?;
        self.report("fresh exec thread", &exec_id, None)?;

        let (mut server, id) = self.server_with_thread()?;
        self.report("app-server thread, no turn yet", &id, Some(&mut server))?;
        server.run_turn(&id, "First turn")?;
        self.report(
            "app-server thread after a completed turn",
            &id,
            Some(&mut server),
        )?;
        if !self.release.keeps_read_state() {
            println!("(no thread/readState/update in {})", self.release.version);
            return Ok(());
        }
        let mark = |server: &mut AppServer, id: &str, operation: ReadStateOperation| {
            let rev = server
                .listed_thread(id)
                .ok()
                .flatten()
                .and_then(|listed| listed.read_state)
                .and_then(|s| s["revision"].as_str().map(str::to_owned))
                .unwrap_or_default();
            match server.update_read_state(id, operation, &rev) {
                Ok(state) => println!(
                    "thread/readState/update {operation:?} (expectedRevision {rev}): {state}"
                ),
                Err(err) => println!("thread/readState/update {operation:?}: {err:#}"),
            }
        };
        mark(&mut server, &id, ReadStateOperation::Read);
        self.report("marked read", &id, Some(&mut server))?;
        mark(&mut server, &id, ReadStateOperation::Unread);
        self.report("marked unread", &id, Some(&mut server))?;
        mark(&mut server, &id, ReadStateOperation::Read);
        self.read_report("marked read again", &id, &mut server)?;
        match server.update_read_state(&id, ReadStateOperation::Unread, "stale-revision") {
            Ok(state) => println!("unread with a stale revision: {state}"),
            Err(err) => println!("unread with a stale revision: {err:#}"),
        }
        server.run_turn(&id, "Second turn")?;
        self.read_report("after a second completed turn (was read)", &id, &mut server)?;
        server.run_turn(&id, "Third turn")?;
        self.read_report(
            "after a third completed turn (was unread)",
            &id,
            &mut server,
        )?;
        mark(&mut server, &id, ReadStateOperation::Read);
        let hold = format!("read-state-{}", self.release.version);
        let turn = server.start_held_turn(self.model, &id, &hold)?;
        self.read_report("read, then a turn in progress", &id, &mut server)?;
        mark(&mut server, &id, ReadStateOperation::Unread);
        self.read_report(
            "marked unread while a turn is in progress",
            &id,
            &mut server,
        )?;
        mark(&mut server, &id, ReadStateOperation::Read);
        server.interrupt_turn(&turn)?;
        self.model.release(&hold);
        self.read_report("read, then that turn interrupted", &id, &mut server)?;
        let turn = server.start_turn(&id, "[fail] Please fail", json!({}))?;
        server.wait_for_turn(&turn)?;
        self.read_report("after a failed turn (was read)", &id, &mut server)?;
        mark(&mut server, &id, ReadStateOperation::Unread);
        server.run_turn(&id, "A turn after marked unread")?;
        self.read_report("marked unread, then a turn completed", &id, &mut server)?;
        let changes: Vec<String> = server
            .notifications
            .iter()
            .filter(|n| n["method"] == "thread/readState/changed")
            .map(|n| n["params"]["readState"].to_string())
            .collect();
        println!("thread/readState/changed notifications: {changes:#?}");

        // Marking an exec thread read, from an app server that never loaded it.
        mark(&mut server, &exec_id, ReadStateOperation::Read);
        self.read_report("exec thread marked read", &exec_id, &mut server)
    }

    /// The read state of `id` in brief: the receipt row, the turns, and `readStates` as `server`
    /// lists it.
    fn read_report(&self, label: &str, id: &str, server: &mut AppServer) -> Result<()> {
        println!("\n### {label}\n");
        let state_db = self.home.join("state_5.sqlite");
        print_rows(&state_db, "thread_read_receipts", &[], "thread_id", id)?;
        let history_db = self.home.join("thread_history_1.sqlite");
        print_rows(
            &history_db,
            "thread_turns",
            &["turn_id", "status"],
            "thread_id",
            id,
        )?;
        server.drain()?;
        print_listed(server, id);
        Ok(())
    }

    /// Prints what the thread `id` looks like now.
    fn report(&self, label: &str, id: &str, owner: Option<&mut AppServer>) -> Result<()> {
        println!("\n### {label}\n");
        println!("thread {id}");
        let state_db = self.home.join("state_5.sqlite");
        let history_db = self.home.join("thread_history_1.sqlite");
        let rollout = codex::find_rollout(&self.home, id);
        match &rollout {
            Some(path) => {
                print_tail(path)?;
                println!(
                    "rollout open in processes {:?}",
                    codex::processes_with_open(path)
                );
            }
            None => println!("rollout: none found"),
        }
        if state_db.exists() {
            print_rows(
                &state_db,
                "threads",
                &[
                    "updated_at",
                    "updated_at_ms",
                    "recency_at_ms",
                    "has_user_event",
                    "tokens_used",
                    "history_mode",
                    "source",
                    "preview",
                    "title",
                    "name",
                    "approval_mode",
                ],
                "id",
                id,
            )?;
            print_rows(&state_db, "thread_read_receipts", &[], "thread_id", id)?;
        } else {
            println!("state_5.sqlite: none");
        }
        if history_db.exists() {
            print_rows(&history_db, "thread_turns", &[], "thread_id", id)?;
            print_rows(
                &history_db,
                "thread_history_projection_state",
                &[],
                "thread_id",
                id,
            )?;
        } else {
            println!("thread_history_1.sqlite: none");
        }
        let lock = codex::writer_lock_path(&self.home, id);
        println!(
            "writer lock {}: exists {}, held by {:?}",
            lock.file_name().unwrap_or_default().to_string_lossy(),
            lock.exists(),
            codex::file_locks(&lock)
        );
        if let Some(owner) = owner {
            owner.drain()?;
            println!("owner (Codex pid {}):", owner.codex_pid());
            print_listed(owner, id);
            print_last_turn(owner, id);
        }
        let mut observer = self.server()?;
        println!("observer (a second app server on the home):");
        print_listed(&mut observer, id);
        print_last_turn(&mut observer, id);
        observer.close(Duration::from_secs(5))?;
        if history_db.exists() {
            println!("thread_turns after the observer:");
            print_rows(
                &history_db,
                "thread_turns",
                &["turn_id", "status"],
                "thread_id",
                id,
            )?;
        }
        Ok(())
    }
}

fn print_listed(server: &mut AppServer, id: &str) {
    match server.listed_thread(id) {
        Ok(Some(listed)) => println!(
            "  thread/list: status {}, readStates {} (readStates {})",
            listed.status,
            listed
                .read_state
                .map_or("absent".to_owned(), |s| s.to_string()),
            if listed.has_read_states {
                "an object"
            } else {
                "null or missing"
            }
        ),
        Ok(None) => println!("  thread/list: not listed"),
        Err(err) => println!("  thread/list: {err:#}"),
    }
}

fn print_last_turn(server: &mut AppServer, id: &str) {
    match server.request("thread/read", json!({"threadId": id, "includeTurns": true})) {
        Ok(reply) => {
            let thread = &reply["thread"];
            let turns = thread["turns"].as_array().cloned().unwrap_or_default();
            println!(
                "  thread/read: status {}, {} turns, last {}",
                thread["status"],
                turns.len(),
                turns.last().map(turn_brief).unwrap_or_default()
            );
        }
        Err(err) => println!("  thread/read: {err:#}"),
    }
}

/// A turn's id, status, error, times and the types of its items.
fn turn_brief(turn: &Value) -> String {
    let items: Vec<String> = turn["items"]
        .as_array()
        .into_iter()
        .flatten()
        .map(|i| {
            let status = i["status"]
                .as_str()
                .map(|s| format!("({s})"))
                .unwrap_or_default();
            format!("{}{status}", i["type"].as_str().unwrap_or("?"))
        })
        .collect();
    format!(
        "id {} status {} error {} startedAt {} completedAt {} durationMs {} items {:?}",
        turn["id"].as_str().unwrap_or("?"),
        turn["status"],
        brief(&turn["error"], 0, 300),
        turn["startedAt"],
        turn["completedAt"],
        turn["durationMs"],
        items
    )
}

fn wait_child(child: &mut Child, deadline: Duration) -> String {
    let end = Instant::now() + deadline;
    while Instant::now() < end {
        if let Ok(Some(status)) = child.try_wait() {
            return status.to_string();
        }
        std::thread::sleep(Duration::from_millis(50));
    }
    let _ = child.kill();
    "still running after the deadline (killed)".to_owned()
}

fn rollouts(home: &Path) -> BTreeSet<PathBuf> {
    codex::rollouts(home)
}

/// The id of the thread whose rollout appeared since `before`.
fn new_thread(home: &Path, before: &BTreeSet<PathBuf>) -> Result<String> {
    codex::new_thread_since(home, before, WAIT)
}

fn print_tail(path: &Path) -> Result<()> {
    let text = std::fs::read_to_string(path)?;
    let lines: Vec<&str> = text.lines().collect();
    println!(
        "rollout {} ({} lines, {} bytes, ends with a newline: {}); last {}:",
        path.file_name().unwrap_or_default().to_string_lossy(),
        lines.len(),
        text.len(),
        text.ends_with('\n'),
        TAIL_LINES.min(lines.len())
    );
    let start = lines.len().saturating_sub(TAIL_LINES);
    for (index, line) in lines.iter().enumerate().skip(start) {
        println!("  {index:>3} {}", line_brief(line));
    }
    Ok(())
}

/// One rollout line: its kind, its payload's type, and the payload's fields in brief.
fn line_brief(line: &str) -> String {
    let Ok(value) = serde_json::from_str::<Value>(line) else {
        return format!("(not JSON) {}", truncate(line, 120));
    };
    let kind = value["type"].as_str().unwrap_or("?");
    let payload = &value["payload"];
    let ordinal = value
        .get("ordinal")
        .map(|o| format!("#{o} "))
        .unwrap_or_default();
    let time = value["timestamp"].as_str().unwrap_or("");
    let time = time.get(11..23).unwrap_or(time);
    let inner = payload["type"].as_str().unwrap_or("-");
    let field = |name: &str| format!("{name} {}", brief(&payload[name], 1, 60));
    let fields = |names: &[&str]| {
        names
            .iter()
            .map(|n| field(n))
            .collect::<Vec<_>>()
            .join(", ")
    };
    let detail = match (kind, inner) {
        ("session_meta", _) => format!(
            "id {} source {} history_mode {}",
            payload["id"], payload["source"], payload["history_mode"]
        ),
        ("turn_context", _) => format!(
            "turn_id {} approval_policy {} sandbox {}",
            payload["turn_id"], payload["approval_policy"], payload["sandbox_policy"]["type"]
        ),
        ("world_state" | "token_usage_record", _)
        | ("event_msg", "token_count" | "thread_settings_applied") => String::new(),
        ("event_msg", "item_started" | "item_completed") => {
            let item = &payload["item"];
            format!(
                "turn_id {} item.type {} item.id {} item.status {}",
                payload["turn_id"], item["type"], item["id"], item["status"]
            )
        }
        ("response_item", "message") => {
            let text: String = payload["content"]
                .as_array()
                .into_iter()
                .flatten()
                .filter_map(|p| p["text"].as_str())
                .collect();
            format!("role {} text {:?}", payload["role"], truncate(&text, 50))
        }
        ("response_item", "function_call") => format!(
            "{}, arguments {}",
            fields(&["name", "call_id"]),
            truncate(payload["arguments"].as_str().unwrap_or(""), 200)
        ),
        ("response_item", "function_call_output") => fields(&["call_id", "output"]),
        _ => {
            let mut rest = payload.clone();
            if let Some(map) = rest.as_object_mut() {
                map.remove("type");
            }
            brief(&rest, 0, 400)
        }
    };
    format!("{time} {ordinal}{kind}/{inner} {detail}")
}

/// A JSON value in brief: strings cut, nesting below two levels elided.
fn brief(value: &Value, depth: usize, max: usize) -> String {
    let text = match value {
        Value::String(s) => format!("{:?}", truncate(s, 48)),
        Value::Array(items) if depth >= 2 => format!("[…{}]", items.len()),
        Value::Object(_) if depth >= 2 => "{…}".to_owned(),
        Value::Array(items) => {
            let shown: Vec<String> = items
                .iter()
                .take(4)
                .map(|i| brief(i, depth + 1, max))
                .collect();
            let more = if items.len() > 4 { ", …" } else { "" };
            format!("[{}{more}]", shown.join(", "))
        }
        Value::Object(map) => {
            let shown: Vec<String> = map
                .iter()
                .map(|(k, v)| format!("{k}: {}", brief(v, depth + 1, max)))
                .collect();
            format!("{{{}}}", shown.join(", "))
        }
        other => other.to_string(),
    };
    truncate(&text, max)
}

fn truncate(text: &str, max: usize) -> String {
    if text.chars().count() <= max {
        return text.to_owned();
    }
    let cut: String = text.chars().take(max).collect();
    format!("{cut}…")
}

/// The rows of `table` where `key` = `id`, with `columns` (those the table has; every column
/// when empty).
fn print_rows(db: &Path, table: &str, columns: &[&str], key: &str, id: &str) -> Result<()> {
    let conn = Connection::open_with_flags(db, OpenFlags::SQLITE_OPEN_READ_ONLY)?;
    let mut stmt = conn.prepare(&format!("PRAGMA table_info({table})"))?;
    let present: Vec<String> = stmt
        .query_map([], |row| row.get::<_, String>(1))?
        .collect::<rusqlite::Result<_>>()?;
    if present.is_empty() {
        println!("{table}: no such table");
        return Ok(());
    }
    let chosen: Vec<&str> = if columns.is_empty() {
        present.iter().map(String::as_str).collect()
    } else {
        columns
            .iter()
            .copied()
            .filter(|c| present.iter().any(|p| p == c))
            .collect()
    };
    let sql = format!(
        "SELECT {} FROM {table} WHERE {key} = ?1",
        chosen
            .iter()
            .map(|c| format!("\"{c}\""))
            .collect::<Vec<_>>()
            .join(", ")
    );
    let mut stmt = conn.prepare(&sql)?;
    let rows: Vec<String> = stmt
        .query_map([id], |row| {
            let mut fields = Vec::new();
            for (index, column) in chosen.iter().enumerate() {
                let value: rusqlite::types::Value = row.get(index)?;
                let shown = match value {
                    rusqlite::types::Value::Null => "NULL".to_owned(),
                    rusqlite::types::Value::Integer(i) => i.to_string(),
                    rusqlite::types::Value::Real(r) => r.to_string(),
                    rusqlite::types::Value::Text(t) => format!("{:?}", truncate(&t, 60)),
                    rusqlite::types::Value::Blob(b) => format!("<{} bytes>", b.len()),
                };
                fields.push(format!("{column}={shown}"));
            }
            Ok(fields.join(" "))
        })?
        .collect::<rusqlite::Result<_>>()?;
    if rows.is_empty() {
        println!("{table}: no row");
    }
    for row in rows {
        println!("{table}: {row}");
    }
    Ok(())
}
