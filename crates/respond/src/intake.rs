//! Turning alerts into incident content: opening an incident from its first
//! alert, adding later ones, and deriving the incident's severity, assets,
//! place, tags and threat from its alerts. Playbooks follow the threats: each
//! new threat an alert brings attaches its playbook, so a phishing incident
//! that turns into ransomware gets both sets of tasks.

use jiff::Timestamp;
use safecare_model::{Alert, Incident, IncidentId, IncidentStatus, Location, Threat};

use safecare_impact::Inventory;

use crate::edit::normalise_tag;
use crate::grouping::MatchReason;
use crate::naming::{incident_name, note_place, place_words, rename};
use crate::playbook::PlaybookLibrary;
use crate::record::{IncidentRecord, SYSTEM_ACTOR, TimelineAction};
use crate::tasks::push_playbook;

/// Why an alert could not be added to an incident.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum IntakeError {
    /// The incident was merged into another; the alert belongs there.
    #[error("the incident was merged into {into}")]
    MergedInto {
        /// The incident it was merged into.
        into: IncidentId,
    },
    /// The incident is no longer open (resolved or closed).
    #[error("the incident is {}: open a new one for this alert", status.as_str())]
    NotOpen {
        /// The status the incident has.
        status: IncidentStatus,
    },
    /// The alert is already part of the incident.
    #[error("alert {0} is already part of the incident")]
    DuplicateAlert(safecare_model::AlertId),
}

/// The deepest place two locations share. An unknown location says
/// nothing about the place, so it leaves the other one as it is.
pub(crate) fn common_location(a: &Location, b: &Location) -> Location {
    if a.is_empty() {
        return b.clone();
    }
    if b.is_empty() {
        return a.clone();
    }
    let mut out = Location::default();
    let pairs = [
        (&a.site, &b.site, &mut out.site),
        (&a.building, &b.building, &mut out.building),
        (&a.floor, &b.floor, &mut out.floor),
        (&a.zone, &b.zone, &mut out.zone),
        (&a.room, &b.room, &mut out.room),
    ];
    for (x, y, slot) in pairs {
        match (x, y) {
            (Some(x), Some(y)) if x == y => *slot = Some(x.clone()),
            _ => break,
        }
    }
    out
}

/// How many alerts an incident lists (ids and timeline entries). An alert
/// flood (a correlation firing on every event of a brute force) would
/// otherwise grow the record, which is rewritten on every change, without
/// bound; later alerts still fold their facts in and are counted.
pub const MAX_LISTED_ALERTS: usize = 500;

/// Folds one alert's facts into the incident, listing its id when `list`;
/// returns true when the alert made the incident more severe.
fn absorb_facts(incident: &mut Incident, alert: &Alert, first: bool, list: bool) -> bool {
    let ext = &alert.safecare;
    if list {
        incident.alerts.push(alert.id);
    }
    if let Some(asset) = &ext.asset
        && !incident.assets.contains(asset)
    {
        incident.assets.push(asset.clone());
    }
    incident.location = if first { ext.location.clone() } else { common_location(&incident.location, &ext.location) };
    for tag in ext.tags.iter().filter_map(|t| normalise_tag(t).ok()) {
        if !incident.tags.contains(&tag) {
            incident.tags.push(tag);
        }
    }
    // The most severe alert names the threat; among equals, the latest,
    // since attacks escalate (phishing, then ransomware).
    if ext.threat.is_some() && (first || ext.severity >= incident.severity) {
        incident.threat = ext.threat.as_deref().map(Threat::canonical);
    }
    let raised = !first && ext.severity > incident.severity;
    if first || raised {
        incident.severity = ext.severity;
    }
    raised
}

fn absorb(incident: &mut Incident, alert: &Alert, first: bool) -> bool {
    absorb_facts(incident, alert, first, true)
}

/// Rebuilds an incident's alert-derived fields (alerts, assets, place,
/// severity, threat) from exactly these alerts, after a split. Status,
/// title, assignee and tags stay: a tag cannot be traced back to one alert,
/// and dropping an analyst's tag would lose their work.
pub(crate) fn rederive(incident: &mut Incident, alerts: &[&Alert]) {
    incident.alerts.clear();
    incident.assets.clear();
    incident.threat = None;
    for (i, alert) in alerts.iter().enumerate() {
        absorb(incident, alert, i == 0);
    }
}

pub(crate) fn attach_for_threat(record: &mut IncidentRecord, alert: &Alert, library: &PlaybookLibrary, at: Timestamp) {
    let Some(playbook) = alert.safecare.threat.as_deref().and_then(|t| library.for_threat(t)) else { return };
    if !record.playbooks.contains(&playbook.id) {
        push_playbook(record, playbook, SYSTEM_ACTOR, at);
    }
}

/// A new incident with `id` (from [`crate::Grouper::route`]) opened by its
/// first alert, with the playbook for the alert's threat attached. It is
/// named from the alert's threat and place (in the `inventory`'s names),
/// or by the alert's description when the alert names no threat.
pub fn open_from_alert(
    alert: &Alert,
    id: IncidentId,
    library: &PlaybookLibrary,
    inventory: Option<&Inventory>,
    at: Timestamp,
) -> IncidentRecord {
    let mut incident = Incident::new(alert.description.clone(), alert.severity());
    incident.id = id;
    incident.created = at;
    incident.updated = at;
    absorb(&mut incident, alert, true);
    if let Some(threat) = incident.threat.as_deref() {
        incident.title = incident_name(threat, place_words(&incident.location, inventory).as_deref());
    }
    let mut record = IncidentRecord::new(incident, SYSTEM_ACTOR, at);
    note_place(&mut record, &alert.safecare.location);
    record.log(at, SYSTEM_ACTOR, TimelineAction::AlertAdded, format!("alert {}: {}", alert.id, alert.description));
    if let Some(run) = &alert.safecare.exercise {
        record.exercise = true;
        record.exercise_run = Some(run.clone());
        record.log(at, SYSTEM_ACTOR, TimelineAction::MarkedExercise, format!("opened by exercise run {run}"));
    }
    attach_for_threat(&mut record, alert, library, at);
    record
}

/// Adds an alert that the grouper routed to this incident, with the reasons
/// it gave, attaches the playbook of any new threat, and renames the
/// incident when its threat or place changed (unless a person titled it).
pub fn add_alert(
    record: &mut IncidentRecord,
    alert: &Alert,
    reasons: &[MatchReason],
    library: &PlaybookLibrary,
    inventory: Option<&Inventory>,
    at: Timestamp,
) -> Result<(), IntakeError> {
    if let Some(into) = record.merged_into {
        return Err(IntakeError::MergedInto { into });
    }
    let status = record.incident.status;
    if !status.is_open() {
        return Err(IntakeError::NotOpen { status });
    }
    if record.incident.alerts.contains(&alert.id) {
        return Err(IntakeError::DuplicateAlert(alert.id));
    }
    let before = record.incident.severity;
    let list = record.incident.alerts.len() < MAX_LISTED_ALERTS;
    let raised = absorb_facts(&mut record.incident, alert, false, list);
    if list {
        let why: Vec<String> = reasons.iter().map(MatchReason::describe).collect();
        let detail = format!("alert {}: {} ({})", alert.id, alert.description, why.join(", "));
        record.log(at, SYSTEM_ACTOR, TimelineAction::AlertAdded, detail);
    } else {
        record.unlisted_alerts += 1;
        if record.unlisted_alerts == 1 {
            let detail = format!(
                "alert {}: {} — the incident lists {MAX_LISTED_ALERTS} alerts; further ones are counted, not listed",
                alert.id, alert.description
            );
            record.log(at, SYSTEM_ACTOR, TimelineAction::AlertAdded, detail);
        }
    }
    if raised {
        let detail = format!("{before} → {}: raised by alert {}", record.incident.severity, alert.id);
        record.log(at, SYSTEM_ACTOR, TimelineAction::SeverityChanged, detail);
    }
    attach_for_threat(record, alert, library, at);
    note_place(record, &alert.safecare.location);
    rename(record, inventory, at);
    Ok(())
}
