//! Moving a rollout between `sessions/` and `archived_sessions/` without ever replacing a file,
//! and recognising a move that was cut short.

use std::fs;
use std::io;
use std::os::unix::fs::MetadataExt;
use std::path::Path;

use rustix::fs::{CWD, RenameFlags, renameat_with};

use crate::fault;

/// Renames `from` to `to`, failing with `AlreadyExists` if `to` exists. One atomic
/// `renameat2(RENAME_NOREPLACE)`, so a kill leaves the file under exactly one of its names.
/// Where the file system lacks that flag, a hard link then an unlink: a kill between them
/// leaves one file under both names, which `same_file` recognises and the store finishes.
pub fn move_no_replace(from: &Path, to: &Path) -> io::Result<()> {
    match renameat_with(CWD, from, CWD, to, RenameFlags::NOREPLACE) {
        Ok(()) => Ok(()),
        Err(err) if err == rustix::io::Errno::INVAL || err == rustix::io::Errno::NOSYS => {
            fs::hard_link(from, to)?;
            fault::point("move.after_link");
            fs::remove_file(from)
        }
        Err(err) => Err(err.into()),
    }
}

/// True when both paths name one file (a move between them was interrupted).
pub fn same_file(a: &Path, b: &Path) -> io::Result<bool> {
    let (a, b) = (fs::metadata(a)?, fs::metadata(b)?);
    Ok(a.dev() == b.dev() && a.ino() == b.ino())
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn moves_and_never_replaces() {
        let dir = tempfile::tempdir().unwrap();
        let (a, b) = (dir.path().join("a"), dir.path().join("b"));
        fs::write(&a, "first").unwrap();
        move_no_replace(&a, &b).unwrap();
        assert!(!a.exists());
        assert_eq!(fs::read_to_string(&b).unwrap(), "first");
        fs::write(&a, "second").unwrap();
        let err = move_no_replace(&a, &b).unwrap_err();
        assert_eq!(err.kind(), io::ErrorKind::AlreadyExists);
        assert_eq!(fs::read_to_string(&a).unwrap(), "second");
        assert_eq!(fs::read_to_string(&b).unwrap(), "first");
    }

    #[test]
    fn a_hard_link_is_the_same_file_and_a_copy_is_not() {
        let dir = tempfile::tempdir().unwrap();
        let (a, b, c) = (
            dir.path().join("a"),
            dir.path().join("b"),
            dir.path().join("c"),
        );
        fs::write(&a, "x").unwrap();
        fs::hard_link(&a, &b).unwrap();
        fs::copy(&a, &c).unwrap();
        assert!(same_file(&a, &b).unwrap());
        assert!(!same_file(&a, &c).unwrap());
    }
}
