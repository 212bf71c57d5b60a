//! `PgThreadStore`: threads of every machine in one PostgreSQL database. `codex-threads sync`
//! fills it from Codex homes; here metadata is persisted directly (no JSONL compatibility
//! lines, no Codex files touched), history lines are kept as the rollout had them, and
//! followers are woken by `LISTEN`/`NOTIFY`.

mod connect;
mod merge;
mod notify;
mod pgpass;
mod rows;
mod secrets;
mod tls;

use std::any::Any;
use std::collections::HashMap;
use std::sync::{Arc, Mutex};

use async_trait::async_trait;
use deadpool_postgres::Pool;
use tokio::sync::OnceCell;
use tokio_postgres::types::ToSql;

use self::connect::{db_error, pool_error};
pub use self::connect::{parse_url, redact_url, with_database};
use self::notify::Listener;
use self::rows::{SELECT_COLUMNS, ThreadRow, contains_pattern, no_nul, prefix_pattern};
pub use self::secrets::{COMMAND_LINE_PASSWORD, check_config_store_url, url_has_password};
use super::listing::ListKey;
use super::policy::is_persisted;
use super::*;
use crate::protocol::RolloutLine;
use crate::protocol::time::{format_rollout_timestamp, now_millis};

/// Lines sent in one multi-row insert.
const INSERT_BATCH: usize = 2_000;

/// One history line to store: where it starts in the rollout, its length up to the next
/// line, and its text.
#[derive(Clone, Debug)]
pub struct PushLine {
    pub offset: u64,
    pub len: u64,
    pub raw: String,
    /// Secrets replaced in `raw` before it was pushed (counted on the thread).
    pub redactions: u32,
}

/// What the store holds of a thread from a sync: the home's state last seen, and how far its
/// rollout was pushed.
#[derive(Clone, Debug)]
pub struct SyncedThread {
    pub home_state: Option<String>,
    pub synced_offset: u64,
}

#[derive(Clone)]
pub struct PgThreadStore {
    inner: Arc<PgStore>,
}

struct PgStore {
    pool: Pool,
    config: connect::StoreConfig,
    listener: OnceCell<Option<Arc<Listener>>>,
    /// Threads opened for appends in this process.
    live: Mutex<HashMap<ThreadId, EventPersistenceMode>>,
}

impl PgThreadStore {
    /// Connects and brings the schema up to date. Errors never show the password.
    pub async fn connect(url: &str) -> StoreResult<Self> {
        let config = parse_url(url)?;
        let pool = connect::build_pool(config.clone())?;
        let mut client = pool.get().await.map_err(|err| {
            let err = pool_error(err);
            ThreadStoreError::Unavailable {
                message: format!("cannot reach the store {}: {err}", redact_url(url)),
            }
        })?;
        connect::migrate(&mut client).await?;
        Ok(PgThreadStore {
            inner: Arc::new(PgStore {
                pool,
                config,
                listener: OnceCell::new(),
                live: Mutex::new(HashMap::new()),
            }),
        })
    }

    async fn client(&self) -> StoreResult<deadpool_postgres::Object> {
        self.inner.pool.get().await.map_err(pool_error)
    }

    fn live(&self) -> std::sync::MutexGuard<'_, HashMap<ThreadId, EventPersistenceMode>> {
        self.inner.live.lock().unwrap_or_else(|e| e.into_inner())
    }

    /// What the store holds of every thread synced from `origin`.
    pub async fn synced_threads(
        &self,
        origin: &ThreadOrigin,
    ) -> StoreResult<HashMap<ThreadId, SyncedThread>> {
        let client = self.client().await?;
        let rows = client
            .query(
                "SELECT thread_id, home_state, synced_offset FROM ct_threads
                 WHERE origin_host = $1 AND origin_home = $2",
                &[&origin.host, &origin.codex_home],
            )
            .await
            .map_err(db_error)?;
        Ok(synced_rows(&rows))
    }

    /// What the store holds of these threads, those synced from `origin`: what a sync of a
    /// few threads compares with, without reading every thread's row.
    pub async fn synced_threads_among(
        &self,
        origin: &ThreadOrigin,
        ids: &[ThreadId],
    ) -> StoreResult<HashMap<ThreadId, SyncedThread>> {
        let ids: Vec<String> = ids.iter().map(ToString::to_string).collect();
        let client = self.client().await?;
        let rows = client
            .query(
                "SELECT thread_id, home_state, synced_offset FROM ct_threads
                 WHERE origin_host = $1 AND origin_home = $2 AND thread_id = ANY($3)",
                &[&origin.host, &origin.codex_home, &ids],
            )
            .await
            .map_err(db_error)?;
        Ok(synced_rows(&rows))
    }

    /// Records the home's view of a thread (last edit wins for the editable fields; see
    /// `merge`) and returns how far its rollout is already stored.
    pub async fn sync_thread_metadata(
        &self,
        origin: &ThreadOrigin,
        home: StoredThread,
        home_state: String,
    ) -> StoreResult<u64> {
        let mut client = self.client().await?;
        let tx = client.transaction().await.map_err(db_error)?;
        let id = home.thread_id.to_string();
        // Two syncs creating the same thread at once: the second waits here and merges.
        tx.execute(
            "SELECT pg_advisory_xact_lock(hashtextextended($1, 7424))",
            &[&id],
        )
        .await
        .map_err(db_error)?;
        // The first role to sync a thread owns it: another role's sync of it is refused by name.
        let owners = tx
            .query_one("SELECT ct_thread_owner($1), current_user::text", &[&id])
            .await
            .map_err(db_error)?;
        let (owner, me): (Option<String>, String) = (owners.get(0), owners.get(1));
        if let Some(owner) = owner.filter(|owner| *owner != me) {
            return Err(ThreadStoreError::Conflict {
                message: format!(
                    "thread {id} belongs to the store role {owner}; not synced as {me}"
                ),
            });
        }
        let existing = lock_row(&tx, home.thread_id).await?;
        let row = merge::merge_home_thread(existing, home, origin.clone(), home_state);
        row.write(&tx).await?;
        notify_change(&tx, &id).await?;
        tx.commit().await.map_err(db_error)?;
        Ok(row.synced_offset as u64)
    }

    /// Stores lines of a thread's rollout that the store does not have yet and moves its
    /// synced offset to `end`. Safe with other writers: the thread's row is locked, lines at
    /// or past the stored offset are inserted, and a line already there is left alone.
    /// Returns how many lines were added.
    pub async fn push_lines(
        &self,
        thread_id: ThreadId,
        lines: &[PushLine],
        end: u64,
    ) -> StoreResult<usize> {
        let mut client = self.client().await?;
        let tx = client.transaction().await.map_err(db_error)?;
        let added = push_lines_in(&tx, thread_id, lines, end).await?;
        tx.commit().await.map_err(db_error)?;
        Ok(added)
    }

    /// Records that the home's state `state` of a thread is wholly in the store.
    pub async fn mark_synced(&self, thread_id: ThreadId, state: &str) -> StoreResult<()> {
        let client = self.client().await?;
        client
            .execute(
                "UPDATE ct_threads SET home_state = $2 WHERE thread_id = $1",
                &[&thread_id.to_string(), &no_nul(state)],
            )
            .await
            .map_err(db_error)?;
        Ok(())
    }

    async fn read_row(
        &self,
        thread_id: ThreadId,
        include_archived: bool,
    ) -> StoreResult<ThreadRow> {
        let client = self.client().await?;
        let row = client
            .query_opt(
                &format!(
                    "SELECT {} FROM ct_threads WHERE thread_id = $1",
                    *SELECT_COLUMNS
                ),
                &[&thread_id.to_string()],
            )
            .await
            .map_err(db_error)?
            .ok_or(ThreadStoreError::not_found(thread_id))?;
        let row = ThreadRow::from_row(&row)?;
        check_archived(&row.thread, include_archived)?;
        Ok(row)
    }

    /// Runs `edit` on the locked row of a thread and writes the result, notifying followers.
    async fn edit_row(
        &self,
        thread_id: ThreadId,
        edit: impl FnOnce(&mut ThreadRow) -> StoreResult<()>,
    ) -> StoreResult<StoredThread> {
        let mut client = self.client().await?;
        let tx = client.transaction().await.map_err(db_error)?;
        let Some(mut row) = lock_row(&tx, thread_id).await? else {
            return Err(self.not_editable(thread_id).await);
        };
        edit(&mut row)?;
        row.write(&tx).await?;
        notify_change(&tx, &thread_id.to_string()).await?;
        tx.commit().await.map_err(db_error)?;
        Ok(row.thread)
    }

    /// Why a thread could not be locked for an edit: it is not there, or not for this role to
    /// see (not found either way), or this role may see it but not edit it (row-level
    /// security: another member's thread, and this role is no editor).
    async fn not_editable(&self, thread_id: ThreadId) -> ThreadStoreError {
        let not_found = ThreadStoreError::not_found(thread_id);
        if self.read_row(thread_id, true).await.is_err() {
            return not_found;
        }
        let Ok(client) = self.client().await else {
            return not_found;
        };
        match client
            .query_one(
                "SELECT ct_thread_owner($1), current_user::text",
                &[&thread_id.to_string()],
            )
            .await
        {
            Ok(row) => {
                let (owner, me): (Option<String>, String) = (row.get(0), row.get(1));
                ThreadStoreError::invalid(format!(
                    "thread {thread_id} is read-only for the store role {me}: it belongs to {}; \
                     editing another member's threads needs membership in codex_threads_editors",
                    owner.unwrap_or_default()
                ))
            }
            Err(_) => not_found,
        }
    }

    async fn lines_page(&self, params: &ReadHistoryPageParams) -> StoreResult<ThreadHistoryPage> {
        let client = self.client().await?;
        let id = params.thread_id.to_string();
        let limit = params.limit.max(1) as i64;
        let forward = params.direction == HistoryDirection::Forward;
        let rows = if forward {
            let from = params.anchor.map_or(0, |c| c.0) as i64;
            client
                .query(
                    "SELECT byte_offset, byte_len, raw FROM ct_lines
                     WHERE thread_id = $1 AND byte_offset >= $2
                     ORDER BY byte_offset LIMIT $3",
                    &[&id, &from, &(limit + 1)],
                )
                .await
        } else {
            let before = params.anchor.map_or(i64::MAX, |c| c.0 as i64);
            client
                .query(
                    "SELECT byte_offset, byte_len, raw FROM ct_lines
                     WHERE thread_id = $1 AND byte_offset < $2
                     ORDER BY byte_offset DESC LIMIT $3",
                    &[&id, &before, &(limit + 1)],
                )
                .await
        }
        .map_err(db_error)?;
        let more = rows.len() as i64 > limit;
        let mut found: Vec<(u64, u64, String)> = rows
            .iter()
            .take(limit as usize)
            .map(|row| {
                (
                    row.get::<_, i64>(0) as u64,
                    row.get::<_, i64>(1) as u64,
                    row.get::<_, String>(2),
                )
            })
            .collect();
        if !forward {
            found.reverse();
        }
        let bytes_read = found.iter().map(|(_, _, raw)| raw.len() as u64).sum();
        let (start, end) = match (found.first(), found.last()) {
            (Some(first), Some(last)) => (HistoryCursor(first.0), HistoryCursor(last.0 + last.1)),
            _ => {
                let at = params.anchor.unwrap_or_default();
                (at, at)
            }
        };
        let (at_start, at_end) = if forward {
            let at_start = found.is_empty() && params.anchor.is_none_or(|a| a.0 == 0)
                || found.first().is_some_and(|first| first.0 == 0)
                || !self.has_line_before(&id, start).await?;
            (at_start, !more)
        } else {
            (
                !more,
                !self.has_line_at_or_after(&id, end, params.anchor).await?,
            )
        };
        let lines = found
            .into_iter()
            .map(|(offset, len, raw)| {
                // `sync` pushes a line too long to read as an empty text with its length.
                let line = if raw.is_empty() && len > 1 {
                    Ok(RolloutLine::omitted(
                        b"",
                        len - 1,
                        crate::rollout::MAX_LINE_BYTES as u64,
                    ))
                } else {
                    RolloutLine::decode(&raw).map_err(|err| err.to_string())
                };
                HistoryLine {
                    cursor: HistoryCursor(offset),
                    bytes: raw.len() as u64,
                    line,
                    raw: (params.include_raw && !raw.is_empty()).then_some(raw),
                }
            })
            .collect();
        Ok(ThreadHistoryPage {
            lines,
            start,
            end,
            at_start,
            at_end,
            skipped_lines: 0,
            bytes_read,
        })
    }

    async fn has_line_before(&self, id: &str, at: HistoryCursor) -> StoreResult<bool> {
        let client = self.client().await?;
        let row = client
            .query_one(
                "SELECT EXISTS (SELECT 1 FROM ct_lines WHERE thread_id = $1 AND byte_offset < $2)",
                &[&id, &(at.0 as i64)],
            )
            .await
            .map_err(db_error)?;
        Ok(row.get(0))
    }

    async fn has_line_at_or_after(
        &self,
        id: &str,
        end: HistoryCursor,
        anchor: Option<HistoryCursor>,
    ) -> StoreResult<bool> {
        // Reading backward from no anchor starts at the end.
        if anchor.is_none() {
            return Ok(false);
        }
        let client = self.client().await?;
        let row = client
            .query_one(
                "SELECT EXISTS (SELECT 1 FROM ct_lines WHERE thread_id = $1 AND byte_offset >= $2)",
                &[&id, &(end.0 as i64)],
            )
            .await
            .map_err(db_error)?;
        Ok(row.get(0))
    }

    async fn listener(&self) -> Option<Arc<Listener>> {
        self.inner
            .listener
            .get_or_init(|| async {
                Listener::start(&self.inner.config)
                    .await
                    .map_err(|err| tracing::warn!(%err, "cannot listen for store changes"))
                    .ok()
            })
            .await
            .clone()
    }
}

/// Rows of `thread_id, home_state, synced_offset`, by thread.
fn synced_rows(rows: &[tokio_postgres::Row]) -> HashMap<ThreadId, SyncedThread> {
    rows.iter()
        .filter_map(|row| {
            let id = row.get::<_, String>(0).parse().ok()?;
            Some((
                id,
                SyncedThread {
                    home_state: row.get(1),
                    synced_offset: row.get::<_, i64>(2) as u64,
                },
            ))
        })
        .collect()
}

fn check_archived(thread: &StoredThread, include_archived: bool) -> StoreResult<()> {
    if thread.archived && !include_archived {
        return Err(ThreadStoreError::invalid(format!(
            "thread {} is archived",
            thread.thread_id
        )));
    }
    Ok(())
}

/// The thread's row, locked until the transaction ends.
async fn lock_row(
    tx: &deadpool_postgres::Transaction<'_>,
    thread_id: ThreadId,
) -> StoreResult<Option<ThreadRow>> {
    tx.query_opt(
        &format!(
            "SELECT {} FROM ct_threads WHERE thread_id = $1 FOR UPDATE",
            *SELECT_COLUMNS
        ),
        &[&thread_id.to_string()],
    )
    .await
    .map_err(db_error)?
    .map(|row| ThreadRow::from_row(&row))
    .transpose()
}

/// Tells followers (on commit) that a thread changed.
async fn notify_change(tx: &deadpool_postgres::Transaction<'_>, id: &str) -> StoreResult<()> {
    tx.execute("SELECT pg_notify($1, $2)", &[&notify::CHANNEL, &id])
        .await
        .map_err(db_error)?;
    Ok(())
}

async fn push_lines_in(
    tx: &deadpool_postgres::Transaction<'_>,
    thread_id: ThreadId,
    lines: &[PushLine],
    end: u64,
) -> StoreResult<usize> {
    let id = thread_id.to_string();
    let row = tx
        .query_opt(
            "SELECT synced_offset, line_count FROM ct_threads WHERE thread_id = $1 FOR UPDATE",
            &[&id],
        )
        .await
        .map_err(db_error)?
        .ok_or(ThreadStoreError::not_found(thread_id))?;
    let synced: i64 = row.get(0);
    let mut seq: i64 = row.get(1);
    let fresh: Vec<&PushLine> = lines
        .iter()
        .filter(|line| line.offset as i64 >= synced)
        .collect();
    let mut added = 0;
    let mut redactions: i64 = 0;
    for batch in fresh.chunks(INSERT_BATCH) {
        let offsets: Vec<i64> = batch.iter().map(|l| l.offset as i64).collect();
        let seqs: Vec<i64> = (seq..seq + batch.len() as i64).collect();
        let lens: Vec<i64> = batch.iter().map(|l| l.len as i64).collect();
        let raws: Vec<String> = batch.iter().map(|l| no_nul(&l.raw)).collect();
        let search: Vec<Option<String>> = batch.iter().map(|l| line_search_text(&l.raw)).collect();
        let counts: Vec<i32> = batch.iter().map(|l| l.redactions as i32).collect();
        let params: [&(dyn ToSql + Sync); 7] =
            [&id, &offsets, &seqs, &lens, &raws, &search, &counts];
        // Only the lines inserted count (one already there was counted when it went in).
        let inserted = tx
            .query_one(
                "WITH inserted AS (
                     INSERT INTO ct_lines
                         (thread_id, byte_offset, seq, byte_len, raw, search_text, redactions)
                     SELECT $1, * FROM unnest($2::bigint[], $3::bigint[], $4::bigint[],
                                              $5::text[], $6::text[], $7::int[])
                     ON CONFLICT (thread_id, byte_offset) DO NOTHING
                     RETURNING redactions)
                 SELECT count(*), coalesce(sum(redactions), 0)::bigint FROM inserted",
                &params,
            )
            .await
            .map_err(db_error)?;
        let (inserted, redacted): (i64, i64) = (inserted.get(0), inserted.get(1));
        seq += inserted;
        added += inserted as usize;
        redactions += redacted;
    }
    tx.execute(
        "UPDATE ct_threads SET synced_offset = greatest(synced_offset, $2), line_count = $3,
             redactions = redactions + $4
         WHERE thread_id = $1",
        &[&id, &(end as i64), &seq, &redactions],
    )
    .await
    .map_err(db_error)?;
    if added > 0 {
        notify_change(tx, &id).await?;
    }
    Ok(added)
}

/// The text a search looks in, decided when the line is stored (`None`: never a hit),
/// lowercased: what finds the candidate lines of any query (see `search`).
fn line_search_text(raw: &str) -> Option<String> {
    if crate::text::skipped_by_search(raw.as_bytes()) {
        return None;
    }
    let line = RolloutLine::decode(raw).ok()?;
    crate::text::searchable_text(&line.item).map(|text| no_nul(&text.to_lowercase()))
}

/// The host name, for the origin of threads created here.
pub fn host_name() -> String {
    std::fs::read_to_string("/proc/sys/kernel/hostname")
        .or_else(|_| std::fs::read_to_string("/etc/hostname"))
        .map(|name| name.trim().to_string())
        .ok()
        .filter(|name| !name.is_empty())
        .unwrap_or_else(|| "localhost".to_string())
}

#[async_trait]
impl ThreadStore for PgThreadStore {
    fn as_any(&self) -> &dyn Any {
        self
    }

    async fn create_thread(&self, params: CreateThreadParams) -> StoreResult<()> {
        let now = now_millis();
        let mut thread = params.new_thread(now);
        thread.origin = Some(ThreadOrigin {
            host: host_name(),
            codex_home: String::new(),
        });
        let first = RolloutLine {
            timestamp: format_rollout_timestamp(now),
            ordinal: None,
            item: RolloutItem::SessionMeta(params.session_meta(now)),
        }
        .encode();
        let row = ThreadRow {
            thread,
            rollout_path: None,
            edits: Default::default(),
            home: None,
            synced_offset: 0,
            line_count: 0,
        };
        let mut client = self.client().await?;
        let tx = client.transaction().await.map_err(db_error)?;
        let exists = tx
            .query_opt(
                "SELECT 1 FROM ct_threads WHERE thread_id = $1",
                &[&params.thread_id.to_string()],
            )
            .await
            .map_err(db_error)?
            .is_some();
        if exists {
            return Err(ThreadStoreError::Conflict {
                message: format!("thread {} already exists", params.thread_id),
            });
        }
        row.write(&tx).await?;
        let len = first.len() as u64 + 1;
        push_lines_in(
            &tx,
            params.thread_id,
            &[PushLine {
                offset: 0,
                len,
                raw: first,
                redactions: 0,
            }],
            len,
        )
        .await?;
        tx.commit().await.map_err(db_error)?;
        self.live()
            .insert(params.thread_id, params.event_persistence_mode);
        Ok(())
    }

    async fn resume_thread(&self, params: ResumeThreadParams) -> StoreResult<()> {
        self.read_row(params.thread_id, params.include_archived)
            .await?;
        self.live()
            .insert(params.thread_id, params.event_persistence_mode);
        Ok(())
    }

    async fn append_items(&self, params: AppendThreadItemsParams) -> StoreResult<()> {
        let mode = self.live().get(&params.thread_id).copied().ok_or_else(|| {
            ThreadStoreError::invalid(format!(
                "thread {} is not open for appends",
                params.thread_id
            ))
        })?;
        let row = self.read_row(params.thread_id, true).await?;
        let mut offset = row.synced_offset as u64;
        let timestamp = format_rollout_timestamp(now_millis());
        let lines: Vec<PushLine> = params
            .items
            .into_iter()
            .filter(|item| is_persisted(item, mode))
            .map(|item| {
                let raw = RolloutLine {
                    timestamp: timestamp.clone(),
                    ordinal: None,
                    item,
                }
                .encode();
                let line = PushLine {
                    offset,
                    len: raw.len() as u64 + 1,
                    raw,
                    redactions: 0,
                };
                offset += line.len;
                line
            })
            .collect();
        self.push_lines(params.thread_id, &lines, offset).await?;
        Ok(())
    }

    async fn persist_thread(&self, thread_id: ThreadId) -> StoreResult<()> {
        self.read_row(thread_id, true).await.map(|_| ())
    }

    async fn flush_thread(&self, thread_id: ThreadId) -> StoreResult<()> {
        // Every append is committed before append_items returns.
        self.read_row(thread_id, true).await.map(|_| ())
    }

    async fn shutdown_thread(&self, thread_id: ThreadId) -> StoreResult<()> {
        self.read_row(thread_id, true).await?;
        self.live().remove(&thread_id);
        Ok(())
    }

    async fn discard_thread(&self, thread_id: ThreadId) -> StoreResult<()> {
        self.live().remove(&thread_id);
        Ok(())
    }

    async fn load_history(&self, params: LoadThreadHistoryParams) -> StoreResult<Vec<RolloutItem>> {
        self.read_row(params.thread_id, params.include_archived)
            .await?;
        let client = self.client().await?;
        let rows = client
            .query(
                "SELECT raw FROM ct_lines WHERE thread_id = $1 ORDER BY byte_offset",
                &[&params.thread_id.to_string()],
            )
            .await
            .map_err(db_error)?;
        Ok(rows
            .iter()
            .filter_map(|row| RolloutLine::decode(row.get(0)).ok())
            .map(|line| line.item)
            .collect())
    }

    async fn read_history_page(
        &self,
        params: ReadHistoryPageParams,
    ) -> StoreResult<ThreadHistoryPage> {
        self.read_row(params.thread_id, params.include_archived)
            .await?;
        self.lines_page(&params).await
    }

    async fn read_thread(&self, params: ReadThreadParams) -> StoreResult<StoredThread> {
        let mut thread = self
            .read_row(params.thread_id, params.include_archived)
            .await?
            .thread;
        if params.include_history {
            thread.history = Some(
                self.load_history(LoadThreadHistoryParams {
                    thread_id: params.thread_id,
                    include_archived: params.include_archived,
                })
                .await?,
            );
        }
        Ok(thread)
    }

    async fn list_threads(&self, params: ListThreadsParams) -> StoreResult<ThreadPage> {
        let cursor = params
            .cursor
            .as_deref()
            .map(ListKey::parse_cursor)
            .transpose()?;
        if params.cwd_filters.as_ref().is_some_and(Vec::is_empty) {
            return Ok(ThreadPage::default());
        }
        let time = match params.sort_key {
            SortKey::CreatedAt => "created_ms",
            SortKey::UpdatedAt => "updated_ms",
        };
        let (order, compare) = match params.sort_direction {
            SortDirection::Asc => ("ASC", ">"),
            SortDirection::Desc => ("DESC", "<"),
        };
        let mut values: Vec<Box<dyn ToSql + Sync + Send>> = vec![Box::new(params.archived)];
        let mut sql = format!(
            "SELECT {} FROM ct_threads WHERE archived = $1 AND preview <> ''",
            *SELECT_COLUMNS
        );
        if let Some(cwds) = &params.cwd_filters {
            let cwds: Vec<String> = cwds
                .iter()
                .map(|c| c.to_string_lossy().into_owned())
                .collect();
            values.push(Box::new(cwds));
            sql += &format!(" AND cwd = ANY(${})", values.len());
        }
        if let Some(term) = params
            .search_term
            .as_deref()
            .map(str::trim)
            .filter(|term| !term.is_empty())
        {
            values.push(Box::new(contains_pattern(&term.to_lowercase())));
            sql += &format!(" AND list_search LIKE ${}", values.len());
        }
        if let Some(cursor) = cursor {
            values.push(Box::new(cursor.at_ms));
            values.push(Box::new(cursor.id.to_string()));
            sql += &format!(
                " AND ({time}, thread_id) {compare} (${}, ${})",
                values.len() - 1,
                values.len()
            );
        }
        sql += &format!(" ORDER BY {time} {order}, thread_id {order}");
        if params.page_size > 0 {
            values.push(Box::new(params.page_size as i64 + 1));
            sql += &format!(" LIMIT ${}", values.len());
        }
        let client = self.client().await?;
        let refs: Vec<&(dyn ToSql + Sync)> = values
            .iter()
            .map(|value| value.as_ref() as &(dyn ToSql + Sync))
            .collect();
        let rows = client.query(&sql, &refs).await.map_err(db_error)?;
        let threads = rows
            .iter()
            .map(|row| ThreadRow::from_row(row).map(|row| row.thread))
            .collect::<StoreResult<Vec<_>>>()?;
        let keyed = threads
            .into_iter()
            .map(|thread| (ListKey::of(&thread, params.sort_key), thread))
            .collect();
        Ok(super::listing::take_page(keyed, params.page_size))
    }

    async fn threads_by_reference(
        &self,
        id_prefix: &str,
        name: &str,
    ) -> StoreResult<Vec<StoredThread>> {
        // The primary key (collation "C") serves the prefix, `ct_threads_by_name` the name.
        let sql = format!(
            "SELECT {} FROM ct_threads
             WHERE (thread_id LIKE $1 OR name = $2) AND preview <> ''",
            *SELECT_COLUMNS
        );
        let client = self.client().await?;
        let rows = client
            .query(&sql, &[&prefix_pattern(id_prefix), &name])
            .await
            .map_err(db_error)?;
        rows.iter()
            .map(|row| ThreadRow::from_row(row).map(|row| row.thread))
            .collect()
    }

    async fn update_thread_metadata(
        &self,
        params: UpdateThreadMetadataParams,
    ) -> StoreResult<StoredThread> {
        let include_archived = params.include_archived;
        let patch = params.patch;
        if patch.section.is_some() || patch.project.is_some() {
            return Err(ThreadStoreError::invalid(
                "a shared store keeps no sections, pins or projects yet: Codex keeps them in the \
                 thread's own home; edit them there"
                    .to_string(),
            ));
        }
        if patch.read.is_some() {
            return Err(ThreadStoreError::invalid(
                "a shared store keeps no read state: Codex keeps it in the thread's own home; \
                 mark it read there"
                    .to_string(),
            ));
        }
        self.edit_row(params.thread_id, move |row| {
            check_archived(&row.thread, include_archived)?;
            let now = now_millis().timestamp_millis();
            if patch.name.is_some() {
                row.edits.name_ms = Some(now);
            }
            if patch.memory_mode.is_some() {
                row.edits.memory_ms = Some(now);
            }
            row.thread.apply_patch(&patch);
            Ok(())
        })
        .await
    }

    async fn archive_thread(&self, thread_id: ThreadId) -> StoreResult<()> {
        self.edit_row(thread_id, |row| {
            check_archived(&row.thread, false)?;
            let now = now_millis();
            row.thread.archived = true;
            row.thread.archived_at = Some(now);
            row.edits.archive_ms = Some(now.timestamp_millis());
            Ok(())
        })
        .await
        .map(|_| ())
    }

    async fn unarchive_thread(&self, thread_id: ThreadId) -> StoreResult<StoredThread> {
        self.edit_row(thread_id, |row| {
            if !row.thread.archived {
                return Err(ThreadStoreError::invalid(format!(
                    "thread {thread_id} is not archived"
                )));
            }
            let now = now_millis();
            row.thread.archived = false;
            row.thread.archived_at = None;
            row.thread.updated_at = now;
            row.edits.archive_ms = Some(now.timestamp_millis());
            Ok(())
        })
        .await
    }

    /// Removes the thread and its lines from the store (no Codex home is touched; a later
    /// `sync` of a home that still has the thread pushes it again).
    async fn delete_thread(&self, thread_id: ThreadId) -> StoreResult<DeletedThread> {
        let mut client = self.client().await?;
        let tx = client.transaction().await.map_err(db_error)?;
        if lock_row(&tx, thread_id).await?.is_none() {
            return Err(self.not_editable(thread_id).await);
        }
        tx.execute(
            "DELETE FROM ct_threads WHERE thread_id = $1",
            &[&thread_id.to_string()],
        )
        .await
        .map_err(db_error)?;
        notify_change(&tx, &thread_id.to_string()).await?;
        tx.commit().await.map_err(db_error)?;
        Ok(DeletedThread {
            thread_id,
            trashed: Vec::new(),
        })
    }

    async fn search(
        &self,
        params: SearchParams,
        hits: tokio::sync::mpsc::Sender<SearchHit>,
    ) -> StoreResult<SearchStats> {
        search::search(self, params, hits).await
    }

    async fn watch_thread(
        &self,
        thread_id: ThreadId,
        wake: tokio::sync::mpsc::Sender<()>,
    ) -> Option<Box<dyn Any + Send>> {
        let listener = self.listener().await?;
        Some(Box::new(listener.subscribe(thread_id, wake)))
    }
}

mod search;
