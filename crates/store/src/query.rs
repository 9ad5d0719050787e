//! What callers ask the store for.

use std::fmt;
use std::str::FromStr;

use jiff::Timestamp;
use safecare_model::{Domain, Event, IncidentStatus, Severity};
use serde::{Deserialize, Serialize};

use crate::StoreError;

/// The most records one page may hold.
pub const MAX_PAGE: usize = 1000;

/// The most stored bytes one page of events may hold (a page always holds
/// at least one event); past it the page ends early with a `next` cursor.
pub const MAX_PAGE_BYTES: usize = 4 * 1024 * 1024;

/// Filters over events; every set field must match.
#[derive(Debug, Clone, Default, PartialEq, Serialize, Deserialize)]
pub struct EventQuery {
    /// Occurred at or after.
    pub from: Option<Timestamp>,
    /// Occurred before.
    pub to: Option<Timestamp>,
    /// Only events of this domain (cyber or physical).
    pub domain: Option<Domain>,
    /// Only events concerning this inventory asset.
    pub asset: Option<String>,
    /// A location path (`hq/main/2`): matches that place and everything in it.
    pub location: Option<String>,
    /// Only events from this source.
    pub source: Option<String>,
    /// Only events of at least this severity.
    pub min_severity: Option<Severity>,
    /// Words that must all appear in the message or field values, each as
    /// a word or the start of one (`shadow` finds "shadows").
    pub text: Option<String>,
    /// `field:value` conditions, every one of which must hold.
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub fields: Vec<FieldFilter>,
    /// Page size, at most [`MAX_PAGE`].
    pub limit: usize,
    /// Continue after this cursor (from a previous page's `next`).
    pub after: Option<Cursor>,
}

/// One `field:value` condition of a search: some field named in `names`
/// holds one of `values`.
///
/// Names are keys of the event's own fields, compared without regard to
/// case; the name `asset` also matches the event's asset. Values are
/// compared whole and without regard to ASCII case; a value ending in `*`
/// matches every value starting with the rest.
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize, Deserialize)]
pub struct FieldFilter {
    /// The field names any of which may hold the value.
    pub names: Vec<String>,
    /// The accepted values (what was typed, and its pseudonym token when the
    /// field holds personal data).
    pub values: Vec<String>,
}

/// A position in the newest-first event order.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Cursor {
    pub(crate) time: i64,
    pub(crate) seq: i64,
}

/// One page of events.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct EventPage {
    /// The events of this page, newest first.
    pub events: Vec<Event>,
    /// Present when more events may follow; pass it back as `after`.
    pub next: Option<Cursor>,
}

impl fmt::Display for Cursor {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "{}.{}", self.time, self.seq)
    }
}

impl FromStr for Cursor {
    type Err = StoreError;
    fn from_str(s: &str) -> Result<Self, Self::Err> {
        let bad = || StoreError::InvalidQuery(format!("malformed cursor {s:?}"));
        let (time, seq) = s.split_once('.').ok_or_else(bad)?;
        Ok(Cursor { time: time.parse().map_err(|_| bad())?, seq: seq.parse().map_err(|_| bad())? })
    }
}

impl Serialize for Cursor {
    fn serialize<S: serde::Serializer>(&self, serializer: S) -> Result<S::Ok, S::Error> {
        serializer.collect_str(self)
    }
}

impl<'de> Deserialize<'de> for Cursor {
    fn deserialize<D: serde::Deserializer<'de>>(deserializer: D) -> Result<Self, D::Error> {
        let s = String::deserialize(deserializer)?;
        s.parse().map_err(serde::de::Error::custom)
    }
}

/// What one source has sent recently.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct SourceActivity {
    /// The source's name.
    pub source: String,
    /// How many of its events arrived in the window asked for.
    pub events: u64,
    /// When its latest event was received.
    pub last_received: Timestamp,
}

/// Filters over alerts.
#[derive(Debug, Clone, Default, PartialEq, Serialize, Deserialize)]
pub struct AlertQuery {
    /// Started at or after.
    pub from: Option<Timestamp>,
    /// Started before.
    pub to: Option<Timestamp>,
    /// Only alerts of at least this severity.
    pub min_severity: Option<Severity>,
    /// Only alerts raised by this rule id.
    pub rule: Option<String>,
    /// Only alerts concerning this inventory asset.
    pub asset: Option<String>,
    /// Most alerts to return, at most [`MAX_PAGE`].
    pub limit: usize,
}

/// Filters over incidents.
#[derive(Debug, Clone, Default, PartialEq, Serialize, Deserialize)]
pub struct IncidentQuery {
    /// Only incidents in this status.
    pub status: Option<IncidentStatus>,
    /// Only incidents still to act on (not resolved or closed).
    pub open_only: bool,
    /// Only incidents of at least this severity.
    pub min_severity: Option<Severity>,
    /// Only incidents assigned to this user.
    pub assignee: Option<String>,
    /// Only incidents concerning this inventory asset.
    pub asset: Option<String>,
    /// Only incidents carrying this tag.
    pub tag: Option<String>,
    /// Only incidents of this threat type.
    pub threat: Option<String>,
    /// Only incidents last changed at or after this time.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub updated_since: Option<Timestamp>,
    /// How many matching incidents to skip (paging).
    pub offset: usize,
    /// Page size, at most [`MAX_PAGE`].
    pub limit: usize,
}

/// Clamps a requested page size into `1..=MAX_PAGE`, defaulting to 100.
pub(crate) fn page_size(limit: usize) -> usize {
    match limit {
        0 => 100,
        n => n.min(MAX_PAGE),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn cursor_round_trips_and_rejects_garbage() {
        let c = Cursor { time: 1_700_000_000_000_000, seq: 42 };
        assert_eq!(c.to_string().parse::<Cursor>().unwrap(), c);
        assert!("42".parse::<Cursor>().is_err());
        assert!("a.b".parse::<Cursor>().is_err());
    }

    #[test]
    fn page_size_is_bounded() {
        assert_eq!(page_size(0), 100);
        assert_eq!(page_size(5), 5);
        assert_eq!(page_size(1_000_000), MAX_PAGE);
    }
}
