//! Opening a rollout as a byte stream, plain or `.zst`, whichever exists.

use std::fs::File;
use std::io::{self, BufReader, Read, Seek, SeekFrom};
use std::path::{Path, PathBuf};
use std::thread;
use std::time::{Duration, SystemTime};

use super::files::{name_file, open_regular, stopped_reading};
use super::zst_names::{strip_zst, zst_sibling};

/// Attempts to open before giving up; a compression or materialisation may be renaming the file.
const OPEN_ATTEMPTS: usize = 3;
const OPEN_RETRY_DELAY: Duration = Duration::from_millis(50);

/// The decompressed line stream of a rollout, counting the bytes read from disk. A read that
/// fails names the file and the position in the line stream where it stopped, so a damaged
/// `.zst` is reported as "this file, from here", whoever was reading it.
pub struct RolloutSource {
    path: PathBuf,
    inner: Inner,
    /// Which version of which file this is, from `fstat` when it was opened.
    identity: FileIdentity,
    /// Offset in the line stream of the next byte `read` returns.
    position: u64,
}

enum Inner {
    Plain(Counted<File>),
    Zstd(Box<zstd::stream::read::Decoder<'static, BufReader<Counted<File>>>>),
}

/// One version of one file: a compressed rollout is replaced (materialised, recompressed),
/// never changed in place, so a decoder or a spool of it stays good while this holds.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub(crate) struct FileIdentity {
    device: u64,
    inode: u64,
    len: u64,
    pub(crate) modified: Option<SystemTime>,
}

impl FileIdentity {
    fn of(file: &File) -> Self {
        use std::os::unix::fs::MetadataExt;
        match file.metadata() {
            Ok(meta) => FileIdentity {
                device: meta.dev(),
                inode: meta.ino(),
                len: meta.len(),
                modified: meta.modified().ok(),
            },
            // Unknown: matches nothing kept, and the file never counts as quiet.
            Err(_) => FileIdentity {
                device: u64::MAX,
                inode: u64::MAX,
                len: u64::MAX,
                modified: None,
            },
        }
    }
}

/// The largest zstd window a decoder accepts (16 MiB). Codex compresses at level 3 (a 2 MiB
/// window at most); a frame that asks for more is refused as damaged instead of allocating
/// up to the format's 2 GiB.
const ZSTD_WINDOW_LOG_MAX: u32 = 24;

/// Opens the plain `.jsonl` or its `.jsonl.zst` (plain preferred when both exist), given either
/// name. Retries briefly when neither exists, since a file can vanish mid-transition. Only a
/// regular file is opened (a FIFO named like a rollout would block the reader forever); errors
/// name the file.
pub fn open_rollout(path: &Path) -> io::Result<RolloutSource> {
    let plain = strip_zst(path);
    let compressed = zst_sibling(&plain);
    let mut attempt = 0;
    loop {
        match open_regular(&plain) {
            Ok(file) => return Ok(RolloutSource::plain(plain, file)),
            Err(err) if err.kind() != io::ErrorKind::NotFound => {
                return Err(name_file(&plain, err));
            }
            Err(_) => {}
        }
        match open_regular(&compressed) {
            Ok(file) => {
                return RolloutSource::zstd(compressed.clone(), file)
                    .map_err(|err| name_file(&compressed, err));
            }
            Err(err) if err.kind() != io::ErrorKind::NotFound => {
                return Err(name_file(&compressed, err));
            }
            Err(err) => {
                attempt += 1;
                if attempt >= OPEN_ATTEMPTS {
                    return Err(io::Error::new(
                        err.kind(),
                        format!("rollout not found: {}", plain.display()),
                    ));
                }
            }
        }
        thread::sleep(OPEN_RETRY_DELAY);
    }
}

impl RolloutSource {
    fn plain(path: PathBuf, file: File) -> Self {
        RolloutSource {
            path,
            identity: FileIdentity::of(&file),
            inner: Inner::Plain(Counted::new(file)),
            position: 0,
        }
    }

    fn zstd(path: PathBuf, file: File) -> io::Result<Self> {
        let identity = FileIdentity::of(&file);
        let mut decoder = zstd::stream::read::Decoder::new(Counted::new(file))?;
        decoder.window_log_max(ZSTD_WINDOW_LOG_MAX)?;
        Ok(RolloutSource {
            path,
            identity,
            inner: Inner::Zstd(Box::new(decoder)),
            position: 0,
        })
    }

    /// The file actually opened.
    pub fn path(&self) -> &Path {
        &self.path
    }

    /// When the file opened was last written (`None` if unknown).
    pub fn modified(&self) -> Option<SystemTime> {
        self.identity.modified
    }

    pub(crate) fn identity(&self) -> FileIdentity {
        self.identity
    }

    pub fn is_compressed(&self) -> bool {
        matches!(self.inner, Inner::Zstd(_))
    }

    /// Bytes read from disk so far (compressed bytes for `.zst`).
    pub fn bytes_read(&self) -> u64 {
        match &self.inner {
            Inner::Plain(file) => file.count,
            Inner::Zstd(decoder) => decoder.get_ref().get_ref().count,
        }
    }

    /// Moves to a line-stream offset from the start: a seek for plain files, decompressing and
    /// discarding for `.zst`. Past the end, later reads see end of file.
    pub fn skip_to(&mut self, offset: u64) -> io::Result<()> {
        match &mut self.inner {
            Inner::Plain(file) => {
                file.inner
                    .seek(SeekFrom::Start(offset))
                    .map_err(|err| name_file(&self.path, err))?;
                self.position = offset;
                Ok(())
            }
            // Through `read`, so that a damaged stream is reported with where it stopped.
            Inner::Zstd(_) => io::copy(&mut self.by_ref().take(offset), &mut io::sink()).map(drop),
        }
    }

    /// The plain file, for seeking readers; `None` for `.zst`.
    pub(crate) fn plain_file(&mut self) -> Option<&mut File> {
        match &mut self.inner {
            Inner::Plain(file) => Some(&mut file.inner),
            Inner::Zstd(_) => None,
        }
    }
}

impl Read for RolloutSource {
    fn read(&mut self, buf: &mut [u8]) -> io::Result<usize> {
        let read = match &mut self.inner {
            Inner::Plain(file) => file.read(buf),
            Inner::Zstd(decoder) => decoder.read(buf),
        };
        match read {
            Ok(n) => {
                self.position += n as u64;
                Ok(n)
            }
            // Retried by the caller: not a failure.
            Err(err) if err.kind() == io::ErrorKind::Interrupted => Err(err),
            Err(err) => Err(stopped_reading(
                &self.path,
                self.position,
                self.is_compressed(),
                err,
            )),
        }
    }
}

/// A reader that counts the bytes it hands out.
pub(crate) struct Counted<R> {
    pub(crate) inner: R,
    pub(crate) count: u64,
}

impl<R> Counted<R> {
    pub(crate) fn new(inner: R) -> Self {
        Counted { inner, count: 0 }
    }
}

impl<R: Read> Read for Counted<R> {
    fn read(&mut self, buf: &mut [u8]) -> io::Result<usize> {
        let n = self.inner.read(buf)?;
        self.count += n as u64;
        Ok(n)
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::rollout::test_support::{make_fifo, noise, touch, write_zst};
    use tempfile::TempDir;

    fn read_all(path: &Path) -> (Vec<u8>, bool) {
        let mut source = open_rollout(path).unwrap();
        let mut out = Vec::new();
        source.read_to_end(&mut out).unwrap();
        (out, source.is_compressed())
    }

    #[test]
    fn opens_whichever_form_exists_preferring_plain() {
        let dir = TempDir::new().unwrap();
        let plain = dir.path().join("rollout-x.jsonl");
        let zst = zst_sibling(&plain);
        write_zst(&zst, b"compressed\n");
        assert_eq!(read_all(&plain), (b"compressed\n".to_vec(), true));
        assert_eq!(read_all(&zst), (b"compressed\n".to_vec(), true));
        touch(&plain, b"plain\n");
        assert_eq!(read_all(&zst), (b"plain\n".to_vec(), false));
        assert_eq!(open_rollout(&zst).unwrap().path(), plain);
    }

    #[test]
    fn missing_file_is_not_found_after_retries() {
        let dir = TempDir::new().unwrap();
        let err = open_rollout(&dir.path().join("gone.jsonl")).err().unwrap();
        assert_eq!(err.kind(), io::ErrorKind::NotFound);
    }

    #[test]
    fn a_fifo_named_like_a_rollout_is_refused_at_once_naming_it() {
        let dir = TempDir::new().unwrap();
        let plain = dir.path().join("rollout-x.jsonl");
        make_fifo(&plain);
        write_zst(&zst_sibling(&plain), b"compressed\n");
        let (done, result) = std::sync::mpsc::channel();
        let path = plain.clone();
        std::thread::spawn(move || done.send(open_rollout(&path).err()).unwrap());
        let err = result
            .recv_timeout(Duration::from_secs(10))
            .expect("returns without waiting for a writer")
            .expect("refused");
        assert_eq!(
            err.to_string(),
            format!("{}: not a regular file: a FIFO", plain.display())
        );
    }

    #[test]
    fn a_damaged_zst_reads_up_to_the_damage_then_says_where() {
        let dir = TempDir::new().unwrap();
        let path = dir.path().join("rollout-x.jsonl.zst");
        // Hard to compress, so that the frame has many blocks and half of it holds some whole.
        let text: String = (0..20_000).map(|n| format!("{}\n", noise(n, 32))).collect();
        let compressed = zstd::encode_all(text.as_bytes(), 3).unwrap();
        touch(&path, &compressed[..compressed.len() / 2]);
        let mut source = open_rollout(&path).unwrap();
        let mut out = Vec::new();
        let err = source.read_to_end(&mut out).unwrap_err();
        assert!(!out.is_empty() && text.as_bytes().starts_with(&out));
        let named = crate::rollout::file_error(&err).expect("names the file");
        assert_eq!(named.path, path);
        assert_eq!(named.stopped_at, Some(out.len() as u64));
        assert!(
            err.to_string().starts_with(&format!(
                "{}: reading stopped at byte {} of the decompressed lines: ",
                path.display(),
                out.len()
            )),
            "{err}"
        );
        // Garbage stops at once, still named.
        let garbage = dir.path().join("garbage.jsonl.zst");
        touch(&garbage, b"this is not zstd at all\n");
        let mut source = open_rollout(&garbage).unwrap();
        let err = source.read_to_end(&mut Vec::new()).unwrap_err();
        assert_eq!(
            crate::rollout::file_error(&err).unwrap().stopped_at,
            Some(0)
        );
        // Skipping over the damage reports it too.
        let mut source = open_rollout(&path).unwrap();
        let err = source.skip_to(text.len() as u64).unwrap_err();
        assert_eq!(crate::rollout::file_error(&err).unwrap().path, path);
    }

    #[test]
    fn skip_to_works_for_both_forms() {
        let dir = TempDir::new().unwrap();
        let plain = dir.path().join("a.jsonl");
        let zst = dir.path().join("b.jsonl.zst");
        touch(&plain, b"0123456789\n");
        write_zst(&zst, b"0123456789\n");
        for path in [&plain, &zst] {
            let mut source = open_rollout(path).unwrap();
            source.skip_to(4).unwrap();
            let mut rest = String::new();
            source.read_to_string(&mut rest).unwrap();
            assert_eq!(rest, "456789\n");
            assert!(source.bytes_read() > 0);
        }
    }
}
