//! Git facts for a new thread, collected the way Codex does: from the thread's cwd. They go
//! into its `session_meta`; here so that the store (which writes that line) and the live
//! layer both use it from below.

use std::path::Path;
use std::process::Command;

use crate::protocol::GitInfo;

/// The commit, branch and origin URL of the repository containing `cwd`, if any.
pub fn collect_git_info(cwd: &Path) -> Option<GitInfo> {
    if !cwd.is_dir() {
        return None;
    }
    let git = |args: &[&str]| -> Option<String> {
        let output = Command::new("git")
            .args(args)
            .current_dir(cwd)
            .output()
            .ok()?;
        let text = String::from_utf8(output.stdout).ok()?.trim().to_string();
        (output.status.success() && !text.is_empty()).then_some(text)
    };
    git(&["rev-parse", "--is-inside-work-tree"])?;
    let info = GitInfo {
        commit_hash: git(&["rev-parse", "HEAD"]),
        branch: git(&["rev-parse", "--abbrev-ref", "HEAD"]).filter(|branch| branch != "HEAD"),
        repository_url: git(&["remote", "get-url", "origin"]),
    };
    (!info.is_empty()).then_some(info)
}
