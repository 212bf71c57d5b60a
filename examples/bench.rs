//! The benchmark suite of issue 4: `cargo run --release --example bench -- HOME`.
//!
//! Prints one table: each figure is the median of several runs, beside a baseline measured in
//! the same run on the same files (`find` for listing, `tail -n 50` for the last page, `cat`
//! for reading a whole rollout, `rg -F` for search). Benchmarks are not tests: nothing fails
//! on a timing. Measurements that need a fresh process (RSS) run this binary again in a probe
//! mode: `bench --probe NAME ARGS…`.

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
    bench.run(&options.query)
}

struct Options {
    home: PathBuf,
    runs: usize,
    query: String,
}

impl Options {
    fn parse(args: &[String]) -> anyhow::Result<Self> {
        let mut home = None;
        let mut runs = DEFAULT_RUNS;
        let mut query = "FAILED".to_string();
        let mut rest = args.iter();
        while let Some(arg) = rest.next() {
            match arg.as_str() {
                "--runs" => runs = rest.next().and_then(|n| n.parse().ok()).unwrap_or(runs),
                "--query" => query = rest.next().cloned().unwrap_or(query),
                other => home = Some(PathBuf::from(other)),
            }
        }
        let home =
            home.ok_or_else(|| anyhow::anyhow!("usage: bench HOME [--runs N] [--query TEXT]"))?;
        anyhow::ensure!(home.is_dir(), "{} is not a directory", home.display());
        Ok(Options { home, runs, query })
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
    if !binary.is_file() {
        let status = Command::new("cargo")
            .args(["build", "--release", "--bin", "codex-threads"])
            .status()?;
        anyhow::ensure!(status.success(), "building codex-threads failed");
    }
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
    fn run(&self, query: &str) -> anyhow::Result<()> {
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
        let rows = vec![
            self.list_first_run()?,
            self.list_warm()?,
            self.list_everything_warm()?,
            self.tui_first_frame()?,
            self.last_page(&largest)?,
            self.scroll(&largest)?,
            self.follow()?,
            self.history_frame()?,
            self.search(query)?,
        ];
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
