//! Which threads a Codex process holds open: Codex 0.147+ takes an exclusive `flock` on
//! `CODEX_HOME/thread-writer-locks/<id>.lock` while a process has the thread open for writing
//! (the interactive TUI, `exec`, the app server and its daemon).
//!
//! On Linux the held locks are read from `/proc/locks`, which looks without touching the locks:
//! trying to take one ourselves, even for a moment, could make Codex fail to open the thread.
//! Elsewhere a shared lock is tried and released at once.

use std::collections::HashSet;
use std::path::Path;

use crate::protocol::ThreadId;

pub const WRITER_LOCKS_SUBDIR: &str = "thread-writer-locks";

/// A snapshot of the writer locks held in a Codex home.
#[derive(Debug, Default)]
pub struct WriterLocks {
    held: HashSet<ThreadId>,
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
        let held = entries
            .flatten()
            .filter_map(|entry| {
                let name = entry.file_name();
                let id: ThreadId = name.to_str()?.strip_suffix(".lock")?.parse().ok()?;
                let path = entry.path();
                let locked = match &locked_files {
                    Some(locked) => {
                        let metadata = std::fs::metadata(&path).ok()?;
                        locked.contains(&file_key(&metadata))
                    }
                    None => try_lock_is_refused(&path),
                };
                locked.then_some(id)
            })
            .collect();
        WriterLocks { held }
    }

    /// True when some process holds the thread's writer lock.
    pub fn is_held(&self, id: ThreadId) -> bool {
        self.held.contains(&id)
    }
}

/// `/proc/locks` lines: `1: FLOCK  ADVISORY  WRITE 10497 fd:01:1234567 0 EOF` (flock and POSIX
/// locks alike; `->` marks a waiter, which holds nothing).
fn parse_proc_locks(text: &str) -> HashSet<(u64, u64, u64)> {
    text.lines()
        .filter(|line| !line.contains("->"))
        .filter_map(|line| {
            let file = line.split_whitespace().nth(5)?;
            let mut parts = file.split(':');
            let major = u64::from_str_radix(parts.next()?, 16).ok()?;
            let minor = u64::from_str_radix(parts.next()?, 16).ok()?;
            let inode = parts.next()?.parse().ok()?;
            Some((major, minor, inode))
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
        assert!(held.contains(&(0xfd, 1, 1234567)));
        assert!(held.contains(&(0, 0x2a, 42)));
        assert!(!held.contains(&(0xfd, 1, 7654321)));
    }
}
