//! Merging two incidents that turn out to be one, and splitting alerts off
//! an incident that turns out to be two.

use jiff::Timestamp;
use safecare_model::{Alert, AlertId, Incident, IncidentId, IncidentStatus};

use crate::intake::{attach_for_threat, common_location, rederive};
use crate::naming::note_place;
use crate::playbook::PlaybookLibrary;
use crate::record::{IncidentRecord, TimelineAction, TimelineEntry};
use crate::tasks::TaskState;

/// Why a merge was refused.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum MergeError {
    /// Both ids name the same incident.
    #[error("cannot merge an incident into itself")]
    SameIncident,
    /// One of the incidents was already merged away.
    #[error("incident {id} was already merged into {into}")]
    AlreadyMerged {
        /// The incident already merged.
        id: IncidentId,
        /// The incident it was merged into.
        into: IncidentId,
    },
    /// One of the incidents is closed.
    #[error("incident {id} is closed: reopen it first")]
    Closed {
        /// The incident.
        id: IncidentId,
    },
    /// The incident merged into is resolved or closed.
    #[error("cannot merge into incident {id}, which is {}: merge into an open incident", status.as_str())]
    TargetNotOpen {
        /// The incident merged into.
        id: IncidentId,
        /// Its status.
        status: IncidentStatus,
    },
}

/// Why a split was refused.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum SplitError {
    /// The incident was merged into another and changes only there.
    #[error("the incident was merged into {into}")]
    MergedInto {
        /// The incident it was merged into.
        into: IncidentId,
    },
    /// The incident is resolved or closed.
    #[error("the incident is {}: split only open incidents", status.as_str())]
    NotOpen {
        /// The status the incident has.
        status: IncidentStatus,
    },
    /// No alert was chosen to move.
    #[error("no alerts chosen to split off")]
    NothingChosen,
    /// A chosen alert is not one of the incident's.
    #[error("alert {0} is not part of the incident")]
    UnknownAlert(AlertId),
    /// Every alert was chosen, which would empty the incident.
    #[error("splitting off every alert would leave the incident empty")]
    AllAlerts,
    /// An alert the incident lists was not among the alerts passed in.
    #[error("alert {0} of the incident was not provided")]
    MissingAlert(AlertId),
    /// The new incident's title is blank.
    #[error("the new incident's title is empty")]
    EmptyTitle,
}

/// What to split off and into what.
#[derive(Debug, Clone, Copy)]
pub struct SplitRequest<'a> {
    /// All alerts of the incident (the store has them); needed to recompute
    /// both incidents' assets, place, severity and threat.
    pub alerts: &'a [Alert],
    /// The alerts that move to the new incident.
    pub chosen: &'a [AlertId],
    /// The id the new incident gets.
    pub new_id: IncidentId,
    /// The new incident's title.
    pub title: &'a str,
}

/// The more advanced of two states of the same task.
fn merge_task(into: &mut TaskState, from: &TaskState) {
    if into.is_pending() && !from.is_pending() {
        into.status = from.status.clone();
    }
    if into.approval.is_none() {
        into.approval = from.approval.clone();
    }
}

/// Merges `from` into `into`: alerts, assets, tags, comments, tasks, clocks
/// and timeline move over; `from` is closed with a pointer to `into`.
pub fn merge(
    into: &mut IncidentRecord,
    from: &mut IncidentRecord,
    actor: &str,
    at: Timestamp,
) -> Result<(), MergeError> {
    if into.id() == from.id() {
        return Err(MergeError::SameIncident);
    }
    for record in [&*into, &*from] {
        if let Some(target) = record.merged_into {
            return Err(MergeError::AlreadyMerged { id: record.id(), into: target });
        }
        if record.incident.status == IncidentStatus::Closed {
            return Err(MergeError::Closed { id: record.id() });
        }
    }
    if !into.incident.status.is_open() {
        return Err(MergeError::TargetNotOpen { id: into.id(), status: into.incident.status });
    }
    merge_incident_fields(&mut into.incident, &from.incident);

    let first_number = into.comments.last().map_or(1, |c| c.number + 1);
    into.comments.extend(from.comments.iter().cloned().zip(first_number..).map(|(mut c, number)| {
        c.number = number;
        c
    }));

    for task in &from.tasks {
        match into.tasks.iter_mut().find(|t| t.playbook == task.playbook && t.task.id == task.task.id) {
            Some(existing) => merge_task(existing, task),
            None => into.tasks.push(task.clone()),
        }
    }
    for playbook in &from.playbooks {
        if !into.playbooks.contains(playbook) {
            into.playbooks.push(playbook.clone());
        }
    }

    for clock in &from.clocks {
        match into.clocks.iter_mut().find(|c| c.kind == clock.kind) {
            // The stricter deadline wins; a submission on either counts.
            Some(existing) => {
                if existing.submitted.is_none() {
                    if clock.submitted.is_some() {
                        *existing = clock.clone();
                    } else if clock.due < existing.due {
                        existing.started = clock.started;
                        existing.due = clock.due;
                        existing.reminders_sent = clock.reminders_sent.clone();
                    }
                }
            }
            None => into.clocks.push(clock.clone()),
        }
    }
    for (mine, theirs) in
        [(&mut into.significant, &from.significant), (&mut into.personal_data_breach, &from.personal_data_breach)]
    {
        match (mine.as_ref(), theirs) {
            (None, Some(marking)) => *mine = Some(marking.clone()),
            (Some(current), Some(marking)) if marking.aware_at < current.aware_at => *mine = Some(marking.clone()),
            _ => {}
        }
    }
    for place in &from.places {
        note_place(into, place);
    }
    into.unlisted_alerts += from.unlisted_alerts;
    if into.impact_summary.is_none() {
        into.impact_summary = from.impact_summary.clone();
        into.impact = from.impact.clone();
    }

    // One timeline for the merged incident: the other's history, marked as
    // such, in time order with this one's.
    let prefix = format!("[{}] ", from.id());
    into.timeline
        .extend(from.timeline.iter().map(|e| TimelineEntry { detail: format!("{prefix}{}", e.detail), ..e.clone() }));
    into.timeline.sort_by_key(|e| e.at);
    into.log(at, actor, TimelineAction::MergedFrom, format!("{} \"{}\"", from.id(), from.incident.title));

    from.incident.status = IncidentStatus::Closed;
    from.merged_into = Some(into.id());
    from.log(at, actor, TimelineAction::MergedInto, into.id().to_string());
    Ok(())
}

fn merge_incident_fields(into: &mut Incident, from: &Incident) {
    for alert in &from.alerts {
        if !into.alerts.contains(alert) {
            into.alerts.push(*alert);
        }
    }
    for asset in &from.assets {
        if !into.assets.contains(asset) {
            into.assets.push(asset.clone());
        }
    }
    for tag in &from.tags {
        if !into.tags.contains(tag) {
            into.tags.push(tag.clone());
        }
    }
    into.location = common_location(&into.location, &from.location);
    if from.severity > into.severity || into.threat.is_none() {
        into.threat = from.threat.clone().or(into.threat.take());
    }
    into.severity = into.severity.max(from.severity);
    if into.assignee.is_none() {
        into.assignee = from.assignee.clone();
    }
}

/// Moves the chosen alerts of `source` into a new incident (status new,
/// with the playbooks of its alerts' threats) and returns it. Both
/// incidents' alert-derived fields are recomputed.
pub fn split(
    source: &mut IncidentRecord,
    request: SplitRequest<'_>,
    library: &PlaybookLibrary,
    actor: &str,
    at: Timestamp,
) -> Result<IncidentRecord, SplitError> {
    if let Some(into) = source.merged_into {
        return Err(SplitError::MergedInto { into });
    }
    let status = source.incident.status;
    if !status.is_open() {
        return Err(SplitError::NotOpen { status });
    }
    let title = request.title.trim();
    if title.is_empty() {
        return Err(SplitError::EmptyTitle);
    }
    if request.chosen.is_empty() {
        return Err(SplitError::NothingChosen);
    }
    if let Some(unknown) = request.chosen.iter().find(|id| !source.incident.alerts.contains(id)) {
        return Err(SplitError::UnknownAlert(*unknown));
    }
    if source.incident.alerts.iter().all(|id| request.chosen.contains(id)) {
        return Err(SplitError::AllAlerts);
    }
    // In the incident's own order (oldest first), every one present.
    let mut ordered: Vec<&Alert> = Vec::with_capacity(source.incident.alerts.len());
    for id in &source.incident.alerts {
        let alert = request.alerts.iter().find(|a| a.id == *id).ok_or(SplitError::MissingAlert(*id))?;
        ordered.push(alert);
    }
    let (moved, kept): (Vec<&Alert>, Vec<&Alert>) = ordered.into_iter().partition(|a| request.chosen.contains(&a.id));

    let mut incident = Incident::new(title, safecare_model::Severity::Info);
    incident.id = request.new_id;
    incident.created = at;
    incident.updated = at;
    rederive(&mut incident, &moved);
    let mut split_off = IncidentRecord::new(incident, actor, at);
    // A person named it when asking for the split.
    split_off.title_by_person = true;
    for alert in &moved {
        note_place(&mut split_off, &alert.safecare.location);
    }
    let detail = format!("{} alerts from {} \"{}\"", moved.len(), source.id(), source.incident.title);
    split_off.log(at, actor, TimelineAction::SplitFrom, detail);
    for alert in &moved {
        attach_for_threat(&mut split_off, alert, library, at);
    }

    rederive(&mut source.incident, &kept);
    source.places.clear();
    for alert in &kept {
        note_place(source, &alert.safecare.location);
    }
    let detail = format!("{} alerts to {} \"{}\"", moved.len(), split_off.id(), title);
    source.log(at, actor, TimelineAction::SplitInto, detail);
    Ok(split_off)
}
