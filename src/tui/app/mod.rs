//! The TUI's state and its pure `update(state, msg) -> effects`.

mod bulk;
mod codex;
mod curate;
pub mod disk;
pub mod full_text;
pub mod history;
mod hold;
mod input;
pub mod list;
pub mod matches;
mod msg;
mod quit;
mod reveal;
mod search;
pub mod split;
mod state;
pub mod stats;
pub mod supervise;
pub mod trash;
mod update;
pub mod usage;

pub use full_text::{ResultRow, SearchProgress, SearchResults};
pub use history::{FollowStatus, HistoryView};
pub use list::{ListRow, ListView, Scope, Tab};
pub use matches::ThreadMatches;
pub use msg::{CodexRequest, Effect, LoadedThreads, Msg, Notification, NotifyEvent};
pub use split::{MAX_PANES, SplitView};
pub use state::{
    BulkAction, ConfirmAction, ConfirmDialog, CopyChoice, Overlay, Preview, PreviewCache,
    PreviewMessages, RenameDialog, Screen, State, Status, StatusKind,
};
pub use update::update;

#[cfg(test)]
mod act_tests;
#[cfg(test)]
mod bulk_tests;
#[cfg(test)]
mod curate_tests;
#[cfg(test)]
mod disk_tests;
#[cfg(test)]
mod export_tests;
#[cfg(test)]
mod history_tests;
#[cfg(test)]
mod launch_tests;
#[cfg(test)]
mod search_tests;
#[cfg(test)]
mod split_tests;
#[cfg(test)]
mod tests;
