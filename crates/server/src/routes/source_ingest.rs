//! `POST /api/v1/sources/{name}/events`: records for a configured source of
//! transport `http`, decoded by that source's decoder exactly as a listener
//! would (IDMEFv2 from other detectors, JSON with a field mapping, syslog
//! or CEF lines…), then placed, pseudonymised and stored like every event.

use axum::Json;
use axum::extract::rejection::BytesRejection;
use axum::extract::{Extension, Path, State};
use axum::http::{HeaderMap, StatusCode, header};
use bytes::Bytes;
use jiff::Timestamp;
use safecare_ingest::Resolver;
use serde_json::Value;

use super::events::IngestReply;
use crate::AppState;
use crate::auth::Principal;
use crate::error::ApiError;
use crate::ndjson::{LineError, MAX_LISTED_ERRORS};

/// The body cut into the source's records: a JSON document is one record
/// (an array, one per element); any other body is one record per line.
fn records(headers: &HeaderMap, body: &[u8]) -> Result<Vec<Vec<u8>>, ApiError> {
    let mime = headers.get(header::CONTENT_TYPE).and_then(|v| v.to_str().ok()).unwrap_or("");
    let essence = mime.split(';').next().unwrap_or("").trim().to_ascii_lowercase();
    match essence.as_str() {
        "application/json" => match serde_json::from_slice::<Value>(body) {
            Ok(Value::Array(items)) => Ok(items.iter().map(|v| v.to_string().into_bytes()).collect()),
            Ok(_) => Ok(vec![body.to_vec()]),
            Err(e) => Err(ApiError::bad_request(format!("the body is not JSON: {e}"))),
        },
        "application/x-ndjson" | "application/ndjson" | "application/jsonl" | "text/plain" => Ok(body
            .split(|b| *b == b'\n')
            .map(|l| l.strip_suffix(b"\r").unwrap_or(l))
            .filter(|l| !l.iter().all(u8::is_ascii_whitespace))
            .map(<[u8]>::to_vec)
            .collect()),
        other => Err(ApiError::new(
            StatusCode::UNSUPPORTED_MEDIA_TYPE,
            format!(
                "unsupported Content-Type {other:?}; send application/json (one record or an array), application/x-ndjson or text/plain (one record per line)"
            ),
        )),
    }
}

pub async fn ingest(
    State(state): State<AppState>,
    Extension(principal): Extension<Principal>,
    Path(name): Path<String>,
    headers: HeaderMap,
    body: Result<Bytes, BytesRejection>,
) -> Result<(StatusCode, Json<IngestReply>), ApiError> {
    let source = state
        .sources
        .http(&name)
        .ok_or_else(|| ApiError::not_found(format!("no source {name:?} of type http is configured")))?;
    if principal.source.as_deref().is_some_and(|own| own != name) {
        return Err(ApiError::new(
            StatusCode::FORBIDDEN,
            format!("this sensor token sends for another source, not {name:?}"),
        ));
    }
    state.progress.admit(state.config.max_lag)?;
    let body = body.map_err(|rejection| ApiError::new(rejection.status(), rejection.body_text()))?;
    let records = records(&headers, &body)?;
    if records.is_empty() {
        return Err(ApiError::bad_request("empty body: no records"));
    }
    let ctx = source.context.clone().received_at(Timestamp::now());
    let (mut events, mut errors, mut rejected) = (Vec::new(), Vec::new(), 0);
    for (line, record) in records.iter().enumerate() {
        match source.decoder.decode_all(record, None, &ctx) {
            Ok(decoded) => {
                for mut event in decoded {
                    Resolver::resolve(&mut event, state.assets.as_ref());
                    source.stats.record_event(event.received);
                    events.push(event);
                }
            }
            Err(err) => {
                source.stats.record_error(err.kind(), err.to_string());
                rejected += 1;
                if errors.len() < MAX_LISTED_ERRORS {
                    errors.push(LineError { line: line + 1, error: err.to_string() });
                }
            }
        }
    }
    let accepted = events.len();
    let new = crate::pipeline::store_and_publish(&state, events)
        .await
        .map_err(|err| ApiError::new(StatusCode::SERVICE_UNAVAILABLE, err.to_string()))?;
    let status = if accepted == 0 { StatusCode::BAD_REQUEST } else { StatusCode::ACCEPTED };
    Ok((status, Json(IngestReply { accepted, duplicates: accepted - new, rejected, errors })))
}
