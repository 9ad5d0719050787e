//! `GET /api/v1/stream`: Server-Sent Events for live views. Alerts and
//! incidents as they happen, and every few seconds the figures of the
//! overview (event rate, open incidents).

use std::convert::Infallible;
use std::sync::Arc;
use std::time::Duration;

use axum::extract::State;
use axum::response::sse::{Event as SseEvent, KeepAlive, Sse};
use futures::Stream;
use jiff::{SignedDuration, Timestamp};
use safecare_bus::{Bus, Delivery, Message, Topic};
use safecare_store::Store;
use serde_json::json;
use tokio::sync::mpsc;
use tokio_util::sync::CancellationToken;

use crate::error::ApiError;

/// How often the overview's figures are sent.
const STATS_EVERY: Duration = Duration::from_secs(10);
/// A slow browser gets at most this many messages queued; the rest are
/// dropped for it (the bus subscription is lossy too), never buffered
/// without bound.
const CLIENT_QUEUE: usize = 256;

/// The overview's figures, also used to render the page itself.
pub async fn stats(store: &dyn Store) -> Result<serde_json::Value, ApiError> {
    let now = Timestamp::now();
    let rate = store.event_rate(now - SignedDuration::from_mins(60), SignedDuration::from_mins(1)).await?;
    let open = store.open_incidents_by_severity().await?;
    let open: serde_json::Map<String, serde_json::Value> =
        open.into_iter().map(|(severity, n)| (severity.as_str().to_owned(), json!(n))).collect();
    Ok(json!({"rate": rate.iter().map(|(_, n)| n).collect::<Vec<_>>(), "open_incidents": open}))
}

fn sse(kind: &str, data: serde_json::Value) -> SseEvent {
    SseEvent::default().event(kind).data(data.to_string())
}

pub async fn stream(
    State(store): State<Arc<dyn Store>>,
    State(bus): State<Arc<dyn Bus>>,
    State(shutdown): State<CancellationToken>,
) -> Result<Sse<impl Stream<Item = Result<SseEvent, Infallible>>>, ApiError> {
    let mut alerts =
        bus.subscribe(Topic::Alerts, Delivery::Lossy).await.map_err(|e| ApiError::bad_request(e.to_string()))?;
    let mut incidents =
        bus.subscribe(Topic::Incidents, Delivery::Lossy).await.map_err(|e| ApiError::bad_request(e.to_string()))?;
    let (tx, rx) = mpsc::channel::<SseEvent>(CLIENT_QUEUE);
    tokio::spawn(async move {
        let mut tick = tokio::time::interval(STATS_EVERY);
        loop {
            let event = tokio::select! {
                Some(message) = alerts.recv() => match message.as_ref() {
                    Message::Alert(alert) => sse("alert", serde_json::to_value(alert).unwrap_or_default()),
                    _ => continue,
                },
                Some(message) = incidents.recv() => match message.as_ref() {
                    Message::Incident(incident) => sse("incident", serde_json::to_value(incident).unwrap_or_default()),
                    _ => continue,
                },
                _ = tick.tick() => match stats(store.as_ref()).await {
                    Ok(figures) => sse("stats", figures),
                    Err(_) => continue,
                },
                () = shutdown.cancelled() => break,
                else => break,
            };
            if tx.is_closed() {
                break;
            }
            if tx.try_send(event).is_err() {
                metrics::counter!("safecare_stream_dropped_total").increment(1);
            }
        }
    });
    let stream = futures::stream::unfold(rx, |mut rx| async move { rx.recv().await.map(|e| (Ok(e), rx)) });
    Ok(Sse::new(stream).keep_alive(KeepAlive::default()))
}
