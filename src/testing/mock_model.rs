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
//! * `[slow]` streams the answer in small pieces, 300 ms apart (about 3 s in all);
//! * `[shell-long: CMD]` runs `CMD` like `[shell: ...]`, but asks Codex to wait up to 30 s for
//!   it (`yield_time_ms`), so a command that blocks (on a [`Gate`], say) keeps the turn busy
//!   running it;
//! * `[escalate: CMD]` asks to run `CMD` outside the sandbox (`"sandbox_permissions":
//!   "require_escalated"` with a `justification`); under an approval policy that asks
//!   (`on-request`, `untrusted`) and a sandbox (`workspace-write`), Codex waits for an approval;
//! * `[ask]` or `[ask: QUESTION]` calls `request_user_input` with one question and two options
//!   (Codex offers the tool in Plan mode only: elsewhere the call gets an error as its output);
//! * `[hold]` or `[hold: NAME]` opens the answer's stream (`response.created`) and then waits
//!   until the test calls [`MockModel::release`] with `NAME` (or [`MockModel::release_all`]);
//!   the rest of the prompt's directives apply after it. [`MockModel::wait_for_hold`] tells when
//!   Codex is waiting on it;
//! * `[fail]` answers HTTP 500 with a JSON error, `[fail: CODE]` that HTTP status, and
//!   `[fail: stream]` a stream that ends in `response.failed`. With `request_max_retries = 0`
//!   and `stream_max_retries = 0` (see `codex::write_config`) Codex ends the turn failed.
//!
//! A directive's argument ends at the first `]`, so a command cannot hold one (write `test`
//! for `[ ... ]`). Directives act on the user's prompt only; the request that carries a tool's output gets a
//! plain answer quoting that output.
//!
//! Any other prompt gets the answer `Answer to: <prompt>`.

use std::collections::{HashMap, HashSet};
use std::io::{self, Write};
use std::net::SocketAddr;
use std::sync::{Arc, Condvar, Mutex, MutexGuard};
use std::thread::JoinHandle;
use std::time::{Duration, Instant};

use serde_json::{Value, json};

/// The delay between the pieces of a `[slow]` answer.
const SLOW_PIECE_DELAY: Duration = Duration::from_millis(300);
const SLOW_PIECES: usize = 10;

/// How long `[shell-long: ...]` asks Codex to wait for the command (the most it allows).
const LONG_YIELD_MS: u64 = 30_000;

/// The justification an `[escalate: ...]` call gives.
pub const ESCALATION_JUSTIFICATION: &str = "The test asks to run this outside the sandbox.";

pub struct MockModel {
    server: Arc<tiny_http::Server>,
    addr: SocketAddr,
    requests: Arc<Mutex<Vec<Value>>>,
    holds: Arc<Holds>,
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
        let holds = Arc::new(Holds::default());
        let worker = {
            let (server, requests, holds) = (server.clone(), requests.clone(), holds.clone());
            std::thread::spawn(move || serve(&server, &requests, &holds))
        };
        Ok(Self {
            server,
            addr,
            requests,
            holds,
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

    /// Lets the answers held by `[hold: NAME]` go on, now and from now on (a hold that `NAME`
    /// reaches later does not wait). `[hold]` without a name is `NAME` "".
    pub fn release(&self, name: &str) {
        let mut state = self.holds.lock();
        state.released.insert(name.to_owned());
        self.holds.changed.notify_all();
    }

    /// Lets every hold go on, now and from now on.
    pub fn release_all(&self) {
        let mut state = self.holds.lock();
        state.all_released = true;
        self.holds.changed.notify_all();
    }

    /// Whether an answer is waiting now at `[hold: NAME]`.
    pub fn is_holding(&self, name: &str) -> bool {
        self.holds.lock().waiting.get(name).is_some_and(|n| *n > 0)
    }

    /// Waits until an answer waits at `[hold: NAME]` (Codex has sent the request and got the
    /// stream's first event), for at most `timeout`.
    pub fn wait_for_hold(&self, name: &str, timeout: Duration) -> io::Result<()> {
        let deadline = Instant::now() + timeout;
        let mut state = self.holds.lock();
        loop {
            if state.waiting.get(name).is_some_and(|n| *n > 0) {
                return Ok(());
            }
            let left = deadline.saturating_duration_since(Instant::now());
            if left.is_zero() {
                return Err(io::Error::new(
                    io::ErrorKind::TimedOut,
                    format!("no answer reached [hold: {name}] in time"),
                ));
            }
            state = match self.holds.changed.wait_timeout(state, left) {
                Ok((state, _)) => state,
                Err(poisoned) => poisoned.into_inner().0,
            };
        }
    }
}

impl Drop for MockModel {
    fn drop(&mut self) {
        self.release_all();
        self.server.unblock();
        if let Some(worker) = self.worker.take() {
            let _ = worker.join();
        }
    }
}

/// The `[hold: NAME]` gates: which names are released and which are being waited at.
#[derive(Default)]
struct Holds {
    state: Mutex<HoldState>,
    changed: Condvar,
}

#[derive(Default)]
struct HoldState {
    released: HashSet<String>,
    all_released: bool,
    /// How many answers wait at each name now.
    waiting: HashMap<String, usize>,
}

impl Holds {
    fn lock(&self) -> MutexGuard<'_, HoldState> {
        self.state.lock().unwrap_or_else(|p| p.into_inner())
    }

    /// Blocks until `name` is released.
    fn pass(&self, name: &str) {
        let mut state = self.lock();
        *state.waiting.entry(name.to_owned()).or_default() += 1;
        self.changed.notify_all();
        while !state.all_released && !state.released.contains(name) {
            state = self.changed.wait(state).unwrap_or_else(|p| p.into_inner());
        }
        if let Some(n) = state.waiting.get_mut(name) {
            *n -= 1;
        }
        self.changed.notify_all();
    }
}

fn serve(server: &tiny_http::Server, requests: &Mutex<Vec<Value>>, holds: &Arc<Holds>) {
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
        match reply_to(&body) {
            Reply::Error { status, body } => {
                let header = tiny_http::Header::from_bytes("Content-Type", "application/json")
                    .expect("a valid header");
                let response = tiny_http::Response::from_string(body.to_string())
                    .with_status_code(status)
                    .with_header(header);
                let _ = request.respond(response);
            }
            Reply::Stream(events) => {
                // Answered on a thread of its own so that a slow or held stream does not hold
                // up other requests.
                let holds = holds.clone();
                std::thread::spawn(move || {
                    let _ = stream_events(request.into_writer(), events, &holds);
                });
            }
        }
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

/// One server-sent event, how long to wait before sending it, and the hold it waits at first.
struct Event {
    delay: Duration,
    hold: Option<String>,
    data: Value,
}

impl Event {
    fn now(data: Value) -> Self {
        Self {
            delay: Duration::ZERO,
            hold: None,
            data,
        }
    }
}

/// What the model answers one request: a stream of events, or an HTTP error.
enum Reply {
    Stream(Vec<Event>),
    Error { status: u16, body: Value },
}

/// What the model says to one request.
fn reply_to(request: &Value) -> Reply {
    let input = request["input"].as_array().cloned().unwrap_or_default();
    let tools = request["tools"].as_array().cloned().unwrap_or_default();
    let mut output = Outputs::default();
    match last_turn_input(&input) {
        TurnInput::ToolOutput { tool, text } => {
            // Newer releases put a header before the command's own output.
            let printed = text
                .split_once("Output:\n")
                .map_or(text.as_str(), |(_, out)| out);
            let first_line = printed.lines().find(|l| !l.trim().is_empty()).unwrap_or("");
            let answer = match tool.as_deref() {
                None | Some("exec_command" | "shell_command" | "shell") => {
                    format!("The command printed: {}", first_line.trim())
                }
                Some(tool) => format!("The tool {tool} returned: {}", first_line.trim()),
            };
            output.message(&answer, false);
        }
        TurnInput::Prompt(prompt) => {
            if let Some(fail) = directive_or_flag(&prompt, "fail") {
                if fail != "stream" {
                    let status = fail.parse().unwrap_or(500);
                    return Reply::Error {
                        status,
                        body: json!({"error": {
                            "message": format!("mock model failure (HTTP {status})"),
                            "type": "server_error",
                        }}),
                    };
                }
                output.failed = true;
            }
            output.hold = directive_or_flag(&prompt, "hold").map(str::to_owned);
            if output.failed {
                return Reply::Stream(output.finish());
            }
            if prompt.contains("[reason]") {
                output.reasoning(&format!("Thinking about: {}", strip_directives(&prompt)));
            }
            if let Some(command) = directive(&prompt, "shell") {
                output.shell_call(&tools, command, json!({}));
            } else if let Some(command) = directive(&prompt, "shell-long") {
                output.shell_call(&tools, command, json!({"yield_time_ms": LONG_YIELD_MS}));
            } else if let Some(command) = directive(&prompt, "escalate") {
                let escalation = json!({
                    "sandbox_permissions": "require_escalated",
                    "justification": ESCALATION_JUSTIFICATION,
                });
                output.shell_call(&tools, command, escalation);
            } else if let Some(question) = directive_or_flag(&prompt, "ask") {
                let question = if question.is_empty() {
                    "Which one?"
                } else {
                    question
                };
                output.ask(question);
            } else if let Some(spec) = directive(&prompt, "patch") {
                let (file, text) = spec.split_once(':').unwrap_or((spec, "hello"));
                output.shell_call(
                    &tools,
                    &apply_patch_command(file.trim(), text.trim()),
                    json!({}),
                );
            } else {
                let answer = format!("Answer to: {}", strip_directives(&prompt));
                output.message(&answer, prompt.contains("[slow]"));
            }
        }
    }
    Reply::Stream(output.finish())
}

enum TurnInput {
    Prompt(String),
    /// A tool's output, with the name of the call it answers when the input has that call.
    ToolOutput {
        tool: Option<String>,
        text: String,
    },
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
                let tool = input
                    .iter()
                    .find(|call| {
                        call["call_id"] == item["call_id"]
                            && matches!(
                                call["type"].as_str(),
                                Some("function_call" | "custom_tool_call")
                            )
                    })
                    .and_then(|call| call["name"].as_str())
                    .map(str::to_owned);
                return TurnInput::ToolOutput { tool, text };
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

/// The argument of `[name: ARG]`, or "" for a bare `[name]`.
fn directive_or_flag<'a>(prompt: &'a str, name: &str) -> Option<&'a str> {
    if prompt.contains(&format!("[{name}]")) {
        return Some("");
    }
    directive(prompt, name)
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
    /// The name of the hold the stream waits at after `response.created`.
    hold: Option<String>,
    /// Whether the stream ends in `response.failed` instead of `response.completed`.
    failed: bool,
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
                hold: None,
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

    /// A call of whichever shell tool the request offers; `extra` arguments (such as
    /// `sandbox_permissions`) go to `exec_command` and `shell_command`.
    fn shell_call(&mut self, tools: &[Value], command: &str, extra: Value) {
        let names: Vec<&str> = tools.iter().filter_map(|t| t["name"].as_str()).collect();
        let (name, mut arguments) = if names.contains(&"exec_command") || names.is_empty() {
            ("exec_command", json!({"cmd": command}))
        } else if names.contains(&"shell_command") {
            ("shell_command", json!({"command": command}))
        } else {
            ("shell", json!({"command": ["bash", "-lc", command]}))
        };
        if name != "shell"
            && let (Some(arguments), Some(extra)) = (arguments.as_object_mut(), extra.as_object())
        {
            arguments.extend(extra.clone());
        }
        self.function_call(name, arguments);
    }

    /// A `request_user_input` call with one question and two options.
    fn ask(&mut self, question: &str) {
        let arguments = json!({"questions": [{
            "id": "mock_choice",
            "header": "Choice",
            "question": question,
            "options": [
                {"label": "Yes (Recommended)", "description": "Go on as planned."},
                {"label": "No", "description": "Stop here."},
            ],
        }]});
        self.function_call("request_user_input", arguments);
    }

    fn function_call(&mut self, name: &str, arguments: Value) {
        let call_id = self.next_id("call");
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
        if self.failed {
            events.push(Event::now(json!({
                "type": "response.failed",
                "response": {
                    "id": "resp_mock",
                    "error": {"code": "server_error", "message": "mock model failure (stream)"},
                },
            })));
        } else {
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
        }
        if let Some(hold) = self.hold {
            events[1].hold = Some(hold);
        }
        events
    }
}

/// Sends `events` as a chunked `text/event-stream` response, each event flushed as soon as it
/// is due (a slow answer really arrives slowly), waiting at a hold until it is released.
fn stream_events(mut out: impl Write, events: Vec<Event>, holds: &Holds) -> io::Result<()> {
    out.write_all(
        b"HTTP/1.1 200 OK\r\nContent-Type: text/event-stream\r\nCache-Control: no-cache\r\n\
          Transfer-Encoding: chunked\r\n\r\n",
    )?;
    out.flush()?;
    for event in events {
        if let Some(hold) = &event.hold {
            holds.pass(hold);
        }
        std::thread::sleep(event.delay);
        let kind = event.data["type"].as_str().unwrap_or("message");
        let text = format!("event: {kind}\ndata: {}\n\n", event.data);
        write!(out, "{:x}\r\n{text}\r\n", text.len())?;
        out.flush()?;
    }
    out.write_all(b"0\r\n\r\n")?;
    out.flush()
}

#[cfg(test)]
mod tests {
    use super::*;
    use std::io::Read;

    fn prompt(text: &str) -> Value {
        json!({"input": [
            {"type": "message", "role": "user", "content": [{"type": "input_text", "text": "<environment_context>x</environment_context>"}]},
            {"type": "message", "role": "user", "content": [{"type": "input_text", "text": text}]},
        ], "tools": [{"type": "function", "name": "exec_command"}]})
    }

    fn events(reply: Reply) -> Vec<Event> {
        match reply {
            Reply::Stream(events) => events,
            Reply::Error { status, .. } => panic!("an HTTP {status} instead of a stream"),
        }
    }

    fn call_arguments(events: &[Event]) -> (String, Value) {
        let call = events
            .iter()
            .find(|e| e.data["item"]["type"] == "function_call")
            .expect("a call");
        let item = &call.data["item"];
        let arguments = serde_json::from_str(item["arguments"].as_str().unwrap()).unwrap();
        (item["name"].as_str().unwrap().to_owned(), arguments)
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
        let events = events(reply_to(&prompt("hello there")));
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
        let events = events(reply_to(&prompt("[reason] list files [shell: ls -la]")));
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
        let events = events(reply_to(&request));
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
    fn escalate_long_shell_and_ask_make_their_calls() {
        let (name, arguments) = call_arguments(&events(reply_to(&prompt("[escalate: touch x]"))));
        assert_eq!(name, "exec_command");
        assert_eq!(arguments["cmd"], "touch x");
        assert_eq!(arguments["sandbox_permissions"], "require_escalated");
        assert_eq!(arguments["justification"], ESCALATION_JUSTIFICATION);

        let (_, arguments) = call_arguments(&events(reply_to(&prompt("[shell-long: sleep 9]"))));
        assert_eq!(arguments["cmd"], "sleep 9");
        assert_eq!(arguments["yield_time_ms"], LONG_YIELD_MS);

        let (name, arguments) = call_arguments(&events(reply_to(&prompt("[ask: Go on?]"))));
        assert_eq!(name, "request_user_input");
        assert_eq!(arguments["questions"][0]["question"], "Go on?");
        let (_, arguments) = call_arguments(&events(reply_to(&prompt("[ask]"))));
        assert_eq!(arguments["questions"][0]["question"], "Which one?");
    }

    #[test]
    fn failures_are_an_http_status_or_a_failed_stream() {
        match reply_to(&prompt("[fail]")) {
            Reply::Error { status, .. } => assert_eq!(status, 500),
            Reply::Stream(_) => panic!("a stream"),
        }
        match reply_to(&prompt("[fail: 429]")) {
            Reply::Error { status, .. } => assert_eq!(status, 429),
            Reply::Stream(_) => panic!("a stream"),
        }
        let kinds = kinds(&events(reply_to(&prompt("[fail: stream]"))));
        assert_eq!(kinds, ["response.created", "response.failed"]);
    }

    #[test]
    fn a_tool_output_other_than_a_command_is_named() {
        let request = json!({"input": [
            {"type": "message", "role": "user", "content": [{"type": "input_text", "text": "[ask]"}]},
            {"type": "function_call", "call_id": "c", "name": "request_user_input", "arguments": "{}"},
            {"type": "function_call_output", "call_id": "c", "output": "{\"answers\":{}}"},
        ]});
        let events = events(reply_to(&request));
        let done = events
            .iter()
            .find(|e| {
                e.data["type"] == "response.output_item.done" && e.data["item"]["type"] == "message"
            })
            .expect("a message");
        assert_eq!(
            done.data["item"]["content"][0]["text"],
            "The tool request_user_input returned: {\"answers\":{}}"
        );
    }

    /// Posts `text` as a prompt to the server, returning the raw reply once the server ends it.
    fn post(model: &MockModel, text: &str) -> String {
        let url = format!("{}/responses", model.base_url());
        let addr = url.trim_start_matches("http://");
        let (host, _) = addr.split_once('/').unwrap();
        let body = prompt(text).to_string();
        let mut stream = std::net::TcpStream::connect(host).unwrap();
        write!(
            stream,
            "POST /v1/responses HTTP/1.1\r\nHost: {host}\r\nContent-Type: application/json\r\nContent-Length: {}\r\nConnection: close\r\n\r\n{body}",
            body.len()
        )
        .unwrap();
        let mut reply = String::new();
        stream.read_to_string(&mut reply).unwrap();
        reply
    }

    #[test]
    fn a_held_answer_waits_for_its_release() {
        let model = MockModel::start().expect("a server");
        let reply = std::thread::scope(|scope| {
            let reply = scope.spawn(|| post(&model, "[hold: first] hi"));
            model
                .wait_for_hold("first", Duration::from_secs(10))
                .expect("the answer reaches its hold");
            assert!(model.is_holding("first"));
            assert!(!model.is_holding("other"));
            model.release("first");
            reply.join().unwrap()
        });
        assert!(reply.contains("Answer to: hi"), "{reply}");
        assert!(!model.is_holding("first"));
        // Released for good: a later hold of the same name passes.
        assert!(post(&model, "[hold: first] again").contains("Answer to: again"));
    }

    #[test]
    fn an_http_failure_reaches_the_client() {
        let model = MockModel::start().expect("a server");
        let reply = post(&model, "[fail]");
        assert!(reply.starts_with("HTTP/1.1 500"), "{reply}");
    }

    #[test]
    fn the_server_answers_over_http_and_records_the_request() {
        let model = MockModel::start().expect("a server");
        let reply = post(&model, "ping");
        assert!(reply.starts_with("HTTP/1.1 200"), "{reply}");
        assert!(reply.contains("event: response.completed"), "{reply}");
        assert!(reply.contains("Answer to: ping"), "{reply}");
        assert_eq!(model.requests().len(), 1);
    }
}
