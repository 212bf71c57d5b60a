//! Parses `apply_patch` input (`*** Begin Patch` … `*** End Patch`) into per-file diffs.

#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum FileChange {
    Added,
    Deleted,
    Updated,
}

#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum DiffLineKind {
    Added,
    Removed,
    Context,
    /// `@@` hunk headers.
    Hunk,
}

#[derive(Clone, Debug, PartialEq)]
pub struct FileDiff {
    pub path: String,
    pub change: FileChange,
    /// Set when the file is also moved.
    pub moved_to: Option<String>,
    pub lines: Vec<(DiffLineKind, String)>,
}

impl FileDiff {
    pub fn added(&self) -> usize {
        self.count(DiffLineKind::Added)
    }

    pub fn removed(&self) -> usize {
        self.count(DiffLineKind::Removed)
    }

    fn count(&self, kind: DiffLineKind) -> usize {
        self.lines.iter().filter(|(k, _)| *k == kind).count()
    }
}

/// The files an `apply_patch` input touches. Lenient: unknown lines are kept as context, and
/// text without any file header gives an empty list.
pub fn parse_patch(input: &str) -> Vec<FileDiff> {
    let mut files: Vec<FileDiff> = Vec::new();
    for line in input.lines() {
        let header = [
            ("*** Add File: ", FileChange::Added),
            ("*** Delete File: ", FileChange::Deleted),
            ("*** Update File: ", FileChange::Updated),
        ]
        .into_iter()
        .find_map(|(prefix, change)| line.strip_prefix(prefix).map(|path| (path, change)));
        if let Some((path, change)) = header {
            files.push(FileDiff {
                path: path.trim().to_string(),
                change,
                moved_to: None,
                lines: Vec::new(),
            });
            continue;
        }
        let Some(file) = files.last_mut() else {
            continue;
        };
        if let Some(target) = line.strip_prefix("*** Move to: ") {
            file.moved_to = Some(target.trim().to_string());
        } else if line.starts_with("*** ") {
            // `*** End Patch`, `*** End of File`.
        } else if line.starts_with("@@") {
            file.lines.push((DiffLineKind::Hunk, line.to_string()));
        } else if let Some(text) = line.strip_prefix('+') {
            file.lines.push((DiffLineKind::Added, text.to_string()));
        } else if let Some(text) = line.strip_prefix('-') {
            file.lines.push((DiffLineKind::Removed, text.to_string()));
        } else {
            let text = line.strip_prefix(' ').unwrap_or(line);
            file.lines.push((DiffLineKind::Context, text.to_string()));
        }
    }
    files
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn parses_updates_additions_and_moves() {
        let patch = "*** Begin Patch\n*** Update File: a.rs\n*** Move to: b.rs\n@@ fn main\n-    old()\n+    new()\n     same\n*** Add File: c.txt\n+hello\n+world\n*** End Patch";
        let files = parse_patch(patch);
        assert_eq!(files.len(), 2);
        assert_eq!(files[0].path, "a.rs");
        assert_eq!(files[0].moved_to.as_deref(), Some("b.rs"));
        assert_eq!((files[0].added(), files[0].removed()), (1, 1));
        assert_eq!(files[1].change, FileChange::Added);
        assert_eq!(files[1].added(), 2);
        assert!(parse_patch("not a patch").is_empty());
    }
}
