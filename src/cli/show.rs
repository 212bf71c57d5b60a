//! `show`: a thread's metadata and history, as the TUI shows it, as JSON, or one line per
//! rollout line (`--raw`). Read page by page: the whole rollout is never held in memory.

use std::io::Write;

use serde_json::json;

use super::table;
use crate::export::{self, ExportFormat, thread_json};
use crate::manager::ThreadManager;
use crate::protocol::{RolloutItem, ThreadId};
use crate::store::{HistoryDirection, HistoryLine, ReadHistoryPageParams};
use crate::text::{one_line, single_line};

/// `show THREAD [--json | --raw]`.
pub(super) async fn show_thread(
    manager: &ThreadManager,
    thread: &str,
    json: bool,
    raw: bool,
    out: &mut dyn Write,
) -> anyhow::Result<()> {
    let id = manager.resolve_thread(thread).await?;
    if json || raw {
        show(manager, id, json, out).await
    } else {
        show_history(manager, id, table::output_width(), out).await
    }
}

/// How many history lines `show` reads at a time; the whole rollout is never held in memory.
const SHOW_PAGE: usize = 256;

async fn show(
    manager: &ThreadManager,
    id: ThreadId,
    json: bool,
    out: &mut dyn Write,
) -> anyhow::Result<()> {
    let (thread, live) = manager.read_thread_now(id).await?;
    if json {
        let head = serde_json::to_string_pretty(&thread_json(&thread, live))?;
        write!(out, "{{\"thread\":{head},\"items\":[")?;
    } else {
        export::write_text_header(out, &thread)?;
    }
    let mut anchor = None;
    let mut first = true;
    loop {
        let page = match manager
            .read_history_page(ReadHistoryPageParams {
                thread_id: id,
                include_archived: true,
                anchor,
                direction: HistoryDirection::Forward,
                limit: SHOW_PAGE,
                include_raw: json,
            })
            .await
        {
            Ok(page) => page,
            Err(err) => {
                // What was read stays printed; the error (which names the file and where it
                // stopped) ends the command. The JSON document is closed, with the error in it.
                if json {
                    let error = serde_json::to_string(&err.to_string())?;
                    writeln!(out, "\n],\"error\":{error}}}")?;
                }
                return Err(err.into());
            }
        };
        for line in &page.lines {
            if json {
                let separator = if std::mem::take(&mut first) { "" } else { "," };
                write!(out, "{separator}\n{}", history_line_json(line))?;
            } else {
                writeln!(out, "{}", history_line_text(line))?;
            }
        }
        if page.at_end || page.lines.is_empty() {
            break;
        }
        anchor = Some(page.end);
    }
    if json {
        writeln!(out, "\n]}}")?;
    }
    Ok(())
}

/// `show`: the history as the TUI shows it, folded item by item as it is read. Lines read
/// before an error are still printed; the error (naming the file and where) ends the command.
async fn show_history(
    manager: &ThreadManager,
    id: ThreadId,
    width: usize,
    out: &mut dyn Write,
) -> anyhow::Result<()> {
    let (thread, live) = manager.read_thread_now(id).await?;
    let mut exporter =
        export::Exporter::start(ExportFormat::Text, &thread, live, out)?.with_width(width);
    let mut anchor = None;
    loop {
        let page = manager
            .read_history_page(ReadHistoryPageParams {
                thread_id: id,
                include_archived: true,
                anchor,
                direction: HistoryDirection::Forward,
                limit: SHOW_PAGE,
                include_raw: false,
            })
            .await;
        let page = match page {
            Ok(page) => page,
            Err(err) => {
                exporter.finish()?;
                return Err(err.into());
            }
        };
        exporter.push_page(&page.lines)?;
        if page.at_end || page.lines.is_empty() {
            break;
        }
        anchor = Some(page.end);
    }
    exporter.finish()?;
    Ok(())
}

/// A rollout line exactly as stored; a line that is not valid JSON is reported instead, and
/// one too long to read is reported with its size.
fn history_line_json(line: &HistoryLine) -> String {
    match (&line.line, &line.raw) {
        (Ok(decoded), _) if let RolloutItem::Omitted(omitted) = &decoded.item => json!({
            "omitted_line": {
                "timestamp": decoded.timestamp,
                "type": omitted.kind,
                "bytes": omitted.bytes,
                "limit": omitted.limit,
                "note": omitted.describe(),
            }
        })
        .to_string(),
        (Ok(_), Some(raw)) => raw.clone(),
        (Ok(decoded), None) => decoded.encode(),
        (Err(error), _) => json!({ "invalid_line": error }).to_string(),
    }
}

/// One line per history item: its time, kind and a short text.
fn history_line_text(line: &HistoryLine) -> String {
    let (time, kind, text) = match &line.line {
        Ok(decoded) => {
            let time = decoded.timestamp.get(11..19).unwrap_or("").to_string();
            (
                time,
                crate::text::item_kind(&decoded.item),
                crate::text::item_text(&decoded.item),
            )
        }
        Err(error) => (String::new(), "invalid".to_string(), error.clone()),
    };
    format!(
        "{time:>8}  {kind:<36}  {}",
        single_line(&one_line(&text, 160))
    )
}
