//! Rewriting a closed rollout as `.jsonl.zst`, the way Codex's own compression worker leaves it
//! (zstd level 3, the plain file's mtime and permissions kept), so that a kill at any point
//! leaves the thread readable under exactly one name:
//!
//! 1. write `NAME.jsonl.zst.tmp` (not a rollout name: nobody lists it), fsync it;
//! 2. decompress it and compare it byte for byte with the plain file;
//! 3. rename it to `NAME.jsonl.zst` (never over an existing file), fsync the directory;
//! 4. only then remove the plain file, and fsync the directory again.
//!
//! Between 3 and 4 both names exist with the same lines; every reader (ours and Codex's)
//! prefers the plain one, so the thread is still read once, from the plain file.

use std::fs::{self, File, OpenOptions};
use std::io::{self, Read};
use std::os::unix::fs::MetadataExt;
use std::path::{Path, PathBuf};
use std::time::SystemTime;

use super::moves::move_no_replace;
use super::zst_names::zst_sibling;
use crate::fault;

/// What Codex's worker compresses with: a window small enough for every reader.
const COMPRESSION_LEVEL: i32 = 3;
/// The temporary file's suffix, after the `.jsonl.zst` it becomes.
pub const COMPRESS_TEMP_SUFFIX: &str = ".jsonl.zst.tmp";

/// A rollout that was compressed.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Compressed {
    pub path: PathBuf,
    pub plain_bytes: u64,
    pub compressed_bytes: u64,
}

#[derive(Debug, thiserror::Error)]
pub enum CompressError {
    #[error("{0}")]
    Io(#[from] io::Error),
    #[error("{0} is already compressed (its .zst exists)")]
    AlreadyCompressed(PathBuf),
    #[error("{0} is being compressed by another process")]
    Busy(PathBuf),
    #[error("{0} changed while it was being compressed; it was left as it is")]
    Changed(PathBuf),
    #[error("the compressed copy of {0} does not read back the same; it was left as it is")]
    Mismatch(PathBuf),
    #[error("{0}")]
    Refused(String),
}

/// The plain file as it was when compression started: if any of this changes, a writer came.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
struct FileState {
    device: u64,
    inode: u64,
    len: u64,
    modified: Option<SystemTime>,
}

impl FileState {
    fn of(path: &Path) -> io::Result<(Self, fs::Metadata)> {
        let meta = fs::metadata(path)?;
        if !meta.is_file() {
            return Err(io::Error::new(
                io::ErrorKind::InvalidInput,
                format!("{} is not a regular file", path.display()),
            ));
        }
        let state = FileState {
            device: meta.dev(),
            inode: meta.ino(),
            len: meta.len(),
            modified: meta.modified().ok(),
        };
        Ok((state, meta))
    }
}

/// Compresses the plain rollout at `plain` into its `.zst` sibling and removes it.
/// `still_closed` is asked twice (before the rename, and before the plain file goes) whether
/// the thread is still closed; an error from it stops the compression with nothing changed.
pub fn compress_rollout(
    plain: &Path,
    still_closed: &dyn Fn() -> Result<(), String>,
) -> Result<Compressed, CompressError> {
    let (before, meta) = FileState::of(plain)?;
    let compressed = zst_sibling(plain);
    if fs::symlink_metadata(&compressed).is_ok() {
        // A compression killed after its rename left both names: finish it when the `.zst`
        // holds exactly the plain file's bytes.
        if !reads_back_as(&compressed, plain)? {
            return Err(CompressError::AlreadyCompressed(plain.to_path_buf()));
        }
        still_closed().map_err(CompressError::Refused)?;
        return remove_plain(plain, &compressed, before.len);
    }
    let temp_path = temp_path_for(plain);
    let temp = open_locked_temp(&temp_path)?;
    let written = (|| {
        write_compressed(plain, &temp)?;
        temp.set_permissions(meta.permissions())?;
        if let Some(modified) = before.modified {
            temp.set_modified(modified)?;
        }
        temp.sync_all()?;
        fault::point("compress.after_temp");
        if !reads_back_as(&temp_path, plain)? {
            return Err(CompressError::Mismatch(plain.to_path_buf()));
        }
        check_unchanged(plain, &before)?;
        still_closed().map_err(CompressError::Refused)?;
        move_no_replace(&temp_path, &compressed).map_err(|err| {
            if err.kind() == io::ErrorKind::AlreadyExists {
                CompressError::AlreadyCompressed(plain.to_path_buf())
            } else {
                err.into()
            }
        })?;
        Ok(())
    })();
    if let Err(err) = written {
        // The temporary file is ours (we hold its lock): it goes, the plain file stays.
        let _ = fs::remove_file(&temp_path);
        return Err(err);
    }
    drop(temp);
    let dir = plain.parent().unwrap_or(Path::new("."));
    sync_dir(dir)?;
    fault::point("compress.after_rename");
    // A writer that came after the copy was verified wrote to the plain file, which every
    // reader still prefers: the `.zst` is then out of date and goes instead.
    let settled = check_unchanged(plain, &before)
        .and_then(|()| still_closed().map_err(CompressError::Refused));
    if let Err(err) = settled {
        fs::remove_file(&compressed)?;
        sync_dir(dir)?;
        return Err(err);
    }
    remove_plain(plain, &compressed, before.len)
}

/// The last step: the `.zst` is complete and verified, the plain file goes.
fn remove_plain(
    plain: &Path,
    compressed: &Path,
    plain_bytes: u64,
) -> Result<Compressed, CompressError> {
    fs::remove_file(plain)?;
    sync_dir(plain.parent().unwrap_or(Path::new(".")))?;
    Ok(Compressed {
        path: compressed.to_path_buf(),
        plain_bytes,
        compressed_bytes: fs::metadata(compressed)?.len(),
    })
}

/// Whether the zstd file decompresses to exactly the bytes of `plain`. A frame that does not
/// decode is a difference, not an error.
fn reads_back_as(compressed: &Path, plain: &Path) -> io::Result<bool> {
    let decoder = match zstd::stream::read::Decoder::new(File::open(compressed)?) {
        Ok(decoder) => decoder,
        Err(_) => return Ok(false),
    };
    match same_bytes(decoder, File::open(plain)?) {
        Ok(same) => Ok(same),
        Err(err) if err.kind() == io::ErrorKind::NotFound => Err(err),
        Err(_) => Ok(false),
    }
}

/// `NAME.jsonl` -> `NAME.jsonl.zst.tmp`.
pub fn temp_path_for(plain: &Path) -> PathBuf {
    let mut name = zst_sibling(plain).into_os_string();
    name.push(".tmp");
    PathBuf::from(name)
}

/// A compression's temporary file that no process is writing (its writer died: the kernel
/// let its lock go), so it can be removed.
pub fn is_abandoned_compress_temp(path: &Path) -> bool {
    let is_temp = path
        .file_name()
        .and_then(|name| name.to_str())
        .is_some_and(|name| name.starts_with("rollout-") && name.ends_with(COMPRESS_TEMP_SUFFIX));
    if !is_temp {
        return false;
    }
    let Ok(file) = super::files::open_regular(path) else {
        return false;
    };
    match file.try_lock() {
        Ok(()) => {
            let _ = file.unlock();
            true
        }
        Err(_) => false,
    }
}

/// Opens (or takes over an abandoned) temporary file, emptied, with its lock held for as long
/// as the handle lives: two compressions of one rollout never write one file.
fn open_locked_temp(path: &Path) -> Result<File, CompressError> {
    let file = OpenOptions::new()
        .read(true)
        .write(true)
        .create(true)
        .truncate(false)
        .open(path)?;
    if file.try_lock().is_err() {
        return Err(CompressError::Busy(path.to_path_buf()));
    }
    file.set_len(0)?;
    Ok(file)
}

fn write_compressed(plain: &Path, temp: &File) -> io::Result<()> {
    let mut input = File::open(plain)?;
    let mut encoder = zstd::stream::write::Encoder::new(temp, COMPRESSION_LEVEL)?;
    io::copy(&mut input, &mut encoder)?;
    encoder.finish()?;
    Ok(())
}

fn check_unchanged(plain: &Path, before: &FileState) -> Result<(), CompressError> {
    match FileState::of(plain) {
        Ok((now, _)) if now == *before => Ok(()),
        Ok(_) => Err(CompressError::Changed(plain.to_path_buf())),
        Err(err) if err.kind() == io::ErrorKind::NotFound => {
            Err(CompressError::Changed(plain.to_path_buf()))
        }
        Err(err) => Err(err.into()),
    }
}

/// True when both streams hold the same bytes; reads each in bounded chunks.
pub fn same_bytes(mut a: impl Read, mut b: impl Read) -> io::Result<bool> {
    const CHUNK: usize = 64 * 1024;
    let mut left = vec![0u8; CHUNK];
    let mut right = vec![0u8; CHUNK];
    loop {
        let got = read_full(&mut a, &mut left)?;
        let other = read_full(&mut b, &mut right)?;
        if got != other || left[..got] != right[..other] {
            return Ok(false);
        }
        if got < CHUNK {
            return Ok(true);
        }
    }
}

/// Fills `buffer` unless the stream ends first; returns how much was read.
fn read_full(reader: &mut impl Read, buffer: &mut [u8]) -> io::Result<usize> {
    let mut filled = 0;
    while filled < buffer.len() {
        match reader.read(&mut buffer[filled..]) {
            Ok(0) => break,
            Ok(read) => filled += read,
            Err(err) if err.kind() == io::ErrorKind::Interrupted => {}
            Err(err) => return Err(err),
        }
    }
    Ok(filled)
}

/// Makes a rename or an unlink in `dir` durable.
fn sync_dir(dir: &Path) -> io::Result<()> {
    File::open(dir)?.sync_all()
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::rollout::open_rollout;

    fn rollout(dir: &Path, lines: usize) -> PathBuf {
        let path =
            dir.join("rollout-2026-05-14T11-12-33-019e2a4c-7b1d-7c42-9a3e-5d1f0c2b8e77.jsonl");
        let text: String = (0..lines)
            .map(|n| {
                format!(
                    "{{\"timestamp\":\"t\",\"type\":\"event_msg\",\"payload\":{{\"n\":{n}}}}}\n"
                )
            })
            .collect();
        fs::write(&path, text).unwrap();
        path
    }

    fn read_all(path: &Path) -> Vec<u8> {
        let mut bytes = Vec::new();
        open_rollout(path).unwrap().read_to_end(&mut bytes).unwrap();
        bytes
    }

    #[test]
    fn compresses_keeps_the_lines_and_the_mtime_and_removes_the_plain_file() {
        let dir = tempfile::tempdir().unwrap();
        let plain = rollout(dir.path(), 5000);
        let original = fs::read(&plain).unwrap();
        let mtime = SystemTime::UNIX_EPOCH + std::time::Duration::from_secs(1_700_000_000);
        File::options()
            .append(true)
            .open(&plain)
            .unwrap()
            .set_modified(mtime)
            .unwrap();

        let done = compress_rollout(&plain, &|| Ok(())).unwrap();
        assert!(!plain.exists());
        assert_eq!(done.path, zst_sibling(&plain));
        assert_eq!(done.plain_bytes, original.len() as u64);
        assert!(done.compressed_bytes < done.plain_bytes / 5, "{done:?}");
        assert_eq!(read_all(&plain), original);
        assert_eq!(fs::metadata(&done.path).unwrap().modified().unwrap(), mtime);
        assert!(!temp_path_for(&plain).exists());
    }

    #[test]
    fn a_refusal_leaves_the_plain_file_and_no_other() {
        let dir = tempfile::tempdir().unwrap();
        let plain = rollout(dir.path(), 10);
        let err = compress_rollout(&plain, &|| Err("open in Codex".into())).unwrap_err();
        assert!(matches!(err, CompressError::Refused(_)), "{err}");
        let names: Vec<_> = fs::read_dir(dir.path())
            .unwrap()
            .map(|e| e.unwrap().path())
            .collect();
        assert_eq!(names, vec![plain]);
    }

    #[test]
    fn an_existing_zst_is_not_replaced() {
        let dir = tempfile::tempdir().unwrap();
        let plain = rollout(dir.path(), 10);
        fs::write(zst_sibling(&plain), b"other").unwrap();
        let err = compress_rollout(&plain, &|| Ok(())).unwrap_err();
        assert!(matches!(err, CompressError::AlreadyCompressed(_)), "{err}");
        assert_eq!(fs::read(zst_sibling(&plain)).unwrap(), b"other");
        assert!(plain.exists());
    }

    #[test]
    fn a_compression_cut_after_its_rename_is_finished() {
        let dir = tempfile::tempdir().unwrap();
        let plain = rollout(dir.path(), 100);
        let original = fs::read(&plain).unwrap();
        let zst = zst_sibling(&plain);
        fs::write(&zst, zstd::encode_all(&original[..], 3).unwrap()).unwrap();
        let done = compress_rollout(&plain, &|| Ok(())).unwrap();
        assert_eq!(done.path, zst);
        assert!(!plain.exists());
        assert_eq!(read_all(&plain), original);
    }

    #[test]
    fn a_temp_held_by_another_compression_is_busy_and_left_alone() {
        let dir = tempfile::tempdir().unwrap();
        let plain = rollout(dir.path(), 10);
        let temp = temp_path_for(&plain);
        let holder = File::create(&temp).unwrap();
        holder.lock().unwrap();
        assert!(!is_abandoned_compress_temp(&temp));
        let err = compress_rollout(&plain, &|| Ok(())).unwrap_err();
        assert!(matches!(err, CompressError::Busy(_)), "{err}");
        assert!(temp.exists() && plain.exists());
        holder.unlock().unwrap();
        assert!(is_abandoned_compress_temp(&temp));
        // An abandoned temp is taken over.
        compress_rollout(&plain, &|| Ok(())).unwrap();
        assert!(!temp.exists());
    }

    #[test]
    fn same_bytes_compares_across_chunk_boundaries() {
        let a = vec![7u8; 200_000];
        let mut b = a.clone();
        assert!(same_bytes(&a[..], &b[..]).unwrap());
        b[150_000] = 8;
        assert!(!same_bytes(&a[..], &b[..]).unwrap());
        assert!(!same_bytes(&a[..], &a[..199_999]).unwrap());
        assert!(same_bytes(&a[..0], &b[..0]).unwrap());
    }
}
