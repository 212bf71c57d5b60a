//! Runs effects against the `ThreadManager` on tokio tasks; each result comes back as a `Msg`.

use std::collections::HashMap;
use std::path::PathBuf;
use std::sync::Arc;

use chrono::Utc;
use tokio::sync::mpsc;
use tokio::task::JoinHandle;

use super::search::run_search;
use crate::export::{ExportFormat, export_to_file};
use crate::launch::tmux::{TmuxServer, open_in_tmux};
use crate::launch::{CodexLaunch, LaunchMode};
use crate::manager::{FollowEvent, ThreadManager};
use crate::tui::app::{BulkAction, Effect, LoadedThreads, Msg};

pub struct Executor {
    manager: Arc<ThreadManager>,
    results: mpsc::UnboundedSender<Msg>,
    follower: Option<JoinHandle<()>>,
    /// The split view's followers, by request id.
    pane_followers: HashMap<u64, JoinHandle<()>>,
    /// Searches by request id; finished ones are dropped when the next one starts.
    searches: HashMap<u64, JoinHandle<()>>,
    /// Where `Effect::SaveUiState` writes; `None` forgets the choices.
    ui_state_path: Option<PathBuf>,
}

impl Executor {
    pub fn new(
        manager: Arc<ThreadManager>,
        results: mpsc::UnboundedSender<Msg>,
        ui_state_path: Option<PathBuf>,
    ) -> Self {
        Executor {
            manager,
            results,
            follower: None,
            pane_followers: HashMap::new(),
            searches: HashMap::new(),
            ui_state_path,
        }
    }

    /// Starts the effect's work; `Effect::Quit` is the loop's business and ignored here.
    pub fn execute(&mut self, effect: Effect) {
        let manager = self.manager.clone();
        let results = self.results.clone();
        match effect {
            Effect::LoadThreads { request_id, params } => self.spawn(async move {
                let result = manager
                    .list_threads(params)
                    .await
                    .map(|page| {
                        let now = Utc::now();
                        let live = page
                            .items
                            .iter()
                            .filter(|thread| manager.is_live(thread, now))
                            .map(|thread| thread.thread_id)
                            .collect();
                        LoadedThreads { page, live }
                    })
                    .map_err(|err| err.to_string());
                Msg::ThreadsLoaded { request_id, result }
            }),
            Effect::LoadHistory { request_id, params } => self.spawn(async move {
                let result = manager
                    .read_history_page(params)
                    .await
                    .map_err(|err| err.to_string());
                Msg::HistoryLoaded {
                    request_id,
                    direction: params.direction,
                    result,
                }
            }),
            Effect::LoadStats { request_id } => self.spawn(async move {
                let result = load_stats(&manager).await;
                Msg::StatsLoaded { request_id, result }
            }),
            Effect::LoadUsage { threads } => self.spawn(async move {
                let asked = threads
                    .iter()
                    .map(|thread| {
                        let key = crate::tui::app::usage::UsageKey::of(thread);
                        (thread.thread_id, key)
                    })
                    .collect();
                let result = load_usage(&manager, &threads).await;
                Msg::UsageLoaded {
                    threads: asked,
                    result,
                }
            }),
            Effect::LoadTrash { request_id } => self.spawn(async move {
                let result = manager.list_trash().await.map_err(|err| err.to_string());
                Msg::TrashLoaded { request_id, result }
            }),
            Effect::Restore { thread_id } => self.spawn(async move {
                let result = manager
                    .restore_thread(thread_id, false)
                    .await
                    .map_err(|err| err.to_string());
                Msg::Restored { thread_id, result }
            }),
            Effect::SetPrivate { ids, private } => self.spawn(async move {
                let result = manager
                    .set_private(ids.clone(), private)
                    .await
                    .map_err(|err| err.to_string());
                Msg::PrivateSet {
                    ids,
                    private,
                    result,
                }
            }),
            Effect::LoadDisk { request_id } => self.spawn(async move {
                let result = load_disk(&manager).await;
                Msg::DiskLoaded { request_id, result }
            }),
            Effect::Prune { action, candidate } => self.spawn(async move {
                let result = crate::prune::apply(&manager, action, &candidate)
                    .await
                    .map_err(|err| format!("{err:#}"));
                Msg::Pruned {
                    action,
                    id: candidate.thread.thread_id,
                    result,
                }
            }),
            Effect::LoadPreview { params } => self.spawn(async move {
                let result = manager
                    .read_history_page(params)
                    .await
                    .map(|page| page.lines)
                    .map_err(|err| err.to_string());
                Msg::PreviewLoaded {
                    thread_id: params.thread_id,
                    result,
                }
            }),
            Effect::Follow {
                request_id,
                thread_id,
                from,
                include_archived,
            } => {
                self.stop_following();
                self.follower = Some(tokio::spawn(follow(
                    manager,
                    results,
                    request_id,
                    thread_id,
                    from,
                    include_archived,
                )));
            }
            Effect::StopFollow => self.stop_following(),
            Effect::FollowPane {
                request_id,
                thread_id,
                from,
                include_archived,
            } => {
                self.pane_followers.retain(|_, task| !task.is_finished());
                let task = tokio::spawn(follow(
                    manager,
                    results,
                    request_id,
                    thread_id,
                    from,
                    include_archived,
                ));
                if let Some(old) = self.pane_followers.insert(request_id, task) {
                    old.abort();
                }
            }
            Effect::StopFollowPane { request_id } => {
                if let Some(task) = self.pane_followers.remove(&request_id) {
                    task.abort();
                }
            }
            Effect::ReadThreads { request_id, ids } => self.spawn(async move {
                let mut threads = Vec::with_capacity(ids.len());
                for thread_id in ids {
                    let params = crate::store::ReadThreadParams {
                        thread_id,
                        include_archived: true,
                        include_history: false,
                    };
                    match manager.read_thread(params).await {
                        Ok(thread) => threads.push(thread),
                        Err(err) => tracing::debug!(%err, thread = %thread_id, "re-reading"),
                    }
                }
                Msg::ThreadsRead {
                    request_id,
                    threads,
                }
            }),
            Effect::FullTextSearch { request_id, params } => {
                self.searches.retain(|_, task| !task.is_finished());
                let task = tokio::spawn(run_search(manager, request_id, params, results));
                self.searches.insert(request_id, task);
            }
            Effect::CancelSearch { request_id } => {
                // Dropping the hits receiver stops the store's search.
                if let Some(task) = self.searches.remove(&request_id) {
                    task.abort();
                }
            }
            Effect::UpdateMetadata {
                id,
                patch,
                include_archived,
            } => self.spawn(async move {
                match manager
                    .update_thread_metadata(id, patch, include_archived)
                    .await
                {
                    Ok(thread) => Msg::MetadataUpdated(thread),
                    Err(err) => failed("Could not save", err),
                }
            }),
            Effect::Archive(id) => self.spawn(async move {
                match manager.archive_thread(id).await {
                    Ok(()) => Msg::Archived(id),
                    Err(err) => failed("Could not archive", err),
                }
            }),
            Effect::Unarchive(id) => self.spawn(async move {
                match manager.unarchive_thread(id).await {
                    Ok(thread) => Msg::Unarchived(thread),
                    Err(err) => failed("Could not unarchive", err),
                }
            }),
            Effect::Delete(id) => self.spawn(async move {
                match manager.delete_thread(id).await {
                    Ok(_) => Msg::Deleted(id),
                    Err(err) => failed("Could not delete", err),
                }
            }),
            Effect::Bulk { action, ids } => self.spawn(async move {
                let total = ids.len();
                let mut succeeded = Vec::new();
                let mut failures = Vec::new();
                for (index, id) in ids.into_iter().enumerate() {
                    let outcome = match action {
                        BulkAction::Archive => manager.archive_thread(id).await,
                        BulkAction::Unarchive => manager.unarchive_thread(id).await.map(drop),
                        BulkAction::Delete => manager.delete_thread(id).await.map(drop),
                    };
                    match outcome {
                        Ok(()) => succeeded.push(id),
                        Err(err) => {
                            tracing::warn!(%err, thread = %id, "bulk {}", action.past());
                            failures.push((id, err.to_string()));
                        }
                    }
                    let done = index + 1;
                    let _ = results.send(Msg::BulkProgress {
                        action,
                        done,
                        total,
                    });
                }
                Msg::BulkDone {
                    action,
                    succeeded,
                    failed: failures,
                }
            }),
            Effect::Export { id, path } => {
                // The export writes a file as it reads pages: on a blocking thread, off the
                // runtime's workers.
                let runtime = tokio::runtime::Handle::current();
                self.spawn(async move {
                    let exported = tokio::task::spawn_blocking(move || {
                        let format = ExportFormat::Markdown;
                        runtime.block_on(export_to_file(&manager, id, format, &path))?;
                        anyhow::Ok(path)
                    })
                    .await;
                    match exported {
                        Ok(Ok(path)) => Msg::Exported(path),
                        Ok(Err(err)) => failed("Could not export", format!("{err:#}")),
                        Err(err) => failed("Could not export", err),
                    }
                })
            }
            Effect::Supervise { request_id, params } => self.spawn(async move {
                let result = manager
                    .list_threads(params)
                    .await
                    .map(|page| page.items)
                    .map_err(|err| err.to_string());
                Msg::Supervised { request_id, result }
            }),
            // The loop writes to the terminal and runs the command (see `run_with_host`).
            Effect::Notify(_) => {}
            Effect::SaveUiState(ui_state) => {
                let Some(path) = self.ui_state_path.clone() else {
                    return;
                };
                // Only a failure comes back; saving is otherwise silent.
                tokio::spawn(async move {
                    let saved = tokio::task::spawn_blocking(move || ui_state.save(&path)).await;
                    let error = match saved {
                        Ok(Ok(())) => return,
                        Ok(Err(err)) => err.to_string(),
                        Err(err) => err.to_string(),
                    };
                    let _ = results.send(failed("Could not remember the layout", error));
                });
            }
            Effect::Copy { text } => {
                tokio::spawn(super::clipboard::copy_with_system_tool(text));
            }
            // The loop's business: they need the terminal.
            Effect::Quit | Effect::LaunchCodex(_) => {}
        }
    }

    /// Starts Codex in a tmux window or pane (`launch`, or why it cannot be started); where it
    /// opened comes back as `Msg::CodexOpened`.
    pub fn open_in_tmux(
        &self,
        launch: Result<CodexLaunch, String>,
        mode: LaunchMode,
        window_name: String,
    ) {
        self.spawn(async move {
            let opened = match launch {
                Ok(launch) => {
                    open_in_tmux(&TmuxServer::default(), mode, &launch, &window_name).await
                }
                Err(err) => Err(err),
            };
            if let Err(err) = &opened {
                tracing::warn!(%err, "could not open Codex in tmux");
            }
            Msg::CodexOpened(opened)
        });
    }

    fn spawn(&self, work: impl Future<Output = Msg> + Send + 'static) {
        let results = self.results.clone();
        tokio::spawn(async move {
            // The loop may have ended; then nobody wants the result.
            let _ = results.send(work.await);
        });
    }

    pub fn stop_all(&mut self) {
        self.stop_following();
        for (_, task) in self.pane_followers.drain() {
            task.abort();
        }
        for (_, task) in self.searches.drain() {
            task.abort();
        }
    }

    pub fn stop_following(&mut self) {
        if let Some(task) = self.follower.take() {
            task.abort();
        }
    }
}

impl Drop for Executor {
    fn drop(&mut self) {
        self.stop_all();
    }
}

/// Sends a thread's follow events as `Msg::Follow { request_id, .. }` until it stops (moved,
/// failed) or nobody listens.
async fn follow(
    manager: Arc<ThreadManager>,
    results: mpsc::UnboundedSender<Msg>,
    request_id: u64,
    thread_id: crate::protocol::ThreadId,
    from: crate::store::HistoryCursor,
    include_archived: bool,
) {
    let send = |event| results.send(Msg::Follow { request_id, event }).is_ok();
    match manager
        .follow_thread(thread_id, from, include_archived)
        .await
    {
        Ok(mut follower) => {
            while let Some(event) = follower.recv().await {
                let last = !matches!(event, FollowEvent::Lines(_));
                if !send(event) || last {
                    break;
                }
            }
        }
        Err(err) => {
            send(FollowEvent::Failed(err.to_string()));
        }
    }
}

fn failed(what: &str, err: impl std::fmt::Display) -> Msg {
    tracing::warn!(%err, "{what}");
    Msg::EffectFailed(format!("{what}: {err}"))
}

/// Every thread's usage (active and archived) and the prices in use, for the usage screen.
async fn load_stats(
    manager: &ThreadManager,
) -> Result<std::sync::Arc<crate::tui::app::stats::StatsData>, String> {
    let Some(store) = manager
        .store()
        .as_any()
        .downcast_ref::<crate::store::local::LocalThreadStore>()
    else {
        return Err("usage is counted from a Codex home, not from a shared store".to_string());
    };
    let prices = crate::usage::PriceTable::load(crate::tui::config::user_config_path().as_deref())
        .map_err(|err| err.to_string())?;
    let mut threads = Vec::new();
    for archived in [false, true] {
        let home = store
            .home_usage(archived)
            .await
            .map_err(|err| err.to_string())?;
        threads.extend(
            home.rollouts
                .into_iter()
                .map(|rollout| crate::usage::ThreadFacts {
                    id: rollout.file.thread_id,
                    archived: rollout.file.archived,
                    usage: rollout.usage,
                }),
        );
    }
    Ok(std::sync::Arc::new(crate::tui::app::stats::StatsData {
        threads,
        prices,
    }))
}

/// Listed threads' own figures, with the prices in use.
async fn load_usage(
    manager: &ThreadManager,
    threads: &[crate::store::StoredThread],
) -> Result<crate::tui::app::usage::UsageBatch, String> {
    let prices = crate::usage::PriceTable::load(crate::tui::config::user_config_path().as_deref())
        .map_err(|err| err.to_string())?;
    let figures = crate::usage::figures_of(manager, threads, &prices)
        .await
        .map_err(|err| format!("{err:#}"))?;
    Ok(crate::tui::app::usage::UsageBatch {
        figures,
        prices: crate::tui::app::usage::PricesUsed {
            taken: prices.taken,
            source: prices.source,
        },
    })
}

/// Every thread's rollout on disk (active and archived), the largest kept, for the disk screen.
async fn load_disk(manager: &ThreadManager) -> Result<crate::tui::app::disk::DiskData, String> {
    let mut threads = Vec::new();
    for archived in [false, true] {
        let params = crate::store::ListThreadsParams {
            page_size: 0,
            archived,
            ..Default::default()
        };
        let page = crate::prune::every_thread(manager, params)
            .await
            .map_err(|err| format!("{err:#}"))?;
        threads.extend(page.items);
    }
    // Sizes are `stat`s of every rollout: off the async threads.
    tokio::task::spawn_blocking(move || {
        let mut sized: Vec<crate::prune::Candidate> = threads
            .into_iter()
            .filter_map(|thread| {
                let disk = crate::prune::on_disk(&thread)?;
                Some(crate::prune::Candidate { thread, disk })
            })
            .collect();
        let total_bytes = sized.iter().map(|row| row.disk.bytes).sum();
        sized.sort_by_key(|row| std::cmp::Reverse(row.disk.bytes));
        sized.truncate(crate::tui::app::disk::LARGEST);
        crate::tui::app::disk::DiskData {
            largest: sized,
            total_bytes,
        }
    })
    .await
    .map_err(|err| err.to_string())
}
