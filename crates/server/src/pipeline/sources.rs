//! Configured sources (`[[sources]]`): one listener each (syslog over UDP,
//! TCP or TLS; MQTT), all feeding one bounded channel into the collector,
//! which pseudonymises, stores durably and publishes, in batches.

use std::collections::HashMap;
use std::path::PathBuf;
use std::sync::{Arc, OnceLock};
use std::time::Duration;

use jiff::Timestamp;
use jiff::tz::TimeZone;
use safecare_bus::Message;
use safecare_ingest::listen::{ListenError, MqttConfig, MqttSubscriber, Pipeline, TcpSyslog, UdpSyslog, tls_acceptor};
use safecare_ingest::{AssetLookup, Context, Decoder, SourceHealth, SourceStats};
use safecare_model::Event;
use serde::{Deserialize, Serialize};
use tokio::sync::mpsc;
use tokio::task::JoinHandle;
use tokio_util::sync::CancellationToken;

use crate::AppState;

/// How a source reaches SafeCare.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(tag = "type", rename_all = "snake_case")]
pub enum Transport {
    /// Syslog datagrams (RFC 5426).
    SyslogUdp { listen: String },
    /// Syslog over TCP, octet-counted or newline-framed (RFC 6587).
    SyslogTcp { listen: String },
    /// Syslog over TLS (RFC 5425).
    SyslogTls { listen: String, cert: PathBuf, key: PathBuf },
    /// An MQTT broker's topics (physical sensors, the data exchange layer).
    Mqtt(MqttConfig),
    /// Records posted to `POST /api/v1/sources/{name}/events` (IDMEFv2
    /// from other detectors, JSON with a field mapping, syslog lines…).
    Http,
}

/// One `[[sources]]` entry: a name, a transport, a parser and where the
/// source is.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct SourceConfig {
    /// The source name events are recorded under.
    pub name: String,
    #[serde(flatten)]
    pub transport: Transport,
    /// How its records are decoded (`parser = "syslog"`, `"cef"`, `"eve"`,
    /// `"zeek"`, `"windows"`, `"idmef"`, `"json"`, `"physical"`).
    pub decoder: Decoder,
    /// The site its events belong to.
    #[serde(default)]
    pub site: Option<String>,
    /// Time zone of timestamps written without an offset (IANA name).
    #[serde(default)]
    pub timezone: Option<String>,
}

/// Why a source could not start.
#[derive(Debug, thiserror::Error)]
pub enum SourceError {
    #[error("source {name}: {source}")]
    Listen { name: String, source: ListenError },
    #[error("source {name}: unknown time zone {zone:?}")]
    TimeZone { name: String, zone: String },
    #[error("source {name}: cannot read {path}: {source}")]
    Read { name: String, path: PathBuf, source: std::io::Error },
}

/// A source whose records arrive over the API: what the ingest route needs
/// to decode them as the source's listener would.
pub struct HttpSource {
    pub decoder: Decoder,
    pub context: Context,
    pub stats: SourceStats,
}

/// The running sources' counters, for the API and the dashboard, and the
/// HTTP sources' decoders; filled once the listeners are bound.
#[derive(Clone, Default)]
pub struct Sources {
    stats: Arc<OnceLock<Vec<SourceStats>>>,
    http: Arc<OnceLock<HashMap<String, HttpSource>>>,
}

impl Sources {
    pub fn health(&self) -> Vec<SourceHealth> {
        self.stats.get().map(|all| all.iter().map(SourceStats::snapshot).collect()).unwrap_or_default()
    }

    /// The configured source of transport `http` named `name`.
    pub fn http(&self, name: &str) -> Option<&HttpSource> {
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

fn context(source: &SourceConfig) -> Result<Context, SourceError> {
    let mut ctx = Context::new(source.name.clone());
    if let Some(site) = &source.site {
        ctx = ctx.with_site(site.clone());
    }
    if let Some(zone) = &source.timezone {
        let tz =
            TimeZone::get(zone).map_err(|_| SourceError::TimeZone { name: source.name.clone(), zone: zone.clone() })?;
        ctx = ctx.with_timezone(tz);
    }
    Ok(ctx)
}

/// Binds every configured source and starts the collector. Listener tasks
/// end when the collector's channel closes at shutdown.
pub async fn spawn_sources(state: &AppState, stop: CancellationToken) -> Result<Vec<JoinHandle<()>>, SourceError> {
    let (tx, rx) = mpsc::channel::<Event>(QUEUE);
    let assets: Arc<dyn AssetLookup> = state.assets.clone();
    let mut stats = Vec::new();
    let mut http = HashMap::new();
    let mut tasks = Vec::new();
    for source in &state.config.sources {
        let pipe = Pipeline::new(source.decoder.clone(), context(source)?, tx.clone()).with_assets(assets.clone());
        stats.push(pipe.stats.clone());
        let name = source.name.clone();
        let listen_err = |source| SourceError::Listen { name: name.clone(), source };
        let run: std::pin::Pin<Box<dyn std::future::Future<Output = Result<(), ListenError>> + Send>> = match &source
            .transport
        {
            Transport::SyslogUdp { listen } => Box::pin(UdpSyslog::bind(listen).await.map_err(listen_err)?.run(pipe)),
            Transport::SyslogTcp { listen } => Box::pin(TcpSyslog::bind(listen).await.map_err(listen_err)?.run(pipe)),
            Transport::SyslogTls { listen, cert, key } => {
                let read = |path: &PathBuf| {
                    std::fs::read(path).map_err(|e| SourceError::Read {
                        name: name.clone(),
                        path: path.clone(),
                        source: e,
                    })
                };
                let acceptor = tls_acceptor(&read(cert)?, &read(key)?).map_err(listen_err)?;
                Box::pin(TcpSyslog::bind(listen).await.map_err(listen_err)?.with_tls(acceptor).run(pipe))
            }
            Transport::Mqtt(mqtt) => Box::pin(MqttSubscriber::new(mqtt).map_err(listen_err)?.run(pipe)),
            Transport::Http => {
                // No listener: the ingest route decodes its records.
                let decoder = source.decoder.clone();
                http.insert(source.name.clone(), HttpSource { decoder, context: pipe.context, stats: pipe.stats });
                continue;
            }
        };
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
    tasks.push(tokio::spawn(collect(state.clone(), rx)));
    let _ = state.sources.stats.set(stats);
    let _ = state.sources.http.set(http);
    Ok(tasks)
}

/// Stores what the listeners decoded, in batches, then publishes it; runs
/// until every listener has stopped and the queue is empty.
async fn collect(state: AppState, mut rx: mpsc::Receiver<Event>) {
    let mut batch = Vec::with_capacity(BATCH);
    while let Some(first) = rx.recv().await {
        batch.push(first);
        let deadline = tokio::time::sleep(LINGER);
        tokio::pin!(deadline);
        while batch.len() < BATCH {
            tokio::select! {
                next = rx.recv() => match next { Some(e) => batch.push(e), None => break },
                () = &mut deadline => break,
            }
        }
        let events = std::mem::take(&mut batch);
        // While a stage is too far behind, stop taking from the listeners:
        // their queue fills and TCP stops reading.
        while state.progress.admit(state.config.max_lag).is_err() && !state.shutdown.is_cancelled() {
            tokio::time::sleep(LINGER).await;
        }
        if let Err(err) = store_and_publish(&state, events).await {
            tracing::error!(%err, "cannot store events from sources");
            metrics::counter!("safecare_ingest_store_failures_total").increment(1);
        }
    }
}

/// The common tail of every ingest path: pseudonymise, seal, store
/// durably, publish.
pub async fn store_and_publish(state: &AppState, mut events: Vec<Event>) -> Result<usize, IngestFailure> {
    let replacements: Vec<_> = events.iter_mut().flat_map(|e| state.privacy.pseudonymiser.pseudonymise(e)).collect();
    if !replacements.is_empty() {
        state.privacy.seal(&replacements, Timestamp::now()).await?;
    }
    let new = if events.is_empty() { 0 } else { state.store.append_events(events.clone()).await? };
    state.progress.appended(safecare_store::Log::Events, new as u64);
    let mut per_source: std::collections::HashMap<&str, u64> = std::collections::HashMap::new();
    for event in &events {
        *per_source.entry(event.source.as_str()).or_default() += 1;
    }
    for (source, n) in per_source {
        metrics::counter!("safecare_ingest_accepted_total", "source" => source.to_owned()).increment(n);
    }
    for event in events {
        if let Err(err) = state.bus.publish(Message::Event(Box::new(event))).await {
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
