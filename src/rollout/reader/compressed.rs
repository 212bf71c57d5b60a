//! Paging that costs one pass over a rollout, compressed or not.
//!
//! A plain rollout is read in place: forward from an offset, or backward in chunks. A `.zst`
//! cannot be entered in the middle (Codex writes one zstd frame), so:
//! - forward pages keep their decoder: the next page continues where the last one stopped;
//! - backward pages (the TUI opens a thread at its end and scrolls up) read a spool, the
//!   decompressed lines written once, streaming, to an unnamed temporary file in our cache
//!   directory, which is then paged like a plain file. The file has no name (`O_TMPFILE`, or
//!   unlinked at once), so it is gone when dropped or when the process ends, and a crash leaves
//!   nothing behind. Forward pages use the spool too once there is one.
//!
//! Memory stays at a decoder window (at most 16 MiB) and a page per kept reader.

use std::collections::VecDeque;
use std::fs::File;
use std::io::{self, BufReader, BufWriter, Read, Seek, SeekFrom, Write};
use std::os::unix::fs::FileExt;
use std::path::{Path, PathBuf};
use std::sync::{Arc, Mutex};
use std::time::{Duration, Instant};

use super::{
    CHUNK, HistoryPage, LineOffset, ReadLimits, Stopped, backward_seeking, fill_forward,
    forward_lines, is_quiet,
};
use crate::rollout::files::{file_error, name_file, stopped_reading};
use crate::rollout::lines::ForwardLines;
use crate::rollout::source::{FileIdentity, RolloutSource, open_rollout};

/// Decoders kept between forward pages (a `show`, an export and a jump may page at once).
const KEPT_DECODERS: usize = 2;
/// Spools kept: the thread open in the TUI and the one before it.
const KEPT_SPOOLS: usize = 2;
/// A spool not read for this long is dropped (its disk space given back) at the next read.
const SPOOL_IDLE: Duration = Duration::from_secs(10 * 60);

/// Reads pages of rollouts, keeping what makes the next page of a compressed one cheap.
/// Shared by the threads of a store; each read holds the lock only to take or keep state.
#[derive(Default)]
pub struct RolloutPager {
    limits: ReadLimits,
    /// Where spools are made (`None`: the system's temporary directory).
    spool_dir: Option<PathBuf>,
    kept: Mutex<Kept>,
}

#[derive(Default)]
struct Kept {
    decoders: VecDeque<Parked>,
    spools: VecDeque<(Arc<Spool>, Instant)>,
}

/// A decoder stopped at the start of a line, with the lines it has buffered.
struct Parked {
    identity: FileIdentity,
    lines: ForwardLines<BufReader<RolloutSource>>,
}

/// The decompressed lines of one `.zst`, in an unnamed temporary file.
struct Spool {
    identity: FileIdentity,
    file: File,
    len: u64,
    /// The `.zst` could not be read past `len`: why.
    damage: Option<Damage>,
}

/// A read error, kept to be reported again by every read that reaches it.
struct Damage {
    kind: io::ErrorKind,
    message: String,
}

impl Spool {
    /// The error a read reaching the damage reports: the file, and where it stopped.
    fn damage_error(&self, path: &Path) -> Option<io::Error> {
        self.damage.as_ref().map(|damage| {
            let cause = io::Error::new(damage.kind, damage.message.clone());
            stopped_reading(path, self.len, true, cause)
        })
    }
}

/// A spool read at its own position (`pread`), so that readers on several threads do not
/// move each other.
struct SpoolReader<'a> {
    file: &'a File,
    position: u64,
}

impl Read for SpoolReader<'_> {
    fn read(&mut self, buf: &mut [u8]) -> io::Result<usize> {
        let n = self.file.read_at(buf, self.position)?;
        self.position += n as u64;
        Ok(n)
    }
}

impl Seek for SpoolReader<'_> {
    fn seek(&mut self, to: SeekFrom) -> io::Result<u64> {
        let base = match to {
            SeekFrom::Start(at) => {
                self.position = at;
                return Ok(at);
            }
            SeekFrom::End(delta) => (self.file.metadata()?.len(), delta),
            SeekFrom::Current(delta) => (self.position, delta),
        };
        self.position = base
            .0
            .checked_add_signed(base.1)
            .ok_or_else(|| io::Error::new(io::ErrorKind::InvalidInput, "seek before start"))?;
        Ok(self.position)
    }
}

impl RolloutPager {
    /// A pager whose spools go to `spool_dir` (created when first needed).
    pub fn new(spool_dir: Option<PathBuf>) -> Self {
        RolloutPager {
            spool_dir,
            ..RolloutPager::default()
        }
    }

    /// A pager with other limits (tests use small ones).
    pub fn with_limits(mut self, limits: ReadLimits) -> Self {
        self.limits = limits;
        self
    }

    pub fn limits(&self) -> ReadLimits {
        self.limits
    }

    /// Up to `max_entries` complete non-blank lines starting at `from`, holding no more than
    /// `page_bytes` of them beyond the first. Blank lines after the last entry are covered too,
    /// so `end` is where the next page starts.
    pub fn read_forward(
        &self,
        path: &Path,
        from: LineOffset,
        max_entries: usize,
    ) -> io::Result<HistoryPage> {
        let source = open_rollout(path)?;
        let quiet = is_quiet(source.modified());
        let mut page = HistoryPage::starting_at(from);
        if !source.is_compressed() {
            let mut lines = forward_lines(source, from.0, self.limits)?;
            fill_forward(&mut lines, &mut page, max_entries, self.limits, quiet)?;
            page.bytes_read = lines.get_ref().get_ref().bytes_read();
            return Ok(page);
        }
        let identity = source.identity();
        if let Some(spool) = self.spool(identity) {
            let path = source.path().to_path_buf();
            return self.forward_in_spool(&spool, &path, page, max_entries);
        }
        let mut lines = match self.take_decoder(identity, from.0) {
            Some(lines) => lines,
            None => forward_lines(source, from.0, self.limits)?,
        };
        let read_before = lines.get_ref().get_ref().bytes_read();
        let stopped = fill_forward(&mut lines, &mut page, max_entries, self.limits, quiet)?;
        page.bytes_read = lines.get_ref().get_ref().bytes_read() - read_before;
        if stopped == Stopped::Full {
            lines.shrink();
            self.keep_decoder(Parked { identity, lines });
        }
        Ok(page)
    }

    fn forward_in_spool(
        &self,
        spool: &Spool,
        path: &Path,
        mut page: HistoryPage,
        max_entries: usize,
    ) -> io::Result<HistoryPage> {
        let from = page.start.0;
        let reader = SpoolReader {
            file: &spool.file,
            position: from.min(spool.len),
        };
        let mut lines = ForwardLines::new(
            BufReader::with_capacity(CHUNK, reader),
            from,
            self.limits.line_bytes,
        );
        let stopped = fill_forward(&mut lines, &mut page, max_entries, self.limits, true)
            .map_err(|err| name_file(path, err))?;
        page.bytes_read = lines.get_ref().get_ref().position - from.min(spool.len);
        // The readable lines end where the damage starts: reading on reports it.
        if stopped == Stopped::End
            && let Some(err) = spool.damage_error(path)
        {
            if page.entries.is_empty() {
                return Err(err);
            }
            page.at_end = false;
        }
        Ok(page)
    }

    /// Up to `max_entries` complete non-blank lines ending before `before` (`None` = end of
    /// file), holding no more than `page_bytes` of them beyond the first.
    pub fn read_backward(
        &self,
        path: &Path,
        before: Option<LineOffset>,
        max_entries: usize,
    ) -> io::Result<HistoryPage> {
        let mut source = open_rollout(path)?;
        let path = source.path().to_path_buf();
        let quiet = is_quiet(source.modified());
        if let Some(file) = source.plain_file() {
            let len = file.metadata().map_err(|err| name_file(&path, err))?.len();
            return backward_seeking(file, len, before, max_entries, self.limits, quiet)
                .map_err(|err| name_file(&path, err));
        }
        let identity = source.identity();
        let (spool, spooling_bytes) = match self.spool(identity) {
            Some(spool) => (spool, 0),
            None => self.make_spool(source)?,
        };
        let mut reader = SpoolReader {
            file: &spool.file,
            position: 0,
        };
        let mut page = backward_seeking(
            &mut reader,
            spool.len,
            before,
            max_entries,
            self.limits,
            true,
        )
        .map_err(|err| name_file(&path, err))?;
        page.bytes_read += spooling_bytes;
        if let Some(err) = spool.damage_error(&path) {
            if page.entries.is_empty() && before.is_none() {
                return Err(err);
            }
            // Reading forward from any page reaches the damage, which is reported then.
            page.at_end = false;
        }
        Ok(page)
    }

    /// Decompresses `source` into a new spool, keeps it, and returns it with the compressed
    /// bytes read.
    fn make_spool(&self, mut source: RolloutSource) -> io::Result<(Arc<Spool>, u64)> {
        let identity = source.identity();
        let path = source.path().to_path_buf();
        let spool_error = |err: io::Error| {
            io::Error::new(
                err.kind(),
                format!(
                    "{}: could not spool the decompressed lines: {err}",
                    path.display()
                ),
            )
        };
        let file = self.spool_file().map_err(spool_error)?;
        let mut out = BufWriter::with_capacity(CHUNK, file);
        let mut buf = vec![0; CHUNK];
        let mut len = 0u64;
        let mut damage = None;
        loop {
            match source.read(&mut buf) {
                Ok(0) => break,
                Ok(n) => {
                    out.write_all(&buf[..n]).map_err(spool_error)?;
                    len += n as u64;
                }
                Err(err) if err.kind() == io::ErrorKind::Interrupted => {}
                Err(err) => {
                    let cause = file_error(&err).map_or(&err, |named| &named.source);
                    damage = Some(Damage {
                        kind: cause.kind(),
                        message: cause.to_string(),
                    });
                    break;
                }
            }
        }
        let file = out
            .into_inner()
            .map_err(|err| spool_error(err.into_error()))?;
        let spool = Arc::new(Spool {
            identity,
            file,
            len,
            damage,
        });
        let mut kept = self.lock();
        kept.spools.push_front((spool.clone(), Instant::now()));
        kept.spools.truncate(KEPT_SPOOLS);
        // The spool serves this file's forward pages from now on.
        kept.decoders.retain(|parked| parked.identity != identity);
        Ok((spool, source.bytes_read()))
    }

    /// An unnamed file in the spool directory, or in the system's temporary directory when
    /// that cannot be made.
    fn spool_file(&self) -> io::Result<File> {
        if let Some(dir) = &self.spool_dir
            && std::fs::create_dir_all(dir).is_ok()
            && let Ok(file) = tempfile::tempfile_in(dir)
        {
            return Ok(file);
        }
        tempfile::tempfile()
    }

    fn lock(&self) -> std::sync::MutexGuard<'_, Kept> {
        self.kept.lock().unwrap_or_else(|e| e.into_inner())
    }

    /// The spool of this version of the file, if one is kept; drops idle ones.
    fn spool(&self, identity: FileIdentity) -> Option<Arc<Spool>> {
        let mut kept = self.lock();
        kept.spools.retain(|(_, used)| used.elapsed() < SPOOL_IDLE);
        let (spool, used) = kept
            .spools
            .iter_mut()
            .find(|(spool, _)| spool.identity == identity)?;
        *used = Instant::now();
        Some(spool.clone())
    }

    fn take_decoder(
        &self,
        identity: FileIdentity,
        at: u64,
    ) -> Option<ForwardLines<BufReader<RolloutSource>>> {
        let mut kept = self.lock();
        let index = kept
            .decoders
            .iter()
            .position(|parked| parked.identity == identity && parked.lines.position() == at)?;
        kept.decoders.remove(index).map(|parked| parked.lines)
    }

    fn keep_decoder(&self, parked: Parked) {
        let mut kept = self.lock();
        kept.decoders.push_front(parked);
        kept.decoders.truncate(KEPT_DECODERS);
    }
}
