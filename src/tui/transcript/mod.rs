//! Drawing a thread's history: each item of the history model (`crate::history`) as styled
//! lines at a given width (`cells`), with the helpers they need (markdown, wrapping).

pub mod cells;
pub mod markdown;
pub mod wrap;
