//! Terminal setup and restore (raw mode, alternate screen, mouse capture), a panic hook that
//! restores the terminal first, and the crossterm event stream turned into messages.

use std::io::{self, Stdout};
use std::time::Duration;

use chrono::Utc;
use crossterm::event::{
    DisableMouseCapture, EnableMouseCapture, Event, EventStream, KeyEventKind, MouseEventKind,
};
use crossterm::execute;
use crossterm::terminal::{
    EnterAlternateScreen, LeaveAlternateScreen, disable_raw_mode, enable_raw_mode,
};
use futures::StreamExt;
use ratatui::Terminal;
use ratatui::backend::CrosstermBackend;
use tokio::sync::mpsc;
use tokio::task::JoinHandle;

use crate::tui::app::Msg;

/// How often the clock ticks (relative times in the list).
const TICK: Duration = Duration::from_secs(1);

pub type CrosstermTerminal = Terminal<CrosstermBackend<Stdout>>;

/// Restores the terminal when dropped, also on early returns and errors.
pub struct TerminalGuard;

impl Drop for TerminalGuard {
    fn drop(&mut self) {
        if let Err(err) = restore() {
            tracing::warn!(%err, "could not restore the terminal");
        }
    }
}

/// Raw mode, the alternate screen and mouse capture. The guard undoes them.
pub fn setup() -> io::Result<(CrosstermTerminal, TerminalGuard)> {
    let guard = TerminalGuard;
    enter()?;
    let terminal = Terminal::new(CrosstermBackend::new(io::stdout()))?;
    Ok((terminal, guard))
}

/// Raw mode, the alternate screen and mouse capture: at start, and when a program that had the
/// terminal (Codex) gives it back.
pub fn enter() -> io::Result<()> {
    enable_raw_mode()?;
    execute!(io::stdout(), EnterAlternateScreen, EnableMouseCapture)
}

/// Puts the terminal back; every step is tried even if an earlier one fails.
pub fn restore() -> io::Result<()> {
    let raw_mode = disable_raw_mode();
    let screen = execute!(
        io::stdout(),
        LeaveAlternateScreen,
        DisableMouseCapture,
        crossterm::cursor::Show
    );
    raw_mode.and(screen)
}

/// Restores the terminal before the default panic message is printed.
pub fn install_panic_hook() {
    let previous = std::panic::take_hook();
    std::panic::set_hook(Box::new(move |info| {
        // A panic in a background task ends only that task (the UI goes on and shows the
        // failure); only the UI thread's own panic ends the program and needs the terminal back.
        if std::thread::current().name() == Some("main") {
            let _ = restore();
        }
        previous(info);
    }));
}

/// Terminal events and clock ticks, as messages, until the receiver goes away.
pub fn spawn_terminal_input(messages: mpsc::Sender<Msg>) -> JoinHandle<()> {
    tokio::spawn(async move {
        let mut events = EventStream::new();
        let mut ticker = tokio::time::interval(TICK);
        loop {
            let msg = tokio::select! {
                event = events.next() => match event {
                    Some(Ok(event)) => match event_to_msg(event) {
                        Some(msg) => {
                            // The clock as the key is pressed: `update` times keys with it (the
                            // list holds still while keys are recent), and the last tick may be
                            // most of a second old.
                            let input = match &msg {
                                Msg::Key(_) => true,
                                Msg::Mouse(mouse) => mouse.kind != MouseEventKind::Moved,
                                _ => false,
                            };
                            if input
                                && messages.send(Msg::Tick(Utc::now())).await.is_err()
                            {
                                break;
                            }
                            msg
                        }
                        None => continue,
                    },
                    Some(Err(err)) => {
                        tracing::warn!(%err, "terminal input failed");
                        break;
                    }
                    None => break,
                },
                _ = ticker.tick() => Msg::Tick(Utc::now()),
            };
            if messages.send(msg).await.is_err() {
                break;
            }
        }
    })
}

pub fn event_to_msg(event: Event) -> Option<Msg> {
    match event {
        Event::Key(key) if key.kind != KeyEventKind::Release => Some(Msg::Key(key)),
        Event::Mouse(mouse) => Some(Msg::Mouse(mouse)),
        Event::Resize(width, height) => Some(Msg::Resize { width, height }),
        _ => None,
    }
}
