//! What a running turn is doing now, from the end of its rollout: the newest tool call since the
//! turn started that has no output yet. Only threads with a turn under way are looked at, and
//! only their last lines are read (backward, a bounded number of bytes).

use std::collections::HashSet;
use std::path::Path;

use serde_json::Value;

use crate::protocol::calls::{command_from_arguments, is_command_tool};
use crate::protocol::time::parse_timestamp;
use crate::protocol::{EventMsg, ResponseItem, RolloutItem, RolloutLine};
use crate::rollout::{LineOffset, RolloutPager};
use crate::store::status::{Activity, ActivityKind};

/// How much of a rollout's end is read to find the running call: a turn's lines since its
/// last call are few, but a call's output can be long.
const ACTIVITY_SCAN_BYTES: u64 = 2 << 20;
const LINES_PER_PAGE: usize = 64;

/// The call the running turn waits on, if any. `None` also when reading fails: the status
/// then says "working" without the detail.
pub(super) fn current_activity(pager: &RolloutPager, path: &Path) -> Option<Activity> {
    let mut answered: HashSet<String> = HashSet::new();
    let mut found: Option<Activity> = None;
    let mut before: Option<LineOffset> = None;
    let mut read = 0u64;
    while read < ACTIVITY_SCAN_BYTES {
        let Ok(page) = pager.read_backward(path, before, LINES_PER_PAGE) else {
            return found;
        };
        read += page.bytes_read.max(1);
        for entry in page.entries.iter().rev() {
            let Ok(line) = &entry.line else { continue };
            if let RolloutItem::TurnContext(context) = &line.item {
                // The turn's settings: an escalated command waits for approval only under a
                // policy that asks (under `never` Codex runs it at once).
                if let Some(activity) = found.as_mut().filter(|a| a.kind == ActivityKind::Approval)
                    && context.approval_policy.as_str() == Some("never")
                {
                    activity.kind = ActivityKind::Command;
                }
                continue;
            }
            if found.is_some() {
                if matches!(line.item, RolloutItem::EventMsg(EventMsg::TaskStarted(_))) {
                    return found;
                }
                continue;
            }
            match step(line, &mut answered) {
                Step::Found(activity) => found = Some(activity),
                Step::TurnStart => return None,
                Step::Continue => {}
            }
        }
        if page.at_start {
            return found;
        }
        before = Some(page.start);
    }
    found
}

enum Step {
    Found(Activity),
    /// The turn's start: every call of it has been seen.
    TurnStart,
    Continue,
}

/// One line, newest first: outputs are met before their calls.
fn step(line: &RolloutLine, answered: &mut HashSet<String>) -> Step {
    let since = || parse_timestamp(&line.timestamp);
    let unanswered = |call_id: &str, answered: &HashSet<String>| !answered.contains(call_id);
    match &line.item {
        RolloutItem::EventMsg(EventMsg::TaskStarted(_)) => Step::TurnStart,
        RolloutItem::ResponseItem(ResponseItem::FunctionCallOutput(output)) => {
            answered.insert(output.call_id.clone());
            Step::Continue
        }
        RolloutItem::ResponseItem(ResponseItem::CustomToolCallOutput(output)) => {
            answered.insert(output.call_id.clone());
            Step::Continue
        }
        RolloutItem::ResponseItem(ResponseItem::FunctionCall(call))
            if unanswered(&call.call_id, answered) =>
        {
            let (kind, label) = function_call_activity(&call.name, &call.arguments);
            Step::Found(Activity {
                kind,
                label,
                since: since(),
            })
        }
        RolloutItem::ResponseItem(ResponseItem::CustomToolCall(call))
            if unanswered(&call.call_id, answered) =>
        {
            Step::Found(Activity {
                kind: ActivityKind::Tool,
                label: call.name.clone(),
                since: since(),
            })
        }
        RolloutItem::ResponseItem(ResponseItem::LocalShellCall(call))
            if call
                .call_id
                .as_deref()
                .is_some_and(|id| unanswered(id, answered)) =>
        {
            Step::Found(Activity {
                kind: ActivityKind::Command,
                label: call.command(),
                since: since(),
            })
        }
        _ => Step::Continue,
    }
}

/// Tool names by which the agent asks the user something and waits for the answer.
const QUESTION_TOOLS: [&str; 2] = ["request_user_input", "ask_user"];

fn function_call_activity(name: &str, arguments: &str) -> (ActivityKind, String) {
    let args: Value = serde_json::from_str(arguments).unwrap_or(Value::Null);
    if is_command_tool(name) {
        let command = command_from_arguments(&args);
        // A command that asks to leave the sandbox waits for the user's approval first.
        let escalated =
            args.get("sandbox_permissions").and_then(Value::as_str) == Some("require_escalated");
        let kind = if escalated {
            ActivityKind::Approval
        } else {
            ActivityKind::Command
        };
        return (kind, command);
    }
    if QUESTION_TOOLS.contains(&name) {
        let question = ["question", "prompt", "message"]
            .iter()
            .find_map(|key| args.get(key).and_then(Value::as_str))
            .map_or_else(|| name.to_string(), str::to_owned);
        return (ActivityKind::Question, question);
    }
    (ActivityKind::Tool, name.to_string())
}

#[cfg(test)]
mod tests {
    use super::*;
    use std::io::Write;

    fn line(payload: serde_json::Value, kind: &str, at: &str) -> String {
        format!(
            "{}\n",
            serde_json::json!({"timestamp": at, "type": kind, "payload": payload})
        )
    }

    fn activity_of(lines: &[String]) -> Option<Activity> {
        let dir = tempfile::TempDir::new().unwrap();
        let path = dir.path().join("rollout.jsonl");
        let mut file = std::fs::File::create(&path).unwrap();
        for line in lines {
            file.write_all(line.as_bytes()).unwrap();
        }
        current_activity(&RolloutPager::default(), &path)
    }

    fn started() -> String {
        line(
            serde_json::json!({"type": "task_started", "turn_id": "t"}),
            "event_msg",
            "2026-12-01T10:00:00.000Z",
        )
    }

    fn call(call_id: &str, args: serde_json::Value, at: &str) -> String {
        line(
            serde_json::json!({"type": "function_call", "name": "exec_command",
                "arguments": args.to_string(), "call_id": call_id}),
            "response_item",
            at,
        )
    }

    fn output(call_id: &str) -> String {
        line(
            serde_json::json!({"type": "function_call_output", "call_id": call_id, "output": "ok"}),
            "response_item",
            "2026-12-01T10:00:02.000Z",
        )
    }

    #[test]
    fn the_newest_unanswered_call_of_the_turn_is_what_it_does() {
        let lines = [
            started(),
            call(
                "c1",
                serde_json::json!({"cmd": "ls"}),
                "2026-12-01T10:00:01.000Z",
            ),
            output("c1"),
            call(
                "c2",
                serde_json::json!({"cmd": "cargo build"}),
                "2026-12-01T10:00:03.000Z",
            ),
        ];
        let activity = activity_of(&lines).unwrap();
        assert_eq!(activity.kind, ActivityKind::Command);
        assert_eq!(activity.label, "cargo build");
        assert_eq!(activity.since, parse_timestamp("2026-12-01T10:00:03.000Z"));
    }

    #[test]
    fn answered_calls_and_calls_of_earlier_turns_are_not_activity() {
        let answered = [
            started(),
            call(
                "c1",
                serde_json::json!({"cmd": "ls"}),
                "2026-12-01T10:00:01.000Z",
            ),
            output("c1"),
        ];
        assert_eq!(activity_of(&answered), None);
        let earlier_turn = [
            call(
                "c0",
                serde_json::json!({"cmd": "ls"}),
                "2026-12-01T09:00:01.000Z",
            ),
            started(),
        ];
        assert_eq!(activity_of(&earlier_turn), None);
    }

    fn turn_context(policy: &str) -> String {
        line(
            serde_json::json!({"cwd": "/w", "approval_policy": policy, "model": "m"}),
            "turn_context",
            "2026-12-01T10:00:00.500Z",
        )
    }

    #[test]
    fn an_escalated_command_runs_at_once_when_the_turn_never_asks() {
        let lines = [
            started(),
            turn_context("never"),
            call(
                "c1",
                serde_json::json!({"cmd": "make", "sandbox_permissions": "require_escalated"}),
                "2026-12-01T10:00:01.000Z",
            ),
        ];
        assert_eq!(activity_of(&lines).unwrap().kind, ActivityKind::Command);
    }

    #[test]
    fn an_escalated_command_waits_for_approval() {
        let lines = [
            started(),
            turn_context("on-request"),
            call(
                "c1",
                serde_json::json!({"cmd": "rm -rf build", "sandbox_permissions": "require_escalated",
                    "justification": "clean"}),
                "2026-12-01T10:00:01.000Z",
            ),
        ];
        let activity = activity_of(&lines).unwrap();
        assert_eq!(activity.kind, ActivityKind::Approval);
        assert!(activity.kind.waits_on_user());
        assert_eq!(activity.label, "rm -rf build");
    }
}
