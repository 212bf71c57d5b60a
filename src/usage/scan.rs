//! Reading a rollout's usage lines in one streaming pass that decodes only the lines that can
//! matter, continuing where the last pass stopped.

use std::ops::ControlFlow;
use std::path::Path;

use memchr::memmem;

use super::count::ThreadUsage;
use crate::protocol::RolloutLine;
use crate::rollout::{LineOffset, file_error, scan_lines};

/// The line kinds counting reads; each sits in the first bytes of its line.
const USAGE_KINDS: [&str; 4] = [
    "\"session_meta\"",
    "\"turn_context\"",
    "\"token_count\"",
    "\"token_usage_record\"",
];

/// How far into a line its kind is looked for.
const KIND_WINDOW: usize = 160;

impl ThreadUsage {
    /// Counts what was appended since the last pass (or the whole file the first time). A
    /// read that fails part way keeps what the lines before said, and says why in `damaged`.
    pub fn update_from(&mut self, path: &Path) -> std::io::Result<()> {
        let finders: Vec<memmem::Finder<'static>> = USAGE_KINDS
            .iter()
            .map(|kind| memmem::Finder::new(kind.as_bytes()))
            .collect();
        let mut filter = |line: &[u8]| {
            let window = &line[..line.len().min(KIND_WINDOW)];
            finders.iter().any(|finder| finder.find(window).is_some())
        };
        let mut lines_seen = false;
        let start = LineOffset(self.scanned_to);
        let mut visit = |_: LineOffset, text: &str| {
            lines_seen = true;
            if let Ok(line) = RolloutLine::decode(text) {
                self.observe_line(&line);
            }
            ControlFlow::Continue(())
        };
        let scanned = scan_lines(path, start, &mut filter, &mut visit);
        match scanned {
            Ok(end) => {
                self.scanned_to = end.end.0;
                Ok(())
            }
            Err(err) => {
                let stopped = file_error(&err).filter(|error| error.stopped_at.is_some());
                match stopped {
                    Some(error) if lines_seen || start.0 > 0 => {
                        self.damaged = Some(error.reason());
                        Ok(())
                    }
                    _ => Err(err),
                }
            }
        }
    }
}
