//! Every refusal under `/api/` in the API's one error form: axum's own
//! extractor rejections (a body that is not the JSON asked for, a bad
//! query or path, a body over the limit) and the router's 405 answer in
//! plain text; this layer rewrites them as [`ApiError`] JSON.

use axum::extract::Request;
use axum::http::header;
use axum::middleware::Next;
use axum::response::{IntoResponse, Response};

use crate::error::ApiError;
use crate::web::{answers_as, reason_of};

/// Rewrites a non-JSON error answer of an API route as the API's JSON
/// error, keeping its status and headers.
pub async fn json_errors(request: Request, next: Next) -> Response {
    let api = request.uri().path().starts_with("/api/");
    let response = next.run(request).await;
    let status = response.status();
    if !api || !(status.is_client_error() || status.is_server_error()) || answers_as(&response, "application/json") {
        return response;
    }
    let (mut parts, body) = response.into_parts();
    let reason = reason_of(body).await;
    let reason = if reason.is_empty() { status.canonical_reason().unwrap_or("refused").to_owned() } else { reason };
    let rewritten = ApiError::new(status, reason).into_response();
    let (new_parts, new_body) = rewritten.into_parts();
    parts.headers.remove(header::CONTENT_LENGTH);
    for (name, value) in new_parts.headers.iter() {
        parts.headers.insert(name, value.clone());
    }
    Response::from_parts(parts, new_body)
}
