//! Conformance of thread status and read state: what each real Codex release leaves on disk,
//! and says over its app server, when a thread is working, waiting on an approval or on the
//! user's answer, idle, done, failed, interrupted by its client, or left mid-turn by a writer
//! that died; and how its read state moves. These are the facts the product's status rules
//! are built on (`examples/probe_status.rs` prints them in full); a new release that changes
//! one fails here.
//!
//! Every check also asks our own store what it makes of the same thread (`ours`): the status
//! it shows, what a working thread is doing, and the read state, which must agree with the
//! release's own `readStates` before and after our `mark`.
//!
//! Each installed release gets a fresh home, against the mock model, and a thread per state,
//! each on an app server of its own. One test per release runs every check and fails at the
//! end listing the failed ones. A release that is not installed passes, printing a
//! `conformance: skipped ...` line per check (unless `CONFORMANCE_REQUIRE_RELEASES` is set).

// Shared with the conformance suite, which uses all of it.
#[allow(dead_code)]
#[path = "conformance/report.rs"]
mod report;

use std::path::{Path, PathBuf};
use std::time::Duration;

use anyhow::{Context, Result, ensure};
use rusqlite::{Connection, OpenFlags, OptionalExtension};
use serde_json::{Value, json};

use codex_threads::store::local::{LocalStoreOptions, LocalThreadStore};
use codex_threads::store::status::{ActivityKind, ThreadStatus};
use codex_threads::store::{
    ListThreadsParams, ReadThreadParams, StoredThread, ThreadMetadataPatch, ThreadStore,
    UpdateThreadMetadataParams,
};
use codex_threads::testing::codex::{self, AppServer, CodexRelease, ReadStateOperation};
use codex_threads::testing::mock_model::MockModel;
use report::Report;

#[test]
fn status_codex_0_171_0() {
    conform("0.171.0");
}

#[test]
fn status_codex_0_169_0() {
    conform("0.169.0");
}

#[test]
fn status_codex_0_147_0() {
    conform("0.147.0");
}

#[test]
fn status_codex_0_104_0() {
    conform("0.104.0");
}

/// How long a server may take to exit once told to.
const EXIT: Duration = Duration::from_secs(10);

fn conform(version: &str) {
    let release = CodexRelease::supported(version);
    if !release.is_installed() && std::env::var_os("CONFORMANCE_REQUIRE_RELEASES").is_some() {
        panic!(
            "Codex {version} is not installed in {} (run scripts/install-codex-releases.sh)",
            codex::releases_dir().display()
        );
    }
    let not_installed = (!release.is_installed()).then(|| "not installed".to_owned());
    let mut report = Report::new(version, not_installed);
    let case = report.setup("status: a fresh Codex home and the mock model", || {
        Case::new(&release)
    });
    let no_case = case.is_none().then(|| "setup failed".to_owned());
    report.skipping(no_case, |report| {
        let case = case.as_ref();
        let case = || case.context("no home");
        report.check("status: working (the model's answer held)", || {
            case()?.working()
        });
        report.check("status: working (a command running)", || {
            case()?.running_command()
        });
        report.check("status: waiting on an approval", || case()?.approval());
        report.check("status: waiting on the user's answer", || {
            case()?.question()
        });
        report.check("status: idle, then done", || case()?.idle_then_done());
        report.check("status: failed (HTTP 500)", || case()?.failed());
        report.check("status: interrupted by turn/interrupt", || {
            case()?.interrupted_by_client()
        });
        report.check("status: the writer killed mid-turn", || {
            case()?.writer_gone("KILL")
        });
        report.check("status: the writer terminated mid-turn", || {
            case()?.writer_gone("TERM")
        });
        report.check("status: the client gone mid-turn (stdin closed)", || {
            case()?.client_gone()
        });
        report.check("read state: receipts and readStates", || {
            case()?.read_state()
        });
    });
    report.finish();
}

struct Case {
    release: CodexRelease,
    model: MockModel,
    home: PathBuf,
    cwd: PathBuf,
    /// Our read marks (for releases without read receipts), kept for the whole case.
    state_dir: PathBuf,
    _root: tempfile::TempDir,
}

impl Case {
    fn new(release: &CodexRelease) -> Result<Self> {
        let model = MockModel::start()?;
        let root = tempfile::tempdir()?;
        let (home, cwd) = (root.path().join("home"), root.path().join("work"));
        std::fs::create_dir_all(&cwd)?;
        codex::write_config(&home, &model.base_url(), &[&cwd])?;
        let case = Self {
            release: release.clone(),
            model,
            home,
            cwd,
            state_dir: root.path().join("our-state"),
            _root: root,
        };
        // Our read marks start now, before any turn: what ends later is news.
        case.block_on(|store| async move {
            store.list_threads(ListThreadsParams::default()).await?;
            Ok(())
        })?;
        Ok(case)
    }

    /// Our store on the home, as the CLI opens it (a fresh one each time: nothing cached
    /// between checks but our read marks).
    fn our_store(&self) -> LocalThreadStore {
        let options = LocalStoreOptions {
            state_dir: Some(self.state_dir.clone()),
            ..LocalStoreOptions::default()
        };
        LocalThreadStore::open(&self.home, options)
    }

    fn block_on<T, F>(&self, work: impl FnOnce(LocalThreadStore) -> F) -> Result<T>
    where
        F: std::future::Future<Output = Result<T>>,
    {
        let runtime = tokio::runtime::Builder::new_current_thread()
            .enable_all()
            .build()?;
        runtime.block_on(work(self.our_store()))
    }

    /// The thread as our store shows it.
    fn ours(&self, id: &str) -> Result<StoredThread> {
        let thread_id = id.parse()?;
        self.block_on(|store| async move {
            Ok(store
                .read_thread(ReadThreadParams {
                    thread_id,
                    include_archived: true,
                    include_history: false,
                })
                .await?)
        })
    }

    /// Our store's status of the thread is `expected`; returns the thread for more checks.
    fn ours_is(&self, id: &str, expected: ThreadStatus) -> Result<StoredThread> {
        let thread = self.ours(id)?;
        ensure!(
            thread.status.status == expected,
            "we show {} where {expected} is right: {:?}",
            thread.status.status,
            thread.status
        );
        Ok(thread)
    }

    /// Marks the thread read or unread through our store, as `mark` does.
    fn our_mark(&self, id: &str, read: bool) -> Result<StoredThread> {
        let thread_id = id.parse()?;
        self.block_on(|store| async move {
            Ok(store
                .update_thread_metadata(UpdateThreadMetadataParams {
                    thread_id,
                    patch: ThreadMetadataPatch::read_state(read),
                    include_archived: true,
                })
                .await?)
        })
    }

    fn server_with_thread(&self) -> Result<(AppServer, String)> {
        let mut server = AppServer::start(&self.release, &self.home, &self.cwd)?;
        let id = server.start_thread(&self.cwd, json!({}))?;
        Ok((server, id))
    }

    fn disk(&self, id: &str) -> Result<Disk> {
        Disk::read(&self.home, id)
    }

    /// What is on disk once the last turn's end is written: a release may tell its client the
    /// turn is over a moment before its rollout writer has flushed the end (0.104, under load).
    fn disk_with_turn_end(&self, id: &str) -> Result<Disk> {
        let deadline = std::time::Instant::now() + EXIT;
        loop {
            let disk = self.disk(id)?;
            if disk.turn_end().is_some() || std::time::Instant::now() >= deadline {
                return Ok(disk);
            }
            std::thread::sleep(Duration::from_millis(50));
        }
    }

    /// What another app server on the same home says: its `thread/list` status, and the
    /// status of the thread's last turn in its `thread/read`.
    fn observed(&self, id: &str) -> Result<(Value, String)> {
        let mut observer = AppServer::start(&self.release, &self.home, &self.cwd)?;
        let listed = observer.listed_thread(id)?.context("not listed")?;
        let status = last_turn_status(&mut observer, id)?;
        observer.close(EXIT)?;
        Ok((listed.status, status))
    }

    /// The facts every open turn shares: no end in the rollout, `inProgress` in the
    /// projection, the writer lock held by the app server, the owner's status `active` with
    /// `flags`, and the last turn as each server reads it.
    fn check_open_turn(&self, server: &mut AppServer, id: &str, flags: &[&str]) -> Result<Disk> {
        let disk = self.disk(id)?;
        ensure!(
            disk.open_turn(),
            "the rollout's turn has ended: {:?}",
            disk.last_kinds()
        );
        if self.release.projects_turns() {
            ensure!(
                disk.last_turn_status() == Some("inProgress"),
                "thread_turns: {:?}",
                disk.turns
            );
            ensure!(disk.receipt.is_none(), "a receipt: {:?}", disk.receipt);
        }
        self.check_writer(server, &disk)?;
        let listed = server.listed_thread(id)?.context("not listed")?;
        if self.release.reports_thread_status() {
            ensure!(
                listed.status == json!({"type": "active", "activeFlags": flags}),
                "owner's status {}",
                listed.status
            );
        } else {
            ensure!(
                listed.status.is_null(),
                "a status in 0.104: {}",
                listed.status
            );
        }
        let (owner_reads, others_read) = self.release.unfinished_turn_read_as();
        let owner_status = last_turn_status(server, id)?;
        ensure!(
            owner_status == owner_reads,
            "owner's thread/read: {owner_status}"
        );
        let (observed_status, observed_turn) = self.observed(id)?;
        self.check_not_loaded(&observed_status)?;
        ensure!(
            observed_turn == others_read,
            "observer's thread/read: {observed_turn}"
        );
        Ok(disk)
    }

    /// The app server that has the thread loaded keeps its rollout open (every release) and
    /// holds its writer lock (from 0.147).
    fn check_writer(&self, server: &AppServer, disk: &Disk) -> Result<()> {
        let writer = server.codex_pid();
        ensure!(
            disk.open_by == [writer],
            "rollout open by {:?}, not {writer}",
            disk.open_by
        );
        let holders: &[u32] = if self.release.takes_writer_locks() {
            &[writer]
        } else {
            &[]
        };
        ensure!(
            disk.lock_holders == holders,
            "lock held by {:?}",
            disk.lock_holders
        );
        ensure!(
            disk.lock_file == self.release.takes_writer_locks(),
            "lock file {}",
            disk.lock_file
        );
        Ok(())
    }

    /// Another app server lists every thread it has not loaded as `notLoaded` (0.104: no
    /// status), whatever its writer is doing.
    fn check_not_loaded(&self, status: &Value) -> Result<()> {
        let expected = if self.release.reports_thread_status() {
            json!({"type": "notLoaded"})
        } else {
            Value::Null
        };
        ensure!(*status == expected, "observer's status {status}");
        Ok(())
    }

    fn working(&self) -> Result<()> {
        let (mut server, id) = self.server_with_thread()?;
        let hold = format!("working-{}", self.release.version);
        let turn = server.start_held_turn(&self.model, &id, &hold)?;
        let disk = self.check_open_turn(&mut server, &id, &[])?;
        ensure!(
            disk.pending_call().is_none(),
            "a pending call: {:?}",
            disk.pending_call()
        );
        let ours = self.ours_is(&id, ThreadStatus::Working)?;
        ensure!(ours.status.activity.is_none(), "{:?}", ours.status);
        ensure!(ours.status.turn_started_at.is_some(), "{:?}", ours.status);
        self.model.release(&hold);
        let ended = server.wait_for_turn(&turn)?;
        ensure!(ended["status"] == "completed", "turn/completed {ended}");
        Ok(())
    }

    fn running_command(&self) -> Result<()> {
        let (mut server, id) = self.server_with_thread()?;
        let gate = self.cwd.join("command-gate");
        let command = format!("until test -e {}; do sleep 0.1; done", gate.display());
        let turn = server.start_turn(&id, &format!("[shell-long: {command}]"), json!({}))?;
        server.wait_for_notification("item/started", |params| {
            params["item"]["type"] == "commandExecution"
        })?;
        std::thread::sleep(Duration::from_millis(300));
        let disk = self.check_open_turn(&mut server, &id, &[])?;
        let call = disk.pending_call().context("no pending call")?;
        ensure!(
            call["payload"]["name"] == "exec_command",
            "pending call {call}"
        );
        ensure!(
            call_arguments(call)["cmd"] == command.as_str(),
            "pending call {call}"
        );
        let ours = self.ours_is(&id, ThreadStatus::Working)?;
        let activity = ours.status.activity.context("we show no running command")?;
        ensure!(
            activity.kind == ActivityKind::Command && activity.label == command,
            "{activity:?}"
        );
        std::fs::write(&gate, "")?;
        server.wait_for_turn(&turn)?;
        Ok(())
    }

    fn approval(&self) -> Result<()> {
        let (mut server, id) = self.server_with_thread()?;
        let (turn, request) = server.start_turn_awaiting_approval(&id, "touch approved")?;
        std::thread::sleep(Duration::from_millis(300));
        let disk = self.check_open_turn(&mut server, &id, &["waitingOnApproval"])?;
        let call = disk.pending_call().context("no pending call")?;
        let arguments = call_arguments(call);
        ensure!(
            call["payload"]["name"] == "exec_command"
                && arguments["sandbox_permissions"] == "require_escalated"
                && arguments["justification"].is_string(),
            "pending call {call}"
        );
        let context = disk.last_of("turn_context").context("no turn_context")?;
        ensure!(
            context["payload"]["approval_policy"] == "on-request",
            "turn_context {context}"
        );
        let ours = self.ours_is(&id, ThreadStatus::Waiting)?;
        ensure!(ours.needs_attention(), "a waiting thread needs the user");
        let activity = ours.status.activity.context("we show nothing waited on")?;
        ensure!(
            activity.kind == ActivityKind::Approval && activity.label.contains("touch approved"),
            "{activity:?}"
        );
        server.respond(&request, json!({"decision": "accept"}))?;
        let ended = server.wait_for_turn(&turn)?;
        ensure!(ended["status"] == "completed", "turn/completed {ended}");
        Ok(())
    }

    fn question(&self) -> Result<()> {
        let (mut server, id) = self.server_with_thread()?;
        let (turn, request) = server.start_turn_awaiting_answer(&id)?;
        std::thread::sleep(Duration::from_millis(300));
        let disk = self.check_open_turn(&mut server, &id, &["waitingOnUserInput"])?;
        let call = disk.pending_call().context("no pending call")?;
        ensure!(
            call["payload"]["name"] == "request_user_input",
            "pending call {call}"
        );
        let ours = self.ours_is(&id, ThreadStatus::Waiting)?;
        let activity = ours.status.activity.context("we show nothing waited on")?;
        ensure!(activity.kind == ActivityKind::Question, "{activity:?}");
        server.answer_question(&request, "Yes (Recommended)")?;
        let ended = server.wait_for_turn(&turn)?;
        ensure!(ended["status"] == "completed", "turn/completed {ended}");
        Ok(())
    }

    fn idle_then_done(&self) -> Result<()> {
        let (mut server, id) = self.server_with_thread()?;
        server.run_turn(&id, "A turn")?;
        let disk = self.disk_with_turn_end(&id)?;
        let end = disk.turn_end().context("the turn has no end")?;
        ensure!(end["payload"]["type"] == "task_complete", "turn end {end}");
        ensure!(end["payload"].get("error").is_none(), "turn end {end}");
        if self.release.projects_turns() {
            ensure!(
                disk.last_turn_status() == Some("completed"),
                "{:?}",
                disk.turns
            );
        }
        self.check_writer(&server, &disk)?;
        let listed = server.listed_thread(&id)?.context("not listed")?;
        if self.release.reports_thread_status() {
            ensure!(
                listed.status == json!({"type": "idle"}),
                "status {}",
                listed.status
            );
        }
        // Without a writer lock (0.104) an idle thread cannot be told from a closed one.
        let open = if self.release.takes_writer_locks() {
            ThreadStatus::Idle
        } else {
            ThreadStatus::Done
        };
        self.ours_is(&id, open)?;
        ensure!(
            server.close(EXIT)?,
            "the app server did not exit when its stdin closed"
        );
        self.ours_is(&id, ThreadStatus::Done)?;
        let disk = self.disk(&id)?;
        ensure!(!disk.lock_file, "the lock file is left after a clean exit");
        ensure!(disk.lock_holders.is_empty(), "lock {:?}", disk.lock_holders);
        ensure!(
            disk.open_by.is_empty(),
            "rollout open by {:?}",
            disk.open_by
        );
        let (status, turn) = self.observed(&id)?;
        self.check_not_loaded(&status)?;
        ensure!(turn == "completed", "observer's thread/read: {turn}");
        Ok(())
    }

    fn failed(&self) -> Result<()> {
        let (mut server, id) = self.server_with_thread()?;
        let turn = server.start_turn(&id, "[fail] Please fail", json!({}))?;
        let ended = server.wait_for_turn(&turn)?;
        ensure!(ended["status"] == "failed", "turn/completed {ended}");
        ensure!(
            ended["error"]["codexErrorInfo"] == "internalServerError",
            "turn/completed {ended}"
        );
        let disk = self.disk_with_turn_end(&id)?;
        let end = disk.turn_end().context("the turn has no end")?;
        ensure!(end["payload"]["type"] == "task_complete", "turn end {end}");
        ensure!(
            end["payload"]["last_agent_message"].is_null(),
            "turn end {end}"
        );
        let error = &end["payload"]["error"];
        if self.release.records_turn_errors() {
            ensure!(
                error["message"].is_string()
                    && error["codex_error_info"] == "internal_server_error",
                "turn end {end}"
            );
        } else {
            ensure!(error.is_null(), "turn end {end}");
        }
        ensure!(
            disk.lines.iter().all(|l| l["payload"]["type"] != "error"),
            "an error event in the rollout"
        );
        if self.release.projects_turns() {
            let (_, status, error_json) = disk.turns.last().context("no thread_turns row")?;
            ensure!(status == "failed", "thread_turns {:?}", disk.turns);
            let error_json: Value =
                serde_json::from_str(error_json.as_deref().context("no error_json")?)?;
            ensure!(error_json["message"].is_string(), "error_json {error_json}");
            ensure!(
                disk.first_unread() == Some(Some(turn.turn_id.as_str())),
                "receipt {:?}",
                disk.receipt
            );
        }
        let listed = server.listed_thread(&id)?.context("not listed")?;
        if self.release.reports_thread_status() {
            ensure!(
                listed.status == json!({"type": "systemError"}),
                "status {}",
                listed.status
            );
        }
        // 0.104 records nothing of a failure: there it reads as a turn without an answer.
        let failed = if self.release.records_turn_errors() {
            ThreadStatus::Failed
        } else {
            ThreadStatus::Done
        };
        let ours = self.ours_is(&id, failed)?;
        if failed == ThreadStatus::Failed {
            let failure = ours.status.failure.clone().unwrap_or_default();
            ensure!(failure.contains("demand"), "failure {failure:?}");
        }
        let owner_turn = last_turn_status(&mut server, &id)?;
        server.close(EXIT)?;
        self.ours_is(&id, failed)?;
        let (_, observed_turn) = self.observed(&id)?;
        let expected = if self.release.records_turn_errors() {
            "failed"
        } else {
            "completed"
        };
        ensure!(owner_turn == expected, "owner's thread/read: {owner_turn}");
        ensure!(
            observed_turn == expected,
            "observer's thread/read: {observed_turn}"
        );
        Ok(())
    }

    fn interrupted_by_client(&self) -> Result<()> {
        let (mut server, id) = self.server_with_thread()?;
        let hold = format!("interrupt-{}", self.release.version);
        let turn = server.start_held_turn(&self.model, &id, &hold)?;
        let ended = server.interrupt_turn(&turn)?;
        self.model.release(&hold);
        ensure!(ended["status"] == "interrupted", "turn/completed {ended}");
        let disk = self.disk_with_turn_end(&id)?;
        self.check_aborted(&disk)?;
        // An aborted turn is a failed one, and not unread (Codex publishes no aborted turn).
        let ours = self.ours_is(&id, ThreadStatus::Failed)?;
        ensure!(!ours.unread, "an aborted turn made the thread unread");
        if self.release.projects_turns() {
            // An interrupted turn leaves the read state alone.
            ensure!(disk.receipt.is_none(), "receipt {:?}", disk.receipt);
        }
        let listed = server.listed_thread(&id)?.context("not listed")?;
        if self.release.reports_thread_status() {
            ensure!(
                listed.status == json!({"type": "idle"}),
                "status {}",
                listed.status
            );
        }
        let (_, observed_turn) = self.observed(&id)?;
        ensure!(
            observed_turn == "interrupted",
            "observer's thread/read: {observed_turn}"
        );
        Ok(())
    }

    /// The turn ended with `turn_aborted` (reason `interrupted`), after a `<turn_aborted>`
    /// user message, and the projection says `interrupted`.
    fn check_aborted(&self, disk: &Disk) -> Result<()> {
        let end = disk.turn_end().context("the turn has no end")?;
        ensure!(
            end["payload"]["type"] == "turn_aborted" && end["payload"]["reason"] == "interrupted",
            "turn end {end}"
        );
        if self.release.projects_turns() {
            ensure!(
                disk.last_turn_status() == Some("interrupted"),
                "{:?}",
                disk.turns
            );
        }
        Ok(())
    }

    /// A writer that died mid-turn: the turn never ends on disk, the projection keeps
    /// `inProgress`, the lock file stays behind unlocked, and other app servers read the turn
    /// as `interrupted`; a new app server that resumes the thread writes nothing.
    fn check_died(&self, id: &str) -> Result<()> {
        let disk = self.disk(id)?;
        ensure!(disk.open_turn(), "the turn ended: {:?}", disk.last_kinds());
        self.ours_is(id, ThreadStatus::Interrupted)?;
        if self.release.projects_turns() {
            ensure!(
                disk.last_turn_status() == Some("inProgress"),
                "{:?}",
                disk.turns
            );
        }
        ensure!(
            disk.lock_file == self.release.takes_writer_locks(),
            "lock file {}",
            disk.lock_file
        );
        ensure!(disk.lock_holders.is_empty(), "lock {:?}", disk.lock_holders);
        ensure!(
            disk.open_by.is_empty(),
            "rollout open by {:?}",
            disk.open_by
        );
        let (status, turn) = self.observed(id)?;
        self.check_not_loaded(&status)?;
        let (_, others_read) = self.release.unfinished_turn_read_as();
        ensure!(turn == others_read, "observer's thread/read: {turn}");
        let mut resumer = AppServer::start(&self.release, &self.home, &self.cwd)?;
        resumer.request("thread/resume", json!({"threadId": id}))?;
        let after = self.disk(id)?;
        ensure!(after.lines == disk.lines, "resuming wrote to the rollout");
        ensure!(after.turns == disk.turns, "resuming changed thread_turns");
        Ok(())
    }

    fn writer_gone(&self, signal: &str) -> Result<()> {
        let (mut server, id) = self.server_with_thread()?;
        let hold = format!("{signal}-{}", self.release.version);
        server.start_held_turn(&self.model, &id, &hold)?;
        let exited = server.signal(signal, EXIT)?;
        self.model.release(&hold);
        ensure!(exited, "the app server outlived SIG{signal}");
        let graceful = signal == "TERM" && self.release.app_server_aborts_turns_on_sigterm();
        if !graceful {
            return self.check_died(&id);
        }
        let disk = self.disk(&id)?;
        self.check_aborted(&disk)?;
        ensure!(!disk.lock_file, "the lock file is left after SIGTERM");
        self.ours_is(&id, ThreadStatus::Failed)?;
        Ok(())
    }

    fn client_gone(&self) -> Result<()> {
        let (mut server, id) = self.server_with_thread()?;
        let hold = format!("stdin-{}", self.release.version);
        server.start_held_turn(&self.model, &id, &hold)?;
        let exited = server.close(EXIT)?;
        self.model.release(&hold);
        ensure!(exited, "the app server outlived its stdin");
        if !self.release.app_server_aborts_turns_when_stdin_closes() {
            return self.check_died(&id);
        }
        let disk = self.disk(&id)?;
        self.check_aborted(&disk)?;
        ensure!(!disk.lock_file, "the lock file is left after a clean exit");
        self.ours_is(&id, ThreadStatus::Failed)?;
        Ok(())
    }

    /// Our read state of the thread agrees with the release's `readStates` entry.
    fn check_same_read_state(&self, server: &mut AppServer, id: &str) -> Result<Value> {
        let listed = server.listed_thread(id)?.context("not listed")?;
        let state = listed.read_state.context("no readStates entry")?;
        let codex_unread = !state["firstUnread"].is_null();
        let ours = self.ours(id)?;
        ensure!(
            ours.unread == codex_unread,
            "we say unread={} where Codex's readStates say {state}",
            ours.unread
        );
        Ok(state)
    }

    fn read_state(&self) -> Result<()> {
        // An exec thread gets a receipt from exec itself.
        let before = codex::rollouts(&self.home);
        codex::exec(&self.release, &self.home, &self.cwd, "An exec thread")?;
        let exec_id = codex::new_thread_since(&self.home, &before, EXIT)?;
        let (mut server, id) = self.server_with_thread()?;
        server.run_turn(&id, "First turn")?;
        let listed = server.listed_thread(&id)?.context("not listed")?;
        if !self.release.keeps_read_state() {
            ensure!(
                !listed.has_read_states,
                "readStates in {}",
                self.release.version
            );
            ensure!(self.disk(&id)?.receipt.is_none(), "a receipt");
            // Our own marks give the same rule: a completed turn is unread until marked read.
            ensure!(self.ours(&id)?.unread, "a completed turn is not unread");
            ensure!(
                !self.our_mark(&id, true)?.unread,
                "marked read, still unread"
            );
            ensure!(
                self.our_mark(&id, false)?.unread,
                "marked unread, still read"
            );
            ensure!(
                !self.our_mark(&id, true)?.unread,
                "marked read, still unread"
            );
            return Ok(());
        }
        let exec_disk = self.disk(&exec_id)?;
        let exec_turn = exec_disk.turns.last().context("no exec turn")?.0.clone();
        ensure!(
            exec_disk.first_unread() == Some(Some(exec_turn.as_str())),
            "exec receipt {:?}",
            exec_disk.receipt
        );

        let disk = self.disk(&id)?;
        let first = disk.turns.last().context("no turn")?.0.clone();
        let (first_unread, revision, last_published) = disk
            .receipt
            .clone()
            .context("no receipt after a completed turn")?;
        ensure!(
            first_unread.as_deref() == Some(first.as_str()),
            "receipt {:?}",
            disk.receipt
        );
        ensure!(
            last_published.as_deref() == Some(first.as_str()),
            "receipt {:?}",
            disk.receipt
        );
        ensure!(
            listed.read_state
                == Some(
                    json!({"firstUnread": {"type": "turn", "turnId": first}, "revision": revision})
                ),
            "readStates {:?}",
            listed.read_state
        );

        // Ours agrees, and our marks are what the release then reports.
        self.check_same_read_state(&mut server, &id)?;
        ensure!(
            self.ours(&exec_id)?.unread,
            "the exec thread is not unread to us"
        );
        ensure!(
            !self.our_mark(&id, true)?.unread,
            "marked read by us, still unread"
        );
        let state = self.check_same_read_state(&mut server, &id)?;
        ensure!(state["firstUnread"].is_null(), "after our read: {state}");
        ensure!(
            state["revision"] != revision.as_str(),
            "our read kept the revision"
        );
        ensure!(
            self.disk(&id)?.first_unread() == Some(None),
            "receipt after our read"
        );
        ensure!(
            self.our_mark(&id, false)?.unread,
            "marked unread by us, still read"
        );
        let state = self.check_same_read_state(&mut server, &id)?;
        ensure!(
            state["firstUnread"] == json!({"type": "threadStart"}),
            "after our unread: {state}"
        );
        let revision = state["revision"]
            .as_str()
            .context("no revision")?
            .to_owned();

        // Read: NULL; unread: "" (`threadStart`); each change a new revision.
        let read = server.update_read_state(&id, ReadStateOperation::Read, &revision)?;
        ensure!(read["firstUnread"].is_null(), "read {read}");
        ensure!(
            read["revision"] != revision.as_str(),
            "read kept the revision"
        );
        let disk = self.disk(&id)?;
        ensure!(
            disk.first_unread() == Some(None),
            "receipt {:?}",
            disk.receipt
        );
        ensure!(
            !self.ours(&id)?.unread,
            "Codex marked it read; we say unread"
        );
        let stale = server.update_read_state(&id, ReadStateOperation::Unread, &revision);
        ensure!(stale.is_err(), "an update with a stale revision succeeded");
        let unread = server.update_read_state(
            &id,
            ReadStateOperation::Unread,
            read["revision"].as_str().unwrap_or(""),
        )?;
        ensure!(
            unread["firstUnread"] == json!({"type": "threadStart"}),
            "unread {unread}"
        );
        let disk = self.disk(&id)?;
        ensure!(
            disk.first_unread() == Some(Some("")),
            "receipt {:?}",
            disk.receipt
        );
        self.check_same_read_state(&mut server, &id)?;

        // A completed turn after read points at itself; a later one leaves it.
        server.update_read_state(
            &id,
            ReadStateOperation::Read,
            unread["revision"].as_str().unwrap_or(""),
        )?;
        server.run_turn(&id, "Second turn")?;
        let second = self.disk(&id)?.turns.last().context("no turn")?.0.clone();
        server.run_turn(&id, "Third turn")?;
        let disk = self.disk(&id)?;
        let third = disk.turns.last().context("no turn")?.0.clone();
        ensure!(
            disk.first_unread() == Some(Some(second.as_str())),
            "receipt {:?}",
            disk.receipt
        );
        ensure!(
            disk.receipt.as_ref().and_then(|r| r.2.as_deref()) == Some(third.as_str()),
            "receipt {:?}",
            disk.receipt
        );

        // An interrupted turn changes nothing.
        let before = disk.receipt.clone();
        let hold = format!("read-state-{}", self.release.version);
        let turn = server.start_held_turn(&self.model, &id, &hold)?;
        server.interrupt_turn(&turn)?;
        self.model.release(&hold);
        ensure!(
            self.disk(&id)?.receipt == before,
            "an interrupted turn changed the receipt"
        );

        // Marked read by a server that never loaded the thread.
        let exec_revision = exec_disk.receipt.context("no exec receipt")?.1;
        server.update_read_state(&exec_id, ReadStateOperation::Read, &exec_revision)?;
        ensure!(
            self.disk(&exec_id)?.first_unread() == Some(None),
            "exec thread still unread"
        );
        Ok(())
    }
}

/// The status of the thread's last turn in `server`'s `thread/read`.
fn last_turn_status(server: &mut AppServer, id: &str) -> Result<String> {
    let thread = server.read_thread(id)?;
    let turns = thread["turns"].as_array().context("no turns")?;
    Ok(turns
        .last()
        .and_then(|t| t["status"].as_str())
        .context("no last turn")?
        .to_owned())
}

fn call_arguments(call: &Value) -> Value {
    serde_json::from_str(call["payload"]["arguments"].as_str().unwrap_or("{}")).unwrap_or_default()
}

/// What is on disk for one thread.
struct Disk {
    lines: Vec<Value>,
    /// `thread_turns`: turn id, status, error_json; oldest first.
    turns: Vec<(String, String, Option<String>)>,
    /// `thread_read_receipts`: first_unread_turn, revision, last_published_turn.
    receipt: Option<(Option<String>, String, Option<String>)>,
    lock_file: bool,
    lock_holders: Vec<u32>,
    open_by: Vec<u32>,
}

impl Disk {
    fn read(home: &Path, id: &str) -> Result<Self> {
        let rollout = codex::find_rollout(home, id).context("no rollout")?;
        let lines = std::fs::read_to_string(&rollout)?
            .lines()
            .map(serde_json::from_str)
            .collect::<Result<Vec<Value>, _>>()?;
        let mut turns = Vec::new();
        let history = home.join("thread_history_1.sqlite");
        if history.exists() {
            let db = Connection::open_with_flags(&history, OpenFlags::SQLITE_OPEN_READ_ONLY)?;
            let mut stmt = db.prepare(
                "SELECT turn_id, status, error_json FROM thread_turns WHERE thread_id = ?1 \
                 ORDER BY rollout_ordinal",
            )?;
            turns = stmt
                .query_map([id], |r| Ok((r.get(0)?, r.get(1)?, r.get(2)?)))?
                .collect::<rusqlite::Result<_>>()?;
        }
        let mut receipt = None;
        let state = home.join("state_5.sqlite");
        if state.exists() {
            let db = Connection::open_with_flags(&state, OpenFlags::SQLITE_OPEN_READ_ONLY)?;
            let has_table: bool = db.query_row(
                "SELECT count(*) > 0 FROM sqlite_master WHERE name = 'thread_read_receipts'",
                [],
                |r| r.get(0),
            )?;
            if has_table {
                receipt = db
                    .query_row(
                        "SELECT first_unread_turn, revision, last_published_turn \
                         FROM thread_read_receipts WHERE thread_id = ?1",
                        [id],
                        |r| Ok((r.get(0)?, r.get(1)?, r.get(2)?)),
                    )
                    .optional()?;
            }
        }
        let lock = codex::writer_lock_path(home, id);
        // The processes that hold it: a release may briefly hold it through two descriptors
        // (seen once with 0.171), which `/proc/locks` lists as two locks of one process.
        let mut lock_holders: Vec<u32> = codex::file_locks(&lock)
            .into_iter()
            .filter(|l| !l.waiting)
            .map(|l| l.pid)
            .collect();
        lock_holders.sort_unstable();
        lock_holders.dedup();
        Ok(Self {
            lines,
            turns,
            receipt,
            lock_file: lock.exists(),
            lock_holders,
            open_by: codex::processes_with_open(&rollout),
        })
    }

    fn kind(line: &Value) -> String {
        format!(
            "{}/{}",
            line["type"].as_str().unwrap_or("?"),
            line["payload"]["type"].as_str().unwrap_or("-")
        )
    }

    fn last_kinds(&self) -> Vec<String> {
        let start = self.lines.len().saturating_sub(4);
        self.lines[start..].iter().map(Self::kind).collect()
    }

    fn last_of(&self, kind: &str) -> Option<&Value> {
        self.lines.iter().rev().find(|l| l["type"] == kind)
    }

    /// The `task_complete` or `turn_aborted` of the last turn, if it ended.
    fn turn_end(&self) -> Option<&Value> {
        let last_start = self
            .lines
            .iter()
            .rposition(|l| l["type"] == "event_msg" && l["payload"]["type"] == "task_started")?;
        self.lines[last_start..].iter().find(|l| {
            l["type"] == "event_msg"
                && matches!(
                    l["payload"]["type"].as_str(),
                    Some("task_complete" | "turn_aborted")
                )
        })
    }

    fn open_turn(&self) -> bool {
        self.turn_end().is_none()
    }

    /// The last `function_call` that has no output yet.
    fn pending_call(&self) -> Option<&Value> {
        let call =
            self.lines.iter().rev().find(|l| {
                l["type"] == "response_item" && l["payload"]["type"] == "function_call"
            })?;
        let answered = self.lines.iter().any(|l| {
            l["type"] == "response_item"
                && l["payload"]["type"] == "function_call_output"
                && l["payload"]["call_id"] == call["payload"]["call_id"]
        });
        (!answered).then_some(call)
    }

    fn last_turn_status(&self) -> Option<&str> {
        self.turns.last().map(|t| t.1.as_str())
    }

    /// `first_unread_turn`: `None` without a receipt, `Some(None)` for NULL (read).
    fn first_unread(&self) -> Option<Option<&str>> {
        self.receipt.as_ref().map(|r| r.0.as_deref())
    }
}
