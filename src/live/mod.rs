//! Live threads: appending history and keeping derived metadata in step with it.

mod live_thread;
pub mod metadata_sync;

#[cfg(test)]
mod tests;

pub use live_thread::{LiveThread, LiveThreadInitGuard};
pub use metadata_sync::{PendingThreadMetadataPatch, ThreadMetadataSync};
