//! An empty Codex state DB (`state_5.sqlite`) that Codex itself created, for test fixtures and
//! generated homes.
//!
//! Codex runs its own migrations on the DB and refuses one whose tables exist without the
//! matching `_sqlx_migrations` history ("migration 1: table threads already exists"), so a
//! hand-written schema cannot stand in for it. Instead we start from the DB a real release
//! wrote while recording `testdata/homes/<release>/` and delete its rows, keeping the schema, the
//! triggers and the migration history exactly as Codex left them.
//!
//! The recorded DBs are embedded so that this works from any working directory (the home
//! generator is an example binary that benchmarks run from anywhere).

use std::fs::File;
use std::io::{self, Write};
use std::path::Path;

use rusqlite::Connection;

/// A release whose state DB was recorded under `testdata/homes/`.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash)]
pub enum StateDbRelease {
    /// Migrations up to 46.
    V0_147_0,
    /// Migrations up to 62.
    V0_169_0,
}

impl StateDbRelease {
    /// What current Codex writes; the default for fixtures and generated homes.
    pub const NEWEST: StateDbRelease = StateDbRelease::V0_169_0;

    pub const ALL: [StateDbRelease; 2] = [StateDbRelease::V0_169_0, StateDbRelease::V0_147_0];

    pub fn version(self) -> &'static str {
        match self {
            StateDbRelease::V0_147_0 => "0.147.0",
            StateDbRelease::V0_169_0 => "0.169.0",
        }
    }

    /// The recorded DB, as that release left it (WAL checkpointed into the file).
    fn recorded_bytes(self) -> &'static [u8] {
        match self {
            StateDbRelease::V0_147_0 => {
                include_bytes!("../../testdata/homes/0.147.0/state_5.sqlite")
            }
            StateDbRelease::V0_169_0 => {
                include_bytes!("../../testdata/homes/0.169.0/state_5.sqlite")
            }
        }
    }
}

/// Tables whose rows are kept: the migration history (Codex checks it on every start) and the
/// built-in "Pinned" section that a migration inserts. Every other table holds rows about the
/// recorded threads (threads, tools, spawn edges, read receipts, attachments, rollout migration
/// progress, the backfill status), which a new home must not inherit.
const KEPT_TABLES: &[&str] = &["_sqlx_migrations", "thread_sections"];

/// Writes an empty state DB of `release` at `path`, which must not exist yet.
///
/// The DB has Codex's schema and migration history, no threads, and no `backfill_state` row:
/// the caller says whether the backfill is complete. It stays in WAL mode, as Codex left it.
pub fn create_empty(path: &Path, release: StateDbRelease) -> io::Result<()> {
    let mut file = File::create_new(path)?;
    file.write_all(release.recorded_bytes())?;
    file.sync_all()?;
    drop(file);
    empty_tables(path).map_err(io::Error::other)
}

fn empty_tables(path: &Path) -> rusqlite::Result<()> {
    let connection = Connection::open(path)?;
    let tables: Vec<String> = connection
        .prepare(
            "SELECT name FROM sqlite_master
             WHERE type = 'table' AND name NOT LIKE 'sqlite\\_%' ESCAPE '\\'
             ORDER BY name",
        )?
        .query_map([], |row| row.get(0))?
        .collect::<Result<_, _>>()?;
    let mut batch = String::from("BEGIN;");
    for table in tables.iter().filter(|t| !KEPT_TABLES.contains(&t.as_str())) {
        batch.push_str(&format!("DELETE FROM \"{table}\";"));
    }
    // AUTOINCREMENT counters would otherwise continue from the recording.
    batch.push_str("DELETE FROM sqlite_sequence; COMMIT;");
    connection.execute_batch(&batch)?;
    // Drops the freed pages, which still hold the recorded rows, and makes the file small.
    connection.execute_batch("VACUUM;")?;
    connection.close().map_err(|(_, err)| err)
}

#[cfg(test)]
mod tests {
    use super::*;

    fn count(connection: &Connection, sql: &str) -> i64 {
        connection.query_row(sql, [], |row| row.get(0)).unwrap()
    }

    #[test]
    fn an_empty_db_keeps_codex_schema_and_history_and_drops_every_thread() {
        for release in StateDbRelease::ALL {
            let dir = tempfile::TempDir::new().unwrap();
            let path = dir.path().join("state_5.sqlite");
            create_empty(&path, release).unwrap();

            let connection = Connection::open(&path).unwrap();
            let migrations = count(&connection, "SELECT count(*) FROM _sqlx_migrations");
            let expected = match release {
                StateDbRelease::V0_147_0 => 46,
                StateDbRelease::V0_169_0 => 62,
            };
            assert_eq!(migrations, expected, "{}", release.version());
            assert_eq!(count(&connection, "SELECT count(*) FROM threads"), 0);
            assert_eq!(count(&connection, "SELECT count(*) FROM backfill_state"), 0);
            assert_eq!(
                count(&connection, "SELECT count(*) FROM thread_sections"),
                1
            );
            let triggers = count(
                &connection,
                "SELECT count(*) FROM sqlite_master WHERE type = 'trigger'",
            );
            assert_eq!(triggers, 5);
            let mode: String = connection
                .query_row("PRAGMA journal_mode", [], |row| row.get(0))
                .unwrap();
            assert_eq!(mode, "wal");
            // Nothing of the recording is left in the file, not even in free pages.
            drop(connection);
            let bytes = std::fs::read(&path).unwrap();
            let needle = b"codex-threads-recording";
            assert!(!bytes.windows(needle.len()).any(|w| w == needle));
        }
    }

    #[test]
    fn an_existing_file_is_not_overwritten() {
        let dir = tempfile::TempDir::new().unwrap();
        let path = dir.path().join("state_5.sqlite");
        std::fs::write(&path, b"mine").unwrap();
        assert!(create_empty(&path, StateDbRelease::NEWEST).is_err());
        assert_eq!(std::fs::read(&path).unwrap(), b"mine");
    }

    #[test]
    fn the_same_release_gives_the_same_bytes() {
        let dir = tempfile::TempDir::new().unwrap();
        let first = dir.path().join("a.sqlite");
        let second = dir.path().join("b.sqlite");
        create_empty(&first, StateDbRelease::NEWEST).unwrap();
        create_empty(&second, StateDbRelease::NEWEST).unwrap();
        assert_eq!(
            std::fs::read(first).unwrap(),
            std::fs::read(second).unwrap()
        );
    }
}
