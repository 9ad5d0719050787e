//! `/api/v1/searches`: the caller's saved event searches (a name and the
//! events page's query string), checked before they are saved.

use std::sync::Arc;

use axum::Json;
use axum::extract::rejection::JsonRejection;
use axum::extract::{Extension, Path, State};
use axum::http::StatusCode;
use jiff::Timestamp;
use safecare_store::{SavedSearch, SearchStore};
use serde::Deserialize;

use crate::Config;
use crate::auth::Principal;
use crate::error::ApiError;
use crate::privacy::Privacy;
use crate::search::Saved;

/// The longest name a saved search may have, in characters.
const MAX_NAME: usize = 100;

/// The longest query string a saved search may keep, in bytes.
const MAX_QUERY: usize = 4096;

/// The body of `POST /api/v1/searches`.
#[derive(Debug, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct SaveRequest {
    name: String,
    /// The events page's query string (`q=user:alice&from=-24h`).
    query: String,
}

/// The caller's saved searches, by name.
pub async fn list(
    State(searches): State<Arc<dyn SearchStore>>,
    Extension(principal): Extension<Principal>,
) -> Result<Json<Vec<SavedSearch>>, ApiError> {
    Ok(Json(searches.list_searches(&principal.name).await?))
}

/// Saves (or replaces) one of the caller's searches, once it parses.
pub async fn save(
    State(searches): State<Arc<dyn SearchStore>>,
    State(config): State<Arc<Config>>,
    State(privacy): State<Arc<Privacy>>,
    Extension(principal): Extension<Principal>,
    body: Result<Json<SaveRequest>, JsonRejection>,
) -> Result<(StatusCode, Json<SavedSearch>), ApiError> {
    let Json(ask) = body.map_err(|e| ApiError::bad_request(e.body_text()))?;
    let search = checked(&ask, &principal, &config, &privacy)?;
    searches.put_search(search.clone()).await?;
    Ok((StatusCode::CREATED, Json(search)))
}

/// The saved search `ask` asks for, or why it cannot be saved.
fn checked(
    ask: &SaveRequest,
    principal: &Principal,
    config: &Config,
    privacy: &Privacy,
) -> Result<SavedSearch, ApiError> {
    let name = ask.name.trim();
    if name.is_empty() || name.chars().count() > MAX_NAME || name.chars().any(char::is_control) {
        return Err(ApiError::bad_request(format!("a search's name is 1 to {MAX_NAME} printable characters")));
    }
    if ask.query.len() > MAX_QUERY {
        return Err(ApiError::bad_request(format!("a search's query string is at most {MAX_QUERY} bytes")));
    }
    let saved = Saved::from_query_string(&ask.query).map_err(|e| ApiError::bad_request(e.to_string()))?;
    let personal = super::events::personal(config, privacy);
    crate::search::build(&saved.inputs(), principal.locale.zone(), Timestamp::now(), &personal)
        .map_err(|e| ApiError::bad_request(e.to_string()))?;
    Ok(SavedSearch {
        user: principal.name.clone(),
        name: name.to_owned(),
        query: saved.query_string(),
        saved: Timestamp::now(),
    })
}

/// Deletes one of the caller's searches by name.
pub async fn delete(
    State(searches): State<Arc<dyn SearchStore>>,
    Extension(principal): Extension<Principal>,
    Path(name): Path<String>,
) -> Result<StatusCode, ApiError> {
    if searches.delete_search(&principal.name, &name).await? {
        Ok(StatusCode::NO_CONTENT)
    } else {
        Err(ApiError::not_found(format!("no saved search {name:?}")))
    }
}
