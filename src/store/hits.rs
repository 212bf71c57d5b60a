//! One search hit from one history line: the rule every store's search applies after its own
//! way of finding candidate lines (a byte scan of a rollout, an index lookup in a database).

use super::types::{HistoryCursor, SearchHit};
use crate::protocol::{RolloutLine, ThreadId};
use crate::text::{find_query, item_kind, searchable_text, skipped_by_search, snippet_around};

/// Width of a hit's snippet, in characters.
const SNIPPET_WIDTH: usize = 120;

/// The hit in a raw line, if the query is in the item's text (not in a JSON key or an
/// encrypted blob).
pub(crate) fn hit_in_line(
    thread_id: ThreadId,
    archived: bool,
    cursor: HistoryCursor,
    raw: &[u8],
    query: &str,
) -> Option<SearchHit> {
    if skipped_by_search(raw) {
        return None;
    }
    let line = RolloutLine::decode(std::str::from_utf8(raw).ok()?).ok()?;
    let text = searchable_text(&line.item)?;
    let range = find_query(&text, query)?;
    Some(SearchHit {
        thread_id,
        archived,
        cursor,
        timestamp: line.timestamp,
        kind: item_kind(&line.item),
        snippet: snippet_around(&text, range, SNIPPET_WIDTH),
    })
}
