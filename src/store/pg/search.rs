//! Full-text search on the store: the trigram index on each line's search text finds the
//! candidate lines (newest threads first), and the same rule as the home's search
//! (`store::hits`) decides each hit and its snippet.

use std::collections::HashMap;

use futures::{StreamExt, pin_mut};
use tokio_postgres::types::ToSql;

use super::PgThreadStore;
use super::connect::db_error;
use super::rows::contains_pattern;
use crate::protocol::ThreadId;
use crate::store::hits::hit_in_line;
use crate::store::*;

pub(super) async fn search(
    store: &PgThreadStore,
    params: SearchParams,
    hits: tokio::sync::mpsc::Sender<SearchHit>,
) -> StoreResult<SearchStats> {
    let query = params.query.trim().to_string();
    if query.is_empty() {
        return Err(ThreadStoreError::invalid("the search query is empty"));
    }
    // The stored search text is lowercased, so the lowercase query finds every candidate of
    // any query with `LIKE` (much faster on the server than `ILIKE`); smart case, as on the
    // home (a query with capitals matches exactly), is then decided on each line itself.
    let mut values: Vec<Box<dyn ToSql + Sync + Send>> =
        vec![Box::new(contains_pattern(&query.to_lowercase()))];
    let mut sql = "SELECT l.thread_id, t.archived, l.byte_offset, l.raw
         FROM ct_lines l JOIN ct_threads t ON t.thread_id = l.thread_id
         WHERE l.search_text IS NOT NULL AND l.search_text LIKE $1"
        .to_string();
    if !params.include_archived {
        sql += " AND NOT t.archived";
    }
    if let Some(id) = params.thread_id {
        values.push(Box::new(id.to_string()));
        sql += &format!(" AND l.thread_id = ${}", values.len());
    }
    sql += " ORDER BY t.updated_ms DESC, l.thread_id, l.byte_offset";
    let client = store.client().await?;
    let refs: Vec<&(dyn ToSql + Sync)> = values
        .iter()
        .map(|value| value.as_ref() as &(dyn ToSql + Sync))
        .collect();
    let rows = client
        .query_raw(&sql, refs.iter().copied())
        .await
        .map_err(db_error)?;
    pin_mut!(rows);
    let limit = params.max_hits_per_thread.unwrap_or(usize::MAX);
    let mut stats = SearchStats::default();
    let mut per_thread: HashMap<ThreadId, usize> = HashMap::new();
    while let Some(row) = rows.next().await {
        let row = row.map_err(db_error)?;
        let Ok(thread_id) = row.get::<_, String>(0).parse::<ThreadId>() else {
            continue;
        };
        let raw: String = row.get(3);
        stats.bytes_read += raw.len() as u64;
        let cursor = HistoryCursor(row.get::<_, i64>(2) as u64);
        let Some(hit) = hit_in_line(thread_id, row.get(1), cursor, raw.as_bytes(), &query) else {
            continue;
        };
        stats.hits += 1;
        let count = per_thread.entry(thread_id).or_default();
        *count += 1;
        if *count <= limit && hits.send(hit).await.is_err() {
            break;
        }
    }
    stats.files = per_thread.len();
    stats.thread_hits = per_thread;
    Ok(stats)
}
