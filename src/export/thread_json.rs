//! The JSON form of a thread, shared by `list --json`, `show --json` and `export --format json`.
//!
//! A borrowed struct serialized straight to the writer: a listing of ten thousand threads
//! builds no intermediate `serde_json::Value` per thread.

use std::os::unix::ffi::OsStrExt;
use std::path::Path;

use chrono::{DateTime, SecondsFormat, Utc};
use serde::Serialize;

use crate::protocol::{ThreadId, ThreadMemoryMode};
use crate::store::status::{ActivityKind, Holder, ThreadStatus};
use crate::store::{ProjectRef, SectionPlacement, StoredThread, ThreadOrigin};

#[derive(Serialize)]
pub struct ThreadJson<'a> {
    id: ThreadId,
    name: Option<&'a str>,
    title: &'a str,
    preview: &'a str,
    created_at: String,
    updated_at: String,
    archived: bool,
    cwd: PathText<'a>,
    git: Option<GitJson<'a>>,
    model_provider: &'a str,
    model: Option<&'a str>,
    memory_mode: ThreadMemoryMode,
    history_mode: &'a str,
    open_in_codex: bool,
    /// working, waiting, idle, done, failed or interrupted.
    status: ThreadStatus,
    /// Codex counts a turn of the thread as unread.
    unread: bool,
    /// In Codex's built-in "Pinned" section.
    pinned: bool,
    /// The Codex section the thread is in (`id`, `name`, `position`), pins included.
    section: Option<&'a SectionPlacement>,
    /// The Codex project of the thread (`id`, `name`).
    project: Option<&'a ProjectRef>,
    /// For a working or waiting thread: the call it waits on (`kind`, `label`, `since`).
    activity: Option<ActivityJson<'a>>,
    /// For a failed thread: why.
    failure: Option<&'a str>,
    /// `codex`, or `background_app_server` (Codex's daemon, which lets go about a minute
    /// after Codex quit); null when nothing holds the thread.
    held_by: Option<Holder>,
    turn_started_at: Option<String>,
    turn_ended_at: Option<String>,
    tokens_used: i64,
    source: &'a str,
    forked_from_id: Option<ThreadId>,
    rollout_path: Option<PathText<'a>>,
    live: bool,
    /// Marked private: `sync` keeps it at home (a Codex home's own mark).
    private: bool,
    /// The machine and Codex home a thread of a shared store came from; absent for a home.
    #[serde(skip_serializing_if = "Option::is_none")]
    origin: Option<&'a ThreadOrigin>,
    /// Secrets `sync` replaced in a shared store's thread; absent for a home.
    #[serde(skip_serializing_if = "Option::is_none")]
    redactions: Option<u64>,
    /// Present only for a path that is not UTF-8: its exact bytes, so it round-trips.
    #[serde(skip_serializing_if = "Option::is_none")]
    cwd_bytes: Option<&'a [u8]>,
    #[serde(skip_serializing_if = "Option::is_none")]
    rollout_path_bytes: Option<&'a [u8]>,
}

#[derive(Serialize)]
struct ActivityJson<'a> {
    kind: ActivityKind,
    label: &'a str,
    since: Option<String>,
}

#[derive(Serialize)]
struct GitJson<'a> {
    sha: Option<&'a str>,
    branch: Option<&'a str>,
    origin_url: Option<&'a str>,
}

pub fn thread_json(thread: &StoredThread, live: bool) -> ThreadJson<'_> {
    ThreadJson {
        id: thread.thread_id,
        name: thread.name.as_deref(),
        title: thread.title(),
        preview: &thread.preview,
        created_at: rfc3339(thread.created_at),
        updated_at: rfc3339(thread.updated_at),
        archived: thread.archived,
        cwd: PathText(&thread.cwd),
        git: thread.git_info.as_ref().map(|git| GitJson {
            sha: git.commit_hash.as_deref(),
            branch: git.branch.as_deref(),
            origin_url: git.repository_url.as_deref(),
        }),
        model_provider: &thread.model_provider,
        model: thread.model.as_deref(),
        memory_mode: thread.memory_mode,
        history_mode: thread.history_mode.as_str(),
        open_in_codex: thread.open_in_codex,
        status: thread.status.status,
        unread: thread.unread,
        pinned: thread.pinned(),
        section: thread.section.as_ref(),
        project: thread.project.as_ref(),
        activity: thread
            .status
            .activity
            .as_ref()
            .map(|activity| ActivityJson {
                kind: activity.kind,
                label: &activity.label,
                since: activity.since.map(rfc3339),
            }),
        failure: thread.status.failure.as_deref(),
        held_by: thread.status.holder,
        turn_started_at: thread.status.turn_started_at.map(rfc3339),
        turn_ended_at: thread.status.turn_ended_at.map(rfc3339),
        tokens_used: thread.tokens_used(),
        source: &thread.source,
        forked_from_id: thread.forked_from_id,
        rollout_path: thread.rollout_path.as_deref().map(PathText),
        live,
        private: thread.private,
        origin: thread.origin.as_ref(),
        redactions: thread.redactions,
        cwd_bytes: non_utf8_bytes(&thread.cwd),
        rollout_path_bytes: thread.rollout_path.as_deref().and_then(non_utf8_bytes),
    }
}

fn rfc3339(at: DateTime<Utc>) -> String {
    at.to_rfc3339_opts(SecondsFormat::Millis, true)
}

/// A path as a JSON string: exact when it is UTF-8; otherwise each invalid byte sequence shows
/// as U+FFFD and the `_bytes` member beside it holds the exact bytes.
struct PathText<'a>(&'a Path);

impl Serialize for PathText<'_> {
    fn serialize<S: serde::Serializer>(&self, serializer: S) -> Result<S::Ok, S::Error> {
        serializer.serialize_str(&self.0.to_string_lossy())
    }
}

fn non_utf8_bytes(path: &Path) -> Option<&[u8]> {
    path.to_str().is_none().then(|| path.as_os_str().as_bytes())
}
