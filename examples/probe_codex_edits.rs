//! Prints what a real Codex release writes for each of its own metadata edits, so that our
//! write policy can copy it: the state DB columns that change (and where a new `updated_at_ms`
//! comes from), what the rollout gets (a line, a move, a new mtime), what `session_index.jsonl`
//! gets, and the thread's place in each `thread/list` order.
//!
//! ```sh
//! scripts/install-codex-releases.sh
//! cargo run --example probe_codex_edits -- [VERSION...]    # default: every installed release
//! ```
//!
//! Each release gets a fresh home (offline, against the mock model) with a legacy and a
//! paginated thread where it writes them, and a newer thread so that a move to the top shows.

#[path = "../tests/common/codex_tui.rs"]
mod codex_tui;

use std::collections::BTreeMap;
use std::path::{Path, PathBuf};
use std::time::{SystemTime, UNIX_EPOCH};

use anyhow::{Context, Result};
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
        probe_release(release, &model).with_context(|| format!("Codex {}", release.version))?;
    }
    Ok(())
}

fn probe_release(release: &CodexRelease, model: &MockModel) -> Result<()> {
    let root = tempfile::tempdir()?;
    let (home, cwd) = (root.path().join("home"), root.path().join("work"));
    std::fs::create_dir_all(&cwd)?;
    codex::write_config(&home, &model.base_url(), &[&cwd])?;

    let mut threads = Vec::new();
    let older = codex::release("0.147.0").filter(|_| release.version == "0.169.0");
    if let Some(older) = older {
        // An older release writes first, before the newer one migrates the state DB.
        let id = new_thread(&home, || {
            codex::exec(&older, &home, &cwd, "Legacy, by 0.147.0")
        })?;
        threads.push(("legacy thread written by 0.147.0", id));
    }
    let kind = if release.version == "0.169.0" {
        "paginated exec thread"
    } else {
        "legacy exec thread"
    };
    let id = new_thread(&home, || {
        codex::exec(release, &home, &cwd, "An exec thread")
    })?;
    threads.push((kind, id));
    if release.version == "0.147.0" {
        let id = new_thread(&home, || {
            let made = codex_tui::tui_thread(release, &home, &cwd, "A TUI thread", "Answer to:");
            codex::stop_daemons(&home);
            made
        })?;
        threads.push(("paginated TUI thread", id));
    }
    new_thread(&home, || {
        codex::exec(release, &home, &cwd, "The newest thread")
    })?;

    for (kind, id) in &threads {
        println!("\n== Codex {}: {kind} {id}", release.version);
        let mut server = AppServer::start(release, &home, &cwd)?;
        println!("   places before: {}", places(&mut server, release, id));
        for (label, method, params) in edits(release, id) {
            let before = Snapshot::take(&home, id)?;
            let started = now_ms();
            let reply = server.request(method, params.clone());
            if let (Ok(_), "thread/name/set", true) =
                (&reply, method, release.names_loaded_threads_only())
            {
                // 0.104 writes the name after replying; it says when it has.
                server.wait_for_notification("thread/name/updated", |p| p["threadId"] == *id)?;
            }
            let after = Snapshot::take(&home, id)?;
            match reply {
                Err(error) => println!("   {label}: refused: {error:#}"),
                Ok(_) => {
                    println!("   {label}:");
                    for line in before.changes(&after, started) {
                        println!("      {line}");
                    }
                    if method != "thread/delete" {
                        println!("      places after: {}", places(&mut server, release, id));
                    }
                }
            }
        }
    }
    Ok(())
}

/// Codex's own edits, in order; a release that lacks one refuses it, which is printed.
fn edits(release: &CodexRelease, id: &str) -> Vec<(&'static str, &'static str, Value)> {
    let mut edits = Vec::new();
    if release.names_loaded_threads_only() {
        edits.push((
            "thread/resume (loads it)",
            "thread/resume",
            json!({"threadId": id}),
        ));
    }
    edits.extend([
        (
            "name/set",
            "thread/name/set",
            json!({"threadId": id, "name": "First name"}),
        ),
        (
            "name/set empty",
            "thread/name/set",
            json!({"threadId": id, "name": ""}),
        ),
        (
            "name/set again",
            "thread/name/set",
            json!({"threadId": id, "name": "Second name"}),
        ),
        (
            "memoryMode/set disabled",
            "thread/memoryMode/set",
            json!({"threadId": id, "mode": "disabled"}),
        ),
        (
            "memoryMode/set enabled",
            "thread/memoryMode/set",
            json!({"threadId": id, "mode": "enabled"}),
        ),
        ("archive", "thread/archive", json!({"threadId": id})),
        ("unarchive", "thread/unarchive", json!({"threadId": id})),
        ("delete", "thread/delete", json!({"threadId": id})),
    ]);
    edits
}

/// The thread's place (1 = first) in each of Codex's orders, active or archived.
fn places(server: &mut AppServer, release: &CodexRelease, id: &str) -> String {
    let mut found = Vec::new();
    for &key in release.sort_keys() {
        for archived in [false, true] {
            if let Ok(threads) = server.list_threads_sorted(archived, key)
                && let Some(index) = threads.iter().position(|t| t["id"] == id)
            {
                let list = if archived { " archived" } else { "" };
                found.push(format!("{key}{list} #{} of {}", index + 1, threads.len()));
            }
        }
    }
    found.join(", ")
}

/// What Codex keeps about one thread, and about the others' `updated_at_ms`.
struct Snapshot {
    row: BTreeMap<String, String>,
    newest_other_updated_ms: Option<i64>,
    rollout: Option<PathBuf>,
    lines: Vec<String>,
    mtime_ms: Option<i64>,
    index_lines: Vec<String>,
}

impl Snapshot {
    fn take(home: &Path, id: &str) -> Result<Self> {
        let (row, newest_other_updated_ms) = db_row(home, id)?;
        let rollout = find_rollout(home, id);
        let (lines, mtime_ms) = match &rollout {
            Some(path) => (
                std::fs::read_to_string(path)?
                    .lines()
                    .map(str::to_owned)
                    .collect(),
                Some(ms(std::fs::metadata(path)?.modified()?)),
            ),
            None => (Vec::new(), None),
        };
        let index_lines = std::fs::read_to_string(home.join("session_index.jsonl"))
            .unwrap_or_default()
            .lines()
            .filter(|line| line.contains(id))
            .map(str::to_owned)
            .collect();
        Ok(Self {
            row,
            newest_other_updated_ms,
            rollout,
            lines,
            mtime_ms,
            index_lines,
        })
    }

    /// The differences from `self` to `after`, one line each; `started` is when the edit was
    /// sent, to tell "now" from a value derived from something else.
    fn changes(&self, after: &Snapshot, started: i64) -> Vec<String> {
        let mut changes = Vec::new();
        if !self.row.is_empty() && after.row.is_empty() {
            changes.push("DB: the row is deleted".to_owned());
        }
        for (column, new) in &after.row {
            let old = self.row.get(column).map_or("(none)", String::as_str);
            if old == new {
                continue;
            }
            let mut line = format!("DB {column}: {old} -> {new}");
            if column == "updated_at_ms"
                && let Ok(new) = new.parse::<i64>()
            {
                line.push_str(&self.explain_updated_ms(after, new, started));
            }
            changes.push(line);
        }
        match (&self.rollout, &after.rollout) {
            (Some(old), Some(new)) if old != new => {
                changes.push(format!("rollout moved: {} -> {}", short(old), short(new)))
            }
            (Some(_), None) => changes.push("rollout deleted".to_owned()),
            _ => {}
        }
        if after.lines.len() > self.lines.len() && after.lines.starts_with(&self.lines) {
            for line in &after.lines[self.lines.len()..] {
                changes.push(format!("rollout +1 line: {}", describe_line(line)));
            }
        } else if after.rollout.is_some() && after.lines != self.lines {
            changes.push("rollout content changed (not an append)".to_owned());
        }
        if after.rollout.is_some() && after.mtime_ms != self.mtime_ms {
            changes.push(format!(
                "rollout mtime: {:?} -> {:?} ms",
                self.mtime_ms, after.mtime_ms
            ));
        }
        if after.index_lines.len() > self.index_lines.len()
            && after.index_lines.starts_with(&self.index_lines)
        {
            for line in &after.index_lines[self.index_lines.len()..] {
                changes.push(format!("session_index.jsonl +1 line: {line}"));
            }
        } else if after.index_lines != self.index_lines {
            changes.push(format!(
                "session_index.jsonl: the thread's lines went from {} to {} (rewritten)",
                self.index_lines.len(),
                after.index_lines.len()
            ));
        }
        if changes.is_empty() {
            changes.push("nothing changed".to_owned());
        }
        changes
    }

    /// Which known instants a new `updated_at_ms` equals, if any.
    fn explain_updated_ms(&self, after: &Snapshot, new: i64, started: i64) -> String {
        let old: Option<i64> = self.row.get("updated_at_ms").and_then(|v| v.parse().ok());
        let mut matches = Vec::new();
        if self.newest_other_updated_ms.is_some_and(|n| new == n + 1) {
            matches.push("the newest other thread's + 1 ms");
        }
        if old.is_some_and(|o| new == o + 1) {
            matches.push("its own + 1 ms");
        }
        if self.mtime_ms == Some(new) {
            matches.push("the rollout's mtime");
        } else if after.mtime_ms == Some(new) {
            matches.push("the rollout's new mtime");
        }
        if new >= started {
            matches.push("now");
        }
        if matches.is_empty() {
            " (none of: now, the rollout's mtime, its own or the newest thread's + 1 ms)".to_owned()
        } else {
            format!(" (= {})", matches.join(" = "))
        }
    }
}

fn db_row(home: &Path, id: &str) -> Result<(BTreeMap<String, String>, Option<i64>)> {
    let mut row = BTreeMap::new();
    let db = home.join("state_5.sqlite");
    if !db.exists() {
        return Ok((row, None));
    }
    let connection = rusqlite::Connection::open(&db)?;
    let mut statement = connection.prepare("SELECT * FROM threads WHERE id = ?1")?;
    let columns: Vec<String> = statement.column_names().map(str::to_owned).collect();
    let mut rows = statement.query([id])?;
    if let Some(found) = rows.next()? {
        for (index, column) in columns.iter().enumerate() {
            let value: rusqlite::types::Value = found.get(index)?;
            let text = match value {
                rusqlite::types::Value::Null => "NULL".to_owned(),
                rusqlite::types::Value::Integer(n) => n.to_string(),
                rusqlite::types::Value::Real(x) => x.to_string(),
                rusqlite::types::Value::Text(t) => format!("{:?}", short_text(&t)),
                rusqlite::types::Value::Blob(b) => format!("({} bytes)", b.len()),
            };
            row.insert(column.clone(), text);
        }
    }
    let newest_other = connection
        .query_row(
            "SELECT MAX(updated_at_ms) FROM threads WHERE id <> ?1",
            [id],
            |r| r.get::<_, Option<i64>>(0),
        )
        .ok()
        .flatten();
    Ok((row, newest_other))
}

fn find_rollout(home: &Path, id: &str) -> Option<PathBuf> {
    let mut dirs = vec![home.join("sessions"), home.join("archived_sessions")];
    while let Some(dir) = dirs.pop() {
        for entry in std::fs::read_dir(&dir).into_iter().flatten().flatten() {
            let path = entry.path();
            if path.is_dir() {
                dirs.push(path);
            } else if path.to_string_lossy().contains(id) {
                return Some(path);
            }
        }
    }
    None
}

/// A rollout line by its kind and payload keys (a session_meta copy is long).
fn describe_line(line: &str) -> String {
    let Ok(value) = serde_json::from_str::<Value>(line) else {
        return "(not JSON)".to_owned();
    };
    let payload = &value["payload"];
    let keys: Vec<&str> = payload
        .as_object()
        .map(|o| o.keys().map(String::as_str).collect())
        .unwrap_or_default();
    format!(
        "{} (ordinal: {}, memory_mode: {}, history_mode: {}, git: {}) keys {keys:?}",
        value["type"],
        value
            .get("ordinal")
            .map_or("none".to_owned(), Value::to_string),
        payload["memory_mode"],
        payload["history_mode"],
        if payload.get("git").is_some() {
            "kept"
        } else {
            "absent"
        }
    )
}

fn short(path: &Path) -> String {
    let text = path.to_string_lossy();
    match text.find("/home/") {
        Some(at) => text[at + "/home/".len()..].to_owned(),
        None => text.into_owned(),
    }
}

fn short_text(text: &str) -> String {
    match text.char_indices().nth(60) {
        Some((cut, _)) => format!("{}…", &text[..cut]),
        None => text.to_owned(),
    }
}

fn ms(time: SystemTime) -> i64 {
    time.duration_since(UNIX_EPOCH)
        .map_or(0, |d| d.as_millis() as i64)
}

fn now_ms() -> i64 {
    ms(SystemTime::now())
}

/// Runs `write`, which must create exactly one new rollout; its thread id.
fn new_thread<T>(home: &Path, write: impl FnOnce() -> Result<T>) -> Result<String> {
    let ids = |home: &Path| -> Vec<String> {
        let mut found = Vec::new();
        let mut dirs = vec![home.join("sessions"), home.join("archived_sessions")];
        while let Some(dir) = dirs.pop() {
            for entry in std::fs::read_dir(&dir).into_iter().flatten().flatten() {
                let path = entry.path();
                if path.is_dir() {
                    dirs.push(path);
                } else if let Some(stem) = path.file_name().and_then(|n| n.to_str())
                    && let Some(stem) = stem.split('.').next()
                    && stem.len() >= 36
                {
                    found.push(stem[stem.len() - 36..].to_owned());
                }
            }
        }
        found
    };
    let before = ids(home);
    write()?;
    ids(home)
        .into_iter()
        .find(|id| !before.contains(id))
        .context("Codex wrote no new rollout")
}
