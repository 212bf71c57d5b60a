//! Usage of a home's threads, from each rollout's own token records (see `usage::count`),
//! through the usage cache.

use std::collections::HashMap;
use std::path::PathBuf;
use std::sync::atomic::{AtomicUsize, Ordering};
use std::sync::{Arc, Mutex};

use super::{LocalStore, LocalThreadStore};
use crate::protocol::ThreadId;
use crate::rollout::{RolloutFile, SkippedEntry, strip_zst};
use crate::store::StoreResult;
use crate::usage::ThreadUsage;

/// One rollout and its thread's own usage.
#[derive(Clone, Debug)]
pub struct RolloutUsage {
    pub file: RolloutFile,
    pub usage: Arc<ThreadUsage>,
}

/// The usage of every rollout of one tree (active or archived), and what could not be read.
#[derive(Clone, Debug, Default)]
pub struct HomeUsage {
    pub rollouts: Vec<RolloutUsage>,
    pub skipped: Vec<SkippedEntry>,
}

impl LocalThreadStore {
    /// Every rollout of the active tree, or of the archived one, with its usage.
    pub async fn home_usage(&self, archived: bool) -> StoreResult<HomeUsage> {
        self.blocking(move |store| Ok(store.home_usage(archived)))
            .await
    }

    /// Loads every persisted usage into memory, to be done while a listing is made when its
    /// threads' usage will be asked for next.
    pub async fn preload_usage(&self) {
        let _ = self
            .blocking(|store| {
                store.usages.preload();
                Ok(())
            })
            .await;
    }

    /// The usage of the rollouts at these plain paths (as listed); a path no longer there, or
    /// unreadable, is left out.
    pub async fn usage_at(
        &self,
        paths: Vec<(ThreadId, PathBuf)>,
    ) -> StoreResult<HashMap<ThreadId, Arc<ThreadUsage>>> {
        self.blocking(move |store| {
            store.usages.preload();
            // A rollout the listing just found is taken as found (its size and time stamp are
            // what the usage cache checks); any other is looked at again.
            let listed = store.kept_active_discovery();
            let listed_by_id: foldhash::HashMap<ThreadId, &RolloutFile> = listed
                .iter()
                .flat_map(|discovery| discovery.files.iter())
                .map(|file| (file.thread_id, file))
                .collect();
            let (ids, files): (Vec<ThreadId>, Vec<RolloutFile>) = paths
                .into_iter()
                .filter_map(|(id, path)| {
                    let file = match listed_by_id.get(&id) {
                        Some(file) if strip_zst(&file.path) == path => (*file).clone(),
                        _ => store.home.rollout_at(&path).ok()??,
                    };
                    Some((id, file))
                })
                .unzip();
            let mut found = HashMap::new();
            for ((id, file), counted) in ids.iter().zip(&files).zip(store.count_each(&files)) {
                match counted {
                    Ok(usage) => {
                        found.insert(*id, usage);
                    }
                    Err(err) => tracing::debug!(%err, path = %file.path.display(), "no usage"),
                }
            }
            store.usages.persist();
            Ok(found)
        })
        .await
    }
}

impl LocalStore {
    /// Each file's usage, in order; rollouts not cached yet are read by a few threads at once.
    fn count_each(&self, files: &[RolloutFile]) -> Vec<std::io::Result<Arc<ThreadUsage>>> {
        let next = AtomicUsize::new(0);
        let results: Vec<Mutex<Option<std::io::Result<Arc<ThreadUsage>>>>> =
            files.iter().map(|_| Mutex::new(None)).collect();
        let workers = std::thread::available_parallelism().map_or(2, |n| n.get().min(4));
        std::thread::scope(|scope| {
            for _ in 0..workers.min(files.len()) {
                scope.spawn(|| {
                    while let Some(index) = Some(next.fetch_add(1, Ordering::Relaxed))
                        .filter(|index| *index < files.len())
                    {
                        let counted = self.usages.usage(&files[index]);
                        *results[index].lock().unwrap_or_else(|e| e.into_inner()) = Some(counted);
                    }
                });
            }
        });
        results
            .into_iter()
            .map(|slot| {
                slot.into_inner()
                    .unwrap_or_else(|e| e.into_inner())
                    .unwrap_or_else(|| Err(std::io::Error::other("not counted")))
            })
            .collect()
    }

    fn home_usage(&self, archived: bool) -> HomeUsage {
        let discovery = self.home.discover(archived);
        self.usages.preload();
        let mut skipped = discovery.skipped;
        let mut rollouts = Vec::with_capacity(discovery.files.len());
        for (file, counted) in discovery
            .files
            .iter()
            .zip(self.count_each(&discovery.files))
        {
            match counted {
                Ok(usage) => rollouts.push(RolloutUsage {
                    file: file.clone(),
                    usage,
                }),
                // Moved or deleted since the walk: not counted.
                Err(err) if err.kind() == std::io::ErrorKind::NotFound => {}
                Err(err) => skipped.push(SkippedEntry::from_error(file.path.clone(), &err)),
            }
        }
        self.usages.persist();
        self.warn_skipped(&skipped);
        HomeUsage { rollouts, skipped }
    }
}
