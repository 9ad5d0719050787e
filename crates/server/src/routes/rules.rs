//! The rules: which are loaded, their hits, which run, and switching one
//! on or off at run time.

use std::collections::HashMap;

use std::sync::Arc;

use axum::Json;
use axum::extract::rejection::JsonRejection;
use axum::extract::{Extension, Path, State};
use axum::http::StatusCode;
use safecare_detect::RuleMeta;
use serde::{Deserialize, Serialize};

use safecare_detect::Catalog;
use safecare_store::Store;

use crate::auth::Principal;
use crate::error::ApiError;
use crate::pipeline::{Detection, SwitchError};
use crate::privacy::Privacy;

/// A loaded rule with its hits since start and whether it runs.
#[derive(Debug, Serialize)]
pub struct RuleView {
    #[serde(flatten)]
    meta: RuleMeta,
    enabled: bool,
    hits: u64,
}

impl RuleView {
    fn of(meta: &RuleMeta, catalog: &Catalog, hits: &HashMap<String, u64>) -> Self {
        RuleView {
            enabled: catalog.enabled(&meta.id),
            hits: hits.get(&meta.id).copied().unwrap_or(0),
            meta: meta.clone(),
        }
    }
}

#[derive(Debug, Serialize)]
pub struct RulesView {
    summary: String,
    rules: Vec<RuleView>,
    refused: Vec<RefusalView>,
}

#[derive(Debug, Serialize)]
pub struct RefusalView {
    path: String,
    title: Option<String>,
    reason: String,
}

/// Every loaded rule (enabled or not) with hit counts, and the refused ones
/// with reasons.
pub async fn list(State(detection): State<Detection>) -> Json<RulesView> {
    let catalog = detection.catalog();
    let hits = detection.hits();
    let rules = catalog.all.rules().map(|meta| RuleView::of(meta, &catalog, &hits));
    let refused = catalog.all.refused().iter().map(|r| RefusalView {
        path: r.path.display().to_string(),
        title: r.title.clone(),
        reason: r.reason.clone(),
    });
    Json(RulesView { summary: catalog.all.summary(), rules: rules.collect(), refused: refused.collect() })
}

#[derive(Debug, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct RuleChange {
    enabled: bool,
}

/// Switches a rule (by id or name) on or off; the choice is saved and
/// outlives a restart.
pub async fn update(
    State(detection): State<Detection>,
    State(store): State<Arc<dyn Store>>,
    State(privacy): State<Arc<Privacy>>,
    Extension(principal): Extension<Principal>,
    Path(id): Path<String>,
    change: Result<Json<RuleChange>, JsonRejection>,
) -> Result<Json<RuleView>, ApiError> {
    let Json(change) = change.map_err(|e| ApiError::new(e.status(), e.body_text()))?;
    let meta = detection.switch(store.as_ref(), &id, change.enabled).await.map_err(|err| match err {
        SwitchError::Unknown(_) => ApiError::not_found(err.to_string()),
        SwitchError::Breaks(_) => ApiError::new(StatusCode::CONFLICT, err.to_string()),
        SwitchError::Store(store) => ApiError::from(store),
        SwitchError::Task(_) => {
            ApiError::new(StatusCode::SERVICE_UNAVAILABLE, format!("cannot switch the rule: {err}"))
        }
    })?;
    let action = if change.enabled { "rule.enable" } else { "rule.disable" };
    let _ = privacy.record(&principal.name, action, &meta.id, &meta.title).await;
    let catalog = detection.catalog();
    Ok(Json(RuleView::of(&meta, &catalog, &detection.hits())))
}
