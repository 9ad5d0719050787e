//! Incidents: what people work on, grouping one or more alerts.
//!
//! This type is the record; its lifecycle rules (which transitions are
//! allowed, who may make them, grouping) belong to the response crate.

use jiff::Timestamp;
use serde::{Deserialize, Serialize};

use crate::{AlertId, AssetId, IncidentId, Location, Severity};

/// Where an incident is in its life.
#[derive(
    Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize, Deserialize, Default, strum::IntoStaticStr, strum::EnumString,
)]
#[serde(rename_all = "snake_case")]
#[strum(serialize_all = "snake_case")]
pub enum IncidentStatus {
    /// Opened, nobody has looked yet.
    #[default]
    New,
    /// Someone has taken note.
    Acknowledged,
    /// Being worked.
    InProgress,
    /// The threat is dealt with.
    Resolved,
    /// Reviewed and finished.
    Closed,
}

impl IncidentStatus {
    /// Every status, in life order.
    pub const ALL: [IncidentStatus; 5] = [
        IncidentStatus::New,
        IncidentStatus::Acknowledged,
        IncidentStatus::InProgress,
        IncidentStatus::Resolved,
        IncidentStatus::Closed,
    ];

    /// The name used in the API (`in_progress`).
    pub fn as_str(self) -> &'static str {
        self.into()
    }

    /// True while someone still has to act on it.
    pub fn is_open(self) -> bool {
        !matches!(self, IncidentStatus::Resolved | IncidentStatus::Closed)
    }
}

/// One incident.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct Incident {
    /// Unique id.
    pub id: IncidentId,
    /// A one-line summary.
    pub title: String,
    /// Where it is in its life.
    pub status: IncidentStatus,
    /// How serious it is.
    pub severity: Severity,
    /// When it was opened.
    pub created: Timestamp,
    /// When it last changed.
    pub updated: Timestamp,
    /// The alerts grouped into it, oldest first.
    #[serde(default)]
    pub alerts: Vec<AlertId>,
    /// Inventory asset ids it concerns.
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub assets: Vec<AssetId>,
    /// Where it happens, as far as known.
    #[serde(default, skip_serializing_if = "Location::is_empty")]
    pub location: Location,
    /// Threat type for the impact model (`ransomware`, `forced_entry`…).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub threat: Option<String>,
    /// ATT&CK / ATT&CK for ICS and free tags.
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub tags: Vec<String>,
    /// The user working it, if assigned.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub assignee: Option<String>,
}

impl Incident {
    /// A new incident opened now.
    pub fn new(title: impl Into<String>, severity: Severity) -> Self {
        let now = Timestamp::now();
        Incident {
            id: IncidentId::new(),
            title: title.into(),
            status: IncidentStatus::New,
            severity,
            created: now,
            updated: now,
            alerts: Vec::new(),
            assets: Vec::new(),
            location: Location::default(),
            threat: None,
            tags: Vec::new(),
            assignee: None,
        }
    }
}

/// One change to an incident as the live feed announces it: the incident
/// after the change, and the timeline entry that records the change.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct IncidentChange {
    /// The incident after the change.
    pub incident: Incident,
    /// When the change was made.
    pub at: Timestamp,
    /// Who made the change (a user name, or `safecare` for automatic ones).
    pub actor: String,
    /// The kind of change (`opened`, `alert_added`, `status_changed`…).
    pub action: String,
    /// What changed, for people.
    pub detail: String,
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn incident_round_trips() {
        let mut incident = Incident::new("Ransomware on PACS", Severity::Critical);
        incident.alerts.push(AlertId::new());
        incident.status = IncidentStatus::InProgress;
        incident.tags.push("attack.t1486".into());
        let json = serde_json::to_string(&incident).unwrap();
        assert!(json.contains("\"in_progress\""));
        assert_eq!(serde_json::from_str::<Incident>(&json).unwrap(), incident);
        assert!(incident.status.is_open());
        assert!(!IncidentStatus::Closed.is_open());
    }
}
