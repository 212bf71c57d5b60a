//! Rollout summaries kept between calls: in memory for this process, and in our own SQLite
//! index in the cache directory between runs. Keyed by path, size and modification time; a
//! rollout that only grew is read from where the last pass stopped. The index is never the
//! only copy of anything: deleting it costs one slower listing.

use std::ffi::OsString;
use std::os::unix::ffi::{OsStrExt, OsStringExt};
use std::path::{Path, PathBuf};
use std::sync::{Arc, Mutex};
use std::time::{SystemTime, UNIX_EPOCH};

use rusqlite::{Connection, OptionalExtension, params};

use super::summary::{QUICK_SUMMARY_THRESHOLD, RolloutSummary};
use crate::rollout::RolloutFile;

/// Bump when `RolloutSummary` changes shape or what it reads: an index of another version is
/// rebuilt. (2: paginated rollouts give previews. 3: paths are kept as their bytes, which need
/// not be UTF-8; summaries say where a damaged rollout stopped. 4: the last turn's state.)
const INDEX_VERSION: i64 = 4;

/// Whether a caller needs every line read, or a quick look at a huge rollout will do.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Depth {
    Quick,
    Complete,
}

#[derive(Clone)]
struct Entry {
    size: u64,
    modified_ns: i64,
    /// Shared: a listing hands out every summary, and copying each would double its memory.
    summary: Arc<RolloutSummary>,
}

#[derive(Default)]
pub(super) struct SummaryCache {
    memory: Mutex<foldhash::HashMap<PathBuf, Entry>>,
    /// Entries computed since the last `persist`.
    dirty: Mutex<Vec<PathBuf>>,
    index: Option<SummaryIndex>,
    /// Set by the first `preload`: memory then holds every persisted summary (it never lets
    /// one go), and one persisted since by another process is loaded by `summary` on its own.
    preloaded: std::sync::OnceLock<()>,
}

impl SummaryCache {
    pub fn new(index_path: Option<PathBuf>) -> Self {
        let index = index_path.and_then(|path| {
            SummaryIndex::open(&path)
                .map_err(|err| tracing::warn!(%err, path = %path.display(), "no summary index"))
                .ok()
        });
        SummaryCache {
            index,
            ..Default::default()
        }
    }

    /// Loads every persisted summary at once; cheaper than one query per rollout when a
    /// listing is about to look at most of them. Only the first call reads the index: a
    /// long-lived process (the TUI counts the whole home every minute) would otherwise decode
    /// every summary again only to keep the ones it holds.
    pub fn preload(&self) {
        let Some(index) = &self.index else { return };
        self.preloaded.get_or_init(|| {
            let loaded = index.load_all();
            let mut memory = self.lock_memory();
            memory.reserve(loaded.len());
            for (path, entry) in loaded {
                memory.entry(path).or_insert(entry);
            }
        });
    }

    pub fn summary(
        &self,
        file: &RolloutFile,
        depth: Depth,
    ) -> std::io::Result<Arc<RolloutSummary>> {
        let modified_ns = nanos(file.modified);
        let in_memory = self.lock_memory().get(&file.path).cloned();
        let from_memory = in_memory.is_some();
        let known = in_memory.or_else(|| self.index.as_ref()?.load(&file.path));
        let fresh = |entry: &Entry| {
            entry.size == file.size
                && entry.modified_ns == modified_ns
                && !(depth == Depth::Complete && entry.summary.partial)
        };
        let summary = match known {
            Some(entry) if fresh(&entry) => {
                if !from_memory {
                    self.lock_memory().insert(file.path.clone(), entry.clone());
                }
                return Ok(entry.summary);
            }
            Some(entry) if grew(&entry, file) => {
                let mut summary = Arc::unwrap_or_clone(entry.summary);
                summary.update_from(&file.path)?;
                summary
            }
            _ => compute(file, depth)?,
        };
        let summary = Arc::new(summary);
        self.lock_memory().insert(
            file.path.clone(),
            Entry {
                size: file.size,
                modified_ns,
                summary: summary.clone(),
            },
        );
        self.lock_dirty().push(file.path.clone());
        Ok(summary)
    }

    /// Writes what was computed since the last call to the index, in one transaction.
    pub fn persist(&self) {
        let Some(index) = &self.index else { return };
        let paths = std::mem::take(&mut *self.lock_dirty());
        if paths.is_empty() {
            return;
        }
        let entries: Vec<(PathBuf, Entry)> = {
            let memory = self.lock_memory();
            paths
                .into_iter()
                .filter_map(|path| memory.get(&path).cloned().map(|entry| (path, entry)))
                .collect()
        };
        if let Err(err) = index.store(&entries) {
            tracing::warn!(%err, "summary index not updated");
        }
    }

    fn lock_memory(&self) -> std::sync::MutexGuard<'_, foldhash::HashMap<PathBuf, Entry>> {
        self.memory
            .lock()
            .unwrap_or_else(|poisoned| poisoned.into_inner())
    }

    fn lock_dirty(&self) -> std::sync::MutexGuard<'_, Vec<PathBuf>> {
        self.dirty
            .lock()
            .unwrap_or_else(|poisoned| poisoned.into_inner())
    }
}

/// A complete summary of a plain rollout that only grew can be continued (a damaged one is
/// read again: where it stopped is not a line boundary to continue from).
fn grew(entry: &Entry, file: &RolloutFile) -> bool {
    !file.compressed
        && !entry.summary.partial
        && entry.summary.damaged.is_none()
        && file.size > entry.size
}

fn compute(file: &RolloutFile, depth: Depth) -> std::io::Result<RolloutSummary> {
    if depth == Depth::Quick && !file.compressed && file.size > QUICK_SUMMARY_THRESHOLD {
        return RolloutSummary::quick(&file.path, file.size);
    }
    let mut summary = RolloutSummary::default();
    summary.update_from(&file.path)?;
    Ok(summary)
}

fn nanos(at: SystemTime) -> i64 {
    at.duration_since(UNIX_EPOCH)
        .map(|since| since.as_nanos() as i64)
        .unwrap_or(0)
}

/// The persistent side: one row per rollout path.
struct SummaryIndex {
    connection: Mutex<Connection>,
}

impl SummaryIndex {
    fn open(path: &Path) -> rusqlite::Result<Self> {
        if let Some(dir) = path.parent() {
            let _ = std::fs::create_dir_all(dir);
        }
        let connection = match Self::open_current(path) {
            Ok(connection) => connection,
            Err(err) => {
                // Corrupt or from another version: it is only a cache, start over.
                tracing::info!(%err, "rebuilding the summary index");
                let _ = std::fs::remove_file(path);
                Self::open_current(path)?
            }
        };
        Ok(SummaryIndex {
            connection: Mutex::new(connection),
        })
    }

    fn open_current(path: &Path) -> rusqlite::Result<Connection> {
        let connection = Connection::open(path)?;
        connection.busy_timeout(std::time::Duration::from_millis(500))?;
        connection.pragma_update(None, "journal_mode", "WAL")?;
        connection.pragma_update(None, "synchronous", "NORMAL")?;
        let version: i64 = connection.pragma_query_value(None, "user_version", |row| row.get(0))?;
        if version != INDEX_VERSION {
            connection.execute_batch(
                "DROP TABLE IF EXISTS summaries;
                 CREATE TABLE summaries (
                     path BLOB PRIMARY KEY,
                     size INTEGER NOT NULL,
                     modified_ns INTEGER NOT NULL,
                     summary TEXT NOT NULL
                 );",
            )?;
            connection.pragma_update(None, "user_version", INDEX_VERSION)?;
        }
        // Fails on a file that is not a usable index, so the caller rebuilds it. It reads one
        // row, not the table: this runs at every start.
        connection
            .prepare("SELECT path FROM summaries LIMIT 1")?
            .exists([])?;
        Ok(connection)
    }

    fn lock(&self) -> std::sync::MutexGuard<'_, Connection> {
        self.connection
            .lock()
            .unwrap_or_else(|poisoned| poisoned.into_inner())
    }

    fn load(&self, path: &Path) -> Option<Entry> {
        let connection = self.lock();
        let row = connection
            .query_row(
                "SELECT size, modified_ns, summary FROM summaries WHERE path = ?",
                [path_key(path)],
                |row| {
                    Ok((
                        row.get::<_, i64>(0)?,
                        row.get::<_, i64>(1)?,
                        row.get::<_, String>(2)?,
                    ))
                },
            )
            .optional()
            .ok()
            .flatten()?;
        let (size, modified_ns, summary) = row;
        decode_entry((size, modified_ns, &summary))
    }

    /// Every persisted summary; one that no longer decodes is left out.
    fn load_all(&self) -> Vec<(PathBuf, Entry)> {
        let connection = self.lock();
        let Ok(mut statement) =
            connection.prepare("SELECT path, size, modified_ns, summary FROM summaries")
        else {
            return Vec::new();
        };
        // Each summary is decoded from SQLite's own buffer, with no copy of its text.
        let rows = statement.query_map([], |row| {
            let path = PathBuf::from(OsString::from_vec(row.get::<_, Vec<u8>>(0)?));
            let entry = decode_entry((row.get(1)?, row.get(2)?, row.get_ref(3)?.as_str()?));
            Ok(entry.map(|entry| (path, entry)))
        });
        let Ok(rows) = rows else {
            return Vec::new();
        };
        rows.filter_map(|row| row.ok().flatten()).collect()
    }

    fn store(&self, entries: &[(PathBuf, Entry)]) -> rusqlite::Result<()> {
        let mut connection = self.lock();
        let transaction = connection.transaction()?;
        {
            let mut statement = transaction.prepare(
                "INSERT INTO summaries (path, size, modified_ns, summary) VALUES (?, ?, ?, ?)
                 ON CONFLICT(path) DO UPDATE SET size = excluded.size,
                     modified_ns = excluded.modified_ns, summary = excluded.summary",
            )?;
            for (path, entry) in entries {
                let Ok(summary) = serde_json::to_string(&*entry.summary) else {
                    continue;
                };
                statement.execute(params![
                    path_key(path),
                    entry.size as i64,
                    entry.modified_ns,
                    summary
                ])?;
            }
        }
        transaction.commit()
    }
}

/// A path as the index keys it: its exact bytes.
fn path_key(path: &Path) -> &[u8] {
    path.as_os_str().as_bytes()
}

fn decode_entry((size, modified_ns, summary): (i64, i64, &str)) -> Option<Entry> {
    Some(Entry {
        size: size as u64,
        modified_ns,
        summary: Arc::new(serde_json::from_str(summary).ok()?),
    })
}

#[cfg(test)]
mod tests {
    use super::super::summary::test_lines::{ID, line};
    use super::*;
    use crate::rollout::CodexHome;
    use std::io::Write;

    fn rollout_file(home: &CodexHome) -> RolloutFile {
        home.discover_rollouts(false).unwrap().remove(0)
    }

    /// A home in `dir` with one rollout whose first message is "hello": its path and text.
    fn hello_home(dir: &Path) -> (CodexHome, PathBuf, String) {
        let home = CodexHome::new(dir.join("home"));
        let path = home
            .sessions_dir()
            .join(format!("2026/05/14/rollout-2026-05-14T11-12-33-{ID}.jsonl"));
        std::fs::create_dir_all(path.parent().unwrap()).unwrap();
        let head = [
            line(
                "session_meta",
                &format!(
                    "{{\"id\":\"{ID}\",\"timestamp\":\"2026-05-14T09:12:33.402Z\",\"cwd\":\"/w\"}}"
                ),
            ),
            line(
                "event_msg",
                "{\"type\":\"user_message\",\"message\":\"hello\"}",
            ),
        ]
        .concat();
        std::fs::write(&path, &head).unwrap();
        (home, path, head)
    }

    #[test]
    fn summaries_survive_a_restart_and_continue_when_the_file_grows() {
        let dir = tempfile::TempDir::new().unwrap();
        let (home, path, head) = hello_home(dir.path());
        let index = dir.path().join("cache/index.sqlite");

        let first = SummaryCache::new(Some(index.clone()));
        let computed = first
            .summary(&rollout_file(&home), Depth::Complete)
            .unwrap();
        assert!(computed.bytes_read > 0);
        assert_eq!(computed.preview.as_deref(), Some("hello"));
        first.persist();

        // A new process finds it in the index without reading the rollout.
        let second = SummaryCache::new(Some(index.clone()));
        let loaded = second
            .summary(&rollout_file(&home), Depth::Complete)
            .unwrap();
        assert_eq!(loaded.bytes_read, 0);
        assert_eq!(loaded.preview, computed.preview);

        // Appended lines are read from where the last pass stopped.
        let mut file = std::fs::OpenOptions::new()
            .append(true)
            .open(&path)
            .unwrap();
        file.write_all(
            line(
                "event_msg",
                "{\"type\":\"token_count\",\"info\":{\"total_token_usage\":{\"total_tokens\":77}}}",
            )
            .as_bytes(),
        )
        .unwrap();
        drop(file);
        let grown = second
            .summary(&rollout_file(&home), Depth::Complete)
            .unwrap();
        assert_eq!(grown.token_usage.unwrap().total_tokens, 77);
        assert_eq!(grown.preview.as_deref(), Some("hello"));
        assert!(
            grown.bytes_read < head.len() as u64 + 200,
            "read {}",
            grown.bytes_read
        );

        // A broken index is rebuilt, and nothing is lost: the rollout is read again.
        drop(second);
        std::fs::write(&index, b"not a database").unwrap();
        let rebuilt = SummaryCache::new(Some(index));
        let again = rebuilt
            .summary(&rollout_file(&home), Depth::Complete)
            .unwrap();
        assert!(again.bytes_read > 0);
        assert_eq!(again.token_usage.unwrap().total_tokens, 77);
    }

    #[test]
    fn only_the_first_preload_reads_the_index_and_what_came_later_is_still_found() {
        let dir = tempfile::TempDir::new().unwrap();
        let (home, _, _) = hello_home(dir.path());
        let index = dir.path().join("cache/index.sqlite");
        let long_lived = SummaryCache::new(Some(index.clone()));
        long_lived.preload();
        // Another process summarises the rollout and saves it in the shared index.
        let other = SummaryCache::new(Some(index));
        other
            .summary(&rollout_file(&home), Depth::Complete)
            .unwrap();
        other.persist();

        long_lived.preload();
        assert!(
            long_lived.lock_memory().is_empty(),
            "a second preload reads nothing"
        );
        let found = long_lived
            .summary(&rollout_file(&home), Depth::Complete)
            .unwrap();
        assert_eq!(found.bytes_read, 0, "taken from the index, not the rollout");
        assert_eq!(found.preview.as_deref(), Some("hello"));
    }
}
