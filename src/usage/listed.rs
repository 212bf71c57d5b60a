//! A listed thread's own figures: its tokens, their cost and where each model's price came
//! from, and its rollout's size on disk. One place for `list --json` and the TUI's list and
//! preview; counted through the usage cache, so a thread is read once and then only what it
//! appended.

use std::collections::HashMap;
use std::path::{Path, PathBuf};
use std::sync::Arc;

use serde::Serialize;

use super::count::{ThreadUsage, Tokens};
use super::price::PriceTable;
use crate::manager::ThreadManager;
use crate::protocol::ThreadId;
use crate::store::StoredThread;
use crate::store::local::LocalThreadStore;

/// Where a model's price came from.
#[derive(Clone, Debug, PartialEq, Eq, Serialize)]
#[serde(rename_all = "snake_case")]
pub enum PriceSource {
    /// The table shipped in `config/prices.toml`.
    Shipped,
    /// The user's `[prices."MODEL"]`.
    UserConfig,
    /// No price: the model's tokens are not in the cost.
    None,
}

/// One model of a thread and its price's source.
#[derive(Clone, Debug, PartialEq, Eq, Serialize)]
pub struct ModelPrice {
    /// `unknown` when no turn context named the model before a call.
    pub model: String,
    pub source: PriceSource,
}

/// A thread's own usage and size.
#[derive(Clone, Debug, Default, PartialEq, Serialize)]
pub struct ThreadFigures {
    /// The thread's own tokens (a fork's copied calls excluded); `None`: not counted (a
    /// shared store, an unreadable rollout).
    pub tokens: Option<Tokens>,
    /// US dollars; `None` when not counted, or when a model of the thread has no price.
    pub cost: Option<f64>,
    /// Each model the thread called, in the order first called, with its price's source.
    pub models: Vec<ModelPrice>,
    /// The rollout's size on disk (compressed when it is a `.jsonl.zst`).
    pub bytes: Option<u64>,
    /// Reading stopped early: why (the figures count the lines before).
    pub damaged: Option<String>,
}

impl ThreadFigures {
    /// The figures of a counted thread at these prices.
    pub fn counted(usage: &ThreadUsage, prices: &PriceTable, bytes: Option<u64>) -> Self {
        let calls = usage.calls();
        let mut models: Vec<ModelPrice> = Vec::new();
        for bucket in &calls {
            let model = bucket
                .model
                .clone()
                .unwrap_or_else(|| "unknown".to_string());
            if models.iter().any(|known| known.model == model) {
                continue;
            }
            let source = match bucket.model.as_deref() {
                Some(name) if prices.is_overridden(name) => PriceSource::UserConfig,
                Some(name) if prices.price(name).is_some() => PriceSource::Shipped,
                _ => PriceSource::None,
            };
            models.push(ModelPrice { model, source });
        }
        let cost = calls
            .iter()
            .map(|bucket| prices.cost(bucket.model.as_deref(), &bucket.tokens))
            .sum();
        let mut tokens = Tokens::default();
        for bucket in &calls {
            tokens.add(&bucket.tokens);
        }
        ThreadFigures {
            tokens: Some(tokens),
            cost,
            models,
            bytes,
            damaged: usage.damaged.clone(),
        }
    }

    /// Models whose tokens are not in the cost.
    pub fn unpriced_models(&self) -> impl Iterator<Item = &str> {
        self.models
            .iter()
            .filter(|model| model.source == PriceSource::None)
            .map(|model| model.model.as_str())
    }

    /// `$0.04`, `no price` (tokens but a model without a price), `$0.00` (no tokens); `None`
    /// when not counted.
    pub fn cost_label(&self) -> Option<String> {
        let tokens = self.tokens?;
        Some(match self.cost {
            Some(cost) => format!("${cost:.2}"),
            None if tokens.total == 0 => "$0.00".to_string(),
            None => "no price".to_string(),
        })
    }
}

/// The size on disk of a thread's rollout: as the listing measured it, else the plain file's,
/// else its `.zst`'s (a `stat`: call it off the render path).
pub fn rollout_bytes(thread: &StoredThread) -> Option<u64> {
    if let Some(bytes) = thread.rollout_bytes {
        return Some(bytes);
    }
    plain_or_zst_bytes(thread.rollout_path.as_deref()?)
}

/// The size of the rollout at a plain path, else of its `.zst`.
fn plain_or_zst_bytes(plain: &Path) -> Option<u64> {
    [plain.to_path_buf(), crate::rollout::zst_sibling(plain)]
        .iter()
        .find_map(|path| std::fs::metadata(path).ok().filter(|meta| meta.is_file()))
        .map(|meta| meta.len())
}

/// Each listed thread's figures, by id. A thread whose usage could not be counted (a shared
/// store has no rollouts here; a rollout gone or unreadable) has `tokens: None`.
pub async fn figures_of(
    manager: &ThreadManager,
    threads: &[StoredThread],
    prices: &PriceTable,
) -> anyhow::Result<HashMap<ThreadId, ThreadFigures>> {
    let usages: HashMap<ThreadId, Arc<ThreadUsage>> =
        match manager.store().as_any().downcast_ref::<LocalThreadStore>() {
            Some(store) => {
                let paths = threads
                    .iter()
                    .filter_map(|thread| Some((thread.thread_id, thread.rollout_path.clone()?)))
                    .collect();
                store.usage_at(paths).await?
            }
            None => HashMap::new(),
        };
    // Only what sizing needs goes along: copying every listed thread cost more than the rest.
    let sized: Vec<(ThreadId, Option<u64>, Option<PathBuf>)> = threads
        .iter()
        .map(|thread| match thread.rollout_bytes {
            Some(bytes) => (thread.thread_id, Some(bytes), None),
            None => (thread.thread_id, None, thread.rollout_path.clone()),
        })
        .collect();
    let prices = prices.clone();
    // Sizes not measured by the listing are `stat`s: off the async threads.
    let figures = tokio::task::spawn_blocking(move || {
        sized
            .into_iter()
            .map(|(id, listed_bytes, path)| {
                let bytes = listed_bytes.or_else(|| path.as_deref().and_then(plain_or_zst_bytes));
                let figures = match usages.get(&id) {
                    Some(usage) => ThreadFigures::counted(usage, &prices, bytes),
                    None => ThreadFigures {
                        bytes,
                        ..ThreadFigures::default()
                    },
                };
                (id, figures)
            })
            .collect()
    })
    .await?;
    Ok(figures)
}

#[cfg(test)]
mod tests {
    use super::*;

    fn usage_of(lines: &[serde_json::Value]) -> ThreadUsage {
        let mut usage = ThreadUsage::default();
        for line in lines {
            let decoded = crate::protocol::RolloutLine::decode(&line.to_string()).unwrap();
            usage.observe_line(&decoded);
        }
        usage
    }

    fn call(stamp: &str, model: &str, total: i64) -> Vec<serde_json::Value> {
        let usage = serde_json::json!({"input_tokens": 900, "cached_input_tokens": 300,
            "output_tokens": 100, "reasoning_output_tokens": 40, "total_tokens": 1000});
        let running = serde_json::json!({"input_tokens": 0, "cached_input_tokens": 0,
            "output_tokens": 0, "reasoning_output_tokens": 0, "total_tokens": total});
        vec![
            serde_json::json!({"timestamp": stamp, "type": "turn_context",
                "payload": {"cwd": "/w", "approval_policy": "never", "sandbox_policy": {"type": "danger-full-access"}, "model": model, "summary": "auto"}}),
            serde_json::json!({"timestamp": stamp, "type": "event_msg",
                "payload": {"type": "token_count", "info": {"total_token_usage": running, "last_token_usage": usage, "model_context_window": null}, "rate_limits": null}}),
        ]
    }

    #[test]
    fn figures_name_each_models_price_source_and_cost_only_what_is_priced() {
        let mut lines = call("2026-12-01T10:00:00Z", "gpt-5", 1000);
        lines.extend(call("2026-12-01T10:01:00Z", "my-model", 2000));
        let usage = usage_of(&lines);
        let mut prices = PriceTable::shipped();

        let figures = ThreadFigures::counted(&usage, &prices, Some(42));
        assert_eq!(figures.tokens.unwrap().total, 2000);
        assert_eq!(figures.tokens.unwrap().cached_input, 600);
        assert_eq!(figures.bytes, Some(42));
        assert_eq!(
            figures.models,
            vec![
                ModelPrice {
                    model: "gpt-5".into(),
                    source: PriceSource::Shipped
                },
                ModelPrice {
                    model: "my-model".into(),
                    source: PriceSource::None
                },
            ]
        );
        assert_eq!(figures.cost, None, "a model without a price: no total");
        assert_eq!(figures.cost_label().as_deref(), Some("no price"));
        assert_eq!(figures.unpriced_models().collect::<Vec<_>>(), ["my-model"]);

        prices
            .apply_overrides(
                "[prices.\"my-model\"]\ninput = 1.0\ncached_input = 0.5\noutput = 2.0\n",
                "config.toml",
            )
            .unwrap();
        let figures = ThreadFigures::counted(&usage, &prices, None);
        assert_eq!(figures.models[1].source, PriceSource::UserConfig);
        // gpt-5: 600 uncached at 1.25, 300 cached at 0.125, 100 out at 10; my-model: 600 at
        // 1, 300 at 0.5, 100 at 2 (per million).
        let expected = (600.0 * 1.25 + 300.0 * 0.125 + 100.0 * 10.0 + 600.0 + 150.0 + 200.0) / 1e6;
        assert!((figures.cost.unwrap() - expected).abs() < 1e-12);
        assert_eq!(figures.cost_label().as_deref(), Some("$0.00"));
        assert_eq!(ThreadFigures::default().cost_label(), None);
    }
}
