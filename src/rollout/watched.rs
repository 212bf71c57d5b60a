//! Discovery kept current by inotify, for a process that lists the same home again and again
//! (the TUI polls the newest threads every two seconds).
//!
//! A walk of a home `stat`s every rollout, 10,000 of them on a large home. A `WatchedTree`
//! walks once, with an inotify watch on each directory, and keeps each directory's listing.
//! Later discoveries first drain the events queued since (synchronously: any change finished
//! before the call is in the queue), then list again only the directories they name. A queue
//! overflow, a watch that cannot be added, or a missing root makes it walk in full, as a
//! one-shot command does; a directory holding a symlinked rollout is listed every time, since a
//! write through the link raises no event in it.
//!
//! Only Linux has inotify; elsewhere every discovery walks.

use std::path::PathBuf;
use std::sync::Arc;

use super::home::Discovery;

/// One tree of a home (`sessions/` or `archived_sessions/`) and how it is discovered.
pub struct WatchedTree {
    root: PathBuf,
    depth: usize,
    archived: bool,
    #[cfg(target_os = "linux")]
    watch: Option<linux::Watch>,
    /// How many times this tree was discovered: the first walks plainly, so that a one-shot
    /// command never pays for watches it will not use.
    discoveries: u64,
    /// When watching last failed to start (the discovery count), so that a home where it
    /// cannot is not listed twice at every discovery.
    #[cfg(target_os = "linux")]
    failed_at: Option<u64>,
    /// The last discovery, handed out again while nothing changed.
    last: Option<Arc<Discovery>>,
    /// Counts the discoveries that may differ from the one before (see `generation`).
    generation: u64,
}

/// Discoveries between two attempts to start watching a tree where it failed.
#[cfg(target_os = "linux")]
const RETRY_WATCH_AFTER: u64 = 30;

impl WatchedTree {
    /// `depth`: how many directory levels below `root` hold rollouts (3 for `sessions/`).
    pub fn new(root: PathBuf, depth: usize, archived: bool) -> Self {
        WatchedTree {
            root,
            depth,
            archived,
            #[cfg(target_os = "linux")]
            watch: None,
            discoveries: 0,
            #[cfg(target_os = "linux")]
            failed_at: None,
            last: None,
            generation: 0,
        }
    }

    /// Every rollout of the tree, as `CodexHome::discover` finds them. While nothing changed,
    /// this is the same `Arc` as last time: a poll of an idle home copies nothing.
    pub fn discover(&mut self) -> Arc<Discovery> {
        self.discoveries += 1;
        let changed = self.discover_if_changed();
        if let Some(last) = &self.last {
            let Some(mut found) = changed else {
                return last.clone();
            };
            found.keep_one_file_per_thread();
            if found == **last {
                return last.clone();
            }
            return self.keep(found);
        }
        let mut found = changed.unwrap_or_else(|| self.walk());
        found.keep_one_file_per_thread();
        self.keep(found)
    }

    fn keep(&mut self, found: Discovery) -> Arc<Discovery> {
        self.generation += 1;
        let found = Arc::new(found);
        self.last = Some(found.clone());
        found
    }

    /// Changes whenever `discover` hands out a new discovery, so that what a caller derives from
    /// one (a sorted listing, say) can be kept until then.
    pub fn generation(&self) -> u64 {
        self.generation
    }

    /// A new discovery, or `None` when the watch says the last one still holds.
    #[cfg(target_os = "linux")]
    fn discover_if_changed(&mut self) -> Option<Discovery> {
        if self.discoveries == 1 {
            return Some(self.walk());
        }
        if self.watch.is_none() {
            let backing_off = self
                .failed_at
                .is_some_and(|at| self.discoveries < at + RETRY_WATCH_AFTER);
            // A missing tree is cheap to walk, and watching waits until it exists.
            if backing_off || !self.root.is_dir() {
                return Some(self.walk());
            }
            match linux::Watch::start(&self.root, self.depth, self.archived) {
                Ok(watch) => {
                    // Listed afresh: new to the caller, whatever the events say.
                    self.watch = Some(watch);
                    return Some(self.watch.as_ref().expect("just set").snapshot());
                }
                Err(err) => {
                    tracing::debug!(root = %self.root.display(), %err, "discovery not watched");
                    self.failed_at = Some(self.discoveries);
                    return Some(self.walk());
                }
            }
        }
        let watch = self.watch.as_mut().expect("started above");
        match watch.refresh() {
            Ok(true) => Some(watch.snapshot()),
            Ok(false) => None,
            Err(err) => {
                tracing::debug!(root = %self.root.display(), %err, "discovery watch dropped");
                self.watch = None;
                Some(self.walk())
            }
        }
    }

    /// A new discovery, or `None` when the last one still holds.
    #[cfg(not(target_os = "linux"))]
    fn discover_if_changed(&mut self) -> Option<Discovery> {
        Some(self.walk())
    }

    fn walk(&self) -> Discovery {
        let mut found = Discovery::default();
        super::home::walk_dir(&self.root, self.depth, self.archived, &|_| true, &mut found);
        found
    }
}

#[cfg(target_os = "linux")]
mod linux {
    use std::collections::{BTreeMap, HashMap, HashSet};
    use std::io;
    use std::path::{Path, PathBuf};

    use inotify::{EventMask, Inotify, WatchDescriptor, WatchMask};

    use super::super::home::{DirListing, Discovery, list_dir};

    /// What changes a listing: an entry added, removed or renamed, a file written, truncated or
    /// touched (its mtime is the thread's update time).
    fn watch_mask() -> WatchMask {
        WatchMask::CREATE
            | WatchMask::DELETE
            | WatchMask::MOVED_FROM
            | WatchMask::MOVED_TO
            | WatchMask::MODIFY
            | WatchMask::ATTRIB
            | WatchMask::CLOSE_WRITE
            | WatchMask::DELETE_SELF
            | WatchMask::MOVE_SELF
            | WatchMask::ONLYDIR
            | WatchMask::DONT_FOLLOW
    }

    struct WatchedDir {
        /// Directory levels below this one that may still hold rollouts.
        depth: usize,
        listing: DirListing,
        /// No watch could be put on it (it is not readable, say): listed at every refresh.
        unwatched: bool,
    }

    impl WatchedDir {
        fn listed_every_time(&self) -> bool {
            self.unwatched || self.listing.has_symlinks
        }
    }

    pub(super) struct Watch {
        root: PathBuf,
        archived: bool,
        inotify: Inotify,
        /// The directory each watch descriptor stands for (a renamed directory keeps its
        /// descriptor, which then stands for the new name).
        watched: HashMap<WatchDescriptor, PathBuf>,
        dirs: BTreeMap<PathBuf, WatchedDir>,
        /// Directories to list again at the next refresh.
        dirty: HashSet<PathBuf>,
    }

    impl Watch {
        /// Watches and lists the whole tree. Fails when the root cannot be watched (it does not
        /// exist yet, say): the caller then walks each time.
        pub(super) fn start(root: &Path, depth: usize, archived: bool) -> io::Result<Watch> {
            let mut watch = Watch {
                root: root.to_path_buf(),
                archived,
                inotify: Inotify::init()?,
                watched: HashMap::new(),
                dirs: BTreeMap::new(),
                dirty: HashSet::new(),
            };
            watch.add_tree(root, depth)?;
            Ok(watch)
        }

        /// Watches `dir` (before listing it, so that nothing written meanwhile is missed),
        /// lists it, and does the same for the directories below it.
        fn add_tree(&mut self, dir: &Path, depth: usize) -> io::Result<()> {
            let unwatched = match self.inotify.watches().add(dir, watch_mask()) {
                Ok(descriptor) => {
                    self.watched.insert(descriptor, dir.to_path_buf());
                    false
                }
                // Gone already: its parent's listing, due for the same event, will not have it.
                Err(err) if err.kind() == io::ErrorKind::NotFound => return Ok(()),
                Err(err) if err.kind() == io::ErrorKind::PermissionDenied => true,
                // Out of watches (`max_user_watches`), say: the caller walks instead.
                Err(err) => return Err(err),
            };
            let listing = list_dir(dir, depth, self.archived, &|_| true);
            let subdirs = listing.subdirs.clone();
            let watched_dir = WatchedDir {
                depth,
                listing,
                unwatched,
            };
            self.dirs.insert(dir.to_path_buf(), watched_dir);
            for subdir in subdirs {
                self.add_tree(&subdir, depth - 1)?;
            }
            Ok(())
        }

        /// Takes in the queued events, then lists again what they touched; true when a listing
        /// changed. An error (the queue overflowed, a watch could not be added) means the
        /// listing can no longer be trusted.
        pub(super) fn refresh(&mut self) -> io::Result<bool> {
            self.drain_events()?;
            // Parents first: listing a parent may drop or add the directories below it.
            let mut dirty: Vec<PathBuf> = self.dirty.drain().collect();
            dirty.extend(
                self.dirs
                    .iter()
                    .filter(|(_, dir)| dir.listed_every_time())
                    .map(|(path, _)| path.clone()),
            );
            dirty.sort();
            dirty.dedup();
            let mut changed = false;
            for dir in dirty {
                changed |= self.relist(&dir)?;
            }
            Ok(changed)
        }

        fn drain_events(&mut self) -> io::Result<()> {
            let mut buffer = [0u8; 64 * 1024];
            loop {
                let events = match self.inotify.read_events(&mut buffer) {
                    Ok(events) => events,
                    Err(err) if err.kind() == io::ErrorKind::WouldBlock => return Ok(()),
                    Err(err) => return Err(err),
                };
                for event in events {
                    if event.mask.contains(EventMask::Q_OVERFLOW) {
                        return Err(io::Error::other("inotify queue overflowed"));
                    }
                    let Some(dir) = self.watched.get(&event.wd).cloned() else {
                        continue;
                    };
                    if event.mask.contains(EventMask::IGNORED) {
                        // The directory is gone (or unwatched): its parent's listing says so.
                        self.watched.remove(&event.wd);
                    }
                    if event.mask.intersects(
                        EventMask::DELETE_SELF | EventMask::MOVE_SELF | EventMask::IGNORED,
                    ) {
                        if let Some(parent) = dir.parent() {
                            self.dirty.insert(parent.to_path_buf());
                        }
                    } else {
                        self.dirty.insert(dir);
                    }
                }
            }
        }

        /// Lists `dir` again; directories that appeared below it are watched and listed, those
        /// gone are forgotten with everything below them. True when the listing changed.
        fn relist(&mut self, dir: &Path) -> io::Result<bool> {
            let Some(depth) = self.dirs.get(dir).map(|known| known.depth) else {
                // Not part of the tree (any more): a dropped subtree, or the root's parent.
                if dir == self.root.parent().unwrap_or(&self.root) && !self.dirs.is_empty() {
                    return Err(io::Error::other("the watched root moved or went away"));
                }
                return Ok(false);
            };
            let listing = list_dir(dir, depth, self.archived, &|_| true);
            if listing == self.dirs[dir].listing {
                return Ok(false);
            }
            let before: HashSet<PathBuf> = self.dirs[dir].listing.subdirs.iter().cloned().collect();
            let now: HashSet<PathBuf> = listing.subdirs.iter().cloned().collect();
            self.dirs.get_mut(dir).expect("checked above").listing = listing;
            for gone in before.difference(&now) {
                self.forget_tree(gone);
            }
            for added in now.difference(&before) {
                self.add_tree(added, depth - 1)?;
            }
            Ok(true)
        }

        fn forget_tree(&mut self, dir: &Path) {
            let below: Vec<PathBuf> = self
                .dirs
                .range(dir.to_path_buf()..)
                .take_while(|(path, _)| path.starts_with(dir))
                .map(|(path, _)| path.clone())
                .collect();
            for path in below {
                self.dirs.remove(&path);
            }
        }

        /// Everything the tree holds, as one walk would have found it.
        pub(super) fn snapshot(&self) -> Discovery {
            let mut found = Discovery::default();
            for dir in self.dirs.values() {
                found.extend(dir.listing.found.clone());
            }
            found
        }
    }
}

#[cfg(all(test, target_os = "linux"))]
mod tests {
    use std::fs;
    use std::io::Write;

    use super::*;
    use crate::protocol::ThreadId;
    use crate::rollout::CodexHome;

    fn sorted(found: &Discovery) -> Vec<(PathBuf, u64, std::time::SystemTime)> {
        let mut files: Vec<_> = found
            .files
            .iter()
            .map(|file| (file.path.clone(), file.size, file.modified))
            .collect();
        files.sort();
        files
    }

    fn rollout(home: &CodexHome, day: &str, seconds: u32) -> PathBuf {
        let id = ThreadId::new();
        let when = chrono::NaiveDateTime::parse_from_str(
            &format!("{day}T10:00:{seconds:02}"),
            "%Y-%m-%dT%H:%M:%S",
        )
        .unwrap();
        let path = home.new_rollout_path(id, when);
        fs::create_dir_all(path.parent().unwrap()).unwrap();
        fs::write(&path, "{}\n").unwrap();
        path
    }

    /// After each change, a watched discovery finds exactly what a fresh walk finds.
    #[test]
    fn a_watched_tree_finds_what_a_walk_finds_after_every_change() {
        let dir = tempfile::tempdir().unwrap();
        let home = CodexHome::new(dir.path());
        let first = rollout(&home, "2026-11-30", 1);
        let mut tree = WatchedTree::new(home.sessions_dir(), 3, false);
        // Also checks that the listing came from the watch, not from a walk it fell back to,
        // and that it is new after a change and the same `Arc` when nothing changed since.
        let check = |tree: &mut WatchedTree, step: &str| {
            let generation = tree.generation();
            let discovery = tree.discover();
            let watched = sorted(&discovery);
            let walked = sorted(&home.discover(false));
            assert_eq!(watched, walked, "after {step}");
            assert!(
                tree.generation() > generation,
                "a new discovery after {step}"
            );
            assert!(
                Arc::ptr_eq(&discovery, &tree.discover()),
                "the same discovery again after {step}"
            );
            assert_eq!(tree.generation(), generation + 1, "after {step}");
            assert_eq!(
                tree.watch.is_some(),
                tree.discoveries > 1 && home.sessions_dir().is_dir(),
                "watching after {step}"
            );
            watched.len()
        };
        // The first walk; the second discovery starts watching.
        assert_eq!(check(&mut tree, "the first walk"), 1);

        let second = rollout(&home, "2026-11-30", 2);
        assert_eq!(check(&mut tree, "a new rollout in a known day"), 2);
        let mut file = fs::OpenOptions::new().append(true).open(&first).unwrap();
        file.write_all(b"{\"more\":1}\n").unwrap();
        drop(file);
        check(&mut tree, "an append");
        let third = rollout(&home, "2026-12-07", 3);
        assert_eq!(check(&mut tree, "a new year, month and day"), 3);
        let moved = third.with_file_name(format!(
            "{}.zst",
            third.file_name().unwrap().to_str().unwrap()
        ));
        fs::rename(&third, &moved).unwrap();
        assert_eq!(check(&mut tree, "a rename to .zst"), 3);
        fs::remove_file(&second).unwrap();
        assert_eq!(check(&mut tree, "a removal"), 2);
        fs::remove_dir_all(home.sessions_dir().join("2026").join("12")).unwrap();
        assert_eq!(check(&mut tree, "a month removed"), 1);
        let touched = fs::File::options().write(true).open(&first).unwrap();
        touched
            .set_modified(std::time::SystemTime::UNIX_EPOCH + std::time::Duration::from_secs(7))
            .unwrap();
        drop(touched);
        check(&mut tree, "an mtime set back");
        fs::remove_dir_all(home.sessions_dir()).unwrap();
        assert_eq!(check(&mut tree, "the whole tree removed"), 0);
        rollout(&home, "2026-12-08", 4);
        assert_eq!(check(&mut tree, "the tree made again"), 1);
    }

    /// A rollout that is a symlink is checked every time: writes to its target raise no event
    /// in the watched directory.
    #[test]
    fn a_symlinked_rollout_is_seen_to_grow() {
        let dir = tempfile::tempdir().unwrap();
        let home = CodexHome::new(dir.path().join("home"));
        let target = dir.path().join("elsewhere.jsonl");
        fs::write(&target, "{}\n").unwrap();
        let link = rollout(&home, "2026-11-30", 1);
        fs::remove_file(&link).unwrap();
        std::os::unix::fs::symlink(&target, &link).unwrap();
        let mut tree = WatchedTree::new(home.sessions_dir(), 3, false);
        tree.discover();
        assert_eq!(tree.discover().files[0].size, 3);
        fs::write(&target, "{}\n{}\n").unwrap();
        assert_eq!(tree.discover().files[0].size, 6);
    }
}
