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
//!   address that is not an IP address is left out;
//! - the attachments another detector sent ([`AlertAttachment`]) follow
//!   SafeCare's own, and nodes and the analyzer keep their `GeoLocation`
//!   and `UnLocation`; a value off the schema's patterns (coordinates,
//!   UN/LOCODE, media type, hash, URI, attachment name) is left out rather
//!   than sent invalid.
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

use crate::threat::Threat;
use crate::{
    Alert, AlertAnalyzer, AlertAttachment, AlertCause, AlertExtension, AlertId, AlertNode, AlertStatus,
    MAX_ATTACHMENT_CONTENT, MAX_ATTACHMENTS, Severity,
};
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

/// True for a UUID in the hyphenated form IDMEFv2 requires.
pub fn is_uuid(text: &str) -> bool {
    text.len() == 36 && uuid::Uuid::try_parse(text).is_ok()
}

/// A decimal number as IDMEFv2's coordinate pattern writes it: an
/// optional sign, digits, and an optional fraction (`+48.75726`, `2.`).
fn is_coordinate(text: &str) -> bool {
    let unsigned = text.strip_prefix(['+', '-']).unwrap_or(text);
    let (whole, fraction) = unsigned.split_once('.').unwrap_or((unsigned, ""));
    !whole.is_empty() && whole.bytes().all(|b| b.is_ascii_digit()) && fraction.bytes().all(|b| b.is_ascii_digit())
}

/// True for ISO 6709 coordinates as IDMEFv2's `GeoLocation` takes them:
/// latitude, longitude and an optional altitude, separated by a comma and
/// at most one space (`+48.75726, +2.299528, +65.1`).
pub fn is_geolocation(text: &str) -> bool {
    let parts: Vec<&str> = text.split(',').collect();
    (2..=3).contains(&parts.len())
        && is_coordinate(parts[0])
        && parts[1..].iter().all(|p| is_coordinate(p.strip_prefix(' ').unwrap_or(p)))
}

/// True for a UN/LOCODE (`FR PAR`, `FRPAR`).
pub fn is_unlocode(text: &str) -> bool {
    let b = text.as_bytes();
    let upper = |s: &[u8]| s.iter().all(u8::is_ascii_uppercase);
    match b.len() {
        5 => upper(b),
        6 => b[2] == b' ' && upper(&b[..2]) && upper(&b[3..]),
        _ => false,
    }
}

/// True for an attachment name: letters and digits only.
pub fn is_attachment_name(text: &str) -> bool {
    !text.is_empty() && text.bytes().all(|b| b.is_ascii_alphanumeric())
}

/// True for a `function:hex` checksum (`sha256:9f86…`).
pub fn is_hash(text: &str) -> bool {
    text.split_once(':').is_some_and(|(function, hex)| {
        !function.is_empty()
            && function.bytes().all(|b| b.is_ascii_alphanumeric() || b == b'-')
            && !hex.is_empty()
            && hex.len() % 2 == 0
            && hex.bytes().all(|b| b.is_ascii_hexdigit())
    })
}

/// A token of RFC 7231 (media types and their parameters).
fn is_token_char(b: u8) -> bool {
    b.is_ascii_alphanumeric() || b"-!#$%&'*+.^_`|~".contains(&b)
}

/// True for a media type with optional parameters (`text/plain;
/// charset=utf-8`), as RFC 7231 and IDMEFv2's pattern write it.
pub fn is_media_type(text: &str) -> bool {
    let token = |t: &str| !t.is_empty() && t.bytes().all(is_token_char);
    let parts: Vec<&str> = text.split(';').collect();
    let last = parts.len() - 1;
    // Blanks may stand before and after each `;`, nowhere else.
    let part = |i: usize| {
        let p = if i > 0 { parts[i].trim_start_matches([' ', '\t']) } else { parts[i] };
        if i < last { p.trim_end_matches([' ', '\t']) } else { p }
    };
    let Some((kind, sub)) = part(0).split_once('/') else { return false };
    token(kind)
        && token(sub)
        && (1..=last).all(|i| {
            part(i).split_once('=').is_some_and(|(name, value)| token(name) && (token(value) || is_quoted(value)))
        })
}

/// A quoted string of RFC 7231. Parameters are split at every `;` before
/// this is asked, so a quoted `;` is refused: stricter than the schema, on
/// a case no media type in use needs.
fn is_quoted(text: &str) -> bool {
    let Some(inner) = text.strip_prefix('"').and_then(|t| t.strip_suffix('"')) else { return false };
    let mut bytes = inner.bytes();
    while let Some(b) = bytes.next() {
        let ok = match b {
            b'\\' => bytes.next().is_some_and(|e| e == b'\t' || e == b' ' || e.is_ascii_alphanumeric()),
            b'"' => false,
            b'\t' | b' ' | 0x21..=0x7e => true,
            _ => false,
        };
        if !ok {
            return false;
        }
    }
    true
}

/// True for an absolute URI of RFC 3986 (`https://nvr.example/clip/1`,
/// `urn:sha1:…`): a scheme, then only the characters a URI may hold, every
/// `%` starting an escape.
pub fn is_uri(text: &str) -> bool {
    let Some((scheme, rest)) = text.split_once(':') else { return false };
    let scheme_ok = scheme.bytes().next().is_some_and(|b| b.is_ascii_alphabetic())
        && scheme.bytes().all(|b| b.is_ascii_alphanumeric() || matches!(b, b'+' | b'-' | b'.'));
    let bytes = rest.as_bytes();
    let mut i = 0;
    let mut fragment = false;
    while i < bytes.len() {
        let b = bytes[i];
        match b {
            b'%' => {
                if !bytes.get(i + 1..i + 3).is_some_and(|h| h.iter().all(u8::is_ascii_hexdigit)) {
                    return false;
                }
                i += 2;
            }
            b'#' if fragment => return false,
            b'#' => fragment = true,
            _ if b.is_ascii_alphanumeric() || b"-._~!$&'()*+,;=:@/?".contains(&b) => {}
            _ => return false,
        }
        i += 1;
    }
    scheme_ok
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
    attachment: Vec<AttachmentOut<'a>>,
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
    #[serde(rename = "GeoLocation", skip_serializing_if = "Option::is_none")]
    geolocation: Option<&'a str>,
    #[serde(skip_serializing_if = "Option::is_none")]
    un_location: Option<&'a str>,
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
    #[serde(rename = "GeoLocation", skip_serializing_if = "Option::is_none")]
    geolocation: Option<&'a str>,
    #[serde(skip_serializing_if = "Option::is_none")]
    un_location: Option<&'a str>,
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
    #[serde(rename = "GeoLocation", skip_serializing_if = "Option::is_none")]
    geolocation: Option<&'a str>,
    #[serde(skip_serializing_if = "Option::is_none")]
    un_location: Option<&'a str>,
    #[serde(skip_serializing_if = "Option::is_none")]
    note: Option<&'a str>,
    #[serde(skip_serializing_if = "Vec::is_empty")]
    attachment: Vec<&'a str>,
}

#[derive(Serialize)]
#[serde(rename_all = "PascalCase")]
struct AttachmentOut<'a> {
    name: &'a str,
    #[serde(skip_serializing_if = "Option::is_none")]
    file_name: Option<&'a str>,
    #[serde(skip_serializing_if = "Vec::is_empty")]
    hash: Vec<&'a str>,
    #[serde(skip_serializing_if = "Option::is_none")]
    size: Option<u64>,
    #[serde(rename = "Ref", skip_serializing_if = "Vec::is_empty")]
    reference: Vec<&'a str>,
    #[serde(rename = "ExternalURI", skip_serializing_if = "Vec::is_empty")]
    external_uri: Vec<&'a str>,
    #[serde(skip_serializing_if = "Option::is_none")]
    note: Option<&'a str>,
    #[serde(skip_serializing_if = "Option::is_none")]
    content_type: Option<&'a str>,
    #[serde(skip_serializing_if = "Option::is_none")]
    content_encoding: Option<&'a str>,
    #[serde(skip_serializing_if = "Option::is_none")]
    content: Option<ContentOut<'a>>,
}

/// An attachment's content: SafeCare's data, or what another detector sent.
#[derive(Serialize)]
#[serde(untagged)]
enum ContentOut<'a> {
    Own(&'a AlertExtension),
    Sent(&'a Value),
}

/// The values of `values` that pass `valid`.
fn valid(values: &[String], valid: fn(&str) -> bool) -> Vec<&str> {
    values.iter().map(String::as_str).filter(|v| valid(v)).collect()
}

/// An optional value, if it passes `valid`.
fn valid_one(value: Option<&str>, valid: fn(&str) -> bool) -> Option<&str> {
    value.filter(|v| valid(v))
}

/// SafeCare's attachment, then every other one with a usable name not
/// already taken (names are unique within an alert).
fn attachments_out(alert: &Alert) -> Vec<AttachmentOut<'_>> {
    let own = AttachmentOut {
        name: ATTACHMENT_NAME,
        file_name: None,
        hash: Vec::new(),
        size: None,
        reference: Vec::new(),
        external_uri: Vec::new(),
        note: None,
        content_type: Some("application/json"),
        content_encoding: None,
        content: Some(ContentOut::Own(&alert.safecare)),
    };
    let mut out = vec![own];
    for a in &alert.attachments {
        if !is_attachment_name(&a.name) || out.iter().any(|o| o.name == a.name) {
            continue;
        }
        out.push(AttachmentOut {
            name: &a.name,
            file_name: a.file_name.as_deref(),
            hash: valid(&a.hash, is_hash),
            size: a.size,
            reference: valid(&a.reference, is_uri),
            external_uri: valid(&a.external_uri, is_uri),
            note: a.note.as_deref(),
            content_type: valid_one(a.content_type.as_deref(), is_media_type),
            content_encoding: a.content_encoding.as_deref(),
            content: a.content.as_ref().filter(|c| c.is_string() || c.is_object()).map(ContentOut::Sent),
        });
    }
    out
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
        geolocation: valid_one(node.geolocation.as_deref(), is_geolocation),
        un_location: valid_one(node.un_location.as_deref(), is_unlocode),
        note: node.note.as_deref(),
        attachment: valid(&node.attachments, is_attachment_name),
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
        geolocation: valid_one(node.geolocation.as_deref(), is_geolocation),
        un_location: valid_one(node.un_location.as_deref(), is_unlocode),
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
        geolocation: valid_one(analyzer.geolocation.as_deref(), is_geolocation),
        un_location: valid_one(analyzer.un_location.as_deref(), is_unlocode),
    }
}

impl Serialize for Alert {
    fn serialize<S: Serializer>(&self, serializer: S) -> Result<S::Ok, S::Error> {
        let (category, ext_category) = categories(self);
        let priority = if PRIORITIES.contains(&self.priority.as_str()) {
            self.priority.as_str()
        } else {
            self.severity().idmef_priority()
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
            attachment: attachments_out(self),
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
    #[serde(rename = "GeoLocation")]
    geolocation: Option<String>,
    un_location: Option<String>,
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
    #[serde(rename = "GeoLocation")]
    geolocation: Option<String>,
    un_location: Option<String>,
    note: Option<String>,
    attachment: Vec<String>,
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
            geolocation: n.geolocation,
            un_location: n.un_location,
            note: n.note,
            attachments: n.attachment,
        }
    }
}

#[derive(Deserialize)]
#[serde(rename_all = "PascalCase")]
struct AttachmentIn {
    name: String,
    file_name: Option<String>,
    #[serde(default)]
    hash: Vec<String>,
    size: Option<i64>,
    #[serde(rename = "Ref", default)]
    reference: Vec<String>,
    #[serde(rename = "ExternalURI", default)]
    external_uri: Vec<String>,
    note: Option<String>,
    content_type: Option<String>,
    content_encoding: Option<String>,
    content: Option<Value>,
}

/// The length in bytes of an attachment's raw content: a JSON object as
/// written, base64 text decoded, other text as it is.
fn content_size(content: &Value, encoding: Option<&str>) -> Option<u64> {
    let bytes = match content {
        Value::String(text) if encoding == Some("base64") => {
            let data = text.bytes().filter(|b| !b.is_ascii_whitespace()).count();
            let padding = text.trim_end().bytes().rev().take_while(|b| *b == b'=').count();
            (data / 4 * 3).saturating_sub(padding)
        }
        Value::String(text) => text.len(),
        other => other.to_string().len(),
    };
    u64::try_from(bytes).ok()
}

impl From<AttachmentIn> for AlertAttachment {
    /// Keeps the content when it is small; else drops it and keeps (or
    /// works out) its size.
    fn from(a: AttachmentIn) -> Self {
        let length = |c: &Value| match c {
            Value::String(text) => text.len(),
            other => other.to_string().len(),
        };
        let (content, dropped) = match a.content {
            Some(c) if length(&c) > MAX_ATTACHMENT_CONTENT => (None, Some(c)),
            kept => (kept, None),
        };
        let size = a
            .size
            .and_then(|s| u64::try_from(s).ok())
            .or_else(|| dropped.as_ref().and_then(|c| content_size(c, a.content_encoding.as_deref())));
        AlertAttachment {
            name: a.name,
            file_name: a.file_name,
            content_type: a.content_type,
            content_encoding: a.content_encoding,
            size,
            hash: a.hash,
            reference: a.reference,
            external_uri: a.external_uri,
            note: a.note,
            content,
        }
    }
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
    fn from(mut a: AlertIn) -> Self {
        let own = a.attachment.iter().find_map(AttachmentIn::extension);
        // The slot named `safecare` is SafeCare's own, read or not.
        let attachments: Vec<AlertAttachment> = std::mem::take(&mut a.attachment)
            .into_iter()
            .filter(|at| at.name != ATTACHMENT_NAME)
            .take(MAX_ATTACHMENTS)
            .map(AlertAttachment::from)
            .collect();
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
            severity: priority.as_deref().map_or(Severity::Info, Severity::from_idmef_priority),
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
                geolocation: n.geolocation,
                un_location: n.un_location,
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
            priority: priority.unwrap_or_else(|| safecare.severity.idmef_priority().to_owned()),
            confidence: a.confidence,
            note: a.note,
            create_time: a.create_time,
            start_time: a.start_time,
            cease_time: a.end_time,
            analyzer,
            sensor: a.sensor.into_iter().map(AlertNode::from).collect(),
            source: a.source.into_iter().map(AlertNode::from).collect(),
            target: a.target.into_iter().map(AlertNode::from).collect(),
            attachments,
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
    fn attachments_and_geolocations_from_elsewhere_are_kept_and_bounded() {
        let clip = "A".repeat(MAX_ATTACHMENT_CONTENT + 4);
        let peer = json!({
            "Version": "2.D.V08", "ID": "09db946e-673e-49af-b4b2-a8cd9da58de6",
            "CreateTime": "2026-01-05T10:01:00Z", "Priority": "High", "Category": ["Access.Forced"],
            "Analyzer": {"Name": "vms-01", "GeoLocation": "+48.8566, +2.3522", "UnLocation": "FR PAR",
                         "Location": "hq/main/0/lobby"},
            "Source": [{"ID": "7d2e0a70-ac9f-4e30-9f5d-4c6a8b0e2f34", "GeoLocation": "+48.85,2.35,+35.0",
                        "Attachment": ["snapshot"]}],
            "Target": [{"ID": "8e2c1ad0-1c51-4b7e-9a3e-0d5d0e0c2f11", "Location": "hq/main/0/pharmacy/0.12",
                        "Attachment": ["clip", "snapshot"]}],
            "Attachment": [
                {"Name": "snapshot", "FileName": "door.txt", "ContentType": "text/plain; charset=utf-8",
                 "Content": "door 0.12 forced at 10:00:02", "Hash": ["sha256:00ff"],
                 "ExternalURI": ["https://vms.hospital.example/snap/1"]},
                {"Name": "clip", "ContentType": "video/mp4", "ContentEncoding": "base64", "Content": clip,
                 "Note": "10 s around the alarm"},
                {"Name": "safecare", "Content": "not SafeCare's data"}
            ]
        });
        let alert: Alert = serde_json::from_value(peer).unwrap();
        assert_eq!(alert.analyzer.geolocation.as_deref(), Some("+48.8566, +2.3522"));
        assert_eq!(alert.analyzer.un_location.as_deref(), Some("FR PAR"));
        assert_eq!(alert.source[0].geolocation.as_deref(), Some("+48.85,2.35,+35.0"));
        assert_eq!(alert.target[0].attachments, ["clip", "snapshot"]);
        assert_eq!(alert.attachments.len(), 2, "the slot named safecare is SafeCare's own");
        let snapshot = &alert.attachments[0];
        assert_eq!(snapshot.content, Some(json!("door 0.12 forced at 10:00:02")));
        assert_eq!(snapshot.size, None, "not given, not needed: the content is there");
        let clip_kept = &alert.attachments[1];
        assert_eq!(clip_kept.content, None, "too large to keep");
        assert_eq!(clip_kept.size, Some(((MAX_ATTACHMENT_CONTENT + 4) / 4 * 3) as u64), "its decoded size instead");
        assert_eq!(clip_kept.note.as_deref(), Some("10 s around the alarm"));

        let out = serde_json::to_value(&alert).unwrap();
        let names: Vec<&str> =
            out["Attachment"].as_array().unwrap().iter().map(|a| a["Name"].as_str().unwrap()).collect();
        assert_eq!(names, ["safecare", "snapshot", "clip"]);
        assert_eq!(out["Attachment"][1]["ContentType"], "text/plain; charset=utf-8");
        assert_eq!(out["Attachment"][1]["Hash"], json!(["sha256:00ff"]));
        assert_eq!(out["Attachment"][2]["Size"], json!((MAX_ATTACHMENT_CONTENT + 4) / 4 * 3));
        assert!(out["Attachment"][2].get("Content").is_none());
        assert_eq!(out["Analyzer"]["GeoLocation"], "+48.8566, +2.3522");
        assert_eq!(out["Analyzer"]["UnLocation"], "FR PAR");
        assert_eq!(out["Target"][0]["Attachment"], json!(["clip", "snapshot"]));
        let back: Alert = serde_json::from_value(out.clone()).unwrap();
        assert_eq!(serde_json::to_value(&back).unwrap(), out, "reads back as it was written");

        // Values off the schema's patterns are left out, never sent invalid.
        let mut bad = alert.clone();
        bad.analyzer.geolocation = Some("48°51'N 2°21'E".into());
        bad.source[0].un_location = Some("Paris".into());
        bad.attachments[0].content_type = Some("text plain".into());
        bad.attachments[0].hash = vec!["sha256:0".into(), "sha256:abcd".into()];
        bad.attachments[0].external_uri = vec!["not a uri".into()];
        bad.attachments[1].name = "clip 2".into();
        let out = serde_json::to_value(&bad).unwrap();
        assert!(out["Analyzer"].get("GeoLocation").is_none() && out["Source"][0].get("UnLocation").is_none());
        assert!(out["Attachment"][1].get("ContentType").is_none() && out["Attachment"][1].get("ExternalURI").is_none());
        assert_eq!(out["Attachment"][1]["Hash"], json!(["sha256:abcd"]));
        assert_eq!(out["Attachment"].as_array().unwrap().len(), 2);
    }

    #[test]
    fn pattern_checks_follow_the_schema() {
        for ok in ["+48.75726, +2.299528, +65.1", "48.8,2.3", "-1., 2"] {
            assert!(is_geolocation(ok), "{ok}");
        }
        for bad in ["48.8", "48.8,2.3,1,2", "48.8,  2.3", "N48.8,2.3", ".5,2", "48.8;2.3"] {
            assert!(!is_geolocation(bad), "{bad}");
        }
        assert!(is_unlocode("FR PAR") && is_unlocode("FRPAR") && !is_unlocode("fr par") && !is_unlocode("FR  PAR"));
        for ok in ["text/plain", "text/plain;charset=utf-8", "text/plain ; charset=\"utf-8\"", "video/mp4"] {
            assert!(is_media_type(ok), "{ok}");
        }
        for bad in ["text", "text/plain ", "text /plain", "text/plain; charset", "a/b; c=\"d\"e\""] {
            assert!(!is_media_type(bad), "{bad}");
        }
        assert!(is_hash("sha256:00FF") && !is_hash("sha256:0") && !is_hash(":00") && !is_hash("sha 256:00"));
        for ok in ["https://nvr.example/clip/1?t=3#x", "urn:sha1:YNCKHTQ", "mailto:soc@h.example", "http://h/%20"] {
            assert!(is_uri(ok), "{ok}");
        }
        for bad in ["not a uri", "relative/path", "1http://x", "http://x/%zz", "http://x/a#b#c", "http://x/<y>"] {
            assert!(!is_uri(bad), "{bad}");
        }
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
