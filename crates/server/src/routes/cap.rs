//! CAP 1.2 over the API: an incident's messages, drafting the next one
//! (Alert, Update, Cancel), a crisis manager's approval that sends it
//! through the notifiers' outbox, and the Atom feed of approved messages.

use std::sync::Arc;

use axum::Json;
use axum::extract::{Extension, Path, State};
use axum::http::{StatusCode, header};
use axum::response::{IntoResponse, Response};
use jiff::Timestamp;
use safecare_impact::LiveInventory;
use safecare_model::Location;
use safecare_respond::cap::{
    self, Area, CapDraftError, CapMessage, CapSeverity, Certainty, Circle, DraftInput, MsgType, Urgency,
};
use safecare_respond::cap_draft::DraftChoices;
use safecare_respond::notify::outbox::Outbox;
use safecare_respond::{IncidentRecord, Incidents};
use serde::{Deserialize, Serialize};

use super::incidents::existing;
use crate::auth::Principal;
use crate::cap::CapMessages;
use crate::error::ApiError;
use crate::notify::Notifications;

/// How many approved messages the feed carries.
const FEED_ENTRIES: usize = 100;

/// A message with its XML, as the API shows it.
#[derive(Debug, Serialize)]
pub struct MessageView {
    #[serde(flatten)]
    message: CapMessage,
    xml: String,
}

/// An incident's messages, oldest first.
#[derive(Debug, Serialize)]
pub struct MessageList {
    messages: Vec<MessageView>,
}

fn view(message: CapMessage) -> Result<MessageView, ApiError> {
    let xml = message.alert.to_xml().map_err(|e| ApiError::new(StatusCode::INTERNAL_SERVER_ERROR, e.to_string()))?;
    Ok(MessageView { message, xml })
}

fn refused(err: CapDraftError) -> ApiError {
    metrics::counter!("safecare_cap_refused_total", "reason" => err.as_str()).increment(1);
    let status = match err {
        CapDraftError::UnknownMessage(_) => StatusCode::NOT_FOUND,
        CapDraftError::NoThreat
        | CapDraftError::NotCalledFor(_)
        | CapDraftError::Kind(_)
        | CapDraftError::InstructionTooLong
        | CapDraftError::Languages(_) => StatusCode::UNPROCESSABLE_ENTITY,
        _ => StatusCode::CONFLICT,
    };
    ApiError::new(status, err.to_string())
}

/// An incident's CAP messages, drafts included.
pub async fn list(
    State(incidents): State<Incidents>,
    State(cap): State<CapMessages>,
    Path(id): Path<String>,
) -> Result<Json<MessageList>, ApiError> {
    let record = existing(&incidents, &id).await?;
    let messages = cap.of_incident(record.id()).await?.into_iter().map(view).collect::<Result<_, _>>()?;
    Ok(Json(MessageList { messages }))
}

/// What to draft.
#[derive(Debug, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct DraftRequest {
    /// `Alert`, `Update` or `Cancel`.
    msg_type: MsgType,
    /// A note for responders.
    #[serde(default)]
    note: Option<String>,
    /// The threat announced, if not the incident's.
    #[serde(default)]
    threat: Option<String>,
    /// CAP urgency, if not the mapping's.
    #[serde(default)]
    urgency: Option<Urgency>,
    /// CAP severity, if not the mapping's.
    #[serde(default)]
    severity: Option<CapSeverity>,
    /// CAP certainty, if not the mapping's.
    #[serde(default)]
    certainty: Option<Certainty>,
    /// The instruction, if not the playbook's (empty: none).
    #[serde(default)]
    instruction: Option<String>,
    /// The languages, if not `cap.languages`.
    #[serde(default)]
    languages: Option<Vec<String>>,
}

/// Where the incident is: its own location, or its first asset's.
pub(crate) fn place_of(record: &IncidentRecord, inventory: &safecare_impact::Inventory) -> Location {
    if !record.incident.location.is_empty() {
        return record.incident.location.clone();
    }
    record.incident.assets.iter().find_map(|id| inventory.asset(id)).map(|a| a.location.clone()).unwrap_or_default()
}

pub(crate) fn area_of(record: &IncidentRecord, inventory: &safecare_impact::Inventory) -> Option<Area> {
    let geometry = inventory.geometry_of(&place_of(record, inventory))?;
    Some(Area {
        area_desc: geometry.description,
        polygons: geometry.polygons,
        circles: geometry.circles.into_iter().map(|(centre, radius_km)| Circle { centre, radius_km }).collect(),
        ..Area::default()
    })
}

/// Drafts the incident's next message; nothing leaves before approval.
pub async fn draft(
    State(incidents): State<Incidents>,
    State(cap): State<CapMessages>,
    State(inventory): State<Arc<LiveInventory>>,
    Extension(principal): Extension<Principal>,
    Path(id): Path<String>,
    Json(ask): Json<DraftRequest>,
) -> Result<(StatusCode, Json<MessageView>), ApiError> {
    let _one_at_a_time = cap.lock.lock().await;
    let record = existing(&incidents, &id).await?;
    let earlier = cap.of_incident(record.id()).await?;
    let inventory = inventory.current();
    let now = Timestamp::now();
    let input = DraftInput {
        record: &record,
        earlier: &earlier,
        msg_type: ask.msg_type,
        area: area_of(&record, &inventory),
        note: ask.note,
        choices: DraftChoices {
            threat: ask.threat,
            urgency: ask.urgency,
            severity: ask.severity,
            certainty: ask.certainty,
            instruction: ask.instruction,
            languages: ask.languages,
        },
        actor: &principal.name,
        now,
    };
    let message = cap::draft(input, &cap.config, &incidents.rules().playbooks).map_err(refused)?;
    let shown = view(message)?;
    cap.put(&shown.message).await?;
    incidents
        .change(record.id(), |record, _| {
            cap::log_cap(record, &shown.message, &principal.name, now);
            Ok::<(), ApiError>(())
        })
        .await?;
    Ok((StatusCode::CREATED, Json(shown)))
}

/// The incident's CAP message with `identifier`.
async fn message_of(cap: &CapMessages, record: &IncidentRecord, identifier: &str) -> Result<CapMessage, ApiError> {
    cap.of_incident(record.id())
        .await?
        .into_iter()
        .find(|m| m.alert.identifier == identifier)
        .ok_or_else(|| refused(CapDraftError::UnknownMessage(identifier.to_owned())))
}

/// Approves a draft (crisis managers only, by the route's permission): it
/// is sent now, through every configured CAP channel, and joins the feed.
pub async fn approve(
    State(incidents): State<Incidents>,
    State(cap): State<CapMessages>,
    State(notifications): State<Notifications>,
    Extension(principal): Extension<Principal>,
    Path((id, identifier)): Path<(String, String)>,
) -> Result<Json<MessageView>, ApiError> {
    let _one_at_a_time = cap.lock.lock().await;
    let record = existing(&incidents, &id).await?;
    let mut message = message_of(&cap, &record, &identifier).await?;
    let now = Timestamp::now();
    cap::approve(&mut message, &principal.name, now).map_err(refused)?;
    let shown = view(message)?;
    cap.put(&shown.message).await?;
    incidents
        .change(record.id(), |record, _| {
            cap::log_cap(record, &shown.message, &principal.name, now);
            Ok::<(), ApiError>(())
        })
        .await?;
    let queued = cap::notifications(&shown.message, &shown.xml, &cap.config);
    notifications.outbox.enqueue(queued).await?;
    metrics::counter!("safecare_cap_messages_sent_total", "msg_type" => shown.message.alert.msg_type.as_str())
        .increment(1);
    Ok(Json(shown))
}

/// Drops a draft without sending it (whoever may draft may drop one).
pub async fn discard(
    State(incidents): State<Incidents>,
    State(cap): State<CapMessages>,
    Extension(principal): Extension<Principal>,
    Path((id, identifier)): Path<(String, String)>,
) -> Result<Json<MessageView>, ApiError> {
    let _one_at_a_time = cap.lock.lock().await;
    let record = existing(&incidents, &id).await?;
    let mut message = message_of(&cap, &record, &identifier).await?;
    cap::discard(&mut message, &principal.name).map_err(refused)?;
    cap.put(&message).await?;
    let now = Timestamp::now();
    incidents
        .change(record.id(), |record, _| {
            cap::log_cap(record, &message, &principal.name, now);
            Ok::<(), ApiError>(())
        })
        .await?;
    Ok(Json(view(message)?))
}

/// The approved messages as an Atom feed, newest first.
pub async fn feed(State(cap): State<CapMessages>) -> Result<Response, ApiError> {
    let messages = cap.approved(FEED_ENTRIES).await?;
    let body = cap::atom_feed(&messages, &cap.config, Timestamp::now())
        .map_err(|e| ApiError::new(StatusCode::INTERNAL_SERVER_ERROR, e.to_string()))?;
    Ok(([(header::CONTENT_TYPE, "application/atom+xml; charset=utf-8")], body).into_response())
}
