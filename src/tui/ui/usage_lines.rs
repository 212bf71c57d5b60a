//! The preview pane's usage fields: the selected thread's own tokens, their cost with where each
//! model's price came from, and the rollout's size on disk. Read from what the runtime counted
//! (`State::usage`); nothing is measured here.

use crate::store::StoredThread;
use crate::text::decimal_size;
use crate::text::sanitize::single_line;
use crate::tui::app::State;
use crate::tui::app::usage::RowUsage;
use crate::usage::{PriceSource, ThreadFigures};

/// `(label, value)` pairs, in the pane's order. Values are untrusted where they name a model:
/// made single-line here.
pub fn usage_fields(state: &State, thread: &StoredThread) -> Vec<(&'static str, String)> {
    let mut fields = Vec::new();
    let usage = state.usage.get(&thread.thread_id);
    let figures = match usage {
        RowUsage::Known(figures) => Some(figures),
        _ => None,
    };
    match (usage, figures.and_then(|figures| figures.tokens)) {
        (RowUsage::Counting, _) => fields.push(("tokens", "counting…".to_string())),
        (RowUsage::Failed(error), _) => {
            fields.push(("tokens", format!("unknown: {}", single_line(error))));
        }
        (RowUsage::Known(_), None) => {
            fields.push(("tokens", "unknown: no rollout to count here".to_string()));
        }
        (RowUsage::Known(figures), Some(tokens)) => {
            fields.push(("tokens", format!("{} own", thousands(tokens.total))));
            fields.push((
                "input",
                format!(
                    "{} · {} cached",
                    thousands(tokens.input),
                    thousands(tokens.cached_input)
                ),
            ));
            fields.push((
                "output",
                format!(
                    "{} · {} reasoning",
                    thousands(tokens.output),
                    thousands(tokens.reasoning)
                ),
            ));
            fields.push(("cost", cost_text(figures)));
            if !figures.models.is_empty() {
                fields.push(("priced", priced_text(state, figures)));
            }
            if let Some(prices) = state.usage.prices.as_ref().filter(|_| {
                figures
                    .models
                    .iter()
                    .any(|model| model.source == PriceSource::Shipped)
            }) {
                fields.push(("prices", single_line(&prices.source)));
            }
            if let Some(damage) = &figures.damaged {
                fields.push(("counted", format!("up to {}", single_line(damage))));
            }
        }
    }
    let bytes = figures
        .and_then(|figures| figures.bytes)
        .or(thread.rollout_bytes);
    let size = match bytes {
        Some(bytes) => decimal_size(bytes),
        None if matches!(usage, RowUsage::Counting) => "measuring…".to_string(),
        None => "unknown".to_string(),
    };
    fields.push(("size", size));
    fields
}

/// The cost, exact enough for one thread; says which models it leaves out.
fn cost_text(figures: &ThreadFigures) -> String {
    let unpriced: Vec<String> = figures.unpriced_models().map(single_line).collect();
    match figures.cost {
        Some(cost) if cost >= 1.0 => format!("${cost:.2}"),
        Some(cost) => format!("${cost:.4}"),
        None if unpriced.is_empty() => "$0".to_string(),
        None => format!("no price for {}", unpriced.join(", ")),
    }
}

/// `gpt-5 (table of 2026-12-07), my-model (your config)`.
fn priced_text(state: &State, figures: &ThreadFigures) -> String {
    let taken = state
        .usage
        .prices
        .as_ref()
        .map_or("shipped", |prices| prices.taken.as_str());
    figures
        .models
        .iter()
        .map(|model| {
            let source = match model.source {
                PriceSource::Shipped => format!("table of {taken}"),
                PriceSource::UserConfig => "your config".to_string(),
                PriceSource::None => "no price".to_string(),
            };
            format!("{} ({source})", single_line(&model.model))
        })
        .collect::<Vec<_>>()
        .join(", ")
}

/// `12,345`.
fn thousands(value: u64) -> String {
    let digits = value.to_string();
    let mut out = String::new();
    for (index, digit) in digits.chars().enumerate() {
        if index > 0 && (digits.len() - index).is_multiple_of(3) {
            out.push(',');
        }
        out.push(digit);
    }
    out
}
