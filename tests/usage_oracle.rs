//! `stats` against a peer: ccusage (npm `ccusage`, pinned in scripts/install-ccusage.sh) reads
//! the same generated home (legacy and paginated threads, resumed ones, forks of both modes),
//! and its daily, monthly and session reports agree with `stats --by day|month|thread|model`
//! within 0.5% per group. ccusage does not read `.jsonl.zst`, so both read a copy with them
//! decompressed (and `stats` is checked to read the compressed original alike).
//!
//! Skipped, saying so, when ccusage is not installed, unless `CONFORMANCE_REQUIRE_RELEASES` is
//! set (as in CI): then a missing ccusage fails it.

use std::collections::BTreeMap;
use std::path::{Path, PathBuf};
use std::process::Command;

use codex_threads::testing::gen_home::{GenOptions, add_forks, generate};
use serde_json::Value;

fn ccusage_or_skip(test: &str) -> Option<PathBuf> {
    let dir = std::env::var_os("CCUSAGE_DIR")
        .map(PathBuf::from)
        .or_else(|| dirs::cache_dir().map(|dir| dir.join("codex-threads/ccusage")))?;
    let binary = dir.join("bin/ccusage");
    if binary.exists() {
        return Some(binary);
    }
    assert!(
        std::env::var_os("CONFORMANCE_REQUIRE_RELEASES").is_none(),
        "ccusage is not installed (scripts/install-ccusage.sh)"
    );
    eprintln!("{test}: skipped: ccusage is not installed (scripts/install-ccusage.sh)");
    None
}

/// `codex-threads --codex-home HOME ARGS…` with caches, config and trash inside `scratch`.
fn ours(home: &Path, scratch: &Path, args: &[&str]) -> Value {
    let output = Command::new(env!("CARGO_BIN_EXE_codex-threads"))
        .arg("--codex-home")
        .arg(home)
        .args(args)
        .env_remove("CODEX_SQLITE_HOME")
        .env("CODEX_THREADS_CACHE_DIR", scratch.join("cache"))
        .env("CODEX_THREADS_STATE_DIR", scratch.join("state"))
        .env("XDG_CONFIG_HOME", scratch.join("config"))
        .env("XDG_DATA_HOME", scratch.join("data"))
        .output()
        .expect("the binary runs");
    assert!(
        output.status.success(),
        "{args:?}: {}",
        String::from_utf8_lossy(&output.stderr)
    );
    serde_json::from_slice(&output.stdout).expect("JSON")
}

fn theirs(ccusage: &Path, home: &Path, report: &str) -> Value {
    let output = Command::new(ccusage)
        .args(["codex", report, "--json", "--offline", "-z", "UTC"])
        .env("CODEX_HOME", home)
        .env("NO_COLOR", "1")
        .output()
        .expect("ccusage runs");
    assert!(
        output.status.success(),
        "ccusage {report}: {}",
        String::from_utf8_lossy(&output.stderr)
    );
    serde_json::from_slice(&output.stdout).expect("ccusage JSON")
}

/// A copy of `from` with every `.jsonl.zst` decompressed to its `.jsonl`.
fn copy_decompressed(from: &Path, to: &Path) {
    for entry in walk(from) {
        let relative = entry.strip_prefix(from).unwrap();
        let name = relative.to_string_lossy();
        if let Some(plain) = name.strip_suffix(".zst") {
            let target = to.join(plain);
            std::fs::create_dir_all(target.parent().unwrap()).unwrap();
            let compressed = std::fs::File::open(&entry).unwrap();
            let mut out = std::fs::File::create(&target).unwrap();
            zstd::stream::copy_decode(compressed, &mut out).unwrap();
        } else {
            let target = to.join(relative);
            std::fs::create_dir_all(target.parent().unwrap()).unwrap();
            std::fs::copy(&entry, &target).unwrap();
        }
    }
}

fn walk(dir: &Path) -> Vec<PathBuf> {
    let mut files = Vec::new();
    for entry in std::fs::read_dir(dir).unwrap() {
        let path = entry.unwrap().path();
        if path.is_dir() {
            files.extend(walk(&path));
        } else {
            files.push(path);
        }
    }
    files
}

/// Our groups by key: (input, output, total).
fn our_groups(report: &Value) -> BTreeMap<String, [u64; 3]> {
    report["groups"]
        .as_array()
        .unwrap()
        .iter()
        .map(|group| {
            let field = |name: &str| group[name].as_u64().unwrap();
            (
                group["key"].as_str().unwrap().to_string(),
                [field("input"), field("output"), field("total")],
            )
        })
        .collect()
}

/// ccusage's groups by key: its `inputTokens` leave out cached input, which ours include.
fn their_group(group: &Value) -> [u64; 3] {
    let field = |name: &str| group[name].as_u64().unwrap_or(0);
    [
        field("inputTokens") + field("cacheReadTokens"),
        field("outputTokens"),
        field("totalTokens"),
    ]
}

fn assert_close(
    what: &str,
    ours: &BTreeMap<String, [u64; 3]>,
    theirs: &BTreeMap<String, [u64; 3]>,
) {
    assert!(!theirs.is_empty(), "{what}: ccusage reported nothing");
    let keys: Vec<&String> = ours.keys().chain(theirs.keys()).collect();
    for key in keys {
        let (a, b) = (ours.get(key), theirs.get(key));
        let (Some(a), Some(b)) = (a, b) else {
            panic!("{what} {key}: ours {a:?}, ccusage {b:?}");
        };
        for (index, name) in ["input", "output", "total"].iter().enumerate() {
            let (x, y) = (a[index] as f64, b[index] as f64);
            let off = (x - y).abs() / y.max(1.0);
            assert!(
                off <= 0.005,
                "{what} {key} {name}: ours {x}, ccusage {y} ({:.3}% apart)",
                off * 100.0
            );
        }
    }
}

#[test]
fn stats_agrees_with_ccusage_per_day_month_thread_and_model() {
    let test = "stats_agrees_with_ccusage_per_day_month_thread_and_model";
    let Some(ccusage) = ccusage_or_skip(test) else {
        return;
    };
    let dir = tempfile::TempDir::new().unwrap();
    let original = dir.path().join("home");
    let mut options = GenOptions::new(240);
    options.seed = 17;
    let summary = generate(&original, &options).unwrap();
    assert!(summary.paginated() > 0 && summary.paginated() < summary.threads.len());
    assert!(summary.compressed() > 0 && summary.archived() > 0);
    let forks = add_forks(&summary, 6, 17).unwrap();
    assert!(forks.iter().any(|fork| fork.paginated) && forks.iter().any(|fork| !fork.paginated));

    let home = dir.path().join("decompressed");
    copy_decompressed(&original, &home);
    let scratch = dir.path().join("scratch");

    // Compressed rollouts are read like plain ones.
    let by_day = ours(
        &home,
        &scratch,
        &["stats", "--by", "day", "--archived", "--json"],
    );
    let compressed_day = ours(
        &original,
        &scratch,
        &["stats", "--by", "day", "--archived", "--json"],
    );
    assert_eq!(by_day["total"], compressed_day["total"]);

    let daily = theirs(&ccusage, &home, "daily");
    let their_days = daily["daily"]
        .as_array()
        .unwrap()
        .iter()
        .map(|day| (day["date"].as_str().unwrap().to_string(), their_group(day)))
        .collect();
    assert_close("day", &our_groups(&by_day), &their_days);

    let monthly = theirs(&ccusage, &home, "monthly");
    let their_months = monthly["monthly"]
        .as_array()
        .unwrap()
        .iter()
        .map(|month| {
            let key = month["month"].as_str().unwrap().to_string();
            (key, their_group(month))
        })
        .collect();
    let by_month = ours(
        &home,
        &scratch,
        &["stats", "--by", "month", "--archived", "--json"],
    );
    assert_close("month", &our_groups(&by_month), &their_months);

    // ccusage names a session by its file; the thread id ends the file name.
    let sessions = theirs(&ccusage, &home, "session");
    let their_threads = sessions["sessions"]
        .as_array()
        .unwrap()
        .iter()
        .map(|session| {
            let file = session["sessionFile"].as_str().unwrap();
            let id = &file[file.len() - 36..];
            (id.to_string(), their_group(session))
        })
        .collect();
    let by_thread = ours(
        &home,
        &scratch,
        &["stats", "--by", "thread", "--archived", "--json"],
    );
    let our_threads = our_groups(&by_thread);
    assert_close("thread", &our_threads, &their_threads);
    for fork in &forks {
        let own: u64 = fork
            .own_calls
            .iter()
            .map(|(_, call)| call[0] + call[2])
            .sum();
        assert_eq!(
            our_threads[&fork.id.to_string()][2],
            own,
            "fork {}",
            fork.id
        );
    }

    // ccusage has no model report: its daily report splits each day by model.
    let mut their_models: BTreeMap<String, [u64; 3]> = BTreeMap::new();
    for day in daily["daily"].as_array().unwrap() {
        for (model, usage) in day["models"].as_object().unwrap() {
            let sum = their_models.entry(model.clone()).or_default();
            for (total, add) in sum.iter_mut().zip(their_group(usage)) {
                *total += add;
            }
        }
    }
    let by_model = ours(
        &home,
        &scratch,
        &["stats", "--by", "model", "--archived", "--json"],
    );
    assert_close("model", &our_groups(&by_model), &their_models);
}
