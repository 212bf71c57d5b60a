//! `delete --dry-run`: says which threads would go to the trash, and where from, and changes
//! nothing (the rollout stays, byte for byte, and so does its state DB row).

mod common;

use clap::Parser;
use codex_threads::cli::{Cli, run_command};
use codex_threads::manager::ThreadManager;
use codex_threads::store::local::{LocalStoreOptions, LocalThreadStore};
use common::{SchemaVariant, TestHome, ThreadSpec};

#[tokio::test]
async fn a_dry_run_names_the_rollouts_and_changes_nothing() {
    let home = TestHome::new();
    home.create_state_db(SchemaVariant::Current);
    let written = home.add_indexed_thread(&ThreadSpec::new().turn("Keep me", "ok"));
    let before = std::fs::read(&written.path).unwrap();
    let row_before = home.state_db_row(written.id);
    let manager = ThreadManager::new(std::sync::Arc::new(LocalThreadStore::open(
        home.path(),
        LocalStoreOptions::default(),
    )));
    let id = written.id.to_string();
    let home_arg = home.path().to_string_lossy().into_owned();
    let cli = Cli::try_parse_from([
        "codex-threads",
        "--codex-home",
        &home_arg,
        "delete",
        &id,
        "--dry-run",
    ])
    .unwrap();
    let mut out = Vec::new();
    run_command(&manager, cli.command.unwrap(), &mut out)
        .await
        .unwrap();
    let out = String::from_utf8(out).unwrap();
    assert!(
        out.starts_with(&format!("would delete {id} “Keep me”")),
        "{out}"
    );
    assert!(
        out.contains(
            &written
                .path
                .file_name()
                .unwrap()
                .to_string_lossy()
                .to_string()
        )
    );
    assert_eq!(std::fs::read(&written.path).unwrap(), before);
    assert_eq!(home.state_db_row(written.id), row_before);
    assert!(written.path.exists());
}
