//! Logging in and out over the API.

use axum::Json;
use std::net::{IpAddr, SocketAddr};
use std::sync::Arc;

use axum::extract::{ConnectInfo, Extension, State};
use axum::http::{HeaderMap, HeaderValue, StatusCode, header};
use axum::response::{IntoResponse, Response};
use jiff::SignedDuration;
use safecare_model::Session;
use safecare_store::AccountStore;
use serde::Deserialize;
use serde_json::json;

use crate::Config;
use crate::auth::{LoginError, LoginThrottle, Principal, SESSION_COOKIE};
use crate::error::ApiError;
use crate::log_safety::Escaped;
use crate::privacy::Privacy;

/// What checking a password needs: the accounts, the login settings, the
/// per-address throttle, and the audit chain every attempt goes to.
#[derive(Clone)]
pub struct Logins {
    /// Users and sessions.
    pub accounts: Arc<dyn AccountStore>,
    /// The login and cookie settings.
    pub config: Arc<Config>,
    /// Login attempts per client address.
    pub throttle: Arc<LoginThrottle>,
    /// Where each attempt is audited.
    pub privacy: Arc<Privacy>,
}

#[derive(Debug, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct Credentials {
    pub username: String,
    pub password: String,
}

/// The cookie that carries a session (or, with an empty value and no age,
/// ends it).
pub(crate) fn session_cookie(config: &Config, secret: &str, max_age_secs: i64) -> HeaderValue {
    let secure = if config.auth.secure_cookies || config.tls.is_some() { "; Secure" } else { "" };
    let cookie =
        format!("{SESSION_COOKIE}={secret}; Path=/; HttpOnly; SameSite=Strict; Max-Age={max_age_secs}{secure}");
    HeaderValue::from_str(&cookie).unwrap_or_else(|_| HeaderValue::from_static(""))
}

pub(crate) fn session_lifetime(config: &Config) -> SignedDuration {
    SignedDuration::from_hours(i64::from(config.auth.session_hours))
}

/// Checks the credentials and opens a session, counting and logging the
/// outcome; returns the session and the cookie that carries it. Shared by
/// the API and the dashboard's login form.
pub(crate) async fn start_session(
    logins: &Logins,
    peer: IpAddr,
    username: &str,
    password: &str,
) -> Result<(Session, HeaderValue), LoginError> {
    if !logins.throttle.allow(peer, std::time::Instant::now()) {
        metrics::counter!("safecare_logins_total", "outcome" => "throttled").increment(1);
        return Err(LoginError::Throttled);
    }
    let lifetime = session_lifetime(&logins.config);
    let outcome =
        crate::auth::login(logins.accounts.as_ref(), &logins.config.auth.lockout, lifetime, username, password).await;
    match outcome {
        Ok((session, secret)) => {
            tracing::info!(user = %session.user, "login");
            metrics::counter!("safecare_logins_total", "outcome" => "success").increment(1);
            let _ = logins.privacy.record(&session.user, "login", &session.user, "success").await;
            let cookie = session_cookie(&logins.config, &secret, lifetime.as_secs());
            Ok((session, cookie))
        }
        Err(err) => {
            metrics::counter!("safecare_logins_total", "outcome" => "failure").increment(1);
            tracing::warn!(user = %Escaped(username), %err, "login refused");
            let _ = logins.privacy.record(username, "login", username, &format!("refused: {err}")).await;
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
    State(logins): State<Logins>,
    ConnectInfo(peer): ConnectInfo<SocketAddr>,
    Json(creds): Json<Credentials>,
) -> Result<Response, ApiError> {
    match start_session(&logins, peer.ip(), &creds.username, &creds.password).await {
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
    State(logins): State<Logins>,
    Extension(principal): Extension<Principal>,
    headers: HeaderMap,
) -> Result<Response, ApiError> {
    if let Some(secret) = crate::auth::session_secret(&headers) {
        crate::auth::logout(logins.accounts.as_ref(), secret).await?;
    }
    let _ = logins.privacy.record(&principal.name, "logout", &principal.name, "").await;
    let mut response = StatusCode::NO_CONTENT.into_response();
    response.headers_mut().insert(header::SET_COOKIE, session_cookie(&logins.config, "", 0));
    Ok(response)
}

/// Who the caller is.
pub async fn me(Extension(principal): Extension<Principal>) -> Json<serde_json::Value> {
    Json(json!({"user": principal.name, "role": principal.role, "csrf": principal.csrf}))
}
