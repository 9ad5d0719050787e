//! Starting and stopping the service.

use std::net::SocketAddr;
use std::sync::Arc;

use axum::extract::FromRef;
use safecare_bus::LocalBus;
use safecare_impact::{InvalidInventory, Inventory, LiveInventory};
use safecare_respond::{Incidents, StartError};
use safecare_store::{SqliteStore, Store, StoreError};
use tokio::net::TcpListener;
use tokio::sync::oneshot;
use tokio::task::JoinHandle;

use tokio_util::sync::CancellationToken;

use crate::auth::{LoginThrottle, RateLimits};
use crate::incidents::StoreIncidents;
use crate::notify::Notifications;
use crate::pipeline::{
    Detection, IngestIo, NotifyIo, Progress, Sources, StageIo, spawn_availability, spawn_detection, spawn_incidents,
    spawn_notify, spawn_retention, spawn_rule_watcher, spawn_sources,
};
use crate::privacy::Privacy;
use crate::{AppState, Config, metrics_setup, routes, tls};

/// Why the service could not start.
#[derive(Debug, thiserror::Error)]
pub enum ServerError {
    /// The data directory could not be created.
    #[error("cannot create the data directory {path}: {source}")]
    DataDir {
        /// The data directory.
        path: std::path::PathBuf,
        /// The I/O failure.
        source: std::io::Error,
    },
    /// The store failed.
    #[error(transparent)]
    Store(#[from] StoreError),
    /// `[display] time_zone` names no known zone.
    #[error("display.time_zone: {0}")]
    TimeZone(#[from] safecare_i18n::InvalidTimeZone),
    /// The listen address could not be bound.
    #[error("cannot listen on {addr}: {source}")]
    Listen {
        /// The address.
        addr: SocketAddr,
        /// The I/O failure.
        source: std::io::Error,
    },
    /// The detection rules could not be loaded.
    #[error(transparent)]
    Rules(#[from] safecare_detect::RulesError),
    /// The rule directory could not be watched.
    #[error(transparent)]
    Watch(#[from] crate::pipeline::WatchError),
    /// A pipeline stage could not start.
    #[error("cannot start the pipeline: {0}")]
    Pipeline(#[from] crate::pipeline::StageError),
    /// The TLS setup is unusable.
    #[error(transparent)]
    Tls(#[from] crate::tls::TlsError),
    /// The privacy layer could not start.
    #[error(transparent)]
    Privacy(#[from] crate::privacy::PrivacyError),
    /// An event source could not start.
    #[error(transparent)]
    Source(#[from] safecare_ingest::SourceError),
    /// Incident handling could not start.
    #[error(transparent)]
    Incidents(#[from] StartError),
    /// The stored asset inventory is invalid.
    #[error("the stored inventory is not valid: {0}")]
    Inventory(#[from] InvalidInventory),
    /// The notification settings are unusable.
    #[error(transparent)]
    Notify(#[from] safecare_respond::notify::config::NotifyConfigError),
    /// The CAP settings are unusable.
    #[error(transparent)]
    Cap(#[from] safecare_respond::cap::CapConfigError),
    /// A CAP channel names no notification channel.
    #[error("cap.channels names `{0}`, which is not a channel of [notify.channels]")]
    CapChannel(String),
    /// The availability thresholds are unusable.
    #[error(transparent)]
    Availability(#[from] safecare_respond::availability::AvailabilityConfigError),
    /// `[availability] channels` names a channel `[notify.channels]` lacks.
    #[error("availability.channels names `{0}`, which is not a channel of [notify.channels]")]
    AvailabilityChannel(String),
    /// The HTTP server stopped with an error.
    #[error("the HTTP server failed: {0}")]
    Serve(std::io::Error),
}

/// A started service.
pub struct RunningServer {
    /// The address actually bound (useful with port 0).
    pub addr: SocketAddr,
    /// The state its handlers share, for tests and tools.
    pub state: AppState,
    stop: Option<oneshot::Sender<()>>,
    task: JoinHandle<Result<(), ServerError>>,
}

/// Opens the store, binds the listener and starts serving in the
/// background.
pub async fn start(config: Config) -> Result<RunningServer, ServerError> {
    let tls = match &config.tls {
        Some(settings) => Some(axum_server::tls_rustls::RustlsConfig::from_config(tls::server_config(settings)?)),
        None => None,
    };
    crate::private_files::create_private_dir(&config.data_dir)
        .and_then(|()| crate::private_files::create_private_file(&config.database_path()))
        .map_err(|source| ServerError::DataDir { path: config.data_dir.clone(), source })?;
    let store = Arc::new(SqliteStore::open(config.database_path(), &config.store)?);
    let detection = Detection::new(config.rules.clone(), store.as_ref()).await?;
    let privacy = Arc::new(Privacy::open(&config, store.clone())?);
    let listener =
        TcpListener::bind(config.listen).await.map_err(|source| ServerError::Listen { addr: config.listen, source })?;
    let addr = listener.local_addr().map_err(|source| ServerError::Listen { addr: config.listen, source })?;
    let login_throttle =
        Arc::new(LoginThrottle::new(config.auth.logins_per_minute, std::time::Duration::from_secs(60)));
    let rate_limits = Arc::new(RateLimits::new(&config.limits));
    let assets =
        Arc::new(LiveInventory::new(Inventory::new(store.list_assets().await?, store.list_relations().await?)?));
    let bus: Arc<dyn safecare_bus::Bus> = Arc::new(LocalBus::new(config.bus_capacity));
    let repository =
        StoreIncidents { store: store.clone(), bus: bus.clone(), privacy: privacy.clone(), inventory: assets.clone() };
    let incidents = Incidents::new(&config.incidents, Arc::new(repository)).await?;
    let notifications = Notifications::new(config.notify.clone(), store.clone(), config.display.language)?;
    config.cap.check()?;
    if let Some(unknown) = config.cap.channels.iter().find(|c| !notifications.channels.contains_key(*c)) {
        return Err(ServerError::CapChannel(unknown.clone()));
    }
    // Every message carries an info in the site's language.
    let cap =
        crate::cap::CapMessages::new(config.cap.clone().with_language(config.display.language.tag()), store.clone());
    if let Some(unknown) = config.availability.channels.iter().find(|c| !notifications.channels.contains_key(*c)) {
        return Err(ServerError::AvailabilityChannel(unknown.clone()));
    }
    config.availability.check()?;
    let availability = crate::availability::Availability::new(config.availability.clone(), store.clone());
    let display = Arc::new(config.display.defaults()?);
    let state = AppState {
        bus,
        config: Arc::new(config),
        accounts: store.clone(),
        searches: store.clone(),
        store,
        metrics: metrics_setup::handle(),
        detection: detection.clone(),
        incidents: incidents.clone(),
        notifications: notifications.clone(),
        cap,
        availability,
        privacy,
        sources: Sources::default(),
        progress: Progress::default(),
        inventory_lock: Arc::default(),
        assets,
        login_throttle,
        rate_limits,
        display,
        shutdown: CancellationToken::new(),
    };
    // After the metrics recorder is installed (building the state does it).
    crate::privacy::check_audit_chain_at_start(&state.privacy).await;
    let stop_pipeline = CancellationToken::new();
    let stop_sources = CancellationToken::new();
    let watched = if state.config.rules.watch { state.config.rules.dirs.as_slice() } else { &[] };
    let watching = spawn_rule_watcher(detection.clone(), watched, stop_pipeline.clone())?;
    let stop_incidents = CancellationToken::new();
    let detecting = spawn_detection(StageIo::from_ref(&state), detection, stop_pipeline.clone()).await?;
    let grouping = spawn_incidents(StageIo::from_ref(&state), incidents, stop_incidents.clone()).await?;
    let notifying = spawn_notify(NotifyIo::from_ref(&state), notifications, stop_incidents.clone()).await?;
    let reporting = spawn_availability(
        state.availability.clone(),
        state.store.clone(),
        state.assets.clone(),
        state.notifications.clone(),
        stop_incidents.clone(),
    );
    let listening = spawn_sources(
        IngestIo::from_ref(&state),
        &state.config,
        state.assets.clone(),
        &state.sources,
        state.shutdown.clone(),
        stop_sources.clone(),
    )
    .await?;
    let purging = spawn_retention(state.config.clone(), state.privacy.clone(), stop_pipeline.clone());
    let app = routes::router(state.clone());
    let (stop, signal) = oneshot::channel::<()>();
    let shutting_down = state.shutdown.clone();
    let stopped = async move {
        let _ = signal.await;
        shutting_down.cancel();
    };
    let store = state.store.clone();
    let state_limits = state.config.connections.clone();
    let task = tokio::spawn(async move {
        let limits = state_limits;
        let served = serve(listener, app, tls, &limits, stopped).await;
        // Requests in flight have finished (each awaited its own durable
        // write and publication). Sources stop next and their collector
        // stores what they queued; then the stages drain (incidents last, as
        // detection's last alerts feed it), then the store finishes its
        // writes.
        stop_sources.cancel();
        for task in listening {
            if let Err(err) = task.await {
                tracing::error!(%err, "source task failed");
            }
        }
        stop_pipeline.cancel();
        for (stage, task) in [("detection", Some(detecting)), ("retention", Some(purging)), ("rule watcher", watching)]
            .into_iter()
            .filter_map(|(stage, task)| Some((stage, task?)))
        {
            if let Err(err) = task.await {
                tracing::error!(%err, stage, "pipeline stage failed");
            }
        }
        stop_incidents.cancel();
        if let Err(err) = grouping.await {
            tracing::error!(%err, stage = "incidents", "pipeline stage failed");
        }
        if let Err(err) = notifying.await {
            tracing::error!(%err, stage = "notify", "pipeline stage failed");
        }
        if let Err(err) = reporting.await {
            tracing::error!(%err, stage = "availability", "pipeline stage failed");
        }
        store.close().await;
        served.map_err(ServerError::Serve)
    });
    tracing::info!(%addr, "SafeCare listening");
    Ok(RunningServer { addr, state, stop: Some(stop), task })
}

/// How long a connection may take to finish its request at shutdown.
const DRAIN: std::time::Duration = std::time::Duration::from_secs(30);

/// Serves HTTP, or HTTPS with `tls`, under the connection limits: a capped
/// number of connections, each with a bounded time to send its request head
/// (the body's deadline is a layer of the router).
async fn serve(
    listener: TcpListener,
    app: axum::Router,
    tls: Option<axum_server::tls_rustls::RustlsConfig>,
    limits: &crate::connections::ConnectionLimits,
    stopped: impl std::future::Future<Output = ()> + Send + 'static,
) -> std::io::Result<()> {
    let handle = axum_server::Handle::new();
    let stopper = handle.clone();
    tokio::spawn(async move {
        stopped.await;
        stopper.graceful_shutdown(Some(DRAIN));
    });
    let capped = crate::connections::CappedAcceptor::new(limits);
    let service = app.into_make_service_with_connect_info::<SocketAddr>();
    let mut server =
        axum_server::from_tcp(listener.into_std()?)?.handle(handle).first_request_timeout(limits.header_timeout());
    server.http_builder().http1().header_read_timeout(limits.header_timeout());
    match tls {
        None => server.acceptor(capped).serve(service).await,
        Some(tls) => {
            let acceptor = axum_server::tls_rustls::RustlsAcceptor::new(tls)
                .handshake_timeout(limits.header_timeout())
                .acceptor(capped);
            server.acceptor(acceptor).serve(service).await
        }
    }
}

impl RunningServer {
    /// Stops accepting connections, lets requests in flight finish, flushes
    /// the store and returns once all of that is done.
    pub async fn stop(mut self) -> Result<(), ServerError> {
        if let Some(stop) = self.stop.take() {
            let _ = stop.send(());
        }
        self.wait().await
    }

    /// Waits until the server ends on its own (it does not without `stop`).
    pub async fn wait(self) -> Result<(), ServerError> {
        match self.task.await {
            Ok(result) => result,
            Err(join) => Err(ServerError::Serve(std::io::Error::other(join.to_string()))),
        }
    }

    /// The URL of the service.
    pub fn url(&self) -> String {
        let scheme = if self.state.config.tls.is_some() { "https" } else { "http" };
        format!("{scheme}://{}", self.addr)
    }
}
