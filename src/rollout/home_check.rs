//! Whether a Codex home can be opened at all, before anything lists it. A home that is a file
//! or cannot be read is an error the user must see: quietly showing an empty list (or the demo
//! home) would hide a typo in `CODEX_HOME` or a permissions problem.

use std::fs;
use std::io;
use std::path::{Path, PathBuf};

/// A home that can be opened, or one that is not there at all.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum HomePresence {
    /// A readable directory.
    Present,
    /// Nothing at that path (a dangling symlink counts as nothing).
    Missing,
}

/// Why a Codex home cannot be opened.
#[derive(Debug, thiserror::Error)]
pub enum BadHome {
    #[error("Codex home {} is not a directory", .0.display())]
    NotADirectory(PathBuf),
    /// The cause is part of the message, not a `source`: a report prints the chain once.
    #[error("cannot read Codex home {}: {cause}", .path.display())]
    Unreadable { path: PathBuf, cause: io::Error },
}

/// Looks at `home` without creating or changing anything: its listing must open, since every
/// thread is found by walking it.
pub fn check_home(home: &Path) -> Result<HomePresence, BadHome> {
    let unreadable = |cause| BadHome::Unreadable {
        path: home.to_path_buf(),
        cause,
    };
    match fs::metadata(home) {
        Err(err) if err.kind() == io::ErrorKind::NotFound => return Ok(HomePresence::Missing),
        Err(err) => return Err(unreadable(err)),
        Ok(meta) if !meta.is_dir() => return Err(BadHome::NotADirectory(home.to_path_buf())),
        Ok(_) => {}
    }
    fs::read_dir(home).map_err(unreadable)?;
    Ok(HomePresence::Present)
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::rollout::test_support::{make_readable, make_unreadable, touch};

    #[test]
    fn a_directory_is_present_and_nothing_is_missing() {
        let dir = tempfile::tempdir().unwrap();
        assert_eq!(check_home(dir.path()).unwrap(), HomePresence::Present);
        let missing = dir.path().join("none");
        assert_eq!(check_home(&missing).unwrap(), HomePresence::Missing);
        let dangling = dir.path().join("dangling");
        std::os::unix::fs::symlink(&missing, &dangling).unwrap();
        assert_eq!(check_home(&dangling).unwrap(), HomePresence::Missing);
    }

    #[test]
    fn a_file_is_not_a_directory() {
        let dir = tempfile::tempdir().unwrap();
        let file = dir.path().join("codex");
        touch(&file, b"not a home");
        let err = check_home(&file).unwrap_err();
        assert!(matches!(err, BadHome::NotADirectory(_)), "{err:?}");
        assert_eq!(
            err.to_string(),
            format!("Codex home {} is not a directory", file.display())
        );
    }

    #[test]
    fn a_home_under_a_file_cannot_be_read() {
        // `CODEX_HOME=/etc/passwd/x`: the path cannot exist, and saying "missing" would open
        // the demo home over a mistake.
        let dir = tempfile::tempdir().unwrap();
        let file = dir.path().join("file");
        touch(&file, b"");
        let err = check_home(&file.join("home")).unwrap_err();
        assert!(
            err.to_string().contains("Not a directory"),
            "{err}: the cause is named"
        );
    }

    #[test]
    fn an_unreadable_home_names_the_cause_when_permissions_apply() {
        let dir = tempfile::tempdir().unwrap();
        let home = dir.path().join("home");
        fs::create_dir(&home).unwrap();
        if !make_unreadable(&home) {
            // Root reads anything; tests/cli.rs checks this as another user.
            make_readable(&home, 0o755);
            return;
        }
        let err = check_home(&home);
        make_readable(&home, 0o755);
        let err = err.unwrap_err();
        assert_eq!(
            err.to_string(),
            format!(
                "cannot read Codex home {}: Permission denied (os error 13)",
                home.display()
            )
        );
    }
}
