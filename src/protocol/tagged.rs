//! Payloads tagged by a `"type"` field beside their other fields, decoded either from JSON text
//! (the fast path for rollout lines: no intermediate `Value` tree) or from a `Value`.

use serde::de::DeserializeOwned;
use serde::{Deserialize, Serialize};
use serde_json::value::RawValue;
use serde_json::{Map, Value};

/// Something a payload can be decoded from.
pub(crate) trait Payload {
    /// The payload's `type` tag.
    fn tag(&self) -> Option<String>;
    /// The payload's fields as `T`, or `None` if they do not fit.
    fn fields<T: DeserializeOwned>(&self) -> Option<T>;
    /// The whole payload, for kinds kept raw.
    fn to_value(&self) -> Value;
}

impl Payload for Value {
    fn tag(&self) -> Option<String> {
        self.get("type").and_then(Value::as_str).map(str::to_string)
    }

    fn fields<T: DeserializeOwned>(&self) -> Option<T> {
        T::deserialize(self).ok()
    }

    fn to_value(&self) -> Value {
        self.clone()
    }
}

impl Payload for RawValue {
    fn tag(&self) -> Option<String> {
        self.get().tag()
    }

    fn fields<T: DeserializeOwned>(&self) -> Option<T> {
        self.get().fields()
    }

    fn to_value(&self) -> Value {
        self.get().to_value()
    }
}

/// JSON text that is expected to hold one value; a decode that finds anything else fails.
impl Payload for str {
    fn tag(&self) -> Option<String> {
        #[derive(Deserialize)]
        struct Tag {
            #[serde(rename = "type")]
            tag: Option<String>,
        }
        // Codex writes the tag first; reading it from there saves a pass over a long payload.
        if let Some(tag) = leading_tag(self) {
            return Some(tag.to_string());
        }
        serde_json::from_str::<Tag>(self).ok()?.tag
    }

    fn fields<T: DeserializeOwned>(&self) -> Option<T> {
        serde_json::from_str(self).ok()
    }

    fn to_value(&self) -> Value {
        serde_json::from_str(self).unwrap_or(Value::Null)
    }
}

/// The tag of `{"type":"<tag>",…}` when the text starts exactly so and the tag has no escapes.
fn leading_tag(text: &str) -> Option<&str> {
    let rest = text.strip_prefix("{\"type\":\"")?;
    let end = rest.find('"')?;
    let tag = &rest[..end];
    (!tag.contains('\\')).then_some(tag)
}

/// Encodes `body` as an object with `"type": kind` first.
pub(crate) fn encode_tagged<T: Serialize>(kind: &str, body: &T) -> Value {
    let mut object = Map::new();
    object.insert("type".to_string(), Value::String(kind.to_string()));
    if let Ok(Value::Object(fields)) = serde_json::to_value(body) {
        for (key, value) in fields {
            if key != "type" {
                object.insert(key, value);
            }
        }
    }
    Value::Object(object)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_tag_is_read_from_the_front_or_found_anywhere() {
        let raw = |text: &str| RawValue::from_string(text.to_string()).unwrap();
        assert_eq!(
            raw(r#"{"type":"message","role":"user"}"#).tag().as_deref(),
            Some("message")
        );
        assert_eq!(
            raw(r#"{"role":"user","type":"message"}"#).tag().as_deref(),
            Some("message")
        );
        assert_eq!(
            raw(r#"{ "type" : "spaced" }"#).tag().as_deref(),
            Some("spaced")
        );
        assert_eq!(raw(r#"{"type":"a\"b"}"#).tag().as_deref(), Some("a\"b"));
        assert_eq!(raw(r#"{"role":"user"}"#).tag(), None);
    }
}
