//! The matches of a query inside the thread the history view shows: every hit's cursor (from a
//! search of that one thread) and which one the view is at, for `n` / `N`.

use crate::store::HistoryCursor;

/// Cursors kept at most; a thread with more matches only cycles through the first ones.
pub const MAX_THREAD_MATCHES: usize = 10_000;

#[derive(Clone, Debug, PartialEq)]
pub struct ThreadMatches {
    pub query: String,
    /// The per-thread search's hits carry this id.
    pub request_id: u64,
    /// Every match's line, ascending.
    pub cursors: Vec<HistoryCursor>,
    pub done: bool,
    /// The match the view jumped to last.
    pub current: Option<HistoryCursor>,
}

impl ThreadMatches {
    pub fn new(query: String, request_id: u64, current: Option<HistoryCursor>) -> Self {
        ThreadMatches {
            query,
            request_id,
            cursors: Vec::new(),
            done: false,
            current,
        }
    }

    pub fn add(&mut self, cursors: impl IntoIterator<Item = HistoryCursor>) {
        let room = MAX_THREAD_MATCHES.saturating_sub(self.cursors.len());
        self.cursors.extend(cursors.into_iter().take(room));
        self.cursors.sort_unstable();
        self.cursors.dedup();
    }

    /// The position of the current match among all of them (0-based), when known.
    pub fn position(&self) -> Option<usize> {
        let current = self.current?;
        self.cursors.binary_search(&current).ok()
    }

    /// The match after (`forward`) or before the current one, or, with none current, the first
    /// one at or after (before) `from`; wraps around at either end.
    pub fn step(&self, forward: bool, from: HistoryCursor) -> Option<HistoryCursor> {
        let first = *self.cursors.first()?;
        let last = *self.cursors.last()?;
        let next = match (forward, self.current) {
            (true, Some(current)) => self.cursors.iter().find(|&&c| c > current),
            (true, None) => self.cursors.iter().find(|&&c| c >= from),
            (false, Some(current)) => self.cursors.iter().rev().find(|&&c| c < current),
            (false, None) => self.cursors.iter().rev().find(|&&c| c < from),
        };
        // Stepping on from a match wraps around only once every match is known; until then
        // the next one may still be found. The first jump takes any match found so far.
        match next {
            Some(next) => Some(*next),
            None if self.done || self.current.is_none() => Some(if forward { first } else { last }),
            None => None,
        }
    }

    /// "match 3/17", "match –/17" before the view is at one, with "…" while still searching.
    pub fn label(&self) -> String {
        let position = self
            .position()
            .map_or_else(|| "–".to_string(), |p| (p + 1).to_string());
        let more = if self.done { "" } else { "…" };
        format!("match {position}/{}{more}", self.cursors.len())
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn matches(cursors: &[u64], current: Option<u64>) -> ThreadMatches {
        let mut matches = ThreadMatches::new("q".into(), 1, current.map(HistoryCursor));
        matches.add(cursors.iter().copied().map(HistoryCursor));
        matches.done = true;
        matches
    }

    #[test]
    fn no_wrap_around_while_matches_are_still_coming() {
        let mut m = matches(&[10, 20], Some(20));
        m.done = false;
        assert_eq!(m.step(true, HistoryCursor(0)), None);
        m.done = true;
        assert_eq!(m.step(true, HistoryCursor(0)), Some(HistoryCursor(10)));
    }

    #[test]
    fn steps_wrap_around_both_ends() {
        let m = matches(&[30, 10, 20], Some(20));
        assert_eq!(m.step(true, HistoryCursor(0)), Some(HistoryCursor(30)));
        assert_eq!(m.step(false, HistoryCursor(0)), Some(HistoryCursor(10)));
        let m = matches(&[10, 20, 30], Some(30));
        assert_eq!(m.step(true, HistoryCursor(0)), Some(HistoryCursor(10)));
        let m = matches(&[10, 20, 30], Some(10));
        assert_eq!(m.step(false, HistoryCursor(0)), Some(HistoryCursor(30)));
        let m = matches(&[10, 20, 30], None);
        assert_eq!(m.step(true, HistoryCursor(15)), Some(HistoryCursor(20)));
        assert_eq!(m.step(false, HistoryCursor(15)), Some(HistoryCursor(10)));
        assert_eq!(matches(&[], None).step(true, HistoryCursor(0)), None);
    }

    #[test]
    fn the_label_counts_from_one() {
        assert_eq!(matches(&[10, 20, 30], Some(20)).label(), "match 2/3");
        let mut m = matches(&[10], None);
        m.done = false;
        assert_eq!(m.label(), "match –/1…");
    }
}
