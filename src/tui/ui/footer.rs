//! The footer: the status line (or key hints) on the left, the position on the right.

use ratatui::Frame;
use ratatui::layout::Rect;
use ratatui::style::Modifier;
use ratatui::text::{Line, Span};
use ratatui::widgets::Paragraph;
use unicode_width::UnicodeWidthStr;

use super::history::position;
use super::layout::history_page_lines;
use crate::text::sanitize::single_line;
use crate::tui::app::{Overlay, Screen, SearchProgress, State, StatusKind, Tab};
use crate::tui::keymap::{Action, Mode};
use crate::tui::theme::Theme;
use crate::tui::transcript::wrap::truncate;

pub fn render(frame: &mut Frame, state: &State, area: Rect) {
    if area.height == 0 {
        return;
    }
    let theme = &state.theme;
    let width = usize::from(area.width);
    let mut right: Vec<Span> = Vec::new();
    match state.screen {
        Screen::List if state.full_text.is_some() => {
            if let Some(SearchProgress::Done(stats)) =
                state.full_text.as_ref().map(|results| &results.progress)
            {
                push_skipped(&mut right, stats.skipped.len(), theme);
            }
            if let Some(results) = state.full_text.as_ref().filter(|r| !r.rows.is_empty()) {
                let more = if results.running() { "…" } else { "" };
                right.push(Span::styled(
                    format!("{} / {}{more}", results.selected + 1, results.rows.len()),
                    theme.dim,
                ));
            }
        }
        Screen::List => {
            let list = &state.list;
            push_skipped(&mut right, list.skipped.len(), theme);
            if !list.marked.is_empty() {
                right.push(Span::styled(
                    format!("{} marked", list.marked.len()),
                    theme.accent,
                ));
                right.push(Span::raw("  "));
            }
            if !list.matches.is_empty() {
                let more = if list.has_more() { "+" } else { "" };
                right.push(Span::styled(
                    format!("{} / {}{more}", list.selected + 1, list.matches.len()),
                    theme.dim,
                ));
            }
        }
        Screen::History => {
            if let Some(history) = &state.history {
                if history.unseen > 0 {
                    right.push(Span::styled(
                        format!(" {} new ↓ ", history.unseen),
                        theme
                            .accent
                            .add_modifier(Modifier::REVERSED | Modifier::BOLD),
                    ));
                    right.push(Span::raw(" "));
                }
                if let Some(matches) = &history.matches {
                    right.push(Span::styled(matches.label(), theme.accent));
                    right.push(Span::raw("  "));
                }
                right.push(Span::styled(
                    position(history, history_page_lines(state)),
                    theme.dim,
                ));
            }
        }
        Screen::Split => right.extend(super::split::footer_position(state)),
        Screen::Stats | Screen::Disk => {}
        Screen::Trash => right.extend(super::trash::footer_position(state)),
    }
    let right_width: usize = right.iter().map(Span::width).sum();
    let left_room = width.saturating_sub(right_width + 1);
    let prompt = state
        .prompt
        .as_ref()
        .filter(|_| state.screen == Screen::History);
    let left = match &state.status {
        _ if matches!(state.overlay, Some(Overlay::Copy(_))) => {
            Span::styled(truncate(&copy_choice(state), left_room), theme.accent)
        }
        _ if prompt.is_some() => Span::styled(
            truncate(
                &format!("/ {}▏", single_line(prompt.map_or("", |p| p.as_str()))),
                left_room,
            ),
            theme.accent,
        ),
        Some(status) => {
            let style = match status.kind {
                StatusKind::Error => theme.error_status,
                StatusKind::Info => theme.info_status,
            };
            Span::styled(truncate(&single_line(&status.text), left_room), style)
        }
        None => Span::styled(truncate(&hints(state), left_room), theme.dim),
    };
    let gap = width.saturating_sub(left.content.width() + right_width);
    let mut spans = vec![left, Span::raw(" ".repeat(gap))];
    spans.extend(right);
    frame.render_widget(Paragraph::new(Line::from(spans)), area);
}

/// "N skipped": entries of the home that could not be listed or searched (their paths and
/// reasons are in the log).
fn push_skipped(right: &mut Vec<Span<'static>>, count: usize, theme: &Theme) {
    if count > 0 {
        right.push(Span::styled(format!("{count} skipped"), theme.warning));
        right.push(Span::raw("  "));
    }
}

/// The copy choice's keys, from the keymap: "Copy: i id · p rollout path · …".
fn copy_choice(state: &State) -> String {
    let keys = [
        (Action::CopyId, "id"),
        (Action::CopyPath, "rollout path"),
        (Action::CopyResumeCommand, "resume command"),
        (Action::Back, "cancel"),
    ]
    .iter()
    .filter_map(|(action, label)| {
        state
            .keymap
            .key_hint(Mode::Copy, *action)
            .map(|key| format!("{key} {label}"))
    })
    .collect::<Vec<_>>()
    .join(" · ");
    format!("Copy: {keys}")
}

/// A few key hints for the current screen, from the keymap.
fn hints(state: &State) -> String {
    let mode = match state.screen {
        Screen::List => Mode::List,
        Screen::History => Mode::History,
        Screen::Split => Mode::Split,
        Screen::Stats => Mode::Stats,
        Screen::Trash => Mode::Trash,
        Screen::Disk => Mode::Disk,
    };
    let wanted: &[(Action, &str)] = match state.screen {
        Screen::List if state.full_text.is_some() => &[
            (Action::Open, "open at the match"),
            (Action::Back, "back to the list"),
            (Action::FullTextSearch, "new search"),
        ],
        Screen::History
            if state
                .history
                .as_ref()
                .is_some_and(|history| history.matches.is_some()) =>
        {
            &[
                (Action::NextMatch, "next match"),
                (Action::PrevMatch, "previous"),
                (Action::Back, "back"),
                (Action::Help, "help"),
            ]
        }
        // Tab switches to the other tab: name the one it goes to.
        Screen::List if state.list.tab == Tab::Archived => &[
            (Action::Help, "help"),
            (Action::StartSearch, "search"),
            (Action::FullTextSearch, "full text"),
            (Action::Open, "open"),
            (Action::Unarchive, "unarchive"),
            (Action::NextTab, "active"),
            (Action::Quit, "quit"),
        ],
        Screen::List => &[
            (Action::Help, "help"),
            (Action::StartSearch, "search"),
            (Action::FullTextSearch, "full text"),
            (Action::Open, "open"),
            (Action::ResumeInCodex, "resume"),
            (Action::NextTab, "archived"),
            (Action::Quit, "quit"),
        ],
        Screen::History => &[
            (Action::Help, "help"),
            (Action::Back, "back"),
            (Action::Bottom, "follow"),
            (Action::ResumeInCodex, "resume"),
            (Action::Rename, "rename"),
        ],
        Screen::Split => super::split::HINTS,
        Screen::Stats => super::stats::HINTS,
        Screen::Trash => super::trash::HINTS,
        Screen::Disk => super::disk::HINTS,
    };
    wanted
        .iter()
        .filter_map(|(action, label)| {
            state
                .keymap
                .key_hint(mode, *action)
                .map(|key| format!("{key} {label}"))
        })
        .collect::<Vec<_>>()
        .join(" · ")
}
