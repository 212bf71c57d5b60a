//! Every thread file of a tree, with a listing's filters but without its rule that a thread
//! with no preview (no user message yet: a sub-agent's, a session started and left) is not
//! listed. Such threads still take disk, so `prune` and the disk screen see them.

use super::LocalThreadStore;
use crate::store::listing::matches_filters_listed_or_not;
use crate::store::{ListThreadsParams, StoreResult, ThreadPage};

impl LocalThreadStore {
    /// As `list_threads`, listed or not.
    pub async fn list_every_thread(&self, params: ListThreadsParams) -> StoreResult<ThreadPage> {
        self.blocking(move |store| store.list_threads_where(&params, matches_filters_listed_or_not))
            .await
    }
}
