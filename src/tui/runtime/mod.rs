//! The event loop: messages in, `update`, effects out to the executor, a frame drawn when
//! something changed. Generic over the ratatui `Backend`, so tests run it on `TestBackend`.

mod executor;
mod search;
pub mod terminal;

use std::path::{Path, PathBuf};
use std::sync::Arc;

use anyhow::anyhow;
use chrono::{Local, Offset, Utc};
use ratatui::Terminal;
use ratatui::backend::Backend;
use tokio::sync::mpsc;

use crate::manager::ThreadManager;
use crate::tui::app::{Effect, Msg, Scope, State, update};
use crate::tui::config::{Config, user_config_path};
use crate::tui::ui;
use crate::tui::ui_state::{self, UiState};
pub use executor::Executor;

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
    let input_task = terminal::spawn_terminal_input(messages);
    let result = run(&mut terminal, manager, state, input, ui_state_path).await;
    input_task.abort();
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
    let mut state = State::new(config, options.cwd.clone(), Utc::now());
    state.banner = options.banner.clone();
    state.utc_offset = Local::now().offset().fix();
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
    mut state: State,
    mut input: mpsc::Receiver<Msg>,
    ui_state_path: Option<PathBuf>,
) -> anyhow::Result<State> {
    let (results_tx, mut results) = mpsc::unbounded_channel();
    let mut executor = Executor::new(manager, results_tx, ui_state_path);
    let size = terminal
        .size()
        .map_err(|err| anyhow!("cannot read the terminal size: {err}"))?;
    let mut batch = vec![
        Msg::Resize {
            width: size.width,
            height: size.height,
        },
        Msg::Start,
    ];
    loop {
        for msg in batch.drain(..) {
            for effect in update(&mut state, msg) {
                match effect {
                    Effect::Quit => state.quit = true,
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
        batch.push(first);
        while batch.len() < MAX_BATCH {
            match results.try_recv().ok().or_else(|| input.try_recv().ok()) {
                Some(msg) => batch.push(msg),
                None => break,
            }
        }
    }
    executor.stop_all();
    Ok(state)
}

#[cfg(test)]
mod tests;
