//! Fixture helpers for integration tests: temporary Codex homes with real rollout files, a real
//! `session_index.jsonl` and a real Codex state DB (codex-format.md §1–2).
//!
//! ```ignore
//! let home = TestHome::new();
//! let spec = ThreadSpec::new().turn("Fix the flaky login test", "Done.");
//! let written = home.add_thread(&spec);
//! home.create_state_db(SchemaVariant::Current);
//! home.insert_thread_row(&ThreadRow::from_spec(&spec, &written.path));
//! ```
//!
//! Each test binary uses a subset of these helpers.
#![allow(dead_code, unused_imports)]

pub mod binary;
pub mod home;
pub mod lines;
pub mod pg;
pub mod pty;
pub mod recorded;
pub mod releases;
pub mod scan;
pub mod spec;
pub mod state_db;

pub use home::{
    TestHome, WrittenThread, append_raw, compress_rollout, joined_lines, mtime, plain_rollout_path,
    read_rollout, set_mtime,
};
pub use spec::{Entry, Era, ThreadSpec, Turn};
pub use state_db::{
    STATE_DB_FILE_NAME, SchemaVariant, StateDbLock, THREAD_COLUMNS, ThreadRow, thread_columns,
};

use chrono::{DateTime, Utc};

/// Parses an RFC 3339 instant for fixtures: `at("2026-05-14T09:12:33.402Z")`.
pub fn at(rfc3339: &str) -> DateTime<Utc> {
    DateTime::parse_from_rfc3339(rfc3339)
        .unwrap_or_else(|err| panic!("bad fixture time {rfc3339:?}: {err}"))
        .with_timezone(&Utc)
}
