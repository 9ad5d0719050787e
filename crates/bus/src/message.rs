//! What travels on the bus.

use safecare_model::{Alert, Event, IncidentChange};
use serde::{Deserialize, Serialize};

/// A channel of the bus.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[serde(rename_all = "lowercase")]
pub enum Topic {
    /// Events as stored, for detection.
    Events,
    /// New and updated alerts (IDMEFv2), for incident handling and views.
    Alerts,
    /// New and updated incidents, for notifiers and views.
    Incidents,
}

impl Topic {
    /// Every topic, for code that subscribes to or sets up all of them.
    pub const ALL: [Topic; 3] = [Topic::Events, Topic::Alerts, Topic::Incidents];

    /// The subject name used by networked buses (`safecare.events`).
    pub fn subject(self) -> &'static str {
        match self {
            Topic::Events => "safecare.events",
            Topic::Alerts => "safecare.alerts",
            Topic::Incidents => "safecare.incidents",
        }
    }
}

/// One message; its topic follows from its kind. The serde form
/// (`{"kind": "alert", "data": {...}}`) is what networked buses carry.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(tag = "kind", content = "data", rename_all = "lowercase")]
pub enum Message {
    /// An event as stored.
    Event(Box<Event>),
    /// A new or updated alert.
    Alert(Box<Alert>),
    /// A new or updated incident.
    Incident(Box<IncidentChange>),
}

impl Message {
    /// The topic this message is published on.
    pub fn topic(&self) -> Topic {
        match self {
            Message::Event(_) => Topic::Events,
            Message::Alert(_) => Topic::Alerts,
            Message::Incident(_) => Topic::Incidents,
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use safecare_model::Severity;

    #[test]
    fn message_round_trips_with_its_kind() {
        let msg = Message::Alert(Box::new(Alert::new("x", Severity::Low)));
        let json = serde_json::to_value(&msg).unwrap();
        assert_eq!(json["kind"], "alert");
        assert_eq!(serde_json::from_value::<Message>(json).unwrap(), msg);
        assert_eq!(msg.topic(), Topic::Alerts);
        assert_eq!(Topic::Alerts.subject(), "safecare.alerts");
    }
}
