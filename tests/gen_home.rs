//! The home generator (`codex_threads::testing::gen_home`, run by `examples/gen_home.rs`) on a
//! small home: layout, counts, every line decodable, mtimes, session index, state DB, and
//! byte-identical output for the same options.

use std::collections::{BTreeMap, HashMap, HashSet};
use std::fs;
use std::hash::{DefaultHasher, Hash, Hasher};
use std::path::Path;
use std::time::UNIX_EPOCH;

use codex_threads::protocol::{EventMsg, ResponseItem, RolloutItem, RolloutLine, ThreadId};
use codex_threads::rollout::{CodexHome, SessionIndexEntry, read_thread_names};
use codex_threads::testing::gen_home::{
    GIB, GenOptions, GenSummary, GeneratedThread, STATE_DB_FILE, generate,
};
use rusqlite::Connection;
use serde_json::{Value, json};
use tempfile::TempDir;

const THREADS: usize = 60;

fn options() -> GenOptions {
    let mut options = GenOptions::new(THREADS);
    options.huge_bytes = (0.002 * GIB as f64) as u64;
    options.state_db = true;
    options.seed = 7;
    options
}

fn decompressed(path: &Path) -> Vec<u8> {
    let bytes = fs::read(path).unwrap();
    if path.extension().is_some_and(|ext| ext == "zst") {
        zstd::decode_all(bytes.as_slice()).unwrap()
    } else {
        bytes
    }
}

/// `(relative path, size, mtime in ns, hash of the content)` of every file under `root`.
fn fingerprint(root: &Path) -> BTreeMap<String, (u64, u128, u64)> {
    let mut files = BTreeMap::new();
    let mut dirs = vec![root.to_path_buf()];
    while let Some(dir) = dirs.pop() {
        for entry in fs::read_dir(&dir).unwrap() {
            let entry = entry.unwrap();
            let meta = entry.metadata().unwrap();
            if meta.is_dir() {
                dirs.push(entry.path());
                continue;
            }
            let mut hasher = DefaultHasher::new();
            fs::read(entry.path()).unwrap().hash(&mut hasher);
            let mtime = meta.modified().unwrap().duration_since(UNIX_EPOCH).unwrap();
            let relative = entry
                .path()
                .strip_prefix(root)
                .unwrap()
                .display()
                .to_string();
            files.insert(relative, (meta.len(), mtime.as_nanos(), hasher.finish()));
        }
    }
    files
}

/// Line kinds and events that only paginated rollouts have, which this version may keep as
/// raw JSON.
const PAGINATED_KINDS: &[&str] = &["world_state", "token_usage_record"];
const PAGINATED_EVENTS: &[&str] = &["item_completed", "thread_settings_applied"];
/// Events that paginated rollouts replace by `item_completed`.
const LEGACY_EVENTS: &[&str] = &["user_message", "agent_message", "agent_reasoning"];

/// Checks every line of one rollout; returns the number of lines and whether it is paginated.
fn check_rollout(path: &Path, id: ThreadId) -> (usize, bool) {
    let bytes = decompressed(path);
    let text = std::str::from_utf8(&bytes).unwrap();
    assert!(text.ends_with('\n'), "{} ends mid-line", path.display());
    let mut last = String::new();
    let mut count = 0;
    let mut paginated = false;
    for (n, line) in text.lines().enumerate() {
        let at = || format!("{}:{}", path.display(), n + 1);
        let raw: Value = serde_json::from_str(line).unwrap_or_else(|err| panic!("{}: {err}", at()));
        let kind = raw["type"].as_str().unwrap_or_default();
        let event = raw["payload"]["type"].as_str().unwrap_or_default();
        if n == 0 {
            paginated = raw["payload"]["history_mode"] == "paginated";
        }
        if paginated {
            // Every line numbered, in order, right after the timestamp.
            assert_eq!(raw["ordinal"], json!(n), "{}", at());
            let keys: Vec<&String> = raw.as_object().unwrap().keys().take(3).collect();
            assert_eq!(keys, ["timestamp", "ordinal", "type"], "{}", at());
            assert!(
                !(kind == "event_msg" && LEGACY_EVENTS.contains(&event)),
                "{}: {event} in a paginated rollout",
                at()
            );
        } else {
            assert!(raw.get("ordinal").is_none(), "{}", at());
            assert!(!PAGINATED_KINDS.contains(&kind), "{}", at());
        }
        let decoded = RolloutLine::decode(line).unwrap_or_else(|err| panic!("{}: {err}", at()));
        match &decoded.item {
            RolloutItem::SessionMeta(meta) => assert_eq!(meta.id, id),
            RolloutItem::Unknown { kind, .. } => {
                assert!(
                    paginated && PAGINATED_KINDS.contains(&kind.as_str()),
                    "{}: unknown line kind {kind}",
                    at()
                );
            }
            RolloutItem::EventMsg(EventMsg::Other(raw)) => {
                assert!(
                    paginated && PAGINATED_EVENTS.contains(&event),
                    "{}: undecoded event {raw}",
                    at()
                );
            }
            RolloutItem::ResponseItem(ResponseItem::Other(raw)) => {
                panic!("{}: undecoded payload {raw}", at())
            }
            _ => {}
        }
        if n == 0 {
            assert!(matches!(decoded.item, RolloutItem::SessionMeta(_)));
        }
        assert!(
            decoded.timestamp >= last,
            "time goes back at line {}",
            n + 1
        );
        last = decoded.timestamp;
        count += 1;
    }
    // The file's mtime is the time of its last line.
    let mtime = fs::metadata(path).unwrap().modified().unwrap();
    let mtime = chrono::DateTime::<chrono::Utc>::from(mtime);
    assert_eq!(
        codex_threads::protocol::time::format_rollout_timestamp(mtime),
        last
    );
    (count, paginated)
}

#[test]
fn a_small_generated_home_is_complete_valid_and_reproducible() {
    let dir = TempDir::new().unwrap();
    let root = dir.path().join("home");
    let summary: GenSummary = generate(&root, &options()).unwrap();
    let home = CodexHome::new(&summary.root);

    // Counts: what the summary says is what is on disk.
    assert_eq!(summary.threads.len(), THREADS);
    assert_eq!(summary.archived(), 3);
    assert!(summary.compressed() >= 1, "some rollouts are compressed");
    assert!(summary.renamed() >= 1, "some threads are renamed");
    let active = home.discover_rollouts(false).unwrap();
    let archived = home.discover_rollouts(true).unwrap();
    assert_eq!(active.len(), THREADS - summary.archived());
    assert_eq!(archived.len(), summary.archived());
    let on_disk: Vec<_> = active.iter().chain(&archived).collect();
    assert_eq!(
        on_disk.iter().filter(|file| file.compressed).count(),
        summary.compressed()
    );
    let days: HashSet<_> = active.iter().map(|file| file.path.parent()).collect();
    assert!(days.len() > 20, "spread over many day directories");

    // One huge rollout, plain and active; the others are smaller.
    let huge: Vec<_> = summary.threads.iter().filter(|t| t.huge).collect();
    assert_eq!(huge.len(), 1);
    assert!(!huge[0].compressed && !huge[0].archived);
    assert!(huge[0].file_bytes >= options().huge_bytes);

    // Every file is where the summary says, named after its thread.
    let by_path: HashMap<_, _> = on_disk.iter().map(|file| (&file.path, file)).collect();
    for thread in &summary.threads {
        let file = by_path[&thread.path];
        assert_eq!(file.thread_id, thread.id);
        assert_eq!(file.archived, thread.archived);
        assert_eq!(file.plain_path(), thread.plain_path);
        assert!(thread.updated_at() > thread.created_at);
    }
    // Updated order is not created order.
    let mut by_updated = summary.threads.clone();
    by_updated.sort_by_key(|t| t.updated_at());
    let updated_ids: Vec<_> = by_updated.iter().map(|t| t.id).collect();
    let created_ids: Vec<_> = summary.threads.iter().map(|t| t.id).collect();
    assert_ne!(updated_ids, created_ids);

    // Every line of a sample (every fifth thread, the huge one, all compressed) decodes, in
    // the format the thread says it has.
    let mut lines = 0;
    for (index, thread) in summary.threads.iter().enumerate() {
        if index % 5 == 0 || thread.huge || thread.compressed {
            let (count, paginated) = check_rollout(&thread.path, thread.id);
            assert_eq!(
                paginated,
                thread.facts.paginated,
                "{}",
                thread.path.display()
            );
            lines += count;
        }
    }
    assert!(lines > 1_000);

    // A mix like a current user's home: about half paginated, more among newer threads, the
    // huge rollout (benchmarked) paginated.
    let paginated = summary.paginated();
    assert!(
        (THREADS * 3 / 10..=THREADS * 7 / 10).contains(&paginated),
        "{paginated} of {THREADS} paginated"
    );
    let (older, newer) = summary.threads.split_at(THREADS / 2);
    let share = |threads: &[GeneratedThread]| threads.iter().filter(|t| t.facts.paginated).count();
    assert!(
        share(newer) > share(older) * 2,
        "newer threads are more often paginated"
    );
    assert!(huge[0].facts.paginated);

    // session_index.jsonl: every line parses and names a generated thread.
    let index = fs::read_to_string(home.session_index_path()).unwrap();
    let ids: HashSet<_> = summary.threads.iter().map(|t| t.id).collect();
    let entries: Vec<SessionIndexEntry> = index
        .lines()
        .map(|line| serde_json::from_str(line).unwrap())
        .collect();
    assert_eq!(entries.len(), summary.session_index_entries);
    assert!(entries.iter().all(|entry| ids.contains(&entry.id)));
    let names = read_thread_names(&home).unwrap();
    for thread in &summary.threads {
        assert_eq!(names.get(&thread.id), thread.name.as_ref());
    }

    // The state DB: Codex's own (its migration history intact), one row per thread, as the
    // Codex that wrote the thread would fill it.
    let db = Connection::open(summary.root.join(STATE_DB_FILE)).unwrap();
    let migrations: i64 = db
        .query_row("SELECT count(*) FROM _sqlx_migrations", [], |row| {
            row.get(0)
        })
        .unwrap();
    assert_eq!(migrations, 62);
    let rows: i64 = db
        .query_row("SELECT count(*) FROM threads", [], |row| row.get(0))
        .unwrap();
    assert_eq!(rows as usize, THREADS);
    for thread in &summary.threads {
        let row: HashMap<String, rusqlite::types::Value> = {
            let mut statement = db.prepare("SELECT * FROM threads WHERE id = ?1").unwrap();
            let names: Vec<String> = statement.column_names().map(str::to_string).collect();
            statement
                .query_row([thread.id.to_string()], |row| {
                    Ok(names
                        .iter()
                        .enumerate()
                        .map(|(i, name)| (name.clone(), row.get(i).unwrap()))
                        .collect())
                })
                .unwrap()
        };
        let text = |column: &str| match &row[column] {
            rusqlite::types::Value::Text(text) => Some(text.clone()),
            rusqlite::types::Value::Null => None,
            other => panic!("{column}: {other:?}"),
        };
        let integer = |column: &str| match &row[column] {
            rusqlite::types::Value::Integer(value) => *value,
            other => panic!("{column}: {other:?}"),
        };
        let facts = &thread.facts;
        // Where the file is, `.jsonl.zst` included, as current releases store it.
        assert_eq!(
            text("rollout_path").unwrap(),
            thread.path.display().to_string()
        );
        let preview = text("preview").unwrap();
        assert_eq!(preview, facts.first_user_message);
        assert!(!preview.is_empty());
        assert_eq!(text("first_user_message").unwrap(), preview);
        assert_eq!(integer("archived") == 1, thread.archived);
        assert_eq!(
            integer("updated_at_ms"),
            thread.updated_at().timestamp_millis()
        );
        assert!(integer("tokens_used") > 0);
        assert_eq!(text("memory_mode").unwrap(), facts.memory_mode.as_str());
        if facts.paginated {
            // A rename is the name; the title stays the first message.
            assert_eq!(text("history_mode").unwrap(), "paginated");
            assert_eq!(text("name"), thread.name);
            assert_eq!(text("title").unwrap(), preview);
            assert_eq!(text("originator").unwrap(), facts.originator);
            assert_eq!(integer("has_user_event"), 0);
            assert_eq!(
                integer("recency_at_ms"),
                facts.last_turn_at.timestamp_millis()
            );
        } else {
            assert_eq!(text("history_mode").unwrap(), "legacy");
            assert_eq!(text("name"), None);
            assert_eq!(
                &text("title").unwrap(),
                thread.name.as_ref().unwrap_or(&preview)
            );
            assert_eq!(integer("has_user_event"), 1);
            assert_eq!(integer("recency_at_ms"), integer("updated_at_ms"));
        }
    }
    drop(db);

    // The same options into the same place give the same bytes and mtimes.
    let first = fingerprint(&root);
    fs::remove_dir_all(&root).unwrap();
    let mut again = options();
    again.workers = 3;
    generate(&root, &again).unwrap();
    assert_eq!(fingerprint(&root), first);

    // Another seed gives another home.
    let other = dir.path().join("other");
    let mut reseeded = options();
    reseeded.seed = 8;
    reseeded.state_db = false;
    generate(&other, &reseeded).unwrap();
    assert_ne!(fingerprint(&other).keys().next(), first.keys().next());
    // A non-empty directory is refused.
    assert!(generate(&other, &reseeded).is_err());
}
