//! The layout of a Codex home: where rollouts live and how their file names are formed.

use foldhash::{HashMapExt, HashSetExt};
use std::ffi::OsStr;
use std::fs;
use std::io;
use std::path::{Component, Path, PathBuf};
use std::time::SystemTime;

use chrono::{DateTime, NaiveDateTime, Utc};
use uuid::Uuid;

use super::appender::is_stale_temp;
use super::compress::{COMPRESS_TEMP_SUFFIX, is_abandoned_compress_temp};
use super::files::{error_reason, name_file, not_regular};
use super::zst_names::{ZST_SUFFIX, strip_zst, zst_sibling};
use crate::protocol::ThreadId;

pub const SESSIONS_SUBDIR: &str = "sessions";
pub const ARCHIVED_SESSIONS_SUBDIR: &str = "archived_sessions";
pub const SESSION_INDEX_FILE: &str = "session_index.jsonl";

const FILE_PREFIX: &str = "rollout-";
const PLAIN_SUFFIX: &str = ".jsonl";
const FILE_TIME_FORMAT: &str = "%Y-%m-%dT%H-%M-%S";
/// sessions/YYYY/MM/DD: rollouts sit three directories deep.
const SESSIONS_DEPTH: usize = 3;

/// A Codex home directory (`~/.codex` or `$CODEX_HOME`).
#[derive(Clone, Debug)]
pub struct CodexHome {
    root: PathBuf,
}

/// One rollout file found on disk.
#[derive(Clone, Debug, PartialEq)]
pub struct RolloutFile {
    /// The file as it is on disk (may end in `.jsonl.zst`).
    pub path: PathBuf,
    pub thread_id: ThreadId,
    /// The file-name time read as UTC, as Codex does (it is really local wall-clock time).
    pub file_timestamp: DateTime<Utc>,
    pub compressed: bool,
    pub archived: bool,
    pub size: u64,
    pub modified: SystemTime,
}

impl RolloutFile {
    /// The `.jsonl` path, which is what Codex stores even when only the `.zst` exists.
    pub fn plain_path(&self) -> PathBuf {
        strip_zst(&self.path)
    }

    pub fn file_name(&self) -> String {
        self.path
            .file_name()
            .map(|name| name.to_string_lossy().into_owned())
            .unwrap_or_default()
    }
}

impl CodexHome {
    pub fn new(root: impl Into<PathBuf>) -> Self {
        CodexHome { root: root.into() }
    }

    pub fn root(&self) -> &Path {
        &self.root
    }

    pub fn sessions_dir(&self) -> PathBuf {
        self.root.join(SESSIONS_SUBDIR)
    }

    pub fn archived_dir(&self) -> PathBuf {
        self.root.join(ARCHIVED_SESSIONS_SUBDIR)
    }

    pub fn session_index_path(&self) -> PathBuf {
        self.root.join(SESSION_INDEX_FILE)
    }

    /// `sessions/YYYY/MM/DD/rollout-YYYY-MM-DDThh-mm-ss-<id>.jsonl` from a LOCAL wall-clock time.
    pub fn new_rollout_path(&self, id: ThreadId, created_local: NaiveDateTime) -> PathBuf {
        let name = format!(
            "{FILE_PREFIX}{}-{id}{PLAIN_SUFFIX}",
            created_local.format(FILE_TIME_FORMAT)
        );
        self.sessions_dir()
            .join(created_local.format("%Y").to_string())
            .join(created_local.format("%m").to_string())
            .join(created_local.format("%d").to_string())
            .join(name)
    }

    /// Every rollout under `sessions/` (nested date dirs) or `archived_sessions/` (flat).
    /// A `.zst` whose plain sibling exists is skipped; names that are not rollout names are
    /// ignored; a missing directory yields nothing. Reads no file contents, one `metadata()`
    /// per file. An entry that cannot be used (a directory that cannot be read, a rollout name
    /// on a FIFO, a symlink loop or anything else that is not a regular file) is reported in
    /// `skipped`, and the walk goes on: one bad entry must not hide the rest of the home.
    pub fn discover(&self, archived: bool) -> Discovery {
        let mut found = Discovery::default();
        self.walk(archived, &|_| true, &mut found);
        found.keep_one_file_per_thread();
        found
    }

    /// `discover` for a process that lists again and again: see `WatchedTree`.
    pub fn watched_tree(&self, archived: bool) -> super::WatchedTree {
        let (root, depth) = self.tree_root(archived);
        super::WatchedTree::new(root, depth, archived)
    }

    /// The rollouts of `discover`, with what it skipped only logged.
    pub fn discover_rollouts(&self, archived: bool) -> io::Result<Vec<RolloutFile>> {
        let found = self.discover(archived);
        for entry in &found.skipped {
            tracing::warn!(path = %entry.path.display(), reason = %entry.reason, "skipped");
        }
        Ok(found.files)
    }

    /// The rollout of a thread: active first, then archived if asked. Compares file-name
    /// suffixes only. An entry named like this thread's rollout that cannot be used is an error
    /// naming it; other bad entries (an unreadable day directory) are logged and passed over.
    pub fn find_rollout(
        &self,
        id: ThreadId,
        include_archived: bool,
    ) -> io::Result<Option<RolloutFile>> {
        let plain = format!("-{id}{PLAIN_SUFFIX}");
        let compressed = format!("{plain}{ZST_SUFFIX}");
        let wanted = |name: &str| name.ends_with(&plain) || name.ends_with(&compressed);
        let roots: &[bool] = if include_archived {
            &[false, true]
        } else {
            &[false]
        };
        let mut unusable = None;
        for &archived in roots {
            let mut found = Discovery::default();
            self.walk(archived, &wanted, &mut found);
            for entry in found.skipped {
                let ours = entry
                    .path
                    .file_name()
                    .and_then(OsStr::to_str)
                    .is_some_and(wanted);
                if ours {
                    unusable.get_or_insert(entry);
                } else {
                    tracing::warn!(path = %entry.path.display(), reason = %entry.reason, "skipped");
                }
            }
            // Same id in two date dirs should not happen; prefer the newest name deterministically.
            found.files.sort_by(|a, b| b.path.cmp(&a.path));
            if let Some(file) = found.files.into_iter().find(|file| file.thread_id == id) {
                return Ok(Some(file));
            }
        }
        match unusable {
            Some(entry) => Err(io::Error::other(entry.to_string())),
            None => Ok(None),
        }
    }

    /// The rollout at a known plain path (or its `.zst` sibling), if it is still there. Costs one
    /// or two `stat` calls: callers that remember where a thread was use it before a walk.
    pub fn rollout_at(&self, plain_path: &Path) -> io::Result<Option<RolloutFile>> {
        let Some(name) = plain_path.file_name().and_then(|name| name.to_str()) else {
            return Ok(None);
        };
        let Some((file_timestamp, thread_id)) = parse_rollout_file_name(name) else {
            return Ok(None);
        };
        let compressed_path = zst_sibling(plain_path);
        for (path, compressed) in [(plain_path.to_path_buf(), false), (compressed_path, true)] {
            match fs::metadata(&path) {
                Ok(meta) if meta.is_file() => {
                    return Ok(Some(RolloutFile {
                        thread_id,
                        file_timestamp,
                        compressed,
                        archived: self.is_archived_path(&path),
                        size: meta.len(),
                        modified: meta.modified().unwrap_or(SystemTime::UNIX_EPOCH),
                        path,
                    }));
                }
                Ok(_) => return Ok(None),
                Err(err) if err.kind() == io::ErrorKind::NotFound => continue,
                Err(err) => return Err(name_file(&path, err)),
            }
        }
        Ok(None)
    }

    /// True if the path is under `archived_sessions/` of this home, or any component is named so.
    pub fn is_archived_path(&self, path: &Path) -> bool {
        path.starts_with(self.archived_dir())
            || path
                .components()
                .any(|c| c == Component::Normal(OsStr::new(ARCHIVED_SESSIONS_SUBDIR)))
    }

    /// Where a rollout of the same name would sit in the other tree: `archived_sessions/NAME`
    /// for an active rollout, its date directory under `sessions/` for an archived one.
    pub fn twin_path(&self, file: &RolloutFile) -> Option<PathBuf> {
        let name = file.path.file_name()?.to_str()?;
        if file.archived {
            let (year, month, day) = rollout_date_parts(name)?;
            Some(
                self.sessions_dir()
                    .join(year)
                    .join(month)
                    .join(day)
                    .join(name),
            )
        } else {
            Some(self.archived_dir().join(name))
        }
    }

    /// The threads with a rollout in `archived_sessions/` (one directory read, no `stat`): an
    /// active rollout of one of them may have a twin in the archive.
    pub fn archived_thread_ids(&self) -> foldhash::HashSet<ThreadId> {
        let Ok(entries) = fs::read_dir(self.archived_dir()) else {
            return foldhash::HashSet::new();
        };
        entries
            .filter_map(|entry| {
                let name = entry.ok()?.file_name();
                parse_rollout_file_name(name.to_str()?).map(|(_, id)| id)
            })
            .collect()
    }

    fn walk(&self, archived: bool, wanted: WantedName, out: &mut Discovery) {
        let (root, depth) = self.tree_root(archived);
        walk_dir(&root, depth, archived, wanted, out);
    }

    /// Where one tree of rollouts starts, and how many directory levels it has.
    fn tree_root(&self, archived: bool) -> (PathBuf, usize) {
        if archived {
            (self.archived_dir(), 0)
        } else {
            (self.sessions_dir(), SESSIONS_DEPTH)
        }
    }
}

/// What a walk of `sessions/` or `archived_sessions/` found.
#[derive(Clone, Debug, Default, PartialEq)]
pub struct Discovery {
    pub files: Vec<RolloutFile>,
    /// Entries that could not be used, each with why.
    pub skipped: Vec<SkippedEntry>,
    /// Temporary files of ours left by a process that died (see `appender::is_stale_temp`).
    pub stale_temps: Vec<PathBuf>,
}

impl Discovery {
    pub(super) fn extend(&mut self, other: Discovery) {
        self.files.extend(other.files);
        self.skipped.extend(other.skipped);
        self.stale_temps.extend(other.stale_temps);
    }

    /// Two files of one thread (a copy in another day directory, say) would make it listed
    /// twice. The rule: the most recently written file is the thread, as it is the one Codex
    /// writes to (the larger on a tie); the others are reported as skipped.
    pub(super) fn keep_one_file_per_thread(&mut self) {
        let mut best = foldhash::HashMap::<ThreadId, usize>::with_capacity(self.files.len());
        for (index, file) in self.files.iter().enumerate() {
            let newer = |current: &RolloutFile| {
                (file.modified, file.size) > (current.modified, current.size)
            };
            match best.get(&file.thread_id) {
                Some(&kept) if !newer(&self.files[kept]) => {}
                _ => {
                    best.insert(file.thread_id, index);
                }
            }
        }
        if best.len() == self.files.len() {
            return;
        }
        let files = std::mem::take(&mut self.files);
        for (index, file) in files.iter().enumerate() {
            let kept = best[&file.thread_id];
            if kept != index {
                self.skipped.push(SkippedEntry::new(
                    &file.path,
                    format!(
                        "another rollout of thread {} is newer and is the one listed: {}",
                        file.thread_id,
                        files[kept].path.display()
                    ),
                ));
            }
        }
        self.files = files
            .into_iter()
            .enumerate()
            .filter(|(index, file)| best[&file.thread_id] == *index)
            .map(|(_, file)| file)
            .collect();
    }
}

/// A file or directory of the home that was passed over, and why.
#[derive(Clone, Debug, PartialEq, Eq, Hash)]
pub struct SkippedEntry {
    pub path: PathBuf,
    pub reason: String,
}

impl SkippedEntry {
    pub fn new(path: impl Into<PathBuf>, reason: impl Into<String>) -> Self {
        SkippedEntry {
            path: path.into(),
            reason: reason.into(),
        }
    }

    /// For an error that may already name the file (see `files::FileError`).
    pub fn from_error(path: impl Into<PathBuf>, err: &io::Error) -> Self {
        SkippedEntry::new(path, error_reason(err))
    }
}

impl std::fmt::Display for SkippedEntry {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        write!(f, "{}: {}", self.path.display(), self.reason)
    }
}

/// Which file names a walk is after (every rollout, or one thread's).
pub(super) type WantedName<'a> = &'a (dyn Fn(&str) -> bool + Sync);

/// The most threads a walk lists leaf directories with.
const MAX_WALK_THREADS: usize = 4;

/// Lists rollouts in `dir`, descending at most `depth` more directory levels. The files come in
/// the order of a depth-first walk, however many threads list the leaves.
pub(super) fn walk_dir(
    dir: &Path,
    depth: usize,
    archived: bool,
    wanted: WantedName,
    out: &mut Discovery,
) {
    // The directories above the leaves are few: they are listed first, in walk order, with a
    // place kept for each leaf; then the leaves, which hold the rollouts, are listed together.
    let mut steps = Vec::new();
    plan_walk(dir, depth, archived, wanted, &mut steps);
    let leaves: Vec<PathBuf> = steps
        .iter()
        .filter_map(|step| match step {
            WalkStep::Leaf(dir) => Some(dir.clone()),
            WalkStep::Listed(_) => None,
        })
        .collect();
    let mut leaf_listings = list_leaves(&leaves, archived, wanted).into_iter();
    for step in steps {
        match step {
            WalkStep::Listed(found) => out.extend(found),
            WalkStep::Leaf(_) => {
                let listing = leaf_listings.next().expect("one listing per leaf");
                out.extend(listing.found);
            }
        }
    }
}

/// One place in a depth-first walk: what a directory above the leaves held, or a leaf
/// directory still to list.
enum WalkStep {
    Listed(Discovery),
    Leaf(PathBuf),
}

fn plan_walk(
    dir: &Path,
    depth: usize,
    archived: bool,
    wanted: WantedName,
    steps: &mut Vec<WalkStep>,
) {
    if depth == 0 {
        steps.push(WalkStep::Leaf(dir.to_path_buf()));
        return;
    }
    let listing = list_dir(dir, depth, archived, wanted);
    steps.push(WalkStep::Listed(listing.found));
    for subdir in listing.subdirs {
        plan_walk(&subdir, depth - 1, archived, wanted, steps);
    }
}

/// The listings of directories with no subdirectories to walk (the day directories of
/// `sessions/`), in the order given. The walk's cost is one `stat` per rollout, which the
/// kernel serves on every core at once, so the directories are shared among a few threads.
fn list_leaves(dirs: &[PathBuf], archived: bool, wanted: WantedName) -> Vec<DirListing> {
    let threads = std::thread::available_parallelism()
        .map_or(1, usize::from)
        .min(MAX_WALK_THREADS)
        .min(dirs.len());
    if threads <= 1 {
        return dirs
            .iter()
            .map(|dir| list_dir(dir, 0, archived, wanted))
            .collect();
    }
    let chunk = dirs.len().div_ceil(threads);
    std::thread::scope(|scope| {
        let workers: Vec<_> = dirs
            .chunks(chunk)
            .map(|part| {
                scope.spawn(move || {
                    part.iter()
                        .map(|dir| list_dir(dir, 0, archived, wanted))
                        .collect::<Vec<_>>()
                })
            })
            .collect();
        workers
            .into_iter()
            .flat_map(|worker| worker.join().expect("a directory listing panicked"))
            .collect()
    })
}

/// What one directory of a rollout tree holds: its rollouts, and the directories below it
/// still to be walked.
#[derive(Clone, Debug, Default, PartialEq)]
pub(super) struct DirListing {
    pub found: Discovery,
    pub subdirs: Vec<PathBuf>,
    /// A rollout here is a symlink: a write to the file it points to is not a change of this
    /// directory, so a watcher of the directory cannot trust its listing.
    pub has_symlinks: bool,
}

/// The rollouts in `dir` itself (one `stat` each) and, when `depth` allows, its subdirectories.
pub(super) fn list_dir(dir: &Path, depth: usize, archived: bool, wanted: WantedName) -> DirListing {
    let mut listing = DirListing::default();
    let out = &mut listing.found;
    let entries = match fs::read_dir(dir) {
        Ok(entries) => entries,
        // The directory may not exist yet, or an archive/unarchive may have just removed it.
        Err(err) if err.kind() == io::ErrorKind::NotFound => return listing,
        Err(err) => {
            out.skipped.push(SkippedEntry::from_error(dir, &err));
            return listing;
        }
    };
    let subdirs = &mut listing.subdirs;
    // Each name with its entry: a plain file is then stat'ed relative to the open directory,
    // not through its whole path (the walk's main cost on a home of thousands of rollouts).
    let mut names: Vec<(String, fs::DirEntry)> = Vec::new();
    for entry in entries {
        let entry = match entry {
            Ok(entry) => entry,
            Err(err) if err.kind() == io::ErrorKind::NotFound => continue,
            Err(err) => {
                // The rest of this directory cannot be listed; what was read is still used.
                out.skipped.push(SkippedEntry::from_error(dir, &err));
                break;
            }
        };
        let file_type = match entry.file_type() {
            Ok(file_type) => file_type,
            Err(err) if err.kind() == io::ErrorKind::NotFound => continue,
            Err(err) => {
                out.skipped
                    .push(SkippedEntry::from_error(entry.path(), &err));
                continue;
            }
        };
        // Symlinked directories are not followed (no loops to guard against); a symlink named
        // like a rollout is checked below like any rollout name. Where rollouts sit, a
        // directory is just a name: one named like a rollout is reported below. A name that is
        // not UTF-8 is never a rollout name.
        if file_type.is_dir() && depth > 0 {
            subdirs.push(entry.path());
        } else if let Some(name) = entry.file_name().to_str() {
            // A kill mid-compression leaves `NAME.jsonl.zst.tmp`, whose lock died with it.
            if is_stale_temp(name)
                || (name.ends_with(COMPRESS_TEMP_SUFFIX)
                    && is_abandoned_compress_temp(&entry.path()))
            {
                out.stale_temps.push(entry.path());
            }
            names.push((name.to_string(), entry));
        }
    }
    // Only a directory with a compressed rollout needs the set (most have none).
    let has_compressed = names.iter().any(|(name, _)| name.ends_with(ZST_SUFFIX));
    let plain_names: foldhash::HashSet<&str> = names
        .iter()
        .map(|(name, _)| name.as_str())
        .filter(|name| has_compressed && name.ends_with(PLAIN_SUFFIX))
        .collect();
    for (name, entry) in &names {
        if let Some(plain) = name.strip_suffix(ZST_SUFFIX)
            && plain_names.contains(plain)
        {
            continue; // the plain file is the live copy
        }
        if !wanted(name) {
            continue;
        }
        let Some((file_timestamp, thread_id)) = parse_rollout_file_name(name) else {
            continue;
        };
        let path = join_exact(dir, name);
        // Follows a symlink: a link to a rollout elsewhere is that rollout.
        let is_symlink = entry.file_type().is_ok_and(|t| t.is_symlink());
        let meta = if is_symlink {
            listing.has_symlinks = true;
            fs::metadata(&path)
        } else {
            entry.metadata()
        };
        let meta = match meta {
            Ok(meta) if meta.is_file() => meta,
            Ok(meta) => {
                out.skipped.push(SkippedEntry::from_error(
                    path,
                    &not_regular(meta.file_type()),
                ));
                continue;
            }
            // Renamed or compressed since the listing: the other name will be seen next time.
            Err(err) if err.kind() == io::ErrorKind::NotFound => continue,
            Err(err) => {
                out.skipped.push(SkippedEntry::from_error(path, &err));
                continue;
            }
        };
        out.files.push(RolloutFile {
            thread_id,
            file_timestamp,
            compressed: name.ends_with(ZST_SUFFIX),
            archived,
            size: meta.len(),
            modified: meta.modified().unwrap_or(SystemTime::UNIX_EPOCH),
            path,
        });
    }
    listing
}

/// `dir.join(name)` allocated once at its final size (a walk makes one per rollout).
fn join_exact(dir: &Path, name: &str) -> PathBuf {
    let mut path = PathBuf::with_capacity(dir.as_os_str().len() + 1 + name.len());
    path.push(dir);
    path.push(name);
    path
}

/// Parses `rollout-YYYY-MM-DDThh-mm-ss-<uuid>.jsonl[.zst]`; the time is read as UTC.
pub fn parse_rollout_file_name(name: &str) -> Option<(DateTime<Utc>, ThreadId)> {
    let name = name.strip_suffix(ZST_SUFFIX).unwrap_or(name);
    let core = name.strip_prefix(FILE_PREFIX)?.strip_suffix(PLAIN_SUFFIX)?;
    // The time part contains dashes too, so the uuid is found from the right: first where a
    // hyphenated uuid (36 characters) would start, then at any dash.
    let hyphenated = core
        .len()
        .checked_sub(37)
        .filter(|&dash| core.is_char_boundary(dash) && core[dash..].starts_with('-'))
        .and_then(|dash| Uuid::parse_str(&core[dash + 1..]).ok().map(|u| (dash, u)));
    let (dash, uuid) = hyphenated.or_else(|| {
        core.match_indices('-')
            .rev()
            .find_map(|(i, _)| Uuid::parse_str(&core[i + 1..]).ok().map(|u| (i, u)))
    })?;
    let time = &core[..dash];
    let at = parse_fixed_file_time(time)
        .or_else(|| NaiveDateTime::parse_from_str(time, FILE_TIME_FORMAT).ok())?;
    Some((at.and_utc(), ThreadId::from_uuid(uuid)))
}

/// `YYYY-MM-DDThh-mm-ss` as Codex writes it, read digit by digit: the general parser was a
/// twentieth of a listing's time. Anything else is left to the general parser.
fn parse_fixed_file_time(time: &str) -> Option<NaiveDateTime> {
    let bytes = time.as_bytes();
    if bytes.len() != 19 || bytes[10] != b'T' {
        return None;
    }
    let number = |range: std::ops::Range<usize>| -> Option<u32> {
        bytes[range].iter().try_fold(0u32, |value, &byte| {
            byte.is_ascii_digit()
                .then(|| value * 10 + u32::from(byte - b'0'))
        })
    };
    if [4, 7, 13, 16].iter().any(|&at| bytes[at] != b'-') {
        return None;
    }
    let date = chrono::NaiveDate::from_ymd_opt(
        i32::try_from(number(0..4)?).ok()?,
        number(5..7)?,
        number(8..10)?,
    )?;
    date.and_hms_opt(number(11..13)?, number(14..16)?, number(17..19)?)
}

/// `("YYYY", "MM", "DD")` from characters 8..18 of a rollout file name (used by unarchive).
pub fn rollout_date_parts(file_name: &str) -> Option<(String, String, String)> {
    let date = file_name.get(8..18)?;
    let digits = |s: &str| -> Option<String> {
        s.bytes().all(|b| b.is_ascii_digit()).then(|| s.to_string())
    };
    if date.get(4..5)? != "-" || date.get(7..8)? != "-" {
        return None;
    }
    Some((
        digits(date.get(0..4)?)?,
        digits(date.get(5..7)?)?,
        digits(date.get(8..10)?)?,
    ))
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::rollout::test_support::{
        make_fifo, make_readable, make_unreadable, touch, write_zst,
    };
    use chrono::{NaiveDate, TimeZone};
    use tempfile::TempDir;

    const ID: &str = "019e2a4c-7b1d-7c42-9a3e-5d1f0c2b8e77";

    fn id() -> ThreadId {
        ID.parse().unwrap()
    }

    #[test]
    fn parses_good_names_plain_and_zst() {
        let name = format!("rollout-2026-05-14T11-12-33-{ID}.jsonl");
        let (at, parsed) = parse_rollout_file_name(&name).unwrap();
        assert_eq!(parsed, id());
        assert_eq!(at, Utc.with_ymd_and_hms(2026, 5, 14, 11, 12, 33).unwrap());
        let (at_zst, parsed_zst) = parse_rollout_file_name(&format!("{name}.zst")).unwrap();
        assert_eq!((at_zst, parsed_zst), (at, parsed));
    }

    /// The digit-by-digit reading agrees with the general parser wherever it answers.
    #[test]
    fn fixed_width_times_read_as_the_general_parser_reads_them() {
        for time in [
            "2025-01-31T23-59-59",
            "1999-12-01T00-00-00",
            "2024-02-29T12-30-05",
            "2023-02-29T12-30-05",
            "2025-13-01T00-00-00",
            "2025-01-01T24-00-00",
            "2025-01-01T23-59-60",
            "2025-01-01X23-59-59",
            "2025-1-01T23-59-599",
            "２025-01-01T23-59-5",
        ] {
            let general = NaiveDateTime::parse_from_str(time, FILE_TIME_FORMAT).ok();
            let fixed = parse_fixed_file_time(time);
            if fixed.is_some() {
                assert_eq!(fixed, general, "{time}");
            }
        }
        assert!(parse_fixed_file_time("2024-02-29T12-30-05").is_some());
    }

    #[test]
    fn rejects_bad_names() {
        for bad in [
            format!("rollout-2026-05-14T11-12-33-{ID}.json"),
            format!("rollout-2026-05-14T11-12-33-{ID}.jsonl.gz"),
            format!("rollout-2026-05-14T11-12-33-{ID}.jsonl.zst.tmp"),
            format!("session-2026-05-14T11-12-33-{ID}.jsonl"),
            format!("rollout-2026-05-14T11:12:33-{ID}.jsonl"),
            format!("rollout-2026-13-14T11-12-33-{ID}.jsonl"),
            format!("rollout-{ID}.jsonl"),
            "rollout-2026-05-14T11-12-33-not-a-uuid.jsonl".to_string(),
            "rollout-.jsonl".to_string(),
            String::new(),
        ] {
            assert_eq!(parse_rollout_file_name(&bad), None, "{bad}");
        }
    }

    #[test]
    fn date_parts_come_from_the_name() {
        let name = format!("rollout-2026-05-14T11-12-33-{ID}.jsonl");
        assert_eq!(
            rollout_date_parts(&name),
            Some(("2026".into(), "05".into(), "14".into()))
        );
        assert_eq!(rollout_date_parts("rollout-2026"), None);
        assert_eq!(rollout_date_parts("rollout-20x6-05-14T"), None);
        assert_eq!(rollout_date_parts("rollout-2026/05/14T"), None);
        assert_eq!(rollout_date_parts("rollout-2026-05-1é"), None);
    }

    #[test]
    fn new_rollout_path_uses_local_wall_clock_in_dirs_and_name() {
        let home = CodexHome::new("/home/u/.codex");
        let local = NaiveDate::from_ymd_opt(2026, 1, 2)
            .unwrap()
            .and_hms_opt(3, 4, 5)
            .unwrap();
        let path = home.new_rollout_path(id(), local);
        assert_eq!(
            path,
            PathBuf::from(format!(
                "/home/u/.codex/sessions/2026/01/02/rollout-2026-01-02T03-04-05-{ID}.jsonl"
            ))
        );
        let (at, parsed) =
            parse_rollout_file_name(path.file_name().unwrap().to_str().unwrap()).unwrap();
        assert_eq!((at.naive_utc(), parsed), (local, id()));
    }

    #[test]
    fn discovery_skips_zst_with_plain_sibling_and_reads_flat_archive() {
        let dir = TempDir::new().unwrap();
        let home = CodexHome::new(dir.path());
        let a = ThreadId::new();
        let b = ThreadId::new();
        let c = ThreadId::new();
        let day = home.sessions_dir().join("2026/05/14");
        let plain_a = day.join(format!("rollout-2026-05-14T10-00-00-{a}.jsonl"));
        touch(&plain_a, b"{}\n");
        write_zst(&zst_sibling(&plain_a), b"{}\n");
        let zst_b = day.join(format!("rollout-2026-05-14T11-00-00-{b}.jsonl.zst"));
        write_zst(&zst_b, b"{}\n");
        touch(&day.join("notes.txt"), b"x");
        touch(&day.join(format!(".rollout-{a}.jsonl.tmp")), b"x");
        let archived_c = home
            .archived_dir()
            .join(format!("rollout-2026-04-01T09-00-00-{c}.jsonl"));
        touch(&archived_c, b"{}\n{}\n");
        // Archive is flat: a nested file there is not a rollout of the archive.
        touch(
            &home
                .archived_dir()
                .join(format!("2026/04/01/rollout-2026-04-01T09-00-00-{a}.jsonl")),
            b"{}\n",
        );

        let mut active = home.discover_rollouts(false).unwrap();
        active.sort_by_key(|f| f.file_timestamp);
        assert_eq!(active.len(), 2);
        assert_eq!(active[0].path, plain_a);
        assert!(!active[0].compressed && !active[0].archived);
        assert_eq!(active[0].size, 3);
        assert_eq!(active[1].path, zst_b);
        assert!(active[1].compressed);
        assert_eq!(active[1].thread_id, b);
        assert_eq!(active[1].plain_path(), zst_b.with_extension(""));
        assert!(active[1].file_name().ends_with(".jsonl.zst"));

        let archived = home.discover_rollouts(true).unwrap();
        assert_eq!(archived.len(), 1);
        assert_eq!(archived[0].path, archived_c);
        assert!(archived[0].archived);
        assert_eq!(archived[0].size, 6);
    }

    #[test]
    fn a_known_path_is_found_plain_or_compressed_and_missing_once_moved() {
        let dir = TempDir::new().unwrap();
        let home = CodexHome::new(dir.path());
        let plain = home
            .sessions_dir()
            .join(format!("2026/05/14/rollout-2026-05-14T11-12-33-{ID}.jsonl"));
        touch(&plain, b"{}\n");
        let found = home.rollout_at(&plain).unwrap().unwrap();
        assert!(!found.compressed && !found.archived);
        assert_eq!(found.thread_id.to_string(), ID);
        fs::remove_file(&plain).unwrap();
        write_zst(&PathBuf::from(format!("{}.zst", plain.display())), b"{}\n");
        assert!(home.rollout_at(&plain).unwrap().unwrap().compressed);
        let archived = home
            .archived_dir()
            .join(format!("rollout-2026-05-14T11-12-33-{ID}.jsonl"));
        assert!(home.rollout_at(&archived).unwrap().is_none());
        touch(&archived, b"{}\n");
        assert!(home.rollout_at(&archived).unwrap().unwrap().archived);
    }

    #[test]
    fn two_files_of_one_thread_list_once_the_newest() {
        let dir = TempDir::new().unwrap();
        let home = CodexHome::new(dir.path());
        let older = home
            .sessions_dir()
            .join(format!("2026/05/14/rollout-2026-05-14T10-00-00-{ID}.jsonl"));
        let newer = home
            .sessions_dir()
            .join(format!("2026/05/15/rollout-2026-05-15T10-00-00-{ID}.jsonl"));
        touch(&older, b"{}\n");
        touch(&newer, b"{}\n{}\n");
        let file = std::fs::File::options().append(true).open(&older).unwrap();
        file.set_modified(SystemTime::UNIX_EPOCH + std::time::Duration::from_secs(1_000))
            .unwrap();
        let found = home.discover(false);
        assert_eq!(found.files.len(), 1);
        assert_eq!(found.files[0].path, newer);
        assert_eq!(found.skipped.len(), 1);
        assert_eq!(found.skipped[0].path, older);
        assert!(
            found.skipped[0].reason.contains("newer"),
            "{:?}",
            found.skipped
        );
    }

    #[test]
    fn discovery_of_a_missing_home_is_empty() {
        let dir = TempDir::new().unwrap();
        let home = CodexHome::new(dir.path().join("nope"));
        assert!(home.discover_rollouts(false).unwrap().is_empty());
        assert!(home.discover_rollouts(true).unwrap().is_empty());
        assert_eq!(home.find_rollout(id(), true).unwrap(), None);
    }

    #[test]
    fn find_rollout_prefers_active_and_needs_include_archived() {
        let dir = TempDir::new().unwrap();
        let home = CodexHome::new(dir.path());
        let active_id = ThreadId::new();
        let archived_id = ThreadId::new();
        let active = home.sessions_dir().join(format!(
            "2026/05/14/rollout-2026-05-14T10-00-00-{active_id}.jsonl.zst"
        ));
        write_zst(&active, b"{}\n");
        let archived = home
            .archived_dir()
            .join(format!("rollout-2026-04-01T09-00-00-{archived_id}.jsonl"));
        touch(&archived, b"{}\n");

        let found = home.find_rollout(active_id, false).unwrap().unwrap();
        assert_eq!(found.path, active);
        assert!(found.compressed && !found.archived);
        assert_eq!(home.find_rollout(archived_id, false).unwrap(), None);
        let found = home.find_rollout(archived_id, true).unwrap().unwrap();
        assert_eq!(found.path, archived);
        assert!(found.archived);
        assert_eq!(home.find_rollout(ThreadId::new(), true).unwrap(), None);
    }

    fn rollout_name(id: ThreadId) -> String {
        format!("rollout-2026-05-14T10-00-00-{id}.jsonl")
    }

    #[test]
    fn bad_entries_are_skipped_by_name_and_the_rest_is_found() {
        let dir = TempDir::new().unwrap();
        let home = CodexHome::new(dir.path());
        let day = home.sessions_dir().join("2026/05/14");
        let good = ThreadId::new();
        touch(&day.join(rollout_name(good)), b"{}\n");
        // A symlink loop, a FIFO and a directory, each named like a rollout.
        let looped = day.join(rollout_name(ThreadId::new()));
        std::os::unix::fs::symlink(&looped, &looped).unwrap();
        let fifo = day.join(rollout_name(ThreadId::new()));
        make_fifo(&fifo);
        let directory = day.join(format!("{}.zst", rollout_name(ThreadId::new())));
        fs::create_dir_all(&directory).unwrap();
        // A symlink to a rollout elsewhere is that rollout.
        let linked = ThreadId::new();
        let target = dir.path().join("elsewhere.jsonl");
        touch(&target, b"{}\n");
        std::os::unix::fs::symlink(&target, day.join(rollout_name(linked))).unwrap();
        // An unreadable day directory (unless permission bits do not stop this process).
        let locked_day = home.sessions_dir().join("2026/05/15");
        touch(&locked_day.join(rollout_name(ThreadId::new())), b"{}\n");
        let locked = make_unreadable(&locked_day);

        let found = home.discover(false);
        make_readable(&locked_day, 0o755);
        let mut ids: Vec<ThreadId> = found.files.iter().map(|f| f.thread_id).collect();
        ids.sort();
        let mut expected = vec![good, linked];
        expected.sort();
        if !locked {
            assert_eq!(ids.len(), 3, "the day directory was read: {ids:?}");
            ids.retain(|id| expected.contains(id));
        }
        assert_eq!(ids, expected);
        let reason_of = |path: &Path| {
            found
                .skipped
                .iter()
                .find(|entry| entry.path == path)
                .map(|entry| entry.reason.clone())
                .unwrap_or_else(|| panic!("{} not reported: {:?}", path.display(), found.skipped))
        };
        assert!(reason_of(&looped).contains("symbolic links"));
        assert_eq!(reason_of(&fifo), "not a regular file: a FIFO");
        assert_eq!(reason_of(&directory), "not a regular file: a directory");
        if locked {
            assert!(reason_of(&locked_day).contains("Permission denied"));
        }
        assert_eq!(found.skipped.len(), 3 + usize::from(locked));
        // The old entry point keeps working and logs instead.
        assert_eq!(
            home.discover_rollouts(false).unwrap().len(),
            found.files.len()
        );
    }

    #[test]
    fn an_unreadable_sessions_directory_leaves_the_archive_listed() {
        // A symlink loop in place of `sessions/` fails to read as root too.
        let dir = TempDir::new().unwrap();
        let home = CodexHome::new(dir.path());
        std::os::unix::fs::symlink(home.sessions_dir(), home.sessions_dir()).unwrap();
        let archived = ThreadId::new();
        touch(&home.archived_dir().join(rollout_name(archived)), b"{}\n");
        let active = home.discover(false);
        assert!(active.files.is_empty());
        assert_eq!(active.skipped.len(), 1);
        assert_eq!(active.skipped[0].path, home.sessions_dir());
        assert!(active.skipped[0].reason.contains("symbolic links"));
        let found = home.discover(true);
        assert_eq!(found.files[0].thread_id, archived);
        assert!(found.skipped.is_empty());
        assert_eq!(
            home.find_rollout(archived, true)
                .unwrap()
                .unwrap()
                .thread_id,
            archived
        );
    }

    #[test]
    fn finding_a_thread_whose_rollout_is_unusable_names_the_file() {
        let dir = TempDir::new().unwrap();
        let home = CodexHome::new(dir.path());
        let day = home.sessions_dir().join("2026/05/14");
        let fifo_id = ThreadId::new();
        let fifo = day.join(rollout_name(fifo_id));
        make_fifo(&fifo);
        let looped = day.join(rollout_name(ThreadId::new()));
        std::os::unix::fs::symlink(&looped, &looped).unwrap();
        let good = ThreadId::new();
        touch(&day.join(rollout_name(good)), b"{}\n");

        let err = home.find_rollout(fifo_id, true).unwrap_err();
        assert_eq!(
            err.to_string(),
            format!("{}: not a regular file: a FIFO", fifo.display())
        );
        // Bad entries of other threads do not stand in the way.
        assert_eq!(
            home.find_rollout(good, true).unwrap().unwrap().thread_id,
            good
        );
        assert_eq!(home.find_rollout(ThreadId::new(), true).unwrap(), None);
        // A remembered path that became a loop is an error that names it.
        let err = home.rollout_at(&looped).unwrap_err();
        assert!(err.to_string().starts_with(&looped.display().to_string()));
    }

    #[test]
    fn paths_that_are_not_utf8_keep_their_bytes() {
        use std::os::unix::ffi::OsStrExt;
        let dir = TempDir::new().unwrap();
        let root = dir.path().join(OsStr::from_bytes(b"home-\xff"));
        let home = CodexHome::new(&root);
        let day = home
            .sessions_dir()
            .join("2026/05")
            .join(OsStr::from_bytes(b"1\xfe"));
        let id = ThreadId::new();
        let zst = day.join(format!("{}.zst", rollout_name(id)));
        write_zst(&zst, b"{}\n");

        let found = home.discover(false);
        assert!(found.skipped.is_empty(), "{:?}", found.skipped);
        assert_eq!(found.files[0].path, zst);
        let plain = found.files[0].plain_path();
        assert_eq!(plain, day.join(rollout_name(id)));
        assert_eq!(zst_sibling(&plain), zst);
        assert_eq!(strip_zst(&zst), plain);
        assert_eq!(home.rollout_at(&plain).unwrap().unwrap().path, zst);
        assert_eq!(home.find_rollout(id, false).unwrap().unwrap().path, zst);
    }

    #[test]
    fn archived_paths() {
        let home = CodexHome::new("/h");
        assert!(home.is_archived_path(Path::new("/h/archived_sessions/rollout-x.jsonl")));
        assert!(home.is_archived_path(Path::new("/elsewhere/archived_sessions/r.jsonl")));
        assert!(!home.is_archived_path(Path::new("/h/sessions/2026/05/14/r.jsonl")));
        assert!(!home.is_archived_path(Path::new("/h/archived_sessions_old/r.jsonl")));
    }
}
