//! Managing users and API tokens.

use axum::Json;
use axum::extract::{Extension, Path, State};
use axum::http::StatusCode;
use jiff::{SignedDuration, Timestamp};
use safecare_model::{ApiToken, Role, User};
use serde::{Deserialize, Serialize};

use std::sync::Arc;

use safecare_store::AccountStore;

use crate::auth::{Grant, Principal, check_grant, new_api_token};
use crate::error::ApiError;
use crate::privacy::Privacy;

/// A user as the API shows it: never the password hash.
#[derive(Debug, Serialize)]
pub struct UserView {
    name: String,
    role: Role,
    disabled: bool,
    locked_until: Option<Timestamp>,
    created: Timestamp,
}

impl From<User> for UserView {
    fn from(u: User) -> Self {
        UserView { name: u.name, role: u.role, disabled: u.disabled, locked_until: u.locked_until, created: u.created }
    }
}

pub async fn list_users(State(accounts): State<Arc<dyn AccountStore>>) -> Result<Json<Vec<UserView>>, ApiError> {
    Ok(Json(accounts.list_users().await?.into_iter().map(UserView::from).collect()))
}

#[derive(Debug, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct NewUser {
    name: String,
    role: Role,
    password: String,
}

pub async fn create_user(
    State(accounts): State<Arc<dyn AccountStore>>,
    State(privacy): State<Arc<Privacy>>,
    Extension(principal): Extension<Principal>,
    Json(new): Json<NewUser>,
) -> Result<(StatusCode, Json<UserView>), ApiError> {
    let valid_name = !new.name.is_empty()
        && new.name.len() <= 64
        && new.name.chars().all(|c| c.is_ascii_alphanumeric() || "._-@".contains(c));
    if !valid_name {
        return Err(ApiError::bad_request("user name must be 1-64 letters, digits or . _ - @"));
    }
    check_grant(Grant::Role(new.role))?;
    crate::provision::add_user(accounts.as_ref(), &new.name, new.role, &new.password).await?;
    let _ = privacy.record(&principal.name, "user.create", &new.name, &format!("role {}", new.role)).await;
    let user = accounts.get_user(&new.name).await?.ok_or_else(|| ApiError::not_found(new.name.clone()))?;
    Ok((StatusCode::CREATED, Json(user.into())))
}

#[derive(Debug, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct UserChange {
    role: Option<Role>,
    disabled: Option<bool>,
    password: Option<String>,
    /// Lift a lockout.
    unlock: Option<bool>,
}

pub async fn update_user(
    State(accounts): State<Arc<dyn AccountStore>>,
    State(privacy): State<Arc<Privacy>>,
    Extension(principal): Extension<Principal>,
    Path(name): Path<String>,
    Json(change): Json<UserChange>,
) -> Result<Json<UserView>, ApiError> {
    let mut user = accounts.get_user(&name).await?.ok_or_else(|| ApiError::not_found(format!("no user {name}")))?;
    if let Some(role) = change.role.filter(|r| *r != user.role) {
        check_grant(Grant::Role(role))?;
    }
    if change.password.is_some() {
        check_grant(Grant::Password(&user))?;
    }
    let mut end_sessions = false;
    if let Some(role) = change.role {
        end_sessions |= role != user.role;
        user.role = role;
    }
    if let Some(disabled) = change.disabled {
        end_sessions |= disabled;
        user.disabled = disabled;
    }
    let password_changed = change.password.is_some();
    if let Some(password) = &change.password {
        user.password_hash = crate::provision::password_hash(password)?;
        end_sessions = true;
    }
    if change.unlock == Some(true) {
        user.failed_logins = 0;
        user.locked_until = None;
    }
    accounts.put_user(user.clone()).await?;
    let detail = serde_json::json!({
        "role": change.role,
        "disabled": change.disabled,
        "password_changed": password_changed,
        "unlocked": change.unlock,
    });
    let _ = privacy.record(&principal.name, "user.update", &user.name, &detail.to_string()).await;
    if end_sessions {
        accounts.delete_sessions_of(&user.name).await?;
    }
    Ok(Json(user.into()))
}

/// A token as listed: never its hash.
#[derive(Debug, Serialize)]
pub struct TokenView {
    id: String,
    name: String,
    role: Role,
    owner: String,
    source: Option<String>,
    created: Timestamp,
    expires: Option<Timestamp>,
    revoked: bool,
}

impl From<ApiToken> for TokenView {
    fn from(t: ApiToken) -> Self {
        TokenView {
            id: t.id,
            name: t.name,
            role: t.role,
            owner: t.owner,
            source: t.source,
            created: t.created,
            expires: t.expires,
            revoked: t.revoked,
        }
    }
}

pub async fn list_tokens(State(accounts): State<Arc<dyn AccountStore>>) -> Result<Json<Vec<TokenView>>, ApiError> {
    Ok(Json(accounts.list_api_tokens().await?.into_iter().map(TokenView::from).collect()))
}

#[derive(Debug, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct NewToken {
    name: String,
    role: Role,
    /// For sensor tokens: the source name their events are recorded under.
    source: Option<String>,
    /// Lifetime in days; none means until revoked.
    expires_days: Option<u32>,
}

#[derive(Debug, Serialize)]
pub struct CreatedToken {
    #[serde(flatten)]
    view: TokenView,
    /// The bearer secret, shown this once only.
    token: String,
}

pub async fn create_token(
    State(accounts): State<Arc<dyn AccountStore>>,
    State(privacy): State<Arc<Privacy>>,
    Extension(principal): Extension<Principal>,
    Json(new): Json<NewToken>,
) -> Result<(StatusCode, Json<CreatedToken>), ApiError> {
    if new.name.trim().is_empty() {
        return Err(ApiError::bad_request("token name is empty"));
    }
    check_grant(Grant::Role(new.role))?;
    if new.role == Role::Sensor && new.source.as_deref().is_none_or(str::is_empty) {
        return Err(ApiError::bad_request("a sensor token needs the source name its events are recorded under"));
    }
    let (id, bearer, hash) =
        new_api_token().map_err(|e| ApiError::new(StatusCode::INTERNAL_SERVER_ERROR, e.to_string()))?;
    let now = Timestamp::now();
    let token = ApiToken {
        id,
        name: new.name,
        token_hash: hash,
        role: new.role,
        owner: principal.name,
        source: new.source,
        created: now,
        expires: new.expires_days.map(|days| now + SignedDuration::from_hours(24 * i64::from(days))),
        revoked: false,
    };
    accounts.put_api_token(token.clone()).await?;
    let _ = privacy.record(&token.owner, "token.create", &token.id, &format!("{} ({})", token.name, token.role)).await;
    Ok((StatusCode::CREATED, Json(CreatedToken { view: token.into(), token: bearer })))
}

pub async fn revoke_token(
    State(accounts): State<Arc<dyn AccountStore>>,
    State(privacy): State<Arc<Privacy>>,
    Extension(principal): Extension<Principal>,
    Path(id): Path<String>,
) -> Result<StatusCode, ApiError> {
    let mut token = accounts.get_api_token(&id).await?.ok_or_else(|| ApiError::not_found(format!("no token {id}")))?;
    token.revoked = true;
    accounts.put_api_token(token).await?;
    let _ = privacy.record(&principal.name, "token.revoke", &id, "").await;
    Ok(StatusCode::NO_CONTENT)
}
