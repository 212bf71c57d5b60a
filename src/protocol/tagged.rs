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
        #[derive(Deserialize)]
        struct Tag {
            #[serde(rename = "type")]
            tag: Option<String>,
        }
        serde_json::from_str::<Tag>(self.get()).ok()?.tag
    }

    fn fields<T: DeserializeOwned>(&self) -> Option<T> {
        serde_json::from_str(self.get()).ok()
    }

    fn to_value(&self) -> Value {
        serde_json::from_str(self.get()).unwrap_or(Value::Null)
    }
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
