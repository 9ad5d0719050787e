//! Liveness and metrics.

use axum::Json;
use axum::extract::State;
use axum::http::{StatusCode, header};
use axum::response::IntoResponse;
use serde_json::{Value, json};

use crate::AppState;

/// 200 when the store answers, 503 otherwise; with each stage's lag behind
/// the store's logs (`"status": "lagging"` when one is past `max_lag`, still
/// 200: the service works, it is behind).
pub async fn healthz(State(state): State<AppState>) -> (StatusCode, Json<Value>) {
    match state.store.count_events().await {
        Ok(events) => {
            let stages = state.progress.lag(state.store.as_ref()).await;
            let lagging = stages.iter().any(|s| s.behind > state.config.max_lag);
            let status = if lagging { "lagging" } else { "ok" };
            let body =
                json!({"status": status, "version": env!("CARGO_PKG_VERSION"), "events": events, "stages": stages});
            (StatusCode::OK, Json(body))
        }
        Err(err) => (StatusCode::SERVICE_UNAVAILABLE, Json(json!({"status": "unavailable", "error": err.to_string()}))),
    }
}

/// Prometheus text exposition.
pub async fn metrics(State(state): State<AppState>) -> impl IntoResponse {
    // Refreshes `safecare_stage_lag` against the heads as they are now.
    state.progress.lag(state.store.as_ref()).await;
    ([(header::CONTENT_TYPE, "text/plain; version=0.0.4")], state.metrics.render())
}
