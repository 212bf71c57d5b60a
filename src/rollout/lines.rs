//! Splitting byte streams into `\n`-terminated lines, forward or backward, with byte offsets.

use std::io::{self, BufRead, Read, Seek, SeekFrom};

use memchr::{memchr, memrchr};

/// Whitespace-only lines carry nothing; Codex skips them.
pub(crate) fn is_blank(line: &[u8]) -> bool {
    line.iter().all(u8::is_ascii_whitespace)
}

/// The line without the `\r` of a CRLF ending.
pub(crate) fn trim_cr(line: &[u8]) -> &[u8] {
    line.strip_suffix(b"\r").unwrap_or(line)
}

/// How much of an overlong line is kept: enough for its envelope's time, number and kind.
pub(crate) const HEAD_BYTES: usize = 256;

/// A line as a reader hands it out. A line longer than the reader's limit is passed over
/// without holding it: `text` is then only its first `HEAD_BYTES` bytes.
#[derive(Clone, Copy, Debug)]
pub(crate) struct Line<'a> {
    pub offset: u64,
    /// The line's length without its `\n`.
    pub len: u64,
    pub text: &'a [u8],
    pub overlong: bool,
}

impl Line<'_> {
    /// Offset just past the line's `\n`.
    pub(crate) fn end(&self) -> u64 {
        self.offset + self.len + 1
    }
}

pub(crate) enum Forward<'a> {
    /// A complete line; `text` excludes the `\n`.
    Line(Line<'a>),
    /// Bytes without a final `\n` (a writer mid-line, or one that died): not a line yet.
    Partial(Line<'a>),
    Eof,
}

/// Where the last line handed out ended, so that it can be handed out again.
#[derive(Clone, Copy)]
struct Last {
    offset: u64,
    len: u64,
    overlong: bool,
    complete: bool,
}

/// Forward line reader over a buffered stream positioned at `offset`. Holds at most `limit`
/// bytes of a line (plus the stream's buffer), however long the line is.
pub(crate) struct ForwardLines<R> {
    reader: R,
    offset: u64,
    limit: usize,
    buf: Vec<u8>,
    last: Option<Last>,
    /// `put_back` was called: the next `next_line` returns `last` again.
    replay: bool,
}

impl<R: BufRead> ForwardLines<R> {
    pub(crate) fn new(reader: R, offset: u64, limit: usize) -> Self {
        ForwardLines {
            reader,
            offset,
            limit,
            buf: Vec::new(),
            last: None,
            replay: false,
        }
    }

    #[cfg(test)]
    pub(crate) fn buf_capacity(&self) -> usize {
        self.buf.capacity()
    }

    /// Offset of the next line `next_line` returns.
    pub(crate) fn position(&self) -> u64 {
        match (self.replay, self.last) {
            (true, Some(last)) => last.offset,
            _ => self.offset,
        }
    }

    pub(crate) fn get_ref(&self) -> &R {
        &self.reader
    }

    /// The next `next_line` returns the line just returned again (a page that read one line
    /// too many leaves it for the next page). Only once per line.
    pub(crate) fn put_back(&mut self) {
        self.replay = self.last.is_some_and(|last| last.complete);
    }

    /// Gives back the memory of a long line, for a reader that is kept for later.
    pub(crate) fn shrink(&mut self) {
        if !self.replay {
            self.buf = Vec::new();
        }
    }

    pub(crate) fn next_line(&mut self) -> io::Result<Forward<'_>> {
        if std::mem::take(&mut self.replay)
            && let Some(last) = self.last
        {
            return Ok(Forward::Line(Line {
                offset: last.offset,
                len: last.len,
                text: &self.buf,
                overlong: last.overlong,
            }));
        }
        self.buf.clear();
        self.last = None;
        let offset = self.offset;
        let mut len = 0u64;
        let mut overlong = false;
        let complete = loop {
            let available = match self.reader.fill_buf() {
                Ok(available) => available,
                Err(err) if err.kind() == io::ErrorKind::Interrupted => continue,
                Err(err) => return Err(err),
            };
            if available.is_empty() {
                break false;
            }
            let (take, found) = match memchr(b'\n', available) {
                Some(at) => (at, true),
                None => (available.len(), false),
            };
            if !overlong && self.buf.len() + take > self.limit {
                // Only the head is kept; the rest of the line streams past.
                overlong = true;
                self.buf.truncate(HEAD_BYTES);
            }
            let room = if overlong {
                HEAD_BYTES.saturating_sub(self.buf.len())
            } else {
                take
            };
            self.buf.extend_from_slice(&available[..take.min(room)]);
            len += take as u64;
            self.reader.consume(take + usize::from(found));
            if found {
                break true;
            }
        };
        if !complete && len == 0 {
            return Ok(Forward::Eof);
        }
        let line = Line {
            offset,
            len,
            text: &self.buf,
            overlong,
        };
        self.last = Some(Last {
            offset,
            len,
            overlong,
            complete,
        });
        if !complete {
            return Ok(Forward::Partial(line));
        }
        self.offset += len + 1;
        Ok(Forward::Line(line))
    }

    /// True if a complete non-blank line follows (blank lines before it are consumed).
    pub(crate) fn has_more_content(&mut self) -> io::Result<bool> {
        loop {
            match self.next_line()? {
                Forward::Line(line) if !line.overlong && is_blank(line.text) => continue,
                Forward::Line(_) => return Ok(true),
                Forward::Partial(_) | Forward::Eof => return Ok(false),
            }
        }
    }
}

/// Backward line reader: yields the complete lines that end at or before a boundary, newest
/// first, reading the file in chunks from the end. Memory stays at one chunk plus one line of
/// at most `limit` bytes; a longer line is found by its newlines and handed out as its head.
pub(crate) struct ReverseLines<R> {
    file: R,
    chunk: usize,
    limit: usize,
    /// Bytes of the file from `buf_start`; `buf[..end]` is not yet yielded and ends with `\n`.
    buf: Vec<u8>,
    buf_start: u64,
    end: usize,
    /// The head of the last overlong line handed out.
    head: Vec<u8>,
    partial_len: u64,
    bytes_read: u64,
}

impl<R: Read + Seek> ReverseLines<R> {
    /// Lines ending at or before `boundary`. Bytes after the last `\n` before the boundary are a
    /// partial line: skipped (see `partial_len`), or yielded as a line if `include_tail`.
    pub(crate) fn new(
        file: R,
        boundary: u64,
        chunk: usize,
        limit: usize,
        include_tail: bool,
    ) -> io::Result<Self> {
        let mut this = ReverseLines {
            file,
            chunk: chunk.max(1),
            limit,
            buf: Vec::new(),
            buf_start: boundary,
            end: 0,
            head: Vec::new(),
            partial_len: 0,
            bytes_read: 0,
        };
        let mut pos = boundary;
        while pos > 0 {
            let start = pos.saturating_sub(this.chunk as u64);
            let mut bytes = this.read_at(start, (pos - start) as usize)?;
            if include_tail {
                if bytes.last() != Some(&b'\n') {
                    bytes.push(b'\n'); // the unterminated tail counts as a line
                }
            } else if let Some(k) = memrchr(b'\n', &bytes) {
                this.partial_len = boundary - (start + k as u64 + 1);
                bytes.truncate(k + 1);
            } else {
                // Still inside the partial tail: keep only its length, not its bytes.
                pos = start;
                continue;
            }
            this.end = bytes.len();
            this.buf = bytes;
            this.buf_start = start;
            return Ok(this);
        }
        this.partial_len = boundary;
        this.buf_start = 0;
        Ok(this)
    }

    #[cfg(test)]
    pub(crate) fn buf_capacity(&self) -> usize {
        self.buf.capacity()
    }

    /// Length of the partial line after the boundary's last `\n` (0 if none).
    pub(crate) fn partial_len(&self) -> u64 {
        self.partial_len
    }

    /// Offset just past the last complete line (where reading backward began).
    pub(crate) fn lines_end(&self) -> u64 {
        self.buf_start + self.end as u64
    }

    pub(crate) fn bytes_read(&self) -> u64 {
        self.bytes_read
    }

    /// The next line going backward.
    pub(crate) fn next_line(&mut self) -> io::Result<Option<Line<'_>>> {
        loop {
            if self.end == 0 {
                return Ok(None);
            }
            let line_end = self.end - 1;
            let start = match memrchr(b'\n', &self.buf[..line_end]) {
                Some(k) => Some(k + 1),
                None if self.buf_start == 0 => Some(0),
                None => None,
            };
            if let Some(start) = start {
                self.end = start;
                let len = line_end - start;
                let overlong = len > self.limit;
                let text = &self.buf[start..line_end];
                return Ok(Some(Line {
                    offset: self.buf_start + start as u64,
                    len: len as u64,
                    text: if overlong {
                        &text[..HEAD_BYTES.min(len)]
                    } else {
                        text
                    },
                    overlong,
                }));
            }
            if line_end > self.limit {
                return self.pass_overlong(line_end).map(Some);
            }
            self.read_more()?;
        }
    }

    /// Finds the start of the pending line, already known to be longer than the limit, reading
    /// back chunk by chunk without keeping what lies between; keeps the lines before it.
    fn pass_overlong(&mut self, line_end: usize) -> io::Result<Line<'_>> {
        let end = self.buf_start + line_end as u64;
        let mut pos = self.buf_start;
        self.buf = Vec::new();
        self.end = 0;
        self.buf_start = 0;
        while pos > 0 {
            let start = pos.saturating_sub(self.chunk as u64);
            let mut bytes = self.read_at(start, (pos - start) as usize)?;
            if let Some(k) = memrchr(b'\n', &bytes) {
                bytes.truncate(k + 1);
                self.end = bytes.len();
                self.buf = bytes;
                self.buf_start = start;
                break;
            }
            pos = start;
        }
        let offset = self.lines_end();
        let len = end - offset;
        self.head = self.read_at(offset, HEAD_BYTES.min(len as usize))?;
        Ok(Line {
            offset,
            len,
            text: &self.head,
            overlong: true,
        })
    }

    /// Prepends the chunk before `buf_start`. The chunk grows with the pending line so a very
    /// long line costs linear, not quadratic, copying; the buffer stays under the limit plus
    /// one chunk.
    fn read_more(&mut self) -> io::Result<()> {
        let room = self
            .limit
            .saturating_add(self.chunk)
            .saturating_sub(self.end);
        let want = self.chunk.max(self.end).min(room).max(1) as u64;
        let start = self.buf_start.saturating_sub(want);
        let mut bytes = self.read_at(start, (self.buf_start - start) as usize)?;
        bytes.extend_from_slice(&self.buf[..self.end]);
        self.end = bytes.len();
        self.buf = bytes;
        self.buf_start = start;
        Ok(())
    }

    pub(crate) fn read_at(&mut self, start: u64, len: usize) -> io::Result<Vec<u8>> {
        let mut bytes = vec![0; len];
        self.file.seek(SeekFrom::Start(start))?;
        self.file.read_exact(&mut bytes)?;
        self.bytes_read += len as u64;
        Ok(bytes)
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use std::io::Cursor;

    fn backward(data: &[u8], boundary: u64, chunk: usize, tail: bool) -> (Vec<(u64, String)>, u64) {
        let mut rev =
            ReverseLines::new(Cursor::new(data), boundary, chunk, usize::MAX, tail).unwrap();
        let mut out = Vec::new();
        while let Some(line) = rev.next_line().unwrap() {
            out.push((line.offset, String::from_utf8(line.text.to_vec()).unwrap()));
        }
        (out, rev.partial_len())
    }

    #[test]
    fn reverse_lines_match_forward_split_for_every_chunk_size() {
        let data = b"a\n\nbcd\r\nefghij\n\nk\npartial";
        let mut expected = Vec::new();
        let mut forward = ForwardLines::new(Cursor::new(&data[..]), 0, usize::MAX);
        while let Forward::Line(line) = forward.next_line().unwrap() {
            expected.push((line.offset, String::from_utf8(line.text.to_vec()).unwrap()));
        }
        assert_eq!(expected.len(), 6);
        expected.reverse();
        for chunk in 1..=data.len() + 1 {
            let (lines, partial) = backward(data, data.len() as u64, chunk, false);
            assert_eq!(lines, expected, "chunk {chunk}");
            assert_eq!(partial, 7);
        }
        let (lines, partial) = backward(data, data.len() as u64, 4, true);
        assert_eq!(lines[0], (18, "partial".to_string()));
        assert_eq!(partial, 0);
    }

    #[test]
    fn reverse_lines_stop_at_a_mid_file_boundary() {
        let data = b"one\ntwo\nthree\n";
        let (lines, partial) = backward(data, 6, 2, false);
        assert_eq!(lines, vec![(0, "one".to_string())]);
        assert_eq!(partial, 2);
        let (lines, partial) = backward(data, 0, 2, false);
        assert!(lines.is_empty());
        assert_eq!(partial, 0);
        let (lines, partial) = backward(b"no newline", 10, 3, false);
        assert!(lines.is_empty());
        assert_eq!(partial, 10);
    }

    #[test]
    fn blank_detection() {
        assert!(is_blank(b""));
        assert!(is_blank(b" \t\r"));
        assert!(!is_blank(b" x"));
        assert_eq!(trim_cr(b"{}\r"), b"{}");
    }
}
