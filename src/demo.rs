//! The embedded demo home: a small Codex home bundled with the binary (`assets/demo/`), copied
//! into a temporary directory so that `--demo`, and a machine without a Codex home, show real
//! threads. `play_live_session` adds a thread that is being written while you watch.

mod dates;
mod live_session;

use std::fs;
use std::path::Path;
use std::time::SystemTime;

use anyhow::Context;
use chrono::{DateTime, Utc};
use tempfile::TempDir;

use crate::protocol::RolloutLine;
use crate::protocol::time::parse_timestamp;
use crate::rollout::parse_rollout_file_name;

use dates::DateShift;
pub use live_session::{LIVE_SESSION_PROMPT, LiveSession, StartedSession, play_live_session};

/// What the UI shows while it browses the demo home.
pub const DEMO_BANNER: &str =
    "Demo home — a copy of the bundled threads; nothing here touches ~/.codex";

/// The thread that shows every kind of history item (a bug fix in the `widget` crate).
pub const RICH_THREAD_ID: &str = "019e2acb-e860-7dba-841e-cccc3fc1626e";

/// One file of the demo home: its path relative to the home, and its bundled text.
struct DemoFile {
    path: &'static str,
    contents: &'static str,
}

macro_rules! demo_file {
    ($path:literal) => {
        DemoFile {
            path: $path,
            contents: include_str!(concat!(env!("CARGO_MANIFEST_DIR"), "/assets/demo/", $path)),
        }
    };
}

const DEMO_FILES: &[DemoFile] = &[
    demo_file!("session_index.jsonl"),
    demo_file!(
        "archived_sessions/rollout-2026-05-06T14-03-19-019dfd2b-ce5a-71c1-b714-9d439536b321.jsonl"
    ),
    demo_file!(
        "sessions/2026/04/28/rollout-2026-04-28T09-15-42-019dd2f1-9a6e-7a4c-9123-b1612dd272d1.jsonl"
    ),
    demo_file!(
        "sessions/2026/05/12/rollout-2026-05-12T16-22-05-019e1c90-ff30-7dae-aeb9-75729fae923d.jsonl"
    ),
    demo_file!(
        "sessions/2026/05/13/rollout-2026-05-13T18-48-31-019e223d-6d47-74fd-b12a-abfe228f219e.jsonl"
    ),
    demo_file!(
        "sessions/2026/05/14/rollout-2026-05-14T11-30-11-019e25d2-7c02-7b0e-ab53-f16947ccf25e.jsonl"
    ),
    demo_file!(
        "sessions/2026/05/14/rollout-2026-05-14T15-10-54-019e269c-8b4b-74d8-9dbc-74254770f589.jsonl"
    ),
    demo_file!(
        "sessions/2026/05/15/rollout-2026-05-15T10-41-06-019e2acb-e860-7dba-841e-cccc3fc1626e.jsonl"
    ),
    demo_file!(
        "sessions/2026/05/15/rollout-2026-05-15T12-02-47-019e2b16-aed9-7a13-b043-b026c48bbf33.jsonl"
    ),
];

/// A fresh copy of the bundled demo home. The directory is removed when this is dropped.
pub struct DemoHome {
    dir: TempDir,
}

impl DemoHome {
    /// Writes the bundled files into a new temporary directory, dated so that the newest
    /// thread was updated a few minutes ago. Each rollout's mtime is set to its last line's
    /// time, so sorting by "updated" means what it would in a real home.
    pub fn create() -> anyhow::Result<DemoHome> {
        let dir = tempfile::Builder::new()
            .prefix("codex-threads-demo-")
            .tempdir()
            .context("creating a directory for the demo home")?;
        let shift = DateShift::moving(newest_bundled_time(), Utc::now() - NEWEST_AGE);
        for file in DEMO_FILES {
            write_demo_file(dir.path(), file, shift)
                .with_context(|| format!("writing demo file {}", file.path))?;
        }
        Ok(DemoHome { dir })
    }

    /// The Codex home to open.
    pub fn path(&self) -> &Path {
        self.dir.path()
    }

    pub fn banner(&self) -> String {
        DEMO_BANNER.to_string()
    }
}

/// How long ago the newest demo thread was last updated.
const NEWEST_AGE: chrono::TimeDelta = chrono::TimeDelta::minutes(4);

/// The time of the newest line in the bundled rollouts.
fn newest_bundled_time() -> DateTime<Utc> {
    DEMO_FILES
        .iter()
        .filter(|file| is_rollout(file.path))
        .filter_map(|file| last_line_time(file.contents))
        .max()
        .map(DateTime::from)
        .unwrap_or_else(Utc::now)
}

fn write_demo_file(root: &Path, file: &DemoFile, shift: DateShift) -> anyhow::Result<()> {
    let path = root.join(shift.relative_path(file.path));
    if let Some(parent) = path.parent() {
        fs::create_dir_all(parent)?;
    }
    let mut contents = String::with_capacity(file.contents.len());
    for line in file.contents.lines() {
        contents.push_str(&shift.line(line));
        contents.push('\n');
    }
    fs::write(&path, &contents)?;
    if is_rollout(file.path)
        && let Some(written_at) = last_line_time(&contents)
    {
        fs::File::options()
            .write(true)
            .open(&path)?
            .set_modified(written_at)?;
    }
    Ok(())
}

fn is_rollout(relative_path: &str) -> bool {
    Path::new(relative_path)
        .file_name()
        .and_then(|name| name.to_str())
        .and_then(parse_rollout_file_name)
        .is_some()
}

/// The write time of the last line that carries one.
fn last_line_time(contents: &str) -> Option<SystemTime> {
    contents
        .lines()
        .rev()
        .filter_map(|line| RolloutLine::decode(line).ok())
        .find_map(|line| parse_timestamp(&line.timestamp))
        .map(SystemTime::from)
}
