//! `GET /api/v1/stream`: Server-Sent Events for live views. Alerts and
//! incidents as they happen, and every few seconds (at once after an
//! incident changes) the figures of the overview (event rate, open
//! incidents, sources).

use std::collections::BTreeMap;
use std::convert::Infallible;
use std::sync::Arc;
use std::time::Duration;

use axum::extract::{Extension, State};
use axum::response::sse::{Event as SseEvent, KeepAlive, Sse};
use futures::Stream;
use jiff::{SignedDuration, Timestamp};
use safecare_bus::{Bus, Delivery, Message, Topic};
use safecare_i18n::Locale;
use safecare_store::Store;
use serde::Serialize;
use tokio::sync::mpsc;
use tokio::time::Instant;
use tokio_util::sync::CancellationToken;

use crate::auth::Principal;
use crate::error::ApiError;

/// How often the overview's figures are sent.
const STATS_EVERY: Duration = Duration::from_secs(10);
/// After an incident changes the figures are sent at once, but not more
/// often than this: an alert flood must not become a query flood.
const STATS_AT_MOST_EVERY: Duration = Duration::from_secs(1);
/// A slow browser gets at most this many messages queued; the rest are
/// dropped for it (the bus subscription is lossy too), never buffered
/// without bound.
const CLIENT_QUEUE: usize = 256;
/// A source silent for longer than this is shown as silent.
const SILENT_AFTER: SignedDuration = SignedDuration::from_mins(15);

/// The overview's figures: the page renders them and the stream sends
/// them again, so the live page and a reload agree.
#[derive(Debug, Clone, Serialize)]
pub struct Figures {
    /// Events per minute over the last hour, oldest first.
    pub rate: Vec<u64>,
    /// Open incidents per severity name.
    pub open_incidents: BTreeMap<String, u64>,
    /// All open incidents.
    pub open_total: u64,
    /// Each source's activity over the last 24 hours.
    pub sources: Vec<SourceFigure>,
}

/// One source's line of the overview.
#[derive(Debug, Clone, Serialize)]
pub struct SourceFigure {
    /// The source's name.
    pub source: String,
    /// Its events in the last 24 hours.
    pub events: u64,
    /// When its latest event was received, in the reader's zone.
    pub last_event: String,
    /// Whether it has been silent longer than [`SILENT_AFTER`].
    pub silent: bool,
    /// `silent` in the reader's words.
    pub state: String,
}

/// The overview's figures now, times and words in `locale`.
pub async fn stats(store: &dyn Store, locale: &Locale) -> Result<Figures, ApiError> {
    let now = Timestamp::now();
    let rate = store.event_rate(now - SignedDuration::from_mins(60), SignedDuration::from_mins(1)).await?;
    let open: BTreeMap<String, u64> = store
        .open_incidents_by_severity()
        .await?
        .into_iter()
        .map(|(severity, n)| (severity.as_str().to_owned(), n))
        .collect();
    let sources = store
        .source_activity(now - SignedDuration::from_hours(24))
        .await?
        .into_iter()
        .map(|activity| {
            let silent = now.duration_since(activity.last_received) > SILENT_AFTER;
            SourceFigure {
                last_event: locale.time(activity.last_received),
                state: if silent {
                    locale.text("overview-source-silent")
                } else {
                    locale.text("overview-source-reporting")
                },
                source: activity.source,
                events: activity.events,
                silent,
            }
        })
        .collect();
    Ok(Figures {
        rate: rate.iter().map(|(_, n)| *n).collect(),
        open_total: open.values().sum(),
        open_incidents: open,
        sources,
    })
}

fn sse(kind: &str, data: serde_json::Value) -> SseEvent {
    SseEvent::default().event(kind).data(data.to_string())
}

pub async fn stream(
    State(store): State<Arc<dyn Store>>,
    State(bus): State<Arc<dyn Bus>>,
    State(shutdown): State<CancellationToken>,
    Extension(principal): Extension<Principal>,
) -> Result<Sse<impl Stream<Item = Result<SseEvent, Infallible>>>, ApiError> {
    let mut alerts =
        bus.subscribe(Topic::Alerts, Delivery::Lossy).await.map_err(|e| ApiError::bad_request(e.to_string()))?;
    let mut incidents =
        bus.subscribe(Topic::Incidents, Delivery::Lossy).await.map_err(|e| ApiError::bad_request(e.to_string()))?;
    let (tx, rx) = mpsc::channel::<SseEvent>(CLIENT_QUEUE);
    tokio::spawn(async move {
        let mut tick = tokio::time::interval(STATS_EVERY);
        let mut last_stats = Instant::now();
        loop {
            let event = tokio::select! {
                Some(message) = alerts.recv() => match message.as_ref() {
                    Message::Alert(alert) => sse("alert", serde_json::to_value(alert).unwrap_or_default()),
                    _ => continue,
                },
                Some(message) = incidents.recv() => match message.as_ref() {
                    Message::Incident(incident) => {
                        // The open-incident counters follow the change
                        // instead of waiting for the next regular tick: at
                        // once, or a second after the last figures (a past
                        // deadline fires at once; a flood keeps the same one).
                        tick.reset_at(last_stats + STATS_AT_MOST_EVERY);
                        sse("incident", serde_json::to_value(incident).unwrap_or_default())
                    }
                    _ => continue,
                },
                _ = tick.tick() => match stats(store.as_ref(), &principal.locale).await {
                    Ok(figures) => {
                        last_stats = Instant::now();
                        sse("stats", serde_json::to_value(figures).unwrap_or_default())
                    }
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
