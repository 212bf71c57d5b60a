//! Exports one thread: Markdown a person pastes into an issue, or JSON for scripts.
//!
//! The history is read forward page by page, folded by the history model the TUI draws
//! (`crate::history`, so an export says what the screen says), and each item is written once it
//! can no longer change. Only a bounded window of items is ever held, so a rollout of gigabytes
//! exports in constant memory.
//!
//! Layering: this sits beside `cli` and `tui` (both call it) and reads through the
//! `ThreadManager`; it never imports from `tui`.

mod json;
mod thread_json;

pub use text::write_header as write_text_header;
pub use thread_json::{ThreadJson, thread_json};
mod markdown;
mod text;

use std::io::{self, Write};
use std::path::Path;

use anyhow::Context;
use clap::ValueEnum;

use crate::history::fold::DUPLICATE_LOOKBACK;
use crate::history::{Transcript, TranscriptItem};
use crate::manager::ThreadManager;
use crate::protocol::{RolloutLine, ThreadId};
use crate::redact::Redactor;
use crate::store::{HistoryDirection, HistoryLine, ReadHistoryPageParams, StoredThread};

#[derive(Clone, Copy, Debug, Default, PartialEq, Eq, ValueEnum)]
pub enum ExportFormat {
    #[default]
    Markdown,
    /// One JSON document: `{"thread": {...}, "items": [...]}`, an item a line.
    Json,
    /// Plain text for a terminal, as `show` prints it (not offered by `export`).
    #[value(skip)]
    Text,
}

/// The width `Text` wraps to unless told otherwise.
const TEXT_WIDTH: usize = 100;

/// How many rollout lines are read at a time.
const EXPORT_PAGE: usize = 256;

/// Items kept after each page. An item older than this can no longer change: a message's
/// second copy arrives within `DUPLICATE_LOOKBACK` items, and a call's output right after the
/// call (parallel calls put at most a few dozen items between them).
const WINDOW: usize = 4 * DUPLICATE_LOOKBACK;

/// What an export did, for callers and for tests of its memory bound.
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq)]
pub struct ExportStats {
    pub lines_read: usize,
    pub items_written: usize,
    /// The most items held at once.
    pub max_retained: usize,
}

/// Folds rollout lines and writes each finished item to `out`.
pub struct Exporter<W: Write> {
    format: ExportFormat,
    /// Where `Text` wraps its lines.
    width: usize,
    out: W,
    transcript: Transcript,
    stats: ExportStats,
}

impl<W: Write> Exporter<W> {
    /// Writes the thread's header (title and metadata, or the thread object).
    pub fn start(
        format: ExportFormat,
        thread: &StoredThread,
        live: bool,
        mut out: W,
    ) -> io::Result<Self> {
        match format {
            ExportFormat::Markdown => markdown::write_header(&mut out, thread)?,
            ExportFormat::Json => json::write_header(&mut out, thread, live)?,
            ExportFormat::Text => text::write_header(&mut out, thread)?,
        }
        Ok(Exporter {
            format,
            width: TEXT_WIDTH,
            out,
            transcript: Transcript::new(),
            stats: ExportStats::default(),
        })
    }

    /// The width `Text` wraps to.
    pub fn with_width(self, width: usize) -> Self {
        Exporter { width, ..self }
    }

    /// Folds a page of lines in, then writes the items that are now final.
    pub fn push_page(&mut self, lines: &[HistoryLine]) -> io::Result<()> {
        for line in lines {
            self.transcript.push(line);
        }
        self.stats.lines_read += lines.len();
        self.stats.max_retained = self.stats.max_retained.max(self.retained());
        let finished = self.transcript.drain_oldest(WINDOW);
        self.write_items(&finished)
    }

    /// Items folded but not written yet.
    pub fn retained(&self) -> usize {
        self.transcript.items().len()
    }

    /// Writes what is left and the end of the document.
    pub fn finish(mut self) -> io::Result<(W, ExportStats)> {
        let rest = self.transcript.drain_oldest(0);
        self.write_items(&rest)?;
        match self.format {
            ExportFormat::Markdown | ExportFormat::Text => {}
            ExportFormat::Json => json::write_footer(&mut self.out)?,
        }
        self.out.flush()?;
        Ok((self.out, self.stats))
    }

    fn write_items(&mut self, items: &[TranscriptItem]) -> io::Result<()> {
        for item in items {
            let first = self.stats.items_written == 0;
            match self.format {
                ExportFormat::Markdown => markdown::write_item(&mut self.out, &item.kind)?,
                ExportFormat::Json => json::write_item(&mut self.out, &item.kind, first)?,
                ExportFormat::Text => text::write_item(&mut self.out, &item.kind, self.width)?,
            }
            self.stats.items_written += 1;
        }
        Ok(())
    }
}

/// Exports a thread (active or archived) to `out`, reading its history page by page.
pub async fn export_thread<W: Write>(
    manager: &ThreadManager,
    id: ThreadId,
    format: ExportFormat,
    out: W,
) -> anyhow::Result<(W, ExportStats)> {
    export_thread_with(manager, id, format, out, None).await
}

/// `export_thread`, with secrets replaced as `sync` replaces them when a redactor is given:
/// in each line before it is folded and rendered (a Markdown escape or a fence would split a
/// key where a later pass could no longer find it), and in the header's fields.
pub async fn export_thread_with<W: Write>(
    manager: &ThreadManager,
    id: ThreadId,
    format: ExportFormat,
    out: W,
    redactor: Option<&Redactor>,
) -> anyhow::Result<(W, ExportStats)> {
    let (mut thread, live) = manager.read_thread_now(id).await?;
    if let Some(redactor) = redactor {
        redactor.redact_thread(&mut thread);
    }
    let mut exporter = Exporter::start(format, &thread, live, out)?;
    let mut anchor = None;
    loop {
        let page = manager
            .read_history_page(ReadHistoryPageParams {
                thread_id: id,
                include_archived: true,
                anchor,
                direction: HistoryDirection::Forward,
                limit: EXPORT_PAGE,
                include_raw: redactor.is_some(),
            })
            .await?;
        let mut lines = page.lines;
        if let Some(redactor) = redactor {
            lines
                .iter_mut()
                .for_each(|line| redact_history_line(redactor, line));
        }
        exporter.push_page(&lines)?;
        if page.at_end || lines.is_empty() {
            break;
        }
        anchor = Some(page.end);
    }
    Ok(exporter.finish()?)
}

/// A line with its secrets replaced, decoded again from the redacted text.
fn redact_history_line(redactor: &Redactor, line: &mut HistoryLine) {
    let Some(raw) = line.raw.take() else {
        return;
    };
    if let Some((redacted, _)) = redactor.redact_line(&raw) {
        line.line = RolloutLine::decode(&redacted).map_err(|err| err.to_string());
    }
}

/// Exports a thread to `path` atomically: into a temporary file beside it, renamed into place
/// only when the whole export was written, so a failed export never leaves half a file.
pub async fn export_to_file(
    manager: &ThreadManager,
    id: ThreadId,
    format: ExportFormat,
    path: &Path,
) -> anyhow::Result<ExportStats> {
    export_to_file_with(manager, id, format, path, None).await
}

/// `export_to_file`, redacted when a redactor is given (see `export_thread_with`).
pub async fn export_to_file_with(
    manager: &ThreadManager,
    id: ThreadId,
    format: ExportFormat,
    path: &Path,
    redactor: Option<&Redactor>,
) -> anyhow::Result<ExportStats> {
    let dir = match path.parent() {
        Some(dir) if !dir.as_os_str().is_empty() => dir,
        _ => Path::new("."),
    };
    let mut builder = tempfile::Builder::new();
    builder.prefix(".codex-threads-export-");
    // A temporary file is private (0600); the export is an ordinary file, made as any other
    // program would make it (0666 less the umask).
    #[cfg(unix)]
    builder.permissions(std::os::unix::fs::PermissionsExt::from_mode(0o666));
    // Errors name the path the user gave, never the temporary file beside it.
    let cannot_write = || format!("cannot write {}", path.display());
    let temp = builder
        .tempfile_in(dir)
        .map_err(without_temp_path)
        .with_context(cannot_write)?;
    let (writer, stats) =
        export_thread_with(manager, id, format, io::BufWriter::new(temp), redactor).await?;
    let temp = writer
        .into_inner()
        .map_err(io::IntoInnerError::into_error)
        .with_context(cannot_write)?;
    temp.as_file().sync_all().with_context(cannot_write)?;
    temp.persist(path)
        .map_err(|err| err.error)
        .with_context(cannot_write)?;
    Ok(stats)
}

/// The cause of an IO error alone: `tempfile` wraps the system's error in one whose message
/// ends ` at path "<temporary file>"`, and gives no other way back to the cause.
fn without_temp_path(err: io::Error) -> io::Error {
    let message = err.to_string();
    match message.rsplit_once(" at path ") {
        Some((cause, _)) => io::Error::new(err.kind(), cause.to_string()),
        None => err,
    }
}

/// Where the TUI exports a thread: `<short id>-<slug of the title>.md`.
pub fn file_name(thread: &StoredThread) -> String {
    // Codex ids are UUIDv7: the first 8 hex digits are shared by every thread started in the
    // same minute, the first two groups hold the whole millisecond. Still a prefix that
    // `codex-threads show` resolves.
    let id = thread.thread_id.to_string();
    let short_id = id.get(..13).unwrap_or(&id);
    format!("{short_id}-{}.md", slug(thread.title(), 48))
}

/// Lowercase letters and digits of the text, other runs as one `-`, cut at a word boundary.
fn slug(text: &str, max_chars: usize) -> String {
    let mut slug = String::new();
    for word in text
        .split(|c: char| !c.is_alphanumeric())
        .filter(|word| !word.is_empty())
    {
        let word: String = word.chars().flat_map(char::to_lowercase).collect();
        let extra = usize::from(!slug.is_empty()) + word.chars().count();
        if slug.chars().count() + extra > max_chars {
            if slug.is_empty() {
                slug = word.chars().take(max_chars).collect();
            }
            break;
        }
        if !slug.is_empty() {
            slug.push('-');
        }
        slug.push_str(&word);
    }
    if slug.is_empty() {
        "thread".to_string()
    } else {
        slug
    }
}

/// Rollout text made safe to print: control characters and escape sequences are shown as
/// visible text (see `text::sanitize`), but tabs are kept, unlike on screen, where they are
/// expanded to the next stop.
fn clean(text: &str) -> String {
    text.split('\t')
        .map(|part| crate::text::sanitize(part))
        .collect::<Vec<_>>()
        .join("\t")
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn slugs_keep_words_and_cut_at_a_word_boundary() {
        assert_eq!(
            slug("Fix the flaky `login` test!", 48),
            "fix-the-flaky-login-test"
        );
        assert_eq!(slug("Überprüfe die Größe", 48), "überprüfe-die-größe");
        assert_eq!(slug("one two three", 8), "one-two");
        assert_eq!(slug("supercalifragilistic", 5), "super");
        assert_eq!(slug("../../!!", 48), "thread");
    }

    #[test]
    fn clean_keeps_tabs_and_newlines_and_shows_escapes() {
        assert_eq!(clean("a\tb\r\nc\u{1b}[2J"), "a\tb\nc␛[2J");
    }
}
