//! The freedesktop.org trash (Trash specification 1.0), so that a deleted rollout can be put
//! back: the file goes to `TRASH/files/NAME` and `TRASH/info/NAME.trashinfo` says where it came
//! from (`Path=`, percent-encoded) and when it went (`DeletionDate=`, local time). Only the home
//! trash is used; a file on another filesystem is copied there and then removed.

use std::fs::{self, File, OpenOptions};
use std::io::{self, Write};
use std::os::unix::ffi::OsStrExt;
use std::os::unix::fs::{DirBuilderExt, OpenOptionsExt};
use std::path::{Path, PathBuf};

use chrono::{DateTime, Local};

/// How many names are tried before giving up (`NAME`, `NAME.2`, … `NAME.999`).
const MAX_NAME_TRIES: u32 = 999;

/// The home trash: `$XDG_DATA_HOME/Trash`, by default `~/.local/share/Trash`.
pub fn home_trash_dir() -> Option<PathBuf> {
    dirs::data_dir().map(|dir| dir.join("Trash"))
}

/// Where a file went in the trash.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Trashed {
    /// The file, now under `files/`.
    pub file: PathBuf,
    /// Its `.trashinfo` under `info/`.
    pub info: PathBuf,
}

/// Moves `path` (a regular file, absolute) into the trash at `trash_dir`, under a name no other
/// trashed file has. The `.trashinfo` is written first (it reserves the name, as the
/// specification asks) and removed again if the file cannot be moved, so a failure leaves the
/// file where it was and the trash as it was.
pub fn move_to_trash(trash_dir: &Path, path: &Path, now: DateTime<Local>) -> io::Result<Trashed> {
    let name = path.file_name().ok_or_else(|| {
        io::Error::new(
            io::ErrorKind::InvalidInput,
            format!("{} has no file name", path.display()),
        )
    })?;
    let files_dir = trash_dir.join("files");
    let info_dir = trash_dir.join("info");
    for dir in [trash_dir, &files_dir, &info_dir] {
        // The trash holds what users threw away: theirs alone.
        fs::DirBuilder::new()
            .recursive(true)
            .mode(0o700)
            .create(dir)
            .map_err(|err| named(dir, err))?;
    }
    let info_text = trash_info(path, now);
    for attempt in 1..=MAX_NAME_TRIES {
        let candidate = candidate_name(name.as_bytes(), attempt);
        let info = info_dir.join(format!("{}.trashinfo", lossless(&candidate)?));
        let file = files_dir.join(lossless(&candidate)?);
        let mut info_file = match OpenOptions::new()
            .write(true)
            .create_new(true)
            .mode(0o600)
            .open(&info)
        {
            Ok(info_file) => info_file,
            Err(err) if err.kind() == io::ErrorKind::AlreadyExists => continue,
            Err(err) => return Err(named(&info, err)),
        };
        // A file left in `files/` without its info (a crash elsewhere) keeps its name too.
        if fs::symlink_metadata(&file).is_ok() {
            drop(info_file);
            let _ = fs::remove_file(&info);
            continue;
        }
        let written = info_file
            .write_all(info_text.as_bytes())
            .and_then(|()| info_file.sync_all());
        if let Err(err) = written.and_then(|()| move_file(path, &file)) {
            let _ = fs::remove_file(&info);
            return Err(err);
        }
        return Ok(Trashed { file, info });
    }
    Err(io::Error::other(format!(
        "{}: no free name for {} after {MAX_NAME_TRIES} tries",
        trash_dir.display(),
        path.display()
    )))
}

/// The `.trashinfo` contents for `path` deleted at `now`.
pub fn trash_info(path: &Path, now: DateTime<Local>) -> String {
    format!(
        "[Trash Info]\nPath={}\nDeletionDate={}\n",
        percent_encode_path(path),
        now.format("%Y-%m-%dT%H:%M:%S")
    )
}

/// `NAME` for the first attempt, then `STEM.N.EXTENSIONS` (`rollout-x.2.jsonl.zst`), so the
/// trashed file keeps the extensions a file manager opens it by.
fn candidate_name(name: &[u8], attempt: u32) -> Vec<u8> {
    if attempt == 1 {
        return name.to_vec();
    }
    // A leading dot is part of the stem (`.hidden`).
    let split = name
        .iter()
        .skip(1)
        .position(|&byte| byte == b'.')
        .map_or(name.len(), |at| at + 1);
    let (stem, extensions) = name.split_at(split);
    [stem, format!(".{attempt}").as_bytes(), extensions].concat()
}

/// Names in the trash are built from the file's own bytes; they must stay those bytes.
fn lossless(name: &[u8]) -> io::Result<&str> {
    std::str::from_utf8(name).map_err(|_| {
        io::Error::new(
            io::ErrorKind::InvalidData,
            "a rollout file name that is not UTF-8 cannot be trashed",
        )
    })
}

/// The absolute path with every byte outside the URI unreserved set (and `/`) as `%XX`.
pub fn percent_encode_path(path: &Path) -> String {
    let mut encoded = String::new();
    for &byte in path.as_os_str().as_bytes() {
        if byte.is_ascii_alphanumeric() || b"/-_.~".contains(&byte) {
            encoded.push(char::from(byte));
        } else {
            encoded.push_str(&format!("%{byte:02X}"));
        }
    }
    encoded
}

/// A rename; across filesystems a copy (contents, permissions and mtime), synced, then the
/// original removed.
fn move_file(from: &Path, to: &Path) -> io::Result<()> {
    match fs::rename(from, to) {
        Ok(()) => Ok(()),
        Err(err) if err.kind() == io::ErrorKind::CrossesDevices => copy_then_remove(from, to),
        Err(err) => Err(named(from, err)),
    }
}

fn copy_then_remove(from: &Path, to: &Path) -> io::Result<()> {
    let copied = (|| {
        let metadata = fs::metadata(from)?;
        let mut source = File::open(from)?;
        let mut target = OpenOptions::new().write(true).create_new(true).open(to)?;
        io::copy(&mut source, &mut target)?;
        target.set_permissions(metadata.permissions())?;
        target.set_modified(metadata.modified()?)?;
        target.sync_all()
    })();
    if let Err(err) = copied {
        let _ = fs::remove_file(to);
        return Err(named(from, err));
    }
    fs::remove_file(from).map_err(|err| {
        // Both copies exist now; the trashed one is complete, so nothing is lost.
        named(from, err)
    })
}

fn named(path: &Path, err: io::Error) -> io::Error {
    io::Error::new(err.kind(), format!("{}: {err}", path.display()))
}

#[cfg(test)]
mod tests {
    use super::*;
    use chrono::TimeZone;

    fn at() -> DateTime<Local> {
        Local.with_ymd_and_hms(2026, 7, 4, 9, 5, 3).unwrap()
    }

    #[test]
    fn a_file_goes_to_files_with_its_info() {
        let dir = tempfile::TempDir::new().unwrap();
        let source_dir = dir.path().join("day dir/ü");
        fs::create_dir_all(&source_dir).unwrap();
        let source = source_dir.join("rollout-a.jsonl");
        fs::write(&source, "line\n").unwrap();
        let trash = dir.path().join("share/Trash");
        let trashed = move_to_trash(&trash, &source, at()).unwrap();

        assert!(!source.exists());
        assert_eq!(trashed.file, trash.join("files/rollout-a.jsonl"));
        assert_eq!(fs::read_to_string(&trashed.file).unwrap(), "line\n");
        assert_eq!(trashed.info, trash.join("info/rollout-a.jsonl.trashinfo"));
        let expected_path = format!(
            "{}/day%20dir/%C3%BC/rollout-a.jsonl",
            percent_encode_path(dir.path())
        );
        assert_eq!(
            fs::read_to_string(&trashed.info).unwrap(),
            format!("[Trash Info]\nPath={expected_path}\nDeletionDate=2026-07-04T09:05:03\n")
        );
        use std::os::unix::fs::PermissionsExt;
        let mode = fs::metadata(trash.join("files"))
            .unwrap()
            .permissions()
            .mode();
        assert_eq!(mode & 0o777, 0o700);
    }

    #[test]
    fn names_taken_in_files_or_info_get_a_number_before_the_extensions() {
        let dir = tempfile::TempDir::new().unwrap();
        let trash = dir.path().join("Trash");
        let name = "rollout-b.jsonl.zst";
        let mut trashed = Vec::new();
        for content in ["one", "two"] {
            let source = dir.path().join(name);
            fs::write(&source, content).unwrap();
            trashed.push(move_to_trash(&trash, &source, at()).unwrap());
        }
        // A file in files/ whose info is missing still holds its name.
        fs::write(trash.join("files/rollout-b.3.jsonl.zst"), "stray").unwrap();
        let source = dir.path().join(name);
        fs::write(&source, "four").unwrap();
        trashed.push(move_to_trash(&trash, &source, at()).unwrap());

        let names: Vec<String> = trashed
            .iter()
            .map(|t| t.file.file_name().unwrap().to_string_lossy().into_owned())
            .collect();
        assert_eq!(
            names,
            [
                "rollout-b.jsonl.zst",
                "rollout-b.2.jsonl.zst",
                "rollout-b.4.jsonl.zst"
            ]
        );
        assert_eq!(fs::read_to_string(&trashed[1].file).unwrap(), "two");
        assert_eq!(fs::read_to_string(&trashed[2].file).unwrap(), "four");
        assert!(trash.join("info/rollout-b.4.jsonl.zst.trashinfo").exists());
        assert!(!trash.join("info/rollout-b.3.jsonl.zst.trashinfo").exists());
        assert_eq!(
            fs::read_to_string(trash.join("files/rollout-b.3.jsonl.zst")).unwrap(),
            "stray"
        );
    }

    #[test]
    fn a_failed_move_leaves_the_file_and_no_info() {
        let dir = tempfile::TempDir::new().unwrap();
        let trash = dir.path().join("Trash");
        let missing = dir.path().join("rollout-gone.jsonl");
        assert!(move_to_trash(&trash, &missing, at()).is_err());
        assert_eq!(fs::read_dir(trash.join("info")).unwrap().count(), 0);
        assert_eq!(fs::read_dir(trash.join("files")).unwrap().count(), 0);
    }

    #[test]
    fn a_copy_across_filesystems_keeps_contents_and_mtime() {
        let dir = tempfile::TempDir::new().unwrap();
        let from = dir.path().join("from.jsonl");
        fs::write(&from, "x".repeat(100_000)).unwrap();
        let old = std::time::SystemTime::UNIX_EPOCH + std::time::Duration::from_secs(1_700_000_000);
        File::options()
            .append(true)
            .open(&from)
            .unwrap()
            .set_modified(old)
            .unwrap();
        let to = dir.path().join("to.jsonl");
        copy_then_remove(&from, &to).unwrap();
        assert!(!from.exists());
        assert_eq!(fs::read(&to).unwrap().len(), 100_000);
        assert_eq!(fs::metadata(&to).unwrap().modified().unwrap(), old);
    }

    #[test]
    fn paths_are_percent_encoded_bytewise() {
        let path = Path::new(std::ffi::OsStr::from_bytes(b"/a b/%/\xff/c~d.e"));
        assert_eq!(percent_encode_path(path), "/a%20b/%25/%FF/c~d.e");
    }
}
