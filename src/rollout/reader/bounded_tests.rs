//! Reads stay bounded whatever the data: overlong lines, compressed rollouts paged many times,
//! and a last line without a newline.

use std::fs::{self, OpenOptions};
use std::io::Write;
use std::ops::ControlFlow;

use tempfile::TempDir;

use super::*;
use crate::protocol::{OmittedLine, RolloutItem};
use crate::rollout::search::{ByteMatcher, find_matching_lines_with};
use crate::rollout::test_support::{make_quiet, noise, touch, write_zst};

const LIMIT: usize = 1024;

fn small() -> ReadLimits {
    ReadLimits {
        line_bytes: LIMIT,
        page_bytes: 4 * LIMIT,
    }
}

fn message(n: usize, text: &str) -> String {
    format!(
        r#"{{"timestamp":"2026-05-14T09:00:{:02}.000Z","type":"event_msg","payload":{{"type":"agent_message","message":"{n} {text}"}}}}"#,
        n % 60
    )
}

/// Short lines around two overlong ones (one of them in the middle of a page).
fn content_with_overlong_lines() -> (Vec<u8>, Vec<(u64, u64)>) {
    let mut out = Vec::new();
    let mut overlong = Vec::new();
    for n in 0..30 {
        let text = if n == 7 || n == 22 {
            noise(n as u64, 5000 + n * 100)
        } else {
            format!("short {n}")
        };
        let line = message(n, &text);
        if line.len() > LIMIT {
            overlong.push((out.len() as u64, line.len() as u64));
        }
        out.extend_from_slice(line.as_bytes());
        out.push(b'\n');
    }
    (out, overlong)
}

fn omitted(entry: &HistoryEntry) -> Option<&OmittedLine> {
    match &entry.line {
        Ok(RolloutLine {
            item: RolloutItem::Omitted(omitted),
            ..
        }) => Some(omitted),
        _ => None,
    }
}

fn forward_all(pager: &RolloutPager, path: &Path, size: usize) -> Vec<HistoryPage> {
    let mut pages = Vec::new();
    let mut from = LineOffset(0);
    loop {
        let page = pager.read_forward(path, from, size).unwrap();
        from = page.end;
        let done = page.at_end;
        pages.push(page);
        if done || pages.len() > 1000 {
            return pages;
        }
    }
}

fn backward_all(pager: &RolloutPager, path: &Path, size: usize) -> Vec<HistoryPage> {
    let mut pages = Vec::new();
    let mut before = None;
    loop {
        let page = pager.read_backward(path, before, size).unwrap();
        before = Some(page.start);
        let done = page.at_start;
        pages.push(page);
        if done || pages.len() > 1000 {
            return pages;
        }
    }
}

#[test]
fn an_overlong_line_is_a_marker_with_its_size_time_and_kind_both_ways_and_compressed() {
    let (content, overlong) = content_with_overlong_lines();
    let dir = TempDir::new().unwrap();
    let plain = dir.path().join("plain.jsonl");
    let zst = dir.path().join("packed.jsonl.zst");
    touch(&plain, &content);
    write_zst(&zst, &content);
    let pager = RolloutPager::default().with_limits(small());
    for path in [&plain, &zst] {
        for pages in [
            forward_all(&pager, path, 10),
            backward_all(&pager, path, 10),
        ] {
            let mut entries: Vec<&HistoryEntry> = pages.iter().flat_map(|p| &p.entries).collect();
            entries.sort_by_key(|entry| entry.offset);
            assert_eq!(entries.len(), 30, "{}", path.display());
            let markers: Vec<(u64, u64)> = entries
                .iter()
                .filter_map(|entry| omitted(entry).map(|o| (entry.offset.0, o.bytes)))
                .collect();
            assert_eq!(markers, overlong);
            let marker = entries.iter().find_map(|entry| omitted(entry)).unwrap();
            assert_eq!(marker.kind.as_deref(), Some("event_msg"));
            assert_eq!(marker.limit, LIMIT as u64);
            let line = entries[7].line.as_ref().unwrap();
            assert_eq!(line.timestamp, "2026-05-14T09:00:07.000Z");
            assert!(entries[7].raw.is_empty());
            assert_eq!(entries[7].len, overlong[0].1);
            // The lines around it are whole.
            assert!(entries[6].raw.ends_with("short 6\"}}"));
            assert!(entries[8].raw.ends_with("short 8\"}}"));
        }
    }
    assert_eq!(
        OmittedLine {
            kind: None,
            bytes: 200_000_000,
            limit: 8 << 20
        }
        .describe(),
        "line of 200.0 MB not shown: longer than the 8 MiB limit"
    );
}

#[test]
fn pages_stop_at_their_byte_budget_but_always_take_one_line() {
    let dir = TempDir::new().unwrap();
    let path = dir.path().join("long.jsonl");
    // Lines just under the limit: a page of 100 would hold 100 KiB.
    let text: String = (0..40)
        .map(|n| message(n, &noise(n as u64, LIMIT - 120)) + "\n")
        .collect();
    touch(&path, text.as_bytes());
    let limits = ReadLimits {
        line_bytes: LIMIT,
        page_bytes: 2 * LIMIT,
    };
    let pager = RolloutPager::default().with_limits(limits);
    for pages in [
        forward_all(&pager, &path, 100),
        backward_all(&pager, &path, 100),
    ] {
        assert!(pages.len() >= 13, "{} pages", pages.len());
        let total: usize = pages.iter().map(|p| p.entries.len()).sum();
        assert_eq!(total, 40);
        for page in &pages {
            let held: u64 = page.entries.iter().map(|e| e.len).sum();
            assert!(held <= 3 * LIMIT as u64, "a page held {held} bytes");
            assert!(!page.entries.is_empty());
        }
    }
    let tiny = RolloutPager::default().with_limits(ReadLimits {
        line_bytes: LIMIT,
        page_bytes: 1,
    });
    assert_eq!(
        tiny.read_forward(&path, LineOffset(0), 100)
            .unwrap()
            .entries
            .len(),
        1
    );
}

#[test]
fn line_readers_hold_at_most_the_limit_of_a_huge_line() {
    let huge = vec![b'x'; 3 << 20];
    let mut data = b"{\"a\":1}\n".to_vec();
    data.extend_from_slice(&huge);
    data.extend_from_slice(b"\nlast\n");
    let mut forward = ForwardLines::new(
        io::BufReader::with_capacity(CHUNK, io::Cursor::new(&data)),
        0,
        LIMIT,
    );
    let mut seen = Vec::new();
    while let Forward::Line(line) = forward.next_line().unwrap() {
        seen.push((line.offset, line.len, line.overlong, line.text.len()));
    }
    assert_eq!(
        seen,
        vec![
            (0, 7, false, 7),
            (8, 3 << 20, true, crate::rollout::lines::HEAD_BYTES),
            (9 + (3 << 20), 4, false, 4)
        ]
    );
    assert!(
        forward.buf_capacity() <= LIMIT + CHUNK,
        "{}",
        forward.buf_capacity()
    );

    let mut backward = ReverseLines::new(
        io::Cursor::new(&data),
        data.len() as u64,
        CHUNK,
        LIMIT,
        false,
    )
    .unwrap();
    let mut seen_back = Vec::new();
    while let Some(line) = backward.next_line().unwrap() {
        seen_back.push((line.offset, line.len, line.overlong, line.text.len()));
        assert!(backward.buf_capacity() <= LIMIT + 2 * CHUNK);
    }
    seen_back.reverse();
    assert_eq!(seen_back, seen);
}

#[test]
fn forward_pages_of_a_zst_continue_its_decoder_and_backward_pages_read_one_spool() {
    let dir = TempDir::new().unwrap();
    let spool_dir = dir.path().join("spool");
    let path = dir.path().join("rollout.jsonl.zst");
    let text: String = (0..6000)
        .map(|n| message(n, &noise(n as u64, 300)) + "\n")
        .collect();
    write_zst(&path, text.as_bytes());
    let compressed = fs::metadata(&path).unwrap().len();
    let pager = RolloutPager::new(Some(spool_dir.clone()));

    // Forward: each page decompresses only its own part, so the pages read the file once.
    let pages = forward_all(&pager, &path, 100);
    assert_eq!(pages.len(), 60);
    let read: u64 = pages.iter().map(|p| p.bytes_read).sum();
    assert!(
        read <= compressed + 2 * CHUNK as u64,
        "read {read} of {compressed}"
    );
    // A page read from elsewhere (a jump) starts a decoder of its own, and is right.
    let jump = pager.read_forward(&path, pages[30].start, 5).unwrap();
    assert_eq!(jump.entries[0].offset, pages[30].entries[0].offset);

    // Backward: the first page spools the file once; the others read only their part of it.
    let pages = backward_all(&pager, &path, 100);
    assert_eq!(pages.len(), 60);
    assert!(pages[0].bytes_read >= compressed);
    for page in &pages[1..] {
        assert!(
            page.bytes_read < 256 << 10,
            "a page read {}",
            page.bytes_read
        );
    }
    // Forward pages now read the spool.
    let again = pager.read_forward(&path, pages[10].start, 100).unwrap();
    assert!(again.bytes_read < 256 << 10);
    assert_eq!(again.entries.len(), 100);
    // The spool has no name: nothing is left in its directory.
    assert_eq!(fs::read_dir(&spool_dir).unwrap().count(), 0);
    // A new version of the file is not read from the old spool.
    let newer: String = (0..3).map(|n| message(n, "newer") + "\n").collect();
    write_zst(&path, newer.as_bytes());
    let page = pager.read_backward(&path, None, 100).unwrap();
    assert_eq!(page.entries.len(), 3);
}

#[test]
fn a_whole_last_line_without_newline_counts_once_the_file_is_quiet() {
    let dir = TempDir::new().unwrap();
    let path = dir.path().join("died.jsonl");
    let first = message(1, "first");
    let last = message(2, "last words");
    touch(&path, format!("{first}\n{last}").as_bytes());

    // Just written: a live writer may still be adding to it.
    let page = read_forward(&path, LineOffset(0), 10).unwrap();
    assert_eq!(page.entries.len(), 1);
    assert_eq!(page.skipped.partial, 1);
    assert_eq!(read_backward(&path, None, 10).unwrap().entries.len(), 1);

    make_quiet(&path);
    let len = fs::metadata(&path).unwrap().len();
    let page = read_forward(&path, LineOffset(0), 10).unwrap();
    assert_eq!(page.entries.len(), 2);
    assert_eq!(page.entries[1].line, RolloutLine::decode(&last));
    assert_eq!(page.end, LineOffset(len));
    assert_eq!(page.skipped.partial, 0);
    assert!(page.at_end);
    let back = read_backward(&path, None, 10).unwrap();
    assert_eq!(back.entries.len(), 2);
    assert_eq!(back.end, LineOffset(len));
    let just_the_last = read_backward(&path, None, 1).unwrap();
    assert_eq!(just_the_last.entries[0].line, RolloutLine::decode(&last));
    assert_eq!(
        read_backward(&path, Some(just_the_last.start), 1)
            .unwrap()
            .entries[0]
            .line,
        RolloutLine::decode(&first)
    );
    // A page already full leaves it for the next one.
    let one = read_forward(&path, LineOffset(0), 1).unwrap();
    assert!(!one.at_end);
    let next = read_forward(&path, one.end, 1).unwrap();
    assert_eq!(next.entries[0].line, RolloutLine::decode(&last));
    let mut scanned = Vec::new();
    scan_lines(&path, LineOffset(0), &mut |_| true, &mut |offset, _| {
        scanned.push(offset.0);
        ControlFlow::Continue(())
    })
    .unwrap();
    assert_eq!(scanned.len(), 2);
    let matcher = ByteMatcher::new(b"last words", false);
    let mut found = 0;
    find_matching_lines_with(&path, &matcher, LIMIT, &mut |_, _| {
        found += 1;
        ControlFlow::Continue(())
    })
    .unwrap();
    assert_eq!(found, 1);

    // The writer comes back: its newline and a new line follow, each read once.
    let mut file = OpenOptions::new().append(true).open(&path).unwrap();
    file.write_all(format!("\n{}\n", message(3, "after")).as_bytes())
        .unwrap();
    let more = read_forward(&path, page.end, 10).unwrap();
    assert_eq!(more.entries.len(), 1);
    assert_eq!(
        more.entries[0].line,
        RolloutLine::decode(&message(3, "after"))
    );
}

#[test]
fn a_torn_last_line_is_held_back_even_when_quiet() {
    let dir = TempDir::new().unwrap();
    let path = dir.path().join("torn.jsonl");
    let first = message(1, "first");
    let torn = &message(2, "torn")[..40];
    touch(&path, format!("{first}\n{torn}").as_bytes());
    make_quiet(&path);
    let page = read_forward(&path, LineOffset(0), 10).unwrap();
    assert_eq!(page.entries.len(), 1);
    assert_eq!(page.skipped.partial, 1);
    let back = read_backward(&path, None, 10).unwrap();
    assert_eq!(back.entries.len(), 1);
    assert_eq!(back.skipped.partial, 1);
}

#[test]
fn search_and_scans_pass_over_overlong_lines() {
    let (content, overlong) = content_with_overlong_lines();
    let dir = TempDir::new().unwrap();
    let path = dir.path().join("r.jsonl");
    touch(&path, &content);
    // Every line has "message"; the two overlong ones are not searched.
    let matcher = ByteMatcher::new(b"agent_message", false);
    let mut found = Vec::new();
    find_matching_lines_with(&path, &matcher, LIMIT, &mut |offset, _| {
        found.push(offset.0);
        ControlFlow::Continue(())
    })
    .unwrap();
    assert_eq!(found.len(), 28);
    assert!(overlong.iter().all(|(offset, _)| !found.contains(offset)));
    // A 3 MiB line without a newline at the end is passed over too.
    let mut tail = content.clone();
    tail.extend(std::iter::repeat_n(b'y', 3 << 20));
    touch(&path, &tail);
    let mut count = 0;
    find_matching_lines_with(&path, &matcher, LIMIT, &mut |_, _| {
        count += 1;
        ControlFlow::Continue(())
    })
    .unwrap();
    assert_eq!(count, 28);

    let mut visited = 0;
    let end = scan_lines_with(&path, LineOffset(0), small(), &mut |_| true, &mut |_, _| {
        visited += 1;
        ControlFlow::Continue(())
    })
    .unwrap();
    assert_eq!(visited, 28);
    assert_eq!(end.skipped.overlong, 2);
    assert_eq!(end.skipped.partial, 1);
    assert_eq!(end.end, LineOffset(content.len() as u64));
}
