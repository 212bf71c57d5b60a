//! How a thread's status and read state look: one glyph per status (its own shape, so it reads
//! without colour too), Codex's `●` for unread, and the words that explain a status.

use chrono::{DateTime, Utc};
use ratatui::style::{Modifier, Style};
use ratatui::text::{Line, Span};
use unicode_width::UnicodeWidthStr;

use crate::store::StoredThread;
use crate::store::status::{ActivityKind, Holder, ThreadStatus};
use crate::text::sanitize::single_line;
use crate::tui::app::State;
use crate::tui::theme::Theme;
use crate::tui::transcript::wrap::truncate_line;

/// Codex's own mark for an unread thread.
pub const UNREAD_GLYPH: &str = "●";

/// Each status's glyph and what it means, for the list and its legend in `?`.
pub const STATUS_LEGEND: [(ThreadStatus, &str, &str); 6] = [
    (ThreadStatus::Working, "▶", "working: a turn runs"),
    (
        ThreadStatus::Waiting,
        "?",
        "waiting for you: an approval or a question",
    ),
    (ThreadStatus::Idle, "○", "idle: open in Codex, turn done"),
    (ThreadStatus::Done, "✓", "done: closed, last turn completed"),
    (
        ThreadStatus::Failed,
        "✗",
        "failed: last turn errored or was aborted",
    ),
    (
        ThreadStatus::Interrupted,
        "!",
        "interrupted: Codex went away mid-turn",
    ),
];

pub fn status_glyph(status: ThreadStatus) -> &'static str {
    STATUS_LEGEND
        .iter()
        .find(|(entry, _, _)| *entry == status)
        .map_or(" ", |(_, glyph, _)| glyph)
}

pub fn status_style(status: ThreadStatus, theme: &Theme) -> Style {
    match status {
        ThreadStatus::Working => theme.live,
        ThreadStatus::Waiting => theme.warning.add_modifier(Modifier::BOLD),
        ThreadStatus::Idle | ThreadStatus::Done => theme.dim,
        ThreadStatus::Failed => theme.failure,
        ThreadStatus::Interrupted => theme.warning,
    }
}

/// The unread mark and the status glyph, two columns.
pub fn row_marks(thread: &StoredThread, theme: &Theme) -> [Span<'static>; 2] {
    let unread = if thread.unread {
        Span::styled(UNREAD_GLYPH, theme.accent)
    } else {
        Span::raw(" ")
    };
    let status = thread.status.status;
    [
        unread,
        Span::styled(status_glyph(status), status_style(status, theme)),
    ]
}

/// "working 2m · cargo test (45s)", "waiting · approve: rm -rf build", "failed · turn aborted
/// (interrupted)", "idle · open in Codex": the status with what explains it, in one line.
pub fn status_line(thread: &StoredThread, now: DateTime<Utc>) -> String {
    let report = &thread.status;
    let mut text = report.status.as_str().to_string();
    if report.status.is_active()
        && let Some(started) = report.turn_started_at
    {
        text.push_str(&format!(" {}", elapsed(now, started)));
    }
    if let Some(activity) = &report.activity {
        let label = crate::text::one_line(&single_line(&activity.label), 60);
        let what = match activity.kind {
            ActivityKind::Command => format!("running {label}"),
            ActivityKind::Tool => format!("calling {label}"),
            ActivityKind::Approval => format!("approve: {label}"),
            ActivityKind::Question => format!("asks: {label}"),
        };
        text.push_str(&format!(" · {what}"));
        if let Some(since) = activity.since.filter(|_| !activity.kind.waits_on_user()) {
            text.push_str(&format!(" ({})", elapsed(now, since)));
        }
    }
    if let Some(failure) = &report.failure {
        text.push_str(&format!(
            " · {}",
            crate::text::one_line(&single_line(failure), 80)
        ));
    }
    if let Some(holder) = report.holder
        && !report.status.is_active()
    {
        text.push_str(&format!(" · {}", holder_words(holder)));
    }
    if thread.unread {
        text.push_str(" · unread");
    }
    text
}

/// Who holds the thread, in a status line.
fn holder_words(holder: Holder) -> &'static str {
    match holder {
        Holder::Codex => "open in Codex",
        Holder::BackgroundAppServer => "held by Codex's background app server (let go soon)",
    }
}

/// "45s", "2m05s", "1h12m".
pub fn elapsed(now: DateTime<Utc>, since: DateTime<Utc>) -> String {
    let seconds = (now - since).num_seconds().max(0);
    match seconds {
        ..60 => format!("{seconds}s"),
        60..3_600 => format!("{}m{:02}s", seconds / 60, seconds % 60),
        _ => format!("{}h{:02}m", seconds / 3_600, (seconds % 3_600) / 60),
    }
}

/// "3 need you", shown in every screen's header once counted.
pub fn attention_badge(state: &State) -> Option<Span<'static>> {
    let count = state.supervision.attention_count()?;
    if count == 0 {
        return Some(Span::styled("all caught up", state.theme.dim));
    }
    Some(Span::styled(
        format!("{count} need{} you (!)", if count == 1 { "s" } else { "" }),
        state.theme.warning.add_modifier(Modifier::BOLD),
    ))
}

/// The attention badge at the right end of a header `width` wide: the width left for the rest,
/// and the spans (a space, then the badge) to put after it. No badge when it does not fit.
pub fn reserve_badge(state: &State, width: u16) -> (usize, Vec<Span<'static>>) {
    let width = usize::from(width);
    match attention_badge(state) {
        Some(badge) if badge.content.width() + 12 <= width => {
            let left = width - badge.content.width() - 1;
            (left, vec![Span::raw(" "), badge])
        }
        _ => (width, Vec::new()),
    }
}

/// `line` cut to leave room for the attention badge, which ends the row `width` wide.
pub fn with_badge(state: &State, line: Line<'static>, width: u16) -> Line<'static> {
    let (room, badge) = reserve_badge(state, width);
    let line = truncate_line(line, room);
    let gap = room.saturating_sub(line.width());
    let mut spans = line.spans;
    if !badge.is_empty() {
        spans.push(Span::raw(" ".repeat(gap)));
        spans.extend(badge);
    }
    Line::from(spans)
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::store::status::{Activity, StatusReport};

    #[test]
    fn every_status_has_its_own_glyph() {
        let glyphs: std::collections::HashSet<&str> =
            ThreadStatus::ALL.iter().map(|s| status_glyph(*s)).collect();
        assert_eq!(glyphs.len(), ThreadStatus::ALL.len());
        assert!(
            !glyphs.contains(UNREAD_GLYPH),
            "unread keeps Codex's mark to itself"
        );
    }

    #[test]
    fn a_working_thread_says_what_runs_and_for_how_long() {
        let now: DateTime<Utc> = "2026-12-01T10:05:00Z".parse().unwrap();
        let mut thread =
            StoredThread::blank("019e2a4c-7b1d-7c42-9a3e-5d1f0c2b8e77".parse().unwrap(), now);
        thread.status = StatusReport {
            status: ThreadStatus::Working,
            turn_started_at: Some("2026-12-01T10:02:55Z".parse().unwrap()),
            activity: Some(Activity {
                kind: ActivityKind::Command,
                label: "cargo\ttest\x1b[2J".into(),
                since: Some("2026-12-01T10:04:15Z".parse().unwrap()),
            }),
            ..Default::default()
        };
        let line = status_line(&thread, now);
        assert!(line.starts_with("working 2m05s · running cargo"), "{line}");
        assert!(line.ends_with("(45s)"), "{line}");
        assert!(!line.contains('\x1b'));
    }
}
