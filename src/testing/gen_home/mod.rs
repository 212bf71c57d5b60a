//! A deterministic generator of realistic Codex homes, for tests and benchmarks at scale
//! (issue 4). `examples/gen_home.rs` is its command line.
//!
//! What a home holds (codex-format §1–2, §7.3; `codex-current.md`):
//!
//! * `threads` rollouts named `rollout-<local time>-<uuid v7>.jsonl` in many
//!   `sessions/YYYY/MM/DD/` directories (local time is Asia/Tokyo, +09:00, as Codex names files
//!   in local wall-clock time), created over the 400 days before `end`;
//! * a mix of history formats like the home of someone who keeps Codex current: threads carry
//!   releases from 0.130 (oldest) to 0.169.0 (newest); from 0.147 interactive TUI threads are
//!   paginated, from 0.160 every thread is (0.147 and 0.169 as recorded; 0.160 is our choice),
//!   so about 45% of the threads are paginated, nearly all of the newest ones;
//! * legacy threads as older releases wrote them: `session_meta` with git info and base
//!   instructions, `turn_context` per turn, user messages as `response_item` and `user_message`
//!   event, reasoning with encrypted content and `agent_reasoning`, `exec_command` calls with
//!   long outputs, `apply_patch` calls with `patch_apply_end`, cumulative `token_count`s,
//!   `task_started`/`task_complete`, and compactions when the context fills up;
//! * paginated threads (`history_mode: "paginated"`) with the shapes 0.169.0 writes (copied
//!   from `testdata/homes/0.169.0/`, see `rollout/paginated.rs`): an `ordinal` on every line,
//!   `item_completed` events (`UserMessage`, `AgentMessage`, `Reasoning`, `CommandExecution`,
//!   `FileChange`, `ContextCompaction`) instead of the message events, `world_state`,
//!   `token_usage_record` and `thread_settings_applied` lines, ids and `metadata` on response
//!   items, the newer `session_meta` fields, and compactions that open a new context window.
//!   A cold "memory off" on a paginated thread changes the state DB only, as Codex does;
//! * sizes from a few KB to tens of MB (most 20–200 KB, one in 330 of 5–40 MB), plus one
//!   rollout of `huge_bytes` (active, plain, and paginated whatever its release, so that the
//!   benchmarks measure the format current Codex writes);
//! * 5% archived (flat `archived_sessions/`), about 10% `.jsonl.zst` (zstd level 3, only
//!   rollouts whose last line is at least 7 days older than the newest thread);
//! * `session_index.jsonl` naming about 3% of the threads (a third of them renamed twice);
//! * every rollout's mtime is the time of its last line;
//! * optionally `state_5.sqlite`: the DB a real Codex release created (so Codex opens it; see
//!   [`crate::testing::codex_state_db`]) with the row that release's Codex would hold for each
//!   thread: `history_mode`, preview and first user message, a rename in `name` for paginated
//!   threads and in `title` for legacy ones, `recency_at` at the last turn's start (paginated)
//!   or at `updated_at` (legacy, as the backfill set it), `originator` and `thread_source` for
//!   paginated threads, and the rollout's actual path (`.jsonl.zst` included).
//!
//! Real Codex reads what this writes: 0.169.0 and 0.147.0 list the threads of a generated home
//! through their app server, resume its paginated threads (compactions included) and project
//! every item, and append turns that continue its ordinals and sequence numbers.
//!
//! Everything is derived from the seed: the same options give byte-identical files and mtimes,
//! whatever the number of worker threads.

mod forks;
mod rng;
mod rollout;
mod state_db;
mod text;

use std::collections::BTreeSet;
use std::fs::{self, File};
use std::io::{self, BufWriter, Write};
use std::path::{Path, PathBuf};
use std::sync::atomic::{AtomicUsize, Ordering};
use std::time::{Duration, Instant, SystemTime};

use chrono::{DateTime, TimeZone, Utc};
use uuid::Builder;

use crate::protocol::ThreadId;
use crate::protocol::time::{format_index_timestamp, from_millis};
use crate::rollout::{ARCHIVED_SESSIONS_SUBDIR, SESSION_INDEX_FILE, SESSIONS_SUBDIR};

pub use forks::{GeneratedFork, add_forks};
pub use rng::Rng;
pub use rollout::{LOCAL_OFFSET_SECONDS, RolloutFacts};
pub use state_db::STATE_DB_FILE;

pub const GIB: u64 = 1 << 30;
const MIB: usize = 1 << 20;
const DAY_MS: i64 = 86_400_000;
/// Threads are created over this many days before `end`.
const SPAN_DAYS: i64 = 400;
/// Only rollouts idle this long before the newest thread are compressed, as Codex's worker does.
const COMPRESS_AFTER_MS: i64 = 7 * DAY_MS;
const ZSTD_LEVEL: i32 = 3;
/// The huge rollout starts this long before `end`.
const HUGE_SPAN_MS: i64 = 9 * DAY_MS;

/// PRNG streams, so that each decision has its own reproducible numbers.
mod stream {
    pub const PLAN: u64 = 1;
    pub const ID: u64 = 2;
    pub const SIZE: u64 = 3;
    pub const CONTENT: u64 = 4;
    pub const COMPRESS: u64 = 5;
    pub const RENAME: u64 = 6;
}

/// What to generate.
#[derive(Clone, Debug)]
pub struct GenOptions {
    pub threads: usize,
    /// Size of the one huge rollout (0: none). It counts as one of `threads`.
    pub huge_bytes: u64,
    pub state_db: bool,
    pub seed: u64,
    /// The newest thread is created shortly before this instant and no line is later.
    pub end: DateTime<Utc>,
    /// Worker threads; the output does not depend on it.
    pub workers: usize,
}

impl GenOptions {
    pub fn new(threads: usize) -> Self {
        GenOptions {
            threads,
            huge_bytes: 0,
            state_db: false,
            seed: 1,
            end: default_end(),
            workers: std::thread::available_parallelism().map_or(2, usize::from),
        }
    }
}

/// 2026-11-20T18:00:00Z: a fixed "now" keeps the output independent of the clock.
pub fn default_end() -> DateTime<Utc> {
    Utc.with_ymd_and_hms(2026, 11, 20, 18, 0, 0).unwrap()
}

/// One generated thread.
#[derive(Clone, Debug)]
pub struct GeneratedThread {
    pub id: ThreadId,
    /// The file on disk (`.jsonl.zst` when compressed).
    pub path: PathBuf,
    /// The `.jsonl` path, which Codex stores even for a compressed rollout.
    pub plain_path: PathBuf,
    pub archived: bool,
    pub compressed: bool,
    pub huge: bool,
    /// The `session_meta` timestamp.
    pub created_at: DateTime<Utc>,
    /// The latest `session_index.jsonl` name, if renamed.
    pub name: Option<String>,
    /// Bytes on disk (compressed size for `.zst`).
    pub file_bytes: u64,
    /// What the rollout says; `facts.last_line_at` is also the file's mtime.
    pub facts: RolloutFacts,
}

impl GeneratedThread {
    pub fn updated_at(&self) -> DateTime<Utc> {
        self.facts.last_line_at
    }
}

/// What `generate` wrote.
#[derive(Clone, Debug)]
pub struct GenSummary {
    pub root: PathBuf,
    /// In creation order.
    pub threads: Vec<GeneratedThread>,
    pub session_index_entries: usize,
    pub state_db: Option<PathBuf>,
    /// Bytes of every file written.
    pub total_bytes: u64,
    pub elapsed: Duration,
}

impl GenSummary {
    pub fn archived(&self) -> usize {
        self.threads.iter().filter(|t| t.archived).count()
    }

    pub fn compressed(&self) -> usize {
        self.threads.iter().filter(|t| t.compressed).count()
    }

    pub fn renamed(&self) -> usize {
        self.threads.iter().filter(|t| t.name.is_some()).count()
    }

    pub fn paginated(&self) -> usize {
        self.threads.iter().filter(|t| t.facts.paginated).count()
    }

    /// The one-line report the example prints.
    pub fn line(&self) -> String {
        format!(
            "{} threads ({} active, {} archived, {} compressed, {} renamed, {} paginated), {} bytes ({:.2} GiB){} in {:.1} s -> {}",
            self.threads.len(),
            self.threads.len() - self.archived(),
            self.archived(),
            self.compressed(),
            self.renamed(),
            self.paginated(),
            self.total_bytes,
            self.total_bytes as f64 / GIB as f64,
            if self.state_db.is_some() {
                ", with state_5.sqlite"
            } else {
                ""
            },
            self.elapsed.as_secs_f64(),
            self.root.display()
        )
    }
}

/// The plan of one thread, fixed before any file is written.
struct Plan {
    id: ThreadId,
    created_ms: i64,
    target_bytes: u64,
    huge: bool,
    archived: bool,
    /// Relative to the home.
    dir: PathBuf,
    file_name: String,
}

/// Writes a Codex home into `out`, which must not exist or be empty.
pub fn generate(out: &Path, options: &GenOptions) -> io::Result<GenSummary> {
    let started = Instant::now();
    fs::create_dir_all(out)?;
    if fs::read_dir(out)?.next().is_some() {
        return Err(io::Error::new(
            io::ErrorKind::AlreadyExists,
            format!("{} is not empty", out.display()),
        ));
    }
    let root = fs::canonicalize(out)?;
    let plans = plan(options);
    fs::create_dir_all(root.join(SESSIONS_SUBDIR))?;
    fs::create_dir_all(root.join(ARCHIVED_SESSIONS_SUBDIR))?;
    let dirs: BTreeSet<&PathBuf> = plans.iter().map(|plan| &plan.dir).collect();
    for dir in dirs {
        fs::create_dir_all(root.join(dir))?;
    }

    let mut threads = write_rollouts(&root, &plans, options)?;
    let session_index_entries = write_session_index(&root, &mut threads, options)?;
    let state_db = if options.state_db {
        Some(state_db::write(&root, &threads, options.end)?)
    } else {
        None
    };

    let mut total_bytes: u64 = threads.iter().map(|t| t.file_bytes).sum();
    total_bytes += fs::metadata(root.join(SESSION_INDEX_FILE))?.len();
    if let Some(db) = &state_db {
        total_bytes += fs::metadata(db)?.len();
    }
    Ok(GenSummary {
        root,
        threads,
        session_index_entries,
        state_db,
        total_bytes,
        elapsed: started.elapsed(),
    })
}

fn plan(options: &GenOptions) -> Vec<Plan> {
    let n = options.threads;
    let seed = options.seed;
    let end_ms = options.end.timestamp_millis();
    let start_ms = end_ms - SPAN_DAYS * DAY_MS;
    let mut rng = Rng::derive(seed, stream::PLAN, 0);
    let mut created: Vec<i64> = (0..n)
        .map(|_| start_ms + rng.below((SPAN_DAYS * DAY_MS - 3_600_000) as u64) as i64)
        .collect();
    created.sort_unstable();

    let huge = (options.huge_bytes > 0 && n > 0).then(|| {
        created
            .iter()
            .position(|&at| at >= end_ms - HUGE_SPAN_MS)
            .unwrap_or(n - 1)
    });
    let mut others: Vec<usize> = (0..n).filter(|&i| Some(i) != huge).collect();
    rng.shuffle(&mut others);
    let big: BTreeSet<usize> = others.iter().take(n / 330).copied().collect();
    // Archived threads are mostly older ones.
    let mut older: Vec<usize> = (0..n * 4 / 5).filter(|&i| Some(i) != huge).collect();
    rng.shuffle(&mut older);
    let archived: BTreeSet<usize> = older
        .iter()
        .take((n as f64 * 0.05).round() as usize)
        .copied()
        .collect();

    created
        .iter()
        .enumerate()
        .map(|(index, &created_ms)| {
            let mut random = [0u8; 10];
            Rng::derive(seed, stream::ID, index as u64).fill(&mut random);
            let uuid = Builder::from_unix_timestamp_millis(created_ms as u64, &random).into_uuid();
            let id = ThreadId::from_uuid(uuid);
            let is_huge = Some(index) == huge;
            let mut size_rng = Rng::derive(seed, stream::SIZE, index as u64);
            let target_bytes = if is_huge {
                options.huge_bytes
            } else if big.contains(&index) {
                size_rng.log_uniform(5e6, 40e6) as u64
            } else {
                let roll = size_rng.unit();
                let (lo, hi) = if roll < 0.03 {
                    (3e3, 20e3)
                } else if roll < 0.88 {
                    (20e3, 200e3)
                } else {
                    (200e3, 2e6)
                };
                size_rng.log_uniform(lo, hi) as u64
            };
            let local = from_millis(created_ms + LOCAL_OFFSET_SECONDS * 1000);
            let file_name = format!("rollout-{}-{id}.jsonl", local.format("%Y-%m-%dT%H-%M-%S"));
            let is_archived = archived.contains(&index);
            let dir = if is_archived {
                PathBuf::from(ARCHIVED_SESSIONS_SUBDIR)
            } else {
                Path::new(SESSIONS_SUBDIR).join(local.format("%Y/%m/%d").to_string())
            };
            Plan {
                id,
                created_ms,
                target_bytes,
                huge: is_huge,
                archived: is_archived,
                dir,
                file_name,
            }
        })
        .collect()
}

/// Writes every rollout on `options.workers` threads; returns them in plan order.
fn write_rollouts(
    root: &Path,
    plans: &[Plan],
    options: &GenOptions,
) -> io::Result<Vec<GeneratedThread>> {
    let pools = text::Pools::new(options.seed);
    let first_ms = plans.first().map_or(0, |plan| plan.created_ms);
    let newest_created_ms = plans.last().map_or(0, |plan| plan.created_ms);
    // Largest first, so that the workers finish together.
    let mut order: Vec<usize> = (0..plans.len()).collect();
    order.sort_by_key(|&i| std::cmp::Reverse(plans[i].target_bytes));
    let next = AtomicUsize::new(0);
    let context = WriteContext {
        root,
        plans,
        options,
        pools: &pools,
        first_ms,
        newest_created_ms,
    };

    let mut written: Vec<(usize, GeneratedThread)> = std::thread::scope(|scope| {
        let workers: Vec<_> = (0..options.workers.max(1))
            .map(|_| {
                scope.spawn(|| -> io::Result<Vec<(usize, GeneratedThread)>> {
                    let mut buffer = Vec::with_capacity(4 * MIB);
                    let mut done = Vec::new();
                    loop {
                        let at = next.fetch_add(1, Ordering::Relaxed);
                        let Some(&index) = order.get(at) else {
                            return Ok(done);
                        };
                        buffer.clear();
                        done.push((index, context.write_one(index, &mut buffer)?));
                    }
                })
            })
            .collect();
        let mut all = Vec::new();
        for worker in workers {
            all.extend(worker.join().expect("generator worker panicked")?);
        }
        Ok::<_, io::Error>(all)
    })?;
    written.sort_by_key(|(index, _)| *index);
    Ok(written.into_iter().map(|(_, thread)| thread).collect())
}

struct WriteContext<'a> {
    root: &'a Path,
    plans: &'a [Plan],
    options: &'a GenOptions,
    pools: &'a text::Pools,
    first_ms: i64,
    newest_created_ms: i64,
}

impl WriteContext<'_> {
    fn write_one(&self, index: usize, buffer: &mut Vec<u8>) -> io::Result<GeneratedThread> {
        let plan = &self.plans[index];
        let seed = self.options.seed;
        let span = (self.newest_created_ms - self.first_ms).max(1) as f64;
        let rollout_plan = rollout::RolloutPlan {
            id: plan.id,
            created_ms: plan.created_ms,
            target_bytes: plan.target_bytes,
            limit_ms: self.options.end.timestamp_millis(),
            era: (plan.created_ms - self.first_ms) as f64 / span,
            // Benchmarks must hold on the format current Codex writes.
            force_paginated: plan.huge,
            pools: self.pools,
            rng: Rng::derive(seed, stream::CONTENT, index as u64),
        };
        let plain_path = self.root.join(&plan.dir).join(&plan.file_name);

        if plan.huge {
            let mut file = BufWriter::with_capacity(MIB, File::create(&plain_path)?);
            let facts = rollout::write_rollout(rollout_plan, buffer, Some(&mut file))?;
            file.flush()?;
            let file = file.into_inner().map_err(|err| err.into_error())?;
            file.set_modified(system_time(facts.last_line_at))?;
            return Ok(self.generated(index, plain_path.clone(), plain_path, false, facts));
        }

        let facts = rollout::write_rollout(rollout_plan, buffer, None)?;
        let idle_ms = self.newest_created_ms - facts.last_line_at.timestamp_millis();
        let compressed = idle_ms >= COMPRESS_AFTER_MS
            && Rng::derive(seed, stream::COMPRESS, index as u64).chance(0.105);
        let path = if compressed {
            let mut name = plain_path.clone().into_os_string();
            name.push(".zst");
            PathBuf::from(name)
        } else {
            plain_path.clone()
        };
        let mut file = File::create(&path)?;
        if compressed {
            file.write_all(&zstd::bulk::compress(buffer, ZSTD_LEVEL)?)?;
        } else {
            file.write_all(buffer)?;
        }
        file.set_modified(system_time(facts.last_line_at))?;
        Ok(self.generated(index, path, plain_path, compressed, facts))
    }

    fn generated(
        &self,
        index: usize,
        path: PathBuf,
        plain_path: PathBuf,
        compressed: bool,
        facts: RolloutFacts,
    ) -> GeneratedThread {
        let plan = &self.plans[index];
        let file_bytes = fs::metadata(&path).map_or(0, |meta| meta.len());
        GeneratedThread {
            id: plan.id,
            path,
            plain_path,
            archived: plan.archived,
            compressed,
            huge: plan.huge,
            created_at: from_millis(plan.created_ms),
            name: None,
            file_bytes,
            facts,
        }
    }
}

fn system_time(at: DateTime<Utc>) -> SystemTime {
    SystemTime::UNIX_EPOCH + Duration::from_millis(at.timestamp_millis().max(0) as u64)
}

/// Renames about 3% of the threads (a third of them twice) in `session_index.jsonl`, in time
/// order; sets `name` on those threads. Returns the number of entries.
fn write_session_index(
    root: &Path,
    threads: &mut [GeneratedThread],
    options: &GenOptions,
) -> io::Result<usize> {
    let end_ns = options.end.timestamp_millis() as i128 * 1_000_000;
    let mut rng = Rng::derive(options.seed, stream::RENAME, 0);
    let mut order: Vec<usize> = (0..threads.len()).collect();
    rng.shuffle(&mut order);
    let count = (threads.len() as f64 * 0.03).round() as usize;
    let mut entries: Vec<(i128, usize, String)> = Vec::new();
    for (nth, &index) in order.iter().take(count).enumerate() {
        let thread = &threads[index];
        let mut rng = Rng::derive(options.seed, stream::RENAME, index as u64 + 1);
        let created = thread.created_at.timestamp_millis() as i128 * 1_000_000;
        let updated = thread.updated_at().timestamp_millis() as i128 * 1_000_000;
        let mut at = created + ((updated - created) as f64 * rng.unit()) as i128;
        for _ in 0..if nth % 3 == 0 { 2 } else { 1 } {
            at += rng.range(1_000, 86_400_000) as i128 * 1_000_000 + rng.below(1_000_000) as i128;
            at = at.min(end_ns - rng.below(1_000_000_000) as i128);
            entries.push((at, index, text::thread_name(&mut rng)));
        }
    }
    entries.sort_by_key(|(at, index, _)| (*at, *index));

    let mut file = BufWriter::new(File::create(root.join(SESSION_INDEX_FILE))?);
    for (at, index, name) in &entries {
        let updated_at = format_index_timestamp(from_nanos(*at));
        let line = serde_json::json!({
            "id": threads[*index].id,
            "thread_name": name,
            "updated_at": updated_at,
        });
        writeln!(file, "{line}")?;
        threads[*index].name = Some(name.clone());
    }
    let file = file.into_inner().map_err(|err| err.into_error())?;
    if let Some((at, _, _)) = entries.last() {
        file.set_modified(system_time(from_nanos(*at)))?;
    }
    Ok(entries.len())
}

fn from_nanos(ns: i128) -> DateTime<Utc> {
    Utc.timestamp_nanos(ns as i64)
}
