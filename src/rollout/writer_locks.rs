//! Which threads a Codex process holds open: Codex 0.147+ takes an exclusive `flock` on
//! `CODEX_HOME/thread-writer-locks/<id>.lock` while a process has the thread open for writing
//! (the interactive TUI, `exec`, the app server and its daemon).
//!
//! On Linux the held locks are read from `/proc/locks`, which looks without touching the locks:
//! trying to take one ourselves, even for a moment, could make Codex fail to open the thread.
//! Elsewhere a shared lock is tried and released at once.

use std::collections::HashMap;
use std::path::Path;

use crate::protocol::ThreadId;
use serde::Serialize;

pub const WRITER_LOCKS_SUBDIR: &str = "thread-writer-locks";

/// Who holds a thread's writer lock.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Serialize)]
#[serde(rename_all = "snake_case")]
pub enum Holder {
    /// A Codex process the user runs: the TUI, `exec`, an app server.
    Codex,
    /// Codex's managed app-server daemon, which keeps a thread's lock for about a minute after
    /// the user quit Codex, then releases it.
    BackgroundAppServer,
}

impl Holder {
    /// What holds the thread, as messages say it ("thread X is …").
    pub fn describe(self) -> &'static str {
        match self {
            Holder::Codex => "open in a Codex process",
            Holder::BackgroundAppServer => {
                "held by Codex's background app server, which lets it go about a minute after \
                 Codex quit"
            }
        }
    }

    /// When an edit that must wait for the holder can be tried again.
    pub fn retry_hint(self) -> &'static str {
        match self {
            Holder::Codex => "after Codex closes it",
            Holder::BackgroundAppServer => "in about a minute",
        }
    }
}

/// A snapshot of the writer locks held in a Codex home.
#[derive(Debug, Default)]
pub struct WriterLocks {
    held: HashMap<ThreadId, Holder>,
}

impl WriterLocks {
    /// Reads the locks held right now: one listing of the lock directory (a file a thread that
    /// Codex has opened) and one read of `/proc/locks` on Linux.
    pub fn snapshot(codex_home: &Path) -> Self {
        let Ok(entries) = std::fs::read_dir(codex_home.join(WRITER_LOCKS_SUBDIR)) else {
            return WriterLocks::default();
        };
        let locked_files = std::fs::read_to_string("/proc/locks")
            .ok()
            .map(|text| parse_proc_locks(&text));
        let mut holders = Holders::new(codex_home);
        let held = entries
            .flatten()
            .filter_map(|entry| {
                let name = entry.file_name();
                let id: ThreadId = name.to_str()?.strip_suffix(".lock")?.parse().ok()?;
                let path = entry.path();
                let holder = match &locked_files {
                    Some(locked) => {
                        let metadata = std::fs::metadata(&path).ok()?;
                        let pid = *locked.get(&file_key(&metadata))?;
                        holders.of(pid)
                    }
                    None => try_lock_is_refused(&path).then_some(Holder::Codex)?,
                };
                Some((id, holder))
            })
            .collect();
        WriterLocks { held }
    }

    /// True when some process holds the thread's writer lock.
    pub fn is_held(&self, id: ThreadId) -> bool {
        self.held.contains_key(&id)
    }

    /// Who holds the thread's writer lock, if anyone does.
    pub fn holder(&self, id: ThreadId) -> Option<Holder> {
        self.held.get(&id).copied()
    }
}

/// Tells the processes that hold locks apart: Codex's managed app-server daemon (its binary
/// under `CODEX_HOME/packages/`) holds the threads of Codex's TUI while it runs and for about a
/// minute after it quit; with no Codex TUI running, what it holds is only waiting to be let go.
struct Holders<'a> {
    codex_home: &'a Path,
    /// Whether a Codex process other than an app server runs (looked up once, when needed).
    codex_client_running: Option<bool>,
    known: HashMap<u32, Holder>,
}

impl<'a> Holders<'a> {
    fn new(codex_home: &'a Path) -> Self {
        Holders {
            codex_home,
            codex_client_running: None,
            known: HashMap::new(),
        }
    }

    fn of(&mut self, pid: u32) -> Holder {
        if let Some(holder) = self.known.get(&pid) {
            return *holder;
        }
        let packages = self.codex_home.join("packages");
        let is_daemon = std::fs::read_link(format!("/proc/{pid}/exe"))
            .is_ok_and(|exe| exe.starts_with(&packages));
        let holder = if is_daemon
            && !*self
                .codex_client_running
                .get_or_insert_with(codex_client_running)
        {
            Holder::BackgroundAppServer
        } else {
            Holder::Codex
        };
        self.known.insert(pid, holder);
        holder
    }
}

/// Whether any `codex` process other than an app server runs on this machine (a TUI, `exec`).
fn codex_client_running() -> bool {
    let Ok(entries) = std::fs::read_dir("/proc") else {
        return true; // cannot tell: do not call the daemon's threads abandoned
    };
    entries.flatten().any(|entry| {
        let Ok(cmdline) = std::fs::read(entry.path().join("cmdline")) else {
            return false;
        };
        let mut args = cmdline.split(|byte| *byte == 0);
        let program = args.next().unwrap_or_default();
        let is_codex = program.rsplit(|byte| *byte == b'/').next() == Some(b"codex".as_slice());
        is_codex && !args.any(|arg| arg == b"app-server")
    })
}

/// The files Codex processes on this machine hold open (Linux: the `fd` links of every process
/// named `codex`), or `None` where that cannot be seen. Codex before 0.147 takes no writer lock;
/// its process holding the rollout open is then the only sign that it still writes a thread.
pub fn files_open_in_codex() -> Option<std::collections::HashSet<std::path::PathBuf>> {
    let processes = std::fs::read_dir("/proc").ok()?;
    let mut open = std::collections::HashSet::new();
    for process in processes.flatten() {
        let is_codex = std::fs::read_to_string(process.path().join("comm"))
            .is_ok_and(|name| name.trim_end() == "codex");
        if !is_codex {
            continue;
        }
        let Ok(fds) = std::fs::read_dir(process.path().join("fd")) else {
            continue;
        };
        open.extend(
            fds.flatten()
                .filter_map(|fd| std::fs::read_link(fd.path()).ok()),
        );
    }
    Some(open)
}

/// `/proc/locks` lines: `1: FLOCK  ADVISORY  WRITE 10497 fd:01:1234567 0 EOF` (flock and POSIX
/// locks alike; `->` marks a waiter, which holds nothing): each locked file and the holder's pid.
fn parse_proc_locks(text: &str) -> HashMap<(u64, u64, u64), u32> {
    text.lines()
        .filter(|line| !line.contains("->"))
        .filter_map(|line| {
            let mut fields = line.split_whitespace();
            let pid = fields.nth(4)?.parse().ok()?;
            let file = fields.next()?;
            let mut parts = file.split(':');
            let major = u64::from_str_radix(parts.next()?, 16).ok()?;
            let minor = u64::from_str_radix(parts.next()?, 16).ok()?;
            let inode = parts.next()?.parse().ok()?;
            Some(((major, minor, inode), pid))
        })
        .collect()
}

#[cfg(unix)]
fn file_key(metadata: &std::fs::Metadata) -> (u64, u64, u64) {
    use std::os::unix::fs::MetadataExt;
    let dev = metadata.dev();
    // Linux's encoding of a device number (glibc's `major` and `minor`).
    let major = ((dev >> 8) & 0xfff) | ((dev >> 32) & !0xfff);
    let minor = (dev & 0xff) | ((dev >> 12) & !0xff);
    (major, minor, metadata.ino())
}

#[cfg(not(unix))]
fn file_key(_metadata: &std::fs::Metadata) -> (u64, u64, u64) {
    (0, 0, 0)
}

fn try_lock_is_refused(path: &Path) -> bool {
    // A FIFO in the lock directory must not stall every listing.
    let Ok(file) = super::files::open_regular(path) else {
        return false;
    };
    match file.try_lock_shared() {
        Ok(()) => {
            let _ = file.unlock();
            false
        }
        Err(_) => true,
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_lock_held_by_another_open_file_is_seen() {
        let home = tempfile::TempDir::new().unwrap();
        let dir = home.path().join(WRITER_LOCKS_SUBDIR);
        std::fs::create_dir_all(&dir).unwrap();
        let id: ThreadId = "01a22a77-5a42-7151-ae81-eb9769e0b320".parse().unwrap();
        let other: ThreadId = "01a22a77-5a42-7151-ae81-eb9769e0b321".parse().unwrap();
        let path = dir.join(format!("{id}.lock"));
        std::fs::write(&path, "").unwrap();
        std::fs::write(dir.join(format!("{other}.lock")), "").unwrap();
        assert!(!WriterLocks::snapshot(home.path()).is_held(id));

        let holder = std::fs::File::open(&path).unwrap();
        holder.lock().unwrap();
        let locks = WriterLocks::snapshot(home.path());
        assert!(locks.is_held(id));
        assert_eq!(
            locks.holder(id),
            Some(Holder::Codex),
            "this test is no Codex daemon"
        );
        assert!(!locks.is_held(other), "an unlocked lock file is not held");
        holder.unlock().unwrap();
        assert!(!WriterLocks::snapshot(home.path()).is_held(id));
    }

    #[test]
    fn proc_locks_lines_parse_and_waiters_hold_nothing() {
        let text = "1: FLOCK  ADVISORY  WRITE 10497 fd:01:1234567 0 EOF\n\
                    1: -> FLOCK  ADVISORY  WRITE 10498 fd:01:7654321 0 EOF\n\
                    2: POSIX  ADVISORY  WRITE 77 00:2a:42 0 EOF\n";
        let held = parse_proc_locks(text);
        assert_eq!(held.get(&(0xfd, 1, 1234567)), Some(&10497));
        assert_eq!(held.get(&(0, 0x2a, 42)), Some(&77));
        assert!(!held.contains_key(&(0xfd, 1, 7654321)));
    }
}
