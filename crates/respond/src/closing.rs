//! Closing an incident that needs no response work: a false positive, a
//! benign event, or a duplicate of another incident. One step closes it,
//! with the reason, and settles its pending playbook tasks with that
//! reason; and skipping the rest of a playbook with one note, when a real
//! incident was handled without some of its steps.

use jiff::Timestamp;
use safecare_model::{IncidentId, IncidentStatus};
use serde::{Deserialize, Serialize};

use crate::merge::{MergeError, merge};
use crate::record::{IncidentRecord, TimelineAction};
use crate::tasks::{Signoff, TaskError, TaskStatus, check_open};

/// Why an incident is closed without being worked through.
#[derive(
    Debug,
    Clone,
    Copy,
    PartialEq,
    Eq,
    Hash,
    Serialize,
    Deserialize,
    strum::IntoStaticStr,
    strum::EnumString,
    strum::EnumIter,
)]
#[serde(rename_all = "snake_case")]
#[strum(serialize_all = "snake_case")]
pub enum Disposition {
    /// The detection was wrong: nothing of the kind happened.
    FalsePositive,
    /// It happened, but it is harmless (a test, an authorised change).
    Benign,
    /// Another incident already covers it; it is merged into that one.
    Duplicate,
}

impl Disposition {
    /// The snake_case name used in the API and the timeline.
    pub fn as_str(self) -> &'static str {
        self.into()
    }
}

/// How an incident was closed without being worked through.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct Closure {
    /// False positive, benign or duplicate.
    pub disposition: Disposition,
    /// Why, in the words of who closed it.
    pub reason: String,
    /// Who closed it.
    pub by: String,
    /// When.
    pub at: Timestamp,
    /// The incident it duplicates, for a duplicate.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub duplicate_of: Option<IncidentId>,
}

/// Why an incident could not be closed with a disposition.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum CloseError {
    /// The incident was merged into another and changes only there.
    #[error("the incident was merged into {into} and takes no more changes")]
    MergedInto {
        /// The incident it was merged into.
        into: IncidentId,
    },
    /// The incident is closed already.
    #[error("the incident is already closed")]
    AlreadyClosed,
    /// No reason was given.
    #[error("a reason is needed to close an incident as {}", .0.as_str())]
    EmptyReason(Disposition),
    /// A duplicate without the incident it duplicates.
    #[error("closing as duplicate needs duplicate_of: the incident this one duplicates")]
    NoOriginal,
    /// An original named for a disposition that is not duplicate.
    #[error("duplicate_of is only for closing as duplicate, not as {}", .0.as_str())]
    OriginalNotDuplicate(Disposition),
    /// Regulatory reports are still owed: the clocks run whatever the disposition.
    #[error("cannot close while regulatory reports are owed: {}; record them as submitted first", clocks.join(", "))]
    ReportsOwed {
        /// The clocks still running.
        clocks: Vec<String>,
    },
    /// Merging into the original was refused.
    #[error("cannot merge into the original incident: {0}")]
    Merge(#[source] MergeError),
}

fn check_closable(record: &IncidentRecord, disposition: Disposition, reason: &str) -> Result<(), CloseError> {
    if let Some(into) = record.merged_into {
        return Err(CloseError::MergedInto { into });
    }
    if record.incident.status == IncidentStatus::Closed {
        return Err(CloseError::AlreadyClosed);
    }
    if reason.is_empty() {
        return Err(CloseError::EmptyReason(disposition));
    }
    let clocks: Vec<String> =
        record.clocks.iter().filter(|c| c.submitted.is_none()).map(|c| c.kind.label().to_owned()).collect();
    if !clocks.is_empty() {
        return Err(CloseError::ReportsOwed { clocks });
    }
    Ok(())
}

/// Marks every pending task skipped with one sign-off; returns how many.
fn settle_tasks(record: &mut IncidentRecord, playbook: Option<&str>, signoff: &Signoff) -> usize {
    let mut skipped = 0;
    for task in record.tasks.iter_mut().filter(|t| t.is_pending() && playbook.is_none_or(|p| t.playbook == p)) {
        task.status = TaskStatus::Skipped(signoff.clone());
        skipped += 1;
    }
    skipped
}

/// Closes the incident as a false positive or benign, from any open
/// status: its pending tasks are skipped with the reason, and one timeline
/// entry says so. A duplicate goes through [`close_as_duplicate`].
pub fn close_as(
    record: &mut IncidentRecord,
    disposition: Disposition,
    reason: &str,
    actor: &str,
    at: Timestamp,
) -> Result<(), CloseError> {
    if disposition == Disposition::Duplicate {
        return Err(CloseError::NoOriginal);
    }
    let reason = reason.trim();
    check_closable(record, disposition, reason)?;
    let from = record.incident.status;
    finish(record, from, disposition, reason, None, actor, at);
    Ok(())
}

/// Closes `duplicate` as a duplicate of `original`: it is merged into the
/// original (its alerts, and its tasks where the original lacks them, carry
/// on there), and its own copy of the pending tasks is settled.
pub fn close_as_duplicate(
    duplicate: &mut IncidentRecord,
    original: &mut IncidentRecord,
    reason: &str,
    actor: &str,
    at: Timestamp,
) -> Result<(), CloseError> {
    let reason = reason.trim();
    check_closable(duplicate, Disposition::Duplicate, reason)?;
    let from = duplicate.incident.status;
    merge(original, duplicate, actor, at).map_err(CloseError::Merge)?;
    finish(duplicate, from, Disposition::Duplicate, reason, Some(original.id()), actor, at);
    Ok(())
}

fn finish(
    record: &mut IncidentRecord,
    from: IncidentStatus,
    disposition: Disposition,
    reason: &str,
    duplicate_of: Option<IncidentId>,
    actor: &str,
    at: Timestamp,
) {
    let signoff = Signoff { by: actor.to_owned(), at, note: format!("closed as {}: {reason}", disposition.as_str()) };
    let skipped = settle_tasks(record, None, &signoff);
    record.incident.status = IncidentStatus::Closed;
    record.closure = Some(Closure { disposition, reason: reason.to_owned(), by: actor.to_owned(), at, duplicate_of });
    let mut detail = format!("close as {}: {} → closed: {reason}", disposition.as_str(), from.as_str());
    if let Some(original) = duplicate_of {
        detail.push_str(&format!(" (duplicate of {original})"));
    }
    if skipped > 0 {
        detail.push_str(&format!("; {skipped} pending tasks skipped"));
    }
    record.log(at, actor, TimelineAction::StatusChanged, detail);
}

/// Skips every pending task, of one playbook or of all, with one note and
/// one timeline entry; returns how many were skipped.
pub fn skip_remaining(
    record: &mut IncidentRecord,
    playbook: Option<&str>,
    actor: &str,
    reason: &str,
    at: Timestamp,
) -> Result<usize, TaskError> {
    check_open(record)?;
    let reason = reason.trim();
    if reason.is_empty() {
        return Err(TaskError::EmptyReason);
    }
    if let Some(playbook) = playbook
        && !record.playbooks.iter().any(|p| p == playbook)
    {
        return Err(TaskError::UnknownPlaybook(playbook.to_owned()));
    }
    let signoff = Signoff { by: actor.to_owned(), at, note: reason.to_owned() };
    let skipped = settle_tasks(record, playbook, &signoff);
    if skipped == 0 {
        return Err(TaskError::NothingPending);
    }
    let detail = format!("{skipped} tasks of {}: {reason}", playbook.unwrap_or("every playbook"));
    record.log(at, actor, TimelineAction::TaskSkipped, detail);
    Ok(skipped)
}
