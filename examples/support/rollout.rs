//! A rollout given on the command line of a benchmark probe: its thread and its Codex home.

use std::path::Path;

use codex_threads::protocol::ThreadId;
use codex_threads::rollout::parse_rollout_file_name;

/// The thread id in the rollout's file name, and the Codex home above it (the nearest
/// directory with a `sessions/`).
pub fn thread_and_home(path: &Path) -> anyhow::Result<(ThreadId, &Path)> {
    let name = path
        .file_name()
        .and_then(|n| n.to_str())
        .unwrap_or_default();
    let (_, thread_id) = parse_rollout_file_name(name)
        .ok_or_else(|| anyhow::anyhow!("not a rollout file name: {name}"))?;
    let home = path
        .ancestors()
        .find(|dir| dir.join("sessions").is_dir())
        .ok_or_else(|| anyhow::anyhow!("no Codex home above {}", path.display()))?;
    Ok((thread_id, home))
}
