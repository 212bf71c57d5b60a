//! Timestamps in the forms Codex writes and reads.

use chrono::{DateTime, NaiveDateTime, SecondsFormat, TimeZone, Utc};

/// `YYYY-MM-DDTHH:MM:SS.mmmZ`: the envelope and session_meta timestamp format.
pub fn format_rollout_timestamp(at: DateTime<Utc>) -> String {
    at.to_rfc3339_opts(SecondsFormat::Millis, true)
}

/// RFC 3339 with nanoseconds and `Z`, as `session_index.jsonl` entries carry.
pub fn format_index_timestamp(at: DateTime<Utc>) -> String {
    at.to_rfc3339_opts(SecondsFormat::Nanos, true)
}

/// The current instant truncated to milliseconds, so that what we write and read back agree.
pub fn now_millis() -> DateTime<Utc> {
    from_millis(Utc::now().timestamp_millis())
}

pub fn from_millis(ms: i64) -> DateTime<Utc> {
    Utc.timestamp_millis_opt(ms).single().unwrap_or_default()
}

/// Parses RFC 3339 (any precision, any offset) or the file-name form `YYYY-MM-DDThh-mm-ss`
/// (taken as UTC, as Codex does).
pub fn parse_timestamp(text: &str) -> Option<DateTime<Utc>> {
    let text = text.trim();
    if let Ok(at) = DateTime::parse_from_rfc3339(text) {
        return Some(at.with_timezone(&Utc));
    }
    NaiveDateTime::parse_from_str(text, "%Y-%m-%dT%H-%M-%S")
        .ok()
        .map(|naive| naive.and_utc())
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn rollout_timestamps_have_exactly_three_fraction_digits() {
        let at = parse_timestamp("2026-05-14T09:12:34.0104567Z").unwrap();
        assert_eq!(format_rollout_timestamp(at), "2026-05-14T09:12:34.010Z");
        let whole = parse_timestamp("2026-05-14T09:12:34Z").unwrap();
        assert_eq!(format_rollout_timestamp(whole), "2026-05-14T09:12:34.000Z");
    }

    #[test]
    fn parses_offsets_and_file_name_form() {
        let offset = parse_timestamp("2026-05-14T11:12:34+02:00").unwrap();
        assert_eq!(format_rollout_timestamp(offset), "2026-05-14T09:12:34.000Z");
        let file_name = parse_timestamp("2026-05-14T11-12-33").unwrap();
        assert_eq!(
            format_rollout_timestamp(file_name),
            "2026-05-14T11:12:33.000Z"
        );
        assert!(parse_timestamp("unknown").is_none());
    }

    #[test]
    fn index_timestamps_carry_nanoseconds() {
        let at = parse_timestamp("2026-05-14T11:05:09.123456789Z").unwrap();
        assert_eq!(format_index_timestamp(at), "2026-05-14T11:05:09.123456789Z");
    }
}
