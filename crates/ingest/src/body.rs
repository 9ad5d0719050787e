//! Turning an HTTP request body of model-form events into events: one JSON
//! event, a JSON array of events, or NDJSON (one event per line). Each bad
//! line is reported by number with its reason; good lines are kept.

use crate::media::lines;
use jiff::Timestamp;
use safecare_model::{Event, EventInput};
use serde::Serialize;
use serde_json::value::RawValue;

/// The most line errors listed in one answer; the count stays exact.
pub const MAX_LISTED_ERRORS: usize = 1000;

/// Why one line (or the whole JSON body, as line 1) was refused.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct LineError {
    /// 1-based line number in the body (for a JSON array: the element's
    /// 1-based index).
    pub line: usize,
    /// The reason, for the sender.
    pub error: String,
}

/// The events found in a body and the lines refused.
#[derive(Debug, Default)]
pub struct Parsed {
    /// The events read, in body order.
    pub events: Vec<Event>,
    /// How many lines were refused (exact, even past the listed errors).
    pub rejected: usize,
    /// The first [`MAX_LISTED_ERRORS`] refusals.
    pub errors: Vec<LineError>,
}

impl Parsed {
    fn reject(&mut self, line: usize, error: String) {
        self.rejected += 1;
        if self.errors.len() < MAX_LISTED_ERRORS {
            self.errors.push(LineError { line, error });
        }
    }

    /// Refuses an event over the size limit, unread.
    fn too_large(&mut self, line: usize, len: usize, max: usize) -> bool {
        if len <= max {
            return false;
        }
        metrics::counter!("safecare_ingest_oversized_events_total").increment(1);
        self.reject(line, format!("event is {len} bytes, over the limit of {max} (max_event_bytes)"));
        true
    }

    fn take(&mut self, line: usize, input: Result<EventInput, serde_json::Error>, now: Timestamp, source: &str) {
        match input {
            Ok(input) => match input.into_event(now, source) {
                Ok(event) => self.events.push(event),
                Err(invalid) => self.reject(line, invalid.to_string()),
            },
            Err(err) => self.reject(line, json_reason(&err)),
        }
    }
}

/// serde_json's message without its "at line 1 column N" tail when the line
/// number is ours to give; the column is kept.
fn json_reason(err: &serde_json::Error) -> String {
    let text = err.to_string();
    match text.rfind(" at line ") {
        Some(cut) => format!("{} (column {})", &text[..cut], err.column()),
        None => text,
    }
}

/// Parses NDJSON: blank lines are skipped, every other line is one event
/// of at most `max_event` bytes.
pub fn parse_ndjson(body: &[u8], now: Timestamp, source: &str, max_event: usize) -> Parsed {
    let mut parsed = Parsed::default();
    for (number, line) in lines(body) {
        if parsed.too_large(number, line.len(), max_event) {
            continue;
        }
        match std::str::from_utf8(line) {
            Ok(text) => parsed.take(number, serde_json::from_str(text), now, source),
            Err(err) => parsed.reject(number, format!("not valid UTF-8 (byte {})", err.valid_up_to())),
        }
    }
    parsed
}

/// Parses a JSON body holding one event or an array of events, each of at
/// most `max_event` bytes. Each event is read from its own text exactly as
/// an NDJSON line is, so both forms refuse the same things (a key given
/// twice among them).
pub fn parse_json(body: &[u8], now: Timestamp, source: &str, max_event: usize) -> Parsed {
    let mut parsed = Parsed::default();
    let starts_array = body.iter().find(|b| !b.is_ascii_whitespace()) == Some(&b'[');
    if starts_array {
        match serde_json::from_slice::<Vec<&RawValue>>(body) {
            Err(err) => parsed.reject(err.line(), json_reason(&err)),
            Ok(items) => {
                for (index, item) in items.into_iter().enumerate() {
                    if !parsed.too_large(index + 1, item.get().len(), max_event) {
                        parsed.take(index + 1, serde_json::from_str(item.get()), now, source);
                    }
                }
            }
        }
    } else if !parsed.too_large(1, body.len(), max_event) {
        // The whole body is one event: serde_json's own line is the line.
        match serde_json::from_slice::<EventInput>(body) {
            Ok(input) => parsed.take(1, Ok(input), now, source),
            Err(err) => parsed.reject(err.line(), json_reason(&err)),
        }
    }
    parsed
}

#[cfg(test)]
mod tests {
    use super::*;

    fn now() -> Timestamp {
        "2026-11-28T10:00:00Z".parse().unwrap()
    }

    #[test]
    fn ndjson_keeps_good_lines_and_numbers_bad_ones() {
        let body = b"{\"domain\":\"cyber\",\"message\":\"a\"}\n\n{not json}\n{\"domain\":\"cyber\"}\r\n{\"domain\":\"physical\",\"message\":\"b\"}\n\xff\xfe\n";
        let parsed = parse_ndjson(body, now(), "http", 1 << 20);
        assert_eq!(parsed.events.len(), 2);
        assert_eq!(parsed.rejected, 3);
        let lines: Vec<usize> = parsed.errors.iter().map(|e| e.line).collect();
        assert_eq!(lines, [3, 4, 6]);
        assert!(parsed.errors[0].error.contains("key must be a string"), "{:?}", parsed.errors[0]);
        assert!(parsed.errors[1].error.contains("neither a message nor any fields"), "{:?}", parsed.errors[1]);
        assert!(parsed.errors[2].error.contains("UTF-8"), "{:?}", parsed.errors[2]);
    }

    #[test]
    fn json_takes_one_event_or_an_array() {
        let one = parse_json(br#"{"domain":"building","message":"chiller fault"}"#, now(), "http", 1 << 20);
        assert_eq!(one.events.len(), 1);
        let many = parse_json(
            br#"[{"domain":"cyber","message":"a"},{"domain":"mars","message":"b"}]"#,
            now(),
            "http",
            1 << 20,
        );
        assert_eq!(many.events.len(), 1);
        assert_eq!(many.errors[0].line, 2);
        assert!(many.errors[0].error.contains("mars"));
        let broken = parse_json(b"{\"domain\":\n\"cyber\",", now(), "http", 1 << 20);
        assert_eq!(broken.rejected, 1);
        assert_eq!(broken.errors[0].line, 2);
    }

    #[test]
    fn both_forms_refuse_large_events_and_repeated_keys_alike() {
        let big = format!(r#"{{"domain":"cyber","message":"{}"}}"#, "x".repeat(200));
        let small = r#"{"domain":"cyber","message":"a"}"#;
        let twice = r#"{"domain":"cyber","domain":"physical","message":"a"}"#;
        let ndjson = parse_ndjson(format!("{big}\n{small}\n{twice}\n").as_bytes(), now(), "http", 100);
        let json = parse_json(format!("[{big},{small},{twice}]").as_bytes(), now(), "http", 100);
        for parsed in [&ndjson, &json] {
            assert_eq!(parsed.events.len(), 1);
            assert_eq!(parsed.errors.iter().map(|e| e.line).collect::<Vec<_>>(), [1, 3]);
            assert!(parsed.errors[0].error.contains("over the limit of 100"), "{:?}", parsed.errors);
            assert!(parsed.errors[1].error.contains("duplicate field"), "{:?}", parsed.errors);
        }
        assert_eq!(parse_json(big.as_bytes(), now(), "http", 100).rejected, 1);
        assert_eq!(parse_json(twice.as_bytes(), now(), "http", 100).rejected, 1);
    }

    #[test]
    fn listed_errors_are_capped_but_counted() {
        let body = "x\n".repeat(MAX_LISTED_ERRORS + 5);
        let parsed = parse_ndjson(body.as_bytes(), now(), "http", 1 << 20);
        assert_eq!(parsed.rejected, MAX_LISTED_ERRORS + 5);
        assert_eq!(parsed.errors.len(), MAX_LISTED_ERRORS);
    }
}
