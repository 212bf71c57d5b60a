//! The redaction rules: the built-in ones from `config/redaction.toml` (compiled in), and the
//! user's own patterns. A rule finds candidates with one regex; a `secret` group, when the
//! pattern has one, narrows what is replaced; a check can turn a candidate down.

use regex::Regex;
use serde::Deserialize;

/// The built-in rules, their documentation and their examples.
pub const BUILTIN_RULES: &str = include_str!("../../config/redaction.toml");

/// What a rule's `secret` must look like to be replaced.
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq, Deserialize)]
#[serde(rename_all = "kebab-case")]
pub enum Check {
    /// Every match is a secret.
    #[default]
    None,
    /// The value must look like a secret (see `looks_like_secret`).
    SecretValue,
    /// The value must not be a placeholder (see `is_placeholder`).
    NotPlaceholder,
}

/// One rule as written in `config/redaction.toml`.
#[derive(Clone, Debug, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct RuleSpec {
    pub kind: String,
    #[serde(default)]
    pub description: String,
    #[serde(default)]
    pub keywords: Vec<String>,
    pub pattern: String,
    #[serde(default)]
    pub check: Check,
    #[serde(default)]
    pub must_match: Vec<String>,
    #[serde(default)]
    pub must_not_match: Vec<String>,
}

#[derive(Deserialize)]
#[serde(deny_unknown_fields)]
struct RulesFile {
    rule: Vec<RuleSpec>,
}

/// The built-in rule specs, in order.
pub fn builtin_specs() -> Vec<RuleSpec> {
    toml::from_str::<RulesFile>(BUILTIN_RULES)
        .expect("config/redaction.toml parses (checked by its tests)")
        .rule
}

/// A compiled rule.
#[derive(Clone, Debug)]
pub struct Rule {
    pub kind: String,
    regex: Regex,
    /// Any-case literals one of which a text must hold for the rule to look at it; `None`: the
    /// rule looks at every text (user patterns).
    keywords: Option<Regex>,
    check: Check,
    /// Capture groups whose name starts with `secret`: when one took part in a match, only it
    /// is replaced.
    secret_groups: Vec<usize>,
}

/// A rule that could not be compiled.
#[derive(Debug, thiserror::Error)]
#[error("redaction rule {kind}: {message}")]
pub struct RuleError {
    pub kind: String,
    pub message: String,
}

impl Rule {
    pub fn compile(spec: &RuleSpec) -> Result<Rule, RuleError> {
        let error = |message: String| RuleError {
            kind: spec.kind.clone(),
            message,
        };
        if !is_kind_name(&spec.kind) {
            return Err(error(
                "a kind is lowercase letters, digits and dashes".to_string(),
            ));
        }
        let regex = Regex::new(&spec.pattern).map_err(|err| error(one_line(&err)))?;
        let keywords = if spec.keywords.is_empty() {
            None
        } else {
            Some(
                Regex::new(&keywords_pattern(&spec.keywords))
                    .map_err(|err| error(one_line(&err)))?,
            )
        };
        let secret_groups = regex
            .capture_names()
            .enumerate()
            .filter(|(_, name)| name.is_some_and(|name| name.starts_with("secret")))
            .map(|(index, _)| index)
            .collect();
        Ok(Rule {
            kind: spec.kind.clone(),
            regex,
            keywords,
            check: spec.check,
            secret_groups,
        })
    }

    /// What a text must contain for this rule to be worth running: the prefilter's part.
    pub fn prefilter_part(&self) -> String {
        match &self.keywords {
            Some(keywords) => keywords.as_str().to_string(),
            None => format!("(?:{})", self.regex.as_str()),
        }
    }

    /// Could this rule match `text` at all (its keywords are there)?
    pub fn may_match(&self, text: &str) -> bool {
        self.keywords
            .as_ref()
            .is_none_or(|keywords| keywords.is_match(text))
    }

    /// The spans this rule would replace in `text`, in order, left to right. `keep` turns a
    /// span down (the allow-list, a marker already there).
    pub fn spans(&self, text: &str, keep: impl Fn(&str) -> bool) -> Vec<std::ops::Range<usize>> {
        let mut spans = Vec::new();
        for captures in self.regex.captures_iter(text) {
            let span = self
                .secret_groups
                .iter()
                .find_map(|&group| captures.get(group))
                .or_else(|| captures.get(0))
                .map(|found| found.range());
            let Some(span) = span.filter(|span| !span.is_empty()) else {
                continue;
            };
            let value = &text[span.clone()];
            let turned_down = match self.check {
                Check::None => false,
                Check::SecretValue => !looks_like_secret(value),
                Check::NotPlaceholder => is_placeholder(value),
            };
            if turned_down {
                continue;
            }
            if keep(value) {
                continue;
            }
            spans.push(span);
        }
        spans
    }
}

/// `(?i)(?:kw1|kw2)`, each keyword literal.
pub fn keywords_pattern(keywords: &[String]) -> String {
    let literals: Vec<String> = keywords.iter().map(|kw| regex::escape(kw)).collect();
    format!("(?i:{})", literals.join("|"))
}

fn is_kind_name(kind: &str) -> bool {
    !kind.is_empty()
        && kind
            .chars()
            .all(|ch| ch.is_ascii_lowercase() || ch.is_ascii_digit() || ch == '-')
}

fn one_line(err: &regex::Error) -> String {
    err.to_string()
        .split_whitespace()
        .collect::<Vec<_>>()
        .join(" ")
}

/// Does a value next to a secret's name look like a secret, rather than a word, a number, a
/// path, a placeholder or a reference to where the secret is kept? Errs toward redacting:
/// only what is clearly not a secret stays.
pub fn looks_like_secret(value: &str) -> bool {
    let value = value.trim_matches(|ch| ch == '"' || ch == '\'');
    if value.chars().count() < 6 {
        return false;
    }
    // A variable ($TOKEN, ${X}, %X%), a template (<token>, {{ x }}), a path, a mask.
    if value.starts_with(['$', '%', '<', '{', '/', '~', '.', '*', '[', '#', '@']) {
        return false;
    }
    let mut chars = value.chars();
    let first = chars.next().unwrap_or_default();
    if chars.all(|ch| ch == first) {
        return false;
    }
    if value.chars().all(|ch| ch.is_ascii_digit()) {
        return false;
    }
    // `process.env.TOKEN`, `settings.api_key`: code that reads the secret.
    let identifier = |part: &str| {
        part.chars()
            .next()
            .is_some_and(|ch| ch.is_ascii_alphabetic() || ch == '_')
            && part
                .chars()
                .all(|ch| ch.is_ascii_alphanumeric() || ch == '_')
    };
    if value.contains('.') && value.split('.').all(identifier) {
        return false;
    }
    // `ApiKey::from_env`, `auth::token`: a path in code.
    if value.contains("::") {
        return false;
    }
    let lower = value.to_ascii_lowercase();
    if matches!(
        lower.as_str(),
        "string" | "required" | "optional" | "undefined" | "redacted" | "boolean" | "integer"
    ) {
        return false;
    }
    // Letters alone are a word or a type name unless long and of mixed case; so are letters
    // joined by underscores, a name in code (`read_token_from_env`, `CHANGE_ME`).
    if value
        .chars()
        .all(|ch| ch.is_ascii_alphabetic() || ch == '_')
    {
        let upper = value.chars().any(|ch| ch.is_ascii_uppercase());
        let lower = value.chars().any(|ch| ch.is_ascii_lowercase());
        return value.len() >= 16 && upper && lower;
    }
    true
}

/// Is a URL's password a placeholder written in documentation or a template (`PASSWORD`,
/// `<password>`, `[:password]`, `$DB_PASS`, `${DB_PASSWORD}`, `%PASS%`, `****`) rather than a
/// password?
pub fn is_placeholder(value: &str) -> bool {
    let value = value.trim_matches(|ch: char| "[]<>{}()'\"".contains(ch));
    if value.is_empty() || value.starts_with(['$', '%']) {
        return true;
    }
    if value.chars().all(|ch| matches!(ch, '*' | 'x' | 'X' | '.')) {
        return true;
    }
    let lower = value.to_ascii_lowercase();
    matches!(
        lower.as_str(),
        "password" | "passwd" | "pass" | "pwd" | "secret" | "token" | "changeme" | "redacted"
    ) || value.chars().all(|ch| ch.is_ascii_uppercase() || ch == '_')
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::redact::Redactor;

    #[test]
    fn every_rule_matches_its_examples() {
        let specs = builtin_specs();
        assert!(specs.len() >= 17, "{} rules", specs.len());
        for spec in &specs {
            let rule = Rule::compile(spec).unwrap();
            assert!(!spec.must_match.is_empty(), "{}: no must_match", spec.kind);
            assert!(
                !spec.must_not_match.is_empty(),
                "{}: no must_not_match",
                spec.kind
            );
            for text in &spec.must_match {
                assert!(
                    rule.may_match(text) && !rule.spans(text, |_| false).is_empty(),
                    "{} must match {text:?}",
                    spec.kind
                );
            }
            for text in &spec.must_not_match {
                let spans = if rule.may_match(text) {
                    rule.spans(text, |_| false)
                } else {
                    Vec::new()
                };
                assert!(
                    spans.is_empty(),
                    "{} must not match {text:?}, matched {:?}",
                    spec.kind,
                    spans.iter().map(|s| &text[s.clone()]).collect::<Vec<_>>()
                );
            }
        }
    }

    #[test]
    fn every_example_is_redacted_or_kept_by_the_whole_rule_set() {
        // The set applies the rules in order: an example of one rule must not be let through
        // (or a near-miss redacted) by the others.
        let redactor = Redactor::builtin();
        for spec in builtin_specs() {
            for text in &spec.must_match {
                let (out, count) = redactor.redact_text(text).expect(text);
                assert!(count >= 1);
                assert!(out.contains("[redacted: "), "{out}");
            }
        }
        for text in [
            "550e8400-e29b-41d4-a716-446655440000",
            "commit 9fceb02d0ae598e95dc970b74767f19372d61af8",
            "Keys start with sk- and are secret.",
            "data:image/png;base64,iVBORw0KGgoAAAANSUhEUgAAAAEAAAABCAYAAAAfFcSJAAAADUlEQVR42mNkYPhfDwAChwGA60e6kgAAAABJRU5ErkJggg==",
            "https://example.com:8443/path?page=2",
            "input_tokens: 12345, cached_input_tokens: 0",
        ] {
            assert_eq!(redactor.redact_text(text), None, "{text}");
        }
    }

    #[test]
    fn values_that_name_where_a_secret_is_are_not_secrets() {
        for value in [
            "$TOKEN",
            "${API_KEY}",
            "/run/secrets/db",
            "process.env.TOKEN",
            "********",
            "string",
            "123456789",
            "Secret",
            "<your-key>",
            "reader_buf",
            "ApiKey::from_env",
            "CHANGE_ME_IN_PRODUCTION",
        ] {
            assert!(!looks_like_secret(value), "{value}");
        }
        for value in [
            "hunter22",
            "9f8e7d6c5b4a",
            "Tr0ub4dor",
            "CorrectHorseBatteryStaple",
            "Correct_Horse_Battery_Staple",
            "s3cret_pw",
        ] {
            assert!(looks_like_secret(value), "{value}");
        }
    }

    #[test]
    fn placeholders_in_urls_are_not_passwords() {
        for value in [
            "PASSWORD",
            "DB_PASSWORD",
            "<password>",
            "password]",
            "${DB_PASSWORD}",
            "$PGPASS",
            "%PASS%",
            "*****",
            "xxxx",
        ] {
            assert!(is_placeholder(value), "{value}");
        }
        for value in [
            "Sup3rS3cret",
            "p4ssw0rd",
            "hunter2",
            "postgres",
            "ghx_notatoken123",
        ] {
            assert!(!is_placeholder(value), "{value}");
        }
    }
}
