//! What a tool call in a rollout asks for: whether it runs a shell command, and which one.
//! The history model and the thread status both read calls through these.

use serde_json::Value;

/// Tool names that run a shell command.
const COMMAND_TOOLS: [&str; 6] = [
    "exec_command",
    "shell",
    "shell_command",
    "container.exec",
    "local_shell",
    "unified_exec",
];

/// Whether a function call of this name runs a shell command.
pub fn is_command_tool(name: &str) -> bool {
    COMMAND_TOOLS.contains(&name)
}

/// `{"cmd": "..."}`, `{"command": "..."}` or `{"command": ["bash", "-lc", "..."]}`.
pub fn command_from_arguments(args: &Value) -> String {
    match args {
        Value::Object(map) => map
            .get("cmd")
            .or_else(|| map.get("command"))
            .map(command_text)
            .unwrap_or_else(|| compact_json(args)),
        Value::String(text) => text.clone(),
        other => compact_json(other),
    }
}

/// A command as a string or an argv array; `sh -lc <script>` shows the script.
pub fn command_text(command: &Value) -> String {
    match command {
        Value::String(text) => text.clone(),
        Value::Array(parts) => {
            let parts: Vec<&str> = parts.iter().filter_map(Value::as_str).collect();
            match parts.as_slice() {
                [shell, flag, script] if is_shell(shell) && flag.starts_with('-') => {
                    script.to_string()
                }
                _ => parts
                    .iter()
                    .map(|part| {
                        if part.contains(char::is_whitespace) {
                            format!("'{part}'")
                        } else {
                            part.to_string()
                        }
                    })
                    .collect::<Vec<_>>()
                    .join(" "),
            }
        }
        other => compact_json(other),
    }
}

fn is_shell(program: &str) -> bool {
    let name = program.rsplit('/').next().unwrap_or(program);
    matches!(name, "bash" | "sh" | "zsh" | "dash" | "fish")
}

/// A JSON value as one line of text: strings as they are, null as nothing.
pub fn compact_json(value: &Value) -> String {
    match value {
        Value::Null => String::new(),
        Value::String(text) => text.clone(),
        other => other.to_string(),
    }
}
