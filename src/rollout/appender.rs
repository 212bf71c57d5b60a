//! Appending whole lines to rollouts that Codex may be writing too.
//!
//! Each line is one `write` on an `O_APPEND` handle, so concurrent appenders never split a line;
//! files are never truncated or rewritten.

use std::fs::{self, File, OpenOptions};
use std::io::{self, Read, Seek, SeekFrom, Write};
use std::path::{Path, PathBuf};
use std::process;
use std::time::{Duration, Instant, SystemTime, UNIX_EPOCH};

use super::zst_names::zst_sibling;
use crate::protocol::RolloutLine;

/// How long an append waits for another writer to finish the line it is in the middle of.
const INCOMPLETE_TAIL_WAIT: Duration = Duration::from_secs(5);
/// A partial last line that has not grown for this long belongs to a writer that stopped.
const STALE_TAIL_AFTER: Duration = Duration::from_secs(1);
const TAIL_POLL: Duration = Duration::from_millis(10);

#[derive(Debug, thiserror::Error)]
pub enum AppendError {
    #[error("rollout I/O: {0}")]
    Io(#[from] io::Error),
    #[error(
        "rollout {0} ends with an incomplete line that has not changed for a second (a writer \
         stopped mid-line); not appending"
    )]
    IncompleteLastLine(PathBuf),
    #[error("rollout {0} kept ending mid-line while another writer wrote to it; not appending")]
    StillBeingWritten(PathBuf),
}

/// Appends `line` + `\n` to an existing rollout in one write. While the file's last byte is not
/// `\n` another writer is mid-line: the append waits for it (a few seconds at most) and refuses
/// if the partial line stops changing (a writer that died). A `.zst`-only rollout is
/// materialised first.
pub fn append_line(plain_path: &Path, line: &RolloutLine) -> Result<(), AppendError> {
    let mut file = open_for_append(plain_path, false)?;
    write_line(&mut file, line)
}

/// Opens for appending after checking that the file ends with a complete line.
fn open_for_append(plain_path: &Path, create: bool) -> Result<File, AppendError> {
    if !plain_path.exists() && zst_sibling(plain_path).exists() {
        materialize(plain_path)?;
    }
    let mut file = OpenOptions::new()
        .read(true)
        .append(true)
        .create(create)
        .open(plain_path)?;
    wait_for_complete_last_line(&mut file, plain_path)?;
    Ok(file)
}

/// Returns once the file ends with a complete line; see `append_line` for when it gives up.
fn wait_for_complete_last_line(file: &mut File, path: &Path) -> Result<(), AppendError> {
    let started = Instant::now();
    let mut last_len = file.metadata()?.len();
    let mut last_change = started;
    while !ends_with_newline(file)? {
        let now = Instant::now();
        let len = file.metadata()?.len();
        if len != last_len {
            last_len = len;
            last_change = now;
        }
        if now.duration_since(last_change) >= STALE_TAIL_AFTER {
            return Err(AppendError::IncompleteLastLine(path.to_path_buf()));
        }
        if now.duration_since(started) >= INCOMPLETE_TAIL_WAIT {
            return Err(AppendError::StillBeingWritten(path.to_path_buf()));
        }
        std::thread::sleep(TAIL_POLL);
    }
    Ok(())
}

/// True for an empty file or one whose last byte is `\n`.
fn ends_with_newline(file: &mut File) -> io::Result<bool> {
    let len = file.metadata()?.len();
    if len == 0 {
        return Ok(true);
    }
    let mut last = [0u8; 1];
    file.seek(SeekFrom::Start(len - 1))?;
    file.read_exact(&mut last)?;
    Ok(last[0] == b'\n')
}

fn write_line(file: &mut File, line: &RolloutLine) -> Result<(), AppendError> {
    let mut bytes = line.encode().into_bytes();
    bytes.push(b'\n');
    // One buffer, one write(2) for a regular file; write_all only loops on a short write.
    file.write_all(&bytes)?;
    Ok(())
}

/// `x.jsonl.zst` -> `x.jsonl`, as Codex does before writing: decompress into a temp file in the
/// same directory, hard-link it to the plain name, delete the `.zst`. Permissions and mtime are
/// kept. A no-op if the plain file already exists.
pub fn materialize(plain_path: &Path) -> io::Result<()> {
    if plain_path.exists() {
        return Ok(());
    }
    let compressed = zst_sibling(plain_path);
    let meta = fs::metadata(&compressed)?;
    let (temp_path, mut temp) = create_temp_beside(plain_path)?;
    let result = (|| {
        zstd::stream::copy_decode(File::open(&compressed)?, &mut temp)?;
        temp.set_permissions(meta.permissions())?;
        temp.set_modified(meta.modified()?)?;
        temp.sync_all()?;
        crate::fault::point("materialize.before_link");
        link_or_rename(&temp_path, plain_path)
    })();
    let _ = fs::remove_file(&temp_path);
    result?;
    match fs::remove_file(&compressed) {
        Err(err) if err.kind() != io::ErrorKind::NotFound => Err(err),
        _ => Ok(()),
    }
}

/// Puts the temp file at `plain_path` unless someone materialised it meanwhile.
fn link_or_rename(temp_path: &Path, plain_path: &Path) -> io::Result<()> {
    match fs::hard_link(temp_path, plain_path) {
        Ok(()) => Ok(()),
        Err(err) if err.kind() == io::ErrorKind::AlreadyExists => Ok(()),
        // Filesystems without hard links: a rename is fine as long as the name is still free.
        Err(_) if !plain_path.exists() => fs::rename(temp_path, plain_path),
        Err(_) => Ok(()),
    }
}

const TEMP_SUFFIX: &str = ".materialize.tmp";

/// A temporary file of `materialize` whose process is gone (killed part way): nothing will
/// finish it, and the `.zst` it was made from is still there, so it can go.
pub fn is_stale_temp(name: &str) -> bool {
    let Some(core) = name
        .strip_prefix('.')
        .and_then(|n| n.strip_suffix(TEMP_SUFFIX))
    else {
        return false;
    };
    // `.{name}.{pid}.{nanos}.{attempt}.materialize.tmp`
    let Some(pid) = core
        .rsplit('.')
        .nth(2)
        .and_then(|pid| pid.parse::<u32>().ok())
    else {
        return false;
    };
    let proc_root = Path::new("/proc");
    proc_root.join("self").exists() && !proc_root.join(pid.to_string()).exists()
}

/// A new hidden file beside `path` (hidden, and without the rollout suffix, so discovery
/// ignores it).
fn create_temp_beside(path: &Path) -> io::Result<(PathBuf, File)> {
    let dir = path.parent().unwrap_or(Path::new("."));
    let name = path
        .file_name()
        .map(|n| n.to_string_lossy().into_owned())
        .unwrap_or_default();
    let nanos = SystemTime::now()
        .duration_since(UNIX_EPOCH)
        .map(|d| d.as_nanos())
        .unwrap_or_default();
    let mut attempt = 0u32;
    loop {
        let temp = dir.join(format!(
            ".{name}.{}.{nanos}.{attempt}{TEMP_SUFFIX}",
            process::id()
        ));
        match OpenOptions::new().write(true).create_new(true).open(&temp) {
            Ok(file) => return Ok((temp, file)),
            Err(err) if err.kind() == io::ErrorKind::AlreadyExists && attempt < 16 => attempt += 1,
            Err(err) => return Err(err),
        }
    }
}

/// A long-lived `O_APPEND` writer for a live thread's rollout. Nothing touches the disk until
/// the first line (or `ensure_open`): like Codex, a thread has a path before it has a file.
#[derive(Debug)]
pub struct RolloutWriter {
    path: PathBuf,
    file: Option<File>,
}

impl RolloutWriter {
    pub fn open(path: impl Into<PathBuf>) -> Self {
        RolloutWriter {
            path: path.into(),
            file: None,
        }
    }

    pub fn path(&self) -> &Path {
        &self.path
    }

    pub fn is_open(&self) -> bool {
        self.file.is_some()
    }

    /// Creates the parent directories and the file now. Fails like `append_line` if an existing
    /// file ends mid-line.
    pub fn ensure_open(&mut self) -> Result<(), AppendError> {
        self.file_mut().map(drop)
    }

    /// One write per line. After an I/O error the handle is dropped and reopened next time.
    pub fn write_line(&mut self, line: &RolloutLine) -> Result<(), AppendError> {
        let result = write_line(self.file_mut()?, line);
        if result.is_err() {
            self.file = None;
        }
        result
    }

    fn file_mut(&mut self) -> Result<&mut File, AppendError> {
        let file = match self.file.take() {
            Some(file) => file,
            None => {
                if let Some(parent) = self.path.parent() {
                    fs::create_dir_all(parent)?;
                }
                open_for_append(&self.path, true)?
            }
        };
        Ok(self.file.insert(file))
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::protocol::RolloutItem;
    use crate::rollout::read_forward;
    use crate::rollout::reader::LineOffset;
    use crate::rollout::test_support::{touch, write_zst};
    use serde_json::json;
    use tempfile::TempDir;

    fn sample(n: u32) -> RolloutLine {
        RolloutLine {
            timestamp: "2026-05-14T09:00:00.000Z".to_string(),
            ordinal: None,
            item: RolloutItem::Unknown {
                kind: "world_state".to_string(),
                payload: json!({ "n": n }),
            },
        }
    }

    fn encoded(lines: &[RolloutLine]) -> String {
        lines.iter().map(|l| l.encode() + "\n").collect()
    }

    #[test]
    fn a_temporary_file_is_stale_only_when_its_process_is_gone() {
        let name = |pid: u64| format!(".rollout-x.jsonl.{pid}.1700000000000000000.0{TEMP_SUFFIX}");
        assert!(!is_stale_temp(&name(u64::from(process::id()))));
        // Above Linux's largest pid (2^22): no such process.
        assert!(is_stale_temp(&name(4_194_305)));
        assert!(!is_stale_temp("rollout-x.jsonl"));
        assert!(!is_stale_temp(".notes.materialize.tmp"));
    }

    #[test]
    fn appends_complete_lines() {
        let dir = TempDir::new().unwrap();
        let path = dir.path().join("rollout.jsonl");
        touch(&path, b"");
        append_line(&path, &sample(1)).unwrap();
        append_line(&path, &sample(2)).unwrap();
        assert_eq!(
            fs::read_to_string(&path).unwrap(),
            encoded(&[sample(1), sample(2)])
        );
        let page = read_forward(&path, LineOffset(0), 10).unwrap();
        assert_eq!(page.entries[1].line, Ok(sample(2)));
    }

    #[test]
    fn refuses_after_an_incomplete_line_and_leaves_the_file_alone() {
        let dir = TempDir::new().unwrap();
        let path = dir.path().join("rollout.jsonl");
        let before = format!("{}{{\"timestamp\":\"2026", encoded(&[sample(1)]));
        touch(&path, before.as_bytes());
        let err = append_line(&path, &sample(2)).unwrap_err();
        assert!(matches!(err, AppendError::IncompleteLastLine(ref p) if *p == path));
        assert_eq!(fs::read_to_string(&path).unwrap(), before);

        let mut writer = RolloutWriter::open(&path);
        assert!(matches!(
            writer.write_line(&sample(3)),
            Err(AppendError::IncompleteLastLine(_))
        ));
        assert_eq!(fs::read_to_string(&path).unwrap(), before);
    }

    #[test]
    fn waits_for_another_writer_to_finish_its_line() {
        let dir = TempDir::new().unwrap();
        let path = dir.path().join("rollout.jsonl");
        let theirs = sample(7).encode();
        let (head, tail) = theirs.split_at(20);
        touch(&path, format!("{}{head}", encoded(&[sample(1)])).as_bytes());
        // The other writer finishes its line a little later, in a second write.
        let finisher = {
            let (path, tail) = (path.clone(), format!("{tail}\n"));
            std::thread::spawn(move || {
                std::thread::sleep(Duration::from_millis(150));
                let mut file = OpenOptions::new().append(true).open(path).unwrap();
                file.write_all(tail.as_bytes()).unwrap();
            })
        };
        append_line(&path, &sample(2)).unwrap();
        finisher.join().unwrap();
        assert_eq!(
            fs::read_to_string(&path).unwrap(),
            encoded(&[sample(1), sample(7), sample(2)])
        );
    }

    #[test]
    fn missing_rollout_is_not_created_by_append_line() {
        let dir = TempDir::new().unwrap();
        let path = dir.path().join("rollout.jsonl");
        assert!(matches!(
            append_line(&path, &sample(1)),
            Err(AppendError::Io(ref e)) if e.kind() == io::ErrorKind::NotFound
        ));
        assert!(!path.exists());
    }

    #[cfg(unix)]
    #[test]
    fn append_materializes_a_zst_rollout_keeping_mode_and_mtime() {
        use std::os::unix::fs::PermissionsExt;
        let dir = TempDir::new().unwrap();
        let path = dir.path().join("rollout.jsonl");
        let compressed = zst_sibling(&path);
        write_zst(&compressed, encoded(&[sample(1)]).as_bytes());
        fs::set_permissions(&compressed, fs::Permissions::from_mode(0o640)).unwrap();
        let old = SystemTime::UNIX_EPOCH + std::time::Duration::from_secs(1_700_000_000);
        File::options()
            .write(true)
            .open(&compressed)
            .unwrap()
            .set_modified(old)
            .unwrap();

        materialize(&path).unwrap();
        assert!(!compressed.exists());
        let meta = fs::metadata(&path).unwrap();
        assert_eq!(meta.permissions().mode() & 0o777, 0o640);
        assert_eq!(meta.modified().unwrap(), old);
        assert_eq!(fs::read_to_string(&path).unwrap(), encoded(&[sample(1)]));
        materialize(&path).unwrap(); // no-op now

        // append_line does the same on its own.
        let other = dir.path().join("other.jsonl");
        write_zst(&zst_sibling(&other), encoded(&[sample(1)]).as_bytes());
        append_line(&other, &sample(2)).unwrap();
        assert!(!zst_sibling(&other).exists());
        assert_eq!(
            fs::read_to_string(&other).unwrap(),
            encoded(&[sample(1), sample(2)])
        );
        let leftovers: Vec<_> = fs::read_dir(dir.path())
            .unwrap()
            .filter_map(|e| e.ok())
            .filter(|e| e.file_name().to_string_lossy().ends_with(".tmp"))
            .collect();
        assert!(leftovers.is_empty());
    }

    #[test]
    fn writer_creates_the_file_lazily() {
        let dir = TempDir::new().unwrap();
        let path = dir.path().join("sessions/2026/05/14/rollout.jsonl");
        let mut writer = RolloutWriter::open(&path);
        assert!(!path.exists() && !writer.is_open());
        writer.write_line(&sample(1)).unwrap();
        writer.write_line(&sample(2)).unwrap();
        // Another appender between our lines does not get overwritten.
        append_line(&path, &sample(9)).unwrap();
        writer.write_line(&sample(3)).unwrap();
        assert_eq!(
            fs::read_to_string(&path).unwrap(),
            encoded(&[sample(1), sample(2), sample(9), sample(3)])
        );
    }
}
