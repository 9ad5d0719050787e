//! The incident lifecycle: new → acknowledged → in progress → resolved →
//! closed, and reopen.
//!
//! The state machine is strict on purpose: skipping acknowledgement hides
//! who took an incident on, and resolving with playbook tasks still open or
//! closing with a regulatory report still owed is exactly the "forgotten
//! step" the response process exists to prevent.

use jiff::Timestamp;
use safecare_model::{IncidentId, IncidentStatus};
use serde::{Deserialize, Serialize};

use crate::record::{IncidentRecord, TimelineAction};

/// A change of status someone asks for.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize, Deserialize, strum::IntoStaticStr, strum::EnumString)]
#[serde(rename_all = "snake_case")]
#[strum(serialize_all = "snake_case")]
pub enum Transition {
    /// new → acknowledged: someone has seen it and owns the triage.
    Acknowledge,
    /// acknowledged → in progress: response work has started.
    Start,
    /// in progress → resolved: the threat is contained and recovered from.
    Resolve,
    /// resolved → closed: reviewed, nothing more to do.
    Close,
    /// resolved or closed → in progress: it was not over after all.
    Reopen,
}

impl Transition {
    /// Every transition, in lifecycle order.
    pub const ALL: [Transition; 5] =
        [Transition::Acknowledge, Transition::Start, Transition::Resolve, Transition::Close, Transition::Reopen];

    /// The status the transition leads to.
    pub fn target(self) -> IncidentStatus {
        match self {
            Transition::Acknowledge => IncidentStatus::Acknowledged,
            Transition::Start | Transition::Reopen => IncidentStatus::InProgress,
            Transition::Resolve => IncidentStatus::Resolved,
            Transition::Close => IncidentStatus::Closed,
        }
    }

    /// The snake_case name used in the API and the timeline.
    pub fn as_str(self) -> &'static str {
        self.into()
    }
}

/// Why a transition was refused.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum TransitionError {
    /// The incident already has the status the transition leads to.
    #[error("the incident is already {}", status.as_str())]
    AlreadyInState {
        /// The status the incident has.
        status: IncidentStatus,
    },
    /// The incident has moved beyond the step the transition would take.
    #[error("cannot {}: the incident is already {}, past that step", transition.as_str(), status.as_str())]
    AlreadyPast {
        /// The transition asked for.
        transition: Transition,
        /// The status the incident has.
        status: IncidentStatus,
    },
    /// Starting work on an incident nobody has acknowledged.
    #[error("cannot start work on a new incident: acknowledge it first")]
    NotAcknowledged,
    /// Starting work on a resolved incident, which needs a reopen.
    #[error("the incident is resolved: reopen it to resume work")]
    UseReopen,
    /// Resolving an incident on which work has not started.
    #[error("cannot resolve an incident that is {}: start work on it first", status.as_str())]
    NotInProgress {
        /// The status the incident has.
        status: IncidentStatus,
    },
    /// Closing an incident that is not resolved.
    #[error("cannot close an incident that is {}: resolve it first", status.as_str())]
    NotResolved {
        /// The status the incident has.
        status: IncidentStatus,
    },
    /// Reopening an incident that is still open.
    #[error("cannot reopen an incident that is still open ({})", status.as_str())]
    StillOpen {
        /// The status the incident has.
        status: IncidentStatus,
    },
    /// The incident is closed; only a reopen is allowed.
    #[error("the incident is closed: reopen it before any other change")]
    IncidentClosed,
    /// The incident was merged into another and changes only there.
    #[error("the incident was merged into {into} and takes no more changes")]
    MergedInto {
        /// The incident it was merged into.
        into: IncidentId,
    },
    /// Resolving while playbook tasks (listed by title) are still pending.
    #[error(
        "cannot resolve while {} playbook tasks are pending: {}; complete them, skip the rest with one note, \
         or close the incident as a false positive or benign",
        tasks.len(),
        listed(tasks)
    )]
    PendingTasks {
        /// The pending tasks' titles.
        tasks: Vec<String>,
    },
    /// Closing while regulatory reports (listed by clock) are still owed.
    #[error("cannot close while regulatory reports are owed: {}", clocks.join(", "))]
    ReportsOwed {
        /// The clocks still running.
        clocks: Vec<String>,
    },
}

/// How many pending tasks an error names before "and N more".
const NAMED_TASKS: usize = 5;

fn listed(tasks: &[String]) -> String {
    let mut text = tasks.iter().take(NAMED_TASKS).map(|t| format!("\"{t}\"")).collect::<Vec<_>>().join(", ");
    if tasks.len() > NAMED_TASKS {
        text.push_str(&format!(" and {} more", tasks.len() - NAMED_TASKS));
    }
    text
}

/// Whether `transition` is allowed from `from` by the state machine alone,
/// and the status it leads to.
pub fn check_transition(from: IncidentStatus, transition: Transition) -> Result<IncidentStatus, TransitionError> {
    use IncidentStatus as S;
    use Transition as T;
    let to = transition.target();
    match (from, transition) {
        (S::New, T::Acknowledge)
        | (S::Acknowledged, T::Start)
        | (S::InProgress, T::Resolve)
        | (S::Resolved, T::Close)
        | (S::Resolved | S::Closed, T::Reopen) => Ok(to),
        (S::Acknowledged, T::Acknowledge)
        | (S::InProgress, T::Start)
        | (S::Resolved, T::Resolve)
        | (S::Closed, T::Close) => Err(TransitionError::AlreadyInState { status: from }),
        (S::Closed, _) => Err(TransitionError::IncidentClosed),
        (S::New | S::Acknowledged | S::InProgress, T::Reopen) => Err(TransitionError::StillOpen { status: from }),
        (S::New, T::Start) => Err(TransitionError::NotAcknowledged),
        (S::Resolved, T::Start) => Err(TransitionError::UseReopen),
        (S::InProgress | S::Resolved, T::Acknowledge) => Err(TransitionError::AlreadyPast { transition, status: from }),
        (S::New | S::Acknowledged, T::Resolve) => Err(TransitionError::NotInProgress { status: from }),
        (S::New | S::Acknowledged | S::InProgress, T::Close) => Err(TransitionError::NotResolved { status: from }),
    }
}

/// Applies a transition to a record, checking the state machine and the
/// record's own guards (merged away, tasks pending, reports owed), and logs
/// it with its actor.
pub fn apply_transition(
    record: &mut IncidentRecord,
    transition: Transition,
    actor: &str,
    at: Timestamp,
) -> Result<(), TransitionError> {
    if let Some(into) = record.merged_into {
        return Err(TransitionError::MergedInto { into });
    }
    let from = record.incident.status;
    let to = check_transition(from, transition)?;
    match transition {
        Transition::Resolve => {
            let tasks: Vec<String> =
                record.tasks.iter().filter(|t| t.is_pending()).map(|t| t.task.title.clone()).collect();
            if !tasks.is_empty() {
                return Err(TransitionError::PendingTasks { tasks });
            }
        }
        Transition::Close => {
            let clocks: Vec<String> =
                record.clocks.iter().filter(|c| c.submitted.is_none()).map(|c| c.kind.as_str().to_owned()).collect();
            if !clocks.is_empty() {
                return Err(TransitionError::ReportsOwed { clocks });
            }
        }
        _ => {}
    }
    record.incident.status = to;
    if transition == Transition::Reopen {
        record.closure = None;
    }
    let detail = format!("{}: {} → {}", transition.as_str(), from.as_str(), to.as_str());
    record.log(at, actor, TimelineAction::StatusChanged, detail);
    Ok(())
}
