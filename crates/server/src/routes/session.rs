//! Logging in and out over the API.

use axum::Json;
use std::net::{IpAddr, SocketAddr};

use axum::extract::{ConnectInfo, Extension, State};
use axum::http::{HeaderMap, HeaderValue, StatusCode, header};
use axum::response::{IntoResponse, Response};
use jiff::SignedDuration;
use safecare_model::Session;
use serde::Deserialize;
use serde_json::json;

use crate::AppState;
use crate::auth::{LoginError, Principal, SESSION_COOKIE};
use crate::error::ApiError;
use crate::log_safety::Escaped;

#[derive(Debug, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct Credentials {
    pub username: String,
    pub password: String,
}

/// The cookie that carries a session (or, with an empty value and no age,
/// ends it).
pub(crate) fn session_cookie(state: &AppState, secret: &str, max_age_secs: i64) -> HeaderValue {
    let secure = if state.config.auth.secure_cookies || state.config.tls.is_some() { "; Secure" } else { "" };
    let cookie =
        format!("{SESSION_COOKIE}={secret}; Path=/; HttpOnly; SameSite=Strict; Max-Age={max_age_secs}{secure}");
    HeaderValue::from_str(&cookie).unwrap_or_else(|_| HeaderValue::from_static(""))
}

pub(crate) fn session_lifetime(state: &AppState) -> SignedDuration {
    SignedDuration::from_hours(i64::from(state.config.auth.session_hours))
}

/// Checks the credentials and opens a session, counting and logging the
/// outcome; returns the session and the cookie that carries it. Shared by
/// the API and the dashboard's login form.
pub(crate) async fn start_session(
    state: &AppState,
    peer: IpAddr,
    username: &str,
    password: &str,
) -> Result<(Session, HeaderValue), LoginError> {
    if !state.login_throttle.allow(peer, std::time::Instant::now()) {
        metrics::counter!("safecare_logins_total", "outcome" => "throttled").increment(1);
        return Err(LoginError::Throttled);
    }
    let lifetime = session_lifetime(state);
    let outcome =
        crate::auth::login(state.accounts.as_ref(), &state.config.auth.lockout, lifetime, username, password).await;
    match outcome {
        Ok((session, secret)) => {
            tracing::info!(user = %session.user, "login");
            metrics::counter!("safecare_logins_total", "outcome" => "success").increment(1);
            state.audit(&session.user, "login", &session.user, "success").await;
            let cookie = session_cookie(state, &secret, lifetime.as_secs());
            Ok((session, cookie))
        }
        Err(err) => {
            metrics::counter!("safecare_logins_total", "outcome" => "failure").increment(1);
            tracing::warn!(user = %Escaped(username), %err, "login refused");
            state.audit(username, "login", username, &format!("refused: {err}")).await;
            Err(err)
        }
    }
}

/// The status a failed login answers with.
pub(crate) fn login_status(err: &LoginError) -> StatusCode {
    match err {
        LoginError::Invalid => StatusCode::UNAUTHORIZED,
        LoginError::Locked(_) | LoginError::Throttled => StatusCode::TOO_MANY_REQUESTS,
        LoginError::Store(_) | LoginError::Random(_) => StatusCode::SERVICE_UNAVAILABLE,
    }
}

/// Opens a session: sets the cookie and returns the CSRF token that
/// requests changing state must echo in `X-CSRF-Token`.
pub async fn login(
    State(state): State<AppState>,
    ConnectInfo(peer): ConnectInfo<SocketAddr>,
    Json(creds): Json<Credentials>,
) -> Result<Response, ApiError> {
    match start_session(&state, peer.ip(), &creds.username, &creds.password).await {
        Ok((session, cookie)) => {
            let mut response =
                Json(json!({"user": session.user, "role": session.role, "csrf": session.csrf})).into_response();
            response.headers_mut().insert(header::SET_COOKIE, cookie);
            Ok(response)
        }
        Err(err) => Err(ApiError::new(login_status(&err), err.to_string())),
    }
}

/// Ends the caller's session and clears the cookie.
pub async fn logout(
    State(state): State<AppState>,
    Extension(principal): Extension<Principal>,
    headers: HeaderMap,
) -> Result<Response, ApiError> {
    if let Some(secret) = crate::auth::session_secret(&headers) {
        crate::auth::logout(state.accounts.as_ref(), secret).await?;
    }
    state.audit(&principal.name, "logout", &principal.name, "").await;
    let mut response = StatusCode::NO_CONTENT.into_response();
    response.headers_mut().insert(header::SET_COOKIE, session_cookie(&state, "", 0));
    Ok(response)
}

/// Who the caller is.
pub async fn me(Extension(principal): Extension<Principal>) -> Json<serde_json::Value> {
    Json(json!({"user": principal.name, "role": principal.role, "csrf": principal.csrf}))
}
