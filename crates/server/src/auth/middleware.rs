//! Two layers: `authenticate` (on every request) works out who is calling
//! from the session cookie or bearer token; `authorize` (per route) checks
//! the caller against the route's [`Access`].

use std::sync::Arc;

use axum::extract::{Request, State};
use axum::http::{HeaderMap, Method, StatusCode, header};
use axum::middleware::Next;
use axum::response::{IntoResponse, Response};
use jiff::Timestamp;
use safecare_i18n::{Defaults, Locale};
use safecare_model::Role;
use safecare_store::AccountStore;

use super::rate_limit::{Caller, RateLimits, client_address, over_limit};
use super::secret::{parse_api_token, same, token_hash};
use super::{Access, CSRF_HEADER, SESSION_COOKIE};
use crate::error::ApiError;

/// The authenticated caller, available to handlers as a request extension.
#[derive(Debug, Clone, PartialEq)]
pub struct Principal {
    /// The user or token name.
    pub name: String,
    /// The role its permissions come from.
    pub role: Role,
    /// For sensor tokens: the source its events are recorded under.
    pub source: Option<String>,
    /// The session's CSRF token when the caller came with a cookie; `None`
    /// for bearer tokens, which browsers never send on their own.
    pub csrf: Option<String>,
    /// The language and time zone pages are written in for them (the
    /// site's for tokens and for people who chose none).
    pub locale: Locale,
}

/// The session cookie's secret, if the request carries one.
pub fn session_secret(headers: &HeaderMap) -> Option<&str> {
    headers
        .get_all(header::COOKIE)
        .iter()
        .filter_map(|v| v.to_str().ok())
        .flat_map(|v| v.split(';'))
        .filter_map(|pair| pair.trim().split_once('='))
        .find(|(name, _)| *name == SESSION_COOKIE)
        .map(|(_, value)| value)
}

fn unauthorized(message: &str) -> Response {
    let mut response = ApiError::new(StatusCode::UNAUTHORIZED, message).into_response();
    response.headers_mut().insert(header::WWW_AUTHENTICATE, header::HeaderValue::from_static("Bearer"));
    response
}

/// Resolves the caller. A bearer token that is wrong is refused at once; a
/// stale cookie only makes the caller anonymous (so the login page still
/// works).
pub async fn authenticate(
    State(accounts): State<Arc<dyn AccountStore>>,
    State(limits): State<Arc<RateLimits>>,
    State(display): State<Arc<Defaults>>,
    mut request: Request,
    next: Next,
) -> Response {
    let bearer = request
        .headers()
        .get(header::AUTHORIZATION)
        .and_then(|v| v.to_str().ok())
        .and_then(|v| v.strip_prefix("Bearer "))
        .map(str::to_owned);
    let principal = if let Some(bearer) = bearer {
        match token_principal(accounts.as_ref(), &bearer, &display).await {
            Ok(principal) => Some(principal),
            // A refused token never reaches the rate limit behind this
            // layer, so it is charged to its address here: guessing
            // tokens is held back like any other stranger's requests.
            Err(refused) => return over_limit(&limits, &Caller::Address(client_address(&request))).unwrap_or(refused),
        }
    } else if let Some(secret) = session_secret(request.headers()) {
        match accounts.get_session(&token_hash(secret)).await {
            Ok(session) => session.map(|s| Principal {
                locale: Locale::for_person(&s.preferences, &display),
                name: s.user,
                role: s.role,
                source: None,
                csrf: Some(s.csrf),
            }),
            Err(err) => return ApiError::from(err).into_response(),
        }
    } else {
        None
    };
    if let Some(principal) = principal {
        request.extensions_mut().insert(principal);
    }
    next.run(request).await
}

async fn token_principal(accounts: &dyn AccountStore, bearer: &str, display: &Defaults) -> Result<Principal, Response> {
    let refused = || {
        metrics::counter!("safecare_auth_refused_total", "reason" => "bad_token").increment(1);
        unauthorized("invalid, expired or revoked API token")
    };
    let (id, secret) = parse_api_token(bearer).ok_or_else(refused)?;
    let token = accounts.get_api_token(id).await.map_err(|e| ApiError::from(e).into_response())?;
    let token = token.ok_or_else(refused)?;
    let expired = token.expires.is_some_and(|at| at <= Timestamp::now());
    if token.revoked || expired || !same(&token_hash(secret), &token.token_hash) {
        return Err(refused());
    }
    Ok(Principal {
        name: format!("token:{}", token.name),
        role: token.role,
        source: token.source,
        csrf: None,
        locale: Locale::new(display.language, display.zone.clone()),
    })
}

/// Checks the caller against `access`; for cookie callers, requests that
/// change state must also echo the session's CSRF token in a header.
pub async fn authorize(access: Access, request: Request, next: Next) -> Response {
    if access == Access::Public {
        return next.run(request).await;
    }
    let Some(principal) = request.extensions().get::<Principal>() else {
        metrics::counter!("safecare_auth_refused_total", "reason" => "anonymous").increment(1);
        return unauthorized("authentication required: log in or send an API token");
    };
    if !access.allows(principal.role) {
        metrics::counter!("safecare_auth_refused_total", "reason" => "forbidden").increment(1);
        let message = format!("role {} lacks the permission {}", principal.role, access.label());
        let mut response = ApiError::new(StatusCode::FORBIDDEN, message).into_response();
        if let Access::Needs(permission) = access {
            response.extensions_mut().insert(super::RefusedPermission(permission));
        }
        return response;
    }
    let changes_state = !matches!(*request.method(), Method::GET | Method::HEAD | Method::OPTIONS);
    if let (true, Some(expected)) = (changes_state, principal.csrf.as_deref()) {
        let sent = request.headers().get(CSRF_HEADER).and_then(|v| v.to_str().ok()).unwrap_or("");
        if !same(sent, expected) {
            metrics::counter!("safecare_auth_refused_total", "reason" => "csrf").increment(1);
            return ApiError::new(StatusCode::FORBIDDEN, "missing or wrong CSRF token (send the X-CSRF-Token header)")
                .into_response();
        }
    }
    next.run(request).await
}

/// Like [`authorize`], for HTML pages: a stranger is sent to the login page
/// (and back afterwards) instead of getting a JSON 401.
pub async fn authorize_page(access: Access, request: Request, next: Next) -> Response {
    if access != Access::Public && request.extensions().get::<Principal>().is_none() {
        let back = request.uri().path_and_query().map(|p| p.as_str()).unwrap_or("/");
        let location = format!("/login?next={}", percent_encode(back));
        return (StatusCode::SEE_OTHER, [(header::LOCATION, location)]).into_response();
    }
    authorize(access, request, next).await
}

/// Encodes a path for use as a query value (only what a local path needs).
fn percent_encode(path: &str) -> String {
    path.bytes()
        .map(|b| match b {
            b'A'..=b'Z' | b'a'..=b'z' | b'0'..=b'9' | b'/' | b'-' | b'_' | b'.' | b'~' => (b as char).to_string(),
            _ => format!("%{b:02X}"),
        })
        .collect()
}
