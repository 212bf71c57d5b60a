//! The shared store as a person uses it: the real binary syncs a temporary Codex home into the
//! throwaway PostgreSQL server, then `--store` runs the commands and the TUI on it. Skipped,
//! saying so, without a test server.

mod common;

use std::path::Path;
use std::process::{Child, Command, Output, Stdio};

use common::pty::*;
use common::*;
use serde_json::Value;

/// `codex-threads ARGS…` with its config, cache and trash under `scratch`, never the home.
fn run(scratch: &Path, args: &[&str], store_env: Option<&str>) -> Output {
    let mut command = Command::new(env!("CARGO_BIN_EXE_codex-threads"));
    command
        .args(args)
        .env("XDG_CONFIG_HOME", scratch.join("config"))
        .env("CODEX_THREADS_CACHE_DIR", scratch.join("cache"))
        .env("CODEX_THREADS_STATE_DIR", scratch.join("cache-state"))
        .env("XDG_DATA_HOME", scratch.join("data"))
        .env_remove("CODEX_THREADS_STORE");
    if let Some(url) = store_env {
        command.env("CODEX_THREADS_STORE", url);
    }
    command.output().expect("the binary runs")
}

fn ids_listed(json: &str) -> Vec<String> {
    let threads: Vec<Value> = serde_json::from_str(json).expect("a JSON array");
    threads
        .iter()
        .map(|thread| thread["id"].as_str().unwrap().to_string())
        .collect()
}

/// `search`'s hits, sorted, and the thread headings they came under, each once (a thread whose
/// hits arrive in several bursts is headed again, which depends on the order of arrival).
fn sorted_lines(text: &str) -> (Vec<&str>, Vec<&str>) {
    let (mut hits, mut headings): (Vec<&str>, Vec<&str>) = text
        .lines()
        .filter(|line| !line.is_empty())
        .partition(|line| line.starts_with("  "));
    hits.sort_unstable();
    headings.sort_unstable();
    headings.dedup();
    (hits, headings)
}

/// A home whose every file's bytes are recorded, to show later that nothing changed.
fn snapshot(home: &Path) -> Vec<(std::path::PathBuf, Vec<u8>)> {
    let mut files = Vec::new();
    let mut dirs = vec![home.to_path_buf()];
    while let Some(dir) = dirs.pop() {
        for entry in std::fs::read_dir(&dir).unwrap() {
            let path = entry.unwrap().path();
            if path.is_dir() {
                dirs.push(path);
            } else {
                files.push((path.clone(), std::fs::read(&path).unwrap()));
            }
        }
    }
    files.sort();
    files
}

#[tokio::test]
async fn commands_on_the_store_answer_as_on_the_home_and_edits_stay_in_the_store() {
    let Some(db) = common::pg::TempDatabase::new("commands_on_the_store").await else {
        return;
    };
    let url = db.url();
    let home = TestHome::new();
    let named = ThreadSpec::new()
        .turn(
            "Fix the flaky login test",
            "The retry loop was wrong: FIXED.",
        )
        .turn("And the logout one?", "Also fixed.");
    let other = ThreadSpec::new()
        .turn("Profile the importer", "It spends its time in JSON.")
        .turn("Read the Über-Handbuch", "ÜBER alles: done.");
    let archived = ThreadSpec::new()
        .archived()
        .turn("Old question", "Old answer, FIXED long ago.");
    for spec in [&named, &other, &archived] {
        home.add_thread(spec);
    }
    let scratch = tempfile::TempDir::new().unwrap();
    let home_arg = home.path().to_str().unwrap();

    let synced = run(
        scratch.path(),
        &["--codex-home", home_arg, "sync", "--to", &url],
        None,
    );
    assert!(synced.status.success());
    let said = String::from_utf8_lossy(&synced.stderr);
    assert!(
        said.contains("3 threads"),
        "the report counts 3 threads: {said}"
    );
    let before = snapshot(home.path());

    // The same listing and search on the store as on the home.
    let on_store = |args: &[&str]| {
        let mut all = vec!["--store", url.as_str()];
        all.extend_from_slice(args);
        run(scratch.path(), &all, None)
    };
    let on_home = |args: &[&str]| {
        let mut all = vec!["--codex-home", home_arg];
        all.extend_from_slice(args);
        run(scratch.path(), &all, None)
    };
    let store_list = binary::stdout(&on_store(&["list", "--json"]));
    assert_eq!(
        ids_listed(&store_list),
        ids_listed(&binary::stdout(&on_home(&["list", "--json"])))
    );
    let listed: Vec<Value> = serde_json::from_str(&store_list).unwrap();
    assert!(listed.iter().all(|thread| {
        thread["origin"]["codex_home"]
            .as_str()
            .is_some_and(|origin| {
                origin.ends_with(home.path().file_name().unwrap().to_str().unwrap())
            })
    }));
    for query in ["fixed", "FIXED", "importer", "über", "Über", "ÜBER"] {
        for archived in [&[][..], &["--archived"][..]] {
            let args: Vec<&str> = [&["search", query][..], archived].concat();
            let store_hits = binary::stdout(&on_store(&args));
            let home_hits = binary::stdout(&on_home(&args));
            assert!(!store_hits.is_empty(), "{query:?} finds something");
            assert_eq!(
                sorted_lines(&store_hits),
                sorted_lines(&home_hits),
                "{query:?}"
            );
        }
    }

    // A unique id prefix and then a name find the thread through the store.
    let id = named.id.to_string();
    let prefix = &id[..id.len() - 4];
    let renamed = on_store(&["rename", prefix, "Login flake"]);
    binary::stdout(&renamed);
    let shown: Value = serde_json::from_str(&binary::stdout(&on_store(&[
        "show",
        "Login flake",
        "--json",
    ])))
    .unwrap();
    assert_eq!(shown["thread"]["id"], id.as_str());
    assert_eq!(shown["thread"]["name"], "Login flake");
    binary::stdout(&on_store(&["memory", "Login flake", "disabled"]));
    binary::stdout(&on_store(&["archive", &other.id.to_string()]));
    // The environment variable names the store as well as the flag.
    let via_env = run(
        scratch.path(),
        &["list", "--json", "--archived"],
        Some(&url),
    );
    let archived_ids = ids_listed(&binary::stdout(&via_env));
    assert!(
        archived_ids.contains(&other.id.to_string()),
        "{archived_ids:?}"
    );
    // So does the `store` key of the config file.
    let config_dir = scratch.path().join("config").join("codex-threads");
    std::fs::create_dir_all(&config_dir).unwrap();
    std::fs::write(config_dir.join("config.toml"), format!("store = {url:?}\n")).unwrap();
    let via_config = run(scratch.path(), &["list", "--json", "--archived"], None);
    assert_eq!(ids_listed(&binary::stdout(&via_config)), archived_ids);
    std::fs::remove_file(config_dir.join("config.toml")).unwrap();

    // Edits on the store never touch the home, and the next sync keeps them.
    assert!(snapshot(home.path()) == before, "the home was not changed");
    binary::stdout(&run(
        scratch.path(),
        &["--codex-home", home_arg, "sync", "--to", &url],
        None,
    ));
    let shown: Value =
        serde_json::from_str(&binary::stdout(&on_store(&["show", prefix, "--json"]))).unwrap();
    assert_eq!(shown["thread"]["name"], "Login flake");
    assert_eq!(shown["thread"]["memory_mode"], "disabled");

    // A thread that does not exist: non-zero, one line on stderr.
    let missing = on_store(&["show", "no-such-thread"]);
    assert!(!missing.status.success());
    let err = String::from_utf8_lossy(&missing.stderr);
    assert_eq!(err.trim_end().lines().count(), 1, "{err}");
}

#[tokio::test]
async fn two_homes_syncing_at_once_share_one_store_each_thread_with_its_origin() {
    let Some(db) = common::pg::TempDatabase::new("two_homes_share_one_store").await else {
        return;
    };
    let url = db.url();
    let homes = [TestHome::new(), TestHome::new()];
    let mut expected = std::collections::HashMap::new();
    for (n, home) in homes.iter().enumerate() {
        for i in 0..20 {
            let spec = ThreadSpec::new().turn(&format!("home {n} thread {i}"), "ok");
            home.add_thread(&spec);
            let origin = std::path::absolute(home.path()).unwrap();
            expected.insert(spec.id.to_string(), origin.to_string_lossy().into_owned());
        }
    }
    let scratch = tempfile::TempDir::new().unwrap();
    let syncs: Vec<Child> = homes
        .iter()
        .map(|home| {
            Command::new(env!("CARGO_BIN_EXE_codex-threads"))
                .args(["--codex-home", home.path().to_str().unwrap()])
                .args(["sync", "--to", &url])
                .env("CODEX_THREADS_CACHE_DIR", home.path().join(".test-cache"))
                .env(
                    "CODEX_THREADS_STATE_DIR",
                    home.path().join(".test-cache-state"),
                )
                .stdout(Stdio::null())
                .stderr(Stdio::piped())
                .spawn()
                .expect("sync starts")
        })
        .collect();
    for sync in syncs {
        let done = sync.wait_with_output().unwrap();
        assert!(
            done.status.success(),
            "{}",
            String::from_utf8_lossy(&done.stderr)
        );
    }
    let listed = binary::stdout(&run(
        scratch.path(),
        &["--store", &url, "list", "--json", "--limit", "0"],
        None,
    ));
    let threads: Vec<Value> = serde_json::from_str(&listed).unwrap();
    let seen: std::collections::HashMap<String, String> = threads
        .iter()
        .map(|thread| {
            (
                thread["id"].as_str().unwrap().to_string(),
                thread["origin"]["codex_home"].as_str().unwrap().to_string(),
            )
        })
        .collect();
    assert_eq!(seen, expected);
}

#[test]
fn an_unreachable_store_fails_in_one_line_without_its_password() {
    let scratch = tempfile::TempDir::new().unwrap();
    let dead = scratch.path().join("no-server");
    std::fs::create_dir_all(&dead).unwrap();
    let url = format!(
        "postgresql://ann:Sekr1t-never-shown@/threads?host={}&port=1",
        dead.display()
    );
    for args in [&["list"][..], &["search", "x"][..]] {
        let mut all = vec!["--store", url.as_str()];
        all.extend_from_slice(args);
        let output = run(scratch.path(), &all, None);
        assert!(!output.status.success());
        let err = String::from_utf8_lossy(&output.stderr);
        // A password on the command line is warned about (issue 19), then the error is one line.
        let (warnings, errors): (Vec<&str>, Vec<&str>) = err
            .trim_end()
            .lines()
            .partition(|line| line.starts_with("codex-threads: warning: "));
        assert_eq!(warnings.len(), 1, "{err}");
        assert!(warnings[0].contains("~/.pgpass"), "{err}");
        assert_eq!(errors.len(), 1, "{err}");
        assert!(!err.contains("Sekr1t"), "{err}");
        assert!(output.stdout.is_empty());
    }
}

/// Stops `sync --watch` when the test ends, however it ends.
struct Background(Child);

impl Drop for Background {
    fn drop(&mut self) {
        let _ = self.0.kill();
        let _ = self.0.wait();
    }
}

#[tokio::test]
async fn the_tui_on_the_store_shows_origins_and_follows_what_sync_watch_carries() {
    let Some(db) = common::pg::TempDatabase::new("the_tui_on_the_store").await else {
        return;
    };
    let url = db.url();
    let home = TestHome::new();
    let spec = ThreadSpec::new().turn("Watch the deploy", "Deploying now.");
    let written = home.add_thread(&spec);
    let scratch = tempfile::TempDir::new().unwrap();
    let _watch = Background(
        Command::new(env!("CARGO_BIN_EXE_codex-threads"))
            .args(["--codex-home", home.path().to_str().unwrap()])
            .args(["sync", "--to", &url, "--watch"])
            .env(
                "CODEX_THREADS_CACHE_DIR",
                scratch.path().join("watch-cache"),
            )
            .env(
                "CODEX_THREADS_STATE_DIR",
                scratch.path().join("watch-state"),
            )
            .stdout(Stdio::null())
            .stderr(Stdio::null())
            .spawn()
            .expect("sync --watch starts"),
    );
    let first_sync = || {
        let listed = run(scratch.path(), &["--store", &url, "list", "--json"], None);
        listed.status.success() && ids_listed(&String::from_utf8_lossy(&listed.stdout)).len() == 1
    };
    wait_for_condition("the first sync", first_sync);

    let mut tui = PtySession::spawn(&["--store", &url], scratch.path(), 160, 40);
    tui.wait_for("Watch the deploy");
    let host = std::fs::read_to_string("/proc/sys/kernel/hostname").unwrap_or_default();
    let host = host.trim();
    if !host.is_empty() {
        tui.wait_for(&host.chars().take(8).collect::<String>());
    }
    tui.send("\r");
    tui.wait_for("Deploying now.");
    // Codex writes a line into the home; `sync --watch` carries it, `LISTEN` brings it here.
    append_raw(
        &written.path,
        "{\"timestamp\":\"2026-05-14T09:30:00.000Z\",\"type\":\"event_msg\",\"payload\":{\"type\":\"agent_message\",\"message\":\"Deploy finished: all green\",\"phase\":null}}\n",
    );
    tui.wait_for("Deploy finished: all green");
    tui.send("\x03");
    assert!(tui.wait_exit());
}
