//! What every handler can reach.

use std::sync::Arc;

use metrics_exporter_prometheus::PrometheusHandle;
use safecare_bus::Bus;
use safecare_ingest::LiveAssetIndex;
use safecare_store::{AccountStore, Store};
use tokio_util::sync::CancellationToken;

use crate::Config;
use crate::auth::{LoginThrottle, RateLimits};
use crate::incidents::Incidents;
use crate::pipeline::{Detection, Progress, Sources};
use crate::privacy::Privacy;

/// Shared, cheaply cloned state of the running service.
#[derive(Clone)]
pub struct AppState {
    pub config: Arc<Config>,
    pub store: Arc<dyn Store>,
    pub accounts: Arc<dyn AccountStore>,
    pub bus: Arc<dyn Bus>,
    pub metrics: PrometheusHandle,
    pub detection: Detection,
    pub incidents: Incidents,
    pub privacy: Arc<Privacy>,
    pub sources: Sources,
    /// How far behind the stores' logs the stages are.
    pub progress: Progress,
    /// Serialises read-modify-write changes of the inventory.
    pub inventory_lock: Arc<tokio::sync::Mutex<()>>,
    /// The identifier index events are resolved against, by the listeners
    /// and `POST /api/v1/events` alike; rebuilt on every inventory change.
    pub assets: Arc<LiveAssetIndex>,
    pub login_throttle: Arc<LoginThrottle>,
    /// Requests per caller, for every route.
    pub rate_limits: Arc<RateLimits>,
    /// Cancelled when the service begins to stop, so that endless
    /// responses (live streams) end and let the graceful shutdown finish.
    pub shutdown: CancellationToken,
}

impl AppState {
    /// Records an action in the audit chain (logins, changes, exports,
    /// notifications); a failure is logged and counted, not hidden.
    pub async fn audit(&self, actor: &str, action: &str, target: &str, detail: &str) {
        let _ = self.privacy.record(actor, action, target, detail).await;
    }
}
