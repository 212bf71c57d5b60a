//! `update`: the one place state changes. It does no IO; work for the runtime comes back as
//! effects.

use crossterm::event::{KeyEvent, KeyEventKind, MouseEventKind};
use ratatui::layout::Size;

use super::bulk;
use super::codex;
use super::dialogs::{on_confirm_key, on_copy_key, on_edit_key, on_help_key};
use super::edited;
use super::history_update::{on_follow, on_history_action, on_history_loaded, relayout_history};
use super::hold;
use super::list_load::{
    after_selection_change, on_threads_loaded, refresh_list_if_due, reload_list,
};
use super::list_update::{on_list_action, on_search_key};
use super::mouse::on_mouse;
use super::msg::{Effect, Msg};
use super::preview::{self, preview_effects};
use super::private;
use super::quit;
use super::search;
use super::split;
use super::state::State;
use super::stats;
use super::supervise;
use super::trash;
use crate::text::sanitize::single_line;
use crate::tui::keymap::{Action, Mode};
use crate::tui::ui::layout::list_rows_per_page;

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
            preview::on_loaded(state, thread_id, result);
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
        Msg::MetadataUpdated(thread) => edited::on_metadata_updated(state, &thread),
        Msg::PrivateSet {
            ids,
            private,
            result,
        } => {
            private::on_set(state, &ids, private, result);
            Vec::new()
        }
        Msg::Archived(id) => edited::on_archived(state, id),
        Msg::Unarchived(thread) => edited::on_unarchived(state, thread),
        Msg::Deleted(id) => edited::on_deleted(state, id),
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
