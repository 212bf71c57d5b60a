//! What the loop needs of the terminal besides drawing: handing it to another program (Codex)
//! and taking it back, and writing an escape sequence (OSC 52) between frames. The real
//! terminal does both; the loop on `TestBackend` gets `NoHost` or a test's fake.

use std::io::{self, Stdout, Write};
use std::process::{Command, ExitStatus};

use ratatui::Terminal;
use ratatui::backend::{Backend, CrosstermBackend};
use tokio::sync::mpsc;
use tokio::task::JoinHandle;

use super::terminal;
use crate::tui::app::Msg;

pub trait TerminalHost<B: Backend> {
    /// Runs `command` with the terminal as its own (cooked mode, main screen, our input
    /// reader stopped) until it exits, then takes the terminal back and redraws from scratch.
    fn run_foreground(
        &mut self,
        terminal: &mut Terminal<B>,
        command: Command,
    ) -> impl Future<Output = io::Result<ExitStatus>>;

    /// Writes bytes straight to the terminal (between frames, so they never split one).
    fn write_escape(&mut self, terminal: &mut Terminal<B>, bytes: &[u8]) -> io::Result<()>;
}

/// No terminal to hand over or write to (the loop on a test backend).
pub struct NoHost;

impl<B: Backend> TerminalHost<B> for NoHost {
    async fn run_foreground(
        &mut self,
        _terminal: &mut Terminal<B>,
        _command: Command,
    ) -> io::Result<ExitStatus> {
        Err(io::Error::other("there is no terminal to hand over"))
    }

    fn write_escape(&mut self, _terminal: &mut Terminal<B>, _bytes: &[u8]) -> io::Result<()> {
        Ok(())
    }
}

/// The real terminal, and the task that turns its input into messages: stopped while another
/// program has the terminal (it would otherwise take that program's keys), started again after.
pub struct CrosstermHost {
    messages: mpsc::Sender<Msg>,
    input: Option<JoinHandle<()>>,
}

impl CrosstermHost {
    /// Starts reading the terminal's input into `messages`.
    pub fn new(messages: mpsc::Sender<Msg>) -> Self {
        let input = Some(terminal::spawn_terminal_input(messages.clone()));
        CrosstermHost { messages, input }
    }

    /// Stops the input task and waits until it is gone (its event stream dropped).
    pub async fn stop_input(&mut self) {
        if let Some(task) = self.input.take() {
            task.abort();
            let _ = task.await;
        }
    }
}

impl TerminalHost<CrosstermBackend<Stdout>> for CrosstermHost {
    async fn run_foreground(
        &mut self,
        terminal: &mut Terminal<CrosstermBackend<Stdout>>,
        command: Command,
    ) -> io::Result<ExitStatus> {
        self.stop_input().await;
        terminal::restore()?;
        let status = {
            // Codex shares our process group: a Ctrl-C that reaches it as a signal (before it
            // takes raw mode, say) must not end us too.
            let _interrupts = ignore_interrupts();
            tokio::process::Command::from(command).status().await
        };
        let entered = terminal::enter().and_then(|()| {
            crossterm::execute!(
                terminal.backend_mut(),
                crossterm::terminal::Clear(crossterm::terminal::ClearType::All)
            )
        });
        // The screen is blank now, whatever our last frame was: forget both buffers so that
        // the next frame is drawn whole. (`Terminal::clear` would ask the terminal for the
        // cursor position, which not every terminal answers.)
        terminal.swap_buffers();
        terminal.swap_buffers();
        self.input = Some(terminal::spawn_terminal_input(self.messages.clone()));
        entered?;
        status
    }

    fn write_escape(
        &mut self,
        terminal: &mut Terminal<CrosstermBackend<Stdout>>,
        bytes: &[u8],
    ) -> io::Result<()> {
        let backend = terminal.backend_mut();
        backend.write_all(bytes)?;
        Write::flush(backend)
    }
}

/// Catches SIGINT and SIGQUIT: tokio's handler records them and nobody reads them. Tokio keeps
/// its handler installed afterwards, which changes nothing for us: in raw mode Ctrl-C is a key.
/// The child runs with the default handlers (exec resets caught signals).
#[cfg(unix)]
fn ignore_interrupts() -> Vec<tokio::signal::unix::Signal> {
    use tokio::signal::unix::{SignalKind, signal};
    [SignalKind::interrupt(), SignalKind::quit()]
        .into_iter()
        .filter_map(|kind| signal(kind).ok())
        .collect()
}

#[cfg(not(unix))]
fn ignore_interrupts() {}
