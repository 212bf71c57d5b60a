//! Figures for issue 9: memory and time on hostile rollouts.
//! `cargo run --release --example hostile -- [WORKDIR]` (default `/tmp/codex-threads-hostile`).
//!
//! Builds one Codex home per case, then measures the release binary: peak RSS
//! (`/usr/bin/time -f %M`) of `list`, `show` and `search`, and of the TUI opening the thread
//! (read from `/proc/PID/status` once the history shows); `show` time of a 1 GB `.zst` against
//! the same rollout plain; and, in a fresh process of this example (`--probe scroll PATH`),
//! scrolling the 1 GB `.zst` from its end to its start through the store, as the TUI pages.
//! Everything it writes is removed at the end. Benchmarks are not tests: nothing fails.

#[path = "support/rollout.rs"]
mod rollout_support;
#[path = "support/tui.rs"]
mod tui_support;
use tui_support::TuiSession;

use std::fs::File;
use std::io::{BufWriter, Write};
use std::path::{Path, PathBuf};
use std::process::{Command, Stdio};
use std::sync::Arc;
use std::time::{Duration, Instant};

use codex_threads::manager::ThreadManager;
use codex_threads::protocol::{RolloutItem, RolloutLine, SessionMeta, ThreadId};
use codex_threads::rollout::{CodexHome, zst_sibling};
use codex_threads::store::local::{LocalStoreOptions, LocalThreadStore};
use codex_threads::store::{HistoryCursor, HistoryDirection, ReadHistoryPageParams};

const MB: u64 = 1_000_000;

fn main() -> anyhow::Result<()> {
    let args: Vec<String> = std::env::args().skip(1).collect();
    if args.first().map(String::as_str) == Some("--probe") {
        return probe(Path::new(&args[2]));
    }
    let work = PathBuf::from(
        args.first()
            .map_or("/tmp/codex-threads-hostile", String::as_str),
    );
    let _ = std::fs::remove_dir_all(&work);
    std::fs::create_dir_all(&work)?;
    let binary = release_binary()?;
    let result = run(&binary, &work);
    std::fs::remove_dir_all(&work)?;
    result
}

fn run(binary: &Path, work: &Path) -> anyhow::Result<()> {
    println!("| case | command | peak RSS | time |");
    println!("| --- | --- | --- | --- |");
    let cases: [(&str, Builder); 4] = [
        ("`.zst` expanding to 2 GB without a newline", zst_bomb),
        ("a 200 MB line in a plain rollout", long_line),
        (
            "a plain rollout with a 2 GB unterminated tail",
            unterminated_tail,
        ),
        ("a 1 GB `.zst` rollout (2.4 M lines)", big_zst),
    ];
    let mut zst_show = None;
    for (name, build) in cases {
        let home = work.join(name.split_whitespace().nth(1).unwrap_or("case"));
        let _ = std::fs::remove_dir_all(&home);
        let case = build(&home)?;
        let size = std::fs::metadata(&case.path)?.len();
        let name = &format!("{name} (file: {:.2} MB)", size as f64 / MB as f64);
        let cache = work.join("cache");
        let id = case.id.to_string();
        let commands: [(&str, Vec<&str>); 3] = [
            ("list", vec!["list"]),
            ("show", vec!["show", &id]),
            ("search", vec!["search", "needle"]),
        ];
        for (label, args) in commands {
            let (rss, time) = measure(binary, &home, &cache, &args)?;
            println!(
                "| {name} | {label} | {} MB | {:.2} s |",
                rss / 1024,
                time.as_secs_f64()
            );
            if label == "show" && case.plain_twin.is_some() {
                zst_show = Some(time);
            }
        }
        let (rss, time) = tui_open(binary, &home, &cache, &case.shown)?;
        println!(
            "| {name} | TUI: open the thread, history shown | {} MB | {:.2} s |",
            rss / 1024,
            time.as_secs_f64()
        );
        if let Some(plain) = &case.plain_twin {
            let (rss, time) = measure(binary, plain, &cache, &["show", &id])?;
            println!(
                "| same rollout plain | show | {} MB | {:.2} s |",
                rss / 1024,
                time.as_secs_f64()
            );
            if let Some(zst) = zst_show {
                println!(
                    "| `.zst` / plain | show time | | {:.2}× |",
                    zst.as_secs_f64() / time.as_secs_f64()
                );
            }
            let exe = std::env::current_exe()?;
            let start = Instant::now();
            let output = Command::new("/usr/bin/time")
                .args(["-f", "%M"])
                .arg(&exe)
                .args(["--probe", "scroll"])
                .arg(&case.path)
                .output()?;
            let stderr = String::from_utf8_lossy(&output.stderr);
            let rss: u64 = stderr
                .lines()
                .last()
                .unwrap_or("0")
                .trim()
                .parse()
                .unwrap_or(0);
            println!(
                "| {name} | scroll end to start through the store: {} | {} MB | {:.2} s |",
                String::from_utf8_lossy(&output.stdout).trim(),
                rss / 1024,
                start.elapsed().as_secs_f64()
            );
        }
        std::fs::remove_dir_all(&home)?;
        if let Some(plain) = case.plain_twin {
            std::fs::remove_dir_all(plain)?;
        }
    }
    Ok(())
}

/// Builds a case's home.
type Builder = fn(&Path) -> anyhow::Result<Case>;

struct Case {
    id: ThreadId,
    /// The rollout file.
    path: PathBuf,
    /// Text the history view shows once opened.
    shown: String,
    /// A home with the same rollout uncompressed.
    plain_twin: Option<PathBuf>,
}

fn new_rollout(home: &Path) -> anyhow::Result<(ThreadId, PathBuf, String)> {
    let id = ThreadId::new();
    let path = CodexHome::new(home).new_rollout_path(id, chrono::Local::now().naive_local());
    std::fs::create_dir_all(path.parent().unwrap_or(home))?;
    let meta = SessionMeta::new(id, "2026-05-14T09:00:00.000Z".into(), "/bench".into());
    let first = RolloutLine::now(RolloutItem::SessionMeta(meta)).encode() + "\n";
    Ok((id, path, first))
}

fn message(text: &str) -> String {
    format!(
        "{{\"timestamp\":\"2026-05-14T09:00:01.000Z\",\"type\":\"event_msg\",\"payload\":{{\"type\":\"agent_message\",\"message\":\"{text}\",\"phase\":null}}}}\n"
    )
}

fn user(text: &str) -> String {
    format!(
        "{{\"timestamp\":\"2026-05-14T09:00:00.500Z\",\"type\":\"event_msg\",\"payload\":{{\"type\":\"user_message\",\"message\":\"{text}\",\"images\":[]}}}}\n"
    )
}

fn repeat(out: &mut impl Write, byte: u8, count: u64) -> std::io::Result<()> {
    let block = vec![byte; 1 << 20];
    let mut left = count;
    while left > 0 {
        let n = left.min(block.len() as u64) as usize;
        out.write_all(&block[..n])?;
        left -= n as u64;
    }
    Ok(())
}

fn zst_bomb(home: &Path) -> anyhow::Result<Case> {
    let (id, path, first) = new_rollout(home)?;
    let path = zst_sibling(&path);
    let mut out = zstd::stream::write::Encoder::new(File::create(&path)?, 19)?;
    out.write_all(first.as_bytes())?;
    out.write_all(user("a needle before the bomb").as_bytes())?;
    out.write_all(message("shown before the bomb").as_bytes())?;
    repeat(&mut out, b'x', 2000 * MB)?;
    out.finish()?;
    Ok(Case {
        id,
        path,
        shown: "shown before the bomb".into(),
        plain_twin: None,
    })
}

fn long_line(home: &Path) -> anyhow::Result<Case> {
    let (id, path, first) = new_rollout(home)?;
    let mut out = BufWriter::new(File::create(&path)?);
    out.write_all(first.as_bytes())?;
    out.write_all(user("a needle before the long line").as_bytes())?;
    let head = "{\"timestamp\":\"2026-05-14T09:00:02.000Z\",\"type\":\"event_msg\",\"payload\":{\"type\":\"agent_message\",\"message\":\"needle ";
    out.write_all(head.as_bytes())?;
    repeat(&mut out, b'x', 200 * MB - head.len() as u64 - 3)?;
    out.write_all(b"\"}}\n")?;
    out.write_all(message("after the long line").as_bytes())?;
    out.into_inner()?.sync_all()?;
    Ok(Case {
        id,
        path,
        shown: "line of 200.0 MB not shown".into(),
        plain_twin: None,
    })
}

fn unterminated_tail(home: &Path) -> anyhow::Result<Case> {
    let (id, path, first) = new_rollout(home)?;
    let mut file = File::create(&path)?;
    file.write_all(first.as_bytes())?;
    file.write_all(user("a needle before the tail").as_bytes())?;
    file.write_all(message("shown before the tail").as_bytes())?;
    let len = file.metadata()?.len();
    // A hole reads as NULs: 2 GB without a newline, without writing 2 GB.
    file.set_len(len + 2000 * MB)?;
    Ok(Case {
        id,
        path,
        shown: "shown before the tail".into(),
        plain_twin: None,
    })
}

fn big_zst(home: &Path) -> anyhow::Result<Case> {
    let (id, path, first) = new_rollout(home)?;
    let plain_home = home.with_extension("plain");
    let plain_path = plain_home.join(path.strip_prefix(home)?);
    std::fs::create_dir_all(plain_path.parent().unwrap_or(&plain_home))?;
    let mut plain = BufWriter::new(File::create(&plain_path)?);
    plain.write_all(first.as_bytes())?;
    let mut written = first.len() as u64;
    let mut n = 0u64;
    while written < 1000 * MB {
        let line = if n.is_multiple_of(2) {
            user(&format!(
                "question {n}: is the needle in the haystack {}",
                n * 7919
            ))
        } else {
            message(&format!(
                "answer {n}: {:x} lines of output follow, all fine",
                n * 104_729
            ))
        };
        plain.write_all(line.as_bytes())?;
        written += line.len() as u64;
        n += 1;
    }
    plain.write_all(message("the last line of the big rollout").as_bytes())?;
    plain.into_inner()?.sync_all()?;
    let path = zst_sibling(&path);
    let mut out = zstd::stream::write::Encoder::new(File::create(&path)?, 3)?;
    std::io::copy(&mut File::open(&plain_path)?, &mut out)?;
    out.finish()?;
    Ok(Case {
        id,
        path,
        shown: "the last line of the big rollout".into(),
        plain_twin: Some(plain_home),
    })
}

/// Peak RSS (KB) and wall time of one command of the binary.
fn measure(
    binary: &Path,
    home: &Path,
    cache: &Path,
    args: &[&str],
) -> anyhow::Result<(u64, Duration)> {
    let start = Instant::now();
    let output = Command::new("/usr/bin/time")
        .args(["-f", "%M"])
        .arg(binary)
        .arg("--codex-home")
        .arg(home)
        .args(args)
        .env("CODEX_THREADS_CACHE_DIR", cache)
        .stdout(Stdio::null())
        .output()?;
    let elapsed = start.elapsed();
    let stderr = String::from_utf8_lossy(&output.stderr);
    let rss = stderr
        .lines()
        .last()
        .unwrap_or("0")
        .trim()
        .parse()
        .unwrap_or(0);
    Ok((rss, elapsed))
}

/// Starts the TUI in a pseudo-terminal, opens the first thread and waits for `text`; returns
/// the process's peak RSS (KB) then and the time from Enter to the text.
fn tui_open(
    binary: &Path,
    home: &Path,
    cache: &Path,
    text: &str,
) -> anyhow::Result<(u64, Duration)> {
    let mut tui = TuiSession::spawn(binary, home, cache)?;
    let limit = Duration::from_secs(300);
    tui.wait_for("needle", limit)?;
    tui.send(b"\r")?;
    let opened_at = Instant::now();
    let shown = tui.wait_for(text, limit)?;
    Ok((tui.peak_rss_kb()?, shown - opened_at))
}

/// Pages a rollout from its end to its start through the store, 200 lines a page (as the
/// TUI does); prints the pages and the slowest one.
fn probe(path: &Path) -> anyhow::Result<()> {
    let (thread_id, home) = rollout_support::thread_and_home(path)?;
    let cache = home.with_extension("probe-cache");
    let options = LocalStoreOptions {
        cache_dir: Some(cache.clone()),
        ..LocalStoreOptions::default()
    };
    let manager = ThreadManager::new(Arc::new(LocalThreadStore::open(home, options)));
    let runtime = tokio::runtime::Runtime::new()?;
    let (pages, slowest, first) = runtime.block_on(async {
        let mut anchor: Option<HistoryCursor> = None;
        let mut pages = 0usize;
        let mut slowest = Duration::ZERO;
        let mut first = Duration::ZERO;
        loop {
            let start = Instant::now();
            let page = manager
                .read_history_page(ReadHistoryPageParams {
                    thread_id,
                    include_archived: true,
                    anchor,
                    direction: HistoryDirection::Backward,
                    limit: 200,
                    include_raw: false,
                })
                .await?;
            let took = start.elapsed();
            if pages == 0 {
                first = took;
            } else {
                slowest = slowest.max(took);
            }
            pages += 1;
            if page.at_start || page.lines.is_empty() {
                return anyhow::Ok((pages, slowest, first));
            }
            anchor = Some(page.start);
        }
    })?;
    let _ = std::fs::remove_dir_all(&cache);
    println!(
        "{pages} pages, first (spooling) {:.2} s, slowest of the rest {} ms",
        first.as_secs_f64(),
        slowest.as_millis()
    );
    Ok(())
}

fn release_binary() -> anyhow::Result<PathBuf> {
    let status = Command::new("cargo")
        .args(["build", "--release", "--bin", "codex-threads"])
        .status()?;
    anyhow::ensure!(status.success(), "building codex-threads failed");
    let exe = std::env::current_exe()?;
    let release = exe
        .parent()
        .and_then(Path::parent)
        .ok_or_else(|| anyhow::anyhow!("no target directory"))?;
    Ok(release.join("codex-threads"))
}
