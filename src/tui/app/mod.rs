//! The TUI's state and its pure `update(state, msg) -> effects`.

mod bulk;
mod codex;
mod curate;
mod dialogs;
pub mod disk;
mod edited;
pub mod full_text;
pub mod history;
mod history_update;
mod hold;
mod input;
pub mod list;
mod list_load;
mod list_update;
pub mod matches;
mod mouse;
mod msg;
mod preview;
mod private;
mod quit;
mod reveal;
mod search;
pub mod split;
mod state;
pub mod stats;
pub mod supervise;
mod thread_actions;
pub mod trash;
mod update;
pub mod usage;

pub use full_text::{ResultRow, SearchProgress, SearchResults};
pub use history::{FollowStatus, HistoryView};
pub use list::{ListRow, ListView, Scope, Tab};
pub use matches::ThreadMatches;
pub use msg::{BulkAction, CodexRequest, Effect, LoadedThreads, Msg, Notification, NotifyEvent};
pub use split::{MAX_PANES, SplitView};
pub use state::{
    ConfirmAction, ConfirmDialog, CopyChoice, Overlay, Preview, PreviewCache, PreviewMessages,
    RenameDialog, Screen, State, Status, StatusKind,
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
mod private_tests;
#[cfg(test)]
mod search_tests;
#[cfg(test)]
mod split_tests;
#[cfg(test)]
mod tests;
