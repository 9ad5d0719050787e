//! The detection stage: every stored event through the Sigma rules and
//! correlations; alerts are stored, then published.

use std::collections::HashMap;
use std::sync::{Arc, Mutex, MutexGuard};
use std::time::Duration;

use safecare_bus::{Delivery, Message, Subscription, Topic};
use safecare_detect::{Detector, RuleSet};
use safecare_model::Event;
use safecare_store::Store;
use tokio::task::JoinHandle;
use tokio_util::sync::CancellationToken;

use crate::AppState;

/// Store key of the saved correlation windows.
const STATE_KEY: &str = "detect.correlation";
/// How often open correlation windows are saved while events flow.
const SNAPSHOT_EVERY: Duration = Duration::from_secs(5);

/// The running detector, shared with the API (rule list and hit counts).
#[derive(Clone)]
pub struct Detection {
    rules: Arc<RuleSet>,
    detector: Arc<Mutex<Detector>>,
}

impl Detection {
    /// A detector over `rules`, with the correlation windows saved by the
    /// previous run restored.
    pub async fn new(rules: RuleSet, store: &dyn Store) -> Self {
        let rules = Arc::new(rules);
        let mut detector = Detector::new(rules.clone());
        match store.get_state(STATE_KEY).await {
            Ok(Some(snapshot)) => {
                if let Err(err) = detector.restore(snapshot) {
                    tracing::warn!(%err, "saved correlation windows not restored; starting empty");
                }
            }
            Ok(None) => {}
            Err(err) => tracing::warn!(%err, "cannot read saved correlation windows; starting empty"),
        }
        Detection { rules, detector: Arc::new(Mutex::new(detector)) }
    }

    pub fn rules(&self) -> &RuleSet {
        &self.rules
    }

    /// Alerts raised so far per rule id, since start.
    pub fn hits(&self) -> HashMap<String, u64> {
        self.lock().hits().clone()
    }

    fn lock(&self) -> MutexGuard<'_, Detector> {
        // A panic inside the matcher must not stop detection for good.
        self.detector.lock().unwrap_or_else(|poisoned| poisoned.into_inner())
    }

    async fn process(&self, state: &AppState, event: &Event) {
        let alerts = self.lock().process(event);
        for alert in alerts {
            metrics::counter!("safecare_alerts_total", "severity" => alert.severity().as_str()).increment(1);
            if let Err(err) = state.store.put_alert(alert.clone()).await {
                tracing::error!(%err, rule = ?alert.safecare.rule, "cannot store alert");
                continue;
            }
            if let Err(err) = state.bus.publish(Message::Alert(Box::new(alert))).await {
                tracing::warn!(%err, "cannot publish alert");
            }
        }
    }

    async fn save(&self, state: &AppState) {
        let snapshot = self.lock().snapshot();
        if let Err(err) = state.store.put_state(STATE_KEY, snapshot).await {
            tracing::warn!(%err, "cannot save correlation windows");
        }
    }
}

/// Starts the detection stage. It runs until `stop` is cancelled, then
/// processes what is still queued, saves its windows and ends.
pub async fn spawn_detection(
    state: AppState,
    detection: Detection,
    stop: CancellationToken,
) -> Result<JoinHandle<()>, safecare_bus::BusError> {
    let events = state.bus.subscribe(Topic::Events, Delivery::Reliable).await?;
    Ok(tokio::spawn(run(state, detection, events, stop)))
}

async fn run(state: AppState, detection: Detection, mut events: Subscription, stop: CancellationToken) {
    let mut tick = tokio::time::interval(SNAPSHOT_EVERY);
    let mut dirty = false;
    loop {
        tokio::select! {
            message = events.recv() => match message {
                Some(message) => {
                    if let Message::Event(event) = message.as_ref() {
                        detection.process(&state, event).await;
                        dirty = true;
                    }
                }
                None => break,
            },
            _ = tick.tick() => {
                if dirty {
                    detection.save(&state).await;
                    dirty = false;
                }
            }
            () = stop.cancelled() => break,
        }
    }
    while let Some(message) = events.try_recv() {
        if let Message::Event(event) = message.as_ref() {
            detection.process(&state, event).await;
        }
    }
    detection.save(&state).await;
    tracing::debug!("detection stage stopped");
}
