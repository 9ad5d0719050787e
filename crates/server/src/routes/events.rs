//! `POST /api/v1/events` (ingest), `GET /api/v1/events` (query) and
//! `GET /api/v1/events/export` (audited bulk export).

use axum::Json;
use axum::body::Body;
use axum::extract::rejection::BytesRejection;
use axum::extract::{Extension, Path, Query, State};
use axum::http::{HeaderMap, StatusCode, header};
use axum::response::{IntoResponse, Response};
use bytes::Bytes;
use jiff::Timestamp;
use safecare_ingest::{BodyFormat, Resolver};
use safecare_model::{Domain, Event, EventId, Severity};
use safecare_store::{Cursor, EventPage, EventQuery, MAX_PAGE};
use serde::{Deserialize, Serialize};

use std::sync::Arc;

use safecare_impact::LiveInventory;
use safecare_store::Store;

use super::params::parse;
use crate::Config;
use crate::auth::Principal;
use crate::error::ApiError;
use crate::pipeline::{IngestIo, Progress, Sources};
use crate::privacy::Privacy;
use crate::search::{Inputs, Personal, Search};
use safecare_ingest::body::{LineError, Parsed, parse_json, parse_ndjson};

/// The answer to an ingest request.
#[derive(Debug, Serialize)]
pub struct IngestReply {
    /// Events now stored durably (including ones already stored by an
    /// earlier try of the same request).
    pub accepted: usize,
    /// Of the accepted, how many were already stored.
    pub duplicates: usize,
    pub rejected: usize,
    /// The first refused lines with their reasons (at most 1000 listed).
    pub errors: Vec<LineError>,
}

/// The body's layout by its Content-Type (the one parser of
/// `safecare-ingest`, shared by both ingest routes); 415 naming what is
/// accepted otherwise.
pub(crate) fn body_format(headers: &HeaderMap) -> Result<BodyFormat, ApiError> {
    BodyFormat::from_content_type(headers.get(header::CONTENT_TYPE).map(|v| v.as_bytes())).map_err(|err| {
        ApiError::new(StatusCode::UNSUPPORTED_MEDIA_TYPE, format!("{err}; send {}", BodyFormat::ACCEPTED))
    })
}

/// Stores the valid events of the body durably, then answers 202 with what
/// was accepted and which lines were refused (400 when none was valid).
///
/// Events sent with a sensor token are recorded under that token's source,
/// whatever they claim, so one compromised sensor cannot pose as another.
pub async fn ingest(
    State(io): State<IngestIo>,
    State(config): State<Arc<Config>>,
    State(assets): State<Arc<LiveInventory>>,
    Extension(principal): Extension<Principal>,
    headers: HeaderMap,
    uri: axum::http::Uri,
    body: Result<Bytes, BytesRejection>,
) -> Result<(StatusCode, Json<IngestReply>), ApiError> {
    io.progress.admit(config.max_lag)?;
    let run = super::exercises::run_of(&uri)?;
    let source = principal.source.as_deref().unwrap_or(config.http_source.as_str());
    let format = body_format(&headers).inspect_err(|_| count_refused(source, "content_type"))?;
    let body = body.map_err(|rejection| {
        let status = rejection.status();
        count_refused(source, if status == StatusCode::PAYLOAD_TOO_LARGE { "too_large" } else { "body" });
        ApiError::new(status, format!("{} (limit {} bytes)", rejection.body_text(), config.max_body_bytes))
    })?;
    if body.iter().all(u8::is_ascii_whitespace) {
        count_refused(source, "empty");
        return Err(ApiError::bad_request("empty body: no events"));
    }
    let now = Timestamp::now();
    let Parsed { mut events, rejected, errors } = match format {
        BodyFormat::Json => parse_json(&body, now, source, config.max_event_bytes),
        BodyFormat::Lines => parse_ndjson(&body, now, source, config.max_event_bytes),
    };
    if principal.source.is_some() {
        events.iter_mut().for_each(|e| source.clone_into(&mut e.source));
    }
    // Placed on the asset map as listener events are: an event naming no
    // asset gets the one its host name, address or device id belongs to,
    // or is flagged as an unknown device.
    for event in &mut events {
        Resolver::resolve(event, assets.as_ref());
    }
    super::exercises::mark(&mut events, run.as_deref());
    let accepted = events.len();
    let new = crate::pipeline::store_and_publish(&io, events).await.map_err(|err| {
        tracing::error!(%err, "cannot take in a batch");
        ApiError::new(StatusCode::SERVICE_UNAVAILABLE, err.to_string())
    })?;

    let reply = IngestReply { accepted, duplicates: accepted - new, rejected, errors };
    let status = if accepted == 0 { StatusCode::BAD_REQUEST } else { StatusCode::ACCEPTED };
    Ok((status, Json(reply)))
}

fn count_refused(source: &str, reason: &'static str) {
    metrics::counter!("safecare_ingest_refused_requests_total", "source" => source.to_owned(), "reason" => reason)
        .increment(1);
}

/// Query string of `GET /api/v1/events`; every value is parsed by hand so a
/// bad one is named in the error.
#[derive(Debug, Default, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct ListParams {
    from: Option<String>,
    to: Option<String>,
    domain: Option<String>,
    asset: Option<String>,
    location: Option<String>,
    source: Option<String>,
    min_severity: Option<String>,
    q: Option<String>,
    limit: Option<String>,
    after: Option<String>,
}

impl ListParams {
    /// The store query: `q` in the search language, times in the caller's
    /// zone; the older single-filter parameters narrow it further.
    fn into_search(self, principal: &Principal, personal: &Personal<'_>) -> Result<Search, ApiError> {
        let inputs = Inputs { q: self.q.as_deref(), from: self.from.as_deref(), to: self.to.as_deref() };
        let mut search = crate::search::build(&inputs, principal.locale.zone(), Timestamp::now(), personal)
            .map_err(|e| ApiError::bad_request(e.to_string()))?;
        let query = &mut search.query;
        if let Some(domain) = parse::<Domain>("domain", self.domain)? {
            query.domain = Some(domain);
        }
        if let Some(min) = parse::<Severity>("min_severity", self.min_severity)? {
            query.min_severity = Some(query.min_severity.map_or(min, |m| m.max(min)));
        }
        query.asset = self.asset.filter(|a| !a.is_empty());
        query.location = self.location.filter(|l| !l.is_empty()).or(query.location.take());
        query.source = self.source.filter(|s| !s.is_empty()).or(query.source.take());
        query.limit = parse::<usize>("limit", self.limit)?.unwrap_or(100);
        query.after = parse::<Cursor>("after", self.after)?;
        Ok(search)
    }
}

/// The privacy layer's view of personal fields, for turning typed values
/// into the tokens ingest stored.
pub(crate) fn personal<'a>(config: &'a Config, privacy: &'a Privacy) -> Personal<'a> {
    Personal { config: &config.privacy.pseudonymise, pseudonymiser: &privacy.pseudonymiser }
}

/// Writes to the audit chain that `who` searched for people by the tokens
/// of values they typed; a search that cannot be audited does not run.
pub(crate) async fn audit_personal(privacy: &Privacy, who: &str, search: &Search) -> Result<(), ApiError> {
    if search.pseudonymised.is_empty() {
        return Ok(());
    }
    privacy.record(who, "events.search", "", &search.pseudonymised.join(" ")).await.map_err(|err| {
        ApiError::new(StatusCode::SERVICE_UNAVAILABLE, format!("search refused: it cannot be audited ({err})"))
    })
}

/// Events matching the filters, newest first; `next` continues the list.
pub async fn list(
    State(store): State<Arc<dyn Store>>,
    State(config): State<Arc<Config>>,
    State(privacy): State<Arc<Privacy>>,
    Extension(principal): Extension<Principal>,
    params: Result<Query<ListParams>, axum::extract::rejection::QueryRejection>,
) -> Result<Json<EventPage>, ApiError> {
    let Query(params) = params.map_err(|e| ApiError::bad_request(e.body_text()))?;
    let search = params.into_search(&principal, &personal(&config, &privacy))?;
    audit_personal(&privacy, &principal.name, &search).await?;
    Ok(Json(store.query_events(search.query).await?))
}

/// `GET /api/v1/events/export`: every event matching the filters of
/// `GET /api/v1/events`, newest first, as NDJSON, read and sent a page at a
/// time; `limit` caps the total. The export is audited with the caller and
/// the filters before the first event leaves, and refused when it cannot
/// be audited.
pub async fn export(
    State(store): State<Arc<dyn Store>>,
    State(config): State<Arc<Config>>,
    State(privacy): State<Arc<Privacy>>,
    Extension(principal): Extension<Principal>,
    params: Result<Query<ListParams>, axum::extract::rejection::QueryRejection>,
) -> Result<Response, ApiError> {
    let Query(mut params) = params.map_err(|e| ApiError::bad_request(e.body_text()))?;
    let cap = parse::<usize>("limit", params.limit.take())?;
    if params.after.is_some() {
        return Err(ApiError::bad_request("an export starts with the newest event: `after` is not accepted"));
    }
    let search = params.into_search(&principal, &personal(&config, &privacy))?;
    let query = search.query;
    let filters = export_filters(&query, cap);
    privacy.record(&principal.name, "events.export", "", &filters).await.map_err(|err| {
        ApiError::new(StatusCode::SERVICE_UNAVAILABLE, format!("export refused: it cannot be audited ({err})"))
    })?;
    let pages = futures::stream::try_unfold((store, Some(query), cap), |(store, query, left)| async move {
        let Some(mut query) = query else { return Ok(None) };
        if left == Some(0) {
            return Ok(None);
        }
        query.limit = left.map_or(MAX_PAGE, |n| n.min(MAX_PAGE));
        let page = store.query_events(query.clone()).await.inspect_err(|err| {
            tracing::error!(%err, "event export broken off");
        })?;
        let mut chunk = Vec::new();
        for event in &page.events {
            serde_json::to_writer(&mut chunk, event).map_err(safecare_store::StoreError::from)?;
            chunk.push(b'\n');
        }
        let left = left.map(|n| n.saturating_sub(page.events.len()));
        let next = page.next.map(|cursor| EventQuery { after: Some(cursor), ..query });
        Ok::<_, safecare_store::StoreError>(Some((Bytes::from(chunk), (store, next, left))))
    });
    Ok(([(header::CONTENT_TYPE, "application/x-ndjson")], Body::from_stream(pages)).into_response())
}

/// The export's filters, for the audit entry (`all events` when none).
fn export_filters(query: &EventQuery, cap: Option<usize>) -> String {
    let mut parts = Vec::new();
    let mut add = |name: &str, value: Option<String>| {
        if let Some(value) = value {
            parts.push(format!("{name}={value}"));
        }
    };
    add("from", query.from.map(|t| t.to_string()));
    add("to", query.to.map(|t| t.to_string()));
    add("domain", query.domain.map(|d| d.to_string()));
    add("asset", query.asset.clone());
    add("location", query.location.clone());
    add("source", query.source.clone());
    add("min_severity", query.min_severity.map(|s| s.to_string()));
    add("q", query.text.clone());
    for filter in &query.fields {
        add("field", Some(format!("{}={}", filter.names.join("|"), filter.values.join(","))));
    }
    add("limit", cap.map(|n| n.to_string()));
    if parts.is_empty() { "all events".to_owned() } else { parts.join(" ") }
}

/// One event by id.
pub async fn get_one(State(store): State<Arc<dyn Store>>, Path(id): Path<String>) -> Result<Json<Event>, ApiError> {
    let id: EventId = id.parse().map_err(|e: safecare_model::ParseIdError| ApiError::bad_request(e.to_string()))?;
    store.get_event(id).await?.map(Json).ok_or_else(|| ApiError::not_found(format!("no event {id}")))
}

/// The configured sources' health: events, errors by kind, last event,
/// connections (for listeners), and every source seen in the last day
/// (including HTTP senders) with its event count and last event.
pub async fn sources(
    State(store): State<Arc<dyn Store>>,
    State(progress): State<Progress>,
    State(sources): State<Sources>,
) -> Result<Json<serde_json::Value>, ApiError> {
    let since = Timestamp::now() - jiff::SignedDuration::from_hours(24);
    let activity = store.source_activity(since).await?;
    let stages = progress.lag(store.as_ref()).await;
    Ok(Json(serde_json::json!({"listeners": sources.health(), "activity": activity, "stages": stages})))
}
