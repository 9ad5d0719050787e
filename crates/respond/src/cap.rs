//! CAP 1.2 (OASIS Common Alerting Protocol) for first responders: the
//! message types, their XML form (written and read with quick-xml, text
//! always escaped by the writer), the mapping from an incident to an
//! `alert`, the draft → approval lifecycle with its Update/Cancel reference
//! chain, and the Atom feed aggregators poll.
//!
//! The reader refuses any document with a DTD (`<!DOCTYPE`), so no entity
//! is ever declared, let alone fetched; an entity reference other than the
//! five XML ones and character references is an error, not an expansion.

use std::io::Write;

use jiff::Timestamp;
use quick_xml::Writer;
use quick_xml::events::{BytesDecl, BytesEnd, BytesRef, BytesStart, BytesText, Event};
use quick_xml::name::{Namespace, ResolveResult};
use safecare_model::{IncidentId, LatLon};
use serde::{Deserialize, Serialize};

use crate::cap_draft::{DraftChoices, closing, defaults, instruction_playbook, proposed_instruction, resolve};
use crate::playbook::PlaybookLibrary;
use crate::record::{IncidentRecord, TimelineAction};

/// The CAP 1.2 namespace.
pub const CAP_NS: &str = "urn:oasis:names:tc:emergency:cap:1.2";
/// The XML-signature namespace: the only foreign elements CAP allows (at
/// the end of `alert`); the reader skips them.
const DSIG_NS: &str = "http://www.w3.org/2000/09/xmldsig#";
/// Larger documents are refused before parsing.
pub const MAX_CAP_BYTES: usize = 1 << 20;
/// Elements nest no deeper than this in CAP (a signature aside).
const MAX_DEPTH: usize = 64;

macro_rules! vocabulary {
    ($(#[$meta:meta])* $name:ident { $($(#[$vmeta:meta])* $variant:ident = $text:literal,)+ }) => {
        $(#[$meta])*
        #[derive(
            Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize, Deserialize,
            strum::IntoStaticStr, strum::Display, strum::EnumString, strum::VariantArray,
        )]
        pub enum $name {
            $($(#[$vmeta])* #[serde(rename = $text)] #[strum(serialize = $text)] $variant,)+
        }
        impl $name {
            /// The CAP name (`Actual`).
            pub fn as_str(self) -> &'static str {
                self.into()
            }
        }
    };
}

vocabulary!(
    /// `status`: who the message is for.
    Status {
        /// Actionable by all targeted recipients.
        Actual = "Actual",
        /// Only for the exercise participants.
        Exercise = "Exercise",
        /// Network messages.
        System = "System",
        /// Technical testing only.
        Test = "Test",
        /// A preliminary template, not actionable.
        Draft = "Draft",
    }
);

vocabulary!(
    /// `msgType`: what the message does.
    MsgType {
        /// Initial information.
        Alert = "Alert",
        /// Replaces the earlier message(s) in `references`.
        Update = "Update",
        /// Cancels the earlier message(s) in `references`.
        Cancel = "Cancel",
        /// Acknowledges receipt.
        Ack = "Ack",
        /// Rejects a message.
        Error = "Error",
    }
);

vocabulary!(
    /// `scope`: who may see it.
    Scope {
        /// General dissemination.
        Public = "Public",
        /// Users named in `restriction`.
        Restricted = "Restricted",
        /// The addresses in `addresses`.
        Private = "Private",
    }
);

vocabulary!(
    /// `category` of an `info`.
    Category {
        /// Geophysical.
        Geo = "Geo",
        /// Meteorological.
        Met = "Met",
        /// General emergency and public safety.
        Safety = "Safety",
        /// Law enforcement, military, homeland and local/private security.
        Security = "Security",
        /// Rescue and recovery.
        Rescue = "Rescue",
        /// Fire suppression and rescue.
        Fire = "Fire",
        /// Medical and public health.
        Health = "Health",
        /// Pollution and other environmental.
        Env = "Env",
        /// Public and private transportation.
        Transport = "Transport",
        /// Utility, telecommunication, other non-transport infrastructure.
        Infra = "Infra",
        /// Chemical, biological, radiological, nuclear or explosive.
        Cbrne = "CBRNE",
        /// Other events.
        Other = "Other",
    }
);

vocabulary!(
    /// `responseType`: the action recommended.
    ResponseType {
        /// Take shelter in place.
        Shelter = "Shelter",
        /// Relocate.
        Evacuate = "Evacuate",
        /// Make preparations.
        Prepare = "Prepare",
        /// Execute a pre-planned activity.
        Execute = "Execute",
        /// Avoid the subject event.
        Avoid = "Avoid",
        /// Attend to information sources.
        Monitor = "Monitor",
        /// Evaluate the information.
        Assess = "Assess",
        /// The subject event no longer poses a threat.
        AllClear = "AllClear",
        /// No action recommended.
        None = "None",
    }
);

vocabulary!(
    /// `urgency`.
    Urgency {
        /// Act now.
        Immediate = "Immediate",
        /// Act soon (within the next hour).
        Expected = "Expected",
        /// Act in the near future.
        Future = "Future",
        /// No longer required.
        Past = "Past",
        /// Not known.
        Unknown = "Unknown",
    }
);

vocabulary!(
    /// `severity` (CAP's, not SafeCare's).
    CapSeverity {
        /// Extraordinary threat to life or property.
        Extreme = "Extreme",
        /// Significant threat to life or property.
        Severe = "Severe",
        /// Possible threat to life or property.
        Moderate = "Moderate",
        /// Minimal to no known threat.
        Minor = "Minor",
        /// Not known.
        Unknown = "Unknown",
    }
);

vocabulary!(
    /// `certainty`.
    Certainty {
        /// Determined to have occurred or to be ongoing.
        Observed = "Observed",
        /// More likely than not.
        Likely = "Likely",
        /// Possible but not likely.
        Possible = "Possible",
        /// Not expected to occur.
        Unlikely = "Unlikely",
        /// Not known.
        Unknown = "Unknown",
    }
);

/// A `valueName`/`value` pair (eventCode, parameter, geocode).
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct ValuePair {
    /// The name (a system's or profile's).
    pub value_name: String,
    /// The value.
    pub value: String,
}

/// A `resource`: a file with more about the event.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct Resource {
    /// What it is.
    pub resource_desc: String,
    /// Its MIME type.
    pub mime_type: String,
    /// Its size in bytes.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub size: Option<u64>,
    /// Where it is.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub uri: Option<String>,
    /// The content, base64, inline.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub deref_uri: Option<String>,
    /// Its SHA-1 digest.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub digest: Option<String>,
}

/// A `circle`: a centre and a radius in kilometres.
#[derive(Debug, Clone, Copy, PartialEq, Serialize, Deserialize)]
pub struct Circle {
    /// The centre.
    pub centre: LatLon,
    /// The radius in kilometres.
    pub radius_km: f64,
}

/// An `area` the message is about.
#[derive(Debug, Clone, PartialEq, Default, Serialize, Deserialize)]
pub struct Area {
    /// The area in words.
    pub area_desc: String,
    /// Closed polygons (at least four points, the last repeating the first).
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub polygons: Vec<Vec<LatLon>>,
    /// Circles.
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub circles: Vec<Circle>,
    /// Geographic codes.
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub geocodes: Vec<ValuePair>,
    /// Altitude (feet above sea level), as written.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub altitude: Option<String>,
    /// Ceiling (feet above sea level), as written.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub ceiling: Option<String>,
}

/// One `info` block: the event in one language.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct Info {
    /// RFC 3066 language code (`en-US` when absent).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub language: Option<String>,
    /// At least one category.
    pub categories: Vec<Category>,
    /// The event type in words.
    pub event: String,
    /// The recommended actions.
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub response_types: Vec<ResponseType>,
    /// How soon to act.
    pub urgency: Urgency,
    /// How bad.
    pub severity: CapSeverity,
    /// How sure.
    pub certainty: Certainty,
    /// The intended audience.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub audience: Option<String>,
    /// System-specific event codes.
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub event_codes: Vec<ValuePair>,
    /// When the information takes effect (CAP date-time).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub effective: Option<String>,
    /// When the event is expected to begin.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub onset: Option<String>,
    /// When the information stops being valid.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub expires: Option<String>,
    /// The issuer's name for people.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub sender_name: Option<String>,
    /// A brief headline.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub headline: Option<String>,
    /// The event in detail.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub description: Option<String>,
    /// What to do.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub instruction: Option<String>,
    /// A link to more.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub web: Option<String>,
    /// Whom to ask.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub contact: Option<String>,
    /// System-specific parameters.
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub parameters: Vec<ValuePair>,
    /// Files with more.
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub resources: Vec<Resource>,
    /// Where.
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub areas: Vec<Area>,
}

/// A CAP 1.2 `alert`.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct CapAlert {
    /// Unique for the sender.
    pub identifier: String,
    /// The originator.
    pub sender: String,
    /// When it was sent (CAP date-time, `2026-12-05T08:00:00+00:00`).
    pub sent: String,
    /// Actual, Exercise…
    pub status: Status,
    /// Alert, Update, Cancel…
    pub msg_type: MsgType,
    /// The source.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub source: Option<String>,
    /// Who may see it.
    pub scope: Scope,
    /// For `Restricted`: the rule.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub restriction: Option<String>,
    /// For `Private`: the addresses.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub addresses: Option<String>,
    /// Special handling codes.
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub codes: Vec<String>,
    /// A note.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub note: Option<String>,
    /// Earlier messages this one updates or cancels: `sender,identifier,sent` each.
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub references: Vec<String>,
    /// Related incidents.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub incidents: Option<String>,
    /// The event, once per language.
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub infos: Vec<Info>,
}

/// Why a CAP document was refused, or could not be written.
#[derive(Debug, Clone, PartialEq, thiserror::Error)]
pub enum CapError {
    /// Larger than [`MAX_CAP_BYTES`].
    #[error("the document is {0} bytes; at most {MAX_CAP_BYTES} are read")]
    TooLarge(usize),
    /// Not well-formed XML, or an encoding that cannot be read.
    #[error("not well-formed XML: {0}")]
    Xml(String),
    /// A DTD: refused outright, so no entity can be declared or fetched.
    #[error("a document type declaration (DTD) is not allowed in CAP")]
    Doctype,
    /// An entity reference other than the five XML ones or a character reference.
    #[error("entity `&{0};` is not defined (CAP documents declare no entities)")]
    UnknownEntity(String),
    /// The root is not a CAP 1.2 `alert`.
    #[error("the root element is not a CAP 1.2 alert (namespace {CAP_NS})")]
    NotCap12,
    /// An element CAP 1.2 does not have there.
    #[error("unexpected element `{element}` in `{parent}`")]
    Unexpected {
        /// The element found.
        element: String,
        /// Its parent.
        parent: String,
    },
    /// A required element is missing.
    #[error("`{parent}` lacks its required `{element}`")]
    Missing {
        /// The element missing.
        element: &'static str,
        /// Where.
        parent: &'static str,
    },
    /// An element that may appear once appears again.
    #[error("`{0}` appears more than once")]
    Repeated(String),
    /// A value outside the element's vocabulary or form.
    #[error("`{element}`: {value:?} is not valid: {reason}")]
    BadValue {
        /// The element.
        element: &'static str,
        /// The value given.
        value: String,
        /// What is expected.
        reason: String,
    },
    /// Writing failed.
    #[error("writing CAP failed: {0}")]
    Write(String),
}

// ---------------------------------------------------------------------------
// Writing

type XmlWriter<W> = Writer<W>;

fn io(err: std::io::Error) -> CapError {
    CapError::Write(err.to_string())
}

fn start<W: Write>(w: &mut XmlWriter<W>, name: &str) -> Result<(), CapError> {
    w.write_event(Event::Start(BytesStart::new(name))).map_err(io)
}

fn end<W: Write>(w: &mut XmlWriter<W>, name: &str) -> Result<(), CapError> {
    w.write_event(Event::End(BytesEnd::new(name))).map_err(io)
}

/// One element with text, escaped by quick-xml.
fn text<W: Write>(w: &mut XmlWriter<W>, name: &str, value: &str) -> Result<(), CapError> {
    start(w, name)?;
    w.write_event(Event::Text(BytesText::new(value))).map_err(io)?;
    end(w, name)
}

fn opt<W: Write>(w: &mut XmlWriter<W>, name: &str, value: Option<&String>) -> Result<(), CapError> {
    value.map_or(Ok(()), |v| text(w, name, v))
}

fn pairs<W: Write>(w: &mut XmlWriter<W>, name: &str, values: &[ValuePair]) -> Result<(), CapError> {
    for pair in values {
        start(w, name)?;
        text(w, "valueName", &pair.value_name)?;
        text(w, "value", &pair.value)?;
        end(w, name)?;
    }
    Ok(())
}

/// `lat,lon lat,lon …`, the CAP polygon form.
pub fn polygon_text(points: &[LatLon]) -> String {
    points.iter().map(|p| format!("{},{}", p.lat, p.lon)).collect::<Vec<_>>().join(" ")
}

/// `lat,lon radius`, the CAP circle form.
pub fn circle_text(circle: &Circle) -> String {
    format!("{},{} {}", circle.centre.lat, circle.centre.lon, circle.radius_km)
}

impl CapAlert {
    /// The alert as a UTF-8 XML document.
    pub fn to_xml(&self) -> Result<String, CapError> {
        let mut w = Writer::new_with_indent(Vec::new(), b' ', 2);
        w.write_event(Event::Decl(BytesDecl::new("1.0", Some("UTF-8"), None))).map_err(io)?;
        self.write(&mut w)?;
        String::from_utf8(w.into_inner()).map_err(|e| CapError::Write(e.to_string()))
    }

    /// Writes the `alert` element (with its namespace) into `w`: a
    /// document of its own, or an Atom entry's content.
    pub fn write<W: Write>(&self, w: &mut XmlWriter<W>) -> Result<(), CapError> {
        w.write_event(Event::Start(BytesStart::new("alert").with_attributes([("xmlns", CAP_NS)]))).map_err(io)?;
        text(w, "identifier", &self.identifier)?;
        text(w, "sender", &self.sender)?;
        text(w, "sent", &self.sent)?;
        text(w, "status", self.status.as_str())?;
        text(w, "msgType", self.msg_type.as_str())?;
        opt(w, "source", self.source.as_ref())?;
        text(w, "scope", self.scope.as_str())?;
        opt(w, "restriction", self.restriction.as_ref())?;
        opt(w, "addresses", self.addresses.as_ref())?;
        for code in &self.codes {
            text(w, "code", code)?;
        }
        opt(w, "note", self.note.as_ref())?;
        if !self.references.is_empty() {
            text(w, "references", &self.references.join(" "))?;
        }
        opt(w, "incidents", self.incidents.as_ref())?;
        for info in &self.infos {
            info.write(w)?;
        }
        end(w, "alert")
    }
}

impl Info {
    fn write<W: Write>(&self, w: &mut XmlWriter<W>) -> Result<(), CapError> {
        start(w, "info")?;
        opt(w, "language", self.language.as_ref())?;
        for category in &self.categories {
            text(w, "category", category.as_str())?;
        }
        text(w, "event", &self.event)?;
        for response in &self.response_types {
            text(w, "responseType", response.as_str())?;
        }
        text(w, "urgency", self.urgency.as_str())?;
        text(w, "severity", self.severity.as_str())?;
        text(w, "certainty", self.certainty.as_str())?;
        opt(w, "audience", self.audience.as_ref())?;
        pairs(w, "eventCode", &self.event_codes)?;
        opt(w, "effective", self.effective.as_ref())?;
        opt(w, "onset", self.onset.as_ref())?;
        opt(w, "expires", self.expires.as_ref())?;
        opt(w, "senderName", self.sender_name.as_ref())?;
        opt(w, "headline", self.headline.as_ref())?;
        opt(w, "description", self.description.as_ref())?;
        opt(w, "instruction", self.instruction.as_ref())?;
        opt(w, "web", self.web.as_ref())?;
        opt(w, "contact", self.contact.as_ref())?;
        pairs(w, "parameter", &self.parameters)?;
        for resource in &self.resources {
            start(w, "resource")?;
            text(w, "resourceDesc", &resource.resource_desc)?;
            text(w, "mimeType", &resource.mime_type)?;
            if let Some(size) = resource.size {
                text(w, "size", &size.to_string())?;
            }
            opt(w, "uri", resource.uri.as_ref())?;
            opt(w, "derefUri", resource.deref_uri.as_ref())?;
            opt(w, "digest", resource.digest.as_ref())?;
            end(w, "resource")?;
        }
        for area in &self.areas {
            start(w, "area")?;
            text(w, "areaDesc", &area.area_desc)?;
            for polygon in &area.polygons {
                text(w, "polygon", &polygon_text(polygon))?;
            }
            for circle in &area.circles {
                text(w, "circle", &circle_text(circle))?;
            }
            pairs(w, "geocode", &area.geocodes)?;
            opt(w, "altitude", area.altitude.as_ref())?;
            opt(w, "ceiling", area.ceiling.as_ref())?;
            end(w, "area")?;
        }
        end(w, "info")
    }
}

// ---------------------------------------------------------------------------
// Reading

/// A CAP element as read: its local name, its text, its CAP children.
#[derive(Debug, Default)]
struct Node {
    name: String,
    text: String,
    children: Vec<Node>,
}

fn xml_err(err: impl std::fmt::Display) -> CapError {
    CapError::Xml(err.to_string())
}

/// The text a general reference stands for: a character reference or one
/// of the five predefined entities; anything else is refused.
fn resolve_reference(reference: &BytesRef<'_>) -> Result<String, CapError> {
    if let Some(ch) = reference.resolve_char_ref().map_err(xml_err)? {
        return Ok(ch.to_string());
    }
    let name = reference.decode().map_err(xml_err)?;
    quick_xml::escape::resolve_predefined_entity(&name)
        .map(str::to_owned)
        .ok_or_else(|| CapError::UnknownEntity(name.into_owned()))
}

/// The CAP elements that hold other elements; every other one holds text only.
const CONTAINERS: [&str; 7] = ["alert", "info", "eventCode", "parameter", "resource", "area", "geocode"];

/// Reads the document into a tree of CAP elements; signatures (the one
/// foreign namespace CAP allows, at the end of `alert`) are skipped whole.
fn read_tree(xml: &[u8]) -> Result<Node, CapError> {
    if xml.len() > MAX_CAP_BYTES {
        return Err(CapError::TooLarge(xml.len()));
    }
    let mut reader = quick_xml::NsReader::from_reader(xml);
    let mut buf = Vec::new();
    let mut stack: Vec<Node> = Vec::new();
    let mut skipping = 0usize;
    let mut root: Option<Node> = None;
    loop {
        let (ns, event) = reader.read_resolved_event_into(&mut buf).map_err(xml_err)?;
        let in_cap = matches!(ns, ResolveResult::Bound(Namespace(n)) if n == CAP_NS.as_bytes());
        let in_dsig = matches!(ns, ResolveResult::Bound(Namespace(n)) if n == DSIG_NS.as_bytes());
        match event {
            Event::DocType(_) => return Err(CapError::Doctype),
            Event::Start(_) if skipping > 0 => skipping += 1,
            Event::Empty(_) if skipping > 0 => {}
            Event::End(_) if skipping > 0 => skipping -= 1,
            Event::Start(ref e) | Event::Empty(ref e) => {
                let opens = matches!(event, Event::Start(_));
                let local = String::from_utf8_lossy(e.local_name().as_ref()).into_owned();
                let parent = stack.last().map(|n| n.name.clone());
                if in_dsig && stack.len() == 1 && parent.as_deref() == Some("alert") {
                    skipping = usize::from(opens);
                } else {
                    if root.is_some() {
                        return Err(CapError::Xml("content after the root element".into()));
                    }
                    match parent {
                        None if !in_cap => return Err(CapError::NotCap12),
                        Some(parent) if !in_cap || !CONTAINERS.contains(&parent.as_str()) => {
                            return Err(CapError::Unexpected { element: local, parent });
                        }
                        _ => {}
                    }
                    if stack.len() >= MAX_DEPTH {
                        return Err(CapError::Xml(format!("elements nest deeper than {MAX_DEPTH}")));
                    }
                    let node = Node { name: local, ..Node::default() };
                    if opens {
                        stack.push(node);
                    } else {
                        attach(&mut stack, &mut root, node);
                    }
                }
            }
            Event::End(_) => {
                if let Some(node) = stack.pop() {
                    attach(&mut stack, &mut root, node);
                }
            }
            Event::Text(t) if skipping == 0 => {
                if let Some(node) = stack.last_mut() {
                    node.text.push_str(&t.decode().map_err(xml_err)?);
                }
            }
            Event::CData(t) if skipping == 0 => {
                if let Some(node) = stack.last_mut() {
                    node.text.push_str(&t.decode().map_err(xml_err)?);
                }
            }
            Event::GeneralRef(r) => {
                // Even inside a skipped signature: an undeclared entity is
                // an error wherever it is.
                let resolved = resolve_reference(&r)?;
                if skipping == 0
                    && let Some(node) = stack.last_mut()
                {
                    node.text.push_str(&resolved);
                }
            }
            Event::Eof => break,
            _ => {}
        }
        buf.clear();
    }
    root.ok_or_else(|| CapError::Xml("no root element".into()))
}

fn attach(stack: &mut [Node], root: &mut Option<Node>, node: Node) {
    match stack.last_mut() {
        Some(parent) => parent.children.push(node),
        None => *root = Some(node),
    }
}

/// The children of one element, taken in order by name.
struct Children<'a> {
    parent: &'static str,
    nodes: Vec<Option<&'a Node>>,
}

impl<'a> Children<'a> {
    fn of(node: &'a Node, parent: &'static str, known: &[&str]) -> Result<Self, CapError> {
        if let Some(stray) = node.children.iter().find(|c| !known.contains(&c.name.as_str())) {
            return Err(CapError::Unexpected { element: stray.name.clone(), parent: parent.to_owned() });
        }
        Ok(Children { parent, nodes: node.children.iter().map(Some).collect() })
    }

    fn all(&mut self, name: &str) -> Vec<&'a Node> {
        self.nodes.iter_mut().filter(|n| n.is_some_and(|n| n.name == name)).filter_map(Option::take).collect()
    }

    fn optional(&mut self, name: &'static str) -> Result<Option<&'a Node>, CapError> {
        let mut found = self.all(name);
        if found.len() > 1 {
            return Err(CapError::Repeated(name.to_owned()));
        }
        Ok(found.pop())
    }

    fn required(&mut self, name: &'static str) -> Result<&'a Node, CapError> {
        self.optional(name)?.ok_or(CapError::Missing { element: name, parent: self.parent })
    }

    fn text(&mut self, name: &'static str) -> Result<Option<String>, CapError> {
        Ok(self.optional(name)?.map(|n| n.text.trim().to_owned()))
    }

    fn required_text(&mut self, name: &'static str) -> Result<String, CapError> {
        let value = self.required(name)?.text.trim().to_owned();
        if value.is_empty() {
            return Err(CapError::BadValue { element: name, value, reason: "must not be empty".into() });
        }
        Ok(value)
    }

    fn word<T: std::str::FromStr>(&mut self, name: &'static str) -> Result<T, CapError> {
        parse_word(name, &self.required(name)?.text)
    }
}

fn parse_word<T: std::str::FromStr>(element: &'static str, text: &str) -> Result<T, CapError> {
    let value = text.trim();
    value.parse().map_err(|_| CapError::BadValue {
        element,
        value: value.to_owned(),
        reason: "not a name of the CAP 1.2 vocabulary".into(),
    })
}

/// Checks a CAP date-time: `YYYY-MM-DDThh:mm:ss` and an explicit offset
/// `±hh:mm` (CAP forbids `Z`).
fn check_time(element: &'static str, value: &str) -> Result<(), CapError> {
    let bad = |reason: &str| CapError::BadValue { element, value: value.to_owned(), reason: reason.to_owned() };
    let bytes = value.as_bytes();
    let shape = bytes.len() == 25
        && bytes.iter().enumerate().all(|(i, b)| match i {
            4 | 7 => *b == b'-',
            10 => *b == b'T',
            13 | 16 | 22 => *b == b':',
            19 => *b == b'+' || *b == b'-',
            _ => b.is_ascii_digit(),
        });
    if !shape {
        return Err(bad("expected YYYY-MM-DDThh:mm:ss±hh:mm"));
    }
    value.parse::<Timestamp>().map(drop).map_err(|e| bad(&e.to_string()))
}

fn time_text(children: &mut Children<'_>, name: &'static str) -> Result<Option<String>, CapError> {
    let value = children.text(name)?;
    if let Some(v) = &value {
        check_time(name, v)?;
    }
    Ok(value)
}

fn read_pairs(children: &mut Children<'_>, name: &'static str) -> Result<Vec<ValuePair>, CapError> {
    children
        .all(name)
        .into_iter()
        .map(|node| {
            let mut c = Children::of(node, name, &["valueName", "value"])?;
            Ok(ValuePair {
                value_name: c.required("valueName")?.text.trim().to_owned(),
                value: c.required("value")?.text.trim().to_owned(),
            })
        })
        .collect()
}

fn parse_point(element: &'static str, pair: &str) -> Result<LatLon, CapError> {
    let bad = |reason: &str| CapError::BadValue { element, value: pair.to_owned(), reason: reason.to_owned() };
    let (lat, lon) = pair.split_once(',').ok_or_else(|| bad("expected lat,lon"))?;
    let lat: f64 = lat.trim().parse().map_err(|_| bad("latitude is not a number"))?;
    let lon: f64 = lon.trim().parse().map_err(|_| bad("longitude is not a number"))?;
    if !(-90.0..=90.0).contains(&lat) || !(-180.0..=180.0).contains(&lon) {
        return Err(bad("outside -90..90, -180..180"));
    }
    Ok(LatLon { lat, lon })
}

fn parse_polygon(text: &str) -> Result<Vec<LatLon>, CapError> {
    let points = text.split_whitespace().map(|p| parse_point("polygon", p)).collect::<Result<Vec<_>, _>>()?;
    if points.len() < 4 || points.first() != points.last() {
        return Err(CapError::BadValue {
            element: "polygon",
            value: text.to_owned(),
            reason: "a polygon has at least 4 points, the last repeating the first".into(),
        });
    }
    Ok(points)
}

fn parse_circle(text: &str) -> Result<Circle, CapError> {
    let bad =
        || CapError::BadValue { element: "circle", value: text.to_owned(), reason: "expected `lat,lon radius`".into() };
    let mut parts = text.split_whitespace();
    let centre = parse_point("circle", parts.next().ok_or_else(bad)?)?;
    let radius_km: f64 = parts.next().ok_or_else(bad)?.parse().map_err(|_| bad())?;
    if parts.next().is_some() || !radius_km.is_finite() || radius_km < 0.0 {
        return Err(bad());
    }
    Ok(Circle { centre, radius_km })
}

const ALERT_CHILDREN: [&str; 14] = [
    "identifier",
    "sender",
    "sent",
    "status",
    "msgType",
    "source",
    "scope",
    "restriction",
    "addresses",
    "code",
    "note",
    "references",
    "incidents",
    "info",
];

const INFO_CHILDREN: [&str; 21] = [
    "language",
    "category",
    "event",
    "responseType",
    "urgency",
    "severity",
    "certainty",
    "audience",
    "eventCode",
    "effective",
    "onset",
    "expires",
    "senderName",
    "headline",
    "description",
    "instruction",
    "web",
    "contact",
    "parameter",
    "resource",
    "area",
];

impl CapAlert {
    /// Reads a CAP 1.2 document (UTF-8, or the encoding its declaration
    /// names), refusing DTDs, undeclared entities, other CAP versions,
    /// unknown elements, missing required ones and values outside CAP's
    /// vocabularies and forms.
    pub fn from_xml(xml: &[u8]) -> Result<Self, CapError> {
        let root = read_tree(xml)?;
        if root.name != "alert" {
            return Err(CapError::NotCap12);
        }
        let mut c = Children::of(&root, "alert", &ALERT_CHILDREN)?;
        let identifier = c.required_text("identifier")?;
        let sender = c.required_text("sender")?;
        let sent = c.required_text("sent")?;
        check_time("sent", &sent)?;
        let references = match c.optional("references")? {
            None => Vec::new(),
            Some(node) => {
                let refs: Vec<String> = node.text.split_whitespace().map(str::to_owned).collect();
                if refs.is_empty() {
                    return Err(CapError::BadValue {
                        element: "references",
                        value: String::new(),
                        reason: "names no message; leave it out instead".into(),
                    });
                }
                if let Some(bad) = refs.iter().find(|r| r.split(',').count() != 3) {
                    return Err(CapError::BadValue {
                        element: "references",
                        value: bad.clone(),
                        reason: "each reference is sender,identifier,sent".into(),
                    });
                }
                refs
            }
        };
        Ok(CapAlert {
            status: c.word("status")?,
            msg_type: c.word("msgType")?,
            source: c.text("source")?,
            scope: c.word("scope")?,
            restriction: c.text("restriction")?,
            addresses: c.text("addresses")?,
            codes: c.all("code").into_iter().map(|n| n.text.trim().to_owned()).collect(),
            note: c.text("note")?,
            incidents: c.text("incidents")?,
            infos: c.all("info").into_iter().map(read_info).collect::<Result<_, _>>()?,
            identifier,
            sender,
            sent,
            references,
        })
    }
}

fn read_info(node: &Node) -> Result<Info, CapError> {
    let mut c = Children::of(node, "info", &INFO_CHILDREN)?;
    let categories: Vec<Category> =
        c.all("category").into_iter().map(|n| parse_word("category", &n.text)).collect::<Result<_, _>>()?;
    if categories.is_empty() {
        return Err(CapError::Missing { element: "category", parent: "info" });
    }
    Ok(Info {
        language: c.text("language")?,
        categories,
        event: c.required_text("event")?,
        response_types: c
            .all("responseType")
            .into_iter()
            .map(|n| parse_word("responseType", &n.text))
            .collect::<Result<_, _>>()?,
        urgency: c.word("urgency")?,
        severity: c.word("severity")?,
        certainty: c.word("certainty")?,
        audience: c.text("audience")?,
        event_codes: read_pairs(&mut c, "eventCode")?,
        effective: time_text(&mut c, "effective")?,
        onset: time_text(&mut c, "onset")?,
        expires: time_text(&mut c, "expires")?,
        sender_name: c.text("senderName")?,
        headline: c.text("headline")?,
        description: c.text("description")?,
        instruction: c.text("instruction")?,
        web: c.text("web")?,
        contact: c.text("contact")?,
        parameters: read_pairs(&mut c, "parameter")?,
        resources: c.all("resource").into_iter().map(read_resource).collect::<Result<_, _>>()?,
        areas: c.all("area").into_iter().map(read_area).collect::<Result<_, _>>()?,
    })
}

fn read_resource(node: &Node) -> Result<Resource, CapError> {
    let mut c = Children::of(node, "resource", &["resourceDesc", "mimeType", "size", "uri", "derefUri", "digest"])?;
    let size = match c.text("size")? {
        None => None,
        Some(s) => Some(s.parse().map_err(|_| CapError::BadValue {
            element: "size",
            value: s.clone(),
            reason: "not a whole number of bytes".into(),
        })?),
    };
    Ok(Resource {
        resource_desc: c.required_text("resourceDesc")?,
        mime_type: c.required_text("mimeType")?,
        size,
        uri: c.text("uri")?,
        deref_uri: c.text("derefUri")?,
        digest: c.text("digest")?,
    })
}

fn read_area(node: &Node) -> Result<Area, CapError> {
    let mut c = Children::of(node, "area", &["areaDesc", "polygon", "circle", "geocode", "altitude", "ceiling"])?;
    Ok(Area {
        area_desc: c.required_text("areaDesc")?,
        polygons: c.all("polygon").into_iter().map(|n| parse_polygon(&n.text)).collect::<Result<_, _>>()?,
        circles: c.all("circle").into_iter().map(|n| parse_circle(n.text.trim())).collect::<Result<_, _>>()?,
        geocodes: read_pairs(&mut c, "geocode")?,
        altitude: c.text("altitude")?,
        ceiling: c.text("ceiling")?,
    })
}

// ---------------------------------------------------------------------------
// From an incident

/// The `[cap]` settings: who SafeCare says it is, in which languages it
/// writes, who may read, and the channels approved messages leave on.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(default, deny_unknown_fields)]
pub struct CapConfig {
    /// The `sender`: unique for the hospital, no spaces, commas, `<` or `&`.
    pub sender: String,
    /// The name responders see (`senderName`).
    pub sender_name: String,
    /// One `info` per language, in this order (RFC 3066: `en`, `fr-BE`).
    pub languages: Vec<String>,
    /// Whom responders call back (`contact`).
    pub contact: String,
    /// The dashboard's address; the incident's page is linked (`web`).
    pub web: String,
    /// Who may see the messages.
    pub scope: Scope,
    /// For a restricted scope: who is meant (`restriction`).
    pub restriction: String,
    /// Notification channels (of `[notify.channels]`) an approved message is sent on.
    pub channels: Vec<String>,
    /// How long an alert stays valid (`expires`), in minutes.
    pub expires_minutes: u32,
}

impl Default for CapConfig {
    fn default() -> Self {
        CapConfig {
            sender: "safecare@hospital.example".into(),
            sender_name: "Hospital security operations (SafeCare)".into(),
            languages: vec!["en".into()],
            contact: "Hospital crisis cell".into(),
            web: "https://safecare.hospital.example".into(),
            scope: Scope::Restricted,
            restriction: "Fire and rescue service, police and emergency medical services".into(),
            channels: Vec::new(),
            expires_minutes: 240,
        }
    }
}

/// What is wrong with the `[cap]` settings.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum CapConfigError {
    /// A sender CAP cannot carry in `references`.
    #[error("cap.sender {0:?} must be non-empty without spaces, commas, `<` or `&`")]
    BadSender(String),
    /// No language.
    #[error("cap.languages is empty: at least one language is needed")]
    NoLanguage,
    /// A language code that is not RFC 3066 shaped.
    #[error("cap.languages: {0:?} is not a language code such as `en` or `fr-BE`")]
    BadLanguage(String),
}

impl CapConfig {
    /// Adds `language` (the site's) after the configured languages unless
    /// one of them is already that language (`fr` and `fr-BE` alike), so
    /// every message has an `info` the hospital's own people read.
    pub fn with_language(mut self, language: &str) -> Self {
        let primary = |tag: &str| tag.split('-').next().unwrap_or(tag).to_ascii_lowercase();
        if !self.languages.iter().any(|l| primary(l) == primary(language)) {
            self.languages.push(language.to_owned());
        }
        self
    }

    /// Checks the settings.
    pub fn check(&self) -> Result<(), CapConfigError> {
        let s = &self.sender;
        if s.is_empty() || s.chars().any(|c| c.is_whitespace() || matches!(c, ',' | '<' | '&')) {
            return Err(CapConfigError::BadSender(s.clone()));
        }
        if self.languages.is_empty() {
            return Err(CapConfigError::NoLanguage);
        }
        for lang in &self.languages {
            let ok = lang.split('-').enumerate().all(|(i, part)| {
                (1..=8).contains(&part.len())
                    && part.chars().all(|c| if i == 0 { c.is_ascii_alphabetic() } else { c.is_ascii_alphanumeric() })
            });
            if !ok {
                return Err(CapConfigError::BadLanguage(lang.clone()));
            }
        }
        Ok(())
    }
}

/// How one kind of incident that calls for outside help is told: its
/// categories, the action responders are asked for, and its name in
/// each language SafeCare writes.
#[derive(Debug)]
pub struct Calling {
    /// SafeCare threat names (detection's and the impact model's) it covers.
    pub threats: &'static [&'static str],
    /// CAP categories.
    pub categories: &'static [Category],
    /// Recommended responses.
    pub responses: &'static [ResponseType],
    /// The event's name per primary language (`en` first: the fallback).
    pub names: &'static [(&'static str, &'static str)],
}

/// The incidents that call for the fire brigade, police or civil
/// protection. Everything else (ransomware, phishing…) stays in the
/// hospital: CAP is not an internal alerting channel.
pub const CALLS_FOR_HELP: &[Calling] = &[
    Calling {
        threats: &["fire"],
        categories: &[Category::Fire],
        responses: &[ResponseType::Execute, ResponseType::Evacuate],
        names: &[("en", "Fire"), ("fr", "Incendie"), ("it", "Incendio"), ("nl", "Brand"), ("de", "Brand")],
    },
    Calling {
        threats: &["smoke"],
        categories: &[Category::Fire],
        responses: &[ResponseType::Assess, ResponseType::Prepare],
        names: &[("en", "Smoke"), ("fr", "Fumée"), ("it", "Fumo"), ("nl", "Rook"), ("de", "Rauch")],
    },
    Calling {
        threats: &["armed_threat", "active_shooter", "hostage"],
        categories: &[Category::Security],
        responses: &[ResponseType::Shelter, ResponseType::Execute],
        names: &[
            ("en", "Armed threat"),
            ("fr", "Menace armée"),
            ("it", "Minaccia armata"),
            ("nl", "Gewapende dreiging"),
            ("de", "Bewaffnete Bedrohung"),
        ],
    },
    Calling {
        threats: &["forced_entry", "physical_intrusion", "bomb_threat"],
        categories: &[Category::Security],
        responses: &[ResponseType::Assess],
        names: &[
            ("en", "Intrusion"),
            ("fr", "Intrusion"),
            ("it", "Intrusione"),
            ("nl", "Inbraak"),
            ("de", "Eindringen"),
        ],
    },
    Calling {
        threats: &["hazardous_material", "chemical_spill", "gas_leak"],
        categories: &[Category::Cbrne],
        responses: &[ResponseType::Avoid, ResponseType::Evacuate],
        names: &[
            ("en", "Hazardous material release"),
            ("fr", "Fuite de matières dangereuses"),
            ("it", "Rilascio di materiali pericolosi"),
            ("nl", "Vrijkomen van gevaarlijke stoffen"),
            ("de", "Gefahrstoffaustritt"),
        ],
    },
    Calling {
        threats: &["power_loss"],
        categories: &[Category::Infra],
        responses: &[ResponseType::Prepare],
        names: &[
            ("en", "Power failure"),
            ("fr", "Panne d'électricité"),
            ("it", "Interruzione di corrente"),
            ("nl", "Stroomstoring"),
            ("de", "Stromausfall"),
        ],
    },
    Calling {
        threats: &["water_loss"],
        categories: &[Category::Infra],
        responses: &[ResponseType::Prepare],
        names: &[
            ("en", "Water supply failure"),
            ("fr", "Coupure d'eau"),
            ("it", "Interruzione idrica"),
            ("nl", "Wateruitval"),
            ("de", "Ausfall der Wasserversorgung"),
        ],
    },
    Calling {
        threats: &["evacuation"],
        categories: &[Category::Safety],
        responses: &[ResponseType::Evacuate],
        names: &[
            ("en", "Hospital evacuation"),
            ("fr", "Évacuation de l'hôpital"),
            ("it", "Evacuazione dell'ospedale"),
            ("nl", "Ontruiming van het ziekenhuis"),
            ("de", "Räumung des Krankenhauses"),
        ],
    },
];

/// How an incident with this threat is told to responders, if at all.
pub fn calling_for(threat: &str) -> Option<&'static Calling> {
    let impact = safecare_model::Threat::impact_of(threat);
    CALLS_FOR_HELP.iter().find(|c| c.threats.contains(&threat) || c.threats.contains(&impact))
}

impl Calling {
    /// The event's name in `language` (by its primary subtag), English when
    /// the language is not one SafeCare knows.
    pub fn name(&self, language: &str) -> &'static str {
        let primary = language.split('-').next().unwrap_or(language).to_ascii_lowercase();
        let found = self.names.iter().find(|(lang, _)| *lang == primary).or(self.names.first());
        found.map_or("", |(_, name)| name)
    }
}

/// A CAP date-time in UTC (`2026-12-05T08:00:00+00:00`).
pub fn cap_time(at: Timestamp) -> String {
    at.strftime("%Y-%m-%dT%H:%M:%S+00:00").to_string()
}

/// Where a message is in the guardrail.
#[derive(
    Debug,
    Clone,
    Copy,
    PartialEq,
    Eq,
    Hash,
    Serialize,
    Deserialize,
    strum::IntoStaticStr,
    strum::Display,
    strum::EnumString,
)]
#[serde(rename_all = "snake_case")]
#[strum(serialize_all = "snake_case")]
pub enum CapState {
    /// Written, waiting for a crisis manager; nothing has left.
    Draft,
    /// Approved and sent.
    Approved,
    /// Dropped before approval; never sent.
    Discarded,
}

impl CapState {
    /// The name used in the API and the store (`draft`).
    pub fn as_str(self) -> &'static str {
        self.into()
    }
}

/// One CAP message of an incident, as stored: the alert, where it is in
/// the guardrail, and who wrote and approved it.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct CapMessage {
    /// The incident it is about.
    pub incident: IncidentId,
    /// The message.
    pub alert: CapAlert,
    /// Draft or approved.
    pub state: CapState,
    /// Who drafted it.
    pub drafted_by: String,
    /// When.
    pub drafted_at: Timestamp,
    /// Who approved it.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub approved_by: Option<String>,
    /// When (also its `sent`).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub approved_at: Option<Timestamp>,
    /// Who dropped the draft instead.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub discarded_by: Option<String>,
}

impl CapDraftError {
    /// A short name of the reason, for metrics (`draft_pending`).
    pub fn as_str(&self) -> &'static str {
        self.into()
    }
}

impl CapMessage {
    /// `sender,identifier,sent`, as a later message references it.
    pub fn reference(&self) -> String {
        format!("{},{},{}", self.alert.sender, self.alert.identifier, self.alert.sent)
    }
}

/// Why no message could be drafted or approved.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error, strum::IntoStaticStr)]
#[strum(serialize_all = "snake_case")]
pub enum CapDraftError {
    /// The incident has no threat type yet.
    #[error("the incident has no threat type: nothing to tell responders")]
    NoThreat,
    /// The incident's threat does not call for outside help.
    #[error(
        "a `{0}` incident does not call for outside help; CAP goes out for fire, smoke, intrusion or armed threat, hazardous material, power or water loss and evacuation"
    )]
    NotCalledFor(String),
    /// Only Alert, Update and Cancel are drafted here.
    #[error("msgType {0} is not drafted by SafeCare: use Alert, Update or Cancel")]
    Kind(MsgType),
    /// An Alert after one was already sent.
    #[error("an alert was already sent ({0}); draft an Update or a Cancel")]
    AlreadySent(String),
    /// An Update or Cancel with nothing sent before.
    #[error("nothing was sent yet: draft an Alert first")]
    NothingSent,
    /// The chain was cancelled.
    #[error("the messages were cancelled ({0}); nothing more follows")]
    Cancelled(String),
    /// A draft waits already.
    #[error("draft {0} is waiting for approval")]
    DraftPending(String),
    /// Approval or discarding of a message that is not a draft.
    #[error("message {0} is no longer a draft (approved or discarded)")]
    NotADraft(String),
    /// No such message.
    #[error("the incident has no CAP message {0}")]
    UnknownMessage(String),
    /// An instruction longer than [`crate::cap_draft::MAX_INSTRUCTION_CHARS`].
    #[error("the instruction is longer than {} characters", crate::cap_draft::MAX_INSTRUCTION_CHARS)]
    InstructionTooLong,
    /// Languages that cannot be written.
    #[error("languages: {0}")]
    Languages(String),
}

/// What a draft is made from.
#[derive(Debug)]
pub struct DraftInput<'a> {
    /// The incident.
    pub record: &'a IncidentRecord,
    /// Its earlier messages, oldest first.
    pub earlier: &'a [CapMessage],
    /// Alert, Update or Cancel.
    pub msg_type: MsgType,
    /// Where, from the site geometry (none when the place is not geo-referenced).
    pub area: Option<Area>,
    /// A note from the person drafting.
    pub note: Option<String>,
    /// The event, urgency, severity, certainty, instruction and languages
    /// the person drafting chose; the rest from the mapping.
    pub choices: DraftChoices,
    /// Who drafts.
    pub actor: &'a str,
    /// When.
    pub now: Timestamp,
}

/// Drafts the next message of an incident's chain: an Alert first, then
/// Updates and finally a Cancel, each referencing every message sent
/// before it; one `info` per configured language.
pub fn draft(
    input: DraftInput<'_>,
    config: &CapConfig,
    playbooks: &PlaybookLibrary,
) -> Result<CapMessage, CapDraftError> {
    let record = input.record;
    let threat = record.incident.threat.as_deref().ok_or(CapDraftError::NoThreat)?;
    let proposed = defaults(record, input.msg_type, config, playbooks)?;
    // An instruction left as proposed is written in each info's language;
    // one the person drafting changed goes out as they wrote it.
    let proposed_from = instruction_playbook(record, threat, playbooks);
    let proposed_text = proposed.instruction.clone();
    let settings = resolve(input.choices, proposed)?;
    let translate = proposed_from.filter(|_| settings.instruction.is_some() && settings.instruction == proposed_text);
    let calling = calling_for(&settings.threat).ok_or_else(|| CapDraftError::NotCalledFor(settings.threat.clone()))?;
    if let Some(pending) = input.earlier.iter().find(|m| m.state == CapState::Draft) {
        return Err(CapDraftError::DraftPending(pending.alert.identifier.clone()));
    }
    let sent: Vec<&CapMessage> = input.earlier.iter().filter(|m| m.state == CapState::Approved).collect();
    if let Some(cancel) = sent.iter().find(|m| m.alert.msg_type == MsgType::Cancel) {
        return Err(CapDraftError::Cancelled(cancel.alert.identifier.clone()));
    }
    match (input.msg_type, sent.first()) {
        (MsgType::Alert, Some(first)) => return Err(CapDraftError::AlreadySent(first.alert.identifier.clone())),
        (MsgType::Update | MsgType::Cancel, None) => return Err(CapDraftError::NothingSent),
        (MsgType::Ack | MsgType::Error, _) => return Err(CapDraftError::Kind(input.msg_type)),
        _ => {}
    }
    let closing = closing(record, input.msg_type);
    let mut parameters = vec![
        ValuePair { value_name: "SafeCare:incident".into(), value: record.id().to_string() },
        ValuePair { value_name: "SafeCare:threat".into(), value: threat.to_owned() },
        ValuePair { value_name: "SafeCare:status".into(), value: record.incident.status.as_str().to_owned() },
    ];
    if !record.incident.location.is_empty() {
        parameters.push(ValuePair { value_name: "SafeCare:location".into(), value: record.incident.location.path() });
    }
    if let Some(summary) = &record.impact_summary {
        parameters.push(ValuePair { value_name: "SafeCare:impact".into(), value: summary.clone() });
    }
    let web = format!("{}/incidents/{}", config.web.trim_end_matches('/'), record.id());
    let expires = input.now + jiff::SignedDuration::from_mins(i64::from(config.expires_minutes));
    let infos = settings
        .languages
        .iter()
        .map(|language| {
            let event = calling.name(language).to_owned();
            Info {
                language: Some(language.clone()),
                categories: calling.categories.to_vec(),
                headline: Some(format!("{event}: {}", record.incident.title)),
                event,
                response_types: if closing { vec![ResponseType::AllClear] } else { calling.responses.to_vec() },
                urgency: settings.urgency,
                severity: settings.severity,
                certainty: settings.certainty,
                audience: None,
                event_codes: vec![ValuePair { value_name: "SafeCare:threat".into(), value: settings.threat.clone() }],
                effective: None,
                onset: None,
                expires: Some(cap_time(expires)),
                sender_name: Some(config.sender_name.clone()),
                description: record.impact_summary.clone(),
                instruction: match translate {
                    Some(playbook) => Some(proposed_instruction(playbook, language)),
                    None => settings.instruction.clone(),
                },
                web: Some(web.clone()),
                contact: Some(config.contact.clone()),
                parameters: parameters.clone(),
                resources: Vec::new(),
                areas: input.area.clone().into_iter().collect(),
            }
        })
        .collect();
    let alert = CapAlert {
        identifier: format!("safecare-{}-{}", record.id(), input.earlier.len() + 1),
        sender: config.sender.clone(),
        // Replaced by the approval time: a message is sent when approved.
        sent: cap_time(input.now),
        status: if record.exercise { Status::Exercise } else { Status::Actual },
        msg_type: input.msg_type,
        source: Some("SafeCare".into()),
        scope: config.scope,
        restriction: (config.scope == Scope::Restricted).then(|| config.restriction.clone()),
        addresses: None,
        codes: Vec::new(),
        note: input.note.filter(|n| !n.trim().is_empty()),
        references: sent.iter().map(|m| m.reference()).collect(),
        incidents: Some(record.id().to_string()),
        infos,
    };
    Ok(CapMessage {
        incident: record.id(),
        alert,
        state: CapState::Draft,
        drafted_by: input.actor.to_owned(),
        drafted_at: input.now,
        approved_by: None,
        approved_at: None,
        discarded_by: None,
    })
}

/// Approves a draft: it is sent now. Who may approve is the caller's
/// check (the `cap:approve` permission).
pub fn approve(message: &mut CapMessage, actor: &str, now: Timestamp) -> Result<(), CapDraftError> {
    if message.state != CapState::Draft {
        return Err(CapDraftError::NotADraft(message.alert.identifier.clone()));
    }
    message.alert.sent = cap_time(now);
    message.state = CapState::Approved;
    message.approved_by = Some(actor.to_owned());
    message.approved_at = Some(now);
    Ok(())
}

/// Drops a draft without sending it, so that another can be written.
pub fn discard(message: &mut CapMessage, actor: &str) -> Result<(), CapDraftError> {
    if message.state != CapState::Draft {
        return Err(CapDraftError::NotADraft(message.alert.identifier.clone()));
    }
    message.state = CapState::Discarded;
    message.discarded_by = Some(actor.to_owned());
    Ok(())
}

/// Puts a drafted, approved or discarded message on its incident's timeline.
pub fn log_cap(record: &mut IncidentRecord, message: &CapMessage, actor: &str, at: Timestamp) {
    let (action, verb) = match message.state {
        CapState::Draft => (TimelineAction::CapDrafted, "drafted"),
        CapState::Approved => (TimelineAction::CapApproved, "approved and sent"),
        CapState::Discarded => (TimelineAction::CapDiscarded, "discarded, not sent"),
    };
    let refs = if message.alert.references.is_empty() {
        String::new()
    } else {
        format!(", referencing {}", message.alert.references.len())
    };
    let detail =
        format!("CAP {} {} {verb} ({}){refs}", message.alert.msg_type, message.alert.identifier, message.alert.status);
    record.log(at, actor, action, detail);
}

/// The outbox messages an approved CAP message is sent as: one per
/// configured channel, the CAP XML in the payload.
pub fn notifications(message: &CapMessage, xml: &str, config: &CapConfig) -> Vec<crate::notify::Notification> {
    let at = message.approved_at.unwrap_or(message.drafted_at);
    let headline = message.alert.infos.first().and_then(|i| i.headline.clone()).unwrap_or_default();
    config
        .channels
        .iter()
        .map(|channel| crate::notify::Notification {
            key: format!("cap:{}:{channel}", message.alert.identifier),
            incident: Some(message.incident),
            route: "cap".into(),
            channel: channel.clone(),
            reason: crate::notify::Reason::Cap,
            tier: 1,
            recipients: Vec::new(),
            exercise: message.alert.status == Status::Exercise,
            subject: format!("CAP {} {}: {headline}", message.alert.msg_type, message.alert.identifier),
            payload: serde_json::json!({
                "format": "cap-1.2",
                "identifier": message.alert.identifier,
                "msgType": message.alert.msg_type,
                "status": message.alert.status,
                "xml": xml,
            }),
            created: at,
        })
        .collect()
}

// ---------------------------------------------------------------------------
// The Atom feed

fn atom_time(at: Timestamp) -> String {
    at.strftime("%Y-%m-%dT%H:%M:%SZ").to_string()
}

/// The approved messages (newest first) as an Atom feed, each entry
/// carrying its CAP alert inline, as CAP aggregators read them.
pub fn atom_feed(messages: &[CapMessage], config: &CapConfig, now: Timestamp) -> Result<String, CapError> {
    let mut w = Writer::new_with_indent(Vec::new(), b' ', 2);
    w.write_event(Event::Decl(BytesDecl::new("1.0", Some("UTF-8"), None))).map_err(io)?;
    w.write_event(Event::Start(BytesStart::new("feed").with_attributes([("xmlns", "http://www.w3.org/2005/Atom")])))
        .map_err(io)?;
    text(&mut w, "id", &format!("urn:safecare:cap:{}", config.sender))?;
    text(&mut w, "title", &format!("{}: CAP alerts", config.sender_name))?;
    let updated = messages.iter().filter_map(|m| m.approved_at).max().unwrap_or(now);
    text(&mut w, "updated", &atom_time(updated))?;
    start(&mut w, "author")?;
    text(&mut w, "name", &config.sender_name)?;
    end(&mut w, "author")?;
    for message in messages.iter().filter(|m| m.state == CapState::Approved) {
        let a = &message.alert;
        start(&mut w, "entry")?;
        text(&mut w, "id", &format!("urn:safecare:cap:{}:{}", a.sender, a.identifier))?;
        let headline = a.infos.first().and_then(|i| i.headline.clone()).unwrap_or_else(|| a.identifier.clone());
        text(&mut w, "title", &format!("{} {}: {headline}", a.status, a.msg_type))?;
        text(&mut w, "updated", &atom_time(message.approved_at.unwrap_or(message.drafted_at)))?;
        if let Some(web) = a.infos.first().and_then(|i| i.web.as_ref()) {
            w.write_event(Event::Empty(BytesStart::new("link").with_attributes([("rel", "related"), ("href", web)])))
                .map_err(io)?;
        }
        w.write_event(Event::Start(BytesStart::new("content").with_attributes([("type", "application/cap+xml")])))
            .map_err(io)?;
        a.write(&mut w)?;
        end(&mut w, "content")?;
        end(&mut w, "entry")?;
    }
    end(&mut w, "feed")?;
    String::from_utf8(w.into_inner()).map_err(|e| CapError::Write(e.to_string()))
}
