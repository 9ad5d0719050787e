//! The incident stage: every alert grouped into an incident as it is
//! raised, and once a minute the regulatory reminders that came due and the
//! grouping keys that aged out of their window.

use std::time::Duration;

use jiff::Timestamp;
use safecare_bus::{Delivery, Message, Subscription, Topic};
use safecare_model::Alert;
use safecare_respond::Incidents;
use tokio::task::JoinHandle;
use tokio_util::sync::CancellationToken;

use crate::AppState;

/// How often reminders are looked for and the grouper trimmed.
const HOUSEKEEPING_EVERY: Duration = Duration::from_secs(60);
/// The most alerts grouped in one go (what is already queued, up to this).
const BATCH: usize = 256;

/// Starts the incident stage. It runs until `stop` is cancelled, then
/// groups what is still queued and ends.
pub async fn spawn_incidents(
    state: AppState,
    incidents: Incidents,
    stop: CancellationToken,
) -> Result<JoinHandle<()>, safecare_bus::BusError> {
    let alerts = state.bus.subscribe(Topic::Alerts, Delivery::Reliable).await?;
    Ok(tokio::spawn(run(incidents, alerts, stop)))
}

/// Groups `first` and whatever else is already queued, up to a batch.
async fn take(incidents: &Incidents, first: std::sync::Arc<Message>, queue: &mut Subscription) {
    let messages = queue.with_queued(first, BATCH);
    let alerts: Vec<&Alert> = messages
        .iter()
        .filter_map(|m| match m.as_ref() {
            Message::Alert(alert) => Some(alert.as_ref()),
            _ => None,
        })
        .collect();
    if let Err(err) = incidents.take_alerts(&alerts).await {
        tracing::error!(%err, alerts = alerts.len(), "alerts not grouped into incidents");
        metrics::counter!("safecare_incident_errors_total").increment(alerts.len() as u64);
    }
}

async fn run(incidents: Incidents, mut alerts: Subscription, stop: CancellationToken) {
    let mut tick = tokio::time::interval(HOUSEKEEPING_EVERY);
    loop {
        tokio::select! {
            message = alerts.recv() => match message {
                Some(message) => take(&incidents, message, &mut alerts).await,
                None => break,
            },
            _ = tick.tick() => {
                let now = Timestamp::now();
                incidents.lock().await.expire(now);
                if let Err(err) = incidents.remind(now).await {
                    tracing::warn!(%err, "regulatory reminders not checked");
                }
            }
            () = stop.cancelled() => break,
        }
    }
    while let Some(message) = alerts.try_recv() {
        take(&incidents, message, &mut alerts).await;
    }
    tracing::debug!("incident stage stopped");
}
