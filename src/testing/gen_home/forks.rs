//! Forked threads added to a generated home, the way Codex writes a fork of each history
//! mode, for the usage tests (kept apart from `generate`, whose output other tests pin):
//!
//! * a fork of a legacy thread starts with its own `session_meta` (`forked_from_id`), then
//!   copies its parent's lines (the parent's `session_meta` first), all stamped in one burst at
//!   the fork's creation, then its own turns, whose running totals continue the parent's;
//! * a fork of a paginated thread copies no lines: its own `session_meta`, then its own turns,
//!   whose running totals (and `token_usage_record` thread totals) start from the parent's.
//!
//! Each fork's own calls are returned, so that a test knows what the fork itself used.

use std::fs::{self, File};
use std::io::{self, BufRead, BufReader, Write};
use std::path::{Path, PathBuf};

use chrono::{DateTime, Duration, Utc};
use serde_json::{Value, json};
use uuid::Builder;

use super::{GenSummary, LOCAL_OFFSET_SECONDS, Rng};
use crate::protocol::ThreadId;
use crate::protocol::time::{format_rollout_timestamp, parse_timestamp};
use crate::rollout::CodexHome;

const FORK_STREAM: u64 = 7;

/// One fork written, and the tokens of its own calls.
#[derive(Clone, Debug)]
pub struct GeneratedFork {
    pub id: ThreadId,
    pub parent: ThreadId,
    pub path: PathBuf,
    pub paginated: bool,
    /// (input, cached input, output, reasoning) of each own call, with its UTC day.
    pub own_calls: Vec<(String, [u64; 4])>,
}

/// Adds `count` forks of plain active threads of `summary`'s home, chosen from `seed`.
pub fn add_forks(summary: &GenSummary, count: usize, seed: u64) -> io::Result<Vec<GeneratedFork>> {
    let mut rng = Rng::derive(seed, FORK_STREAM, 0);
    let candidates: Vec<_> = summary
        .threads
        .iter()
        .filter(|thread| !thread.archived && !thread.compressed && !thread.huge)
        .collect();
    let home = CodexHome::new(&summary.root);
    let mut forks = Vec::new();
    // Alternate the history modes so that a few forks cover both.
    for index in 0..count.min(candidates.len()) {
        let want_paginated = index % 2 == 1;
        let Some(parent) = (0..candidates.len())
            .map(|_| candidates[rng.below(candidates.len() as u64) as usize])
            .find(|thread| thread.facts.paginated == want_paginated)
        else {
            continue;
        };
        forks.push(write_fork(&home, &parent.path, parent.id, &mut rng)?);
    }
    Ok(forks)
}

fn write_fork(
    home: &CodexHome,
    parent_path: &Path,
    parent_id: ThreadId,
    rng: &mut Rng,
) -> io::Result<GeneratedFork> {
    let parent_lines: Vec<String> = BufReader::new(File::open(parent_path)?)
        .lines()
        .collect::<io::Result<_>>()?;
    let parsed: Vec<Value> = parent_lines
        .iter()
        .filter_map(|line| serde_json::from_str(line).ok())
        .collect();
    let parent_meta = parsed
        .first()
        .and_then(|line| line.get("payload"))
        .cloned()
        .unwrap_or_else(|| json!({}));
    let paginated = parent_meta["history_mode"] == "paginated";
    let last_at = parsed
        .iter()
        .rev()
        .find_map(|line| parse_timestamp(line["timestamp"].as_str()?))
        .unwrap_or_else(Utc::now);
    let running = parsed
        .iter()
        .rev()
        .find_map(|line| {
            let info = line["payload"]["info"].as_object()?;
            (line["payload"]["type"] == "token_count")
                .then(|| info.get("total_token_usage").cloned())
                .flatten()
        })
        .unwrap_or_else(|| json!({}));
    let model = parsed
        .iter()
        .rev()
        .find_map(|line| {
            (line["type"] == "turn_context").then(|| line["payload"]["model"].as_str())?
        })
        .unwrap_or("gpt-5")
        .to_string();

    let forked_at = last_at + Duration::minutes(rng.range(5, 600));
    let mut random = [0u8; 10];
    rng.fill(&mut random);
    let id = ThreadId::from_uuid(
        Builder::from_unix_timestamp_millis(forked_at.timestamp_millis() as u64, &random)
            .into_uuid(),
    );
    let local = (forked_at + Duration::seconds(LOCAL_OFFSET_SECONDS)).naive_utc();
    let path = home.new_rollout_path(id, local);
    fs::create_dir_all(path.parent().expect("a rollout path has a directory"))?;

    let mut out = Vec::new();
    let mut ordinal = 0u64;
    let mut emit = |out: &mut Vec<u8>, at: DateTime<Utc>, kind: &str, payload: Value| {
        let mut line = json!({ "timestamp": format_rollout_timestamp(at) });
        if paginated {
            line["ordinal"] = json!(ordinal);
            ordinal += 1;
        }
        line["type"] = json!(kind);
        line["payload"] = payload;
        serde_json::to_writer(&mut *out, &line).expect("JSON to memory");
        out.push(b'\n');
    };

    let mut meta = parent_meta.clone();
    meta["id"] = json!(id.to_string());
    meta["forked_from_id"] = json!(parent_id.to_string());
    meta["timestamp"] = json!(format_rollout_timestamp(forked_at));
    if meta.get("session_id").is_some() {
        meta["session_id"] = json!(id.to_string());
    }
    emit(&mut out, forked_at, "session_meta", meta);
    if !paginated {
        // The parent's history, copied and stamped now.
        let stamp = format_rollout_timestamp(forked_at + Duration::milliseconds(5));
        for line in &parent_lines {
            let Ok(mut value) = serde_json::from_str::<Value>(line) else {
                continue;
            };
            value["timestamp"] = json!(stamp);
            serde_json::to_writer(&mut out, &value).expect("JSON to memory");
            out.push(b'\n');
        }
    }

    let field = |name: &str| running[name].as_u64().unwrap_or(0);
    let mut total = [
        field("input_tokens"),
        field("cached_input_tokens"),
        field("output_tokens"),
        field("reasoning_output_tokens"),
    ];
    let mut own_calls = Vec::new();
    let mut at = forked_at + Duration::seconds(rng.range(20, 300));
    let cwd = parent_meta["cwd"].clone();
    for turn in 0..rng.range(1, 4) {
        let turn_id = format!("{id}-turn-{turn}");
        emit(
            &mut out,
            at,
            "turn_context",
            json!({"turn_id": turn_id, "cwd": cwd, "approval_policy": "never",
                   "sandbox_policy": {"type": "danger-full-access"}, "model": model,
                   "summary": "auto"}),
        );
        emit(
            &mut out,
            at,
            "event_msg",
            json!({"type": "user_message", "message": "Try the other approach instead",
                   "images": [], "local_images": [], "text_elements": []}),
        );
        for _ in 0..rng.range(1, 4) {
            at += Duration::seconds(rng.range(3, 90));
            let input = rng.range(8_000, 60_000) as u64;
            let cached = input * rng.range(50, 95) as u64 / 100 / 256 * 256;
            let output = rng.range(40, 2_000) as u64;
            let reasoning = output * rng.range(0, 60) as u64 / 100;
            let call = [input, cached, output, reasoning];
            for (sum, add) in total.iter_mut().zip(call) {
                *sum += add;
            }
            if paginated {
                emit(
                    &mut out,
                    at,
                    "token_usage_record",
                    json!({"thread_id": id.to_string(), "turn_id": turn_id,
                           "usage": usage_json(call), "thread_token_usage": usage_json(total)}),
                );
            }
            emit(
                &mut out,
                at + Duration::milliseconds(2),
                "event_msg",
                json!({"type": "token_count",
                       "info": {"total_token_usage": usage_json(total),
                                "last_token_usage": usage_json(call),
                                "model_context_window": 272000},
                       "rate_limits": null}),
            );
            own_calls.push((at.format("%Y-%m-%d").to_string(), call));
        }
        at += Duration::minutes(rng.range(1, 120));
    }
    let mut file = File::create(&path)?;
    file.write_all(&out)?;
    file.set_modified(at.into())?;
    Ok(GeneratedFork {
        id,
        parent: parent_id,
        path,
        paginated,
        own_calls,
    })
}

fn usage_json([input, cached, output, reasoning]: [u64; 4]) -> Value {
    json!({"input_tokens": input, "cached_input_tokens": cached, "output_tokens": output,
           "reasoning_output_tokens": reasoning, "total_tokens": input + output})
}
