//! The physical and building event schema shared with detection (the table
//! "Physical and hospital event schema" in `docs/detection.md` is the
//! reference): which topic types map to which logsource category, the field
//! that says what happened, its values with their default severity, and the
//! names the previous ingest schema used, still accepted from gateways.

use safecare_model::Severity;
use serde_json::{Map, Value, json};

use super::PhysicalError;
use crate::decode::json::text_of;

/// The key the previous schema used for every type's main field; accepted
/// wherever the main field is absent.
pub const LEGACY_MAIN_FIELD: &str = "event";

/// One category of the schema.
pub struct Spec {
    /// The logsource category, which is also the canonical topic type.
    pub category: &'static str,
    /// Earlier topic type names still accepted for this category.
    pub legacy_types: &'static [&'static str],
    /// The field that says what happened; `None` when the category has its
    /// own reading form (environment).
    pub main: Option<Main>,
    /// Optional fields whose values are a closed set.
    pub enumerated: &'static [(&'static str, &'static [&'static str])],
}

/// A category's main field.
pub struct Main {
    pub field: &'static str,
    pub values: &'static [(&'static str, Severity)],
    /// Used when the payload has no main field; `None` makes it required.
    pub default: Option<&'static str>,
    /// Values of the previous schema and the value they now are.
    pub renamed: &'static [(&'static str, &'static str)],
}

pub const ACCESS_CONTROL: &str = "access_control";
pub const VIDEO_ANALYTICS: &str = "video_analytics";
pub const FIRE_ALARM: &str = "fire_alarm";
pub const WATER_LEAK: &str = "water_leak";
pub const ENVIRONMENT: &str = "environment";
pub const BMS: &str = "bms";
pub const INTRUSION: &str = "intrusion";
pub const PANIC: &str = "panic";

pub const SPECS: [Spec; 8] = [
    Spec {
        category: ACCESS_CONTROL,
        legacy_types: &["access"],
        main: Some(Main {
            field: "action",
            values: &[
                ("granted", Severity::Info),
                ("denied", Severity::Low),
                ("held_open", Severity::Medium),
                ("controller_fault", Severity::Medium),
                ("forced", Severity::High),
                ("tamper", Severity::High),
            ],
            default: None,
            renamed: &[],
        }),
        enumerated: &[("schedule", &["inside", "outside"]), ("direction", &["in", "out"])],
    },
    Spec {
        category: VIDEO_ANALYTICS,
        legacy_types: &["video"],
        main: Some(Main {
            field: "analytic",
            values: &[
                ("crowd", Severity::Low),
                ("loitering", Severity::Medium),
                ("tailgating", Severity::Medium),
                ("intrusion", Severity::High),
                ("abandoned_object", Severity::High),
            ],
            default: None,
            renamed: &[("intrusion_zone", "intrusion")],
        }),
        enumerated: &[],
    },
    Spec {
        category: FIRE_ALARM,
        legacy_types: &["fire"],
        main: Some(Main {
            field: "alarm",
            values: &[
                ("smoke", Severity::High),
                ("heat", Severity::High),
                ("manual_call_point", Severity::High),
                ("flame", Severity::Critical),
            ],
            default: None,
            renamed: &[("fire", "flame")],
        }),
        enumerated: &[],
    },
    Spec {
        category: WATER_LEAK,
        legacy_types: &[],
        main: Some(Main {
            field: "state",
            values: &[("dry", Severity::Info), ("wet", Severity::High)],
            default: None,
            renamed: &[],
        }),
        enumerated: &[],
    },
    Spec {
        category: ENVIRONMENT,
        legacy_types: &[],
        main: None,
        enumerated: &[("equipment", &["freezer", "pharmacy_fridge", "blood_fridge", "room"])],
    },
    Spec {
        category: BMS,
        legacy_types: &[],
        main: Some(Main {
            field: "action",
            values: &[
                ("alarm_ack", Severity::Info),
                ("setpoint_change", Severity::Low),
                ("mode_change", Severity::Low),
                ("manual_override", Severity::Medium),
            ],
            default: None,
            renamed: &[],
        }),
        enumerated: &[],
    },
    Spec {
        category: INTRUSION,
        legacy_types: &[],
        main: Some(Main {
            field: "action",
            values: &[
                ("motion", Severity::Medium),
                ("door_contact", Severity::Medium),
                ("glass_break", Severity::High),
                ("tamper", Severity::High),
            ],
            default: None,
            renamed: &[],
        }),
        enumerated: &[],
    },
    Spec {
        category: PANIC,
        legacy_types: &[],
        main: Some(Main {
            field: "action",
            values: &[("cleared", Severity::Info), ("pressed", Severity::Critical)],
            default: Some("pressed"),
            renamed: &[],
        }),
        enumerated: &[],
    },
];

/// The fire-alarm `state` values; anything but `alarm` is recorded at low
/// severity because restores and faults are not fires.
const FIRE_STATES: [&str; 3] = ["alarm", "fault", "restored"];
/// The previous schema wrote `restore`.
const LEGACY_FIRE_RESTORE: &str = "restore";

/// The spec for a topic type, and whether the type was a legacy name.
pub fn spec_of(kind: &str) -> Option<(&'static Spec, bool)> {
    SPECS.iter().find_map(|s| {
        if s.category == kind { Some((s, false)) } else { s.legacy_types.contains(&kind).then_some((s, true)) }
    })
}

/// Brings the payload to the schema's field names and values and checks
/// them; returns the main value's default severity (`None` for categories
/// without a main field).
pub fn normalise(spec: &Spec, fields: &mut Map<String, Value>) -> Result<Option<Severity>, PhysicalError> {
    let kind = spec.category;
    for (field, allowed) in spec.enumerated {
        if let Some(raw) = fields.get(*field) {
            let value = raw.as_str().filter(|v| allowed.contains(v));
            if value.is_none() {
                let value = text_of(raw).unwrap_or_default();
                return Err(PhysicalError::InvalidValue { kind, field, value });
            }
        }
    }
    let Some(main) = &spec.main else { return Ok(None) };
    let field = main.field;
    let raw = fields.get(field).or_else(|| fields.get(LEGACY_MAIN_FIELD));
    let given = match raw {
        Some(raw) => raw.as_str().ok_or_else(|| PhysicalError::InvalidValue {
            kind,
            field,
            value: text_of(raw).unwrap_or_default(),
        })?,
        None => main.default.ok_or(PhysicalError::MissingField { kind, field })?,
    };
    let value = main.renamed.iter().find(|(old, _)| *old == given).map_or(given, |(_, new)| *new);
    let severity = main
        .values
        .iter()
        .find(|(v, _)| *v == value)
        .map(|(_, s)| *s)
        .ok_or_else(|| PhysicalError::InvalidValue { kind, field, value: given.to_owned() })?;
    fields.insert(field.into(), json!(value));
    if kind == FIRE_ALARM {
        return fire_state(fields).map(|alarm| Some(if alarm { severity } else { Severity::Low }));
    }
    Ok(Some(severity))
}

/// Checks the fire-alarm `state`, which defaults to `alarm` as in the previous
/// schema; tells whether the detector is in alarm.
fn fire_state(fields: &mut Map<String, Value>) -> Result<bool, PhysicalError> {
    let state = match fields.get("state") {
        None => "alarm",
        Some(raw) => {
            let given = raw.as_str().map(|s| if s == LEGACY_FIRE_RESTORE { "restored" } else { s });
            given.and_then(|s| FIRE_STATES.iter().find(|v| **v == s).copied()).ok_or_else(|| {
                PhysicalError::InvalidValue {
                    kind: FIRE_ALARM,
                    field: "state",
                    value: text_of(raw).unwrap_or_default(),
                }
            })?
        }
    };
    fields.insert("state".into(), json!(state));
    Ok(state == "alarm")
}

/// The previous `fire` type also carried floods (`event: flood`, `state`
/// alarm or restore); those are water leaks now. Rewrites such a payload in
/// place and tells whether it did.
pub fn legacy_flood_to_leak(fields: &mut Map<String, Value>) -> Result<bool, PhysicalError> {
    let main = fields.get("alarm").or_else(|| fields.get(LEGACY_MAIN_FIELD));
    if main.and_then(Value::as_str) != Some("flood") {
        return Ok(false);
    }
    let wet = match fields.get("state").map(|s| (s, s.as_str())) {
        None | Some((_, Some("alarm"))) => true,
        Some((_, Some(LEGACY_FIRE_RESTORE | "restored"))) => false,
        Some((raw, _)) => {
            let value = text_of(raw).unwrap_or_default();
            return Err(PhysicalError::InvalidValue { kind: WATER_LEAK, field: "state", value });
        }
    };
    fields.insert("state".into(), json!(if wet { "wet" } else { "dry" }));
    Ok(true)
}
