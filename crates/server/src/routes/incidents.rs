//! Incidents over the API: list and filter, the whole record, and every
//! change the response process allows (status, assignee, severity, tags,
//! comments, playbook tasks with their approvals, skipping the rest of a
//! playbook, closing as false positive, benign or duplicate, regulatory
//! markings and reports, merge and split, impact reassessment), each
//! recorded on the incident's timeline under the caller's name.

use std::str::FromStr;
use std::sync::Arc;

use axum::Json;
use axum::extract::{Extension, Path, Query, State};
use axum::http::{StatusCode, header};
use axum::response::{IntoResponse, Response};
use jiff::Timestamp;
use safecare_model::{Alert, AlertId, Incident, IncidentId, IncidentStatus, Language, Role as AccountRole, Severity};
use safecare_respond::{
    CloseError, Disposition, IncidentError, IncidentRecord, Incidents, Playbook, ReportContext, ReportKind,
    Role as TaskRole, TaskError, Transition, add_comment, add_tag, apply_transition, approve_task, assign,
    attach_playbook, close_as, complete_task, mark_personal_data_breach, mark_significant, record_submission,
    remove_tag, render_report_in, set_exercise, set_severity, set_title, skip_remaining, skip_task,
};
use safecare_store::{AccountStore, IncidentQuery, Store};
use serde::{Deserialize, Serialize};
use serde_json::json;

use super::params::parse;
use crate::auth::Principal;
use crate::error::ApiError;
use crate::privacy::Privacy;
use crate::web::report_document;

fn conflict(err: impl std::fmt::Display) -> ApiError {
    ApiError::new(StatusCode::CONFLICT, err.to_string())
}

fn incident_id(id: &str) -> Result<IncidentId, ApiError> {
    id.parse().map_err(|e: safecare_model::ParseIdError| ApiError::bad_request(format!("invalid incident id: {e}")))
}

/// The incident named in a path: 400 for a malformed id, 404 for an unknown one.
pub(crate) async fn existing(incidents: &Incidents, id: &str) -> Result<IncidentRecord, ApiError> {
    let id = incident_id(id)?;
    incidents.get(id).await?.ok_or_else(|| ApiError::not_found(format!("no incident {id}")))
}

/// A snake_case name of one of the response crate's enums.
fn named<T: FromStr>(what: &str, name: &str) -> Result<T, ApiError> {
    name.parse().map_err(|_| ApiError::bad_request(format!("unknown {what} {name:?}")))
}

#[derive(Debug, Default, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct ListParams {
    status: Option<String>,
    /// `true`: only incidents still to act on.
    open: Option<String>,
    min_severity: Option<String>,
    assignee: Option<String>,
    asset: Option<String>,
    tag: Option<String>,
    threat: Option<String>,
    offset: Option<String>,
    limit: Option<String>,
}

#[derive(Debug, Serialize)]
pub struct IncidentPage {
    /// How many incidents match, over all pages.
    total: u64,
    incidents: Vec<Incident>,
}

/// Incidents, most recently updated first.
pub async fn list(
    State(store): State<Arc<dyn Store>>,
    params: Result<Query<ListParams>, axum::extract::rejection::QueryRejection>,
) -> Result<Json<IncidentPage>, ApiError> {
    let Query(p) = params.map_err(|e| ApiError::bad_request(e.body_text()))?;
    let status = p.status.filter(|s| !s.is_empty()).map(|s| named::<IncidentStatus>("status", &s)).transpose()?;
    let query = IncidentQuery {
        status,
        open_only: parse::<bool>("open", p.open)?.unwrap_or(false),
        min_severity: parse::<Severity>("min_severity", p.min_severity)?,
        assignee: p.assignee.filter(|v| !v.is_empty()),
        asset: p.asset.filter(|v| !v.is_empty()),
        tag: p.tag.filter(|v| !v.is_empty()),
        threat: p.threat.filter(|v| !v.is_empty()),
        updated_since: None,
        offset: parse::<usize>("offset", p.offset)?.unwrap_or(0),
        limit: parse::<usize>("limit", p.limit)?.unwrap_or(100),
    };
    let total = store.count_incidents(query.clone()).await?;
    let incidents = store.list_incidents(query).await?.into_iter().map(|s| s.incident).collect();
    Ok(Json(IncidentPage { total, incidents }))
}

/// One incident's whole record: timeline, comments, tasks, clocks, impact.
pub async fn get_one(
    State(incidents): State<Incidents>,
    Path(id): Path<String>,
) -> Result<Json<IncidentRecord>, ApiError> {
    existing(&incidents, &id).await.map(Json)
}

/// The record and its alerts as one JSON document to keep or hand over;
/// audited, as every export is.
pub async fn export(
    State(incidents): State<Incidents>,
    State(privacy): State<Arc<Privacy>>,
    Extension(principal): Extension<Principal>,
    Path(id): Path<String>,
) -> Result<Response, ApiError> {
    let record = existing(&incidents, &id).await?;
    let id = record.incident.id;
    let alerts = incidents.alerts(&record).await?;
    let detail = format!("{} alerts", alerts.len());
    let _ = privacy.record(&principal.name, "incident.export", &id.to_string(), &detail).await;
    let body = json!({ "exported_at": Timestamp::now(), "record": record, "alerts": alerts });
    let disposition = format!("attachment; filename=\"incident-{id}.json\"");
    Ok(([(header::CONTENT_DISPOSITION, disposition)], Json(body)).into_response())
}

#[derive(Debug, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct Edit {
    title: Option<String>,
    severity: Option<Severity>,
    /// Why the severity changes; kept on the timeline.
    severity_reason: Option<String>,
    /// A user name to assign, or `null` to unassign.
    #[serde(default, with = "serde_with_null")]
    assignee: Option<Option<String>>,
    #[serde(default)]
    add_tags: Vec<String>,
    #[serde(default)]
    remove_tags: Vec<String>,
}

/// `assignee` absent (no change) is told apart from `null` (unassign).
mod serde_with_null {
    use serde::{Deserialize, Deserializer};

    pub fn deserialize<'de, D: Deserializer<'de>>(d: D) -> Result<Option<Option<String>>, D::Error> {
        Ok(Some(Option::deserialize(d)?))
    }
}

/// Title, severity, assignee and tags, all or none: the first refused
/// change refuses the request.
pub async fn update(
    State(incidents): State<Incidents>,
    State(accounts): State<Arc<dyn AccountStore>>,
    Extension(principal): Extension<Principal>,
    Path(id): Path<String>,
    Json(edit): Json<Edit>,
) -> Result<Json<IncidentRecord>, ApiError> {
    let id = incident_id(&id)?;
    if let Some(Some(name)) = &edit.assignee
        && accounts.get_user(name).await?.is_none_or(|u| u.disabled)
    {
        return Err(ApiError::bad_request(format!("no active user {name:?} to assign")));
    }
    let actor = principal.name.as_str();
    let record = incidents
        .change(id, |record, _| {
            let now = Timestamp::now();
            let refused =
                |e: safecare_respond::EditError| ApiError::new(StatusCode::UNPROCESSABLE_ENTITY, e.to_string());
            if let Some(title) = &edit.title {
                set_title(record, title, actor, now).map_err(refused)?;
            }
            if let Some(severity) = edit.severity {
                set_severity(record, severity, edit.severity_reason.as_deref(), actor, now).map_err(refused)?;
            }
            if let Some(assignee) = &edit.assignee {
                assign(record, assignee.as_deref(), actor, now).map_err(refused)?;
            }
            for tag in &edit.add_tags {
                add_tag(record, tag, actor, now).map_err(refused)?;
            }
            for tag in &edit.remove_tags {
                remove_tag(record, tag, actor, now).map_err(refused)?;
            }
            Ok::<_, ApiError>(())
        })
        .await?;
    Ok(Json(record))
}

#[derive(Debug, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct TransitionRequest {
    /// `acknowledge`, `start`, `resolve`, `close` or `reopen`.
    transition: String,
}

/// Moves the incident through its lifecycle; a refused step answers 409
/// with the reason (pending tasks, reports owed, wrong order).
pub async fn transition(
    State(incidents): State<Incidents>,
    Extension(principal): Extension<Principal>,
    Path(id): Path<String>,
    Json(ask): Json<TransitionRequest>,
) -> Result<Json<IncidentRecord>, ApiError> {
    let id = incident_id(&id)?;
    let step: Transition = named("transition", &ask.transition)?;
    let record = incidents
        .change(id, |record, _| apply_transition(record, step, &principal.name, Timestamp::now()).map_err(conflict))
        .await?;
    Ok(Json(record))
}

#[derive(Debug, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct CloseRequest {
    /// `false_positive`, `benign` or `duplicate`.
    disposition: String,
    /// Why; required.
    #[serde(default)]
    reason: String,
    /// For a duplicate: the incident it duplicates, which it is merged into.
    duplicate_of: Option<String>,
}

/// Closes an incident that needs no response work, from any open status,
/// in one step: its pending tasks are skipped with the reason; a duplicate
/// is merged into the incident it duplicates. Answers the closed record.
pub async fn close(
    State(incidents): State<Incidents>,
    Extension(principal): Extension<Principal>,
    Path(id): Path<String>,
    Json(ask): Json<CloseRequest>,
) -> Result<Json<IncidentRecord>, ApiError> {
    let id = incident_id(&id)?;
    let disposition: Disposition = named("disposition", &ask.disposition)?;
    let actor = principal.name.as_str();
    let record = match (disposition, ask.duplicate_of.as_deref().filter(|d| !d.trim().is_empty())) {
        (Disposition::Duplicate, Some(original)) => {
            let original = incident_id(original.trim())?;
            incidents.close_duplicate(id, original, &ask.reason, actor).await?
        }
        (Disposition::Duplicate, None) => return Err(ApiError::from(IncidentError::Close(CloseError::NoOriginal))),
        (other, Some(_)) => {
            return Err(ApiError::from(IncidentError::Close(CloseError::OriginalNotDuplicate(other))));
        }
        (other, None) => {
            incidents
                .change(id, |record, _| {
                    close_as(record, other, &ask.reason, actor, Timestamp::now()).map_err(IncidentError::Close)
                })
                .await?
        }
    };
    Ok(Json(record))
}

#[derive(Debug, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct SkipRestRequest {
    /// One playbook's id; every playbook's pending tasks when absent.
    playbook: Option<String>,
    /// Why they are skipped; required.
    #[serde(default)]
    note: String,
}

/// Skips every pending task (of one playbook, or of all) with one note.
pub async fn skip_rest(
    State(incidents): State<Incidents>,
    Extension(principal): Extension<Principal>,
    Path(id): Path<String>,
    Json(ask): Json<SkipRestRequest>,
) -> Result<Json<IncidentRecord>, ApiError> {
    let id = incident_id(&id)?;
    let playbook = ask.playbook.as_deref().filter(|p| !p.is_empty());
    let record = incidents
        .change(id, |record, _| {
            skip_remaining(record, playbook, &principal.name, &ask.note, Timestamp::now()).map(drop).map_err(
                |e| match e {
                    TaskError::EmptyReason | TaskError::UnknownPlaybook(_) => ApiError::bad_request(e.to_string()),
                    other => conflict(other),
                },
            )
        })
        .await?;
    Ok(Json(record))
}

#[derive(Debug, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct CommentRequest {
    text: String,
}

pub async fn comment(
    State(incidents): State<Incidents>,
    Extension(principal): Extension<Principal>,
    Path(id): Path<String>,
    Json(ask): Json<CommentRequest>,
) -> Result<(StatusCode, Json<IncidentRecord>), ApiError> {
    let id = incident_id(&id)?;
    let record = incidents
        .change(id, |record, _| {
            add_comment(record, &ask.text, &principal.name, Timestamp::now())
                .map(drop)
                .map_err(|e| ApiError::new(StatusCode::UNPROCESSABLE_ENTITY, e.to_string()))
        })
        .await?;
    Ok((StatusCode::CREATED, Json(record)))
}

#[derive(Debug, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct TaskRequest {
    /// `complete`, `approve` or `skip`.
    action: String,
    /// A note; for `skip`, the reason (required).
    #[serde(default)]
    note: String,
}

/// The playbook roles an account's role may sign approvals as. A clinical
/// lead's approval comes from the crisis cell, where the hospital's medical
/// lead sits: SafeCare's accounts have no clinical role of their own, and
/// handing the approval to IT-side roles would defeat the guardrail.
fn may_sign_as(role: AccountRole) -> &'static [TaskRole] {
    match role {
        AccountRole::Admin | AccountRole::SocAnalyst => &[TaskRole::Soc, TaskRole::It],
        AccountRole::SecurityGuard => &[TaskRole::SecurityGuard],
        AccountRole::CrisisManager => &[TaskRole::CrisisManager, TaskRole::ClinicalLead],
        AccountRole::PrivacyOfficer => &[TaskRole::PrivacyOfficer],
        AccountRole::Responder => &[TaskRole::It],
        AccountRole::Sensor => &[],
    }
}

/// Completes, approves or skips one playbook task (`{playbook}/{task}`).
/// Approval is refused (403) to a caller whose role cannot sign as the
/// role the task names; completion is refused (409) until it is approved.
pub async fn task(
    State(incidents): State<Incidents>,
    Extension(principal): Extension<Principal>,
    Path((id, playbook, task)): Path<(String, String, String)>,
    Json(ask): Json<TaskRequest>,
) -> Result<Json<IncidentRecord>, ApiError> {
    let id = incident_id(&id)?;
    let key = format!("{playbook}/{task}");
    let actor = principal.name.as_str();
    let record = incidents
        .change(id, |record, _| {
            let now = Timestamp::now();
            let refused = |e: safecare_respond::TaskError| match e {
                safecare_respond::TaskError::UnknownTask(_) => ApiError::not_found(e.to_string()),
                safecare_respond::TaskError::EmptyReason => ApiError::bad_request(e.to_string()),
                other => conflict(other),
            };
            match ask.action.as_str() {
                "complete" => complete_task(record, &key, actor, &ask.note, now).map_err(refused),
                "skip" => skip_task(record, &key, actor, &ask.note, now).map_err(refused),
                "approve" => {
                    let needed = record
                        .tasks
                        .iter()
                        .find(|t| t.key() == key)
                        .ok_or_else(|| ApiError::not_found(format!("no task {key:?} on this incident")))?
                        .task
                        .requires_approval;
                    let role = needed.and_then(|n| may_sign_as(principal.role).iter().copied().find(|r| *r == n));
                    match (needed, role) {
                        (Some(needed), None) => Err(ApiError::new(
                            StatusCode::FORBIDDEN,
                            format!("task {key} needs a {needed}'s approval, which a {} cannot give", principal.role),
                        )),
                        // Without a requirement, the library names the refusal.
                        (None, _) => approve_task(record, &key, actor, TaskRole::Soc, &ask.note, now).map_err(refused),
                        (Some(_), Some(role)) => {
                            approve_task(record, &key, actor, role, &ask.note, now).map_err(refused)
                        }
                    }
                }
                other => {
                    Err(ApiError::bad_request(format!("unknown task action {other:?}: complete, approve or skip")))
                }
            }
        })
        .await?;
    Ok(Json(record))
}

#[derive(Debug, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct AttachRequest {
    playbook: String,
}

/// Attaches one more playbook's tasks by hand.
pub async fn attach(
    State(incidents): State<Incidents>,
    Extension(principal): Extension<Principal>,
    Path(id): Path<String>,
    Json(ask): Json<AttachRequest>,
) -> Result<Json<IncidentRecord>, ApiError> {
    let id = incident_id(&id)?;
    let record = incidents
        .change(id, |record, rules| {
            let playbook = rules
                .playbooks
                .get(&ask.playbook)
                .ok_or_else(|| ApiError::bad_request(format!("no playbook {:?}", ask.playbook)))?;
            attach_playbook(record, playbook, &principal.name, Timestamp::now()).map_err(conflict)
        })
        .await?;
    Ok(Json(record))
}

#[derive(Debug, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct MarkRequest {
    /// `significant` (NIS2) or `personal_data_breach` (GDPR Art. 33).
    marking: String,
    /// When the hospital became aware; now when absent. The clocks run
    /// from here.
    aware_at: Option<Timestamp>,
}

/// Marks the incident significant under NIS2 or a personal-data breach
/// under GDPR, which starts the legal clocks.
pub async fn mark(
    State(incidents): State<Incidents>,
    Extension(principal): Extension<Principal>,
    Path(id): Path<String>,
    Json(ask): Json<MarkRequest>,
) -> Result<Json<IncidentRecord>, ApiError> {
    let id = incident_id(&id)?;
    let record = incidents
        .change(id, |record, rules| {
            let now = Timestamp::now();
            let aware_at = ask.aware_at.unwrap_or(now);
            let actor = principal.name.as_str();
            match ask.marking.as_str() {
                "significant" => mark_significant(record, &rules.clocks, actor, aware_at, now).map_err(conflict),
                "personal_data_breach" => {
                    mark_personal_data_breach(record, &rules.clocks, actor, aware_at, now).map_err(conflict)
                }
                other => Err(ApiError::bad_request(format!(
                    "unknown marking {other:?}: significant or personal_data_breach"
                ))),
            }
        })
        .await?;
    Ok(Json(record))
}

/// The draft of a regulatory report on an incident, pre-filled from it
/// (Markdown; `[to complete: …]` marks what only people can say), in
/// `language`.
pub(crate) async fn draft(
    incidents: &Incidents,
    id: &str,
    kind: &str,
    language: Language,
) -> Result<(IncidentRecord, ReportKind, String), ApiError> {
    let kind: ReportKind = named("report", kind)?;
    let record = existing(incidents, id).await?;
    let alerts: Vec<Alert> = incidents.alerts(&record).await?;
    let rules = incidents.rules();
    let ctx = ReportContext {
        record: &record,
        alerts: &alerts,
        clocks: &rules.clocks,
        organisation: &rules.organisation,
        now: Timestamp::now(),
    };
    let text = render_report_in(language, kind, &ctx);
    Ok((record, kind, text))
}

#[derive(Debug, Default, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct DraftParams {
    /// `markdown` (the default) or `html`, a standalone page to keep.
    format: Option<String>,
}

/// The draft of a regulatory report in the caller's language, as Markdown
/// or, with `format=html`, as an HTML document (raw HTML in the draft
/// escaped), each to download.
pub async fn report_draft(
    State(incidents): State<Incidents>,
    Extension(principal): Extension<Principal>,
    Path((id, kind)): Path<(String, String)>,
    params: Result<Query<DraftParams>, axum::extract::rejection::QueryRejection>,
) -> Result<Response, ApiError> {
    let Query(params) = params.map_err(|e| ApiError::bad_request(e.body_text()))?;
    let (record, kind, text) = draft(&incidents, &id, &kind, principal.locale.language()).await?;
    let name = format!("incident-{}-{}", record.id(), kind.as_str());
    let (content_type, body, extension) = match params.format.as_deref().unwrap_or("markdown") {
        "markdown" | "md" => ("text/markdown; charset=utf-8", text, "md"),
        "html" => ("text/html; charset=utf-8", report_document(&record.incident.title, &text), "html"),
        other => return Err(ApiError::bad_request(format!("unknown format {other:?}: markdown or html"))),
    };
    let disposition = format!("attachment; filename=\"{name}.{extension}\"");
    Ok(([(header::CONTENT_TYPE, content_type), (header::CONTENT_DISPOSITION, disposition.as_str())], body)
        .into_response())
}

#[derive(Debug, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct SubmissionRequest {
    /// Where and how it was sent (portal reference, e-mail…).
    #[serde(default)]
    note: String,
}

/// Records that a regulatory report was sent, which stops its clock.
pub async fn report_submitted(
    State(incidents): State<Incidents>,
    State(privacy): State<Arc<Privacy>>,
    Extension(principal): Extension<Principal>,
    Path((id, kind)): Path<(String, String)>,
    Json(ask): Json<SubmissionRequest>,
) -> Result<Json<IncidentRecord>, ApiError> {
    let id = incident_id(&id)?;
    let kind: ReportKind = named("report", &kind)?;
    let record = incidents
        .change(id, |record, rules| {
            record_submission(record, &rules.clocks, kind.clock(), &principal.name, &ask.note, Timestamp::now())
                .map_err(conflict)
        })
        .await?;
    let _ = privacy.record(&principal.name, "incident.report_submitted", &id.to_string(), kind.clock().as_str()).await;
    Ok(Json(record))
}

#[derive(Debug, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct MergeRequest {
    /// The incident this one is merged into.
    into: String,
}

pub async fn merge(
    State(incidents): State<Incidents>,
    Extension(principal): Extension<Principal>,
    Path(id): Path<String>,
    Json(ask): Json<MergeRequest>,
) -> Result<Json<IncidentRecord>, ApiError> {
    let (from, into) = (incident_id(&id)?, incident_id(&ask.into)?);
    Ok(Json(incidents.merge(from, into, &principal.name).await?))
}

#[derive(Debug, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct SplitBody {
    alerts: Vec<AlertId>,
    title: String,
}

/// Moves some alerts into a new incident; answers the new incident.
pub async fn split(
    State(incidents): State<Incidents>,
    Extension(principal): Extension<Principal>,
    Path(id): Path<String>,
    Json(ask): Json<SplitBody>,
) -> Result<(StatusCode, Json<IncidentRecord>), ApiError> {
    let id = incident_id(&id)?;
    let new = incidents.split(id, &ask.alerts, &ask.title, &principal.name).await?;
    Ok((StatusCode::CREATED, Json(new)))
}

/// Reassesses the impact over the current inventory (after it changed).
pub async fn reassess(
    State(incidents): State<Incidents>,
    Path(id): Path<String>,
) -> Result<Json<IncidentRecord>, ApiError> {
    let id = incident_id(&id)?;
    Ok(Json(incidents.reassess(id).await?))
}

/// The playbooks incidents draw their tasks from.
pub async fn playbooks(State(incidents): State<Incidents>) -> Json<Vec<Playbook>> {
    Json(incidents.rules().playbooks.playbooks().to_vec())
}

#[derive(Debug, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct ExerciseRequest {
    exercise: bool,
}

/// Marks an incident as an exercise (notified on exercise routes only) or
/// takes the mark off.
pub async fn set_exercise_mark(
    State(incidents): State<Incidents>,
    Extension(principal): Extension<Principal>,
    Path(id): Path<String>,
    Json(ask): Json<ExerciseRequest>,
) -> Result<Json<IncidentRecord>, ApiError> {
    let id = existing(&incidents, &id).await?.id();
    let record = incidents
        .change(id, |record, _| {
            set_exercise(record, ask.exercise, &principal.name, Timestamp::now())
                .map_err(|e| ApiError::new(StatusCode::CONFLICT, e.to_string()))
        })
        .await?;
    Ok(Json(record))
}
