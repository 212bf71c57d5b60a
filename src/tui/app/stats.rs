//! The usage screen's state: the time range, every thread's counted usage once loaded, and
//! what the screen draws for the range (made here when the data or the range changes, so that
//! a frame only reads it).

use std::sync::Arc;

use chrono::{DateTime, Duration, Utc};

use super::msg::Effect;
use super::state::{Screen, State};
use crate::protocol::ThreadId;
use crate::store::SourceFilter;
use crate::tui::keymap::Action;
use crate::usage::{GroupBy, PriceTable, StatsFilter, ThreadFacts, Tokens, group, week_of};

/// How many models get a sparkline.
const MODEL_LINES: usize = 4;
/// How many of the costliest threads are kept.
const TOP_THREADS: usize = 10;

/// What the runtime counted: every thread's usage, and the prices in use.
#[derive(Debug)]
pub struct StatsData {
    pub threads: Vec<ThreadFacts>,
    pub prices: PriceTable,
}

#[derive(Clone, Copy, Debug, Default, PartialEq, Eq)]
pub enum StatsRange {
    Week,
    #[default]
    Month,
    Quarter,
    All,
}

impl StatsRange {
    fn next(self) -> Self {
        match self {
            StatsRange::Week => StatsRange::Month,
            StatsRange::Month => StatsRange::Quarter,
            StatsRange::Quarter => StatsRange::All,
            StatsRange::All => StatsRange::Week,
        }
    }

    pub fn label(self) -> &'static str {
        match self {
            StatsRange::Week => "last 7 days",
            StatsRange::Month => "last 30 days",
            StatsRange::Quarter => "last 90 days",
            StatsRange::All => "all time",
        }
    }

    fn days(self) -> Option<i64> {
        match self {
            StatsRange::Week => Some(7),
            StatsRange::Month => Some(30),
            StatsRange::Quarter => Some(90),
            StatsRange::All => None,
        }
    }

    /// Bars per day over a few weeks; per week beyond.
    pub fn by_week(self) -> bool {
        matches!(self, StatsRange::Quarter | StatsRange::All)
    }
}

/// One bar, model line or thread as the screen shows it.
#[derive(Clone, Debug, PartialEq)]
pub struct StatsBar {
    /// `12-07` for a day, `W49` for a week.
    pub label: String,
    pub tokens: u64,
}

#[derive(Clone, Debug, PartialEq)]
pub struct ModelLine {
    pub model: String,
    /// Tokens per bar period, oldest first (the same periods as the bars).
    pub series: Vec<u64>,
    pub tokens: Tokens,
    pub cost: Option<f64>,
}

#[derive(Clone, Debug, PartialEq)]
pub struct ThreadLine {
    pub id: ThreadId,
    pub tokens: Tokens,
    pub cost: Option<f64>,
}

/// What the screen draws for the range.
#[derive(Clone, Debug, Default, PartialEq)]
pub struct StatsSummary {
    pub bars: Vec<StatsBar>,
    pub models: Vec<ModelLine>,
    pub threads: Vec<ThreadLine>,
    pub total: Tokens,
    pub cost: Option<f64>,
    pub unpriced_models: Vec<String>,
    pub prices_taken: String,
}

#[derive(Clone, Debug, Default)]
pub enum StatsLoad {
    #[default]
    NotLoaded,
    Loading,
    Ready(Arc<StatsData>),
    Failed(String),
}

#[derive(Clone, Debug, Default)]
pub struct StatsView {
    pub range: StatsRange,
    pub load: StatsLoad,
    pub summary: Option<StatsSummary>,
    request_id: u64,
}

/// Opens the usage screen, counting again each time (the cache makes it cheap).
pub fn show(state: &mut State) -> Vec<Effect> {
    state.screen = Screen::Stats;
    let request_id = state.next_request_id();
    state.stats.request_id = request_id;
    if !matches!(state.stats.load, StatsLoad::Ready(_)) {
        state.stats.load = StatsLoad::Loading;
    }
    vec![Effect::LoadStats { request_id }]
}

pub fn on_action(state: &mut State, action: Action) -> Vec<Effect> {
    match action {
        Action::NextRange => {
            state.stats.range = state.stats.range.next();
            summarize(state);
        }
        Action::Back | Action::ShowStats => state.screen = Screen::List,
        Action::Help => state.overlay = Some(super::state::Overlay::Help { scroll: 0 }),
        _ => {}
    }
    Vec::new()
}

pub fn on_loaded(state: &mut State, request_id: u64, result: Result<Arc<StatsData>, String>) {
    if request_id != state.stats.request_id {
        return;
    }
    match result {
        Ok(data) => {
            state.stats.load = StatsLoad::Ready(data);
            summarize(state);
        }
        Err(error) => {
            state.stats.load = StatsLoad::Failed(error.clone());
            state.set_error(format!("Usage not counted: {error}"));
        }
    }
}

/// Makes the range's summary from the loaded data.
fn summarize(state: &mut State) {
    let StatsLoad::Ready(data) = &state.stats.load else {
        return;
    };
    state.stats.summary = Some(summary(data, state.stats.range, state.now));
}

pub fn summary(data: &StatsData, range: StatsRange, now: DateTime<Utc>) -> StatsSummary {
    let today = now.date_naive();
    let since = range.days().map(|days| today - Duration::days(days - 1));
    let filter = StatsFilter {
        since,
        until: Some(today),
        source: SourceFilter::All,
    };
    let by = if range.by_week() {
        GroupBy::Week
    } else {
        GroupBy::Day
    };
    let periods = group(&data.threads, by, &filter, &data.prices);
    // Every period of a bounded range has a bar, used or not; "all time" starts at the first.
    let first = since.or_else(|| {
        periods
            .groups
            .first()
            .and_then(|row| chrono::NaiveDate::parse_from_str(&row.key, "%Y-%m-%d").ok())
            .or_else(|| first_day_of_week(periods.groups.first()?.key.as_str()))
    });
    let keys = period_keys(first, today, by);
    let tokens_of = |rows: &[crate::usage::GroupRow], key: &str| {
        rows.iter()
            .find(|row| row.key == key)
            .map_or(0, |row| row.tokens.total)
    };
    let bars = keys
        .iter()
        .map(|key| StatsBar {
            label: bar_label(key),
            tokens: tokens_of(&periods.groups, key),
        })
        .collect();

    let models = group(&data.threads, GroupBy::Model, &filter, &data.prices);
    let models = models
        .groups
        .iter()
        .take(MODEL_LINES)
        .map(|row| ModelLine {
            model: row.key.clone(),
            series: model_series(&data.threads, &row.key, by, &filter, &keys),
            tokens: row.tokens,
            cost: row.cost,
        })
        .collect();

    let threads = group(&data.threads, GroupBy::Thread, &filter, &data.prices);
    let threads = threads
        .groups
        .iter()
        .take(TOP_THREADS)
        .filter_map(|row| {
            Some(ThreadLine {
                id: row.key.parse().ok()?,
                tokens: row.tokens,
                cost: row.cost,
            })
        })
        .collect();
    StatsSummary {
        bars,
        models,
        threads,
        total: periods.total.tokens,
        cost: periods.total.cost,
        unpriced_models: periods.total.unpriced_models.clone(),
        prices_taken: periods.prices_taken.clone(),
    }
}

/// One model's tokens per period.
fn model_series(
    threads: &[ThreadFacts],
    model: &str,
    by: GroupBy,
    filter: &StatsFilter,
    keys: &[String],
) -> Vec<u64> {
    let mut series = vec![0u64; keys.len()];
    for thread in threads {
        for bucket in thread.usage.calls() {
            if bucket.model.as_deref().unwrap_or("unknown") != model {
                continue;
            }
            let Ok(day) = chrono::NaiveDate::parse_from_str(&bucket.day, "%Y-%m-%d") else {
                continue;
            };
            if filter.since.is_some_and(|since| day < since)
                || filter.until.is_some_and(|until| day > until)
            {
                continue;
            }
            let key = match by {
                GroupBy::Week => week_of(&bucket.day),
                _ => bucket.day.clone(),
            };
            if let Some(index) = keys.iter().position(|known| *known == key) {
                series[index] += bucket.tokens.total;
            }
        }
    }
    series
}

/// The keys of every period from `first` to `last`.
fn period_keys(
    first: Option<chrono::NaiveDate>,
    last: chrono::NaiveDate,
    by: GroupBy,
) -> Vec<String> {
    let Some(mut day) = first else {
        return Vec::new();
    };
    let mut keys: Vec<String> = Vec::new();
    while day <= last {
        let key = match by {
            GroupBy::Week => week_of(&day.format("%Y-%m-%d").to_string()),
            _ => day.format("%Y-%m-%d").to_string(),
        };
        if keys.last() != Some(&key) {
            keys.push(key);
        }
        day += Duration::days(1);
    }
    keys
}

/// The Monday of an ISO week key (`2026-W49`).
fn first_day_of_week(key: &str) -> Option<chrono::NaiveDate> {
    let (year, week) = key.split_once("-W")?;
    chrono::NaiveDate::from_isoywd_opt(year.parse().ok()?, week.parse().ok()?, chrono::Weekday::Mon)
}

/// `12-07` for a day, `W49` for a week.
fn bar_label(key: &str) -> String {
    match key.split_once("-W") {
        Some((_, week)) => format!("W{week}"),
        None => key.get(5..).unwrap_or(key).to_string(),
    }
}
