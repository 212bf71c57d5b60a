//! What `sync` lets leave the machine: which threads (not those whose cwd matches a
//! `sync_exclude` glob, nor those marked private), and with what redacted.
//!
//! Read from the user's config (`$XDG_CONFIG_HOME/codex-threads/config.toml`):
//!
//! ```toml
//! sync_exclude = ["~/clients/**", "/tmp/*"]
//! [redact]
//! patterns = [{ kind = "acme-token", pattern = "ACME-[0-9A-F]{16}" }]
//! allow = ["AKIAIOSFODNN7EXAMPLE"]
//! ```

use std::collections::HashSet;
use std::path::Path;

use regex::Regex;
use serde::Deserialize;

use crate::protocol::ThreadId;
use crate::redact::{RedactConfig, Redactor};
use crate::store::StoredThread;

/// The parts of the user's config that `sync` reads (the TUI reads the rest).
#[derive(Clone, Debug, Default, Deserialize)]
pub struct SyncConfigFile {
    #[serde(default)]
    pub sync_exclude: Vec<String>,
    #[serde(default)]
    pub redact: RedactConfig,
}

#[derive(Clone, Debug)]
pub struct SyncPolicy {
    /// `None`: `sync --no-redact`, lines go as they are.
    pub redactor: Option<Redactor>,
    pub exclude: ExcludeGlobs,
}

impl Default for SyncPolicy {
    /// The built-in redaction rules, nothing excluded.
    fn default() -> Self {
        SyncPolicy {
            redactor: Some(Redactor::builtin()),
            exclude: ExcludeGlobs::default(),
        }
    }
}

impl SyncPolicy {
    /// The policy of a config file's text (`path` names it in errors).
    pub fn from_config_text(text: &str, path: &str, redact: bool) -> anyhow::Result<SyncPolicy> {
        // The file holds the TUI's settings too: only these keys are read here.
        let file: SyncConfigFile =
            toml::from_str(text).map_err(|err| anyhow::anyhow!("{path}: {}", err.message()))?;
        SyncPolicy::from_config(&file, redact).map_err(|err| anyhow::anyhow!("{path}: {err}"))
    }

    pub fn from_config(file: &SyncConfigFile, redact: bool) -> anyhow::Result<SyncPolicy> {
        let redactor = redact.then(|| Redactor::new(&file.redact)).transpose()?;
        let exclude = ExcludeGlobs::new(&file.sync_exclude, dirs::home_dir().as_deref())?;
        Ok(SyncPolicy { redactor, exclude })
    }

    /// The user's config file (a missing one is the defaults).
    pub fn load(path: Option<&Path>, redact: bool) -> anyhow::Result<SyncPolicy> {
        let Some(path) = path else {
            return SyncPolicy::from_config(&SyncConfigFile::default(), redact);
        };
        match std::fs::read_to_string(path) {
            Ok(text) => SyncPolicy::from_config_text(&text, &path.display().to_string(), redact),
            Err(err) if err.kind() == std::io::ErrorKind::NotFound => {
                SyncPolicy::from_config(&SyncConfigFile::default(), redact)
            }
            Err(err) => Err(anyhow::anyhow!("{}: {err}", path.display())),
        }
    }

    /// May this thread of the home be in the store?
    pub fn shares(&self, thread: &StoredThread, private: &HashSet<ThreadId>) -> bool {
        !private.contains(&thread.thread_id) && !self.exclude.matches(&thread.cwd)
    }
}

/// `sync_exclude`: globs over a thread's cwd. `*` and `?` stay within a path component, `**`
/// spans any number of them (none too: `~/clients/**` is `~/clients` and all below it), a
/// leading `~` is the home directory, and a glob that is not absolute matches at any depth.
#[derive(Clone, Debug, Default)]
pub struct ExcludeGlobs {
    regex: Option<Regex>,
}

impl ExcludeGlobs {
    pub fn new(globs: &[String], home: Option<&Path>) -> anyhow::Result<ExcludeGlobs> {
        let mut parts = Vec::new();
        for glob in globs {
            let expanded = match (glob.strip_prefix('~'), home) {
                (Some(rest), Some(home)) if rest.is_empty() || rest.starts_with('/') => {
                    format!("{}{rest}", home.display())
                }
                (Some(_), _) => anyhow::bail!("sync_exclude {glob:?}: cannot expand ~"),
                (None, _) => glob.clone(),
            };
            parts.push(glob_regex(&expanded));
        }
        if parts.is_empty() {
            return Ok(ExcludeGlobs::default());
        }
        let regex =
            Regex::new(&parts.join("|")).map_err(|err| anyhow::anyhow!("sync_exclude: {err}"))?;
        Ok(ExcludeGlobs { regex: Some(regex) })
    }

    pub fn matches(&self, cwd: &Path) -> bool {
        self.regex
            .as_ref()
            .is_some_and(|regex| regex.is_match(&cwd.to_string_lossy()))
    }
}

/// One glob as an anchored regex over a whole path.
fn glob_regex(glob: &str) -> String {
    let trimmed = glob.trim_end_matches('/');
    let (absolute, rest) = match trimmed.strip_prefix('/') {
        Some(rest) => (true, rest),
        None => (false, trimmed),
    };
    let mut out = String::from("^");
    if !absolute {
        out.push_str("(?:/[^/]+)*");
    }
    for component in rest.split('/').filter(|c| !c.is_empty()) {
        if component == "**" {
            out.push_str("(?:/[^/]+)*");
            continue;
        }
        out.push('/');
        for ch in component.chars() {
            match ch {
                '*' => out.push_str("[^/]*"),
                '?' => out.push_str("[^/]"),
                ch => out.push_str(&regex::escape(ch.encode_utf8(&mut [0; 4]))),
            }
        }
    }
    out.push_str("/?$");
    format!("(?:{out})")
}

#[cfg(test)]
mod tests {
    use super::*;

    fn globs(globs: &[&str]) -> ExcludeGlobs {
        let globs: Vec<String> = globs.iter().map(|g| g.to_string()).collect();
        ExcludeGlobs::new(&globs, Some(Path::new("/home/ann"))).unwrap()
    }

    #[test]
    fn globs_match_within_and_across_components() {
        let g = globs(&["~/clients/**", "/tmp/*", "/srv/*/secret", "scratch-?"]);
        for cwd in [
            "/home/ann/clients",
            "/home/ann/clients/acme/app",
            "/tmp/x",
            "/srv/a/secret",
            "/home/ann/src/scratch-1",
        ] {
            assert!(g.matches(Path::new(cwd)), "{cwd}");
        }
        for cwd in [
            "/home/ann/clientsx",
            "/home/ann/src/clients",
            "/tmp",
            "/tmp/x/y",
            "/srv/a/b/secret",
            "/srv/a/secrets",
            "/home/ann/scratch-10",
        ] {
            assert!(!g.matches(Path::new(cwd)), "{cwd}");
        }
    }

    #[test]
    fn glob_metacharacters_of_regex_are_literal() {
        let g = globs(&["/w/a.b+(c)"]);
        assert!(g.matches(Path::new("/w/a.b+(c)")));
        assert!(!g.matches(Path::new("/w/aXb+(c)")));
    }

    #[test]
    fn the_config_reads_only_its_keys_and_reports_bad_patterns() {
        let text = r#"
            codex_command = "codex"
            sync_exclude = ["/private/**"]
            [ui]
            layout = "dense"
            [redact]
            allow = ["x"]
        "#;
        let policy = SyncPolicy::from_config_text(text, "c.toml", true).unwrap();
        assert!(policy.exclude.matches(Path::new("/private/a")));
        assert!(policy.redactor.is_some());
        assert!(
            SyncPolicy::from_config_text(text, "c.toml", false)
                .unwrap()
                .redactor
                .is_none()
        );
        let bad = "[redact]\npatterns = [{ kind = \"mine\", pattern = \"(\" }]";
        let err = SyncPolicy::from_config_text(bad, "c.toml", true).unwrap_err();
        assert!(
            err.to_string().starts_with("c.toml: redaction rule mine:"),
            "{err}"
        );
    }
}
