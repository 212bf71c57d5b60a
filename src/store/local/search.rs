//! Full-text search over the rollouts of a Codex home: a byte search finds candidate lines,
//! only those are decoded, and a hit counts only if the query is in the item's text (not in a
//! JSON key or an encrypted blob).

use std::ops::ControlFlow;
use std::sync::atomic::{AtomicUsize, Ordering};
use std::sync::{Arc, Mutex};

use tokio::sync::mpsc;

use super::LocalStore;
use crate::rollout::{ByteMatcher, RolloutFile, find_matching_lines};
use crate::store::*;

impl LocalStore {
    pub(super) fn search(
        &self,
        params: &SearchParams,
        hits: &mpsc::Sender<SearchHit>,
    ) -> StoreResult<SearchStats> {
        let query = params.query.trim();
        if query.is_empty() {
            return Err(ThreadStoreError::invalid("the search query is empty"));
        }
        let (files, skipped) = self.search_files(params)?;
        let ignore_case = !query.chars().any(char::is_uppercase);
        let matcher = ByteMatcher::new(byte_needle(query, ignore_case).as_bytes(), ignore_case);
        let stats = Mutex::new(SearchStats {
            skipped,
            ..SearchStats::default()
        });
        let next_file = AtomicUsize::new(0);
        let sending = Mutex::new(());
        let workers = std::thread::available_parallelism().map_or(2, |n| n.get().min(4));
        std::thread::scope(|scope| {
            for _ in 0..workers {
                scope.spawn(|| {
                    while let Some(file) = files.get(next_file.fetch_add(1, Ordering::Relaxed)) {
                        let found = search_file(file, query, &matcher, params, hits, &sending);
                        let mut stats = stats.lock().unwrap_or_else(|e| e.into_inner());
                        stats.files += 1;
                        match found {
                            Ok((count, bytes)) => {
                                stats.hits += count;
                                stats.bytes_read += bytes;
                                if count > 0 {
                                    *stats.thread_hits.entry(file.thread_id).or_default() += count;
                                }
                            }
                            // Moved since the walk: the next search finds it where it went.
                            Err(err) if err.kind() == std::io::ErrorKind::NotFound => {
                                tracing::debug!(%err, "search skipped a rollout");
                            }
                            // Unreadable or damaged: the hits before the failure were sent;
                            // the file is reported, and the search goes on.
                            Err(err) => {
                                stats
                                    .skipped
                                    .push(SkippedEntry::from_error(&file.path, &err));
                            }
                        }
                        if hits.is_closed() {
                            return;
                        }
                    }
                });
            }
        });
        let stats = stats.into_inner().unwrap_or_else(|e| e.into_inner());
        self.warn_skipped(&stats.skipped);
        Ok(stats)
    }

    /// The rollouts to search, most recently written first, and the entries passed over.
    fn search_files(
        &self,
        params: &SearchParams,
    ) -> StoreResult<(Arc<[RolloutFile]>, Vec<SkippedEntry>)> {
        if let Some(id) = params.thread_id {
            return Ok((Arc::from(vec![self.locate_file(id, true)?]), Vec::new()));
        }
        let active = self.discover_settled(false);
        let mut files = active.files.clone();
        let mut skipped = active.skipped.clone();
        if params.include_archived {
            let archived = self.discover_settled(true);
            files.extend(archived.files.iter().cloned());
            skipped.extend(archived.skipped.iter().cloned());
        }
        files.sort_by_key(|file| std::cmp::Reverse(file.modified));
        Ok((Arc::from(files), skipped))
    }
}

/// Hits are sent in bursts of up to this many: the receiver then wakes once per burst, not
/// once per hit.
const HIT_BURST: usize = 256;

/// What the byte scan looks for, so that every line with a hit is among the lines it finds
/// (`hit_in_line` then decides). Rollouts are JSON: the query as JSON would write it. A query
/// in any case is matched on bytes with ASCII letters folded only, so for one with other
/// letters that have capitals (`über` must find `Über`) the scan looks for its longest part
/// without them, and for a query all made of them, for every line (each is a JSON object).
fn byte_needle(query: &str, ignore_case: bool) -> String {
    let as_json = |text: &str| {
        let escaped = serde_json::to_string(text).unwrap_or_default();
        escaped[1..escaped.len() - 1].to_string()
    };
    if !ignore_case || query.is_ascii() {
        return as_json(query);
    }
    let has_capital = |c: char| !c.is_ascii() && c.to_uppercase().ne(std::iter::once(c));
    let longest = query
        .split(has_capital)
        .max_by_key(|part| part.len())
        .unwrap_or_default();
    if longest.is_empty() {
        "{".to_string()
    } else {
        as_json(longest)
    }
}

/// Sends the hits of one rollout (the first `max_hits_per_thread`, counting the rest); returns
/// how many and the bytes read. A rollout's hits go out together: from its first burst to its
/// last, this worker holds `sending`, so the hits of rollouts searched at the same time do not
/// interleave and a reader can show each thread's hits under one heading. A rollout without
/// hits (most of them) never waits for it.
fn search_file(
    file: &RolloutFile,
    query: &str,
    matcher: &ByteMatcher,
    params: &SearchParams,
    hits: &mpsc::Sender<SearchHit>,
    sending: &Mutex<()>,
) -> std::io::Result<(usize, u64)> {
    let limit = params.max_hits_per_thread.unwrap_or(usize::MAX);
    let mut count = 0;
    let mut burst = Vec::new();
    let mut receiver_gone = false;
    let mut turn = None;
    let mut send = |burst: &mut Vec<SearchHit>| {
        if burst.is_empty() {
            return true;
        }
        turn.get_or_insert_with(|| sending.lock().unwrap_or_else(|e| e.into_inner()));
        for hit in burst.drain(..) {
            if hits.blocking_send(hit).is_err() {
                return false;
            }
        }
        true
    };
    let bytes = find_matching_lines(&file.path, matcher, &mut |offset, raw| {
        let Some(hit) = hit_in_line(file, offset.0, raw, query) else {
            return ControlFlow::Continue(());
        };
        count += 1;
        if count > limit {
            return ControlFlow::Continue(());
        }
        burst.push(hit);
        if burst.len() >= HIT_BURST && !send(&mut burst) {
            receiver_gone = true;
            return ControlFlow::Break(());
        }
        ControlFlow::Continue(())
    });
    // Hits found before a read failed are still hits.
    if !receiver_gone {
        send(&mut burst);
    }
    Ok((count, bytes?))
}

fn hit_in_line(file: &RolloutFile, offset: u64, raw: &[u8], query: &str) -> Option<SearchHit> {
    crate::store::hits::hit_in_line(
        file.thread_id,
        file.archived,
        HistoryCursor(offset),
        raw,
        query,
    )
}

#[cfg(test)]
mod byte_needle_tests {
    use super::byte_needle;

    #[test]
    fn letters_beyond_ascii_that_have_capitals_are_left_to_the_line_check() {
        assert_eq!(byte_needle("deploy", true), "deploy");
        assert_eq!(byte_needle("say \"hi\"", true), "say \\\"hi\\\"");
        assert_eq!(byte_needle("Über", false), "Über");
        assert_eq!(byte_needle("über-handbuch", true), "ber-handbuch");
        assert_eq!(byte_needle("ğüş", true), "{");
        // Letters without capitals are bytes like any other.
        assert_eq!(byte_needle("日本語", true), "日本語");
    }
}
