//! Where a parsed rollout line carries binary as base64 text, and how much. The places come
//! from the rollout format: data URLs (`data:<type>;base64,…`) in `input_image` items (a user's
//! images, local image attachments Codex read and inlined, images in tool results), in
//! `image_url` objects and in a `user_message` event's `images`; raw base64 in a generated
//! image's `result` (`image_generation_call`, `image_generation_end`) and in MCP tool results
//! (`image` and `audio` content blocks' `data`, embedded resources' `blob`).

use serde_json::Value;

pub const INPUT_IMAGE: &str = "input_image data URLs";
pub const IMAGE_URL: &str = "image_url data URLs";
pub const USER_IMAGES: &str = "user_message images";
pub const OTHER_DATA_URL: &str = "other data URLs";
pub const GENERATED_IMAGE: &str = "generated images";
pub const MCP_CONTENT: &str = "MCP image/audio content";
pub const MCP_BLOB: &str = "MCP resource blobs";

/// Each piece of inline binary in `line`: its kind and its bytes (the text's length).
pub fn find(line: &Value) -> Vec<(&'static str, u64)> {
    let mut found = Vec::new();
    let Some(payload) = line.get("payload") else {
        return found;
    };
    let payload_type = payload.get("type").and_then(Value::as_str);
    if matches!(
        payload_type,
        Some("image_generation_call" | "image_generation_end")
    ) && let Some(result) = payload.get("result").and_then(Value::as_str)
        && !result.is_empty()
    {
        found.push((GENERATED_IMAGE, result.len() as u64));
    }
    if payload_type == Some("user_message")
        && let Some(images) = payload.get("images").and_then(Value::as_array)
    {
        for image in images.iter().filter_map(Value::as_str) {
            if is_data_url(image) {
                found.push((USER_IMAGES, image.len() as u64));
            }
        }
    }
    walk(payload, Place::default(), &mut found);
    found
}

/// What encloses a value.
#[derive(Clone, Copy, Default)]
struct Place<'a> {
    /// The `type` of the nearest enclosing object.
    object_type: Option<&'a str>,
    /// The key the value sits under.
    key: Option<&'a str>,
    /// Somewhere inside an `image_url` key.
    in_image_url: bool,
}

fn walk<'a>(value: &'a Value, place: Place<'a>, found: &mut Vec<(&'static str, u64)>) {
    match value {
        Value::String(text) => {
            if place.key == Some("result") && place.object_type.is_some_and(is_generation) {
                return; // counted above, as a generated image
            }
            if !is_data_url(text) {
                return;
            }
            let kind = if place.object_type == Some("input_image") {
                INPUT_IMAGE
            } else if place.in_image_url {
                IMAGE_URL
            } else if place.key == Some("images") || place.object_type == Some("user_message") {
                return; // counted above, as a user message's image
            } else {
                OTHER_DATA_URL
            };
            found.push((kind, text.len() as u64));
        }
        Value::Array(items) => {
            for item in items {
                walk(item, place, found);
            }
        }
        Value::Object(object) => {
            let object_type = object.get("type").and_then(Value::as_str);
            // MCP content blocks carry raw base64 (no data URL prefix).
            if let Some(data) = object.get("data").and_then(Value::as_str)
                && matches!(object_type, Some("image" | "audio"))
                && object.contains_key("mimeType")
            {
                found.push((MCP_CONTENT, data.len() as u64));
            }
            if let Some(blob) = object.get("blob").and_then(Value::as_str) {
                found.push((MCP_BLOB, blob.len() as u64));
            }
            for (key, child) in object {
                if matches!(key.as_str(), "data" | "blob") && child.is_string() {
                    continue;
                }
                let inner = Place {
                    object_type: object_type.or(place.object_type),
                    key: Some(key.as_str()),
                    in_image_url: place.in_image_url || key == "image_url",
                };
                walk(child, inner, found);
            }
        }
        _ => {}
    }
}

fn is_generation(object_type: &str) -> bool {
    matches!(
        object_type,
        "image_generation_call" | "image_generation_end"
    )
}

/// `data:<type>;base64,…` (a data URL that is not base64 is text, not binary).
fn is_data_url(text: &str) -> bool {
    text.starts_with("data:") && text.get(..200).unwrap_or(text).contains(";base64,")
}

#[cfg(test)]
mod tests {
    use super::*;
    use serde_json::json;

    fn kinds(line: Value) -> Vec<(&'static str, u64)> {
        find(&line)
    }

    #[test]
    fn each_kind_of_inline_binary_is_found_where_the_format_puts_it() {
        let png = format!("data:image/png;base64,{}", "iVBORw0K".repeat(50));
        let pdf = format!("data:application/pdf;base64,{}", "JVBERi0x".repeat(50));
        let raw = "QUJDRA==".repeat(100);
        let len = |text: &str| text.len() as u64;

        // A user's image, and an image Codex inlined from a local attachment, are input_image
        // items of the user's message.
        assert_eq!(
            kinds(
                json!({"type":"response_item","payload":{"type":"message","role":"user",
                "content":[{"type":"input_text","text":"see"},{"type":"input_image","image_url":png}]}})
            ),
            [(INPUT_IMAGE, len(&png))]
        );
        // A tool's result with an image item.
        assert_eq!(
            kinds(
                json!({"type":"response_item","payload":{"type":"function_call_output","call_id":"c",
                "output":[{"type":"input_image","image_url":png}]}})
            ),
            [(INPUT_IMAGE, len(&png))]
        );
        // An image_url object (chat-style content).
        assert_eq!(
            kinds(
                json!({"type":"response_item","payload":{"type":"message","role":"user",
                "content":[{"type":"image_url","image_url":{"url":png}}]}})
            ),
            [(IMAGE_URL, len(&png))]
        );
        // A user_message event's images (a remote URL is not binary).
        assert_eq!(
            kinds(
                json!({"type":"event_msg","payload":{"type":"user_message","message":"",
                "images":[png, "https://example.com/a.png"],"local_images":["/tmp/a.png"]}})
            ),
            [(USER_IMAGES, len(&png))]
        );
        // A data URL of another type, anywhere.
        assert_eq!(
            kinds(
                json!({"type":"response_item","payload":{"type":"message","role":"user",
                "content":[{"type":"input_file","file_data":pdf}]}})
            ),
            [(OTHER_DATA_URL, len(&pdf))]
        );
        // A generated image: raw base64, in the call and in its end event.
        assert_eq!(
            kinds(
                json!({"type":"response_item","payload":{"type":"image_generation_call",
                "status":"completed","result":raw}})
            ),
            [(GENERATED_IMAGE, len(&raw))]
        );
        assert_eq!(
            kinds(
                json!({"type":"event_msg","payload":{"type":"image_generation_end",
                "call_id":"g","status":"completed","result":raw}})
            ),
            [(GENERATED_IMAGE, len(&raw))]
        );
        // MCP tool results: image and audio content blocks, and an embedded resource's blob.
        let mut mcp = kinds(
            json!({"type":"event_msg","payload":{"type":"mcp_tool_call_end",
            "call_id":"m","invocation":{"server":"s","tool":"t"},"duration":"1s",
            "result":{"Ok":{"content":[
                {"type":"text","text":"here"},
                {"type":"image","data":raw,"mimeType":"image/png"},
                {"type":"audio","data":raw,"mimeType":"audio/wav"},
                {"type":"resource","resource":{"uri":"file:///a.bin","blob":raw,"mimeType":"application/octet-stream"}}
            ]}}}}),
        );
        mcp.sort();
        assert_eq!(
            mcp,
            [
                (MCP_CONTENT, len(&raw)),
                (MCP_CONTENT, len(&raw)),
                (MCP_BLOB, len(&raw))
            ]
        );
        // Text that merely mentions data URLs is not binary.
        assert!(
            kinds(json!({"type":"event_msg","payload":{"type":"agent_message",
                "message":"use data:image/png;base64,... in the page"}}))
            .is_empty()
        );
    }
}
