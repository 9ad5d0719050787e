//! The detection stage: every stored event through the Sigma rules and
//! correlations; alerts are stored, then published. The rule set can be
//! swapped while events flow (hot reload, rules switched on or off).

use std::collections::HashMap;
use std::sync::{Arc, Mutex, MutexGuard};
use std::time::{Duration, Instant};

use safecare_bus::{Delivery, Message, Subscription, Topic};
use safecare_detect::{Catalog, Detector, Refusal, RuleMeta, RuleSet, RulesConfig, RulesError, Switches};
use safecare_model::{Alert, Event};
use safecare_store::Store;
use tokio::task::JoinHandle;
use tokio_util::sync::CancellationToken;

use crate::AppState;

/// Store key of the saved correlation windows.
const STATE_KEY: &str = "detect.correlation";
/// Store key of the rules switched on or off at run time.
const SWITCHES_KEY: &str = "detect.rule_switches";
/// How often open correlation windows are saved while events flow.
const SNAPSHOT_EVERY: Duration = Duration::from_secs(5);
/// Saving the windows takes at most one part in this many of the time.
const SAVE_SHARE: u32 = 20;
/// Events detected under one lock and whose alerts are stored in one write.
const BATCH: usize = 1000;

/// The running detector, shared with the API (rule list, hit counts,
/// switching rules) and the rule-folder watcher.
#[derive(Clone)]
pub struct Detection {
    running: Arc<Mutex<Running>>,
    /// One change of the rule set at a time, so that a reload and a switch
    /// cannot undo each other; held across the (slow) rebuild, while the
    /// stage keeps detecting with the old set.
    changing: Arc<tokio::sync::Mutex<Switches>>,
    config: Arc<RulesConfig>,
}

struct Running {
    catalog: Catalog,
    detector: Detector,
    /// Hits counted by detectors replaced since start.
    earlier_hits: HashMap<String, u64>,
}

/// Why a reload left the running rules as they were.
#[derive(Debug, thiserror::Error)]
pub enum ReloadError {
    #[error(transparent)]
    Rules(#[from] RulesError),
    #[error("{} rule(s) refused; the previous rules keep running", .0.len())]
    Refused(Vec<Refusal>),
    #[error("rule loading stopped unexpectedly: {0}")]
    Task(String),
}

/// Why a rule could not be switched on or off.
#[derive(Debug, thiserror::Error)]
pub enum SwitchError {
    #[error("no rule {0}")]
    Unknown(String),
    #[error("{0}")]
    Breaks(String),
    #[error(transparent)]
    Reload(#[from] ReloadError),
    #[error("cannot save the switch: {0}")]
    Store(#[from] safecare_store::StoreError),
}

impl Detection {
    /// Loads the configured rules less those switched off at run time, and
    /// restores the correlation windows saved by the previous run.
    pub async fn new(config: RulesConfig, store: &dyn Store) -> Result<Self, RulesError> {
        let switches = match store.get_state(SWITCHES_KEY).await {
            Ok(Some(saved)) => serde_json::from_value(saved).unwrap_or_else(|err| {
                tracing::warn!(%err, "saved rule switches unreadable; using the configuration alone");
                Switches::default()
            }),
            Ok(None) => Switches::default(),
            Err(err) => {
                tracing::warn!(%err, "cannot read saved rule switches; using the configuration alone");
                Switches::default()
            }
        };
        let catalog = Catalog::load(&config, &switches)?;
        log_loaded(&catalog);
        let mut detector = Detector::new(catalog.active.clone());
        match store.get_state(STATE_KEY).await {
            Ok(Some(snapshot)) => {
                if let Err(err) = detector.restore(snapshot) {
                    tracing::warn!(%err, "saved correlation windows not restored; starting empty");
                }
            }
            Ok(None) => {}
            Err(err) => tracing::warn!(%err, "cannot read saved correlation windows; starting empty"),
        }
        Ok(Detection {
            running: Arc::new(Mutex::new(Running { catalog, detector, earlier_hits: HashMap::new() })),
            changing: Arc::new(tokio::sync::Mutex::new(switches)),
            config: Arc::new(config),
        })
    }

    /// The rules that run.
    pub fn rules(&self) -> Arc<RuleSet> {
        self.lock().catalog.active.clone()
    }

    /// Every loaded rule, enabled or not, and whether each runs.
    pub fn catalog(&self) -> Catalog {
        self.lock().catalog.clone()
    }

    /// Alerts raised so far per rule id, since start.
    pub fn hits(&self) -> HashMap<String, u64> {
        let running = self.lock();
        let mut hits = running.earlier_hits.clone();
        for (id, n) in running.detector.hits() {
            *hits.entry(id.clone()).or_default() += n;
        }
        hits
    }

    fn lock(&self) -> MutexGuard<'_, Running> {
        // A panic inside the matcher must not stop detection for good.
        self.running.lock().unwrap_or_else(|poisoned| poisoned.into_inner())
    }

    /// Reads the rule sources again and swaps the result in, unless a rule
    /// that loaded before is now refused: then the running set stays, so a
    /// half-saved edit never silently switches detection off.
    pub async fn reload(&self) -> Result<(), ReloadError> {
        let switches = self.changing.lock().await;
        let result = self.rebuild(&switches).await.and_then(|catalog| {
            let refused = catalog.newly_refused(&self.lock().catalog);
            if refused.is_empty() { Ok(catalog) } else { Err(ReloadError::Refused(refused)) }
        });
        match result {
            Ok(catalog) => {
                metrics::counter!("safecare_rules_reloads_total", "result" => "applied").increment(1);
                self.swap(catalog);
                Ok(())
            }
            Err(err) => {
                let result = if matches!(err, ReloadError::Refused(_)) { "refused" } else { "failed" };
                metrics::counter!("safecare_rules_reloads_total", "result" => result).increment(1);
                if let ReloadError::Refused(refused) = &err {
                    metrics::counter!("safecare_rules_refused_on_reload_total").increment(refused.len() as u64);
                    for refusal in refused {
                        tracing::warn!(path = %refusal.path.display(), reason = %refusal.reason, "rule refused on reload");
                    }
                }
                tracing::warn!(%err, "rules not reloaded");
                Err(err)
            }
        }
    }

    /// Switches one rule (by id or name) on or off, saves the choice and
    /// swaps in the resulting set. Refused when disabling would leave a
    /// correlation without a rule it needs, and while the rule folders hold
    /// a rule refused on reload.
    pub async fn switch(&self, store: &dyn Store, rule: &str, enabled: bool) -> Result<RuleMeta, SwitchError> {
        let mut switches = self.changing.lock().await;
        let meta = self.lock().catalog.all.rule(rule).cloned().ok_or_else(|| SwitchError::Unknown(rule.to_owned()))?;
        let mut wanted = switches.clone();
        wanted.enabled.insert(meta.id.clone(), enabled);
        let catalog = self.rebuild(&wanted).await?;
        // The rebuild reads the folders again; an edit the watcher refused
        // must not slip in through a switch.
        let refused = catalog.newly_refused(&self.lock().catalog);
        if !refused.is_empty() {
            return Err(ReloadError::Refused(refused).into());
        }
        let broken: Vec<String> = catalog
            .broken_by_disabling()
            .iter()
            .map(|r| format!("{}: {}", r.title.as_deref().unwrap_or("a rule"), r.reason))
            .collect();
        if !broken.is_empty() {
            return Err(SwitchError::Breaks(format!(
                "switching off {} would stop {}; switch those off first",
                meta.id,
                broken.join("; ")
            )));
        }
        store.put_state(SWITCHES_KEY, serde_json::to_value(&wanted).unwrap_or_default()).await?;
        *switches = wanted;
        self.swap(catalog);
        Ok(meta)
    }

    async fn rebuild(&self, switches: &Switches) -> Result<Catalog, ReloadError> {
        let (config, switches) = (self.config.clone(), switches.clone());
        tokio::task::spawn_blocking(move || Catalog::load(&config, &switches))
            .await
            .map_err(|e| ReloadError::Task(e.to_string()))?
            .map_err(ReloadError::from)
    }

    /// Replaces the detector. Open correlation windows move over by
    /// correlation id: a correlation still loaded keeps its windows (even if
    /// its text changed), one no longer loaded loses them.
    fn swap(&self, catalog: Catalog) {
        log_loaded(&catalog);
        let mut running = self.lock();
        let mut detector = Detector::new(catalog.active.clone());
        if let Err(err) = detector.restore(running.detector.snapshot()) {
            tracing::warn!(%err, "correlation windows not carried over to the new rules");
        }
        let old = std::mem::replace(&mut running.detector, detector);
        for (id, n) in old.hits() {
            *running.earlier_hits.entry(id.clone()).or_default() += n;
        }
        running.catalog = catalog;
    }

    /// Detects over a batch of events under one lock, then stores their
    /// alerts in one write before publishing them: in a flood every event
    /// raises an alert, and a write per alert would cap detection at the
    /// store's commit rate.
    async fn process(&self, state: &AppState, events: &[&Event]) {
        let alerts: Vec<Alert> = {
            let mut running = self.lock();
            events.iter().flat_map(|event| running.detector.process(event)).collect()
        };
        if alerts.is_empty() {
            return;
        }
        for alert in &alerts {
            metrics::counter!("safecare_alerts_total", "severity" => alert.severity().as_str()).increment(1);
        }
        if let Err(err) = state.store.put_alerts(alerts.clone()).await {
            tracing::error!(%err, alerts = alerts.len(), "cannot store alerts");
            metrics::counter!("safecare_alert_store_errors_total").increment(alerts.len() as u64);
            return;
        }
        for alert in alerts {
            if let Err(err) = state.bus.publish(Message::Alert(Box::new(alert))).await {
                tracing::warn!(%err, "cannot publish alert");
            }
        }
    }

    /// Saves the open windows; answers how long that took. The windows are
    /// copied under the lock and serialised on a blocking thread, so that
    /// detection goes on meanwhile.
    async fn save(&self, state: &AppState) -> Duration {
        let started = Instant::now();
        let windows = self.lock().detector.windows();
        let snapshot = match tokio::task::spawn_blocking(move || windows.to_value()).await {
            Ok(snapshot) => snapshot,
            Err(err) => {
                tracing::warn!(%err, "correlation windows not serialised");
                return started.elapsed();
            }
        };
        if let Err(err) = state.store.put_state(STATE_KEY, snapshot).await {
            tracing::warn!(%err, "cannot save correlation windows");
        }
        let spent = started.elapsed();
        metrics::histogram!("safecare_correlation_save_seconds").record(spent.as_secs_f64());
        spent
    }
}

fn log_loaded(catalog: &Catalog) {
    for refusal in catalog.all.refused() {
        tracing::warn!(path = %refusal.path.display(), reason = %refusal.reason, "rule refused");
    }
    let disabled = catalog.all.len() - catalog.active.len().min(catalog.all.len());
    tracing::info!("{}, {disabled} disabled", catalog.all.summary());
    metrics::gauge!("safecare_rules_running").set(catalog.active.len() as f64);
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

/// When the next save of the windows is due after one that took `spent`:
/// every [`SNAPSHOT_EVERY`], but never spending more than one part in
/// [`SAVE_SHARE`] of the stage's time on saving, however many windows a
/// flood has opened.
fn next_save(spent: Duration) -> Instant {
    Instant::now() + SNAPSHOT_EVERY.max(spent * SAVE_SHARE)
}

/// Takes `first` and whatever else is already queued, up to a batch.
async fn take(state: &AppState, detection: &Detection, first: Arc<Message>, queue: &mut Subscription) {
    let messages = queue.with_queued(first, BATCH);
    let events: Vec<&Event> = messages
        .iter()
        .filter_map(|m| match m.as_ref() {
            Message::Event(event) => Some(event.as_ref()),
            _ => None,
        })
        .collect();
    detection.process(state, &events).await;
}

async fn run(state: AppState, detection: Detection, mut events: Subscription, stop: CancellationToken) {
    let mut due = Instant::now() + SNAPSHOT_EVERY;
    let mut dirty = false;
    loop {
        tokio::select! {
            message = events.recv() => match message {
                Some(message) => {
                    take(&state, &detection, message, &mut events).await;
                    dirty = true;
                }
                None => break,
            },
            () = tokio::time::sleep_until(due.into()) => {
                due = if dirty {
                    dirty = false;
                    next_save(detection.save(&state).await)
                } else {
                    Instant::now() + SNAPSHOT_EVERY
                };
            }
            () = stop.cancelled() => break,
        }
    }
    while let Some(message) = events.try_recv() {
        take(&state, &detection, message, &mut events).await;
    }
    detection.save(&state).await;
    tracing::debug!("detection stage stopped");
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn saving_takes_a_bounded_share_of_the_time() {
        let soon = next_save(Duration::from_millis(20)) - Instant::now();
        assert!(soon <= SNAPSHOT_EVERY && soon > SNAPSHOT_EVERY - Duration::from_secs(1), "{soon:?}");
        let later = next_save(Duration::from_secs(2)) - Instant::now();
        assert!(later > Duration::from_secs(2) * (SAVE_SHARE - 1), "{later:?}");
    }
}
