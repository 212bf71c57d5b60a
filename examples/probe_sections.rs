//! Prints what a real Codex release keeps for sections, pins and projects: the state DB's
//! tables and columns for them, what `threadSection/list` returns on a fresh home (the built-in
//! "Pinned" section and its id), and the rows Codex writes for each edit of its app server
//! (`threadSection/create|update|delete`, `thread/section/move`, `project/create`,
//! `thread/metadata/update` with `projectId`).
//!
//! ```sh
//! cargo run --example probe_sections -- [VERSION...]    # default: every installed release
//! ```

use std::path::Path;

use anyhow::{Context, Result};
use rusqlite::Connection;
use serde_json::{Value, json};

use codex_threads::testing::codex::{self, AppServer, CodexRelease};
use codex_threads::testing::mock_model::MockModel;

fn main() -> Result<()> {
    let versions: Vec<String> = std::env::args().skip(1).collect();
    let releases: Vec<CodexRelease> = if versions.is_empty() {
        codex::installed_releases()
    } else {
        versions
            .iter()
            .map(|v| codex::release(v).with_context(|| format!("Codex {v} is not installed")))
            .collect::<Result<_>>()?
    };
    let model = MockModel::start()?;
    for release in &releases {
        println!("===== Codex {}", release.version);
        if let Err(error) = probe(release, &model) {
            println!("  failed: {error:#}");
        }
    }
    Ok(())
}

fn probe(release: &CodexRelease, model: &MockModel) -> Result<()> {
    let root = tempfile::tempdir()?;
    let (home, cwd) = (root.path().join("home"), root.path().join("work"));
    std::fs::create_dir_all(&cwd)?;
    codex::write_config(&home, &model.base_url(), &[&cwd])?;
    let mut server = AppServer::start(release, &home, &cwd)?;
    let a = server.start_thread_with_turn(&cwd, "first thread")?;
    let b = server.start_thread_with_turn(&cwd, "second thread")?;
    let c = server.start_thread_with_turn(&cwd, "third thread")?;
    schema(&home)?;
    let mut call = |method: &str, params: Value| match server.request(method, params.clone()) {
        Ok(reply) => {
            println!("{method} {params}\n  -> {reply}");
            reply
        }
        Err(error) => {
            println!("{method} {params}\n  !! {error:#}");
            Value::Null
        }
    };
    let listed = call("threadSection/list", json!({}));
    let pinned = listed["data"][0]["id"].clone();
    let s1 = call("threadSection/create", json!({"name": "Work"}));
    let s1 = s1["section"]["id"].clone();
    let s2 = call("threadSection/create", json!({"name": "Work"}));
    let s2 = s2["section"]["id"].clone();
    call("threadSection/list", json!({}));
    call(
        "thread/section/move",
        json!({"threadId": a, "sectionId": s1}),
    );
    call(
        "thread/section/move",
        json!({"threadId": b, "sectionId": s1}),
    );
    call(
        "thread/section/move",
        json!({"threadId": c, "sectionId": s1, "beforeThreadId": a}),
    );
    rows(&home, "after moves into Work")?;
    call(
        "thread/section/move",
        json!({"threadId": a, "sectionId": s1, "beforeThreadId": c}),
    );
    call(
        "thread/section/move",
        json!({"threadId": b, "sectionId": s1, "beforeThreadId": c}),
    );
    rows(&home, "after a before c, b before c")?;
    call(
        "thread/section/move",
        json!({"threadId": a, "sectionId": s1}),
    );
    rows(&home, "after a to the end")?;
    call(
        "thread/section/move",
        json!({"threadId": b, "sectionId": pinned}),
    );
    call(
        "thread/section/move",
        json!({"threadId": c, "sectionId": null}),
    );
    rows(&home, "after pin b, unsection c")?;
    call(
        "thread/list",
        json!({"sectionId": s1, "sourceKinds": codex::ALL_SOURCE_KINDS, "sortKey": "section_position"}),
    );
    call(
        "thread/list",
        json!({"sourceKinds": codex::ALL_SOURCE_KINDS, "sortKey": "section_position"}),
    );
    call(
        "thread/list",
        json!({"sectionId": pinned, "sourceKinds": codex::ALL_SOURCE_KINDS}),
    );
    call(
        "threadSection/update",
        json!({"sectionId": s2, "name": "Later"}),
    );
    call(
        "threadSection/update",
        json!({"sectionId": pinned, "name": "Nope"}),
    );
    call("threadSection/delete", json!({"sectionId": pinned}));
    call(
        "thread/section/move",
        json!({"threadId": a, "sectionId": s2}),
    );
    call("threadSection/delete", json!({"sectionId": s2}));
    rows(&home, "after delete Later (held a)")?;
    let p = call(
        "project/create",
        json!({"name": "Proj", "roots": [{"path": cwd}], "idempotencyKey": "k1"}),
    );
    let pid = p["project"]["id"].clone();
    call("project/list", json!({}));
    call(
        "project/create",
        json!({"name": "Proj", "roots": [{"path": cwd}], "idempotencyKey": "k2"}),
    );
    call(
        "project/create",
        json!({"name": "Proj", "roots": [{"path": cwd}], "idempotencyKey": "k1"}),
    );
    call(
        "thread/metadata/update",
        json!({"threadId": a, "projectId": pid}),
    );
    rows(&home, "after project set")?;
    call(
        "thread/list",
        json!({"projectId": pid, "sourceKinds": codex::ALL_SOURCE_KINDS}),
    );
    call(
        "thread/metadata/update",
        json!({"threadId": a, "projectId": ""}),
    );
    rows(&home, "after project clear")?;
    call("thread/archive", json!({"threadId": c}));
    call(
        "thread/section/move",
        json!({"threadId": c, "sectionId": s1}),
    );
    call(
        "thread/metadata/update",
        json!({"threadId": c, "projectId": pid}),
    );
    call(
        "thread/name/set",
        json!({"threadId": c, "name": "archived name"}),
    );
    call(
        "thread/memoryMode/set",
        json!({"threadId": c, "mode": "disabled"}),
    );
    rows(&home, "after edits on archived c")?;
    call("thread/unarchive", json!({"threadId": c}));
    rows(&home, "after unarchive c")?;
    let read = call("thread/read", json!({"threadId": a}));
    let _ = read;
    Ok(())
}

fn open(home: &Path) -> Result<Connection> {
    Ok(Connection::open(home.join("state_5.sqlite"))?)
}

fn schema(home: &Path) -> Result<()> {
    let db = open(home)?;
    let mut statement = db.prepare(
        "SELECT sql FROM sqlite_master WHERE sql IS NOT NULL AND (name LIKE '%section%' \
         OR name LIKE '%project%' OR name LIKE '%spawn%' OR name = 'threads')",
    )?;
    for sql in statement.query_map([], |row| row.get::<_, String>(0))? {
        println!("{}", sql?);
    }
    let version: i64 = db.query_row("SELECT max(version) FROM _sqlx_migrations", [], |r| {
        r.get(0)
    })?;
    println!("migrations: {version}");
    Ok(())
}

fn rows(home: &Path, label: &str) -> Result<()> {
    let db = open(home)?;
    println!("--- {label}");
    for table in ["thread_sections", "projects", "project_roots"] {
        dump(&db, &format!("SELECT * FROM {table}"))?;
    }
    dump(
        &db,
        "SELECT id, thread_section_id, section_position, section_entered_at_ms, project_id, \
         is_pinned, archived, updated_at_ms, name FROM threads",
    )
}

fn dump(db: &Connection, sql: &str) -> Result<()> {
    let mut statement = match db.prepare(sql) {
        Ok(statement) => statement,
        Err(error) => {
            println!("  {sql}: {error}");
            return Ok(());
        }
    };
    let names: Vec<String> = statement.column_names().map(|s| s.to_string()).collect();
    let mut rows = statement.query([])?;
    while let Some(row) = rows.next()? {
        let mut cells = Vec::new();
        for (i, name) in names.iter().enumerate() {
            let value: rusqlite::types::Value = row.get(i)?;
            cells.push(format!("{name}={value:?}"));
        }
        println!("  {}", cells.join(" "));
    }
    Ok(())
}
