//! Following a rollout that another process writes: new complete lines arrive, half lines wait,
//! and a rollout that is archived or compressed ends the follow with `Moved`.

mod common;

use std::sync::Arc;
use std::time::Duration;

use codex_threads::manager::{FollowEvent, ThreadFollower, ThreadManager};
use codex_threads::store::HistoryCursor;
use codex_threads::store::local::{LocalStoreOptions, LocalThreadStore};
use common::*;

const DEADLINE: Duration = Duration::from_secs(10);

fn agent_line(text: &str) -> String {
    format!(
        "{{\"timestamp\":\"2026-05-14T10:00:00.000Z\",\"type\":\"event_msg\",\"payload\":{{\"type\":\"agent_message\",\"message\":\"{text}\",\"phase\":null}}}}\n"
    )
}

async fn next_event(follower: &mut ThreadFollower) -> FollowEvent {
    tokio::time::timeout(DEADLINE, follower.recv())
        .await
        .expect("a follow event before the deadline")
        .expect("the follower is running")
}

async fn follow_from_end(
    home: &TestHome,
    written: &WrittenThread,
) -> (ThreadManager, ThreadFollower) {
    let store = LocalThreadStore::open(home.path(), LocalStoreOptions::default());
    let manager = ThreadManager::new(Arc::new(store));
    let end = std::fs::metadata(&written.path).unwrap().len();
    let follower = manager
        .follow_thread(written.id, HistoryCursor(end), true)
        .await
        .unwrap();
    (manager, follower)
}

#[tokio::test]
async fn appended_lines_arrive_and_half_lines_wait() {
    let home = TestHome::new();
    let written = home.add_thread(&ThreadSpec::new().turn("Watch", "Ok."));
    let (_manager, mut follower) = follow_from_end(&home, &written).await;
    append_raw(&written.path, agent_line("first"));
    let FollowEvent::Lines(lines) = next_event(&mut follower).await else {
        panic!("expected lines")
    };
    assert_eq!(lines.len(), 1);
    assert!(lines[0].line.as_ref().unwrap().encode().contains("first"));
    let second = agent_line("second");
    let (head, tail) = second.split_at(40);
    append_raw(&written.path, head);
    append_raw(&written.path, tail);
    let FollowEvent::Lines(lines) = next_event(&mut follower).await else {
        panic!("expected lines")
    };
    assert_eq!(lines.len(), 1, "the half line came whole, once");
    assert!(lines[0].line.as_ref().unwrap().encode().contains("second"));
}

#[tokio::test]
async fn a_whole_line_left_without_its_newline_arrives_once_the_writer_is_quiet() {
    let home = TestHome::new();
    let written = home.add_thread(&ThreadSpec::new().turn("Watch", "Ok."));
    let (_manager, mut follower) = follow_from_end(&home, &written).await;
    // A writer that dies after writing a whole line but not its newline.
    let last = agent_line("last words");
    let written_at = std::time::Instant::now();
    append_raw(&written.path, last.trim_end());
    let FollowEvent::Lines(lines) = next_event(&mut follower).await else {
        panic!("expected lines")
    };
    // Not before the file has been quiet: until then it may be a live writer's half line.
    assert!(written_at.elapsed() >= codex_threads::rollout::QUIET);
    assert_eq!(lines.len(), 1);
    assert!(
        lines[0]
            .line
            .as_ref()
            .unwrap()
            .encode()
            .contains("last words")
    );
    // The writer was only slow: its newline and a next line come, each line once.
    append_raw(&written.path, format!("\n{}", agent_line("next")));
    let FollowEvent::Lines(lines) = next_event(&mut follower).await else {
        panic!("expected lines")
    };
    assert_eq!(lines.len(), 1);
    assert!(lines[0].line.as_ref().unwrap().encode().contains("next"));
}

#[tokio::test]
async fn compression_ends_the_follow_with_moved() {
    let home = TestHome::new();
    let written = home.add_thread(&ThreadSpec::new().turn("Old thread", "Ok."));
    let (_manager, mut follower) = follow_from_end(&home, &written).await;
    compress_rollout(&written.path);
    assert_eq!(next_event(&mut follower).await, FollowEvent::Moved);
}

#[tokio::test]
async fn archiving_ends_the_follow_with_moved() {
    let home = TestHome::new();
    let written = home.add_thread(&ThreadSpec::new().turn("Archive me", "Ok."));
    let (manager, mut follower) = follow_from_end(&home, &written).await;
    manager.archive_thread(written.id).await.unwrap();
    assert_eq!(next_event(&mut follower).await, FollowEvent::Moved);
}
