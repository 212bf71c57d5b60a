//! `sync --to URL`: this Codex home's threads pushed into a shared PostgreSQL store.

use std::path::Path;

use super::open::require_home;
use crate::store::local::{LocalStoreOptions, LocalThreadStore};
use crate::store::pg::{PgThreadStore, redact_url};
use crate::text::single_line;
use crate::tui::config::user_config_path;

/// What `sync` and `export --redact` read from the user's config.
pub(super) fn user_sync_policy(redact: bool) -> anyhow::Result<crate::sync::SyncPolicy> {
    crate::sync::SyncPolicy::load(user_config_path().as_deref(), redact)
}

/// `sync --to URL [--watch] [--no-redact]`: one line per pass on stderr (the URL shown without
/// password).
pub(super) async fn run_sync(
    home: &Path,
    url: &str,
    watch: bool,
    redact: bool,
) -> anyhow::Result<()> {
    require_home(home)?;
    let policy = user_sync_policy(redact)?;
    if !redact {
        eprintln!(
            "codex-threads: warning: --no-redact: lines go to the store as they are, with any \
             keys, tokens and passwords in them, readable by everyone the store lets read them"
        );
    }
    let local = LocalThreadStore::open(home, LocalStoreOptions::from_env());
    let store = PgThreadStore::connect(url).await?;
    let origin = crate::sync::origin_of(home);
    let target = redact_url(url);
    let say = |report: &crate::sync::SyncReport, took: std::time::Duration| {
        for message in &report.not_owned {
            eprintln!("codex-threads: warning: {}", single_line(message));
        }
        if !watch || report.changed > 0 {
            eprintln!("codex-threads: {}", report.describe(&target, took));
        }
    };
    if watch {
        crate::sync::sync_watch_with(&local, &store, &origin, &policy, say).await?;
    } else {
        let started = std::time::Instant::now();
        let report = crate::sync::sync_once_with(&local, &store, &origin, &policy).await?;
        say(&report, started.elapsed());
    }
    Ok(())
}
