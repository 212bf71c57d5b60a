//! Turns and the events around the items: turn ends with their tokens, compactions, and the
//! events the protocol layer does not model.

use serde_json::Value;

use super::Transcript;
use super::tools::item_is_plan;
use super::type_tag;
use crate::history::{ItemKind, TranscriptItem};
use crate::store::HistoryCursor;

impl Transcript {
    /// Events the protocol layer does not model.
    pub(super) fn other_event(&mut self, cursor: HistoryCursor, raw: &Value) {
        let kind = type_tag(raw);
        match kind.as_str() {
            "image_generation_end" => {}
            "entered_review_mode" | "exited_review_mode" => self.add(
                cursor,
                ItemKind::Notice {
                    text: kind.replace('_', " "),
                },
            ),
            "view_image_tool_call" => {
                let path = raw
                    .get("path")
                    .and_then(Value::as_str)
                    .unwrap_or("an image");
                let description = format!("viewed {path}");
                self.add_once(cursor, ItemKind::Image { description });
            }
            "item_completed" if item_is_plan(raw) => {
                let text = raw
                    .pointer("/item/text")
                    .and_then(Value::as_str)
                    .unwrap_or_default()
                    .to_string();
                self.add(
                    cursor,
                    ItemKind::Plan {
                        explanation: Some(text),
                        steps: Vec::new(),
                    },
                );
            }
            _ => self.add(
                cursor,
                ItemKind::Skipped {
                    what: format!("event `{kind}`"),
                },
            ),
        }
    }

    pub(super) fn add_compaction(&mut self, cursor: HistoryCursor) {
        if !matches!(
            self.items.last(),
            Some(TranscriptItem {
                kind: ItemKind::Compacted,
                ..
            })
        ) {
            self.add(cursor, ItemKind::Compacted);
        }
    }

    pub(super) fn turn_tokens(&mut self) -> Option<i64> {
        let tokens = match (self.last_total_tokens, self.turn_start_tokens.take()) {
            (Some(now), Some(start)) => now.checked_sub(start),
            _ => None,
        };
        tokens.filter(|tokens| *tokens > 0)
    }

    /// A turn completed or was aborted: its commands still without output no longer run, and
    /// the turn's end shows its tokens.
    pub(super) fn end_turn(
        &mut self,
        cursor: HistoryCursor,
        duration_ms: Option<i64>,
        aborted: Option<String>,
    ) {
        self.end_open_commands();
        let tokens = self.turn_tokens();
        self.add(
            cursor,
            ItemKind::TurnEnded {
                duration_ms,
                tokens,
                aborted,
            },
        );
    }
}
