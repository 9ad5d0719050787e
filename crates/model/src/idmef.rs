//! The JSON form of an [`Alert`]: IDMEFv2, draft 2.D.V08.
//!
//! Written so that every alert SafeCare sends out validates against the
//! draft's JSON schema (`additionalProperties: false` at every level, closed
//! lists of categories, required `ID` on sources and targets, `Name` on
//! sensors and analyzers):
//!
//! - SafeCare's own data ([`AlertExtension`]: severity, rule, events,
//!   domains, asset, location, threat, tags) is the JSON content of the
//!   `Attachment` named `safecare`;
//! - SafeCare's categories (threat types) go to `Category` through
//!   [`Threat`] and stay as written in `AltCategory`; one
//!   [`Threat`] does not know becomes `Other.ext-value` with the name in
//!   `ext-Category`;
//! - the analyzer's `Type` becomes the alert's `Type`; analyzer categories,
//!   data kinds and methods this crate cannot vouch for move to the
//!   analyzer's `ext-` lists;
//! - a source or target without an `ID` gets one derived from the alert's
//!   id and its place (the same on every write; read back, the node keeps
//!   it), a sensor without a name is named by its host or address; an
//!   address that is not an IP address is left out.
//!
//! Reading accepts this form, IDMEFv2 from other detectors (no `safecare`
//! attachment: severity from `Priority`, threat from `Category`) and the
//! form SafeCare stored before (`SafeCare` extension object, `CeaseTime`),
//! so stored alerts need no migration. Reading is lenient on purpose:
//! checking that a document from elsewhere is valid IDMEFv2 is the ingest
//! decoder's job, before it is stored.

use std::net::IpAddr;

use jiff::Timestamp;
use serde::{Deserialize, Deserializer, Serialize, Serializer};
use serde_json::Value;

use crate::alert::idmef_priority;
use crate::threat::Threat;
use crate::{Alert, AlertAnalyzer, AlertCause, AlertExtension, AlertId, AlertNode, AlertStatus, Severity};
use strum::VariantArray;

/// The logsource product of events that carry an IDMEFv2 alert from
/// another detector (set by the ingest decoder, read by detection).
pub const INBOUND_PRODUCT: &str = "idmefv2";

/// The `Name` of the attachment that carries [`AlertExtension`].
pub const ATTACHMENT_NAME: &str = "safecare";

/// For incoming categories the table does not name: the threat of the
/// category's class.
const CLASS_THREATS: &[(&str, &str)] =
    &[("Malware.", "intrusion"), ("Theft.", "data_exfiltration"), ("Sabotage.", "sabotage"), ("Recon.", "intrusion")];

/// Placeholder of IDMEFv2's closed lists for a value given in an `ext-` list.
const EXT_VALUE: &str = "ext-value";

/// Analyzer categories, data kinds and methods written as they are; others
/// move to the `ext-` lists, so a value this crate cannot vouch for never
/// makes an alert invalid.
const ANALYZER_CATEGORIES: &[&str] = &[
    "Undetermined",
    "SIEM.SIEM",
    "SIEM.LOG",
    "SIEM.SOAR",
    "PHY.ACCESS-CTRL",
    "PHY.MOT-SEN",
    "PHY.GLASS-BRK",
    "PHY.VAD",
    "PHY.OBJ-DET",
    "NET.NIDS",
    "NET.FW",
    "END.EDR",
    "END.AV",
    "OT.OT-IDS",
    "OT.IoT-IDS",
];
const ANALYZER_DATA: &[&str] = &[
    "Undetermined",
    "Log",
    "Alert",
    "Network",
    "Flow",
    "Host",
    "Authentication",
    "Images",
    "Temperature",
    "Contact",
    "File",
];
const ANALYZER_METHODS: &[&str] = &[
    "Undetermined",
    "Rule-based",
    "Correlation",
    "Signature",
    "Anomaly",
    "Behavioral",
    "Threshold",
    "Pattern",
    "Heuristic",
    "AI",
    "Statistical",
];
const PRIORITIES: [&str; 5] = ["Unknown", "Info", "Low", "Medium", "High"];
const TYPES: [&str; 4] = ["Cyber", "Physical", "Availability", "Combined"];

/// The IDMEFv2 category for a SafeCare threat type (by any spelling), if
/// [`Threat`] knows it.
pub fn category_for_threat(threat: &str) -> Option<&'static str> {
    Threat::named(threat).and_then(|t| t.idmef_categories().first().copied())
}

/// The SafeCare threat type for an IDMEFv2 category: [`Threat`]'s, else its
/// class's.
pub fn threat_for_category(category: &str) -> Option<&'static str> {
    Threat::of_idmef_category(category)
        .map(<&'static str>::from)
        .or_else(|| CLASS_THREATS.iter().find(|(class, _)| category.starts_with(class)).map(|(_, t)| *t))
}

/// `name`, if it is an IDMEFv2 category some [`Threat`] stands for.
fn threat_category(name: &str) -> Option<&'static str> {
    Threat::VARIANTS.iter().flat_map(|t| t.idmef_categories()).find(|c| **c == name).copied()
}

/// SafeCare's severity for an IDMEFv2 `Priority`. The format stops at
/// `High`; an alert from elsewhere never rises to `Critical` on its own
/// (the incident it joins can).
pub fn severity_for_priority(priority: &str) -> Severity {
    match priority {
        "High" => Severity::High,
        "Medium" => Severity::Medium,
        "Low" => Severity::Low,
        _ => Severity::Info,
    }
}

/// True for a UUID in the hyphenated form IDMEFv2 requires.
pub fn is_uuid(text: &str) -> bool {
    text.len() == 36 && uuid::Uuid::try_parse(text).is_ok()
}

/// An IP address in the one spelling IDMEFv2's pattern accepts.
fn ip(text: &str) -> Option<String> {
    text.parse::<IpAddr>().ok().map(|ip| ip.to_string())
}

/// Splits `values` into those on IDMEFv2's list `known` and the others,
/// marking the list with `ext-value` when some move out.
fn split_known<'a>(values: &'a [String], ext: &'a [String], known: &[&str]) -> (Vec<&'a str>, Vec<&'a str>) {
    let (mut listed, mut others): (Vec<&str>, Vec<&str>) =
        values.iter().map(String::as_str).partition(|v| known.contains(v));
    others.extend(ext.iter().map(String::as_str));
    others.dedup();
    if !others.is_empty() {
        listed.push(EXT_VALUE);
    }
    (listed, others)
}

#[derive(Serialize)]
#[serde(rename_all = "PascalCase")]
struct AlertOut<'a> {
    version: &'static str,
    #[serde(rename = "ID")]
    id: AlertId,
    #[serde(skip_serializing_if = "Option::is_none")]
    entity_name: Option<&'a str>,
    #[serde(skip_serializing_if = "Vec::is_empty")]
    r#type: Vec<&'a str>,
    #[serde(skip_serializing_if = "Vec::is_empty")]
    category: Vec<&'a str>,
    #[serde(rename = "ext-Category", skip_serializing_if = "Vec::is_empty")]
    ext_category: Vec<&'a str>,
    #[serde(skip_serializing_if = "Option::is_none")]
    cause: Option<AlertCause>,
    description: &'a str,
    status: [AlertStatus; 1],
    priority: &'a str,
    #[serde(skip_serializing_if = "Option::is_none")]
    confidence: Option<f64>,
    #[serde(skip_serializing_if = "Option::is_none")]
    note: Option<&'a str>,
    create_time: Timestamp,
    #[serde(skip_serializing_if = "Option::is_none")]
    start_time: Option<Timestamp>,
    #[serde(skip_serializing_if = "Option::is_none")]
    end_time: Option<Timestamp>,
    #[serde(skip_serializing_if = "<[String]>::is_empty")]
    alt_category: &'a [String],
    analyzer: AnalyzerOut<'a>,
    #[serde(skip_serializing_if = "Vec::is_empty")]
    sensor: Vec<SensorOut<'a>>,
    #[serde(skip_serializing_if = "Vec::is_empty")]
    source: Vec<NodeOut<'a>>,
    #[serde(skip_serializing_if = "Vec::is_empty")]
    target: Vec<NodeOut<'a>>,
    attachment: [AttachmentOut<'a>; 1],
}

#[derive(Serialize)]
#[serde(rename_all = "PascalCase")]
struct AnalyzerOut<'a> {
    #[serde(rename = "ID", skip_serializing_if = "Option::is_none")]
    id: Option<&'a str>,
    #[serde(rename = "IP", skip_serializing_if = "Option::is_none")]
    ip: Option<String>,
    name: &'a str,
    #[serde(skip_serializing_if = "Option::is_none")]
    hostname: Option<&'a str>,
    #[serde(skip_serializing_if = "str::is_empty")]
    model: &'a str,
    #[serde(skip_serializing_if = "Vec::is_empty")]
    category: Vec<&'a str>,
    #[serde(rename = "ext-Category", skip_serializing_if = "Vec::is_empty")]
    ext_category: Vec<&'a str>,
    #[serde(skip_serializing_if = "Vec::is_empty")]
    data: Vec<&'a str>,
    #[serde(rename = "ext-Data", skip_serializing_if = "Vec::is_empty")]
    ext_data: Vec<&'a str>,
    #[serde(skip_serializing_if = "Vec::is_empty")]
    method: Vec<&'a str>,
    #[serde(rename = "ext-Method", skip_serializing_if = "Vec::is_empty")]
    ext_method: Vec<&'a str>,
    #[serde(skip_serializing_if = "Option::is_none")]
    location: Option<&'a str>,
}

#[derive(Serialize)]
#[serde(rename_all = "PascalCase")]
struct SensorOut<'a> {
    #[serde(rename = "ID", skip_serializing_if = "Option::is_none")]
    id: Option<&'a str>,
    #[serde(rename = "IP", skip_serializing_if = "Option::is_none")]
    ip: Option<String>,
    name: &'a str,
    #[serde(skip_serializing_if = "Option::is_none")]
    hostname: Option<&'a str>,
    #[serde(skip_serializing_if = "Option::is_none")]
    location: Option<&'a str>,
}

#[derive(Serialize)]
#[serde(rename_all = "PascalCase")]
struct NodeOut<'a> {
    #[serde(rename = "ID")]
    id: String,
    #[serde(rename = "IP", skip_serializing_if = "Option::is_none")]
    ip: Option<String>,
    #[serde(skip_serializing_if = "Option::is_none")]
    hostname: Option<&'a str>,
    #[serde(skip_serializing_if = "Option::is_none")]
    user: Option<&'a str>,
    #[serde(skip_serializing_if = "Option::is_none")]
    location: Option<&'a str>,
    #[serde(skip_serializing_if = "Option::is_none")]
    note: Option<&'a str>,
}

#[derive(Serialize)]
#[serde(rename_all = "PascalCase")]
struct AttachmentOut<'a> {
    name: &'static str,
    content_type: &'static str,
    content: &'a AlertExtension,
}

/// Which list of an alert a node is on, for the ids derived for it.
#[derive(Clone, Copy)]
enum Role {
    Source = 1,
    Target = 2,
}

/// The id of a source or target that brought none: the alert's id with its
/// last bytes mixed with the node's list and place, so it is the same on
/// every write of the same alert and unique within it.
fn node_id(alert: AlertId, role: Role, index: usize) -> String {
    let mut bytes = alert.0.into_bytes();
    bytes[13] ^= role as u8;
    for (slot, byte) in bytes[14..].iter_mut().zip((index as u16).to_be_bytes()) {
        *slot ^= byte;
    }
    uuid::Builder::from_custom_bytes(bytes).into_uuid().to_string()
}

fn nodes_out<'a>(alert: &Alert, nodes: &'a [AlertNode], role: Role) -> Vec<NodeOut<'a>> {
    let nodes = nodes.iter().enumerate().map(|(index, node)| NodeOut {
        id: node.id.clone().filter(|id| is_uuid(id)).unwrap_or_else(|| node_id(alert.id, role, index)),
        ip: node.ip.as_deref().and_then(ip),
        hostname: node.hostname.as_deref(),
        user: node.user.as_deref(),
        location: node.location.as_deref(),
        note: node.note.as_deref(),
    });
    nodes.collect()
}

fn sensor_out(node: &AlertNode) -> SensorOut<'_> {
    let name = node.name.as_deref().or(node.hostname.as_deref()).or(node.ip.as_deref()).unwrap_or("sensor");
    SensorOut {
        id: node.id.as_deref().filter(|id| is_uuid(id)),
        ip: node.ip.as_deref().and_then(ip),
        name,
        hostname: node.hostname.as_deref(),
        location: node.location.as_deref(),
    }
}

/// `Category` and `ext-Category` for SafeCare's categories: each mapped
/// through [`Threat`]; an IDMEFv2 category the table names stays;
/// anything else is `Other.ext-value`, named in `ext-Category`.
fn categories(alert: &Alert) -> (Vec<&str>, Vec<&str>) {
    let mut listed = Vec::new();
    let mut others = Vec::new();
    let threat = alert.safecare.threat.as_slice();
    for name in alert.category.iter().chain(threat) {
        let known = category_for_threat(name).or_else(|| threat_category(name));
        match known {
            Some(category) if !listed.contains(&category) => listed.push(category),
            Some(_) => {}
            None if !others.contains(&name.as_str()) => others.push(name.as_str()),
            None => {}
        }
    }
    if !others.is_empty() {
        listed.push("Other.ext-value");
    }
    (listed, others)
}

fn analyzer_out(analyzer: &AlertAnalyzer) -> AnalyzerOut<'_> {
    let (category, ext_category) = split_known(&analyzer.category, &analyzer.ext_category, ANALYZER_CATEGORIES);
    let (data, ext_data) = split_known(&analyzer.data, &analyzer.ext_data, ANALYZER_DATA);
    let (method, ext_method) = split_known(&analyzer.method, &analyzer.ext_method, ANALYZER_METHODS);
    AnalyzerOut {
        id: analyzer.id.as_deref().filter(|id| is_uuid(id)),
        ip: ip(&analyzer.ip),
        name: if analyzer.name.is_empty() { "unnamed" } else { &analyzer.name },
        hostname: analyzer.hostname.as_deref(),
        model: &analyzer.model,
        category,
        ext_category,
        data,
        ext_data,
        method,
        ext_method,
        location: analyzer.location.as_deref(),
    }
}

impl Serialize for Alert {
    fn serialize<S: Serializer>(&self, serializer: S) -> Result<S::Ok, S::Error> {
        let (category, ext_category) = categories(self);
        let priority = if PRIORITIES.contains(&self.priority.as_str()) {
            self.priority.as_str()
        } else {
            idmef_priority(self.severity())
        };
        AlertOut {
            version: crate::IDMEF_VERSION,
            id: self.id,
            entity_name: self.entity.as_deref(),
            r#type: self.analyzer.kind.as_deref().filter(|k| TYPES.contains(k)).into_iter().collect(),
            category,
            ext_category,
            cause: self.cause,
            description: &self.description,
            status: [self.status],
            priority,
            confidence: self.confidence.filter(|c| (0.0..=1.0).contains(c)),
            note: self.note.as_deref(),
            create_time: self.create_time,
            start_time: self.start_time,
            end_time: self.cease_time,
            alt_category: &self.category,
            analyzer: analyzer_out(&self.analyzer),
            sensor: self.sensor.iter().map(sensor_out).collect(),
            source: nodes_out(self, &self.source, Role::Source),
            target: nodes_out(self, &self.target, Role::Target),
            attachment: [AttachmentOut {
                name: ATTACHMENT_NAME,
                content_type: "application/json",
                content: &self.safecare,
            }],
        }
        .serialize(serializer)
    }
}

/// One value or a list of them (`Status` was a single value before).
#[derive(Deserialize)]
#[serde(untagged)]
enum OneOrMany {
    One(String),
    Many(Vec<String>),
}

impl OneOrMany {
    fn first_of(&self, wanted: &str) -> bool {
        match self {
            OneOrMany::One(v) => v == wanted,
            OneOrMany::Many(v) => v.iter().any(|v| v == wanted),
        }
    }
}

#[derive(Deserialize)]
#[serde(rename_all = "PascalCase")]
struct AlertIn {
    #[serde(rename = "ID")]
    id: AlertId,
    #[serde(alias = "Entity")]
    entity_name: Option<String>,
    #[serde(default)]
    r#type: Vec<String>,
    #[serde(default)]
    category: Vec<String>,
    #[serde(rename = "ext-Category", default)]
    ext_category: Vec<String>,
    #[serde(default)]
    alt_category: Vec<String>,
    cause: Option<String>,
    #[serde(default)]
    description: String,
    status: Option<OneOrMany>,
    priority: Option<String>,
    confidence: Option<f64>,
    note: Option<String>,
    create_time: Timestamp,
    start_time: Option<Timestamp>,
    #[serde(alias = "CeaseTime")]
    end_time: Option<Timestamp>,
    #[serde(default)]
    analyzer: AnalyzerIn,
    #[serde(default)]
    sensor: Vec<NodeIn>,
    #[serde(default)]
    source: Vec<NodeIn>,
    #[serde(default)]
    target: Vec<NodeIn>,
    #[serde(default)]
    attachment: Vec<AttachmentIn>,
    /// SafeCare's extension object as stored before 2.D.V08.
    #[serde(rename = "SafeCare")]
    legacy: Option<AlertExtension>,
}

#[derive(Deserialize, Default)]
#[serde(rename_all = "PascalCase", default)]
struct AnalyzerIn {
    #[serde(rename = "ID")]
    id: Option<String>,
    #[serde(rename = "IP")]
    ip: String,
    name: String,
    hostname: Option<String>,
    model: String,
    /// The analyzer's type, where SafeCare wrote it before.
    r#type: Option<String>,
    category: Vec<String>,
    #[serde(rename = "ext-Category")]
    ext_category: Vec<String>,
    data: Vec<String>,
    #[serde(rename = "ext-Data")]
    ext_data: Vec<String>,
    method: Vec<String>,
    #[serde(rename = "ext-Method")]
    ext_method: Vec<String>,
    location: Option<String>,
}

#[derive(Deserialize, Default)]
#[serde(rename_all = "PascalCase", default)]
struct NodeIn {
    #[serde(rename = "ID")]
    id: Option<String>,
    name: Option<String>,
    #[serde(rename = "IP")]
    ip: Option<String>,
    hostname: Option<String>,
    user: Option<String>,
    location: Option<String>,
    note: Option<String>,
}

impl From<NodeIn> for AlertNode {
    fn from(n: NodeIn) -> Self {
        AlertNode {
            id: n.id,
            name: n.name,
            ip: n.ip,
            hostname: n.hostname,
            user: n.user,
            location: n.location,
            note: n.note,
        }
    }
}

#[derive(Deserialize)]
#[serde(rename_all = "PascalCase")]
struct AttachmentIn {
    name: String,
    content: Option<Value>,
}

impl AttachmentIn {
    /// SafeCare's data, when this is its attachment (content as a JSON
    /// object, or as text holding one).
    fn extension(&self) -> Option<AlertExtension> {
        if self.name != ATTACHMENT_NAME {
            return None;
        }
        match self.content.as_ref()? {
            Value::String(text) => serde_json::from_str(text).ok(),
            value => serde_json::from_value(value.clone()).ok(),
        }
    }
}

fn without_ext_value(values: Vec<String>) -> Vec<String> {
    values.into_iter().filter(|v| v != EXT_VALUE).collect()
}

impl From<AlertIn> for Alert {
    fn from(a: AlertIn) -> Self {
        let own = a.attachment.iter().find_map(AttachmentIn::extension);
        let was_stored_before = a.legacy.is_some();
        let category = if !a.alt_category.is_empty() {
            a.alt_category
        } else if was_stored_before {
            // The old form held SafeCare's threat names in `Category`.
            a.category
        } else {
            let mut from_elsewhere = without_ext_value(a.category);
            for name in a.ext_category {
                if !from_elsewhere.contains(&name) {
                    from_elsewhere.push(name);
                }
            }
            from_elsewhere
        };
        let priority = a.priority.filter(|p| PRIORITIES.contains(&p.as_str()));
        let safecare = own.or(a.legacy).unwrap_or_else(|| AlertExtension {
            severity: priority.as_deref().map_or(Severity::Info, severity_for_priority),
            threat: category.iter().find_map(|c| threat_for_category(c)).map(str::to_owned),
            ..Default::default()
        });
        let analyzer = if was_stored_before {
            // What SafeCare wrote then is not on IDMEFv2's lists.
            AlertAnalyzer::safecare()
        } else {
            let n = a.analyzer;
            AlertAnalyzer {
                id: n.id,
                ip: n.ip,
                name: n.name,
                hostname: n.hostname,
                model: n.model,
                kind: a.r#type.into_iter().next().or(n.r#type),
                category: without_ext_value(n.category),
                ext_category: n.ext_category,
                data: without_ext_value(n.data),
                ext_data: n.ext_data,
                method: without_ext_value(n.method),
                ext_method: n.ext_method,
                location: n.location,
            }
        };
        let cause = a.cause.and_then(|c| serde_json::from_value(Value::String(c)).ok());
        Alert {
            version: crate::IDMEF_VERSION.to_owned(),
            id: a.id,
            entity: a.entity_name,
            category,
            cause,
            description: a.description,
            status: if a.status.is_some_and(|s| s.first_of("Incident")) {
                AlertStatus::Incident
            } else {
                AlertStatus::Event
            },
            priority: priority.unwrap_or_else(|| idmef_priority(safecare.severity).to_owned()),
            confidence: a.confidence,
            note: a.note,
            create_time: a.create_time,
            start_time: a.start_time,
            cease_time: a.end_time,
            analyzer,
            sensor: a.sensor.into_iter().map(AlertNode::from).collect(),
            source: a.source.into_iter().map(AlertNode::from).collect(),
            target: a.target.into_iter().map(AlertNode::from).collect(),
            safecare,
        }
    }
}

impl<'de> Deserialize<'de> for Alert {
    fn deserialize<D: Deserializer<'de>>(deserializer: D) -> Result<Self, D::Error> {
        AlertIn::deserialize(deserializer).map(Alert::from)
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::{Domain, EventId, Location};
    use serde_json::json;

    fn safecare_alert() -> Alert {
        let mut alert = Alert::new("Ransomware note on PACS", Severity::Critical);
        alert.category.push("ransomware".into());
        alert.cause = Some(AlertCause::Natural);
        alert.start_time = Some(alert.create_time);
        alert.cease_time = Some(alert.create_time);
        alert.target.push(AlertNode {
            hostname: Some("pacs-01".into()),
            ip: Some("10.1.0.9".into()),
            location: Some("hq/main/-1/_/dc".into()),
            ..Default::default()
        });
        alert.source.push(AlertNode { user: Some("tok-1".into()), ..Default::default() });
        alert.sensor.push(AlertNode { hostname: Some("dc-01".into()), ..Default::default() });
        let ext = &mut alert.safecare;
        ext.rule = Some("hospital-ransomware-note".into());
        ext.events = vec![EventId::new(), EventId::new()];
        ext.domains = vec![Domain::Cyber];
        ext.asset = Some("srv-pacs-01".into());
        ext.location = Location::from_path("hq/main/-1/_/dc");
        ext.threat = Some("ransomware".into());
        ext.tags = vec!["attack.t1486".into()];
        alert
    }

    #[test]
    fn safecare_data_travels_in_the_attachment_and_round_trips() {
        let alert = safecare_alert();
        let json = serde_json::to_value(&alert).unwrap();
        assert_eq!(json["Version"], "2.D.V08");
        assert_eq!(json["Category"], json!(["Malware.Ransomware"]));
        assert_eq!(json["AltCategory"], json!(["ransomware"]));
        assert_eq!(json["Type"], json!(["Combined"]));
        assert_eq!(json["Cause"], "Hazard");
        assert_eq!(json["Status"], json!(["Event"]));
        assert_eq!(json["Priority"], "High");
        assert!(json.get("SafeCare").is_none() && json.get("CeaseTime").is_none());
        assert_eq!(json["EndTime"], json["CreateTime"]);
        assert_eq!(json["Analyzer"]["Category"], json!(["SIEM.SIEM"]));
        assert!(json["Analyzer"].get("Type").is_none());
        let attachment = &json["Attachment"][0];
        assert_eq!(attachment["Name"], "safecare");
        assert_eq!(attachment["ContentType"], "application/json");
        assert_eq!(attachment["Content"]["severity"], "critical");
        assert_eq!(attachment["Content"]["rule"], "hospital-ransomware-note");
        assert!(is_uuid(json["Source"][0]["ID"].as_str().unwrap()));
        assert_ne!(json["Source"][0]["ID"], json["Target"][0]["ID"]);
        assert_eq!(json["Sensor"][0]["Name"], "dc-01");
        assert_eq!(serde_json::to_value(&alert).unwrap(), json, "derived ids are stable");
        // Read back, it keeps the ids and names its JSON form gave its
        // nodes, and everything else as it was.
        let back: Alert = serde_json::from_value(json.clone()).unwrap();
        assert_eq!(serde_json::to_value(&back).unwrap(), json);
        let unnamed = |nodes: &[AlertNode]| -> Vec<AlertNode> {
            nodes.iter().cloned().map(|n| AlertNode { id: None, name: None, ..n }).collect()
        };
        assert_eq!(unnamed(&back.target), alert.target);
        assert_eq!(unnamed(&back.source), alert.source);
        assert_eq!(unnamed(&back.sensor), alert.sensor);
        assert_eq!(
            Alert { target: vec![], source: vec![], sensor: vec![], ..back },
            Alert { target: vec![], source: vec![], sensor: vec![], ..alert }
        );
    }

    #[test]
    fn values_off_idmef_lists_move_to_ext_lists() {
        let mut alert = safecare_alert();
        alert.category = vec!["ransomware".into(), "made_up_threat".into()];
        alert.analyzer.category.push("PSIM".into());
        alert.target[0].ip = Some("not-an-ip".into());
        alert.priority = "Urgent".into();
        let json = serde_json::to_value(&alert).unwrap();
        assert_eq!(json["Category"], json!(["Malware.Ransomware", "Other.ext-value"]));
        assert_eq!(json["ext-Category"], json!(["made_up_threat"]));
        assert_eq!(json["Analyzer"]["Category"], json!(["SIEM.SIEM", "ext-value"]));
        assert_eq!(json["Analyzer"]["ext-Category"], json!(["PSIM"]));
        assert!(json["Target"][0].get("IP").is_none());
        assert_eq!(json["Priority"], "High");
    }

    #[test]
    fn alerts_from_elsewhere_map_priority_and_category() {
        let peer = json!({
            "Version": "2.D.V08", "ID": "09db946e-673e-49af-b4b2-a8cd9da58de6",
            "CreateTime": "2026-01-05T10:01:00Z", "Priority": "Medium", "Status": ["Open"],
            "Category": ["Access.Forced"], "Type": ["Physical"], "Cause": "Malicious",
            "Analyzer": {"Name": "psim-01", "IP": "10.2.0.5", "Category": ["PHY.ACCESS-CTRL"]},
            "Target": [{"ID": "8e2c1ad0-1c51-4b7e-9a3e-0d5d0e0c2f11", "Hostname": "door-srv"}]
        });
        let alert: Alert = serde_json::from_value(peer).unwrap();
        assert_eq!(alert.severity(), Severity::Medium);
        assert_eq!(alert.safecare.threat.as_deref(), Some("forced_entry"));
        assert_eq!(alert.analyzer.kind.as_deref(), Some("Physical"));
        assert_eq!(alert.cause, Some(AlertCause::Malicious));
        let out = serde_json::to_value(&alert).unwrap();
        assert_eq!(out["Category"], json!(["Access.Forced"]));
        assert_eq!(out["Target"][0]["ID"], "8e2c1ad0-1c51-4b7e-9a3e-0d5d0e0c2f11");
        assert_eq!(out["Analyzer"]["Category"], json!(["PHY.ACCESS-CTRL"]));
    }

    #[test]
    fn the_form_stored_before_reads_without_migration() {
        let stored = json!({
            "Version": "2.0.3", "ID": "09db946e-673e-49af-b4b2-a8cd9da58de6",
            "Category": ["fire"], "Cause": "Natural", "Description": "Smoke", "Status": "Incident",
            "Priority": "High", "CreateTime": "2026-01-05T10:01:00Z", "CeaseTime": "2026-01-05T10:02:00Z",
            "Analyzer": {"IP": "127.0.0.1", "Name": "safecare", "Model": "SafeCare 0.1.0", "Type": "Combined",
                         "Category": ["SIEM", "PSIM"]},
            "SafeCare": {"severity": "critical", "rule": "r1", "threat": "fire"}
        });
        let alert: Alert = serde_json::from_value(stored).unwrap();
        assert_eq!(alert.severity(), Severity::Critical);
        assert_eq!(alert.category, ["fire"]);
        assert_eq!(alert.status, AlertStatus::Incident);
        assert_eq!(alert.cause, Some(AlertCause::Natural));
        assert!(alert.cease_time.is_some());
        let out = serde_json::to_value(&alert).unwrap();
        assert_eq!(out["Category"], json!(["Safety.Fire"]));
        assert_eq!(out["Analyzer"]["Category"], json!(["SIEM.SIEM"]));
    }

    #[test]
    fn every_threat_maps_both_ways() {
        for threat in Threat::VARIANTS.iter().map(ToString::to_string).chain(["unauthorised_access".to_owned()]) {
            let threat = threat.as_str();
            let category = category_for_threat(threat).unwrap();
            let back = threat_for_category(category).unwrap();
            assert_eq!(category_for_threat(back), Some(category), "{threat}");
        }
        assert_eq!(threat_for_category("Malware.Worm"), Some("intrusion"));
        assert_eq!(threat_for_category("Meteo.Snow"), None);
    }
}
