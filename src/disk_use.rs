//! `du THREAD`: what a rollout's bytes are. One streamed pass over the (decompressed) lines,
//! in bounded memory whatever the rollout's size: inline images (`data:image/…` URLs, which
//! carry the picture as base64), command output and the part of it that repeats output
//! recorded earlier in the thread (Codex keeps one run's output in several places: the
//! `function_call_output` sent to the model, the `exec_command_end` event, a paginated
//! `CommandExecution` item), the bytes per line kind, and every inline binary kind by where
//! it sits (`inline_binary`).

use std::collections::{HashMap, HashSet};
use std::hash::{Hash, Hasher};
use std::io::{self, Read};
use std::path::Path;

use serde::Serialize;
use serde_json::Value;

mod inline_binary;

use crate::protocol::output_value_text;
use crate::rollout::{MAX_LINE_BYTES, open_rollout};

/// What starts an inline image: a data URL of an image type.
const IMAGE_MARKER: &[u8] = b"data:image/";
/// Output shorter than this is not worth tracking as repeated (`ok`, an empty line).
const MIN_TRACKED_OUTPUT: usize = 64;
const CHUNK: usize = 64 * 1024;

/// Where a rollout's bytes go. Sizes of text are of the decoded strings (close to their
/// escaped size in the file); everything is of the decompressed lines.
#[derive(Clone, Debug, Default, PartialEq, Serialize)]
pub struct DiskUse {
    /// The lines' bytes, newlines included (a `.zst` decompressed).
    pub uncompressed_bytes: u64,
    pub lines: u64,
    /// Bytes of `data:image/…` URLs.
    pub inline_image_bytes: u64,
    pub inline_images: u64,
    /// Bytes of command and tool output, every copy.
    pub command_output_bytes: u64,
    /// The part of `command_output_bytes` that repeats output seen earlier in the thread.
    pub repeated_command_output_bytes: u64,
    /// Lines longer than the 8 MiB a line is parsed up to: counted, and scanned for images.
    pub overlong_lines: u64,
    /// Inline binary (base64 carried as text) by where it sits, largest first: data URLs in
    /// `input_image` items (user messages, local image attachments, tool results),
    /// `image_url` objects, a user message's `images`, other data URLs, generated images and
    /// MCP image, audio and resource content. Found in the lines that parse (not in lines
    /// over the parse limit, whose `data:image/` URLs only the scan above counts).
    pub inline_binary: Vec<BinaryBytes>,
    /// Bytes per line kind (`response_item:message`, `event_msg:exec_command_end`, …),
    /// largest first.
    pub by_kind: Vec<KindBytes>,
}

/// The inline binary of one kind.
#[derive(Clone, Debug, Default, PartialEq, Eq, Serialize)]
pub struct BinaryBytes {
    pub kind: String,
    pub items: u64,
    pub bytes: u64,
}

#[derive(Clone, Debug, PartialEq, Eq, Serialize)]
pub struct KindBytes {
    pub kind: String,
    pub bytes: u64,
    pub lines: u64,
}

/// Reads the rollout at `path` (plain or `.zst`) once, from the start.
pub fn disk_use(path: &Path) -> io::Result<DiskUse> {
    let mut source = open_rollout(path)?;
    let mut weigher = Weigher::default();
    let mut chunk = vec![0u8; CHUNK];
    loop {
        let read = match source.read(&mut chunk) {
            Ok(0) => break,
            Ok(read) => read,
            Err(err) if err.kind() == io::ErrorKind::Interrupted => continue,
            Err(err) => return Err(err),
        };
        weigher.feed(&chunk[..read]);
    }
    Ok(weigher.finish())
}

/// The streaming state: the line being read (up to the parse limit), the image scanner, and
/// the hashes of the output seen so far (16 bytes per distinct output, not the text).
#[derive(Default)]
struct Weigher {
    totals: DiskUse,
    line: Vec<u8>,
    line_len: u64,
    overlong: bool,
    /// How much of `IMAGE_MARKER` the last bytes matched.
    marker_matched: usize,
    /// Inside a data URL: its bytes so far.
    in_image: Option<u64>,
    seen_outputs: HashSet<(u64, usize)>,
    kinds: HashMap<String, (u64, u64)>,
    binary: HashMap<&'static str, (u64, u64)>,
}

impl Weigher {
    fn feed(&mut self, bytes: &[u8]) {
        let mut rest = bytes;
        while !rest.is_empty() {
            let (part, newline) = match memchr::memchr(b'\n', rest) {
                Some(at) => (&rest[..at], true),
                None => (rest, false),
            };
            self.scan_images(part);
            self.line_len += part.len() as u64;
            if !self.overlong {
                if self.line.len() + part.len() > MAX_LINE_BYTES {
                    self.overlong = true;
                    self.line = Vec::new();
                } else {
                    self.line.extend_from_slice(part);
                }
            }
            if newline {
                self.end_line(true);
                rest = &rest[part.len() + 1..];
            } else {
                rest = &[];
            }
        }
    }

    /// Counts the bytes of `data:image/…` URLs; one ends at the JSON string's closing quote
    /// (base64 has neither quotes nor backslashes), or at the end of its line.
    fn scan_images(&mut self, bytes: &[u8]) {
        for &byte in bytes {
            if let Some(len) = self.in_image.as_mut() {
                if byte == b'"' {
                    self.totals.inline_image_bytes += *len;
                    self.in_image = None;
                } else {
                    *len += 1;
                }
                continue;
            }
            // `d` occurs only first in the marker, so a mismatch restarts at it or at nothing.
            if byte == IMAGE_MARKER[self.marker_matched] {
                self.marker_matched += 1;
                if self.marker_matched == IMAGE_MARKER.len() {
                    self.marker_matched = 0;
                    self.totals.inline_images += 1;
                    self.in_image = Some(IMAGE_MARKER.len() as u64);
                }
            } else {
                self.marker_matched = usize::from(byte == IMAGE_MARKER[0]);
            }
        }
    }

    fn end_line(&mut self, with_newline: bool) {
        if let Some(len) = self.in_image.take() {
            self.totals.inline_image_bytes += len;
        }
        self.marker_matched = 0;
        let bytes = self.line_len + u64::from(with_newline);
        let line = std::mem::take(&mut self.line);
        let overlong = std::mem::take(&mut self.overlong);
        self.line_len = 0;
        self.totals.uncompressed_bytes += bytes;
        if !overlong && line.iter().all(u8::is_ascii_whitespace) {
            return; // a blank line: bytes, not a line
        }
        self.totals.lines += 1;
        let kind = if overlong {
            self.totals.overlong_lines += 1;
            "(line over 8 MiB)".to_string()
        } else {
            match serde_json::from_slice::<Value>(&line) {
                Ok(value) => {
                    self.count_outputs(&value);
                    for (kind, bytes) in inline_binary::find(&value) {
                        let entry = self.binary.entry(kind).or_default();
                        entry.0 += 1;
                        entry.1 += bytes;
                    }
                    line_kind(&value)
                }
                Err(_) => "(not JSON)".to_string(),
            }
        };
        let entry = self.kinds.entry(kind).or_default();
        entry.0 += bytes;
        entry.1 += 1;
    }

    fn count_outputs(&mut self, line: &Value) {
        for text in command_outputs(line) {
            let len = text.len();
            self.totals.command_output_bytes += len as u64;
            if len < MIN_TRACKED_OUTPUT {
                continue;
            }
            let mut hasher = std::collections::hash_map::DefaultHasher::new();
            text.hash(&mut hasher);
            if !self.seen_outputs.insert((hasher.finish(), len)) {
                self.totals.repeated_command_output_bytes += len as u64;
            }
        }
    }

    fn finish(mut self) -> DiskUse {
        if self.line_len > 0 {
            self.end_line(false);
        }
        let mut by_kind: Vec<KindBytes> = self
            .kinds
            .into_iter()
            .map(|(kind, (bytes, lines))| KindBytes { kind, bytes, lines })
            .collect();
        by_kind.sort_by(|a, b| b.bytes.cmp(&a.bytes).then(a.kind.cmp(&b.kind)));
        self.totals.by_kind = by_kind;
        let mut binary: Vec<BinaryBytes> = self
            .binary
            .into_iter()
            .map(|(kind, (items, bytes))| BinaryBytes {
                kind: kind.to_string(),
                items,
                bytes,
            })
            .collect();
        binary.sort_by(|a, b| b.bytes.cmp(&a.bytes).then(a.kind.cmp(&b.kind)));
        self.totals.inline_binary = binary;
        self.totals
    }
}

/// `type`, and the payload's `type` when it has one: `response_item:function_call_output`.
fn line_kind(line: &Value) -> String {
    let kind = line.get("type").and_then(Value::as_str).unwrap_or("?");
    match line
        .get("payload")
        .and_then(|payload| payload.get("type"))
        .and_then(Value::as_str)
    {
        Some(inner) => format!("{kind}:{inner}"),
        None => kind.to_string(),
    }
}

/// The command and tool output a line records, each copy Codex keeps.
fn command_outputs(line: &Value) -> Vec<String> {
    let Some(payload) = line.get("payload") else {
        return Vec::new();
    };
    let text = |value: Option<&Value>| value.and_then(Value::as_str).map(str::to_string);
    let kind = line.get("type").and_then(Value::as_str);
    let inner = payload.get("type").and_then(Value::as_str);
    match (kind, inner) {
        (Some("response_item"), Some("function_call_output" | "custom_tool_call_output")) => {
            payload
                .get("output")
                .map(output_value_text)
                .into_iter()
                .collect()
        }
        (Some("event_msg"), Some("exec_command_end")) => {
            ["stdout", "stderr", "aggregated_output", "formatted_output"]
                .into_iter()
                .filter_map(|field| text(payload.get(field)))
                .collect()
        }
        (Some("event_msg"), Some("item_completed")) => {
            let item = payload.get("item");
            let is_command = item
                .and_then(|item| item.get("type"))
                .and_then(Value::as_str)
                == Some("CommandExecution");
            if is_command {
                text(item.and_then(|item| item.get("aggregated_output")))
                    .into_iter()
                    .collect()
            } else {
                Vec::new()
            }
        }
        _ => Vec::new(),
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use serde_json::json;

    fn weigh(text: &str, chunk: usize) -> DiskUse {
        let mut weigher = Weigher::default();
        for part in text.as_bytes().chunks(chunk) {
            weigher.feed(part);
        }
        weigher.finish()
    }

    #[test]
    fn images_and_repeated_output_are_found_across_any_chunking() {
        let image = format!("data:image/png;base64,{}", "QUJD".repeat(1000));
        let output = "line of output\n".repeat(20);
        let lines = [
            json!({"timestamp":"t","type":"response_item","payload":{"type":"message","role":"user","content":[{"type":"input_image","image_url":image}]}}),
            json!({"timestamp":"t","type":"response_item","payload":{"type":"function_call_output","call_id":"c","output":output}}),
            json!({"timestamp":"t","type":"event_msg","payload":{"type":"exec_command_end","call_id":"c","stdout":output,"stderr":"","aggregated_output":output}}),
        ];
        let text: String = lines.iter().map(|line| format!("{line}\n")).collect();
        let expected = weigh(&text, text.len());
        for chunk in [1, 7, 4096] {
            assert_eq!(weigh(&text, chunk), expected, "chunk {chunk}");
        }
        assert_eq!(expected.uncompressed_bytes, text.len() as u64);
        assert_eq!(expected.lines, 3);
        assert_eq!(expected.inline_images, 1);
        assert_eq!(expected.inline_image_bytes, image.len() as u64);
        assert_eq!(expected.command_output_bytes, 3 * output.len() as u64);
        assert_eq!(
            expected.repeated_command_output_bytes,
            2 * output.len() as u64,
            "the first copy is not a repeat"
        );
        assert_eq!(expected.by_kind[0].kind, "response_item:message");
    }

    #[test]
    fn a_line_over_the_limit_is_counted_and_scanned_without_being_kept() {
        let huge = "A".repeat(MAX_LINE_BYTES + 10);
        let text = format!(
            "{{\"type\":\"response_item\",\"payload\":{{\"image_url\":\"data:image/jpeg;base64,{huge}\"}}}}\nnot json\n"
        );
        let used = weigh(&text, CHUNK);
        assert_eq!(used.overlong_lines, 1);
        assert_eq!(used.inline_images, 1);
        assert_eq!(
            used.inline_image_bytes,
            ("data:image/jpeg;base64,".len() + huge.len()) as u64
        );
        assert_eq!(used.lines, 2);
        assert!(used.by_kind.iter().any(|kind| kind.kind == "(not JSON)"));
    }
}
