//! Physical security and building events published over MQTT under
//! `safecare/<site>/<domain>/<type>/<device>`, in the one schema that the
//! detection rules match (see [`schema`] and `docs/ingest.md`).
//!
//! Every payload may carry `time` (RFC 3339; default: receipt),
//! `severity` (overrides the value's default), `message` and `location`
//! (`building`, `floor`, `zone`, `room`). All payload keys are kept as
//! fields; the topic adds `site`, `device` and `type`. The logsource is
//! product `safecare` and the schema category, whichever name the topic used.

mod schema;

use std::str::FromStr;

use safecare_model::{Domain, Event, Location, Severity};
use serde::Deserialize;
use serde_json::{Map, Value, json};

use super::json::{self, JsonError};
use super::{Context, time};
use schema::{ACCESS_CONTROL, BMS, ENVIRONMENT, FIRE_ALARM, INTRUSION, PANIC, VIDEO_ANALYTICS, WATER_LEAK};

/// Why an MQTT message is not a physical event.
#[derive(Debug, Clone, PartialEq, thiserror::Error)]
pub enum PhysicalError {
    /// Not a JSON object.
    #[error(transparent)]
    Json(#[from] JsonError),
    /// The topic does not have the expected shape.
    #[error("topic {0:?} is not safecare/<site>/<domain>/<type>/<device>")]
    Topic(String),
    /// The topic names an unknown domain.
    #[error("unknown domain {0:?} in topic (expected cyber, physical, building or medical)")]
    Domain(String),
    #[error(
        "unknown event type {0:?} (expected access_control, video_analytics, fire_alarm, water_leak, environment, bms, intrusion or panic)"
    )]
    /// The topic names an unknown event type.
    Type(String),
    /// A field the event type requires is absent.
    #[error("{kind} event has no {field:?}")]
    MissingField {
        /// The event type.
        kind: &'static str,
        /// The field.
        field: &'static str,
    },
    /// A field holds a value the event type does not define.
    #[error("{kind} event {field:?} has unknown value {value:?}")]
    InvalidValue {
        /// The event type.
        kind: &'static str,
        /// The field.
        field: &'static str,
        /// The value.
        value: String,
    },
    /// An environment reading without a measurement.
    #[error("environment reading has neither metric and value nor temperature or humidity")]
    NoMeasurement,
    /// A time that does not parse.
    #[error("time {0:?} is not a valid time")]
    InvalidTime(String),
    /// A severity SafeCare does not define.
    #[error("severity {0:?} is not info, low, medium, high or critical")]
    InvalidSeverity(String),
}

impl PhysicalError {
    /// A stable short name of the failure, for metrics labels and source health.
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
    /// The `<site>` level.
    pub site: &'a str,
    /// The `<domain>` level.
    pub domain: Domain,
    /// The `<type>` level: which event schema the payload follows.
    pub kind: &'a str,
    /// The `<device>` level.
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

/// The metrics an environment reading may carry, with the unit assumed when
/// the payload names none.
const METRICS: [(&str, &str); 2] = [("temperature", "°C"), ("humidity", "%RH")];

/// Decodes one MQTT message on a physical topic.
pub fn decode(topic: &str, payload: &[u8], ctx: &Context) -> Result<Event, PhysicalError> {
    let t = parse_topic(topic)?;
    let (mut spec, legacy) = schema::spec_of(t.kind).ok_or_else(|| PhysicalError::Type(t.kind.to_owned()))?;
    let mut fields = json::object(payload)?;
    if legacy
        && spec.category == FIRE_ALARM
        && schema::legacy_flood_to_leak(&mut fields)?
        && let Some((leak, _)) = schema::spec_of(WATER_LEAK)
    {
        spec = leak;
    }
    let mut severity = match schema::normalise(spec, &mut fields)? {
        Some(severity) => severity,
        None => environment(&mut fields)?,
    };
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
    let message = match fields.get("message").and_then(Value::as_str) {
        Some(m) => m.to_owned(),
        None => describe(spec.category, &fields, t.device),
    };
    let location = location(&fields);

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

/// The payload's `location` object; levels it lacks are taken from
/// top-level `building`/`floor`/`zone`/`room` keys, where the previous
/// schema's intrusion and video payloads put the zone.
fn location(fields: &Map<String, Value>) -> PayloadLocation {
    let mut location = fields
        .get("location")
        .cloned()
        .and_then(|l| serde_json::from_value::<PayloadLocation>(l).ok())
        .unwrap_or_default();
    let flat = |key: &str| fields.get(key).and_then(Value::as_str).filter(|s| !s.is_empty()).map(str::to_owned);
    for (level, key) in [
        (&mut location.building, "building"),
        (&mut location.floor, "floor"),
        (&mut location.zone, "zone"),
        (&mut location.room, "room"),
    ] {
        if level.is_none() {
            *level = flat(key);
        }
    }
    location
}

/// Checks an environment reading (`metric`, numeric `value`, `unit`), or
/// rewrites the previous form (`temperature` and/or `humidity` numbers) into
/// it; a payload with both keeps temperature as the metric and humidity as a
/// plain field, because one message is one event. `alarm: true` (set by a
/// sensor or gateway when a threshold is crossed) raises it to medium.
fn environment(f: &mut Map<String, Value>) -> Result<Severity, PhysicalError> {
    let kind = ENVIRONMENT;
    let metric = match f.get("metric") {
        Some(raw) => {
            let metric = raw.as_str().and_then(|m| METRICS.iter().find(|(name, _)| *name == m));
            let (name, _) = metric.ok_or_else(|| PhysicalError::InvalidValue {
                kind,
                field: "metric",
                value: json::text_of(raw).unwrap_or_default(),
            })?;
            let raw = f.get("value").ok_or(PhysicalError::MissingField { kind, field: "value" })?;
            let value = number(raw).ok_or_else(|| PhysicalError::InvalidValue {
                kind,
                field: "value",
                value: json::text_of(raw).unwrap_or_default(),
            })?;
            f.insert("value".into(), json!(value));
            *name
        }
        None => {
            let (name, value) = METRICS
                .iter()
                .find_map(|(name, _)| f.get(*name).and_then(number).map(|v| (*name, v)))
                .ok_or(PhysicalError::NoMeasurement)?;
            f.insert("metric".into(), json!(name));
            f.insert("value".into(), json!(value));
            name
        }
    };
    if !f.contains_key("unit")
        && let Some((_, unit)) = METRICS.iter().find(|(name, _)| *name == metric)
    {
        f.insert("unit".into(), json!(unit));
    }
    let alarm = f.get("alarm").and_then(Value::as_bool).unwrap_or(false);
    Ok(if alarm { Severity::Medium } else { Severity::Info })
}

/// A finite number, or a string holding one (some gateways quote readings).
fn number(raw: &Value) -> Option<f64> {
    let n = match raw {
        Value::Number(n) => n.as_f64(),
        Value::String(s) => s.trim().parse().ok(),
        _ => None,
    };
    n.filter(|n: &f64| n.is_finite())
}

fn describe(category: &str, f: &Map<String, Value>, device: &str) -> String {
    let s = |k: &str| json::str_at(f, k);
    let or_device = |k: &str| Some(s(k)).filter(|v| !v.is_empty()).unwrap_or_else(|| device.to_owned());
    let words = |k: &str| s(k).replace('_', " ");
    match category {
        ACCESS_CONTROL => {
            let holder = s("badge_holder");
            let who = if holder.is_empty() { String::new() } else { format!(" for {holder}") };
            format!("Access {} at door {} (reader {}){who}", words("action"), or_device("door"), s("reader"))
        }
        VIDEO_ANALYTICS => format!("Video analytics: {} on camera {}", words("analytic"), or_device("camera")),
        FIRE_ALARM => {
            let state = if s("state") == "alarm" { String::new() } else { format!(" {}", s("state")) };
            format!("{} alarm{state} at {}", capitalise(&words("alarm")), or_device("detector"))
        }
        WATER_LEAK => format!("Water leak sensor {} {}", or_device("sensor"), s("state")),
        ENVIRONMENT => {
            let equipment = s("equipment");
            let of = if equipment.is_empty() { String::new() } else { format!(" ({})", equipment.replace('_', " ")) };
            format!("{}: {} {} {}{of}", or_device("sensor"), s("metric"), s("value"), s("unit"))
        }
        BMS => format!("BMS {} on point {}: {} -> {}", words("action"), s("point"), s("old_value"), s("new_value")),
        INTRUSION => format!("Intrusion {} ({device})", words("action")),
        PANIC if s("action") == "cleared" => format!("Panic alarm cleared at {device}"),
        PANIC => format!("Panic button pressed at {device}"),
        _ => format!("{category} ({device})"),
    }
}

fn capitalise(word: &str) -> String {
    let mut chars = word.chars();
    chars.next().map(|c| c.to_uppercase().chain(chars).collect()).unwrap_or_default()
}

#[cfg(test)]
mod tests {
    use super::*;
    use safecare_model::Timestamp;

    fn ctx() -> Context {
        Context::new("mqtt").received_at("2026-01-05T12:00:00Z".parse().unwrap())
    }

    fn ok(topic: &str, payload: &str) -> Event {
        decode(&format!("safecare/hq/{topic}"), payload.as_bytes(), &ctx()).unwrap()
    }

    fn err(topic: &str, payload: &str) -> PhysicalError {
        decode(&format!("safecare/hq/{topic}"), payload.as_bytes(), &ctx()).unwrap_err()
    }

    fn invalid(kind: &'static str, field: &'static str, value: &str) -> PhysicalError {
        PhysicalError::InvalidValue { kind, field, value: value.into() }
    }

    #[test]
    fn access_forced_with_location() {
        let payload = r#"{"time":"2026-01-05T02:14:00+01:00","action":"forced","door":"D-PH-01","reader":"R-PH-01","location":{"building":"main","floor":"0","zone":"pharmacy","room":"0.12"}}"#;
        let event = ok("physical/access_control/ctrl-7", payload);
        assert_eq!(event.domain, Domain::Physical);
        assert_eq!(event.severity, Severity::High);
        assert_eq!(event.time, "2026-01-05T01:14:00Z".parse::<Timestamp>().unwrap());
        assert_eq!(event.location.path(), "hq/main/0/pharmacy/0.12");
        assert_eq!(event.logsource.product.as_deref(), Some("safecare"));
        assert_eq!(event.logsource.category.as_deref(), Some("access_control"));
        assert_eq!(event.fields["action"], "forced");
        assert_eq!(event.fields["device"], "ctrl-7");
        assert_eq!(event.fields["type"], "access_control");
        assert_eq!(event.message, "Access forced at door D-PH-01 (reader R-PH-01)");
    }

    /// Each category, under its detection name, keeps the fields its rules
    /// match with the values they expect.
    #[test]
    fn every_category_decodes_to_the_rule_fields() {
        let cases = [
            (
                "physical/access_control/r1",
                r#"{"action":"granted","door":"D1","reader":"R1","badge_holder":"tok_ab12","schedule":"outside","direction":"in","passages":2}"#,
                "access_control",
                Severity::Info,
                vec![("action", json!("granted")), ("schedule", json!("outside")), ("passages", json!(2))],
            ),
            (
                "physical/access_control/r1",
                r#"{"action":"controller_fault","door":"D1"}"#,
                "access_control",
                Severity::Medium,
                vec![("action", json!("controller_fault"))],
            ),
            (
                "physical/video_analytics/cam-4",
                r#"{"analytic":"tailgating","camera":"cam-4","dwell_seconds":12,"confidence":0.9}"#,
                "video_analytics",
                Severity::Medium,
                vec![("analytic", json!("tailgating")), ("dwell_seconds", json!(12))],
            ),
            (
                "building/fire_alarm/det-9",
                r#"{"alarm":"manual_call_point","state":"alarm","detector":"MCP-2"}"#,
                "fire_alarm",
                Severity::High,
                vec![("alarm", json!("manual_call_point")), ("state", json!("alarm"))],
            ),
            (
                "building/fire_alarm/det-9",
                r#"{"alarm":"flame","state":"restored"}"#,
                "fire_alarm",
                Severity::Low,
                vec![("alarm", json!("flame")), ("state", json!("restored"))],
            ),
            (
                "building/water_leak/leak-2",
                r#"{"sensor":"WL-2","state":"wet"}"#,
                "water_leak",
                Severity::High,
                vec![("state", json!("wet"))],
            ),
            (
                "building/environment/fr-1",
                r#"{"sensor":"FR-1","metric":"temperature","value":-12.5,"unit":"°C","equipment":"freezer"}"#,
                "environment",
                Severity::Info,
                vec![("metric", json!("temperature")), ("value", json!(-12.5)), ("equipment", json!("freezer"))],
            ),
            (
                "building/environment/th-1",
                r#"{"metric":"humidity","value":"65","alarm":true}"#,
                "environment",
                Severity::Medium,
                vec![("metric", json!("humidity")), ("value", json!(65.0)), ("unit", json!("%RH"))],
            ),
            (
                "building/bms/ahu-1",
                r#"{"action":"setpoint_change","point":"AHU1.SAT","old_value":18,"new_value":30,"source_host":"ws-fm-01"}"#,
                "bms",
                Severity::Low,
                vec![("action", json!("setpoint_change")), ("source_host", json!("ws-fm-01"))],
            ),
            ("physical/intrusion/pir-3", r#"{"action":"glass_break"}"#, "intrusion", Severity::High, vec![]),
            ("physical/panic/pb-er-1", r#"{}"#, "panic", Severity::Critical, vec![("action", json!("pressed"))]),
            ("physical/panic/pb-er-1", r#"{"action":"cleared"}"#, "panic", Severity::Info, vec![]),
            (
                "physical/access_control/r1",
                r#"{"action":"denied","door":"D1","severity":"critical"}"#,
                "access_control",
                Severity::Critical,
                vec![],
            ),
        ];
        for (topic, payload, category, severity, expected) in cases {
            let event = ok(topic, payload);
            assert_eq!(event.logsource.category.as_deref(), Some(category), "{topic} {payload}");
            assert_eq!(event.severity, severity, "{topic} {payload}");
            assert_eq!(event.time, ctx().received);
            for (field, value) in expected {
                assert_eq!(event.fields.get(field), Some(&value), "{field} of {topic} {payload}");
            }
        }
    }

    #[test]
    fn messages_name_what_happened() {
        assert_eq!(
            ok("building/fire_alarm/det-9", r#"{"alarm":"manual_call_point","state":"alarm"}"#).message,
            "Manual call point alarm at det-9"
        );
        assert_eq!(
            ok("building/environment/fr-1", r#"{"metric":"temperature","value":-12,"equipment":"freezer"}"#).message,
            "fr-1: temperature -12.0 °C (freezer)"
        );
        assert_eq!(
            ok("building/bms/ahu-1", r#"{"action":"mode_change","point":"AHU1","old_value":"auto","new_value":"off"}"#)
                .message,
            "BMS mode change on point AHU1: auto -> off"
        );
        assert_eq!(ok("building/water_leak/wl-1", r#"{"state":"dry"}"#).message, "Water leak sensor wl-1 dry");
    }

    /// Gateways publishing the previous names keep working and produce the
    /// same event as the detection names.
    #[test]
    fn previous_type_names_and_event_key_are_aliases() {
        let old = ok("physical/access/r1", r#"{"event":"forced","door":"D1"}"#);
        assert_eq!(old.logsource.category.as_deref(), Some("access_control"));
        assert_eq!(old.fields["action"], "forced");
        assert_eq!(old.fields["event"], "forced");
        assert_eq!(old.fields["type"], "access");
        assert_eq!(old.severity, Severity::High);

        let both = ok("physical/access_control/r1", r#"{"action":"denied","event":"forced"}"#);
        assert_eq!(both.fields["action"], "denied", "action wins over its alias");

        let bms = ok("building/bms/ahu-1", r#"{"event":"manual_override"}"#);
        assert_eq!(bms.fields["action"], "manual_override");

        let video = ok("physical/video/cam-4", r#"{"event":"intrusion_zone","zone":"icu"}"#);
        assert_eq!(video.logsource.category.as_deref(), Some("video_analytics"));
        assert_eq!(video.fields["analytic"], "intrusion");
        assert_eq!(video.location.zone.as_deref(), Some("icu"), "the flat zone of the old form is the location");

        let fire = ok("building/fire/det-9", r#"{"event":"fire"}"#);
        assert_eq!(fire.logsource.category.as_deref(), Some("fire_alarm"));
        assert_eq!((&fire.fields["alarm"], &fire.fields["state"]), (&json!("flame"), &json!("alarm")));
        assert_eq!(fire.severity, Severity::Critical);
        let restored = ok("building/fire/det-9", r#"{"event":"smoke","state":"restore"}"#);
        assert_eq!((&restored.fields["state"], restored.severity), (&json!("restored"), Severity::Low));

        let flood = ok("building/fire/leak-2", r#"{"event":"flood","state":"alarm"}"#);
        assert_eq!(flood.logsource.category.as_deref(), Some("water_leak"));
        assert_eq!((&flood.fields["state"], flood.severity), (&json!("wet"), Severity::High));
        let dried = ok("building/fire/leak-2", r#"{"event":"flood","state":"restore"}"#);
        assert_eq!((&dried.fields["state"], dried.severity), (&json!("dry"), Severity::Info));

        let reading = ok("building/environment/fridge-1", r#"{"temperature":9.5,"humidity":40,"alarm":true}"#);
        assert_eq!(reading.fields["metric"], "temperature");
        assert_eq!(reading.fields["value"], 9.5);
        assert_eq!(reading.fields["unit"], "°C");
        assert_eq!(reading.fields["humidity"], 40, "the second reading stays a plain field");
        assert_eq!(reading.severity, Severity::Medium);
        let humidity = ok("building/environment/th-1", r#"{"humidity":64}"#);
        assert_eq!((&humidity.fields["metric"], &humidity.fields["value"]), (&json!("humidity"), &json!(64.0)));
    }

    #[test]
    fn bad_values_give_specific_errors() {
        assert_eq!(
            err("physical/access_control/x", r#"{"door":"D1"}"#),
            PhysicalError::MissingField { kind: "access_control", field: "action" }
        );
        assert_eq!(err("physical/access/x", r#"{"event":"opened"}"#), invalid("access_control", "action", "opened"));
        assert_eq!(err("physical/access_control/x", r#"{"action":7}"#), invalid("access_control", "action", "7"));
        assert_eq!(
            err("physical/access_control/x", r#"{"action":"granted","schedule":"weekend"}"#),
            invalid("access_control", "schedule", "weekend")
        );
        assert_eq!(
            err("physical/video_analytics/x", r#"{"analytic":"dancing"}"#),
            invalid("video_analytics", "analytic", "dancing")
        );
        assert_eq!(
            err("building/fire_alarm/x", r#"{"state":"alarm"}"#),
            PhysicalError::MissingField { kind: "fire_alarm", field: "alarm" }
        );
        assert_eq!(
            err("building/fire_alarm/x", r#"{"alarm":"smoke","state":"burning"}"#),
            invalid("fire_alarm", "state", "burning")
        );
        assert_eq!(err("building/fire_alarm/x", r#"{"alarm":"flood"}"#), invalid("fire_alarm", "alarm", "flood"));
        assert_eq!(
            err("building/fire/x", r#"{"event":"flood","state":"fault"}"#),
            invalid("water_leak", "state", "fault")
        );
        assert_eq!(err("building/water_leak/x", r#"{"state":"damp"}"#), invalid("water_leak", "state", "damp"));
        assert_eq!(err("building/bms/x", r#"{"action":"reboot"}"#), invalid("bms", "action", "reboot"));
        assert_eq!(err("physical/panic/x", r#"{"action":"maybe"}"#), invalid("panic", "action", "maybe"));
        assert_eq!(err("building/environment/x", r#"{"co2":400}"#), PhysicalError::NoMeasurement);
        assert_eq!(
            err("building/environment/x", r#"{"metric":"co2","value":400}"#),
            invalid("environment", "metric", "co2")
        );
        assert_eq!(
            err("building/environment/x", r#"{"metric":"temperature"}"#),
            PhysicalError::MissingField { kind: "environment", field: "value" }
        );
        assert_eq!(
            err("building/environment/x", r#"{"metric":"temperature","value":"warm"}"#),
            invalid("environment", "value", "warm")
        );
        assert_eq!(
            err("building/environment/x", r#"{"metric":"temperature","value":3,"equipment":"toaster"}"#),
            invalid("environment", "equipment", "toaster")
        );
    }

    #[test]
    fn bad_topics_and_common_keys_give_specific_errors() {
        let p = br#"{"action":"granted"}"#;
        assert_eq!(
            decode("safecare/hq/physical/access_control", p, &ctx()),
            Err(PhysicalError::Topic("safecare/hq/physical/access_control".into()))
        );
        assert_eq!(
            decode("other/hq/physical/access_control/x", p, &ctx()),
            Err(PhysicalError::Topic("other/hq/physical/access_control/x".into()))
        );
        assert_eq!(decode("safecare/hq/space/access_control/x", p, &ctx()), Err(PhysicalError::Domain("space".into())));
        assert_eq!(err("physical/teleport/x", "{}"), PhysicalError::Type("teleport".into()));
        assert_eq!(err("physical/panic/x", r#"{"time":"yesterday"}"#), PhysicalError::InvalidTime("yesterday".into()));
        assert_eq!(
            err("physical/panic/x", r#"{"severity":"extreme"}"#),
            PhysicalError::InvalidSeverity("extreme".into())
        );
        assert!(matches!(err("physical/panic/x", "{"), PhysicalError::Json(_)));
    }
}
