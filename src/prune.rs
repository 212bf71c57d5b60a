//! Pruning a Codex home: which threads an age, size and source filter picks, and the three
//! things done to each (archive, move to the trash, compress), by the same paths as the
//! `archive` and `delete` commands and the TUI. Threads open in Codex are never touched.

use std::path::PathBuf;

use anyhow::bail;
use chrono::{DateTime, Utc};
use serde::Serialize;

use crate::manager::ThreadManager;
use crate::protocol::ThreadId;
use crate::rollout::zst_sibling;
use crate::store::local::LocalThreadStore;
use crate::store::{ListThreadsParams, ReadThreadParams, SourceFilter, StoredThread};

#[derive(Clone, Copy, Debug, PartialEq, Eq, Serialize)]
#[serde(rename_all = "snake_case")]
pub enum PruneAction {
    Archive,
    Trash,
    Compress,
}

impl PruneAction {
    /// The verb as output says it: "archive", "trash", "compress".
    pub fn verb(self) -> &'static str {
        match self {
            PruneAction::Archive => "archive",
            PruneAction::Trash => "trash",
            PruneAction::Compress => "compress",
        }
    }

    /// The verb done: "archived", "trashed", "compressed".
    pub fn done(self) -> &'static str {
        match self {
            PruneAction::Archive => "archived",
            PruneAction::Trash => "trashed",
            PruneAction::Compress => "compressed",
        }
    }
}

/// Which threads a prune considers.
#[derive(Clone, Debug, Default)]
pub struct PruneFilter {
    /// Only threads last updated longer ago than this.
    pub older_than: Option<chrono::Duration>,
    /// Only rollouts larger than this many bytes on disk.
    pub larger_than: Option<u64>,
    /// Only archived threads.
    pub archived_only: bool,
    pub source: SourceFilter,
}

/// A thread's rollout as it is on disk.
#[derive(Clone, Debug, Serialize)]
pub struct OnDisk {
    pub path: PathBuf,
    pub bytes: u64,
    pub compressed: bool,
}

/// The plain rollout, else its `.zst`: where the thread's bytes are.
pub fn on_disk(thread: &StoredThread) -> Option<OnDisk> {
    let plain = thread.rollout_path.as_deref()?;
    [(plain.to_path_buf(), false), (zst_sibling(plain), true)]
        .into_iter()
        .find_map(|(path, compressed)| {
            let meta = std::fs::metadata(&path)
                .ok()
                .filter(|meta| meta.is_file())?;
            Some(OnDisk {
                path,
                bytes: meta.len(),
                compressed,
            })
        })
}

/// Largest rollout on disk first (the most recently updated first among equals); threads
/// without a rollout on this machine (a shared store's) last, in their order.
pub fn sort_largest_first(threads: &mut [StoredThread]) {
    // A stable sort: equals keep the listing's order. `None` sorts below every size.
    threads.sort_by_cached_key(|thread| std::cmp::Reverse(on_disk(thread).map(|disk| disk.bytes)));
}

/// One thread a prune would act on.
#[derive(Clone, Debug)]
pub struct Candidate {
    pub thread: StoredThread,
    pub disk: OnDisk,
}

/// What a prune would do: the threads it acts on (largest first) and those it leaves, each
/// with why.
#[derive(Clone, Debug)]
pub struct PrunePlan {
    pub action: PruneAction,
    pub candidates: Vec<Candidate>,
    pub skipped: Vec<(Candidate, String)>,
}

impl PrunePlan {
    pub fn bytes(&self) -> u64 {
        self.candidates.iter().map(|c| c.disk.bytes).sum()
    }
}

/// Every thread of the home that the filter picks and the action applies to; those open in
/// Codex (or written in the last seconds) are set aside with the reason.
pub async fn plan(
    manager: &ThreadManager,
    action: PruneAction,
    filter: &PruneFilter,
    now: DateTime<Utc>,
) -> anyhow::Result<PrunePlan> {
    if action == PruneAction::Archive && filter.archived_only {
        bail!("--archive with --archived-only selects nothing: those threads are archived");
    }
    let trees: &[bool] = match (action, filter.archived_only) {
        (PruneAction::Archive, _) => &[false],
        (_, true) => &[true],
        _ => &[false, true],
    };
    let mut plan = PrunePlan {
        action,
        candidates: Vec::new(),
        skipped: Vec::new(),
    };
    for &archived in trees {
        let page = every_thread(
            manager,
            ListThreadsParams {
                page_size: 0,
                archived,
                source: filter.source.clone(),
                ..Default::default()
            },
        )
        .await?;
        for thread in page.items {
            let Some(disk) = on_disk(&thread) else {
                continue;
            };
            let old_enough = filter
                .older_than
                .is_none_or(|age| now - thread.updated_at > age);
            let large_enough = filter.larger_than.is_none_or(|size| disk.bytes > size);
            if !old_enough || !large_enough {
                continue;
            }
            if action == PruneAction::Compress && disk.compressed {
                continue;
            }
            let candidate = Candidate { thread, disk };
            match why_not_now(manager, &candidate.thread, now) {
                Some(reason) => plan.skipped.push((candidate, reason)),
                None => plan.candidates.push(candidate),
            }
        }
    }
    plan.candidates.sort_by(|a, b| {
        (b.disk.bytes, a.thread.thread_id.to_string())
            .cmp(&(a.disk.bytes, b.thread.thread_id.to_string()))
    });
    Ok(plan)
}

/// The threads of a listing, those without a preview included when the store is a Codex home
/// (they are files that take disk like any other; a listing leaves them out).
pub async fn every_thread(
    manager: &ThreadManager,
    params: ListThreadsParams,
) -> anyhow::Result<crate::store::ThreadPage> {
    Ok(
        match manager.store().as_any().downcast_ref::<LocalThreadStore>() {
            Some(store) => store.list_every_thread(params).await?,
            None => manager.list_threads(params).await?,
        },
    )
}

/// Why a thread is left alone now, if it is: a Codex process (or this one) has it open, or it
/// was written a moment ago.
pub fn why_not_now(
    manager: &ThreadManager,
    thread: &StoredThread,
    now: DateTime<Utc>,
) -> Option<String> {
    why_open(thread).or_else(|| {
        manager
            .is_live(thread, now)
            .then(|| "open or written a moment ago".to_string())
    })
}

/// Why a listed thread is open in Codex, from what its listing says: a holder of its writer
/// lock, or a turn under way.
pub fn why_open(thread: &StoredThread) -> Option<String> {
    if let Some(holder) = thread.status.holder {
        return Some(format!("is {}", holder.describe()));
    }
    thread
        .status
        .status
        .is_active()
        .then(|| format!("is {} in Codex", thread.status.status.as_str()))
}

/// What acting on one thread did.
#[derive(Clone, Debug, Serialize)]
pub struct Pruned {
    pub thread_id: ThreadId,
    /// Bytes no longer in the Codex home (archive: none, the rollout moved within it).
    pub freed_bytes: u64,
    /// Where the rollout is now: the archived, trashed or compressed file(s).
    pub now_at: Vec<PathBuf>,
}

/// Archives, trashes or compresses one thread, as `archive`, `delete` and the store's
/// compression do it. A thread a Codex process holds open is refused.
pub async fn apply(
    manager: &ThreadManager,
    action: PruneAction,
    candidate: &Candidate,
) -> anyhow::Result<Pruned> {
    let id = candidate.thread.thread_id;
    match action {
        PruneAction::Archive => {
            archive_unless_held(manager, id, false).await?;
            let now_at = manager
                .read_thread(ReadThreadParams {
                    thread_id: id,
                    include_archived: true,
                    include_history: false,
                })
                .await
                .ok()
                .as_ref()
                .and_then(on_disk)
                .map(|disk| vec![disk.path])
                .unwrap_or_default();
            Ok(Pruned {
                thread_id: id,
                freed_bytes: 0,
                now_at,
            })
        }
        PruneAction::Trash => {
            let deleted = manager.delete_thread(id).await?;
            Ok(Pruned {
                thread_id: id,
                freed_bytes: candidate.disk.bytes,
                now_at: deleted.trashed,
            })
        }
        PruneAction::Compress => {
            let Some(store) = manager.store().as_any().downcast_ref::<LocalThreadStore>() else {
                bail!("compressing rewrites a Codex home's rollouts, not a shared store's");
            };
            let compressed = store.compress_thread(id).await?;
            Ok(Pruned {
                thread_id: id,
                freed_bytes: compressed
                    .plain_bytes
                    .saturating_sub(compressed.compressed_bytes),
                now_at: vec![compressed.path],
            })
        }
    }
}

/// `archive` as the command does it: a thread a Codex process holds open is refused unless
/// `force`. Returns the thread as it was before the move.
pub async fn archive_unless_held(
    manager: &ThreadManager,
    id: ThreadId,
    force: bool,
) -> anyhow::Result<StoredThread> {
    let current = manager
        .read_thread(ReadThreadParams {
            thread_id: id,
            include_archived: true,
            include_history: false,
        })
        .await?;
    if let Some(holder) = current.status.holder.filter(|_| !force) {
        bail!(
            "thread {id} is {}, which may still write to it; archive it {}, or pass --force",
            holder.describe(),
            holder.retry_hint()
        );
    }
    manager.archive_thread(id).await?;
    Ok(current)
}

/// `30d`, `2w`, `12h`, `45m`, `90s` (a number and a unit).
pub fn parse_duration(text: &str) -> Result<chrono::Duration, String> {
    let text = text.trim();
    let split = text
        .find(|c: char| !c.is_ascii_digit())
        .ok_or_else(|| format!("{text:?} needs a unit: s, m, h, d or w (e.g. 30d)"))?;
    let (number, unit) = text.split_at(split);
    let number: i64 = number
        .parse()
        .map_err(|_| format!("{text:?} is not a duration (e.g. 30d, 12h)"))?;
    let seconds = match unit.trim() {
        "s" => 1,
        "m" | "min" => 60,
        "h" => 3600,
        "d" => 86_400,
        "w" => 7 * 86_400,
        other => return Err(format!("unknown unit {other:?}: use s, m, h, d or w")),
    };
    number
        .checked_mul(seconds)
        .and_then(chrono::Duration::try_seconds)
        .ok_or_else(|| format!("{text:?} is too long"))
}

/// `500`, `10K`, `1.5MB`, `2G` (powers of 1000, as sizes are printed), or `1MiB`, `2GiB`
/// (powers of 1024).
pub fn parse_size(text: &str) -> Result<u64, String> {
    let text = text.trim();
    let split = text
        .find(|c: char| !(c.is_ascii_digit() || c == '.'))
        .unwrap_or(text.len());
    let (number, unit) = text.split_at(split);
    let number: f64 = number
        .parse()
        .map_err(|_| format!("{text:?} is not a size (e.g. 100M, 1.5G)"))?;
    let factor: f64 = match unit.trim().to_ascii_lowercase().as_str() {
        "" | "b" => 1.0,
        "k" | "kb" => 1e3,
        "m" | "mb" => 1e6,
        "g" | "gb" => 1e9,
        "t" | "tb" => 1e12,
        "kib" => 1024.0,
        "mib" => 1024.0 * 1024.0,
        "gib" => 1024.0 * 1024.0 * 1024.0,
        other => {
            return Err(format!(
                "unknown unit {other:?}: use K, M, G, T (or KiB, MiB, GiB)"
            ));
        }
    };
    Ok((number * factor).round() as u64)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn durations_and_sizes_parse_with_their_units() {
        assert_eq!(parse_duration("30d").unwrap(), chrono::Duration::days(30));
        assert_eq!(parse_duration("2w").unwrap(), chrono::Duration::days(14));
        assert_eq!(parse_duration("12h").unwrap(), chrono::Duration::hours(12));
        assert!(parse_duration("30").unwrap_err().contains("unit"));
        assert!(parse_duration("3x").is_err());
        assert_eq!(parse_size("500").unwrap(), 500);
        assert_eq!(parse_size("10K").unwrap(), 10_000);
        assert_eq!(parse_size("1.5MB").unwrap(), 1_500_000);
        assert_eq!(parse_size("2GiB").unwrap(), 2 * 1024 * 1024 * 1024);
        assert!(parse_size("ten").is_err());
        assert!(parse_size("5X").is_err());
    }
}
