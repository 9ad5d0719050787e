//! What each door was last seen doing, read from the access-control
//! events placed on it: the state a guard needs on the floor plan.

use std::collections::HashMap;

use safecare_model::{AssetKind, Domain, Event};

/// A door's state as its access-control system last reported it.
#[derive(Debug, Clone, Copy, PartialEq, Eq, strum::IntoStaticStr, strum::EnumIter)]
#[strum(serialize_all = "snake_case")]
pub(super) enum DoorState {
    /// Used as intended: a badge granted or refused, the door closed.
    Normal,
    /// Held open past its time.
    HeldOpen,
    /// Forced open.
    Forced,
    /// Its reader or lock tampered with.
    Tampered,
    /// Its controller reports a fault.
    Fault,
}

impl DoorState {
    /// The state an access-control event's `action` tells, if any (the
    /// values of the physical schema, `ingest::decode::physical::schema`).
    fn of_action(action: &str) -> Option<Self> {
        match action {
            "granted" | "denied" | "closed" | "secured" => Some(DoorState::Normal),
            "held_open" => Some(DoorState::HeldOpen),
            "forced" | "forced_open" => Some(DoorState::Forced),
            "tamper" => Some(DoorState::Tampered),
            "controller_fault" => Some(DoorState::Fault),
            _ => None,
        }
    }

    /// The catalogue id of its words.
    pub(super) fn message(self) -> &'static str {
        match self {
            DoorState::Normal => "plan-state-normal",
            DoorState::HeldOpen => "plan-state-held-open",
            DoorState::Forced => "plan-state-forced",
            DoorState::Tampered => "plan-state-tampered",
            DoorState::Fault => "plan-state-fault",
        }
    }

    /// The name used in CSS classes and `data-state`.
    pub(super) fn as_str(self) -> &'static str {
        self.into()
    }
}

/// The latest state of each door asset (by id) that `events` tell, given
/// the kind of each asset; `events` may come in any order.
pub(super) fn door_states(kind_of: impl Fn(&str) -> Option<AssetKind>, events: &[Event]) -> HashMap<&str, DoorState> {
    let mut latest: HashMap<&str, (jiff::Timestamp, DoorState)> = HashMap::new();
    for event in events.iter().filter(|e| e.domain == Domain::Physical) {
        let Some(door) = event.asset.as_deref().filter(|id| kind_of(id) == Some(AssetKind::Door)) else { continue };
        let Some(state) = event.fields.get("action").and_then(|a| a.as_str()).and_then(DoorState::of_action) else {
            continue;
        };
        let seen = latest.entry(door).or_insert((event.time, state));
        if event.time >= seen.0 {
            *seen = (event.time, state);
        }
    }
    latest.into_iter().map(|(door, (_, state))| (door, state)).collect()
}

#[cfg(test)]
mod tests {
    use super::*;
    use jiff::Timestamp;
    use serde_json::json;

    fn event(asset: &str, action: &str, at: &str) -> Event {
        let time = at.parse::<Timestamp>().unwrap_or_else(|e| panic!("time: {e}"));
        let mut event = Event::new("doors", Domain::Physical, time, "door");
        event.fields.insert("action".into(), json!(action));
        event.asset = Some(asset.to_owned().into());
        event
    }

    #[test]
    fn the_latest_report_of_each_door_wins_whatever_the_order() {
        let kind = |id: &str| Some(if id.starts_with("door") { AssetKind::Door } else { AssetKind::Sensor });
        let events = vec![
            event("door-a", "granted", "2026-01-01T10:05:00Z"),
            event("door-a", "forced", "2026-01-01T10:00:00Z"),
            event("door-b", "granted", "2026-01-01T10:00:00Z"),
            event("door-b", "held_open", "2026-01-01T10:01:00Z"),
            event("door-c", "badge_read", "2026-01-01T10:01:00Z"),
            event("cam-1", "forced", "2026-01-01T10:01:00Z"),
        ];
        let states = door_states(kind, &events);
        assert_eq!(states.get("door-a"), Some(&DoorState::Normal), "closed again after being forced");
        assert_eq!(states.get("door-b"), Some(&DoorState::HeldOpen));
        assert_eq!(states.get("door-c"), None, "an action that tells no state");
        assert_eq!(states.get("cam-1"), None, "not a door");
    }
}
