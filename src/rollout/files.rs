//! Opening the files of a Codex home, which are not always what their names say: a FIFO, a
//! socket, a device or a symlink loop can sit where a rollout or `session_index.jsonl` is
//! expected. Opening a FIFO waits for its other end, so nothing here opens a file that is not
//! known to be a regular one; and errors name the file they are about, since a bare "Permission
//! denied" does not tell the user which of thousands of files to look at.

use std::fmt;
use std::fs::{self, File, FileType, OpenOptions};
use std::io::{self, Read};
use std::os::unix::fs::{FileTypeExt, OpenOptionsExt};
use std::path::{Path, PathBuf};

use rustix::fs::OFlags;

/// Opens `path` for reading if it is a regular file (symlinks followed).
pub fn open_regular(path: &Path) -> io::Result<File> {
    open_regular_with(path, OpenOptions::new().read(true))
}

/// Opens `path` with `options` if it is (or, with `create`, becomes) a regular file.
///
/// The `stat` first keeps devices and FIFOs from being opened at all. Something could still be
/// swapped in between the `stat` and the `open`, so the open is non-blocking (a FIFO then opens
/// at once for reading, and fails for writing when nothing reads it) and the opened file is
/// checked again. `O_NOCTTY`: a terminal never becomes our controlling terminal.
pub fn open_regular_with(path: &Path, options: &mut OpenOptions) -> io::Result<File> {
    match fs::metadata(path) {
        Ok(meta) if !meta.is_file() => return Err(not_regular(meta.file_type())),
        Ok(_) => {}
        // Missing: the open below creates it when asked to, or reports it missing.
        Err(err) if err.kind() == io::ErrorKind::NotFound => {}
        Err(err) => return Err(err),
    }
    let file = options
        .custom_flags((OFlags::NONBLOCK | OFlags::NOCTTY).bits() as i32)
        .open(path)?;
    let file_type = file.metadata()?.file_type();
    if !file_type.is_file() {
        return Err(not_regular(file_type));
    }
    // Most file systems ignore O_NONBLOCK on regular files; some (FUSE) pass it on, and a
    // read could then fail with "would block" instead of waiting for the data.
    let flags = rustix::fs::fcntl_getfl(&file)?;
    rustix::fs::fcntl_setfl(&file, flags - OFlags::NONBLOCK)?;
    Ok(file)
}

/// The whole text of a regular file.
pub fn read_regular_to_string(path: &Path) -> io::Result<String> {
    let mut text = String::new();
    open_regular(path)?.read_to_string(&mut text)?;
    Ok(text)
}

/// The error for something that is not a regular file.
pub fn not_regular(file_type: FileType) -> io::Error {
    io::Error::new(
        io::ErrorKind::InvalidInput,
        format!("not a regular file: {}", describe_type(file_type)),
    )
}

fn describe_type(file_type: FileType) -> &'static str {
    if file_type.is_dir() {
        "a directory"
    } else if file_type.is_fifo() {
        "a FIFO"
    } else if file_type.is_socket() {
        "a socket"
    } else if file_type.is_char_device() {
        "a character device"
    } else if file_type.is_block_device() {
        "a block device"
    } else if file_type.is_symlink() {
        "a symbolic link"
    } else {
        "an unknown kind of file"
    }
}

/// An error about one file, naming it, and for a read that failed part way, where it stopped.
#[derive(Debug)]
pub struct FileError {
    pub path: PathBuf,
    /// Bytes of the line stream read before the failure (decompressed bytes for a `.zst`).
    pub stopped_at: Option<u64>,
    pub compressed: bool,
    pub source: io::Error,
}

impl FileError {
    /// What went wrong, without the path (for messages that show the path apart).
    pub fn reason(&self) -> String {
        match self.stopped_at {
            None => self.source.to_string(),
            Some(at) => {
                let unit = if self.compressed {
                    " of the decompressed lines"
                } else {
                    ""
                };
                format!("reading stopped at byte {at}{unit}: {}", self.source)
            }
        }
    }
}

impl fmt::Display for FileError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "{}: {}", self.path.display(), self.reason())
    }
}

impl std::error::Error for FileError {
    fn source(&self) -> Option<&(dyn std::error::Error + 'static)> {
        Some(&self.source)
    }
}

/// `err`, naming `path`; an error that already names a file is kept as it is. The kind stays,
/// so callers can still tell a missing file from an unreadable one.
pub fn name_file(path: &Path, err: io::Error) -> io::Error {
    wrap(path, None, false, err)
}

/// `err` of a read that stopped after `stopped_at` bytes of the line stream of `path`.
pub fn stopped_reading(
    path: &Path,
    stopped_at: u64,
    compressed: bool,
    err: io::Error,
) -> io::Error {
    wrap(path, Some(stopped_at), compressed, err)
}

fn wrap(path: &Path, stopped_at: Option<u64>, compressed: bool, err: io::Error) -> io::Error {
    if file_error(&err).is_some() {
        return err;
    }
    io::Error::new(
        err.kind(),
        FileError {
            path: path.to_path_buf(),
            stopped_at,
            compressed,
            source: err,
        },
    )
}

/// The file an error is about, when it names one.
pub fn file_error(err: &io::Error) -> Option<&FileError> {
    err.get_ref()?.downcast_ref::<FileError>()
}

/// What went wrong, without the path when the error names one (the caller shows it apart).
pub fn error_reason(err: &io::Error) -> String {
    file_error(err).map_or_else(|| err.to_string(), FileError::reason)
}

#[cfg(test)]
mod tests {
    use super::*;
    use std::io::Write;
    use std::os::unix::net::UnixListener;
    use std::process::Command;
    use std::time::{Duration, Instant};
    use tempfile::TempDir;

    fn mkfifo(path: &Path) {
        let status = Command::new("mkfifo").arg(path).status().unwrap();
        assert!(status.success());
    }

    /// Runs `work` on a thread and fails the test if it has not finished by the deadline
    /// (a blocked open would otherwise hang the test run instead of failing it).
    fn within_deadline<T: Send + 'static>(work: impl FnOnce() -> T + Send + 'static) -> T {
        let (done, result) = std::sync::mpsc::channel();
        std::thread::spawn(move || done.send(work()).unwrap());
        result
            .recv_timeout(Duration::from_secs(10))
            .expect("finished within the deadline")
    }

    #[test]
    fn regular_files_open_and_read_blocking() {
        let dir = TempDir::new().unwrap();
        let path = dir.path().join("a.jsonl");
        fs::write(&path, b"line\n").unwrap();
        let file = open_regular(&path).unwrap();
        let flags = rustix::fs::fcntl_getfl(&file).unwrap();
        assert!(!flags.contains(OFlags::NONBLOCK));
        assert_eq!(read_regular_to_string(&path).unwrap(), "line\n");
        // Creating works too, and the file is opened as asked.
        let created = dir.path().join("new.jsonl");
        let mut file =
            open_regular_with(&created, OpenOptions::new().create(true).append(true)).unwrap();
        file.write_all(b"x\n").unwrap();
        assert_eq!(fs::read(&created).unwrap(), b"x\n");
    }

    #[test]
    fn fifos_sockets_and_directories_are_refused_without_blocking() {
        let dir = TempDir::new().unwrap();
        let fifo = dir.path().join("fifo.jsonl");
        mkfifo(&fifo);
        let socket = dir.path().join("socket.jsonl");
        let _listener = UnixListener::bind(&socket).unwrap();
        let started = Instant::now();
        let results = within_deadline({
            let (fifo, socket, dir) = (fifo.clone(), socket.clone(), dir.path().to_path_buf());
            move || {
                [
                    open_regular(&fifo).err(),
                    open_regular_with(&fifo, OpenOptions::new().append(true)).err(),
                    open_regular(&socket).err(),
                    open_regular(&dir).err(),
                    open_regular(Path::new("/dev/null")).err(),
                ]
            }
        });
        let messages: Vec<String> = results
            .into_iter()
            .map(|err| err.expect("refused").to_string())
            .collect();
        assert_eq!(
            messages,
            [
                "not a regular file: a FIFO",
                "not a regular file: a FIFO",
                "not a regular file: a socket",
                "not a regular file: a directory",
                "not a regular file: a character device",
            ]
        );
        assert!(started.elapsed() < Duration::from_secs(5));
    }

    #[test]
    fn errors_name_their_file_once_and_keep_their_kind() {
        let path = Path::new("/h/sessions/rollout-x.jsonl.zst");
        let err = stopped_reading(path, 42, true, io::Error::other("bad frame"));
        assert_eq!(
            err.to_string(),
            "/h/sessions/rollout-x.jsonl.zst: reading stopped at byte 42 of the decompressed \
             lines: bad frame"
        );
        assert_eq!(
            error_reason(&err),
            "reading stopped at byte 42 of the decompressed lines: bad frame"
        );
        let again = name_file(Path::new("/elsewhere"), err);
        assert_eq!(file_error(&again).unwrap().path, path);
        let denied = name_file(
            Path::new("/h/x"),
            io::Error::from(io::ErrorKind::PermissionDenied),
        );
        assert_eq!(denied.kind(), io::ErrorKind::PermissionDenied);
        assert!(denied.to_string().starts_with("/h/x: "));
        assert_eq!(
            error_reason(&io::Error::other("plain")),
            "plain".to_string()
        );
    }
}
