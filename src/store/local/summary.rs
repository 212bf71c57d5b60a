//! What a rollout says about its thread, gathered in one streaming pass that decodes only the
//! lines that can matter, and that can continue where it stopped when the file grows.

use std::ops::ControlFlow;
use std::path::Path;

use memchr::memmem;
use serde::{Deserialize, Serialize};

use crate::protocol::text::{user_message_preview, user_message_title};
use crate::protocol::{
    EventMsg, GitInfo, RolloutItem, RolloutLine, SessionMeta, ThreadMemoryMode, TokenUsage,
};
use crate::rollout::{LineOffset, scan_lines};

/// The line kinds (envelope `type` or event `type`) a summary reads. All of them sit in the
/// first bytes of a line, before the payload's content.
const SUMMARY_KINDS: [&str; 6] = [
    "\"session_meta\"",
    "\"turn_context\"",
    "\"user_message\"",
    "\"token_count\"",
    "\"thread_goal_updated\"",
    "\"thread_name_updated\"",
];

/// How far into a line its kinds are looked for.
const KIND_WINDOW: usize = 160;

#[derive(Clone, Debug, Default, PartialEq, Serialize, Deserialize)]
pub struct RolloutSummary {
    /// The thread's own first `session_meta` (fork copies of other threads are ignored).
    pub meta: Option<SessionMeta>,
    pub preview: Option<String>,
    pub first_user_message: Option<String>,
    pub title: Option<String>,
    /// cwd from the first turn context, for rollouts whose meta has none.
    pub context_cwd: Option<String>,
    pub model: Option<String>,
    pub reasoning_effort: Option<String>,
    pub token_usage: Option<TokenUsage>,
    /// From the last own `session_meta` copy that states a mode.
    pub memory_mode: Option<ThreadMemoryMode>,
    /// From the last own `session_meta` that carries git facts.
    pub git: Option<GitInfo>,
    /// From the last legacy `thread_name_updated` event (before 2026-05-05); `Some("")` clears.
    pub legacy_name: Option<String>,
    /// Just past the last complete line read; a later pass continues here.
    pub scanned_to: u64,
    /// Bytes read from disk by the passes so far.
    #[serde(skip)]
    pub bytes_read: u64,
}

impl RolloutSummary {
    /// Reads what was appended since the last pass (or the whole file the first time).
    pub fn update_from(&mut self, path: &Path) -> std::io::Result<()> {
        let finders: Vec<memmem::Finder<'static>> = SUMMARY_KINDS
            .iter()
            .map(|kind| memmem::Finder::new(kind.as_bytes()))
            .collect();
        let start = LineOffset(self.scanned_to);
        // The first line is read whatever it is: pre-envelope headers carry no `type`.
        let mut first_line = start.0 == 0;
        let mut filter = |line: &[u8]| {
            let window = &line[..line.len().min(KIND_WINDOW)];
            std::mem::take(&mut first_line)
                || finders.iter().any(|finder| finder.find(window).is_some())
        };
        let mut visit = |_: LineOffset, text: &str| {
            if let Ok(line) = RolloutLine::decode(text) {
                self.observe(&line.item);
            }
            ControlFlow::Continue(())
        };
        let end = scan_lines(path, start, &mut filter, &mut visit)?;
        self.scanned_to = end.end.0;
        self.bytes_read += end.bytes_read;
        Ok(())
    }

    pub fn observe(&mut self, item: &RolloutItem) {
        match item {
            RolloutItem::SessionMeta(meta) => self.observe_meta(meta),
            RolloutItem::TurnContext(context) => {
                if self.context_cwd.is_none() && !context.cwd.is_empty() {
                    self.context_cwd = Some(context.cwd.clone());
                }
                if !context.model.is_empty() {
                    self.model = Some(context.model.clone());
                }
                if context.effort.is_some() {
                    self.reasoning_effort.clone_from(&context.effort);
                }
            }
            RolloutItem::EventMsg(EventMsg::UserMessage(message)) => {
                if self.first_user_message.is_none() {
                    self.first_user_message = user_message_preview(message);
                }
                if self.preview.is_none() {
                    self.preview = user_message_preview(message);
                }
                if self.title.is_none() {
                    self.title = user_message_title(message);
                }
            }
            RolloutItem::EventMsg(EventMsg::ThreadGoalUpdated(goal)) => {
                let objective = goal.goal.objective.trim();
                if self.preview.is_none() && !objective.is_empty() {
                    self.preview = Some(objective.to_string());
                }
            }
            RolloutItem::EventMsg(EventMsg::TokenCount(count)) => {
                if let Some(info) = &count.info {
                    self.token_usage = Some(info.total_token_usage);
                }
            }
            RolloutItem::EventMsg(EventMsg::ThreadNameUpdated(renamed))
                if self.is_own(renamed.thread_id) =>
            {
                let name = renamed.thread_name.as_deref().unwrap_or("").trim();
                self.legacy_name = Some(name.to_string());
            }
            _ => {}
        }
    }

    fn is_own(&self, id: crate::protocol::ThreadId) -> bool {
        self.meta.as_ref().is_none_or(|meta| meta.id == id)
    }

    fn observe_meta(&mut self, meta: &SessionMeta) {
        if self.meta.is_none() {
            let mut own = meta.clone();
            // Base instructions and other extras are large and never shown in a summary.
            own.extra.clear();
            self.meta = Some(own);
        } else if !self.is_own(meta.id) {
            return; // a fork's copy of its source thread
        }
        if let Some(mode) = meta.memory_mode() {
            self.memory_mode = Some(mode);
        }
        if let Some(git) = &meta.git {
            self.git = Some(git.clone());
        }
    }

    /// The working directory: the meta's, else the first turn context's.
    pub fn cwd(&self) -> Option<&str> {
        self.meta
            .as_ref()
            .map(|meta| meta.cwd.as_str())
            .filter(|cwd| !cwd.is_empty())
            .or(self.context_cwd.as_deref())
    }
}
