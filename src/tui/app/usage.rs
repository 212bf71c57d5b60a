//! Each listed thread's own tokens, cost and size (`usage::ThreadFigures`), counted in the
//! background when rows arrive and again when a row's rollout changed; the list and the preview
//! only read what came back.

use std::collections::{HashMap, HashSet};

use chrono::{DateTime, Utc};

use super::msg::Effect;
use super::state::State;
use crate::protocol::ThreadId;
use crate::store::StoredThread;
use crate::usage::ThreadFigures;

/// Threads counted per request: a long list fills in a batch at a time.
const BATCH: usize = 64;

/// What a row's figures were counted for: a rollout that moved on is counted again.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct UsageKey {
    pub updated_at: DateTime<Utc>,
    pub bytes: Option<u64>,
}

impl UsageKey {
    pub fn of(thread: &StoredThread) -> Self {
        UsageKey {
            updated_at: thread.updated_at,
            bytes: thread.rollout_bytes,
        }
    }
}

/// A row's figures as the screen shows them.
#[derive(Clone, Debug, PartialEq)]
pub enum RowUsage {
    /// Asked for, not back yet.
    Counting,
    /// Counted (`tokens: None` inside: the store had no usage for it, e.g. a shared store).
    Known(ThreadFigures),
    /// Counting failed: why.
    Failed(String),
}

/// The prices the figures were costed with.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct PricesUsed {
    pub taken: String,
    pub source: String,
}

/// What the runtime counted for a batch of rows.
#[derive(Clone, Debug)]
pub struct UsageBatch {
    pub figures: HashMap<ThreadId, ThreadFigures>,
    pub prices: PricesUsed,
}

#[derive(Clone, Debug, Default)]
pub struct UsageView {
    rows: HashMap<ThreadId, (UsageKey, RowUsage)>,
    /// Rows whose request is in flight.
    counting: HashSet<ThreadId>,
    pub prices: Option<PricesUsed>,
}

impl UsageView {
    /// The row's figures; `Counting` for a row not asked for yet (it will be).
    pub fn get(&self, id: &ThreadId) -> &RowUsage {
        const COUNTING: RowUsage = RowUsage::Counting;
        self.rows.get(id).map_or(&COUNTING, |(_, usage)| usage)
    }
}

/// Requests for the listed rows whose figures are missing or were counted for an older state
/// of their rollout (a row whose figures are on the way keeps them until they come).
pub fn request(state: &mut State) -> Vec<Effect> {
    let usage = &state.usage;
    let wanted: Vec<StoredThread> = state
        .list
        .rows
        .iter()
        .map(|row| &row.thread)
        .filter(|thread| !usage.counting.contains(&thread.thread_id))
        .filter(|thread| {
            usage
                .rows
                .get(&thread.thread_id)
                .is_none_or(|(key, _)| *key != UsageKey::of(thread))
        })
        .cloned()
        .collect();
    let mut effects = Vec::new();
    for batch in wanted.chunks(BATCH) {
        for thread in batch {
            state.usage.counting.insert(thread.thread_id);
            // A recount keeps showing the last figures until the new ones come.
            state
                .usage
                .rows
                .entry(thread.thread_id)
                .or_insert((UsageKey::of(thread), RowUsage::Counting));
        }
        effects.push(Effect::LoadUsage {
            threads: batch.to_vec(),
        });
    }
    effects
}

/// Takes what came back for `threads` (as they were asked for).
pub fn on_loaded(
    state: &mut State,
    threads: Vec<(ThreadId, UsageKey)>,
    result: Result<UsageBatch, String>,
) {
    let usage = &mut state.usage;
    match result {
        Ok(mut batch) => {
            for (id, key) in threads {
                usage.counting.remove(&id);
                let figures = batch.figures.remove(&id).unwrap_or_default();
                usage.rows.insert(id, (key, RowUsage::Known(figures)));
            }
            usage.prices = Some(batch.prices);
        }
        Err(error) => {
            for (id, key) in threads {
                usage.counting.remove(&id);
                usage
                    .rows
                    .insert(id, (key, RowUsage::Failed(error.clone())));
            }
        }
    }
}
