//! The benchmark suite of issue 4: `cargo run --release --example bench -- HOME`.
//!
//! Prints one table: each figure is the median of several runs, beside a baseline measured in
//! the same run on the same files (`find` for listing, `tail -n 50` for the last page, `cat`
//! for reading a whole rollout, `rg -F` for search). Benchmarks are not tests: nothing fails
//! on a timing. Measurements that need a fresh process (RSS) run this binary again in a probe
//! mode: `bench --probe NAME ARGS…`.
//!
//! The "idle CPU of the TUI" row writes to the home for a minute: it appends lines to four of
//! its legacy rollouts and takes their writer locks, as Codex would, and puts the rollouts back
//! as they were afterwards (length and mtime), even when the row fails.

#[path = "support/rollout.rs"]
mod rollout_support;
#[path = "support/tui.rs"]
mod tui_support;
use tui_support::TuiSession;

use std::path::{Path, PathBuf};
use std::process::{Command, Stdio};
use std::sync::Arc;
use std::time::{Duration, Instant};

use codex_threads::manager::{FollowEvent, ThreadManager};
use codex_threads::protocol::{RolloutItem, RolloutLine, ThreadId};
use codex_threads::rollout::{CodexHome, RolloutFile};
use codex_threads::store::local::{LocalStoreOptions, LocalThreadStore};
use codex_threads::store::{HistoryCursor, HistoryDirection, ReadHistoryPageParams};

const DEFAULT_RUNS: usize = 5;
/// Threads the split view follows in the TUI CPU row (as many as it holds).
const SPLIT_PANES: usize = 4;
/// How long the TUI's CPU time is measured, once idle and once with lines written: a whole
/// minute, so that each window holds one of the TUI's whole-home counts (every 60 s) beside
/// its polls of the newest threads (every 2 s) and the split view's reads of its threads.
const TUI_CPU_WINDOW: Duration = Duration::from_secs(60);
/// Left to the TUI after the split view shows, before measuring: its start's reads end.
const TUI_SETTLE: Duration = Duration::from_secs(5);

fn main() -> anyhow::Result<()> {
    let args: Vec<String> = std::env::args().skip(1).collect();
    if args.first().map(String::as_str) == Some("--probe") {
        return probe(&args[1..]);
    }
    let options = Options::parse(&args)?;
    let binary = codex_threads_binary()?;
    let bench = Bench {
        home: options.home.clone(),
        binary,
        runs: options.runs,
    };
    bench.run(&options.query, options.only.as_deref())
}

struct Options {
    home: PathBuf,
    runs: usize,
    query: String,
    /// `--only a,b`: just these rows (by the names in `Bench::run`).
    only: Option<Vec<String>>,
}

impl Options {
    fn parse(args: &[String]) -> anyhow::Result<Self> {
        let mut home = None;
        let mut runs = DEFAULT_RUNS;
        let mut query = "FAILED".to_string();
        let mut only = None;
        let mut rest = args.iter();
        while let Some(arg) = rest.next() {
            match arg.as_str() {
                "--runs" => runs = rest.next().and_then(|n| n.parse().ok()).unwrap_or(runs),
                "--query" => query = rest.next().cloned().unwrap_or(query),
                "--only" => {
                    only = rest
                        .next()
                        .map(|names| names.split(',').map(str::to_string).collect())
                }
                other => home = Some(PathBuf::from(other)),
            }
        }
        let home = home.ok_or_else(|| {
            anyhow::anyhow!("usage: bench HOME [--runs N] [--query TEXT] [--only ROW,ROW]")
        })?;
        anyhow::ensure!(home.is_dir(), "{} is not a directory", home.display());
        Ok(Options {
            home,
            runs,
            query,
            only,
        })
    }
}

/// The release binary next to this example, built if missing.
fn codex_threads_binary() -> anyhow::Result<PathBuf> {
    let examples_dir = std::env::current_exe()?
        .parent()
        .map(Path::to_path_buf)
        .unwrap_or_default();
    let binary = examples_dir
        .parent()
        .unwrap_or(&examples_dir)
        .join("codex-threads");
    // Always asked for (a no-op when it is current): a binary left from an older checkout would
    // be measured instead of this one.
    let status = Command::new("cargo")
        .args(["build", "--release", "--bin", "codex-threads"])
        .status()?;
    anyhow::ensure!(status.success(), "building codex-threads failed");
    Ok(binary)
}

struct Bench {
    home: PathBuf,
    binary: PathBuf,
    runs: usize,
}

/// One row of the table.
struct Row {
    what: &'static str,
    ours: String,
    baseline: String,
    ratio: String,
    target: &'static str,
}

impl Bench {
    fn run(&self, query: &str, only: Option<&[String]>) -> anyhow::Result<()> {
        let home = CodexHome::new(&self.home);
        let mut files = home.discover_rollouts(false)?;
        files.extend(home.discover_rollouts(true)?);
        let total_bytes: u64 = files.iter().map(|file| file.size).sum();
        let largest = files
            .iter()
            .filter(|file| !file.compressed)
            .max_by_key(|file| file.size)
            .cloned()
            .ok_or_else(|| anyhow::anyhow!("no plain rollout in {}", self.home.display()))?;
        let has_state_db = self.home.join("state_5.sqlite").exists();
        println!(
            "home: {} — {} rollouts, {:.2} GB, largest {:.2} GB, state DB {}; {} runs each, median",
            self.home.display(),
            files.len(),
            total_bytes as f64 / 1e9,
            largest.size as f64 / 1e9,
            if has_state_db { "present" } else { "absent" },
            self.runs,
        );
        println!("machine: {}", machine_description());
        type Measure<'a> = Box<dyn Fn() -> anyhow::Result<Row> + 'a>;
        let all: Vec<(&str, Measure)> = vec![
            ("list-first", Box::new(|| self.list_first_run())),
            ("list-warm", Box::new(|| self.list_warm())),
            ("list-all", Box::new(|| self.list_everything_warm())),
            ("list-attention", Box::new(|| self.list_attention_warm())),
            ("tui-start", Box::new(|| self.tui_first_frame())),
            ("tui-cpu", Box::new(|| self.tui_idle_cpu())),
            ("last-page", Box::new(|| self.last_page(&largest))),
            ("scroll", Box::new(|| self.scroll(&largest))),
            ("follow", Box::new(|| self.follow())),
            ("frame", Box::new(|| self.history_frame())),
            ("search", Box::new(|| self.search(query))),
            ("stats-cold", Box::new(|| self.stats_cold())),
            ("stats-warm", Box::new(|| self.stats_warm())),
            ("stats-ccusage", Box::new(|| self.stats_beside_ccusage())),
            ("prune-dry-run", Box::new(|| self.prune_dry_run())),
        ];
        if let Some(only) = only {
            let names: Vec<&str> = all.iter().map(|(name, _)| *name).collect();
            for name in only {
                anyhow::ensure!(
                    names.contains(&name.as_str()),
                    "no row {name}; the rows: {}",
                    names.join(", ")
                );
            }
        }
        let mut rows = Vec::new();
        for (name, measure) in &all {
            if only.is_none_or(|only| only.iter().any(|wanted| wanted == name)) {
                rows.push(measure()?);
            }
        }
        print_table(&rows);
        Ok(())
    }

    fn codex_threads(&self, cache: &Path, args: &[&str]) -> Command {
        let mut command = Command::new(&self.binary);
        command
            .arg("--codex-home")
            .arg(&self.home)
            .args(args)
            .env("CODEX_THREADS_CACHE_DIR", cache)
            .stdout(Stdio::null())
            .stderr(Stdio::null());
        command
    }

    fn find_baseline(&self) -> anyhow::Result<Duration> {
        self.median(|| {
            timed(
                Command::new("find")
                    .arg(&self.home)
                    .args(["-name", "rollout-*"])
                    .stdout(Stdio::null()),
            )
        })
    }

    fn list_first_run(&self) -> anyhow::Result<Row> {
        let ours = self.median(|| {
            let cache = tempfile::TempDir::new()?;
            timed(&mut self.codex_threads(cache.path(), &["list", "--limit", "50"]))
        })?;
        Ok(row(
            "list --limit 50, first run (no cache)",
            ours,
            ("find", self.find_baseline()?),
            "≤ 150 ms",
        ))
    }

    fn list_warm(&self) -> anyhow::Result<Row> {
        let cache = tempfile::TempDir::new()?;
        timed(&mut self.codex_threads(cache.path(), &["list", "--limit", "0"]))?;
        let ours = self
            .median(|| timed(&mut self.codex_threads(cache.path(), &["list", "--limit", "50"])))?;
        Ok(row(
            "list --limit 50, cache warm",
            ours,
            ("find", self.find_baseline()?),
            "≤ 50 ms",
        ))
    }

    fn list_everything_warm(&self) -> anyhow::Result<Row> {
        let cache = tempfile::TempDir::new()?;
        timed(&mut self.codex_threads(cache.path(), &["list", "--limit", "0"]))?;
        let ours = self.median(|| {
            timed(&mut self.codex_threads(cache.path(), &["list", "--limit", "0", "--json"]))
        })?;
        Ok(row(
            "list --limit 0 --json, cache warm",
            ours,
            ("find", self.find_baseline()?),
            "≤ 300 ms",
        ))
    }

    /// `stats` with no cache, beside `list --limit 0 --json` with none (issue 17: within 2×).
    fn stats_cold(&self) -> anyhow::Result<Row> {
        let ours = self.median(|| {
            let cache = tempfile::TempDir::new()?;
            timed(&mut self.codex_threads(cache.path(), &["stats", "--json"]))
        })?;
        let list = self.median(|| {
            let cache = tempfile::TempDir::new()?;
            timed(&mut self.codex_threads(cache.path(), &["list", "--limit", "0", "--json"]))
        })?;
        Ok(row(
            "stats --json, first run (no cache)",
            ours,
            ("list --limit 0 --json, no cache", list),
            "≤ 2× list",
        ))
    }

    /// `stats` with its cache warm, beside a warm `list --limit 0 --json`.
    fn stats_warm(&self) -> anyhow::Result<Row> {
        let cache = tempfile::TempDir::new()?;
        timed(&mut self.codex_threads(cache.path(), &["stats", "--json"]))?;
        timed(&mut self.codex_threads(cache.path(), &["list", "--limit", "0", "--json"]))?;
        let ours =
            self.median(|| timed(&mut self.codex_threads(cache.path(), &["stats", "--json"])))?;
        let list = self.median(|| {
            timed(&mut self.codex_threads(cache.path(), &["list", "--limit", "0", "--json"]))
        })?;
        Ok(row(
            "stats --json, cache warm",
            ours,
            ("list --limit 0 --json, warm", list),
            "≤ 2× list",
        ))
    }

    /// `stats --archived --by day` (cache warm) beside `ccusage codex daily` on the same home
    /// (ccusage from scripts/install-ccusage.sh; it skips `.jsonl.zst` rollouts).
    fn stats_beside_ccusage(&self) -> anyhow::Result<Row> {
        let ccusage = dirs::cache_dir()
            .map(|dir| dir.join("codex-threads/ccusage/bin/ccusage"))
            .filter(|path| path.exists())
            .ok_or_else(|| {
                anyhow::anyhow!("ccusage is not installed (scripts/install-ccusage.sh)")
            })?;
        let cache = tempfile::TempDir::new()?;
        let args = ["stats", "--archived", "--by", "day", "--json"];
        timed(&mut self.codex_threads(cache.path(), &args))?;
        let ours = self.median(|| timed(&mut self.codex_threads(cache.path(), &args)))?;
        let theirs = self.median(|| {
            timed(
                Command::new(&ccusage)
                    .args(["codex", "daily", "--json", "--offline", "-z", "UTC"])
                    .env("CODEX_HOME", &self.home)
                    .stdout(Stdio::null())
                    .stderr(Stdio::null()),
            )
        })?;
        Ok(row(
            "stats --archived --by day, cache warm",
            ours,
            ("ccusage codex daily", theirs),
            "faster than ccusage",
        ))
    }

    /// `prune --trash --dry-run` (the plan over every thread file, active and archived, each
    /// measured and checked for a holder) beside a warm `list --limit 0 --json` of the active
    /// tree, both with the listing's cache warm.
    fn prune_dry_run(&self) -> anyhow::Result<Row> {
        let cache = tempfile::TempDir::new()?;
        let args = ["prune", "--trash", "--dry-run", "--json"];
        timed(&mut self.codex_threads(cache.path(), &args))?;
        timed(&mut self.codex_threads(cache.path(), &["list", "--limit", "0", "--json"]))?;
        let ours = self.median(|| timed(&mut self.codex_threads(cache.path(), &args)))?;
        let list = self.median(|| {
            timed(&mut self.codex_threads(cache.path(), &["list", "--limit", "0", "--json"]))
        })?;
        Ok(row(
            "prune --trash --dry-run --json, cache warm",
            ours,
            ("list --limit 0 --json, warm", list),
            "≤ 2× list",
        ))
    }

    /// Every active thread as `list --limit 0 --json` prints it, newest first.
    fn listed(&self) -> anyhow::Result<Vec<serde_json::Value>> {
        let cache = tempfile::TempDir::new()?;
        let output = self
            .codex_threads(cache.path(), &["list", "--limit", "0", "--json"])
            .stdout(Stdio::piped())
            .output()?;
        anyhow::ensure!(output.status.success(), "list --json failed");
        Ok(serde_json::from_slice(&output.stdout)?)
    }

    /// Every thread's status decided (and its read state), only those that need the user
    /// printed: what status costs a listing, with little output. The shares of each status in
    /// the home are printed with it.
    fn list_attention_warm(&self) -> anyhow::Result<Row> {
        let listed = self.listed()?;
        let cache = tempfile::TempDir::new()?;
        let args = ["list", "--limit", "0", "--json", "--attention"];
        let output = self
            .codex_threads(cache.path(), &args)
            .stdout(Stdio::piped())
            .output()?;
        anyhow::ensure!(output.status.success(), "list --attention failed");
        let attention: Vec<serde_json::Value> = serde_json::from_slice(&output.stdout)?;
        let ours = self.median(|| timed(&mut self.codex_threads(cache.path(), &args)))?;
        let mut row = row(
            "list --limit 0 --json --attention, cache warm (every thread's status decided)",
            ours,
            ("find", self.find_baseline()?),
            "≤ 300 ms",
        );
        row.ours = format!(
            "{}; {} of {} threads need attention; statuses: {}",
            row.ours,
            attention.len(),
            listed.len(),
            status_shares(&listed)
        );
        Ok(row)
    }

    fn last_page(&self, largest: &RolloutFile) -> anyhow::Result<Row> {
        let mut probes = Vec::new();
        for _ in 0..self.runs {
            probes.push(self.probe("last-page", &largest.path)?);
        }
        let ours = median(probes.iter().map(|p| p.elapsed).collect());
        let rss = probes.iter().map(|p| p.peak_rss_kb).max().unwrap_or(0);
        let tail = self.median(|| {
            timed(
                Command::new("tail")
                    .args(["-n", "50"])
                    .arg(&largest.path)
                    .stdout(Stdio::null()),
            )
        })?;
        let mut row = row(
            "open the largest rollout: last page",
            ours,
            ("tail -n 50", tail),
            "≤ 100 ms, RSS < 64 MB",
        );
        row.ours = format!("{} (peak RSS {} MB)", row.ours, rss / 1024);
        Ok(row)
    }

    fn scroll(&self, largest: &RolloutFile) -> anyhow::Result<Row> {
        let probe = self.probe("scroll", &largest.path)?;
        let cat =
            self.median(|| timed(Command::new("cat").arg(&largest.path).stdout(Stdio::null())))?;
        Ok(Row {
            what: "scroll the largest rollout end to start",
            ours: format!(
                "slowest page {} ms, median {} ms, {} pages in {} (peak RSS {} MB)",
                probe.slowest_page_ms,
                probe.median_page_ms,
                probe.pages,
                format_duration(probe.elapsed),
                probe.peak_rss_kb / 1024
            ),
            baseline: format!("cat {}", format_duration(cat)),
            ratio: format!("{:.2}", probe.elapsed.as_secs_f64() / cat.as_secs_f64()),
            target: "every page ≤ 50 ms, RSS < 64 MB",
        })
    }

    fn follow(&self) -> anyhow::Result<Row> {
        let latencies = follow_latencies(1000)?;
        let p50 = percentile(&latencies, 0.50);
        let p99 = percentile(&latencies, 0.99);
        Ok(Row {
            what: "follow: append → subscriber (1,000 appends)",
            ours: format!("p99 {:.2} ms, p50 {:.2} ms", ms(p99), ms(p50)),
            baseline: "—".into(),
            ratio: "—".into(),
            target: "p99 ≤ 20 ms",
        })
    }

    /// From starting the binary in a pseudo-terminal to the newest thread's title on screen.
    fn tui_first_frame(&self) -> anyhow::Result<Row> {
        let cache = tempfile::TempDir::new()?;
        timed(&mut self.codex_threads(cache.path(), &["list", "--limit", "0"]))?;
        let newest = Command::new(&self.binary)
            .arg("--codex-home")
            .arg(&self.home)
            .args(["list", "--limit", "1", "--json"])
            .env("CODEX_THREADS_CACHE_DIR", cache.path())
            .output()?;
        let listed: serde_json::Value = serde_json::from_slice(&newest.stdout)?;
        let title: String = listed[0]["title"]
            .as_str()
            .unwrap_or_default()
            .chars()
            .take(16)
            .collect();
        let ours =
            self.median(|| tui_time_to_text(&self.binary, &self.home, cache.path(), &title))?;
        Ok(Row {
            what: "TUI start to the first frame with the list painted (cache warm)",
            ours: format_duration(ours),
            baseline: "—".into(),
            ratio: "—".into(),
            target: "≤ 200 ms",
        })
    }

    /// CPU time of the TUI in its split view, following four threads: over a window with
    /// nothing written, then over one while each of the four gets a line a second.
    fn tui_idle_cpu(&self) -> anyhow::Result<Row> {
        let window = TUI_CPU_WINDOW;
        let live = LiveThreads::pick(&self.home, &self.listed()?, SPLIT_PANES)?;
        // A warm cache, as a TUI started every day has.
        let cache = tempfile::TempDir::new()?;
        timed(&mut self.codex_threads(cache.path(), &["list", "--limit", "0"]))?;
        let mut tui = TuiSession::spawn(&self.binary, &self.home, cache.path())?;
        let limit = Duration::from_secs(30);
        // The newest written thread is the first row; the others follow it.
        tui.wait_for(&live.threads[SPLIT_PANES - 1].title_start(), limit)?;
        // `+` on each of the first rows, then `w`: the keys are taken in order.
        tui.send(&b"+j".repeat(SPLIT_PANES))?;
        tui.send(b"w")?;
        tui.wait_for(&format!("{SPLIT_PANES} threads"), limit)?;
        tui.read_in_background();
        // The start's own work (the first poll and whole-home count, the panes' pages) ends.
        std::thread::sleep(TUI_SETTLE);
        let cpu_over = |tui: &TuiSession, window: Duration| -> anyhow::Result<f64> {
            let before = tui.cpu_time()?;
            std::thread::sleep(window);
            Ok((tui.cpu_time()? - before).as_secs_f64() / window.as_secs_f64() * 100.0)
        };
        let idle = cpu_over(&tui, window)?;
        let writer = live.write_every_second()?;
        let busy = cpu_over(&tui, window);
        let written = writer.stop()?;
        let busy = busy?;
        // The panes did follow: each shows its thread's newest line.
        let screen = tui.contents();
        let shown = (0..SPLIT_PANES)
            .filter(|thread| screen.contains(&format!("for thread {thread}")))
            .count();
        anyhow::ensure!(
            shown == SPLIT_PANES,
            "the split view shows the written lines of {shown} of {SPLIT_PANES} threads:\n{screen}"
        );
        // Each pane's title ends in its thread's status.
        let working = screen.matches("─ working").count();
        Ok(Row {
            what: "idle CPU of the TUI watching 4 live threads (split view, % of one core)",
            ours: format!(
                "{busy:.2}% with a line a second to each ({written} lines in {} s; {working} panes say working), {idle:.2}% with nothing written",
                window.as_secs()
            ),
            baseline: "—".into(),
            ratio: "—".into(),
            target: "< 5% with 4 live threads, < 1% idle",
        })
    }

    /// Frames of the history view of a 100,000-item thread at 200x60.
    fn history_frame(&self) -> anyhow::Result<Row> {
        let frames = history_frame_times(100_000)?;
        Ok(Row {
            what: "a frame of the history view, 100,000-item thread, 200x60",
            ours: format!(
                "p50 {:.2} ms, p99 {:.2} ms, max {:.2} ms ({} frames)",
                ms(percentile(&frames, 0.5)),
                ms(percentile(&frames, 0.99)),
                ms(frames.last().copied().unwrap_or_default()),
                frames.len()
            ),
            baseline: "—".into(),
            ratio: "—".into(),
            target: "≤ 5 ms",
        })
    }

    /// Our search prints every hit with its snippet, and also reads the `.zst` rollouts; the
    /// baseline is `rg -F` printing every matching line of the plain files.
    fn search(&self, query: &str) -> anyhow::Result<Row> {
        let cache = tempfile::TempDir::new()?;
        let ours = self.median(|| {
            timed(&mut self.codex_threads(cache.path(), &["search", query, "--archived"]))
        })?;
        let rg = self.median(|| {
            timed(
                Command::new("rg")
                    .args(["-F", "--no-ignore", "--hidden", query])
                    .arg(&self.home)
                    .stdout(Stdio::null()),
            )
        });
        let what = "full-text search, whole home (time; throughput = 1 / ratio)";
        let target = "≥ 0.5× rg throughput (ratio ≤ 2)";
        Ok(match rg {
            Ok(rg) => row(what, ours, ("rg -F", rg), target),
            Err(_) => Row {
                what,
                ours: format_duration(ours),
                baseline: "rg not installed (apt-get install ripgrep)".into(),
                ratio: "—".into(),
                target,
            },
        })
    }

    fn median(
        &self,
        mut sample: impl FnMut() -> anyhow::Result<Duration>,
    ) -> anyhow::Result<Duration> {
        let mut samples = Vec::with_capacity(self.runs);
        for _ in 0..self.runs {
            samples.push(sample()?);
        }
        Ok(median(samples))
    }

    fn probe(&self, name: &str, path: &Path) -> anyhow::Result<ProbeResult> {
        let output = Command::new(std::env::current_exe()?)
            .args(["--probe", name])
            .arg(path)
            .output()?;
        anyhow::ensure!(
            output.status.success(),
            "probe {name} failed: {}",
            String::from_utf8_lossy(&output.stderr)
        );
        Ok(serde_json::from_slice::<ProbeResult>(&output.stdout)?)
    }
}

fn row(
    what: &'static str,
    ours: Duration,
    baseline: (&str, Duration),
    target: &'static str,
) -> Row {
    Row {
        what,
        ours: format_duration(ours),
        baseline: format!("{} {}", baseline.0, format_duration(baseline.1)),
        ratio: format!(
            "{:.2}",
            ours.as_secs_f64() / baseline.1.as_secs_f64().max(1e-9)
        ),
        target,
    }
}

fn print_table(rows: &[Row]) {
    println!();
    println!("| what | codex-threads | baseline | time ratio (ours / baseline) | target |");
    println!("| --- | --- | --- | --- | --- |");
    for row in rows {
        println!(
            "| {} | {} | {} | {} | {} |",
            row.what, row.ours, row.baseline, row.ratio, row.target
        );
    }
}

/// "done 96.5%, failed 3.5%, …" over the listed threads, every status named, and the unread.
fn status_shares(listed: &[serde_json::Value]) -> String {
    let total = listed.len().max(1) as f64;
    let share = |count: usize| 100.0 * count as f64 / total;
    let mut parts: Vec<String> = [
        "working",
        "waiting",
        "idle",
        "done",
        "failed",
        "interrupted",
    ]
    .iter()
    .map(|status| {
        let count = listed
            .iter()
            .filter(|thread| thread["status"].as_str() == Some(status))
            .count();
        format!("{status} {:.1}%", share(count))
    })
    .collect();
    let unread = listed
        .iter()
        .filter(|thread| thread["unread"].as_bool() == Some(true))
        .count();
    parts.push(format!("unread {:.1}%", share(unread)));
    parts.join(", ")
}

fn timed(command: &mut Command) -> anyhow::Result<Duration> {
    let start = Instant::now();
    let status = command.status()?;
    let elapsed = start.elapsed();
    // rg exits 1 when nothing matched; that is still a measurement.
    anyhow::ensure!(
        status.code().is_some_and(|code| code <= 1),
        "{command:?} failed"
    );
    Ok(elapsed)
}

fn median(mut samples: Vec<Duration>) -> Duration {
    samples.sort();
    samples.get(samples.len() / 2).copied().unwrap_or_default()
}

fn percentile(sorted: &[Duration], fraction: f64) -> Duration {
    let index = ((sorted.len() as f64 - 1.0) * fraction).round() as usize;
    sorted.get(index).copied().unwrap_or_default()
}

fn ms(duration: Duration) -> f64 {
    duration.as_secs_f64() * 1000.0
}

fn format_duration(duration: Duration) -> String {
    if duration < Duration::from_secs(1) {
        format!("{:.1} ms", ms(duration))
    } else {
        format!("{:.2} s", duration.as_secs_f64())
    }
}

fn machine_description() -> String {
    let cpu = std::fs::read_to_string("/proc/cpuinfo")
        .ok()
        .and_then(|info| {
            info.lines()
                .find(|line| line.starts_with("model name"))
                .and_then(|line| line.split(':').nth(1))
                .map(|name| name.trim().to_string())
        })
        .unwrap_or_else(|| "unknown CPU".into());
    let cores = std::thread::available_parallelism().map_or(0, |n| n.get());
    format!("{cpu}, {cores} cores")
}

// ---- probes: run in a fresh process so their peak RSS is their own ----

#[derive(Default, serde::Serialize, serde::Deserialize)]
struct ProbeResult {
    elapsed: Duration,
    peak_rss_kb: u64,
    pages: usize,
    slowest_page_ms: u64,
    median_page_ms: u64,
}

fn probe(args: &[String]) -> anyhow::Result<()> {
    let (name, path) = match args {
        [name, path, ..] => (name.as_str(), PathBuf::from(path)),
        _ => anyhow::bail!("usage: bench --probe NAME PATH"),
    };
    let runtime = tokio::runtime::Runtime::new()?;
    let result = runtime.block_on(async {
        match name {
            "last-page" => probe_pages(&path, 1).await,
            "scroll" => probe_pages(&path, usize::MAX).await,
            other => anyhow::bail!("unknown probe {other}"),
        }
    })?;
    println!("{}", serde_json::to_string(&result)?);
    Ok(())
}

/// Opens a rollout through the store, as the history view does, and reads up to `pages`
/// pages backward from the end.
async fn probe_pages(path: &Path, pages: usize) -> anyhow::Result<ProbeResult> {
    let (thread_id, home) = rollout_support::thread_and_home(path)?;
    let store = LocalThreadStore::open(home, LocalStoreOptions::default());
    let manager = ThreadManager::new(Arc::new(store));
    let start = Instant::now();
    let mut anchor: Option<HistoryCursor> = None;
    let mut page_times = Vec::new();
    while page_times.len() < pages {
        let page_start = Instant::now();
        let page = manager
            .read_history_page(ReadHistoryPageParams {
                thread_id,
                include_archived: true,
                anchor,
                direction: HistoryDirection::Backward,
                limit: 100,
                include_raw: false,
            })
            .await?;
        page_times.push(page_start.elapsed());
        if page.at_start || page.lines.is_empty() {
            break;
        }
        anchor = Some(page.start);
    }
    let elapsed = start.elapsed();
    page_times.sort();
    Ok(ProbeResult {
        elapsed,
        peak_rss_kb: peak_rss_kb(),
        pages: page_times.len(),
        slowest_page_ms: page_times.last().map_or(0, |d| d.as_millis() as u64),
        median_page_ms: median(page_times).as_millis() as u64,
    })
}

fn peak_rss_kb() -> u64 {
    std::fs::read_to_string("/proc/self/status")
        .ok()
        .and_then(|status| {
            status
                .lines()
                .find(|line| line.starts_with("VmHWM:"))
                .and_then(|line| line.split_whitespace().nth(1))
                .and_then(|kb| kb.parse().ok())
        })
        .unwrap_or(0)
}

/// Appends `count` lines to a rollout from a plain writer (as another process would) and
/// measures how long each takes to reach a follower.
fn follow_latencies(count: usize) -> anyhow::Result<Vec<Duration>> {
    let dir = tempfile::TempDir::new()?;
    let home = CodexHome::new(dir.path());
    let id = ThreadId::new();
    let path = home.new_rollout_path(id, chrono::Local::now().naive_local());
    std::fs::create_dir_all(path.parent().unwrap_or(dir.path()))?;
    let meta = codex_threads::protocol::SessionMeta::new(
        id,
        codex_threads::protocol::time::format_rollout_timestamp(chrono::Utc::now()),
        "/bench".into(),
    );
    let first = RolloutLine::now(RolloutItem::SessionMeta(meta)).encode() + "\n";
    std::fs::write(&path, &first)?;
    let runtime = tokio::runtime::Runtime::new()?;
    runtime.block_on(async {
        let store = LocalThreadStore::open(dir.path(), LocalStoreOptions::default());
        let manager = ThreadManager::new(Arc::new(store));
        let mut follower = manager
            .follow_thread(id, HistoryCursor(first.len() as u64), false)
            .await?;
        let written: Arc<std::sync::Mutex<Vec<Instant>>> = Arc::default();
        let writer_times = written.clone();
        let writer_path = path.clone();
        let writer = std::thread::spawn(move || -> std::io::Result<()> {
            use std::io::Write;
            let mut file = std::fs::OpenOptions::new().append(true).open(&writer_path)?;
            for n in 0..count {
                let line = format!(
                    "{{\"timestamp\":\"2026-05-14T09:00:00.000Z\",\"type\":\"event_msg\",\"payload\":{{\"type\":\"agent_message\",\"message\":\"tick {n}\",\"phase\":null}}}}\n"
                );
                writer_times.lock().unwrap().push(Instant::now());
                file.write_all(line.as_bytes())?;
                std::thread::sleep(Duration::from_millis(2));
            }
            Ok(())
        });
        let mut latencies = Vec::with_capacity(count);
        while latencies.len() < count {
            let event = tokio::time::timeout(Duration::from_secs(10), follower.recv())
                .await
                .map_err(|_| anyhow::anyhow!("follower stalled after {} lines", latencies.len()))?;
            let received = Instant::now();
            match event {
                Some(FollowEvent::Lines(lines)) => {
                    let times = written.lock().unwrap();
                    for _ in lines {
                        if let Some(sent) = times.get(latencies.len()) {
                            latencies.push(received.duration_since(*sent));
                        }
                    }
                }
                other => anyhow::bail!("unexpected follow event {other:?}"),
            }
        }
        writer.join().map_err(|_| anyhow::anyhow!("writer panicked"))??;
        latencies.sort();
        Ok(latencies)
    })
}

/// Starts the TUI in a 120x40 pseudo-terminal and waits for `text` on its screen.
fn tui_time_to_text(
    binary: &Path,
    home: &Path,
    cache: &Path,
    text: &str,
) -> anyhow::Result<Duration> {
    let mut tui = TuiSession::spawn(binary, home, cache)?;
    let shown = tui.wait_for(text, Duration::from_secs(20))?;
    Ok(shown - tui.started)
}

/// Writes a rollout of `items` lines, opens it in the TUI state machine (effects run by the
/// real executor), and times `ui::render` at 200x60 while scrolling up through it.
fn history_frame_times(items: usize) -> anyhow::Result<Vec<Duration>> {
    use codex_threads::tui::app::{Effect, Msg, Screen, State, update};
    use codex_threads::tui::config::Config;
    use crossterm::event::{KeyCode, KeyEvent, KeyModifiers};
    use ratatui::{Terminal, backend::TestBackend};

    let dir = tempfile::TempDir::new()?;
    let id = ThreadId::new();
    write_long_rollout(&CodexHome::new(dir.path()), id, items)?;
    let runtime = tokio::runtime::Runtime::new()?;
    runtime.block_on(async {
        let store = LocalThreadStore::open(dir.path(), LocalStoreOptions::default());
        let manager = Arc::new(ThreadManager::new(Arc::new(store)));
        let (results, mut messages) = tokio::sync::mpsc::unbounded_channel();
        let mut executor = codex_threads::tui::runtime::Executor::new(manager, results, None);
        let mut state = State::new(
            Config::builtin(false)?,
            PathBuf::from("/bench"),
            chrono::Utc::now(),
        );
        let key = |code| Msg::Key(KeyEvent::new(code, KeyModifiers::NONE));
        // Runs effects until every answer is in; following is left out (it never answers).
        let mut settle =
            async |state: &mut State, mut effects: Vec<Effect>| -> anyhow::Result<()> {
                let mut waiting = 0;
                loop {
                    for effect in effects.drain(..) {
                        match effect {
                            Effect::LoadThreads { .. }
                            | Effect::LoadHistory { .. }
                            | Effect::LoadPreview { .. } => {
                                waiting += 1;
                                executor.execute(effect);
                            }
                            _ => {}
                        }
                    }
                    if waiting == 0 {
                        return Ok(());
                    }
                    let msg = tokio::time::timeout(Duration::from_secs(30), messages.recv())
                        .await?
                        .ok_or_else(|| anyhow::anyhow!("executor stopped"))?;
                    waiting -= 1;
                    effects = update(state, msg);
                }
            };
        let mut effects = update(
            &mut state,
            Msg::Resize {
                width: 200,
                height: 60,
            },
        );
        effects.extend(update(&mut state, Msg::Start));
        settle(&mut state, effects).await?;
        let effects = update(&mut state, key(KeyCode::Enter));
        settle(&mut state, effects).await?;
        let loaded = state
            .history
            .as_ref()
            .map_or(0, |history| history.total_lines());
        anyhow::ensure!(
            state.screen == Screen::History && loaded > 0,
            "the history view did not open"
        );
        let mut terminal = Terminal::new(TestBackend::new(200, 60))?;
        let mut frames = Vec::new();
        for step in 0..600 {
            let start = Instant::now();
            terminal.draw(|frame| codex_threads::tui::ui::render(frame, &state))?;
            frames.push(start.elapsed());
            let scroll = if step % 10 == 9 {
                KeyCode::PageUp
            } else {
                KeyCode::Up
            };
            let effects = update(&mut state, key(scroll));
            settle(&mut state, effects).await?;
        }
        frames.sort();
        Ok(frames)
    })
}

/// A long thread: turns of a user message, reasoning, a command with output, and an answer
/// with markdown, until `items` lines are written.
fn write_long_rollout(home: &CodexHome, id: ThreadId, items: usize) -> anyhow::Result<()> {
    use std::io::Write;
    let path = home.new_rollout_path(id, chrono::Local::now().naive_local());
    std::fs::create_dir_all(path.parent().unwrap_or(home.root()))?;
    let mut out = std::io::BufWriter::with_capacity(1 << 20, std::fs::File::create(&path)?);
    let meta = codex_threads::protocol::SessionMeta::new(
        id,
        "2026-05-14T09:00:00.000Z".into(),
        "/bench".into(),
    );
    writeln!(
        out,
        "{}",
        RolloutLine::now(RolloutItem::SessionMeta(meta)).encode()
    )?;
    let output: String = (0..20)
        .map(|n| format!("line {n} of the test output\\n"))
        .collect();
    let turn = [
        r###"{"timestamp":"2026-05-14T09:00:01.000Z","type":"event_msg","payload":{"type":"task_started","turn_id":"t","model_context_window":272000}}"###.to_string(),
        r###"{"timestamp":"2026-05-14T09:00:01.000Z","type":"event_msg","payload":{"type":"user_message","message":"Run the tests and explain the failures","local_images":[],"text_elements":[]}}"###.to_string(),
        r###"{"timestamp":"2026-05-14T09:00:02.000Z","type":"response_item","payload":{"type":"reasoning","summary":[{"type":"summary_text","text":"**Running the suite**"}],"content":null,"encrypted_content":"gAAAA"}}"###.to_string(),
        r###"{"timestamp":"2026-05-14T09:00:03.000Z","type":"response_item","payload":{"type":"function_call","name":"exec_command","arguments":"{\"cmd\":\"cargo test\"}","call_id":"c"}}"###.to_string(),
        format!(r###"{{"timestamp":"2026-05-14T09:00:04.000Z","type":"response_item","payload":{{"type":"function_call_output","call_id":"c","output":"Process exited with code 0\n{output}"}}}}"###),
        r###"{"timestamp":"2026-05-14T09:00:05.000Z","type":"response_item","payload":{"type":"message","role":"assistant","content":[{"type":"output_text","text":"## Result\n\nAll tests pass. The `retry` helper:\n\n- waits for readiness\n- gives up after **3** tries\n\n```rust\nfn retry() {}\n```"}]}}"###.to_string(),
        r###"{"timestamp":"2026-05-14T09:00:06.000Z","type":"event_msg","payload":{"type":"token_count","info":{"total_token_usage":{"total_tokens":1000}},"rate_limits":null}}"###.to_string(),
        r###"{"timestamp":"2026-05-14T09:00:06.000Z","type":"event_msg","payload":{"type":"task_complete","turn_id":"t","last_agent_message":null,"duration_ms":5000}}"###.to_string(),
    ];
    for line in turn.iter().cycle().take(items.saturating_sub(1)) {
        writeln!(out, "{line}")?;
    }
    out.flush()?;
    Ok(())
}

// ---- live threads for the TUI CPU row ----

/// Legacy rollouts of the home made live as Codex makes a thread it runs: a turn started (a
/// copy of the thread's own `task_started` with a fresh time and turn id) and the thread's
/// writer lock held by this process. Dropping it puts each rollout back as it was (its length
/// and mtime) and lets the locks go.
struct LiveThreads {
    threads: Vec<LiveThread>,
    locks_dir: PathBuf,
    created_locks_dir: bool,
}

struct LiveThread {
    path: PathBuf,
    title: String,
    len: u64,
    modified: std::time::SystemTime,
    /// The thread's own last `agent_message` line: the shape of the lines written to it.
    message: serde_json::Value,
    lock: Option<(PathBuf, std::fs::File)>,
}

/// The writer of `LiveThreads::write_every_second`.
struct LiveWriter {
    stop: Arc<std::sync::atomic::AtomicBool>,
    handle: std::thread::JoinHandle<std::io::Result<usize>>,
}

impl LiveWriter {
    /// Stops writing; how many lines were written.
    fn stop(self) -> anyhow::Result<usize> {
        self.stop.store(true, std::sync::atomic::Ordering::Relaxed);
        let written = self
            .handle
            .join()
            .map_err(|_| anyhow::anyhow!("the writer panicked"))??;
        Ok(written)
    }
}

impl LiveThread {
    /// The start of its title, as the list shows it.
    fn title_start(&self) -> String {
        self.title.chars().take(16).collect()
    }
}

/// A line of the rollout's kind (`event_msg` and this payload type), the last one.
fn last_line_of(lines: &str, payload_type: &str) -> Option<serde_json::Value> {
    let needle = format!("\"type\":\"{payload_type}\"");
    lines
        .lines()
        .rev()
        .filter(|line| line.contains(&needle))
        .filter_map(|line| serde_json::from_str::<serde_json::Value>(line).ok())
        .find(|line| line["type"] == "event_msg" && line["payload"]["type"] == payload_type)
}

fn append_line(path: &Path, line: &serde_json::Value) -> std::io::Result<()> {
    use std::io::Write;
    let mut file = std::fs::OpenOptions::new().append(true).open(path)?;
    // One whole line per write, as Codex writes.
    file.write_all(format!("{line}\n").as_bytes())
}

fn now_timestamp() -> String {
    codex_threads::protocol::time::format_rollout_timestamp(chrono::Utc::now())
}

impl LiveThreads {
    /// The `count` newest active plain legacy threads that have a `task_started` and an
    /// `agent_message` to copy, made live; the last of them is now the newest thread of the
    /// home. (Paginated rollouts number every line; only Codex appends to them.)
    fn pick(home: &Path, listed: &[serde_json::Value], count: usize) -> anyhow::Result<Self> {
        let locks_dir = home.join(codex_threads::rollout::WRITER_LOCKS_SUBDIR);
        let mut live = LiveThreads {
            threads: Vec::new(),
            created_locks_dir: !locks_dir.exists(),
            locks_dir,
        };
        std::fs::create_dir_all(&live.locks_dir)?;
        let candidates = listed.iter().filter(|thread| {
            thread["history_mode"] == "legacy"
                && thread["archived"] == false
                && thread["rollout_path"]
                    .as_str()
                    .is_some_and(|path| path.ends_with(".jsonl"))
        });
        for thread in candidates {
            if live.threads.len() == count {
                break;
            }
            let path = PathBuf::from(thread["rollout_path"].as_str().unwrap_or_default());
            let metadata = std::fs::metadata(&path)?;
            if metadata.len() > 64 << 20 {
                continue;
            }
            let lines = std::fs::read_to_string(&path)?;
            let (Some(mut started), Some(message)) = (
                last_line_of(&lines, "task_started"),
                last_line_of(&lines, "agent_message"),
            ) else {
                continue;
            };
            let id = thread["id"].as_str().unwrap_or_default();
            live.threads.push(LiveThread {
                path: path.clone(),
                title: thread["title"].as_str().unwrap_or_default().to_string(),
                len: metadata.len(),
                modified: metadata.modified()?,
                message,
                lock: None,
            });
            // Codex takes the writer lock when it opens a thread, then starts the turn.
            let lock_path = live.locks_dir.join(format!("{id}.lock"));
            let lock = std::fs::File::create(&lock_path)?;
            lock.lock()?;
            if let Some(thread) = live.threads.last_mut() {
                thread.lock = Some((lock_path, lock));
            }
            started["timestamp"] = now_timestamp().into();
            started["payload"]["turn_id"] = uuid::Uuid::now_v7().to_string().into();
            if started["payload"].get("started_at").is_some() {
                started["payload"]["started_at"] = chrono::Utc::now().timestamp().into();
            }
            append_line(&path, &started)?;
            // Each a later mtime than the one before: the list shows them in this order.
            std::thread::sleep(Duration::from_millis(20));
        }
        anyhow::ensure!(
            live.threads.len() == count,
            "the home has {} plain legacy threads to write to, not {count}",
            live.threads.len()
        );
        Ok(live)
    }

    /// Appends one `agent_message` (the thread's own shape, a fresh timestamp and text) to each
    /// thread every second, from another thread, until stopped.
    fn write_every_second(&self) -> anyhow::Result<LiveWriter> {
        let stop = Arc::new(std::sync::atomic::AtomicBool::new(false));
        let targets: Vec<(PathBuf, serde_json::Value)> = self
            .threads
            .iter()
            .map(|thread| (thread.path.clone(), thread.message.clone()))
            .collect();
        let stopped = stop.clone();
        let handle = std::thread::spawn(move || -> std::io::Result<usize> {
            let start = Instant::now();
            let mut written = 0;
            for tick in 0u32.. {
                if stopped.load(std::sync::atomic::Ordering::Relaxed) {
                    break;
                }
                for (thread, (path, shape)) in targets.iter().enumerate() {
                    let mut line = shape.clone();
                    line["timestamp"] = now_timestamp().into();
                    line["payload"]["message"] =
                        format!("bench tick {tick} for thread {thread}").into();
                    append_line(path, &line)?;
                    written += 1;
                }
                let next = start + Duration::from_secs(u64::from(tick) + 1);
                std::thread::sleep(next.saturating_duration_since(Instant::now()));
            }
            Ok(written)
        });
        Ok(LiveWriter { stop, handle })
    }
}

impl Drop for LiveThreads {
    fn drop(&mut self) {
        for thread in &mut self.threads {
            if let Some((path, lock)) = thread.lock.take() {
                drop(lock);
                let _ = std::fs::remove_file(path);
            }
            let restored = std::fs::OpenOptions::new()
                .write(true)
                .open(&thread.path)
                .and_then(|file| {
                    file.set_len(thread.len)?;
                    file.set_modified(thread.modified)
                });
            if let Err(err) = restored {
                eprintln!(
                    "could not put {} back as it was: {err}",
                    thread.path.display()
                );
            }
        }
        if self.created_locks_dir {
            let _ = std::fs::remove_dir(&self.locks_dir);
        }
    }
}
