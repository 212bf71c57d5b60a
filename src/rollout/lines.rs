//! Splitting byte streams into `\n`-terminated lines, forward or backward, with byte offsets.

use std::io::{self, BufRead, Read, Seek, SeekFrom};

use memchr::memrchr;

/// Whitespace-only lines carry nothing; Codex skips them.
pub(crate) fn is_blank(line: &[u8]) -> bool {
    line.iter().all(u8::is_ascii_whitespace)
}

/// The line without the `\r` of a CRLF ending.
pub(crate) fn trim_cr(line: &[u8]) -> &[u8] {
    line.strip_suffix(b"\r").unwrap_or(line)
}

pub(crate) enum Forward<'a> {
    /// A complete line starting at `offset`; `text` excludes the `\n`.
    Line {
        offset: u64,
        text: &'a [u8],
    },
    /// Bytes without a final `\n` (a writer mid-line, or a crash): not a line yet.
    Partial,
    Eof,
}

/// Forward line reader over a buffered stream positioned at `offset`.
pub(crate) struct ForwardLines<R> {
    reader: R,
    offset: u64,
    buf: Vec<u8>,
}

impl<R: BufRead> ForwardLines<R> {
    pub(crate) fn new(reader: R, offset: u64) -> Self {
        ForwardLines {
            reader,
            offset,
            buf: Vec::new(),
        }
    }

    pub(crate) fn next_line(&mut self) -> io::Result<Forward<'_>> {
        self.buf.clear();
        let n = self.reader.read_until(b'\n', &mut self.buf)?;
        if n == 0 {
            return Ok(Forward::Eof);
        }
        if self.buf.last() != Some(&b'\n') {
            return Ok(Forward::Partial);
        }
        let offset = self.offset;
        self.offset += n as u64;
        Ok(Forward::Line {
            offset,
            text: &self.buf[..n - 1],
        })
    }

    /// True if a complete non-blank line follows (blank lines before it are consumed).
    pub(crate) fn has_more_content(&mut self) -> io::Result<bool> {
        loop {
            match self.next_line()? {
                Forward::Line { text, .. } if is_blank(text) => continue,
                Forward::Line { .. } => return Ok(true),
                Forward::Partial | Forward::Eof => return Ok(false),
            }
        }
    }
}

/// Backward line reader: yields the complete lines that end at or before a boundary, newest
/// first, reading the file in chunks from the end. Memory stays at one chunk plus one line.
pub(crate) struct ReverseLines<R> {
    file: R,
    chunk: usize,
    /// Bytes of the file from `buf_start`; `buf[..end]` is not yet yielded and ends with `\n`.
    buf: Vec<u8>,
    buf_start: u64,
    end: usize,
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
        include_tail: bool,
    ) -> io::Result<Self> {
        let mut this = ReverseLines {
            file,
            chunk: chunk.max(1),
            buf: Vec::new(),
            buf_start: boundary,
            end: 0,
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

    /// The next line going backward: its offset and text without the `\n`.
    pub(crate) fn next_line(&mut self) -> io::Result<Option<(u64, &[u8])>> {
        loop {
            if self.end == 0 {
                return Ok(None);
            }
            let line_end = self.end - 1;
            if let Some(k) = memrchr(b'\n', &self.buf[..line_end]) {
                self.end = k + 1;
                return Ok(Some((
                    self.buf_start + k as u64 + 1,
                    &self.buf[k + 1..line_end],
                )));
            }
            if self.buf_start == 0 {
                self.end = 0;
                return Ok(Some((0, &self.buf[..line_end])));
            }
            self.read_more()?;
        }
    }

    /// Prepends the chunk before `buf_start`. The chunk grows with the pending line so a very
    /// long line costs linear, not quadratic, copying.
    fn read_more(&mut self) -> io::Result<()> {
        let want = self.chunk.max(self.end) as u64;
        let start = self.buf_start.saturating_sub(want);
        let mut bytes = self.read_at(start, (self.buf_start - start) as usize)?;
        bytes.extend_from_slice(&self.buf[..self.end]);
        self.end = bytes.len();
        self.buf = bytes;
        self.buf_start = start;
        Ok(())
    }

    fn read_at(&mut self, start: u64, len: usize) -> io::Result<Vec<u8>> {
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
        let mut rev = ReverseLines::new(Cursor::new(data), boundary, chunk, tail).unwrap();
        let mut out = Vec::new();
        while let Some((offset, text)) = rev.next_line().unwrap() {
            out.push((offset, String::from_utf8(text.to_vec()).unwrap()));
        }
        (out, rev.partial_len())
    }

    #[test]
    fn reverse_lines_match_forward_split_for_every_chunk_size() {
        let data = b"a\n\nbcd\r\nefghij\n\nk\npartial";
        let mut expected = Vec::new();
        let mut forward = ForwardLines::new(Cursor::new(&data[..]), 0);
        while let Forward::Line { offset, text } = forward.next_line().unwrap() {
            expected.push((offset, String::from_utf8(text.to_vec()).unwrap()));
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
