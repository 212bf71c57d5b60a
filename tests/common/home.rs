//! `TestHome`: a temporary Codex home with real rollout files and `session_index.jsonl`.

use std::fs::{self, File, OpenOptions};
use std::io::Write;
use std::path::{Path, PathBuf};
use std::time::SystemTime;

use chrono::{DateTime, Utc};
use codex_threads::protocol::ThreadId;
use tempfile::TempDir;

use super::lines;
use super::spec::ThreadSpec;

/// zstd level Codex's compression worker uses.
const ZSTD_LEVEL: i32 = 3;

/// A temporary directory laid out as a Codex home; removed when dropped.
pub struct TestHome {
    dir: TempDir,
}

/// What `TestHome::add_thread` wrote.
#[derive(Clone, Debug)]
pub struct WrittenThread {
    pub id: ThreadId,
    /// The file on disk: `.jsonl`, or `.jsonl.zst` when compressed.
    pub path: PathBuf,
    /// The lines of the (decompressed) file, without newlines.
    pub lines: Vec<String>,
}

impl WrittenThread {
    /// The plain `.jsonl` path, which Codex stores and returns even for a compressed rollout.
    pub fn plain_path(&self) -> PathBuf {
        plain_rollout_path(&self.path)
    }

    /// The exact text of the file (after decompression).
    pub fn contents(&self) -> String {
        joined_lines(&self.lines)
    }
}

impl Default for TestHome {
    fn default() -> Self {
        Self::new()
    }
}

impl TestHome {
    /// An empty home with `sessions/` and `archived_sessions/`.
    pub fn new() -> Self {
        let dir = tempfile::Builder::new()
            .prefix("codex-home-")
            .tempdir()
            .expect("create temporary Codex home");
        let home = TestHome { dir };
        fs::create_dir_all(home.sessions_dir()).expect("create sessions/");
        fs::create_dir_all(home.archived_sessions_dir()).expect("create archived_sessions/");
        home
    }

    pub fn path(&self) -> &Path {
        self.dir.path()
    }

    pub fn sessions_dir(&self) -> PathBuf {
        self.path().join("sessions")
    }

    pub fn archived_sessions_dir(&self) -> PathBuf {
        self.path().join("archived_sessions")
    }

    pub fn session_index_path(&self) -> PathBuf {
        self.path().join("session_index.jsonl")
    }

    /// Writes the spec's rollout where Codex would, compressed and with the mtime it asks for.
    pub fn add_thread(&self, spec: &ThreadSpec) -> WrittenThread {
        let lines = spec.render_lines();
        let plain = self.path().join(spec.relative_path());
        let parent = plain.parent().expect("rollout paths have a parent");
        fs::create_dir_all(parent).expect("create rollout directory");
        fs::write(&plain, joined_lines(&lines)).expect("write rollout");
        set_mtime(&plain, spec.effective_mtime());
        let path = if spec.compressed {
            compress_rollout(&plain)
        } else {
            plain
        };
        WrittenThread {
            id: spec.id,
            path,
            lines,
        }
    }

    /// Appends entries to `session_index.jsonl` in Codex's format: `(id, thread_name, updated_at)`.
    pub fn write_session_index(&self, entries: &[(ThreadId, &str, &str)]) {
        let text: String = entries
            .iter()
            .map(|(id, name, updated_at)| lines::session_index_entry(*id, name, updated_at) + "\n")
            .collect();
        append_raw(self.session_index_path(), text);
    }
}

/// Lines joined the way Codex writes them: each one terminated by `\n`.
pub fn joined_lines(lines: &[String]) -> String {
    lines.iter().map(|line| format!("{line}\n")).collect()
}

/// Appends bytes verbatim (partial lines, invalid JSON, CRLF, ...), creating the file if needed.
pub fn append_raw(path: impl AsRef<Path>, bytes: impl AsRef<[u8]>) {
    let path = path.as_ref();
    let mut file = OpenOptions::new()
        .create(true)
        .append(true)
        .open(path)
        .unwrap_or_else(|err| panic!("open {} for append: {err}", path.display()));
    file.write_all(bytes.as_ref())
        .unwrap_or_else(|err| panic!("append to {}: {err}", path.display()));
}

pub fn set_mtime(path: &Path, at: DateTime<Utc>) {
    let file = File::options()
        .write(true)
        .open(path)
        .unwrap_or_else(|err| panic!("open {} to set mtime: {err}", path.display()));
    file.set_modified(SystemTime::from(at))
        .unwrap_or_else(|err| panic!("set mtime of {}: {err}", path.display()));
}

pub fn mtime(path: &Path) -> SystemTime {
    fs::metadata(path)
        .and_then(|metadata| metadata.modified())
        .unwrap_or_else(|err| panic!("mtime of {}: {err}", path.display()))
}

/// Does what Codex's compression worker does: writes `<name>.jsonl.zst` at zstd level 3 with the
/// plain file's mtime, then removes the plain file. Returns the compressed path.
pub fn compress_rollout(plain: &Path) -> PathBuf {
    let original_mtime = mtime(plain);
    let bytes = fs::read(plain).expect("read rollout to compress");
    let compressed = zstd::encode_all(bytes.as_slice(), ZSTD_LEVEL).expect("zstd compress");
    let target = compressed_rollout_path(plain);
    fs::write(&target, compressed).expect("write compressed rollout");
    File::options()
        .write(true)
        .open(&target)
        .and_then(|file| file.set_modified(original_mtime))
        .expect("keep the original mtime");
    fs::remove_file(plain).expect("remove plain rollout after compressing");
    target
}

/// The text of a rollout, decompressing a `.zst` one.
pub fn read_rollout(path: &Path) -> String {
    let bytes = fs::read(path).unwrap_or_else(|err| panic!("read {}: {err}", path.display()));
    let bytes = if is_compressed(path) {
        zstd::decode_all(bytes.as_slice()).expect("zstd decompress")
    } else {
        bytes
    };
    String::from_utf8(bytes).expect("rollouts are UTF-8")
}

fn is_compressed(path: &Path) -> bool {
    path.extension().is_some_and(|extension| extension == "zst")
}

fn compressed_rollout_path(plain: &Path) -> PathBuf {
    let mut name = plain.as_os_str().to_owned();
    name.push(".zst");
    PathBuf::from(name)
}

/// `x.jsonl.zst` -> `x.jsonl`; a plain path is returned unchanged.
pub fn plain_rollout_path(path: &Path) -> PathBuf {
    if is_compressed(path) {
        path.with_extension("")
    } else {
        path.to_path_buf()
    }
}
