//! The TUI's state and its pure `update(state, msg) -> effects`.

pub mod history;
pub mod list;
mod msg;
mod state;
mod update;

pub use history::{FollowStatus, HistoryView};
pub use list::{ListRow, ListView, Scope, Tab};
pub use msg::{Effect, LoadedThreads, Msg};
pub use state::{
    ConfirmAction, ConfirmDialog, Overlay, Preview, PreviewCache, RenameDialog, Screen, State,
    Status, StatusKind,
};
pub use update::update;

#[cfg(test)]
mod tests;
