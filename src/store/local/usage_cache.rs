//! Each rollout's own usage (`ThreadUsage`), kept between calls beside the listing's summary
//! index: in memory for this process, and in our own SQLite file between runs. Keyed by path,
//! size and modification time; a plain rollout that only grew is read from where the last
//! pass stopped. Only a cache: deleting it costs one slower `stats`.

use std::ffi::OsString;
use std::os::unix::ffi::{OsStrExt, OsStringExt};
use std::path::{Path, PathBuf};
use std::sync::{Arc, Mutex, MutexGuard, OnceLock};
use std::time::{SystemTime, UNIX_EPOCH};

use rusqlite::{Connection, params};

use crate::rollout::RolloutFile;
use crate::usage::ThreadUsage;

/// Bump when `ThreadUsage` or the counting rules change: an index of another version is
/// rebuilt.
const USAGE_INDEX_VERSION: i64 = 2;

#[derive(Clone)]
struct Entry {
    size: u64,
    modified_ns: i64,
    usage: Arc<ThreadUsage>,
}

#[derive(Default)]
pub(super) struct UsageCache {
    memory: Mutex<foldhash::HashMap<PathBuf, Entry>>,
    dirty: Mutex<Vec<PathBuf>>,
    index_path: Option<PathBuf>,
    /// Opened at first use: most listings never ask for usage.
    index: OnceLock<Option<Mutex<Connection>>>,
    /// Set by the first `preload`: memory then holds every persisted entry.
    preloaded: OnceLock<()>,
}

impl UsageCache {
    pub fn new(index_path: Option<PathBuf>) -> Self {
        UsageCache {
            index_path,
            ..Default::default()
        }
    }

    fn index(&self) -> Option<&Mutex<Connection>> {
        self.index
            .get_or_init(|| {
                let path = self.index_path.as_ref()?;
                open_index(path)
                    .map_err(|err| tracing::warn!(%err, path = %path.display(), "no usage index"))
                    .ok()
                    .map(Mutex::new)
            })
            .as_ref()
    }

    /// Loads every persisted entry at once (`stats` looks at every rollout).
    pub fn preload(&self) {
        let Some(index) = self.index() else { return };
        self.preloaded.get_or_init(|| {
            let loaded = load_all(&lock(index));
            let mut memory = lock(&self.memory);
            memory.reserve(loaded.len());
            for (path, entry) in loaded {
                memory.entry(path).or_insert(entry);
            }
        });
    }

    pub fn usage(&self, file: &RolloutFile) -> std::io::Result<Arc<ThreadUsage>> {
        let modified_ns = nanos(file.modified);
        let known = lock(&self.memory).get(&file.path).cloned();
        let usage = match known {
            Some(entry) if entry.size == file.size && entry.modified_ns == modified_ns => {
                return Ok(entry.usage);
            }
            Some(entry) if grew(&entry, file) => {
                let mut usage = Arc::unwrap_or_clone(entry.usage);
                usage.update_from(&file.path)?;
                usage
            }
            _ => {
                let mut usage = ThreadUsage::default();
                usage.update_from(&file.path)?;
                usage
            }
        };
        let usage = Arc::new(usage);
        lock(&self.memory).insert(
            file.path.clone(),
            Entry {
                size: file.size,
                modified_ns,
                usage: usage.clone(),
            },
        );
        lock(&self.dirty).push(file.path.clone());
        Ok(usage)
    }

    /// Writes what was counted since the last call to the index, in one transaction.
    pub fn persist(&self) {
        let paths = std::mem::take(&mut *lock(&self.dirty));
        if paths.is_empty() {
            return;
        }
        let Some(index) = self.index() else { return };
        let entries: Vec<(PathBuf, Entry)> = {
            let memory = lock(&self.memory);
            paths
                .into_iter()
                .filter_map(|path| memory.get(&path).cloned().map(|entry| (path, entry)))
                .collect()
        };
        if let Err(err) = store(&mut lock(index), &entries) {
            tracing::warn!(%err, "usage index not updated");
        }
    }
}

fn lock<T>(mutex: &Mutex<T>) -> MutexGuard<'_, T> {
    mutex
        .lock()
        .unwrap_or_else(|poisoned| poisoned.into_inner())
}

/// A plain rollout that only grew is continued; a damaged one is read again.
fn grew(entry: &Entry, file: &RolloutFile) -> bool {
    !file.compressed && entry.usage.damaged.is_none() && file.size > entry.size
}

fn nanos(at: SystemTime) -> i64 {
    at.duration_since(UNIX_EPOCH)
        .map(|since| since.as_nanos() as i64)
        .unwrap_or(0)
}

fn open_index(path: &Path) -> rusqlite::Result<Connection> {
    if let Some(dir) = path.parent() {
        let _ = std::fs::create_dir_all(dir);
    }
    open_current(path).or_else(|err| {
        // Corrupt or from another version: it is only a cache, start over.
        tracing::info!(%err, "rebuilding the usage index");
        let _ = std::fs::remove_file(path);
        open_current(path)
    })
}

fn open_current(path: &Path) -> rusqlite::Result<Connection> {
    let connection = Connection::open(path)?;
    connection.busy_timeout(std::time::Duration::from_millis(500))?;
    connection.pragma_update(None, "journal_mode", "WAL")?;
    connection.pragma_update(None, "synchronous", "NORMAL")?;
    let version: i64 = connection.pragma_query_value(None, "user_version", |row| row.get(0))?;
    if version != USAGE_INDEX_VERSION {
        connection.execute_batch(
            "DROP TABLE IF EXISTS usages;
             CREATE TABLE usages (
                 path BLOB PRIMARY KEY,
                 size INTEGER NOT NULL,
                 modified_ns INTEGER NOT NULL,
                 usage TEXT NOT NULL
             );",
        )?;
        connection.pragma_update(None, "user_version", USAGE_INDEX_VERSION)?;
    }
    // Fails on a file that is not a usable index, so the caller rebuilds it. It reads one
    // row, not the table: this runs at every start.
    connection
        .prepare("SELECT path FROM usages LIMIT 1")?
        .exists([])?;
    Ok(connection)
}

/// Every persisted usage; one that no longer decodes is left out.
fn load_all(connection: &Connection) -> Vec<(PathBuf, Entry)> {
    let Ok(mut statement) = connection.prepare("SELECT path, size, modified_ns, usage FROM usages")
    else {
        return Vec::new();
    };
    // Each usage is decoded from SQLite's own buffer, with no copy of its text.
    let rows = statement.query_map([], |row| {
        let path = PathBuf::from(OsString::from_vec(row.get::<_, Vec<u8>>(0)?));
        let size = row.get::<_, i64>(1)? as u64;
        let modified_ns = row.get(2)?;
        let usage = serde_json::from_str(row.get_ref(3)?.as_str()?).ok();
        Ok(usage.map(|usage| {
            let entry = Entry {
                size,
                modified_ns,
                usage: Arc::new(usage),
            };
            (path, entry)
        }))
    });
    let Ok(rows) = rows else {
        return Vec::new();
    };
    rows.filter_map(|row| row.ok().flatten()).collect()
}

fn store(connection: &mut Connection, entries: &[(PathBuf, Entry)]) -> rusqlite::Result<()> {
    let transaction = connection.transaction()?;
    {
        let mut statement = transaction.prepare(
            "INSERT INTO usages (path, size, modified_ns, usage) VALUES (?, ?, ?, ?)
             ON CONFLICT(path) DO UPDATE SET size = excluded.size,
                 modified_ns = excluded.modified_ns, usage = excluded.usage",
        )?;
        for (path, entry) in entries {
            let Ok(usage) = serde_json::to_string(&*entry.usage) else {
                continue;
            };
            statement.execute(params![
                path.as_os_str().as_bytes(),
                entry.size as i64,
                entry.modified_ns,
                usage
            ])?;
        }
    }
    transaction.commit()
}
