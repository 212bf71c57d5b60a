//! Reading the freedesktop trash back: which trashed files are rollouts of one Codex home
//! (`info/NAME.trashinfo` whose `Path=` is a rollout under the home's `sessions/` or
//! `archived_sessions/`), and putting one back where it came from without replacing anything.

use std::ffi::OsStr;
use std::fs;
use std::io::{self, Read};
use std::os::unix::ffi::OsStrExt;
use std::path::{Path, PathBuf};

use chrono::NaiveDateTime;

use super::files::open_regular;
use super::home::{CodexHome, SkippedEntry, parse_rollout_file_name};
use super::moves::move_no_replace;
use crate::fault;
use crate::protocol::ThreadId;

/// A `.trashinfo` is a few lines; anything longer is not one of ours.
const MAX_INFO_BYTES: u64 = 64 * 1024;

/// A Codex rollout in the trash.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct TrashEntry {
    pub thread_id: ThreadId,
    /// `info/NAME.trashinfo`.
    pub info: PathBuf,
    /// `files/NAME`: the rollout itself.
    pub file: PathBuf,
    /// Where it came from (`Path=`), and where it goes back to.
    pub original: PathBuf,
    /// `DeletionDate=`, local time as the specification writes it; `None` when unreadable.
    pub deleted_at: Option<NaiveDateTime>,
    pub size: u64,
}

/// What a `.trashinfo` says.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct TrashInfo {
    pub path: PathBuf,
    pub deleted_at: Option<NaiveDateTime>,
}

/// Parses a `.trashinfo`: a `[Trash Info]` group with an absolute, percent-encoded `Path=`
/// (required) and a `DeletionDate=` (`YYYY-MM-DDThh:mm:ss`; a bad one reads as unknown).
pub fn parse_trash_info(text: &str) -> Result<TrashInfo, String> {
    let mut lines = text
        .lines()
        .map(str::trim)
        .filter(|line| !line.is_empty() && !line.starts_with('#'));
    if lines.next() != Some("[Trash Info]") {
        return Err("does not start with [Trash Info]".to_string());
    }
    let (mut path, mut deleted_at) = (None, None);
    for line in lines {
        // Another group ends ours.
        if line.starts_with('[') {
            break;
        }
        if let Some(value) = line.strip_prefix("Path=") {
            path.get_or_insert(value);
        } else if let Some(value) = line.strip_prefix("DeletionDate=") {
            deleted_at.get_or_insert(value);
        }
    }
    let path = path.ok_or("has no Path=")?;
    let bytes = percent_decode(path).ok_or("has a bad %-escape in Path=")?;
    let path = PathBuf::from(OsStr::from_bytes(&bytes));
    if !path.is_absolute() {
        return Err("has a relative Path=".to_string());
    }
    let deleted_at =
        deleted_at.and_then(|date| NaiveDateTime::parse_from_str(date, "%Y-%m-%dT%H:%M:%S").ok());
    Ok(TrashInfo { path, deleted_at })
}

/// `%XX` escapes decoded to bytes; `None` for a cut-off or non-hex escape.
fn percent_decode(text: &str) -> Option<Vec<u8>> {
    let mut bytes = Vec::with_capacity(text.len());
    let mut rest = text.as_bytes();
    while let Some((&byte, tail)) = rest.split_first() {
        if byte == b'%' {
            let hex = std::str::from_utf8(tail.get(..2)?).ok()?;
            bytes.push(u8::from_str_radix(hex, 16).ok()?);
            rest = &tail[2..];
        } else {
            bytes.push(byte);
            rest = tail;
        }
    }
    Some(bytes)
}

/// The thread a path under `home` is the rollout of, when it is one.
fn home_rollout_id(home: &CodexHome, path: &Path) -> Option<ThreadId> {
    let in_home = [home.sessions_dir(), home.archived_dir()]
        .iter()
        .any(|dir| path.starts_with(dir));
    let name = path.file_name()?.to_str()?;
    in_home
        .then(|| parse_rollout_file_name(name))
        .flatten()
        .map(|(_, id)| id)
}

/// The rollouts of `home` in the trash at `trash_dir`, newest deletion first (unknown dates
/// last). Other files in the trash are passed over; a `.trashinfo` named like a rollout that
/// cannot be read or parsed is reported in the second list. An info whose file is gone (a
/// restore cut short after the move) is no entry.
pub fn list_trash(
    trash_dir: &Path,
    home: &CodexHome,
) -> io::Result<(Vec<TrashEntry>, Vec<SkippedEntry>)> {
    let (mut entries, mut skipped) = (Vec::new(), Vec::new());
    let info_dir = trash_dir.join("info");
    let listing = match fs::read_dir(&info_dir) {
        Ok(listing) => listing,
        Err(err) if err.kind() == io::ErrorKind::NotFound => return Ok((entries, skipped)),
        Err(err) => return Err(super::files::name_file(&info_dir, err)),
    };
    for dirent in listing {
        let dirent = dirent.map_err(|err| super::files::name_file(&info_dir, err))?;
        let info = dirent.path();
        let Some(name) = dirent
            .file_name()
            .as_bytes()
            .strip_suffix(b".trashinfo")
            .map(|name| OsStr::from_bytes(name).to_os_string())
        else {
            continue;
        };
        let parsed = read_info(&info).and_then(|text| parse_trash_info(&text));
        let parsed = match parsed {
            Ok(parsed) => parsed,
            Err(reason) => {
                if name.as_bytes().starts_with(b"rollout-") {
                    skipped.push(SkippedEntry::new(&info, reason));
                }
                continue;
            }
        };
        let Some(thread_id) = home_rollout_id(home, &parsed.path) else {
            continue;
        };
        let file = trash_dir.join("files").join(&name);
        let size = match fs::symlink_metadata(&file) {
            Ok(metadata) if metadata.is_file() => metadata.len(),
            Ok(_) => {
                skipped.push(SkippedEntry::new(&file, "not a regular file"));
                continue;
            }
            Err(err) if err.kind() == io::ErrorKind::NotFound => continue,
            Err(err) => {
                skipped.push(SkippedEntry::from_error(&file, &err));
                continue;
            }
        };
        entries.push(TrashEntry {
            thread_id,
            info,
            file,
            original: parsed.path,
            deleted_at: parsed.deleted_at,
            size,
        });
    }
    // Newest first; ties (one delete moving two copies) by name for a stable order.
    entries.sort_by(|a, b| {
        b.deleted_at
            .cmp(&a.deleted_at)
            .then_with(|| a.file.cmp(&b.file))
    });
    Ok((entries, skipped))
}

/// A `.trashinfo`'s text: a regular file (never a FIFO that would block), short, UTF-8.
fn read_info(path: &Path) -> Result<String, String> {
    let file = open_regular(path).map_err(|err| err.to_string())?;
    let mut text = String::new();
    let read = file
        .take(MAX_INFO_BYTES + 1)
        .read_to_string(&mut text)
        .map_err(|err| err.to_string())?;
    if read as u64 > MAX_INFO_BYTES {
        return Err("is too long to be a .trashinfo".to_string());
    }
    Ok(text)
}

/// Why an entry cannot go back: something is at its original path.
pub fn original_taken(entry: &TrashEntry) -> Option<String> {
    fs::symlink_metadata(&entry.original).ok().map(|_| {
        format!(
            "{} already exists; nothing was restored",
            entry.original.display()
        )
    })
}

/// Moves the trashed file back to its original path (never replacing a file there), then
/// removes its `.trashinfo`. A kill between the two leaves the rollout in place and an info
/// without a file, which `list_trash` passes over. Across file systems the file is copied next
/// to its destination under a name Codex does not read, synced, and renamed into place.
pub fn put_back(entry: &TrashEntry) -> io::Result<()> {
    if let Some(parent) = entry.original.parent() {
        fs::create_dir_all(parent).map_err(|err| super::files::name_file(parent, err))?;
    }
    match move_no_replace(&entry.file, &entry.original) {
        Ok(()) => {}
        Err(err) if err.kind() == io::ErrorKind::CrossesDevices => copy_back(entry)?,
        Err(err) => return Err(super::files::name_file(&entry.original, err)),
    }
    fault::point("restore.after_move");
    match fs::remove_file(&entry.info) {
        Err(err) if err.kind() != io::ErrorKind::NotFound => {
            Err(super::files::name_file(&entry.info, err))
        }
        _ => Ok(()),
    }
}

fn copy_back(entry: &TrashEntry) -> io::Result<()> {
    let dir = entry.original.parent().unwrap_or(Path::new("/"));
    let mut temp = tempfile::Builder::new()
        .prefix(".codex-threads-restore-")
        .tempfile_in(dir)?;
    let metadata = fs::metadata(&entry.file)?;
    io::copy(&mut fs::File::open(&entry.file)?, temp.as_file_mut())?;
    temp.as_file().set_permissions(metadata.permissions())?;
    temp.as_file().set_modified(metadata.modified()?)?;
    temp.as_file().sync_all()?;
    move_no_replace(temp.path(), &entry.original)?;
    // The temporary name is gone with the rename; do not let the guard remove the rollout.
    let _ = temp.into_temp_path().keep();
    fs::remove_file(&entry.file)
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::rollout::move_to_trash;
    use chrono::{Local, TimeZone};

    const ID: &str = "01a25224-9bc4-7523-b629-9f19dd843e56";

    fn rollout_name() -> String {
        format!("rollout-2026-12-07T20-14-20-{ID}.jsonl")
    }

    struct Fixture {
        _dir: tempfile::TempDir,
        home: CodexHome,
        trash: PathBuf,
    }

    fn fixture() -> Fixture {
        let dir = tempfile::TempDir::new().unwrap();
        let home = CodexHome::new(dir.path().join("codex"));
        let trash = dir.path().join("Trash");
        Fixture {
            _dir: dir,
            home,
            trash,
        }
    }

    /// A rollout written under the home's `sessions/` and trashed at `hour`:00.
    fn trash_rollout(fixture: &Fixture, name: &str, hour: u32) -> PathBuf {
        let day = fixture.home.sessions_dir().join("2026/12/07");
        fs::create_dir_all(&day).unwrap();
        let path = day.join(name);
        fs::write(&path, format!("{hour}\n")).unwrap();
        let at = Local.with_ymd_and_hms(2026, 12, 7, hour, 0, 0).unwrap();
        move_to_trash(&fixture.trash, &path, at).unwrap();
        path
    }

    #[test]
    fn parses_a_trashinfo_and_refuses_malformed_ones() {
        let info = parse_trash_info(
            "[Trash Info]\nPath=/a%20b/%C3%BC.jsonl\nDeletionDate=2026-07-04T09:05:03\n",
        )
        .unwrap();
        assert_eq!(info.path, PathBuf::from("/a b/ü.jsonl"));
        assert_eq!(
            info.deleted_at,
            NaiveDateTime::parse_from_str("2026-07-04T09:05:03", "%Y-%m-%dT%H:%M:%S").ok()
        );
        let undated = parse_trash_info("[Trash Info]\nPath=/x\nDeletionDate=yesterday").unwrap();
        assert_eq!(undated.deleted_at, None);
        for (text, reason) in [
            ("Path=/x\n", "does not start with [Trash Info]"),
            (
                "[Trash Info]\nDeletionDate=2026-07-04T09:05:03\n",
                "has no Path=",
            ),
            ("[Trash Info]\nPath=/x%2\n", "has a bad %-escape in Path="),
            ("[Trash Info]\nPath=/x%zz\n", "has a bad %-escape in Path="),
            ("[Trash Info]\nPath=relative/x\n", "has a relative Path="),
            (
                "[Other]\n[Trash Info]\nPath=/x\n",
                "does not start with [Trash Info]",
            ),
        ] {
            assert_eq!(parse_trash_info(text), Err(reason.to_string()), "{text:?}");
        }
    }

    #[test]
    fn lists_the_homes_rollouts_newest_first_and_passes_over_the_rest() {
        let fixture = fixture();
        let older = trash_rollout(&fixture, &rollout_name(), 9);
        let other_id = "01a25224-9a99-7b51-9e4c-37d293b8a3a6";
        let newer_name = format!("rollout-2026-12-07T20-14-21-{other_id}.jsonl");
        trash_rollout(&fixture, &newer_name, 11);
        // Not ours: a file of another program, a rollout of another home, a non-rollout
        // file in sessions/.
        let elsewhere = fixture.trash.parent().unwrap().join("notes.txt");
        fs::write(&elsewhere, "x").unwrap();
        move_to_trash(&fixture.trash, &elsewhere, Local::now()).unwrap();
        let other_home = fixture.trash.parent().unwrap().join("other/sessions");
        fs::create_dir_all(&other_home).unwrap();
        let foreign = other_home.join(format!(
            "rollout-2026-12-07T20-14-22-{}.jsonl",
            ThreadId::new()
        ));
        fs::write(&foreign, "x").unwrap();
        move_to_trash(&fixture.trash, &foreign, Local::now()).unwrap();
        trash_rollout(&fixture, "history.jsonl", 12);
        // Malformed infos named like rollouts are reported; others are not.
        let info_dir = fixture.trash.join("info");
        fs::write(info_dir.join("rollout-bad.jsonl.trashinfo"), "garbage").unwrap();
        fs::write(info_dir.join("photo.png.trashinfo"), "garbage").unwrap();
        // An info whose file went back already (a restore cut short) is no entry.
        let gone = format!("rollout-2026-12-07T20-14-23-{}.jsonl", ThreadId::new());
        trash_rollout(&fixture, &gone, 13);
        fs::remove_file(fixture.trash.join("files").join(&gone)).unwrap();

        let (entries, skipped) = list_trash(&fixture.trash, &fixture.home).unwrap();
        let ids: Vec<String> = entries.iter().map(|e| e.thread_id.to_string()).collect();
        assert_eq!(ids, [other_id, ID]);
        assert_eq!(entries[1].original, older);
        assert_eq!(
            entries[1].file,
            fixture.trash.join("files").join(rollout_name())
        );
        assert_eq!(entries[1].size, 2);
        assert_eq!(skipped.len(), 1, "{skipped:?}");
        assert!(skipped[0].path.ends_with("rollout-bad.jsonl.trashinfo"));
    }

    #[test]
    fn no_trash_is_an_empty_list() {
        let fixture = fixture();
        let (entries, skipped) = list_trash(&fixture.trash, &fixture.home).unwrap();
        assert!(entries.is_empty() && skipped.is_empty());
    }

    #[test]
    fn puts_back_and_refuses_a_taken_path() {
        let fixture = fixture();
        let original = trash_rollout(&fixture, &rollout_name(), 9);
        let (entries, _) = list_trash(&fixture.trash, &fixture.home).unwrap();
        let entry = &entries[0];
        fs::write(&original, "someone else\n").unwrap();
        let refusal = original_taken(entry).unwrap();
        assert!(
            refusal.contains(&original.display().to_string()),
            "{refusal}"
        );
        // Even without the check, the move never replaces.
        assert_eq!(
            put_back(entry).unwrap_err().kind(),
            io::ErrorKind::AlreadyExists
        );
        assert_eq!(fs::read_to_string(&original).unwrap(), "someone else\n");
        assert!(entry.file.exists() && entry.info.exists());

        fs::remove_file(&original).unwrap();
        fs::remove_dir_all(original.parent().unwrap()).unwrap();
        assert_eq!(original_taken(entry), None);
        put_back(entry).unwrap();
        assert_eq!(fs::read_to_string(&original).unwrap(), "9\n");
        assert!(!entry.file.exists() && !entry.info.exists());
    }

    #[test]
    fn a_copy_back_keeps_contents_and_leaves_no_temporary_file() {
        let fixture = fixture();
        let original = trash_rollout(&fixture, &rollout_name(), 9);
        let (entries, _) = list_trash(&fixture.trash, &fixture.home).unwrap();
        copy_back(&entries[0]).unwrap();
        assert_eq!(fs::read_to_string(&original).unwrap(), "9\n");
        assert!(!entries[0].file.exists());
        let names: Vec<_> = fs::read_dir(original.parent().unwrap())
            .unwrap()
            .map(|e| e.unwrap().file_name())
            .collect();
        assert_eq!(names, [OsStr::new(&rollout_name())]);
    }
}
