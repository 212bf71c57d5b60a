//! Prints what a real Codex release's `thread/delete` removes (the rollout, `session_index.jsonl`
//! entries, rows of every table in every SQLite file of the home), and how the release copes
//! with a half-done delete: a DB row whose rollout is gone, and a rollout whose row is gone.
//!
//! ```sh
//! cargo run --example probe_codex_delete -- [VERSION...]    # default: 0.169.0 and 0.147.0
//! ```

use std::collections::BTreeMap;
use std::path::{Path, PathBuf};

use anyhow::{Context, Result};
use serde_json::json;

use codex_threads::testing::codex::{self, AppServer, CodexRelease};
use codex_threads::testing::mock_model::MockModel;

fn main() -> Result<()> {
    let mut versions: Vec<String> = std::env::args().skip(1).collect();
    if versions.is_empty() {
        versions = vec!["0.169.0".into(), "0.147.0".into()];
    }
    let model = MockModel::start()?;
    for version in versions {
        let release = codex::release(&version).with_context(|| format!("{version} missing"))?;
        probe(&release, &model).with_context(|| format!("Codex {version}"))?;
    }
    Ok(())
}

fn probe(release: &CodexRelease, model: &MockModel) -> Result<()> {
    let root = tempfile::tempdir()?;
    let (home, cwd) = (root.path().join("home"), root.path().join("work"));
    std::fs::create_dir_all(&cwd)?;
    codex::write_config(&home, &model.base_url(), &[&cwd])?;
    let mut ids = Vec::new();
    for n in 0..4 {
        let before = rollouts(&home);
        codex::exec(release, &home, &cwd, &format!("Thread {n}"))?;
        let id = rollouts(&home)
            .into_keys()
            .find(|id| !before.contains_key(id))
            .context("no new rollout")?;
        ids.push(id);
    }
    println!("\n== Codex {}", release.version);
    let mut server = AppServer::start(release, &home, &cwd)?;
    server.request(
        "thread/name/set",
        json!({"threadId": ids[0], "name": "To be deleted"}),
    )?;
    server.request("thread/archive", json!({"threadId": ids[3]}))?;
    drop(server);

    for (label, id) in [
        ("active named thread", &ids[0]),
        ("archived thread", &ids[3]),
    ] {
        let before = db_rows(&home, id)?;
        let index_before = index_lines(&home, id);
        let mut server = AppServer::start(release, &home, &cwd)?;
        let reply = server.request("thread/delete", json!({"threadId": id}));
        drop(server);
        println!("-- thread/delete of the {label}: {reply:?}");
        println!(
            "   rollout still there: {}",
            rollouts(&home).contains_key(id.as_str())
        );
        println!(
            "   session_index lines: {index_before} -> {}",
            index_lines(&home, id)
        );
        let after = db_rows(&home, id)?;
        for (table, count) in &before {
            let now = after.get(table).copied().unwrap_or(0);
            println!("   {table}: {count} -> {now} rows mentioning it");
        }
        for (table, count) in &after {
            if !before.contains_key(table) {
                println!("   {table}: 0 -> {count} rows mentioning it");
            }
        }
    }

    // A delete cut short after the rollout was moved away: the row stays.
    let path = rollouts(&home)[&ids[1]].clone();
    let aside = root.path().join("aside.jsonl");
    std::fs::rename(&path, &aside)?;
    let mut server = AppServer::start(release, &home, &cwd)?;
    let listed = server.list_threads(false)?;
    println!(
        "-- row without rollout: listed: {}",
        listed.contains_key(&ids[1])
    );
    println!(
        "   thread/read: {}",
        match server.read_thread(&ids[1]) {
            Ok(t) => t["id"].to_string(),
            Err(e) => format!("{e:#}"),
        }
    );
    println!("   other thread listed: {}", listed.contains_key(&ids[2]));
    drop(server);
    println!(
        "   row kept after listing: {:?}",
        db_rows(&home, &ids[1])?.get("state_5.sqlite:threads")
    );
    let resumed = codex::exec_resume(release, &home, &cwd, &ids[2], "again");
    println!(
        "   exec resume of another thread: {:?}",
        resumed.map(|o| o.status)
    );
    std::fs::rename(&aside, &path)?;

    // A delete cut short after the row was deleted: the rollout stays.
    let connection = rusqlite::Connection::open(home.join("state_5.sqlite"))?;
    connection.execute("DELETE FROM threads WHERE id = ?1", [&ids[1]])?;
    drop(connection);
    let mut server = AppServer::start(release, &home, &cwd)?;
    let listed = server.list_threads(false)?;
    println!(
        "-- rollout without row: listed: {}",
        listed.contains_key(&ids[1])
    );
    println!(
        "   thread/read: {}",
        match server.read_thread(&ids[1]) {
            Ok(t) => t["id"].to_string(),
            Err(e) => format!("{e:#}"),
        }
    );
    drop(server);
    println!(
        "   row after listing: {:?}",
        db_rows(&home, &ids[1])?.get("state_5.sqlite:threads")
    );
    Ok(())
}

fn rollouts(home: &Path) -> BTreeMap<String, PathBuf> {
    let mut found = BTreeMap::new();
    let mut dirs = vec![home.join("sessions"), home.join("archived_sessions")];
    while let Some(dir) = dirs.pop() {
        for entry in std::fs::read_dir(&dir).into_iter().flatten().flatten() {
            let path = entry.path();
            if path.is_dir() {
                dirs.push(path);
            } else if let Some(name) = path.file_name().and_then(|n| n.to_str())
                && let Some(stem) = name.split('.').next()
                && stem.len() >= 36
            {
                found.insert(stem[stem.len() - 36..].to_owned(), path);
            }
        }
    }
    found
}

fn index_lines(home: &Path, id: &str) -> usize {
    std::fs::read_to_string(home.join("session_index.jsonl"))
        .unwrap_or_default()
        .lines()
        .filter(|line| line.contains(id))
        .count()
}

/// `file:table` -> rows with any column mentioning the id, for every SQLite file of the home.
fn db_rows(home: &Path, id: &str) -> Result<BTreeMap<String, i64>> {
    let mut counts = BTreeMap::new();
    for entry in std::fs::read_dir(home)?.flatten() {
        let name = entry.file_name().to_string_lossy().into_owned();
        if !name.ends_with(".sqlite") {
            continue;
        }
        let connection = rusqlite::Connection::open(entry.path())?;
        let tables: Vec<String> = connection
            .prepare("SELECT name FROM sqlite_master WHERE type = 'table'")?
            .query_map([], |row| row.get(0))?
            .collect::<rusqlite::Result<_>>()?;
        for table in tables {
            let columns: Vec<String> = connection
                .prepare(&format!("PRAGMA table_info(\"{table}\")"))?
                .query_map([], |row| row.get(1))?
                .collect::<rusqlite::Result<_>>()?;
            if columns.is_empty() {
                continue;
            }
            let condition = columns
                .iter()
                .map(|c| format!("CAST(\"{c}\" AS TEXT) LIKE ?1"))
                .collect::<Vec<_>>()
                .join(" OR ");
            let count: i64 = connection.query_row(
                &format!("SELECT COUNT(*) FROM \"{table}\" WHERE {condition}"),
                [format!("%{id}%")],
                |row| row.get(0),
            )?;
            if count > 0 {
                counts.insert(format!("{name}:{table} ({})", columns.join(", ")), count);
            }
        }
    }
    Ok(counts)
}
