//! Patches: `apply_patch` calls (as a tool or through the shell) and the file changes Codex
//! records for them.

use serde_json::Value;

use super::Transcript;
use crate::history::ItemKind;
use crate::history::patch::{DiffLineKind, FileChange, FileDiff};
use crate::store::HistoryCursor;

/// The patch of a shell command like `apply_patch <<'EOF' … EOF`, without the heredoc around it.
pub(super) fn shell_patch(command: &str) -> Option<&str> {
    const BEGIN: &str = "*** Begin Patch";
    const END: &str = "*** End Patch";
    if !command.trim_start().starts_with("apply_patch") {
        return None;
    }
    let start = command.find(BEGIN)?;
    let end = command[start..]
        .find(END)
        .map_or(command.len(), |at| start + at + END.len());
    Some(&command[start..end])
}

pub(super) fn patch_output_ok(text: &str) -> Option<bool> {
    if let Ok(value) = serde_json::from_str::<Value>(text)
        && let Some(code) = value.pointer("/metadata/exit_code").and_then(Value::as_i64)
    {
        return Some(code == 0);
    }
    let lower = text.trim_start().to_lowercase();
    if lower.starts_with("success") || lower.starts_with("done") {
        Some(true)
    } else if lower.contains("error") || lower.contains("failed") {
        Some(false)
    } else {
        None
    }
}

pub(super) fn files_from_changes(changes: &Value) -> Vec<FileDiff> {
    let Some(map) = changes.as_object() else {
        return Vec::new();
    };
    map.iter()
        .map(|(path, change)| {
            let kind = change
                .get("type")
                .and_then(Value::as_str)
                .unwrap_or("update");
            FileDiff {
                path: path.clone(),
                change: match kind {
                    "add" => FileChange::Added,
                    "delete" => FileChange::Deleted,
                    _ => FileChange::Updated,
                },
                moved_to: change
                    .get("move_path")
                    .and_then(Value::as_str)
                    .map(str::to_string),
                lines: change_lines(kind, change),
            }
        })
        .collect()
}

/// The lines of one file's change: a new file's content, or an update's unified diff.
fn change_lines(kind: &str, change: &Value) -> Vec<(DiffLineKind, String)> {
    let text = |key: &str| change.get(key).and_then(Value::as_str).unwrap_or_default();
    match kind {
        "add" => text("content")
            .lines()
            .map(|line| (DiffLineKind::Added, line.to_string()))
            .collect(),
        "delete" => Vec::new(),
        _ => text("unified_diff")
            .lines()
            .filter(|line| !line.starts_with("---") && !line.starts_with("+++"))
            .map(|line| match line.chars().next() {
                Some('+') => (DiffLineKind::Added, line[1..].to_string()),
                Some('-') => (DiffLineKind::Removed, line[1..].to_string()),
                Some('@') => (DiffLineKind::Hunk, line.to_string()),
                _ => (
                    DiffLineKind::Context,
                    line.strip_prefix(' ').unwrap_or(line).to_string(),
                ),
            })
            .collect(),
    }
}

impl Transcript {
    /// Records whether a patch applied; a patch call that was not seen (or was seen as a shell
    /// command that Codex intercepted) becomes a patch item with the files it changed.
    pub(super) fn complete_patch(
        &mut self,
        cursor: HistoryCursor,
        call_id: &str,
        files: Vec<FileDiff>,
        succeeded: Option<bool>,
    ) {
        match self.call_mut(call_id) {
            Some((index, ItemKind::Patch { success, .. })) => {
                *success = succeeded;
                self.touched.push(index);
            }
            Some((index, slot @ ItemKind::Command { .. })) => {
                *slot = ItemKind::Patch {
                    call_id: call_id.to_string(),
                    files,
                    success: succeeded,
                };
                self.touched.push(index);
            }
            _ => self.add(
                cursor,
                ItemKind::Patch {
                    call_id: call_id.to_string(),
                    files,
                    success: succeeded,
                },
            ),
        }
    }
}
