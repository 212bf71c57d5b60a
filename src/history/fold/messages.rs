//! Messages and reasoning: Codex writes most of them twice (an event for the UI, a response
//! item for the model); each is shown once, the better copy kept.

use super::Transcript;
use crate::history::ItemKind;
use crate::protocol::UserMessageEvent;
use crate::store::HistoryCursor;

/// User messages that carry context Codex injects rather than what the user typed.
const INJECTED_CONTEXT_PREFIXES: [&str; 11] = [
    "<environment_context>",
    "<user_instructions>",
    "<INSTRUCTIONS>",
    "# AGENTS.md instructions",
    "<permissions instructions>",
    "<user_shell_command>",
    "<turn_aborted>",
    "<collaboration_mode>",
    "<skill",
    "<developer",
    // A notice to the model when it sends a patch through the shell tool.
    "Warning: apply_patch was requested via",
];

/// How far back (in items, within the turn) a duplicate message is looked for.
pub const DUPLICATE_LOOKBACK: usize = 64;

/// The text of the items Codex writes twice (once as an event, once as a response item).
fn copied_text(kind: &ItemKind) -> Option<&str> {
    use ItemKind::*;
    match kind {
        User { text, .. } | Assistant { text } | Reasoning { text } | RawReasoning { text } => {
            Some(text.trim())
        }
        _ => None,
    }
}

/// Two items of the same kind where one text holds the other.
fn same_content(shown: &ItemKind, new: &ItemKind) -> bool {
    use ItemKind::*;
    match (shown, new) {
        (WebSearch { query: a }, WebSearch { query: b })
        | (Image { description: a }, Image { description: b }) => a.trim() == b.trim(),
        _ if std::mem::discriminant(shown) == std::mem::discriminant(new) => {
            match (copied_text(shown), copied_text(new)) {
                (Some(a), Some(b)) if !a.is_empty() && !b.is_empty() => {
                    a.contains(b) || b.contains(a)
                }
                _ => false,
            }
        }
        _ => false,
    }
}

/// For a user message the shorter copy is what was typed (the other adds image markers); for
/// answers and reasoning the longer copy is the whole text.
fn is_better_copy(new: &ItemKind, shown: &ItemKind) -> bool {
    let (Some(new_text), Some(shown_text)) = (copied_text(new), copied_text(shown)) else {
        return false;
    };
    match new {
        ItemKind::User { images, .. } => {
            new_text.len() < shown_text.len()
                || (new_text.len() == shown_text.len() && !images.is_empty())
        }
        _ => new_text.len() > shown_text.len(),
    }
}

pub fn is_injected_context(text: &str) -> bool {
    let text = text.trim_start();
    INJECTED_CONTEXT_PREFIXES
        .iter()
        .any(|prefix| text.starts_with(prefix))
}

impl Transcript {
    /// Adds an item unless the same content was already shown in this turn (from the other of
    /// Codex's two copies). Codex's copies are not always equal: the response item of a user
    /// message wraps images in markers, a reasoning event may be only the summary's title. The
    /// better copy stays: the user's own words, the fuller reasoning or answer.
    pub(super) fn add_once(&mut self, cursor: HistoryCursor, kind: ItemKind) {
        let shown = self
            .items
            .iter()
            .enumerate()
            .rev()
            .take(DUPLICATE_LOOKBACK)
            .take_while(|(_, item)| !matches!(item.kind, ItemKind::TurnEnded { .. }))
            .find(|(_, item)| same_content(&item.kind, &kind))
            .map(|(index, _)| index);
        match shown {
            None => self.add(cursor, kind),
            Some(index) if is_better_copy(&kind, &self.items[index].kind) => {
                self.items[index].kind = kind;
                self.touched.push(index);
            }
            Some(_) => {}
        }
    }

    /// A user message event: its text and images (a pasted image is named, not kept).
    pub(super) fn user_message_event(&mut self, cursor: HistoryCursor, message: &UserMessageEvent) {
        let images = message
            .images
            .iter()
            .map(|url| {
                if url.starts_with("data:") {
                    "pasted image".to_string()
                } else {
                    url.clone()
                }
            })
            .chain(message.local_images.iter().cloned())
            .collect();
        let text = message.message.clone();
        self.add_once(cursor, ItemKind::User { text, images });
    }
}
