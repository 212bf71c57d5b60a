//! The list's preview pane: the last messages of the selected thread, loaded once per
//! thread and laid out once per width.

use super::msg::Effect;
use super::state::{Preview, PreviewMessages, Screen, State};
use crate::history::Transcript;
use crate::protocol::ThreadId;
use crate::store::{HistoryDirection, HistoryLine, ReadHistoryPageParams};
use crate::tui::ui::layout::PREVIEW_MIN_WIDTH;

/// Lines read for a preview.
const PREVIEW_LINES: usize = 80;

/// Characters of each message a preview keeps.
const PREVIEW_MESSAGE_CHARS: usize = 4_000;

/// Messages a preview keeps.
const PREVIEW_MESSAGES: usize = 6;

/// A preview's lines arrived (or could not be read).
pub(super) fn on_loaded(
    state: &mut State,
    thread_id: ThreadId,
    result: Result<Vec<HistoryLine>, String>,
) {
    let preview = match result {
        Ok(lines) => Preview::Ready(PreviewMessages {
            messages: last_messages(&lines),
            rendered: None,
        }),
        Err(error) => Preview::Failed(error),
    };
    state.previews.insert(thread_id, preview);
    render_selected_preview(state);
}

/// Makes the selected thread's preview lines for the pane's width, unless already made for it:
/// once per selection and width, not every frame.
fn render_selected_preview(state: &mut State) {
    let Some(width) = crate::tui::ui::layout::preview_text_width(state) else {
        return;
    };
    let Some(id) = state.list.selected_row().map(|row| row.thread.thread_id) else {
        return;
    };
    let theme = &state.theme;
    if let Some(Preview::Ready(ready)) = state.previews.get_mut(&id)
        && ready.lines(width).is_none()
    {
        let lines = crate::tui::ui::preview::message_lines(&ready.messages, width, theme);
        ready.rendered = Some((width, lines));
    }
}

pub(super) fn preview_effects(state: &mut State) -> Vec<Effect> {
    render_selected_preview(state);
    let shown = state.screen == Screen::List
        && state.full_text.is_none()
        && state.list.show_preview
        && state.size.width >= PREVIEW_MIN_WIDTH;
    let Some(row) = state.list.selected_row().filter(|_| shown) else {
        return Vec::new();
    };
    let thread_id = row.thread.thread_id;
    if state.previews.get(&thread_id).is_some() {
        return Vec::new();
    }
    let include_archived = row.thread.archived;
    state.previews.insert(thread_id, Preview::Loading);
    vec![Effect::LoadPreview {
        params: ReadHistoryPageParams {
            thread_id,
            include_archived,
            anchor: None,
            direction: HistoryDirection::Backward,
            limit: PREVIEW_LINES,
            include_raw: false,
        },
    }]
}

fn last_messages(lines: &[HistoryLine]) -> Vec<(crate::history::MessageRole, String)> {
    let transcript = Transcript::from_lines(lines);
    let mut messages: Vec<_> = transcript
        .items()
        .iter()
        .rev()
        .filter_map(|item| item.kind.message())
        .take(PREVIEW_MESSAGES)
        // A preview shows a few lines: a pasted multi-MB log must not be wrapped every frame.
        .map(|(role, text)| (role, text.chars().take(PREVIEW_MESSAGE_CHARS).collect()))
        .collect();
    messages.reverse();
    messages
}
