//! Live threads on the local store: `ThreadManager` + `LiveThread` over `LocalThreadStore` on a
//! real temporary Codex home (codex-format §1.1, §5, §6, §7.1).

mod common;

use std::fs;
use std::path::{Path, PathBuf};
use std::sync::Arc;
use std::time::Duration;

use codex_threads::live::LiveThreadInitGuard;
use codex_threads::manager::ThreadManager;
use codex_threads::protocol::{
    EventMsg, ResponseItem, RolloutItem, RolloutLine, ThreadId, ThreadMemoryMode,
};
use codex_threads::store::local::{LocalStoreOptions, LocalThreadStore};
use codex_threads::store::*;
use common::{SchemaVariant, TestHome, ThreadRow};
use serde_json::{Value, json};

const CWD: &str = "/nonexistent/live-project";

fn open_store(home: &TestHome) -> Arc<LocalThreadStore> {
    Arc::new(LocalThreadStore::open(
        home.path(),
        LocalStoreOptions::default(),
    ))
}

fn event(value: Value) -> RolloutItem {
    RolloutItem::EventMsg(EventMsg::decode(&value))
}

fn user_message(text: &str) -> RolloutItem {
    event(json!({"type":"user_message","message":text,"local_images":[],"text_elements":[]}))
}

fn agent_message(text: &str) -> RolloutItem {
    event(json!({"type":"agent_message","message":text,"phase":"final_answer"}))
}

fn agent_delta(text: &str) -> RolloutItem {
    event(json!({"type":"agent_message_delta","delta":text}))
}

fn exec_begin() -> RolloutItem {
    event(json!({"type":"exec_command_begin","call_id":"call_1","command":["ls"],"cwd":CWD}))
}

fn user_response(text: &str) -> RolloutItem {
    RolloutItem::ResponseItem(ResponseItem::decode(&json!({
        "type": "message",
        "role": "user",
        "content": [{"type": "input_text", "text": text}],
    })))
}

fn rollout_items(path: &Path) -> Vec<RolloutItem> {
    let text = fs::read_to_string(path).unwrap();
    assert!(text.ends_with('\n'));
    text.lines()
        .map(|line| RolloutLine::decode(line).unwrap().item)
        .collect()
}

fn index_names(home: &TestHome) -> Vec<(String, String)> {
    fs::read_to_string(home.session_index_path())
        .unwrap_or_default()
        .lines()
        .map(|line| {
            let entry: Value = serde_json::from_str(line).unwrap();
            (
                entry["id"].as_str().unwrap().to_string(),
                entry["thread_name"].as_str().unwrap().to_string(),
            )
        })
        .collect()
}

async fn read(store: &LocalThreadStore, id: ThreadId) -> StoreResult<StoredThread> {
    store
        .read_thread(ReadThreadParams {
            thread_id: id,
            include_archived: false,
            include_history: false,
        })
        .await
}

fn row_millis(home: &TestHome, id: ThreadId) -> i64 {
    home.state_db_row(id).unwrap()["updated_at_ms"]
        .as_i64()
        .unwrap()
}

#[tokio::test]
async fn the_file_appears_on_persist_with_the_meta_first_and_only_persisted_items() {
    let home = TestHome::new();
    let store = open_store(&home);
    let manager = ThreadManager::new(store.clone());
    let id = ThreadId::new();
    let thread = manager
        .start_thread(CreateThreadParams::new(id, CWD))
        .await
        .unwrap();
    let path = store
        .live_rollout_path(id)
        .expect("a live thread has a path");
    assert!(path.starts_with(home.sessions_dir()));
    assert!(
        path.file_name()
            .unwrap()
            .to_string_lossy()
            .ends_with(&format!("-{id}.jsonl"))
    );
    assert!(!path.exists());

    thread
        .append_items(vec![
            user_response("Fix the parser"),
            user_message("Fix the parser"),
            agent_delta("Wor"),
            agent_delta("king"),
            exec_begin(),
            agent_message("Working on it"),
        ])
        .await
        .unwrap();
    assert!(!path.exists(), "appends alone do not create the file");
    let early = read(&store, id).await.unwrap();
    assert_eq!(early.rollout_path.as_deref(), Some(path.as_path()));
    assert!(list_ids(&store).await.is_empty());

    thread.persist().await.unwrap();
    assert!(path.exists());
    let items = rollout_items(&path);
    let RolloutItem::SessionMeta(meta) = &items[0] else {
        panic!("first line is {}", items[0].kind());
    };
    assert_eq!(meta.id, id);
    assert_eq!(meta.cwd, CWD);
    assert_eq!(
        items[1..],
        [
            user_response("Fix the parser"),
            user_message("Fix the parser"),
            agent_message("Working on it"),
        ]
    );

    // Once the file exists, appends go straight to it, one line each.
    thread
        .append_items(vec![agent_delta("x"), agent_message("Done")])
        .await
        .unwrap();
    let items = rollout_items(&path);
    assert_eq!(items.len(), 5);
    assert_eq!(items[4], agent_message("Done"));

    let stored = read(&store, id).await.unwrap();
    assert_eq!(stored.preview, "Fix the parser");
    assert_eq!(stored.first_user_message.as_deref(), Some("Fix the parser"));
    assert_eq!(stored.cwd, PathBuf::from(CWD));
    assert_eq!(list_ids(&store).await, vec![id]);
    manager.unload_thread(id).await.unwrap();
    assert!(store.live_rollout_path(id).is_none());
    assert_eq!(rollout_items(&path).len(), 5);
}

async fn list_ids(store: &LocalThreadStore) -> Vec<ThreadId> {
    store
        .list_threads(ListThreadsParams::default())
        .await
        .unwrap()
        .items
        .iter()
        .map(|thread| thread.thread_id)
        .collect()
}

#[tokio::test]
async fn a_rename_of_a_live_thread_goes_through_it_and_flushes_pending_metadata_first() {
    let home = TestHome::new();
    home.create_state_db(SchemaVariant::Current);
    let store = open_store(&home);
    let manager = ThreadManager::new(store.clone());
    let id = ThreadId::new();
    let thread = manager
        .start_thread(CreateThreadParams::new(id, CWD))
        .await
        .unwrap();
    let path = store.live_rollout_path(id).unwrap();
    // A row as Codex would have it for this thread, so the derived updates are visible.
    home.insert_thread_row(&ThreadRow {
        id,
        rollout_path: path.clone(),
        cwd: CWD.to_string(),
        ..ThreadRow::default()
    });

    thread
        .append_items(vec![user_message("Fix the login")])
        .await
        .unwrap();
    let db = home.state_db_row(id).unwrap();
    assert_eq!(db["preview"], "Fix the login");
    assert_eq!(db["title"], "Fix the login");
    let first_touch = row_millis(&home, id);
    tokio::time::sleep(Duration::from_millis(20)).await;
    // Nothing metadata-bearing and a touch less than 5 s ago: the touch stays pending.
    thread
        .append_items(vec![agent_message("Looking")])
        .await
        .unwrap();
    assert_eq!(row_millis(&home, id), first_touch);

    let renamed = manager
        .update_thread_metadata(
            id,
            ThreadMetadataPatch::rename(Some("Login work".into())),
            false,
        )
        .await
        .unwrap();
    assert_eq!(renamed.name.as_deref(), Some("Login work"));
    assert!(
        row_millis(&home, id) > first_touch,
        "the pending touch was flushed"
    );
    assert_eq!(home.state_db_row(id).unwrap()["title"], "Login work");
    assert_eq!(
        index_names(&home),
        vec![(id.to_string(), "Login work".to_string())]
    );
    // The rename persisted the live writer before writing anything else.
    let items = rollout_items(&path);
    assert_eq!(
        items[1..],
        [user_message("Fix the login"), agent_message("Looking")]
    );
    let stored = read(&store, id).await.unwrap();
    assert_eq!(stored.name.as_deref(), Some("Login work"));
    assert_eq!(stored.preview, "Fix the login");

    // A memory-mode change lands between the live writer's lines, each line whole.
    let updated = manager
        .update_thread_metadata(
            id,
            ThreadMetadataPatch::memory_mode(ThreadMemoryMode::Disabled),
            false,
        )
        .await
        .unwrap();
    assert_eq!(updated.memory_mode, ThreadMemoryMode::Disabled);
    thread
        .append_items(vec![agent_message("After")])
        .await
        .unwrap();
    let items = rollout_items(&path);
    assert_eq!(items.len(), 5);
    let RolloutItem::SessionMeta(copy) = &items[3] else {
        panic!("line 4 is {}", items[3].kind());
    };
    assert_eq!(copy.id, id);
    assert_eq!(copy.memory_mode.as_deref(), Some("disabled"));
    assert_eq!(items[4], agent_message("After"));
    assert_eq!(home.state_db_row(id).unwrap()["memory_mode"], "disabled");
    assert_eq!(
        read(&store, id).await.unwrap().memory_mode,
        ThreadMemoryMode::Disabled
    );
}

#[tokio::test]
async fn a_dropped_init_guard_discards_the_writer_and_no_file_is_created() {
    let home = TestHome::new();
    let store = open_store(&home);
    let manager = ThreadManager::new(store.clone());
    let id = ThreadId::new();
    let thread = manager
        .start_thread(CreateThreadParams::new(id, CWD))
        .await
        .unwrap();
    let path = store.live_rollout_path(id).unwrap();
    thread
        .append_items(vec![user_message("never saved")])
        .await
        .unwrap();

    drop(LiveThreadInitGuard::new(thread));
    for _ in 0..400 {
        if store.live_rollout_path(id).is_none() {
            break;
        }
        tokio::time::sleep(Duration::from_millis(5)).await;
    }
    assert!(store.live_rollout_path(id).is_none(), "writer discarded");
    manager.unload_thread(id).await.unwrap();
    assert!(!path.exists());
    assert!(list_ids(&store).await.is_empty());
    assert!(matches!(
        read(&store, id).await,
        Err(ThreadStoreError::ThreadNotFound { .. })
    ));

    // A committed guard hands the thread over intact.
    let other = ThreadId::new();
    let thread = manager
        .start_thread(CreateThreadParams::new(other, CWD))
        .await
        .unwrap();
    let thread = LiveThreadInitGuard::new(thread).commit().unwrap();
    thread
        .append_items(vec![user_message("kept")])
        .await
        .unwrap();
    thread.persist().await.unwrap();
    assert_eq!(list_ids(&store).await, vec![other]);
}
