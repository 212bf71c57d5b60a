//! Conformance of `prune` with the real releases (0.169 and 0.171): a thread compressed by
//! `prune --compress` is listed (`thread/list`), read (`thread/read`) and resumed (`codex exec
//! resume`) by the release, with the state DB as Codex's own compression worker leaves it; a
//! thread pruned to the trash disappears from the release's listing; and prune never touches a
//! thread the release holds open (its app server has it loaded, with its writer lock).
//!
//! A release that is not installed passes, saying so (unless `CONFORMANCE_REQUIRE_RELEASES`).

mod common;

use std::path::{Path, PathBuf};
use std::time::{Duration, Instant};

use anyhow::{Context, Result, bail, ensure};
use clap::Parser;
use serde_json::Value;

use codex_threads::cli::{Cli, run_command};
use codex_threads::manager::ThreadManager;
use codex_threads::store::local::{LocalStoreOptions, LocalThreadStore};
use codex_threads::testing::codex::{self, AppServer, CodexRelease};
use codex_threads::testing::mock_model::MockModel;
use common::releases::release_or_skip;

#[test]
fn prune_codex_0_171_0() {
    if let Some(release) = release_or_skip("0.171.0", "prune") {
        prune_conforms(&release).unwrap();
    }
}

#[test]
fn prune_codex_0_169_0() {
    if let Some(release) = release_or_skip("0.169.0", "prune") {
        prune_conforms(&release).unwrap();
    }
}

/// How long our listing may still call a thread just written (`RECENT_WRITE_WINDOW`, 10 s)
/// or held by a server that is exiting.
const SETTLE: Duration = Duration::from_secs(40);
const EXIT: Duration = Duration::from_secs(10);

struct Home {
    _root: tempfile::TempDir,
    _model: MockModel,
    home: PathBuf,
    cwd: PathBuf,
    trash: PathBuf,
}

impl Home {
    fn new() -> Result<Self> {
        let model = MockModel::start()?;
        let root = tempfile::tempdir()?;
        let (home, cwd) = (root.path().join("home"), root.path().join("work"));
        std::fs::create_dir_all(&cwd)?;
        codex::write_config(&home, &model.base_url(), &[&cwd])?;
        let trash = root.path().join("trash");
        Ok(Home {
            _root: root,
            _model: model,
            home,
            cwd,
            trash,
        })
    }

    fn manager(&self) -> ThreadManager {
        let options = LocalStoreOptions {
            trash_dir: Some(self.trash.clone()),
            ..LocalStoreOptions::default()
        };
        ThreadManager::new(std::sync::Arc::new(LocalThreadStore::open(
            &self.home, options,
        )))
    }

    /// `codex-threads ARGS…` in-process on this home.
    fn ours(&self, args: &[&str]) -> Result<String> {
        let home = self.home.to_string_lossy().into_owned();
        let mut argv = vec!["codex-threads", "--codex-home", &home];
        argv.extend_from_slice(args);
        let command = Cli::try_parse_from(&argv)?
            .command
            .context("no subcommand")?;
        let mut out = Vec::new();
        block_on(run_command(&self.manager(), command, &mut out))?;
        Ok(String::from_utf8(out)?)
    }

    fn ours_json(&self, args: &[&str]) -> Result<Value> {
        Ok(serde_json::from_str(&self.ours(args)?)?)
    }

    /// Waits until a dry run picks exactly `wanted` (threads just written are left alone for
    /// a few seconds) and returns that plan.
    fn plan_settles(&self, args: &[&str], wanted: &[&str]) -> Result<Value> {
        let deadline = Instant::now() + SETTLE;
        loop {
            let plan = self.ours_json(args)?;
            let mut picked = ids(&plan["threads"]);
            picked.sort();
            let mut expected: Vec<String> = wanted.iter().map(|id| id.to_string()).collect();
            expected.sort();
            if picked == expected {
                return Ok(plan);
            }
            if Instant::now() > deadline {
                bail!("the dry run picks {picked:?}, not {expected:?}: {plan}");
            }
            std::thread::sleep(Duration::from_millis(250));
        }
    }

    fn db_rollout_path(&self, id: &str) -> Result<String> {
        let db = rusqlite::Connection::open(self.home.join("state_5.sqlite"))?;
        Ok(db.query_row(
            "SELECT rollout_path FROM threads WHERE id = ?1",
            [id],
            |row| row.get(0),
        )?)
    }
}

fn block_on<F: std::future::Future>(future: F) -> F::Output {
    tokio::runtime::Builder::new_current_thread()
        .enable_all()
        .build()
        .expect("runtime")
        .block_on(future)
}

fn ids(list: &Value) -> Vec<String> {
    list.as_array()
        .into_iter()
        .flatten()
        .filter_map(|thread| thread["id"].as_str().map(str::to_owned))
        .collect()
}

/// The text of every item of `thread/read`'s turns, joined.
fn read_text(thread: &Value) -> String {
    thread["turns"].to_string()
}

fn zst(path: &Path) -> PathBuf {
    let mut name = path.as_os_str().to_owned();
    name.push(".zst");
    PathBuf::from(name)
}

fn prune_conforms(release: &CodexRelease) -> Result<()> {
    let home = Home::new()?;
    // Two threads written and let go: the app server exits, releasing their writer locks.
    let mut writer = AppServer::start(release, &home.home, &home.cwd)?;
    let kept = writer.start_thread_with_turn(&home.cwd, "compress me please")?;
    let trashed = writer.start_thread_with_turn(&home.cwd, "trash me please")?;
    ensure!(writer.close(EXIT)?, "the app server did not exit");
    // One the release keeps open: loaded in a server that stays.
    let mut holder = AppServer::start(release, &home.home, &home.cwd)?;
    let held = holder.start_thread_with_turn(&home.cwd, "hold me open")?;
    let held_path = codex::find_rollout(&home.home, &held).context("held rollout")?;
    let held_before = std::fs::read(&held_path)?;

    // Compress: the two closed threads; the held one is named as skipped, and untouched.
    let plan = home.plan_settles(
        &["prune", "--compress", "--dry-run", "--json"],
        &[&kept, &trashed],
    )?;
    ensure!(
        ids(&plan["skipped"]) == [held.clone()],
        "the held thread is set aside: {plan}"
    );
    let plain = codex::find_rollout(&home.home, &kept).context("rollout")?;
    let original = std::fs::read(&plain)?;
    let db_path_before = home.db_rollout_path(&kept)?;
    let done = home.ours_json(&["prune", "--compress", "--yes", "--json"])?;
    let mut compressed = ids(&done["done"]);
    compressed.sort();
    let mut expected = vec![kept.clone(), trashed.clone()];
    expected.sort();
    ensure!(compressed == expected, "compressed {compressed:?}: {done}");
    ensure!(ids(&done["skipped"]) == [held.clone()], "{done}");
    ensure!(
        std::fs::read(&held_path)? == held_before,
        "the held rollout changed"
    );
    ensure!(
        !plain.exists() && zst(&plain).exists(),
        "not compressed in place"
    );
    let decoded = zstd::decode_all(std::fs::File::open(zst(&plain))?)?;
    ensure!(decoded == original, "the .zst does not hold the same bytes");
    // The DB as Codex's own compression worker leaves it: the recorded path is untouched.
    ensure!(home.db_rollout_path(&kept)? == db_path_before);

    // The release lists it and reads it, with its turn.
    let mut reader = AppServer::start(release, &home.home, &home.cwd)?;
    let listed = reader.list_threads(false)?;
    ensure!(
        listed.contains_key(&kept),
        "thread/list lost the compressed thread"
    );
    ensure!(listed.contains_key(&trashed));
    // It reports the plain path the DB records, as for a thread its own worker compressed.
    ensure!(
        listed[&kept]["path"] == db_path_before.as_str(),
        "thread/list path: {}",
        listed[&kept]["path"]
    );
    let read = reader.read_thread(&kept)?;
    ensure!(
        read_text(&read).contains("compress me please"),
        "thread/read of the compressed thread: {read}"
    );
    ensure!(reader.close(EXIT)?, "the reading app server did not exit");

    // And resumes it: a second turn lands in the thread.
    codex::exec_resume(release, &home.home, &home.cwd, &kept, "and a second turn")?;
    let rollout = codex::find_rollout(&home.home, &kept).context("resumed rollout")?;
    ensure!(
        rollout == plain && !zst(&plain).exists(),
        "resuming writes the plain rollout again: {}",
        rollout.display()
    );
    let text = String::from_utf8(if rollout.extension().is_some_and(|ext| ext == "zst") {
        zstd::decode_all(std::fs::File::open(&rollout)?)?
    } else {
        std::fs::read(&rollout)?
    })?;
    ensure!(
        text.contains("compress me please") && text.contains("and a second turn"),
        "the resumed rollout holds both turns"
    );

    // Trash: archive the other one, then prune the archive to the trash; the release no longer
    // lists it anywhere. The held thread is still refused.
    home.ours(&["archive", &trashed])?;
    home.plan_settles(
        &["prune", "--archived-only", "--trash", "--dry-run", "--json"],
        &[&trashed],
    )?;
    let out = home.ours(&["prune", "--archived-only", "--trash", "--yes"])?;
    ensure!(out.contains(&format!("trashed {trashed}")), "{out}");
    let refused = home.ours_json(&["prune", "--trash", "--dry-run", "--json"])?;
    ensure!(
        ids(&refused["skipped"]).contains(&held) && !ids(&refused["threads"]).contains(&held),
        "the held thread is never offered to the trash: {refused}"
    );
    let mut reader = AppServer::start(release, &home.home, &home.cwd)?;
    for archived in [false, true] {
        ensure!(
            !reader.list_threads(archived)?.contains_key(&trashed),
            "thread/list (archived: {archived}) still lists the trashed thread"
        );
    }
    ensure!(reader.list_threads(false)?.contains_key(&kept));
    ensure!(reader.close(EXIT)?, "the app server did not exit");
    ensure!(
        std::fs::read(&held_path)? == held_before,
        "the held rollout changed"
    );
    drop(holder);
    Ok(())
}
