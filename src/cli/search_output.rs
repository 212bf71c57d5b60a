//! `search` for a person: hits under the title of their thread, one line each (time, what
//! kind of item, the text around the match), cut to the width. Hits stream as they are found;
//! the store sends each thread's hits together (`ThreadStore::search`), so a thread is headed
//! once. Each batch of hits that have arrived is printed grouped by thread, the thread printed
//! last going on first.

use std::collections::HashMap;
use std::io::Write;

use crate::manager::ThreadManager;
use crate::protocol::ThreadId;
use crate::store::{ReadThreadParams, SearchHit};
use crate::text::single_line;

use super::table::fit;

/// The most hits grouped at once.
pub const MAX_BATCH: usize = 4096;

pub struct HitPrinter {
    width: usize,
    titles: HashMap<ThreadId, String>,
    last_thread: Option<ThreadId>,
}

impl HitPrinter {
    pub fn new(width: usize) -> Self {
        HitPrinter {
            width,
            titles: HashMap::new(),
            last_thread: None,
        }
    }

    /// Prints hits that arrived together, grouped by thread in the order the threads first
    /// appear (the thread printed last first), each thread's hits in their order.
    pub async fn print_batch(
        &mut self,
        manager: &ThreadManager,
        mut batch: Vec<SearchHit>,
        out: &mut dyn Write,
    ) -> std::io::Result<()> {
        let mut order: HashMap<ThreadId, usize> = HashMap::new();
        if let Some(last) = self.last_thread {
            order.insert(last, 0);
        }
        for hit in &batch {
            let next = order.len();
            order.entry(hit.thread_id).or_insert(next);
        }
        batch.sort_by_key(|hit| order[&hit.thread_id]);
        for hit in &batch {
            self.print(manager, hit, out).await?;
        }
        Ok(())
    }

    async fn print(
        &mut self,
        manager: &ThreadManager,
        hit: &SearchHit,
        out: &mut dyn Write,
    ) -> std::io::Result<()> {
        if self.last_thread != Some(hit.thread_id) {
            let title = self.title(manager, hit.thread_id).await;
            if self.last_thread.is_some() {
                writeln!(out)?;
            }
            let archived = if hit.archived { "  (archived)" } else { "" };
            let id = hit.thread_id.to_string();
            let room = self.width.saturating_sub(id.len() + archived.len() + 2);
            writeln!(out, "{}  {id}{archived}", fit(&title, room.max(20)))?;
            self.last_thread = Some(hit.thread_id);
        }
        let time = hit
            .timestamp
            .get(..16)
            .unwrap_or(&hit.timestamp)
            .replace('T', " ");
        let prefix = format!("  {time}  {:<9}  ", kind_label(&hit.kind));
        let room = self.width.saturating_sub(prefix.len()).max(20);
        writeln!(out, "{prefix}{}", fit(&single_line(&hit.snippet), room))
    }

    /// The thread's title, read once per thread; its id when it cannot be read.
    async fn title(&mut self, manager: &ThreadManager, id: ThreadId) -> String {
        if let Some(title) = self.titles.get(&id) {
            return title.clone();
        }
        let params = ReadThreadParams {
            thread_id: id,
            include_archived: true,
            include_history: false,
        };
        let title = match manager.read_thread(params).await {
            Ok(thread) => single_line(thread.title()),
            Err(_) => id.to_string(),
        };
        self.titles.insert(id, title.clone());
        title
    }
}

/// What a record kind (`event_msg:user_message`, `response_item:function_call_output`) is to a
/// reader of the history.
fn kind_label(kind: &str) -> &'static str {
    let has = |part: &str| kind.contains(part);
    if has("user_message") || has("message:user") || has("UserMessage") {
        "user"
    } else if has("agent_message") || has("message:assistant") || has("AgentMessage") {
        "answer"
    } else if has("reasoning") || has("Reasoning") {
        "reasoning"
    } else if has("_output") || has("exec_command_end") || has("CommandExecution") {
        "output"
    } else if has("call") || has("exec_command") || has("patch") || has("FileChange") {
        "call"
    } else {
        "other"
    }
}

#[cfg(test)]
mod tests {
    use super::kind_label;

    #[test]
    fn record_kinds_read_as_history_items() {
        for (kind, label) in [
            ("event_msg:user_message", "user"),
            ("response_item:message:user", "user"),
            ("response_item:message:assistant", "answer"),
            ("event_msg:item_completed:AgentMessage", "answer"),
            ("response_item:reasoning", "reasoning"),
            ("response_item:function_call_output", "output"),
            ("response_item:custom_tool_call", "call"),
            ("response_item:function_call", "call"),
            ("compacted", "other"),
        ] {
            assert_eq!(kind_label(kind), label, "{kind}");
        }
    }
}
