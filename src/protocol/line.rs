//! The rollout line envelope `{"timestamp", "type", "payload"}` and its decoder.

use serde::{Deserialize, Serialize};
use serde_json::value::RawValue;
use serde_json::{Map, Value};

use super::event_msg::EventMsg;
use super::response_item::ResponseItem;
use super::session_meta::SessionMeta;
use super::tagged::Payload;
use super::time::{format_rollout_timestamp, now_millis};
use crate::text::decimal_size;

#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
pub struct TurnContextItem {
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub turn_id: Option<String>,
    #[serde(default)]
    pub cwd: String,
    #[serde(default)]
    pub approval_policy: Value,
    #[serde(default)]
    pub sandbox_policy: Value,
    #[serde(default)]
    pub model: String,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub effort: Option<String>,
    #[serde(default)]
    pub summary: Value,
}

#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
pub struct CompactedItem {
    #[serde(default)]
    pub message: String,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub replacement_history: Option<Vec<Value>>,
}

/// Line kinds current Codex writes for its own bookkeeping (a snapshot of the environment,
/// per-request token usage), with nothing for a reader of the thread's history.
const BOOKKEEPING_KINDS: [&str; 2] = ["world_state", "token_usage_record"];

/// A line too long to read into memory: the reader passed over its bytes and kept only what
/// its first bytes say. Made by the rollout readers, never decoded from or written to a file.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct OmittedLine {
    /// The envelope's `type`, when the line starts the way Codex writes lines.
    pub kind: Option<String>,
    /// The line's length in bytes (without its newline).
    pub bytes: u64,
    /// The longest line the reader holds in memory.
    pub limit: u64,
}

impl OmittedLine {
    /// `line of 200.0 MB not shown: longer than the 8 MiB limit`
    pub fn describe(&self) -> String {
        format!(
            "line of {} not shown: longer than the {} limit",
            decimal_size(self.bytes),
            binary_size(self.limit)
        )
    }
}

/// A limit as it is set: `8 MiB`, `1 KiB`, `1000 B`.
fn binary_size(bytes: u64) -> String {
    match bytes {
        0 => "0 B".to_string(),
        _ if bytes.is_multiple_of(1 << 20) => format!("{} MiB", bytes >> 20),
        _ if bytes.is_multiple_of(1 << 10) => format!("{} KiB", bytes >> 10),
        _ => format!("{bytes} B"),
    }
}

/// One rollout item. Line kinds this version does not know are kept whole in `Unknown`.
#[derive(Clone, Debug, PartialEq)]
pub enum RolloutItem {
    SessionMeta(SessionMeta),
    ResponseItem(ResponseItem),
    Compacted(CompactedItem),
    TurnContext(TurnContextItem),
    EventMsg(EventMsg),
    Unknown {
        kind: String,
        payload: Value,
    },
    /// A line over the readers' length limit, shown as a marker with its size.
    Omitted(OmittedLine),
}

impl RolloutItem {
    /// The envelope's `type` tag.
    pub fn kind(&self) -> &str {
        match self {
            RolloutItem::SessionMeta(_) => "session_meta",
            RolloutItem::ResponseItem(_) => "response_item",
            RolloutItem::Compacted(_) => "compacted",
            RolloutItem::TurnContext(_) => "turn_context",
            RolloutItem::EventMsg(_) => "event_msg",
            RolloutItem::Unknown { kind, .. } => kind,
            RolloutItem::Omitted(omitted) => omitted.kind.as_deref().unwrap_or("omitted"),
        }
    }

    /// True for lines and events that only record Codex's own bookkeeping.
    pub fn is_bookkeeping(&self) -> bool {
        match self {
            RolloutItem::Unknown { kind, .. } => BOOKKEEPING_KINDS.contains(&kind.as_str()),
            RolloutItem::EventMsg(event) => event.is_bookkeeping(),
            _ => false,
        }
    }

    fn decode(kind: &str, payload: &(impl Payload + ?Sized)) -> RolloutItem {
        let known = match kind {
            "session_meta" => payload.fields().map(RolloutItem::SessionMeta),
            "response_item" => Some(RolloutItem::ResponseItem(ResponseItem::decode_payload(
                payload,
            ))),
            "compacted" => payload.fields().map(RolloutItem::Compacted),
            "turn_context" => payload.fields().map(RolloutItem::TurnContext),
            "event_msg" => Some(RolloutItem::EventMsg(EventMsg::decode_payload(payload))),
            _ => None,
        };
        known.unwrap_or_else(|| RolloutItem::Unknown {
            kind: kind.to_string(),
            payload: payload.to_value(),
        })
    }

    fn encode_payload(&self) -> Value {
        match self {
            RolloutItem::SessionMeta(meta) => serde_json::to_value(meta).unwrap_or_default(),
            RolloutItem::ResponseItem(item) => item.encode(),
            RolloutItem::Compacted(item) => serde_json::to_value(item).unwrap_or_default(),
            RolloutItem::TurnContext(item) => serde_json::to_value(item).unwrap_or_default(),
            RolloutItem::EventMsg(event) => event.encode(),
            RolloutItem::Unknown { payload, .. } => payload.clone(),
            RolloutItem::Omitted(omitted) => {
                serde_json::json!({ "omitted_bytes": omitted.bytes, "limit": omitted.limit })
            }
        }
    }
}

/// The envelope of a current rollout line, with the payload left as text.
#[derive(Deserialize)]
struct Envelope<'a> {
    #[serde(default)]
    timestamp: Option<String>,
    #[serde(default)]
    ordinal: Option<u64>,
    #[serde(rename = "type", default)]
    kind: Option<String>,
    #[serde(borrow, default)]
    payload: Option<&'a RawValue>,
}

/// One line of a rollout file.
#[derive(Clone, Debug, PartialEq)]
pub struct RolloutLine {
    /// Write time, `YYYY-MM-DDTHH:MM:SS.mmmZ`; empty for pre-envelope (2025) lines.
    pub timestamp: String,
    /// The line's number in a paginated rollout (`history_mode: "paginated"`: every line has
    /// one, 0, 1, 2, …); `None` in legacy rollouts.
    pub ordinal: Option<u64>,
    pub item: RolloutItem,
}

/// Why a line is not a rollout line.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum DecodeError {
    #[error("blank line")]
    Blank,
    #[error("invalid JSON: {0}")]
    InvalidJson(String),
    #[error("not a rollout line: {0}")]
    NotARolloutLine(&'static str),
}

impl RolloutLine {
    /// A line stamped with the current time.
    pub fn now(item: RolloutItem) -> Self {
        RolloutLine {
            timestamp: format_rollout_timestamp(now_millis()),
            ordinal: None,
            item,
        }
    }

    /// Decodes one line of text (without its newline). Accepts the current envelope and the
    /// pre-envelope 2025 form: a bare header `{id, timestamp, instructions, git}`, bare response
    /// items, and `{"record_type": "state"}` markers (kept as `Unknown` of kind `legacy_state`).
    pub fn decode(text: &str) -> Result<RolloutLine, DecodeError> {
        let text = text.trim_end_matches('\r');
        if text.trim().is_empty() {
            return Err(DecodeError::Blank);
        }
        if let Some(line) = decode_codex_layout(text) {
            return Ok(line);
        }
        // The current envelope decodes straight from the text, without a `Value` tree.
        if let Ok(Envelope {
            timestamp,
            ordinal,
            kind: Some(kind),
            payload: Some(payload),
        }) = serde_json::from_str::<Envelope>(text)
        {
            return Ok(RolloutLine {
                timestamp: timestamp.unwrap_or_default(),
                ordinal,
                item: RolloutItem::decode(&kind, payload),
            });
        }
        let value: Value =
            serde_json::from_str(text).map_err(|err| DecodeError::InvalidJson(err.to_string()))?;
        let Value::Object(mut object) = value else {
            return Err(DecodeError::NotARolloutLine("not a JSON object"));
        };
        let timestamp = match object.get("timestamp") {
            Some(Value::String(at)) => at.clone(),
            _ => String::new(),
        };
        let kind = object
            .get("type")
            .and_then(Value::as_str)
            .map(str::to_string);
        match (kind, object.remove("payload")) {
            (Some(kind), Some(payload)) => Ok(RolloutLine {
                timestamp,
                ordinal: object.get("ordinal").and_then(Value::as_u64),
                item: RolloutItem::decode(&kind, &payload),
            }),
            (kind, None) => decode_legacy(object, kind, timestamp),
            (None, Some(_)) => Err(DecodeError::NotARolloutLine("payload without a type")),
        }
    }

    /// The JSON text of this line, without the newline; key order `timestamp`, `ordinal` (when
    /// the line has one), `type`, `payload`, as Codex writes them.
    pub fn encode(&self) -> String {
        let mut object = Map::new();
        object.insert(
            "timestamp".to_string(),
            Value::String(self.timestamp.clone()),
        );
        if let Some(ordinal) = self.ordinal {
            object.insert("ordinal".to_string(), Value::from(ordinal));
        }
        object.insert(
            "type".to_string(),
            Value::String(self.item.kind().to_string()),
        );
        object.insert("payload".to_string(), self.item.encode_payload());
        Value::Object(object).to_string()
    }
}

/// The start of a line laid out as Codex writes it (see `decode_codex_layout`), read without
/// decoding the payload.
pub struct EnvelopeHead<'a> {
    pub timestamp: &'a str,
    pub ordinal: Option<u64>,
    pub kind: &'a str,
    /// The payload and the envelope's closing brace.
    pub payload: &'a str,
}

impl<'a> EnvelopeHead<'a> {
    pub fn parse(text: &'a str) -> Option<Self> {
        let rest = text.strip_prefix("{\"timestamp\":\"")?;
        let (timestamp, rest) = rest.split_once('"')?;
        let (ordinal, rest) = match rest.strip_prefix(",\"ordinal\":") {
            Some(numbered) => {
                let digits = numbered.bytes().take_while(u8::is_ascii_digit).count();
                (Some(numbered[..digits].parse().ok()?), &numbered[digits..])
            }
            None => (None, rest),
        };
        let rest = rest.strip_prefix(",\"type\":\"")?;
        let (kind, rest) = rest.split_once('"')?;
        let payload = rest.strip_prefix(",\"payload\":")?;
        if timestamp.contains('\\') || kind.contains('\\') {
            return None;
        }
        Some(EnvelopeHead {
            timestamp,
            ordinal,
            kind,
            payload,
        })
    }
}

impl RolloutLine {
    /// The marker for a line of `bytes` bytes that was not read, from its first bytes `head`
    /// (its time, number and kind when it starts the way Codex writes lines).
    pub fn omitted(head: &[u8], bytes: u64, limit: u64) -> RolloutLine {
        // A cut through a multi-byte character ends the head early; that only makes it shorter.
        let head = match std::str::from_utf8(head) {
            Ok(text) => text,
            Err(err) => std::str::from_utf8(&head[..err.valid_up_to()]).unwrap_or_default(),
        };
        let envelope = EnvelopeHead::parse(head);
        RolloutLine {
            timestamp: envelope
                .as_ref()
                .map(|e| e.timestamp.to_string())
                .unwrap_or_default(),
            ordinal: envelope.as_ref().and_then(|e| e.ordinal),
            item: RolloutItem::Omitted(OmittedLine {
                kind: envelope.map(|e| e.kind.to_string()),
                bytes,
                limit,
            }),
        }
    }
}

/// The fast path for lines laid out exactly as Codex writes them,
/// `{"timestamp":"…","type":"…","payload":…}` or, in paginated rollouts,
/// `{"timestamp":"…","ordinal":N,"type":"…","payload":…}`: the payload is decoded where it
/// stands, so a long line is read once. Only a payload that decodes into a known shape is accepted (a
/// successful decode also proves the slice was exactly the payload); anything else takes the
/// general path.
fn decode_codex_layout(text: &str) -> Option<RolloutLine> {
    let head = EnvelopeHead::parse(text)?;
    let (timestamp, ordinal, kind) = (head.timestamp, head.ordinal, head.kind);
    let payload = head.payload.strip_suffix('}')?;
    // Paginated rollouts put a `metadata` object after the payload of response items; it ends
    // the line, so its key is found from the end without reading the payload.
    let payload = match ordinal {
        Some(_) => memchr::memmem::rfind(payload.as_bytes(), b",\"metadata\":{")
            .map_or(payload, |at| &payload[..at]),
        None => payload,
    };
    let item = RolloutItem::decode(kind, payload);
    // Kinds kept raw, or read from the tag alone, did not prove the slice is valid JSON.
    let known = !matches!(
        &item,
        RolloutItem::Unknown { .. }
            | RolloutItem::ResponseItem(
                ResponseItem::Other(_)
                    | ResponseItem::GhostSnapshot(_)
                    | ResponseItem::Compaction(_)
            )
            | RolloutItem::EventMsg(EventMsg::Other(_) | EventMsg::ContextCompacted)
    );
    known.then(|| RolloutLine {
        timestamp: timestamp.to_string(),
        ordinal,
        item,
    })
}

fn decode_legacy(
    object: Map<String, Value>,
    kind: Option<String>,
    timestamp: String,
) -> Result<RolloutLine, DecodeError> {
    if object.contains_key("record_type") {
        return Ok(RolloutLine {
            timestamp,
            ordinal: None,
            item: RolloutItem::Unknown {
                kind: "legacy_state".to_string(),
                payload: Value::Object(object),
            },
        });
    }
    if kind.is_some() {
        // A bare response item, from before the envelope existed.
        let payload = Value::Object(object);
        return Ok(RolloutLine {
            timestamp,
            ordinal: None,
            item: RolloutItem::ResponseItem(ResponseItem::decode(&payload)),
        });
    }
    if object.contains_key("id") {
        // A bare session header; its `timestamp` is the session start.
        let meta = SessionMeta::deserialize(&Value::Object(object))
            .map_err(|_| DecodeError::NotARolloutLine("legacy header without a valid id"))?;
        return Ok(RolloutLine {
            timestamp: String::new(),
            ordinal: None,
            item: RolloutItem::SessionMeta(meta),
        });
    }
    Err(DecodeError::NotARolloutLine("no type and no payload"))
}
