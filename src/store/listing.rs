//! Listing rules shared by every store: the sort key, the keyset cursor, and the filters.

use std::cmp::Ordering;
use std::path::Path;

use chrono::{DateTime, Utc};

use super::error::{StoreResult, ThreadStoreError};
use super::types::{ListThreadsParams, SortDirection, SortKey, StoredThread, ThreadPage};
use crate::protocol::ThreadId;
use crate::protocol::time::{format_rollout_timestamp, parse_timestamp};

/// The position of a thread in a listing: its sort timestamp (milliseconds) and id.
#[derive(Clone, Copy, Debug, PartialEq, Eq, PartialOrd, Ord)]
pub struct ListKey {
    pub at_ms: i64,
    pub id: ThreadId,
}

impl ListKey {
    pub fn new(at: DateTime<Utc>, id: ThreadId) -> Self {
        ListKey {
            at_ms: at.timestamp_millis(),
            id,
        }
    }

    pub fn of(thread: &StoredThread, sort_key: SortKey) -> Self {
        let at = match sort_key {
            SortKey::CreatedAt => thread.created_at,
            SortKey::UpdatedAt => thread.updated_at,
        };
        ListKey::new(at, thread.thread_id)
    }

    /// The cursor token: `<RFC 3339 ms>~<thread id>`. Opaque to callers.
    pub fn to_cursor(self) -> String {
        let at = crate::protocol::time::from_millis(self.at_ms);
        format!("{}~{}", format_rollout_timestamp(at), self.id)
    }

    pub fn parse_cursor(token: &str) -> StoreResult<Self> {
        let invalid = || ThreadStoreError::invalid(format!("invalid cursor: {token}"));
        let (at, id) = token.split_once('~').ok_or_else(invalid)?;
        let at = parse_timestamp(at).ok_or_else(invalid)?;
        let id = id.parse::<ThreadId>().map_err(|_| invalid())?;
        Ok(ListKey::new(at, id))
    }

    /// Orders keys as the listing shows them (first shown = `Less`).
    pub fn listing_order(self, other: Self, direction: SortDirection) -> Ordering {
        match direction {
            SortDirection::Asc => self.cmp(&other),
            SortDirection::Desc => other.cmp(&self),
        }
    }

    /// True if this key comes strictly after the cursor in listing order.
    pub fn is_after(self, cursor: Option<ListKey>, direction: SortDirection) -> bool {
        cursor.is_none_or(|cursor| self.listing_order(cursor, direction) == Ordering::Greater)
    }
}

/// Case-insensitive substring search over what a listing shows of a thread (`list --search`
/// and the TUI's `/` alike).
pub fn matches_search(thread: &StoredThread, term: Option<&str>) -> bool {
    match term.map(str::trim).filter(|term| !term.is_empty()) {
        Some(term) => matches_lowercase(thread, &term.to_lowercase()),
        None => true,
    }
}

/// Whether `needle` (already lowercase) is in the thread's title, preview, id, git branch or
/// working directory.
pub fn matches_lowercase(thread: &StoredThread, needle: &str) -> bool {
    let branch = thread
        .git_info
        .as_ref()
        .and_then(|git| git.branch.as_deref());
    let id = thread.thread_id.to_string();
    let cwd = thread.cwd.to_string_lossy();
    [
        Some(thread.title()),
        Some(thread.preview.as_str()),
        Some(id.as_str()),
        branch,
        Some(cwd.as_ref()),
    ]
    .into_iter()
    .flatten()
    .any(|text| text.to_lowercase().contains(needle))
}

/// True if the thread's working directory is one of the filters (`None` = every directory).
pub fn matches_cwd(cwd: &Path, filters: Option<&[std::path::PathBuf]>) -> bool {
    filters.is_none_or(|filters| filters.iter().any(|filter| filter == cwd))
}

/// Whether a thread shows in listings at all: Codex hides threads without a preview.
pub fn is_listable(thread: &StoredThread) -> bool {
    !thread.preview.is_empty()
}

pub fn matches_filters(thread: &StoredThread, params: &ListThreadsParams) -> bool {
    is_listable(thread) && matches_filters_listed_or_not(thread, params)
}

/// The filters alone, for a thread a listing would leave out too (no preview yet): what
/// `prune` and the disk screen look at, every thread file of the home.
pub fn matches_filters_listed_or_not(thread: &StoredThread, params: &ListThreadsParams) -> bool {
    thread.archived == params.archived
        && matches_cwd(&thread.cwd, params.cwd_filters.as_deref())
        && matches_search(thread, params.search_term.as_deref())
        && params.source.matches(&thread.source)
        && params
            .status
            .is_none_or(|status| thread.status.status == status)
        && (!params.unread_only || thread.unread)
        && (!params.attention_only || thread.needs_attention())
        && params.section_id.as_deref().is_none_or(|id| {
            thread
                .section
                .as_ref()
                .is_some_and(|placement| placement.section.id == id)
        })
        && params.project_id.as_deref().is_none_or(|id| {
            thread
                .project
                .as_ref()
                .is_some_and(|project| project.id == id)
        })
}

/// Orders threads as Codex orders a section: by position, then id.
pub fn sort_by_section_position(threads: &mut [StoredThread]) {
    threads.sort_by_key(|thread| {
        (
            thread.section.as_ref().map_or(i64::MAX, |p| p.position),
            thread.thread_id,
        )
    });
}

/// Pages a complete set of threads: filter, sort, skip to the cursor, take a page. Stores that
/// hold everything in memory use this; the local store pages lazily with the same rules.
pub fn page_threads(
    threads: impl IntoIterator<Item = StoredThread>,
    params: &ListThreadsParams,
) -> StoreResult<ThreadPage> {
    let cursor = params
        .cursor
        .as_deref()
        .map(ListKey::parse_cursor)
        .transpose()?;
    let mut matching: Vec<(ListKey, StoredThread)> = threads
        .into_iter()
        .filter(|thread| matches_filters(thread, params))
        .map(|thread| (ListKey::of(&thread, params.sort_key), thread))
        .filter(|(key, _)| key.is_after(cursor, params.sort_direction))
        .collect();
    matching.sort_by(|(a, _), (b, _)| a.listing_order(*b, params.sort_direction));
    Ok(take_page(matching, params.page_size))
}

/// Takes the first `page_size` entries (0 = all) and a cursor if more remain.
pub fn take_page(sorted: Vec<(ListKey, StoredThread)>, page_size: usize) -> ThreadPage {
    let limit = if page_size == 0 {
        usize::MAX
    } else {
        page_size
    };
    let has_more = sorted.len() > limit;
    let items: Vec<(ListKey, StoredThread)> = sorted.into_iter().take(limit).collect();
    let next_cursor = has_more
        .then(|| items.last().map(|(key, _)| key.to_cursor()))
        .flatten();
    ThreadPage {
        items: items.into_iter().map(|(_, thread)| thread).collect(),
        next_cursor,
        skipped: Vec::new(),
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::store::SourceFilter;

    fn thread(ms: i64, preview: &str) -> StoredThread {
        let mut thread =
            StoredThread::blank(ThreadId::new(), crate::protocol::time::from_millis(ms));
        thread.preview = preview.to_string();
        thread
    }

    #[test]
    fn cursor_round_trips_and_rejects_garbage() {
        let key = ListKey::new(
            crate::protocol::time::from_millis(1_700_000_000_123),
            ThreadId::new(),
        );
        assert_eq!(ListKey::parse_cursor(&key.to_cursor()).unwrap(), key);
        for bad in [
            "",
            "2026-01-01T00:00:00Z",
            "x~y",
            "2026-01-01T00:00:00Z~nope",
        ] {
            assert!(matches!(
                ListKey::parse_cursor(bad),
                Err(ThreadStoreError::InvalidRequest { .. })
            ));
        }
    }

    #[test]
    fn paging_visits_every_thread_once_even_with_equal_timestamps() {
        let threads: Vec<StoredThread> = (0..23).map(|i| thread(1000 + i / 3, "p")).collect();
        for direction in [SortDirection::Asc, SortDirection::Desc] {
            let mut params = ListThreadsParams {
                page_size: 4,
                sort_direction: direction,
                ..Default::default()
            };
            let mut seen = Vec::new();
            loop {
                let page = page_threads(threads.clone(), &params).unwrap();
                seen.extend(
                    page.items
                        .iter()
                        .map(|t| ListKey::of(t, SortKey::CreatedAt)),
                );
                match page.next_cursor {
                    Some(cursor) => params.cursor = Some(cursor),
                    None => break,
                }
            }
            assert_eq!(seen.len(), 23);
            let mut expected = seen.clone();
            expected.sort_by(|a, b| a.listing_order(*b, direction));
            expected.dedup();
            assert_eq!(seen, expected);
        }
    }

    #[test]
    fn threads_without_preview_are_not_listed_and_search_ignores_case() {
        let mut named = thread(1, "fix the login");
        named.name = Some("Auth Work".into());
        let threads = vec![named, thread(2, ""), thread(3, "other")];
        let params = ListThreadsParams {
            search_term: Some("auth".into()),
            ..Default::default()
        };
        assert_eq!(
            page_threads(threads.clone(), &params).unwrap().items.len(),
            1
        );
        let all = page_threads(threads, &ListThreadsParams::default()).unwrap();
        assert_eq!(all.items.len(), 2);
    }

    #[test]
    fn the_source_filter_keeps_what_codex_counts_as_interactive() {
        let sourced = |source: &str| {
            let mut thread = thread(1, "p");
            thread.source = source.to_string();
            thread
        };
        let threads = vec![
            sourced("cli"),
            sourced("vscode"),
            sourced("exec"),
            sourced("mcp"),
            sourced(r#"{"custom":"atlas"}"#),
            sourced(r#"{"subagent":"review"}"#),
        ];
        let listed = |filter: &str| {
            let params = ListThreadsParams {
                source: SourceFilter::parse(filter),
                ..Default::default()
            };
            let mut sources: Vec<String> = page_threads(threads.clone(), &params)
                .unwrap()
                .items
                .into_iter()
                .map(|thread| thread.source)
                .collect();
            sources.sort();
            sources
        };
        assert_eq!(listed("all").len(), 6);
        assert_eq!(
            listed("interactive"),
            ["cli", "vscode", r#"{"custom":"atlas"}"#]
        );
        assert_eq!(listed("exec"), ["exec"]);
        assert_eq!(listed("nothing-like-it"), Vec::<String>::new());
    }
}
