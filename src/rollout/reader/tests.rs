use std::fs::{self, OpenOptions};
use std::io::{BufWriter, Write};
use std::path::PathBuf;

use tempfile::TempDir;

use super::*;
use crate::rollout::test_support::{noise, touch, write_zst};

type Seen = (u64, Result<RolloutLine, DecodeError>);

fn line(n: usize) -> String {
    format!(
        r#"{{"timestamp":"2026-05-14T09:00:00.000Z","type":"event_msg","payload":{{"type":"agent_message","message":"message {n}"}}}}"#
    )
}

/// Valid lines mixed with invalid JSON, a non-rollout object, blank and whitespace lines, a CRLF
/// line and invalid UTF-8, ending in a partial line.
fn mixed_content() -> Vec<u8> {
    let mut out = Vec::new();
    out.extend_from_slice(b"\n");
    for n in 0..12 {
        out.extend_from_slice(line(n).as_bytes());
        out.push(b'\n');
        match n % 4 {
            0 => out.extend_from_slice(b"{not json\n"),
            1 => out.extend_from_slice(b"\n   \n\r\n"),
            2 => out.extend_from_slice(format!("{}\r\n{{\"a\":1}}\n", line(100 + n)).as_bytes()),
            _ => out.extend_from_slice(b"\xff\xfe\n"),
        }
    }
    out.extend_from_slice(b"\n\n");
    out.extend_from_slice(TAIL);
    out
}

const TAIL: &[u8] = br#"{"timestamp":"2026-05-14T09:00:01.000Z","type":"event_m"#;

/// The non-blank complete lines of `content`, decoded, and the number of blank lines.
fn expected(content: &[u8]) -> (Vec<Seen>, u64) {
    let mut seen = Vec::new();
    let mut blanks = 0;
    let mut offset = 0u64;
    for piece in content.split_inclusive(|b| *b == b'\n') {
        if piece.last() == Some(&b'\n') {
            let text = &piece[..piece.len() - 1];
            if is_blank(text) {
                blanks += 1;
            } else {
                let entry = decode_entry(offset, text);
                seen.push((offset, entry.line));
            }
        }
        offset += piece.len() as u64;
    }
    (seen, blanks)
}

fn seen(page: &HistoryPage) -> Vec<Seen> {
    page.entries
        .iter()
        .map(|e| (e.offset.0, e.line.clone()))
        .collect()
}

fn page_forward_all(path: &Path, size: usize) -> Vec<HistoryPage> {
    let mut pages = Vec::new();
    let mut from = LineOffset(0);
    loop {
        let page = read_forward(path, from, size).unwrap();
        assert_eq!(page.start, from);
        assert!(page.entries.len() <= size);
        from = page.end;
        let done = page.at_end;
        pages.push(page);
        if done {
            return pages;
        }
        assert!(pages.len() < 1000, "forward paging does not progress");
    }
}

fn page_backward_all(path: &Path, size: usize) -> Vec<HistoryPage> {
    let mut pages = Vec::new();
    let mut before = None;
    loop {
        let page = read_backward(path, before, size).unwrap();
        if let Some(before) = before {
            assert_eq!(page.end, before);
        }
        assert!(page.entries.len() <= size);
        before = Some(page.start);
        let done = page.at_start;
        pages.push(page);
        if done {
            return pages;
        }
        assert!(pages.len() < 1000, "backward paging does not progress");
    }
}

fn write_both(dir: &TempDir, content: &[u8]) -> (PathBuf, PathBuf) {
    let plain = dir.path().join("plain.jsonl");
    let zst = dir.path().join("packed.jsonl.zst");
    touch(&plain, content);
    write_zst(&zst, content);
    (plain, zst)
}

#[test]
fn paging_both_ways_sees_every_line_once_for_every_page_size() {
    let content = mixed_content();
    let (all, blanks) = expected(&content);
    let tail_start = (content.len() - TAIL.len()) as u64;
    assert_eq!(all.len(), 12 + 3 + 3 + 3 + 3);
    assert!(all.iter().any(|(_, line)| line.is_err()));
    let dir = TempDir::new().unwrap();
    let (plain, zst) = write_both(&dir, &content);

    for size in 1..=7 {
        let forward = page_forward_all(&plain, size);
        let got: Vec<Seen> = forward.iter().flat_map(seen).collect();
        assert_eq!(got, all, "forward, page size {size}");
        assert_eq!(forward.iter().map(|p| p.skipped.blank).sum::<u64>(), blanks);
        assert_eq!(forward.iter().map(|p| p.skipped.partial).sum::<u64>(), 1);
        assert!(forward[0].at_start && forward.iter().skip(1).all(|p| !p.at_start));
        assert_eq!(forward.last().unwrap().end, LineOffset(tail_start));

        let backward = page_backward_all(&plain, size);
        let got: Vec<Seen> = backward.iter().rev().flat_map(seen).collect();
        assert_eq!(got, all, "backward, page size {size}");
        assert_eq!(
            backward.iter().map(|p| p.skipped.blank).sum::<u64>(),
            blanks
        );
        assert_eq!(backward[0].skipped.partial, 1);
        assert_eq!(backward[0].end, LineOffset(tail_start));
        assert!(backward[0].at_end && backward.iter().skip(1).all(|p| !p.at_end));
        assert_eq!(backward.last().unwrap().start, LineOffset(0));
        let invalid: u64 = backward.iter().map(|p| p.skipped.invalid).sum();
        assert_eq!(
            invalid,
            all.iter().filter(|(_, l)| l.is_err()).count() as u64
        );

        // The compressed copy pages identically, cursor for cursor.
        for (plain_pages, zst_pages) in [
            (forward, page_forward_all(&zst, size)),
            (backward, page_backward_all(&zst, size)),
        ] {
            assert_eq!(plain_pages.len(), zst_pages.len());
            for (a, b) in plain_pages.iter().zip(&zst_pages) {
                assert_eq!(seen(a), seen(b), "zst, page size {size}");
                assert_eq!(
                    (a.start, a.end, a.at_start, a.at_end, a.skipped),
                    (b.start, b.end, b.at_start, b.at_end, b.skipped),
                    "zst page shape, page size {size}"
                );
            }
        }
    }
}

#[test]
fn a_partial_last_line_is_held_back_until_completed() {
    let dir = TempDir::new().unwrap();
    let path = dir.path().join("live.jsonl");
    let first = line(1);
    let second = line(2);
    touch(&path, format!("{first}\n{}", &second[..20]).as_bytes());

    let page = read_forward(&path, LineOffset(0), 10).unwrap();
    assert_eq!(page.entries.len(), 1);
    assert_eq!(page.skipped.partial, 1);
    assert!(page.at_end);
    let back = read_backward(&path, None, 10).unwrap();
    assert_eq!(back.entries.len(), 1);
    assert_eq!(back.end, page.end);
    assert_eq!(back.skipped.partial, 1);

    let mut file = OpenOptions::new().append(true).open(&path).unwrap();
    file.write_all(format!("{}\n", &second[20..]).as_bytes())
        .unwrap();
    let next = read_forward(&path, page.end, 10).unwrap();
    assert_eq!(next.entries.len(), 1);
    assert_eq!(next.entries[0].offset, page.end);
    assert_eq!(next.entries[0].line, RolloutLine::decode(&second));
    assert_eq!(next.skipped, SkipCounts::default());
    let back = read_backward(&path, None, 1).unwrap();
    assert_eq!(back.entries[0].line, RolloutLine::decode(&second));
    assert!(!back.at_start);
}

#[test]
fn empty_and_missing_files() {
    let dir = TempDir::new().unwrap();
    let path = dir.path().join("empty.jsonl");
    touch(&path, b"");
    for page in [
        read_forward(&path, LineOffset(0), 5).unwrap(),
        read_backward(&path, None, 5).unwrap(),
    ] {
        assert!(page.entries.is_empty());
        assert!(page.at_start && page.at_end);
        assert_eq!((page.start, page.end), (LineOffset(0), LineOffset(0)));
    }
    assert!(read_head(&path, 3).unwrap().is_empty());
    // A cursor past the end (file replaced by a shorter one) is not a panic.
    let page = read_backward(&path, Some(LineOffset(500)), 5).unwrap();
    assert!(page.entries.is_empty() && page.at_start);
    let page = read_forward(&path, LineOffset(500), 5).unwrap();
    assert!(page.entries.is_empty() && page.at_end);

    let gone = dir.path().join("gone.jsonl");
    let err = read_forward(&gone, LineOffset(0), 5).unwrap_err();
    assert_eq!(err.kind(), io::ErrorKind::NotFound);
    assert!(read_backward(&gone, None, 5).is_err());
}

#[test]
fn backward_read_of_a_large_file_reads_a_bounded_number_of_bytes() {
    let dir = TempDir::new().unwrap();
    let path = dir.path().join("big.jsonl");
    let mut block = Vec::with_capacity(1 << 20);
    let mut n = 0;
    while block.len() < (1 << 20) - 200 {
        block.extend_from_slice(line(n).as_bytes());
        block.push(b'\n');
        n += 1;
    }
    let mut out = BufWriter::with_capacity(1 << 20, fs::File::create(&path).unwrap());
    for _ in 0..64 {
        out.write_all(&block).unwrap();
    }
    out.into_inner().unwrap().sync_all().unwrap();
    let size = fs::metadata(&path).unwrap().len();
    assert!(size > 60 << 20);

    let last = read_backward(&path, None, 50).unwrap();
    assert_eq!(last.entries.len(), 50);
    assert!(last.entries.iter().all(|e| e.line.is_ok()));
    assert!(last.at_end && !last.at_start);
    assert_eq!(last.end, LineOffset(size));
    assert!(last.bytes_read < 1 << 20, "read {} bytes", last.bytes_read);

    let previous = read_backward(&path, Some(last.start), 50).unwrap();
    assert_eq!(previous.end, last.start);
    assert!(!previous.at_end);
    assert!(
        previous.bytes_read < 1 << 20,
        "read {}",
        previous.bytes_read
    );

    let first = read_forward(&path, LineOffset(0), 50).unwrap();
    assert!(first.bytes_read < 1 << 20);
    assert_eq!(read_head(&path, 2).unwrap().len(), 2);
}

#[test]
fn scan_lines_filters_stops_and_resumes() {
    let content = mixed_content();
    let dir = TempDir::new().unwrap();
    let (plain, zst) = write_both(&dir, &content);
    for path in [&plain, &zst] {
        let mut filtered_out = 0;
        let mut visited = Vec::new();
        let end = scan_lines(
            path,
            LineOffset(0),
            &mut |raw| {
                let keep = raw.starts_with(b"{\"timestamp\"");
                filtered_out += u64::from(!keep);
                keep
            },
            &mut |offset, text| {
                assert!(!text.ends_with('\r'));
                visited.push((offset, text.to_string()));
                ControlFlow::Continue(())
            },
        )
        .unwrap();
        assert_eq!(visited.len(), 15);
        assert!(visited.iter().all(|(_, t)| RolloutLine::decode(t).is_ok()));
        assert_eq!(filtered_out, 9);
        assert_eq!(end.skipped.partial, 1);
        assert_eq!(end.end, LineOffset((content.len() - TAIL.len()) as u64));

        // Stop after the third line, then resume where the scan said it ended.
        let mut every = Vec::new();
        scan_lines(path, LineOffset(0), &mut |_| true, &mut |offset, _| {
            every.push(offset);
            ControlFlow::Continue(())
        })
        .unwrap();
        assert_eq!(every.len(), 21); // all non-blank lines except invalid UTF-8
        let mut count = 0;
        let stopped = scan_lines(path, LineOffset(0), &mut |_| true, &mut |_, _| {
            count += 1;
            if count == 3 {
                ControlFlow::Break(())
            } else {
                ControlFlow::Continue(())
            }
        })
        .unwrap();
        assert_eq!(stopped.skipped.partial, 0);
        let mut rest = Vec::new();
        scan_lines(path, stopped.end, &mut |_| true, &mut |offset, _| {
            rest.push(offset);
            ControlFlow::Continue(())
        })
        .unwrap();
        assert_eq!(rest, every[3..]);
    }
}

#[test]
fn read_head_skips_blank_lines_and_keeps_invalid_ones() {
    let dir = TempDir::new().unwrap();
    let path = dir.path().join("head.jsonl");
    touch(
        &path,
        format!("\n\n{}\nnot json\n{}\n{}\n", line(0), line(1), line(2)).as_bytes(),
    );
    let head = read_head(&path, 3).unwrap();
    assert_eq!(head.len(), 3);
    assert_eq!(head[0].offset, LineOffset(2));
    assert!(head[0].line.is_ok());
    assert!(matches!(head[1].line, Err(DecodeError::InvalidJson(_))));
    assert!(head[2].line.is_ok());
}

#[test]
fn a_damaged_zst_pages_as_far_as_readable_then_says_where_it_stopped() {
    let dir = TempDir::new().unwrap();
    let path = dir.path().join("rollout.jsonl.zst");
    let text: String = (0..4000)
        .map(|n| {
            format!(
                r#"{{"timestamp":"2026-05-14T09:00:00.000Z","type":"event_msg","payload":{{"type":"agent_message","message":"{n} {}"}}}}"#,
                noise(n as u64, 200)
            ) + "\n"
        })
        .collect();
    let compressed = zstd::encode_all(text.as_bytes(), 3).unwrap();
    touch(&path, &compressed[..compressed.len() / 2]);

    // Forward: the first page ends where the damage starts, and is not the end.
    let first = read_forward(&path, LineOffset(0), usize::MAX).unwrap();
    let readable = first.entries.len();
    assert!(readable > 100 && readable < 4000, "{readable} lines");
    assert!(first.entries.iter().all(|entry| entry.line.is_ok()));
    assert!(!first.at_end);
    let err = read_forward(&path, first.end, 10).unwrap_err();
    let named = crate::rollout::file_error(&err).expect("names the file");
    assert_eq!(named.path, path);
    let stopped_at = named.stopped_at.unwrap();
    assert!(stopped_at >= first.end.0, "{stopped_at} < {}", first.end.0);
    assert!(err.to_string().contains("reading stopped at byte"), "{err}");

    // Backward from the end: the last readable lines, then reading on reports the damage.
    let last = read_backward(&path, None, 10).unwrap();
    assert_eq!(last.entries.len(), 10);
    assert_eq!(last.end, first.end);
    assert!(!last.at_end);
    assert_eq!(
        last.entries.last().unwrap().offset,
        first.entries.last().unwrap().offset
    );

    // A scan stops with the same error, after visiting the readable lines.
    let mut visited = 0;
    let err = scan_lines(&path, LineOffset(0), &mut |_| true, &mut |_, _| {
        visited += 1;
        ControlFlow::Continue(())
    })
    .unwrap_err();
    assert_eq!(visited, readable);
    assert_eq!(crate::rollout::file_error(&err).unwrap().path, path);
}
