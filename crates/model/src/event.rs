//! The one event model for cyber, physical, building and medical sources.

use jiff::{SignedDuration, Timestamp};
use serde::{Deserialize, Serialize};
use serde_json::{Map, Value};

use crate::{AssetId, EventId, Location, Severity};

/// Which world an event comes from.
#[derive(
    Debug,
    Clone,
    Copy,
    PartialEq,
    Eq,
    Hash,
    PartialOrd,
    Ord,
    Serialize,
    Deserialize,
    strum::IntoStaticStr,
    strum::Display,
    strum::EnumString,
)]
#[serde(rename_all = "lowercase")]
#[strum(serialize_all = "lowercase", ascii_case_insensitive, parse_err_ty = InvalidEvent, parse_err_fn = unknown_domain)]
pub enum Domain {
    /// IT and network: hosts, accounts, firewalls, IDS.
    Cyber,
    /// Physical security: doors, intrusion, video analytics, panic buttons.
    Physical,
    /// Building systems: HVAC, power, water, fire and flood, BMS telemetry.
    Building,
    /// Medical devices and clinical interfaces (HL7, DICOM, infusion pumps).
    Medical,
}

impl Domain {
    /// Every domain.
    pub const ALL: [Domain; 4] = [Domain::Cyber, Domain::Physical, Domain::Building, Domain::Medical];

    /// The name used in the API and rules (`cyber`).
    pub fn as_str(self) -> &'static str {
        self.into()
    }
}

fn unknown_domain(name: &str) -> InvalidEvent {
    InvalidEvent::UnknownDomain(name.to_owned())
}

/// The Sigma logsource of an event, set by its decoder; it selects which
/// detection rules can apply.
#[derive(Debug, Clone, PartialEq, Eq, Hash, Default, Serialize, Deserialize)]
pub struct Logsource {
    /// Sigma `product` (`windows`, `linux`).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub product: Option<String>,
    /// Sigma `category` (`process_creation`).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub category: Option<String>,
    /// Sigma `service` (`security`, `sysmon`).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub service: Option<String>,
}

/// One normalised event.
///
/// The core (time, source, domain, logsource, location, asset, severity,
/// message) is what correlation, the store's indexes and the dashboard use;
/// `fields` keeps the source's original fields under their own names, which is
/// what Sigma rules match.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct Event {
    /// Unique id.
    pub id: EventId,
    /// When it happened, by the source's clock.
    pub time: Timestamp,
    /// When SafeCare received it.
    pub received: Timestamp,
    /// The configured name of the source it came through (`http`, `syslog-dc1`).
    pub source: String,
    /// Which part of the hospital it comes from.
    pub domain: Domain,
    /// Which detection rules can apply.
    #[serde(default)]
    pub logsource: Logsource,
    /// Where it happened, as far as known.
    #[serde(default, skip_serializing_if = "Location::is_empty")]
    pub location: Location,
    /// The id of the inventory asset it concerns, when resolved.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub asset: Option<AssetId>,
    /// How serious the source says it is.
    #[serde(default)]
    pub severity: Severity,
    /// A one-line description.
    #[serde(default)]
    pub message: String,
    /// The original fields, under the source's own names.
    #[serde(default, skip_serializing_if = "Map::is_empty")]
    pub fields: Map<String, Value>,
}

/// The field an exercise run's events carry, its value the run's id: set by
/// the ingest routes when a sender marks what it sends as an exercise, so
/// that the alerts and incidents made from them are marked too and all of it
/// can be removed afterwards.
pub const EXERCISE_FIELD: &str = "safecare.exercise";

/// The fields the shared ingest step adds to an event's own, under
/// `safecare.*` so they never clash with a source's names; rules read them
/// like the event core (docs/detection.md). Ingest writes them, detection
/// reads them: one list for both.
pub mod ingest_fields {
    /// The address of the network peer that sent the record.
    pub const PEER: &str = "safecare.peer";
    /// `true` when the event's identifiers matched no asset.
    pub const UNKNOWN_DEVICE: &str = "safecare.unknown_device";
    /// The asset whose address the event came from (the peer's).
    pub const PEER_ASSET: &str = "safecare.peer_asset";
    /// The asset the event says it comes from by a name the sender chooses
    /// (an HL7 sending application, a DICOM calling AE title).
    pub const CLAIMED_ASSET: &str = "safecare.claimed_asset";
    /// The hour (0–23) the event happened at on the source's clock.
    pub const LOCAL_HOUR: &str = "safecare.local_hour";
}

/// The longest message accepted, in bytes; longer ones are refused rather than
/// silently cut.
pub const MAX_MESSAGE_LEN: usize = 64 * 1024;

/// How far ahead of the receiver's clock an event's time may be before it is
/// refused as a clock error.
const MAX_CLOCK_SKEW: SignedDuration = SignedDuration::from_hours(24);

/// An event as a sender submits it (`POST /api/v1/events`).
///
/// Only `domain` is required, with a `message` or some `fields`. Unknown keys
/// are refused so that a misspelt field (`serverity`) is reported instead of
/// silently ignored.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct EventInput {
    /// Lets a sender retry without creating duplicates.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub id: Option<EventId>,
    /// RFC 3339 with an offset; defaults to the time of receipt.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub time: Option<Timestamp>,
    /// The source name; when absent, the receiver's default (see [`EventInput::into_event`]).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub source: Option<String>,
    /// Which part of the hospital it comes from.
    pub domain: Domain,
    /// Which detection rules can apply.
    #[serde(default)]
    pub logsource: Logsource,
    /// Where it happened, as far as known.
    #[serde(default)]
    pub location: Location,
    /// The id of the inventory asset it concerns, when the sender knows it.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub asset: Option<AssetId>,
    /// How serious the sender says it is.
    #[serde(default)]
    pub severity: Severity,
    /// A one-line description.
    #[serde(default)]
    pub message: String,
    /// The original fields, under the sender's own names.
    #[serde(default, skip_serializing_if = "Map::is_empty")]
    pub fields: Map<String, Value>,
}

/// Why a submitted event was refused.
#[derive(Debug, Clone, PartialEq, thiserror::Error)]
pub enum InvalidEvent {
    /// The domain is none of the known ones.
    #[error("unknown domain {0:?}: expected cyber, physical, building or medical")]
    UnknownDomain(String),
    /// Neither a message nor fields.
    #[error("event has neither a message nor any fields")]
    Empty,
    /// The message is over [`MAX_MESSAGE_LEN`].
    #[error("message is {len} bytes, over the limit of {max}")]
    MessageTooLong {
        /// Its length in bytes.
        len: usize,
        /// The limit.
        max: usize,
    },
    /// The event time is too far ahead of the receiver's clock.
    #[error("event time {time} is more than 24 h ahead of the receiver's clock ({now})")]
    TimeInFuture {
        /// The event's time.
        time: Timestamp,
        /// The receiver's clock.
        now: Timestamp,
    },
    /// The source name is empty.
    #[error("source name is empty")]
    EmptySource,
}

impl EventInput {
    /// Validates the input and makes it an [`Event`] received at `now`
    /// through `default_source` (used when the input names none).
    pub fn into_event(self, now: Timestamp, default_source: &str) -> Result<Event, InvalidEvent> {
        if self.message.is_empty() && self.fields.is_empty() {
            return Err(InvalidEvent::Empty);
        }
        if self.message.len() > MAX_MESSAGE_LEN {
            return Err(InvalidEvent::MessageTooLong { len: self.message.len(), max: MAX_MESSAGE_LEN });
        }
        let time = self.time.unwrap_or(now);
        if time.duration_since(now) > MAX_CLOCK_SKEW {
            return Err(InvalidEvent::TimeInFuture { time, now });
        }
        let source = self.source.unwrap_or_else(|| default_source.to_owned());
        if source.trim().is_empty() {
            return Err(InvalidEvent::EmptySource);
        }
        Ok(Event {
            id: self.id.unwrap_or_default(),
            time,
            received: now,
            source,
            domain: self.domain,
            logsource: self.logsource,
            location: self.location,
            asset: self.asset,
            severity: self.severity,
            message: self.message,
            fields: self.fields,
        })
    }
}

impl Event {
    /// A new event with the given core and no location, asset or fields;
    /// decoders fill the rest.
    pub fn new(source: impl Into<String>, domain: Domain, time: Timestamp, message: impl Into<String>) -> Self {
        Event {
            id: EventId::new(),
            time,
            received: Timestamp::now(),
            source: source.into(),
            domain,
            logsource: Logsource::default(),
            location: Location::default(),
            asset: None,
            severity: Severity::Info,
            message: message.into(),
            fields: Map::new(),
        }
    }

    /// An original field by name; a dotted name (`Event.System.EventID`)
    /// descends into nested objects when no flat field has that exact name.
    pub fn field(&self, name: &str) -> Option<&Value> {
        if let Some(v) = self.fields.get(name) {
            return Some(v);
        }
        let mut parts = name.split('.');
        let mut current = self.fields.get(parts.next()?)?;
        for part in parts {
            current = current.as_object()?.get(part)?;
        }
        Some(current)
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use serde_json::json;

    fn now() -> Timestamp {
        "2026-11-28T10:00:00Z".parse().unwrap()
    }

    fn cyber(message: &str) -> EventInput {
        serde_json::from_value(json!({"domain": "cyber", "message": message})).unwrap()
    }

    #[test]
    fn input_becomes_event_with_defaults() {
        let input: EventInput =
            serde_json::from_value(json!({"domain": "physical", "message": "door forced", "severity": "high"}))
                .unwrap();
        let event = input.into_event(now(), "http").unwrap();
        assert_eq!(event.time, now());
        assert_eq!(event.received, now());
        assert_eq!(event.source, "http");
        assert_eq!(event.domain, Domain::Physical);
        assert_eq!(event.severity, Severity::High);
    }

    #[test]
    fn misspelt_and_missing_keys_are_refused() {
        let err = serde_json::from_value::<EventInput>(json!({"domain": "cyber", "serverity": "high"})).unwrap_err();
        assert!(err.to_string().contains("serverity"), "{err}");
        let err = serde_json::from_value::<EventInput>(json!({"message": "x"})).unwrap_err();
        assert!(err.to_string().contains("domain"), "{err}");
        let err = serde_json::from_value::<EventInput>(json!({"domain": "space", "message": "x"})).unwrap_err();
        assert!(err.to_string().contains("space"), "{err}");
    }

    #[test]
    fn invalid_inputs_name_their_reason() {
        let empty = EventInput { message: String::new(), ..cyber("") };
        assert_eq!(empty.into_event(now(), "http"), Err(InvalidEvent::Empty));

        let future = EventInput { time: Some("2026-12-01T00:00:00Z".parse().unwrap()), ..cyber("x") };
        assert!(matches!(future.into_event(now(), "http"), Err(InvalidEvent::TimeInFuture { .. })));

        let long = cyber(&"x".repeat(MAX_MESSAGE_LEN + 1));
        assert!(matches!(long.into_event(now(), "http"), Err(InvalidEvent::MessageTooLong { .. })));

        let blank_source = EventInput { source: Some(" ".into()), ..cyber("x") };
        assert_eq!(blank_source.into_event(now(), "http"), Err(InvalidEvent::EmptySource));
    }

    #[test]
    fn event_round_trips_through_json() {
        let mut event = Event::new("syslog", Domain::Cyber, now(), "login failed");
        event.logsource.product = Some("windows".into());
        event.location.site = Some("hq".into());
        event.asset = Some("ws-icu-03".into());
        event.fields.insert("EventID".into(), json!(4625));
        event.fields.insert("Event".into(), json!({"System": {"Channel": "Security"}}));
        let back: Event = serde_json::from_str(&serde_json::to_string(&event).unwrap()).unwrap();
        assert_eq!(back, event);
        assert_eq!(back.field("EventID"), Some(&json!(4625)));
        assert_eq!(back.field("Event.System.Channel"), Some(&json!("Security")));
        assert_eq!(back.field("Event.Nope"), None);
    }
}
