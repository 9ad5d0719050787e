//! Read access to the asset inventory.

use axum::Json;
use axum::extract::State;
use safecare_model::{Asset, Relation};

use crate::AppState;
use crate::error::ApiError;

pub async fn list_assets(State(state): State<AppState>) -> Result<Json<Vec<Asset>>, ApiError> {
    Ok(Json(state.store.list_assets().await?))
}

pub async fn list_relations(State(state): State<AppState>) -> Result<Json<Vec<Relation>>, ApiError> {
    Ok(Json(state.store.list_relations().await?))
}
