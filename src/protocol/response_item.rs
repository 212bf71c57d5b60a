//! `response_item` payloads: the model-visible history.

use serde::{Deserialize, Serialize};
use serde_json::Value;

use super::tagged::{Payload, encode_tagged};

#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
pub struct MessageItem {
    pub role: String,
    #[serde(default)]
    pub content: Vec<ContentItem>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub phase: Option<String>,
}

impl MessageItem {
    /// The message's text parts joined by newlines; images become `[Image]`.
    pub fn text(&self) -> String {
        let parts: Vec<&str> = self
            .content
            .iter()
            .map(|part| match part {
                ContentItem::InputText { text } | ContentItem::OutputText { text } => text.as_str(),
                ContentItem::InputImage { .. } => "[Image]",
                ContentItem::Other => "",
            })
            .filter(|text| !text.is_empty())
            .collect();
        parts.join("\n")
    }
}

#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
#[serde(tag = "type", rename_all = "snake_case")]
pub enum ContentItem {
    InputText {
        text: String,
    },
    InputImage {
        #[serde(default)]
        image_url: String,
    },
    OutputText {
        text: String,
    },
    #[serde(other)]
    Other,
}

#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
pub struct TextPart {
    #[serde(default)]
    pub text: String,
}

#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
pub struct ReasoningItem {
    #[serde(default)]
    pub summary: Vec<TextPart>,
    #[serde(default)]
    pub content: Option<Vec<TextPart>>,
    #[serde(default)]
    pub encrypted_content: Option<String>,
}

#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
pub struct LocalShellCallItem {
    #[serde(default)]
    pub call_id: Option<String>,
    #[serde(default)]
    pub status: Option<String>,
    #[serde(default)]
    pub action: Value,
}

impl LocalShellCallItem {
    /// The command line, joined with spaces.
    pub fn command(&self) -> String {
        match self.action.get("command") {
            Some(Value::Array(parts)) => parts
                .iter()
                .filter_map(Value::as_str)
                .collect::<Vec<_>>()
                .join(" "),
            Some(Value::String(line)) => line.clone(),
            _ => String::new(),
        }
    }
}

#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
pub struct FunctionCallItem {
    pub name: String,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub namespace: Option<String>,
    /// A string holding JSON.
    #[serde(default)]
    pub arguments: String,
    #[serde(default)]
    pub call_id: String,
}

#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
pub struct FunctionCallOutputItem {
    #[serde(default)]
    pub call_id: String,
    /// A plain string, an array of content items, or (older files) an object with `content`.
    #[serde(default)]
    pub output: Value,
}

impl FunctionCallOutputItem {
    pub fn output_text(&self) -> String {
        output_value_text(&self.output)
    }
}

/// The text of a tool output in any of its shapes.
pub fn output_value_text(output: &Value) -> String {
    match output {
        Value::String(text) => text.clone(),
        Value::Array(parts) => parts
            .iter()
            .map(|part| match part.get("text").and_then(Value::as_str) {
                Some(text) => text.to_string(),
                None if part.get("type").and_then(Value::as_str) == Some("input_image") => {
                    "[Image]".to_string()
                }
                None => String::new(),
            })
            .collect::<Vec<_>>()
            .join("\n"),
        Value::Object(map) => map
            .get("content")
            .map(output_value_text)
            .unwrap_or_else(|| output.to_string()),
        Value::Null => String::new(),
        other => other.to_string(),
    }
}

#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
pub struct CustomToolCallItem {
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub status: Option<String>,
    #[serde(default)]
    pub call_id: String,
    pub name: String,
    #[serde(default)]
    pub input: String,
}

#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
pub struct CustomToolCallOutputItem {
    #[serde(default)]
    pub call_id: String,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub name: Option<String>,
    #[serde(default)]
    pub output: Value,
}

#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
pub struct WebSearchCallItem {
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub status: Option<String>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub action: Option<Value>,
}

#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
pub struct ImageGenerationCallItem {
    #[serde(default)]
    pub status: String,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub revised_prompt: Option<String>,
    #[serde(default)]
    pub result: String,
}

/// A `response_item` payload. Types this version does not model, and payloads of a known type
/// whose shape does not decode, are kept whole in `Other`.
#[derive(Clone, Debug, PartialEq)]
pub enum ResponseItem {
    Message(MessageItem),
    Reasoning(ReasoningItem),
    LocalShellCall(LocalShellCallItem),
    FunctionCall(FunctionCallItem),
    FunctionCallOutput(FunctionCallOutputItem),
    CustomToolCall(CustomToolCallItem),
    CustomToolCallOutput(CustomToolCallOutputItem),
    WebSearchCall(WebSearchCallItem),
    ImageGenerationCall(ImageGenerationCallItem),
    /// Legacy `ghost_snapshot` (and `ghost_commit`) items; Codex ignores them.
    GhostSnapshot(Value),
    /// `compaction`, `compaction_summary`, `context_compaction`: encrypted summaries.
    Compaction(Value),
    Other(Value),
}

impl ResponseItem {
    pub fn decode(payload: &Value) -> ResponseItem {
        Self::decode_payload(payload)
    }

    pub(crate) fn decode_payload(payload: &(impl Payload + ?Sized)) -> ResponseItem {
        let kind = payload.tag().unwrap_or_default();
        let decoded = match kind.as_str() {
            "message" => payload.fields().map(ResponseItem::Message),
            "reasoning" => payload.fields().map(ResponseItem::Reasoning),
            "local_shell_call" => payload.fields().map(ResponseItem::LocalShellCall),
            "function_call" => payload.fields().map(ResponseItem::FunctionCall),
            "function_call_output" => payload.fields().map(ResponseItem::FunctionCallOutput),
            "custom_tool_call" => payload.fields().map(ResponseItem::CustomToolCall),
            "custom_tool_call_output" => payload.fields().map(ResponseItem::CustomToolCallOutput),
            "web_search_call" => payload.fields().map(ResponseItem::WebSearchCall),
            "image_generation_call" => payload.fields().map(ResponseItem::ImageGenerationCall),
            "ghost_snapshot" | "ghost_commit" => {
                Some(ResponseItem::GhostSnapshot(payload.to_value()))
            }
            "compaction" | "compaction_summary" | "context_compaction" => {
                Some(ResponseItem::Compaction(payload.to_value()))
            }
            _ => None,
        };
        decoded.unwrap_or_else(|| ResponseItem::Other(payload.to_value()))
    }

    pub fn encode(&self) -> Value {
        let kind = self.kind();
        match self {
            ResponseItem::Message(item) => encode_tagged(kind, item),
            ResponseItem::Reasoning(item) => encode_tagged(kind, item),
            ResponseItem::LocalShellCall(item) => encode_tagged(kind, item),
            ResponseItem::FunctionCall(item) => encode_tagged(kind, item),
            ResponseItem::FunctionCallOutput(item) => encode_tagged(kind, item),
            ResponseItem::CustomToolCall(item) => encode_tagged(kind, item),
            ResponseItem::CustomToolCallOutput(item) => encode_tagged(kind, item),
            ResponseItem::WebSearchCall(item) => encode_tagged(kind, item),
            ResponseItem::ImageGenerationCall(item) => encode_tagged(kind, item),
            ResponseItem::GhostSnapshot(raw)
            | ResponseItem::Compaction(raw)
            | ResponseItem::Other(raw) => raw.clone(),
        }
    }

    /// The snake_case type tag, as written in rollouts.
    pub fn kind(&self) -> &str {
        match self {
            ResponseItem::Message(_) => "message",
            ResponseItem::Reasoning(_) => "reasoning",
            ResponseItem::LocalShellCall(_) => "local_shell_call",
            ResponseItem::FunctionCall(_) => "function_call",
            ResponseItem::FunctionCallOutput(_) => "function_call_output",
            ResponseItem::CustomToolCall(_) => "custom_tool_call",
            ResponseItem::CustomToolCallOutput(_) => "custom_tool_call_output",
            ResponseItem::WebSearchCall(_) => "web_search_call",
            ResponseItem::ImageGenerationCall(_) => "image_generation_call",
            ResponseItem::GhostSnapshot(raw)
            | ResponseItem::Compaction(raw)
            | ResponseItem::Other(raw) => {
                raw.get("type").and_then(Value::as_str).unwrap_or("unknown")
            }
        }
    }
}
