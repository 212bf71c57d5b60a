//! `update`: the one place state changes. It does no IO; work for the runtime comes back as
//! effects.

use crossterm::event::{
    KeyCode, KeyEvent, KeyEventKind, KeyModifiers, MouseButton, MouseEvent, MouseEventKind,
};
use ratatui::layout::Size;
use ratatui_textarea::TextArea;

use super::bulk;
use super::codex;
use super::curate;
use super::history::{FollowStatus, HISTORY_PAGE_LINES, HistoryView};
use super::hold;
use super::input::{edit_line, typed_char};
use super::list::{LIST_PAGE_SIZE, ListRow, Scope, Tab};
use super::msg::{Effect, LoadedThreads, Msg};
use super::quit;
use super::reveal;
use super::search;
use super::split;
use super::state::{
    ConfirmAction, ConfirmDialog, CopyChoice, Overlay, Preview, PreviewMessages, RenameDialog,
    Screen, State,
};
use super::stats;
use super::supervise;
use super::trash;
use crate::history::Transcript;
use crate::launch::CodexSession;
use crate::manager::FollowEvent;
use crate::manager::archived_refusal;
use crate::protocol::{ThreadId, ThreadMemoryMode};
use crate::rollout::Holder;
use crate::store::{
    HistoryDirection, HistoryLine, ReadHistoryPageParams, SortKey, StoredThread, ThreadHistoryPage,
    ThreadMetadataPatch,
};
use crate::text::sanitize::single_line;
use crate::tui::config::Density;
use crate::tui::keymap::{Action, Mode};
use crate::tui::ui::layout::{
    PREVIEW_MIN_WIDTH, RESULT_ROW_HEIGHT, body_area, history_content_width, history_page_lines,
    list_rows_per_page, results_rows_per_page, row_height,
};

/// Lines (history) or rows (list) one mouse wheel step moves.
const WHEEL_STEP: isize = 3;
/// Lines read for a preview.
const PREVIEW_LINES: usize = 80;
/// Characters of each message a preview keeps.
const PREVIEW_MESSAGE_CHARS: usize = 4_000;
/// Messages a preview keeps.
const PREVIEW_MESSAGES: usize = 6;

pub fn update(state: &mut State, msg: Msg) -> Vec<Effect> {
    match msg {
        Msg::Start => {
            let mut effects = reload_list(state);
            effects.extend(supervise::polls_due(state));
            effects
        }
        Msg::Key(key) => {
            hold::note_input(state);
            on_key(state, key)
        }
        Msg::Mouse(mouse) => {
            if !matches!(mouse.kind, MouseEventKind::Moved) {
                hold::note_input(state);
            }
            on_mouse(state, mouse)
        }
        Msg::Resize { width, height } => {
            state.size = Size::new(width, height);
            relayout_history(state);
            let rows = list_rows_per_page(state);
            state.list.keep_selection_visible(rows);
            split::relayout(state);
            preview_effects(state)
        }
        Msg::Tick(now) => {
            // Never backwards: a late tick must not make an age grow and shrink again.
            state.now = state.now.max(now);
            if state
                .status
                .as_ref()
                .is_some_and(|status| status.expired(now))
            {
                state.status = None;
            }
            let mut effects = refresh_list_if_due(state);
            effects.extend(supervise::polls_due(state));
            effects.extend(split::refresh_if_due(state));
            effects
        }
        Msg::ThreadsLoaded { request_id, result } => {
            let mut effects = on_threads_loaded(state, request_id, result);
            effects.extend(super::usage::request(state));
            effects
        }
        Msg::UsageLoaded { threads, result } => {
            super::usage::on_loaded(state, threads, result);
            Vec::new()
        }
        Msg::HistoryLoaded {
            request_id,
            direction,
            result,
        } if state.split.owns_load(request_id) => {
            split::on_history_loaded(state, request_id, direction, result)
        }
        Msg::HistoryLoaded {
            request_id,
            direction,
            result,
        } => on_history_loaded(state, request_id, direction, result),
        Msg::PreviewLoaded { thread_id, result } => {
            let preview = match result {
                Ok(lines) => Preview::Ready(PreviewMessages {
                    messages: last_messages(&lines),
                    rendered: None,
                }),
                Err(error) => Preview::Failed(error),
            };
            state.previews.insert(thread_id, preview);
            render_selected_preview(state);
            Vec::new()
        }
        Msg::Follow { request_id, event } if state.split.owns_follow(request_id) => {
            split::on_follow(state, request_id, event)
        }
        Msg::Follow { request_id, event } => on_follow(state, request_id, event),
        Msg::ThreadsRead {
            request_id,
            threads,
        } => split::on_threads_read(state, request_id, threads),
        Msg::SearchHits {
            request_id,
            threads,
            hits,
        } => search::on_hits(state, request_id, threads, hits),
        Msg::SearchDone { request_id, result } => search::on_done(state, request_id, result),
        Msg::MetadataUpdated(thread) => {
            let before = known_thread(state, thread.thread_id);
            state.set_info(what_changed(before.as_ref(), &thread));
            apply_thread(state, &thread);
            Vec::new()
        }
        Msg::Archived(id) => {
            let title = title_of(state, id);
            state.set_info(format!("Archived “{title}”"));
            if state.list.tab == Tab::Local {
                state.list.remove_thread(id);
            }
            if let Some(history) = state.history.as_mut().filter(|h| h.thread.thread_id == id) {
                history.thread.archived = true;
            }
            after_selection_change(state)
        }
        Msg::Unarchived(thread) => {
            state.set_info(format!("Unarchived “{}”", single_line(thread.title())));
            if state.list.tab == Tab::Archived {
                state.list.remove_thread(thread.thread_id);
            }
            if let Some(history) = state
                .history
                .as_mut()
                .filter(|h| h.thread.thread_id == thread.thread_id)
            {
                history.thread = thread;
            }
            after_selection_change(state)
        }
        Msg::Deleted(id) => {
            let title = title_of(state, id);
            state.set_info(format!("Deleted “{title}” (its rollout is in the trash)"));
            state.list.remove_thread(id);
            state.previews.remove(&id);
            let mut effects = Vec::new();
            if state
                .history
                .as_ref()
                .is_some_and(|h| h.thread.thread_id == id)
            {
                // Its history has nothing left to follow.
                effects.push(Effect::StopFollow);
                state.history = None;
                state.screen = Screen::List;
            }
            effects.extend(split::forget_thread(state, id));
            effects.extend(after_selection_change(state));
            effects
        }
        Msg::BulkProgress {
            action,
            done,
            total,
        } => {
            bulk::on_progress(state, action, done, total);
            Vec::new()
        }
        Msg::BulkDone {
            action,
            succeeded,
            failed,
        } => {
            bulk::on_done(state, action, &succeeded, &failed);
            after_selection_change(state)
        }
        Msg::Exported(path) => {
            state.set_info(format!(
                "Exported to {}",
                single_line(&path.display().to_string())
            ));
            Vec::new()
        }
        Msg::CodexOpened(result) => {
            codex::on_opened(state, result);
            Vec::new()
        }
        Msg::BackFromCodex(result) => {
            codex::on_back(state, result);
            // Codex may have written to the thread: the list is refreshed at once (an open
            // history follows the rollout by itself).
            state.list.refreshed_at = None;
            refresh_list_if_due(state)
        }
        Msg::StatsLoaded { request_id, result } => {
            stats::on_loaded(state, request_id, result);
            Vec::new()
        }
        Msg::TrashLoaded { request_id, result } => {
            trash::on_loaded(state, request_id, result);
            Vec::new()
        }
        Msg::Restored { thread_id, result } => trash::on_restored(state, thread_id, result),
        Msg::DiskLoaded { request_id, result } => {
            super::disk::on_loaded(state, request_id, result);
            Vec::new()
        }
        Msg::Pruned { action, id, result } => super::disk::on_pruned(state, action, id, result),
        Msg::Supervised { request_id, result } => {
            if let Ok(threads) = &result {
                supervise::refresh_shown_threads(state, threads);
            }
            let mut effects = supervise::on_polled(state, request_id, result);
            effects.extend(supervise::mark_read_if_seen(state));
            effects
        }
        Msg::EffectFailed(error) => {
            state.set_error(error);
            Vec::new()
        }
    }
}

fn on_key(state: &mut State, key: KeyEvent) -> Vec<Effect> {
    if key.kind == KeyEventKind::Release {
        return Vec::new();
    }
    let mode = state.mode();
    let action = state.keymap.action(mode, &key);
    if let Some(effects) = quit::intercept(state, &key, action) {
        return effects;
    }
    if action == Some(Action::Quit) {
        // From full-text results `q` goes back to the list, as it does from a history.
        if mode == Mode::List && state.full_text.is_some() {
            return on_list_action(state, Action::Back);
        }
        return quit::request(state);
    }
    match mode {
        Mode::Edit => on_edit_key(state, action, key),
        Mode::Search => on_search_key(state, action, key),
        Mode::FullText => search::on_prompt_key(state, action, key),
        Mode::Confirm => on_confirm_key(state, action),
        Mode::Copy => on_copy_key(state, action),
        Mode::Help => on_help_key(state, action),
        Mode::List => action.map_or_else(Vec::new, |action| on_list_action(state, action)),
        Mode::History => action.map_or_else(Vec::new, |action| on_history_action(state, action)),
        Mode::Split => action.map_or_else(Vec::new, |action| split::on_action(state, action)),
        Mode::Stats => action.map_or_else(Vec::new, |action| stats::on_action(state, action)),
        Mode::Trash => action.map_or_else(Vec::new, |action| trash::on_action(state, action)),
        Mode::Disk => action.map_or_else(Vec::new, |action| super::disk::on_action(state, action)),
        Mode::Global => Vec::new(),
    }
}

fn on_list_action(state: &mut State, action: Action) -> Vec<Effect> {
    if state.full_text.is_some() {
        return search::on_results_action(state, action);
    }
    let rows = list_rows_per_page(state);
    let page = rows as isize;
    match action {
        Action::MoveDown => state.list.move_selection(1, rows),
        Action::MoveUp => state.list.move_selection(-1, rows),
        Action::PageDown => state.list.move_selection(page, rows),
        Action::PageUp => state.list.move_selection(-page, rows),
        Action::Top => state.list.select(0, rows),
        Action::Bottom => {
            state.list.select(usize::MAX, rows);
            if state.list.has_more() {
                return load_the_rest(state);
            }
        }
        Action::Open => return open_selected(state),
        Action::StartSearch => state.list.searching = true,
        Action::FullTextSearch => return search::open_prompt(state),
        Action::Back if !state.list.marked.is_empty() => state.list.marked.clear(),
        Action::Back => {
            if state.list.query.is_empty() {
                state.status = None;
                return Vec::new();
            }
            state.list.query.clear();
            state.list.refilter();
            state.list.keep_selection_visible(list_rows_per_page(state));
        }
        Action::NextTab => {
            state.list.tab = match state.list.tab {
                Tab::Local => Tab::Archived,
                Tab::Archived => Tab::Local,
            };
            return reload_list(state);
        }
        Action::ToggleSort => {
            state.list.sort = match state.list.sort {
                SortKey::UpdatedAt => SortKey::CreatedAt,
                SortKey::CreatedAt => SortKey::UpdatedAt,
            };
            return reload_list(state);
        }
        Action::ToggleScope => {
            state.list.scope = match state.list.scope {
                Scope::All => Scope::ThisDirectory,
                Scope::ThisDirectory => Scope::All,
            };
            return reload_list(state);
        }
        Action::CycleSource => {
            state.list.cycle_source();
            return reload_list(state);
        }
        Action::ToggleLayout => {
            state.list.density = match state.list.density {
                Density::Dense => Density::Comfortable,
                Density::Comfortable => Density::Dense,
            };
            state.list.keep_selection_visible(list_rows_per_page(state));
            return remember_ui_state(state);
        }
        Action::TogglePreview => {
            state.list.show_preview = !state.list.show_preview;
            return remember_ui_state(state);
        }
        Action::Help => state.overlay = Some(Overlay::Help { scroll: 0 }),
        Action::ToggleAttention => {
            state.list.attention_only = !state.list.attention_only;
            state.set_info(if state.list.attention_only {
                "Showing the threads that need you: waiting, or finished or failed and unread"
            } else {
                "Showing every thread"
            });
            return reload_list(state);
        }
        Action::ToggleRead => {
            return match state.list.selected_row().map(|row| row.thread.clone()) {
                Some(thread) => supervise::toggle_read(state, &thread),
                None => Vec::new(),
            };
        }
        Action::TogglePin => {
            return match state.list.selected_row().map(|row| row.thread.clone()) {
                Some(thread) => curate::toggle_pin(state, &thread),
                None => Vec::new(),
            };
        }
        Action::ToggleGrouped => {
            curate::toggle_grouped(state);
            state.list.keep_selection_visible(list_rows_per_page(state));
        }
        Action::CycleProject => {
            if curate::next_project(state) {
                return reload_list(state);
            }
        }
        Action::AddToSplit => return split::add_selected(state),
        Action::ShowSplit => return split::show(state),
        Action::ShowStats => return stats::show(state),
        Action::ShowTrash => return trash::show(state),
        Action::ShowDisk => return super::disk::show(state),
        Action::ToggleMark => {
            if state.list.toggle_mark() {
                // Marking moves on, so a run of threads is marked key after key.
                state.list.move_selection(1, rows);
            }
        }
        Action::Archive | Action::Unarchive | Action::Delete if !state.list.marked.is_empty() => {
            return match bulk::bulk_action(action) {
                Some(bulk_action) => bulk::confirm_bulk(state, bulk_action),
                None => Vec::new(),
            };
        }
        Action::Rename
        | Action::ToggleMemory
        | Action::Archive
        | Action::Unarchive
        | Action::Delete
        | Action::Export
        | Action::ResumeInCodex
        | Action::NewCodexSession
        | Action::Copy => {
            return match state.list.selected_row().map(|row| row.thread.clone()) {
                Some(thread) => on_thread_action(state, action, &thread),
                None => Vec::new(),
            };
        }
        Action::Quit
        | Action::Accept
        | Action::DeleteChar
        | Action::NextMatch
        | Action::PrevMatch
        | Action::NextPrompt
        | Action::PrevPrompt
        | Action::ToggleFullOutput
        | Action::ToggleRawReasoning
        | Action::CopyId
        | Action::CopyPath
        | Action::CopyResumeCommand
        | Action::NextPane
        | Action::PrevPane
        | Action::ClosePane
        | Action::ZoomPane
        | Action::NextRange
        | Action::Restore
        | Action::Compress => {}
    }
    after_selection_change(state)
}

/// After a layout or preview change: save the choice, and load the preview if now shown.
fn remember_ui_state(state: &mut State) -> Vec<Effect> {
    let mut effects = vec![Effect::SaveUiState(state.list.ui_state())];
    effects.extend(after_selection_change(state));
    effects
}

fn on_history_action(state: &mut State, action: Action) -> Vec<Effect> {
    let page_lines = history_page_lines(state);
    let page = page_lines.saturating_sub(1).max(1) as isize;
    let Some(history) = state.history.as_mut() else {
        return Vec::new();
    };
    match action {
        Action::MoveDown => history.scroll_by(1, page_lines),
        Action::MoveUp => history.scroll_by(-1, page_lines),
        Action::PageDown => history.scroll_by(page, page_lines),
        Action::PageUp => history.scroll_by(-page, page_lines),
        Action::Top => history.scroll_to_top(),
        Action::Bottom => history.scroll_to_bottom(page_lines),
        Action::Back => {
            let mut effects = vec![Effect::StopFollow];
            effects.extend(search::cancel_thread_search(history));
            let request_id = history.request_id;
            let thread = history.thread.clone();
            let to_split = split::back_from_history(state, request_id);
            state.history = None;
            if to_split {
                state.screen = Screen::Split;
            } else {
                state.screen = Screen::List;
                // The list shows the thread just left (opened from the full-text results, it
                // may not be loaded yet).
                effects.extend(reveal::select_thread(state, &thread));
            }
            effects.extend(after_selection_change(state));
            return effects;
        }
        Action::NextMatch => return search::jump_to_match(state, true),
        Action::PrevMatch => return search::jump_to_match(state, false),
        Action::NextPrompt | Action::PrevPrompt => {
            if let Some(note) = history.jump_to_prompt(action == Action::NextPrompt, page_lines) {
                state.set_info(note);
            }
        }
        Action::StartSearch => return search::open_prompt(state),
        Action::Help => state.overlay = Some(Overlay::Help { scroll: 0 }),
        Action::AddToSplit => {
            let thread = history.thread.clone();
            return split::add_thread(state, thread);
        }
        Action::ShowSplit => return split::show(state),
        Action::ToggleFullOutput => {
            let on = history.toggle_option(|o| &mut o.full_output, &state.theme);
            state.set_info(if on {
                "Showing the full output of commands and tools"
            } else {
                "Showing the first and last lines of long outputs"
            });
        }
        Action::ToggleRawReasoning => {
            let on = history.toggle_option(|o| &mut o.raw_reasoning, &state.theme);
            let has_raw = history.has_raw_reasoning();
            state.set_info(match (on, has_raw) {
                (true, true) => "Showing the model's raw reasoning",
                // Only the loaded part is known; say what is true of it.
                (true, false) => "No raw reasoning in the loaded part of this thread",
                (false, _) => "Raw reasoning hidden",
            });
        }
        Action::Rename
        | Action::ToggleMemory
        | Action::Archive
        | Action::Unarchive
        | Action::Delete
        | Action::Export
        | Action::ResumeInCodex
        | Action::NewCodexSession
        | Action::Copy => {
            let thread = history.thread.clone();
            return on_thread_action(state, action, &thread);
        }
        Action::ToggleRead => {
            let thread = history.thread.clone();
            return supervise::toggle_read(state, &thread);
        }
        Action::TogglePin => {
            let thread = history.thread.clone();
            return curate::toggle_pin(state, &thread);
        }
        _ => {}
    }
    let mut effects = state.history_page_request();
    effects.extend(supervise::mark_read_if_seen(state));
    effects
}

/// Rename, memory toggle, archive and unarchive, from the list or the history.
fn on_thread_action(state: &mut State, action: Action, thread: &StoredThread) -> Vec<Effect> {
    let id = thread.thread_id;
    // Codex renames no archived thread and changes no archived thread's memory mode.
    let probe = match action {
        Action::Rename => Some(ThreadMetadataPatch::rename(None)),
        Action::ToggleMemory => Some(ThreadMetadataPatch::memory_mode(thread.memory_mode)),
        _ => None,
    };
    if let Some(refusal) = probe.and_then(|patch| archived_refusal(thread, &patch)) {
        state.set_error(refusal);
        return Vec::new();
    }
    match action {
        Action::Rename => {
            let mut textarea = TextArea::new(vec![thread.name.clone().unwrap_or_default()]);
            textarea.move_cursor(ratatui_textarea::CursorMove::End);
            textarea.set_placeholder_text("a name (empty clears it)");
            state.overlay = Some(Overlay::Rename(Box::new(RenameDialog {
                thread_id: id,
                include_archived: thread.archived,
                textarea,
            })));
            Vec::new()
        }
        Action::ToggleMemory => {
            let mode = match thread.memory_mode {
                ThreadMemoryMode::Enabled => ThreadMemoryMode::Disabled,
                ThreadMemoryMode::Disabled => ThreadMemoryMode::Enabled,
            };
            // A busy state DB can hold an edit for seconds; say it is under way.
            state.set_info(format!("Saving memory {mode}…"));
            vec![Effect::UpdateMetadata {
                id,
                patch: ThreadMetadataPatch::memory_mode(mode),
                include_archived: thread.archived,
            }]
        }
        Action::Export => {
            let path = state.cwd.join(crate::export::file_name(thread));
            state.set_info(format!(
                "Exporting to {}…",
                single_line(&path.display().to_string())
            ));
            vec![Effect::Export { id, path }]
        }
        Action::ResumeInCodex => codex::launch(state, thread, CodexSession::Resume(id)),
        Action::NewCodexSession => codex::launch(state, thread, CodexSession::New),
        Action::Copy => {
            state.overlay = Some(Overlay::Copy(CopyChoice {
                thread_id: id,
                rollout_path: thread.rollout_path.clone(),
            }));
            Vec::new()
        }
        Action::Archive if thread.archived => {
            state.set_info("Already archived");
            Vec::new()
        }
        Action::Unarchive if !thread.archived => {
            state.set_info("Not archived");
            Vec::new()
        }
        Action::Delete if thread.open_in_codex => {
            let holder = thread.status.holder.unwrap_or(Holder::Codex);
            state.set_error(format!(
                "“{}” is {}; delete it {}",
                single_line(thread.title()),
                holder.describe(),
                holder.retry_hint()
            ));
            Vec::new()
        }
        Action::Delete => {
            state.overlay = Some(Overlay::Confirm(ConfirmDialog {
                action: ConfirmAction::Delete(id),
                title: single_line(thread.title()),
                held_by: None,
            }));
            Vec::new()
        }
        Action::Archive | Action::Unarchive => {
            let action = if action == Action::Archive {
                ConfirmAction::Archive(id)
            } else {
                ConfirmAction::Unarchive(id)
            };
            state.overlay = Some(Overlay::Confirm(ConfirmDialog {
                action,
                title: single_line(thread.title()),
                held_by: thread
                    .open_in_codex
                    .then(|| thread.status.holder.unwrap_or(Holder::Codex)),
            }));
            Vec::new()
        }
        _ => Vec::new(),
    }
}

fn on_edit_key(state: &mut State, action: Option<Action>, key: KeyEvent) -> Vec<Effect> {
    let Some(Overlay::Rename(dialog)) = state.overlay.as_mut() else {
        return Vec::new();
    };
    match action {
        Some(Action::Back) => {
            state.overlay = None;
            Vec::new()
        }
        Some(Action::Accept) => {
            let name = dialog.textarea.lines().join(" ").trim().to_string();
            let effect = Effect::UpdateMetadata {
                id: dialog.thread_id,
                patch: ThreadMetadataPatch::rename((!name.is_empty()).then_some(name)),
                include_archived: dialog.include_archived,
            };
            state.overlay = None;
            state.set_info("Saving the name…");
            vec![effect]
        }
        _ => {
            // The shell's line-editing keys, where the text area's own would undo.
            let ctrl = key.modifiers.contains(KeyModifiers::CONTROL);
            match key.code {
                KeyCode::Char('u') if ctrl => {
                    dialog.textarea.delete_line_by_head();
                }
                KeyCode::Char('w') if ctrl => {
                    dialog.textarea.delete_word();
                }
                _ => {
                    dialog.textarea.input(key);
                }
            }
            Vec::new()
        }
    }
}

fn on_search_key(state: &mut State, action: Option<Action>, key: KeyEvent) -> Vec<Effect> {
    if edit_line(&mut state.list.query, &key) {
        state.list.refilter();
        state.list.keep_selection_visible(list_rows_per_page(state));
        return after_selection_change(state);
    }
    match action {
        Some(Action::Accept) => {
            state.list.searching = false;
            return Vec::new();
        }
        Some(Action::Back) => {
            state.list.searching = false;
            state.list.query.clear();
        }
        Some(Action::DeleteChar) => {
            state.list.query.pop();
        }
        _ => match typed_char(&key) {
            Some(c) => state.list.query.push(c),
            None => return Vec::new(),
        },
    }
    state.list.refilter();
    state.list.keep_selection_visible(list_rows_per_page(state));
    after_selection_change(state)
}

fn on_confirm_key(state: &mut State, action: Option<Action>) -> Vec<Effect> {
    let Some(Overlay::Confirm(dialog)) = state.overlay.as_ref() else {
        return Vec::new();
    };
    let confirmed = dialog.action.clone();
    match action {
        Some(Action::Accept) => {
            state.overlay = None;
            vec![match confirmed {
                ConfirmAction::Archive(id) => Effect::Archive(id),
                ConfirmAction::Unarchive(id) => Effect::Unarchive(id),
                ConfirmAction::Delete(id) => Effect::Delete(id),
                ConfirmAction::Bulk { action, ids } => return bulk::start(state, action, ids),
                ConfirmAction::Prune { action, id, .. } => {
                    return super::disk::start(state, action, id);
                }
            }]
        }
        Some(Action::Back) => {
            state.overlay = None;
            Vec::new()
        }
        _ => Vec::new(),
    }
}

fn on_help_key(state: &mut State, action: Option<Action>) -> Vec<Effect> {
    let Some(Overlay::Help { scroll }) = state.overlay.as_mut() else {
        return Vec::new();
    };
    match action {
        Some(Action::Back | Action::Help) => state.overlay = None,
        Some(Action::MoveDown) => *scroll += 1,
        Some(Action::MoveUp) => *scroll = scroll.saturating_sub(1),
        Some(Action::PageDown) => *scroll += 10,
        Some(Action::PageUp) => *scroll = scroll.saturating_sub(10),
        _ => {}
    }
    Vec::new()
}

/// A key of the copy choice: what it copies goes to the clipboard, and the status says so.
fn on_copy_key(state: &mut State, action: Option<Action>) -> Vec<Effect> {
    let Some(Overlay::Copy(choice)) = state.overlay.as_ref() else {
        return Vec::new();
    };
    let id = choice.thread_id;
    let copied = match action {
        Some(Action::CopyId) => Some(("id", id.to_string())),
        Some(Action::CopyPath) => match &choice.rollout_path {
            Some(path) => Some(("path", path.to_string_lossy().into_owned())),
            None => {
                state.overlay = None;
                state.set_error("This thread has no rollout file yet");
                return Vec::new();
            }
        },
        Some(Action::CopyResumeCommand) => Some((
            "command",
            format!("{} resume {id}", state.codex_command.trim()),
        )),
        Some(Action::Back) => None,
        // Any other key leaves the choice open.
        _ => return Vec::new(),
    };
    state.overlay = None;
    let Some((what, text)) = copied else {
        return Vec::new();
    };
    state.set_info(format!("Copied {what} {}", single_line(&text)));
    vec![Effect::Copy { text }]
}

/// A left click on a row of the list (or of the full-text results) selects it; a click on the
/// row already selected (the second click of a double click) opens it.
fn on_click(state: &mut State, column: u16, row: u16) -> Vec<Effect> {
    if state.overlay.is_none() && state.screen == Screen::Split {
        return split::on_click(state, column, row);
    }
    if state.overlay.is_some() || state.screen != Screen::List {
        return Vec::new();
    }
    let body = body_area(state);
    let inside = column >= body.x
        && column < body.x + body.width
        && row >= body.y
        && row < body.y + body.height;
    if !inside {
        return Vec::new();
    }
    let line = usize::from(row - body.y);
    let result_rows = results_rows_per_page(state);
    if let Some(results) = state.full_text.as_mut() {
        let index = results.offset + line / RESULT_ROW_HEIGHT;
        if index >= results.rows.len() {
            return Vec::new();
        }
        if index == results.selected {
            return search::on_results_action(state, Action::Open);
        }
        let delta = index as isize - results.selected as isize;
        results.move_selection(delta, result_rows);
        return Vec::new();
    }
    let index = state.list.offset + line / row_height(state.list.density);
    if index >= state.list.matches.len() {
        return Vec::new();
    }
    if index == state.list.selected {
        return open_selected(state);
    }
    state.list.select(index, list_rows_per_page(state));
    after_selection_change(state)
}

fn on_mouse(state: &mut State, mouse: MouseEvent) -> Vec<Effect> {
    let delta = match mouse.kind {
        MouseEventKind::ScrollDown => WHEEL_STEP,
        MouseEventKind::ScrollUp => -WHEEL_STEP,
        MouseEventKind::Down(MouseButton::Left) => {
            return on_click(state, mouse.column, mouse.row);
        }
        _ => return Vec::new(),
    };
    match (&mut state.overlay, state.screen) {
        (Some(Overlay::Help { scroll }), _) => {
            *scroll = scroll.saturating_add_signed(delta);
            Vec::new()
        }
        (Some(_), _) => Vec::new(),
        (None, Screen::List) if state.full_text.is_some() => {
            let rows = results_rows_per_page(state);
            if let Some(results) = state.full_text.as_mut() {
                results.move_selection(delta, rows);
            }
            Vec::new()
        }
        (None, Screen::List) => {
            let rows = list_rows_per_page(state);
            state.list.move_selection(delta, rows);
            after_selection_change(state)
        }
        (None, Screen::History) => {
            let page_lines = history_page_lines(state);
            if let Some(history) = state.history.as_mut() {
                history.scroll_by(delta, page_lines);
            }
            state.history_page_request()
        }
        (None, Screen::Split) => split::on_wheel(state, delta),
        (None, Screen::Stats | Screen::Disk) => Vec::new(),
        (None, Screen::Trash) => trash::on_action(
            state,
            if delta > 0 {
                Action::MoveDown
            } else {
                Action::MoveUp
            },
        ),
    }
}

/// How often the list reloads by itself, so threads that start or change while it is open
/// show up without a key press.
const LIST_REFRESH_INTERVAL: chrono::Duration = chrono::Duration::seconds(3);

fn refresh_list_if_due(state: &mut State) -> Vec<Effect> {
    let list = &state.list;
    let idle = state.screen == Screen::List
        && state.overlay.is_none()
        && list.loaded_once
        && list.loading.is_none()
        && list.refreshing.is_none();
    let due = list
        .refreshed_at
        .is_none_or(|at| state.now - at >= LIST_REFRESH_INTERVAL)
        || hold::resort_due(state);
    if !idle || !due {
        return Vec::new();
    }
    let request_id = state.next_request_id();
    state.list.refreshing = Some(request_id);
    vec![Effect::LoadThreads {
        request_id,
        params: state.list.refresh_params(&state.cwd),
    }]
}

fn reload_list(state: &mut State) -> Vec<Effect> {
    state.list.clear_rows();
    state.list.refreshing = None;
    state.list.refreshed_at = Some(state.now);
    let request_id = state.next_request_id();
    state.list.loading = Some(request_id);
    vec![Effect::LoadThreads {
        request_id,
        params: state.list.params(&state.cwd, list_page_size(state)),
    }]
}

/// Rows a page loads: a screenful and a few more (so the next page is asked for before the
/// selection reaches the end), never fewer than the default.
pub(super) fn list_page_size(state: &State) -> usize {
    (list_rows_per_page(state) + 5).max(LIST_PAGE_SIZE)
}

/// Loads every row not loaded yet, then selects the last (`G` / `End` reach the real end).
fn load_the_rest(state: &mut State) -> Vec<Effect> {
    state.list.wants_end = true;
    if state.list.loading.is_some() {
        // The page in flight is followed by the rest when it arrives.
        return Vec::new();
    }
    let request_id = state.next_request_id();
    state.list.loading = Some(request_id);
    state.list.refreshing = None;
    vec![Effect::LoadThreads {
        request_id,
        params: state.list.params(&state.cwd, 0),
    }]
}

fn on_threads_loaded(
    state: &mut State,
    request_id: u64,
    result: Result<LoadedThreads, String>,
) -> Vec<Effect> {
    if state.list.refreshing == Some(request_id) {
        return on_list_refreshed(state, result);
    }
    if state.list.loading != Some(request_id) {
        return Vec::new();
    }
    state.list.loading = None;
    state.list.loaded_once = true;
    match result {
        Ok(mut loaded) => {
            state
                .list
                .add_skipped(std::mem::take(&mut loaded.page.skipped));
            let (rows, next_cursor) = list_rows(loaded);
            catch_up_clock(state, &rows);
            state.list.next_cursor = next_cursor;
            state.list.append(rows);
            if state.list.wants_end {
                if state.list.has_more() {
                    return load_the_rest(state);
                }
                state.list.wants_end = false;
                state.list.select(usize::MAX, list_rows_per_page(state));
            }
            state.list.keep_selection_visible(list_rows_per_page(state));
            let mut effects = reveal::continue_seeking(state);
            effects.extend(after_selection_change(state));
            effects
        }
        Err(error) => {
            state.list.next_cursor = None;
            state.list.seeking = None;
            state.set_error(format!("Could not list threads: {error}"));
            Vec::new()
        }
    }
}

fn on_list_refreshed(state: &mut State, result: Result<LoadedThreads, String>) -> Vec<Effect> {
    state.list.refreshing = None;
    state.list.refreshed_at = Some(state.now);
    // A failed background refresh keeps what is shown; the next one may succeed.
    let Ok(mut loaded) = result else {
        return Vec::new();
    };
    // A refresh re-reads every loaded row from the start: what it passed over is the truth now.
    state.list.skipped.clear();
    state
        .list
        .add_skipped(std::mem::take(&mut loaded.page.skipped));
    let (rows, next_cursor) = list_rows(loaded);
    catch_up_clock(state, &rows);
    hold::apply_refresh(state, rows, next_cursor);
    // A thread sought is selected when the refresh brought it; pages are not loaded for it
    // from here.
    if let Some(seek) = state.list.seeking
        && state.list.select_thread(seek.id, list_rows_per_page(state))
    {
        state.list.seeking = None;
    }
    state.list.keep_selection_visible(list_rows_per_page(state));
    preview_effects(state)
}

/// How far a load may move the clock ahead of the last tick: a tick is at most this old.
const CLOCK_CATCH_UP: chrono::Duration = chrono::Duration::seconds(2);

/// Rows written after the last tick would read "now", then jump when the tick comes; the clock
/// catches up with them instead (never more than a tick's worth, so a file dated in the future
/// cannot move it far).
fn catch_up_clock(state: &mut State, rows: &[ListRow]) {
    let newest = rows.iter().map(|row| row.thread.updated_at).max();
    if let Some(newest) = newest.filter(|newest| *newest > state.now) {
        state.now = newest.min(state.now + CLOCK_CATCH_UP);
    }
}

fn list_rows(loaded: LoadedThreads) -> (Vec<ListRow>, Option<String>) {
    let rows = loaded
        .page
        .items
        .into_iter()
        .map(|thread| ListRow {
            live: loaded.live.contains(&thread.thread_id),
            thread,
        })
        .collect();
    (rows, loaded.page.next_cursor)
}

/// After the selection or the loaded rows changed: fetch more rows when the selection nears the
/// end, and the preview of the selected thread.
pub(super) fn after_selection_change(state: &mut State) -> Vec<Effect> {
    let mut effects = Vec::new();
    if state.screen == Screen::List && state.list.wants_more() {
        let request_id = state.next_request_id();
        state.list.loading = Some(request_id);
        // A refresh in flight was sized for fewer rows; its reply would undo this page.
        state.list.refreshing = None;
        let params = state.list.params(&state.cwd, list_page_size(state));
        effects.push(Effect::LoadThreads { request_id, params });
    }
    effects.extend(preview_effects(state));
    effects
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

fn preview_effects(state: &mut State) -> Vec<Effect> {
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

fn open_selected(state: &mut State) -> Vec<Effect> {
    match state.list.selected_row().map(|row| row.thread.clone()) {
        Some(thread) => open_thread(state, thread),
        None => Vec::new(),
    }
}

/// Opens the history screen of `thread`.
pub(super) fn open_thread(state: &mut State, thread: StoredThread) -> Vec<Effect> {
    let request_id = state.next_request_id();
    let include_archived = thread.archived;
    let thread_id = thread.thread_id;
    let mut view = HistoryView::new(thread, request_id);
    view.relayout(history_content_width(state), &state.theme);
    state.history = Some(view);
    state.screen = Screen::History;
    vec![
        Effect::StopFollow,
        Effect::LoadHistory {
            request_id,
            params: ReadHistoryPageParams {
                thread_id,
                include_archived,
                anchor: None,
                direction: HistoryDirection::Backward,
                limit: HISTORY_PAGE_LINES,
                include_raw: false,
            },
        },
    ]
}

fn on_history_loaded(
    state: &mut State,
    request_id: u64,
    direction: HistoryDirection,
    result: Result<ThreadHistoryPage, String>,
) -> Vec<Effect> {
    let theme = state.theme.clone();
    let page_lines = history_page_lines(state);
    let Some(history) = state.history.as_mut().filter(|h| h.load_id == request_id) else {
        return Vec::new();
    };
    let page = match result {
        Ok(page) => page,
        Err(error) => {
            history.jump_to = None;
            history.loading = None;
            history.loaded_once = true;
            state.set_error(format!("Could not read the history: {error}"));
            return Vec::new();
        }
    };
    if let Some(target) = history.jump_to.take() {
        history.show_jump_page(page, &theme);
        let query = history.matches.as_ref().map(|m| m.query.clone());
        history.scroll_to_cursor(target, query.as_deref().unwrap_or_default(), page_lines);
        return state.history_page_request();
    }
    let first_load = !history.loaded_once;
    let start_following = first_load && page.at_end;
    let end = page.end;
    history.apply_page(page, direction, &theme);
    let mut effects = Vec::new();
    if start_following {
        history.follow = FollowStatus::Following;
        effects.push(Effect::Follow {
            request_id,
            thread_id: history.thread.thread_id,
            from: end,
            include_archived: history.thread.archived,
        });
    }
    effects.extend(state.history_page_request());
    effects.extend(supervise::mark_read_if_seen(state));
    effects
}

fn on_follow(state: &mut State, request_id: u64, event: FollowEvent) -> Vec<Effect> {
    let theme = state.theme.clone();
    let Some(history) = state
        .history
        .as_mut()
        .filter(|h| h.request_id == request_id)
    else {
        return Vec::new();
    };
    match event {
        FollowEvent::Lines(lines) => history.follow_lines(lines, &theme),
        FollowEvent::Moved => history.follow = FollowStatus::Moved,
        FollowEvent::Failed(error) => history.follow = FollowStatus::Failed(error),
    }
    supervise::mark_read_if_seen(state)
}

fn relayout_history(state: &mut State) {
    let width = history_content_width(state);
    if let Some(history) = state.history.as_mut() {
        history.relayout(width, &state.theme);
    }
}

/// A thread the manager returned after an edit: the row, the open history and the preview
/// take its new metadata.
fn apply_thread(state: &mut State, thread: &StoredThread) {
    state.list.replace_thread(thread);
    if let Some(results) = state.full_text.as_mut() {
        results.replace_thread(thread);
    }
    if let Some(history) = state
        .history
        .as_mut()
        .filter(|h| h.thread.thread_id == thread.thread_id)
    {
        history.thread = thread.clone();
    }
    state.split.replace_thread(thread);
}

/// The thread as the screen last showed it.
fn known_thread(state: &State, id: ThreadId) -> Option<StoredThread> {
    let from_history = state
        .history
        .as_ref()
        .filter(|h| h.thread.thread_id == id)
        .map(|h| h.thread.clone());
    from_history.or_else(|| {
        state
            .list
            .rows
            .iter()
            .find(|row| row.thread.thread_id == id)
            .map(|row| row.thread.clone())
    })
}

/// The status line after an edit: what changed, in words.
fn what_changed(before: Option<&StoredThread>, after: &StoredThread) -> String {
    let title = single_line(after.title());
    let Some(before) = before else {
        return format!("Saved “{title}”");
    };
    if before.name != after.name {
        return match &after.name {
            Some(name) => format!("Renamed to “{}”", single_line(name)),
            None => format!("Name cleared; shown as “{title}”"),
        };
    }
    if before.memory_mode != after.memory_mode {
        return format!("Memory {} for “{title}”", after.memory_mode);
    }
    if let Some(change) = curate::what_changed(before, after) {
        return change;
    }
    format!("Saved “{title}”")
}

fn title_of(state: &State, id: ThreadId) -> String {
    let from_history = state
        .history
        .as_ref()
        .filter(|h| h.thread.thread_id == id)
        .map(|h| h.thread.title().to_string());
    let from_list = || {
        state
            .list
            .rows
            .iter()
            .find(|row| row.thread.thread_id == id)
            .map(|row| row.thread.title().to_string())
    };
    single_line(
        &from_history
            .or_else(from_list)
            .unwrap_or_else(|| id.to_string()),
    )
}
