//! The real binary in a real pseudo-terminal, read through a `vt100` screen. Tests wait for
//! text with a deadline, never a fixed sleep.

use std::io::{Read, Write};
use std::path::{Path, PathBuf};
use std::sync::{Arc, Mutex};
use std::time::{Duration, Instant};

use portable_pty::{Child, CommandBuilder, MasterPty, PtySize, native_pty_system};

/// How long a test waits for something to appear before failing.
pub const DEADLINE: Duration = Duration::from_secs(15);

/// The binary under test: the release build when it exists (CI builds it first), else the
/// one cargo built for the tests.
pub fn binary() -> PathBuf {
    let debug = PathBuf::from(env!("CARGO_BIN_EXE_codex-threads"));
    let release = debug
        .parent()
        .and_then(Path::parent)
        .map(|target| target.join("release").join("codex-threads"));
    match release {
        Some(release) if release.is_file() && is_newer(&release, &debug) => release,
        _ => debug,
    }
}

fn is_newer(a: &Path, b: &Path) -> bool {
    let modified = |path: &Path| std::fs::metadata(path).and_then(|m| m.modified()).ok();
    match (modified(a), modified(b)) {
        (Some(a), Some(b)) => a >= b,
        _ => false,
    }
}

pub struct PtySession {
    screen: Arc<Mutex<vt100::Parser>>,
    /// Every byte the program wrote, to check what reached the terminal.
    raw: Arc<Mutex<Vec<u8>>>,
    writer: Box<dyn Write + Send>,
    child: Box<dyn Child + Send + Sync>,
    _master: Box<dyn MasterPty + Send>,
}

impl PtySession {
    /// Starts the binary with `args` in a `cols`x`rows` terminal, with its config, state,
    /// cache and logs kept inside `scratch`.
    pub fn spawn(args: &[&str], scratch: &Path, cols: u16, rows: u16) -> Self {
        Self::spawn_with(args, scratch, cols, rows, None, &[])
    }

    /// As `spawn`, started in `cwd` (when given) with `env` added to its environment.
    pub fn spawn_with(
        args: &[&str],
        scratch: &Path,
        cols: u16,
        rows: u16,
        cwd: Option<&Path>,
        env: &[(&str, &std::ffi::OsStr)],
    ) -> Self {
        let pty = native_pty_system();
        let pair = pty
            .openpty(PtySize {
                rows,
                cols,
                pixel_width: 0,
                pixel_height: 0,
            })
            .expect("a pseudo-terminal");
        let mut command = CommandBuilder::new(binary());
        command.args(args);
        command.env("TERM", "xterm-256color");
        command.env("XDG_CONFIG_HOME", scratch.join("config"));
        command.env("XDG_STATE_HOME", scratch.join("state"));
        command.env("CODEX_THREADS_CACHE_DIR", scratch.join("cache"));
        command.env("XDG_DATA_HOME", scratch.join("data"));
        command.env_remove("NO_COLOR");
        command.env_remove("CODEX_SQLITE_HOME");
        // Inside tmux the TUI would start Codex in a new tmux window (the `launch` default),
        // in the tmux these tests may run in: the binary under test is outside any.
        command.env_remove("TMUX");
        command.env_remove("TMUX_PANE");
        if let Some(cwd) = cwd {
            command.cwd(cwd);
        }
        for (key, value) in env {
            command.env(key, value);
        }
        let child = pair
            .slave
            .spawn_command(command)
            .expect("the binary starts");
        drop(pair.slave);
        let mut reader = pair.master.try_clone_reader().expect("a reader");
        let writer = pair.master.take_writer().expect("a writer");
        let size = |n: u16| std::num::NonZeroU16::new(n).expect("a terminal size above zero");
        let screen = Arc::new(Mutex::new(vt100::Parser::new(size(rows), size(cols), 0)));
        let raw = Arc::new(Mutex::new(Vec::new()));
        let (screen_in, raw_in) = (screen.clone(), raw.clone());
        std::thread::spawn(move || {
            let mut buffer = [0u8; 8192];
            while let Ok(read) = reader.read(&mut buffer) {
                if read == 0 {
                    break;
                }
                screen_in.lock().unwrap().process(&buffer[..read]);
                raw_in.lock().unwrap().extend_from_slice(&buffer[..read]);
            }
        });
        PtySession {
            screen,
            raw,
            writer,
            child,
            _master: pair.master,
        }
    }

    pub fn contents(&self) -> String {
        self.screen.lock().unwrap().screen().contents()
    }

    /// Reads the screen's cells (text, colours, attributes) as they are now.
    pub fn with_screen<R>(&self, read: impl FnOnce(&vt100::Screen) -> R) -> R {
        read(self.screen.lock().unwrap().screen())
    }

    pub fn raw_output(&self) -> Vec<u8> {
        self.raw.lock().unwrap().clone()
    }

    /// Waits until the screen shows `text`; panics with the screen after the deadline.
    pub fn wait_for(&self, text: &str) {
        self.wait_until(&format!("{text:?} on screen"), |screen| {
            screen.contains(text)
        });
    }

    pub fn wait_until(&self, what: &str, mut ready: impl FnMut(&str) -> bool) {
        let start = Instant::now();
        loop {
            let contents = self.contents();
            if ready(&contents) {
                return;
            }
            if start.elapsed() > DEADLINE {
                panic!("timed out waiting for {what}; the screen shows:\n{contents}");
            }
            std::thread::sleep(Duration::from_millis(20));
        }
    }

    pub fn send(&mut self, keys: &str) {
        self.writer.write_all(keys.as_bytes()).expect("keys sent");
        self.writer.flush().expect("keys flushed");
    }

    /// Waits for the program to exit and returns whether it succeeded.
    pub fn wait_exit(&mut self) -> bool {
        let start = Instant::now();
        loop {
            if let Ok(Some(status)) = self.child.try_wait() {
                return status.success();
            }
            if start.elapsed() > DEADLINE {
                let _ = self.child.kill();
                panic!("the program did not exit; screen:\n{}", self.contents());
            }
            std::thread::sleep(Duration::from_millis(20));
        }
    }
}

impl PtySession {
    /// Quits with `key`, answering `y` when the TUI asks first (the demo's live thread is
    /// working while it plays); returns whether the program succeeded.
    pub fn quit_with(&mut self, key: &str) -> bool {
        self.send(key);
        let start = Instant::now();
        loop {
            if let Ok(Some(status)) = self.child.try_wait() {
                return status.success();
            }
            if self.contents().contains("working; quit? y/N") {
                self.send("y");
                return self.wait_exit();
            }
            if start.elapsed() > DEADLINE {
                let _ = self.child.kill();
                panic!("the program did not quit; screen:\n{}", self.contents());
            }
            std::thread::sleep(Duration::from_millis(20));
        }
    }
}

impl Drop for PtySession {
    fn drop(&mut self) {
        let _ = self.child.kill();
    }
}

/// Polls `check` until it returns true or the deadline passes.
pub fn wait_for_condition(what: &str, mut check: impl FnMut() -> bool) {
    let start = Instant::now();
    while !check() {
        if start.elapsed() > DEADLINE {
            panic!("timed out waiting for {what}");
        }
        std::thread::sleep(Duration::from_millis(20));
    }
}

pub const ENTER: &str = "\r";
pub const ESC: &str = "\x1b";
pub const CTRL_C: &str = "\x03";
