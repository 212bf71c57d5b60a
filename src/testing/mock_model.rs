//! A mock model for running real Codex releases offline: the Responses API
//! (`POST /v1/responses`, answered with server-sent events) on 127.0.0.1, on a port of its own.
//!
//! What the model does is steered by directives in the user's prompt, so a test writes the
//! thread it wants in plain words:
//!
//! * `[shell: CMD]` runs `CMD` through Codex's shell tool, then answers with a summary of
//!   the output;
//! * `[patch: FILE: TEXT]` adds `FILE` holding `TEXT` through `apply_patch` (sent as a shell
//!   command, which Codex intercepts and applies as a patch);
//! * `[reason]` adds a reasoning item with a summary before the answer;
//! * `[slow]` streams the answer in small pieces, 300 ms apart (about 3 s in all).
//!
//! Any other prompt gets the answer `Answer to: <prompt>`.

use std::io::{self, Read};
use std::net::SocketAddr;
use std::sync::{Arc, Mutex};
use std::thread::JoinHandle;
use std::time::Duration;

use serde_json::{Value, json};

/// The delay between the pieces of a `[slow]` answer.
const SLOW_PIECE_DELAY: Duration = Duration::from_millis(300);
const SLOW_PIECES: usize = 10;

pub struct MockModel {
    server: Arc<tiny_http::Server>,
    addr: SocketAddr,
    requests: Arc<Mutex<Vec<Value>>>,
    worker: Option<JoinHandle<()>>,
}

impl MockModel {
    /// Starts the server on an unused loopback port.
    pub fn start() -> io::Result<Self> {
        let server = tiny_http::Server::http("127.0.0.1:0").map_err(io::Error::other)?;
        let addr = server
            .server_addr()
            .to_ip()
            .ok_or_else(|| io::Error::other("the mock model has no IP address"))?;
        let server = Arc::new(server);
        let requests = Arc::new(Mutex::new(Vec::new()));
        let worker = {
            let (server, requests) = (server.clone(), requests.clone());
            std::thread::spawn(move || serve(&server, &requests))
        };
        Ok(Self {
            server,
            addr,
            requests,
            worker: Some(worker),
        })
    }

    /// The base URL to give Codex (`model_providers.<id>.base_url`).
    pub fn base_url(&self) -> String {
        format!("http://{}/v1", self.addr)
    }

    /// The bodies of every `/responses` request so far, oldest first.
    pub fn requests(&self) -> Vec<Value> {
        self.requests.lock().map(|r| r.clone()).unwrap_or_default()
    }
}

impl Drop for MockModel {
    fn drop(&mut self) {
        self.server.unblock();
        if let Some(worker) = self.worker.take() {
            let _ = worker.join();
        }
    }
}

fn serve(server: &tiny_http::Server, requests: &Mutex<Vec<Value>>) {
    for mut request in server.incoming_requests() {
        let is_responses = request.method() == &tiny_http::Method::Post
            && request.url().trim_end_matches('/').ends_with("/responses");
        if !is_responses {
            let _ = request.respond(tiny_http::Response::empty(404));
            continue;
        }
        let body = read_body(&mut request);
        let Some(body) = body else {
            let _ = request.respond(tiny_http::Response::empty(400));
            continue;
        };
        if let Ok(mut all) = requests.lock() {
            all.push(body.clone());
        }
        let reply = reply_to(&body);
        let header = tiny_http::Header::from_bytes("Content-Type", "text/event-stream")
            .expect("a valid header");
        let response =
            tiny_http::Response::new(200.into(), vec![header], SseBody::new(reply), None, None);
        // Answered on a thread of its own so that a slow stream does not hold up other requests.
        std::thread::spawn(move || {
            let _ = request.respond(response);
        });
    }
}

fn read_body(request: &mut tiny_http::Request) -> Option<Value> {
    let mut raw = Vec::new();
    request.as_reader().read_to_end(&mut raw).ok()?;
    let compressed = request.headers().iter().any(|h| {
        h.field.equiv("Content-Encoding") && h.value.as_str().eq_ignore_ascii_case("zstd")
    });
    if compressed {
        raw = zstd::decode_all(raw.as_slice()).ok()?;
    }
    serde_json::from_slice(&raw).ok()
}

/// One server-sent event, and how long to wait before sending it.
struct Event {
    delay: Duration,
    data: Value,
}

impl Event {
    fn now(data: Value) -> Self {
        Self {
            delay: Duration::ZERO,
            data,
        }
    }
}

/// What the model says to one request.
fn reply_to(request: &Value) -> Vec<Event> {
    let input = request["input"].as_array().cloned().unwrap_or_default();
    let tools = request["tools"].as_array().cloned().unwrap_or_default();
    let mut output = Outputs::default();
    match last_turn_input(&input) {
        TurnInput::ToolOutput(text) => {
            // Newer releases put a header before the command's own output.
            let printed = text
                .split_once("Output:\n")
                .map_or(text.as_str(), |(_, out)| out);
            let first_line = printed.lines().find(|l| !l.trim().is_empty()).unwrap_or("");
            output.message(
                &format!("The command printed: {}", first_line.trim()),
                false,
            );
        }
        TurnInput::Prompt(prompt) => {
            if prompt.contains("[reason]") {
                output.reasoning(&format!("Thinking about: {}", strip_directives(&prompt)));
            }
            if let Some(command) = directive(&prompt, "shell") {
                output.shell_call(&tools, command);
            } else if let Some(spec) = directive(&prompt, "patch") {
                let (file, text) = spec.split_once(':').unwrap_or((spec, "hello"));
                output.shell_call(&tools, &apply_patch_command(file.trim(), text.trim()));
            } else {
                let answer = format!("Answer to: {}", strip_directives(&prompt));
                output.message(&answer, prompt.contains("[slow]"));
            }
        }
    }
    output.finish()
}

enum TurnInput {
    Prompt(String),
    ToolOutput(String),
}

/// The newest thing the model is asked to respond to: a tool's output, or the user's prompt
/// (context that Codex injects as user messages, such as `<environment_context>`, skipped).
fn last_turn_input(input: &[Value]) -> TurnInput {
    for item in input.iter().rev() {
        match item["type"].as_str() {
            Some("function_call_output") | Some("custom_tool_call_output") => {
                let output = &item["output"];
                let text = output
                    .as_str()
                    .map(str::to_owned)
                    .or_else(|| output["content"].as_str().map(str::to_owned))
                    .unwrap_or_else(|| output.to_string());
                return TurnInput::ToolOutput(text);
            }
            Some("message") if item["role"] == "user" => {
                let text = message_text(item);
                if !text.trim_start().starts_with('<') && !text.trim().is_empty() {
                    return TurnInput::Prompt(text);
                }
            }
            _ => {}
        }
    }
    TurnInput::Prompt(String::new())
}

/// The text of a Responses API message item (`content` as a string or as parts).
pub fn message_text(item: &Value) -> String {
    match &item["content"] {
        Value::String(text) => text.clone(),
        Value::Array(parts) => parts
            .iter()
            .filter_map(|part| part["text"].as_str())
            .collect::<Vec<_>>()
            .join("\n"),
        _ => String::new(),
    }
}

/// The argument of `[name: ARG]` in a prompt.
fn directive<'a>(prompt: &'a str, name: &str) -> Option<&'a str> {
    let start = prompt.find(&format!("[{name}:"))? + name.len() + 2;
    let end = start + prompt[start..].find(']')?;
    Some(prompt[start..end].trim())
}

fn strip_directives(prompt: &str) -> String {
    let mut text = String::new();
    let mut depth = 0usize;
    for ch in prompt.chars() {
        match ch {
            '[' => depth += 1,
            ']' if depth > 0 => depth -= 1,
            _ if depth == 0 => text.push(ch),
            _ => {}
        }
    }
    text.split_whitespace().collect::<Vec<_>>().join(" ")
}

fn apply_patch_command(file: &str, text: &str) -> String {
    format!(
        "apply_patch <<'EOF'\n*** Begin Patch\n*** Add File: {file}\n+{text}\n*** End Patch\nEOF\n"
    )
}

/// The output items of one response, as events.
#[derive(Default)]
struct Outputs {
    events: Vec<Event>,
    items: usize,
}

impl Outputs {
    fn next_id(&mut self, prefix: &str) -> String {
        self.items += 1;
        format!("{prefix}_{}", self.items)
    }

    fn done(&mut self, item: Value) {
        let index = self.items;
        self.events.push(Event::now(json!({
            "type": "response.output_item.done",
            "output_index": index,
            "item": item,
        })));
    }

    fn reasoning(&mut self, summary: &str) {
        let id = self.next_id("rs");
        self.done(json!({
            "type": "reasoning",
            "id": id,
            "summary": [{"type": "summary_text", "text": summary}],
            "content": [{"type": "reasoning_text", "text": format!("(raw) {summary}")}],
        }));
    }

    fn message(&mut self, text: &str, slow: bool) {
        let id = self.next_id("msg");
        let index = self.items;
        self.events.push(Event::now(json!({
            "type": "response.output_item.added",
            "output_index": index,
            "item": {"type": "message", "role": "assistant", "id": id, "content": []},
        })));
        let pieces = if slow { SLOW_PIECES } else { 1 };
        let chars: Vec<char> = text.chars().collect();
        let piece_len = chars.len().div_ceil(pieces).max(1);
        for piece in chars.chunks(piece_len) {
            self.events.push(Event {
                delay: if slow {
                    SLOW_PIECE_DELAY
                } else {
                    Duration::ZERO
                },
                data: json!({
                    "type": "response.output_text.delta",
                    "output_index": index,
                    "item_id": id,
                    "content_index": 0,
                    "delta": piece.iter().collect::<String>(),
                }),
            });
        }
        self.done(json!({
            "type": "message",
            "role": "assistant",
            "id": id,
            "content": [{"type": "output_text", "text": text, "annotations": []}],
        }));
    }

    /// A call of whichever shell tool the request offers.
    fn shell_call(&mut self, tools: &[Value], command: &str) {
        let call_id = self.next_id("call");
        let names: Vec<&str> = tools.iter().filter_map(|t| t["name"].as_str()).collect();
        let (name, arguments) = if names.contains(&"exec_command") || names.is_empty() {
            ("exec_command", json!({"cmd": command}))
        } else if names.contains(&"shell_command") {
            ("shell_command", json!({"command": command}))
        } else {
            ("shell", json!({"command": ["bash", "-lc", command]}))
        };
        self.done(json!({
            "type": "function_call",
            "id": format!("fc_{call_id}"),
            "call_id": call_id,
            "name": name,
            "arguments": arguments.to_string(),
        }));
    }

    fn finish(mut self) -> Vec<Event> {
        let mut events = vec![Event::now(json!({
            "type": "response.created",
            "response": {"id": "resp_mock"},
        }))];
        events.append(&mut self.events);
        events.push(Event::now(json!({
            "type": "response.completed",
            "response": {
                "id": "resp_mock",
                "usage": {
                    "input_tokens": 1200,
                    "input_tokens_details": {"cached_tokens": 0},
                    "output_tokens": 60,
                    "output_tokens_details": {"reasoning_tokens": 10},
                    "total_tokens": 1260,
                },
            },
        })));
        events
    }
}

/// The event stream as a `Read`, sleeping before each delayed event so that a slow answer
/// really arrives slowly.
struct SseBody {
    events: std::vec::IntoIter<Event>,
    pending: Vec<u8>,
    offset: usize,
}

impl SseBody {
    fn new(events: Vec<Event>) -> Self {
        Self {
            events: events.into_iter(),
            pending: Vec::new(),
            offset: 0,
        }
    }
}

impl Read for SseBody {
    fn read(&mut self, buf: &mut [u8]) -> io::Result<usize> {
        if self.offset == self.pending.len() {
            let Some(event) = self.events.next() else {
                return Ok(0);
            };
            std::thread::sleep(event.delay);
            let kind = event.data["type"].as_str().unwrap_or("message").to_owned();
            self.pending = format!("event: {kind}\ndata: {}\n\n", event.data).into_bytes();
            self.offset = 0;
        }
        let n = buf.len().min(self.pending.len() - self.offset);
        buf[..n].copy_from_slice(&self.pending[self.offset..self.offset + n]);
        self.offset += n;
        Ok(n)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn prompt(text: &str) -> Value {
        json!({"input": [
            {"type": "message", "role": "user", "content": [{"type": "input_text", "text": "<environment_context>x</environment_context>"}]},
            {"type": "message", "role": "user", "content": [{"type": "input_text", "text": text}]},
        ], "tools": [{"type": "function", "name": "exec_command"}]})
    }

    fn kinds(events: &[Event]) -> Vec<String> {
        events
            .iter()
            .map(|e| {
                let kind = e.data["type"].as_str().unwrap_or("");
                match e.data["item"]["type"].as_str() {
                    Some(item) => format!("{kind}:{item}"),
                    None => kind.to_owned(),
                }
            })
            .collect()
    }

    #[test]
    fn a_plain_prompt_gets_an_answer_quoting_it() {
        let events = reply_to(&prompt("hello there"));
        let done = events
            .iter()
            .find(|e| e.data["type"] == "response.output_item.done")
            .expect("an item");
        assert_eq!(
            done.data["item"]["content"][0]["text"],
            "Answer to: hello there"
        );
        assert_eq!(
            kinds(&events).last().map(String::as_str),
            Some("response.completed")
        );
    }

    #[test]
    fn directives_choose_reasoning_and_a_shell_call() {
        let events = reply_to(&prompt("[reason] list files [shell: ls -la]"));
        let kinds = kinds(&events);
        assert!(kinds.contains(&"response.output_item.done:reasoning".to_owned()));
        let call = events
            .iter()
            .find(|e| e.data["item"]["type"] == "function_call")
            .expect("a call");
        let arguments: Value =
            serde_json::from_str(call.data["item"]["arguments"].as_str().unwrap()).unwrap();
        assert_eq!(arguments["cmd"], "ls -la");
    }

    #[test]
    fn a_tool_output_gets_a_final_answer() {
        let request = json!({"input": [
            {"type": "message", "role": "user", "content": [{"type": "input_text", "text": "[shell: echo hi]"}]},
            {"type": "function_call", "call_id": "c", "name": "exec_command", "arguments": "{}"},
            {"type": "function_call_output", "call_id": "c", "output": "\nhi\n"},
        ]});
        let events = reply_to(&request);
        let done = events
            .iter()
            .find(|e| {
                e.data["type"] == "response.output_item.done" && e.data["item"]["type"] == "message"
            })
            .expect("a message");
        assert_eq!(
            done.data["item"]["content"][0]["text"],
            "The command printed: hi"
        );
    }

    #[test]
    fn the_server_answers_over_http_and_records_the_request() {
        let model = MockModel::start().expect("a server");
        let url = format!("{}/responses", model.base_url());
        let addr = url.trim_start_matches("http://");
        let (host, _) = addr.split_once('/').unwrap();
        let body = prompt("ping").to_string();
        let mut stream = std::net::TcpStream::connect(host).unwrap();
        use std::io::Write;
        write!(
            stream,
            "POST /v1/responses HTTP/1.1\r\nHost: {host}\r\nContent-Type: application/json\r\nContent-Length: {}\r\nConnection: close\r\n\r\n{body}",
            body.len()
        )
        .unwrap();
        let mut reply = String::new();
        stream.read_to_string(&mut reply).unwrap();
        assert!(reply.starts_with("HTTP/1.1 200"), "{reply}");
        assert!(reply.contains("event: response.completed"), "{reply}");
        assert!(reply.contains("Answer to: ping"), "{reply}");
        assert_eq!(model.requests().len(), 1);
    }
}
