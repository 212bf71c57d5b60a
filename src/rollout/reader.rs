//! Paged and streaming reads of rollout lines. Never reads a whole file into memory.
//!
//! Only `\n`-terminated lines count: a final line without `\n` is a writer mid-line and is held
//! back (counted as partial) until it is completed.

use std::collections::VecDeque;
use std::io::{self, BufReader, Seek, SeekFrom};
use std::ops::ControlFlow;
use std::path::Path;

use super::files::name_file;
use super::lines::{Forward, ForwardLines, ReverseLines, is_blank, trim_cr};
use super::source::{Counted, RolloutSource, open_rollout};
use crate::protocol::{DecodeError, RolloutLine};

/// Reads in this size from disk; also the backward chunk size.
const CHUNK: usize = 64 * 1024;

/// Byte offset of a line in the (decompressed) line stream; opaque to callers above the store.
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq, PartialOrd, Ord, Hash)]
pub struct LineOffset(pub u64);

#[derive(Debug)]
pub struct HistoryEntry {
    pub offset: LineOffset,
    /// The line's text as stored (without its newline), for faithful exports.
    pub raw: Box<str>,
    /// `Err` for invalid JSON or non-rollout lines, kept so the UI can show them dimmed.
    pub line: Result<RolloutLine, DecodeError>,
}

/// Lines that a read passed over. `invalid` counts lines that did not decode (returned as `Err`
/// entries by the pagers; not valid UTF-8 for `scan_lines`).
#[derive(Debug, Default, Clone, Copy, PartialEq, Eq)]
pub struct SkipCounts {
    pub blank: u64,
    pub invalid: u64,
    pub partial: u64,
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
    fn push(&mut self, offset: u64, text: &[u8]) {
        let entry = decode_entry(offset, text);
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
    let text = trim_cr(text);
    let line = match std::str::from_utf8(text) {
        Ok(text) => RolloutLine::decode(text),
        Err(err) => Err(DecodeError::InvalidJson(err.to_string())),
    };
    HistoryEntry {
        offset: LineOffset(offset),
        line,
        raw: String::from_utf8_lossy(text).into(),
    }
}

fn forward_lines(
    source: &mut RolloutSource,
    from: u64,
) -> io::Result<ForwardLines<BufReader<&mut RolloutSource>>> {
    source.skip_to(from)?;
    Ok(ForwardLines::new(
        BufReader::with_capacity(CHUNK, source),
        from,
    ))
}

/// Up to `max_entries` complete non-blank lines starting at `from`. Blank lines after the last
/// entry are covered too, so `end` is where the next page starts.
pub fn read_forward(path: &Path, from: LineOffset, max_entries: usize) -> io::Result<HistoryPage> {
    let mut source = open_rollout(path)?;
    let mut page = HistoryPage {
        start: from,
        end: from,
        at_start: from.0 == 0,
        ..HistoryPage::default()
    };
    {
        let mut lines = forward_lines(&mut source, from.0)?;
        loop {
            let next = match lines.next_line() {
                Ok(next) => next,
                // A read that fails part way (a damaged `.zst`) still gives the lines before
                // it; the next page starts after them and reports where reading stopped.
                Err(_) if !page.entries.is_empty() => break,
                Err(err) => return Err(err),
            };
            match next {
                Forward::Eof => {
                    page.at_end = true;
                    break;
                }
                Forward::Partial => {
                    page.skipped.partial += 1;
                    page.at_end = true;
                    break;
                }
                Forward::Line { offset, text } => {
                    let line_end = offset + text.len() as u64 + 1;
                    if is_blank(text) {
                        page.skipped.blank += 1;
                    } else if page.entries.len() == max_entries {
                        break; // the next page starts with this line
                    } else {
                        page.push(offset, text);
                    }
                    page.end = LineOffset(line_end);
                }
            }
        }
    }
    page.bytes_read = source.bytes_read();
    Ok(page)
}

/// Up to `max_entries` complete non-blank lines ending before `before` (`None` = end of file).
/// Plain files are read backward in chunks, so the cost does not depend on the file size; `.zst`
/// files are decompressed from the start, keeping only the last `max_entries` lines.
pub fn read_backward(
    path: &Path,
    before: Option<LineOffset>,
    max_entries: usize,
) -> io::Result<HistoryPage> {
    let mut source = open_rollout(path)?;
    let path = source.path().to_path_buf();
    match source.plain_file() {
        Some(file) => {
            backward_seeking(file, before, max_entries).map_err(|err| name_file(&path, err))
        }
        None => backward_streaming(&mut source, before, max_entries),
    }
}

fn backward_seeking(
    file: &mut std::fs::File,
    before: Option<LineOffset>,
    max_entries: usize,
) -> io::Result<HistoryPage> {
    let len = file.metadata()?.len();
    let boundary = before.map_or(len, |b| b.0.min(len));
    let mut page = HistoryPage::default();
    let mut reversed = Vec::new();
    let rev_bytes = {
        let mut rev = ReverseLines::new(&mut *file, boundary, CHUNK, false)?;
        page.skipped.partial = u64::from(rev.partial_len() > 0);
        page.end = LineOffset(rev.lines_end());
        page.start = page.end;
        loop {
            match rev.next_line()? {
                None => {
                    page.at_start = true;
                    break;
                }
                Some((offset, text)) => {
                    if is_blank(text) {
                        page.skipped.blank += 1;
                    } else if reversed.len() == max_entries {
                        break; // the previous page ends with this line
                    } else {
                        reversed.push(decode_entry(offset, text));
                    }
                    page.start = LineOffset(offset);
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
        Some(_) => {
            // Look past `end` for a complete line; normally this reads one small buffer.
            file.seek(SeekFrom::Start(page.end.0))?;
            let mut counted = Counted::new(&mut *file);
            let more = ForwardLines::new(BufReader::with_capacity(CHUNK, &mut counted), page.end.0)
                .has_more_content()?;
            page.bytes_read += counted.count;
            !more
        }
    };
    Ok(page)
}

/// A line kept while streaming a `.zst` backward read, with the blank lines just before it.
struct Held {
    offset: u64,
    text: Vec<u8>,
    blanks_before: u64,
    run_start: u64,
}

fn backward_streaming(
    source: &mut RolloutSource,
    before: Option<LineOffset>,
    max_entries: usize,
) -> io::Result<HistoryPage> {
    let limit = before.map_or(u64::MAX, |b| b.0);
    let mut held: VecDeque<Held> = VecDeque::new();
    let mut dropped_any = false;
    let mut blanks = 0u64;
    let mut blank_run_start = None;
    let mut page = HistoryPage {
        at_end: true,
        ..HistoryPage::default()
    };
    {
        let mut lines = forward_lines(source, 0)?;
        loop {
            let next = match lines.next_line() {
                Ok(next) => next,
                // Damaged after some lines: they are the page, and it is not the end (reading
                // on from it reports where the file stopped being readable).
                Err(_) if !held.is_empty() => {
                    page.at_end = false;
                    break;
                }
                Err(err) => return Err(err),
            };
            match next {
                Forward::Eof => break,
                Forward::Partial => {
                    page.skipped.partial += 1;
                    break;
                }
                Forward::Line { offset, text } => {
                    let line_end = offset + text.len() as u64 + 1;
                    if line_end > limit {
                        if offset < limit {
                            page.skipped.partial += 1; // the boundary cuts this line
                        }
                        page.at_end = is_blank(text) && !lines.has_more_content()?;
                        break;
                    }
                    page.end = LineOffset(line_end);
                    if is_blank(text) {
                        blanks += 1;
                        blank_run_start.get_or_insert(offset);
                        continue;
                    }
                    held.push_back(Held {
                        offset,
                        text: text.to_vec(),
                        blanks_before: std::mem::take(&mut blanks),
                        run_start: blank_run_start.take().unwrap_or(offset),
                    });
                    if held.len() > max_entries {
                        held.pop_front();
                        dropped_any = true;
                    }
                }
            }
        }
    }
    page.at_start = !dropped_any;
    // Blank lines between a dropped line and the first kept one belong to this page.
    page.start = if !dropped_any {
        LineOffset(0)
    } else {
        LineOffset(
            held.front()
                .map(|h| h.run_start)
                .or(blank_run_start)
                .unwrap_or(page.end.0),
        )
    };
    page.skipped.blank = blanks + held.iter().map(|h| h.blanks_before).sum::<u64>();
    for h in held {
        page.push(h.offset, &h.text);
    }
    page.bytes_read = source.bytes_read();
    Ok(page)
}

/// Streams every complete line from `from`. `filter` sees the raw line (no `\n` or `\r`) and
/// decides whether `visit` gets it; `visit` can stop the scan with `ControlFlow::Break`.
pub fn scan_lines(
    path: &Path,
    from: LineOffset,
    filter: &mut dyn FnMut(&[u8]) -> bool,
    visit: &mut dyn FnMut(LineOffset, &str) -> ControlFlow<()>,
) -> io::Result<ScanEnd> {
    let mut source = open_rollout(path)?;
    let mut scan = ScanEnd {
        end: from,
        ..ScanEnd::default()
    };
    {
        let mut lines = forward_lines(&mut source, from.0)?;
        loop {
            match lines.next_line()? {
                Forward::Eof => break,
                Forward::Partial => {
                    scan.skipped.partial += 1;
                    break;
                }
                Forward::Line { offset, text } => {
                    scan.end = LineOffset(offset + text.len() as u64 + 1);
                    let text = trim_cr(text);
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
                    if visit(LineOffset(offset), text).is_break() {
                        break;
                    }
                }
            }
        }
    }
    scan.bytes_read = source.bytes_read();
    Ok(scan)
}

/// The first `max_records` complete non-blank lines (for head summaries). Reads only as far as
/// those lines reach (plus one buffer).
pub fn read_head(path: &Path, max_records: usize) -> io::Result<Vec<HistoryEntry>> {
    let mut source = open_rollout(path)?;
    let mut lines = forward_lines(&mut source, 0)?;
    let mut entries = Vec::new();
    while entries.len() < max_records {
        match lines.next_line()? {
            Forward::Line { offset, text } if !is_blank(text) => {
                entries.push(decode_entry(offset, text))
            }
            Forward::Line { .. } => {}
            Forward::Partial | Forward::Eof => break,
        }
    }
    Ok(entries)
}

#[cfg(test)]
mod tests;
