//! A fresh Codex home per release, with threads written by the real release against the mock
//! model, and what the checks read from it: rollouts, the state DB, the model's requests, and
//! Codex's own answers for an edit made on a copy of the home.

use std::cell::Cell;
use std::path::{Path, PathBuf};
use std::process::Child;
use std::time::{Duration, SystemTime, UNIX_EPOCH};

use anyhow::{Context, Result, bail};
use serde_json::Value;

use codex_threads::testing::codex::{self, AppServer, CodexRelease};
use codex_threads::testing::mock_model::{MockModel, message_text};

use crate::codex_tui;
use crate::ours::Ours;

pub struct ReleaseHome {
    pub release: CodexRelease,
    pub home: PathBuf,
    /// The directory every thread is started in (resuming by name looks only there).
    pub cwd: PathBuf,
    pub ours: Ours,
    model: MockModel,
    root: tempfile::TempDir,
    /// When the latest Codex turn ended (it made its thread the newest).
    last_turn: Cell<Option<SystemTime>>,
}

impl ReleaseHome {
    /// A home in a new temporary directory, removed afterwards unless
    /// `CONFORMANCE_KEEP_HOMES` is set (to look at what a failing check saw).
    pub fn new(release: &CodexRelease) -> Result<Self> {
        let keep = std::env::var_os("CONFORMANCE_KEEP_HOMES").is_some();
        let root = tempfile::Builder::new()
            .prefix(&format!("conformance-{}-", release.version))
            .disable_cleanup(keep)
            .tempdir()?;
        if keep {
            eprintln!(
                "conformance: Codex {} home kept in {}",
                release.version,
                root.path().display()
            );
        }
        let home = root.path().join("home");
        let cwd = root.path().join("work");
        std::fs::create_dir_all(&cwd)?;
        let model = MockModel::start()?;
        codex::write_config(&home, &model.base_url(), &[&cwd])?;
        let ours = Ours::new(&home, &root.path().join("ours"));
        Ok(Self {
            release: release.clone(),
            home,
            cwd,
            ours,
            model,
            root,
            last_turn: Cell::new(None),
        })
    }

    /// A new thread written by `codex exec PROMPT` of `writer` (this home's release, or an
    /// older one writing before this release first opens the home); its id.
    pub fn exec_thread(&self, writer: &CodexRelease, prompt: &str) -> Result<String> {
        let before = thread_ids(&self.home);
        let made = codex::exec(writer, &self.home, &self.cwd, prompt);
        self.last_turn.set(Some(SystemTime::now()));
        made?;
        new_thread(&self.home, &before)
    }

    /// A new thread written by the interactive TUI; its id.
    pub fn tui_thread(&self, prompt: &str, answer: &str) -> Result<String> {
        let before = thread_ids(&self.home);
        let made = codex_tui::tui_thread(&self.release, &self.home, &self.cwd, prompt, answer);
        self.last_turn.set(Some(SystemTime::now()));
        // Newer TUIs leave an app-server daemon holding the thread open.
        codex::stop_daemons(&self.home);
        made?;
        new_thread(&self.home, &before)
    }

    /// `codex exec PROMPT` of this home's release, started in the background with its stdout
    /// and stderr in `log`; the caller waits for it (or kills it).
    pub fn spawn_exec(&self, prompt: &str, log: &Path) -> Result<Child> {
        let log = std::fs::File::create(log)?;
        codex::exec_command(&self.release, &self.home, &self.cwd, prompt)
            .stdout(log.try_clone()?)
            .stderr(log)
            .spawn()
            .context("starting codex exec")
    }

    /// A directory of its own, inside this home's temporary root, for `name`.
    pub fn scratch(&self, name: &str) -> Result<PathBuf> {
        let dir = self.root.path().join(name);
        std::fs::create_dir_all(&dir)?;
        Ok(dir)
    }

    /// `codex exec resume THREAD PROMPT`, THREAD an id or a name.
    pub fn resume(&self, thread: &str, prompt: &str) -> Result<()> {
        let resumed = codex::exec_resume(&self.release, &self.home, &self.cwd, thread, prompt);
        self.last_turn.set(Some(SystemTime::now()));
        resumed.map(|_| ())
    }

    /// Waits (at most a second) until the clock is past the second in which the latest turn
    /// ended. `thread/list` orders by whole seconds, breaking ties by id; an edit that makes
    /// a thread the newest in the same second as that turn ties with its thread, while one a
    /// moment later does not. Codex's edit (on a copy) and ours come a moment apart, so both
    /// must come after that second for their places to be comparable.
    pub fn after_the_latest_turns_second(&self) {
        let Some(ended) = self.last_turn.get() else {
            return;
        };
        let second = ended
            .duration_since(UNIX_EPOCH)
            .unwrap_or_default()
            .as_secs();
        let next = UNIX_EPOCH + Duration::from_secs(second + 1);
        if let Ok(left) = next.duration_since(SystemTime::now()) {
            std::thread::sleep(left);
        }
    }

    /// The text of every user message in the model's input for the latest request.
    pub fn last_model_input(&self) -> Result<Vec<String>> {
        let requests = self.model.requests();
        let last = requests.last().context("the model got no request")?;
        Ok(last["input"]
            .as_array()
            .into_iter()
            .flatten()
            .filter(|item| item["type"] == "message" && item["role"] == "user")
            .map(message_text)
            .collect())
    }

    pub fn app_server(&self) -> Result<AppServer> {
        AppServer::start(&self.release, &self.home, &self.cwd)
    }

    /// Runs `look` on a copy of this home's present state and then puts the home back exactly
    /// as it was, so an edit Codex makes inside `look` is seen but leaves no trace. No Codex
    /// process may run on the home meanwhile (`look` stops the ones it starts).
    pub fn on_a_copy<T>(&self, look: impl FnOnce() -> Result<T>) -> Result<T> {
        let saved = self.root.path().join("home.saved");
        if saved.exists() {
            std::fs::remove_dir_all(&saved)?;
        }
        copy_tree(&self.home, &saved).context("copying the home")?;
        let result = look();
        std::fs::remove_dir_all(&self.home).context("removing the edited home")?;
        std::fs::rename(&saved, &self.home).context("putting the home back")?;
        result
    }

    /// The thread's rollout, wherever it is (active or archived, plain or compressed).
    pub fn rollout(&self, id: &str) -> Result<PathBuf> {
        rollouts(&self.home)
            .into_iter()
            .find(|path| file_id(path).as_deref() == Some(id))
            .with_context(|| format!("no rollout of {id}"))
    }

    /// The thread's `memory_mode` column in Codex's state DB.
    pub fn memory_mode_column(&self, id: &str) -> Result<String> {
        let db = self.home.join("state_5.sqlite");
        let connection =
            rusqlite::Connection::open_with_flags(&db, rusqlite::OpenFlags::SQLITE_OPEN_READ_ONLY)
                .with_context(|| format!("opening {}", db.display()))?;
        connection
            .query_row(
                "SELECT memory_mode FROM threads WHERE id = ?1",
                [id],
                |row| row.get(0),
            )
            .with_context(|| format!("no threads row for {id}"))
    }
}

/// A paginated rollout's lines that have no `ordinal` (Codex refuses to resume when its last
/// line has none), as `line N (kind)`.
pub fn lines_without_ordinal(rollout: &Path) -> Result<Vec<String>> {
    let text = std::fs::read_to_string(rollout)?;
    let mut missing = Vec::new();
    for (index, line) in text.lines().enumerate() {
        if line.trim().is_empty() {
            continue;
        }
        let value: Value = serde_json::from_str(line)
            .with_context(|| format!("line {} is not JSON", index + 1))?;
        if value.get("ordinal").is_none() {
            missing.push(format!("line {} ({})", index + 1, line_kind(&value)));
        }
    }
    Ok(missing)
}

fn line_kind(line: &Value) -> String {
    match line["payload"]["type"].as_str() {
        Some(inner) => format!("{} {inner}", line["type"].as_str().unwrap_or("?")),
        None => line["type"].as_str().unwrap_or("?").to_owned(),
    }
}

/// Every rollout file under `sessions/` and `archived_sessions/` whose name carries a thread id.
fn rollouts(home: &Path) -> Vec<PathBuf> {
    codex::rollouts(home)
        .into_iter()
        .filter(|path| file_id(path).is_some())
        .collect()
}

/// The thread id at the end of a rollout's file name (`rollout-<time>-<id>.jsonl[.zst]`).
fn file_id(path: &Path) -> Option<String> {
    let name = path.file_name()?.to_str()?;
    let stem = name
        .strip_prefix("rollout-")?
        .strip_suffix(".zst")
        .unwrap_or(name)
        .strip_suffix(".jsonl")?;
    let id = stem.get(stem.len().checked_sub(36)?..)?;
    uuid::Uuid::parse_str(id).ok().map(|_| id.to_owned())
}

fn thread_ids(home: &Path) -> Vec<String> {
    rollouts(home).iter().filter_map(|p| file_id(p)).collect()
}

fn new_thread(home: &Path, before: &[String]) -> Result<String> {
    let new: Vec<String> = thread_ids(home)
        .into_iter()
        .filter(|id| !before.contains(id))
        .collect();
    match new.as_slice() {
        [id] => Ok(id.clone()),
        [] => bail!("Codex wrote no new rollout"),
        many => bail!("Codex wrote {} new rollouts: {many:?}", many.len()),
    }
}

/// Copies a directory tree with its files' modification times (Codex orders legacy threads
/// by them) and its symbolic links as links.
fn copy_tree(from: &Path, to: &Path) -> Result<()> {
    std::fs::create_dir_all(to)?;
    for entry in std::fs::read_dir(from)? {
        let entry = entry?;
        let (source, target) = (entry.path(), to.join(entry.file_name()));
        let kind = entry.file_type()?;
        if kind.is_symlink() {
            std::os::unix::fs::symlink(std::fs::read_link(&source)?, &target)?;
        } else if kind.is_dir() {
            copy_tree(&source, &target)?;
        } else {
            std::fs::copy(&source, &target)?;
            let modified = entry.metadata()?.modified()?;
            std::fs::File::options()
                .write(true)
                .open(&target)?
                .set_modified(modified)?;
        }
    }
    Ok(())
}
