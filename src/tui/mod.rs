//! The terminal UI: `app` (state and a pure `update`), `ui` (pure render over `&State`),
//! `runtime` (the event loop, the effect executor, terminal setup), plus the keymap, theme and
//! config they share, `transcript` (rollout lines folded into what the history view shows), and
//! `ui_state` (the layout and preview choices remembered across runs).

pub mod app;
pub mod config;
pub mod keymap;
pub mod runtime;
pub mod theme;
pub mod transcript;
pub mod ui;
pub mod ui_state;

#[cfg(test)]
mod test_support;

pub use runtime::{TuiOptions, run, run_tui};
