//! Refusals and failures of page routes as pages: a browser asking for a
//! page it may not see, one that does not exist or with a bad parameter
//! gets the dashboard's shell with the reason, not the API's JSON.

use axum::body::{Body, to_bytes};
use axum::extract::Request;
use axum::http::{StatusCode, Uri, header};
use axum::middleware::Next;
use axum::response::{IntoResponse, Response};
use maud::{DOCTYPE, Markup, html};
use safecare_i18n::Locale;

use super::layout::{head, page as shell};
use crate::auth::Principal;
use crate::error::ApiError;

/// The most of a refusal's body read to find its message.
const MAX_ERROR_BODY: usize = 64 * 1024;

/// The reason a JSON or text error answer gives: the API's `error`
/// member, else the text itself.
pub(crate) async fn reason_of(body: Body) -> String {
    let bytes = to_bytes(body, MAX_ERROR_BODY).await.unwrap_or_default();
    let text = String::from_utf8_lossy(&bytes);
    serde_json::from_str::<serde_json::Value>(&text)
        .ok()
        .and_then(|json| json.get("error").and_then(|e| e.as_str()).map(str::to_owned))
        .unwrap_or_else(|| text.trim().to_owned())
}

/// True when the answer's media type starts with `prefix`.
pub(crate) fn answers_as(response: &Response, prefix: &str) -> bool {
    response.headers().get(header::CONTENT_TYPE).and_then(|v| v.to_str().ok()).is_some_and(|v| v.starts_with(prefix))
}

/// Layer of page routes: an error answer that is not a page already
/// becomes one, with the same status and headers.
pub async fn html_errors(request: Request, next: Next) -> Response {
    let principal = request.extensions().get::<Principal>().cloned();
    let response = next.run(request).await;
    let status = response.status();
    if !(status.is_client_error() || status.is_server_error()) || answers_as(&response, "text/html") {
        return response;
    }
    let (mut parts, body) = response.into_parts();
    let reason = reason_of(body).await;
    parts.headers.remove(header::CONTENT_LENGTH);
    parts.headers.insert(header::CONTENT_TYPE, header::HeaderValue::from_static("text/html; charset=utf-8"));
    let page = error_page(status, &reason, principal.as_ref());
    Response::from_parts(parts, Body::from(page.into_string()))
}

/// Paths no route takes: JSON under `/api/`, a page anywhere else.
pub async fn not_found(uri: Uri, principal: Option<axum::Extension<Principal>>) -> Response {
    let path = uri.path();
    if path.starts_with("/api/") {
        return ApiError::not_found(format!("no API route {path}")).into_response();
    }
    let principal = principal.map(|p| p.0);
    let locale = principal.as_ref().map(|p| p.locale.clone()).unwrap_or_default();
    let reason = locale.text_with("evidence-error-no-page", &[("path", path.to_owned().into())]);
    (StatusCode::NOT_FOUND, error_page(StatusCode::NOT_FOUND, &reason, principal.as_ref())).into_response()
}

/// The catalogue id of the heading for a status.
fn heading_id(status: StatusCode) -> &'static str {
    match status {
        StatusCode::BAD_REQUEST => "evidence-error-400",
        StatusCode::FORBIDDEN => "evidence-error-403",
        StatusCode::NOT_FOUND => "evidence-error-404",
        StatusCode::TOO_MANY_REQUESTS => "evidence-error-429",
        s if s.is_client_error() => "evidence-error-4xx",
        _ => "evidence-error-5xx",
    }
}

/// The error inside the shell for a signed-in reader; a bare page with the
/// way to the login for a stranger.
fn error_page(status: StatusCode, reason: &str, principal: Option<&Principal>) -> Markup {
    let locale = principal.map(|p| p.locale.clone()).unwrap_or_default();
    let title = locale.text(heading_id(status));
    let body = body(status, reason, &locale, principal.is_some());
    match principal {
        Some(principal) => shell(&title, principal, "", body),
        None => html! {
            (DOCTYPE)
            html lang=(locale.language().tag()) {
                (head(&title, false))
                body.login { main id="main" { h1 { (title) } (body) } }
            }
        },
    }
}

fn body(status: StatusCode, reason: &str, locale: &Locale, signed_in: bool) -> Markup {
    html! {
        section.error-page data-status=(status.as_u16()) {
            p.error role="alert" { (reason) }
            p { small { (locale.text_with("evidence-error-status", &[("status", usize::from(status.as_u16()).into())])) } }
            p {
                @if signed_in {
                    a href="/" { (locale.text("evidence-error-home")) }
                } @else {
                    a href="/login" { (locale.text("evidence-error-login")) }
                }
            }
        }
    }
}
