//! Turning rule matches into IDMEFv2 alerts with SafeCare's extension filled.

use safecare_model::{Alert, AlertCause, AlertNode, Domain, EXERCISE_FIELD, Event, EventId, Timestamp};

use crate::meta::RuleMeta;
use crate::view::FieldView;

/// Threat types caused by nature or equipment rather than by someone.
const NATURAL_THREATS: [&str; 3] = ["fire", "flood", "environmental"];
const MALFUNCTION_THREATS: [&str; 2] = ["cold_chain", "equipment_failure"];

/// An alert for `meta` raised by `trigger`, covering `events` (oldest first,
/// `trigger` last) from `domains`.
pub(crate) fn build(
    meta: &RuleMeta,
    trigger: &Event,
    events: Vec<EventId>,
    domains: Vec<Domain>,
    start: Timestamp,
) -> Alert {
    let mut alert = Alert::new(meta.title.clone(), meta.severity);
    alert.note = meta.description.clone();
    alert.create_time = Timestamp::now();
    alert.start_time = Some(start);
    alert.cease_time = Some(trigger.time);
    alert.cause = meta.threat.as_deref().map(|t| {
        if NATURAL_THREATS.contains(&t) {
            AlertCause::Natural
        } else if MALFUNCTION_THREATS.contains(&t) {
            AlertCause::Malfunction
        } else {
            AlertCause::Malicious
        }
    });
    alert.category = meta.threat.iter().cloned().collect();
    let location = (!trigger.location.is_empty()).then(|| trigger.location.path());
    if trigger.asset.is_some() || location.is_some() {
        alert.target.push(AlertNode {
            hostname: trigger.asset.as_deref().map(str::to_owned),
            location: location.clone(),
            ..Default::default()
        });
    }
    if let Some(person) = FieldView::new(trigger).person() {
        alert.source.push(AlertNode { user: Some(person.to_owned()), ..Default::default() });
    }
    let ext = &mut alert.safecare;
    ext.rule = Some(meta.id.clone());
    ext.events = events;
    ext.domains = domains;
    ext.asset = trigger.asset.clone();
    ext.location = trigger.location.clone();
    ext.threat = meta.threat.clone();
    ext.tags = meta.tags.clone();
    // The event that raised it decides: an exercise's step completing a
    // correlation makes an exercise alert.
    ext.exercise = trigger.field(EXERCISE_FIELD).and_then(|v| v.as_str()).map(str::to_owned);
    alert
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::meta::RuleKind;
    use safecare_model::Severity;

    #[test]
    fn alert_carries_rule_event_asset_location_and_threat() {
        let meta = RuleMeta {
            id: "r1".into(),
            name: None,
            title: "Fire".into(),
            description: None,
            kind: RuleKind::Detection,
            severity: Severity::Critical,
            tags: vec!["attack.t0879".into()],
            threat: Some("fire".into()),
            path: "x".into(),
        };
        let mut event = Event::new("t", Domain::Building, Timestamp::UNIX_EPOCH, "");
        event.asset = Some("det-1".into());
        event.location.site = Some("hq".into());
        let alert = build(&meta, &event, vec![event.id], vec![event.domain], event.time);
        assert_eq!(alert.priority, "High");
        assert_eq!(alert.cause, Some(AlertCause::Natural));
        assert_eq!(alert.safecare.rule.as_deref(), Some("r1"));
        assert_eq!(alert.safecare.events, [event.id]);
        assert_eq!(alert.target[0].location.as_deref(), Some("hq"));
        assert_eq!(alert.safecare.threat.as_deref(), Some("fire"));
        assert_eq!(alert.safecare.exercise, None);

        event.fields.insert(EXERCISE_FIELD.into(), "drill-1".into());
        let drill = build(&meta, &event, vec![event.id], vec![event.domain], event.time);
        assert_eq!(drill.safecare.exercise.as_deref(), Some("drill-1"));
    }
}
