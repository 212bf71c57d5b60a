//! Where a command's threads come from: the Codex home, the demo home, or a shared store;
//! and the TUI opened on one of them.

use std::path::{Path, PathBuf};
use std::sync::Arc;

use anyhow::{Context, bail};

use crate::demo::{DemoHome, LiveSession};
use crate::manager::ThreadManager;
use crate::rollout::{HomePresence, check_home};
use crate::store::SourceFilter;
use crate::store::local::{LocalStoreOptions, LocalThreadStore};
use crate::store::pg::PgThreadStore;
use crate::tui::{TuiOptions, run_tui};

/// `--codex-home`, else `$CODEX_HOME`, else `~/.codex`.
pub fn codex_home(explicit: Option<&Path>) -> anyhow::Result<PathBuf> {
    if let Some(home) = explicit {
        return Ok(home.to_path_buf());
    }
    if let Some(home) = std::env::var_os("CODEX_HOME").filter(|home| !home.is_empty()) {
        return Ok(PathBuf::from(home));
    }
    let user_home =
        dirs::home_dir().context("cannot find the home directory; pass --codex-home")?;
    Ok(user_home.join(".codex"))
}

/// A manager over the local store of an existing Codex home.
pub fn open_manager(home: &Path) -> anyhow::Result<Arc<ThreadManager>> {
    require_home(home)?;
    let store = LocalThreadStore::open(home, LocalStoreOptions::from_env());
    Ok(Arc::new(ThreadManager::new(Arc::new(store))))
}

/// Fails unless `home` is a readable directory, saying what it is instead.
pub(super) fn require_home(home: &Path) -> anyhow::Result<()> {
    match check_home(home)? {
        HomePresence::Present => Ok(()),
        HomePresence::Missing => bail!("Codex home {} does not exist", home.display()),
    }
}

/// A manager over a fresh copy of the demo home: nothing of it is kept in our own cache or
/// state directories (no summary index, read marks in memory).
pub(super) fn demo_manager(home: &Path) -> Arc<ThreadManager> {
    let store = LocalThreadStore::open(home, LocalStoreOptions::default());
    Arc::new(ThreadManager::new(Arc::new(store)))
}

/// The shared store to use: `--store`, else `$CODEX_THREADS_STORE`, else the `store` key of
/// `$XDG_CONFIG_HOME/codex-threads/config.toml`; `None`: the Codex home. A config file that
/// others may read is refused when its URL holds a password.
pub fn store_url(explicit: Option<&str>) -> anyhow::Result<Option<String>> {
    let non_empty = |url: &str| (!url.trim().is_empty()).then(|| url.trim().to_string());
    if let Some(url) = explicit {
        return Ok(non_empty(url));
    }
    if let Ok(url) = std::env::var("CODEX_THREADS_STORE") {
        return Ok(non_empty(&url));
    }
    let Some(path) = dirs::config_dir().map(|dir| dir.join("codex-threads").join("config.toml"))
    else {
        return Ok(None);
    };
    let Ok(text) = crate::rollout::read_regular_to_string(&path) else {
        return Ok(None);
    };
    let Some(url) = text
        .parse::<toml::Table>()
        .ok()
        .and_then(|config| config.get("store")?.as_str().and_then(non_empty))
    else {
        return Ok(None);
    };
    crate::store::pg::check_config_store_url(&path, &url)?;
    Ok(Some(url))
}

/// A password typed into a store URL shows in the process list and the shell's history.
pub(super) fn warn_password_on_command_line(url: &str) {
    if crate::store::pg::url_has_password(url) {
        eprintln!(
            "codex-threads: warning: {}",
            crate::store::pg::COMMAND_LINE_PASSWORD
        );
    }
}

/// A manager over a shared PostgreSQL store. Errors name the store without its password.
pub async fn open_store_manager(url: &str) -> anyhow::Result<Arc<ThreadManager>> {
    let store = PgThreadStore::connect(url).await?;
    Ok(Arc::new(ThreadManager::new(Arc::new(store))))
}

/// The demo thread that plays live is started here, like the demo's other threads.
const DEMO_LIVE_CWD: &str = "/home/demo/src/widget";

/// How long the demo's live session pauses between steps: a human pace.
const DEMO_PACE: std::time::Duration = std::time::Duration::from_millis(1500);

/// Overrides the demo's pace in milliseconds; `0` plays the whole session at once, so the
/// screen settles (the README's screenshot is taken that way).
const DEMO_PACE_ENV: &str = "CODEX_THREADS_DEMO_PACE_MS";

fn demo_pace() -> std::time::Duration {
    std::env::var(DEMO_PACE_ENV)
        .ok()
        .and_then(|ms| ms.parse().ok())
        .map_or(DEMO_PACE, std::time::Duration::from_millis)
}

/// Opens the TUI on the Codex home, or on the embedded demo home when asked to or when there
/// is no Codex home at all. A home that is there but cannot be opened fails before the
/// terminal is taken, as the commands do: the demo would hide the mistake.
pub(super) async fn open_tui(home: &Path, demo: bool, source: SourceFilter) -> anyhow::Result<()> {
    let cwd = std::env::current_dir().unwrap_or_default();
    let mut options = TuiOptions::new(cwd);
    options.source = source;
    if !demo && check_home(home)? == HomePresence::Present {
        return run_tui(open_manager(home)?, options).await;
    }
    let demo_home = DemoHome::create()?;
    let manager = demo_manager(demo_home.path());
    // The live thread is in the home before the list first loads; it plays on from there.
    let live = LiveSession::new(demo_pace())
        .start(manager.clone(), PathBuf::from(DEMO_LIVE_CWD))
        .await?;
    let live = tokio::spawn(live.play());
    options.banner = Some(if demo {
        demo_home.banner()
    } else {
        format!(
            "No Codex home at {} — {}",
            home.display(),
            demo_home.banner()
        )
    });
    let result = run_tui(manager, options).await;
    live.abort();
    result
}
