//! Which messages an incident calls for at a given time: the first tier of
//! every route it matches, and one more tier for each escalation period it
//! has stayed unacknowledged.
//!
//! Planning is repeatable: the same incident planned again (after every
//! alert of a storm, after a restart) gives the same keys, and the outbox
//! keeps the first message per key. That is the de-duplication: one message
//! per incident, route and tier, however many alerts the incident gathers.
//! The time is passed in, so escalation is tested with a controlled clock.
//!
//! An incident that is already resolved or closed when planned (opened and
//! resolved between two looks of the notification stage) is still planned
//! for the routes it matches, first tier only, and its subject says it is
//! already resolved: people learn that it happened, and that nobody needs to
//! run.

use jiff::{SignedDuration, Timestamp};
use safecare_i18n::Language;
use safecare_model::{Domain, IncidentStatus};

use super::oncall::Roster;
use super::routing::{Route, Subject, matching};
use super::text::{language_for, subject_line};
use super::{Notification, Reason};
use crate::IncidentRecord;

/// What planning needs beyond the record: the domains of the incident's
/// alerts (routes match on them) and its first alert as JSON, sent along.
#[derive(Debug, Clone, Copy)]
pub struct Facts<'a> {
    /// The domains the incident's alerts come from.
    pub domains: &'a [Domain],
    /// The first alert, as the API writes it (`serde_json::to_value`).
    pub alert: Option<&'a serde_json::Value>,
    /// The site's `[display]` language, for people who chose none.
    pub language: Language,
}

/// Whether a look at the incidents that follows one at `since` plans
/// `record`: every open incident, and one that was resolved or closed at or
/// after `since`, which may never have been seen open. Planning it again
/// later adds nothing (same keys). An incident merged into another is left
/// to that one, which holds its alerts and is planned in its own right.
pub fn due_for_planning(record: &IncidentRecord, since: Timestamp) -> bool {
    let incident = &record.incident;
    incident.status.is_open() || (record.merged_into.is_none() && incident.updated >= since)
}

/// The messages `record` calls for at `now`.
pub fn plan(
    routes: &[Route],
    roster: &Roster,
    record: &IncidentRecord,
    facts: Facts<'_>,
    now: Timestamp,
) -> Vec<Notification> {
    let incident = &record.incident;
    let subject = Subject { incident, domains: facts.domains, exercise: record.exercise };
    let mut out = Vec::new();
    for route in matching(routes, &subject) {
        for tier in 1..=tiers_due(route, roster, record, now) {
            let reason = if tier == 1 { Reason::Opened } else { Reason::Escalated };
            let recipients = route.role.as_deref().map(|role| roster.on_call(role, tier, now)).unwrap_or_default();
            let language = language_for(&recipients, facts.language);
            out.push(Notification {
                key: format!("{}:{}:{tier}", incident.id, route.name),
                incident: Some(incident.id),
                route: route.name.clone(),
                channel: route.channel.clone(),
                reason,
                tier,
                recipients,
                exercise: record.exercise,
                subject: subject_line(language, record, reason, tier),
                payload: serde_json::json!({
                    "incident": incident,
                    "exercise": record.exercise,
                    "alert": facts.alert,
                    "language": language,
                }),
                created: now,
            });
        }
    }
    out
}

/// How many tiers of `route` are due: 1, plus one per escalation period
/// the incident has been new (not acknowledged) for, up to the role's top
/// tier. Once acknowledged no further tier is called; tiers already called
/// stay in the outbox.
fn tiers_due(route: &Route, roster: &Roster, record: &IncidentRecord, now: Timestamp) -> u8 {
    let (Some(minutes), Some(role)) = (route.escalate_after_minutes, route.role.as_deref()) else { return 1 };
    if record.incident.status != IncidentStatus::New || minutes == 0 {
        return 1;
    }
    let waited = now.duration_since(record.incident.created);
    let periods = waited.as_secs().max(0) / SignedDuration::from_mins(i64::from(minutes)).as_secs();
    let top = roster.top_tier(role).max(1);
    u8::try_from(periods.saturating_add(1)).unwrap_or(u8::MAX).min(top)
}

#[cfg(test)]
mod tests {
    use safecare_model::{Incident, Severity};

    use super::*;
    use crate::notify::oncall::Shift;

    fn at(minutes: i64) -> Timestamp {
        "2026-12-04T10:00:00Z".parse::<Timestamp>().unwrap() + SignedDuration::from_mins(minutes)
    }

    fn shift(tier: u8, name: &str) -> Shift {
        Shift {
            role: "it".into(),
            tier,
            name: name.into(),
            contact: format!("{name}@h"),
            days: vec![],
            from: None,
            to: None,
            language: None,
        }
    }

    fn setup() -> (Vec<Route>, Roster, IncidentRecord) {
        let route: Route = serde_json::from_value(serde_json::json!({
            "name": "it-oncall", "channel": "pager", "role": "it", "escalate_after_minutes": 10
        }))
        .unwrap();
        let roster = Roster { time_zone: None, shifts: vec![shift(1, "ann"), shift(2, "bob"), shift(3, "cat")] };
        let mut incident = Incident::new("Ransomware on PACS", Severity::Critical);
        incident.created = at(0);
        incident.updated = at(0);
        (vec![route], roster, IncidentRecord::new(incident, "safecare", at(0)))
    }

    fn keys(planned: &[Notification]) -> Vec<(u8, Reason, Vec<String>)> {
        planned.iter().map(|n| (n.tier, n.reason, n.recipients.iter().map(|r| r.name.clone()).collect())).collect()
    }

    const NO_FACTS: Facts<'static> = Facts { domains: &[], alert: None, language: Language::En };

    #[test]
    fn escalation_calls_the_next_tier_each_period_until_acknowledged() {
        let (routes, roster, mut record) = setup();
        assert_eq!(keys(&plan(&routes, &roster, &record, NO_FACTS, at(0))), [(1, Reason::Opened, vec!["ann".into()])]);
        assert_eq!(plan(&routes, &roster, &record, NO_FACTS, at(9)).len(), 1);
        let at_ten = plan(&routes, &roster, &record, NO_FACTS, at(10));
        assert_eq!(keys(&at_ten)[1], (2, Reason::Escalated, vec!["bob".into()]));
        assert!(at_ten[1].subject.contains("tier 2"), "{}", at_ten[1].subject);
        assert_eq!(plan(&routes, &roster, &record, NO_FACTS, at(25)).len(), 3);
        // Past the top tier nothing more is called.
        assert_eq!(plan(&routes, &roster, &record, NO_FACTS, at(600)).len(), 3);

        record.incident.status = IncidentStatus::Acknowledged;
        assert_eq!(plan(&routes, &roster, &record, NO_FACTS, at(600)).len(), 1);
    }

    #[test]
    fn planning_again_gives_the_same_keys_so_a_storm_sends_once() {
        let (routes, roster, mut record) = setup();
        let first = plan(&routes, &roster, &record, NO_FACTS, at(0));
        let mut keys = std::collections::BTreeSet::new();
        for minute in 0..1000 {
            // Every alert of the storm touches the incident and plans again.
            record.incident.alerts.push(safecare_model::AlertId::new());
            keys.extend(
                plan(&routes, &roster, &record, NO_FACTS, at(0) + SignedDuration::from_millis(minute))
                    .into_iter()
                    .map(|n| n.key),
            );
        }
        assert_eq!(keys.into_iter().collect::<Vec<_>>(), [first[0].key.clone()]);
    }

    #[test]
    fn an_incident_opened_and_resolved_between_two_looks_is_notified_once_saying_so() {
        let (routes, roster, mut record) = setup();
        // The stage looked at 09:59:59; the incident opened at 10:00:00 and
        // was resolved 30 s later; the stage looks again at 10:01.
        let looked = at(0) - SignedDuration::from_secs(1);
        record.incident.status = IncidentStatus::Resolved;
        record.incident.updated = at(0) + SignedDuration::from_secs(30);
        assert!(due_for_planning(&record, looked));
        let planned = plan(&routes, &roster, &record, NO_FACTS, at(1));
        assert_eq!(keys(&planned), [(1, Reason::Opened, vec!["ann".into()])]);
        assert_eq!(planned[0].subject, "critical incident: Ransomware on PACS (already resolved)");
        assert_eq!(planned[0].payload["incident"]["status"], "resolved");
        // Never escalated, however long it has been.
        assert_eq!(plan(&routes, &roster, &record, NO_FACTS, at(600)).len(), 1);
        // Once looked at after its last change it is not planned again.
        assert!(!due_for_planning(&record, at(1)));
        record.incident.status = IncidentStatus::Closed;
        assert!(plan(&routes, &roster, &record, NO_FACTS, at(1))[0].subject.ends_with("(already closed)"));
        // An open incident is always planned; a merged one never on its own.
        record.incident.status = IncidentStatus::New;
        assert!(due_for_planning(&record, at(600)));
        record.incident.status = IncidentStatus::Closed;
        record.merged_into = Some(safecare_model::IncidentId::new());
        assert!(!due_for_planning(&record, looked));
    }

    #[test]
    fn an_exercise_is_planned_for_exercise_routes_and_says_so() {
        let (mut routes, roster, mut record) = setup();
        record.exercise = true;
        assert!(plan(&routes, &roster, &record, NO_FACTS, at(0)).is_empty());
        routes[0].exercise = true;
        let planned = plan(&routes, &roster, &record, NO_FACTS, at(0));
        assert!(planned[0].exercise && planned[0].subject.starts_with("[EXERCISE] "), "{:?}", planned[0]);
        assert_eq!(planned[0].payload["exercise"], true);
    }
}
