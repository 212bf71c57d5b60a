//! Supervising agents: a poll of the most recently written threads that notices when one
//! starts to wait for the user, fails or finishes a turn (a notification each), and keeps the
//! count of threads that need the user, shown on every screen.
//!
//! Every thread Codex writes to moves to the top of the by-updated order, so the newest few
//! dozen threads hold every change worth telling; the whole home is looked at only now and then,
//! for the attention count.
//!
//! Read state lives here too: `x` marks a thread read or unread, and a history shown down to
//! its last line marks its thread read.

use std::collections::{HashMap, HashSet};

use chrono::{DateTime, Utc};

use super::msg::{Effect, Notification, NotifyEvent};
use super::state::State;
use crate::protocol::ThreadId;
use crate::store::status::ThreadStatus;
use crate::store::{ListThreadsParams, SortDirection, SortKey, StoredThread, ThreadMetadataPatch};
use crate::tui::ui::layout::history_page_lines;

/// How many of the most recently written threads a poll looks at.
pub const POLL_SIZE: usize = 50;
/// How often the recent threads are polled.
const POLL_INTERVAL: chrono::Duration = chrono::Duration::seconds(2);
/// How often the whole home is counted for threads that need the user.
const FULL_COUNT_INTERVAL: chrono::Duration = chrono::Duration::seconds(60);

/// What a poll remembers of a thread, to tell what changed.
#[derive(Clone, Debug, PartialEq)]
struct Seen {
    status: ThreadStatus,
    turn_ended_at: Option<DateTime<Utc>>,
}

impl Seen {
    fn of(thread: &StoredThread) -> Self {
        Seen {
            status: thread.status.status,
            turn_ended_at: thread.status.turn_ended_at,
        }
    }
}

#[derive(Clone, Debug, Default)]
pub struct Supervision {
    seen: HashMap<ThreadId, Seen>,
    /// The threads that need the user, as far as the polls know.
    attention: HashSet<ThreadId>,
    /// When the first poll came back: what was true before is not news.
    primed_at: Option<DateTime<Utc>>,
    polling: Option<u64>,
    polled_at: Option<DateTime<Utc>>,
    counting: Option<u64>,
    counted_at: Option<DateTime<Utc>>,
}

impl Supervision {
    /// How many threads need the user (`None` until the first count).
    pub fn attention_count(&self) -> Option<usize> {
        self.counted_at.map(|_| self.attention.len())
    }

    /// Marks the thread as no longer needing the user until a poll says otherwise (it was
    /// just read).
    pub fn forget_attention(&mut self, id: ThreadId) {
        self.attention.remove(&id);
    }

    fn note(&mut self, thread: &StoredThread) {
        if thread.needs_attention() && !thread.archived {
            self.attention.insert(thread.thread_id);
        } else {
            self.attention.remove(&thread.thread_id);
        }
    }
}

/// The polls due now: the recent threads every few seconds, the whole home now and then.
pub fn polls_due(state: &mut State) -> Vec<Effect> {
    let now = state.now;
    let mut effects = Vec::new();
    let due = |at: Option<DateTime<Utc>>, every| at.is_none_or(|at| now - at >= every);
    if state.supervision.polling.is_none() && due(state.supervision.polled_at, POLL_INTERVAL) {
        let request_id = state.next_request_id();
        state.supervision.polling = Some(request_id);
        effects.push(Effect::Supervise {
            request_id,
            params: ListThreadsParams {
                page_size: POLL_SIZE,
                sort_key: SortKey::UpdatedAt,
                sort_direction: SortDirection::Desc,
                ..Default::default()
            },
        });
    }
    if state.supervision.counting.is_none()
        && due(state.supervision.counted_at, FULL_COUNT_INTERVAL)
    {
        let request_id = state.next_request_id();
        state.supervision.counting = Some(request_id);
        effects.push(Effect::Supervise {
            request_id,
            params: ListThreadsParams {
                page_size: 0,
                sort_key: SortKey::UpdatedAt,
                attention_only: true,
                ..Default::default()
            },
        });
    }
    effects
}

/// A poll came back: remember what it saw, and tell what changed since the last one.
pub fn on_polled(
    state: &mut State,
    request_id: u64,
    result: Result<Vec<StoredThread>, String>,
) -> Vec<Effect> {
    let now = state.now;
    let supervision = &mut state.supervision;
    if supervision.counting == Some(request_id) {
        supervision.counting = None;
        supervision.counted_at = Some(now);
        if let Ok(threads) = result {
            supervision.attention = threads
                .iter()
                .filter(|thread| thread.needs_attention())
                .map(|thread| thread.thread_id)
                .collect();
        }
        return Vec::new();
    }
    if supervision.polling != Some(request_id) {
        return Vec::new();
    }
    supervision.polling = None;
    supervision.polled_at = Some(now);
    let Ok(threads) = result else {
        // A failed poll changes nothing; the next one may succeed.
        return Vec::new();
    };
    let primed_at = *supervision.primed_at.get_or_insert(now);
    let first = primed_at == now;
    let mut notifications = Vec::new();
    for thread in &threads {
        supervision.note(thread);
        let seen = Seen::of(thread);
        let before = supervision.seen.insert(thread.thread_id, seen.clone());
        if first {
            continue;
        }
        if let Some(event) = change(before.as_ref(), &seen, primed_at) {
            notifications.push(Notification {
                event,
                thread_id: thread.thread_id,
                title: thread.title().to_string(),
            });
        }
    }
    let settings = &state.notify;
    notifications
        .into_iter()
        .filter(|notification| settings.wants(notification.event))
        .map(Effect::Notify)
        .collect()
}

/// What a change of a thread's state is worth telling, if anything. A thread first met after
/// the start tells only what happened since then.
fn change(before: Option<&Seen>, now: &Seen, primed_at: DateTime<Utc>) -> Option<NotifyEvent> {
    let new_turn_end = match before {
        Some(before) => now.turn_ended_at.is_some() && now.turn_ended_at != before.turn_ended_at,
        None => now.turn_ended_at.is_some_and(|ended| ended > primed_at),
    };
    let was = before.map(|before| before.status);
    match now.status {
        ThreadStatus::Waiting if was != Some(ThreadStatus::Waiting) => Some(NotifyEvent::Waiting),
        ThreadStatus::Failed if new_turn_end || was.is_some_and(|was| was.is_active()) => {
            Some(NotifyEvent::Failed)
        }
        ThreadStatus::Idle | ThreadStatus::Done if new_turn_end => Some(NotifyEvent::Finished),
        _ => None,
    }
}

/// Marks a thread read when it is unread, else unread.
pub fn toggle_read(state: &mut State, thread: &StoredThread) -> Vec<Effect> {
    if thread.origin.is_some() {
        state.set_error("A shared store keeps no read state; mark the thread on its own machine");
        return Vec::new();
    }
    let read = thread.unread;
    let id = thread.thread_id;
    if read {
        state.supervision.forget_attention(id);
    }
    state.set_info(if read {
        "Marking read…"
    } else {
        "Marking unread…"
    });
    vec![Effect::UpdateMetadata {
        id,
        patch: ThreadMetadataPatch::read_state(read),
        include_archived: true,
    }]
}
/// A thread whose history is shown down to its last line has been read: marked so where Codex
/// keeps read state, once.
pub fn mark_read_if_seen(state: &mut State) -> Vec<Effect> {
    let page_lines = history_page_lines(state);
    let Some(history) = state.history.as_mut() else {
        return Vec::new();
    };
    let seen_to_end = history.loaded_once && !history.tail_trimmed && history.at_bottom(page_lines);
    if !seen_to_end || !history.thread.unread || history.thread.origin.is_some() {
        return Vec::new();
    }
    let id = history.thread.thread_id;
    history.thread.unread = false;
    if let Some(row) = state
        .list
        .rows
        .iter_mut()
        .find(|row| row.thread.thread_id == id)
    {
        row.thread.unread = false;
    }
    state.supervision.forget_attention(id);
    vec![Effect::UpdateMetadata {
        id,
        patch: ThreadMetadataPatch::read_state(true),
        include_archived: true,
    }]
}
/// Newer facts about threads on screen (status, read state) from a supervision poll, without
/// moving any row.
pub fn refresh_shown_threads(state: &mut State, threads: &[StoredThread]) {
    for thread in threads {
        let id = thread.thread_id;
        if let Some(row) = state
            .list
            .rows
            .iter_mut()
            .find(|row| row.thread.thread_id == id)
        {
            row.thread.status = thread.status.clone();
            row.thread.unread = thread.unread;
            row.thread.open_in_codex = thread.open_in_codex;
        }
        if let Some(history) = state.history.as_mut().filter(|h| h.thread.thread_id == id) {
            history.thread.status = thread.status.clone();
            history.thread.unread = thread.unread;
            history.thread.open_in_codex = thread.open_in_codex;
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::tui::app::update;
    use crate::tui::test_support::{new_state, thread};

    fn state_at(now: DateTime<Utc>) -> State {
        let mut state = new_state(80, 24);
        state.now = now;
        state
    }

    fn at(seconds: i64) -> DateTime<Utc> {
        DateTime::from_timestamp(1_800_000_000 + seconds, 0).unwrap()
    }

    fn with_status(
        mut thread: StoredThread,
        status: ThreadStatus,
        ended: Option<i64>,
    ) -> StoredThread {
        thread.status.status = status;
        thread.status.turn_ended_at = ended.map(at);
        thread
    }

    /// Runs one poll through `update` with `threads` as its answer.
    fn poll(state: &mut State, threads: Vec<StoredThread>) -> Vec<Effect> {
        let effects = polls_due(state);
        let request_id = effects
            .iter()
            .find_map(|effect| match effect {
                Effect::Supervise { request_id, params } if !params.attention_only => {
                    Some(*request_id)
                }
                _ => None,
            })
            .expect("a poll is due");
        update(
            state,
            crate::tui::app::Msg::Supervised {
                request_id,
                result: Ok(threads),
            },
        )
    }

    fn events(effects: &[Effect]) -> Vec<NotifyEvent> {
        effects
            .iter()
            .filter_map(|effect| match effect {
                Effect::Notify(notification) => Some(notification.event),
                _ => None,
            })
            .collect()
    }

    #[test]
    fn the_first_poll_tells_nothing_and_later_changes_are_told_once() {
        let mut state = state_at(at(0));
        let a = thread(1, "a");
        let b = thread(2, "b");
        let first = poll(
            &mut state,
            vec![
                with_status(a.clone(), ThreadStatus::Failed, Some(-50)),
                with_status(b.clone(), ThreadStatus::Working, None),
            ],
        );
        assert!(events(&first).is_empty(), "old states are not news");

        state.now = at(3);
        let effects = poll(
            &mut state,
            vec![
                with_status(a.clone(), ThreadStatus::Failed, Some(-50)),
                with_status(b.clone(), ThreadStatus::Waiting, None),
            ],
        );
        assert_eq!(events(&effects), vec![NotifyEvent::Waiting]);

        state.now = at(6);
        let effects = poll(
            &mut state,
            vec![with_status(b.clone(), ThreadStatus::Idle, Some(5))],
        );
        assert_eq!(events(&effects), vec![NotifyEvent::Finished]);

        state.now = at(9);
        let same = poll(
            &mut state,
            vec![with_status(b.clone(), ThreadStatus::Done, Some(5))],
        );
        assert!(events(&same).is_empty(), "closing Codex is not a new turn");

        state.now = at(12);
        let failed = poll(
            &mut state,
            vec![with_status(b, ThreadStatus::Failed, Some(11))],
        );
        assert_eq!(events(&failed), vec![NotifyEvent::Failed]);
    }

    #[test]
    fn a_thread_first_met_after_the_start_tells_only_what_ended_since() {
        let mut state = state_at(at(0));
        poll(&mut state, vec![]);
        state.now = at(3);
        let effects = poll(
            &mut state,
            vec![
                with_status(thread(4, "old"), ThreadStatus::Done, Some(-100)),
                with_status(thread(5, "new"), ThreadStatus::Done, Some(2)),
            ],
        );
        assert_eq!(events(&effects), vec![NotifyEvent::Finished]);
    }

    #[test]
    fn notifications_can_be_turned_off_per_event_and_altogether() {
        let mut state = state_at(at(0));
        state.notify.on_finished = false;
        let b = thread(2, "b");
        poll(
            &mut state,
            vec![with_status(b.clone(), ThreadStatus::Working, None)],
        );
        state.now = at(3);
        let effects = poll(
            &mut state,
            vec![with_status(b.clone(), ThreadStatus::Idle, Some(2))],
        );
        assert!(events(&effects).is_empty());
        state.notify.enabled = false;
        state.now = at(6);
        let effects = poll(
            &mut state,
            vec![with_status(b, ThreadStatus::Waiting, None)],
        );
        assert!(events(&effects).is_empty());
    }

    #[test]
    fn the_attention_count_follows_the_polls() {
        let mut state = state_at(at(0));
        let effects = polls_due(&mut state);
        let request = |attention_only: bool| {
            effects
                .iter()
                .find_map(|effect| match effect {
                    Effect::Supervise { request_id, params }
                        if params.attention_only == attention_only =>
                    {
                        Some(*request_id)
                    }
                    _ => None,
                })
                .expect("a poll and a count are due at start")
        };
        let (poll_id, count_id) = (request(false), request(true));
        let mut unread = with_status(thread(3, "u"), ThreadStatus::Done, Some(-5));
        unread.unread = true;
        update(
            &mut state,
            crate::tui::app::Msg::Supervised {
                request_id: count_id,
                result: Ok(vec![unread.clone()]),
            },
        );
        assert_eq!(state.supervision.attention_count(), Some(1));
        // A poll that sees it read again takes it off the count.
        unread.unread = false;
        update(
            &mut state,
            crate::tui::app::Msg::Supervised {
                request_id: poll_id,
                result: Ok(vec![unread]),
            },
        );
        assert_eq!(state.supervision.attention_count(), Some(0));
    }

    #[test]
    fn a_history_shown_to_its_end_marks_its_thread_read_once() {
        use crate::store::HistoryDirection;
        use crate::tui::test_support::{
            history_lines, key, rich_history, sample_threads, state_with_threads, whole_page,
        };
        use crossterm::event::KeyCode;
        let mut threads = sample_threads();
        threads[0].unread = true;
        let mut state = state_with_threads(80, 24, threads, false);
        let effects = update(&mut state, key(KeyCode::Enter));
        let request_id = effects
            .iter()
            .find_map(|effect| match effect {
                Effect::LoadHistory { request_id, .. } => Some(*request_id),
                _ => None,
            })
            .expect("a history request");
        let marks = |effects: &[Effect]| {
            effects
                .iter()
                .filter(|effect| {
                    matches!(effect, Effect::UpdateMetadata { patch, .. } if patch.read == Some(true))
                })
                .count()
        };
        let effects = update(
            &mut state,
            crate::tui::app::Msg::HistoryLoaded {
                request_id,
                direction: HistoryDirection::Backward,
                result: Ok(whole_page(history_lines(rich_history()))),
            },
        );
        assert_eq!(marks(&effects), 1, "{effects:?}");
        assert!(!state.list.rows[0].thread.unread);
        // Scrolling about does not mark it again.
        assert_eq!(marks(&update(&mut state, key(KeyCode::Char('k')))), 0);
        assert_eq!(marks(&update(&mut state, key(KeyCode::Char('G')))), 0);
    }
}
