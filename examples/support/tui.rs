//! The release binary's TUI in a 120x40 pseudo-terminal, for the benchmarks: start it on a
//! home, wait for text on its screen, type, read its peak RSS and CPU time. Shared by `bench`
//! and `hostile` (each includes this file with `#[path]`).

// Each example uses part of this, and each compiles it on its own.
#![allow(dead_code)]

use std::io::{Read, Write};
use std::path::Path;
use std::sync::{Arc, Mutex};
use std::time::{Duration, Instant};

use portable_pty::{Child, CommandBuilder, MasterPty, PtySize, native_pty_system};

const ROWS: u16 = 40;
const COLS: u16 = 120;

pub struct TuiSession {
    child: Box<dyn Child + Send + Sync>,
    _master: Box<dyn MasterPty + Send>,
    /// `None` once a thread reads the output (`read_in_background`).
    reader: Option<Box<dyn Read + Send>>,
    writer: Box<dyn Write + Send>,
    screen: Arc<Mutex<vt100::Parser>>,
    pub started: Instant,
}

impl TuiSession {
    /// `binary --codex-home HOME` with its cache in `cache`.
    pub fn spawn(binary: &Path, home: &Path, cache: &Path) -> anyhow::Result<TuiSession> {
        let pair = native_pty_system().openpty(PtySize {
            rows: ROWS,
            cols: COLS,
            pixel_width: 0,
            pixel_height: 0,
        })?;
        let mut command = CommandBuilder::new(binary);
        command.arg("--codex-home");
        command.arg(home);
        command.env("CODEX_THREADS_CACHE_DIR", cache);
        command.env("TERM", "xterm-256color");
        let started = Instant::now();
        let child = pair.slave.spawn_command(command)?;
        drop(pair.slave);
        let size = |n: u16| std::num::NonZeroU16::new(n).expect("non-zero");
        Ok(TuiSession {
            child,
            reader: Some(pair.master.try_clone_reader()?),
            writer: pair.master.take_writer()?,
            _master: pair.master,
            screen: Arc::new(Mutex::new(vt100::Parser::new(size(ROWS), size(COLS), 0))),
            started,
        })
    }

    /// Reads the screen until it shows `text`, within `limit` of now; returns when it did.
    pub fn wait_for(&mut self, text: &str, limit: Duration) -> anyhow::Result<Instant> {
        let deadline = Instant::now() + limit;
        let mut buffer = [0u8; 16384];
        loop {
            if self.contents().contains(text) {
                return Ok(Instant::now());
            }
            anyhow::ensure!(
                Instant::now() < deadline,
                "no {text:?} on screen:\n{}",
                self.contents()
            );
            match self.reader.as_mut() {
                Some(reader) => {
                    let read = reader.read(&mut buffer)?;
                    anyhow::ensure!(read > 0, "the TUI exited before showing {text:?}");
                    self.lock_screen().process(&buffer[..read]);
                }
                // The background reader fills the screen; look again shortly.
                None => std::thread::sleep(Duration::from_millis(20)),
            }
        }
    }

    /// From now on a thread of ours reads the TUI's output as it comes (into the screen), so
    /// that the TUI never blocks on a full pseudo-terminal while nobody waits for text.
    pub fn read_in_background(&mut self) {
        let Some(mut reader) = self.reader.take() else {
            return;
        };
        let screen = self.screen.clone();
        std::thread::spawn(move || {
            let mut buffer = [0u8; 16384];
            while let Ok(read) = reader.read(&mut buffer) {
                if read == 0 {
                    break;
                }
                screen
                    .lock()
                    .unwrap_or_else(|poisoned| poisoned.into_inner())
                    .process(&buffer[..read]);
            }
        });
    }

    /// The text on the screen now.
    pub fn contents(&self) -> String {
        self.lock_screen().screen().contents()
    }

    fn lock_screen(&self) -> std::sync::MutexGuard<'_, vt100::Parser> {
        self.screen
            .lock()
            .unwrap_or_else(|poisoned| poisoned.into_inner())
    }

    pub fn send(&mut self, bytes: &[u8]) -> anyhow::Result<()> {
        self.writer.write_all(bytes)?;
        Ok(self.writer.flush()?)
    }

    /// The CPU time the process has used so far (user and system, all its threads), from
    /// `/proc/PID/stat`.
    pub fn cpu_time(&self) -> anyhow::Result<Duration> {
        let pid = self.child.process_id().unwrap_or(0);
        let stat = std::fs::read_to_string(format!("/proc/{pid}/stat"))?;
        // The fields after the command name (which may hold spaces) in parentheses: state is
        // field 3, utime 14 and stime 15, in clock ticks.
        let after_name = stat
            .rsplit_once(')')
            .map(|(_, rest)| rest)
            .ok_or_else(|| anyhow::anyhow!("unexpected /proc/{pid}/stat: {stat}"))?;
        let fields: Vec<&str> = after_name.split_whitespace().collect();
        let ticks = |index: usize| -> anyhow::Result<u64> {
            Ok(fields
                .get(index)
                .ok_or_else(|| anyhow::anyhow!("short /proc/{pid}/stat"))?
                .parse()?)
        };
        let ticks = ticks(11)? + ticks(12)?;
        Ok(Duration::from_secs_f64(
            ticks as f64 / clock_ticks_per_second(),
        ))
    }

    /// The process's peak resident set so far, in KB (`VmHWM`).
    pub fn peak_rss_kb(&self) -> anyhow::Result<u64> {
        let pid = self.child.process_id().unwrap_or(0);
        let status = std::fs::read_to_string(format!("/proc/{pid}/status"))?;
        Ok(status
            .lines()
            .find(|line| line.starts_with("VmHWM:"))
            .and_then(|line| line.split_whitespace().nth(1))
            .and_then(|kb| kb.parse().ok())
            .unwrap_or(0))
    }
}

impl Drop for TuiSession {
    fn drop(&mut self) {
        let _ = self.child.kill();
    }
}

/// `sysconf(_SC_CLK_TCK)`, as `getconf` says it; 100 (Linux's value) when it cannot be asked.
fn clock_ticks_per_second() -> f64 {
    static TICKS: std::sync::OnceLock<f64> = std::sync::OnceLock::new();
    *TICKS.get_or_init(|| {
        std::process::Command::new("getconf")
            .arg("CLK_TCK")
            .output()
            .ok()
            .and_then(|output| String::from_utf8(output.stdout).ok())
            .and_then(|text| text.trim().parse().ok())
            .filter(|ticks: &f64| *ticks > 0.0)
            .unwrap_or(100.0)
    })
}
