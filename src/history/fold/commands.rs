//! Commands: a call, its output (in any of the shapes Codex has written) and Codex's own
//! record of the run, merged into one item with its exit code and duration.

use serde_json::Value;

use super::Transcript;
use crate::history::{CommandOutcome, ItemKind, TranscriptItem};
use crate::protocol::CommandExecutionItem;
use crate::protocol::calls::command_text;
use crate::store::HistoryCursor;

/// The exit code and output of a command, from any of the output shapes Codex has written:
/// a JSON object `{"output", "metadata": {"exit_code"}}`, or text with header lines
/// (`Exit code: 0`, `Process exited with code 101`, `Wall time: …`, `Output:`).
pub fn parse_exec_output(text: &str) -> CommandOutcome {
    if let Ok(Value::Object(map)) = serde_json::from_str::<Value>(text)
        && let Some(output) = map.get("output").and_then(Value::as_str)
    {
        let exit_code = map
            .get("metadata")
            .and_then(|meta| meta.get("exit_code"))
            .and_then(Value::as_i64)
            .and_then(|code| i32::try_from(code).ok());
        let duration_ms = map
            .get("metadata")
            .and_then(|meta| meta.get("duration_seconds"))
            .and_then(Value::as_f64)
            .and_then(seconds_to_ms);
        return CommandOutcome {
            exit_code,
            duration_ms,
            output: output.to_string(),
        };
    }
    let mut exit_code = None;
    let mut duration_ms = None;
    let mut body_start = 0;
    let mut offset = 0;
    for line in text.split_inclusive('\n') {
        let trimmed = line.trim();
        let header = if let Some(code) = trimmed
            .strip_prefix("Process exited with code ")
            .or_else(|| trimmed.strip_prefix("Exit code:"))
        {
            exit_code = code.trim().parse::<i32>().ok().or(exit_code);
            true
        } else if let Some(wall) = trimmed.strip_prefix("Wall time:") {
            duration_ms = duration_ms.or_else(|| wall_time_ms(wall));
            true
        } else {
            [
                "Chunk ID:",
                "Original token count:",
                "Total output lines:",
                "Process running with session ID",
            ]
            .iter()
            .any(|prefix| trimmed.starts_with(prefix))
        };
        offset += line.len();
        if trimmed == "Output:" {
            body_start = offset;
            break;
        }
        if !header {
            break;
        }
        body_start = offset;
    }
    CommandOutcome {
        exit_code,
        duration_ms,
        output: text.get(body_start..).unwrap_or_default().to_string(),
    }
}

/// The times an `item_completed` event carries beside its item.
#[derive(Clone, Copy, Debug, Default)]
pub(super) struct ItemTimes {
    pub(super) started_at_ms: Option<i64>,
    pub(super) completed_at_ms: Option<i64>,
}

/// One command's outcome from two records of it (Codex's record of the run and the output the
/// model was sent, in either order). The newer output text is kept; for the exit code and
/// duration, a record of the run (`authoritative`) wins over an output's header, and a value
/// one of them lacks is taken from the other.
pub(super) fn merge_outcomes(
    old: Option<CommandOutcome>,
    new: CommandOutcome,
    authoritative: bool,
) -> CommandOutcome {
    let Some(old) = old else {
        return new;
    };
    fn pick<T>(old: Option<T>, new: Option<T>, new_wins: bool) -> Option<T> {
        if new_wins { new.or(old) } else { old.or(new) }
    }
    CommandOutcome {
        exit_code: pick(old.exit_code, new.exit_code, authoritative),
        duration_ms: pick(old.duration_ms, new.duration_ms, authoritative),
        output: new.output,
    }
}

/// A Rust `Duration` as serde writes it (`{"secs": 0, "nanos": 360744856}`), in milliseconds.
pub(super) fn duration_ms(value: &Value) -> Option<i64> {
    let secs = value.get("secs")?.as_u64()?;
    let nanos = value.get("nanos").and_then(Value::as_u64).unwrap_or(0);
    let ms = u128::from(secs) * 1000 + u128::from(nanos) / 1_000_000;
    i64::try_from(ms).ok()
}

/// `0.1403 seconds`, `0 seconds`, `1s`, `2.5 sec`: the value of an output's `Wall time:`.
fn wall_time_ms(text: &str) -> Option<i64> {
    let text = text.trim();
    let number = ["seconds", "second", "secs", "sec", "s"]
        .iter()
        .find_map(|unit| text.strip_suffix(unit))
        .unwrap_or(text)
        .trim();
    seconds_to_ms(number.parse::<f64>().ok()?)
}

fn seconds_to_ms(seconds: f64) -> Option<i64> {
    let ms = (seconds * 1000.0).round();
    (ms.is_finite() && (0.0..9.0e15).contains(&ms)).then_some(ms as i64)
}

impl Transcript {
    /// Gives a command call the outcome Codex recorded for its run (an end event, a
    /// `CommandExecution` item), or adds the command when its call was not seen. What Codex
    /// measured wins over what an output's header said.
    pub(super) fn complete_command(
        &mut self,
        cursor: HistoryCursor,
        call_id: &str,
        command: &Value,
        started: Option<i64>,
        outcome: CommandOutcome,
    ) {
        match self.call_mut(call_id) {
            Some((
                index,
                ItemKind::Command {
                    outcome: slot,
                    started_at_ms,
                    ..
                },
            )) => {
                *started_at_ms = started.or(*started_at_ms);
                *slot = Some(merge_outcomes(slot.take(), outcome, true));
                self.touched.push(index);
            }
            // A patch sent through the shell tool: Codex applied it as a file change.
            Some((_, ItemKind::Patch { .. })) => {}
            _ => {
                let started_at_ms = started.or_else(|| {
                    let (end, duration) = (self.line_ms?, outcome.duration_ms?);
                    Some(end - duration)
                });
                self.add(
                    cursor,
                    ItemKind::Command {
                        call_id: call_id.to_string(),
                        command: command_text(command),
                        started_at_ms,
                        outcome: Some(outcome),
                        turn_ended: false,
                    },
                )
            }
        }
    }

    /// Marks the commands of the turn that just ended (or was followed by a new one) that
    /// never got output: they are not running.
    pub(super) fn end_open_commands(&mut self) {
        for index in std::mem::take(&mut self.open_commands) {
            if let Some(TranscriptItem {
                kind:
                    ItemKind::Command {
                        outcome: None,
                        turn_ended,
                        ..
                    },
                ..
            }) = self.items.get_mut(index)
            {
                *turn_ended = true;
                self.touched.push(index);
            }
        }
    }

    /// A paginated rollout's record of a command's run: its start, duration and exit code.
    pub(super) fn completed_command(
        &mut self,
        cursor: HistoryCursor,
        command: &CommandExecutionItem,
        times: ItemTimes,
    ) {
        let measured = match (times.started_at_ms, times.completed_at_ms) {
            (Some(start), Some(end)) if end >= start => Some(end - start),
            _ => None,
        };
        let outcome = CommandOutcome {
            exit_code: command.exit_code,
            duration_ms: command
                .extra
                .get("duration")
                .and_then(duration_ms)
                .or(measured),
            output: command.aggregated_output.clone().unwrap_or_default(),
        };
        let started = times.started_at_ms;
        self.complete_command(cursor, &command.id, &command.command, started, outcome);
    }
}
