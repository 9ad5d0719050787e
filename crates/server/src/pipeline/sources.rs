//! Configured sources (`[[sources]]`, defined in `safecare-ingest`): one
//! listener each (syslog over UDP, TCP or TLS; MQTT), all feeding one
//! bounded channel into the collector, which pseudonymises, stores durably
//! and publishes, in batches: the shared ingest step's tail, which the HTTP
//! ingest routes end with too.

use std::collections::HashMap;
use std::sync::{Arc, OnceLock};
use std::time::Duration;

use jiff::Timestamp;
use safecare_bus::{Bus, Message};
use safecare_impact::LiveInventory;
use safecare_ingest::listen::{Barrier, Pipeline, Queued, TcpLimits};
use safecare_ingest::{AssetLookup, Intake, SourceError, SourceHealth, SourceStats};
use safecare_model::Event;
use safecare_store::Store;
use tokio::sync::mpsc;
use tokio::task::JoinHandle;
use tokio_util::sync::CancellationToken;

use super::Progress;
use crate::Config;
use crate::privacy::Privacy;

/// What the shared ingest step's tail needs: the privacy layer that
/// pseudonymises and seals, the store, the bus it publishes on, and the
/// stages' progress it reports to (and is held back by).
#[derive(Clone)]
pub struct IngestIo {
    /// Where events are stored.
    pub store: Arc<dyn Store>,
    /// Where stored events are published.
    pub bus: Arc<dyn Bus>,
    /// How far behind the stages are.
    pub progress: Progress,
    /// Pseudonymises events and seals the originals.
    pub privacy: Arc<Privacy>,
}

/// The running sources' counters, for the API and the dashboard, and the
/// HTTP sources' decoders; filled once the listeners are bound.
#[derive(Clone, Default)]
pub struct Sources {
    stats: Arc<OnceLock<Vec<SourceStats>>>,
    http: Arc<OnceLock<HashMap<String, Intake>>>,
}

impl Sources {
    pub fn health(&self) -> Vec<SourceHealth> {
        self.stats.get().map(|all| all.iter().map(SourceStats::snapshot).collect()).unwrap_or_default()
    }

    /// The ingest step of the configured source of transport `http` named `name`.
    pub fn http(&self, name: &str) -> Option<&Intake> {
        self.http.get().and_then(|all| all.get(name))
    }
}

/// Events the listeners may have waiting for the collector; when full,
/// listeners wait (TCP stops reading).
const QUEUE: usize = 10_000;
/// The most events stored in one batch, and how long the collector waits
/// to fill one.
const BATCH: usize = 2_000;
const LINGER: Duration = Duration::from_millis(100);

/// Binds every configured source (resolving against `assets`, counted in
/// `sources`) and starts the collector. Listener tasks end when the
/// collector's channel closes at shutdown; `shutdown` ends the collector's
/// wait for the stages to catch up.
pub async fn spawn_sources(
    io: IngestIo,
    config: &Config,
    assets: Arc<LiveInventory>,
    sources: &Sources,
    shutdown: CancellationToken,
    stop: CancellationToken,
) -> Result<Vec<JoinHandle<()>>, SourceError> {
    let (tx, rx) = mpsc::channel::<Queued>(QUEUE);
    let assets: Arc<dyn AssetLookup> = assets;
    let mut stats = Vec::new();
    let mut http = HashMap::new();
    let mut tasks = Vec::new();
    let limits = &config.connections;
    let tcp_limits = TcpLimits { idle: limits.syslog_idle_timeout(), max_connections: limits.max_syslog_connections };
    for source in &config.sources {
        let intake = source.intake()?.with_assets(assets.clone()).with_max_record(config.max_event_bytes);
        stats.push(intake.stats.clone());
        let pipe = Pipeline::storing(intake.clone(), tx.clone());
        let Some(run) = source.listen(pipe, tcp_limits).await? else {
            // No listener: the ingest route takes its records in.
            http.insert(source.name.clone(), intake);
            continue;
        };
        let name = source.name.clone();
        let stop = stop.clone();
        tasks.push(tokio::spawn(async move {
            tokio::select! {
                outcome = run => if let Err(err) = outcome { tracing::error!(source = %name, %err, "source stopped") },
                () = stop.cancelled() => {}
            }
        }));
        tracing::info!(source = %source.name, "source started");
    }
    drop(tx);
    let held_back = HeldBack { max_lag: config.max_lag, shutdown };
    tasks.push(tokio::spawn(collect(io, held_back, rx)));
    let _ = sources.stats.set(stats);
    let _ = sources.http.set(http);
    Ok(tasks)
}

/// When the collector stops taking events: while a stage is more than
/// `max_lag` behind, unless the service is stopping.
struct HeldBack {
    max_lag: u64,
    shutdown: CancellationToken,
}

/// Stores what the listeners decoded, in batches, then publishes it; runs
/// until every listener has stopped and the queue is empty. Each
/// [`Barrier`] is settled after the batch that holds the events queued
/// before it: completed when they are stored, dropped when they may not be.
async fn collect(io: IngestIo, held_back: HeldBack, mut rx: mpsc::Receiver<Queued>) {
    let mut acks = Acks::default();
    while let Some(first) = rx.recv().await {
        let mut batch = Vec::with_capacity(BATCH);
        match first {
            Queued::Event(event) => batch.push(event),
            Queued::Barrier(barrier) => {
                // Nothing queued before it is unsettled: the last batch held it.
                acks.settled(barrier);
                continue;
            }
        }
        let deadline = tokio::time::sleep(LINGER);
        tokio::pin!(deadline);
        while batch.len() < BATCH {
            tokio::select! {
                next = rx.recv() => match next {
                    Some(Queued::Event(event)) => batch.push(event),
                    Some(Queued::Barrier(barrier)) => acks.behind(barrier),
                    None => break,
                },
                () = &mut deadline => break,
            }
        }
        // While a stage is too far behind, stop taking from the listeners:
        // their queue fills and TCP stops reading. Counted, so that an
        // operator sees senders were slowed rather than wonder why.
        if io.progress.admit(held_back.max_lag).is_err() && !held_back.shutdown.is_cancelled() {
            metrics::counter!("safecare_sources_held_back_total").increment(1);
            while io.progress.admit(held_back.max_lag).is_err() && !held_back.shutdown.is_cancelled() {
                tokio::time::sleep(LINGER).await;
            }
        }
        let stored = match store_and_publish(&io, batch).await {
            Ok(_) => true,
            Err(err) => {
                tracing::error!(%err, "cannot store events from sources");
                metrics::counter!("safecare_ingest_store_failures_total").increment(1);
                false
            }
        };
        acks.batch_done(stored);
    }
}

/// The barriers of the batch being filled, and how the batches before it
/// ended. A message's events may straddle two batches, so a barrier is
/// completed only when its batch and the one before were both stored;
/// dropping one too many only makes the sender deliver it again.
#[derive(Default)]
struct Acks {
    waiting: Vec<Barrier>,
    last_failed: bool,
    before_last_failed: bool,
}

impl Acks {
    /// A barrier met while filling a batch.
    fn behind(&mut self, barrier: Barrier) {
        self.waiting.push(barrier);
    }

    /// A barrier met before any event of a new batch: its events were in
    /// the batches already ended.
    fn settled(&mut self, barrier: Barrier) {
        if !self.last_failed && !self.before_last_failed {
            let _ = barrier.send(());
        }
    }

    /// The batch is stored (or not): its barriers are settled.
    fn batch_done(&mut self, stored: bool) {
        let complete = stored && !self.last_failed;
        for barrier in self.waiting.drain(..) {
            if complete {
                let _ = barrier.send(());
            }
        }
        self.before_last_failed = self.last_failed;
        self.last_failed = !stored;
    }
}

#[cfg(test)]
mod tests {
    #![allow(clippy::unwrap_used, clippy::expect_used)]
    use super::*;

    fn barrier() -> (Barrier, tokio::sync::oneshot::Receiver<()>) {
        tokio::sync::oneshot::channel()
    }

    #[test]
    fn barriers_complete_only_after_their_events_are_stored() {
        let mut acks = Acks::default();
        let (inside, mut inside_rx) = barrier();
        acks.behind(inside);
        assert!(inside_rx.try_recv().is_err(), "settled before its batch ended");
        acks.batch_done(true);
        assert!(inside_rx.try_recv().is_ok());
        let (after, mut after_rx) = barrier();
        acks.settled(after);
        assert!(after_rx.try_recv().is_ok());
    }

    #[test]
    fn a_barrier_arriving_after_a_failed_batch_is_never_completed() {
        let mut acks = Acks::default();
        let (inside, mut inside_rx) = barrier();
        acks.behind(inside);
        acks.batch_done(false);
        assert!(inside_rx.try_recv().is_err(), "a barrier of a failed batch was completed");
        // The race a separate barrier channel had: the barrier of an event
        // in the failed batch reaches the collector only afterwards.
        let (late, mut late_rx) = barrier();
        acks.settled(late);
        assert!(late_rx.try_recv().is_err(), "a late barrier of a failed batch was completed");
        // A message straddling the failed batch and the next stored one.
        let (straddling, mut straddling_rx) = barrier();
        acks.behind(straddling);
        acks.batch_done(true);
        assert!(straddling_rx.try_recv().is_err(), "a barrier whose events straddled a failure was completed");
        // Two stored batches later, barriers complete again.
        acks.batch_done(true);
        let (fresh, mut fresh_rx) = barrier();
        acks.settled(fresh);
        assert!(fresh_rx.try_recv().is_ok());
    }
}

/// The common tail of every ingest path: pseudonymise, seal, store
/// durably, publish.
pub async fn store_and_publish(io: &IngestIo, mut events: Vec<Event>) -> Result<usize, IngestFailure> {
    let replacements: Vec<_> = events.iter_mut().flat_map(|e| io.privacy.pseudonymiser.pseudonymise(e)).collect();
    if !replacements.is_empty() {
        io.privacy.seal(&replacements, Timestamp::now()).await?;
    }
    let new = if events.is_empty() { 0 } else { io.store.append_events(events.clone()).await? };
    io.progress.appended(safecare_store::Log::Events, new as u64);
    let mut per_source: std::collections::HashMap<&str, u64> = std::collections::HashMap::new();
    for event in &events {
        *per_source.entry(event.source.as_str()).or_default() += 1;
    }
    for (source, n) in per_source {
        metrics::counter!("safecare_ingest_accepted_total", "source" => source.to_owned()).increment(n);
    }
    for event in events {
        if let Err(err) = io.bus.publish(Message::Event(Box::new(event))).await {
            tracing::warn!(%err, "could not publish stored events on the bus");
            break;
        }
    }
    Ok(new)
}

/// Why a batch could not be taken in.
#[derive(Debug, thiserror::Error)]
pub enum IngestFailure {
    #[error("re-identification vault unavailable: {0}")]
    Vault(#[from] crate::privacy::SealError),
    #[error("storage unavailable: {0}")]
    Store(#[from] safecare_store::StoreError),
}
