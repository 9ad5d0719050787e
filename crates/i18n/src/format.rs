//! A reader's locale: their language and time zone, and how times and
//! numbers are written for them.

use jiff::tz::TimeZone;
use jiff::{SignedDuration, Timestamp};
use safecare_model::{Language, Preferences};

use crate::catalog::{Arg, CATALOG};

/// The site's defaults, for people who chose nothing and for API tokens.
#[derive(Debug, Clone)]
pub struct Defaults {
    /// The site's language.
    pub language: Language,
    /// The site's time zone.
    pub zone: TimeZone,
}

impl Default for Defaults {
    fn default() -> Self {
        Defaults { language: Language::En, zone: TimeZone::UTC }
    }
}

/// A time zone name that the system's time zone database does not know.
#[derive(Debug, thiserror::Error)]
#[error("unknown time zone {name:?} (use an IANA name such as Europe/Paris)")]
pub struct InvalidTimeZone {
    /// The name given.
    pub name: String,
    /// What the time zone database said.
    #[source]
    pub source: jiff::Error,
}

/// Reads an IANA time zone name.
pub fn time_zone(name: &str) -> Result<TimeZone, InvalidTimeZone> {
    TimeZone::get(name).map_err(|source| InvalidTimeZone { name: name.to_owned(), source })
}

/// One reader: the language messages are written in and the zone times are
/// shown in.
#[derive(Debug, Clone, PartialEq)]
pub struct Locale {
    language: Language,
    zone: TimeZone,
}

impl Default for Locale {
    fn default() -> Self {
        Locale::new(Language::En, TimeZone::UTC)
    }
}

impl Locale {
    /// A locale from its parts.
    pub fn new(language: Language, zone: TimeZone) -> Self {
        Locale { language, zone }
    }

    /// A person's locale: their choices, else the site's. A stored zone
    /// name the database no longer knows falls back to the site's zone.
    pub fn for_person(preferences: &Preferences, defaults: &Defaults) -> Self {
        let zone = preferences
            .time_zone
            .as_deref()
            .and_then(|name| time_zone(name).ok())
            .unwrap_or_else(|| defaults.zone.clone());
        Locale { language: preferences.language.unwrap_or(defaults.language), zone }
    }

    /// The language.
    pub fn language(&self) -> Language {
        self.language
    }

    /// The time zone.
    pub fn zone(&self) -> &TimeZone {
        &self.zone
    }

    /// The zone's IANA name, when it has one.
    pub fn zone_name(&self) -> &str {
        self.zone.iana_name().unwrap_or("UTC")
    }

    /// The message `id` in this language.
    pub fn text(&self, id: &str) -> String {
        CATALOG.text(self.language, id, &[])
    }

    /// The message `id` in this language with its variables filled in.
    pub fn text_with(&self, id: &str, args: &[(&str, Arg<'_>)]) -> String {
        CATALOG.text(self.language, id, args)
    }

    /// A moment as this reader reads it: in their zone, with the zone's
    /// abbreviation, day first outside English.
    pub fn time(&self, t: Timestamp) -> String {
        let pattern = match self.language {
            Language::En => "%Y-%m-%d %H:%M:%S %Z",
            Language::Fr | Language::It => "%d/%m/%Y %H:%M:%S %Z",
            Language::Nl => "%d-%m-%Y %H:%M:%S %Z",
        };
        t.to_zoned_datetime(self.zone.clone()).strftime(pattern).to_string()
    }

    /// A span of time to the minute, its largest two units ("3 h 12 min",
    /// "2 j 2 h"); the sign is dropped (see [`Locale::remaining`]).
    pub fn span(&self, span: SignedDuration) -> String {
        let total = span.as_secs().unsigned_abs() / 60;
        let (d, h, m) = (total / 1440, total / 60 % 24, total % 60);
        if d > 0 {
            self.text_with("time-days", &[("d", Arg::from(d as f64)), ("h", Arg::from(h as f64))])
        } else if h > 0 {
            self.text_with("time-hours", &[("h", Arg::from(h as f64)), ("m", Arg::from(m as f64))])
        } else {
            self.text_with("time-minutes", &[("m", Arg::from(m as f64))])
        }
    }

    /// The time left until `due` as seen at `now`: "40 min left", or
    /// "overdue by 40 min" once it has passed.
    pub fn remaining(&self, now: Timestamp, due: Timestamp) -> String {
        let left = due.duration_since(now);
        let span = self.span(left);
        if left.is_negative() {
            self.text_with("time-overdue", &[("span", span.into())])
        } else {
            self.text_with("time-left", &[("span", span.into())])
        }
    }

    /// When `at` is, from `now`: "in 40 min" or "40 min ago".
    pub fn relative(&self, now: Timestamp, at: Timestamp) -> String {
        let from_now = at.duration_since(now);
        let span = self.span(from_now);
        if from_now.is_negative() {
            self.text_with("time-ago", &[("span", span.into())])
        } else {
            self.text_with("time-in", &[("span", span.into())])
        }
    }

    /// A number with `decimals` digits after the separator, grouped by
    /// thousands as the language writes it.
    pub fn number(&self, value: f64, decimals: usize) -> String {
        let (group, point) = match self.language {
            Language::En => (",", "."),
            // French groups with a narrow no-break space.
            Language::Fr => ("\u{202f}", ","),
            Language::It | Language::Nl => (".", ","),
        };
        let plain = format!("{:.*}", decimals, value.abs());
        let (whole, fraction) = plain.split_once('.').unwrap_or((&plain, ""));
        let mut grouped = String::with_capacity(whole.len() + whole.len() / 3 * group.len());
        for (i, digit) in whole.chars().enumerate() {
            if i > 0 && (whole.len() - i) % 3 == 0 {
                grouped.push_str(group);
            }
            grouped.push(digit);
        }
        let sign =
            if value.is_sign_negative() && plain.chars().any(|c| c.is_ascii_digit() && c != '0') { "-" } else { "" };
        if fraction.is_empty() { format!("{sign}{grouped}") } else { format!("{sign}{grouped}{point}{fraction}") }
    }
}

#[cfg(test)]
mod tests {
    #![allow(clippy::unwrap_used, clippy::expect_used)]
    use super::*;

    fn at(language: Language, zone: &str) -> Locale {
        Locale::new(language, time_zone(zone).unwrap())
    }

    #[test]
    fn times_are_shown_in_the_readers_zone_and_order() {
        let t: Timestamp = "2026-12-05T13:04:05Z".parse().unwrap();
        assert_eq!(at(Language::En, "UTC").time(t), "2026-12-05 13:04:05 UTC");
        assert_eq!(at(Language::Fr, "Europe/Paris").time(t), "05/12/2026 14:04:05 CET");
        assert_eq!(at(Language::Nl, "Europe/Amsterdam").time(t), "05-12-2026 14:04:05 CET");
    }

    #[test]
    fn spans_of_time_are_said_in_the_readers_language() {
        let now: Timestamp = "2026-11-28T10:00:00Z".parse().unwrap();
        let at = |s: &str| s.parse::<Timestamp>().unwrap();
        let en = at_zone(Language::En);
        let fr = at_zone(Language::Fr);
        assert_eq!(en.remaining(now, at("2026-11-28T10:40:00Z")), "40 min left");
        assert_eq!(en.remaining(now, at("2026-11-28T13:12:30Z")), "3 h 12 min left");
        assert_eq!(en.remaining(now, at("2026-11-30T12:00:00Z")), "2 d 2 h left");
        assert_eq!(en.remaining(now, at("2026-11-28T09:20:00Z")), "overdue by 40 min");
        assert_eq!(fr.remaining(now, at("2026-11-30T12:00:00Z")), "reste 2 j 2 h");
        assert_eq!(fr.remaining(now, at("2026-11-28T09:20:00Z")), "en retard de 40 min");
        assert_eq!(fr.relative(now, at("2026-11-28T10:40:00Z")), "dans 40 min");
        assert_eq!(en.relative(now, at("2026-11-28T09:20:00Z")), "40 min ago");
    }

    fn at_zone(language: Language) -> Locale {
        at(language, "UTC")
    }

    #[test]
    fn numbers_are_grouped_and_pointed_per_language() {
        assert_eq!(at(Language::En, "UTC").number(1234567.891, 2), "1,234,567.89");
        assert_eq!(at(Language::Fr, "UTC").number(1234.5, 1), "1\u{202f}234,5");
        assert_eq!(at(Language::It, "UTC").number(-0.648, 2), "-0,65");
        assert_eq!(at(Language::Nl, "UTC").number(999.0, 0), "999");
        assert_eq!(at(Language::En, "UTC").number(-0.001, 2), "0.00");
    }

    #[test]
    fn a_person_without_choices_gets_the_sites_and_an_unknown_zone_falls_back() {
        let defaults = Defaults { language: Language::It, zone: time_zone("Europe/Rome").unwrap() };
        let none = Locale::for_person(&Preferences::default(), &defaults);
        assert_eq!((none.language(), none.zone_name()), (Language::It, "Europe/Rome"));
        let odd = Preferences { language: Some(Language::Fr), time_zone: Some("Mars/Olympus".into()) };
        let chosen = Locale::for_person(&odd, &defaults);
        assert_eq!((chosen.language(), chosen.zone_name()), (Language::Fr, "Europe/Rome"));
        assert!(time_zone("Mars/Olympus").unwrap_err().to_string().contains("Mars/Olympus"));
    }
}
