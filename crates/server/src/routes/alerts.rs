//! Alerts (IDMEFv2).

use std::sync::Arc;

use axum::Json;
use axum::extract::{Path, Query, State};
use jiff::Timestamp;
use safecare_model::{Alert, AlertId, Severity};
use safecare_store::{AlertQuery, Store};
use serde::Deserialize;

use super::params::parse;
use crate::error::ApiError;

#[derive(Debug, Default, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct AlertParams {
    from: Option<String>,
    to: Option<String>,
    min_severity: Option<String>,
    rule: Option<String>,
    asset: Option<String>,
    limit: Option<String>,
}

/// Alerts, newest first.
pub async fn list(
    State(store): State<Arc<dyn Store>>,
    params: Result<Query<AlertParams>, axum::extract::rejection::QueryRejection>,
) -> Result<Json<Vec<Alert>>, ApiError> {
    let Query(p) = params.map_err(|e| ApiError::bad_request(e.body_text()))?;
    let query = AlertQuery {
        from: parse::<Timestamp>("from", p.from)?,
        to: parse::<Timestamp>("to", p.to)?,
        min_severity: parse::<Severity>("min_severity", p.min_severity)?,
        rule: p.rule.filter(|r| !r.is_empty()),
        asset: p.asset.filter(|a| !a.is_empty()),
        limit: parse::<usize>("limit", p.limit)?.unwrap_or(100),
    };
    Ok(Json(store.list_alerts(query).await?))
}

pub async fn get_one(State(store): State<Arc<dyn Store>>, Path(id): Path<String>) -> Result<Json<Alert>, ApiError> {
    let id: AlertId = id.parse().map_err(|e: safecare_model::ParseIdError| ApiError::bad_request(e.to_string()))?;
    store.get_alert(id).await?.map(Json).ok_or_else(|| ApiError::not_found(format!("no alert {id}")))
}
