//! Finding the lines of a rollout that contain some bytes, at the speed of a plain byte
//! search: the file is read in large blocks and only lines around a match are looked at.

use std::io::{self, Read};
use std::ops::ControlFlow;
use std::path::Path;

use memchr::{memchr, memmem, memrchr};

use super::reader::LineOffset;
use super::reader::{MAX_LINE_BYTES, is_whole_tail_text as is_whole_tail};
use super::source::open_rollout;

/// How much is read at a time. Large blocks keep the search in its fast loop.
const BLOCK: usize = 1 << 20;

/// What to look for in the raw bytes of a line.
pub struct ByteMatcher {
    finder: memmem::Finder<'static>,
    /// Match ASCII letters in any case (the needle is then lowercase).
    ignore_ascii_case: bool,
}

impl ByteMatcher {
    pub fn new(needle: &[u8], ignore_ascii_case: bool) -> Self {
        let needle = if ignore_ascii_case {
            needle.to_ascii_lowercase()
        } else {
            needle.to_vec()
        };
        ByteMatcher {
            finder: memmem::Finder::new(&needle).into_owned(),
            ignore_ascii_case,
        }
    }

    /// The bytes to search: the block itself, or its lowercase copy.
    fn haystack<'a>(&self, block: &'a [u8], lowered: &'a mut Vec<u8>) -> &'a [u8] {
        if self.ignore_ascii_case {
            lowered.clear();
            lowered.extend(block.iter().map(u8::to_ascii_lowercase));
            lowered
        } else {
            block
        }
    }
}

/// Calls `visit` with every complete line containing a match, in file order, with its offset.
/// A final line without `\n` is not a line yet (unless it is a quiet whole line, see
/// `reader`). Lines longer than `MAX_LINE_BYTES` are not searched: they stream past without
/// being held. Returns the bytes read from disk.
pub fn find_matching_lines(
    path: &Path,
    matcher: &ByteMatcher,
    visit: &mut dyn FnMut(LineOffset, &[u8]) -> ControlFlow<()>,
) -> io::Result<u64> {
    find_matching_lines_with(path, matcher, MAX_LINE_BYTES, visit)
}

pub(crate) fn find_matching_lines_with(
    path: &Path,
    matcher: &ByteMatcher,
    line_limit: usize,
    visit: &mut dyn FnMut(LineOffset, &[u8]) -> ControlFlow<()>,
) -> io::Result<u64> {
    SEARCH_BUFFER.with_borrow_mut(|buffer| {
        let found = search_with_buffer(path, matcher, buffer, line_limit, visit);
        // A long line grew the buffer: give that back, keep the usual size.
        if buffer.len() > BLOCK * 2 {
            buffer.truncate(BLOCK * 2);
            buffer.shrink_to_fit();
        }
        found
    })
}

thread_local! {
    /// One read buffer per searching thread, kept across files: allocating and zeroing a
    /// fresh one per rollout cost more than searching the many small ones.
    static SEARCH_BUFFER: std::cell::RefCell<Vec<u8>> = const { std::cell::RefCell::new(Vec::new()) };
}

fn search_with_buffer(
    path: &Path,
    matcher: &ByteMatcher,
    buffer: &mut Vec<u8>,
    line_limit: usize,
    visit: &mut dyn FnMut(LineOffset, &[u8]) -> ControlFlow<()>,
) -> io::Result<u64> {
    let mut source = open_rollout(path)?;
    let modified = source.modified();
    // `len` bytes of the buffer hold data. It grows only for a line longer than a block, up
    // to the line limit and a block.
    if buffer.len() < BLOCK * 2 {
        buffer.resize(BLOCK * 2, 0);
    }
    let mut len = 0;
    let mut lowered = Vec::new();
    // Offset in the stream of buffer[0].
    let mut base: u64 = 0;
    // Inside a line over the limit: its bytes are dropped up to its newline.
    let mut passing_over = false;
    loop {
        if len == buffer.len() {
            let grown = (buffer.len() * 2).min(line_limit.saturating_add(BLOCK));
            buffer.resize(grown.max(len + 1), 0);
        }
        let read = source.read(&mut buffer[len..])?;
        len += read;
        let at_eof = read == 0;
        if passing_over {
            match memchr(b'\n', &buffer[..len]) {
                Some(newline) => {
                    buffer.copy_within(newline + 1..len, 0);
                    len -= newline + 1;
                    base += newline as u64 + 1;
                    passing_over = false;
                }
                None if at_eof => return Ok(source.bytes_read()),
                None => {
                    base += len as u64;
                    len = 0;
                    continue;
                }
            }
        }
        // Only complete lines are searched; the rest waits for the next block.
        let complete = match memrchr(b'\n', &buffer[..len]) {
            Some(last_newline) => last_newline + 1,
            // A quiet whole line at the end counts.
            None if at_eof && is_whole_tail(&buffer[..len], modified) => len,
            None if at_eof => 0,
            None if len > line_limit => {
                passing_over = true;
                base += len as u64;
                len = 0;
                continue;
            }
            None => continue,
        };
        let complete =
            if at_eof && complete < len && is_whole_tail(&buffer[complete..len], modified) {
                len
            } else {
                complete
            };
        let haystack = matcher.haystack(&buffer[..complete], &mut lowered);
        let mut start = 0;
        while start < complete {
            let Some(found) = matcher.finder.find(&haystack[start..]) else {
                break;
            };
            let at = start + found;
            let line_start = memrchr(b'\n', &buffer[..at]).map_or(0, |i| i + 1);
            let line_end = at + memchr(b'\n', &buffer[at..complete]).unwrap_or(complete - at);
            let line = &buffer[line_start..line_end];
            let line = line.strip_suffix(b"\r").unwrap_or(line);
            if line.len() <= line_limit
                && visit(LineOffset(base + line_start as u64), line).is_break()
            {
                return Ok(source.bytes_read());
            }
            start = line_end + 1;
        }
        if at_eof {
            return Ok(source.bytes_read());
        }
        buffer.copy_within(complete..len, 0);
        len -= complete;
        base += complete as u64;
        if len > line_limit {
            passing_over = true;
            base += len as u64;
            len = 0;
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn matches(text: &str, needle: &str, ignore_case: bool) -> Vec<(u64, String)> {
        let dir = tempfile::TempDir::new().unwrap();
        let path = dir.path().join("r.jsonl");
        std::fs::write(&path, text).unwrap();
        let mut found = Vec::new();
        let matcher = ByteMatcher::new(needle.as_bytes(), ignore_case);
        find_matching_lines(&path, &matcher, &mut |offset, line| {
            found.push((offset.0, String::from_utf8_lossy(line).into_owned()));
            ControlFlow::Continue(())
        })
        .unwrap();
        found
    }

    #[test]
    fn each_matching_line_once_with_its_offset() {
        let text = "alpha beta\ngamma\nbeta beta\r\nbet\npartial beta";
        assert_eq!(
            matches(text, "beta", false),
            vec![(0, "alpha beta".to_string()), (17, "beta beta".to_string())]
        );
        assert_eq!(
            matches(text, "GAMMA", true),
            vec![(11, "gamma".to_string())]
        );
        assert!(matches(text, "GAMMA", false).is_empty());
    }

    #[test]
    fn lines_spanning_blocks_are_found_whole() {
        let long = "x".repeat(BLOCK + 10);
        let text = format!("{long}\nneedle in {long}\nend\n");
        let found = matches(&text, "needle", false);
        assert_eq!(found.len(), 1);
        assert_eq!(found[0].0, long.len() as u64 + 1);
        assert_eq!(found[0].1.len(), "needle in ".len() + long.len());
    }
}
