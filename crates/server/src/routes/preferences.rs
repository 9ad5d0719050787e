//! A person's own language and time zone: `GET/PUT /api/v1/me/preferences`.
//! Every signed-in person may change their own; API tokens have none.

use std::sync::Arc;

use axum::Json;
use axum::extract::rejection::JsonRejection;
use axum::extract::{Extension, State};
use axum::http::{HeaderMap, StatusCode};
use safecare_i18n::{Defaults, Language, Locale, time_zone};
use safecare_model::Preferences;
use safecare_store::AccountStore;
use serde::{Deserialize, Serialize};
use strum::VariantNames;

use crate::auth::{Principal, session_secret, set_preferences};
use crate::error::ApiError;
use crate::privacy::Privacy;

/// The choices as the API shows them, with what they come to once the
/// site's defaults fill the gaps.
#[derive(Debug, Serialize)]
pub struct PreferencesView {
    language: Option<Language>,
    time_zone: Option<String>,
    effective: Effective,
}

#[derive(Debug, Serialize)]
struct Effective {
    language: Language,
    time_zone: String,
}

fn view(preferences: Preferences, display: &Defaults) -> PreferencesView {
    let locale = Locale::for_person(&preferences, display);
    PreferencesView {
        effective: Effective { language: locale.language(), time_zone: locale.zone_name().to_owned() },
        language: preferences.language,
        time_zone: preferences.time_zone,
    }
}

/// A new set of choices; an absent or null field takes the site's default.
#[derive(Debug, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct PreferencesChange {
    #[serde(default)]
    language: Option<String>,
    #[serde(default)]
    time_zone: Option<String>,
}

impl PreferencesChange {
    /// Checks both fields; empty text counts as "the site's default".
    fn validate(self) -> Result<Preferences, ApiError> {
        let language = match self.language.as_deref().map(str::trim).filter(|l| !l.is_empty()) {
            None => None,
            Some(tag) => Some(tag.parse::<Language>().map_err(|_| {
                ApiError::bad_request(format!(
                    "unknown language {tag:?}: expected one of {}",
                    Language::VARIANTS.join(", ")
                ))
            })?),
        };
        let time_zone = match self.time_zone.as_deref().map(str::trim).filter(|z| !z.is_empty()) {
            None => None,
            Some(name) => {
                time_zone(name).map_err(|err| ApiError::bad_request(err.to_string()))?;
                Some(name.to_owned())
            }
        };
        Ok(Preferences { language, time_zone })
    }
}

fn person(principal: &Principal) -> Result<&str, ApiError> {
    if principal.csrf.is_none() {
        return Err(ApiError::new(
            StatusCode::CONFLICT,
            "API tokens have no language or time zone of their own: log in as a person",
        ));
    }
    Ok(&principal.name)
}

/// The caller's choices.
pub async fn get(
    State(accounts): State<Arc<dyn AccountStore>>,
    State(display): State<Arc<Defaults>>,
    Extension(principal): Extension<Principal>,
) -> Result<Json<PreferencesView>, ApiError> {
    let name = person(&principal)?;
    let user = accounts.get_user(name).await?.ok_or_else(|| ApiError::not_found(format!("no user {name}")))?;
    Ok(Json(view(user.preferences, &display)))
}

/// Replaces the caller's choices, on their record and their session.
pub async fn put(
    State(accounts): State<Arc<dyn AccountStore>>,
    State(display): State<Arc<Defaults>>,
    State(privacy): State<Arc<Privacy>>,
    Extension(principal): Extension<Principal>,
    headers: HeaderMap,
    change: Result<Json<PreferencesChange>, JsonRejection>,
) -> Result<Json<PreferencesView>, ApiError> {
    let name = person(&principal)?;
    let Json(change) = change.map_err(|rejection| ApiError::new(rejection.status(), rejection.body_text()))?;
    let preferences = change.validate()?;
    let user = set_preferences(accounts.as_ref(), name, session_secret(&headers), preferences)
        .await?
        .ok_or_else(|| ApiError::not_found(format!("no user {name}")))?;
    let detail = serde_json::to_string(&user.preferences).unwrap_or_default();
    let _ = privacy.record(name, "user.preferences", name, &detail).await;
    Ok(Json(view(user.preferences, &display)))
}
