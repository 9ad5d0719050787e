//! IDMEFv2 alerts from other detectors, checked and taken in as events.
//!
//! A record must be an IDMEFv2 alert of draft 2.D.V08 in the shape of the
//! draft's JSON schema: the keys it defines at every level and no others,
//! the required ones (`Version`, `ID`, `CreateTime`, `Analyzer.Name`, a
//! source's or target's `ID`, a sensor's and an attachment's `Name`), UUIDs,
//! IP addresses, times, coordinates, UN/LOCODEs, media types, hashes, URIs,
//! and the closed lists of `Priority`, `Cause`,
//! `Status` and `Type`. `Category` entries must have the list's
//! `Class.Subclass` form; which names the draft lists is not checked here
//! (an alert naming a category SafeCare does not map is still taken in, and
//! goes out again as `Other.ext-value`). What fails is refused with the
//! path and what was expected, so that the sender can fix it.
//!
//! The whole alert is kept as the event's fields under its own PascalCase
//! keys (times normalised to RFC 3339 in UTC), where the detection stage
//! turns it into a SafeCare alert (`safecare_detect::inbound`). The
//! lowercase fields are SafeCare's hints for placing it on the asset map:
//! the first target's host name (`hostname`) and address (`dest_ip`), the
//! first source's address (`src_ip`) and host name (`host`), and, when no
//! target names a host, the first sensor's name (`sensor`); a `Location`
//! written as a SafeCare path (`hq/main/-1/it/srv`) places it too, the
//! targets' first, then the sources', the sensors' and the analyzer's, and
//! holds where no asset resolves. The patterns of `GeoLocation`,
//! `UnLocation`, attachment names, hashes, media types and URIs are those
//! of `safecare_model::idmef` (`is_geolocation`…), which the JSON form
//! writes by. The domain is physical when `Type` says `Physical`, else cyber;
//! the severity follows `Priority`
//! ([`safecare_model::Severity::from_idmef_priority`]); the time is
//! `StartTime`, else `CreateTime`. Logsource: product `idmefv2`, category =
//! the first `Category` entry.

use std::net::IpAddr;

use safecare_model::idmef::{
    INBOUND_PRODUCT, is_attachment_name, is_geolocation, is_hash, is_media_type, is_unlocode, is_uri, is_uuid,
};
use safecare_model::{Domain, Event, IDMEF_VERSION, Location, Severity};
use serde_json::{Map, Value};

use super::json::{self, JsonError};
use super::{Context, time};

/// Why a record is not an IDMEFv2 alert.
#[derive(Debug, Clone, PartialEq, thiserror::Error)]
pub enum IdmefError {
    /// Not a JSON object.
    #[error(transparent)]
    Json(#[from] JsonError),
    /// A required attribute is absent (its path).
    #[error("alert has no {0}")]
    Missing(String),
    /// A version other than the one the schema allows.
    #[error("version {0:?} is not {IDMEF_VERSION}")]
    Version(String),
    /// A key the schema does not define at that place.
    #[error("alert has an attribute the schema does not define: {0}")]
    UnknownKey(String),
    /// A value of the wrong form.
    #[error("{path} must be {expected}")]
    Invalid {
        /// Where, as `Source[0].IP`.
        path: String,
        /// What the schema wants there.
        expected: &'static str,
    },
    /// A time that is not RFC 3339.
    #[error("time {0:?} is not RFC 3339")]
    InvalidTime(String),
    /// A priority IDMEFv2 does not define.
    #[error("priority {0:?} is not Unknown, Info, Low, Medium or High")]
    InvalidPriority(String),
}

impl IdmefError {
    /// A stable short name of the failure, for metrics labels and source health.
    pub fn kind(&self) -> &'static str {
        match self {
            IdmefError::Json(e) => e.kind(),
            IdmefError::Missing(_) => "idmef_missing",
            IdmefError::Version(_) => "idmef_version",
            IdmefError::UnknownKey(_) => "idmef_unknown_key",
            IdmefError::Invalid { .. } => "idmef_invalid",
            IdmefError::InvalidTime(_) => "idmef_invalid_time",
            IdmefError::InvalidPriority(_) => "idmef_priority",
        }
    }
}

/// What one attribute must hold.
#[derive(Clone, Copy)]
enum Form {
    Text,
    Texts,
    Uuid,
    Uuids,
    Ip,
    Time,
    Share,
    Integer,
    Integers,
    OneOf(&'static [&'static str]),
    ListOf(&'static [&'static str]),
    Categories,
    AttachmentName,
    /// Text that `check` accepts, else the error names what is `expected`.
    Checked(fn(&str) -> bool, &'static str),
    /// A list of such texts.
    CheckedList(fn(&str) -> bool, &'static str),
    TextOrObject,
    Object(&'static Shape),
    Objects(&'static Shape),
}

/// The attributes an object may have and those it must have.
struct Shape {
    keys: &'static [(&'static str, Form)],
    required: &'static [&'static str],
}

const PRIORITIES: &[&str] = &["Unknown", "Info", "Low", "Medium", "High"];
const CAUSES: &[&str] = &["Normal", "Error", "Malicious", "Malfunction", "Hazard", "Unknown"];
const STATUSES: &[&str] = &["Event", "Incident", "Open", "Closed", "FalsePositive", "Reported"];
const TYPES: &[&str] = &["Cyber", "Physical", "Availability", "Combined"];
const GEOLOCATION: Form = Form::Checked(is_geolocation, "ISO 6709 coordinates (+48.8566, +2.3522)");
const UNLOCATION: Form = Form::Checked(is_unlocode, "a UN/LOCODE (FR PAR)");
const URIS: Form = Form::CheckedList(is_uri, "a list of absolute URIs");
const ATTACHMENT_NAMES: Form = Form::CheckedList(is_attachment_name, "a list of attachment names (letters and digits)");

const ANALYZER: Shape = Shape {
    keys: &[
        ("ID", Form::Uuid),
        ("IP", Form::Ip),
        ("Name", Form::Text),
        ("Hostname", Form::Text),
        ("Model", Form::Text),
        ("Category", Form::Texts),
        ("ext-Category", Form::Texts),
        ("Data", Form::Texts),
        ("ext-Data", Form::Texts),
        ("Method", Form::Texts),
        ("ext-Method", Form::Texts),
        ("GeoLocation", GEOLOCATION),
        ("UnLocation", UNLOCATION),
        ("Location", Form::Text),
    ],
    required: &["Name"],
};
const SENSOR: Shape = Shape {
    keys: &[
        ("ID", Form::Uuid),
        ("IP", Form::Ip),
        ("Name", Form::Text),
        ("Hostname", Form::Text),
        ("Model", Form::Text),
        ("GeoLocation", GEOLOCATION),
        ("UnLocation", UNLOCATION),
        ("Location", Form::Text),
        ("CaptureZone", Form::Text),
    ],
    required: &["Name"],
};
const SOURCE: Shape = Shape {
    keys: &[
        ("ID", Form::Uuid),
        ("IP", Form::Ip),
        ("Hostname", Form::Text),
        ("Category", Form::Texts),
        ("Note", Form::Text),
        ("TI", Form::Texts),
        ("User", Form::Text),
        ("Email", Form::Text),
        ("Protocol", Form::Texts),
        ("Port", Form::Integers),
        ("GeoLocation", GEOLOCATION),
        ("UnLocation", UNLOCATION),
        ("Location", Form::Text),
        ("Attachment", ATTACHMENT_NAMES),
    ],
    required: &["ID"],
};
const TARGET: Shape = Shape {
    keys: &[
        ("ID", Form::Uuid),
        ("IP", Form::Ip),
        ("Hostname", Form::Text),
        ("Category", Form::Texts),
        ("Note", Form::Text),
        ("Service", Form::Text),
        ("User", Form::Text),
        ("Email", Form::Text),
        ("Port", Form::Integers),
        ("GeoLocation", GEOLOCATION),
        ("UnLocation", UNLOCATION),
        ("Location", Form::Text),
        ("Attachment", ATTACHMENT_NAMES),
    ],
    required: &["ID"],
};
const ATTACHMENT: Shape = Shape {
    keys: &[
        ("Name", Form::AttachmentName),
        ("FileName", Form::Text),
        ("Hash", Form::CheckedList(is_hash, "a list of checksums (sha256:hex)")),
        ("Size", Form::Integer),
        ("Ref", URIS),
        ("ExternalURI", URIS),
        ("Note", Form::Text),
        ("ContentType", Form::Checked(is_media_type, "a media type (text/plain)")),
        ("ContentEncoding", Form::Text),
        ("Content", Form::TextOrObject),
    ],
    required: &["Name"],
};
const ALERT: Shape = Shape {
    keys: &[
        ("Version", Form::Text),
        ("ID", Form::Uuid),
        ("OrganisationName", Form::Text),
        ("OrganisationId", Form::Text),
        ("EntityName", Form::Text),
        ("EntityId", Form::Text),
        ("EntitySector", Form::Texts),
        ("Type", Form::ListOf(TYPES)),
        ("Category", Form::Categories),
        ("ext-Category", Form::Texts),
        ("Cause", Form::OneOf(CAUSES)),
        ("Description", Form::Text),
        ("Status", Form::ListOf(STATUSES)),
        ("Priority", Form::OneOf(PRIORITIES)),
        ("Confidence", Form::Share),
        ("Note", Form::Text),
        ("CreateTime", Form::Time),
        ("StartTime", Form::Time),
        ("EndTime", Form::Time),
        ("ReportTime", Form::Time),
        ("AltNames", Form::Texts),
        ("AltCategory", Form::Texts),
        ("Ref", URIS),
        ("CorrelID", Form::Uuids),
        ("AggrCondition", Form::Texts),
        ("PredID", Form::Uuids),
        ("RelID", Form::Uuids),
        ("Analyzer", Form::Object(&ANALYZER)),
        ("Sensor", Form::Objects(&SENSOR)),
        ("Source", Form::Objects(&SOURCE)),
        ("Target", Form::Objects(&TARGET)),
        ("Attachment", Form::Objects(&ATTACHMENT)),
    ],
    required: &["Version", "ID", "CreateTime", "Analyzer"],
};

fn join(at: &str, key: &str) -> String {
    if at.is_empty() { key.to_owned() } else { format!("{at}.{key}") }
}

fn invalid(path: &str, expected: &'static str) -> IdmefError {
    IdmefError::Invalid { path: path.to_owned(), expected }
}

fn check_object(fields: &Map<String, Value>, shape: &Shape, at: &str) -> Result<(), IdmefError> {
    for required in shape.required {
        if !fields.contains_key(*required) {
            return Err(IdmefError::Missing(join(at, required)));
        }
    }
    for (key, value) in fields {
        let path = join(at, key);
        let Some((_, form)) = shape.keys.iter().find(|(k, _)| k == key) else {
            return Err(IdmefError::UnknownKey(path));
        };
        check_value(value, *form, &path)?;
    }
    Ok(())
}

fn each<'a>(value: &'a Value, path: &str, expected: &'static str) -> Result<&'a [Value], IdmefError> {
    value.as_array().map(Vec::as_slice).ok_or_else(|| invalid(path, expected))
}

fn check_value(value: &Value, form: Form, path: &str) -> Result<(), IdmefError> {
    let text = || value.as_str().ok_or_else(|| invalid(path, "a string"));
    match form {
        Form::Text => text().map(drop),
        Form::Texts => {
            each(value, path, "a list of strings")?.iter().try_for_each(|v| check_value(v, Form::Text, path))
        }
        Form::Uuid => ensure(is_uuid(text()?), || invalid(path, "a UUID (8-4-4-4-12 hexadecimal digits)")),
        Form::Uuids => each(value, path, "a list of UUIDs")?.iter().try_for_each(|v| check_value(v, Form::Uuid, path)),
        Form::Ip => ensure(text()?.parse::<IpAddr>().is_ok(), || invalid(path, "an IPv4 or IPv6 address")),
        Form::Time => {
            let t = text()?;
            parse_time(t).map(drop).ok_or_else(|| IdmefError::InvalidTime(t.to_owned()))
        }
        Form::Share => match value.as_f64() {
            Some(share) if (0.0..=1.0).contains(&share) => Ok(()),
            _ => Err(invalid(path, "a number from 0 to 1")),
        },
        Form::Integer => value.as_i64().map(drop).ok_or_else(|| invalid(path, "an integer")),
        Form::Integers => {
            each(value, path, "a list of integers")?.iter().try_for_each(|v| check_value(v, Form::Integer, path))
        }
        Form::OneOf(names) if path == "Priority" => {
            let t = text()?;
            ensure(names.contains(&t), || IdmefError::InvalidPriority(t.to_owned()))
        }
        Form::OneOf(names) => ensure(names.contains(&text()?), || invalid(path, one_of(names))),
        Form::ListOf(names) => each(value, path, "a list")?.iter().try_for_each(|v| {
            v.as_str().filter(|t| names.contains(t)).map(drop).ok_or_else(|| invalid(path, one_of(names)))
        }),
        Form::Categories => each(value, path, "a list of categories")?.iter().try_for_each(|v| {
            v.as_str()
                .filter(|t| is_category(t))
                .map(drop)
                .ok_or_else(|| invalid(path, "a list of categories of the form Class.Subclass (Malware.Ransomware)"))
        }),
        Form::AttachmentName => ensure(is_attachment_name(text()?), || invalid(path, "letters and digits only")),
        Form::Checked(check, expected) => ensure(check(text()?), || invalid(path, expected)),
        Form::CheckedList(check, expected) => each(value, path, expected)?
            .iter()
            .try_for_each(|v| v.as_str().filter(|t| check(t)).map(drop).ok_or_else(|| invalid(path, expected))),
        Form::TextOrObject => match value {
            Value::String(_) | Value::Object(_) => Ok(()),
            _ => Err(invalid(path, "a string or an object")),
        },
        Form::Object(shape) => check_object(value.as_object().ok_or_else(|| invalid(path, "an object"))?, shape, path),
        Form::Objects(shape) => each(value, path, "a list of objects")?.iter().enumerate().try_for_each(|(i, v)| {
            let at = format!("{path}[{i}]");
            check_object(v.as_object().ok_or_else(|| invalid(&at, "an object"))?, shape, &at)
        }),
    }
}

/// The names a closed list allows, for the error message.
fn one_of(names: &[&str]) -> &'static str {
    match names.first() {
        Some(&"Unknown") => "one of Unknown, Info, Low, Medium, High",
        Some(&"Normal") => "one of Normal, Error, Malicious, Malfunction, Hazard, Unknown",
        Some(&"Event") => "a list of Event, Incident, Open, Closed, FalsePositive, Reported",
        _ => "a list of Cyber, Physical, Availability, Combined",
    }
}

/// `Class.Subclass`, as every entry of IDMEFv2's category list is written.
fn is_category(text: &str) -> bool {
    text.split_once('.').is_some_and(|(class, sub)| {
        class.chars().next().is_some_and(|c| c.is_ascii_uppercase())
            && class.chars().all(|c| c.is_ascii_alphabetic())
            && !sub.is_empty()
    })
}

/// `Ok(())` when `ok`, else the error.
fn ensure(ok: bool, err: impl FnOnce() -> IdmefError) -> Result<(), IdmefError> {
    if ok { Ok(()) } else { Err(err()) }
}

fn parse_time(text: &str) -> Option<jiff::Timestamp> {
    time::parse_text(text, &jiff::tz::TimeZone::UTC)
}

/// Checks a document against the IDMEFv2 shape (see the module docs).
pub fn check(fields: &Map<String, Value>) -> Result<(), IdmefError> {
    match fields.get("Version").and_then(Value::as_str) {
        Some(IDMEF_VERSION) => {}
        Some(other) => return Err(IdmefError::Version(other.to_owned())),
        None if fields.contains_key("Version") => return Err(invalid("Version", "a string")),
        None => return Err(IdmefError::Missing("Version".into())),
    }
    check_object(fields, &ALERT, "")
}

fn first<'a>(fields: &'a Map<String, Value>, list: &str, key: &str) -> Option<&'a str> {
    fields.get(list)?.as_array()?.iter().find_map(|node| node.get(key)?.as_str())
}

/// Decodes one IDMEFv2 JSON alert.
pub fn decode(input: &[u8], ctx: &Context) -> Result<Event, IdmefError> {
    let mut fields = json::object(input)?;
    check(&fields)?;
    for key in ["CreateTime", "StartTime", "EndTime", "ReportTime"] {
        if let Some(slot) = fields.get_mut(key)
            && let Some(ts) = slot.as_str().and_then(parse_time)
        {
            *slot = Value::String(ts.to_string());
        }
    }
    let time = ["StartTime", "CreateTime"]
        .iter()
        .find_map(|k| fields.get(*k)?.as_str().and_then(parse_time))
        .ok_or_else(|| IdmefError::Missing("CreateTime".into()))?;
    let severity = Severity::from_idmef_priority(fields.get("Priority").and_then(Value::as_str).unwrap_or("Unknown"));
    let physical = fields.get("Type").and_then(Value::as_array).is_some_and(|t| t.iter().any(|t| t == "Physical"));
    let domain = if physical { Domain::Physical } else { Domain::Cyber };
    let message = fields.get("Description").and_then(Value::as_str).unwrap_or("IDMEFv2 alert").to_owned();
    let category = first_category(&fields);
    let analyzer_location = || fields.get("Analyzer")?.get("Location")?.as_str();
    let location = ["Target", "Source", "Sensor"]
        .iter()
        .filter_map(|list| first(&fields, list, "Location"))
        .chain(analyzer_location())
        .find(|l| is_place_path(l))
        .map(Location::from_path);

    let hints = [
        ("hostname", first(&fields, "Target", "Hostname")),
        ("dest_ip", first(&fields, "Target", "IP")),
        ("src_ip", first(&fields, "Source", "IP")),
        ("host", first(&fields, "Source", "Hostname")),
    ];
    let hints: Vec<(&str, String)> = hints.iter().filter_map(|(k, v)| Some((*k, (*v)?.to_owned()))).collect();
    let sensor = first(&fields, "Sensor", "Name").filter(|_| hints.is_empty()).map(str::to_owned);

    let mut event = ctx.event(domain, time, message);
    event.severity = severity;
    event.logsource.product = Some(INBOUND_PRODUCT.into());
    event.logsource.category = category;
    if let Some(location) = location {
        event.location = location;
    }
    for (key, value) in hints.into_iter().chain(sensor.map(|s| ("sensor", s))) {
        fields.insert(key.into(), Value::String(value));
    }
    event.fields = fields;
    Ok(event)
}

/// True for a `Location` written as a SafeCare path (`hq/main/-1/it/srv`);
/// free text ("server room B") does not place an alert.
fn is_place_path(location: &str) -> bool {
    !location.is_empty() && !location.contains(char::is_whitespace)
}

fn first_category(fields: &Map<String, Value>) -> Option<String> {
    fields.get("Category")?.as_array()?.first()?.as_str().map(str::to_owned)
}

#[cfg(test)]
mod tests {
    use super::*;
    use safecare_model::{Severity, Timestamp};
    use serde_json::json;

    const ALERT_TEXT: &str = r#"{"Version":"2.D.V08","ID":"09db946e-673e-49af-b4b2-a8cd9da58de6","CreateTime":"2026-01-05T10:01:00Z","StartTime":"2026-01-05T10:00:00+01:00","Description":"Unauthorized access to server room","Priority":"High","Type":["Physical"],"Category":["Access.Unauthorized"],"Analyzer":{"IP":"10.2.0.5","Name":"psim-01","Model":"PSIM 3","Category":["PHY.ACCESS-CTRL"]},"Target":[{"ID":"8e2c1ad0-1c51-4b7e-9a3e-0d5d0e0c2f11","Hostname":"srv-room-door","Location":"hq/main/-1/it/srv"}]}"#;

    #[test]
    fn physical_alert_becomes_physical_event_with_placement_hints() {
        let event = decode(ALERT_TEXT.as_bytes(), &Context::new("idmef")).unwrap();
        assert_eq!(event.domain, Domain::Physical);
        assert_eq!(event.severity, Severity::High);
        assert_eq!(event.time, "2026-01-05T09:00:00Z".parse::<Timestamp>().unwrap());
        assert_eq!(event.fields["StartTime"], "2026-01-05T09:00:00Z");
        assert_eq!(event.logsource.product.as_deref(), Some(INBOUND_PRODUCT));
        assert_eq!(event.logsource.category.as_deref(), Some("Access.Unauthorized"));
        assert_eq!(event.field("Analyzer.Name"), Some(&json!("psim-01")));
        assert_eq!(event.field("hostname"), Some(&json!("srv-room-door")));
        assert_eq!(event.location.path(), "hq/main/-1/it/srv");
    }

    #[test]
    fn a_location_path_of_a_source_sensor_or_the_analyzer_places_the_alert_when_no_target_has_one() {
        let mut doc: Value = serde_json::from_str(ALERT_TEXT).unwrap();
        doc["Target"][0]["Location"] = json!("server room B");
        doc["Target"][0]["GeoLocation"] = json!("+48.8566, +2.3522");
        doc["Analyzer"]["Location"] = json!("hq/main/0/lobby");
        let event = decode(&serde_json::to_vec(&doc).unwrap(), &Context::new("idmef")).unwrap();
        assert_eq!(event.location.path(), "hq/main/0/lobby");
        doc["Source"] = json!([{"ID": "7d2e0a70-ac9f-4e30-9f5d-4c6a8b0e2f34", "Location": "hq/annex/1"}]);
        let event = decode(&serde_json::to_vec(&doc).unwrap(), &Context::new("idmef")).unwrap();
        assert_eq!(event.location.path(), "hq/annex/1");
        assert_eq!(event.fields["Target"][0]["GeoLocation"], "+48.8566, +2.3522");
    }

    #[test]
    fn safecare_own_alerts_are_valid_coming_in() {
        let mut alert = safecare_model::Alert::new("Ransomware note on PACS", Severity::Critical);
        alert.category.push("ransomware".into());
        alert.target.push(safecare_model::AlertNode { hostname: Some("pacs-01".into()), ..Default::default() });
        let event = decode(&serde_json::to_vec(&alert).unwrap(), &Context::new("idmef")).unwrap();
        assert_eq!(event.severity, Severity::High);
        assert_eq!(event.domain, Domain::Cyber);
        assert_eq!(event.message, "Ransomware note on PACS");
        assert_eq!(event.field("hostname"), Some(&json!("pacs-01")));
    }

    #[test]
    fn broken_alerts_give_specific_errors() {
        let ctx = Context::new("idmef");
        let with = |path: &[&str], v: Value| {
            let mut doc: Value = serde_json::from_str(ALERT_TEXT).unwrap();
            let (last, parents) = path.split_last().unwrap();
            let mut at = &mut doc;
            for p in parents {
                at = match p.parse::<usize>() {
                    Ok(i) => &mut at[i],
                    Err(_) => &mut at[*p],
                };
            }
            let object = at.as_object_mut().unwrap();
            if v.is_null() {
                object.remove(*last);
            } else {
                object.insert((*last).into(), v);
            }
            serde_json::to_vec(&doc).unwrap()
        };
        let refused = |path: &[&str], v: Value| decode(&with(path, v), &ctx).unwrap_err();
        assert_eq!(refused(&["Version"], Value::Null), IdmefError::Missing("Version".into()));
        assert_eq!(refused(&["Version"], "2.0.3".into()), IdmefError::Version("2.0.3".into()));
        assert_eq!(refused(&["ID"], Value::Null), IdmefError::Missing("ID".into()));
        assert_eq!(refused(&["ID"], "42".into()), invalid("ID", "a UUID (8-4-4-4-12 hexadecimal digits)"));
        assert_eq!(refused(&["StartTime"], "later".into()), IdmefError::InvalidTime("later".into()));
        assert_eq!(refused(&["Priority"], "Urgent".into()), IdmefError::InvalidPriority("Urgent".into()));
        assert_eq!(refused(&["CeaseTime"], "2026-01-05T10:00:00Z".into()), IdmefError::UnknownKey("CeaseTime".into()));
        assert_eq!(refused(&["Analyzer", "Name"], Value::Null), IdmefError::Missing("Analyzer.Name".into()));
        assert_eq!(refused(&["Analyzer", "Type"], "Physical".into()), IdmefError::UnknownKey("Analyzer.Type".into()));
        assert_eq!(refused(&["Target", "0", "ID"], Value::Null), IdmefError::Missing("Target[0].ID".into()));
        assert_eq!(refused(&["Target", "0", "IP"], "10.0.0.300".into()).kind(), "idmef_invalid");
        assert_eq!(refused(&["Category"], json!(["ransomware"])).kind(), "idmef_invalid");
        assert_eq!(refused(&["Status"], json!("Event")).kind(), "idmef_invalid");
        assert_eq!(refused(&["Confidence"], json!(2)).kind(), "idmef_invalid");
        assert_eq!(refused(&["SafeCare"], json!({})).kind(), "idmef_unknown_key");
        let message = refused(&["Target", "0", "IP"], "10.0.0.300".into()).to_string();
        assert_eq!(message, "Target[0].IP must be an IPv4 or IPv6 address");
        let message = refused(&["Target", "0", "GeoLocation"], "48°51'N".into()).to_string();
        assert_eq!(message, "Target[0].GeoLocation must be ISO 6709 coordinates (+48.8566, +2.3522)");
        assert_eq!(refused(&["Analyzer", "UnLocation"], "Paris".into()).kind(), "idmef_invalid");
        assert_eq!(refused(&["Target", "0", "Attachment"], json!(["clip 1"])).kind(), "idmef_invalid");
        let clip = |field: &str, v: Value| json!([{"Name": "clip", field: v}]);
        let message = refused(&["Attachment"], clip("ContentType", "video".into())).to_string();
        assert_eq!(message, "Attachment[0].ContentType must be a media type (text/plain)");
        assert_eq!(refused(&["Attachment"], clip("Hash", json!(["sha256:0"]))).kind(), "idmef_invalid");
        assert_eq!(refused(&["Attachment"], clip("ExternalURI", json!(["not a uri"]))).kind(), "idmef_invalid");
    }
}
