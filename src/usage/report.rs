//! Grouping threads' counted calls: by day, week, month, model, project, directory or thread,
//! within a range of days, with the cost of each group where its models have a price.

use std::collections::{BTreeSet, HashMap};
use std::sync::Arc;

use chrono::{Datelike, NaiveDate};
use serde::Serialize;

use super::count::{ThreadUsage, Tokens};
use super::price::PriceTable;
use crate::protocol::ThreadId;
use crate::store::SourceFilter;

#[derive(Clone, Copy, Debug, Default, PartialEq, Eq, clap::ValueEnum, Serialize)]
#[serde(rename_all = "lowercase")]
pub enum GroupBy {
    #[default]
    Day,
    Week,
    Month,
    Model,
    Project,
    Cwd,
    Thread,
}

impl GroupBy {
    pub fn label(self) -> &'static str {
        match self {
            GroupBy::Day => "day",
            GroupBy::Week => "week",
            GroupBy::Month => "month",
            GroupBy::Model => "model",
            GroupBy::Project => "project",
            GroupBy::Cwd => "cwd",
            GroupBy::Thread => "thread",
        }
    }

    /// Time groups read in time order; the others biggest first.
    fn is_time(self) -> bool {
        matches!(self, GroupBy::Day | GroupBy::Week | GroupBy::Month)
    }
}

/// Which calls count: days inclusive (UTC), and the threads' sources.
#[derive(Clone, Debug, Default)]
pub struct StatsFilter {
    pub since: Option<NaiveDate>,
    pub until: Option<NaiveDate>,
    pub source: SourceFilter,
}

impl StatsFilter {
    fn keeps_day(&self, day: &str) -> bool {
        if self.since.is_none() && self.until.is_none() {
            return true;
        }
        let Ok(day) = NaiveDate::parse_from_str(day, "%Y-%m-%d") else {
            return false;
        };
        self.since.is_none_or(|since| day >= since) && self.until.is_none_or(|until| day <= until)
    }
}

/// A thread as the report needs it.
#[derive(Clone, Debug)]
pub struct ThreadFacts {
    pub id: ThreadId,
    pub archived: bool,
    pub usage: Arc<ThreadUsage>,
}

/// One group's tokens and cost.
#[derive(Clone, Debug, Default, PartialEq, Serialize)]
pub struct GroupRow {
    pub key: String,
    #[serde(flatten)]
    pub tokens: Tokens,
    pub calls: u64,
    pub threads: u64,
    /// The priced part's cost in US dollars; `None` when no call of the group has a price.
    pub cost: Option<f64>,
    /// Models of the group without a price (their tokens are in `tokens`, not in `cost`).
    pub unpriced_models: Vec<String>,
    #[serde(skip)]
    thread_ids: BTreeSet<ThreadId>,
}

impl GroupRow {
    fn add(&mut self, tokens: &Tokens, calls: u64, cost: Option<f64>, model: &str, id: ThreadId) {
        self.tokens.add(tokens);
        self.calls += calls;
        match cost {
            Some(cost) => *self.cost.get_or_insert(0.0) += cost,
            None => {
                if !self.unpriced_models.iter().any(|known| known == model) {
                    self.unpriced_models.push(model.to_string());
                }
            }
        }
        if self.thread_ids.insert(id) {
            self.threads += 1;
        }
    }
}

#[derive(Clone, Debug, Default, PartialEq, Serialize)]
pub struct StatsReport {
    pub by: GroupBy,
    pub groups: Vec<GroupRow>,
    pub total: GroupRow,
    /// When the shipped prices were taken, and where from.
    pub prices_taken: String,
    pub prices_source: String,
}

/// The model name a call without a turn context is grouped under.
const UNKNOWN_MODEL: &str = "unknown";

pub fn group(
    threads: &[ThreadFacts],
    by: GroupBy,
    filter: &StatsFilter,
    prices: &PriceTable,
) -> StatsReport {
    let mut groups: HashMap<String, GroupRow> = HashMap::new();
    let mut total = GroupRow {
        key: "total".to_string(),
        ..GroupRow::default()
    };
    for thread in threads {
        let usage = &thread.usage;
        if !filter
            .source
            .matches(usage.source.as_deref().unwrap_or("vscode"))
        {
            continue;
        }
        for bucket in usage.calls() {
            if !filter.keeps_day(&bucket.day) {
                continue;
            }
            let model = bucket.model.as_deref().unwrap_or(UNKNOWN_MODEL);
            let cost = prices.cost(bucket.model.as_deref(), &bucket.tokens);
            let key = match by {
                GroupBy::Day => bucket.day.clone(),
                GroupBy::Week => week_of(&bucket.day),
                GroupBy::Month => bucket.day.get(..7).unwrap_or(&bucket.day).to_string(),
                GroupBy::Model => model.to_string(),
                GroupBy::Project => project_of(usage),
                GroupBy::Cwd => usage.cwd.clone().unwrap_or_default(),
                GroupBy::Thread => thread.id.to_string(),
            };
            let row = groups.entry(key.clone()).or_insert_with(|| GroupRow {
                key,
                ..GroupRow::default()
            });
            row.add(&bucket.tokens, bucket.calls, cost, model, thread.id);
            total.add(&bucket.tokens, bucket.calls, cost, model, thread.id);
        }
    }
    let mut groups: Vec<GroupRow> = groups.into_values().collect();
    if by.is_time() {
        groups.sort_by(|a, b| a.key.cmp(&b.key));
    } else {
        groups.sort_by(|a, b| {
            let cost = |row: &GroupRow| row.cost.unwrap_or(0.0);
            cost(b)
                .total_cmp(&cost(a))
                .then(b.tokens.total.cmp(&a.tokens.total))
                .then(a.key.cmp(&b.key))
        });
    }
    StatsReport {
        by,
        groups,
        total,
        prices_taken: prices.taken.clone(),
        prices_source: prices.source.clone(),
    }
}

/// `2026-W49`: the ISO week of a `YYYY-MM-DD` day.
pub fn week_of(day: &str) -> String {
    match NaiveDate::parse_from_str(day, "%Y-%m-%d") {
        Ok(date) => {
            let week = date.iso_week();
            format!("{}-W{:02}", week.year(), week.week())
        }
        Err(_) => day.to_string(),
    }
}

/// A project: the repository (its origin without scheme and `.git`), else the directory.
pub fn project_of(usage: &ThreadUsage) -> String {
    if let Some(origin) = usage.git_origin.as_deref().filter(|url| !url.is_empty()) {
        let trimmed = origin.trim_end_matches('/').trim_end_matches(".git");
        let without_scheme = trimmed.split_once("://").map_or(trimmed, |(_, rest)| rest);
        // git@host:owner/name
        let without_user = without_scheme
            .split_once('@')
            .map_or(without_scheme, |(_, rest)| rest);
        return without_user.replacen(':', "/", 1);
    }
    usage.cwd.clone().unwrap_or_default()
}
