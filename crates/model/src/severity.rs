//! How bad something is, on one scale shared by events, alerts and incidents.

use serde::{Deserialize, Serialize};

/// Severity, ordered from `Info` to `Critical`.
///
/// Serialised in lower case (`"high"`); the dashboard, the API and incidents
/// use these five words and this order. The IDMEFv2 form of an alert maps it
/// onto that format's own scale with [`Severity::idmef_priority`], the one
/// mapping both ways.
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
    Default,
    strum::IntoStaticStr,
    strum::Display,
    strum::EnumString,
)]
#[serde(rename_all = "lowercase")]
#[strum(serialize_all = "lowercase", ascii_case_insensitive, parse_err_ty = ParseSeverityError, parse_err_fn = ParseSeverityError::new)]
pub enum Severity {
    /// Informational; no action expected.
    #[default]
    Info,
    /// Look at it when time allows.
    Low,
    /// Look at it soon.
    Medium,
    /// Act now.
    High,
    /// The most serious level: act at once.
    Critical,
}

/// A severity name that is not one of the five.
#[derive(Debug, thiserror::Error)]
#[error("unknown severity {0:?}: expected info, low, medium, high or critical")]
pub struct ParseSeverityError(String);

impl ParseSeverityError {
    fn new(name: &str) -> Self {
        ParseSeverityError(name.to_owned())
    }
}

impl Severity {
    /// All severities, lowest first.
    pub const ALL: [Severity; 5] =
        [Severity::Info, Severity::Low, Severity::Medium, Severity::High, Severity::Critical];

    /// The lower-case name used in JSON, the store and the API.
    pub fn as_str(self) -> &'static str {
        self.into()
    }

    /// A small integer (0 = info … 4 = critical), stable for storage.
    pub fn rank(self) -> u8 {
        self as u8
    }

    /// The inverse of [`Severity::rank`].
    pub fn from_rank(rank: u8) -> Option<Self> {
        Self::ALL.get(usize::from(rank)).copied()
    }

    /// IDMEFv2's `Priority` for this severity. That scale stops at `High`,
    /// so `high` and `critical` both read `High` there; the exact severity
    /// travels in the alert's SafeCare attachment.
    pub fn idmef_priority(self) -> &'static str {
        match self {
            Severity::Info => "Info",
            Severity::Low => "Low",
            Severity::Medium => "Medium",
            Severity::High | Severity::Critical => "High",
        }
    }

    /// SafeCare's severity for an IDMEFv2 `Priority` (`Unknown` and anything
    /// else read as `info`). An alert from elsewhere never rises to
    /// `critical` on its own (the incident it joins can).
    pub fn from_idmef_priority(priority: &str) -> Self {
        match priority {
            "High" => Severity::High,
            "Medium" => Severity::Medium,
            "Low" => Severity::Low,
            _ => Severity::Info,
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn ranks_round_trip_and_order() {
        for sev in Severity::ALL {
            assert_eq!(Severity::from_rank(sev.rank()), Some(sev));
            assert_eq!(sev.as_str().parse::<Severity>().unwrap(), sev);
        }
        assert!(Severity::Low < Severity::Critical);
        assert_eq!(Severity::from_rank(5), None);
        assert!("severe".parse::<Severity>().is_err());
    }

    #[test]
    fn idmef_priorities_map_both_ways_and_keep_the_order() {
        let priorities: Vec<&str> = Severity::ALL.iter().map(|s| s.idmef_priority()).collect();
        assert_eq!(priorities, ["Info", "Low", "Medium", "High", "High"]);
        for sev in [Severity::Info, Severity::Low, Severity::Medium, Severity::High] {
            assert_eq!(Severity::from_idmef_priority(sev.idmef_priority()), sev);
        }
        assert_eq!(Severity::from_idmef_priority(Severity::Critical.idmef_priority()), Severity::High);
        assert_eq!(Severity::from_idmef_priority("Unknown"), Severity::Info);
    }
}
