//! Drives the interactive TUI of a real Codex release in a pseudo-terminal (portable-pty with a
//! vt100 screen), the way a user makes a thread: type a prompt, wait for the answer, `/quit`.
//!
//! Included with `#[path]` by the conformance tests and by `examples/record_homes.rs`, because
//! portable-pty and vt100 are dev-dependencies, out of reach of `src/testing`.

use std::io::{Read, Write};
use std::path::Path;
use std::sync::mpsc::{RecvTimeoutError, channel};
use std::sync::{Arc, Condvar, Mutex};
use std::time::{Duration, Instant};

use anyhow::{Context, Result, anyhow, bail};
use portable_pty::{CommandBuilder, PtySize, native_pty_system};

use codex_threads::testing::codex::{self, CodexRelease};

const ROWS: u16 = 40;
const COLS: u16 = 120;

/// How long Codex may take to show its composer, echo a prompt or answer.
const SCREEN_DEADLINE: Duration = Duration::from_secs(30);

/// How long `/quit` may take to end the process before it is killed.
const EXIT_DEADLINE: Duration = Duration::from_secs(15);

/// The screen, and a signal raised each time the reader thread has fed it more output.
struct Screen {
    parser: Mutex<vt100::Parser>,
    changed: Condvar,
}

impl Screen {
    /// Waits (woken by new output, not by polling) until `ready` holds for the screen.
    fn wait_for(&self, label: &str, ready: impl Fn(&str) -> bool) -> Result<()> {
        let deadline = Instant::now() + SCREEN_DEADLINE;
        let mut parser = self.parser.lock().map_err(|_| anyhow!("screen poisoned"))?;
        loop {
            let contents = parser.screen().contents();
            if ready(&contents) {
                return Ok(());
            }
            let left = deadline.saturating_duration_since(Instant::now());
            if left.is_zero() {
                bail!("Codex TUI: no {label} in time; screen:\n{contents}");
            }
            parser = self
                .changed
                .wait_timeout(parser, left)
                .map_err(|_| anyhow!("screen poisoned"))?
                .0;
        }
    }
}

/// Starts the interactive TUI of `release` on `home` in `cwd` (which must be trusted in the
/// home's config), sends `prompt`, waits until the screen shows `answer` (the end of the mock
/// model's reply), and quits.
pub fn tui_thread(
    release: &CodexRelease,
    home: &Path,
    cwd: &Path,
    prompt: &str,
    answer: &str,
) -> Result<()> {
    let pair = native_pty_system()
        .openpty(PtySize {
            rows: ROWS,
            cols: COLS,
            pixel_width: 0,
            pixel_height: 0,
        })
        .map_err(|e| anyhow!("opening a pseudo-terminal: {e}"))?;
    let mut builder = CommandBuilder::new(&release.binary);
    // The same environment as the non-interactive drivers: the mock's key, no user overrides.
    let template = codex::command(release, home, cwd);
    for (key, value) in template.get_envs() {
        match value {
            Some(value) => builder.env(key, value),
            None => builder.env_remove(key),
        }
    }
    builder.env("TERM", "xterm-256color");
    builder.cwd(cwd);
    let mut child = pair
        .slave
        .spawn_command(builder)
        .map_err(|e| anyhow!("starting the Codex TUI: {e}"))?;
    drop(pair.slave);
    let mut reader = pair.master.try_clone_reader().map_err(|e| anyhow!("{e}"))?;
    let mut writer = pair.master.take_writer().map_err(|e| anyhow!("{e}"))?;
    let size = |n: u16| std::num::NonZeroU16::new(n).context("a terminal size above zero");
    let screen = Arc::new(Screen {
        parser: Mutex::new(vt100::Parser::new(size(ROWS)?, size(COLS)?, 0)),
        changed: Condvar::new(),
    });
    {
        let screen = screen.clone();
        std::thread::spawn(move || {
            let mut buffer = [0u8; 8192];
            while let Ok(n) = reader.read(&mut buffer) {
                if n == 0 {
                    break;
                }
                if let Ok(mut parser) = screen.parser.lock() {
                    parser.process(&buffer[..n]);
                }
                screen.changed.notify_all();
            }
        });
    }
    let mut send = |text: &str| -> Result<()> {
        writer.write_all(text.as_bytes())?;
        writer.flush().context("writing to the Codex TUI")
    };

    let result = (|| {
        // The composer is ready when its placeholder or prompt marker shows.
        screen.wait_for("composer", |s| s.contains('›') || s.contains("Ask Codex"))?;
        send(prompt)?;
        // Enter only once the composer shows the whole prompt: sent earlier, it can arrive
        // while Codex still treats the input as a paste and insert a newline instead.
        screen.wait_for("typed prompt", |s| s.contains(prompt))?;
        send("\r")?;
        screen.wait_for("answer", |s| s.contains(answer))?;
        send("/quit")?;
        screen.wait_for("typed /quit", |s| s.contains("/quit"))?;
        send("\r")
    })();

    // Waiting for the exit on a thread of its own bounds it with a deadline.
    let mut killer = child.clone_killer();
    if result.is_err() {
        let _ = killer.kill();
    }
    let (exited, exit) = channel();
    std::thread::spawn(move || {
        let _ = exited.send(child.wait());
    });
    match exit.recv_timeout(EXIT_DEADLINE) {
        Ok(_) => {}
        Err(RecvTimeoutError::Timeout) | Err(RecvTimeoutError::Disconnected) => {
            let _ = killer.kill();
        }
    }
    result.with_context(|| format!("Codex {} TUI thread", release.version))
}
