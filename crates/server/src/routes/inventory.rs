//! The asset inventory: read it, import or export it whole, change one
//! asset. Every change is validated as a whole inventory (no dangling
//! relation, no forbidden cycle…) before it is stored, and audited.

use axum::Json;
use axum::extract::{Extension, Path, Query, State};
use axum::http::{HeaderMap, StatusCode, header};
use axum::response::{IntoResponse, Response};
use std::sync::Arc;

use bytes::Bytes;
use safecare_impact::{Inventory, LoadError};
use safecare_model::{Asset, Relation};
use safecare_store::Store;
use serde::Deserialize;
use serde_json::json;

use crate::auth::Principal;
use crate::error::ApiError;
use crate::privacy::Privacy;
use crate::state::InventoryIo;

pub async fn list_assets(State(store): State<Arc<dyn Store>>) -> Result<Json<Vec<Asset>>, ApiError> {
    Ok(Json(store.list_assets().await?))
}

pub async fn list_relations(State(store): State<Arc<dyn Store>>) -> Result<Json<Vec<Relation>>, ApiError> {
    Ok(Json(store.list_relations().await?))
}

/// One asset with the relations that touch it.
pub async fn get_asset(
    State(store): State<Arc<dyn Store>>,
    Path(id): Path<String>,
) -> Result<Json<serde_json::Value>, ApiError> {
    let assets = store.list_assets().await?;
    let asset = assets.into_iter().find(|a| a.id == id).ok_or_else(|| ApiError::not_found(format!("no asset {id}")))?;
    let relations: Vec<Relation> =
        store.list_relations().await?.into_iter().filter(|r| r.from == id || r.to == id).collect();
    Ok(Json(json!({"asset": asset, "relations": relations})))
}

/// 422 with every problem listed, so one round of fixes is enough.
fn refused(err: LoadError) -> ApiError {
    let mut api = ApiError::new(StatusCode::UNPROCESSABLE_ENTITY, err.to_string());
    if let LoadError::Invalid(invalid) = &err {
        api.detail = Some(json!({"problems": invalid.problems.iter().map(ToString::to_string).collect::<Vec<_>>()}));
    }
    api
}

fn current(io: &InventoryIo) -> Inventory {
    Inventory::clone(&io.assets.current())
}

/// Stores the inventory and makes it the live one.
async fn save(io: &InventoryIo, inventory: Inventory) -> Result<usize, ApiError> {
    Ok(io.replace(inventory).await?)
}

/// `POST /api/v1/assets/import?mode=merge|replace`.
#[derive(Debug, Default, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct ImportParams {
    mode: Option<String>,
}

/// Imports the body (YAML or JSON by content type). By default it is merged
/// into the inventory: its assets are added or replace those of the same
/// id, its relations are added, and nothing is removed. `mode=replace`
/// makes the body the whole inventory, removing what it lacks. A document
/// without assets is refused either way: it is far more often a mistake
/// (an empty file, `{}`) than a wish to wipe the map of the hospital.
pub async fn import(
    State(io): State<InventoryIo>,
    State(privacy): State<Arc<Privacy>>,
    Extension(principal): Extension<Principal>,
    params: Result<Query<ImportParams>, axum::extract::rejection::QueryRejection>,
    headers: HeaderMap,
    body: Bytes,
) -> Result<Json<serde_json::Value>, ApiError> {
    let Query(params) = params.map_err(|e| ApiError::bad_request(e.body_text()))?;
    let replace = match params.mode.as_deref() {
        None | Some("merge") => false,
        Some("replace") => true,
        Some(other) => return Err(ApiError::bad_request(format!("unknown mode {other:?}: merge or replace"))),
    };
    let text = std::str::from_utf8(&body).map_err(|_| ApiError::bad_request("the inventory is not UTF-8"))?;
    let kind = headers.get(header::CONTENT_TYPE).and_then(|v| v.to_str().ok()).unwrap_or("");
    if text.trim().is_empty() {
        return Err(ApiError::bad_request("empty document: no assets to import"));
    }
    let (assets, relations) = Inventory::records(text, kind.contains("json")).map_err(refused)?;
    if assets.is_empty() {
        return Err(ApiError::bad_request("the document lists no assets: nothing imported"));
    }
    let (imported_assets, imported_relations) = (assets.len(), relations.len());
    let _guard = io.lock.lock().await;
    let inventory = if replace { Inventory::new(assets, relations) } else { current(&io).merge(assets, relations) };
    let inventory = inventory.map_err(|e| refused(LoadError::Invalid(e)))?;
    let relations = inventory.relations().len();
    let assets = save(&io, inventory).await?;
    let mode = if replace { "replace" } else { "merge" };
    let detail = format!(
        "{mode}: {imported_assets} assets, {imported_relations} relations imported; now {assets} assets, {relations} relations"
    );
    let _ = privacy.record(&principal.name, "assets.import", "", &detail).await;
    Ok(Json(json!({"mode": mode, "assets": assets, "relations": relations})))
}

#[derive(Debug, Default, Deserialize)]
pub struct ExportParams {
    format: Option<String>,
}

/// The whole inventory as YAML (default) or JSON. The map of the hospital
/// is sensitive (it shows where the weak devices are), so every export is
/// audited with who took it, and refused when it cannot be audited.
pub async fn export(
    State(io): State<InventoryIo>,
    State(privacy): State<Arc<Privacy>>,
    Extension(principal): Extension<Principal>,
    Query(params): Query<ExportParams>,
) -> Result<Response, ApiError> {
    let inventory = current(&io);
    let (format, mime) = match params.format.as_deref() {
        Some("json") => ("json", "application/json"),
        None | Some("yaml") => ("yaml", "application/yaml"),
        Some(other) => return Err(ApiError::bad_request(format!("unknown format {other:?}: yaml or json"))),
    };
    let what = format!("{} assets, {} relations as {format}", inventory.assets().len(), inventory.relations().len());
    let text = if format == "json" { inventory.to_json() } else { inventory.to_yaml() };
    let text = text.map_err(|e| ApiError::new(StatusCode::INTERNAL_SERVER_ERROR, e.to_string()))?;
    privacy.record(&principal.name, "assets.export", "", &what).await.map_err(|err| {
        ApiError::new(StatusCode::SERVICE_UNAVAILABLE, format!("export refused: it cannot be audited ({err})"))
    })?;
    Ok(([(header::CONTENT_TYPE, mime)], text).into_response())
}

/// Adds or replaces one asset; its id must match the path.
pub async fn put_asset(
    State(io): State<InventoryIo>,
    State(privacy): State<Arc<Privacy>>,
    Extension(principal): Extension<Principal>,
    Path(id): Path<String>,
    Json(asset): Json<Asset>,
) -> Result<Json<Asset>, ApiError> {
    if asset.id != id {
        return Err(ApiError::bad_request(format!("the body's id {:?} differs from the path's {id:?}", asset.id)));
    }
    let _guard = io.lock.lock().await;
    let updated = current(&io).upsert_asset(asset.clone()).map_err(|e| refused(LoadError::Invalid(e)))?;
    save(&io, updated).await?;
    let _ = privacy.record(&principal.name, "assets.put", &id, "").await;
    Ok(Json(asset))
}

/// Removes one asset and the relations that touch it.
pub async fn delete_asset(
    State(io): State<InventoryIo>,
    State(privacy): State<Arc<Privacy>>,
    Extension(principal): Extension<Principal>,
    Path(id): Path<String>,
) -> Result<StatusCode, ApiError> {
    let _guard = io.lock.lock().await;
    let updated = current(&io).remove_asset(&id).ok_or_else(|| ApiError::not_found(format!("no asset {id}")))?;
    save(&io, updated).await?;
    let _ = privacy.record(&principal.name, "assets.delete", &id, "").await;
    Ok(StatusCode::NO_CONTENT)
}
