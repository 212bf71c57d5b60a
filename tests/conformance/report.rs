//! The outcome of every named check of one release, reported together at the end so that one
//! run shows every failing check, not just the first.

use std::io::Write;
use std::panic::{AssertUnwindSafe, catch_unwind};

use anyhow::Result;

pub struct Report {
    version: String,
    /// Why the checks being declared now are not run (the release is not installed, or what
    /// they depend on failed); `None` while checks run.
    skip_reason: Option<String>,
    passed: usize,
    skipped: usize,
    failures: Vec<(String, String)>,
}

impl Report {
    /// A report for `version`; `skip_reason` skips every check (a release not installed).
    pub fn new(version: &str, skip_reason: Option<String>) -> Self {
        Self {
            version: version.to_owned(),
            skip_reason,
            passed: 0,
            skipped: 0,
            failures: Vec::new(),
        }
    }

    /// Whether checks run (false when the release is not installed): work that only prepares
    /// a check must not be done otherwise.
    pub fn live(&self) -> bool {
        self.skip_reason.is_none()
    }

    /// Runs the check `name`, or reports it skipped.
    pub fn check(&mut self, name: &str, check: impl FnOnce() -> Result<()>) {
        self.setup(name, check);
    }

    /// Runs a check whose value later checks need; `None` when it failed or was skipped.
    pub fn setup<T>(&mut self, name: &str, check: impl FnOnce() -> Result<T>) -> Option<T> {
        if let Some(reason) = self.skip_reason.clone() {
            self.skip(name, &reason);
            return None;
        }
        // A panic in a check (a bug in the check itself) is reported like a failure, so the
        // other checks still run.
        let outcome = catch_unwind(AssertUnwindSafe(check))
            .unwrap_or_else(|panic| Err(anyhow::anyhow!("panicked: {}", panic_text(&panic))));
        match outcome {
            Ok(value) => {
                self.passed += 1;
                eprintln!("conformance: ok {name} (Codex {})", self.version);
                Some(value)
            }
            Err(error) => {
                let message = one_line(&format!("{error:#}"));
                eprintln!(
                    "conformance: FAILED {name} (Codex {}): {message}",
                    self.version
                );
                self.failures.push((name.to_owned(), message));
                None
            }
        }
    }

    /// Reports the check `name` as skipped for `reason` (or for the reason every check is
    /// skipped now). The line goes straight to stderr, past the test harness's capture, so
    /// that a passing run still says what it did not check.
    pub fn skip(&mut self, name: &str, reason: &str) {
        let reason = self
            .skip_reason
            .clone()
            .unwrap_or_else(|| reason.to_owned());
        self.skipped += 1;
        let line = format!(
            "conformance: skipped {name} for Codex {}: {reason}\n",
            self.version
        );
        let _ = std::io::stderr().write_all(line.as_bytes());
    }

    /// Declares the checks in `checks` without running them, each reported skipped for
    /// `reason` (when `reason` is `Some` and checks are running at all).
    pub fn skipping<R>(
        &mut self,
        reason: Option<String>,
        checks: impl FnOnce(&mut Self) -> R,
    ) -> R {
        let Some(reason) = reason else {
            return checks(self);
        };
        let outer = self.skip_reason.take();
        self.skip_reason = Some(outer.clone().unwrap_or(reason));
        let result = checks(self);
        self.skip_reason = outer;
        result
    }

    /// Fails the test listing every failed check, after a one-line summary.
    pub fn finish(self) {
        let summary = format!(
            "conformance: Codex {}: {} passed, {} failed, {} skipped\n",
            self.version,
            self.passed,
            self.failures.len(),
            self.skipped
        );
        let _ = std::io::stderr().write_all(summary.as_bytes());
        if self.failures.is_empty() {
            return;
        }
        let list: Vec<String> = self
            .failures
            .iter()
            .map(|(name, message)| format!("  {name}: {message}"))
            .collect();
        panic!(
            "Codex {}: {} conformance check(s) failed:\n{}",
            self.version,
            self.failures.len(),
            list.join("\n")
        );
    }
}

fn panic_text(panic: &Box<dyn std::any::Any + Send>) -> String {
    panic
        .downcast_ref::<String>()
        .cloned()
        .or_else(|| panic.downcast_ref::<&str>().map(|s| (*s).to_owned()))
        .unwrap_or_else(|| "a panic".to_owned())
}

/// Failure messages stay on one line each, so the final list reads as one check per line.
fn one_line(text: &str) -> String {
    let joined: Vec<&str> = text
        .lines()
        .map(str::trim)
        .filter(|l| !l.is_empty())
        .collect();
    let line = joined.join(" | ");
    const MAX: usize = 400;
    match line.char_indices().nth(MAX) {
        Some((cut, _)) => format!("{}…", &line[..cut]),
        None => line,
    }
}
