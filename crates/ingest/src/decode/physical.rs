//! Physical security and building events published over MQTT under
//! `safecare/<site>/<domain>/<type>/<device>`, one JSON schema per type
//! (documented in `docs/ingest.md`).
//!
//! Every payload may carry `time` (RFC 3339; default: receipt),
//! `severity` (overrides the type's default), `message` and `location`
//! (`building`, `floor`, `zone`, `room`). All payload keys are kept as
//! fields; the topic adds `site`, `device` and `type`. The logsource is
//! product `safecare`, category from the type (`access_control`,
//! `intrusion`, `fire`, `environment`, `video`, `panic`).

use std::str::FromStr;

use safecare_model::{Domain, Event, Location, Severity};
use serde::Deserialize;
use serde_json::{Map, Value, json};

use super::json::{self, JsonError};
use super::{Context, time};

/// Why an MQTT message is not a physical event.
#[derive(Debug, Clone, PartialEq, thiserror::Error)]
pub enum PhysicalError {
    #[error(transparent)]
    Json(#[from] JsonError),
    #[error("topic {0:?} is not safecare/<site>/<domain>/<type>/<device>")]
    Topic(String),
    #[error("unknown domain {0:?} in topic (expected cyber, physical, building or medical)")]
    Domain(String),
    #[error("unknown event type {0:?} (expected access, intrusion, fire, environment, video or panic)")]
    Type(String),
    #[error("{kind} event has no {field:?}")]
    MissingField { kind: &'static str, field: &'static str },
    #[error("{kind} event {field:?} has unknown value {value:?}")]
    InvalidValue { kind: &'static str, field: &'static str, value: String },
    #[error("environment reading has neither temperature nor humidity")]
    NoMeasurement,
    #[error("time {0:?} is not a valid time")]
    InvalidTime(String),
    #[error("severity {0:?} is not info, low, medium, high or critical")]
    InvalidSeverity(String),
}

impl PhysicalError {
    pub fn kind(&self) -> &'static str {
        match self {
            PhysicalError::Json(e) => e.kind(),
            PhysicalError::Topic(_) => "physical_topic",
            PhysicalError::Domain(_) => "physical_domain",
            PhysicalError::Type(_) => "physical_type",
            PhysicalError::MissingField { .. } => "physical_missing_field",
            PhysicalError::InvalidValue { .. } => "physical_invalid_value",
            PhysicalError::NoMeasurement => "physical_no_measurement",
            PhysicalError::InvalidTime(_) => "physical_invalid_time",
            PhysicalError::InvalidSeverity(_) => "physical_invalid_severity",
        }
    }
}

/// The parts of a physical topic.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Topic<'a> {
    pub site: &'a str,
    pub domain: Domain,
    pub kind: &'a str,
    pub device: &'a str,
}

/// Splits `safecare/<site>/<domain>/<type>/<device>`.
pub fn parse_topic(topic: &str) -> Result<Topic<'_>, PhysicalError> {
    let parts: Vec<&str> = topic.split('/').collect();
    let [prefix, site, domain, kind, device] = parts[..] else { return Err(PhysicalError::Topic(topic.to_owned())) };
    if prefix != "safecare" || [site, domain, kind, device].iter().any(|p| p.is_empty()) {
        return Err(PhysicalError::Topic(topic.to_owned()));
    }
    let domain = Domain::from_str(domain).map_err(|_| PhysicalError::Domain(domain.to_owned()))?;
    Ok(Topic { site, domain, kind, device })
}

/// Where a payload says the event happened, below the site.
#[derive(Debug, Default, Deserialize)]
struct PayloadLocation {
    building: Option<String>,
    floor: Option<String>,
    zone: Option<String>,
    room: Option<String>,
}

/// One event type: its logsource category, the field holding its sub-kind,
/// the values that field may take with their default severity.
struct TypeSpec {
    name: &'static str,
    category: &'static str,
    event_field: Option<&'static str>,
    values: &'static [(&'static str, Severity)],
}

const TYPES: [TypeSpec; 6] = [
    TypeSpec {
        name: "access",
        category: "access_control",
        event_field: Some("event"),
        values: &[
            ("granted", Severity::Info),
            ("denied", Severity::Low),
            ("held_open", Severity::Medium),
            ("forced", Severity::High),
        ],
    },
    TypeSpec {
        name: "intrusion",
        category: "intrusion",
        event_field: Some("event"),
        values: &[
            ("motion", Severity::Medium),
            ("door_contact", Severity::Medium),
            ("glass_break", Severity::High),
            ("tamper", Severity::High),
        ],
    },
    TypeSpec {
        name: "fire",
        category: "fire",
        event_field: Some("event"),
        values: &[
            ("smoke", Severity::High),
            ("flood", Severity::High),
            ("heat", Severity::High),
            ("fire", Severity::Critical),
        ],
    },
    TypeSpec { name: "environment", category: "environment", event_field: None, values: &[] },
    TypeSpec {
        name: "video",
        category: "video",
        event_field: Some("event"),
        values: &[
            ("crowd", Severity::Low),
            ("loitering", Severity::Medium),
            ("intrusion_zone", Severity::High),
            ("abandoned_object", Severity::High),
        ],
    },
    TypeSpec { name: "panic", category: "panic", event_field: None, values: &[] },
];

/// Decodes one MQTT message on a physical topic.
pub fn decode(topic: &str, payload: &[u8], ctx: &Context) -> Result<Event, PhysicalError> {
    let t = parse_topic(topic)?;
    let spec = TYPES.iter().find(|s| s.name == t.kind).ok_or_else(|| PhysicalError::Type(t.kind.to_owned()))?;
    let mut fields = json::object(payload)?;

    let (mut severity, message) =
        match (spec.name, spec.event_field) {
            ("environment", _) => environment(&fields, t.device)?,
            ("panic", _) => panic(&fields, t.device),
            (_, Some(field)) => {
                let value = fields
                    .get(field)
                    .and_then(Value::as_str)
                    .ok_or(PhysicalError::MissingField { kind: spec.name, field })?;
                let severity =
                    spec.values.iter().find(|(v, _)| *v == value).map(|(_, s)| *s).ok_or_else(|| {
                        PhysicalError::InvalidValue { kind: spec.name, field, value: value.to_owned() }
                    })?;
                (severity, describe(spec.name, value, &fields, t.device))
            }
            (_, None) => (Severity::Info, spec.name.to_owned()),
        };
    if spec.name == "fire" && fields.get("state").and_then(Value::as_str).is_some_and(|s| s != "alarm") {
        // Restores and faults are worth recording but are not fires.
        severity = Severity::Low;
    }
    if let Some(raw) = fields.get("severity") {
        let text = raw.as_str().unwrap_or_default();
        severity = Severity::from_str(text)
            .map_err(|_| PhysicalError::InvalidSeverity(json::text_of(raw).unwrap_or_default()))?;
    }
    let time = match fields.get("time") {
        Some(raw) => time::from_json(raw, &ctx.timezone)
            .ok_or_else(|| PhysicalError::InvalidTime(json::text_of(raw).unwrap_or_default()))?,
        None => ctx.received,
    };
    let message = fields.get("message").and_then(Value::as_str).map(str::to_owned).unwrap_or(message);
    let location = fields
        .get("location")
        .cloned()
        .and_then(|l| serde_json::from_value::<PayloadLocation>(l).ok())
        .unwrap_or_default();

    let mut event = ctx.event(t.domain, time, message);
    event.severity = severity;
    event.location = Location {
        site: Some(t.site.to_owned()),
        building: location.building,
        floor: location.floor,
        zone: location.zone,
        room: location.room,
    };
    event.logsource.product = Some("safecare".into());
    event.logsource.category = Some(spec.category.into());
    fields.insert("site".into(), json!(t.site));
    fields.insert("type".into(), json!(t.kind));
    fields.entry("device").or_insert(json!(t.device));
    event.fields = fields;
    Ok(event)
}

fn describe(kind: &str, value: &str, f: &Map<String, Value>, device: &str) -> String {
    let s = |k: &str| json::str_at(f, k);
    match kind {
        "access" => {
            let holder = s("badge_holder");
            let who = if holder.is_empty() { String::new() } else { format!(" for {holder}") };
            format!("Access {} at door {} (reader {}){who}", value.replace('_', " "), s("door"), s("reader"))
        }
        "intrusion" => format!("Intrusion {} in zone {} ({device})", value.replace('_', " "), s("zone")),
        "fire" => format!("{} {} at {device}", capitalise(value), s("state")).trim_end().to_owned(),
        "video" => format!("Video analytics: {} on camera {device} zone {}", value.replace('_', " "), s("zone")),
        _ => format!("{kind} {value} ({device})"),
    }
}

fn capitalise(word: &str) -> String {
    let mut chars = word.chars();
    chars.next().map(|c| c.to_uppercase().chain(chars).collect()).unwrap_or_default()
}

/// A reading with `temperature` and/or `humidity`; `alarm: true` (set by
/// the sensor or gateway when a threshold is crossed) raises it to medium.
fn environment(f: &Map<String, Value>, device: &str) -> Result<(Severity, String), PhysicalError> {
    let temperature = f.get("temperature").and_then(Value::as_f64);
    let humidity = f.get("humidity").and_then(Value::as_f64);
    let mut parts = Vec::new();
    if let Some(t) = temperature {
        parts.push(format!("temperature {t} °C"));
    }
    if let Some(h) = humidity {
        parts.push(format!("humidity {h} %"));
    }
    if parts.is_empty() {
        return Err(PhysicalError::NoMeasurement);
    }
    let alarm = f.get("alarm").and_then(Value::as_bool).unwrap_or(false);
    let severity = if alarm { Severity::Medium } else { Severity::Info };
    Ok((severity, format!("{device}: {}", parts.join(", "))))
}

/// A panic button: pressed is critical; `event: "cleared"` is not.
fn panic(f: &Map<String, Value>, device: &str) -> (Severity, String) {
    match f.get("event").and_then(Value::as_str) {
        Some("cleared") => (Severity::Info, format!("Panic alarm cleared at {device}")),
        _ => (Severity::Critical, format!("Panic button pressed at {device}")),
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use safecare_model::Timestamp;

    fn ctx() -> Context {
        Context::new("mqtt").received_at("2026-01-05T12:00:00Z".parse().unwrap())
    }

    #[test]
    fn access_forced_with_location() {
        let payload = br#"{"time":"2026-01-05T02:14:00+01:00","event":"forced","door":"D-PH-01","reader":"R-PH-01","location":{"building":"main","floor":"0","zone":"pharmacy","room":"0.12"}}"#;
        let event = decode("safecare/hq/physical/access/ctrl-7", payload, &ctx()).unwrap();
        assert_eq!(event.domain, Domain::Physical);
        assert_eq!(event.severity, Severity::High);
        assert_eq!(event.time, "2026-01-05T01:14:00Z".parse::<Timestamp>().unwrap());
        assert_eq!(event.location.path(), "hq/main/0/pharmacy/0.12");
        assert_eq!(event.logsource.category.as_deref(), Some("access_control"));
        assert_eq!(event.fields["device"], "ctrl-7");
        assert_eq!(event.message, "Access forced at door D-PH-01 (reader R-PH-01)");
    }

    #[test]
    fn every_type_decodes() {
        let cases = [
            (
                "physical/access/r1",
                r#"{"event":"granted","door":"D1","reader":"R1","badge_holder":"tok_ab12"}"#,
                Severity::Info,
            ),
            ("physical/intrusion/pir-3", r#"{"event":"glass_break","zone":"Z1"}"#, Severity::High),
            ("building/fire/det-9", r#"{"event":"smoke","state":"alarm"}"#, Severity::High),
            ("building/fire/det-9", r#"{"event":"smoke","state":"restore"}"#, Severity::Low),
            ("building/fire/leak-2", r#"{"event":"flood","state":"alarm"}"#, Severity::High),
            ("building/environment/fridge-1", r#"{"temperature":9.5,"alarm":true}"#, Severity::Medium),
            ("physical/video/cam-4", r#"{"event":"loitering","zone":"entrance","confidence":0.9}"#, Severity::Medium),
            ("physical/panic/pb-er-1", r#"{}"#, Severity::Critical),
            ("physical/access/r1", r#"{"event":"denied","door":"D1","severity":"critical"}"#, Severity::Critical),
        ];
        for (topic, payload, severity) in cases {
            let event = decode(&format!("safecare/hq/{topic}"), payload.as_bytes(), &ctx()).unwrap();
            assert_eq!(event.severity, severity, "{topic} {payload}");
            assert_eq!(event.time, ctx().received);
            assert_eq!(event.logsource.product.as_deref(), Some("safecare"));
        }
    }

    #[test]
    fn bad_topics_and_payloads_give_specific_errors() {
        let p = br#"{"event":"granted"}"#;
        assert_eq!(
            decode("safecare/hq/physical/access", p, &ctx()),
            Err(PhysicalError::Topic("safecare/hq/physical/access".into()))
        );
        assert_eq!(
            decode("other/hq/physical/access/x", p, &ctx()),
            Err(PhysicalError::Topic("other/hq/physical/access/x".into()))
        );
        assert_eq!(decode("safecare/hq/space/access/x", p, &ctx()), Err(PhysicalError::Domain("space".into())));
        assert_eq!(decode("safecare/hq/physical/teleport/x", p, &ctx()), Err(PhysicalError::Type("teleport".into())));
        assert_eq!(
            decode("safecare/hq/physical/access/x", br#"{"door":"D1"}"#, &ctx()),
            Err(PhysicalError::MissingField { kind: "access", field: "event" })
        );
        assert_eq!(
            decode("safecare/hq/physical/access/x", br#"{"event":"opened"}"#, &ctx()),
            Err(PhysicalError::InvalidValue { kind: "access", field: "event", value: "opened".into() })
        );
        assert_eq!(
            decode("safecare/hq/building/environment/x", br#"{"co2":400}"#, &ctx()),
            Err(PhysicalError::NoMeasurement)
        );
        assert_eq!(
            decode("safecare/hq/physical/panic/x", br#"{"time":"yesterday"}"#, &ctx()),
            Err(PhysicalError::InvalidTime("yesterday".into()))
        );
        assert_eq!(
            decode("safecare/hq/physical/panic/x", br#"{"severity":"extreme"}"#, &ctx()),
            Err(PhysicalError::InvalidSeverity("extreme".into()))
        );
        assert!(matches!(decode("safecare/hq/physical/panic/x", b"{", &ctx()), Err(PhysicalError::Json(_))));
    }
}
