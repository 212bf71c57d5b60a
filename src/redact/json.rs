//! Redaction inside a JSON document: every string, each on its own, so that the document stays
//! valid and its other fields intact.

use serde_json::Value;

use super::{Finding, Redactor};

type Observe<'o> = &'o mut dyn FnMut(Finding<'_>);

/// Redacts every string in `value` in place; returns how many secrets were replaced.
pub(super) fn redact_value(redactor: &Redactor, value: &mut Value, observe: Observe) -> usize {
    match value {
        Value::String(text) => {
            let redacted = redactor.redact_text_observed(text, observe);
            replace(text, redacted)
        }
        Value::Array(items) => items
            .iter_mut()
            .map(|item| redact_value(redactor, item, observe))
            .sum(),
        Value::Object(members) => members
            .iter_mut()
            .map(|(key, value)| match value {
                Value::String(text) => {
                    let redacted = redact_member(redactor, key, text, observe);
                    replace(text, redacted)
                }
                other => redact_value(redactor, other, observe),
            })
            .sum(),
        Value::Null | Value::Bool(_) | Value::Number(_) => 0,
    }
}

/// A string member is redacted with its name in front (`name=value`), so that the rules for
/// `KEY=value` see a `{"api_key": "…"}` member as the assignment it is.
fn redact_member(
    redactor: &Redactor,
    key: &str,
    text: &str,
    observe: Observe,
) -> Option<(String, usize)> {
    if super::is_image_data(text) {
        return None;
    }
    let named = format!("{key}={text}");
    // What the named pass found counts only if its result is kept.
    let mut found: Vec<(String, String, std::ops::Range<usize>)> = Vec::new();
    let redacted = redactor.redact_text_observed(&named, &mut |finding| {
        found.push((
            finding.kind.to_string(),
            finding.text.to_string(),
            finding.span,
        ));
    });
    match redacted {
        Some((redacted, count)) => match redacted.strip_prefix(&format!("{key}=")) {
            Some(value) => {
                for (kind, text, span) in found {
                    observe(Finding {
                        kind: &kind,
                        text: &text,
                        span,
                    });
                }
                Some((value.to_string(), count))
            }
            // A rule took part of the name too: the value alone, then.
            None => redactor.redact_text_observed(text, observe),
        },
        None => None,
    }
}

fn replace(text: &mut String, redacted: Option<(String, usize)>) -> usize {
    match redacted {
        Some((new, count)) => {
            *text = new;
            count
        }
        None => 0,
    }
}
