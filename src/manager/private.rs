//! Private threads: `sync` keeps them at home. The mark is ours, kept in the home's own state
//! (see `LocalThreadStore::set_private`), so the `private` / `public` commands and the TUI's key
//! take this one path.

use super::ThreadManager;
use crate::protocol::ThreadId;
use crate::store::local::LocalThreadStore;
use crate::store::{StoreResult, ThreadStoreError};

impl ThreadManager {
    /// Marks threads private (`sync` leaves them at home and removes them from the store at
    /// its next pass) or public again. Only a Codex home has the mark: a shared store is
    /// refused.
    pub async fn set_private(&self, ids: Vec<ThreadId>, private: bool) -> StoreResult<()> {
        let Some(home) = self.store().as_any().downcast_ref::<LocalThreadStore>() else {
            return Err(ThreadStoreError::invalid(
                "private and public mark threads of a Codex home, which its sync then keeps at \
                 home; a shared store has no such mark (run it without --store)"
                    .to_string(),
            ));
        };
        let home = home.clone();
        tokio::task::spawn_blocking(move || home.set_private(&ids, private))
            .await
            .map_err(|err| {
                ThreadStoreError::internal(format!("private marks task failed: {err}"))
            })?
    }
}
