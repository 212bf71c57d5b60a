//! Local store tests on real temporary Codex homes live in tests/local_store.rs.
