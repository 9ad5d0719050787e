//! Alerts, in the shape of IDMEFv2 (IETF draft-lehmann-idmefv2).
//!
//! IDMEFv2 was born in the SAFECARE project to describe cyber and physical
//! incidents in one JSON form, so SafeCare stores, publishes and exchanges
//! its alerts in it. Keys use the format's own PascalCase names. What
//! SafeCare needs beyond the format (its five-level severity, the triggering
//! rule and events, the resolved asset and location, the threat type used by
//! the impact model) travels in an extension object under `SafeCare`, which
//! IDMEFv2 consumers ignore.

use jiff::Timestamp;
use serde::{Deserialize, Serialize};

use crate::{AlertId, Domain, EventId, Location, Severity};

/// The IDMEFv2 version this crate writes.
pub const IDMEF_VERSION: &str = "2.0.3";

/// IDMEFv2 `Status`: a plain event of interest or an incident.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize, Default)]
pub enum AlertStatus {
    /// An event of interest.
    #[default]
    Event,
    /// An incident.
    Incident,
}

/// IDMEFv2 `Cause`.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
pub enum AlertCause {
    /// Normal operation.
    Normal,
    /// A human error.
    Error,
    /// A deliberate attack.
    Malicious,
    /// A failure of equipment or software.
    Malfunction,
    /// A natural cause (fire, flood, weather).
    Natural,
    /// Not known.
    Unknown,
}

/// IDMEFv2 `Analyzer`: what produced the alert.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize, Default)]
#[serde(rename_all = "PascalCase")]
pub struct AlertAnalyzer {
    /// IDMEFv2 `IP`: the analyzer's address.
    #[serde(rename = "IP")]
    pub ip: String,
    /// IDMEFv2 `Name`.
    pub name: String,
    /// IDMEFv2 `Model`.
    pub model: String,
    /// `Cyber`, `Physical` or `Combined`.
    #[serde(rename = "Type", default, skip_serializing_if = "Option::is_none")]
    pub kind: Option<String>,
    /// IDMEFv2 `Category`: what it analyses.
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub category: Vec<String>,
    /// IDMEFv2 `Data`: the kinds of data it reads.
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub data: Vec<String>,
    /// IDMEFv2 `Method`: how it detects.
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub method: Vec<String>,
}

/// An IDMEFv2 `Source`, `Target` or `Sensor` entry.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize, Default)]
#[serde(rename_all = "PascalCase")]
pub struct AlertNode {
    /// IDMEFv2 `IP`.
    #[serde(rename = "IP", default, skip_serializing_if = "Option::is_none")]
    pub ip: Option<String>,
    /// IDMEFv2 `Hostname`.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub hostname: Option<String>,
    /// A pseudonymised person token, never a clear name.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub user: Option<String>,
    /// IDMEFv2 `Location`, as free text.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub location: Option<String>,
    /// IDMEFv2 `Note`.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub note: Option<String>,
}

/// SafeCare's extension object on an alert.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize, Default)]
#[serde(rename_all = "snake_case")]
pub struct AlertExtension {
    /// SafeCare's severity of the alert.
    pub severity: Severity,
    /// Identifier of the rule that fired.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub rule: Option<String>,
    /// The events that made the alert, oldest first.
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub events: Vec<EventId>,
    /// The domains of its events.
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub domains: Vec<Domain>,
    /// The inventory asset it concerns, when known.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub asset: Option<String>,
    /// Where it happened, as far as known.
    #[serde(default, skip_serializing_if = "Location::is_empty")]
    pub location: Location,
    /// Threat type understood by the impact model (`ransomware`, `forced_entry`…).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub threat: Option<String>,
    /// ATT&CK and other tags, as written in the rule.
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub tags: Vec<String>,
}

/// One alert, IDMEFv2-shaped.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(rename_all = "PascalCase")]
pub struct Alert {
    /// IDMEFv2 `Version` ([`IDMEF_VERSION`]).
    pub version: String,
    /// IDMEFv2 `ID`.
    #[serde(rename = "ID")]
    pub id: AlertId,
    /// IDMEFv2 `Entity`: the organisation the alert belongs to.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub entity: Option<String>,
    /// IDMEFv2 `Category`.
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub category: Vec<String>,
    /// IDMEFv2 `Cause`.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub cause: Option<AlertCause>,
    /// IDMEFv2 `Description`: what was detected, for people.
    pub description: String,
    /// IDMEFv2 `Status`.
    #[serde(default)]
    pub status: AlertStatus,
    /// IDMEFv2's own four-level scale, derived from [`AlertExtension::severity`].
    pub priority: String,
    /// IDMEFv2 `Confidence`, in [0, 1].
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub confidence: Option<f64>,
    /// IDMEFv2 `Note`.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub note: Option<String>,
    /// IDMEFv2 `CreateTime`: when the alert was made.
    pub create_time: Timestamp,
    /// IDMEFv2 `StartTime`: when the first event happened.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub start_time: Option<Timestamp>,
    /// IDMEFv2 `CeaseTime`: when the last event happened.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub cease_time: Option<Timestamp>,
    /// IDMEFv2 `Analyzer`: what made the alert.
    pub analyzer: AlertAnalyzer,
    /// IDMEFv2 `Sensor`: what observed the events.
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub sensor: Vec<AlertNode>,
    /// IDMEFv2 `Source`: where the activity came from.
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub source: Vec<AlertNode>,
    /// IDMEFv2 `Target`: what it was aimed at.
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub target: Vec<AlertNode>,
    /// SafeCare's own fields.
    #[serde(rename = "SafeCare", default)]
    pub safecare: AlertExtension,
}

/// IDMEFv2's priority name for a SafeCare severity: the format stops at
/// `High`, so `Critical` maps there too (the exact level stays in the
/// extension).
fn idmef_priority(severity: Severity) -> &'static str {
    match severity {
        Severity::Info => "Info",
        Severity::Low => "Low",
        Severity::Medium => "Medium",
        Severity::High | Severity::Critical => "High",
    }
}

impl Alert {
    /// A new alert from SafeCare's own analyzer, created now.
    pub fn new(description: impl Into<String>, severity: Severity) -> Self {
        Alert {
            version: IDMEF_VERSION.to_owned(),
            id: AlertId::new(),
            entity: None,
            category: Vec::new(),
            cause: None,
            description: description.into(),
            status: AlertStatus::Event,
            priority: idmef_priority(severity).to_owned(),
            confidence: None,
            note: None,
            create_time: Timestamp::now(),
            start_time: None,
            cease_time: None,
            analyzer: AlertAnalyzer {
                ip: "127.0.0.1".to_owned(),
                name: "safecare".to_owned(),
                model: concat!("SafeCare ", env!("CARGO_PKG_VERSION")).to_owned(),
                kind: Some("Combined".to_owned()),
                category: vec!["SIEM".to_owned(), "PSIM".to_owned()],
                data: Vec::new(),
                method: vec!["Signature".to_owned(), "Correlation".to_owned()],
            },
            sensor: Vec::new(),
            source: Vec::new(),
            target: Vec::new(),
            safecare: AlertExtension { severity, ..Default::default() },
        }
    }

    /// SafeCare's severity of the alert.
    pub fn severity(&self) -> Severity {
        self.safecare.severity
    }

    /// Changes the severity, keeping the IDMEFv2 priority in step.
    pub fn set_severity(&mut self, severity: Severity) {
        self.safecare.severity = severity;
        self.priority = idmef_priority(severity).to_owned();
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn alert_uses_idmefv2_keys_and_round_trips() {
        let mut alert = Alert::new("Door forced at pharmacy", Severity::Critical);
        alert.category.push("Intrusion.Physical".into());
        alert.target.push(AlertNode { location: Some("hq/main/0/pharmacy".into()), ..Default::default() });
        alert.safecare.rule = Some("hospital-door-forced-pharmacy".into());
        let json = serde_json::to_value(&alert).unwrap();
        assert_eq!(json["Version"], IDMEF_VERSION);
        assert_eq!(json["Priority"], "High");
        assert_eq!(json["Analyzer"]["Name"], "safecare");
        assert_eq!(json["Target"][0]["Location"], "hq/main/0/pharmacy");
        assert_eq!(json["SafeCare"]["severity"], "critical");
        let back: Alert = serde_json::from_value(json).unwrap();
        assert_eq!(back, alert);
    }

    #[test]
    fn set_severity_keeps_priority_in_step() {
        let mut alert = Alert::new("x", Severity::Info);
        alert.set_severity(Severity::Medium);
        assert_eq!(alert.priority, "Medium");
        assert_eq!(alert.severity(), Severity::Medium);
    }
}
