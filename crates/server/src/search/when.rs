//! The times a search accepts for its range, read in the reader's time
//! zone: RFC 3339 (`2026-12-05T14:00:00+01:00`), a day (`2026-12-05`), a
//! day and time (`2026-12-05 14:00`, also as the browser's date-time
//! picker sends it, `2026-12-05T14:00`), `now`, `today`, `yesterday`, and
//! a time back from now (`-15m`, `-24h`, `-7d`, `-2w`).

use jiff::civil::{Date, DateTime};
use jiff::tz::TimeZone;
use jiff::{SignedDuration, Timestamp};

/// Which end of the range a time is for: a whole day given as the end
/// means up to the end of that day, so `from=2026-12-05&to=2026-12-05`
/// is that one day.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum End {
    /// The start (`from`).
    Start,
    /// The end (`to`).
    End,
}

/// The moment `text` means, or `None` when it is none of the accepted
/// forms.
pub fn parse(text: &str, end: End, zone: &TimeZone, now: Timestamp) -> Option<Timestamp> {
    let text = text.trim();
    let today = || now.to_zoned_datetime(zone.clone()).date();
    match text.to_ascii_lowercase().as_str() {
        "now" => return Some(now),
        "today" => return day(today(), end, zone),
        "yesterday" => return day(today().yesterday().ok()?, end, zone),
        _ => {}
    }
    if let Some(back) = text.strip_prefix('-') {
        return ago(back).map(|d| now - d);
    }
    if let Ok(t) = text.parse::<Timestamp>() {
        return Some(t);
    }
    // Everything below is a civil time in the reader's zone; one with an
    // offset or a zone that did not parse above is refused, not guessed at.
    if text.contains(['Z', 'z', '+', '[']) || text.rfind('-').is_some_and(|i| i > 10) {
        return None;
    }
    if text.len() == 10 {
        return day(text.parse::<Date>().ok()?, end, zone);
    }
    let civil: DateTime = text.replacen(' ', "T", 1).parse().ok()?;
    civil.to_zoned_datetime(zone.clone()).ok().map(|z| z.timestamp())
}

/// The start of `date` in `zone`, or of the next day for the range's end.
fn day(date: Date, end: End, zone: &TimeZone) -> Option<Timestamp> {
    let date = match end {
        End::Start => date,
        End::End => date.tomorrow().ok()?,
    };
    date.to_zoned_datetime(zone.clone()).ok().map(|z| z.timestamp())
}

/// `15m`, `24h`, `7d`, `2w` (and `30s`) as a duration.
fn ago(text: &str) -> Option<SignedDuration> {
    let unit = text.chars().last()?;
    let n: i64 = text[..text.len() - unit.len_utf8()].parse().ok().filter(|n| *n >= 0)?;
    let secs = match unit.to_ascii_lowercase() {
        's' => 1,
        'm' => 60,
        'h' => 3600,
        'd' => 86_400,
        'w' => 7 * 86_400,
        _ => return None,
    };
    n.checked_mul(secs).map(SignedDuration::from_secs)
}

#[cfg(test)]
mod tests {
    use super::*;

    fn paris() -> TimeZone {
        TimeZone::get("Europe/Paris").unwrap()
    }

    fn now() -> Timestamp {
        "2026-12-05T13:30:00Z".parse().unwrap()
    }

    fn at(s: &str) -> Timestamp {
        s.parse().unwrap()
    }

    #[test]
    fn days_and_day_times_are_the_readers_zone() {
        let p = |s: &str, end| parse(s, end, &paris(), now());
        assert_eq!(p("2026-12-05", End::Start), Some(at("2026-12-04T23:00:00Z")));
        assert_eq!(p("2026-12-05", End::End), Some(at("2026-12-05T23:00:00Z")));
        assert_eq!(p("2026-12-05 14:00", End::Start), Some(at("2026-12-05T13:00:00Z")));
        assert_eq!(p("2026-12-05T14:00", End::End), Some(at("2026-12-05T13:00:00Z")));
        assert_eq!(p("2026-07-01 14:00:30", End::Start), Some(at("2026-07-01T12:00:30Z")), "summer time");
    }

    #[test]
    fn words_and_times_back_from_now() {
        let p = |s: &str, end| parse(s, end, &paris(), now());
        assert_eq!(p("today", End::Start), Some(at("2026-12-04T23:00:00Z")));
        assert_eq!(p("Yesterday", End::Start), Some(at("2026-12-03T23:00:00Z")));
        assert_eq!(p("yesterday", End::End), Some(at("2026-12-04T23:00:00Z")));
        assert_eq!(p("now", End::End), Some(now()));
        assert_eq!(p("-15m", End::Start), Some(at("2026-12-05T13:15:00Z")));
        assert_eq!(p("-24h", End::Start), Some(at("2026-12-04T13:30:00Z")));
        assert_eq!(p("-7d", End::Start), Some(at("2026-11-28T13:30:00Z")));
        assert_eq!(p("-2w", End::Start), Some(at("2026-11-21T13:30:00Z")));
    }

    #[test]
    fn rfc_3339_keeps_its_own_offset() {
        let p = |s: &str| parse(s, End::Start, &paris(), now());
        assert_eq!(p("2026-12-05T14:00:00Z"), Some(at("2026-12-05T14:00:00Z")));
        assert_eq!(p("2026-12-05T14:00:00+02:00"), Some(at("2026-12-05T12:00:00Z")));
    }

    #[test]
    fn anything_else_is_refused() {
        for bad in ["", "soon", "2026-13-05", "2026-12-05 25:00", "-15", "-15x", "--1d", "5d", "2026-12-05T14:00+99:00"]
        {
            assert_eq!(parse(bad, End::Start, &paris(), now()), None, "{bad:?}");
        }
    }
}
