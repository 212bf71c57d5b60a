//! Support for tests and benchmarks: a generator of large, realistic Codex homes, an empty Codex
//! state DB, a mock model, and drivers for real Codex releases. Nothing here is used by the
//! application itself.

pub mod codex;
pub mod codex_state_db;
pub mod gen_home;
pub mod mock_model;
