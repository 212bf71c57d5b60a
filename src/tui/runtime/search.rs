//! Runs a full-text search for the UI: hits go back in batches of whatever has arrived, with the
//! metadata of each thread the first time it appears, then the totals.

use std::collections::HashSet;
use std::sync::Arc;

use tokio::sync::mpsc;

use crate::manager::ThreadManager;
use crate::protocol::ThreadId;
use crate::store::{ReadThreadParams, SearchHit, SearchParams};
use crate::tui::app::Msg;

/// Hits sent in one message, at most.
const BATCH: usize = 512;

pub async fn run_search(
    manager: Arc<ThreadManager>,
    request_id: u64,
    params: SearchParams,
    results: mpsc::UnboundedSender<Msg>,
) {
    // A search of one thread needs no metadata: the history already has it.
    let wants_threads = params.thread_id.is_none();
    let mut run = manager.search(params);
    let mut seen: HashSet<ThreadId> = HashSet::new();
    let mut unreadable: HashSet<ThreadId> = HashSet::new();
    let mut batch: Vec<SearchHit> = Vec::with_capacity(BATCH);
    while run.hits.recv_many(&mut batch, BATCH).await > 0 {
        let mut threads = Vec::new();
        if wants_threads {
            for hit in &batch {
                if seen.insert(hit.thread_id) {
                    match read_thread(&manager, hit.thread_id).await {
                        Some(thread) => threads.push(thread),
                        None => {
                            unreadable.insert(hit.thread_id);
                        }
                    }
                }
            }
        }
        let hits = batch
            .drain(..)
            .filter(|hit| !unreadable.contains(&hit.thread_id))
            .collect();
        let msg = Msg::SearchHits {
            request_id,
            threads,
            hits,
        };
        if results.send(msg).is_err() {
            return;
        }
    }
    let result = match run.done.await {
        Ok(result) => result.map_err(|err| err.to_string()),
        Err(err) => Err(err.to_string()),
    };
    let _ = results.send(Msg::SearchDone { request_id, result });
}

async fn read_thread(
    manager: &ThreadManager,
    thread_id: ThreadId,
) -> Option<crate::store::StoredThread> {
    let params = ReadThreadParams {
        thread_id,
        include_archived: true,
        include_history: false,
    };
    match manager.read_thread(params).await {
        Ok(thread) => Some(thread),
        Err(err) => {
            tracing::debug!(%err, %thread_id, "a search hit's thread could not be read");
            None
        }
    }
}
