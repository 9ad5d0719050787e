//! Liveness and metrics.

use std::sync::Arc;

use axum::Json;
use axum::extract::State;
use axum::http::{StatusCode, header};
use axum::response::IntoResponse;
use metrics_exporter_prometheus::PrometheusHandle;
use safecare_store::Store;
use serde_json::{Value, json};

use crate::Config;
use crate::pipeline::Progress;

/// 200 when the store answers, 503 otherwise; with each stage's lag behind
/// the store's logs (`"status": "lagging"` when one is past `max_lag`, still
/// 200: the service works, it is behind).
pub async fn healthz(
    State(store): State<Arc<dyn Store>>,
    State(progress): State<Progress>,
    State(config): State<Arc<Config>>,
) -> (StatusCode, Json<Value>) {
    match store.count_events().await {
        Ok(events) => {
            let stages = progress.lag(store.as_ref()).await;
            let lagging = stages.iter().any(|s| s.behind > config.max_lag);
            let status = if lagging { "lagging" } else { "ok" };
            let body =
                json!({"status": status, "version": env!("CARGO_PKG_VERSION"), "events": events, "stages": stages});
            (StatusCode::OK, Json(body))
        }
        Err(err) => (StatusCode::SERVICE_UNAVAILABLE, Json(json!({"status": "unavailable", "error": err.to_string()}))),
    }
}

/// Prometheus text exposition.
pub async fn metrics(
    State(store): State<Arc<dyn Store>>,
    State(progress): State<Progress>,
    State(metrics): State<PrometheusHandle>,
) -> impl IntoResponse {
    // Refreshes `safecare_stage_lag` against the heads as they are now.
    progress.lag(store.as_ref()).await;
    ([(header::CONTENT_TYPE, "text/plain; version=0.0.4")], metrics.render())
}
