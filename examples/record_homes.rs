//! Records a small Codex home from each installed Codex release, offline against the mock model,
//! into `testdata/homes/<version>/`: the rollouts, `session_index.jsonl` and the state DBs that
//! Codex itself created. `scripts/record-homes.sh` runs it after installing the releases.
//!
//! ```sh
//! cargo run --example record_homes -- [--release VERSION] [OUT_DIR]
//! ```
//!
//! Each home holds the same threads, written by Codex the way a user would make them:
//! `exec` threads (a plain answer with reasoning, a shell command with output, `apply_patch`,
//! a git repository with an origin, a cwd with spaces and non-ASCII text, a resumed second
//! turn, a slowly streamed answer), an interactive TUI thread, and app-server threads that
//! Codex renamed and archived. `RECORDING.json` beside them says where it was recorded and the
//! ids of each scenario.
//!
//! Recording happens under a fixed root (`/tmp/codex-threads-recording/<version>`) so that the
//! paths inside the files are the same each time it is re-recorded.

use std::path::{Path, PathBuf};
use std::process::Command;
use std::time::Instant;

use anyhow::{Context, Result, bail};
use serde_json::{Value, json};

use codex_threads::testing::codex::{self, AppServer, CodexRelease};
use codex_threads::testing::mock_model::MockModel;

#[path = "../tests/common/codex_tui.rs"]
mod codex_tui;
use codex_tui::tui_thread;

const RECORDING_ROOT: &str = "/tmp/codex-threads-recording";

fn main() -> Result<()> {
    let mut args = std::env::args().skip(1);
    let mut only = None;
    let mut out = PathBuf::from("testdata/homes");
    while let Some(arg) = args.next() {
        match arg.as_str() {
            "--release" => only = Some(args.next().context("--release needs a version")?),
            _ => out = PathBuf::from(arg),
        }
    }
    let releases: Vec<CodexRelease> = codex::installed_releases()
        .into_iter()
        .filter(|r| only.as_deref().is_none_or(|v| v == r.version))
        .collect();
    if releases.is_empty() {
        bail!(
            "no Codex release installed in {} (run scripts/install-codex-releases.sh)",
            codex::releases_dir().display()
        );
    }
    let model = MockModel::start()?;
    for release in &releases {
        let started = Instant::now();
        let recorded = record(release, &model)
            .with_context(|| format!("recording Codex {}", release.version))?;
        let dest = out.join(&release.version);
        copy_home(&recorded.home, &dest)?;
        std::fs::write(
            dest.join("RECORDING.json"),
            serde_json::to_string_pretty(&recorded.manifest)? + "\n",
        )?;
        eprintln!(
            "Codex {}: recorded into {} in {:.1} s",
            release.version,
            dest.display(),
            started.elapsed().as_secs_f64()
        );
    }
    Ok(())
}

struct Recorded {
    home: PathBuf,
    manifest: Value,
}

fn record(release: &CodexRelease, model: &MockModel) -> Result<Recorded> {
    let root = Path::new(RECORDING_ROOT).join(&release.version);
    if root.exists() {
        std::fs::remove_dir_all(&root)?;
    }
    let home = root.join("home");
    let repo = root.join("repo");
    let odd_dir = root.join("work dir ü — Grüße");
    std::fs::create_dir_all(&repo)?;
    std::fs::create_dir_all(&odd_dir)?;
    make_git_repo(&repo)?;
    codex::write_config(&home, &model.base_url(), &[&repo, &odd_dir])?;

    let mut scenarios = serde_json::Map::new();
    let mut note = |name: &str, id: String| {
        scenarios.insert(name.to_owned(), json!(id));
    };

    let before = thread_ids(&home);
    codex::exec(
        release,
        &home,
        &repo,
        "[reason] Explain the layout of this repository",
    )?;
    let reasoning = newest_new_thread(&home, &before)?;
    note("exec_reasoning", reasoning.clone());

    let before = thread_ids(&home);
    codex::exec(
        release,
        &home,
        &repo,
        "Show the files [shell: printf 'alpha\\nbeta\\n'; ls -a]",
    )?;
    note("exec_shell", newest_new_thread(&home, &before)?);

    let before = thread_ids(&home);
    codex::exec(
        release,
        &home,
        &repo,
        "Add a notes file [patch: notes.txt: hello from the mock model]",
    )?;
    note("exec_apply_patch", newest_new_thread(&home, &before)?);

    let before = thread_ids(&home);
    codex::exec(
        release,
        &home,
        &odd_dir,
        "Grüße aus einem Ordner mit Leerzeichen — 日本語もどうぞ",
    )?;
    note("exec_odd_cwd", newest_new_thread(&home, &before)?);

    let before = thread_ids(&home);
    codex::exec(release, &home, &repo, "[slow] Stream this answer slowly")?;
    note("exec_slow", newest_new_thread(&home, &before)?);

    codex::exec_resume(
        release,
        &home,
        &repo,
        &reasoning,
        "A second turn after resuming",
    )?;

    let mut server = AppServer::start(release, &home, &repo)?;
    let named = server.start_thread_with_turn(&repo, "An app-server thread that gets a name")?;
    server.request(
        "thread/name/set",
        json!({"threadId": named, "name": "Named by Codex"}),
    )?;
    note("app_server_named", named);
    let archived =
        server.start_thread_with_turn(&repo, "An app-server thread that Codex archives")?;
    server.request("thread/archive", json!({"threadId": archived}))?;
    note("app_server_archived", archived);
    drop(server);

    let before = thread_ids(&home);
    let prompt = "Hello from the interactive TUI";
    let tui = tui_thread(
        release,
        &home,
        &repo,
        prompt,
        &format!("Answer to: {prompt}"),
    );
    codex::stop_daemons(&home);
    tui?;
    note("tui", newest_new_thread(&home, &before)?);

    let manifest = json!({
        "codex_version": release.version,
        "recorded_at": chrono::Utc::now().to_rfc3339(),
        "recording_root": root,
        "codex_home": home,
        "threads": scenarios,
    });
    Ok(Recorded { home, manifest })
}

fn make_git_repo(dir: &Path) -> Result<()> {
    let git = |args: &[&str]| -> Result<()> {
        let status = Command::new("git")
            .args(args)
            .current_dir(dir)
            .env("GIT_AUTHOR_NAME", "Recorder")
            .env("GIT_AUTHOR_EMAIL", "recorder@example.com")
            .env("GIT_COMMITTER_NAME", "Recorder")
            .env("GIT_COMMITTER_EMAIL", "recorder@example.com")
            .env("GIT_AUTHOR_DATE", "2026-11-01T10:00:00Z")
            .env("GIT_COMMITTER_DATE", "2026-11-01T10:00:00Z")
            .status()?;
        if !status.success() {
            bail!("git {args:?} failed");
        }
        Ok(())
    };
    git(&["init", "--quiet", "--initial-branch=main"])?;
    std::fs::write(dir.join("README.md"), "# demo\n")?;
    git(&["add", "README.md"])?;
    git(&["commit", "--quiet", "-m", "first"])?;
    git(&[
        "remote",
        "add",
        "origin",
        "https://github.com/example/codex-threads-demo.git",
    ])?;
    Ok(())
}

/// The ids of every rollout in the home, from the file names.
fn thread_ids(home: &Path) -> Vec<(std::time::SystemTime, String)> {
    let mut found = Vec::new();
    for tree in ["sessions", "archived_sessions"] {
        collect_rollouts(&home.join(tree), &mut found);
    }
    found
}

fn collect_rollouts(dir: &Path, found: &mut Vec<(std::time::SystemTime, String)>) {
    let Ok(entries) = std::fs::read_dir(dir) else {
        return;
    };
    for entry in entries.flatten() {
        let path = entry.path();
        if path.is_dir() {
            collect_rollouts(&path, found);
            continue;
        }
        let name = entry.file_name().to_string_lossy().into_owned();
        let Some(stem) = name
            .strip_prefix("rollout-")
            .and_then(|n| n.split('.').next())
        else {
            continue;
        };
        if stem.len() < 36 {
            continue;
        }
        let id = stem[stem.len() - 36..].to_owned();
        let modified = entry
            .metadata()
            .and_then(|m| m.modified())
            .unwrap_or(std::time::UNIX_EPOCH);
        found.push((modified, id));
    }
}

fn newest_new_thread(home: &Path, before: &[(std::time::SystemTime, String)]) -> Result<String> {
    let known: Vec<&String> = before.iter().map(|(_, id)| id).collect();
    let mut new: Vec<_> = thread_ids(home)
        .into_iter()
        .filter(|(_, id)| !known.contains(&id))
        .collect();
    new.sort();
    new.pop()
        .map(|(_, id)| id)
        .context("Codex wrote no new rollout")
}

/// Copies what a Codex home holds about threads (not its config, logs or caches).
fn copy_home(home: &Path, dest: &Path) -> Result<()> {
    if dest.exists() {
        std::fs::remove_dir_all(dest)?;
    }
    std::fs::create_dir_all(dest)?;
    for tree in ["sessions", "archived_sessions"] {
        let from = home.join(tree);
        if from.exists() {
            copy_tree(&from, &dest.join(tree))?;
        }
    }
    let entries = std::fs::read_dir(home)?;
    for entry in entries.flatten() {
        let name = entry.file_name().to_string_lossy().into_owned();
        let wanted = name == "session_index.jsonl"
            || (name.ends_with(".sqlite")
                && (name.starts_with("state_") || name.starts_with("thread_history")));
        if wanted {
            checkpoint(&entry.path())?;
            std::fs::copy(entry.path(), dest.join(&name))?;
        }
    }
    Ok(())
}

/// Folds a WAL database's log into the main file, so one file holds all of it.
fn checkpoint(db: &Path) -> Result<()> {
    if db.extension().is_some_and(|e| e == "sqlite") {
        let connection = rusqlite::Connection::open(db)?;
        connection.query_row("PRAGMA wal_checkpoint(TRUNCATE)", [], |_| Ok(()))?;
    }
    Ok(())
}

fn copy_tree(from: &Path, to: &Path) -> Result<()> {
    std::fs::create_dir_all(to)?;
    for entry in std::fs::read_dir(from)?.flatten() {
        let path = entry.path();
        let target = to.join(entry.file_name());
        if path.is_dir() {
            copy_tree(&path, &target)?;
        } else {
            std::fs::copy(&path, &target)?;
        }
    }
    Ok(())
}
