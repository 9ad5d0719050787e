//! Playbook tasks on an incident: attaching a playbook, approving, completing
//! and skipping its tasks, with the clinical-safety guardrail that a task
//! needing approval cannot be completed before that approval is recorded.

use jiff::Timestamp;
use safecare_model::{IncidentId, IncidentStatus};
use serde::{Deserialize, Serialize};

use crate::playbook::{Playbook, PlaybookTask, Role};
use crate::record::{IncidentRecord, TimelineAction};

/// Who did something, when, with an optional note.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct Signoff {
    /// Who signed off.
    pub by: String,
    /// When.
    pub at: Timestamp,
    /// Why or how, in their words; may be empty.
    #[serde(default, skip_serializing_if = "String::is_empty")]
    pub note: String,
}

/// Where a task stands.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize, Default)]
#[serde(tag = "state", rename_all = "snake_case")]
pub enum TaskStatus {
    /// Not done yet.
    #[default]
    Pending,
    /// Done, by whom and when.
    Done(Signoff),
    /// Not applicable to this incident; the note says why.
    Skipped(Signoff),
}

/// A playbook task as it stands on one incident. The task's definition is
/// copied in, so the record stays meaningful if the playbook is edited later.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct TaskState {
    /// The id of the playbook the task comes from.
    pub playbook: String,
    /// The task as the playbook defined it when attached.
    pub task: PlaybookTask,
    /// Who approved the task, when it needs approval and has it.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub approval: Option<Signoff>,
    /// Whether it is pending, done or skipped.
    #[serde(default)]
    pub status: TaskStatus,
}

impl TaskState {
    /// `playbook/task`, unique on an incident.
    pub fn key(&self) -> String {
        format!("{}/{}", self.playbook, self.task.id)
    }

    /// Whether the task is neither done nor skipped.
    pub fn is_pending(&self) -> bool {
        self.status == TaskStatus::Pending
    }

    fn matches(&self, key: &str) -> bool {
        key.split_once('/').is_some_and(|(playbook, task)| playbook == self.playbook && task == self.task.id)
    }
}

/// Why a task operation was refused.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum TaskError {
    /// The incident was merged into another and changes only there.
    #[error("the incident was merged into {into} and takes no more changes")]
    MergedInto {
        /// The incident it was merged into.
        into: IncidentId,
    },
    /// The incident is not open.
    #[error("the incident is {}: tasks can only change while it is open", status.as_str())]
    IncidentNotOpen {
        /// The status the incident has.
        status: IncidentStatus,
    },
    /// This playbook's tasks are already on the incident.
    #[error("playbook {0:?} is already attached")]
    AlreadyAttached(String),
    /// No task of the incident has this `playbook/task` key.
    #[error("no task {0:?} on this incident (expected playbook/task)")]
    UnknownTask(String),
    /// The task (named by its title) is already done or skipped.
    #[error("task {task} is already {state}")]
    AlreadyFinished {
        /// The task.
        task: String,
        /// What became of it: done or skipped.
        state: &'static str,
    },
    /// The task needs approval before it can be completed.
    #[error("task {task} needs the approval of a {role} before it can be completed")]
    AwaitingApproval {
        /// The task.
        task: String,
        /// The role that must approve it.
        role: Role,
    },
    /// The task waits for earlier tasks still pending (named by their titles).
    #[error("task {task} must wait for: {}", waiting_for.join(", "))]
    Blocked {
        /// The task.
        task: String,
        /// The earlier tasks still pending.
        waiting_for: Vec<String>,
    },
    /// Approving a task that needs no approval.
    #[error("task {0} does not require approval")]
    NoApprovalRequired(String),
    /// The approver's role is not the one the task requires.
    #[error("task {task} must be approved by a {required}, not a {given}")]
    WrongApproverRole {
        /// The task.
        task: String,
        /// The role the task requires.
        required: Role,
        /// The approver's role.
        given: Role,
    },
    /// The task was already approved.
    #[error("task {task} was already approved by {by}")]
    AlreadyApproved {
        /// The task.
        task: String,
        /// Who approved it.
        by: String,
    },
    /// Skipping a task without saying why.
    #[error("a reason is needed to skip a task")]
    EmptyReason,
    /// Skipping the rest of a playbook the incident does not have.
    #[error("playbook {0:?} is not attached to this incident")]
    UnknownPlaybook(String),
    /// Skipping the rest when no task is pending.
    #[error("no task is pending: nothing to skip")]
    NothingPending,
}

pub(crate) fn check_open(record: &IncidentRecord) -> Result<(), TaskError> {
    if let Some(into) = record.merged_into {
        return Err(TaskError::MergedInto { into });
    }
    let status = record.incident.status;
    if !status.is_open() {
        return Err(TaskError::IncidentNotOpen { status });
    }
    Ok(())
}

fn find<'a>(record: &'a mut IncidentRecord, key: &str) -> Result<&'a mut TaskState, TaskError> {
    record.tasks.iter_mut().find(|t| t.matches(key)).ok_or_else(|| TaskError::UnknownTask(key.to_owned()))
}

fn check_pending(task: &TaskState) -> Result<(), TaskError> {
    let state = match task.status {
        TaskStatus::Pending => return Ok(()),
        TaskStatus::Done(_) => "done",
        TaskStatus::Skipped(_) => "skipped",
    };
    Err(TaskError::AlreadyFinished { task: task.task.title.clone(), state })
}

/// Adds a playbook's tasks (all pending) to the incident.
pub fn attach_playbook(
    record: &mut IncidentRecord,
    playbook: &Playbook,
    actor: &str,
    at: Timestamp,
) -> Result<(), TaskError> {
    check_open(record)?;
    if record.playbooks.contains(&playbook.id) {
        return Err(TaskError::AlreadyAttached(playbook.id.clone()));
    }
    push_playbook(record, playbook, actor, at);
    Ok(())
}

/// Adds the tasks of a playbook the caller knows is not attached yet.
pub(crate) fn push_playbook(record: &mut IncidentRecord, playbook: &Playbook, actor: &str, at: Timestamp) {
    record.playbooks.push(playbook.id.clone());
    record.tasks.extend(playbook.tasks.iter().map(|task| TaskState {
        playbook: playbook.id.clone(),
        task: task.clone(),
        approval: None,
        status: TaskStatus::Pending,
    }));
    let detail = format!("{} ({} tasks)", playbook.id, playbook.tasks.len());
    record.log(at, actor, TimelineAction::PlaybookAttached, detail);
}

/// Records the approval a task requires. The caller (the server) has
/// checked that `approver` really holds `role`; this checks that `role` is
/// the one the task asks for.
pub fn approve_task(
    record: &mut IncidentRecord,
    key: &str,
    approver: &str,
    role: Role,
    note: &str,
    at: Timestamp,
) -> Result<(), TaskError> {
    check_open(record)?;
    let task = find(record, key)?;
    check_pending(task)?;
    let required = task.task.requires_approval.ok_or_else(|| TaskError::NoApprovalRequired(task.task.title.clone()))?;
    if let Some(approval) = &task.approval {
        return Err(TaskError::AlreadyApproved { task: task.task.title.clone(), by: approval.by.clone() });
    }
    if role != required {
        return Err(TaskError::WrongApproverRole { task: task.task.title.clone(), required, given: role });
    }
    task.approval = Some(Signoff { by: approver.to_owned(), at, note: note.trim().to_owned() });
    let detail = format!("{} approved as {role}", task.key());
    record.log(at, approver, TimelineAction::TaskApproved, detail);
    Ok(())
}

/// Marks a task done. Refused while its approval is missing or an earlier
/// task it comes after is still pending.
pub fn complete_task(
    record: &mut IncidentRecord,
    key: &str,
    actor: &str,
    note: &str,
    at: Timestamp,
) -> Result<(), TaskError> {
    check_open(record)?;
    let index =
        record.tasks.iter().position(|t| t.matches(key)).ok_or_else(|| TaskError::UnknownTask(key.to_owned()))?;
    let task = &record.tasks[index];
    check_pending(task)?;
    if let Some(role) = task.task.requires_approval
        && task.approval.is_none()
    {
        return Err(TaskError::AwaitingApproval { task: task.task.title.clone(), role });
    }
    let waiting_for: Vec<String> = task
        .task
        .after
        .iter()
        .filter_map(|after| {
            record.tasks.iter().find(|t| t.playbook == task.playbook && t.task.id == *after).filter(|t| t.is_pending())
        })
        .map(|t| t.task.title.clone())
        .collect();
    if !waiting_for.is_empty() {
        return Err(TaskError::Blocked { task: task.task.title.clone(), waiting_for });
    }
    let task = &mut record.tasks[index];
    task.status = TaskStatus::Done(Signoff { by: actor.to_owned(), at, note: note.trim().to_owned() });
    let detail = task.key();
    record.log(at, actor, TimelineAction::TaskCompleted, detail);
    Ok(())
}

/// Marks a task as not applicable, with a reason. Needs no approval: not
/// running a step is never the risky direction the guardrail protects.
pub fn skip_task(
    record: &mut IncidentRecord,
    key: &str,
    actor: &str,
    reason: &str,
    at: Timestamp,
) -> Result<(), TaskError> {
    check_open(record)?;
    let reason = reason.trim();
    if reason.is_empty() {
        return Err(TaskError::EmptyReason);
    }
    let task = find(record, key)?;
    check_pending(task)?;
    task.status = TaskStatus::Skipped(Signoff { by: actor.to_owned(), at, note: reason.to_owned() });
    let detail = format!("{}: {reason}", task.key());
    record.log(at, actor, TimelineAction::TaskSkipped, detail);
    Ok(())
}
