//! `stats` and the usage fields of `list --json` on small hand-written homes: the counting
//! rules as a user meets them, prices from the shipped table and the user's config, and
//! "no price" for a model without one.

use std::path::Path;
use std::process::{Command, Output};

use serde_json::Value;

const A: &str = "019e2a4c-7b1d-7c42-9a3e-5d1f0c2b8e77";
const B: &str = "019e2a4c-7b1d-7c42-9a3e-5d1f0c2b8e78";

fn run(home: &Path, config: &Path, args: &[&str]) -> Output {
    Command::new(env!("CARGO_BIN_EXE_codex-threads"))
        .arg("--codex-home")
        .arg(home)
        .args(args)
        .env_remove("CODEX_SQLITE_HOME")
        .env("CODEX_THREADS_CACHE_DIR", home.join(".test-cache"))
        .env("CODEX_THREADS_STATE_DIR", home.join(".test-state"))
        .env("XDG_CONFIG_HOME", config)
        .output()
        .expect("the binary runs")
}

fn json(output: &Output) -> Value {
    assert!(
        output.status.success(),
        "{}",
        String::from_utf8_lossy(&output.stderr)
    );
    serde_json::from_slice(&output.stdout).unwrap()
}

fn line(stamp: &str, kind: &str, payload: &str) -> String {
    format!("{{\"timestamp\":\"{stamp}\",\"type\":\"{kind}\",\"payload\":{payload}}}\n")
}

/// A thread on `model` with calls of (input, cached, output) on 2026-05-14 and 2026-05-15.
fn write_thread(home: &Path, id: &str, model: &str, calls: &[(u64, u64, u64)]) {
    let dir = home.join("sessions/2026/05/14");
    std::fs::create_dir_all(&dir).unwrap();
    let mut text = line(
        "2026-05-14T09:00:00.000Z",
        "session_meta",
        &format!(
            "{{\"id\":\"{id}\",\"timestamp\":\"2026-05-14T09:00:00.000Z\",\"cwd\":\"/w/{model}\",\"source\":\"cli\"}}"
        ),
    );
    text += &line(
        "2026-05-14T09:00:01.000Z",
        "turn_context",
        &format!("{{\"cwd\":\"/w\",\"model\":\"{model}\"}}"),
    );
    text += &line(
        "2026-05-14T09:00:02.000Z",
        "event_msg",
        "{\"type\":\"user_message\",\"message\":\"count my tokens\"}",
    );
    let mut total = (0, 0, 0);
    for (index, (input, cached, output)) in calls.iter().enumerate() {
        total = (total.0 + input, total.1 + cached, total.2 + output);
        let usage = |(i, c, o): (u64, u64, u64)| {
            format!(
                "{{\"input_tokens\":{i},\"cached_input_tokens\":{c},\"output_tokens\":{o},\"reasoning_output_tokens\":0,\"total_tokens\":{}}}",
                i + o
            )
        };
        let stamp = format!("2026-05-{}T10:00:00.000Z", 14 + index.min(1));
        let count = format!(
            "{{\"type\":\"token_count\",\"info\":{{\"total_token_usage\":{},\"last_token_usage\":{}}},\"rate_limits\":null}}",
            usage(total),
            usage((*input, *cached, *output))
        );
        // Written twice: Codex repeats a count when only the rate limits changed.
        text += &line(&stamp, "event_msg", &count);
        text += &line(&stamp, "event_msg", &count);
    }
    std::fs::write(
        dir.join(format!("rollout-2026-05-14T18-00-00-{id}.jsonl")),
        text,
    )
    .unwrap();
}

#[test]
fn stats_counts_prices_and_says_no_price_and_list_json_has_each_threads_own_usage() {
    let dir = tempfile::TempDir::new().unwrap();
    let home = dir.path().join("home");
    let config = dir.path().join("config");
    write_thread(
        &home,
        A,
        "gpt-5",
        &[(3_000_000, 1_000_000, 1_000_000), (1_000_000, 0, 0)],
    );
    write_thread(&home, B, "mystery-model", &[(500, 0, 50)]);

    let by_day = json(&run(&home, &config, &["stats", "--json"]));
    let days = by_day["groups"].as_array().unwrap();
    assert_eq!(days.len(), 2);
    assert_eq!(days[0]["key"], "2026-05-14");
    assert_eq!(days[0]["input"], 3_000_500);
    assert_eq!(days[0]["unpriced_models"][0], "mystery-model");
    assert_eq!(days[1]["key"], "2026-05-15");
    // 2M uncached at 1.25, 1M cached at 0.125, 1M output at 10; then 1M uncached.
    let cost = by_day["total"]["cost"].as_f64().unwrap();
    assert!((cost - (12.625 + 1.25)).abs() < 1e-9, "{cost}");
    assert_eq!(by_day["total"]["calls"], 3);
    assert_eq!(by_day["prices_taken"], "2026-12-07");

    let by_model = json(&run(&home, &config, &["stats", "--by", "model", "--json"]));
    let mystery = &by_model["groups"].as_array().unwrap()[1];
    assert_eq!(mystery["key"], "mystery-model");
    assert_eq!(mystery["cost"], Value::Null);
    assert_eq!(mystery["total"], 550);

    let text = run(&home, &config, &["stats", "--by", "model"]);
    let text = String::from_utf8(text.stdout).unwrap();
    assert!(text.contains("no price"), "{text}");
    assert!(text.contains("no price for mystery-model"), "{text}");

    // --since and --until are inclusive days.
    let one_day = json(&run(
        &home,
        &config,
        &[
            "stats",
            "--since",
            "2026-05-15",
            "--until",
            "2026-05-15",
            "--json",
        ],
    ));
    assert_eq!(one_day["total"]["input"], 1_000_000);

    // The user's price replaces the shipped one and prices a new model.
    std::fs::create_dir_all(config.join("codex-threads")).unwrap();
    std::fs::write(
        config.join("codex-threads/config.toml"),
        "[prices.\"mystery-model\"]\ninput = 1000.0\ncached_input = 0.0\noutput = 0.0\n",
    )
    .unwrap();
    let priced = json(&run(&home, &config, &["stats", "--by", "model", "--json"]));
    let mystery = &priced["groups"].as_array().unwrap()[1];
    assert!((mystery["cost"].as_f64().unwrap() - 0.5).abs() < 1e-9);

    let listed = json(&run(&home, &config, &["list", "--json"]));
    let a = listed
        .as_array()
        .unwrap()
        .iter()
        .find(|thread| thread["id"] == A)
        .unwrap();
    assert_eq!(a["tokens"]["input"], 4_000_000);
    assert_eq!(a["tokens"]["total"], 5_000_000);
    assert!((a["cost"].as_f64().unwrap() - 13.875).abs() < 1e-9);
    let file = home.join(format!(
        "sessions/2026/05/14/rollout-2026-05-14T18-00-00-{A}.jsonl"
    ));
    assert_eq!(a["bytes"], std::fs::metadata(file).unwrap().len());
}

#[test]
fn stats_errors_are_one_line_and_non_zero() {
    let dir = tempfile::TempDir::new().unwrap();
    let home = dir.path().join("home");
    let config = dir.path().join("config");
    write_thread(&home, A, "gpt-5", &[(10, 0, 1)]);
    for (args, says) in [
        (
            vec!["stats", "--since", "2026-05-16", "--until", "2026-05-15"],
            "after",
        ),
        (vec!["stats", "--since", "yesterday"], "invalid"),
    ] {
        let output = run(&home, &config, &args);
        assert!(!output.status.success());
        let stderr = String::from_utf8_lossy(&output.stderr);
        assert!(stderr.contains(says), "{stderr}");
        if says == "after" {
            assert_eq!(stderr.lines().count(), 1, "{stderr}");
        }
    }
    std::fs::create_dir_all(config.join("codex-threads")).unwrap();
    std::fs::write(
        config.join("codex-threads/config.toml"),
        "[prices.\"gpt-5\"]\ninput = -1.0\ncached_input = 0.0\noutput = 0.0\n",
    )
    .unwrap();
    let output = run(&home, &config, &["stats"]);
    assert!(!output.status.success());
    let stderr = String::from_utf8_lossy(&output.stderr);
    assert_eq!(stderr.lines().count(), 1, "{stderr}");
    assert!(stderr.contains("not negative"), "{stderr}");
}

#[test]
fn du_adds_up_the_rollouts_bytes_per_month_and_directory() {
    let dir = tempfile::TempDir::new().unwrap();
    let home = dir.path().join("home");
    let config = dir.path().join("config");
    write_thread(&home, A, "gpt-5", &[(10, 0, 1)]);
    write_thread(&home, B, "gpt-5-mini", &[(10, 0, 1), (20, 0, 2)]);
    let sizes: u64 = [A, B]
        .iter()
        .map(|id| {
            let file = home.join(format!(
                "sessions/2026/05/14/rollout-2026-05-14T18-00-00-{id}.jsonl"
            ));
            std::fs::metadata(file).unwrap().len()
        })
        .sum();
    let by_month = json(&run(&home, &config, &["du", "--json"]));
    assert_eq!(by_month["total"]["bytes"], sizes);
    assert_eq!(by_month["total"]["threads"], 2);
    assert_eq!(by_month["groups"][0]["key"], "2026-05");
    let by_cwd = json(&run(&home, &config, &["du", "--by", "cwd", "--json"]));
    let keys: Vec<&str> = by_cwd["groups"]
        .as_array()
        .unwrap()
        .iter()
        .map(|group| group["key"].as_str().unwrap())
        .collect();
    assert_eq!(keys.len(), 2);
    assert!(
        keys.contains(&"/w/gpt-5") && keys.contains(&"/w/gpt-5-mini"),
        "{keys:?}"
    );
}
