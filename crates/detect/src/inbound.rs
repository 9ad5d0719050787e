//! IDMEFv2 alerts from other detectors, as SafeCare alerts.
//!
//! The ingest decoder checked the alert and stored it as an event (logsource
//! product [`INBOUND_PRODUCT`]); here it becomes an [`Alert`] with its
//! analyzer, category, priority, sources, targets and sensors (their
//! locations and coordinates too) and its attachments kept (bounded, see
//! [`safecare_model::AlertAttachment`]), placed
//! where ingest resolved the event (asset and location), so that it groups
//! into incidents and feeds the impact assessment like SafeCare's own. It is
//! a pure function of the event: the detection stage derives its id from
//! the event like a rule alert's and stores it in the same transaction as
//! the checkpoint, so a replay after a crash neither loses nor doubles it.
//!
//! Mapping (documented in `docs/idmef.md`): severity from `Priority`
//! (`High` → high … `Info`/`Unknown` → info), threat from the first
//! `Category` that [`safecare_model::Threat`] or its
//! class knows. An alert that another SafeCare wrote keeps its own data
//! (severity, rule, threat, tags, domains) from its `safecare` attachment;
//! its events become the one event here, its asset and location the ones
//! resolved here when there are any.

use safecare_model::idmef::INBOUND_PRODUCT;
use safecare_model::{Alert, Event};
use serde_json::Value;

/// The SafeCare alert for an event that carries an IDMEFv2 alert from
/// elsewhere; `None` for every other event, and for one whose fields no
/// longer read as an alert (logged).
pub fn alert(event: &Event) -> Option<Alert> {
    if event.logsource.product.as_deref() != Some(INBOUND_PRODUCT) {
        return None;
    }
    let mut alert: Alert = match serde_json::from_value(Value::Object(event.fields.clone())) {
        Ok(alert) => alert,
        Err(err) => {
            tracing::warn!(event = %event.id, %err, "stored IDMEFv2 alert does not read as an alert");
            return None;
        }
    };
    let ext = &mut alert.safecare;
    ext.events = vec![event.id];
    if ext.domains.is_empty() {
        ext.domains = vec![event.domain];
    }
    if event.asset.is_some() {
        ext.asset = event.asset.clone();
    }
    if !event.location.is_empty() {
        ext.location = event.location.clone();
    }
    Some(alert)
}

#[cfg(test)]
mod tests {
    use super::*;
    use safecare_model::{Domain, Location, Severity, Timestamp};
    use serde_json::json;

    fn inbound(fields: Value) -> Event {
        let mut event = Event::new("peer", Domain::Physical, Timestamp::UNIX_EPOCH, "x");
        event.logsource.product = Some(INBOUND_PRODUCT.into());
        event.fields = fields.as_object().unwrap().clone();
        event
    }

    #[test]
    fn peer_alert_keeps_its_analyzer_and_takes_the_resolved_place() {
        let mut event = inbound(json!({
            "Version": "2.D.V08", "ID": "09db946e-673e-49af-b4b2-a8cd9da58de6",
            "CreateTime": "2026-01-05T10:01:00Z", "Priority": "High", "Category": ["Access.Forced"],
            "Analyzer": {"Name": "psim-01", "Model": "PSIM 3", "GeoLocation": "+48.85, +2.35"},
            "Attachment": [{"Name": "badge", "ContentType": "text/plain", "Content": "badge 4711 refused"}],
            "hostname": "door-srv"
        }));
        event.asset = Some("door-srv-room".into());
        event.location = Location::from_path("hq/main/-1/it/srv");
        let alert = alert(&event).unwrap();
        assert_eq!(alert.analyzer.name, "psim-01");
        assert_eq!(alert.severity(), Severity::High);
        assert_eq!(alert.safecare.threat.as_deref(), Some("forced_entry"));
        assert_eq!(alert.safecare.events, [event.id]);
        assert_eq!(alert.safecare.asset.as_deref(), Some("door-srv-room"));
        assert_eq!(alert.safecare.location.path(), "hq/main/-1/it/srv");
        assert_eq!(alert.safecare.domains, [Domain::Physical]);
        assert_eq!(alert.analyzer.geolocation.as_deref(), Some("+48.85, +2.35"));
        assert_eq!(alert.attachments[0].name, "badge");
        assert_eq!(alert.attachments[0].content, Some(json!("badge 4711 refused")));
    }

    #[test]
    fn other_events_raise_nothing() {
        let mut event = inbound(json!({"Version": "2.D.V08"}));
        assert!(alert(&event).is_none(), "not an alert");
        event.logsource.product = Some("windows".into());
        assert!(alert(&event).is_none());
    }
}
