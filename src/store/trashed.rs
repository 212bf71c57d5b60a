//! Threads our delete moved to the trash, and what a restore did.

use std::path::PathBuf;

use chrono::NaiveDateTime;

use crate::protocol::ThreadId;

/// A thread whose rollout is in the trash, as `list --trash` and the trash view show it.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct TrashedThread {
    pub thread_id: ThreadId,
    /// The name it had when deleted (kept by our delete), if any.
    pub name: Option<String>,
    /// The first user message, read from the trashed rollout.
    pub preview: String,
    /// Where the rollout goes back to.
    pub original_path: PathBuf,
    /// Where it is now, under the trash's `files/`.
    pub trashed_path: PathBuf,
    /// When it was deleted, in local time as the `.trashinfo` says; `None` when unreadable.
    pub deleted_at: Option<NaiveDateTime>,
    /// The rollout's size in bytes.
    pub size: u64,
}

impl TrashedThread {
    /// The name if one was set, else the preview, else a placeholder.
    pub fn title(&self) -> &str {
        match self.name.as_deref() {
            Some(name) if !name.trim().is_empty() => name,
            _ if !self.preview.is_empty() => &self.preview,
            _ => super::NO_MESSAGE_YET,
        }
    }
}

/// A thread back from the trash (or, for a dry run, what would happen).
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct RestoredThread {
    pub thread_id: ThreadId,
    /// Where its rollout is again.
    pub path: PathBuf,
    /// Its state DB rows went back as our delete kept them (else Codex re-indexes the rollout
    /// when it next lists, without the name).
    pub rows_restored: bool,
    /// Its name went back into `session_index.jsonl`.
    pub name_restored: bool,
}

/// The trashed thread `reference` means: a full id, a unique id prefix, or a name it had
/// (the newest deletion when several share it). The error is the one line to show.
pub fn resolve_trashed(trashed: &[TrashedThread], reference: &str) -> Result<ThreadId, String> {
    let reference = reference.trim();
    if reference.is_empty() {
        return Err("an empty reference names no thread".to_string());
    }
    let needle = reference.to_lowercase();
    let mut by_prefix: Vec<ThreadId> = trashed
        .iter()
        .map(|thread| thread.thread_id)
        .filter(|id| id.to_string().starts_with(&needle))
        .collect();
    by_prefix.dedup();
    match by_prefix.as_slice() {
        [only] => return Ok(*only),
        [] => {}
        many => {
            let ids: Vec<String> = many.iter().map(ToString::to_string).collect();
            return Err(format!(
                "“{reference}” matches {} threads in the trash: {}",
                many.len(),
                ids.join(", ")
            ));
        }
    }
    // `trashed` is newest deletion first.
    trashed
        .iter()
        .find(|thread| thread.name.as_deref().map(str::trim) == Some(reference))
        .map(|thread| thread.thread_id)
        .ok_or_else(|| format!("no thread “{reference}” in the trash"))
}

#[cfg(test)]
mod tests {
    use super::*;

    fn trashed(id: &str, name: Option<&str>) -> TrashedThread {
        TrashedThread {
            thread_id: id.parse().unwrap(),
            name: name.map(str::to_owned),
            preview: String::new(),
            original_path: PathBuf::from("/h/sessions/x.jsonl"),
            trashed_path: PathBuf::from("/t/files/x.jsonl"),
            deleted_at: None,
            size: 0,
        }
    }

    #[test]
    fn resolves_ids_prefixes_and_names_in_the_trash() {
        let a = "01a25224-9a99-7b51-9e4c-37d293b8a3a6";
        let b = "01a25224-9bc4-7523-b629-9f19dd843e56";
        let c = "02000000-0000-7000-8000-000000000000";
        let list = [
            trashed(b, Some("Plan")),
            trashed(a, Some("Plan")),
            trashed(c, None),
        ];
        assert_eq!(resolve_trashed(&list, a).unwrap().to_string(), a);
        assert_eq!(
            resolve_trashed(&list, "01A25224-9B").unwrap().to_string(),
            b
        );
        assert_eq!(resolve_trashed(&list, "02").unwrap().to_string(), c);
        // The newest deletion of a shared name.
        assert_eq!(resolve_trashed(&list, " Plan ").unwrap().to_string(), b);
        let ambiguous = resolve_trashed(&list, "01a").unwrap_err();
        assert!(
            ambiguous.contains(a) && ambiguous.contains(b),
            "{ambiguous}"
        );
        assert_eq!(
            resolve_trashed(&list, "Other").unwrap_err(),
            "no thread “Other” in the trash"
        );
        assert!(resolve_trashed(&list, " ").is_err());
    }
}
