//! Figures for the shared PostgreSQL store (issue 10):
//! `cargo run --release --example pg_bench -- HOME URL [QUERY…]`, with `URL` a superuser URL of
//! a throwaway server (`eval "$(scripts/pg-test-server.sh)"` gives `$CODEX_THREADS_TEST_PG`).
//!
//! In a new database it times `sync` of the whole home into the empty store and a second
//! `sync` (nothing new); then PostgreSQL's own binary `COPY` of the same lines into the same
//! table (emptied, same indexes) as the baseline; then a 50-thread listing, resolving a thread
//! by id prefix, and full-text searches (`DEFAULT_QUERIES` unless given) through the store
//! against the same on the home; and `sync --watch` (see
//! `watch_figures`). The database and the copy file are removed at the end.
//!
//! `pg_bench --follow HOME URL` measures `sync --watch` alone, on the database of `URL` as it
//! is (one that already holds HOME, so that its first pass has nothing to push: a large home
//! is synced once, then measured as often as needed).
//!
//! `sync --watch` figures: CPU time while nothing changes; a new thread (a probe rollout
//! written into today's directory of HOME) until its lines are in the store; then lines
//! appended to it, each until it is in the store and until a follower on the store (woken by
//! `LISTEN`) has it. The probe rollout (and any directory made for it) is removed from HOME
//! and its thread from the store at the end; nothing else in HOME is written. Benchmarks are
//! not tests: nothing fails.

use std::path::Path;
use std::sync::Arc;
use std::time::{Duration, Instant};

use codex_threads::manager::{FollowEvent, ThreadManager};
use codex_threads::protocol::{
    EventMsg, RolloutItem, RolloutLine, SessionMeta, ThreadId, UserMessageEvent,
};
use codex_threads::rollout::append_line;
use codex_threads::store::local::{LocalStoreOptions, LocalThreadStore};
use codex_threads::store::pg::{PgThreadStore, with_database};
use codex_threads::store::{
    HistoryDirection, ListThreadsParams, ReadHistoryPageParams, SearchParams, ThreadOrigin,
    ThreadStore,
};
use codex_threads::sync::{SyncReport, origin_of, sync_once, sync_watch};
use tokio_postgres::NoTls;

const RUNS: usize = 5;

/// Searches timed when none are given: many hits with capitals (an exact match), many without
/// (any case), and a word in no line (the index alone answers).
const DEFAULT_QUERIES: &[&str] = &["FAILED", "failed", "xyzzy-in-no-line"];

#[tokio::main]
async fn main() -> anyhow::Result<()> {
    let args: Vec<String> = std::env::args().skip(1).collect();
    if let [flag, home, url] = args.as_slice()
        && flag == "--follow"
    {
        let home = Path::new(home);
        let local = LocalThreadStore::open(home, LocalStoreOptions::default());
        let store = PgThreadStore::connect(url).await?;
        let figures = watch_figures(&local, &store, &origin_of(home)).await?;
        println!("home: {}", home.display());
        println!();
        println!("| figure | time |");
        println!("| --- | --- |");
        figures.print();
        return Ok(());
    }
    let [home, url, rest @ ..] = args.as_slice() else {
        anyhow::bail!("usage: pg_bench HOME URL [QUERY…] | pg_bench --follow HOME URL");
    };
    let queries: Vec<&str> = if rest.is_empty() {
        DEFAULT_QUERIES.to_vec()
    } else {
        rest.iter().map(String::as_str).collect()
    };
    let home = Path::new(home);
    let database = format!("ct_bench_{}", std::process::id());
    admin(url, "postgres", &format!("CREATE DATABASE {database}")).await?;
    let result = measure(home, &with_database(url, &database), &queries).await;
    admin(
        url,
        "postgres",
        &format!("DROP DATABASE {database} WITH (FORCE)"),
    )
    .await?;
    result
}

async fn measure(home: &Path, url: &str, queries: &[&str]) -> anyhow::Result<()> {
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
    let store_manager = ThreadManager::new(Arc::new(PgThreadStore::connect(url).await?));
    let home_manager = ThreadManager::new(local.clone());
    let newest = store
        .list_threads(ListThreadsParams {
            page_size: 1,
            ..Default::default()
        })
        .await?
        .items;
    let prefix = newest
        .first()
        .map(|thread| thread.thread_id.to_string()[..30].to_string())
        .unwrap_or_default();
    let resolve_times = |manager: ThreadManager| {
        let prefix = prefix.clone();
        async move { timed_runs(|| async { manager.resolve_thread(&prefix).await.map(|_| ()) }).await }
    };
    let store_resolve = median(resolve_times(store_manager).await?);
    let home_resolve = median(resolve_times(home_manager).await?);
    let mut searches = Vec::new();
    for query in queries {
        let on_store = search(&store, query).await?;
        let on_home = search(local.as_ref(), query).await?;
        searches.push((query, on_store, on_home));
    }
    let watch = watch_figures(&local, &store, &origin).await?;

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
        "| store: a thread by id prefix (`show PREFIX`; median of {RUNS}) | {} | on the home: {} |",
        millis(store_resolve),
        millis(home_resolve)
    );
    for (query, (store_hits, store_search), (home_hits, home_search)) in searches {
        println!(
            "| store: search `{query}` ({store_hits} hits) | {} | the same search on the home: {} ({home_hits} hits) |",
            secs(store_search),
            secs(home_search)
        );
    }
    watch.print();
    Ok(())
}

/// Lines appended to the probe thread, each timed.
const FOLLOW_RUNS: usize = 40;

/// How long the watch is left alone to measure what it costs with nothing changing. Shorter
/// than its 30 s safety pass, so that the new thread is not timed against that pass; the
/// appends that follow span it.
const IDLE: Duration = Duration::from_secs(20);

/// What `sync --watch` gives a follower on the store, and what it costs meanwhile.
struct WatchFigures {
    first_pass: Duration,
    idle_cpu: Duration,
    idle_passes: usize,
    new_thread: Duration,
    /// Append → the line is in the store.
    stored: Vec<Duration>,
    /// Append → a follower on the store has it.
    heard: Vec<Duration>,
}

impl WatchFigures {
    fn print(&self) {
        println!(
            "| `sync --watch`: first pass (nothing to push) | {} |",
            secs(self.first_pass)
        );
        println!(
            "| `sync --watch`: CPU (user+sys) over {} s with nothing changing | {} ({} passes) |",
            IDLE.as_secs(),
            secs(self.idle_cpu),
            self.idle_passes
        );
        println!(
            "| `sync --watch`: new thread written → its lines in the store | {} |",
            millis(self.new_thread)
        );
        println!(
            "| `sync --watch`: line appended → in the store ({FOLLOW_RUNS} lines) | p50 {}, p95 {}, max {} |",
            millis(percentile(&self.stored, 50)),
            millis(percentile(&self.stored, 95)),
            millis(percentile(&self.stored, 100))
        );
        println!(
            "| `sync --watch`: line appended → a `LISTEN` follower on the store has it | p50 {}, p95 {}, max {} |",
            millis(percentile(&self.heard, 50)),
            millis(percentile(&self.heard, 95)),
            millis(percentile(&self.heard, 100))
        );
    }
}

/// Runs `sync --watch` on the home and times what reaches the store through it.
async fn watch_figures(
    local: &LocalThreadStore,
    store: &PgThreadStore,
    origin: &ThreadOrigin,
) -> anyhow::Result<WatchFigures> {
    let (passes_tx, mut passes) = tokio::sync::mpsc::unbounded_channel();
    let watch = {
        let (local, store, origin) = (local.clone(), store.clone(), origin.clone());
        tokio::spawn(async move {
            sync_watch(&local, &store, &origin, |report: &SyncReport, _| {
                let _ = passes_tx.send(report.clone());
            })
            .await
        })
    };
    let started = Instant::now();
    passes
        .recv()
        .await
        .ok_or_else(|| anyhow::anyhow!("the watch stopped"))?;
    let first_pass = started.elapsed();

    let cpu_before = process_cpu()?;
    tokio::time::sleep(IDLE).await;
    let idle_cpu = process_cpu()?.saturating_sub(cpu_before);
    let mut idle_passes = 0;
    while passes.try_recv().is_ok() {
        idle_passes += 1;
    }

    let probe = Probe::new(local);
    let timed = probe_latencies(&probe, store).await;
    watch.abort();
    let _ = watch.await;
    probe.remove();
    if let Err(err) = store.delete_thread(probe.id).await {
        eprintln!("the probe thread {} is left in the store: {err}", probe.id);
    }
    let (new_thread, stored, heard) = timed?;
    Ok(WatchFigures {
        first_pass,
        idle_cpu,
        idle_passes,
        new_thread,
        stored,
        heard,
    })
}

/// A thread of our own in the home: a rollout in today's directory, removed afterwards with
/// any directory made for it.
struct Probe {
    id: ThreadId,
    path: std::path::PathBuf,
    made_dirs: Vec<std::path::PathBuf>,
}

impl Probe {
    fn new(local: &LocalThreadStore) -> Self {
        let id = ThreadId::new();
        let path = local
            .home()
            .new_rollout_path(id, chrono::Local::now().naive_local());
        let made_dirs = path
            .ancestors()
            .skip(1)
            .take(3) // YYYY/MM/DD
            .filter(|dir| !dir.exists())
            .map(Path::to_path_buf)
            .collect();
        Probe {
            id,
            path,
            made_dirs,
        }
    }

    /// Writes the rollout: a session meta line and a first user message.
    fn write(&self) -> anyhow::Result<u64> {
        let meta = SessionMeta::new(
            self.id,
            chrono::Utc::now().to_rfc3339(),
            "/tmp/pg-bench-probe".to_string(),
        );
        let text = format!(
            "{}\n{}\n",
            RolloutLine::now(RolloutItem::SessionMeta(meta)).encode(),
            user_line("follow latency probe").encode()
        );
        std::fs::create_dir_all(self.path.parent().unwrap_or(Path::new(".")))?;
        std::fs::write(&self.path, &text)?;
        Ok(text.len() as u64)
    }

    fn append(&self, run: usize) -> anyhow::Result<u64> {
        append_line(&self.path, &user_line(&format!("follow probe line {run}")))?;
        Ok(std::fs::metadata(&self.path)?.len())
    }

    fn remove(&self) {
        let _ = std::fs::remove_file(&self.path);
        for dir in &self.made_dirs {
            let _ = std::fs::remove_dir(dir);
        }
    }
}

fn user_line(message: &str) -> RolloutLine {
    RolloutLine::now(RolloutItem::EventMsg(EventMsg::UserMessage(
        UserMessageEvent {
            message: message.to_string(),
            ..Default::default()
        },
    )))
}

/// The new probe thread until its lines are in the store; then each appended line until it
/// is in the store, and until a follower on the store has it.
async fn probe_latencies(
    probe: &Probe,
    store: &PgThreadStore,
) -> anyhow::Result<(Duration, Vec<Duration>, Vec<Duration>)> {
    let started = Instant::now();
    let size = probe.write()?;
    stored_up_to(store, probe.id, size).await?;
    let new_thread = started.elapsed();

    let manager = ThreadManager::new(Arc::new(store.clone()));
    let mut follower = manager
        .follow_thread(probe.id, codex_threads::store::HistoryCursor(size), false)
        .await?;
    let (mut stored, mut heard) = (Vec::new(), Vec::new());
    for run in 0..FOLLOW_RUNS {
        // Irregular gaps, so that appends do not fall in step with a periodic pass.
        tokio::time::sleep(Duration::from_millis(100 + (run as u64 * 137) % 500)).await;
        let started = Instant::now();
        let size = probe.append(run)?;
        let in_store = async {
            stored_up_to(store, probe.id, size).await?;
            anyhow::Ok(started.elapsed())
        };
        let followed = async {
            loop {
                match tokio::time::timeout(Duration::from_secs(10), follower.recv()).await {
                    Ok(Some(FollowEvent::Lines(lines))) if !lines.is_empty() => break,
                    Ok(Some(FollowEvent::Lines(_))) => continue,
                    other => anyhow::bail!("the follower stopped: {other:?}"),
                }
            }
            anyhow::Ok(started.elapsed())
        };
        let (in_store, followed) = tokio::join!(in_store, followed);
        stored.push(in_store?);
        heard.push(followed?);
    }
    Ok((new_thread, stored, heard))
}

/// Waits (up to 10 s, looking every 2 ms) until the store holds the thread's rollout up to
/// byte `end`.
async fn stored_up_to(store: &PgThreadStore, id: ThreadId, end: u64) -> anyhow::Result<()> {
    let deadline = Instant::now() + Duration::from_secs(10);
    loop {
        let page = store
            .read_history_page(ReadHistoryPageParams {
                thread_id: id,
                include_archived: true,
                anchor: None,
                direction: HistoryDirection::Backward,
                limit: 1,
                include_raw: false,
            })
            .await;
        if page.is_ok_and(|page| page.end.0 >= end) {
            return Ok(());
        }
        if Instant::now() > deadline {
            anyhow::bail!("thread {id} not in the store up to byte {end} within 10 s");
        }
        tokio::time::sleep(Duration::from_millis(2)).await;
    }
}

/// User plus system CPU time of this process so far (`/proc/self/stat`, in clock ticks of
/// 1/100 s, Linux's `USER_HZ`).
fn process_cpu() -> anyhow::Result<Duration> {
    let stat = std::fs::read_to_string("/proc/self/stat")?;
    // Fields after the command name, which is in parentheses and may hold spaces.
    let fields: Vec<&str> = stat
        .rsplit_once(')')
        .map_or("", |(_, rest)| rest)
        .split_whitespace()
        .collect();
    let ticks = |index: usize| -> anyhow::Result<u64> {
        Ok(fields
            .get(index)
            .ok_or_else(|| anyhow::anyhow!("short /proc/self/stat"))?
            .parse()?)
    };
    // utime and stime are fields 14 and 15; the state (field 3) is index 0 here.
    Ok(Duration::from_millis((ticks(11)? + ticks(12)?) * 10))
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

fn median(times: Vec<Duration>) -> Duration {
    percentile(&times, 50)
}

/// The smallest time at least `percent` % of `times` do not exceed (nearest rank).
fn percentile(times: &[Duration], percent: usize) -> Duration {
    let mut sorted = times.to_vec();
    sorted.sort();
    let rank = (sorted.len() * percent).div_ceil(100).max(1);
    sorted.get(rank - 1).copied().unwrap_or_default()
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
