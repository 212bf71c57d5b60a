//! `ThreadMetadataSync`: derives a metadata patch from the items a live thread appends
//! (codex-format §5.2–5.3). Pure bookkeeping; the caller applies the patch through the store.

use std::time::{Duration, Instant};

use chrono::{DateTime, Utc};

use crate::protocol::text::{user_message_preview, user_message_title};
use crate::protocol::time::parse_timestamp;
use crate::protocol::{EventMsg, GitInfo, RolloutItem, ThreadId};
use crate::store::{CreateThreadParams, GitInfoPatch, ThreadMetadataPatch};

/// While nothing but time changes, `updated_at` is written at most this often.
pub const THREAD_UPDATED_AT_TOUCH_INTERVAL: Duration = Duration::from_secs(5);

/// A pending patch and the generation it was taken at.
#[derive(Clone, Debug, PartialEq)]
pub struct PendingThreadMetadataPatch {
    pub patch: ThreadMetadataPatch,
    pub generation: u64,
}

#[derive(Debug)]
pub struct ThreadMetadataSync {
    thread_id: ThreadId,
    cwd_seen: bool,
    preview_seen: bool,
    first_user_message_seen: bool,
    title_seen: bool,
    pending_update: Option<ThreadMetadataPatch>,
    pending_update_generation: u64,
    last_touch_persisted_at: Option<Instant>,
    defer_create_update_until_history_exists: bool,
    defer_resume_update_until_append: bool,
}

impl ThreadMetadataSync {
    fn empty(thread_id: ThreadId) -> Self {
        ThreadMetadataSync {
            thread_id,
            cwd_seen: false,
            preview_seen: false,
            first_user_message_seen: false,
            title_seen: false,
            pending_update: None,
            pending_update_generation: 0,
            last_touch_persisted_at: None,
            defer_create_update_until_history_exists: false,
            defer_resume_update_until_append: false,
        }
    }

    /// A new thread: everything known at creation is pending, and nothing is written until the
    /// thread has history on disk.
    pub fn for_create(
        params: &CreateThreadParams,
        git_info: Option<GitInfo>,
        now: DateTime<Utc>,
    ) -> Self {
        let mut sync = Self::empty(params.thread_id);
        sync.pending_update = Some(ThreadMetadataPatch {
            model_provider: Some(params.model_provider.clone()),
            created_at: Some(now),
            updated_at: Some(now),
            source: Some(params.source.clone()),
            thread_source: params.thread_source.clone().map(Some),
            cwd: Some(params.cwd.clone()),
            cli_version: Some(env!("CARGO_PKG_VERSION").to_string()),
            git_info: git_info.map(|git| git_patch(&git)),
            memory_mode: Some(params.memory_mode),
            ..Default::default()
        });
        sync.pending_update_generation = 1;
        sync.cwd_seen = true;
        sync.defer_create_update_until_history_exists = true;
        sync
    }

    /// A resumed thread: facts observed in its history are pending, without an `updated_at`
    /// touch, and wait for the first append (resuming alone rewrites nothing).
    pub fn for_resume(thread_id: ThreadId, history: Option<&[RolloutItem]>) -> Self {
        let mut sync = Self::empty(thread_id);
        if let Some(history) = history {
            let mut patch = ThreadMetadataPatch::default();
            for item in history {
                sync.observe_item(item, &mut patch);
            }
            if !patch.is_empty() {
                sync.merge_pending_update(patch);
                sync.defer_resume_update_until_append = true;
            }
        }
        sync
    }

    pub fn thread_id(&self) -> ThreadId {
        self.thread_id
    }

    /// A snapshot of the pending patch; it stays pending until marked applied.
    pub fn take_pending_update(&self) -> Option<PendingThreadMetadataPatch> {
        self.pending_update
            .clone()
            .map(|patch| PendingThreadMetadataPatch {
                patch,
                generation: self.pending_update_generation,
            })
    }

    /// The pending patch, unless it must wait for history to exist or for the first append.
    pub fn take_pending_update_for_existing_history(&self) -> Option<PendingThreadMetadataPatch> {
        if self.defer_create_update_until_history_exists || self.defer_resume_update_until_append {
            None
        } else {
            self.take_pending_update()
        }
    }

    /// Clears the pending patch if nothing was merged since `update` was taken.
    pub fn mark_pending_update_applied(
        &mut self,
        update: &PendingThreadMetadataPatch,
        now: Instant,
    ) {
        if update.generation == self.pending_update_generation {
            self.pending_update = None;
        }
        if update.patch.updated_at.is_some() {
            self.last_touch_persisted_at = Some(now);
        }
    }

    pub fn merge_pending_update(&mut self, patch: ThreadMetadataPatch) {
        match &mut self.pending_update {
            Some(pending) => pending.merge(patch),
            None => self.pending_update = Some(patch),
        }
        self.pending_update_generation += 1;
    }

    /// Observes appended items and returns the patch to apply now, or `None` when nothing needs
    /// writing yet (a bare `updated_at` touch within the throttle interval stays pending).
    pub fn observe_appended_items(
        &mut self,
        items: &[RolloutItem],
        now: DateTime<Utc>,
        now_instant: Instant,
    ) -> Option<PendingThreadMetadataPatch> {
        self.defer_create_update_until_history_exists = false;
        self.defer_resume_update_until_append = false;
        let affects_metadata = items.iter().any(affects_thread_metadata);
        let mut patch = ThreadMetadataPatch {
            updated_at: Some(now),
            ..Default::default()
        };
        if affects_metadata {
            for item in items {
                self.observe_item(item, &mut patch);
            }
        }
        self.merge_pending_update(patch);
        let pending = self.take_pending_update()?;
        let only_touch = !affects_metadata && !pending.patch.has_facts_besides_touch();
        let touched_recently = self
            .last_touch_persisted_at
            .is_some_and(|at| now_instant.duration_since(at) < THREAD_UPDATED_AT_TOUCH_INTERVAL);
        if only_touch && touched_recently {
            return None;
        }
        Some(pending)
    }

    fn observe_item(&mut self, item: &RolloutItem, patch: &mut ThreadMetadataPatch) {
        match item {
            RolloutItem::SessionMeta(meta) if meta.id == self.thread_id => {
                if let Some(created) = parse_timestamp(&meta.timestamp) {
                    patch.created_at = Some(created);
                }
                patch.source = Some(
                    meta.source
                        .clone()
                        .unwrap_or_else(|| serde_json::Value::String("vscode".into())),
                );
                set_clearable(&mut patch.thread_source, &meta.thread_source);
                set_clearable(&mut patch.agent_nickname, &meta.agent_nickname);
                set_clearable(&mut patch.agent_role, &meta.agent_role);
                set_clearable(&mut patch.agent_path, &meta.agent_path);
                if let Some(provider) = meta.model_provider.as_ref().filter(|p| !p.is_empty()) {
                    patch.model_provider = Some(provider.clone());
                }
                if !meta.cli_version.is_empty() {
                    patch.cli_version = Some(meta.cli_version.clone());
                }
                if !meta.cwd.is_empty() {
                    patch.cwd = Some(meta.cwd.clone().into());
                    self.cwd_seen = true;
                }
                if let Some(git) = &meta.git {
                    patch.git_info = Some(git_patch(git));
                }
                if let Some(mode) = meta.memory_mode() {
                    patch.memory_mode = Some(mode);
                }
            }
            RolloutItem::TurnContext(context) => {
                if !self.cwd_seen && !context.cwd.is_empty() {
                    patch.cwd = Some(context.cwd.clone().into());
                    self.cwd_seen = true;
                }
                if !context.model.is_empty() {
                    patch.model = Some(context.model.clone());
                }
                if let Some(effort) = &context.effort {
                    patch.reasoning_effort = Some(effort.clone());
                }
            }
            RolloutItem::EventMsg(EventMsg::UserMessage(message)) => {
                if let Some(preview) = user_message_preview(message) {
                    if !self.first_user_message_seen {
                        self.first_user_message_seen = true;
                        patch.first_user_message = Some(preview.clone());
                    }
                    if !self.preview_seen {
                        self.preview_seen = true;
                        patch.preview = Some(preview);
                    }
                }
                if !self.title_seen
                    && let Some(title) = user_message_title(message)
                {
                    self.title_seen = true;
                    patch.title = Some(title);
                }
            }
            RolloutItem::EventMsg(EventMsg::TokenCount(count)) => {
                if let Some(info) = &count.info {
                    patch.token_usage = Some(info.total_token_usage);
                }
            }
            RolloutItem::EventMsg(EventMsg::ThreadGoalUpdated(goal)) => {
                let objective = goal.goal.objective.trim();
                if !self.preview_seen && !objective.is_empty() {
                    self.preview_seen = true;
                    patch.preview = Some(objective.to_string());
                }
            }
            _ => {}
        }
    }
}

/// Codex's `rollout_item_affects_thread_metadata`.
pub fn affects_thread_metadata(item: &RolloutItem) -> bool {
    matches!(
        item,
        RolloutItem::SessionMeta(_)
            | RolloutItem::TurnContext(_)
            | RolloutItem::EventMsg(
                EventMsg::TokenCount(_) | EventMsg::UserMessage(_) | EventMsg::ThreadGoalUpdated(_)
            )
    )
}

fn set_clearable(target: &mut Option<Option<String>>, value: &Option<String>) {
    if let Some(value) = value {
        *target = Some(Some(value.clone()));
    }
}

/// A patch that sets the git fields present in `git` and leaves the others alone.
pub fn git_patch(git: &GitInfo) -> GitInfoPatch {
    GitInfoPatch {
        sha: git.commit_hash.clone().map(Some),
        branch: git.branch.clone().map(Some),
        origin_url: git.repository_url.clone().map(Some),
    }
}
