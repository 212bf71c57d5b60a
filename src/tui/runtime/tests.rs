//! The real loop on `TestBackend`, over an in-memory store, driven by a scripted message stream.
//! Tests wait on screen text or store state with a deadline, never a fixed sleep.

use std::sync::{Arc, Mutex};
use std::time::Duration;

use crossterm::event::KeyCode;
use ratatui::Terminal;
use ratatui::backend::{Backend, ClearType, TestBackend, WindowSize};
use ratatui::buffer::Cell;
use ratatui::layout::{Position, Size};
use tokio::sync::mpsc;

use super::run;
use crate::manager::ThreadManager;
use crate::protocol::{RolloutItem, RolloutLine};
use crate::store::memory::InMemoryThreadStore;
use crate::store::{ReadThreadParams, ThreadStore};
use crate::tui::app::Msg;
use crate::tui::test_support::*;

const DEADLINE: Duration = Duration::from_secs(10);

/// A `TestBackend` the test can read while the loop draws on it.
#[derive(Clone)]
struct SharedBackend(Arc<Mutex<TestBackend>>);

impl SharedBackend {
    fn new(width: u16, height: u16) -> Self {
        SharedBackend(Arc::new(Mutex::new(TestBackend::new(width, height))))
    }

    fn screen(&self) -> String {
        self.0
            .lock()
            .map(|backend| backend.to_string())
            .unwrap_or_default()
    }

    async fn wait_for(&self, text: &str) {
        let deadline = tokio::time::Instant::now() + DEADLINE;
        while !self.screen().contains(text) {
            assert!(
                tokio::time::Instant::now() < deadline,
                "{text:?} did not appear; the screen is:\n{}",
                self.screen()
            );
            tokio::time::sleep(Duration::from_millis(5)).await;
        }
    }

    fn with<T>(&self, action: impl FnOnce(&mut TestBackend) -> T) -> T {
        let mut backend = self
            .0
            .lock()
            .unwrap_or_else(|poisoned| poisoned.into_inner());
        action(&mut backend)
    }
}

impl Backend for SharedBackend {
    type Error = std::convert::Infallible;

    fn draw<'a, I>(&mut self, content: I) -> Result<(), Self::Error>
    where
        I: Iterator<Item = (u16, u16, &'a Cell)>,
    {
        self.with(|backend| backend.draw(content))
    }

    fn hide_cursor(&mut self) -> Result<(), Self::Error> {
        self.with(|backend| backend.hide_cursor())
    }

    fn show_cursor(&mut self) -> Result<(), Self::Error> {
        self.with(|backend| backend.show_cursor())
    }

    fn get_cursor_position(&mut self) -> Result<Position, Self::Error> {
        self.with(|backend| backend.get_cursor_position())
    }

    fn set_cursor_position<P: Into<Position>>(&mut self, position: P) -> Result<(), Self::Error> {
        let position = position.into();
        self.with(|backend| backend.set_cursor_position(position))
    }

    fn clear(&mut self) -> Result<(), Self::Error> {
        self.with(|backend| backend.clear())
    }

    fn clear_region(&mut self, clear_type: ClearType) -> Result<(), Self::Error> {
        self.with(|backend| backend.clear_region(clear_type))
    }

    fn size(&self) -> Result<Size, Self::Error> {
        self.with(|backend| backend.size())
    }

    fn window_size(&mut self) -> Result<WindowSize, Self::Error> {
        self.with(|backend| backend.window_size())
    }

    fn flush(&mut self) -> Result<(), Self::Error> {
        self.with(|backend| backend.flush())
    }
}

fn rich_items() -> Vec<RolloutItem> {
    rich_history()
        .into_iter()
        .filter_map(|value| RolloutLine::decode(&value.to_string()).ok())
        .map(|line| line.item)
        .collect()
}

/// The real loop on a shared test screen: the screen, the input, and the running loop.
type LoopTask = tokio::task::JoinHandle<anyhow::Result<crate::tui::app::State>>;

fn start_loop(
    manager: Arc<ThreadManager>,
    width: u16,
    height: u16,
    ui_state_path: Option<std::path::PathBuf>,
) -> (SharedBackend, mpsc::Sender<Msg>, LoopTask) {
    start_loop_with(manager, new_state(width, height), ui_state_path)
}

/// The real loop on a `SharedBackend` the size of `state`, fed by the returned sender.
fn start_loop_with(
    manager: Arc<ThreadManager>,
    state: crate::tui::app::State,
    ui_state_path: Option<std::path::PathBuf>,
) -> (SharedBackend, mpsc::Sender<Msg>, LoopTask) {
    let screen = SharedBackend::new(state.size.width, state.size.height);
    let (input, messages) = mpsc::channel(64);
    let backend = screen.clone();
    let task = tokio::spawn(async move {
        let mut terminal = Terminal::new(backend)?;
        run(&mut terminal, manager, state, messages, ui_state_path).await
    });
    (screen, input, task)
}

/// Waits, within the deadline, for the loop to end cleanly; returns its last state.
async fn loop_ends(task: LoopTask) -> crate::tui::app::State {
    tokio::time::timeout(DEADLINE, task)
        .await
        .expect("the loop ends")
        .expect("no panic")
        .expect("no error")
}

async fn send(input: &mpsc::Sender<Msg>, msg: Msg) {
    input.send(msg).await.expect("the loop is running");
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn the_real_loop_opens_a_thread_and_renames_it_in_the_store() {
    let store = Arc::new(InMemoryThreadStore::new());
    for thread in sample_threads() {
        store.insert_thread(thread, rich_items());
    }
    let manager = Arc::new(ThreadManager::new(store.clone()));
    let (screen, input, task) = start_loop(manager, 100, 30, None);

    screen.wait_for("Fix the flaky login test").await;
    send(&input, key(KeyCode::Enter)).await;
    screen.wait_for("• Fixed").await;
    screen.wait_for("· following").await;

    send(&input, key(KeyCode::Char('r'))).await;
    screen.wait_for("Rename thread").await;
    for c in "Login flake".chars() {
        send(&input, key(KeyCode::Char(c))).await;
    }
    send(&input, key(KeyCode::Enter)).await;
    screen.wait_for("‹ Login flake").await;

    let stored = store
        .read_thread(ReadThreadParams {
            thread_id: thread_id(0),
            include_archived: false,
            include_history: false,
        })
        .await
        .expect("thread");
    assert_eq!(stored.name.as_deref(), Some("Login flake"));

    // Back in the list, the row shows the name the manager returned.
    send(&input, key(KeyCode::Esc)).await;
    screen.wait_for("✓ Login flake").await;

    send(&input, ctrl('c')).await;
    let state = loop_ends(task).await;
    assert!(state.quit);
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_failed_edit_shows_in_the_status_line() {
    let store = Arc::new(InMemoryThreadStore::new());
    for thread in sample_threads() {
        store.insert_thread(thread, rich_items());
    }
    let manager = Arc::new(ThreadManager::new(store.clone()));
    let (screen, input, task) = start_loop(manager, 80, 24, None);
    screen.wait_for("Fix the flaky login test").await;
    // Archived behind the TUI's back: an edit that does not include archived threads fails.
    store.archive_thread(thread_id(0)).await.expect("archive");
    send(&input, key(KeyCode::Char('m'))).await;
    screen.wait_for("Could not save").await;
    // The memory mode did not change (an in-memory store has no rollouts to count usage in:
    // its figures show as unknown once the answer is back).
    screen.wait_for("? tok").await;
    let shown = screen.screen();
    let row = shown
        .lines()
        .find(|line| line.contains("Fix the flaky login test"))
        .unwrap_or_default();
    assert!(
        row.contains("? tok") && row.ends_with("mem on  \""),
        "{shown}"
    );
    drop(input);
    loop_ends(task).await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn lines_a_live_thread_appends_appear_without_a_key_press() {
    use crate::protocol::{EventMsg, ThreadId};
    use crate::store::CreateThreadParams;
    let agent = |text: &str| {
        RolloutItem::EventMsg(EventMsg::decode(
            &serde_json::json!({"type": "agent_message", "message": text}),
        ))
    };
    let store = Arc::new(InMemoryThreadStore::new());
    let manager = Arc::new(ThreadManager::new(store.clone()));
    let live = manager
        .start_thread(CreateThreadParams::new(ThreadId::new(), CWD))
        .await
        .expect("live thread");
    live.append_items(vec![RolloutItem::EventMsg(EventMsg::decode(
        &serde_json::json!({"type": "user_message", "message": "Watch me work"}),
    ))])
    .await
    .expect("append");
    live.append_items(vec![agent("first answer")])
        .await
        .expect("append");
    live.flush().await.expect("flush");

    let (screen, input, task) = start_loop(manager.clone(), 80, 24, None);
    screen.wait_for("Watch me work").await;
    send(&input, key(KeyCode::Enter)).await;
    screen.wait_for("first answer").await;
    screen.wait_for("· following").await;
    live.append_items(vec![agent("second answer, live")])
        .await
        .expect("append");
    screen.wait_for("second answer, live").await;
    drop(input);
    loop_ends(task).await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_full_text_search_over_a_real_home_shows_snippets_and_jumps_between_matches() {
    use crate::demo::DemoHome;
    use crate::store::local::{LocalStoreOptions, LocalThreadStore};
    let home = DemoHome::create().expect("demo home");
    let store = Arc::new(LocalThreadStore::open(
        home.path(),
        LocalStoreOptions::default(),
    ));
    let manager = Arc::new(ThreadManager::new(store));
    let (screen, input, task) = start_loop(manager, 100, 30, None);
    screen.wait_for("Local").await;
    send(&input, key(KeyCode::Char('f'))).await;
    for c in "parse_size".chars() {
        send(&input, key(KeyCode::Char(c))).await;
    }
    send(&input, key(KeyCode::Enter)).await;
    screen.wait_for("then patch `parse_size`").await;
    screen.wait_for("in 1 thread").await;

    // Open at the first hit; the thread's own search counts every match.
    send(&input, key(KeyCode::Enter)).await;
    // Once the thread's search is done (no "…"), every match is known.
    screen.wait_for("match 1/8 ").await;
    send(&input, key(KeyCode::Char('n'))).await;
    screen.wait_for("match 2/").await;
    send(&input, key(KeyCode::Char('N'))).await;
    send(&input, key(KeyCode::Char('N'))).await;
    screen.wait_for("Wrapped to the last match").await;

    // Esc, Esc: the results, then the list again.
    send(&input, key(KeyCode::Esc)).await;
    screen.wait_for("then patch `parse_size`").await;
    send(&input, key(KeyCode::Esc)).await;
    screen.wait_for("f full text").await;
    drop(input);
    loop_ends(task).await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn the_preview_shows_a_real_threads_own_tokens_cost_and_size_once_counted() {
    use crate::demo::DemoHome;
    use crate::store::local::{LocalStoreOptions, LocalThreadStore};
    let home = DemoHome::create().expect("demo home");
    let store = Arc::new(LocalThreadStore::open(
        home.path(),
        LocalStoreOptions::default(),
    ));
    let manager = Arc::new(ThreadManager::new(store));
    let (screen, input, task) = start_loop(manager, 120, 40, None);
    // Counted in the background from the rollout, then priced and shown.
    screen.wait_for(" own").await;
    screen.wait_for("priced   gpt-5.5-codex (table of ").await;
    let shown = screen.screen();
    assert!(!shown.contains("counting…"), "{shown}");
    assert!(shown.contains("cost     $"), "{shown}");
    assert!(shown.contains(" KB"), "the size: {shown}");
    drop(input);
    loop_ends(task).await;
}

/// Options whose config file does not exist, so only the defaults and `ui_state_path` count.
fn options_in(dir: &std::path::Path) -> super::TuiOptions {
    let mut options = super::TuiOptions::new(dir.to_path_buf());
    options.config_path = Some(dir.join("no-config.toml"));
    options.no_color = false;
    options
}

#[test]
fn start_up_takes_remembered_choices_and_ignores_a_corrupt_file() {
    use crate::tui::config::Density;
    use crate::tui::ui_state::UiState;
    let dir = tempfile::tempdir().expect("temp dir");
    let options = options_in(dir.path());
    let path = dir.path().join("ui-state.toml");

    let state = super::initial_state(&options, Some(&path)).expect("missing file is fine");
    assert_eq!(
        (state.list.density, state.list.show_preview),
        (Density::Dense, true)
    );

    let remembered = UiState {
        layout: Some(Density::Comfortable),
        preview: Some(false),
    };
    remembered.save(&path).expect("save");
    let state = super::initial_state(&options, Some(&path)).expect("state");
    assert_eq!(
        (state.list.density, state.list.show_preview),
        (Density::Comfortable, false)
    );

    std::fs::write(&path, "\u{0}\u{1}garbage = = =").expect("write");
    let state = super::initial_state(&options, Some(&path)).expect("corrupt file is fine");
    assert_eq!(
        (state.list.density, state.list.show_preview),
        (Density::Dense, true)
    );
    assert!(state.status.is_none(), "{:?}", state.status);
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn the_loop_saves_the_layout_when_it_changes() {
    use crate::tui::config::Density;
    use crate::tui::ui_state::UiState;
    let dir = tempfile::tempdir().expect("temp dir");
    let path = dir.path().join("state").join("ui-state.toml");
    let store = Arc::new(InMemoryThreadStore::new());
    for thread in sample_threads() {
        store.insert_thread(thread, rich_items());
    }
    let manager = Arc::new(ThreadManager::new(store));
    let (screen, input, task) = start_loop(manager, 80, 24, Some(path.clone()));
    screen.wait_for("Fix the flaky login test").await;
    send(&input, key(KeyCode::Char('v'))).await;
    let wanted = UiState {
        layout: Some(Density::Comfortable),
        preview: Some(true),
    };
    let deadline = tokio::time::Instant::now() + DEADLINE;
    while UiState::load(&path) != wanted {
        assert!(tokio::time::Instant::now() < deadline, "not saved");
        tokio::time::sleep(Duration::from_millis(10)).await;
    }
    drop(input);
    loop_ends(task).await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn e_exports_the_selected_thread_and_the_status_line_says_where() {
    let store = Arc::new(InMemoryThreadStore::new());
    for thread in sample_threads() {
        store.insert_thread(thread, rich_items());
    }
    let manager = Arc::new(ThreadManager::new(store));
    let dir = tempfile::TempDir::new().expect("a temporary directory");
    let mut state = new_state(120, 30);
    state.cwd = dir.path().to_path_buf();
    let (screen, input, task) = start_loop_with(manager, state, None);

    screen.wait_for("Fix the flaky login test").await;
    send(&input, key(KeyCode::Char('e'))).await;
    screen.wait_for("Exported to").await;
    let path = dir.path().join("019e2a4c-7b1d-fix-the-flaky-login-test.md");
    let text = std::fs::read_to_string(&path).expect("the export was written");
    assert!(text.starts_with("# Fix the flaky login test\n"), "{text}");
    assert!(text.contains("### Assistant"), "{text}");

    drop(input);
    loop_ends(task).await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_bulk_delete_runs_through_the_manager_and_sums_up_what_failed() {
    let store = Arc::new(InMemoryThreadStore::new());
    for thread in sample_threads() {
        store.insert_thread(thread, rich_items());
    }
    let manager = Arc::new(ThreadManager::new(store.clone()));
    let (screen, input, task) = start_loop(manager, 140, 30, None);
    screen.wait_for("Fix the flaky login test").await;
    for _ in 0..3 {
        send(&input, key(KeyCode::Char(' '))).await;
    }
    screen.wait_for("3 marked").await;
    // Gone behind the TUI's back: that one fails, the others are deleted all the same.
    store.delete_thread(thread_id(1)).await.expect("delete");
    send(&input, key(KeyCode::Char('d'))).await;
    screen.wait_for("Delete the 3 marked threads?").await;
    send(&input, key(KeyCode::Char('y'))).await;
    screen.wait_for("deleted 2, 1 failed").await;
    screen.wait_for("1 marked").await;
    for n in 0..3 {
        let read = store
            .read_thread(ReadThreadParams {
                thread_id: thread_id(n),
                include_archived: true,
                include_history: false,
            })
            .await;
        assert!(read.is_err(), "thread {n} is still there");
    }
    assert_eq!(
        store
            .calls()
            .iter()
            .filter(|call| *call == "delete_thread")
            .count(),
        4
    );
    drop(input);
    loop_ends(task).await;
}
