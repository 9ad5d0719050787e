//! Notifications over the API: the messages in the outbox (all, or one
//! incident's), the routes as configured (read-only; secrets are never
//! shown), an administrator's test send, and the exercise mark that
//! decides which routes an incident may take.

use std::sync::Arc;

use axum::Json;
use axum::extract::{Extension, Path, Query, State};
use safecare_respond::Incidents;
use safecare_respond::notify::OutboxEntry;
use safecare_respond::notify::oncall::Roster;
use safecare_respond::notify::routing::Route;
use serde::{Deserialize, Serialize};

use super::incidents::existing;
use super::params::parse;
use crate::auth::Principal;
use crate::error::ApiError;
use crate::notify::{Notifications, TestSendError};
use crate::privacy::Privacy;

#[derive(Debug, Default, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct ListParams {
    /// `pending`, `delivered` or `failed`.
    status: Option<String>,
    offset: Option<String>,
    limit: Option<String>,
}

#[derive(Debug, Serialize)]
pub struct NotificationPage {
    notifications: Vec<OutboxEntry>,
}

const STATUSES: [&str; 3] = ["pending", "delivered", "failed"];

async fn page(
    notifications: &Notifications,
    incident: Option<safecare_model::IncidentId>,
    params: Result<Query<ListParams>, axum::extract::rejection::QueryRejection>,
) -> Result<Json<NotificationPage>, ApiError> {
    let Query(p) = params.map_err(|e| ApiError::bad_request(e.body_text()))?;
    let status = p.status.filter(|s| !s.is_empty());
    if let Some(status) = &status
        && !STATUSES.contains(&status.as_str())
    {
        return Err(ApiError::bad_request(format!(
            "unknown status {status:?}: expected one of {}",
            STATUSES.join(", ")
        )));
    }
    let offset = parse::<usize>("offset", p.offset)?.unwrap_or(0);
    let limit = parse::<usize>("limit", p.limit)?.unwrap_or(100);
    let list = notifications.outbox.list(incident, status, offset, limit).await?;
    Ok(Json(NotificationPage { notifications: list }))
}

/// Every message, newest first.
pub async fn list(
    State(notifications): State<Notifications>,
    params: Result<Query<ListParams>, axum::extract::rejection::QueryRejection>,
) -> Result<Json<NotificationPage>, ApiError> {
    page(&notifications, None, params).await
}

/// One incident's messages, newest first.
pub async fn of_incident(
    State(notifications): State<Notifications>,
    State(incidents): State<Incidents>,
    Path(id): Path<String>,
    params: Result<Query<ListParams>, axum::extract::rejection::QueryRejection>,
) -> Result<Json<NotificationPage>, ApiError> {
    let record = existing(&incidents, &id).await?;
    page(&notifications, Some(record.id()), params).await
}

/// A channel as the settings view shows it: its name and transport only.
#[derive(Debug, Serialize)]
pub struct ChannelView {
    name: String,
    #[serde(rename = "type")]
    kind: &'static str,
}

#[derive(Debug, Serialize)]
pub struct RoutesView {
    routes: Vec<Route>,
    channels: Vec<ChannelView>,
    roster: Roster,
}

/// The configured routes, channels and roster (read-only).
pub async fn routes(State(notifications): State<Notifications>) -> Json<RoutesView> {
    Json(routes_view(&notifications))
}

pub(crate) fn routes_view(notifications: &Notifications) -> RoutesView {
    let config = &notifications.config;
    let channels = config
        .channels
        .iter()
        .map(|(name, channel)| ChannelView { name: name.clone(), kind: channel.kind() })
        .collect();
    RoutesView { routes: config.routes.clone(), channels, roster: config.roster.clone() }
}

/// Sends a test message on a route now; answers with its outcome (and it
/// stays in the notifications list and the audit).
pub async fn test_send(
    State(notifications): State<Notifications>,
    State(privacy): State<Arc<Privacy>>,
    Extension(principal): Extension<Principal>,
    Path(route): Path<String>,
) -> Result<Json<OutboxEntry>, ApiError> {
    let entry = notifications.test_send(&route, &principal.name).await.map_err(|err| match err {
        TestSendError::UnknownRoute(_) => ApiError::not_found(err.to_string()),
        TestSendError::Outbox(err) => ApiError::from(err),
    })?;
    let outcome = entry.status.as_str();
    let detail = format!(
        "test on route {route}: {outcome}{}",
        entry.last_error.as_deref().map(|e| format!(": {e}")).unwrap_or_default()
    );
    let _ = privacy.record(&principal.name, "notification.test", &entry.notification.key, &detail).await;
    Ok(Json(entry))
}
