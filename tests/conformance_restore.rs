//! Conformance of `restore`: a thread written by the real release, named by us, deleted by us
//! (gone for the release), then restored by us, is listed (`thread/list`), read
//! (`thread/read`, with its turn: 0.169+ read turns from the history DB's projection, which
//! our delete removed and our restore puts back) and resumed (`codex exec resume NAME`, whose model input holds the thread's
//! history) by the release again, with its name; on releases with a state DB, its `threads`
//! row is the one the release had written before the delete, column for column.
//!
//! Facts this rests on (checked with 0.147 and 0.171 when writing it): a release re-indexes a
//! rollout that reappears by itself when it next lists, but from the rollout alone, so without
//! the row and the `session_index.jsonl` entry our delete kept, the name would be lost (0.171
//! reads a paginated thread's name from the row only).

#[allow(dead_code)]
#[path = "common/codex_tui.rs"]
mod codex_tui;
#[allow(dead_code)]
#[path = "conformance/home.rs"]
mod home;
#[allow(dead_code)]
#[path = "conformance/ours.rs"]
mod ours;
#[allow(dead_code)]
#[path = "common/pty.rs"]
mod pty;
#[path = "common/releases.rs"]
mod releases;

use anyhow::{Context, Result, ensure};
use rusqlite::OptionalExtension;
use serde_json::{Map, Value};

use home::ReleaseHome;

const NAME: &str = "Trash and back";
const PROMPT: &str = "Conformance restore [shell: echo restored-ok]";

#[test]
fn restore_codex_0_171_0() {
    conform("0.171.0");
}

#[test]
fn restore_codex_0_169_0() {
    conform("0.169.0");
}

#[test]
fn restore_codex_0_147_0() {
    conform("0.147.0");
}

#[test]
fn restore_codex_0_104_0() {
    conform("0.104.0");
}

fn conform(version: &str) {
    let Some(release) = releases::release_or_skip(version, "conformance_restore") else {
        return;
    };
    let home = ReleaseHome::new(&release).expect("a fresh home");
    if let Err(err) = restore_round_trip(&home) {
        panic!("Codex {version}: {err:#}");
    }
}

/// The thread's `threads` row, every column (`None` without a row or a DB).
fn thread_row(home: &ReleaseHome, id: &str) -> Result<Option<Map<String, Value>>> {
    let path = home.home.join("state_5.sqlite");
    if !path.exists() {
        return Ok(None);
    }
    let connection = rusqlite::Connection::open(&path)?;
    let mut statement = connection.prepare("SELECT * FROM threads WHERE id = ?1")?;
    let names: Vec<String> = statement.column_names().map(str::to_owned).collect();
    let row = statement
        .query_row([id], |row| {
            let mut map = Map::new();
            for (index, name) in names.iter().enumerate() {
                let value: rusqlite::types::Value = row.get(index)?;
                map.insert(name.clone(), Value::String(format!("{value:?}")));
            }
            Ok(map)
        })
        .optional()?;
    Ok(row)
}

fn restore_round_trip(home: &ReleaseHome) -> Result<()> {
    let release = &home.release;
    let id = home.exec_thread(release, PROMPT).context("codex exec")?;
    let filler = home.exec_thread(release, "Conformance restore filler")?;
    home.ours.run(&["rename", &id, NAME])?;
    let row_before = thread_row(home, &id)?;
    ensure!(
        row_before.is_some() == release.writes_state_db(),
        "a row: {row_before:?}"
    );

    home.ours.run(&["delete", &id, "--yes"])?;
    {
        let mut server = home.app_server()?;
        ensure!(
            !server.list_threads(false)?.contains_key(&id),
            "still listed after our delete"
        );
        ensure!(
            server.read_thread(&id).is_err(),
            "thread/read answers after our delete"
        );
        server.close(std::time::Duration::from_secs(10))?;
    }

    let trashed: Value = serde_json::from_str(&home.ours.run(&["list", "--trash", "--json"])?)?;
    let listed = trashed
        .as_array()
        .and_then(|all| all.iter().find(|t| t["id"] == id.as_str()))
        .context("not in list --trash")?;
    ensure!(
        listed["title"] == NAME,
        "list --trash title: {}",
        listed["title"]
    );

    let restored: Value = serde_json::from_str(&home.ours.run(&["restore", &id, "--json"])?)?;
    ensure!(
        restored[0]["id"] == id.as_str(),
        "restore --json: {restored}"
    );
    ensure!(
        restored[0]["rows_restored"] == release.writes_state_db(),
        "restore --json: {restored}"
    );
    ensure!(
        restored[0]["name_restored"] == true,
        "restore --json: {restored}"
    );
    // The row is the release's own, as it was before the delete.
    ensure!(
        thread_row(home, &id)? == row_before,
        "the row differs from the one before the delete"
    );

    {
        let mut server = home.app_server()?;
        let listed = server.list_threads(false)?;
        let thread = listed.get(&id).context("thread/list does not list it")?;
        ensure!(listed.contains_key(&filler), "the filler is not listed");
        ensure!(
            thread["preview"] == PROMPT,
            "preview: {}",
            thread["preview"]
        );
        if release.shows_names() {
            ensure!(
                thread["name"] == NAME,
                "thread/list name: {}",
                thread["name"]
            );
        }
        let read = server.read_thread(&id).context("thread/read")?;
        if release.shows_names() {
            ensure!(read["name"] == NAME, "thread/read name: {}", read["name"]);
        }
        let turns = read["turns"].as_array().map_or(0, Vec::len);
        ensure!(turns == 1, "thread/read gives {turns} turns: {read}");
        server.close(std::time::Duration::from_secs(10))?;
    }

    // Resumed by its name: the name reached where the release resolves names, and the
    // history reached the model.
    home.resume(NAME, "After the restore")
        .context("codex exec resume NAME")?;
    let input = home.last_model_input()?;
    ensure!(
        input
            .iter()
            .any(|text| text.contains("Conformance restore [shell")),
        "the resumed model input lacks the first prompt: {input:?}"
    );
    ensure!(
        input.iter().any(|text| text.contains("After the restore")),
        "the resumed model input lacks the new prompt: {input:?}"
    );
    let resumed = home.rollout(&id)?;
    let text = std::fs::read_to_string(&resumed)?;
    ensure!(
        text.contains("After the restore"),
        "the resume did not write to the restored rollout"
    );
    Ok(())
}
