//! Metadata-sync rules and LiveThread ordering, over the in-memory store.

use std::sync::Arc;
use std::time::{Duration, Instant};

use serde_json::json;

use super::*;
use crate::protocol::time::now_millis;
use crate::protocol::*;
use crate::store::memory::InMemoryThreadStore;
use crate::store::*;

fn event(value: serde_json::Value) -> RolloutItem {
    RolloutItem::EventMsg(EventMsg::decode(&value))
}

fn user_message(text: &str) -> RolloutItem {
    event(json!({"type":"user_message","message":text,"local_images":[],"text_elements":[]}))
}

fn agent_message(text: &str) -> RolloutItem {
    event(json!({"type":"agent_message","message":text,"phase":null}))
}

fn token_count(total: i64) -> RolloutItem {
    event(
        json!({"type":"token_count","info":{"total_token_usage":{"total_tokens":total},
        "last_token_usage":{"total_tokens":1},"model_context_window":1000},"rate_limits":null}),
    )
}

fn turn_context(cwd: &str, model: &str) -> RolloutItem {
    RolloutItem::TurnContext(TurnContextItem {
        turn_id: None,
        cwd: cwd.into(),
        approval_policy: json!("on-request"),
        sandbox_policy: json!({"type":"read-only"}),
        model: model.into(),
        effort: Some("high".into()),
        summary: json!("auto"),
    })
}

fn create_params(id: ThreadId) -> CreateThreadParams {
    CreateThreadParams::new(id, "/nonexistent/project")
}

#[test]
fn create_defers_until_history_exists() {
    let id = ThreadId::new();
    let sync = ThreadMetadataSync::for_create(&create_params(id), None, now_millis());
    assert!(sync.take_pending_update_for_existing_history().is_none());
    let pending = sync
        .take_pending_update()
        .expect("create facts are pending");
    assert_eq!(pending.generation, 1);
    assert_eq!(
        pending.patch.cwd.as_deref(),
        Some("/nonexistent/project".as_ref())
    );
    assert_eq!(pending.patch.memory_mode, Some(ThreadMemoryMode::Enabled));
}

#[test]
fn user_messages_set_preview_and_title_once_and_goal_wins_preview() {
    let id = ThreadId::new();
    let mut sync = ThreadMetadataSync::for_resume(id, None);
    let goal = event(
        json!({"type":"thread_goal_updated","thread_id":id,"turn_id":"t",
        "goal":{"objective":"  Ship v2  "}}),
    );
    let now = now_millis();
    let first = sync
        .observe_appended_items(
            &[
                goal,
                user_message("## My request for Codex:\nfix login"),
                user_message("later"),
            ],
            now,
            Instant::now(),
        )
        .unwrap();
    assert_eq!(first.patch.preview.as_deref(), Some("Ship v2"));
    assert_eq!(first.patch.first_user_message.as_deref(), Some("fix login"));
    assert_eq!(first.patch.title.as_deref(), Some("fix login"));
    sync.mark_pending_update_applied(&first, Instant::now());
    let second = sync
        .observe_appended_items(&[user_message("another")], now, Instant::now())
        .unwrap();
    assert_eq!(second.patch.title, None);
    assert_eq!(second.patch.first_user_message, None);
}

#[test]
fn session_meta_of_another_thread_is_ignored_and_own_copy_sets_memory_mode() {
    let id = ThreadId::new();
    let mut sync = ThreadMetadataSync::for_resume(id, None);
    let mut fork_source = SessionMeta::new(
        ThreadId::new(),
        "2026-01-01T00:00:00.000Z".into(),
        "/other".into(),
    );
    fork_source.memory_mode = Some("disabled".into());
    let mut own = SessionMeta::new(id, "2026-02-01T00:00:00.000Z".into(), "/mine".into());
    own.memory_mode = Some("disabled".into());
    let pending = sync
        .observe_appended_items(
            &[RolloutItem::SessionMeta(fork_source)],
            now_millis(),
            Instant::now(),
        )
        .unwrap();
    assert_eq!(pending.patch.cwd, None);
    assert_eq!(pending.patch.memory_mode, None);
    let pending = sync
        .observe_appended_items(
            &[RolloutItem::SessionMeta(own), turn_context("/ctx", "gpt-5")],
            now_millis(),
            Instant::now(),
        )
        .unwrap();
    assert_eq!(
        pending.patch.cwd.as_deref(),
        Some("/mine".as_ref()),
        "meta cwd beats turn context"
    );
    assert_eq!(pending.patch.memory_mode, Some(ThreadMemoryMode::Disabled));
    assert_eq!(pending.patch.model.as_deref(), Some("gpt-5"));
    assert_eq!(pending.patch.reasoning_effort.as_deref(), Some("high"));
    assert_eq!(
        pending.patch.created_at.unwrap().to_rfc3339(),
        "2026-02-01T00:00:00+00:00"
    );
}

#[test]
fn bare_touches_are_throttled_to_one_per_interval() {
    let id = ThreadId::new();
    let mut sync = ThreadMetadataSync::for_resume(id, None);
    let start = Instant::now();
    let first = sync
        .observe_appended_items(&[agent_message("a")], now_millis(), start)
        .expect("the first touch is written");
    sync.mark_pending_update_applied(&first, start);
    let soon = start + Duration::from_secs(1);
    assert!(
        sync.observe_appended_items(&[agent_message("b")], now_millis(), soon)
            .is_none()
    );
    // A metadata-bearing item is never throttled.
    let tokens = sync
        .observe_appended_items(&[token_count(42)], now_millis(), soon)
        .expect("token counts are written at once");
    assert_eq!(tokens.patch.token_usage.unwrap().total_tokens, 42);
    sync.mark_pending_update_applied(&tokens, soon);
    let later = start + Duration::from_secs(7);
    assert!(
        sync.observe_appended_items(&[agent_message("c")], now_millis(), later)
            .is_some()
    );
}

#[test]
fn a_merge_after_taking_keeps_the_newer_data_pending() {
    let id = ThreadId::new();
    let mut sync = ThreadMetadataSync::for_resume(id, None);
    let taken = sync
        .observe_appended_items(&[token_count(1)], now_millis(), Instant::now())
        .unwrap();
    sync.merge_pending_update(ThreadMetadataPatch {
        model: Some("m".into()),
        ..Default::default()
    });
    sync.mark_pending_update_applied(&taken, Instant::now());
    let still = sync
        .take_pending_update()
        .expect("newer merge stays pending");
    assert_eq!(still.patch.model.as_deref(), Some("m"));
}

#[test]
fn resume_observes_history_without_a_touch_and_waits_for_an_append() {
    let id = ThreadId::new();
    let history = vec![user_message("hello"), token_count(9)];
    let sync = ThreadMetadataSync::for_resume(id, Some(&history));
    assert!(sync.take_pending_update_for_existing_history().is_none());
    let pending = sync.take_pending_update().unwrap();
    assert_eq!(pending.patch.updated_at, None);
    assert_eq!(pending.patch.preview.as_deref(), Some("hello"));
}

async fn live_thread(store: &Arc<InMemoryThreadStore>) -> LiveThread {
    let store_dyn: Arc<dyn ThreadStore> = store.clone();
    LiveThread::create(store_dyn, create_params(ThreadId::new()))
        .await
        .unwrap()
}

#[tokio::test]
async fn explicit_updates_flush_pending_derived_metadata_first() {
    let store = Arc::new(InMemoryThreadStore::new());
    let thread = live_thread(&store).await;
    thread
        .append_items(vec![user_message("first")])
        .await
        .unwrap();
    // A bare touch right after is throttled and stays pending.
    thread
        .append_items(vec![agent_message("reply")])
        .await
        .unwrap();
    let calls_before = store.calls().len();
    let renamed = thread
        .update_metadata(ThreadMetadataPatch::rename(Some("Named".into())), false)
        .await
        .unwrap();
    assert_eq!(renamed.name.as_deref(), Some("Named"));
    assert_eq!(
        store.calls()[calls_before..],
        [
            "update_thread_metadata:derived".to_string(),
            "update_thread_metadata:explicit".to_string()
        ]
    );
}

#[tokio::test]
async fn appends_write_history_then_metadata_and_notify_subscribers() {
    let store = Arc::new(InMemoryThreadStore::new());
    let thread = live_thread(&store).await;
    let mut appended = thread.subscribe();
    thread
        .append_items(vec![
            user_message("hi"),
            event(json!({"type":"agent_message_delta","delta":"h"})),
        ])
        .await
        .unwrap();
    let calls = store.calls();
    let append_at = calls
        .iter()
        .position(|c| c == "append_items:1")
        .expect("delta dropped by policy");
    assert_eq!(calls[append_at + 1], "update_thread_metadata:derived");
    let items = appended.try_recv().unwrap();
    assert_eq!(items.len(), 1);
    let stored = thread.read_thread(false, false).await.unwrap();
    assert_eq!(stored.preview, "hi");
    assert_eq!(stored.cwd.to_str(), Some("/nonexistent/project"));
}

#[tokio::test]
async fn a_dropped_init_guard_discards_the_writer() {
    let store = Arc::new(InMemoryThreadStore::new());
    let thread = live_thread(&store).await;
    drop(LiveThreadInitGuard::new(thread));
    for _ in 0..100 {
        if store.calls().iter().any(|c| c == "discard_thread") {
            return;
        }
        tokio::task::yield_now().await;
    }
    panic!("discard_thread was never called: {:?}", store.calls());
}

#[tokio::test]
async fn a_committed_init_guard_keeps_the_writer() {
    let store = Arc::new(InMemoryThreadStore::new());
    let thread = live_thread(&store).await;
    let kept = LiveThreadInitGuard::new(thread).commit().unwrap();
    kept.shutdown().await.unwrap();
    assert!(!store.calls().iter().any(|c| c == "discard_thread"));
    assert_eq!(store.calls().last().unwrap(), "shutdown_thread");
}
