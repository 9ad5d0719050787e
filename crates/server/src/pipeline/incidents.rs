//! The incident stage: every alert grouped into an incident as it is
//! raised, and once a minute the regulatory reminders that came due and the
//! grouping keys that aged out of their window.
//!
//! Like detection, the stage reads the store's alert log from its
//! checkpoint (the bus only wakes it) and stores the incidents a batch
//! touched together with the checkpoint past it; the grouper is rebuilt
//! from the stored incidents on start, so it always agrees with the
//! checkpoint and a restart groups exactly the alerts not grouped yet.

use std::time::{Duration, Instant};

use jiff::Timestamp;
use safecare_bus::{Delivery, Topic};
use safecare_model::Alert;
use safecare_respond::Incidents;
use safecare_store::{Checkpoint, Log};
use tokio::task::JoinHandle;
use tokio_util::sync::CancellationToken;

use super::follow::{Follow, StageIo, Wakeups};

/// The stage's name in the store's checkpoints and in the lag it reports.
pub const STAGE: &str = "incidents";
/// How often reminders are looked for and the grouper trimmed.
const HOUSEKEEPING_EVERY: Duration = Duration::from_secs(60);
/// The most alerts read and grouped in one go.
const BATCH: usize = 256;

/// Starts the incident stage where the previous run's stored incidents
/// end. It runs until `stop` is cancelled, then groups every alert stored
/// by then and ends.
pub async fn spawn_incidents(
    state: StageIo,
    incidents: Incidents,
    stop: CancellationToken,
) -> Result<JoinHandle<()>, super::StageError> {
    let wakeups = Wakeups::new(state.bus.subscribe(Topic::Alerts, Delivery::Reliable).await?);
    let store = state.store.as_ref();
    let position = match store.checkpoint(STAGE).await? {
        Some(position) => position,
        None => {
            // Never ran: alerts of a store from before checkpoints were
            // grouped as they came; start after them.
            let head = store.log_head(Log::Alerts).await?;
            store.put_checkpoint(Checkpoint::new(STAGE, head)).await?;
            head
        }
    };
    let follow = Follow::new(STAGE, Log::Alerts, position, state.progress.clone());
    Ok(tokio::spawn(run(state, incidents, follow, wakeups, stop)))
}

/// Groups the next batch of stored alerts; false when there was none.
async fn step(state: &StageIo, incidents: &Incidents, follow: &mut Follow) -> bool {
    let read = state.store.alerts_after(follow.position(), BATCH);
    let Some((records, last)) = follow.page(read).await else { return false };
    let alerts: Vec<&Alert> = records.iter().map(|(_, alert)| alert).collect();
    match incidents.take_alerts(&alerts, last).await {
        Ok(()) => {
            follow.advance(state.store.as_ref(), last).await;
            true
        }
        Err(err) => {
            metrics::counter!("safecare_incident_errors_total").increment(alerts.len() as u64);
            follow.failed(&err, "alerts not grouped into incidents; the batch is grouped again");
            false
        }
    }
}

async fn housekeeping(incidents: &Incidents) {
    let now = Timestamp::now();
    incidents.lock().await.expire(now);
    if let Err(err) = incidents.remind(now).await {
        tracing::warn!(%err, "regulatory reminders not checked");
    }
}

async fn run(state: StageIo, incidents: Incidents, mut follow: Follow, mut wakeups: Wakeups, stop: CancellationToken) {
    let mut due = Instant::now();
    while !stop.is_cancelled() {
        if Instant::now() >= due {
            housekeeping(&incidents).await;
            due = Instant::now() + HOUSEKEEPING_EVERY;
        }
        if step(&state, &incidents, &mut follow).await {
            wakeups.consume();
        } else {
            tokio::select! {
                () = wakeups.wait(follow.retry_after()) => {}
                () = stop.cancelled() => {}
            }
        }
    }
    // Detection has stopped: group every alert it stored.
    while step(&state, &incidents, &mut follow).await {}
    tracing::debug!("incident stage stopped");
}
