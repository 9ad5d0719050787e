//! What the building-controller pollers (Modbus, BACnet) share: a point's
//! kind and the building event a value read becomes, as if a gateway had
//! published it on `safecare/<site>/building/<type>/<point>`. Temperatures
//! and humidities become `environment` readings (every poll); a set-point
//! becomes a `bms` `setpoint_change` when it differs from the last value
//! read (the first read only learns it).

use std::collections::HashMap;
use std::net::SocketAddr;

use serde::{Deserialize, Serialize};
use serde_json::json;

use super::{Closed, Pipeline};

/// Seconds between two polls of a controller when the source does not say.
pub(super) fn default_interval() -> f64 {
    10.0
}

/// The factor a raw value is multiplied by when the point does not say.
pub(super) fn default_scale() -> f64 {
    1.0
}

/// What a point's value means, which decides the event it becomes.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum PointKind {
    /// A set-point: a change is a `bms` `setpoint_change`.
    Setpoint,
    /// A temperature in °C: each reading is an `environment` event.
    Temperature,
    /// A relative humidity in %: each reading is an `environment` event.
    Humidity,
}

/// The last value of each point, to tell a set-point change.
#[derive(Debug, Default)]
pub(super) struct Readings {
    last: HashMap<String, f64>,
}

impl Readings {
    /// Hands the event `value` of point `name` becomes, if any, to the
    /// pipeline as coming from `controller`.
    pub(super) async fn publish(
        &mut self,
        pipe: &Pipeline,
        name: &str,
        kind: PointKind,
        value: f64,
        controller: SocketAddr,
    ) -> Result<(), Closed> {
        let previous = self.last.insert(name.to_owned(), value);
        match record(name, kind, value, previous, pipe.intake.context.site.as_deref()) {
            Some((topic, message)) => pipe.handle(message.as_bytes(), Some(&topic), Some(controller)).await,
            None => Ok(()),
        }
    }
}

/// An engineering value from a raw one: scaled, offset, rounded to a
/// thousandth (the precision no BMS point exceeds).
pub(super) fn engineering(raw: f64, scale: f64, offset: f64) -> f64 {
    ((raw * scale + offset) * 1000.0).round() / 1000.0
}

/// The topic and message a reading becomes, if any: every measurement, and
/// a set-point only when it changed since the last read.
fn record(
    name: &str,
    kind: PointKind,
    value: f64,
    previous: Option<f64>,
    site: Option<&str>,
) -> Option<(String, String)> {
    let site = site.unwrap_or("site");
    let device: String =
        name.chars().map(|c| if c.is_ascii_alphanumeric() || "-_.".contains(c) { c } else { '_' }).collect();
    let (kind, message) = match kind {
        PointKind::Setpoint => {
            let old = previous?;
            if old == value {
                return None;
            }
            ("bms", json!({"action": "setpoint_change", "point": name, "old_value": old, "new_value": value}))
        }
        PointKind::Temperature => {
            ("environment", json!({"metric": "temperature", "value": value, "sensor": name, "point": name}))
        }
        PointKind::Humidity => {
            ("environment", json!({"metric": "humidity", "value": value, "sensor": name, "point": name}))
        }
    };
    Some((format!("safecare/{site}/building/{kind}/{device}"), message.to_string()))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_setpoint_is_reported_when_it_changes_and_readings_every_time() {
        let sp = PointKind::Setpoint;
        assert_eq!(record("AHU-OT.SAT", sp, 19.0, None, Some("hq")), None, "the first read only learns the value");
        assert_eq!(record("AHU-OT.SAT", sp, 19.0, Some(19.0), Some("hq")), None);
        let (topic, message) = record("AHU-OT.SAT", sp, 28.0, Some(19.0), Some("hq")).unwrap();
        assert_eq!(topic, "safecare/hq/building/bms/AHU-OT.SAT");
        let message: serde_json::Value = serde_json::from_str(&message).unwrap();
        assert_eq!(
            message,
            json!({"action": "setpoint_change", "point": "AHU-OT.SAT", "old_value": 19.0, "new_value": 28.0})
        );
        let (topic, _) = record("OT 1/RH", PointKind::Humidity, 55.0, None, None).unwrap();
        assert_eq!(topic, "safecare/site/building/environment/OT_1_RH");
    }

    #[test]
    fn engineering_values_are_scaled_offset_and_rounded() {
        assert_eq!(engineering(215.0, 0.1, 0.0), 21.5);
        assert_eq!(engineering(130.0, 0.5, -40.0), 25.0);
        assert_eq!(engineering(21.123456, 1.0, 0.0), 21.123);
    }
}
