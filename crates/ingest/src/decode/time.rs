//! Turning the many ways sources write time into UTC instants.

use jiff::civil::DateTime;
use jiff::tz::TimeZone;
use safecare_model::Timestamp;
use serde_json::Value;

/// Parses a textual time: RFC 3339 / ISO 8601 with an offset (`Z`, `+01:00`
/// or `+0100`), or a civil date-time without one, which is read in `tz`
/// (the source's configured zone, so daylight-saving changes are honoured).
pub fn parse_text(text: &str, tz: &TimeZone) -> Option<Timestamp> {
    let text = text.trim();
    if let Ok(ts) = text.parse::<Timestamp>() {
        return Some(ts);
    }
    if let Some(ts) = with_basic_offset(text) {
        return Some(ts);
    }
    // Civil forms: `2026-11-28T10:00:00`, `2026-11-28 10:00:00.123`.
    let civil: DateTime = text.parse().ok()?;
    civil_in(civil, tz)
}

/// A civil date-time read in `tz`; in a DST gap or fold the earlier
/// reading is taken, as most devices do.
pub fn civil_in(civil: DateTime, tz: &TimeZone) -> Option<Timestamp> {
    tz.to_ambiguous_timestamp(civil).compatible().ok()
}

/// Suricata writes offsets without a colon (`+0100`), which RFC 3339 parsers
/// refuse; insert it and try again.
fn with_basic_offset(text: &str) -> Option<Timestamp> {
    let bytes = text.as_bytes();
    let n = bytes.len();
    if n < 6 {
        return None;
    }
    let sign = bytes[n - 5];
    if (sign == b'+' || sign == b'-') && bytes[n - 4..].iter().all(u8::is_ascii_digit) {
        let fixed = format!("{}:{}", &text[..n - 2], &text[n - 2..]);
        return fixed.parse().ok();
    }
    None
}

/// Seconds since the Unix epoch with a fraction (Zeek's default `ts`).
pub fn from_epoch_seconds(seconds: f64) -> Option<Timestamp> {
    if !seconds.is_finite() {
        return None;
    }
    // Beyond jiff's range (year 9999) anyway; also keeps the casts exact.
    if seconds.abs() > 1e12 {
        return None;
    }
    // Whole seconds and microseconds separately: Zeek's precision is the
    // microsecond, and one multiplication by 1e9 would add float noise.
    let whole = seconds.floor();
    let micros = ((seconds - whole) * 1e6).round() as i64;
    Timestamp::from_microsecond(whole as i64 * 1_000_000 + micros).ok()
}

/// A JSON time value: a string as in [`parse_text`], or a number of epoch
/// seconds (milliseconds when it is too large to be seconds).
pub fn from_json(value: &Value, tz: &TimeZone) -> Option<Timestamp> {
    match value {
        Value::String(s) => parse_text(s, tz).or_else(|| s.trim().parse::<f64>().ok().and_then(epoch_auto)),
        Value::Number(n) => n.as_f64().and_then(epoch_auto),
        _ => None,
    }
}

/// Above this, a number of epoch seconds would be past the year 5000, so it
/// is read as milliseconds.
const MILLIS_THRESHOLD: f64 = 1e11;

fn epoch_auto(n: f64) -> Option<Timestamp> {
    if n.abs() >= MILLIS_THRESHOLD { from_epoch_seconds(n / 1000.0) } else { from_epoch_seconds(n) }
}

#[cfg(test)]
mod tests {
    use super::*;
    use serde_json::json;

    fn ts(s: &str) -> Timestamp {
        s.parse().unwrap()
    }

    #[test]
    fn reads_offsets_in_both_notations() {
        let utc = TimeZone::UTC;
        assert_eq!(parse_text("2017-01-30T16:12:26.985026+0100", &utc), Some(ts("2017-01-30T15:12:26.985026Z")));
        assert_eq!(parse_text("2017-01-30T16:12:26+01:00", &utc), Some(ts("2017-01-30T15:12:26Z")));
        assert_eq!(parse_text("2018-03-24T17:15:33.511226Z", &utc), Some(ts("2018-03-24T17:15:33.511226Z")));
        assert_eq!(parse_text("not a time +0100", &utc), None);
    }

    #[test]
    fn civil_time_is_read_in_the_source_zone_with_dst() {
        let paris = TimeZone::get("Europe/Paris").unwrap();
        assert_eq!(parse_text("2026-07-01 12:00:00", &paris), Some(ts("2026-07-01T10:00:00Z")));
        assert_eq!(parse_text("2026-01-01T12:00:00", &paris), Some(ts("2026-01-01T11:00:00Z")));
    }

    #[test]
    fn epoch_numbers_and_strings() {
        let utc = TimeZone::UTC;
        assert_eq!(from_json(&json!(1588205199.5), &utc), Some(ts("2020-04-30T00:06:39.5Z")));
        assert_eq!(from_json(&json!(1588205199500_i64), &utc), Some(ts("2020-04-30T00:06:39.5Z")));
        assert_eq!(from_json(&json!("1588205199"), &utc), Some(ts("2020-04-30T00:06:39Z")));
        assert_eq!(from_json(&json!(f64::MAX), &utc), None);
        assert_eq!(from_json(&json!(true), &utc), None);
    }
}
