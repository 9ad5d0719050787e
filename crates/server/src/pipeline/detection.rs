//! The detection stage: every stored event through the Sigma rules and
//! correlations; alerts are stored, then published. The rule set can be
//! swapped while events flow (hot reload, rules switched on or off).
//!
//! The stage reads the store's event log from its checkpoint, not the bus:
//! the bus only wakes it. Each batch's new alerts and the checkpoint past
//! the batch are written in one transaction, and alert ids follow from the
//! rule and events that raised them, so after a crash the stage resumes
//! where its durable output ends and a replayed event raises no second
//! alert. The correlation windows are saved with the position they reflect;
//! a restart resumes from that position (replaying what came after it into
//! the windows, its alerts already stored), so windows and checkpoint never
//! disagree.

use std::collections::HashMap;
use std::sync::{Arc, Mutex, MutexGuard};
use std::time::{Duration, Instant};

use safecare_bus::{Delivery, Message, Topic};
use safecare_detect::{Catalog, Detector, Refusal, RuleMeta, RuleSet, RulesConfig, RulesError, Switches};
use safecare_model::{Alert, AlertId, Event};
use safecare_store::{Checkpoint, Log, Store, StoreError};
use serde_json::{Value, json};
use sha2::{Digest, Sha256};
use tokio::task::JoinHandle;
use tokio_util::sync::CancellationToken;

use super::follow::{Follow, StageIo, Wakeups};

/// The stage's name in the store's checkpoints and in the lag it reports.
pub const STAGE: &str = "detection";
/// Store key of the saved correlation windows and the position they
/// reflect.
const STATE_KEY: &str = "detect.correlation";
/// Store key of the rules switched on or off at run time.
const SWITCHES_KEY: &str = "detect.rule_switches";
/// How often open correlation windows are saved while events flow.
const SNAPSHOT_EVERY: Duration = Duration::from_secs(5);
/// Saving the windows takes at most one part in this many of the time.
const SAVE_SHARE: u32 = 20;
/// Events read from the store, detected under one lock and whose alerts
/// are stored in one write.
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

impl Running {
    /// Puts `detector` in place of the running one, keeping its hit counts.
    fn replace(&mut self, detector: Detector) {
        let old = std::mem::replace(&mut self.detector, detector);
        for (id, n) in old.hits() {
            *self.earlier_hits.entry(id.clone()).or_default() += n;
        }
    }
}

/// Why a reload left the running rules as they were.
#[derive(Debug, thiserror::Error)]
pub enum ReloadError {
    #[error(transparent)]
    Rules(#[from] RulesError),
    #[error("{} rule(s) refused; the previous rules keep running", .0.len())]
    Refused(Vec<Refusal>),
    #[error("rule loading stopped unexpectedly: {0}")]
    Task(#[source] tokio::task::JoinError),
}

/// Why a rule could not be switched on or off.
#[derive(Debug, thiserror::Error)]
pub enum SwitchError {
    #[error("no rule {0}")]
    Unknown(String),
    #[error("{0}")]
    Breaks(String),
    #[error("rule switching stopped unexpectedly: {0}")]
    Task(#[source] tokio::task::JoinError),
    #[error("cannot save the switch: {0}")]
    Store(#[from] safecare_store::StoreError),
}

impl Detection {
    /// Loads the configured rules less those switched off at run time.
    /// The correlation windows of the previous run come back when the
    /// stage starts ([`spawn_detection`]).
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
        let detector = Detector::new(catalog.active.clone());
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
    /// swaps in the resulting set, derived from the loaded rules without
    /// reading or compiling them again (so an edit the watcher refused
    /// cannot slip in through a switch either). Refused when disabling
    /// would leave a correlation without a rule it needs.
    pub async fn switch(&self, store: &dyn Store, rule: &str, enabled: bool) -> Result<RuleMeta, SwitchError> {
        let mut switches = self.changing.lock().await;
        let current = self.lock().catalog.clone();
        let meta = current.all.rule(rule).cloned().ok_or_else(|| SwitchError::Unknown(rule.to_owned()))?;
        let mut wanted = switches.clone();
        wanted.enabled.insert(meta.id.clone(), enabled);
        let config = self.config.clone();
        let switched = wanted.clone();
        // Rebuilding the indexes over thousands of rules takes a moment.
        let catalog = tokio::task::spawn_blocking(move || current.switched(&config, &switched))
            .await
            .map_err(SwitchError::Task)?;
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
            .map_err(ReloadError::Task)?
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
        running.replace(detector);
        running.catalog = catalog;
    }

    /// Detects over a batch of events under one lock, then stores their
    /// new alerts and the checkpoint `through` in one write before
    /// publishing them: in a flood every event raises an alert, and a write
    /// per alert would cap detection at the store's commit rate.
    async fn process(&self, state: &StageIo, events: &[(u64, Event)], through: u64) -> Result<(), StoreError> {
        let alerts: Vec<Alert> = {
            let mut running = self.lock();
            // An IDMEFv2 alert from another detector becomes an alert here,
            // beside the rules' own: same id derivation, same transaction.
            let raised = events.iter().flat_map(|(_, event)| {
                let mut alerts = running.detector.process(event);
                alerts.extend(safecare_detect::inbound::alert(event));
                alerts
            });
            raised.map(settle_id).collect()
        };
        let new = state.store.insert_alerts(alerts, Checkpoint::new(STAGE, through)).await?;
        for alert in new {
            metrics::counter!("safecare_alerts_total", "severity" => alert.severity().as_str()).increment(1);
            if let Err(err) = state.bus.publish(Message::Alert(Box::new(alert))).await {
                tracing::warn!(%err, "cannot publish alert");
            }
        }
        Ok(())
    }

    /// Saves the open windows with the position they reflect; answers how
    /// long that took. The windows are copied under the lock and serialised
    /// on a blocking thread, so that rule changes go on meanwhile.
    async fn save(&self, store: &dyn Store, position: u64) -> Duration {
        let started = Instant::now();
        let windows = self.lock().detector.windows();
        let snapshot = match tokio::task::spawn_blocking(move || windows.to_value()).await {
            Ok(snapshot) => snapshot,
            Err(err) => {
                tracing::warn!(%err, "correlation windows not serialised");
                return started.elapsed();
            }
        };
        let saved = json!({ "position": position, "windows": snapshot });
        if let Err(err) = store.put_state(STATE_KEY, saved).await {
            tracing::warn!(%err, "cannot save correlation windows");
        }
        let spent = started.elapsed();
        metrics::histogram!("safecare_correlation_save_seconds").record(spent.as_secs_f64());
        spent
    }

    /// Where the stage resumes: the position its saved windows reflect
    /// (restoring them), else its checkpoint. A stage that never ran
    /// starts at the head of the log (a store from before checkpoints is
    /// not detected again from its first event) and saves that at once,
    /// with its (empty) windows as of there, so that a crash before its
    /// first save still resumes there and rebuilds every window.
    async fn resume(&self, store: &dyn Store) -> Result<u64, StoreError> {
        let checkpoint = match store.checkpoint(STAGE).await? {
            Some(position) => position,
            None => {
                let head = store.log_head(Log::Events).await?;
                self.save(store, head).await;
                store.put_checkpoint(Checkpoint::new(STAGE, head)).await?;
                head
            }
        };
        let saved = store.get_state(STATE_KEY).await?;
        let (windows, position) = match saved {
            Some(Value::Object(mut saved)) if saved.contains_key("position") => {
                let position = saved.get("position").and_then(Value::as_u64);
                (saved.remove("windows"), position.filter(|p| *p <= checkpoint))
            }
            // Saved before windows carried their position: as of the checkpoint.
            other => (other, None),
        };
        let mut running = self.lock();
        let mut detector = Detector::new(running.catalog.active.clone());
        if let Some(windows) = windows
            && let Err(err) = detector.restore(windows)
        {
            tracing::warn!(%err, "saved correlation windows not restored; starting empty");
        }
        running.replace(detector);
        let from = position.unwrap_or(checkpoint);
        if from < checkpoint {
            tracing::info!(from, checkpoint, "detection replays the events its saved windows do not reflect");
        }
        Ok(from)
    }
}

/// Gives an alert the id that follows from its rule and events (see
/// [`AlertId::derived`]); the triggering event is the last of its events.
/// An alert from another detector has no rule and one event, so its id
/// follows from that event alone.
fn settle_id(mut alert: Alert) -> Alert {
    let ext = &alert.safecare;
    if let Some(trigger) = ext.events.last() {
        let mut hash = Sha256::new();
        hash.update(ext.rule.as_deref().unwrap_or_default().as_bytes());
        for event in &ext.events {
            hash.update(event.0.as_bytes());
        }
        alert.id = AlertId::derived(*trigger, &hash.finalize());
    }
    alert
}

fn log_loaded(catalog: &Catalog) {
    for refusal in catalog.all.refused() {
        tracing::warn!(path = %refusal.path.display(), reason = %refusal.reason, "rule refused");
    }
    let disabled = catalog.all.len() - catalog.active.len().min(catalog.all.len());
    tracing::info!("{}, {disabled} disabled", catalog.all.summary());
    metrics::gauge!("safecare_rules_running").set(catalog.active.len() as f64);
}

/// Starts the detection stage from where the previous run's durable output
/// ends. It runs until `stop` is cancelled, then detects every event stored
/// by then, saves its windows and ends.
pub async fn spawn_detection(
    state: StageIo,
    detection: Detection,
    stop: CancellationToken,
) -> Result<JoinHandle<()>, super::StageError> {
    let wakeups = Wakeups::new(state.bus.subscribe(Topic::Events, Delivery::Reliable).await?);
    let position = detection.resume(state.store.as_ref()).await?;
    let follow = Follow::new(STAGE, Log::Events, position, state.progress.clone());
    Ok(tokio::spawn(run(state, detection, follow, wakeups, stop)))
}

/// When the next save of the windows is due after one that took `spent`:
/// every [`SNAPSHOT_EVERY`], but never spending more than one part in
/// [`SAVE_SHARE`] of the stage's time on saving, however many windows a
/// flood has opened.
fn next_save(spent: Duration) -> Instant {
    Instant::now() + SNAPSHOT_EVERY.max(spent * SAVE_SHARE)
}

/// Detects the next batch of stored events; false when there was none.
async fn step(state: &StageIo, detection: &Detection, follow: &mut Follow) -> bool {
    let read = state.store.events_after(follow.position(), BATCH);
    let Some((events, last)) = follow.page(read).await else { return false };
    match detection.process(state, &events, last).await {
        Ok(()) => follow.advance(state.store.as_ref(), last).await,
        Err(err) => {
            follow.failed(&err, "cannot store alerts; the batch is detected again");
            // The windows took in the batch; go back to the saved windows so
            // that detecting it again does not count it twice.
            match detection.resume(state.store.as_ref()).await {
                Ok(position) => follow.rewind(position),
                Err(err) => follow.failed(&err, "cannot reload the saved correlation windows"),
            }
            return false;
        }
    }
    true
}

async fn run(state: StageIo, detection: Detection, mut follow: Follow, mut wakeups: Wakeups, stop: CancellationToken) {
    let mut due = Instant::now() + SNAPSHOT_EVERY;
    let mut saved_at = follow.position();
    while !stop.is_cancelled() {
        if step(&state, &detection, &mut follow).await {
            wakeups.consume();
        } else {
            tokio::select! {
                () = wakeups.wait(follow.retry_after()) => {}
                () = stop.cancelled() => {}
            }
        }
        if Instant::now() >= due {
            due = if follow.position() == saved_at {
                Instant::now() + SNAPSHOT_EVERY
            } else {
                saved_at = follow.position();
                next_save(detection.save(state.store.as_ref(), saved_at).await)
            };
        }
    }
    // The sources have stopped: detect everything they stored.
    while step(&state, &detection, &mut follow).await {}
    detection.save(state.store.as_ref(), follow.position()).await;
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
