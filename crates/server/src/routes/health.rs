//! Liveness and metrics.

use axum::Json;
use axum::extract::State;
use axum::http::{StatusCode, header};
use axum::response::IntoResponse;
use serde_json::{Value, json};

use crate::AppState;

/// 200 when the store answers, 503 otherwise.
pub async fn healthz(State(state): State<AppState>) -> (StatusCode, Json<Value>) {
    match state.store.count_events().await {
        Ok(events) => {
            (StatusCode::OK, Json(json!({"status": "ok", "version": env!("CARGO_PKG_VERSION"), "events": events})))
        }
        Err(err) => (StatusCode::SERVICE_UNAVAILABLE, Json(json!({"status": "unavailable", "error": err.to_string()}))),
    }
}

/// Prometheus text exposition.
pub async fn metrics(State(state): State<AppState>) -> impl IntoResponse {
    ([(header::CONTENT_TYPE, "text/plain; version=0.0.4")], state.metrics.render())
}
