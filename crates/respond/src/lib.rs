//! Incident response for SafeCare: what happens once detection has raised alerts.
//!
//! This crate owns the *logic* of incidents, as pure functions over serde
//! types that the store persists as JSON:
//!
//! - [`IncidentRecord`]: an [`Incident`] with its timeline, comments, playbook
//!   tasks and regulatory clocks; every change goes through a function here
//!   that records who made it, when, in the [`TimelineEntry`] list.
//! - the lifecycle ([`Transition`], [`apply_transition`]): new → acknowledged
//!   → in progress → resolved → closed, and reopen, with a specific
//!   [`TransitionError`] for every refused step;
//! - editing ([`assign`], [`set_severity`], [`add_tag`], [`add_comment`]…),
//!   [`merge`] and [`split`];
//! - grouping ([`Grouper`]): which open incident an incoming alert joins;
//! - playbooks ([`PlaybookLibrary`]) loaded from YAML, their tasks on the
//!   incident, and the clinical-safety approval guardrail;
//! - NIS2 and GDPR Art. 33 clocks, their reminders and report templates;
//! - closing without response work ([`close_as`]: false positive, benign,
//!   duplicate) and skipping the rest of a playbook with one note;
//! - incident names from threat and place ([`rename`]), following the
//!   alerts until a person titles the incident.
//!
//! - impact assessment of incidents ([`try_assess`]): the detection threat
//!   mapped to the impact model's, the candidate mitigations the playbooks
//!   carry out, the report attached;
//! - CAP 1.2 messages to first responders ([`cap`]): drafted from an
//!   incident, approved by a crisis manager, with their Update/Cancel chain
//!   and Atom feed;
//! - hospital availability ([`availability`]): each clinical service's
//!   status from the open incidents' impact, a crisis manager's overrides,
//!   the changes the history keeps; its EDXL-HAVE 2.0 document ([`have`]);
//! - notifications ([`notify`]): routes, the on-call roster, escalation,
//!   de-duplication, the outbox's retry rules, one file per channel;
//! - the [`Incidents`] service that runs all of the above for the running
//!   system (grouping alerts in batches, changes under one lock, reminders),
//!   over an [`IncidentRepository`] (load/save records, their alerts, the
//!   current inventory) that the server implements.
//!
//! It does not own storage, the HTTP API, the live feed or authentication:
//! the server implements the repository and the notification outbox and
//! persists, announces and audits what it is given. The decision functions
//! take time in (`at`, `now`), never read the clock, so they are
//! deterministic and testable; only the service reads it.
//!
//! [`Incident`]: safecare_model::Incident

mod assessment;
pub mod availability;
mod bundled;
pub mod cap;
pub mod cap_draft;
mod clocks;
mod closing;
mod edit;
mod grouping;
pub mod have;
mod impact;
mod intake;
mod lifecycle;
mod merge;
mod naming;
pub mod notify;
mod playbook;
mod playbook_text;
mod record;
mod reports;
mod repository;
mod service;
mod tasks;

pub use assessment::{ImpactError, try_assess};
pub use bundled::{PlaybooksError, load_playbooks};
pub use clocks::{
    ClockConfig, ClockError, ClockKind, RegulatoryClock, Reminder, ReminderStage, mark_personal_data_breach,
    mark_significant, record_reminder_sent, record_submission, reminders_due,
};
pub use closing::{CloseError, Closure, Disposition, close_as, close_as_duplicate, skip_remaining};
pub use edit::{EditError, add_comment, add_tag, assign, remove_tag, set_exercise, set_severity, set_title};
pub use grouping::{GroupDecision, Grouper, GroupingRules, LocationLevel, MatchReason};
pub use impact::{IncidentImpact, attach_impact, impact_is_current, impact_seeds};
pub use intake::{IntakeError, MAX_LISTED_ALERTS, add_alert, open_from_alert};
pub use lifecycle::{Transition, TransitionError, apply_transition, check_transition};
pub use merge::{MergeError, SplitError, SplitRequest, merge, split};
pub use naming::{incident_name, place_words, rename, threat_words};
pub use playbook::{Cause, LoadError, Playbook, PlaybookError, PlaybookLibrary, PlaybookTask, Role};
pub use playbook_text::{playbook_message_id, playbook_summary, playbook_title, task_message_id, task_title};
pub use record::{Comment, IncidentRecord, Marking, SYSTEM_ACTOR, TimelineAction, TimelineEntry};
pub use reports::{ReportContext, ReportKind, render_report, render_report_in};
pub use repository::{IncidentRepository, RepositoryError};
pub use service::{IncidentError, IncidentRules, Incidents, IncidentsConfig, StartError};
pub use tasks::{Signoff, TaskError, TaskState, TaskStatus, approve_task, attach_playbook, complete_task, skip_task};
