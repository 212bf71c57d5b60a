//! `resume`: hands the terminal to Codex resuming a thread, in the thread's directory.

use std::io::Write;

use anyhow::Context;

use crate::launch::resume_launch;
use crate::manager::ThreadManager;
use crate::store::{ReadThreadParams, StoredThread};
use crate::tui::config::{Config, user_config_path};

/// `resume THREAD`.
pub(super) async fn resume(
    manager: &ThreadManager,
    thread: &str,
    out: &mut dyn Write,
) -> anyhow::Result<()> {
    let id = manager.resolve_thread(thread).await?;
    let thread = manager
        .read_thread(ReadThreadParams {
            thread_id: id,
            include_archived: true,
            include_history: false,
        })
        .await?;
    out.flush()?;
    resume_in_codex(&thread)?;
    Ok(())
}

/// Replaces this process with Codex resuming `thread` (on Unix; elsewhere it runs Codex and
/// exits with its status). Returns only when Codex could not be started.
fn resume_in_codex(thread: &StoredThread) -> anyhow::Result<()> {
    let config_path = user_config_path();
    let config_label = config_path.as_deref().map_or_else(
        || "the config file".to_string(),
        |path| path.display().to_string(),
    );
    let codex_command = match Config::load(config_path.as_deref(), true) {
        Ok((config, _)) => config.codex_command,
        Err(err) => {
            eprintln!("codex-threads: {err} (using codex_command = \"codex\")");
            crate::launch::DEFAULT_CODEX_COMMAND.to_string()
        }
    };
    let here = std::env::current_dir().context("cannot read the current directory")?;
    let launch = resume_launch(
        &codex_command,
        thread.thread_id,
        &thread.cwd,
        thread.origin.as_ref(),
        &here,
        &config_label,
    )?;
    if let Some(note) = &launch.note {
        eprintln!("codex-threads: {note}");
    }
    let mut command = launch.command();
    #[cfg(unix)]
    {
        use std::os::unix::process::CommandExt;
        let err = command.exec();
        Err(err).with_context(|| format!("cannot start {}", launch.program.display()))
    }
    #[cfg(not(unix))]
    {
        let status = command
            .status()
            .with_context(|| format!("cannot start {}", launch.program.display()))?;
        std::process::exit(status.code().unwrap_or(1));
    }
}
