//! The event loop: messages in, `update`, effects out to the executor, a frame drawn when
//! something changed. Generic over the ratatui `Backend`, so tests run it on `TestBackend`.

pub mod clipboard;
mod executor;
pub mod host;
pub mod notify;
mod search;
pub mod terminal;

use std::collections::VecDeque;
use std::path::{Path, PathBuf};
use std::sync::Arc;

use anyhow::anyhow;
use chrono::{Local, Offset, Utc};
use ratatui::Terminal;
use ratatui::backend::Backend;
use tokio::sync::mpsc;

use crate::launch::{LaunchMode, codex_launch};
use crate::manager::ThreadManager;
use crate::store::SourceFilter;
use crate::tui::app::{Effect, Msg, Scope, State, update};
use crate::tui::config::{Config, user_config_path};
use crate::tui::ui;
use crate::tui::ui_state::{self, UiState};
pub use executor::Executor;
pub use host::{CrosstermHost, NoHost, TerminalHost};

/// Messages handled before the next frame is drawn, at most.
const MAX_BATCH: usize = 256;

/// How `run_tui` starts.
#[derive(Clone, Debug)]
pub struct TuiOptions {
    /// A line shown above everything, e.g. "Demo home — …".
    pub banner: Option<String>,
    /// The directory of the "this directory" scope.
    pub cwd: PathBuf,
    /// Start with the "this directory" scope instead of all directories.
    pub this_directory_only: bool,
    /// The sources listed at start (`--source`).
    pub source: SourceFilter,
    /// Draw without colours (bold, dim and reverse stay).
    pub no_color: bool,
    /// The user config file; `None` means `$XDG_CONFIG_HOME/codex-threads/config.toml`.
    pub config_path: Option<PathBuf>,
    /// Where the layout and preview choices are remembered; `None` means
    /// `$XDG_STATE_HOME/codex-threads/ui-state.toml`.
    pub ui_state_path: Option<PathBuf>,
}

impl TuiOptions {
    /// Options for `cwd`, with `NO_COLOR` read from the environment.
    pub fn new(cwd: PathBuf) -> Self {
        TuiOptions {
            banner: None,
            cwd,
            this_directory_only: false,
            source: SourceFilter::All,
            no_color: std::env::var_os("NO_COLOR").is_some_and(|value| !value.is_empty()),
            config_path: None,
            ui_state_path: None,
        }
    }
}

/// Opens the TUI on the real terminal and runs until the user quits. The terminal is restored
/// on return, on error and on panic.
pub async fn run_tui(manager: Arc<ThreadManager>, options: TuiOptions) -> anyhow::Result<()> {
    let ui_state_path = options
        .ui_state_path
        .clone()
        .or_else(ui_state::default_path);
    let state = initial_state(&options, ui_state_path.as_deref())?;
    terminal::install_panic_hook();
    let (mut terminal, guard) = terminal::setup()?;
    let (messages, input) = mpsc::channel(MAX_BATCH);
    let mut host = CrosstermHost::new(messages);
    let result = run_with_host(
        &mut terminal,
        manager,
        state,
        input,
        ui_state_path,
        &mut host,
    )
    .await;
    host.stop_input().await;
    drop(guard);
    result.map(|_| ())
}

/// The state the TUI starts in: the config (the defaults when the user's file is bad), then the
/// remembered layout and preview choices from `ui_state_path`, if any.
fn initial_state(options: &TuiOptions, ui_state_path: Option<&Path>) -> anyhow::Result<State> {
    let path = options.config_path.clone().or_else(user_config_path);
    let (config, problem) = match Config::load(path.as_deref(), options.no_color) {
        Ok((config, problems)) => (config, problems.into_iter().next()),
        Err(err) => (
            Config::builtin(options.no_color)?,
            Some(format!("{err} (using the default config)")),
        ),
    };
    let config_launch = config.launch;
    let mut state = State::new(config, options.cwd.clone(), Utc::now());
    state.config_label = path.as_deref().map_or_else(
        || "the config file".to_string(),
        |path| path.display().to_string(),
    );
    state.list.source = options.source.clone();
    state.banner = options.banner.clone();
    state.utc_offset = Local::now().offset().fix();
    state.launch_mode = LaunchMode::resolve(config_launch, LaunchMode::inside_tmux());
    if options.this_directory_only {
        state.list.scope = Scope::ThisDirectory;
    }
    if let Some(path) = ui_state_path {
        state.list.apply_ui_state(UiState::load(path));
    }
    if let Some(problem) = problem {
        state.set_error(problem);
    }
    Ok(state)
}

/// The loop. Ends when `update` asks to quit or the input ends; returns the final state.
/// Layout and preview choices are saved to `ui_state_path` (not at all when `None`).
pub async fn run<B: Backend>(
    terminal: &mut Terminal<B>,
    manager: Arc<ThreadManager>,
    state: State,
    input: mpsc::Receiver<Msg>,
    ui_state_path: Option<PathBuf>,
) -> anyhow::Result<State> {
    run_with_host(terminal, manager, state, input, ui_state_path, &mut NoHost).await
}

/// The loop, with `host` for what goes past the frames: Codex in the foreground, OSC 52.
pub async fn run_with_host<B: Backend, H: TerminalHost<B>>(
    terminal: &mut Terminal<B>,
    manager: Arc<ThreadManager>,
    mut state: State,
    mut input: mpsc::Receiver<Msg>,
    ui_state_path: Option<PathBuf>,
    host: &mut H,
) -> anyhow::Result<State> {
    let (results_tx, mut results) = mpsc::unbounded_channel();
    let mut executor = Executor::new(manager, results_tx, ui_state_path);
    let size = terminal
        .size()
        .map_err(|err| anyhow!("cannot read the terminal size: {err}"))?;
    let mut batch = VecDeque::from([
        Msg::Resize {
            width: size.width,
            height: size.height,
        },
        Msg::Start,
    ]);
    loop {
        while let Some(msg) = batch.pop_front() {
            for effect in update(&mut state, msg) {
                match effect {
                    Effect::Quit => state.quit = true,
                    Effect::LaunchCodex(request) => {
                        let launch = codex_launch(
                            &request.codex_command,
                            request.session,
                            &request.cwd,
                            request.origin.as_ref(),
                            &state.cwd,
                            &state.config_label,
                        )
                        .map_err(|err| err.to_string());
                        if request.mode != LaunchMode::Replace {
                            // Beside us, in tmux: the loop goes on.
                            executor.open_in_tmux(launch, request.mode, request.window_name);
                            continue;
                        }
                        let back = match launch {
                            Ok(launch) => resume_in_codex(terminal, host, launch).await,
                            Err(err) => Err(err),
                        };
                        // The clock stood still for us while Codex ran (the status line's
                        // age and relative times count from it), and the terminal may have
                        // been resized.
                        batch.push_back(Msg::Tick(Utc::now()));
                        if let Ok(size) = terminal.size() {
                            batch.push_back(Msg::Resize {
                                width: size.width,
                                height: size.height,
                            });
                        }
                        batch.push_back(Msg::BackFromCodex(back));
                    }
                    Effect::Notify(notification) => {
                        let in_tmux = std::env::var_os("TMUX").is_some_and(|v| !v.is_empty());
                        let sequence = notify::terminal_sequence(&notification, in_tmux);
                        if let Err(err) = host.write_escape(terminal, &sequence) {
                            tracing::warn!(%err, "could not write the notification");
                        }
                        if let Some(command) = &state.notify.command {
                            notify::run_notify_command(command, &notification);
                        }
                    }
                    Effect::Copy { text } => {
                        let sequence = clipboard::osc52(&text);
                        if let Err(err) = host.write_escape(terminal, &sequence) {
                            tracing::warn!(%err, "could not write the OSC 52 sequence");
                        }
                        executor.execute(Effect::Copy { text });
                    }
                    effect => executor.execute(effect),
                }
            }
        }
        terminal
            .draw(|frame| ui::render(frame, &state))
            .map_err(|err| anyhow!("drawing failed: {err}"))?;
        if state.quit {
            break;
        }
        let next = tokio::select! {
            msg = input.recv() => msg,
            Some(msg) = results.recv() => Some(msg),
        };
        let Some(first) = next else {
            break;
        };
        batch.push_back(first);
        while batch.len() < MAX_BATCH {
            match results.try_recv().ok().or_else(|| input.try_recv().ok()) {
                Some(msg) => batch.push_back(msg),
                None => break,
            }
        }
    }
    executor.stop_all();
    Ok(state)
}

/// Runs Codex with the terminal until it exits; what the status line says after.
async fn resume_in_codex<B: Backend, H: TerminalHost<B>>(
    terminal: &mut Terminal<B>,
    host: &mut H,
    launch: crate::launch::CodexLaunch,
) -> Result<String, String> {
    tracing::info!(program = %launch.program.display(), args = ?launch.args, cwd = %launch.cwd.display(), "starting Codex in this terminal");
    let status = host
        .run_foreground(terminal, launch.command())
        .await
        .map_err(|err| format!("Could not run {}: {err}", launch.program.display()))?;
    let mut text = match status.code() {
        Some(0) => "Back from Codex".to_string(),
        Some(code) => format!("Back from Codex (it exited with status {code})"),
        None => "Back from Codex (it was ended by a signal)".to_string(),
    };
    if let Some(note) = launch.note {
        text.push_str(&format!("; {note}"));
    }
    Ok(text)
}

#[cfg(test)]
mod tests;
