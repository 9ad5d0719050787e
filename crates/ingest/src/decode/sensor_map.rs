//! Flat JSON sensor messages (one key per measurement, as Raspberry-Pi and
//! IoT gateways publish them), mapped to events by a configurable table.
//!
//! A rule matches an MQTT topic filter and renames payload keys to
//! measurement names (`t` → `temperature`). Each reading becomes one event
//! in the physical schema's environment form (`metric`, `value`, `unit`,
//! `equipment`, `sensor`), which is what the hospital rule pack matches, so
//! `{"temperature": 31.5, "humidity": 70}` gives two events. A reading
//! outside its configured limits raises its event's severity. Payload keys
//! are kept as they are, and each measurement is also added under its name.

use std::collections::BTreeMap;

use safecare_model::{Domain, Event, Location, Severity};
use serde::{Deserialize, Serialize};
use serde_json::{Value, json};

use super::json::{self, JsonError};
use super::{Context, time};

/// Why a sensor message could not be mapped.
#[derive(Debug, Clone, PartialEq, thiserror::Error)]
pub enum SensorError {
    /// Not a JSON object.
    #[error(transparent)]
    Json(#[from] JsonError),
    /// No mapping rule matches the topic.
    #[error("no sensor mapping rule matches topic {0:?}")]
    NoRule(String),
    /// None of the mapped measurement keys is present.
    #[error("message has none of the mapped measurement keys")]
    NoMeasurement,
    /// A measurement is not a number.
    #[error("measurement {key:?} is not a number")]
    NotNumber {
        /// Its key.
        key: String,
    },
    /// A time that does not parse.
    #[error("time {0:?} is not a valid time")]
    InvalidTime(String),
}

impl SensorError {
    /// A stable short name of the failure, for metrics labels and source health.
    pub fn kind(&self) -> &'static str {
        match self {
            SensorError::Json(e) => e.kind(),
            SensorError::NoRule(_) => "sensor_no_rule",
            SensorError::NoMeasurement => "sensor_no_measurement",
            SensorError::NotNumber { .. } => "sensor_not_number",
            SensorError::InvalidTime(_) => "sensor_invalid_time",
        }
    }
}

/// The allowed range of one measurement.
#[derive(Debug, Clone, Copy, PartialEq, Default, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct Limit {
    /// Lowest allowed value, if any.
    #[serde(default)]
    pub min: Option<f64>,
    /// Highest allowed value, if any.
    #[serde(default)]
    pub max: Option<f64>,
}

impl Limit {
    fn contains(&self, value: f64) -> bool {
        self.min.is_none_or(|min| value >= min) && self.max.is_none_or(|max| value <= max)
    }
}

fn default_domain() -> Domain {
    Domain::Building
}
fn default_category() -> String {
    "environment".into()
}
fn default_alarm() -> Severity {
    Severity::Medium
}

/// One mapping rule, as written in the configuration.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct SensorRule {
    /// MQTT topic filter: `+` matches one level, a final `#` the rest.
    pub topic: String,
    /// The domain of the events.
    #[serde(default = "default_domain")]
    pub domain: Domain,
    /// Logsource category of the events (product is `safecare`).
    #[serde(default = "default_category")]
    pub category: String,
    /// Payload key naming the device; default: the topic's last level.
    #[serde(default)]
    pub device_field: Option<String>,
    /// Payload key holding the time; default: receipt time.
    #[serde(default)]
    pub time_field: Option<String>,
    /// Payload key → measurement name.
    pub measurements: BTreeMap<String, String>,
    /// Measurement name → allowed range.
    #[serde(default)]
    pub limits: BTreeMap<String, Limit>,
    /// Severity of a reading outside its limits.
    #[serde(default = "default_alarm")]
    pub alarm_severity: Severity,
    /// What the sensor watches (`freezer`, `pharmacy_fridge`,
    /// `blood_fridge`, `room`); a payload `equipment` key wins.
    #[serde(default)]
    pub equipment: Option<String>,
    /// Where the sensors of this rule are; a payload `building`, `floor`,
    /// `zone` or `room` string wins for its level.
    #[serde(default)]
    pub location: Location,
}

/// The unit the environment schema gives a metric when the rule names none.
fn default_unit(metric: &str) -> Option<&'static str> {
    match metric {
        "temperature" => Some("°C"),
        "humidity" => Some("%RH"),
        _ => None,
    }
}

/// The mapping table; the first matching rule wins.
#[derive(Debug, Clone, PartialEq, Default, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct SensorMap {
    /// The rules, in order.
    #[serde(default)]
    pub rules: Vec<SensorRule>,
}

/// MQTT topic filter matching.
pub fn topic_matches(filter: &str, topic: &str) -> bool {
    let mut levels = topic.split('/');
    for part in filter.split('/') {
        match (part, levels.next()) {
            ("#", _) => return true,
            ("+", Some(_)) => {}
            (p, Some(level)) if p == level => {}
            _ => return false,
        }
    }
    levels.next().is_none()
}

impl SensorMap {
    /// The first rule whose topic filter matches `topic`.
    pub fn rule_for(&self, topic: &str) -> Option<&SensorRule> {
        self.rules.iter().find(|r| topic_matches(&r.topic, topic))
    }

    /// Decodes one sensor message received on `topic` into one event per
    /// reading, in the order of the rule's measurement keys.
    pub fn decode(&self, topic: &str, payload: &[u8], ctx: &Context) -> Result<Vec<Event>, SensorError> {
        let rule = self.rule_for(topic).ok_or_else(|| SensorError::NoRule(topic.to_owned()))?;
        let mut fields = json::object(payload)?;
        let mut readings = Vec::new();
        for (key, name) in &rule.measurements {
            let Some(raw) = fields.get(key) else { continue };
            let value = raw
                .as_f64()
                .or_else(|| raw.as_str().and_then(|s| s.trim().parse().ok()))
                .ok_or_else(|| SensorError::NotNumber { key: key.clone() })?;
            readings.push((name.clone(), value));
        }
        if readings.is_empty() {
            return Err(SensorError::NoMeasurement);
        }
        let time = match rule.time_field.as_deref().and_then(|k| fields.get(k)) {
            Some(raw) => time::from_json(raw, &ctx.timezone)
                .ok_or_else(|| SensorError::InvalidTime(json::text_of(raw).unwrap_or_default()))?,
            None => ctx.received,
        };
        let device = rule
            .device_field
            .as_deref()
            .and_then(|k| fields.get(k))
            .and_then(json::text_of)
            .unwrap_or_else(|| topic.rsplit('/').next().unwrap_or(topic).to_owned());
        for (name, value) in &readings {
            fields.insert(name.clone(), json!(value));
        }
        fields.entry("device").or_insert(json!(device));
        fields.entry("sensor").or_insert(json!(device));
        if let Some(equipment) = &rule.equipment {
            fields.entry("equipment").or_insert(json!(equipment));
        }
        fields.insert("topic".into(), Value::String(topic.to_owned()));
        let location = location_of(&rule.location, &fields);

        let mut events = Vec::with_capacity(readings.len());
        for (metric, value) in readings {
            let mut fields = fields.clone();
            fields.insert("metric".into(), json!(metric));
            fields.insert("value".into(), json!(value));
            if let Some(unit) = default_unit(&metric) {
                fields.entry("unit").or_insert(json!(unit));
            }
            let unit = fields.get("unit").and_then(Value::as_str).unwrap_or("");
            let mut message = format!("{device}: {metric} {value}{}{unit}", if unit.is_empty() { "" } else { " " });
            let mut severity = Severity::Info;
            if rule.limits.get(&metric).is_some_and(|limit| !limit.contains(value)) {
                message.push_str(" (out of range)");
                severity = rule.alarm_severity;
                fields.insert("alarm".into(), json!(true));
            }
            let mut event = ctx.event(rule.domain, time, message);
            event.severity = severity;
            event.logsource.product = Some("safecare".into());
            event.logsource.category = Some(rule.category.clone());
            event.location.site = event.location.site.take().or_else(|| location.site.clone());
            event.location.building = location.building.clone();
            event.location.floor = location.floor.clone();
            event.location.zone = location.zone.clone();
            event.location.room = location.room.clone();
            event.fields = fields;
            events.push(event);
        }
        Ok(events)
    }
}

/// The rule's location, each level replaced by the payload's string of the
/// same name when it has one.
fn location_of(configured: &Location, fields: &serde_json::Map<String, Value>) -> Location {
    let level = |name: &str, fallback: &Option<String>| {
        fields.get(name).and_then(Value::as_str).map(str::to_owned).or_else(|| fallback.clone())
    };
    Location {
        site: configured.site.clone(),
        building: level("building", &configured.building),
        floor: level("floor", &configured.floor),
        zone: level("zone", &configured.zone),
        room: level("room", &configured.room),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn map() -> SensorMap {
        serde_json::from_value(json!({"rules": [{
            "topic": "gateway/+/fridge/#",
            "device_field": "id",
            "time_field": "ts",
            "measurements": {"t": "temperature", "h": "humidity"},
            "limits": {"temperature": {"min": 2.0, "max": 8.0}}
        }]}))
        .unwrap()
    }

    #[test]
    fn filters_match_like_mqtt() {
        assert!(topic_matches("a/+/c", "a/b/c"));
        assert!(topic_matches("a/#", "a/b/c"));
        assert!(!topic_matches("a/+/c", "a/b/c/d"));
        assert!(!topic_matches("a/b", "a"));
    }

    #[test]
    fn readings_are_renamed_and_checked_against_limits() {
        let ctx = Context::new("iot");
        let events = map()
            .decode("gateway/pi-3/fridge/pharmacy", br#"{"id":"fr-ph-1","t":"9.1","h":40,"ts":1767607200}"#, &ctx)
            .unwrap();
        let [humidity, event] = &events[..] else { panic!("one event per reading: {events:?}") };
        assert_eq!(event.fields["metric"], "temperature");
        assert_eq!(event.fields["value"], json!(9.1));
        assert_eq!(event.fields["unit"], "°C");
        assert_eq!(event.fields["temperature"], json!(9.1));
        assert_eq!(event.fields["t"], json!("9.1"));
        assert_eq!(event.fields["device"], "fr-ph-1");
        assert_eq!(event.fields["sensor"], "fr-ph-1");
        assert_eq!(event.fields["alarm"], json!(true));
        assert_eq!(event.severity, Severity::Medium);
        assert_eq!(event.domain, Domain::Building);
        assert!(event.message.contains("out of range"), "{}", event.message);
        assert_eq!(humidity.fields["metric"], "humidity");
        assert_eq!(humidity.fields["value"], json!(40.0));
        assert_eq!(humidity.fields["unit"], "%RH");
        assert_eq!(humidity.severity, Severity::Info, "only the reading out of its limits is an alarm");
        assert!(humidity.fields.get("alarm").is_none());

        let ok = map().decode("gateway/pi-3/fridge/x", br#"{"t":5}"#, &ctx).unwrap().remove(0);
        assert_eq!(ok.severity, Severity::Info);
        assert_eq!(ok.fields["device"], "x");
        assert_eq!(ok.time, ctx.received);
    }

    #[test]
    fn unmapped_messages_give_specific_errors() {
        let ctx = Context::new("iot");
        assert_eq!(map().decode("other/x", b"{}", &ctx), Err(SensorError::NoRule("other/x".into())));
        assert_eq!(map().decode("gateway/p/fridge/x", br#"{"co2":1}"#, &ctx), Err(SensorError::NoMeasurement));
        assert_eq!(
            map().decode("gateway/p/fridge/x", br#"{"t":"warm"}"#, &ctx),
            Err(SensorError::NotNumber { key: "t".into() })
        );
        assert_eq!(
            map().decode("gateway/p/fridge/x", br#"{"t":1,"ts":"x"}"#, &ctx),
            Err(SensorError::InvalidTime("x".into()))
        );
    }
}
