//! Support for tests and benchmarks: a generator of large, realistic Codex homes, a mock model,
//! and drivers for real Codex releases. Nothing here is used by the application itself.

pub mod codex;
pub mod gen_home;
pub mod mock_model;

/// The thread tables of Codex's `state_5.sqlite` as of about May/June 2026 (codex-format §1.4).
pub const CODEX_STATE_SCHEMA_SQL: &str = include_str!("../../testdata/codex_state_schema.sql");
