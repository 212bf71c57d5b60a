//! Last edit wins: how a sync combines the home's view of a thread with the store's.
//!
//! Everything Codex observes (preview, model, tokens, times, …) comes from the home. The fields
//! a user edits (name, memory mode, archived) may also be edited on the store. A sync takes the
//! home's value of such a field only when the home changed it since the last sync, and only if
//! that change is newer than the store's last edit of the field. The home's change is dated by
//! the thread's updated time in the home (the archive time for archiving), the latest time the
//! home records for the thread.

use super::rows::{EditTimes, HomeSeen, ThreadRow};
use crate::store::{StoredThread, ThreadOrigin};

/// The row after syncing `home` (the home's thread, with `state` its JSON) into `existing`.
pub(super) fn merge_home_thread(
    existing: Option<ThreadRow>,
    mut home: StoredThread,
    origin: ThreadOrigin,
    state: String,
) -> ThreadRow {
    let seen = HomeSeen {
        name: home.name.clone(),
        memory_mode: home.memory_mode,
        archived: home.archived,
        state,
    };
    let home_rollout_path = home
        .rollout_path
        .take()
        .map(|path| path.to_string_lossy().into_owned());
    home.origin = Some(origin);
    home.open_in_codex = false;
    home.history = None;
    let Some(existing) = existing else {
        return ThreadRow {
            thread: home,
            rollout_path: home_rollout_path,
            edits: EditTimes::default(),
            home: Some(seen),
            synced_offset: 0,
            line_count: 0,
        };
    };
    let home_changed_at = home.updated_at.timestamp_millis();
    let archive_changed_at = home
        .archived_at
        .map_or(home_changed_at, |at| at.timestamp_millis());
    let previous = existing.home.as_ref();
    // Takes the home's value of a field when the home changed it after the store's last edit.
    let home_wins = |changed: bool, edited: Option<i64>, at: i64| {
        changed && edited.is_none_or(|edited| at >= edited)
    };
    let mut merged = home;
    let mut edits = existing.edits.clone();
    let stored = &existing.thread;

    if home_wins(
        previous.is_none_or(|p| p.name != seen.name),
        edits.name_ms,
        home_changed_at,
    ) {
        edits.name_ms = edits.name_ms.map(|_| home_changed_at);
    } else {
        merged.name = stored.name.clone();
    }
    if home_wins(
        previous.is_none_or(|p| p.memory_mode != seen.memory_mode),
        edits.memory_ms,
        home_changed_at,
    ) {
        edits.memory_ms = edits.memory_ms.map(|_| home_changed_at);
    } else {
        merged.memory_mode = stored.memory_mode;
    }
    if home_wins(
        previous.is_none_or(|p| p.archived != seen.archived),
        edits.archive_ms,
        archive_changed_at,
    ) {
        edits.archive_ms = edits.archive_ms.map(|_| archive_changed_at);
    } else {
        merged.archived = stored.archived;
        merged.archived_at = stored.archived_at;
    }
    // An edit on the store may have moved the thread up the listing; a sync never moves it back.
    merged.updated_at = merged.updated_at.max(stored.updated_at);
    ThreadRow {
        thread: merged,
        rollout_path: home_rollout_path,
        edits,
        home: Some(seen),
        synced_offset: existing.synced_offset,
        line_count: existing.line_count,
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::protocol::time::from_millis;
    use crate::protocol::{ThreadId, ThreadMemoryMode};

    fn origin() -> ThreadOrigin {
        ThreadOrigin {
            host: "laptop".into(),
            codex_home: "/home/a/.codex".into(),
        }
    }

    fn home_thread(id: ThreadId, updated_ms: i64, name: Option<&str>) -> StoredThread {
        let mut thread = StoredThread::blank(id, from_millis(1_000));
        thread.updated_at = from_millis(updated_ms);
        thread.name = name.map(str::to_string);
        thread.preview = "hello".into();
        thread
    }

    fn synced(home: StoredThread) -> ThreadRow {
        merge_home_thread(None, home, origin(), "s0".into())
    }

    #[test]
    fn a_store_edit_after_the_homes_change_survives_later_syncs() {
        let id = ThreadId::new();
        let mut row = synced(home_thread(id, 2_000, Some("home name")));
        // Renamed on the store at t=5000.
        row.thread.name = Some("store name".into());
        row.edits.name_ms = Some(5_000);
        // The home did not change its name: the store's edit stays.
        let row = merge_home_thread(
            Some(row),
            home_thread(id, 3_000, Some("home name")),
            origin(),
            "s1".into(),
        );
        assert_eq!(row.thread.name.as_deref(), Some("store name"));
        // The home renames, but dated before the store's edit: the store's edit stays.
        let row = merge_home_thread(
            Some(row),
            home_thread(id, 4_000, Some("older")),
            origin(),
            "s2".into(),
        );
        assert_eq!(row.thread.name.as_deref(), Some("store name"));
        assert_eq!(row.home.as_ref().unwrap().name.as_deref(), Some("older"));
        // The home renames after the store's edit: the home wins.
        let row = merge_home_thread(
            Some(row),
            home_thread(id, 6_000, Some("newest")),
            origin(),
            "s3".into(),
        );
        assert_eq!(row.thread.name.as_deref(), Some("newest"));
        assert_eq!(row.edits.name_ms, Some(6_000));
    }

    #[test]
    fn home_changes_flow_through_when_the_store_never_edited() {
        let id = ThreadId::new();
        let row = synced(home_thread(id, 2_000, None));
        let mut next = home_thread(id, 2_500, Some("named at home"));
        next.memory_mode = ThreadMemoryMode::Disabled;
        next.archived = true;
        next.archived_at = Some(from_millis(2_600));
        let row = merge_home_thread(Some(row), next, origin(), "s1".into());
        assert_eq!(row.thread.name.as_deref(), Some("named at home"));
        assert_eq!(row.thread.memory_mode, ThreadMemoryMode::Disabled);
        assert!(row.thread.archived);
        assert_eq!(row.edits, EditTimes::default());
    }

    #[test]
    fn a_store_unarchive_is_not_undone_by_an_unchanged_home() {
        let id = ThreadId::new();
        let mut home = home_thread(id, 2_000, None);
        home.archived = true;
        home.archived_at = Some(from_millis(1_900));
        let mut row = synced(home.clone());
        row.thread.archived = false;
        row.thread.archived_at = None;
        row.edits.archive_ms = Some(9_000);
        row.thread.updated_at = from_millis(9_000);
        let row = merge_home_thread(Some(row), home, origin(), "s1".into());
        assert!(!row.thread.archived);
        assert_eq!(row.thread.updated_at, from_millis(9_000));
    }
}
