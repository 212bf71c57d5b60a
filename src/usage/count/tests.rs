use super::*;
use std::io::Write;

const OWN: &str = "019e2a4c-7b1d-7c42-9a3e-5d1f0c2b8e77";
const PARENT: &str = "019e2a4c-0000-7c42-9a3e-5d1f0c2b8e77";

fn line(stamp: &str, kind: &str, payload: &str) -> String {
    format!("{{\"timestamp\":\"{stamp}\",\"type\":\"{kind}\",\"payload\":{payload}}}\n")
}

fn meta(stamp: &str, id: &str, extra: &str) -> String {
    line(
        stamp,
        "session_meta",
        &format!(
            "{{\"id\":\"{id}\",\"timestamp\":\"{stamp}\",\"cwd\":\"/w\",\"source\":\"cli\"{extra}}}"
        ),
    )
}

fn context(stamp: &str, model: &str) -> String {
    line(
        stamp,
        "turn_context",
        &format!("{{\"cwd\":\"/w\",\"model\":\"{model}\"}}"),
    )
}

fn usage_json(input: u64, cached: u64, output: u64) -> String {
    format!(
        "{{\"input_tokens\":{input},\"cached_input_tokens\":{cached},\"output_tokens\":{output},\"reasoning_output_tokens\":0,\"total_tokens\":{}}}",
        input + output
    )
}

/// A `token_count` with running total `total` (input only) and a last call of `last` input
/// and `out` output.
fn count(stamp: &str, total: (u64, u64), last: (u64, u64)) -> String {
    line(
        stamp,
        "event_msg",
        &format!(
            "{{\"type\":\"token_count\",\"info\":{{\"total_token_usage\":{},\"last_token_usage\":{}}},\"rate_limits\":null}}",
            usage_json(total.0, 0, total.1),
            usage_json(last.0, 0, last.1)
        ),
    )
}

fn record(stamp: &str, id: &str, call: (u64, u64), thread: (u64, u64)) -> String {
    line(
        stamp,
        "token_usage_record",
        &format!(
            "{{\"thread_id\":\"{id}\",\"usage\":{},\"thread_token_usage\":{}}}",
            usage_json(call.0, 0, call.1),
            usage_json(thread.0, 0, thread.1)
        ),
    )
}

fn counted(text: &str) -> ThreadUsage {
    let dir = tempfile::TempDir::new().unwrap();
    let path = dir.path().join("rollout.jsonl");
    std::fs::write(&path, text).unwrap();
    let mut usage = ThreadUsage::default();
    usage.update_from(&path).unwrap();
    usage
}

#[test]
fn a_repeated_count_is_counted_once_and_calls_are_grouped_by_day_and_model() {
    let text = [
        meta("2026-05-14T09:00:00.000Z", OWN, ""),
        context("2026-05-14T09:00:01.000Z", "gpt-5"),
        count("2026-05-14T09:00:05.000Z", (100, 10), (100, 10)),
        // The same totals again (a rate-limit update): not a new call.
        count("2026-05-14T09:00:06.000Z", (100, 10), (100, 10)),
        count("2026-05-14T23:59:59.000Z", (300, 30), (200, 20)),
        context("2026-05-15T00:00:01.000Z", "gpt-5-mini"),
        count("2026-05-15T00:00:05.000Z", (350, 35), (50, 5)),
    ]
    .concat();
    let usage = counted(&text);
    assert_eq!(usage.thread_id.unwrap().to_string(), OWN);
    assert_eq!(usage.source.as_deref(), Some("cli"));
    let calls = usage.calls();
    assert_eq!(calls.len(), 2);
    assert_eq!(calls[0].day, "2026-05-14");
    assert_eq!(calls[0].model.as_deref(), Some("gpt-5"));
    assert_eq!(calls[0].calls, 2);
    assert_eq!(calls[0].tokens.input, 300);
    assert_eq!(calls[1].day, "2026-05-15");
    assert_eq!(calls[1].model.as_deref(), Some("gpt-5-mini"));
    assert_eq!(usage.total().total, 385);
}

#[test]
fn a_usage_record_counts_only_for_a_call_no_count_reported() {
    let text = [
        meta(
            "2026-05-14T09:00:00.000Z",
            OWN,
            ",\"history_mode\":\"paginated\"",
        ),
        context("2026-05-14T09:00:01.000Z", "gpt-5"),
        record("2026-05-14T09:00:04.000Z", OWN, (100, 10), (100, 10)),
        count("2026-05-14T09:00:05.000Z", (100, 10), (100, 10)),
        // A compaction's call: recorded, never reported by a count.
        record("2026-05-14T09:01:00.000Z", OWN, (70, 7), (170, 17)),
        record("2026-05-14T09:02:00.000Z", OWN, (200, 20), (370, 37)),
        count("2026-05-14T09:02:01.000Z", (370, 37), (200, 20)),
        // Another thread's record (a sub-agent's) is not this thread's call.
        record("2026-05-14T09:03:00.000Z", PARENT, (999, 9), (999, 9)),
    ]
    .concat();
    let usage = counted(&text);
    let total = usage.total();
    assert_eq!(total.input, 370);
    assert_eq!(total.output, 37);
    assert_eq!(usage.calls()[0].calls, 3);

    // A record at the end, its count not written yet, counts now and not twice later.
    let mut text = text;
    text.push_str(&record("2026-05-14T09:04:00.000Z", OWN, (30, 3), (400, 40)));
    let usage = counted(&text);
    assert_eq!(usage.total().input, 400);
    text.push_str(&count("2026-05-14T09:04:01.000Z", (400, 40), (30, 3)));
    assert_eq!(counted(&text).total().input, 400);
}

#[test]
fn a_legacy_fork_counts_its_own_calls_and_not_the_copied_ones() {
    let text = [
        meta(
            "2026-05-20T10:00:00.000Z",
            OWN,
            &format!(",\"forked_from_id\":\"{PARENT}\""),
        ),
        // The parent's lines, copied in one burst when the fork was made.
        meta("2026-05-20T10:00:00.010Z", PARENT, ""),
        context("2026-05-20T10:00:00.011Z", "gpt-5"),
        count("2026-05-20T10:00:00.012Z", (100, 10), (100, 10)),
        count("2026-05-20T10:00:00.013Z", (300, 30), (200, 20)),
        // The fork's own turn, on another model; its running total continues the parent's.
        context("2026-05-20T10:05:00.000Z", "gpt-5-mini"),
        count("2026-05-20T10:05:10.000Z", (340, 34), (40, 4)),
    ]
    .concat();
    let usage = counted(&text);
    assert_eq!(usage.forked_from.unwrap().to_string(), PARENT);
    let calls = usage.calls();
    assert_eq!(calls.len(), 1, "{calls:?}");
    assert_eq!(calls[0].model.as_deref(), Some("gpt-5-mini"));
    assert_eq!(calls[0].tokens.input, 40);
    assert_eq!(calls[0].tokens.total, 44);
}

/// As 0.147's app server forks: the own turn starts a few milliseconds after the copy (its
/// turn context inside the gap, so read as copied) and a fast model answers well within a
/// second; the own call is the fork's, on the model the copy left in effect.
#[test]
fn a_legacy_forks_own_call_soon_after_the_copy_is_its_own() {
    let text = [
        meta(
            "2026-05-20T10:00:00.600Z",
            OWN,
            &format!(",\"forked_from_id\":\"{PARENT}\""),
        ),
        meta("2026-05-20T10:00:00.600Z", PARENT, ""),
        context("2026-05-20T10:00:00.600Z", "gpt-5"),
        count("2026-05-20T10:00:00.601Z", (100, 10), (100, 10)),
        context("2026-05-20T10:00:00.601Z", "gpt-5"),
        count("2026-05-20T10:00:00.601Z", (300, 30), (200, 20)),
        // The fork's own turn: its context 24 ms later, its call 380 ms later.
        context("2026-05-20T10:00:00.625Z", "gpt-5"),
        count("2026-05-20T10:00:00.981Z", (340, 34), (40, 4)),
    ]
    .concat();
    let calls = counted(&text).calls();
    assert_eq!(calls.len(), 1, "{calls:?}");
    assert_eq!(calls[0].model.as_deref(), Some("gpt-5"));
    assert_eq!(calls[0].tokens.total, 44);
}

#[test]
fn a_paginated_fork_counts_its_last_calls_though_its_totals_start_from_the_parents() {
    let text = [
        meta(
            "2026-05-20T10:00:00.000Z",
            OWN,
            &format!(",\"forked_from_id\":\"{PARENT}\",\"history_mode\":\"paginated\""),
        ),
        context("2026-05-20T10:00:01.000Z", "gpt-5"),
        record("2026-05-20T10:00:04.000Z", OWN, (40, 4), (340, 34)),
        count("2026-05-20T10:00:05.000Z", (340, 34), (40, 4)),
    ]
    .concat();
    let total = counted(&text).total();
    assert_eq!((total.input, total.output), (40, 4));
}

#[test]
fn counting_what_was_appended_gives_what_counting_it_all_at_once_gives() {
    let head = [
        meta("2026-05-14T09:00:00.000Z", OWN, ""),
        context("2026-05-14T09:00:01.000Z", "gpt-5"),
        count("2026-05-14T09:00:05.000Z", (100, 10), (100, 10)),
    ]
    .concat();
    let tail = [
        count("2026-05-14T09:00:06.000Z", (100, 10), (100, 10)),
        count("2026-05-14T09:01:00.000Z", (250, 20), (150, 10)),
    ]
    .concat();
    let dir = tempfile::TempDir::new().unwrap();
    let path = dir.path().join("rollout.jsonl");
    std::fs::write(&path, &head).unwrap();
    let mut usage = ThreadUsage::default();
    usage.update_from(&path).unwrap();
    assert_eq!(usage.scanned_to, head.len() as u64);
    std::fs::OpenOptions::new()
        .append(true)
        .open(&path)
        .unwrap()
        .write_all(tail.as_bytes())
        .unwrap();
    usage.update_from(&path).unwrap();
    assert_eq!(usage, counted(&format!("{head}{tail}")));
    assert_eq!(usage.total().total, 270);
}
