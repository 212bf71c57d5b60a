//! Conformance of sections, pins and projects, both ways, against the real releases' app
//! servers: what codex-threads writes (through its CLI's commands, over the manager's one
//! metadata path) is what `threadSection/list`, `thread/list` with `sectionId` or `projectId`
//! and `thread/read` return afterwards; what the app server writes (`threadSection/create`,
//! `thread/section/move`, `thread/metadata/update` with `projectId`) is what codex-threads
//! shows; the release still lists, reads and resumes every thread. On 0.147 (sections, no
//! projects) and 0.104 (no state DB) the commands that need what the home lacks fail with one
//! line and change nothing.
//!
//! A release that is not installed passes, saying so (unless `CONFORMANCE_REQUIRE_RELEASES`).

mod common;

use std::path::{Path, PathBuf};

use anyhow::{Context, Result, bail, ensure};
use clap::Parser;
use serde_json::{Value, json};

use codex_threads::cli::{Cli, run_command};
use codex_threads::manager::ThreadManager;
use codex_threads::store::local::{LocalStoreOptions, LocalThreadStore};
use codex_threads::store::{
    PINNED_SECTION_ID, ReadThreadParams, SectionMove, StoredThread, ThreadMetadataPatch,
    ThreadSection,
};
use codex_threads::testing::codex::{self, AppServer, CodexRelease};
use codex_threads::testing::mock_model::MockModel;
use common::releases::release_or_skip;

#[test]
fn sections_codex_0_171_0() {
    if let Some(release) = release_or_skip("0.171.0", "sections") {
        both_ways(&release).unwrap();
    }
}

#[test]
fn sections_codex_0_169_0() {
    if let Some(release) = release_or_skip("0.169.0", "sections") {
        both_ways(&release).unwrap();
    }
}

#[test]
fn sections_codex_0_147_0_without_projects() {
    if let Some(release) = release_or_skip("0.147.0", "sections") {
        without_projects(&release).unwrap();
    }
}

#[test]
fn sections_codex_0_104_0_without_a_state_db() {
    if let Some(release) = release_or_skip("0.104.0", "sections") {
        without_state_db(&release).unwrap();
    }
}

/// A fresh home, written by `release` against the mock model.
struct Home {
    _root: tempfile::TempDir,
    _model: MockModel,
    home: PathBuf,
    cwd: PathBuf,
}

impl Home {
    fn new(release: &CodexRelease) -> Result<Self> {
        let model = MockModel::start()?;
        let root = tempfile::tempdir()?;
        let (home, cwd) = (root.path().join("home"), root.path().join("work"));
        std::fs::create_dir_all(&cwd)?;
        codex::write_config(&home, &model.base_url(), &[&cwd])?;
        let _ = release;
        Ok(Home {
            _root: root,
            _model: model,
            home,
            cwd,
        })
    }

    fn server(&self, release: &CodexRelease) -> Result<AppServer> {
        AppServer::start(release, &self.home, &self.cwd)
    }

    fn manager(&self) -> ThreadManager {
        let store = LocalThreadStore::open(&self.home, LocalStoreOptions::default());
        ThreadManager::new(std::sync::Arc::new(store))
    }

    /// Runs `codex-threads ARGS…` in-process on this home: its output, or its error.
    fn ours(&self, args: &[&str]) -> Result<String> {
        let mut argv = vec!["codex-threads", "--codex-home"];
        let home = self.home.to_string_lossy().into_owned();
        argv.push(&home);
        argv.extend_from_slice(args);
        let cli = Cli::try_parse_from(&argv)?;
        let command = cli.command.context("no subcommand")?;
        let manager = self.manager();
        let mut out = Vec::new();
        block_on(run_command(&manager, command, &mut out))?;
        Ok(String::from_utf8(out)?)
    }

    /// `list --json` with `args`, as parsed JSON.
    fn our_list(&self, args: &[&str]) -> Result<Vec<Value>> {
        let mut all = vec!["list", "--json", "--limit", "0"];
        all.extend_from_slice(args);
        let listed: Value = serde_json::from_str(&self.ours(&all)?)?;
        Ok(listed.as_array().cloned().unwrap_or_default())
    }

    fn our_thread(&self, id: &str) -> Result<StoredThread> {
        let manager = self.manager();
        let id = id.parse()?;
        Ok(block_on(manager.read_thread(ReadThreadParams {
            thread_id: id,
            include_archived: true,
            include_history: false,
        }))?)
    }

    fn our_sections(&self) -> Result<Vec<ThreadSection>> {
        Ok(block_on(self.manager().list_sections())?)
    }

    fn db_snapshot(&self) -> Result<String> {
        let db = rusqlite::Connection::open(self.home.join("state_5.sqlite"))?;
        let mut out = String::new();
        for sql in [
            "SELECT id, name FROM thread_sections ORDER BY id",
            "SELECT id, coalesce(thread_section_id, ''), coalesce(section_position, -1), \
             coalesce(section_entered_at_ms, -1), updated_at_ms, title FROM threads ORDER BY id",
        ] {
            let mut statement = db.prepare(sql)?;
            let count = statement.column_count();
            let mut rows = statement.query([])?;
            while let Some(row) = rows.next()? {
                for index in 0..count {
                    let value: rusqlite::types::Value = row.get(index)?;
                    out.push_str(&format!("{value:?} "));
                }
                out.push('\n');
            }
        }
        Ok(out)
    }
}

fn block_on<F: std::future::Future>(future: F) -> F::Output {
    tokio::runtime::Builder::new_current_thread()
        .enable_all()
        .build()
        .expect("runtime")
        .block_on(future)
}

/// The ids `thread/list` returns for `params` (every source, all pages).
fn codex_list(server: &mut AppServer, params: Value) -> Result<Vec<String>> {
    let mut ids = Vec::new();
    let mut cursor = Value::Null;
    loop {
        let mut page_params = json!({
            "limit": 100,
            "cursor": cursor,
            "sourceKinds": codex::ALL_SOURCE_KINDS,
        });
        for (key, value) in params.as_object().into_iter().flatten() {
            page_params[key] = value.clone();
        }
        let reply = server.request("thread/list", page_params)?;
        for thread in reply["data"].as_array().into_iter().flatten() {
            ids.push(thread["id"].as_str().context("thread id")?.to_owned());
        }
        cursor = reply["nextCursor"].clone();
        if cursor.is_null() {
            return Ok(ids);
        }
    }
}

/// A section's threads in Codex's own order.
fn codex_section(server: &mut AppServer, section: &str) -> Result<Vec<String>> {
    codex_list(
        server,
        json!({"sectionId": section, "sortKey": "section_position"}),
    )
}

fn codex_sections(server: &mut AppServer) -> Result<Vec<(String, String)>> {
    let reply = server.request("threadSection/list", json!({}))?;
    Ok(reply["data"]
        .as_array()
        .into_iter()
        .flatten()
        .map(|s| {
            (
                s["id"].as_str().unwrap_or_default().to_owned(),
                s["name"].as_str().unwrap_or_default().to_owned(),
            )
        })
        .collect())
}

fn pairs(sections: &[ThreadSection]) -> Vec<(String, String)> {
    sections
        .iter()
        .map(|s| (s.id.clone(), s.name.clone()))
        .collect()
}

fn ids(listed: &[Value]) -> Vec<String> {
    listed
        .iter()
        .map(|t| t["id"].as_str().unwrap_or_default().to_owned())
        .collect()
}

fn first_word(line: &str) -> String {
    line.split_whitespace()
        .next()
        .unwrap_or_default()
        .to_owned()
}

fn both_ways(release: &CodexRelease) -> Result<()> {
    let home = Home::new(release)?;
    let mut server = home.server(release)?;
    let a = server.start_thread_with_turn(&home.cwd, "first thread")?;
    let b = server.start_thread_with_turn(&home.cwd, "second thread")?;
    let c = server.start_thread_with_turn(&home.cwd, "third thread")?;

    // Ours first: Codex's built-in section as we list it.
    ensure!(
        pairs(&home.our_sections()?) == codex_sections(&mut server)?,
        "our sections differ from threadSection/list on a fresh home"
    );
    ensure!(home.our_sections()?[0].id == PINNED_SECTION_ID);

    // Sections made by us, with a repeated name; Codex lists them in the same order.
    let work = first_word(&home.ours(&["section", "create", "Work"])?);
    let twin = first_word(&home.ours(&["section", "create", "Work"])?);
    ensure!(
        codex_sections(&mut server)? == pairs(&home.our_sections()?),
        "threadSection/list differs from ours after our creates"
    );
    let refused = home.ours(&["section", "move", &a, "Work"]).unwrap_err();
    ensure!(
        refused.to_string().contains(&work) && refused.to_string().contains(&twin),
        "a shared name must be refused with both ids: {refused}"
    );

    // Moves into, within and out of a section, and a pin.
    home.ours(&["section", "move", &a, &work])?;
    home.ours(&["section", "move", &b, &work])?;
    home.ours(&["section", "move", &c, &work, "--before", &a])?;
    ensure!(
        codex_section(&mut server, &work)? == [c.clone(), a.clone(), b.clone()],
        "Codex's order of our section: {:?}",
        codex_section(&mut server, &work)?
    );
    ensure!(ids(&home.our_list(&["--section", &work])?) == [c.clone(), a.clone(), b.clone()]);
    home.ours(&["section", "move", &c, &work])?;
    ensure!(codex_section(&mut server, &work)? == [a.clone(), b.clone(), c.clone()]);
    home.ours(&["pin", &b])?;
    ensure!(codex_section(&mut server, PINNED_SECTION_ID)? == vec![b.clone()]);
    ensure!(
        codex_section(&mut server, &work)? == [a.clone(), c.clone()],
        "a pin takes the thread out of its section"
    );
    let read = server.request("thread/read", json!({"threadId": b}))?;
    ensure!(read["thread"]["section"]["id"] == PINNED_SECTION_ID);
    let listed = home.our_list(&["--pinned"])?;
    ensure!(ids(&listed) == vec![b.clone()] && listed[0]["pinned"] == true);
    home.ours(&["section", "move", &c, "--none"])?;
    ensure!(codex_section(&mut server, &work)? == vec![a.clone()]);
    let read = server.request("thread/read", json!({"threadId": c}))?;
    ensure!(read["thread"]["section"].is_null());

    // Rename and delete; "Pinned" is refused and nothing changes.
    home.ours(&["section", "rename", &twin, "Later"])?;
    home.ours(&["section", "move", &c, "Later"])?;
    let before = home.db_snapshot()?;
    for args in [
        ["section", "rename", "Pinned", "Mine"],
        ["section", "delete", PINNED_SECTION_ID, ""],
    ] {
        let args: Vec<&str> = args.into_iter().filter(|a| !a.is_empty()).collect();
        ensure!(home.ours(&args).is_err(), "{args:?} must be refused");
    }
    ensure!(
        home.db_snapshot()? == before,
        "a refused edit changed the DB"
    );
    ensure!(
        codex_sections(&mut server)?
            .iter()
            .any(|(id, name)| *id == twin && name == "Later")
    );
    home.ours(&["section", "delete", "Later"])?;
    ensure!(
        codex_sections(&mut server)? == pairs(&home.our_sections()?),
        "threadSection/list differs from ours after a delete"
    );
    let read = server.request("thread/read", json!({"threadId": c}))?;
    ensure!(
        read["thread"]["section"].is_null(),
        "the deleted section's thread is in no section"
    );

    // Projects: Codex makes one; we assign and clear it, and Codex reads ours back.
    let project = server.request(
        "project/create",
        json!({"name": "Proj", "roots": [{"path": home.cwd}], "idempotencyKey": "k1"}),
    )?;
    let project_id = project["project"]["id"]
        .as_str()
        .context("project id")?
        .to_owned();
    home.ours(&["project", "set", &a, "Proj"])?;
    ensure!(codex_list(&mut server, json!({"projectId": project_id}))? == vec![a.clone()]);
    let read = server.request("thread/read", json!({"threadId": a}))?;
    ensure!(read["thread"]["projectId"] == project_id.as_str());
    let listed = home.our_list(&["--project", "Proj"])?;
    ensure!(ids(&listed) == vec![a.clone()] && listed[0]["project"]["name"] == "Proj");
    home.ours(&["project", "set", &a, "--none"])?;
    let read = server.request("thread/read", json!({"threadId": a}))?;
    ensure!(read["thread"]["projectId"].is_null(), "project not cleared");

    // Theirs: the app server's edits, shown by us.
    let theirs = server.request("threadSection/create", json!({"name": "Theirs"}))?;
    let theirs = theirs["section"]["id"]
        .as_str()
        .context("section id")?
        .to_owned();
    server.request(
        "thread/section/move",
        json!({"threadId": a, "sectionId": theirs}),
    )?;
    server.request(
        "thread/section/move",
        json!({"threadId": c, "sectionId": theirs, "beforeThreadId": a}),
    )?;
    server.request(
        "thread/section/move",
        json!({"threadId": b, "sectionId": null}),
    )?;
    server.request(
        "thread/section/move",
        json!({"threadId": a, "sectionId": PINNED_SECTION_ID}),
    )?;
    server.request(
        "thread/metadata/update",
        json!({"threadId": c, "projectId": project_id}),
    )?;
    ensure!(pairs(&home.our_sections()?) == codex_sections(&mut server)?);
    ensure!(ids(&home.our_list(&["--section", "Theirs"])?) == codex_section(&mut server, &theirs)?);
    ensure!(ids(&home.our_list(&["--pinned"])?) == vec![a.clone()]);
    let ours_c = home.our_thread(&c)?;
    ensure!(ours_c.project.as_ref().map(|p| p.id.as_str()) == Some(project_id.as_str()));
    ensure!(ours_c.section.as_ref().map(|s| s.section.name.as_str()) == Some("Theirs"));
    ensure!(!home.our_thread(&b)?.pinned() && home.our_thread(&b)?.section.is_none());

    // Archived threads: Codex accepts a pin and a project, refuses a name; so do we.
    server.request("thread/archive", json!({"threadId": c}))?;
    home.ours(&["pin", &c])?;
    ensure!(
        codex_list(
            &mut server,
            json!({"sectionId": PINNED_SECTION_ID, "archived": true})
        )? == vec![c.clone()]
    );
    let refused = home.ours(&["rename", &c, "new name"]).unwrap_err();
    ensure!(
        refused.to_string().contains("unarchive"),
        "the refusal says how to unarchive: {refused}"
    );
    let refused = home.ours(&["memory", &c, "disabled"]).unwrap_err();
    ensure!(refused.to_string().contains("unarchive"));
    server.request("thread/unarchive", json!({"threadId": c}))?;

    // The release still lists and reads every thread, and resumes one.
    let listed = codex_list(&mut server, json!({}))?;
    for id in [&a, &b, &c] {
        ensure!(listed.contains(id), "thread/list lost {id}");
        server.request("thread/read", json!({"threadId": id, "includeTurns": true}))?;
    }
    drop(server);
    codex::exec_resume(release, &home.home, &home.cwd, &b, "again")?;
    let after = home.server(release)?;
    drop(after);
    Ok(())
}

fn without_projects(release: &CodexRelease) -> Result<()> {
    let home = Home::new(release)?;
    let mut server = home.server(release)?;
    let a = server.start_thread_with_turn(&home.cwd, "first thread")?;
    drop(server);
    // Sections are there: ours agree with Codex's.
    home.ours(&["section", "create", "Work"])?;
    home.ours(&["pin", &a])?;
    let mut server = home.server(release)?;
    ensure!(codex_section(&mut server, PINNED_SECTION_ID)? == vec![a.clone()]);
    ensure!(pairs(&home.our_sections()?) == codex_sections(&mut server)?);
    drop(server);
    // Projects are not: one line, nothing changed.
    let before = home.db_snapshot()?;
    for args in [
        vec!["project", "list"],
        vec!["project", "set", &a, "--none"],
    ] {
        let error = home.ours(&args).unwrap_err().to_string();
        ensure!(
            error.contains("no projects") && !error.contains('\n'),
            "{args:?}: {error}"
        );
    }
    ensure!(home.db_snapshot()? == before);
    Ok(())
}

fn without_state_db(release: &CodexRelease) -> Result<()> {
    let home = Home::new(release)?;
    let output = codex::exec(release, &home.home, &home.cwd, "a thread")?;
    let _ = output;
    ensure!(!home.home.join("state_5.sqlite").exists());
    let id = rollout_id(&home.home)?;
    let before = codex::rollouts(&home.home);
    let sizes = sizes(&before);
    // `pin` reports each thread's failure on stderr; the manager says why.
    ensure!(home.ours(&["pin", id.as_str()]).is_err());
    let pin = ThreadMetadataPatch::move_to_section(SectionMove::pin());
    let error = block_on(
        home.manager()
            .update_thread_metadata(id.parse()?, pin, true),
    )
    .unwrap_err()
    .to_string();
    ensure!(error.contains("no state DB"), "pin: {error}");
    for args in [
        vec!["section", "list"],
        vec!["section", "create", "Work"],
        vec!["project", "set", id.as_str(), "--none"],
    ] {
        let error = home.ours(&args).unwrap_err().to_string();
        ensure!(
            error.contains("no state DB") && !error.contains('\n'),
            "{args:?}: {error}"
        );
    }
    ensure!(codex::rollouts(&home.home) == before && sizes == self::sizes(&before));
    ensure!(!home.home.join("state_5.sqlite").exists());
    // Listing still works and says nothing of sections.
    let listed = home.our_list(&[])?;
    ensure!(listed.len() == 1 && listed[0]["section"].is_null() && listed[0]["pinned"] == false);
    Ok(())
}

fn rollout_id(home: &Path) -> Result<String> {
    let rollouts = codex::rollouts(home);
    match rollouts.iter().next() {
        Some(path) => codex::rollout_thread_id(path).context("rollout id"),
        None => bail!("no rollout"),
    }
}

fn sizes(paths: &std::collections::BTreeSet<PathBuf>) -> Vec<u64> {
    paths
        .iter()
        .map(|p| std::fs::metadata(p).map(|m| m.len()).unwrap_or(0))
        .collect()
}
