//! `POST /api/v1/sources/{name}/events`: records for a configured source of
//! transport `http`, decoded by that source's decoder exactly as a listener
//! would (IDMEFv2 from other detectors, JSON with a field mapping, syslog
//! or CEF lines…): the source's ingest step (`safecare_ingest::Intake`)
//! decodes, places and counts, then the shared tail pseudonymises, stores
//! and publishes.

use axum::Json;
use axum::extract::rejection::BytesRejection;
use axum::extract::{Extension, Path, State};
use axum::http::{HeaderMap, StatusCode};
use bytes::Bytes;
use safecare_ingest::BodyFormat;
use safecare_ingest::media::lines;
use serde_json::Value;

use std::sync::Arc;

use super::events::{IngestReply, body_format};
use crate::Config;
use crate::auth::Principal;
use crate::error::ApiError;
use crate::pipeline::{IngestIo, Sources};
use safecare_ingest::body::{LineError, MAX_LISTED_ERRORS};

/// The body cut into the source's numbered records: a JSON document is
/// one record (an array, one per element); any other body is one record
/// per line.
fn records(headers: &HeaderMap, body: &[u8]) -> Result<Vec<(usize, Vec<u8>)>, ApiError> {
    match body_format(headers)? {
        BodyFormat::Json => match serde_json::from_slice::<Value>(body) {
            Ok(Value::Array(items)) => {
                Ok(items.iter().enumerate().map(|(i, v)| (i + 1, v.to_string().into_bytes())).collect())
            }
            Ok(_) => Ok(vec![(1, body.to_vec())]),
            Err(e) => Err(ApiError::bad_request(format!("the body is not JSON: {e}"))),
        },
        BodyFormat::Lines => Ok(lines(body).map(|(n, line)| (n, line.to_vec())).collect()),
    }
}

pub async fn ingest(
    State(sources): State<Sources>,
    State(io): State<IngestIo>,
    State(config): State<Arc<Config>>,
    Extension(principal): Extension<Principal>,
    Path(name): Path<String>,
    request: axum::http::request::Parts,
    body: Result<Bytes, BytesRejection>,
) -> Result<(StatusCode, Json<IngestReply>), ApiError> {
    let source = sources
        .http(&name)
        .ok_or_else(|| ApiError::not_found(format!("no source {name:?} of type http is configured")))?;
    if principal.source.as_deref().is_some_and(|own| own != name) {
        return Err(ApiError::new(
            StatusCode::FORBIDDEN,
            format!("this sensor token sends for another source, not {name:?}"),
        ));
    }
    io.progress.admit(config.max_lag)?;
    let run = super::exercises::run_of(&request.uri)?;
    let body = body.map_err(|rejection| ApiError::new(rejection.status(), rejection.body_text()))?;
    let records = records(&request.headers, &body)?;
    if records.is_empty() {
        return Err(ApiError::bad_request("empty body: no records"));
    }
    let (mut events, mut errors, mut rejected) = (Vec::new(), Vec::new(), 0);
    for (line, record) in &records {
        match source.take(record, None, None) {
            Ok(decoded) => events.extend(decoded),
            Err(err) => {
                rejected += 1;
                if errors.len() < MAX_LISTED_ERRORS {
                    errors.push(LineError { line: *line, error: err.to_string() });
                }
            }
        }
    }
    super::exercises::mark(&mut events, run.as_deref());
    let accepted = events.len();
    let new = crate::pipeline::store_and_publish(&io, events)
        .await
        .map_err(|err| ApiError::new(StatusCode::SERVICE_UNAVAILABLE, err.to_string()))?;
    let status = if accepted == 0 { StatusCode::BAD_REQUEST } else { StatusCode::ACCEPTED };
    Ok((status, Json(IngestReply { accepted, duplicates: accepted - new, rejected, errors })))
}
