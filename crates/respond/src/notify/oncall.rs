//! The on-call roster: who answers for a role, at which tier, when.
//!
//! A shift covers a daily stretch of local time on some weekdays; a shift
//! whose end is not after its start runs overnight into the next day (and
//! belongs to the weekday it starts on). Tier 1 is called first; the next
//! tier when the incident is not acknowledged in time.

use jiff::Timestamp;
use jiff::civil::{Time, Weekday};
use jiff::tz::TimeZone;
use serde::{Deserialize, Serialize};

use super::Recipient;

/// The roster (`[notify.roster]`).
#[derive(Debug, Clone, Default, PartialEq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct Roster {
    /// The IANA time zone shifts are written in; UTC when unset.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub time_zone: Option<String>,
    /// Every shift.
    #[serde(default)]
    pub shifts: Vec<Shift>,
}

/// One person's recurring stretch on call.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct Shift {
    /// The role answered for (`it_security`, `biomed`, `security_guard`…).
    pub role: String,
    /// 1 for first call, 2 for the escalation after it…
    pub tier: u8,
    /// The person.
    pub name: String,
    /// How to reach them (address, number, pager id).
    pub contact: String,
    /// Three-letter weekdays (`mon`…`sun`) the shift starts on; every day
    /// when empty.
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub days: Vec<String>,
    /// Local start (`08:00`); midnight when unset.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub from: Option<Time>,
    /// Local end (`20:00`); the whole day when both ends are unset.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub to: Option<Time>,
    /// The language their messages are written in (`fr`); the site's
    /// `[display]` language when unset.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub language: Option<safecare_i18n::Language>,
}

/// A roster that cannot be used, found when the configuration is loaded.
#[derive(Debug, thiserror::Error, PartialEq)]
pub enum RosterError {
    /// The roster's time zone is unknown.
    #[error("unknown time zone `{0}` in the on-call roster")]
    TimeZone(String),
    #[error("shift of {name}: `{day}` is not a weekday (mon, tue, wed, thu, fri, sat, sun)")]
    /// A shift names a day that is not a weekday.
    Day {
        /// The person on the shift.
        name: String,
        /// The day given.
        day: String,
    },
    #[error("shift of {name}: tier must be 1 or more")]
    /// A shift's tier is 0.
    Tier {
        /// The person on the shift.
        name: String,
    },
}

const DAYS: [(&str, Weekday); 7] = [
    ("mon", Weekday::Monday),
    ("tue", Weekday::Tuesday),
    ("wed", Weekday::Wednesday),
    ("thu", Weekday::Thursday),
    ("fri", Weekday::Friday),
    ("sat", Weekday::Saturday),
    ("sun", Weekday::Sunday),
];

fn weekday(day: &str) -> Option<Weekday> {
    DAYS.iter().find(|(name, _)| name.eq_ignore_ascii_case(day)).map(|(_, w)| *w)
}

impl Roster {
    /// Checks the time zone and every shift.
    pub fn validate(&self) -> Result<(), RosterError> {
        self.zone()?;
        for shift in &self.shifts {
            if shift.tier == 0 {
                return Err(RosterError::Tier { name: shift.name.clone() });
            }
            if let Some(day) = shift.days.iter().find(|d| weekday(d).is_none()) {
                return Err(RosterError::Day { name: shift.name.clone(), day: day.clone() });
            }
        }
        Ok(())
    }

    fn zone(&self) -> Result<TimeZone, RosterError> {
        match &self.time_zone {
            None => Ok(TimeZone::UTC),
            Some(name) => TimeZone::get(name).map_err(|_| RosterError::TimeZone(name.clone())),
        }
    }

    /// The shifts, of every role and tier, that cover the instant `at`.
    pub fn shifts_at(&self, at: Timestamp) -> Vec<&Shift> {
        let Ok(zone) = self.zone() else { return Vec::new() };
        let local = at.to_zoned_datetime(zone).datetime();
        self.shifts.iter().filter(|s| s.covers(local.weekday(), local.time())).collect()
    }

    /// The people on call for `role` at `tier` at the instant `at`.
    pub fn on_call(&self, role: &str, tier: u8, at: Timestamp) -> Vec<Recipient> {
        self.shifts_at(at)
            .into_iter()
            .filter(|s| s.role == role && s.tier == tier)
            .map(|s| Recipient { language: s.language, ..Recipient::new(s.name.clone(), s.contact.clone()) })
            .collect()
    }

    /// The highest tier any shift of `role` has (0 when none).
    pub fn top_tier(&self, role: &str) -> u8 {
        self.shifts.iter().filter(|s| s.role == role).map(|s| s.tier).max().unwrap_or(0)
    }
}

impl Shift {
    fn starts_on(&self, day: Weekday) -> bool {
        self.days.is_empty() || self.days.iter().any(|d| weekday(d) == Some(day))
    }

    /// True when the shift covers local time `time` on weekday `day`.
    fn covers(&self, day: Weekday, time: Time) -> bool {
        let from = self.from.unwrap_or(Time::midnight());
        let Some(to) = self.to else { return self.starts_on(day) && time >= from };
        if from < to {
            self.starts_on(day) && time >= from && time < to
        } else {
            // Overnight: the evening of a start day or the morning after it.
            (self.starts_on(day) && time >= from) || (self.starts_on(day.previous()) && time < to)
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn roster() -> Roster {
        let toml = serde_json::json!({
            "time_zone": "Europe/Paris",
            "shifts": [
                { "role": "it", "tier": 1, "name": "Day", "contact": "day@h", "days": ["mon","tue","wed","thu","fri"],
                  "from": "08:00", "to": "20:00" },
                { "role": "it", "tier": 1, "name": "Night", "contact": "night@h", "days": ["fri"],
                  "from": "20:00", "to": "08:00" },
                { "role": "it", "tier": 2, "name": "Chief", "contact": "chief@h" },
            ]
        });
        serde_json::from_value(toml).unwrap()
    }

    fn names(roster: &Roster, tier: u8, at: &str) -> Vec<String> {
        roster.on_call("it", tier, at.parse().unwrap()).into_iter().map(|r| r.name).collect()
    }

    #[test]
    fn the_shift_covering_local_time_is_on_call() {
        let roster = roster();
        roster.validate().unwrap();
        // Friday 2026-12-04 09:30 in Paris is 08:30 UTC.
        assert_eq!(names(&roster, 1, "2026-12-04T08:30:00Z"), ["Day"]);
        // Friday 21:00 Paris: the night shift; Saturday 07:00 Paris still the night shift.
        assert_eq!(names(&roster, 1, "2026-12-04T20:00:00Z"), ["Night"]);
        assert_eq!(names(&roster, 1, "2026-12-05T06:00:00Z"), ["Night"]);
        // Saturday 09:00 Paris: nobody at tier 1; the all-day tier 2 always.
        assert!(names(&roster, 1, "2026-12-05T08:00:00Z").is_empty());
        assert_eq!(names(&roster, 2, "2026-12-05T08:00:00Z"), ["Chief"]);
        // Thursday 21:00: the night shift starts on Fridays only.
        assert!(names(&roster, 1, "2026-12-03T20:00:00Z").is_empty());
        let now: Vec<&str> =
            roster.shifts_at("2026-12-05T06:00:00Z".parse().unwrap()).iter().map(|s| s.name.as_str()).collect();
        assert_eq!(now, ["Night", "Chief"]);
        assert_eq!(roster.top_tier("it"), 2);
        assert_eq!(roster.top_tier("biomed"), 0);
    }

    #[test]
    fn a_bad_roster_is_refused_with_the_reason() {
        let mut bad = roster();
        bad.time_zone = Some("Mars/Olympus".into());
        assert_eq!(bad.validate(), Err(RosterError::TimeZone("Mars/Olympus".into())));
        let mut bad = roster();
        bad.shifts[0].days.push("funday".into());
        assert_eq!(bad.validate(), Err(RosterError::Day { name: "Day".into(), day: "funday".into() }));
        let mut bad = roster();
        bad.shifts[2].tier = 0;
        assert_eq!(bad.validate(), Err(RosterError::Tier { name: "Chief".into() }));
    }
}
