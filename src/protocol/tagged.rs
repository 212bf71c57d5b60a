//! Helpers for payloads tagged by a `"type"` field beside their other fields.

use serde::Serialize;
use serde::de::DeserializeOwned;
use serde_json::{Map, Value};

/// Decodes the fields of a tagged payload into `T`, ignoring the tag itself.
pub(crate) fn decode_tagged<T: DeserializeOwned>(payload: &Value) -> Option<T> {
    T::deserialize(payload).ok()
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
