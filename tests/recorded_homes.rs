//! Reading homes recorded from real Codex releases (`testdata/homes/<version>/`, re-recorded by
//! `scripts/record-homes.sh`): every thread of every release lists, resolves, searches and
//! folds into a faithful history. No Codex needed: the files are what the releases wrote.

mod common;

use std::path::{Path, PathBuf};
use std::sync::Arc;

use codex_threads::history::{ItemKind, Transcript};
use codex_threads::manager::ThreadManager;
use codex_threads::protocol::ThreadId;
use codex_threads::store::local::{LocalStoreOptions, LocalThreadStore};
use codex_threads::store::status::ThreadStatus;
use codex_threads::store::*;
use serde_json::Value;

const RELEASES: [&str; 3] = ["0.169.0", "0.147.0", "0.104.0"];

/// A recorded home copied into a temporary directory (tests may write to it).
struct RecordedHome {
    _dir: tempfile::TempDir,
    path: PathBuf,
    manifest: Value,
}

impl RecordedHome {
    fn copy(version: &str) -> Self {
        let (dir, path, manifest) = common::recorded::copy_recorded_home(version);
        RecordedHome {
            _dir: dir,
            path,
            manifest,
        }
    }

    fn thread(&self, scenario: &str) -> ThreadId {
        self.manifest["threads"][scenario]
            .as_str()
            .unwrap_or_else(|| panic!("no {scenario} thread recorded"))
            .parse()
            .unwrap()
    }

    fn scenarios(&self) -> Vec<(String, ThreadId)> {
        self.manifest["threads"]
            .as_object()
            .unwrap()
            .iter()
            .map(|(name, id)| (name.clone(), id.as_str().unwrap().parse().unwrap()))
            .collect()
    }

    fn manager(&self) -> ThreadManager {
        let cache = self.path.parent().unwrap().join("cache");
        let options = LocalStoreOptions {
            cache_dir: Some(cache),
            ..LocalStoreOptions::default()
        };
        ThreadManager::new(Arc::new(LocalThreadStore::open(&self.path, options)))
    }
}

async fn list_all(manager: &ThreadManager, archived: bool) -> Vec<StoredThread> {
    manager
        .list_threads(ListThreadsParams {
            archived,
            page_size: 0,
            ..ListThreadsParams::default()
        })
        .await
        .unwrap()
        .items
}

async fn transcript(manager: &ThreadManager, id: ThreadId) -> Transcript {
    let page = manager
        .read_history_page(ReadHistoryPageParams {
            thread_id: id,
            include_archived: true,
            anchor: None,
            direction: HistoryDirection::Forward,
            limit: 10_000,
            include_raw: false,
        })
        .await
        .unwrap();
    assert!(page.at_end);
    Transcript::from_lines(&page.lines)
}

/// The kinds of a transcript's items, by name (`User`, `Command`, …).
fn kinds(transcript: &Transcript) -> Vec<&'static str> {
    transcript
        .items()
        .iter()
        .map(|item| match item.kind {
            ItemKind::User { .. } => "User",
            ItemKind::Assistant { .. } => "Assistant",
            ItemKind::Reasoning { .. } => "Reasoning",
            ItemKind::Command { .. } => "Command",
            ItemKind::Patch { .. } => "Patch",
            ItemKind::TurnEnded { .. } => "TurnEnded",
            ItemKind::Skipped { .. } => "Skipped",
            _ => "Other",
        })
        .collect()
}

async fn search(manager: &ThreadManager, query: &str) -> Vec<SearchHit> {
    let mut run = manager.search(SearchParams {
        query: query.to_string(),
        include_archived: true,
        thread_id: None,
        max_hits_per_thread: None,
    });
    let mut hits = Vec::new();
    while let Some(hit) = run.hits.recv().await {
        hits.push(hit);
    }
    run.done.await.unwrap().unwrap();
    hits
}

#[tokio::test]
async fn every_thread_of_every_release_lists_with_codex_preview() {
    for version in RELEASES {
        let home = RecordedHome::copy(version);
        let manager = home.manager();
        let active = list_all(&manager, false).await;
        let archived = list_all(&manager, true).await;
        for (scenario, id) in home.scenarios() {
            let listed = if scenario == "app_server_archived" {
                &archived
            } else {
                &active
            };
            let thread = listed
                .iter()
                .find(|t| t.thread_id == id)
                .unwrap_or_else(|| panic!("Codex {version}: {scenario} ({id}) not listed"));
            assert!(
                !thread.preview.is_empty(),
                "Codex {version}: {scenario} has no preview"
            );
            assert!(
                !thread.preview.starts_with('<'),
                "Codex {version}: {scenario} previews injected context: {}",
                thread.preview
            );
        }
        assert_eq!(
            active.len() + archived.len(),
            home.scenarios().len(),
            "Codex {version}: threads listed that were not recorded"
        );
        // Where the release keeps a state DB, its preview column is what Codex shows.
        if let Some(previews) = db_previews(&home.path) {
            for thread in active.iter().chain(&archived) {
                assert_eq!(
                    Some(&thread.preview),
                    previews.get(&thread.thread_id.to_string()),
                    "Codex {version}: preview of {}",
                    thread.thread_id
                );
            }
        }
    }
}

/// Recorded homes are closed (no Codex runs): every thread's last turn ended, so each is
/// done; unread exactly where the release's read receipt names a first unread turn (0.169:
/// every thread that completed a turn), read where the release keeps no receipts.
#[tokio::test]
async fn recorded_threads_are_done_and_unread_as_their_receipts_say() {
    for version in RELEASES {
        let home = RecordedHome::copy(version);
        let manager = home.manager();
        let receipts = db_unread(&home.path);
        let threads = [
            list_all(&manager, false).await,
            list_all(&manager, true).await,
        ]
        .concat();
        assert!(!threads.is_empty(), "Codex {version}: no threads");
        for thread in &threads {
            let id = thread.thread_id;
            assert_eq!(
                thread.status.status,
                ThreadStatus::Done,
                "Codex {version}: {id} {:?}",
                thread.status
            );
            let expected = receipts
                .as_ref()
                .is_some_and(|unread| unread.contains(&id.to_string()));
            assert_eq!(thread.unread, expected, "Codex {version}: unread of {id}");
        }
        if receipts.is_some() {
            assert!(
                threads.iter().any(|t| t.unread),
                "Codex {version}: none unread"
            );
        }
    }
}

/// The threads the state DB's read receipts count as unread; `None` without receipts.
fn db_unread(home: &Path) -> Option<std::collections::HashSet<String>> {
    let db = rusqlite::Connection::open_with_flags(
        home.join("state_5.sqlite"),
        rusqlite::OpenFlags::SQLITE_OPEN_READ_ONLY,
    )
    .ok()?;
    let mut statement = db
        .prepare("SELECT thread_id FROM thread_read_receipts WHERE first_unread_turn IS NOT NULL")
        .ok()?;
    let ids = statement
        .query_map([], |row| row.get::<_, String>(0))
        .ok()?
        .collect::<Result<_, _>>()
        .ok()?;
    Some(ids)
}

fn db_previews(home: &Path) -> Option<std::collections::HashMap<String, String>> {
    let path = home.join("state_5.sqlite");
    if !path.exists() {
        return None;
    }
    let connection = rusqlite::Connection::open(path).unwrap();
    let mut statement = connection
        .prepare("SELECT id, preview FROM threads")
        .unwrap();
    let rows = statement
        .query_map([], |row| Ok((row.get(0)?, row.get(1)?)))
        .unwrap();
    Some(rows.map(Result::unwrap).collect())
}

#[tokio::test]
async fn names_set_by_codex_show_and_resolve() {
    for version in RELEASES {
        let home = RecordedHome::copy(version);
        let manager = home.manager();
        let named = home.thread("app_server_named");
        let thread = manager
            .read_thread(ReadThreadParams {
                thread_id: named,
                include_archived: true,
                include_history: false,
            })
            .await
            .unwrap();
        assert_eq!(
            thread.name.as_deref(),
            Some("Named by Codex"),
            "Codex {version}"
        );
        assert_eq!(
            manager.resolve_thread("Named by Codex").await.unwrap(),
            named,
            "Codex {version}: lookup by name"
        );
        let tui = home.thread("tui");
        let prefix = &tui.to_string()[..20];
        assert_eq!(
            manager.resolve_thread(prefix).await.unwrap(),
            tui,
            "Codex {version}: lookup by prefix"
        );
    }
}

#[tokio::test]
async fn histories_fold_into_messages_reasoning_commands_and_patches() {
    for version in RELEASES {
        let home = RecordedHome::copy(version);
        let manager = home.manager();
        for (scenario, id) in home.scenarios() {
            let transcript = transcript(&manager, id).await;
            let kinds = kinds(&transcript);
            assert!(
                !kinds.contains(&"Skipped"),
                "Codex {version}: {scenario} has skipped lines: {:?}",
                transcript.items()
            );
            assert!(
                kinds.contains(&"User") && kinds.contains(&"Assistant"),
                "Codex {version}: {scenario}: {kinds:?}"
            );
            // Codex writes each message twice; it shows once.
            let users = kinds.iter().filter(|k| **k == "User").count();
            let turns = kinds.iter().filter(|k| **k == "TurnEnded").count();
            assert_eq!(users, turns, "Codex {version}: {scenario}: {kinds:?}");
        }

        let reasoning = transcript(&manager, home.thread("exec_reasoning")).await;
        assert!(
            kinds(&reasoning).contains(&"Reasoning"),
            "Codex {version}: no reasoning"
        );
        let shell = transcript(&manager, home.thread("exec_shell")).await;
        let outputs: Vec<String> = shell
            .items()
            .iter()
            .filter_map(|item| match &item.kind {
                ItemKind::Command {
                    outcome: Some(outcome),
                    ..
                } => Some(outcome.output.clone()),
                _ => None,
            })
            .collect();
        assert!(
            outputs.iter().any(|o| o.contains("alpha\nbeta")),
            "Codex {version}: command output {outputs:?}"
        );
        let patch = transcript(&manager, home.thread("exec_apply_patch")).await;
        let files = patch
            .items()
            .iter()
            .flat_map(|item| match &item.kind {
                ItemKind::Patch { files, .. } => files.iter().map(|f| f.path.clone()).collect(),
                _ => Vec::new(),
            })
            .collect::<Vec<_>>();
        assert!(
            files.iter().any(|f| f.ends_with("notes.txt")),
            "Codex {version}: patch files {files:?}: {:?}",
            patch.items()
        );
    }
}

#[tokio::test]
async fn search_finds_user_words_and_command_output_once() {
    for version in RELEASES {
        let home = RecordedHome::copy(version);
        let manager = home.manager();
        let hits = search(&manager, "Grüße").await;
        let odd = home.thread("exec_odd_cwd");
        // The mock model's answer quotes the prompt; the prompt itself is found once.
        let in_prompt: Vec<_> = hits
            .iter()
            .filter(|h| h.thread_id == odd && !h.kind.contains("assistant"))
            .collect();
        assert_eq!(
            in_prompt.len(),
            1,
            "Codex {version}: the prompt is found once: {hits:?}"
        );

        let hits = search(&manager, "README.md").await;
        assert!(
            hits.iter()
                .any(|h| h.thread_id == home.thread("exec_shell")),
            "Codex {version}: command output searched: {hits:?}"
        );
    }
}

fn db_row(home: &Path, id: ThreadId) -> (Option<String>, Option<String>, Option<String>, i64) {
    let connection = rusqlite::Connection::open(home.join("state_5.sqlite")).unwrap();
    connection
        .query_row(
            "SELECT name, title, memory_mode, updated_at_ms FROM threads WHERE id = ?",
            [id.to_string()],
            |row| Ok((row.get(0)?, row.get(1)?, row.get(2)?, row.get(3)?)),
        )
        .unwrap()
}

fn rollout_of(home: &Path, id: ThreadId) -> PathBuf {
    let mut found = Vec::new();
    let mut stack = vec![home.join("sessions"), home.join("archived_sessions")];
    while let Some(dir) = stack.pop() {
        for entry in std::fs::read_dir(&dir).into_iter().flatten().flatten() {
            let path = entry.path();
            if path.is_dir() {
                stack.push(path);
            } else if path.to_string_lossy().contains(&id.to_string()) {
                found.push(path);
            }
        }
    }
    assert_eq!(found.len(), 1, "{found:?}");
    found.remove(0)
}

async fn edit(manager: &ThreadManager, id: ThreadId, patch: ThreadMetadataPatch) -> StoredThread {
    manager
        .update_thread_metadata(id, patch, true)
        .await
        .unwrap()
}

#[tokio::test]
async fn edits_of_a_paginated_thread_go_to_the_db_and_never_to_its_rollout() {
    for version in ["0.169.0", "0.147.0"] {
        let home = RecordedHome::copy(version);
        let manager = home.manager();
        let id = home.thread("tui");
        let rollout = rollout_of(&home.path, id);
        let before = std::fs::read(&rollout).unwrap();
        let modified = std::fs::metadata(&rollout).unwrap().modified().unwrap();
        let (_, title, _, updated_ms) = db_row(&home.path, id);

        let renamed = edit(
            &manager,
            id,
            ThreadMetadataPatch {
                name: Some(Some("Our name".to_string())),
                ..ThreadMetadataPatch::default()
            },
        )
        .await;
        assert_eq!(renamed.name.as_deref(), Some("Our name"), "Codex {version}");
        let disabled = edit(
            &manager,
            id,
            ThreadMetadataPatch {
                memory_mode: Some(codex_threads::protocol::ThreadMemoryMode::Disabled),
                ..ThreadMetadataPatch::default()
            },
        )
        .await;
        assert_eq!(
            disabled.memory_mode,
            codex_threads::protocol::ThreadMemoryMode::Disabled
        );
        let row = db_row(&home.path, id);
        assert_eq!(
            row.0.as_deref(),
            Some("Our name"),
            "Codex {version}: name column"
        );
        assert_eq!(
            row.1, title,
            "Codex {version}: title keeps the derived title"
        );
        assert_eq!(row.2.as_deref(), Some("disabled"), "Codex {version}");
        // Codex nudges the update time by a millisecond an edit; the thread keeps its place.
        assert_eq!(
            row.3,
            updated_ms + 2,
            "Codex {version}: the thread keeps its place"
        );
        let index = std::fs::read_to_string(home.path.join("session_index.jsonl")).unwrap();
        assert!(index.contains("Our name"), "Codex {version}: {index}");

        let cleared = edit(
            &manager,
            id,
            ThreadMetadataPatch {
                name: Some(None),
                ..ThreadMetadataPatch::default()
            },
        )
        .await;
        assert_eq!(cleared.name, None, "Codex {version}");
        assert_eq!(db_row(&home.path, id).0, None, "Codex {version}");

        assert_eq!(
            std::fs::read(&rollout).unwrap(),
            before,
            "Codex {version}: the paginated rollout was written to"
        );
        assert_eq!(
            std::fs::metadata(&rollout).unwrap().modified().unwrap(),
            modified
        );
    }
}

#[tokio::test]
async fn a_thread_of_an_unknown_history_mode_is_not_edited() {
    let home = RecordedHome::copy("0.169.0");
    let id = home.thread("exec_shell");
    let rollout = rollout_of(&home.path, id);
    let text = std::fs::read_to_string(&rollout).unwrap();
    let changed = text.replacen(
        "\"history_mode\":\"paginated\"",
        "\"history_mode\":\"chunked\"",
        1,
    );
    assert_ne!(text, changed);
    std::fs::write(&rollout, &changed).unwrap();
    let manager = home.manager();
    let err = manager
        .update_thread_metadata(
            id,
            ThreadMetadataPatch {
                name: Some(Some("x".to_string())),
                ..ThreadMetadataPatch::default()
            },
            true,
        )
        .await
        .unwrap_err();
    assert!(err.to_string().contains("chunked"), "{err}");
    assert_eq!(std::fs::read_to_string(&rollout).unwrap(), changed);
    assert_eq!(db_row(&home.path, id).0, None);
    let index = std::fs::read_to_string(home.path.join("session_index.jsonl")).unwrap();
    assert!(!index.contains(&id.to_string()));
}

/// Rows mentioning `id` in each thread table of Codex's state and history DBs.
fn thread_rows(home: &Path, id: ThreadId) -> Vec<(&'static str, i64)> {
    let tables = [
        ("state_5.sqlite", "threads", "id"),
        ("state_5.sqlite", "thread_read_receipts", "thread_id"),
        (
            "thread_history_1.sqlite",
            "thread_history_projection_state",
            "thread_id",
        ),
        ("thread_history_1.sqlite", "thread_turns", "thread_id"),
        ("thread_history_1.sqlite", "thread_items", "thread_id"),
    ];
    tables
        .iter()
        .map(|(file, table, column)| {
            let connection = rusqlite::Connection::open(home.join(file)).unwrap();
            let count = connection
                .query_row(
                    &format!("SELECT COUNT(*) FROM {table} WHERE {column} = ?1"),
                    [id.to_string()],
                    |row| row.get(0),
                )
                .unwrap();
            (*table, count)
        })
        .collect()
}

#[tokio::test]
async fn deleting_a_paginated_thread_clears_what_codex_clears_and_trashes_the_rollout() {
    let home = RecordedHome::copy("0.169.0");
    let trash = home.path.parent().unwrap().join("Trash");
    let manager = ThreadManager::new(Arc::new(LocalThreadStore::open(
        &home.path,
        LocalStoreOptions {
            trash_dir: Some(trash.clone()),
            ..LocalStoreOptions::default()
        },
    )));
    let named = home.thread("app_server_named");
    let archived = home.thread("app_server_archived");
    let other = home.thread("exec_shell");
    let before_other = thread_rows(&home.path, other);
    assert!(
        before_other.iter().all(|(_, count)| *count > 0),
        "{before_other:?}"
    );

    for id in [named, archived] {
        assert!(
            thread_rows(&home.path, id)
                .iter()
                .all(|(_, count)| *count > 0)
        );
        let rollout = rollout_of(&home.path, id);
        let contents = std::fs::read(&rollout).unwrap();
        let deleted = manager.delete_thread(id).await.unwrap();
        let name = rollout.file_name().unwrap();
        assert_eq!(deleted.trashed, vec![trash.join("files").join(name)]);
        assert_eq!(std::fs::read(&deleted.trashed[0]).unwrap(), contents);
        assert!(!rollout.exists());
        let info = trash
            .join("info")
            .join(format!("{}.trashinfo", name.to_string_lossy()));
        assert!(std::fs::read_to_string(info).unwrap().contains("Path=/"));
        let left = thread_rows(&home.path, id);
        assert!(left.iter().all(|(_, count)| *count == 0), "{left:?}");
    }
    let index = std::fs::read_to_string(home.path.join("session_index.jsonl")).unwrap();
    assert!(!index.contains(&named.to_string()), "{index}");
    assert_eq!(thread_rows(&home.path, other), before_other);
    for archived_list in [false, true] {
        let listed = list_all(&manager, archived_list).await;
        assert!(
            listed
                .iter()
                .all(|t| t.thread_id != named && t.thread_id != archived)
        );
        // The other threads stay (the archived one was the only archived thread).
        assert_eq!(listed.is_empty(), archived_list);
    }
}
