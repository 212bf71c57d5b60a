//! `search`: hits streamed as they are found, under their thread's title, or as JSON Lines.

use std::io::Write;

use super::listing::warn_skipped;
use super::{search_output, table};
use crate::manager::ThreadManager;
use crate::store::SearchParams;

pub(super) async fn search(
    manager: &ThreadManager,
    query: String,
    include_archived: bool,
    json: bool,
    out: &mut dyn Write,
) -> anyhow::Result<()> {
    let mut run = manager.search(SearchParams {
        query,
        include_archived,
        thread_id: None,
        max_hits_per_thread: None,
    });
    let mut printer = search_output::HitPrinter::new(table::output_width());
    while let Some(hit) = run.hits.recv().await {
        if json {
            writeln!(out, "{}", serde_json::to_string(&hit)?)?;
        } else {
            // What has arrived is printed together, grouped by thread (the rollouts are
            // searched in parallel, so their hits arrive interleaved).
            let mut batch = vec![hit];
            while batch.len() < search_output::MAX_BATCH
                && let Ok(hit) = run.hits.try_recv()
            {
                batch.push(hit);
            }
            printer.print_batch(manager, batch, out).await?;
        }
        // Hits stream: whatever has been found is shown before waiting for more.
        if run.hits.is_empty() {
            out.flush()?;
        }
    }
    let stats = run.done.await??;
    warn_skipped(&stats.skipped);
    Ok(())
}
