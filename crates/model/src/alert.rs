//! Alerts, as SafeCare holds them, and what IDMEFv2 says about them.
//!
//! IDMEFv2 was born in the SAFECARE project to describe cyber and physical
//! incidents in one JSON form, so SafeCare stores, publishes and exchanges
//! its alerts in it. These types are SafeCare's view of an alert; their JSON
//! form is IDMEFv2 draft 2.D.V08 and lives in [`crate::idmef`]: what SafeCare
//! needs beyond the format (its five-level severity, the triggering rule and
//! events, the resolved asset and location, the threat type used by the
//! impact model) travels in a JSON `Attachment`, never as keys the schema
//! does not know.

use jiff::Timestamp;
use serde::{Deserialize, Serialize};

use crate::{AlertId, AssetId, Domain, EventId, Location, Severity};

/// The IDMEFv2 version this crate writes: the draft whose JSON schema its
/// alerts are checked against.
pub const IDMEF_VERSION: &str = "2.D.V08";

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
    /// A natural cause (fire, flood, weather): IDMEFv2 calls it `Hazard`;
    /// `Natural` is read too, as SafeCare wrote it before.
    #[serde(rename = "Hazard", alias = "Natural")]
    Natural,
    /// Not known.
    Unknown,
}

/// IDMEFv2 `Analyzer`: what produced the alert. Values of `category`,
/// `data` and `method` outside IDMEFv2's lists travel in the `ext_` lists.
#[derive(Debug, Clone, PartialEq, Default)]
pub struct AlertAnalyzer {
    /// IDMEFv2 `ID`, a UUID, when the analyzer has one.
    pub id: Option<String>,
    /// IDMEFv2 `IP`: the analyzer's address.
    pub ip: String,
    /// IDMEFv2 `Name`.
    pub name: String,
    /// IDMEFv2 `Hostname`.
    pub hostname: Option<String>,
    /// IDMEFv2 `Model`.
    pub model: String,
    /// `Cyber`, `Physical`, `Availability` or `Combined`: the alert's
    /// IDMEFv2 `Type`, which describes what its analyzer watches.
    pub kind: Option<String>,
    /// IDMEFv2 `Category`: what it analyses.
    pub category: Vec<String>,
    /// IDMEFv2 `ext-Category`.
    pub ext_category: Vec<String>,
    /// IDMEFv2 `Data`: the kinds of data it reads.
    pub data: Vec<String>,
    /// IDMEFv2 `ext-Data`.
    pub ext_data: Vec<String>,
    /// IDMEFv2 `Method`: how it detects.
    pub method: Vec<String>,
    /// IDMEFv2 `ext-Method`.
    pub ext_method: Vec<String>,
    /// IDMEFv2 `Location`, as free text.
    pub location: Option<String>,
    /// IDMEFv2 `GeoLocation`: ISO 6709 coordinates (`+48.75726, +2.299528`).
    pub geolocation: Option<String>,
    /// IDMEFv2 `UnLocation`: a UN/LOCODE (`FR PAR`).
    pub un_location: Option<String>,
}

impl AlertAnalyzer {
    /// SafeCare itself: a SIEM over logs and alerts of every domain, by
    /// rules and correlation.
    pub fn safecare() -> Self {
        AlertAnalyzer {
            ip: "127.0.0.1".to_owned(),
            name: "safecare".to_owned(),
            model: concat!("SafeCare ", env!("CARGO_PKG_VERSION")).to_owned(),
            kind: Some("Combined".to_owned()),
            category: vec!["SIEM.SIEM".to_owned()],
            data: vec!["Log".to_owned(), "Alert".to_owned()],
            method: vec!["Rule-based".to_owned(), "Correlation".to_owned()],
            ..Default::default()
        }
    }
}

/// An IDMEFv2 `Source`, `Target` or `Sensor` entry. Its JSON form needs an
/// `ID` (`Source`, `Target`) or a `Name` (`Sensor`); when it has none, the
/// JSON form derives the one from the alert's id and the other from what
/// the entry knows.
#[derive(Debug, Clone, PartialEq, Default)]
pub struct AlertNode {
    /// IDMEFv2 `ID`, a UUID.
    pub id: Option<String>,
    /// IDMEFv2 `Name` (sensors).
    pub name: Option<String>,
    /// IDMEFv2 `IP`.
    pub ip: Option<String>,
    /// IDMEFv2 `Hostname`.
    pub hostname: Option<String>,
    /// A pseudonymised person token, never a clear name.
    pub user: Option<String>,
    /// IDMEFv2 `Location`, as free text.
    pub location: Option<String>,
    /// IDMEFv2 `GeoLocation`: ISO 6709 coordinates (`+48.75726, +2.299528`).
    pub geolocation: Option<String>,
    /// IDMEFv2 `UnLocation`: a UN/LOCODE (`FR PAR`).
    pub un_location: Option<String>,
    /// IDMEFv2 `Note`.
    pub note: Option<String>,
    /// IDMEFv2 `Attachment` (sources and targets): the names of the alert's
    /// attachments about this node.
    pub attachments: Vec<String>,
}

/// Another detector's IDMEFv2 `Attachment` (a clip, a capture, a log
/// excerpt), kept on the alert as evidence and sent on with it. Its content
/// is kept only when small ([`MAX_ATTACHMENT_CONTENT`]); the size, hashes
/// and external links stay, so that the evidence can still be fetched and
/// checked.
#[derive(Debug, Clone, PartialEq, Default)]
pub struct AlertAttachment {
    /// IDMEFv2 `Name`: letters and digits, unique within the alert.
    pub name: String,
    /// IDMEFv2 `FileName`.
    pub file_name: Option<String>,
    /// IDMEFv2 `ContentType`: a media type.
    pub content_type: Option<String>,
    /// IDMEFv2 `ContentEncoding` (`json`, `base64`).
    pub content_encoding: Option<String>,
    /// IDMEFv2 `Size`: the content's length in bytes, before any encoding.
    pub size: Option<u64>,
    /// IDMEFv2 `Hash`: `function:hex` checksums of the raw content.
    pub hash: Vec<String>,
    /// IDMEFv2 `Ref`: URIs of related information.
    pub reference: Vec<String>,
    /// IDMEFv2 `ExternalURI`: where the content can be fetched.
    pub external_uri: Vec<String>,
    /// IDMEFv2 `Note`.
    pub note: Option<String>,
    /// IDMEFv2 `Content`, text or a JSON object; none when it was larger
    /// than [`MAX_ATTACHMENT_CONTENT`].
    pub content: Option<serde_json::Value>,
}

/// The largest attachment content kept, in bytes of its text (a JSON
/// object's as written): a short log excerpt or a snapshot's thumbnail, not
/// a video. Larger content is dropped and its size, hashes and links kept.
pub const MAX_ATTACHMENT_CONTENT: usize = 8 * 1024;

/// The most attachments kept on one alert besides SafeCare's own.
pub const MAX_ATTACHMENTS: usize = 16;

/// SafeCare's own data on an alert: in its JSON form, the content of the
/// `Attachment` named `safecare`.
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
    pub asset: Option<AssetId>,
    /// Where it happened, as far as known.
    #[serde(default, skip_serializing_if = "Location::is_empty")]
    pub location: Location,
    /// Threat type understood by the impact model (`ransomware`, `forced_entry`…).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub threat: Option<String>,
    /// ATT&CK and other tags, as written in the rule.
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub tags: Vec<String>,
    /// The exercise run it belongs to: raised by an event of that run
    /// ([`crate::EXERCISE_FIELD`]); absent for real alerts.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub exercise: Option<String>,
}

/// One alert. Its JSON form (serde) is IDMEFv2, see [`crate::idmef`].
#[derive(Debug, Clone, PartialEq)]
pub struct Alert {
    /// IDMEFv2 `Version` ([`IDMEF_VERSION`]).
    pub version: String,
    /// IDMEFv2 `ID`.
    pub id: AlertId,
    /// IDMEFv2 `EntityName`: the organisation the alert belongs to.
    pub entity: Option<String>,
    /// SafeCare's categories (threat types such as `ransomware`); the JSON
    /// form maps them onto IDMEFv2's `Category` list and keeps them in
    /// `AltCategory`.
    pub category: Vec<String>,
    /// IDMEFv2 `Cause`.
    pub cause: Option<AlertCause>,
    /// IDMEFv2 `Description`: what was detected, for people.
    pub description: String,
    /// IDMEFv2 `Status`.
    pub status: AlertStatus,
    /// IDMEFv2's own four-level scale, derived from [`AlertExtension::severity`].
    pub priority: String,
    /// IDMEFv2 `Confidence`, in [0, 1].
    pub confidence: Option<f64>,
    /// IDMEFv2 `Note`.
    pub note: Option<String>,
    /// IDMEFv2 `CreateTime`: when the alert was made.
    pub create_time: Timestamp,
    /// IDMEFv2 `StartTime`: when the first event happened.
    pub start_time: Option<Timestamp>,
    /// IDMEFv2 `EndTime`: when the last event happened.
    pub cease_time: Option<Timestamp>,
    /// IDMEFv2 `Analyzer`: what made the alert.
    pub analyzer: AlertAnalyzer,
    /// IDMEFv2 `Sensor`: what observed the events.
    pub sensor: Vec<AlertNode>,
    /// IDMEFv2 `Source`: where the activity came from.
    pub source: Vec<AlertNode>,
    /// IDMEFv2 `Target`: what it was aimed at.
    pub target: Vec<AlertNode>,
    /// IDMEFv2 `Attachment`s other than SafeCare's own: the evidence
    /// another detector sent along.
    pub attachments: Vec<AlertAttachment>,
    /// SafeCare's own fields (the `safecare` attachment).
    pub safecare: AlertExtension,
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
            priority: severity.idmef_priority().to_owned(),
            confidence: None,
            note: None,
            create_time: Timestamp::now(),
            start_time: None,
            cease_time: None,
            analyzer: AlertAnalyzer::safecare(),
            sensor: Vec::new(),
            source: Vec::new(),
            target: Vec::new(),
            attachments: Vec::new(),
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
        self.priority = severity.idmef_priority().to_owned();
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn set_severity_keeps_priority_in_step() {
        let mut alert = Alert::new("x", Severity::Info);
        alert.set_severity(Severity::Medium);
        assert_eq!(alert.priority, "Medium");
        assert_eq!(alert.severity(), Severity::Medium);
    }
}
