//! Telling the user that a thread changed: the terminal's own notifications (OSC 9, which
//! iTerm2, WezTerm, kitty and Windows Terminal show; OSC 777 `notify`, which foot, rxvt and VTE
//! terminals show; a bell for the rest) and the user's `notify_command`.

use std::process::Stdio;

use crate::text::sanitize::single_line;
use crate::tui::app::{Notification, NotifyEvent};

/// What the notification says, in one line with nothing a terminal would act on.
pub fn notification_text(notification: &Notification) -> String {
    let what = match notification.event {
        NotifyEvent::Waiting => "waits for you",
        NotifyEvent::Failed => "failed",
        NotifyEvent::Finished => "finished its turn",
    };
    let title = single_line(&notification.title);
    let title = crate::text::one_line(&title, 120);
    // A terminal ends the sequence at BEL or ESC; `single_line` shows those as text already.
    format!("Codex thread {what}: {title}")
}

/// The bytes written to the terminal. Inside tmux an escape sequence reaches the outer
/// terminal only through tmux's passthrough (when `allow-passthrough` is on), so the bell goes
/// with it as the fallback tmux always shows.
pub fn terminal_sequence(notification: &Notification, in_tmux: bool) -> Vec<u8> {
    let text = notification_text(notification);
    // OSC 777's fields are separated by `;`.
    let body = text.replace(';', ",");
    let osc = format!("\x1b]9;{text}\x07\x1b]777;notify;codex-threads;{body}\x07");
    if !in_tmux {
        return osc.into_bytes();
    }
    let mut bytes = Vec::new();
    for sequence in osc.split_inclusive('\x07') {
        // tmux passthrough: DCS tmux; with every ESC doubled, ended by ST.
        bytes.extend_from_slice(b"\x1bPtmux;");
        bytes.extend_from_slice(sequence.replace('\x1b', "\x1b\x1b").as_bytes());
        bytes.extend_from_slice(b"\x1b\\");
    }
    bytes.push(0x07);
    bytes
}

/// Runs `notify_command` for one event, without a shell, its output discarded; it is not
/// waited for here (a task reaps it). Errors are logged: a notification never stops the TUI.
pub fn run_notify_command(command: &str, notification: &Notification) {
    let words = match crate::launch::split_words(command) {
        Ok(words) if !words.is_empty() => words,
        Ok(_) => return,
        Err(err) => {
            tracing::warn!(%err, "notify_command cannot be split into words");
            return;
        }
    };
    let mut process = tokio::process::Command::new(&words[0]);
    process
        .args(&words[1..])
        .env("CODEX_THREADS_EVENT", notification.event.as_str())
        .env(
            "CODEX_THREADS_THREAD_ID",
            notification.thread_id.to_string(),
        )
        .env("CODEX_THREADS_TITLE", &notification.title)
        .stdin(Stdio::null())
        .stdout(Stdio::null())
        .stderr(Stdio::null())
        .kill_on_drop(false);
    match process.spawn() {
        Ok(mut child) => {
            tokio::spawn(async move {
                let _ = child.wait().await;
            });
        }
        Err(err) => tracing::warn!(%err, program = %words[0], "notify_command failed to start"),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn notification(title: &str) -> Notification {
        Notification {
            event: NotifyEvent::Finished,
            thread_id: "019e2a4c-7b1d-7c42-9a3e-5d1f0c2b8e77".parse().unwrap(),
            title: title.to_string(),
        }
    }

    #[test]
    fn the_sequences_carry_a_clean_one_line_text() {
        let bytes = terminal_sequence(&notification("fix; the \x1b]0;evil\x07 bug\nnow"), false);
        let text = String::from_utf8(bytes).unwrap();
        assert!(text.starts_with("\x1b]9;Codex thread finished its turn: fix; the "));
        assert!(
            text.contains(
                "\x1b]777;notify;codex-threads;Codex thread finished its turn: fix, the "
            )
        );
        // Two sequences, each ended by its own BEL; the title's escape never reaches the terminal.
        assert_eq!(text.matches('\x07').count(), 2);
        assert_eq!(text.matches('\x1b').count(), 2);
        assert!(!text.contains('\n'));
    }

    #[test]
    fn inside_tmux_the_sequences_pass_through_and_the_bell_follows() {
        let bytes = terminal_sequence(&notification("done"), true);
        let text = String::from_utf8(bytes).unwrap();
        assert!(text.starts_with("\x1bPtmux;\x1b\x1b]9;Codex thread"));
        assert_eq!(text.matches("\x1bPtmux;").count(), 2);
        assert!(text.ends_with("\x1b\\\x07"));
    }
}
