//! Moves the bundled demo home through time, so that it reads as a user's own home would: its
//! newest line written minutes ago, the rest over the weeks before. Every date the files hold
//! moves by the same whole number of seconds: line and metadata timestamps, `current_date`,
//! epoch times in `*_at` fields, and the date in each rollout's file name and day directories.

use chrono::{DateTime, Duration, NaiveDate, NaiveDateTime, Utc};
use serde_json::Value;

/// `YYYY-MM-DDTHH:MM:SS`, the part of an RFC 3339 time a shift by whole seconds changes.
const DATE_TIME_LEN: usize = 19;
const NAIVE_DATE_TIME: &str = "%Y-%m-%dT%H:%M:%S";
/// The same moment as rollout file names spell it.
const FILE_NAME_DATE_TIME: &str = "%Y-%m-%dT%H-%M-%S";
const DATE: &str = "%Y-%m-%d";

/// Epoch times in seconds and in milliseconds, told apart by size (2001 to 2286).
const EPOCH_SECONDS: std::ops::Range<i64> = 1_000_000_000..10_000_000_000;
const EPOCH_MILLIS: std::ops::Range<i64> = 1_000_000_000_000..10_000_000_000_000;

#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub(super) struct DateShift {
    seconds: i64,
}

impl DateShift {
    /// The shift that moves `newest` to `target`, in whole seconds (fractions stay as written).
    pub(super) fn moving(newest: DateTime<Utc>, target: DateTime<Utc>) -> Self {
        DateShift {
            seconds: (target - newest).num_seconds(),
        }
    }

    fn duration(self) -> Duration {
        Duration::seconds(self.seconds)
    }

    /// One line of a rollout or of `session_index.jsonl`; a line that is not JSON (the demo
    /// has a deliberately broken one) is left as it is.
    pub(super) fn line(self, line: &str) -> String {
        match serde_json::from_str::<Value>(line) {
            Ok(mut value) => {
                self.value(None, &mut value);
                serde_json::to_string(&value).unwrap_or_else(|_| line.to_string())
            }
            Err(_) => line.to_string(),
        }
    }

    fn value(self, key: Option<&str>, value: &mut Value) {
        match value {
            Value::String(text) => {
                if let Some(moved) = self.text(text) {
                    *text = moved;
                }
            }
            Value::Number(number) if key.is_some_and(|key| key.ends_with("_at")) => {
                if let Some(moved) = number.as_i64().and_then(|n| self.epoch(n)) {
                    *value = Value::from(moved);
                }
            }
            Value::Array(items) => items.iter_mut().for_each(|item| self.value(None, item)),
            Value::Object(fields) => fields
                .iter_mut()
                .for_each(|(key, item)| self.value(Some(key), item)),
            _ => {}
        }
    }

    /// An RFC 3339 time or a bare date; `None` for any other text.
    fn text(self, text: &str) -> Option<String> {
        if text.len() == DATE.len() + 2 {
            let date = NaiveDate::parse_from_str(text, DATE).ok()?;
            // A day moves as its noon does.
            let noon = date.and_hms_opt(12, 0, 0)? + self.duration();
            return Some(noon.format(DATE).to_string());
        }
        DateTime::parse_from_rfc3339(text).ok()?;
        let (date_time, rest) = text.split_at_checked(DATE_TIME_LEN)?;
        let moved =
            NaiveDateTime::parse_from_str(date_time, NAIVE_DATE_TIME).ok()? + self.duration();
        Some(format!("{}{rest}", moved.format(NAIVE_DATE_TIME)))
    }

    fn epoch(self, n: i64) -> Option<i64> {
        if EPOCH_SECONDS.contains(&n) {
            n.checked_add(self.seconds)
        } else if EPOCH_MILLIS.contains(&n) {
            n.checked_add(self.seconds.checked_mul(1000)?)
        } else {
            None
        }
    }

    /// A file's path in the home: a rollout's name carries its start time, and its day
    /// directories (`sessions/YYYY/MM/DD/`) follow that date.
    pub(super) fn relative_path(self, path: &str) -> String {
        let (dir, name) = path.rsplit_once('/').unwrap_or(("", path));
        let Some(stamp) = name
            .strip_prefix("rollout-")
            .and_then(|rest| rest.get(..DATE_TIME_LEN))
        else {
            return path.to_string();
        };
        let Ok(start) = NaiveDateTime::parse_from_str(stamp, FILE_NAME_DATE_TIME) else {
            return path.to_string();
        };
        let moved = start + self.duration();
        let name = format!(
            "rollout-{}{}",
            moved.format(FILE_NAME_DATE_TIME),
            &name["rollout-".len() + DATE_TIME_LEN..]
        );
        match dir.strip_prefix("sessions/") {
            Some(_) => format!("sessions/{}/{name}", moved.format("%Y/%m/%d")),
            None if dir.is_empty() => name,
            None => format!("{dir}/{name}"),
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn shift() -> DateShift {
        let from = "2026-05-15T12:00:00Z".parse().unwrap();
        let to = "2026-12-07T18:30:00.750Z".parse().unwrap();
        DateShift::moving(from, to)
    }

    #[test]
    fn times_dates_and_epochs_move_together_and_fractions_stay() {
        let line = r#"{"timestamp":"2026-05-15T10:41:06.402Z","payload":{"current_date":"2026-05-15","started_at":1778841666,"updated_ms_at":1778841666000,"count_at":3,"text":"2026-05-15 is not a time","nested":[{"at":"2026-05-14T23:59:59.123456789+02:00"}]}}"#;
        let moved = shift().line(line);
        let expected = r#"{"timestamp":"2026-12-07T17:11:06.402Z","payload":{"current_date":"2026-12-07","started_at":1796663466,"updated_ms_at":1796663466000,"count_at":3,"text":"2026-05-15 is not a time","nested":[{"at":"2026-12-07T06:29:59.123456789+02:00"}]}}"#;
        assert_eq!(moved, expected);
    }

    #[test]
    fn a_line_that_is_not_json_is_left_alone() {
        let broken = r#"{"timestamp":"2026-05-15T10:41:06.402Z","type":"#;
        assert_eq!(shift().line(broken), broken);
    }

    #[test]
    fn rollout_names_and_day_directories_follow_the_start_time() {
        let id = "019e2acb-e860-7dba-841e-cccc3fc1626e";
        assert_eq!(
            shift().relative_path(&format!(
                "sessions/2026/05/15/rollout-2026-05-15T10-41-06-{id}.jsonl"
            )),
            format!("sessions/2026/12/07/rollout-2026-12-07T17-11-06-{id}.jsonl")
        );
        assert_eq!(
            shift().relative_path(&format!(
                "archived_sessions/rollout-2026-05-06T14-03-19-{id}.jsonl"
            )),
            format!("archived_sessions/rollout-2026-11-28T20-33-19-{id}.jsonl")
        );
        assert_eq!(
            shift().relative_path("session_index.jsonl"),
            "session_index.jsonl"
        );
    }
}
