//! Paged and streaming reads of rollout lines. Never reads a whole file, nor a whole long line,
//! into memory.
//!
//! Only `\n`-terminated lines count, with one exception: a final line without `\n` is a writer
//! mid-line and is held back (counted as partial) until it is completed, unless the file has
//! been quiet for `QUIET` and the tail is a whole rollout line (a writer that died after writing
//! the line but before its newline). Codex writes a line and its newline in one call, so a live
//! writer's partial line is never quiet for long, and a torn line never decodes.
//!
//! A line longer than `ReadLimits::line_bytes` is not read into memory: the readers pass over
//! it and hand out an `Omitted` marker with its size (and its time and kind, from its head).

mod compressed;

use std::io::{self, BufReader};
use std::ops::ControlFlow;
use std::path::Path;
use std::time::{Duration, SystemTime};

use super::lines::{Forward, ForwardLines, Line, ReverseLines, is_blank, trim_cr};
use super::source::{Counted, RolloutSource, open_rollout};
use crate::protocol::{DecodeError, RolloutLine};

pub use compressed::RolloutPager;

/// Reads in this size from disk; also the backward chunk size.
const CHUNK: usize = 64 * 1024;

/// The longest line read into memory. Codex's longest real lines are images sent inline (a
/// base64 data URL of a picture Codex resized to at most 2048 px: a few MB) and compaction
/// histories; 8 MiB holds those whole, while a read (a line, its decoded form and the page
/// around it) stays far below the 128 MB a reader may use.
pub const MAX_LINE_BYTES: usize = 8 << 20;

/// A page stops taking lines once they hold this many bytes (it always takes one), so a page
/// of long lines costs what a page of short ones does, not a page count times the limit.
pub const PAGE_BYTES: usize = 4 << 20;

/// How long a file must have been left alone before a final line without `\n` counts.
pub const QUIET: Duration = Duration::from_secs(2);

/// How much of a rollout a read may hold in memory.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct ReadLimits {
    /// Longer lines become `Omitted` markers.
    pub line_bytes: usize,
    /// See `PAGE_BYTES`.
    pub page_bytes: usize,
}

impl Default for ReadLimits {
    fn default() -> Self {
        ReadLimits {
            line_bytes: MAX_LINE_BYTES,
            page_bytes: PAGE_BYTES,
        }
    }
}

/// Byte offset of a line in the (decompressed) line stream; opaque to callers above the store.
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq, PartialOrd, Ord, Hash)]
pub struct LineOffset(pub u64);

#[derive(Debug)]
pub struct HistoryEntry {
    pub offset: LineOffset,
    /// The line's length in the file, without its newline.
    pub len: u64,
    /// The line's text as stored (without its newline), for faithful exports; empty for an
    /// omitted (overlong) line.
    pub raw: Box<str>,
    /// `Err` for invalid JSON or non-rollout lines, kept so the UI can show them dimmed.
    pub line: Result<RolloutLine, DecodeError>,
}

/// Lines that a read passed over. `invalid` counts lines that did not decode (returned as `Err`
/// entries by the pagers; not valid UTF-8 for `scan_lines`); `overlong` the lines over the
/// limit that `scan_lines` passed over (the pagers return them as markers).
#[derive(Debug, Default, Clone, Copy, PartialEq, Eq)]
pub struct SkipCounts {
    pub blank: u64,
    pub invalid: u64,
    pub partial: u64,
    pub overlong: u64,
}

#[derive(Debug, Default)]
pub struct HistoryPage {
    /// Always in file order.
    pub entries: Vec<HistoryEntry>,
    /// Offset of the first line covered by this page (blank lines included).
    pub start: LineOffset,
    /// Offset just past the last complete line covered.
    pub end: LineOffset,
    /// Nothing earlier in the file.
    pub at_start: bool,
    /// No complete non-blank line later in the file.
    pub at_end: bool,
    pub skipped: SkipCounts,
    /// Bytes actually read from disk (compressed bytes for `.zst`).
    pub bytes_read: u64,
}

impl HistoryPage {
    fn starting_at(from: LineOffset) -> Self {
        HistoryPage {
            start: from,
            end: from,
            at_start: from.0 == 0,
            ..HistoryPage::default()
        }
    }

    fn push(&mut self, line: &Line, limits: ReadLimits) {
        let entry = entry(line, limits);
        if entry.line.is_err() {
            self.skipped.invalid += 1;
        }
        self.entries.push(entry);
    }
}

/// Where a `scan_lines` run stopped.
#[derive(Debug, Default, Clone, Copy, PartialEq, Eq)]
pub struct ScanEnd {
    /// Just past the last complete line consumed; resume a later scan here.
    pub end: LineOffset,
    pub skipped: SkipCounts,
    pub bytes_read: u64,
}

fn decode_entry(offset: u64, text: &[u8]) -> HistoryEntry {
    let len = text.len() as u64;
    let text = trim_cr(text);
    let line = match std::str::from_utf8(text) {
        Ok(text) => RolloutLine::decode(text),
        Err(err) => Err(DecodeError::InvalidJson(err.to_string())),
    };
    HistoryEntry {
        offset: LineOffset(offset),
        len,
        line,
        raw: String::from_utf8_lossy(text).into(),
    }
}

/// The entry for a line: decoded, or the marker of an overlong one.
fn entry(line: &Line, limits: ReadLimits) -> HistoryEntry {
    if !line.overlong {
        return decode_entry(line.offset, line.text);
    }
    HistoryEntry {
        offset: LineOffset(line.offset),
        len: line.len,
        raw: Box::from(""),
        line: Ok(RolloutLine::omitted(
            line.text,
            line.len,
            limits.line_bytes as u64,
        )),
    }
}

/// Whether a file last changed at `modified` has been left alone for `QUIET`.
fn is_quiet(modified: Option<SystemTime>) -> bool {
    modified
        .and_then(|at| at.elapsed().ok())
        .is_some_and(|age| age >= QUIET)
}

/// `is_whole_tail` for the raw bytes after a file's last `\n`.
pub(crate) fn is_whole_tail_text(text: &[u8], modified: Option<SystemTime>) -> bool {
    let line = Line {
        offset: 0,
        len: text.len() as u64,
        text,
        overlong: false,
    };
    is_whole_tail(&line, is_quiet(modified))
}

/// Whether a final line without `\n` counts as a line (see the module comment).
fn is_whole_tail(line: &Line, quiet: bool) -> bool {
    quiet
        && !line.overlong
        && !is_blank(line.text)
        && std::str::from_utf8(trim_cr(line.text))
            .is_ok_and(|text| RolloutLine::decode(text).is_ok())
}

/// How a forward page ended.
#[derive(Debug, PartialEq, Eq)]
enum Stopped {
    /// It has all the lines it may hold; the reader is at the next page's first line.
    Full,
    /// At the end of the lines (a final partial line may follow).
    End,
    /// Ended early: a read failed after some lines (they are the page, which is not the end),
    /// or a final whole line is left for the next page. The reader is not kept.
    Cut,
}

/// Fills a forward page from `lines`. Blank lines after the last entry are covered too, so
/// `end` is where the next page starts.
fn fill_forward<R: io::BufRead>(
    lines: &mut ForwardLines<R>,
    page: &mut HistoryPage,
    max_entries: usize,
    limits: ReadLimits,
    quiet: bool,
) -> io::Result<Stopped> {
    let mut held = 0usize;
    let full = |page: &HistoryPage, held: usize| {
        page.entries.len() >= max_entries || (!page.entries.is_empty() && held >= limits.page_bytes)
    };
    loop {
        let next = match lines.next_line() {
            Ok(next) => next,
            // A read that fails part way (a damaged `.zst`) still gives the lines before
            // it; the next page starts after them and reports where reading stopped.
            Err(_) if !page.entries.is_empty() => return Ok(Stopped::Cut),
            Err(err) => return Err(err),
        };
        match next {
            Forward::Eof => {
                page.at_end = true;
                return Ok(Stopped::End);
            }
            Forward::Partial(line) => {
                if !is_whole_tail(&line, quiet) {
                    page.skipped.partial += 1;
                } else if full(page, held) {
                    // The next page takes it (read again from `end`).
                    return Ok(Stopped::Cut);
                } else {
                    page.push(&line, limits);
                    page.end = LineOffset(line.offset + line.len);
                }
                page.at_end = true;
                return Ok(Stopped::End);
            }
            Forward::Line(line) => {
                if !line.overlong && is_blank(line.text) {
                    page.skipped.blank += 1;
                } else if full(page, held) {
                    lines.put_back(); // the next page starts with this line
                    return Ok(Stopped::Full);
                } else {
                    held += line.text.len();
                    page.push(&line, limits);
                }
                page.end = LineOffset(line.end());
            }
        }
    }
}

/// Up to `max_entries` complete non-blank lines starting at `from`, and no more than
/// `PAGE_BYTES` of them beyond the first. See `RolloutPager` for paging many times.
pub fn read_forward(path: &Path, from: LineOffset, max_entries: usize) -> io::Result<HistoryPage> {
    RolloutPager::default().read_forward(path, from, max_entries)
}

/// Up to `max_entries` complete non-blank lines ending before `before` (`None` = end of file).
/// Plain files are read backward in chunks, so the cost does not depend on the file size.
pub fn read_backward(
    path: &Path,
    before: Option<LineOffset>,
    max_entries: usize,
) -> io::Result<HistoryPage> {
    RolloutPager::default().read_backward(path, before, max_entries)
}

fn forward_lines(
    mut source: RolloutSource,
    from: u64,
    limits: ReadLimits,
) -> io::Result<ForwardLines<BufReader<RolloutSource>>> {
    source.skip_to(from)?;
    Ok(ForwardLines::new(
        BufReader::with_capacity(CHUNK, source),
        from,
        limits.line_bytes,
    ))
}

/// A backward page of a seekable byte stream of `len` bytes (a plain rollout, or the spool of a
/// compressed one).
fn backward_seeking<F: io::Read + io::Seek>(
    file: &mut F,
    len: u64,
    before: Option<LineOffset>,
    max_entries: usize,
    limits: ReadLimits,
    quiet: bool,
) -> io::Result<HistoryPage> {
    let boundary = before.map_or(len, |b| b.0.min(len));
    let mut page = HistoryPage::default();
    let mut reversed = Vec::new();
    let mut held = 0usize;
    let rev_bytes = {
        let mut rev = ReverseLines::new(&mut *file, boundary, CHUNK, limits.line_bytes, false)?;
        page.end = LineOffset(rev.lines_end());
        let partial = rev.partial_len();
        if partial > 0 {
            // Only the true end of the file has a tail that may count; a boundary inside the
            // file cuts a line that an earlier page has.
            let tail = (boundary == len && partial <= limits.line_bytes as u64)
                .then(|| rev.read_at(page.end.0, partial as usize))
                .transpose()?;
            let tail = tail.as_deref().map(|text| Line {
                offset: page.end.0,
                len: partial,
                text,
                overlong: false,
            });
            match tail {
                Some(tail) if is_whole_tail(&tail, quiet) => {
                    held += tail.text.len();
                    reversed.push(entry(&tail, limits));
                    page.end = LineOffset(len);
                }
                _ => page.skipped.partial = 1,
            }
        }
        page.start = LineOffset(rev.lines_end());
        loop {
            match rev.next_line()? {
                None => {
                    page.at_start = true;
                    break;
                }
                Some(line) => {
                    if !line.overlong && is_blank(line.text) {
                        page.skipped.blank += 1;
                    } else if reversed.len() >= max_entries
                        || (!reversed.is_empty() && held >= limits.page_bytes)
                    {
                        break; // the previous page ends with this line
                    } else {
                        held += line.text.len();
                        reversed.push(entry(&line, limits));
                    }
                    page.start = LineOffset(line.offset);
                }
            }
        }
        rev.bytes_read()
    };
    page.skipped.invalid = reversed.iter().filter(|e| e.line.is_err()).count() as u64;
    reversed.reverse();
    page.entries = reversed;
    page.bytes_read = rev_bytes;
    page.at_end = match before {
        None => true,
        Some(_) if page.end.0 >= len => true,
        Some(_) => {
            // Look past `end` for a complete line; normally this reads one small buffer.
            file.seek(io::SeekFrom::Start(page.end.0))?;
            let mut counted = Counted::new(&mut *file);
            let more = ForwardLines::new(
                BufReader::with_capacity(CHUNK, &mut counted),
                page.end.0,
                limits.line_bytes,
            )
            .has_more_content()?;
            page.bytes_read += counted.count;
            !more
        }
    };
    Ok(page)
}

/// Streams every complete line from `from`. `filter` sees the raw line (no `\n` or `\r`) and
/// decides whether `visit` gets it; `visit` can stop the scan with `ControlFlow::Break`. Lines
/// over the limit are passed over unseen (counted in `skipped.overlong`).
pub fn scan_lines(
    path: &Path,
    from: LineOffset,
    filter: &mut dyn FnMut(&[u8]) -> bool,
    visit: &mut dyn FnMut(LineOffset, &str) -> ControlFlow<()>,
) -> io::Result<ScanEnd> {
    scan_lines_with(path, from, ReadLimits::default(), filter, visit)
}

pub(crate) fn scan_lines_with(
    path: &Path,
    from: LineOffset,
    limits: ReadLimits,
    filter: &mut dyn FnMut(&[u8]) -> bool,
    visit: &mut dyn FnMut(LineOffset, &str) -> ControlFlow<()>,
) -> io::Result<ScanEnd> {
    let source = open_rollout(path)?;
    let quiet = is_quiet(source.modified());
    let mut scan = ScanEnd {
        end: from,
        ..ScanEnd::default()
    };
    let mut lines = forward_lines(source, from.0, limits)?;
    loop {
        let (line, end) = match lines.next_line()? {
            Forward::Eof => break,
            Forward::Partial(line) if is_whole_tail(&line, quiet) => (line, line.offset + line.len),
            Forward::Partial(_) => {
                scan.skipped.partial += 1;
                break;
            }
            Forward::Line(line) => (line, line.end()),
        };
        scan.end = LineOffset(end);
        if line.overlong {
            scan.skipped.overlong += 1;
            continue;
        }
        let text = trim_cr(line.text);
        if is_blank(text) {
            scan.skipped.blank += 1;
            continue;
        }
        if !filter(text) {
            continue;
        }
        let Ok(text) = std::str::from_utf8(text) else {
            scan.skipped.invalid += 1;
            continue;
        };
        if visit(LineOffset(line.offset), text).is_break() {
            break;
        }
    }
    scan.bytes_read = lines.get_ref().get_ref().bytes_read();
    Ok(scan)
}

/// The first `max_records` complete non-blank lines (for head summaries). Reads only as far as
/// those lines reach (plus one buffer).
pub fn read_head(path: &Path, max_records: usize) -> io::Result<Vec<HistoryEntry>> {
    let limits = ReadLimits::default();
    let mut lines = forward_lines(open_rollout(path)?, 0, limits)?;
    let mut entries = Vec::new();
    while entries.len() < max_records {
        match lines.next_line()? {
            Forward::Line(line) if line.overlong || !is_blank(line.text) => {
                entries.push(entry(&line, limits))
            }
            Forward::Line(_) => {}
            Forward::Partial(_) | Forward::Eof => break,
        }
    }
    Ok(entries)
}

#[cfg(test)]
mod bounded_tests;
#[cfg(test)]
mod fuzz_tests;
#[cfg(test)]
mod tests;
