//! The bundled demo home reads like a real Codex home, and the scripted live session writes a
//! real, growing rollout through the manager.

use std::collections::BTreeSet;
use std::future::Future;
use std::path::{Path, PathBuf};
use std::sync::Arc;
use std::time::{Duration, Instant};

use chrono::{DateTime, Utc};
use codex_threads::demo::{
    DemoHome, LIVE_SESSION_PROMPT, LiveSession, RICH_THREAD_ID, play_live_session,
};
use codex_threads::manager::ThreadManager;
use codex_threads::protocol::time::{now_millis, parse_timestamp};
use codex_threads::protocol::{
    ContentItem, DecodeError, EventMsg, ResponseItem, RolloutItem, RolloutLine, ThreadId,
    ThreadMemoryMode,
};
use codex_threads::rollout::CodexHome;
use codex_threads::store::local::{LocalStoreOptions, LocalThreadStore};
use codex_threads::store::{ListThreadsParams, ReadThreadParams, SortKey, StoredThread};

const RENAMED_THREAD_ID: &str = "019e1c90-ff30-7dae-aeb9-75729fae923d";
const LEGACY_RENAMED_THREAD_ID: &str = "019dd2f1-9a6e-7a4c-9123-b1612dd272d1";
const MEMORY_DISABLED_THREAD_ID: &str = "019e223d-6d47-74fd-b12a-abfe228f219e";
const GOAL_FIRST_THREAD_ID: &str = "019e25d2-7c02-7b0e-ab53-f16947ccf25e";
const NEWEST_THREAD_ID: &str = "019e2b16-aed9-7a13-b043-b026c48bbf33";

/// A cwd no bundled thread uses, so the live session's thread is easy to find.
const LIVE_CWD: &str = "/home/demo/src/live-demo";

const DEADLINE: Duration = Duration::from_secs(30);

fn id(text: &str) -> ThreadId {
    text.parse().expect("a valid thread id")
}

fn open_demo() -> (DemoHome, Arc<ThreadManager>) {
    let demo = DemoHome::create().expect("the demo home is created");
    let store = LocalThreadStore::open(demo.path(), LocalStoreOptions::default());
    (demo, Arc::new(ThreadManager::new(Arc::new(store))))
}

async fn list(manager: &ThreadManager, params: ListThreadsParams) -> Vec<StoredThread> {
    let params = ListThreadsParams {
        page_size: 0,
        ..params
    };
    manager.list_threads(params).await.expect("listing").items
}

async fn read(manager: &ThreadManager, thread_id: ThreadId) -> StoredThread {
    manager
        .read_thread(ReadThreadParams {
            thread_id,
            include_archived: true,
            include_history: false,
        })
        .await
        .expect("the thread reads")
}

/// Every rollout of the demo home, active and archived.
fn demo_rollouts(demo: &DemoHome) -> Vec<PathBuf> {
    let home = CodexHome::new(demo.path());
    [false, true]
        .into_iter()
        .flat_map(|archived| home.discover_rollouts(archived).expect("discovery"))
        .map(|file| file.path)
        .collect()
}

fn rollout_of(demo: &DemoHome, thread_id: &str) -> PathBuf {
    demo_rollouts(demo)
        .into_iter()
        .find(|path| path.to_string_lossy().contains(thread_id))
        .unwrap_or_else(|| panic!("no rollout for {thread_id}"))
}

fn decoded_items(path: &Path) -> Vec<RolloutItem> {
    std::fs::read_to_string(path)
        .expect("the rollout reads")
        .lines()
        .filter_map(|line| RolloutLine::decode(line).ok())
        .map(|line| line.item)
        .collect()
}

/// Polls `probe` until it yields a value, failing the test at the deadline.
async fn eventually<T, Fut>(what: &str, mut probe: impl FnMut() -> Fut) -> T
where
    Fut: Future<Output = Option<T>>,
{
    let deadline = Instant::now() + DEADLINE;
    loop {
        if let Some(value) = probe().await {
            return value;
        }
        assert!(Instant::now() < deadline, "timed out waiting for {what}");
        tokio::time::sleep(Duration::from_millis(5)).await;
    }
}

#[tokio::test]
async fn the_demo_home_lists_seven_active_and_one_archived_thread() {
    let (_demo, manager) = open_demo();
    let active = list(&manager, ListThreadsParams::default()).await;
    let archived = list(
        &manager,
        ListThreadsParams {
            archived: true,
            ..Default::default()
        },
    )
    .await;
    assert_eq!(active.len(), 7);
    assert_eq!(archived.len(), 1);
    assert!(archived[0].archived);
    let cwds: BTreeSet<PathBuf> = active.iter().map(|thread| thread.cwd.clone()).collect();
    let expected: BTreeSet<PathBuf> = ["/home/demo/src/api", "/home/demo/src/widget"]
        .into_iter()
        .map(PathBuf::from)
        .collect();
    assert_eq!(cwds, expected);
    let with_git = active.iter().filter(|thread| thread.git_info.is_some());
    assert_eq!(with_git.count(), 7);
}

#[tokio::test]
async fn sorting_by_updated_follows_each_rollouts_last_line() {
    let (demo, manager) = open_demo();
    let by_updated = list(
        &manager,
        ListThreadsParams {
            sort_key: SortKey::UpdatedAt,
            ..Default::default()
        },
    )
    .await;
    assert_eq!(by_updated[0].thread_id, id(NEWEST_THREAD_ID));
    assert_eq!(by_updated[6].thread_id, id(LEGACY_RENAMED_THREAD_ID));
    for path in demo_rollouts(&demo) {
        let text = std::fs::read_to_string(&path).unwrap();
        let last = RolloutLine::decode(text.lines().last().unwrap()).unwrap();
        let modified: DateTime<Utc> = std::fs::metadata(&path).unwrap().modified().unwrap().into();
        assert_eq!(
            Some(modified),
            parse_timestamp(&last.timestamp),
            "{}",
            path.display()
        );
    }
}

#[tokio::test]
async fn the_demo_is_dated_as_a_users_own_home_the_newest_minutes_ago() {
    let (demo, manager) = open_demo();
    let now = Utc::now();
    let mut threads = list(&manager, ListThreadsParams::default()).await;
    threads.extend(
        list(
            &manager,
            ListThreadsParams {
                archived: true,
                ..Default::default()
            },
        )
        .await,
    );
    let newest = threads
        .iter()
        .map(|thread| thread.updated_at)
        .max()
        .unwrap();
    let oldest = threads
        .iter()
        .map(|thread| thread.created_at)
        .min()
        .unwrap();
    let newest_age = now - newest;
    assert!(
        newest_age >= chrono::TimeDelta::minutes(1) && newest_age <= chrono::TimeDelta::minutes(10),
        "the newest thread was updated {newest_age} ago"
    );
    let span = now - oldest;
    assert!(
        span >= chrono::TimeDelta::days(7) && span <= chrono::TimeDelta::days(60),
        "the oldest thread is {span} old: the past weeks"
    );
    for thread in &threads {
        assert!(
            thread.created_at <= thread.updated_at,
            "{}",
            thread.thread_id
        );
        assert!(
            thread.updated_at < now,
            "{}: nothing in the future",
            thread.thread_id
        );
    }
    // The rollouts sit in the day directories of their (moved) start, as Codex puts them.
    for path in demo_rollouts(&demo) {
        let name = path.file_name().unwrap().to_str().unwrap();
        let (year, month, day) = (&name[8..12], &name[13..15], &name[16..18]);
        if path.to_string_lossy().contains("/sessions/") {
            assert!(
                path.parent()
                    .unwrap()
                    .ends_with(format!("{year}/{month}/{day}")),
                "{}",
                path.display()
            );
        }
    }
}

#[tokio::test]
async fn renamed_threads_carry_their_names() {
    let (_demo, manager) = open_demo();
    let renamed = read(&manager, id(RENAMED_THREAD_ID)).await;
    assert_eq!(renamed.name.as_deref(), Some("Rate limiter design"));
    assert_eq!(renamed.title(), "Rate limiter design");
    let legacy = read(&manager, id(LEGACY_RENAMED_THREAD_ID)).await;
    assert_eq!(legacy.name.as_deref(), Some("Release checklist 0.4"));
}

#[tokio::test]
async fn the_memory_disabled_thread_reads_as_disabled_and_keeps_its_git_facts() {
    let (_demo, manager) = open_demo();
    let disabled = read(&manager, id(MEMORY_DISABLED_THREAD_ID)).await;
    assert_eq!(disabled.memory_mode, ThreadMemoryMode::Disabled);
    // The metadata copy has no git: that means "unchanged", not "removed".
    assert!(disabled.git_info.is_some());
    let others = list(&manager, ListThreadsParams::default()).await;
    let enabled = others
        .iter()
        .filter(|thread| thread.memory_mode == ThreadMemoryMode::Enabled);
    assert_eq!(enabled.count(), 6);
}

#[tokio::test]
async fn the_goal_first_thread_previews_its_objective() {
    let (_demo, manager) = open_demo();
    let goal_first = read(&manager, id(GOAL_FIRST_THREAD_ID)).await;
    assert_eq!(
        goal_first.preview,
        "Make `cargo clippy --all-targets -- -D warnings` pass on widget"
    );
}

#[test]
fn every_demo_line_decodes_but_the_one_deliberately_broken_line() {
    let demo = DemoHome::create().unwrap();
    let mut failures = Vec::new();
    let mut decoded = 0;
    for path in demo_rollouts(&demo) {
        let text = std::fs::read_to_string(&path).unwrap();
        for line in text.lines() {
            match RolloutLine::decode(line) {
                Ok(_) => decoded += 1,
                Err(err) => failures.push((path.clone(), err)),
            }
        }
    }
    assert!(decoded > 150, "only {decoded} lines decoded");
    assert_eq!(failures.len(), 1, "{failures:?}");
    let (path, err) = &failures[0];
    assert!(path.to_string_lossy().contains(RICH_THREAD_ID));
    assert!(matches!(err, DecodeError::InvalidJson(_)));
}

/// A label per item kind the history view renders differently.
fn kind_label(item: &RolloutItem) -> String {
    match item {
        RolloutItem::ResponseItem(response) => {
            let kind = response.encode()["type"].as_str().unwrap_or("").to_string();
            format!("response_item/{kind}")
        }
        RolloutItem::EventMsg(event) => format!("event_msg/{}", event.kind()),
        other => other.kind().to_string(),
    }
}

#[test]
fn the_rich_thread_has_every_item_kind_the_history_view_renders() {
    let demo = DemoHome::create().unwrap();
    let items = decoded_items(&rollout_of(&demo, RICH_THREAD_ID));
    let labels: BTreeSet<String> = items.iter().map(kind_label).collect();
    for expected in [
        "session_meta",
        "turn_context",
        "compacted",
        "world_state",
        "response_item/message",
        "response_item/reasoning",
        "response_item/function_call",
        "response_item/function_call_output",
        "response_item/local_shell_call",
        "response_item/custom_tool_call",
        "response_item/custom_tool_call_output",
        "response_item/web_search_call",
        "event_msg/user_message",
        "event_msg/agent_message",
        "event_msg/agent_reasoning",
        "event_msg/token_count",
        "event_msg/task_started",
        "event_msg/task_complete",
        "event_msg/turn_aborted",
        "event_msg/thread_rolled_back",
        "event_msg/mcp_tool_call_end",
        "event_msg/web_search_end",
        "event_msg/patch_apply_end",
        "event_msg/context_compacted",
    ] {
        assert!(labels.contains(expected), "missing {expected}: {labels:?}");
    }
}

fn responses(items: &[RolloutItem]) -> impl Iterator<Item = &ResponseItem> {
    items.iter().filter_map(|item| match item {
        RolloutItem::ResponseItem(response) => Some(response),
        _ => None,
    })
}

fn events(items: &[RolloutItem]) -> impl Iterator<Item = &EventMsg> {
    items.iter().filter_map(|item| match item {
        RolloutItem::EventMsg(event) => Some(event),
        _ => None,
    })
}

#[test]
fn the_rich_threads_items_have_the_content_each_view_needs() {
    let demo = DemoHome::create().unwrap();
    let path = rollout_of(&demo, RICH_THREAD_ID);
    let items = decoded_items(&path);
    let messages: Vec<_> = responses(&items)
        .filter_map(|item| match item {
            ResponseItem::Message(message) => Some(message),
            _ => None,
        })
        .collect();
    assert!(
        messages
            .iter()
            .any(|message| message.text().starts_with("<environment_context>"))
    );
    assert!(messages.iter().any(|message| {
        message
            .content
            .iter()
            .any(|part| matches!(part, ContentItem::InputImage { .. }))
    }));
    let markdown = messages
        .iter()
        .find(|message| message.phase.as_deref() == Some("final_answer"))
        .map(|message| message.text())
        .unwrap();
    for marker in ["## ", "\n- ", "```rust\n", "`parse_size`"] {
        assert!(markdown.contains(marker), "no {marker:?} in {markdown}");
    }

    let reasoning = responses(&items).find_map(|item| match item {
        ResponseItem::Reasoning(reasoning) => Some(reasoning),
        _ => None,
    });
    let reasoning = reasoning.unwrap();
    assert!(!reasoning.summary.is_empty() && reasoning.encrypted_content.is_some());

    let call_names: BTreeSet<&str> = responses(&items)
        .filter_map(|item| match item {
            ResponseItem::FunctionCall(call) => Some(call.name.as_str()),
            _ => None,
        })
        .collect();
    assert!(call_names.contains("exec_command") && call_names.contains("update_plan"));

    let outputs: Vec<String> = responses(&items)
        .filter_map(|item| match item {
            ResponseItem::FunctionCallOutput(output) => Some(output.output_text()),
            _ => None,
        })
        .collect();
    assert!(outputs.iter().any(|output| {
        output.contains("Process exited with code 0") && output.lines().count() > 17
    }));
    let failed = outputs
        .iter()
        .find(|output| output.contains("Process exited with code 1\n"))
        .unwrap();
    assert!(failed.contains("\u{1b}]52;c;aGk=\u{7}") && failed.contains("\u{1b}[2J"));

    let patch = responses(&items)
        .find_map(|item| match item {
            ResponseItem::CustomToolCall(call) if call.name == "apply_patch" => Some(&call.input),
            _ => None,
        })
        .unwrap();
    assert!(patch.matches("\n@@").count() >= 3);
    assert!(patch.contains("\n+") && patch.contains("\n-") && patch.contains("*** Add File: "));

    let complete = events(&items).find_map(|event| match event {
        EventMsg::TaskComplete(complete) => complete.duration_ms,
        _ => None,
    });
    assert!(complete.is_some());

    // The escapes are JSON escapes in the file, never raw control bytes.
    let raw = std::fs::read_to_string(&path).unwrap();
    assert!(raw.contains(r"\u001b]52;c;aGk=\u0007\u001b[2J"));
    assert!(!raw.contains('\u{1b}') && !raw.contains('\u{7}'));
}

#[test]
fn the_banner_says_the_real_home_is_untouched() {
    let demo = DemoHome::create().unwrap();
    assert!(demo.banner().contains("~/.codex"));
    let path = demo.path().to_path_buf();
    drop(demo);
    assert!(!path.exists(), "the temporary home is removed on drop");
}

/// The live session's thread, once it is listed.
async fn live_session_thread(manager: &ThreadManager) -> StoredThread {
    eventually("the live thread to be listed", || async {
        let params = ListThreadsParams {
            cwd_filters: Some(vec![PathBuf::from(LIVE_CWD)]),
            ..Default::default()
        };
        list(manager, params).await.into_iter().next()
    })
    .await
}

fn first_line(path: &Path) -> RolloutLine {
    let text = std::fs::read_to_string(path).unwrap();
    RolloutLine::decode(text.lines().next().unwrap()).unwrap()
}

fn completed_turns(items: &[RolloutItem]) -> usize {
    events(items)
        .filter(|event| matches!(event, EventMsg::TaskComplete(_)))
        .count()
}

#[tokio::test]
async fn the_live_session_writes_a_whole_scripted_thread_and_unloads_it() {
    let (_demo, manager) = open_demo();
    let session = play_live_session(
        manager.clone(),
        PathBuf::from(LIVE_CWD),
        Duration::from_millis(1),
    );
    tokio::time::timeout(DEADLINE, session)
        .await
        .expect("the session ends within the deadline")
        .expect("the session succeeds");

    let thread = live_session_thread(&manager).await;
    assert_eq!(thread.preview, LIVE_SESSION_PROMPT);
    assert!(thread.tokens_used() > 0);
    assert!(manager.live_thread(thread.thread_id).is_none());
    let path = thread.rollout_path.expect("a rollout path");
    let RolloutItem::SessionMeta(meta) = first_line(&path).item else {
        panic!("the first line is not a session_meta");
    };
    assert_eq!(meta.id, thread.thread_id);
    assert_eq!(completed_turns(&decoded_items(&path)), 20);
}

#[tokio::test]
async fn the_live_session_is_live_while_it_runs_and_stops_cleanly_when_aborted() {
    let (_demo, manager) = open_demo();
    let session = LiveSession::new(Duration::from_millis(1)).with_max_turns(1_000);
    let task = tokio::spawn(session.play(manager.clone(), PathBuf::from(LIVE_CWD)));

    let thread = live_session_thread(&manager).await;
    assert_eq!(thread.preview, LIVE_SESSION_PROMPT);
    assert!(manager.is_live(&thread, now_millis()));
    assert!(manager.live_thread(thread.thread_id).is_some());
    let path = thread.rollout_path.clone().unwrap();
    eventually("a second turn", || async {
        (completed_turns(&decoded_items(&path)) >= 2).then_some(())
    })
    .await;

    task.abort();
    assert!(task.await.unwrap_err().is_cancelled());
    eventually("the aborted thread to be unloaded", || async {
        manager
            .live_thread(thread.thread_id)
            .is_none()
            .then_some(())
    })
    .await;
    let text = std::fs::read_to_string(&path).unwrap();
    assert!(text.ends_with('\n'), "only whole lines were written");
    assert!(text.lines().all(|line| RolloutLine::decode(line).is_ok()));
    let store = manager.store();
    let reread = store
        .read_thread(ReadThreadParams {
            thread_id: thread.thread_id,
            include_archived: false,
            include_history: false,
        })
        .await
        .unwrap();
    assert_eq!(reread.preview, LIVE_SESSION_PROMPT);
}
