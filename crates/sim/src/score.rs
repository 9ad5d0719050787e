//! Scoring: each stored event is traced to the emission that sent it by its
//! time (each emission has a second of its own), each alert to the steps
//! or noise whose events it lists; then every expectation is checked.

use std::collections::{BTreeMap, BTreeSet, HashMap};

use jiff::Timestamp;
use safecare_model::{Alert, Event};
use safecare_respond::notify::routing::Route as NotifyRoute;
use safecare_respond::notify::{DeliveryStatus, OutboxEntry};
use safecare_respond::{IncidentRecord, TimelineAction, Transition};

use crate::plan::Plan;
use crate::report::{
    AckReport, AlertCheck, FalseAlert, IncidentReport, NotificationReport, Outcome, RecordCounts, Report, StepReport,
};
use crate::target::RuleInfo;
use crate::timeline::{Emission, Origin};

/// What the runner did.
#[derive(Debug, Clone)]
pub struct Played {
    /// The timeline.
    pub emissions: Vec<Emission>,
    /// The Unix second of the timeline's start (events carry
    /// `base + emission.second`).
    pub base: i64,
    /// When each step's records were sent (by step index).
    pub step_sent: Vec<Option<Timestamp>>,
    /// Records sent.
    pub records: RecordCounts,
    /// The seed.
    pub seed: u64,
    /// The speed.
    pub speed: f64,
}

/// What SafeCare raised, as read back.
#[derive(Debug, Clone, Default)]
pub struct Observed {
    /// Events of the scenario's sources stored since the start.
    pub events: Vec<Event>,
    /// Alerts since the start.
    pub alerts: Vec<Alert>,
    /// Incidents holding any of those alerts, whole.
    pub incidents: Vec<IncidentRecord>,
    /// The messages planned about those incidents.
    pub notifications: Vec<OutboxEntry>,
    /// The target's notification routes (for their on-call roles).
    pub routes: Vec<NotifyRoute>,
}

/// Scores `observed` against `plan`.
pub fn score(plan: &Plan, rules: &[RuleInfo], played: &Played, observed: &Observed) -> Report {
    let origins = alert_origins(played, observed);
    let rule_name =
        |id: &str| rules.iter().find(|r| r.id == id).and_then(|r| r.name.clone()).unwrap_or_else(|| id.to_owned());
    let step_alerts: BTreeSet<String> = origins
        .iter()
        .filter(|(_, o)| o.iter().any(|o| matches!(o, Origin::Step(_))))
        .map(|(id, _)| id.clone())
        .collect();

    let mut steps = Vec::new();
    for (i, step) in plan.steps.iter().enumerate() {
        let sent = played.step_sent.get(i).copied().flatten();
        let involving: Vec<&Alert> = observed
            .alerts
            .iter()
            .filter(|a| origins.get(&a.id.to_string()).is_some_and(|o| o.contains(&Origin::Step(i))))
            .collect();
        let mut expected = Vec::new();
        let mut expected_ids = BTreeSet::new();
        for (rule, within) in &step.expect {
            let ids: BTreeSet<&str> = rules
                .iter()
                .filter(|r| r.id == *rule || r.name.as_deref() == Some(rule.as_str()))
                .map(|r| r.id.as_str())
                .collect();
            expected_ids.extend(ids.iter().map(|s| (*s).to_owned()));
            let first = involving
                .iter()
                .filter(|a| a.safecare.rule.as_deref().is_some_and(|r| ids.contains(r)))
                .min_by_key(|a| a.create_time);
            let within_ms = within.as_millis() as u64;
            let (outcome, ttd, alert) = match (first, sent) {
                (Some(a), Some(sent)) => {
                    let ttd = millis_between(sent, a.create_time);
                    let outcome = if ttd <= within_ms { Outcome::Met } else { Outcome::Late };
                    (outcome, Some(ttd), Some(a.id.to_string()))
                }
                _ => (Outcome::Missed, None, None),
            };
            expected.push(AlertCheck { rule: rule.clone(), outcome, time_to_detect_ms: ttd, within_ms, alert });
        }
        // The rules this step set off besides those expected: the alerts
        // whose latest contributing emission is this step.
        let also: BTreeSet<String> = involving
            .iter()
            .filter(|a| latest_step(&origins, a, played) == Some(i))
            .filter_map(|a| a.safecare.rule.clone())
            .filter(|r| !expected_ids.contains(r))
            .map(|r| rule_name(&r))
            .collect();
        let outcome = if step.expect.is_empty() {
            Outcome::NotScored
        } else {
            expected.iter().map(|c| c.outcome).max_by_key(|o| severity_of(*o)).unwrap_or(Outcome::Met)
        };
        steps.push(StepReport {
            id: step.id.clone(),
            phase: step.phase.clone(),
            stage: step.stage,
            say: step.say.clone(),
            sent_at: sent.unwrap_or_default(),
            outcome,
            expected,
            also_raised: also.into_iter().collect(),
        });
    }

    let incidents = plan
        .incidents
        .iter()
        .map(|want| {
            let sent = played.step_sent.get(want.by).copied().flatten();
            let candidates: Vec<&IncidentRecord> = observed
                .incidents
                .iter()
                .filter(|r| r.incident.alerts.iter().any(|a| step_alerts.contains(&a.to_string())))
                .filter(|r| want.threat.is_none() || r.incident.threat == want.threat)
                .collect();
            // A service appears once per impact type; each is listed once.
            let services_of = |r: &IncidentRecord| -> Vec<String> {
                let mut found: Vec<String> = Vec::new();
                for service in r.impact.iter().flat_map(|i| &i.report.services) {
                    if !found.iter().any(|f| f == service.asset.as_str()) {
                        found.push(service.asset.as_str().to_owned());
                    }
                }
                found
            };
            // Of the expected tasks, those on the incident's checklist.
            let tasks_of = |r: &IncidentRecord| -> Vec<String> {
                want.tasks.iter().filter(|t| r.tasks.iter().any(|s| s.task.id == **t)).cloned().collect()
            };
            let complete = |r: &IncidentRecord| {
                let found = services_of(r);
                want.services.iter().all(|s| found.contains(s))
                    && want.playbooks.iter().all(|p| r.playbooks.contains(p))
                    && tasks_of(r).len() == want.tasks.len()
            };
            let best = candidates.iter().find(|r| complete(r)).or(candidates.first()).copied();
            let within_ms = want.within.as_millis() as u64;
            let by = plan.steps.get(want.by).map(|s| s.id.clone()).unwrap_or_default();
            match (best, sent) {
                (Some(r), Some(sent)) => {
                    let open = millis_between(sent, r.incident.created);
                    let outcome = if open > within_ms {
                        Outcome::Late
                    } else if complete(r) {
                        Outcome::Met
                    } else {
                        Outcome::Incomplete
                    };
                    IncidentReport {
                        threat: want.threat.clone(),
                        by,
                        outcome,
                        incident: Some(r.incident.id.to_string()),
                        threat_found: r.incident.threat.clone(),
                        time_to_incident_ms: Some(open),
                        within_ms,
                        services_expected: want.services.clone(),
                        services_found: services_of(r),
                        playbooks_expected: want.playbooks.clone(),
                        playbooks_found: r.playbooks.clone(),
                        tasks_expected: want.tasks.clone(),
                        tasks_found: tasks_of(r),
                    }
                }
                _ => IncidentReport {
                    threat: want.threat.clone(),
                    by,
                    outcome: Outcome::Missed,
                    incident: None,
                    threat_found: None,
                    time_to_incident_ms: None,
                    within_ms,
                    services_expected: want.services.clone(),
                    services_found: Vec::new(),
                    playbooks_expected: want.playbooks.clone(),
                    playbooks_found: Vec::new(),
                    tasks_expected: want.tasks.clone(),
                    tasks_found: Vec::new(),
                },
            }
        })
        .collect::<Vec<_>>();

    let false_alerts: Vec<FalseAlert> = observed
        .alerts
        .iter()
        .filter_map(|a| {
            let from = origins.get(&a.id.to_string())?;
            let noise: BTreeSet<String> = from
                .iter()
                .map(|o| match o {
                    Origin::Noise(n) => Some(plan.noise.get(*n).map(|g| g.name.clone()).unwrap_or_default()),
                    Origin::Step(_) => None,
                })
                .collect::<Option<_>>()?;
            Some(FalseAlert {
                alert: a.id.to_string(),
                rule: a.safecare.rule.as_deref().map(rule_name).unwrap_or_default(),
                description: a.description.clone(),
                noise: noise.into_iter().collect(),
            })
        })
        .collect();

    let run_incidents: Vec<&IncidentRecord> = observed
        .incidents
        .iter()
        .filter(|r| r.incident.alerts.iter().any(|a| step_alerts.contains(&a.to_string())))
        .collect();
    let notifications = notifications(plan, played, observed, &run_incidents);
    let acknowledgements = run_incidents.iter().map(|r| acknowledgement(r)).collect();

    let passed = steps.iter().all(|s| matches!(s.outcome, Outcome::Met | Outcome::NotScored))
        && incidents.iter().all(|i| i.outcome == Outcome::Met)
        && notifications.iter().all(|n| n.outcome == Outcome::Met);
    Report {
        scenario: plan.name.clone(),
        title: plan.title.clone(),
        seed: played.seed,
        speed: played.speed,
        passed,
        records_sent: played.records.clone(),
        steps,
        incidents,
        false_alerts,
        notifications,
        acknowledgements,
    }
}

/// Each expected notification against the messages planned about the run's
/// incidents: the first one delivered that matches, else the first that
/// matches at all (pending or failed: missed).
fn notifications(
    plan: &Plan,
    played: &Played,
    observed: &Observed,
    run_incidents: &[&IncidentRecord],
) -> Vec<NotificationReport> {
    let role_of = |route: &str| observed.routes.iter().find(|r| r.name == route).and_then(|r| r.role.clone());
    plan.notifications
        .iter()
        .map(|want| {
            let sent = played.step_sent.get(want.by).copied().flatten();
            let matching: Vec<&OutboxEntry> = observed
                .notifications
                .iter()
                .filter(|m| {
                    let n = &m.notification;
                    let incident = run_incidents.iter().find(|r| Some(r.incident.id) == n.incident);
                    incident.is_some_and(|r| want.threat.is_none() || r.incident.threat == want.threat)
                        && want.route.as_ref().is_none_or(|r| *r == n.route)
                        && want.channel.as_ref().is_none_or(|c| *c == n.channel)
                        && want.role.as_ref().is_none_or(|role| role_of(&n.route).as_ref() == Some(role))
                })
                .collect();
            let delivered = matching
                .iter()
                .filter(|m| m.status == DeliveryStatus::Delivered)
                .filter_map(|m| Some((m, m.delivered?)))
                .min_by_key(|(_, at)| *at);
            let within_ms = want.within.as_millis() as u64;
            let found = delivered.map(|(m, _)| *m).or(matching.first().copied());
            let delay_ms = match (delivered, sent) {
                (Some((_, at)), Some(sent)) => Some(millis_between(sent, at)),
                _ => None,
            };
            let outcome = match delay_ms {
                Some(delay) if delay <= within_ms => Outcome::Met,
                Some(_) => Outcome::Late,
                None => Outcome::Missed,
            };
            NotificationReport {
                by: plan.steps.get(want.by).map(|s| s.id.clone()).unwrap_or_default(),
                route: want.route.clone(),
                channel: want.channel.clone(),
                role: want.role.clone(),
                outcome,
                status: found.map(|m| m.status.as_str().to_owned()),
                delay_ms,
                within_ms,
                sent_on: found.map(|m| format!("{}/{}", m.notification.route, m.notification.channel)),
                recipients: found
                    .map(|m| m.notification.recipients.iter().map(|r| r.name.clone()).collect())
                    .unwrap_or_default(),
            }
        })
        .collect()
}

/// When `record` was first acknowledged, from its timeline.
fn acknowledgement(record: &IncidentRecord) -> AckReport {
    // The lifecycle writes each status change as `transition: from → to`.
    let prefix = format!("{}:", Transition::Acknowledge.as_str());
    let ack =
        record.timeline.iter().find(|e| e.action == TimelineAction::StatusChanged && e.detail.starts_with(&prefix));
    AckReport {
        incident: record.incident.id.to_string(),
        threat: record.incident.threat.clone(),
        opened: record.incident.created,
        acknowledged: ack.map(|e| e.at),
        by: ack.map(|e| e.actor.clone()),
        time_to_acknowledge_ms: ack.map(|e| millis_between(record.incident.created, e.at)),
    }
}

/// Each alert of the run (by id) with the emissions its events came from;
/// alerts listing none of the run's events are left out.
fn alert_origins(played: &Played, observed: &Observed) -> HashMap<String, BTreeSet<Origin>> {
    let by_second: HashMap<i64, Origin> =
        played.emissions.iter().map(|e| (played.base + e.second as i64, e.origin)).collect();
    let event_origin: HashMap<String, Origin> = observed
        .events
        .iter()
        .filter_map(|e| by_second.get(&e.time.as_second()).map(|o| (e.id.to_string(), *o)))
        .collect();
    observed
        .alerts
        .iter()
        .filter_map(|a| {
            let from: BTreeSet<Origin> =
                a.safecare.events.iter().filter_map(|id| event_origin.get(&id.to_string()).copied()).collect();
            (!from.is_empty()).then(|| (a.id.to_string(), from))
        })
        .collect()
}

/// The step an alert completes: the last-played step among its origins.
fn latest_step(origins: &HashMap<String, BTreeSet<Origin>>, alert: &Alert, played: &Played) -> Option<usize> {
    let second_of: BTreeMap<usize, u64> = played
        .emissions
        .iter()
        .filter_map(|e| match e.origin {
            Origin::Step(i) => Some((i, e.second)),
            Origin::Noise(_) => None,
        })
        .collect();
    origins
        .get(&alert.id.to_string())?
        .iter()
        .filter_map(|o| match o {
            Origin::Step(i) => Some(*i),
            Origin::Noise(_) => None,
        })
        .max_by_key(|i| second_of.get(i).copied().unwrap_or_default())
}

fn severity_of(outcome: Outcome) -> u8 {
    match outcome {
        Outcome::NotScored => 0,
        Outcome::Met => 1,
        Outcome::Incomplete => 2,
        Outcome::Late => 3,
        Outcome::Missed => 4,
    }
}

fn millis_between(from: Timestamp, to: Timestamp) -> u64 {
    let d = to.duration_since(from);
    u64::try_from(d.as_millis()).unwrap_or(0)
}
