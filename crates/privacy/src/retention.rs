//! How long each class of data is kept, and what a purge would remove.

use std::fmt;
use std::str::FromStr;

use jiff::{SignedDuration, Timestamp};
use serde::{Deserialize, Serialize};

/// A class of stored data with its own retention.
#[derive(
    Debug,
    Clone,
    Copy,
    PartialEq,
    Eq,
    Hash,
    PartialOrd,
    Ord,
    Serialize,
    Deserialize,
    strum::IntoStaticStr,
    strum::Display,
)]
#[serde(rename_all = "snake_case")]
#[strum(serialize_all = "snake_case")]
pub enum DataClass {
    /// Events as received.
    RawEvents,
    /// Alerts raised by detection.
    Alerts,
    /// Resolved and closed incidents.
    Incidents,
    /// Re-identification vault entries.
    VaultEntries,
}

impl DataClass {
    /// Every class.
    pub const ALL: [DataClass; 4] =
        [DataClass::RawEvents, DataClass::Alerts, DataClass::Incidents, DataClass::VaultEntries];

    /// The name used in configuration and reports (`raw_events`).
    pub fn as_str(self) -> &'static str {
        self.into()
    }
}

/// How long data is kept: a whole number of hours, days, weeks or years
/// (`36h`, `90d`, `12w`, `7y`; a year is 365 days), or `forever`.
///
/// Minutes and months are not accepted: `m` is ambiguous between them, and
/// calendar months would make the cut-off depend on the date.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[serde(try_from = "String", into = "String")]
pub enum Retention {
    /// Keep for this long, then purge.
    Keep {
        /// How many units.
        amount: u32,
        /// Which unit.
        unit: RetentionUnit,
    },
    /// Never purge.
    Forever,
}

/// The unit of a [`Retention`].
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum RetentionUnit {
    Hours,
    Days,
    Weeks,
    Years,
}

/// A retention that does not parse.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum ParseRetentionError {
    /// Not a number and unit, nor `forever`.
    #[error("retention {0:?} is not a number followed by h, d, w or y, nor \"forever\"")]
    Format(String),
    /// A zero duration.
    #[error("retention {0:?} is zero; use a positive duration, or \"forever\" to keep data")]
    Zero(String),
    /// Longer than 100 years.
    #[error("retention {0:?} is longer than 100 years")]
    TooLong(String),
}

/// Retention per data class.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct RetentionPolicy {
    /// How long events are kept, by occurrence time.
    #[serde(default = "defaults::raw_events")]
    pub raw_events: Retention,
    /// How long alerts are kept, by start time.
    #[serde(default = "defaults::alerts")]
    pub alerts: Retention,
    /// How long resolved and closed incidents are kept, by last update.
    #[serde(default = "defaults::incidents")]
    pub incidents: Retention,
    /// Keep at least as long as raw events, or tokens in still-kept events
    /// can no longer be re-identified (which may also be what you want).
    #[serde(default = "defaults::vault_entries")]
    pub vault_entries: Retention,
}

/// What a purge at `now` would remove, class by class
/// (`safecare purge --dry-run`). Counts are filled in by whoever can count.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct PurgePlan {
    /// The time the cut-offs are computed from.
    pub now: Timestamp,
    /// One item per data class.
    pub items: Vec<PurgeItem>,
}

/// One class in a [`PurgePlan`]: everything older than `cutoff` goes.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct PurgeItem {
    /// The class purged.
    pub class: DataClass,
    /// `None` when the class is kept forever.
    pub cutoff: Option<Timestamp>,
    /// How many records would go, once counted.
    pub count: Option<u64>,
}

mod defaults {
    use super::{Retention, RetentionUnit::*};

    pub(super) fn raw_events() -> Retention {
        Retention::Keep { amount: 90, unit: Days }
    }
    pub(super) fn alerts() -> Retention {
        Retention::Keep { amount: 1, unit: Years }
    }
    pub(super) fn incidents() -> Retention {
        Retention::Keep { amount: 5, unit: Years }
    }
    pub(super) fn vault_entries() -> Retention {
        Retention::Keep { amount: 90, unit: Days }
    }
}

const MAX_HOURS: u64 = 100 * 365 * 24;

impl RetentionUnit {
    fn hours(self) -> u64 {
        match self {
            RetentionUnit::Hours => 1,
            RetentionUnit::Days => 24,
            RetentionUnit::Weeks => 7 * 24,
            RetentionUnit::Years => 365 * 24,
        }
    }

    fn suffix(self) -> char {
        match self {
            RetentionUnit::Hours => 'h',
            RetentionUnit::Days => 'd',
            RetentionUnit::Weeks => 'w',
            RetentionUnit::Years => 'y',
        }
    }
}

impl Retention {
    /// The duration kept, or `None` for forever.
    pub fn duration(self) -> Option<SignedDuration> {
        match self {
            // At most 100 years in hours, far inside i64 seconds.
            Retention::Keep { amount, unit } => {
                Some(SignedDuration::from_hours((u64::from(amount) * unit.hours()) as i64))
            }
            Retention::Forever => None,
        }
    }
}

impl FromStr for Retention {
    type Err = ParseRetentionError;

    fn from_str(s: &str) -> Result<Self, Self::Err> {
        let text = s.trim();
        if text.eq_ignore_ascii_case("forever") {
            return Ok(Retention::Forever);
        }
        let format = || ParseRetentionError::Format(s.to_owned());
        let split = text.len().checked_sub(1).filter(|&i| text.is_char_boundary(i)).ok_or_else(format)?;
        let (digits, suffix) = text.split_at(split);
        let unit = match suffix {
            "h" => RetentionUnit::Hours,
            "d" => RetentionUnit::Days,
            "w" => RetentionUnit::Weeks,
            "y" => RetentionUnit::Years,
            _ => return Err(format()),
        };
        if digits.is_empty() || !digits.bytes().all(|b| b.is_ascii_digit()) {
            return Err(format());
        }
        let amount: u32 = digits.parse().map_err(|_| ParseRetentionError::TooLong(s.to_owned()))?;
        if amount == 0 {
            return Err(ParseRetentionError::Zero(s.to_owned()));
        }
        if u64::from(amount) * unit.hours() > MAX_HOURS {
            return Err(ParseRetentionError::TooLong(s.to_owned()));
        }
        Ok(Retention::Keep { amount, unit })
    }
}

impl TryFrom<String> for Retention {
    type Error = ParseRetentionError;
    fn try_from(s: String) -> Result<Self, Self::Error> {
        s.parse()
    }
}

impl From<Retention> for String {
    fn from(r: Retention) -> String {
        r.to_string()
    }
}

impl fmt::Display for Retention {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            Retention::Keep { amount, unit } => write!(f, "{amount}{}", unit.suffix()),
            Retention::Forever => f.write_str("forever"),
        }
    }
}

impl Default for RetentionPolicy {
    fn default() -> Self {
        RetentionPolicy {
            raw_events: defaults::raw_events(),
            alerts: defaults::alerts(),
            incidents: defaults::incidents(),
            vault_entries: defaults::vault_entries(),
        }
    }
}

impl RetentionPolicy {
    /// The retention configured for `class`.
    pub fn retention(&self, class: DataClass) -> Retention {
        match class {
            DataClass::RawEvents => self.raw_events,
            DataClass::Alerts => self.alerts,
            DataClass::Incidents => self.incidents,
            DataClass::VaultEntries => self.vault_entries,
        }
    }

    /// Records of `class` older than the returned instant are due for
    /// purging at `now`; `None` when the class is kept forever.
    pub fn cutoff(&self, class: DataClass, now: Timestamp) -> Option<Timestamp> {
        let keep = self.retention(class).duration()?;
        // Past the earliest representable instant nothing is old enough.
        Some(now.checked_sub(keep).unwrap_or(Timestamp::MIN))
    }

    /// The cut-off of every class at `now`.
    pub fn cutoffs(&self, now: Timestamp) -> Vec<(DataClass, Option<Timestamp>)> {
        DataClass::ALL.into_iter().map(|class| (class, self.cutoff(class, now))).collect()
    }
}

impl PurgePlan {
    /// The plan for `policy` at `now`, with counts still unknown.
    pub fn new(policy: &RetentionPolicy, now: Timestamp) -> Self {
        let items =
            policy.cutoffs(now).into_iter().map(|(class, cutoff)| PurgeItem { class, cutoff, count: None }).collect();
        PurgePlan { now, items }
    }

    /// Records how many records of `class` fall before its cut-off.
    pub fn set_count(&mut self, class: DataClass, count: u64) {
        if let Some(item) = self.items.iter_mut().find(|i| i.class == class) {
            item.count = Some(count);
        }
    }

    /// The total over the classes counted so far.
    pub fn total(&self) -> u64 {
        self.items.iter().filter_map(|i| i.count).sum()
    }
}

/// The dry-run table: one line per class.
impl fmt::Display for PurgePlan {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        writeln!(f, "purge plan at {}", self.now)?;
        for item in &self.items {
            let cutoff = item.cutoff.map_or("kept forever".to_owned(), |c| format!("older than {c}"));
            let count = item.count.map_or("?".to_owned(), |n| n.to_string());
            writeln!(f, "  {:<14} {:>10}  {cutoff}", item.class.as_str(), count)?;
        }
        write!(f, "  {:<14} {:>10}", "total", self.total())
    }
}
