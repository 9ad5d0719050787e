//! EDXL-HAVE 2.0 (OASIS Hospital AVailability Exchange): the facility's
//! status, its services, bed capacity and resources, as the region's
//! coordinators read them, built from the availability of each service
//! ([`crate::availability`]) and written with quick-xml (text escaped by
//! the writer).
//!
//! No XSD of HAVE 2.0 is at hand: the element model below follows the
//! specification's element tables (names, order, cardinality and value
//! lists), and the tests check the written document against that model
//! element by element. `docs/responders.md` maps SafeCare's model onto it.

use std::collections::BTreeMap;
use std::io::Write;

use jiff::Timestamp;
use quick_xml::Writer;
use quick_xml::events::{BytesDecl, BytesEnd, BytesStart, BytesText, Event};
use safecare_impact::Inventory;
use safecare_model::{AssetKind, BedType, LatLon};

use crate::availability::{AvailabilityConfig, ServiceAvailability, ServiceStatus};
use crate::notify::{Notification, Reason};

/// The EDXL-HAVE 2.0 namespace.
pub const HAVE_NS: &str = "urn:oasis:names:tc:emergency:edxl:have:2.0";
/// The EDXL common types namespace (locations).
pub const CT_NS: &str = "urn:oasis:names:tc:emergency:edxl:ct:1.0";
/// GML 3.2, for the facility's point.
pub const GML_NS: &str = "http://www.opengis.net/gml/3.2";

macro_rules! value_list {
    ($(#[$meta:meta])* $name:ident { $($(#[$vmeta:meta])* $variant:ident = $text:literal,)+ }) => {
        $(#[$meta])*
        #[derive(Debug, Clone, Copy, PartialEq, Eq, strum::IntoStaticStr, strum::Display, strum::EnumString, strum::VariantArray)]
        pub enum $name {
            $($(#[$vmeta])* #[strum(serialize = $text)] $variant,)+
        }
    };
}

value_list! {
    /// The facility as a whole (`FacilityStatus`).
    FacilityStatus {
        /// Operating as usual.
        Normal = "Normal",
        /// Operating, with part of its services impaired.
        Compromised = "Compromised",
        /// Moving its patients out.
        Evacuating = "Evacuating",
        /// Not taking patients.
        Closed = "Closed",
    }
}

value_list! {
    /// One service (`OperationalStatus`).
    OperationalStatus {
        /// Working as usual.
        Normal = "Normal",
        /// Working with reduced capacity.
        Compromised = "Compromised",
        /// Not taking patients.
        Closed = "Closed",
    }
}

value_list! {
    /// Whether beds of a type can take patients (`CapacityStatus`).
    CapacityStatus {
        /// Beds available now.
        VacantAvailable = "Vacant/Available",
        /// None available.
        NotAvailable = "NotAvailable",
    }
}

value_list! {
    /// Clinical operations and staffing (`ResourcesStatus` children).
    ResourceLevel {
        /// As usual.
        Normal = "Normal",
        /// Below usual, still enough.
        Adequate = "Adequate",
        /// Not enough.
        Insufficient = "Insufficient",
        /// None.
        NotAvailable = "NotAvailable",
    }
}

impl From<ServiceStatus> for OperationalStatus {
    fn from(status: ServiceStatus) -> Self {
        match status {
            ServiceStatus::Operational => OperationalStatus::Normal,
            ServiceStatus::Degraded => OperationalStatus::Compromised,
            ServiceStatus::Closed => OperationalStatus::Closed,
        }
    }
}

/// One service as HAVE gives it.
#[derive(Debug, Clone, PartialEq)]
pub struct HaveService {
    /// Its name.
    pub name: String,
    /// Its asset id.
    pub identifier: String,
    /// Its status.
    pub status: OperationalStatus,
    /// Why, and until when if overridden.
    pub comment: Option<String>,
}

/// Beds of one type across the facility.
#[derive(Debug, Clone, PartialEq)]
pub struct BedCapacity {
    /// The type.
    pub bed_type: BedType,
    /// Whether any can take a patient.
    pub status: CapacityStatus,
    /// Ready now (none in closed services).
    pub available: u32,
    /// Staffed beds in all.
    pub baseline: u32,
    /// Which impaired services the count includes.
    pub comment: Option<String>,
}

/// The facility's resources.
#[derive(Debug, Clone, PartialEq)]
pub struct ResourcesStatus {
    /// Its clinical services taken together.
    pub clinical_operations: ResourceLevel,
    /// Its staff on shift against need.
    pub staffing: ResourceLevel,
    /// Which roles are short.
    pub comment: Option<String>,
}

/// One facility's report.
#[derive(Debug, Clone, PartialEq)]
pub struct HaveFacility {
    /// Its name (the site's).
    pub name: String,
    /// Its id (the site's asset id).
    pub identifier: String,
    /// Where it is: the middle of the site's footprint.
    pub location: Option<LatLon>,
    /// When the figures were taken.
    pub last_update: Timestamp,
    /// Its status.
    pub status: FacilityStatus,
    /// Every service.
    pub services: Vec<HaveService>,
    /// Beds per type.
    pub beds: Vec<BedCapacity>,
    /// Its resources.
    pub resources: ResourcesStatus,
}

/// The document.
#[derive(Debug, Clone, PartialEq)]
pub struct HaveDocument {
    /// The facilities reported (SafeCare reports its own site).
    pub facilities: Vec<HaveFacility>,
}

/// The document could not be written.
#[derive(Debug, thiserror::Error)]
#[error("EDXL-HAVE could not be written: {0}")]
pub struct HaveError(String);

fn io(err: std::io::Error) -> HaveError {
    HaveError(err.to_string())
}

/// The site the report is about: the inventory's first site, its name and
/// the middle of its footprint.
fn site_of(inventory: &Inventory) -> (String, String, Option<LatLon>) {
    match inventory.assets().iter().find(|a| a.kind == AssetKind::Site) {
        Some(site) => {
            let footprint = site.geo.as_ref().map(|g| g.footprint.as_slice()).unwrap_or_default();
            // A closed ring repeats its first point; the middle of the others.
            let corners = footprint.get(..footprint.len().saturating_sub(1)).unwrap_or_default();
            let middle = (!corners.is_empty()).then(|| {
                let n = corners.len() as f64;
                LatLon {
                    lat: corners.iter().map(|p| p.lat).sum::<f64>() / n,
                    lon: corners.iter().map(|p| p.lon).sum::<f64>() / n,
                }
            });
            (site.name.clone(), site.id.to_string(), middle)
        }
        None => ("Hospital".to_owned(), "site".to_owned(), None),
    }
}

fn service_comment(service: &ServiceAvailability) -> Option<String> {
    let cause = service.causes.first().map(|c| {
        format!(
            "{} by incident {} ({}: {} impact {:.2}, from {})",
            service.assessed,
            c.title,
            c.threat,
            c.impact.as_str(),
            c.score,
            c.expected_at.strftime("%Y-%m-%dT%H:%M:%SZ")
        )
    });
    let overridden = service
        .overridden
        .as_ref()
        .map(|o| format!("{} by {} until {}: {}", o.status, o.by, o.expires.strftime("%Y-%m-%dT%H:%M:%SZ"), o.reason));
    let said = match (cause, overridden) {
        (None, None) => None,
        (Some(one), None) | (None, Some(one)) => Some(one),
        (Some(cause), Some(overridden)) => Some(format!("{overridden}; assessed {cause}")),
    };
    // HAVE 2.0's Service has no element for how long a status lasts: the
    // expected end rides in the comment, always last and always worded alike.
    match (said, service.expected_end) {
        (Some(said), Some(end)) => {
            Some(format!("{said}; expected operational by {}", end.strftime("%Y-%m-%dT%H:%M:%SZ")))
        }
        (said, _) => said,
    }
}

fn beds_of(services: &[ServiceAvailability]) -> Vec<BedCapacity> {
    let mut by_type: BTreeMap<BedType, (u32, u32, Vec<&str>)> = BTreeMap::new();
    for service in services {
        for ward in &service.capacity.wards {
            let entry = by_type.entry(ward.bed_type).or_default();
            entry.1 = entry.1.saturating_add(ward.total);
            match service.status {
                ServiceStatus::Closed => {}
                ServiceStatus::Operational => entry.0 = entry.0.saturating_add(ward.available),
                ServiceStatus::Degraded => {
                    entry.0 = entry.0.saturating_add(ward.available);
                    if !entry.2.contains(&service.name.as_str()) {
                        entry.2.push(&service.name);
                    }
                }
            }
        }
    }
    by_type
        .into_iter()
        .map(|(bed_type, (available, baseline, degraded))| BedCapacity {
            bed_type,
            status: if available > 0 { CapacityStatus::VacantAvailable } else { CapacityStatus::NotAvailable },
            available,
            baseline,
            comment: (!degraded.is_empty())
                .then(|| format!("includes beds of degraded services: {}", degraded.join(", "))),
        })
        .collect()
}

fn resources_of(services: &[ServiceAvailability]) -> ResourcesStatus {
    let clinical_operations = if services.iter().all(|s| s.status == ServiceStatus::Closed) && !services.is_empty() {
        ResourceLevel::NotAvailable
    } else if services.iter().any(|s| s.status == ServiceStatus::Closed) {
        ResourceLevel::Insufficient
    } else if services.iter().any(|s| s.status == ServiceStatus::Degraded) {
        ResourceLevel::Adequate
    } else {
        ResourceLevel::Normal
    };
    let roles: Vec<_> = services.iter().flat_map(|s| s.capacity.staffing.iter().map(move |r| (s, r))).collect();
    let staffing = if roles.iter().any(|(_, r)| r.needed > 0 && r.on_shift == 0) {
        ResourceLevel::NotAvailable
    } else if roles.iter().any(|(_, r)| u64::from(r.on_shift) * 2 < u64::from(r.needed)) {
        ResourceLevel::Insufficient
    } else if roles.iter().any(|(_, r)| r.is_short()) {
        ResourceLevel::Adequate
    } else {
        ResourceLevel::Normal
    };
    let short: Vec<String> = roles
        .iter()
        .filter(|(_, r)| r.is_short())
        .map(|(s, r)| format!("{} {} {}/{}", s.name, r.role, r.on_shift, r.needed))
        .collect();
    let comment = (!short.is_empty()).then(|| format!("short: {}", short.join(", ")));
    ResourcesStatus { clinical_operations, staffing, comment }
}

/// The document for the inventory's site, from every service's availability.
pub fn document(inventory: &Inventory, services: &[ServiceAvailability], now: Timestamp) -> HaveDocument {
    let (name, identifier, location) = site_of(inventory);
    let status = if !services.is_empty() && services.iter().all(|s| s.status == ServiceStatus::Closed) {
        FacilityStatus::Closed
    } else if services.iter().any(|s| s.status != ServiceStatus::Operational) {
        FacilityStatus::Compromised
    } else {
        FacilityStatus::Normal
    };
    let facility = HaveFacility {
        name,
        identifier,
        location,
        last_update: now,
        status,
        services: services
            .iter()
            .map(|s| HaveService {
                name: s.name.clone(),
                identifier: s.id.to_string(),
                status: s.status.into(),
                comment: service_comment(s),
            })
            .collect(),
        beds: beds_of(services),
        resources: resources_of(services),
    };
    HaveDocument { facilities: vec![facility] }
}

type XmlWriter<W> = Writer<W>;

fn start<W: Write>(w: &mut XmlWriter<W>, name: &str) -> Result<(), HaveError> {
    w.write_event(Event::Start(BytesStart::new(name))).map_err(io)
}

fn end<W: Write>(w: &mut XmlWriter<W>, name: &str) -> Result<(), HaveError> {
    w.write_event(Event::End(BytesEnd::new(name))).map_err(io)
}

fn text<W: Write>(w: &mut XmlWriter<W>, name: &str, value: &str) -> Result<(), HaveError> {
    start(w, name)?;
    w.write_event(Event::Text(BytesText::new(value))).map_err(io)?;
    end(w, name)
}

fn time(at: Timestamp) -> String {
    at.strftime("%Y-%m-%dT%H:%M:%SZ").to_string()
}

impl HaveDocument {
    /// The document as XML.
    pub fn to_xml(&self) -> Result<String, HaveError> {
        let mut w = Writer::new_with_indent(Vec::new(), b' ', 2);
        w.write_event(Event::Decl(BytesDecl::new("1.0", Some("UTF-8"), None))).map_err(io)?;
        let root = BytesStart::new("have:HAVE").with_attributes([
            ("xmlns:have", HAVE_NS),
            ("xmlns:ct", CT_NS),
            ("xmlns:gml", GML_NS),
        ]);
        w.write_event(Event::Start(root)).map_err(io)?;
        for facility in &self.facilities {
            write_facility(&mut w, facility)?;
        }
        end(&mut w, "have:HAVE")?;
        String::from_utf8(w.into_inner()).map_err(|e| HaveError(e.to_string()))
    }
}

fn write_facility<W: Write>(w: &mut XmlWriter<W>, f: &HaveFacility) -> Result<(), HaveError> {
    start(w, "have:Facility")?;
    text(w, "have:Name", &f.name)?;
    text(w, "have:Identifier", &f.identifier)?;
    if let Some(at) = f.location {
        start(w, "have:Location")?;
        start(w, "ct:EDXLGeoLocation")?;
        let point = BytesStart::new("gml:Point").with_attributes([("srsName", "urn:ogc:def:crs:EPSG::4326")]);
        w.write_event(Event::Start(point)).map_err(io)?;
        text(w, "gml:pos", &format!("{:.7} {:.7}", at.lat, at.lon))?;
        end(w, "gml:Point")?;
        end(w, "ct:EDXLGeoLocation")?;
        end(w, "have:Location")?;
    }
    text(w, "have:LastUpdateTime", &time(f.last_update))?;
    text(w, "have:FacilityStatus", f.status.into())?;
    if !f.services.is_empty() {
        start(w, "have:Services")?;
        for s in &f.services {
            start(w, "have:Service")?;
            text(w, "have:Name", &s.name)?;
            text(w, "have:Identifier", &s.identifier)?;
            text(w, "have:OperationalStatus", s.status.into())?;
            if let Some(comment) = &s.comment {
                text(w, "have:Comment", comment)?;
            }
            end(w, "have:Service")?;
        }
        end(w, "have:Services")?;
    }
    for bed in &f.beds {
        start(w, "have:BedCapacity")?;
        text(w, "have:BedType", bed.bed_type.as_str())?;
        start(w, "have:Capacity")?;
        text(w, "have:CapacityStatus", bed.status.into())?;
        text(w, "have:AvailableCount", &bed.available.to_string())?;
        text(w, "have:BaselineCount", &bed.baseline.to_string())?;
        end(w, "have:Capacity")?;
        if let Some(comment) = &bed.comment {
            text(w, "have:Comment", comment)?;
        }
        end(w, "have:BedCapacity")?;
    }
    start(w, "have:ResourcesStatus")?;
    text(w, "have:ClinicalOperations", f.resources.clinical_operations.into())?;
    text(w, "have:Staffing", f.resources.staffing.into())?;
    if let Some(comment) = &f.resources.comment {
        text(w, "have:Comment", comment)?;
    }
    end(w, "have:ResourcesStatus")?;
    end(w, "have:Facility")
}

/// The outbox messages a new document is sent as: one per configured
/// channel, the XML in the payload; `key` tells this document from the
/// previous ones (the history entry it follows).
pub fn notifications(
    xml: &str,
    status: FacilityStatus,
    key: &str,
    config: &AvailabilityConfig,
    at: Timestamp,
) -> Vec<Notification> {
    config
        .channels
        .iter()
        .map(|channel| Notification {
            key: format!("have:{key}:{channel}"),
            incident: None,
            route: "availability".into(),
            channel: channel.clone(),
            reason: Reason::Availability,
            tier: 1,
            recipients: Vec::new(),
            exercise: false,
            subject: format!("EDXL-HAVE: facility {status}"),
            payload: serde_json::json!({ "format": "edxl-have-2.0", "facility_status": status.to_string(), "xml": xml }),
            created: at,
        })
        .collect()
}

#[cfg(test)]
mod tests {
    use std::collections::HashMap;

    use quick_xml::Reader;
    use quick_xml::events::Event as ReadEvent;
    use strum::VariantArray;

    use super::*;
    use crate::availability::{Override, StatusCause, assess_services};

    /// One element of the specification's tables: its children in order,
    /// each with its least and most occurrences, or the values a leaf may take.
    enum Spec {
        Children(&'static [(&'static str, usize, usize)]),
        Values(fn(&str) -> bool),
    }

    const MANY: usize = usize::MAX;

    fn spec(name: &str) -> Option<Spec> {
        use Spec::*;
        Some(match name {
            "have:HAVE" => Children(&[("have:Facility", 1, MANY)]),
            "have:Facility" => Children(&[
                ("have:Name", 1, 1),
                ("have:Identifier", 0, 1),
                ("have:Location", 0, 1),
                ("have:LastUpdateTime", 1, 1),
                ("have:Comment", 0, 1),
                ("have:FacilityStatus", 0, 1),
                ("have:Services", 0, 1),
                ("have:BedCapacity", 0, MANY),
                ("have:ResourcesStatus", 0, 1),
            ]),
            "have:Location" => Children(&[("ct:EDXLGeoLocation", 1, 1)]),
            "ct:EDXLGeoLocation" => Children(&[("gml:Point", 1, 1)]),
            "gml:Point" => Children(&[("gml:pos", 1, 1)]),
            "gml:pos" => Values(|v| {
                let n: Vec<f64> = v.split(' ').filter_map(|x| x.parse().ok()).collect();
                n.len() == 2 && (-90.0..=90.0).contains(&n[0]) && (-180.0..=180.0).contains(&n[1])
            }),
            "have:Services" => Children(&[("have:Service", 1, MANY)]),
            "have:Service" => Children(&[
                ("have:Name", 1, 1),
                ("have:Identifier", 0, 1),
                ("have:OperationalStatus", 1, 1),
                ("have:Comment", 0, 1),
            ]),
            "have:BedCapacity" => Children(&[("have:BedType", 1, 1), ("have:Capacity", 1, 1), ("have:Comment", 0, 1)]),
            "have:Capacity" => {
                Children(&[("have:CapacityStatus", 1, 1), ("have:AvailableCount", 0, 1), ("have:BaselineCount", 0, 1)])
            }
            "have:ResourcesStatus" => Children(&[
                ("have:FacilityOperations", 0, 1),
                ("have:ClinicalOperations", 0, 1),
                ("have:Staffing", 0, 1),
                ("have:Comment", 0, 1),
            ]),
            "have:LastUpdateTime" => Values(|v| v.ends_with('Z') && v.parse::<Timestamp>().is_ok()),
            "have:FacilityStatus" => Values(|v| ["Normal", "Compromised", "Evacuating", "Closed"].contains(&v)),
            "have:OperationalStatus" => Values(|v| ["Normal", "Compromised", "Closed"].contains(&v)),
            "have:CapacityStatus" => Values(|v| ["Vacant/Available", "NotAvailable"].contains(&v)),
            "have:ClinicalOperations" | "have:FacilityOperations" | "have:Staffing" => {
                Values(|v| ["Normal", "Adequate", "Insufficient", "NotAvailable"].contains(&v))
            }
            "have:BedType" => Values(|v| {
                [
                    "AdultICU",
                    "PediatricICU",
                    "NeonatalICU",
                    "EmergencyDepartment",
                    "NurseryBeds",
                    "MedicalSurgical",
                    "RehabLongTermCare",
                    "Burn",
                    "Pediatrics",
                    "AdultPsychiatric",
                    "PediatricPsychiatric",
                    "NegativeFlowIsolation",
                    "OtherIsolation",
                    "OperatingRooms",
                ]
                .contains(&v)
            }),
            "have:AvailableCount" | "have:BaselineCount" => Values(|v| v.parse::<u32>().is_ok()),
            "have:Name" | "have:Identifier" | "have:Comment" => Values(|v| !v.trim().is_empty()),
            _ => return None,
        })
    }

    /// A parsed element: its name, children and text.
    struct Node {
        name: String,
        children: Vec<Node>,
        text: String,
    }

    fn parse(xml: &str) -> Node {
        let mut reader = Reader::from_str(xml);
        reader.config_mut().trim_text(true);
        let mut stack: Vec<Node> = vec![Node { name: String::new(), children: vec![], text: String::new() }];
        loop {
            match reader.read_event().unwrap() {
                ReadEvent::Start(e) => {
                    let name = String::from_utf8(e.name().as_ref().to_vec()).unwrap();
                    stack.push(Node { name, children: vec![], text: String::new() });
                }
                ReadEvent::Text(t) => stack.last_mut().unwrap().text.push_str(&t.decode().unwrap()),
                ReadEvent::GeneralRef(r) => {
                    let name = r.decode().unwrap();
                    let c = match name.as_ref() {
                        "lt" => '<',
                        "gt" => '>',
                        "amp" => '&',
                        "quot" => '"',
                        "apos" => '\'',
                        other => panic!("entity {other}"),
                    };
                    stack.last_mut().unwrap().text.push(c);
                }
                ReadEvent::End(_) => {
                    let done = stack.pop().unwrap();
                    stack.last_mut().unwrap().children.push(done);
                }
                ReadEvent::Eof => break,
                _ => {}
            }
        }
        stack.pop().unwrap().children.pop().unwrap()
    }

    /// Every element checked against its table: known, children in the
    /// table's order within their cardinality, leaves within their values.
    fn conforms(node: &Node) -> Result<(), String> {
        match spec(&node.name).ok_or_else(|| format!("`{}` is not in the model", node.name))? {
            Spec::Values(ok) => {
                if !node.children.is_empty() || !ok(&node.text) {
                    return Err(format!("`{}` holds `{}`", node.name, node.text));
                }
            }
            Spec::Children(table) => {
                let mut row = 0;
                let mut count = 0;
                for child in &node.children {
                    while row < table.len() && table[row].0 != child.name {
                        if count < table[row].1 {
                            return Err(format!("`{}` lacks `{}` before `{}`", node.name, table[row].0, child.name));
                        }
                        row += 1;
                        count = 0;
                    }
                    if row == table.len() {
                        return Err(format!("`{}` in `{}` is out of order or unknown", child.name, node.name));
                    }
                    count += 1;
                    if count > table[row].2 {
                        return Err(format!("`{}` repeats `{}`", node.name, child.name));
                    }
                    conforms(child)?;
                }
                while row < table.len() {
                    if count < table[row].1 {
                        return Err(format!("`{}` lacks `{}`", node.name, table[row].0));
                    }
                    row += 1;
                    count = 0;
                }
            }
        }
        Ok(())
    }

    fn find<'a>(node: &'a Node, name: &str) -> Vec<&'a Node> {
        let mut found: Vec<&Node> = node.children.iter().filter(|c| c.name == name).collect();
        for child in &node.children {
            found.extend(find(child, name));
        }
        found
    }

    fn demo() -> Inventory {
        let dir = std::path::PathBuf::from(env!("CARGO_MANIFEST_DIR")).join("../../content/sites/demo-hospital");
        Inventory::load(&dir).unwrap()
    }

    fn now() -> Timestamp {
        Timestamp::from_second(1_800_000_000).unwrap()
    }

    fn degraded_theatres_and_closed_icu(inventory: &Inventory) -> Vec<ServiceAvailability> {
        let mut services = assess_services(inventory, &[], &HashMap::new(), &AvailabilityConfig::default(), now());
        for s in &mut services {
            if s.id == "svc-theatres" {
                s.status = ServiceStatus::Degraded;
                s.assessed = ServiceStatus::Degraded;
                s.causes.push(StatusCause {
                    incident: safecare_model::IncidentId::new(),
                    title: "Set point of AHU-OT changed <from BMS>".into(),
                    threat: "tampering".into(),
                    impact: safecare_impact::ImpactType::Availability,
                    score: 0.62,
                    expected_at: now(),
                    until: Some(now() + jiff::SignedDuration::from_hours(12)),
                });
                s.expected_end = Some(now() + jiff::SignedDuration::from_hours(12));
            }
            if s.id == "svc-icu" {
                s.status = ServiceStatus::Closed;
                s.overridden = Some(Override {
                    status: ServiceStatus::Closed,
                    reason: "ventilation checks".into(),
                    by: "cm".into(),
                    at: now(),
                    expires: now() + jiff::SignedDuration::from_hours(1),
                });
                s.expected_end = Some(now() + jiff::SignedDuration::from_hours(1));
            }
        }
        services
    }

    #[test]
    fn the_document_follows_the_element_tables() {
        let inventory = demo();
        let services = degraded_theatres_and_closed_icu(&inventory);
        let xml = document(&inventory, &services, now()).to_xml().unwrap();
        let root = parse(&xml);
        assert_eq!(root.name, "have:HAVE");
        assert!(xml.contains(&format!("xmlns:have=\"{HAVE_NS}\"")));
        conforms(&root).unwrap_or_else(|e| panic!("{e}\n{xml}"));
        assert!(xml.contains("&lt;from BMS&gt;"), "text is escaped");

        let facility = &root.children[0];
        assert_eq!(find(facility, "have:FacilityStatus")[0].text, "Compromised");
        let services: Vec<(&str, &str)> = find(facility, "have:Service")
            .iter()
            .map(|s| (find(s, "have:Identifier")[0].text.as_str(), find(s, "have:OperationalStatus")[0].text.as_str()))
            .collect();
        assert_eq!(services.len(), inventory.assets().iter().filter(|a| a.kind == AssetKind::Service).count());
        assert!(services.contains(&("svc-theatres", "Compromised")), "{services:?}");
        assert!(services.contains(&("svc-icu", "Closed")));
        assert!(services.contains(&("svc-ed", "Normal")));
        let icu = find(facility, "have:Service").into_iter().find(|s| s.children[1].text == "svc-icu").unwrap();
        let comment = &find(icu, "have:Comment")[0].text;
        assert!(comment.contains("ventilation checks"), "{comment}");
        assert!(
            comment.ends_with("; expected operational by 2027-01-15T09:00:00Z"),
            "the override's expiry: {comment}"
        );
        let theatres =
            find(facility, "have:Service").into_iter().find(|s| s.children[1].text == "svc-theatres").unwrap();
        let comment = &find(theatres, "have:Comment")[0].text;
        assert!(comment.ends_with("; expected operational by 2027-01-15T20:00:00Z"), "the recovery: {comment}");
        let ed = find(facility, "have:Service").into_iter().find(|s| s.children[1].text == "svc-ed").unwrap();
        assert!(find(ed, "have:Comment").is_empty(), "nothing to say of an operational service");

        // The closed ICU's beds are not offered; the degraded theatres' are, said so.
        let beds: HashMap<&str, (&str, &str, &str)> = find(facility, "have:BedCapacity")
            .iter()
            .map(|b| {
                (
                    find(b, "have:BedType")[0].text.as_str(),
                    (
                        find(b, "have:CapacityStatus")[0].text.as_str(),
                        find(b, "have:AvailableCount")[0].text.as_str(),
                        find(b, "have:BaselineCount")[0].text.as_str(),
                    ),
                )
            })
            .collect();
        assert_eq!(beds["AdultICU"], ("NotAvailable", "0", "12"));
        assert_eq!(beds["OperatingRooms"], ("Vacant/Available", "2", "6"));
        let or =
            find(facility, "have:BedCapacity").into_iter().find(|b| b.children[0].text == "OperatingRooms").unwrap();
        assert!(find(or, "have:Comment")[0].text.contains("Operating theatres"));
        assert_eq!(find(facility, "have:ClinicalOperations")[0].text, "Insufficient");
        assert_eq!(find(facility, "have:Staffing")[0].text, "Adequate", "a few roles short, none by half");
    }

    #[test]
    fn the_checker_catches_a_missing_or_misplaced_element_and_a_value_off_the_list() {
        let inventory = demo();
        let xml = document(
            &inventory,
            &assess_services(&inventory, &[], &HashMap::new(), &AvailabilityConfig::default(), now()),
            now(),
        )
        .to_xml()
        .unwrap();
        conforms(&parse(&xml)).unwrap();
        assert!(xml.contains("<have:FacilityStatus>Normal</have:FacilityStatus>"));
        let no_time = xml.replace(&format!("<have:LastUpdateTime>{}</have:LastUpdateTime>", time(now())), "");
        assert!(conforms(&parse(&no_time)).unwrap_err().contains("LastUpdateTime"));
        let swapped = xml.replacen("<have:BedType>AdultICU</have:BedType>", "<have:BedType>Sofa</have:BedType>", 1);
        assert!(conforms(&parse(&swapped)).unwrap_err().contains("Sofa"));
        let moved = xml.replacen("<have:FacilityStatus>Normal</have:FacilityStatus>", "", 1).replacen(
            "</have:Facility>",
            "<have:FacilityStatus>Normal</have:FacilityStatus></have:Facility>",
            1,
        );
        assert!(conforms(&parse(&moved)).is_err());
    }

    #[test]
    fn value_lists_are_the_specifications() {
        let names = |all: &[&'static str]| all.to_vec();
        assert_eq!(
            names(&FacilityStatus::VARIANTS.iter().map(|v| v.into()).collect::<Vec<_>>()),
            ["Normal", "Compromised", "Evacuating", "Closed"]
        );
        assert_eq!(
            names(&CapacityStatus::VARIANTS.iter().map(|v| v.into()).collect::<Vec<_>>()),
            ["Vacant/Available", "NotAvailable"]
        );
        for bed in BedType::VARIANTS {
            assert!(matches!(spec("have:BedType"), Some(Spec::Values(ok)) if ok(bed.as_str())), "{bed}");
        }
        for status in ResourceLevel::VARIANTS {
            assert!(matches!(spec("have:Staffing"), Some(Spec::Values(ok)) if ok(status.into())));
        }
    }

    #[test]
    fn each_channel_gets_the_document() {
        let config =
            AvailabilityConfig { channels: vec!["region".into(), "ems".into()], ..AvailabilityConfig::default() };
        let sent = notifications("<x/>", FacilityStatus::Compromised, "42", &config, now());
        assert_eq!(sent.len(), 2);
        assert_eq!(sent[0].key, "have:42:region");
        assert_eq!(sent[1].payload["xml"], "<x/>");
        assert_eq!(sent[0].reason, Reason::Availability);
        assert!(notifications("<x/>", FacilityStatus::Normal, "1", &AvailabilityConfig::default(), now()).is_empty());
    }
}
