//! Our binary, run the way a user runs it, on a Codex home written by a real release.

use std::path::{Path, PathBuf};
use std::process::Command;
use std::time::{Duration, Instant};

use anyhow::{Context, Result, bail};
use serde_json::Value;

use codex_threads::testing::codex::output_within;

/// One command of ours takes well under a second on these small homes; the deadline only
/// stops a hang (a DB lock never released, say) from hanging the suite.
const DEADLINE: Duration = Duration::from_secs(60);

/// How long an edit Codex makes may take to show (0.104 writes a name after replying).
pub const SHOW_DEADLINE: Duration = Duration::from_secs(15);

pub struct Ours {
    home: PathBuf,
    /// Our config, state and cache, outside the Codex home.
    scratch: PathBuf,
}

impl Ours {
    pub fn new(home: &Path, scratch: &Path) -> Self {
        Self {
            home: home.to_path_buf(),
            scratch: scratch.to_path_buf(),
        }
    }

    /// The trash our deletes move rollouts to (`$XDG_DATA_HOME/Trash` of our runs).
    pub fn trash_dir(&self) -> PathBuf {
        self.scratch.join("data").join("Trash")
    }

    /// Runs `codex-threads --codex-home HOME ARGS`; its stdout when it succeeded, else its
    /// error line.
    pub fn run(&self, args: &[&str]) -> Result<String> {
        let mut command = Command::new(env!("CARGO_BIN_EXE_codex-threads"));
        command
            .arg("--codex-home")
            .arg(&self.home)
            .args(args)
            .env("CODEX_THREADS_CACHE_DIR", self.scratch.join("cache"))
            .env("XDG_STATE_HOME", self.scratch.join("state"))
            .env("XDG_DATA_HOME", self.scratch.join("data"))
            .env("XDG_CONFIG_HOME", self.scratch.join("config"))
            .env_remove("CODEX_HOME")
            .env_remove("CODEX_SQLITE_HOME")
            .stdin(std::process::Stdio::null());
        let output = output_within(&mut command, DEADLINE)?;
        if !output.status.success() {
            let stderr = String::from_utf8_lossy(&output.stderr);
            bail!("codex-threads {} failed: {}", args.join(" "), stderr.trim());
        }
        String::from_utf8(output.stdout).context("output is not UTF-8")
    }

    fn json(&self, args: &[&str]) -> Result<Value> {
        let stdout = self.run(args)?;
        serde_json::from_str(&stdout)
            .with_context(|| format!("codex-threads {}: not JSON", args.join(" ")))
    }

    /// `list --json` of every active (or archived) thread.
    pub fn list(&self, archived: bool) -> Result<Vec<Value>> {
        let mut args = vec!["list", "--json", "--limit", "0"];
        if archived {
            args.push("--archived");
        }
        let list = self.json(&args)?;
        list.as_array()
            .cloned()
            .context("list --json did not print an array")
    }

    /// The thread `id` from `list --json` (archived or not), if listed.
    pub fn listed(&self, id: &str, archived: bool) -> Result<Option<Value>> {
        Ok(self
            .list(archived)?
            .into_iter()
            .find(|thread| thread["id"] == id))
    }

    /// The `thread` object of `show ID --json`.
    pub fn show(&self, id: &str) -> Result<Value> {
        let shown = self.json(&["show", id, "--json"])?;
        Ok(shown["thread"].clone())
    }

    /// Waits until `field` of `show ID --json` is `expected`: Codex's edits are read back as
    /// soon as they are on disk, and 0.104 puts a name on disk after it replied.
    pub fn wait_for_shown(&self, id: &str, field: &str, expected: &Value) -> Result<()> {
        let deadline = Instant::now() + SHOW_DEADLINE;
        loop {
            let shown = self.show(id)?;
            if &shown[field] == expected {
                return Ok(());
            }
            if Instant::now() >= deadline {
                bail!(
                    "show --json has {field} {} (expected {expected})",
                    shown[field]
                );
            }
            std::thread::sleep(Duration::from_millis(100));
        }
    }
}
