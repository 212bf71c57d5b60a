//! The `[redact]` section of the user's config: patterns of their own, and values that are
//! never redacted.
//!
//! ```toml
//! [redact]
//! patterns = [{ kind = "acme-token", pattern = "ACME-[0-9A-F]{16}" }]
//! allow = ["AKIAIOSFODNN7EXAMPLE"]
//! ```

use serde::Deserialize;

use super::rules::{Check, RuleSpec};

#[derive(Clone, Debug, Default, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct RedactConfig {
    /// Applied after the built-in rules.
    #[serde(default)]
    pub patterns: Vec<UserPattern>,
    /// Exact values that stay, whichever rule finds them (a documented example key).
    #[serde(default)]
    pub allow: Vec<String>,
}

/// A pattern of the user's: what it matches (or its `secret` group) becomes
/// `[redacted: KIND]`.
#[derive(Clone, Debug, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct UserPattern {
    pub kind: String,
    pub pattern: String,
}

impl UserPattern {
    pub(super) fn spec(&self) -> RuleSpec {
        RuleSpec {
            kind: self.kind.clone(),
            description: String::new(),
            keywords: Vec::new(),
            pattern: self.pattern.clone(),
            check: Check::None,
            must_match: Vec::new(),
            must_not_match: Vec::new(),
        }
    }
}
