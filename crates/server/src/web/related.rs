//! Related events: others by the same user, host, badge or door, or on the
//! same asset, within a window around an event. The pivots are read from
//! the event's own fields by their names, so every source's spelling
//! (`TargetUserName`, `user.name`, `badge_id`) takes part.

use jiff::SignedDuration;
use safecare_model::Event;
use safecare_store::{EventQuery, Store, StoreError};

use super::evidence_fields::flatten;

/// The default half-width of the window, in minutes.
pub const DEFAULT_WINDOW_MINUTES: usize = 60;
/// The widest half-width a reader may ask for: one day.
pub const MAX_WINDOW_MINUTES: usize = 24 * 60;
/// The most events listed per pivot.
const PER_PIVOT: usize = 50;
/// The most pivots taken from one event.
const MAX_PIVOTS: usize = 8;

/// What two events share.
#[derive(Debug, Clone, Copy, PartialEq, Eq, strum::IntoStaticStr)]
#[strum(serialize_all = "kebab-case")]
pub enum PivotKind {
    /// An account.
    User,
    /// A computer.
    Host,
    /// A badge or card.
    Badge,
    /// A door or its reader.
    Door,
    /// An inventory asset.
    Asset,
}

impl PivotKind {
    /// The kind a field's name says it holds, if any. SafeCare's own
    /// `safecare.*` fields describe the delivery, not the actors.
    fn of_field(name: &str) -> Option<Self> {
        let name = name.to_ascii_lowercase();
        if name.starts_with("safecare.") {
            return None;
        }
        let has = |words: &[&str]| words.iter().any(|w| name.contains(w));
        if has(&["user", "account"]) {
            Some(PivotKind::User)
        } else if has(&["badge", "card"]) {
            Some(PivotKind::Badge)
        } else if has(&["door", "reader"]) {
            Some(PivotKind::Door)
        } else if has(&["host", "computer", "workstation"]) {
            Some(PivotKind::Host)
        } else {
            None
        }
    }

    /// The catalogue id of its heading.
    pub fn message_id(self) -> &'static str {
        match self {
            PivotKind::User => "evidence-related-user",
            PivotKind::Host => "evidence-related-host",
            PivotKind::Badge => "evidence-related-badge",
            PivotKind::Door => "evidence-related-door",
            PivotKind::Asset => "evidence-related-asset",
        }
    }
}

/// One thing an event shares with others: its kind, the field it was read
/// from and the value.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Pivot {
    /// What it is.
    pub kind: PivotKind,
    /// The field it comes from (`asset` for the event's asset).
    pub field: String,
    /// The shared value.
    pub value: String,
}

/// The pivots of an event: its asset, then each user, host, badge and door
/// value of its fields, each value once.
pub fn pivots(event: &Event) -> Vec<Pivot> {
    let mut out: Vec<Pivot> = event
        .asset
        .iter()
        .map(|a| Pivot { kind: PivotKind::Asset, field: "asset".to_owned(), value: a.to_string() })
        .collect();
    for (field, value) in flatten(&event.fields) {
        let Some(kind) = PivotKind::of_field(&field) else { continue };
        let value = value.trim().to_owned();
        if value.is_empty() || value == "-" || out.iter().any(|p| p.kind == kind && p.value == value) {
            continue;
        }
        out.push(Pivot { kind, field, value });
    }
    out.truncate(MAX_PIVOTS);
    out
}

/// True when `event` carries `pivot`'s value in a field of the same kind.
fn shares(event: &Event, pivot: &Pivot) -> bool {
    match pivot.kind {
        PivotKind::Asset => event.asset.as_ref().is_some_and(|a| a.as_str() == pivot.value),
        kind => flatten(&event.fields)
            .iter()
            .any(|(field, value)| value.trim() == pivot.value && PivotKind::of_field(field) == Some(kind)),
    }
}

/// For each pivot of `event`, the other events within `minutes` either side
/// that share it, newest first. The store's text index narrows the search;
/// the exact field comparison decides.
pub async fn related(store: &dyn Store, event: &Event, minutes: usize) -> Result<Vec<(Pivot, Vec<Event>)>, StoreError> {
    let window = SignedDuration::from_mins(i64::try_from(minutes.min(MAX_WINDOW_MINUTES)).unwrap_or_default());
    let mut out = Vec::new();
    for pivot in pivots(event) {
        let mut query = EventQuery {
            from: Some(event.time - window),
            to: Some(event.time + window),
            limit: safecare_store::MAX_PAGE,
            ..Default::default()
        };
        match pivot.kind {
            PivotKind::Asset => query.asset = Some(pivot.value.clone()),
            _ => query.text = Some(pivot.value.clone()),
        }
        let found = store.query_events(query).await?;
        let events: Vec<Event> =
            found.events.into_iter().filter(|e| e.id != event.id && shares(e, &pivot)).take(PER_PIVOT).collect();
        out.push((pivot, events));
    }
    Ok(out)
}

#[cfg(test)]
mod tests {
    use super::*;
    use safecare_model::Domain;
    use serde_json::json;

    fn event(fields: serde_json::Value) -> Event {
        let mut e = Event::new("test", Domain::Physical, jiff::Timestamp::UNIX_EPOCH, "door opened");
        e.fields = fields.as_object().cloned().unwrap_or_default();
        e
    }

    #[test]
    fn pivots_come_from_field_names() {
        let e = event(json!({
            "TargetUserName": "usr_abc", "SubjectUserName": "usr_abc", "badge_id": "bdg_1",
            "door": "D-12", "Computer": "ws-7", "safecare.peer": "10.0.0.1", "message_id": "7"
        }));
        let mut kinds: Vec<(PivotKind, &str)> = Vec::new();
        let found = pivots(&e);
        for p in &found {
            kinds.push((p.kind, p.value.as_str()));
        }
        assert_eq!(kinds.len(), 4, "{found:?}");
        for expected in [
            (PivotKind::User, "usr_abc"),
            (PivotKind::Badge, "bdg_1"),
            (PivotKind::Door, "D-12"),
            (PivotKind::Host, "ws-7"),
        ] {
            assert!(kinds.contains(&expected), "{expected:?} in {kinds:?}");
        }
    }

    #[test]
    fn sharing_needs_the_same_kind_of_field() {
        let pivot = Pivot { kind: PivotKind::Door, field: "door".into(), value: "D-12".into() };
        assert!(shares(&event(json!({"reader": "D-12"})), &pivot));
        assert!(!shares(&event(json!({"note": "D-12"})), &pivot));
        assert!(!shares(&event(json!({"door": "D-13"})), &pivot));
    }
}
