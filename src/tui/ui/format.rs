//! Small formatting helpers shared by the screens.

use chrono::{DateTime, FixedOffset, Utc};

use crate::protocol::ThreadMemoryMode;
use crate::store::{SortKey, StoredThread};

/// "now", "42s ago", "5m ago", "3h ago", "2d ago".
pub fn relative_time(now: DateTime<Utc>, at: DateTime<Utc>) -> String {
    let seconds = (now - at).num_seconds();
    match seconds {
        ..5 => "now".to_string(),
        5..60 => format!("{seconds}s ago"),
        60..3_600 => format!("{}m ago", seconds / 60),
        3_600..86_400 => format!("{}h ago", seconds / 3_600),
        _ => format!("{}d ago", seconds / 86_400),
    }
}

/// `2026-05-14 09:12` in the given offset.
pub fn absolute_time(at: DateTime<Utc>, offset: FixedOffset) -> String {
    at.with_timezone(&offset)
        .format("%Y-%m-%d %H:%M")
        .to_string()
}

/// The timestamp the list sorts by.
pub fn sort_time(thread: &StoredThread, sort: SortKey) -> DateTime<Utc> {
    match sort {
        SortKey::UpdatedAt => thread.updated_at,
        SortKey::CreatedAt => thread.created_at,
    }
}

pub fn memory_label(mode: ThreadMemoryMode) -> &'static str {
    match mode {
        ThreadMemoryMode::Enabled => "mem on",
        ThreadMemoryMode::Disabled => "mem off",
    }
}

/// A directory shortened to its last two components when it is long.
pub fn short_dir(path: &str, max_width: usize) -> String {
    if path.chars().count() <= max_width {
        return path.to_string();
    }
    let parts: Vec<&str> = path.trim_end_matches('/').rsplit('/').take(2).collect();
    let tail: Vec<&str> = parts.into_iter().rev().collect();
    format!("…/{}", tail.join("/"))
}

pub fn branch(thread: &StoredThread) -> Option<&str> {
    thread
        .git_info
        .as_ref()
        .and_then(|git| git.branch.as_deref())
        .filter(|branch| !branch.is_empty())
}

#[cfg(test)]
mod tests {
    use super::*;
    use chrono::Duration;

    #[test]
    fn relative_times_read_like_the_codex_picker() {
        let now = Utc::now();
        assert_eq!(relative_time(now, now), "now");
        assert_eq!(relative_time(now, now + Duration::seconds(30)), "now");
        assert_eq!(relative_time(now, now - Duration::seconds(42)), "42s ago");
        assert_eq!(relative_time(now, now - Duration::hours(3)), "3h ago");
        assert_eq!(relative_time(now, now - Duration::days(2)), "2d ago");
    }

    #[test]
    fn long_directories_keep_their_tail() {
        assert_eq!(
            short_dir("/home/ana/src/widget", 40),
            "/home/ana/src/widget"
        );
        assert_eq!(short_dir("/home/ana/src/widget", 10), "…/src/widget");
    }
}
