//! Usage of a home's threads, from each rollout's own token records (see `usage::count`),
//! through the usage cache.

use std::collections::HashMap;
use std::path::PathBuf;
use std::sync::Arc;

use super::{LocalStore, LocalThreadStore};
use crate::protocol::ThreadId;
use crate::rollout::{RolloutFile, SkippedEntry};
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

    /// The usage of the rollouts at these plain paths (as listed); a path no longer there, or
    /// unreadable, is left out.
    pub async fn usage_at(
        &self,
        paths: Vec<(ThreadId, PathBuf)>,
    ) -> StoreResult<HashMap<ThreadId, Arc<ThreadUsage>>> {
        self.blocking(move |store| {
            store.usages.preload();
            let mut found = HashMap::new();
            for (id, path) in paths {
                let Ok(Some(file)) = store.home.rollout_at(&path) else {
                    continue;
                };
                match store.usages.usage(&file) {
                    Ok(usage) => {
                        found.insert(id, usage);
                    }
                    Err(err) => tracing::debug!(%err, path = %path.display(), "no usage"),
                }
            }
            store.usages.persist();
            Ok(found)
        })
        .await
    }
}

impl LocalStore {
    fn home_usage(&self, archived: bool) -> HomeUsage {
        let discovery = self.home.discover(archived);
        self.usages.preload();
        let mut skipped = discovery.skipped;
        let mut rollouts = Vec::with_capacity(discovery.files.len());
        for file in discovery.files {
            match self.usages.usage(&file) {
                Ok(usage) => rollouts.push(RolloutUsage { file, usage }),
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
