//! Redaction: secrets in rollout lines are replaced by `[redacted: KIND]` before anything leaves
//! the machine (`sync`, `export --redact`). The rules are in `config/redaction.toml`; users add
//! patterns and allow-listed values in their config (`user_config`).
//!
//! A line is redacted as JSON: each string in it (message text, command output, tool
//! arguments, reasoning, …) is redacted on its own, so the line stays valid JSON with its other
//! fields intact, and a secret written with JSON escapes (a PEM block's newlines) is matched as
//! the text it is. One literal search over the raw line (the rules' keywords) passes over the
//! lines that cannot hold a secret, which are most of them.

mod json;
pub mod rules;
pub mod user_config;

use std::collections::HashSet;
use std::sync::{Arc, LazyLock};

use regex::Regex;

pub use self::rules::{Rule, RuleError, RuleSpec};
pub use self::user_config::{RedactConfig, UserPattern};
use crate::store::StoredThread;

/// What replaces a secret of kind `kind`.
pub fn marker(kind: &str) -> String {
    format!("[redacted: {kind}]")
}

/// One secret a rule found: its kind, the text it was found in (a JSON member's string is
/// looked at as `name=value`), and where.
#[derive(Clone, Debug)]
pub struct Finding<'a> {
    pub kind: &'a str,
    pub text: &'a str,
    pub span: std::ops::Range<usize>,
}

/// The rules and the allow-list in use; cheap to clone.
#[derive(Clone, Debug)]
pub struct Redactor {
    inner: Arc<RedactorInner>,
}

#[derive(Debug)]
struct RedactorInner {
    rules: Vec<Rule>,
    /// Matches wherever some rule may: a text it does not match is left as it is.
    prefilter: Regex,
    /// Values never redacted, exactly as written.
    allow: HashSet<String>,
}

static BUILTIN: LazyLock<Redactor> = LazyLock::new(|| {
    Redactor::new(&RedactConfig::default()).expect("the built-in rules compile (tested)")
});

impl Redactor {
    /// The built-in rules alone.
    pub fn builtin() -> Redactor {
        BUILTIN.clone()
    }

    /// The built-in rules, then the user's patterns, with the user's allow-list.
    pub fn new(config: &RedactConfig) -> Result<Redactor, RuleError> {
        let mut rules = rules::builtin_specs()
            .iter()
            .map(Rule::compile)
            .collect::<Result<Vec<_>, _>>()?;
        for pattern in &config.patterns {
            rules.push(Rule::compile(&pattern.spec())?);
        }
        let parts: Vec<String> = rules.iter().map(Rule::prefilter_part).collect();
        let prefilter = Regex::new(&parts.join("|")).map_err(|err| RuleError {
            kind: "prefilter".to_string(),
            message: err.to_string(),
        })?;
        Ok(Redactor {
            inner: Arc::new(RedactorInner {
                rules,
                prefilter,
                allow: config.allow.iter().cloned().collect(),
            }),
        })
    }

    /// `text` with every secret replaced, and how many were; `None` when there was none.
    pub fn redact_text(&self, text: &str) -> Option<(String, usize)> {
        self.redact_text_observed(text, &mut |_| {})
    }

    /// As `redact_text`, telling `observe` of each secret replaced (to survey what the rules
    /// find in a home: `examples/redact_survey.rs`).
    pub fn redact_text_observed(
        &self,
        text: &str,
        observe: &mut dyn FnMut(Finding<'_>),
    ) -> Option<(String, usize)> {
        if !self.inner.prefilter.is_match(text) || is_image_data(text) {
            return None;
        }
        let mut current: Option<String> = None;
        let mut count = 0;
        for rule in &self.inner.rules {
            let text = current.as_deref().unwrap_or(text);
            if !rule.may_match(text) {
                continue;
            }
            let spans = rule.spans(text, |value| self.keeps(value));
            if spans.is_empty() {
                continue;
            }
            count += spans.len();
            for span in &spans {
                observe(Finding {
                    kind: &rule.kind,
                    text,
                    span: span.clone(),
                });
            }
            current = Some(replace_spans(text, &spans, &marker(&rule.kind)));
        }
        current.map(|text| (text, count))
    }

    /// A rollout line (JSON) with every secret in its strings replaced, and how many were;
    /// `None` when there was none (the line is then pushed byte for byte as it was).
    pub fn redact_line(&self, raw: &str) -> Option<(String, usize)> {
        self.redact_line_observed(raw, &mut |_| {})
    }

    /// As `redact_line`, telling `observe` of each secret replaced.
    pub fn redact_line_observed(
        &self,
        raw: &str,
        observe: &mut dyn FnMut(Finding<'_>),
    ) -> Option<(String, usize)> {
        if !self.inner.prefilter.is_match(raw) {
            return None;
        }
        match serde_json::from_str::<serde_json::Value>(raw) {
            Ok(mut value) => {
                let count = json::redact_value(self, &mut value, observe);
                (count > 0).then(|| (value.to_string(), count))
            }
            // Not JSON: nothing to keep valid; redacted as text.
            Err(_) => self.redact_text_observed(raw, observe),
        }
    }

    /// Redacts the thread-level fields derived from lines or from the home (title, preview,
    /// first message, the git remote). Returns how many secrets were replaced.
    pub fn redact_thread(&self, thread: &mut StoredThread) -> usize {
        let mut count = 0;
        let mut apply = |field: &mut String| {
            if let Some((text, n)) = self.redact_text(field) {
                *field = text;
                count += n;
            }
        };
        apply(&mut thread.preview);
        if let Some(name) = &mut thread.name {
            apply(name);
        }
        if let Some(first) = &mut thread.first_user_message {
            apply(first);
        }
        if let Some(git) = &mut thread.git_info {
            for field in [&mut git.repository_url, &mut git.branch]
                .into_iter()
                .flatten()
            {
                apply(field);
            }
        }
        count
    }

    /// Could `text` hold a secret at all (one of the rules' keywords is in it)? Most lines
    /// cannot, and cost this one literal search.
    pub fn may_hold_secret(&self, text: &str) -> bool {
        self.inner.prefilter.is_match(text)
    }

    /// A value the rule found that stays: allow-listed, or a marker already.
    fn keeps(&self, value: &str) -> bool {
        value.starts_with("[redacted: ") || self.inner.allow.contains(value)
    }
}

/// An inline image (`data:image/png;base64,…`): base64 of pixels, never a secret, and long.
pub(crate) fn is_image_data(text: &str) -> bool {
    text.starts_with("data:image/") && !text.contains(char::is_whitespace)
}

/// `text` with each span (ordered, not overlapping) replaced by `with`.
fn replace_spans(text: &str, spans: &[std::ops::Range<usize>], with: &str) -> String {
    let mut out = String::with_capacity(text.len());
    let mut at = 0;
    for span in spans {
        out.push_str(&text[at..span.start]);
        out.push_str(with);
        at = span.end;
    }
    out.push_str(&text[at..]);
    out
}

#[cfg(test)]
mod tests;
