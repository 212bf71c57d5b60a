//! Threads marked private (`codex-threads private THREAD…`): `sync` leaves them at home, and
//! removes them from the store if they were there. Kept in our own state directory, one file
//! per Codex home (thread ids, one a line), so Codex's files are untouched.

use std::collections::HashSet;
use std::io::Write;
use std::path::Path;

use crate::protocol::ThreadId;

/// The private threads recorded at `path`; none when the file is missing. Lines that are not
/// thread ids are passed over.
pub(super) fn read(path: &Path) -> std::io::Result<HashSet<ThreadId>> {
    match std::fs::read_to_string(path) {
        Ok(text) => Ok(text
            .lines()
            .filter_map(|line| line.trim().parse().ok())
            .collect()),
        Err(err) if err.kind() == std::io::ErrorKind::NotFound => Ok(HashSet::new()),
        Err(err) => Err(err),
    }
}

/// Marks `ids` private (or public again). The file is replaced whole (a temporary file renamed
/// over it), so a reader never sees half of it.
pub(super) fn set(path: &Path, ids: &[ThreadId], private: bool) -> std::io::Result<()> {
    let mut marked = read(path)?;
    for id in ids {
        if private {
            marked.insert(*id);
        } else {
            marked.remove(id);
        }
    }
    let dir = path.parent().unwrap_or(Path::new("."));
    std::fs::create_dir_all(dir)?;
    let mut sorted: Vec<String> = marked.iter().map(ToString::to_string).collect();
    sorted.sort();
    let mut temp = tempfile::NamedTempFile::new_in(dir)?;
    for id in sorted {
        writeln!(temp, "{id}")?;
    }
    temp.as_file().sync_all()?;
    temp.persist(path).map_err(|err| err.error)?;
    Ok(())
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn marks_round_trip_and_unmark() {
        let dir = tempfile::tempdir().unwrap();
        let path = dir.path().join("state").join("private.txt");
        let (a, b) = (ThreadId::new(), ThreadId::new());
        assert!(read(&path).unwrap().is_empty());
        set(&path, &[a, b], true).unwrap();
        assert_eq!(read(&path).unwrap(), HashSet::from([a, b]));
        set(&path, &[a], false).unwrap();
        assert_eq!(read(&path).unwrap(), HashSet::from([b]));
    }
}
