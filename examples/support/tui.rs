//! The release binary's TUI in a 120x40 pseudo-terminal, for the benchmarks: start it on a
//! home, wait for text on its screen, type, read its peak RSS. Shared by `bench` and `hostile`
//! (each includes this file with `#[path]`).

// Each example uses part of this, and each compiles it on its own.
#![allow(dead_code)]

use std::io::{Read, Write};
use std::path::Path;
use std::time::{Duration, Instant};

use portable_pty::{Child, CommandBuilder, MasterPty, PtySize, native_pty_system};

const ROWS: u16 = 40;
const COLS: u16 = 120;

pub struct TuiSession {
    child: Box<dyn Child + Send + Sync>,
    _master: Box<dyn MasterPty + Send>,
    reader: Box<dyn Read + Send>,
    writer: Box<dyn Write + Send>,
    screen: vt100::Parser,
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
            reader: pair.master.try_clone_reader()?,
            writer: pair.master.take_writer()?,
            _master: pair.master,
            screen: vt100::Parser::new(size(ROWS), size(COLS), 0),
            started,
        })
    }

    /// Reads the screen until it shows `text`, within `limit` of now; returns when it did.
    pub fn wait_for(&mut self, text: &str, limit: Duration) -> anyhow::Result<Instant> {
        let deadline = Instant::now() + limit;
        let mut buffer = [0u8; 16384];
        loop {
            if self.screen.screen().contents().contains(text) {
                return Ok(Instant::now());
            }
            let read = self.reader.read(&mut buffer)?;
            anyhow::ensure!(read > 0, "the TUI exited before showing {text:?}");
            self.screen.process(&buffer[..read]);
            anyhow::ensure!(Instant::now() < deadline, "no {text:?} on screen");
        }
    }

    pub fn send(&mut self, bytes: &[u8]) -> anyhow::Result<()> {
        self.writer.write_all(bytes)?;
        Ok(self.writer.flush()?)
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
