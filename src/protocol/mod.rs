//! The rollout line types, with tolerant decoding: unknown kinds and fields are kept as raw JSON.

pub mod calls;
mod event_msg;
mod ids;
mod line;
mod response_item;
mod session_meta;
mod tagged;
pub mod text;
pub mod time;

pub use event_msg::*;
pub use ids::{HistoryMode, ThreadId, ThreadMemoryMode};
pub use line::{
    CompactedItem, DecodeError, EnvelopeHead, OmittedLine, RolloutItem, RolloutLine,
    TurnContextItem,
};
pub use response_item::*;
pub use session_meta::{GitInfo, SessionMeta, source_to_text};

#[cfg(test)]
mod tests;
