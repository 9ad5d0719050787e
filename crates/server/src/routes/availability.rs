//! Hospital availability over the API: every service's status, beds,
//! cause, override and since when (`GET /api/v1/availability`), a crisis
//! manager's override (`PUT /api/v1/availability/services/{id}`, audited)
//! and the EDXL-HAVE 2.0 document (`GET /api/v1/availability/edxl-have`).

use std::sync::Arc;

use axum::Json;
use axum::extract::{Extension, Path, State};
use axum::http::{StatusCode, header};
use axum::response::{IntoResponse, Response};
use jiff::Timestamp;
use safecare_impact::LiveInventory;
use safecare_respond::availability::{
    AvailabilityChange, ChangeKind, OverrideError, ServiceAvailability, ServiceStatus, make_override,
};
use safecare_respond::have;
use safecare_store::Store;
use serde::{Deserialize, Serialize};

use crate::auth::Principal;
use crate::availability::{Availability, RefreshIo};
use crate::error::ApiError;
use crate::notify::Notifications;
use crate::privacy::Privacy;

/// How many history entries the board shows.
const HISTORY: usize = 100;

/// The board.
#[derive(Debug, Serialize)]
pub struct Board {
    /// When it was taken.
    at: Timestamp,
    /// Every service.
    services: Vec<ServiceAvailability>,
    /// The latest changes and overrides, newest first.
    history: Vec<AvailabilityChange>,
}

async fn current(
    availability: &Availability,
    store: &Arc<dyn Store>,
    inventory: &LiveInventory,
    notifications: &Notifications,
    now: Timestamp,
) -> Result<Vec<ServiceAvailability>, ApiError> {
    let inventory = inventory.current();
    let io = RefreshIo { store: store.as_ref(), inventory: &inventory, outbox: &notifications.outbox };
    Ok(availability.refresh(io, now).await?)
}

/// Every service's availability and the recent history.
pub async fn board(
    State(availability): State<Availability>,
    State(store): State<Arc<dyn Store>>,
    State(inventory): State<Arc<LiveInventory>>,
    State(notifications): State<Notifications>,
) -> Result<Json<Board>, ApiError> {
    let at = Timestamp::now();
    let services = current(&availability, &store, &inventory, &notifications, at).await?;
    let history = availability.history(None, HISTORY).await?;
    Ok(Json(Board { at, services, history }))
}

/// The EDXL-HAVE 2.0 document of the facility now.
pub async fn edxl_have(
    State(availability): State<Availability>,
    State(store): State<Arc<dyn Store>>,
    State(inventory): State<Arc<LiveInventory>>,
    State(notifications): State<Notifications>,
) -> Result<Response, ApiError> {
    let at = Timestamp::now();
    let services = current(&availability, &store, &inventory, &notifications, at).await?;
    let xml = have::document(&inventory.current(), &services, at)
        .to_xml()
        .map_err(|e| ApiError::new(StatusCode::INTERNAL_SERVER_ERROR, e.to_string()))?;
    Ok(([(header::CONTENT_TYPE, "application/xml; charset=utf-8")], xml).into_response())
}

/// A crisis manager's override.
#[derive(Debug, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct OverrideRequest {
    /// The status to show.
    status: ServiceStatus,
    /// Why.
    reason: String,
    /// Until when.
    expires: Timestamp,
}

fn refused(err: OverrideError) -> ApiError {
    metrics::counter!("safecare_availability_override_refused_total", "reason" => err.as_str()).increment(1);
    let status = match err {
        OverrideError::UnknownService(_) => StatusCode::NOT_FOUND,
        _ => StatusCode::UNPROCESSABLE_ENTITY,
    };
    ApiError::new(status, err.to_string())
}

/// Overrides a service's status until the given expiry; kept in the
/// history and the audit chain, and the board and EDXL-HAVE follow at once.
#[allow(clippy::too_many_arguments)]
pub async fn override_service(
    State(availability): State<Availability>,
    State(store): State<Arc<dyn Store>>,
    State(inventory): State<Arc<LiveInventory>>,
    State(notifications): State<Notifications>,
    State(privacy): State<Arc<Privacy>>,
    Extension(principal): Extension<Principal>,
    Path(id): Path<String>,
    Json(ask): Json<OverrideRequest>,
) -> Result<Json<ServiceAvailability>, ApiError> {
    let now = Timestamp::now();
    let set = make_override(&inventory.current(), &id, ask.status, &ask.reason, ask.expires, &principal.name, now)
        .map_err(refused)?;
    let services = current(&availability, &store, &inventory, &notifications, now).await?;
    let assessed = services.iter().find(|s| s.id == id).map_or(ServiceStatus::Operational, |s| s.assessed);
    let change = AvailabilityChange {
        service: id.as_str().into(),
        at: now,
        kind: ChangeKind::Override,
        status: set.status,
        assessed,
        cause: None,
        overridden: Some(set.clone()),
        ended_by: None,
    };
    availability.put_override(&change).await?;
    let detail = format!("{} until {}: {}", set.status, set.expires, set.reason);
    let _ = privacy.record(&principal.name, "availability.override", &id, &detail).await;
    let services = current(&availability, &store, &inventory, &notifications, now).await?;
    let service =
        services.into_iter().find(|s| s.id == id).ok_or_else(|| refused(OverrideError::UnknownService(id.clone())))?;
    Ok(Json(service))
}

/// Ends a service's override before its expiry (crisis managers only):
/// the assessed status applies again at once; kept in the history and the
/// audit chain. 409 when no override is in force.
pub async fn end_override(
    State(availability): State<Availability>,
    State(store): State<Arc<dyn Store>>,
    State(inventory): State<Arc<LiveInventory>>,
    State(notifications): State<Notifications>,
    State(privacy): State<Arc<Privacy>>,
    Extension(principal): Extension<Principal>,
    Path(id): Path<String>,
) -> Result<Json<ServiceAvailability>, ApiError> {
    let now = Timestamp::now();
    let services = current(&availability, &store, &inventory, &notifications, now).await?;
    let service =
        services.iter().find(|s| s.id == id).ok_or_else(|| refused(OverrideError::UnknownService(id.clone())))?;
    if service.overridden.is_none() {
        return Err(ApiError::new(StatusCode::CONFLICT, format!("no override of `{id}` is in force")));
    }
    let change = AvailabilityChange {
        service: id.as_str().into(),
        at: now,
        kind: ChangeKind::Override,
        status: service.assessed,
        assessed: service.assessed,
        cause: None,
        overridden: None,
        ended_by: Some(principal.name.clone()),
    };
    availability.put_override(&change).await?;
    let _ = privacy.record(&principal.name, "availability.override_ended", &id, "").await;
    let services = current(&availability, &store, &inventory, &notifications, now).await?;
    let service =
        services.into_iter().find(|s| s.id == id).ok_or_else(|| refused(OverrideError::UnknownService(id.clone())))?;
    Ok(Json(service))
}
