//! Property tests (fuzzing) of the line decoder and the line and page readers: random bytes
//! with random newlines, carriage returns, invalid UTF-8, JSON fragments, long lines and
//! truncated tails. Readers must never panic, and must hand out every complete line exactly
//! once, as a plain split on `\n` does. `PROPTEST_CASES=N` runs more cases than the default.

use std::io::{BufReader, Cursor};

use proptest::prelude::*;
use tempfile::TempDir;

use super::*;
use crate::protocol::EnvelopeHead;
use crate::rollout::lines::HEAD_BYTES;
use crate::rollout::test_support::{make_quiet, touch, write_zst};

fn config() -> ProptestConfig {
    let cases = std::env::var("PROPTEST_CASES")
        .ok()
        .and_then(|cases| cases.parse().ok())
        .unwrap_or(48);
    ProptestConfig {
        cases,
        failure_persistence: None,
        ..ProptestConfig::default()
    }
}

const VALID: &str = r#"{"timestamp":"2026-05-14T09:00:00.000Z","type":"event_msg","payload":{"type":"agent_message","message":"hi"}}"#;

/// Pieces that rollouts (and broken rollouts) are made of.
fn piece() -> impl Strategy<Value = Vec<u8>> {
    prop_oneof![
        3 => Just(b"\n".to_vec()),
        1 => Just(b"\r\n".to_vec()),
        1 => Just(b"  \t".to_vec()),
        1 => Just(vec![0xff, 0xfe]),
        1 => Just("é€".as_bytes().to_vec()),
        3 => Just(VALID.as_bytes().to_vec()),
        1 => Just(br#"{"type":"x","payload":"#.to_vec()),
        2 => proptest::collection::vec(any::<u8>(), 0..40),
        1 => (1usize..300).prop_map(|n| vec![b'x'; n]),
    ]
}

fn content() -> impl Strategy<Value = Vec<u8>> {
    proptest::collection::vec(piece(), 0..40).prop_map(|pieces| pieces.concat())
}

/// Every complete line (`offset`, `len`) of `data`, blank ones included, and the tail after
/// the last `\n`.
fn reference(data: &[u8]) -> (Vec<(u64, u64)>, &[u8]) {
    let mut lines = Vec::new();
    let mut offset = 0u64;
    let mut rest = data;
    while let Some(at) = memchr::memchr(b'\n', rest) {
        lines.push((offset, at as u64));
        offset += at as u64 + 1;
        rest = &rest[at + 1..];
    }
    (lines, rest)
}

fn check_line(data: &[u8], line: &Line, limit: usize) {
    let whole = &data[line.offset as usize..(line.offset + line.len) as usize];
    assert_eq!(line.overlong, line.len > limit as u64);
    if line.overlong {
        assert_eq!(line.text, &whole[..whole.len().min(HEAD_BYTES)]);
    } else {
        assert_eq!(line.text, whole);
    }
}

/// The offsets of the entries a pager should return, given whether the tail counts.
fn expected_entries(data: &[u8], limit: usize, quiet: bool) -> Vec<u64> {
    let (lines, tail) = reference(data);
    let mut offsets: Vec<u64> = lines
        .iter()
        .filter(|(offset, len)| {
            let text = &data[*offset as usize..(*offset + *len) as usize];
            *len > limit as u64 || !is_blank(text)
        })
        .map(|(offset, _)| *offset)
        .collect();
    let tail_offset = (data.len() - tail.len()) as u64;
    let tail_line = Line {
        offset: tail_offset,
        len: tail.len() as u64,
        text: tail,
        overlong: tail.len() > limit,
    };
    if !tail.is_empty() && is_whole_tail(&tail_line, quiet) {
        offsets.push(tail_offset);
    }
    offsets
}

proptest! {
    #![proptest_config(config())]

    #[test]
    fn the_line_decoder_never_panics(bytes in proptest::collection::vec(any::<u8>(), 0..300),
                                     text in "\\PC{0,200}") {
        let lossy = String::from_utf8_lossy(&bytes);
        let _ = RolloutLine::decode(&lossy);
        let _ = RolloutLine::decode(&text);
        let _ = EnvelopeHead::parse(&lossy);
        let _ = EnvelopeHead::parse(&text);
        let omitted = RolloutLine::omitted(&bytes, 1 << 30, 1 << 23);
        prop_assert!(matches!(omitted.item, crate::protocol::RolloutItem::Omitted(_)));
        // A line Codex wrote, cut anywhere, never panics either.
        let mut cut = VALID.len().min(bytes.len());
        while !VALID.is_char_boundary(cut) { cut -= 1; }
        let _ = RolloutLine::decode(&VALID[..cut]);
        let _ = RolloutLine::omitted(&VALID.as_bytes()[..cut], 9, 1);
    }

    #[test]
    fn line_readers_split_like_a_plain_split(data in content(),
                                             chunk in 1usize..40,
                                             limit in 1usize..120) {
        let (lines, tail) = reference(&data);
        let mut forward = ForwardLines::new(
            BufReader::with_capacity(chunk, Cursor::new(&data)), 0, limit);
        let mut seen = Vec::new();
        loop {
            match forward.next_line().unwrap() {
                Forward::Line(line) => {
                    check_line(&data, &line, limit);
                    seen.push((line.offset, line.len));
                }
                Forward::Partial(line) => {
                    prop_assert_eq!(line.len, tail.len() as u64);
                    prop_assert!(!tail.is_empty());
                    break;
                }
                Forward::Eof => {
                    prop_assert!(tail.is_empty());
                    break;
                }
            }
        }
        prop_assert_eq!(&seen, &lines);

        let mut backward = ReverseLines::new(
            Cursor::new(&data), data.len() as u64, chunk, limit, false).unwrap();
        prop_assert_eq!(backward.partial_len(), tail.len() as u64);
        let mut seen_back = Vec::new();
        while let Some(line) = backward.next_line().unwrap() {
            check_line(&data, &line, limit);
            seen_back.push((line.offset, line.len));
        }
        seen_back.reverse();
        prop_assert_eq!(&seen_back, &lines);
    }

    #[test]
    fn pages_cover_every_line_once_both_ways(data in content(),
                                             page in 1usize..6,
                                             limit in 8usize..200,
                                             page_bytes in 1usize..400,
                                             quiet in any::<bool>(),
                                             compressed in any::<bool>()) {
        let dir = TempDir::new().unwrap();
        let path = if compressed {
            let path = dir.path().join("r.jsonl.zst");
            write_zst(&path, &data);
            path
        } else {
            let path = dir.path().join("r.jsonl");
            touch(&path, &data);
            path
        };
        // A compressed rollout is never being written: its tail is always quiet.
        let quiet = quiet || compressed;
        if quiet {
            make_quiet(&path);
        }
        let expected = expected_entries(&data, limit, quiet);
        let pager = RolloutPager::default().with_limits(ReadLimits { line_bytes: limit, page_bytes });

        let mut forward = Vec::new();
        let mut from = LineOffset(0);
        for _ in 0..=data.len() + 1 {
            let got = pager.read_forward(&path, from, page).unwrap();
            prop_assert_eq!(got.start, from);
            prop_assert!(got.entries.len() <= page);
            prop_assert!(got.end >= from);
            forward.extend(got.entries.iter().map(|entry| entry.offset.0));
            from = got.end;
            if got.at_end {
                break;
            }
            prop_assert!(!got.entries.is_empty(), "a page that is not the end has lines");
        }
        prop_assert_eq!(&forward, &expected);

        let mut backward = Vec::new();
        let mut before = None;
        for _ in 0..=data.len() + 1 {
            let got = pager.read_backward(&path, before, page).unwrap();
            if let Some(before) = before {
                prop_assert_eq!(got.end, before);
            }
            prop_assert!(got.entries.len() <= page);
            backward.splice(0..0, got.entries.iter().map(|entry| entry.offset.0));
            before = Some(got.start);
            if got.at_start {
                break;
            }
        }
        prop_assert_eq!(&backward, &expected);
    }
}
