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
use safecare_ingest::listen::{Barrier, Pipeline, TcpLimits};
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
    let (tx, rx) = mpsc::channel::<Event>(QUEUE);
    let (barriers, barrier_rx) = mpsc::unbounded_channel::<Barrier>();
    let assets: Arc<dyn AssetLookup> = assets;
    let mut stats = Vec::new();
    let mut http = HashMap::new();
    let mut tasks = Vec::new();
    let limits = &config.connections;
    let tcp_limits = TcpLimits { idle: limits.syslog_idle_timeout(), max_connections: limits.max_syslog_connections };
    for source in &config.sources {
        let intake = source.intake()?.with_assets(assets.clone()).with_max_record(config.max_event_bytes);
        stats.push(intake.stats.clone());
        let pipe = Pipeline { intake: intake.clone(), events: tx.clone(), barriers: Some(barriers.clone()) };
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
    drop(barriers);
    let held_back = HeldBack { max_lag: config.max_lag, shutdown };
    tasks.push(tokio::spawn(collect(io, held_back, rx, barrier_rx)));
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
/// until every listener has stopped and the queue is empty. A [`Barrier`]
/// is completed once every event queued before it arrived is stored, or
/// dropped if the batch holding the last of them failed.
async fn collect(
    io: IngestIo,
    held_back: HeldBack,
    mut rx: mpsc::Receiver<Event>,
    mut barriers: mpsc::UnboundedReceiver<Barrier>,
) {
    let mut batch = Vec::with_capacity(BATCH);
    // Events taken from the queue so far, and barriers waiting for the
    // event count they need stored (events taken + still queued when the
    // barrier arrived: everything its listener sent before it).
    let mut taken = 0u64;
    let mut waiting: std::collections::VecDeque<(u64, Barrier)> = std::collections::VecDeque::new();
    let mut barriers_open = true;
    loop {
        let first = tokio::select! {
            biased;
            next = rx.recv() => match next { Some(e) => e, None => break },
            barrier = barriers.recv(), if barriers_open => {
                match barrier {
                    // Everything taken so far is stored: only what is still queued is waited for.
                    Some(barrier) if rx.is_empty() => { let _ = barrier.send(()); }
                    Some(barrier) => waiting.push_back((taken + rx.len() as u64, barrier)),
                    None => barriers_open = false,
                }
                continue;
            }
        };
        batch.push(first);
        let deadline = tokio::time::sleep(LINGER);
        tokio::pin!(deadline);
        while batch.len() < BATCH {
            tokio::select! {
                next = rx.recv() => match next { Some(e) => batch.push(e), None => break },
                () = &mut deadline => break,
            }
        }
        taken += batch.len() as u64;
        let events = std::mem::take(&mut batch);
        // While a stage is too far behind, stop taking from the listeners:
        // their queue fills and TCP stops reading.
        while io.progress.admit(held_back.max_lag).is_err() && !held_back.shutdown.is_cancelled() {
            tokio::time::sleep(LINGER).await;
        }
        let stored = match store_and_publish(&io, events).await {
            Ok(_) => true,
            Err(err) => {
                tracing::error!(%err, "cannot store events from sources");
                metrics::counter!("safecare_ingest_store_failures_total").increment(1);
                false
            }
        };
        if stored {
            while let Some((_, barrier)) = waiting.pop_front_if(|(needed, _)| *needed <= taken) {
                let _ = barrier.send(());
            }
        } else {
            // Any waiting barrier, and any that arrived meanwhile, may cover
            // events of the failed batch: none is completed, so their
            // messages are not acknowledged and the broker redelivers them.
            waiting.clear();
            while barriers.try_recv().is_ok() {}
        }
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
