//! The HTTP API: one file per resource.

mod events;
mod health;
mod inventory;

use axum::Router;
use axum::extract::DefaultBodyLimit;
use axum::routing::get;
use tower_http::trace::TraceLayer;

use crate::AppState;

/// Every route of the API.
pub fn router(state: AppState) -> Router {
    let max_body = state.config.max_body_bytes;
    Router::new()
        .route("/healthz", get(health::healthz))
        .route("/metrics", get(health::metrics))
        .route("/api/v1/events", get(events::list).post(events::ingest))
        .route("/api/v1/events/{id}", get(events::get_one))
        .route("/api/v1/assets", get(inventory::list_assets))
        .route("/api/v1/relations", get(inventory::list_relations))
        .layer(DefaultBodyLimit::max(max_body))
        .layer(TraceLayer::new_for_http())
        .with_state(state)
}
