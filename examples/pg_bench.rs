//! Figures for the shared PostgreSQL store (issue 10):
//! `cargo run --release --example pg_bench -- HOME URL [QUERY]`, with `URL` a superuser URL of
//! a throwaway server (`eval "$(scripts/pg-test-server.sh)"` gives `$CODEX_THREADS_TEST_PG`).
//!
//! In a new database it times `sync` of the whole home into the empty store and a second
//! `sync` (nothing new); then PostgreSQL's own binary `COPY` of the same lines into the same
//! table (emptied, same indexes) as the baseline; then a 50-thread listing and a full-text
//! search through the store against the same search on the home; and the follow latency
//! through the store: from a line appended to a rollout of the home, through a `sync` pass
//! (what `sync --watch` runs on the file event), until a follower on the store (woken by
//! `LISTEN`) has it. That appends a few lines to the newest legacy rollout of HOME: run it on a
//! generated home. The database and the copy file are removed at the end. Benchmarks are not
//! tests: nothing fails.

use std::path::Path;
use std::sync::Arc;
use std::time::{Duration, Instant};

use codex_threads::manager::{FollowEvent, ThreadManager};
use codex_threads::protocol::{EventMsg, HistoryMode, RolloutItem, RolloutLine, UserMessageEvent};
use codex_threads::rollout::append_line;
use codex_threads::store::local::{LocalStoreOptions, LocalThreadStore};
use codex_threads::store::pg::{PgThreadStore, with_database};
use codex_threads::store::{
    HistoryDirection, ListThreadsParams, ReadHistoryPageParams, SearchParams, ThreadOrigin,
    ThreadStore,
};
use codex_threads::sync::{origin_of, sync_once};
use tokio_postgres::NoTls;

const RUNS: usize = 5;

#[tokio::main]
async fn main() -> anyhow::Result<()> {
    let args: Vec<String> = std::env::args().skip(1).collect();
    let [home, url, rest @ ..] = args.as_slice() else {
        anyhow::bail!("usage: pg_bench HOME URL [QUERY]");
    };
    let query = rest.first().map_or("FAILED", String::as_str);
    let home = Path::new(home);
    let database = format!("ct_bench_{}", std::process::id());
    admin(url, "postgres", &format!("CREATE DATABASE {database}")).await?;
    let result = measure(home, &with_database(url, &database), query).await;
    admin(
        url,
        "postgres",
        &format!("DROP DATABASE {database} WITH (FORCE)"),
    )
    .await?;
    result
}

async fn measure(home: &Path, url: &str, query: &str) -> anyhow::Result<()> {
    let local = Arc::new(LocalThreadStore::open(home, LocalStoreOptions::default()));
    let store = PgThreadStore::connect(url).await?;
    let origin = origin_of(home);

    let started = Instant::now();
    let first = sync_once(&local, &store, &origin).await?;
    let sync_time = started.elapsed();
    let started = Instant::now();
    let again = sync_once(&local, &store, &origin).await?;
    let resync_time = started.elapsed();
    let copy_time = copy_baseline(url).await?;

    let list_times = timed_runs(|| async {
        store
            .list_threads(ListThreadsParams {
                page_size: 50,
                ..Default::default()
            })
            .await
            .map(|_| ())
    })
    .await?;
    let (store_hits, store_search) = search(&store, query).await?;
    let (home_hits, home_search) = search(local.as_ref(), query).await?;
    let follow_times = follow_latency(&local, &store, &origin).await?;

    let gb = first.bytes_added as f64 / 1e9;
    println!(
        "home: {} — {} threads, {} lines, {gb:.2} GB pushed",
        home.display(),
        first.threads,
        first.lines_added
    );
    println!();
    println!("| figure | time | baseline |");
    println!("| --- | --- | --- |");
    println!(
        "| `sync --to` of the whole home (empty store) | {} ({:.1} MB/s) | `COPY ct_lines FROM` (binary, the same lines, same indexes): {} |",
        secs(sync_time),
        first.bytes_added as f64 / 1e6 / sync_time.as_secs_f64(),
        secs(copy_time)
    );
    println!(
        "| `sync --to` again ({} lines added) | {} | — |",
        again.lines_added,
        secs(resync_time)
    );
    println!(
        "| store: list of the 50 newest threads (median of {RUNS}) | {} | — |",
        millis(median(list_times))
    );
    println!(
        "| store: search `{query}` ({store_hits} hits) | {} | the same search on the home: {} ({home_hits} hits) |",
        secs(store_search),
        secs(home_search)
    );
    println!(
        "| follow through the store: append → `sync` pass → follower ({FOLLOW_RUNS} lines) | p50 {}, max {} | the `sync` pass alone: {} |",
        millis(median(follow_times.clone())),
        millis(follow_times.iter().copied().max().unwrap_or_default()),
        secs(resync_time)
    );
    Ok(())
}

const FOLLOW_RUNS: usize = 10;

/// Appends lines to the newest legacy plain rollout and times each until a follower on the
/// store has it.
async fn follow_latency(
    local: &Arc<LocalThreadStore>,
    store: &PgThreadStore,
    origin: &ThreadOrigin,
) -> anyhow::Result<Vec<Duration>> {
    let newest = local
        .list_threads(ListThreadsParams {
            page_size: 0,
            ..Default::default()
        })
        .await?;
    let thread = newest
        .items
        .into_iter()
        .find(|thread| {
            thread.history_mode == HistoryMode::Legacy
                && thread
                    .rollout_path
                    .as_ref()
                    .is_some_and(|path| path.is_file())
        })
        .ok_or_else(|| anyhow::anyhow!("no plain legacy rollout in the home"))?;
    let path = thread.rollout_path.clone().unwrap_or_default();
    let manager = ThreadManager::new(Arc::new(store.clone()));
    let end = store
        .read_history_page(ReadHistoryPageParams {
            thread_id: thread.thread_id,
            include_archived: false,
            anchor: None,
            direction: HistoryDirection::Backward,
            limit: 1,
            include_raw: false,
        })
        .await?
        .end;
    let mut follower = manager.follow_thread(thread.thread_id, end, false).await?;
    let mut times = Vec::new();
    for run in 0..FOLLOW_RUNS {
        let line = RolloutLine::now(RolloutItem::EventMsg(EventMsg::UserMessage(
            UserMessageEvent {
                message: format!("follow latency probe {run}"),
                ..Default::default()
            },
        )));
        let started = Instant::now();
        append_line(&path, &line)?;
        sync_once(local, store, origin).await?;
        loop {
            match tokio::time::timeout(Duration::from_secs(10), follower.recv()).await {
                Ok(Some(FollowEvent::Lines(lines))) if !lines.is_empty() => break,
                Ok(Some(FollowEvent::Lines(_))) => continue,
                other => anyhow::bail!("the follower stopped: {other:?}"),
            }
        }
        times.push(started.elapsed());
    }
    Ok(times)
}

/// PostgreSQL's own load of the same lines: written out in binary, the table emptied, then
/// `COPY … FROM` timed. The file is the server's (it runs as another user), under /tmp.
async fn copy_baseline(url: &str) -> anyhow::Result<Duration> {
    let client = connect(url).await?;
    let file = format!("/tmp/ct_bench_lines_{}.bin", std::process::id());
    client
        .batch_execute(&format!("COPY ct_lines TO '{file}' (FORMAT binary)"))
        .await?;
    client.batch_execute("TRUNCATE ct_lines").await?;
    let started = Instant::now();
    client
        .batch_execute(&format!("COPY ct_lines FROM '{file}' (FORMAT binary)"))
        .await?;
    let elapsed = started.elapsed();
    let _ = std::fs::remove_file(&file);
    Ok(elapsed)
}

async fn search(store: &dyn ThreadStore, query: &str) -> anyhow::Result<(usize, Duration)> {
    let (hits, mut received) = tokio::sync::mpsc::channel(1024);
    let drain = tokio::spawn(async move { while received.recv().await.is_some() {} });
    let started = Instant::now();
    let stats = store
        .search(
            SearchParams {
                query: query.to_string(),
                include_archived: true,
                thread_id: None,
                max_hits_per_thread: None,
            },
            hits,
        )
        .await?;
    let elapsed = started.elapsed();
    drain.await?;
    Ok((stats.hits, elapsed))
}

async fn timed_runs<F, Fut, E>(run: F) -> anyhow::Result<Vec<Duration>>
where
    F: Fn() -> Fut,
    Fut: std::future::Future<Output = Result<(), E>>,
    E: std::error::Error + Send + Sync + 'static,
{
    let mut times = Vec::new();
    for _ in 0..RUNS {
        let started = Instant::now();
        run().await?;
        times.push(started.elapsed());
    }
    Ok(times)
}

fn median(mut times: Vec<Duration>) -> Duration {
    times.sort();
    times[times.len() / 2]
}

fn secs(time: Duration) -> String {
    format!("{:.2} s", time.as_secs_f64())
}

fn millis(time: Duration) -> String {
    format!("{:.1} ms", time.as_secs_f64() * 1000.0)
}

async fn connect(url: &str) -> anyhow::Result<tokio_postgres::Client> {
    let (client, connection) = tokio_postgres::connect(url, NoTls).await?;
    tokio::spawn(connection);
    Ok(client)
}

async fn admin(url: &str, database: &str, sql: &str) -> anyhow::Result<()> {
    connect(&with_database(url, database))
        .await?
        .batch_execute(sql)
        .await?;
    Ok(())
}
