//! What every handler can reach.

use std::sync::Arc;

use axum::extract::FromRef;
use metrics_exporter_prometheus::PrometheusHandle;
use safecare_bus::Bus;
use safecare_impact::{Inventory, LiveInventory};
use safecare_respond::Incidents;
use safecare_store::{AccountStore, SearchStore, Store, StoreError};
use tokio_util::sync::CancellationToken;

use crate::Config;
use crate::auth::{LoginThrottle, RateLimits};
use crate::notify::Notifications;
use crate::pipeline::{Detection, IngestIo, NotifyIo, Progress, Sources, StageIo};
use crate::privacy::Privacy;
use crate::routes::session::Logins;

/// Shared, cheaply cloned state of the running service. Handlers take
/// the parts they use (axum's `FromRef`), not the whole.
#[derive(Clone, FromRef)]
pub struct AppState {
    /// The configuration it was started with.
    pub config: Arc<Config>,
    /// Events, alerts, incidents and the inventory.
    pub store: Arc<dyn Store>,
    /// Users, sessions and API tokens.
    pub accounts: Arc<dyn AccountStore>,
    /// People's saved event searches.
    pub searches: Arc<dyn SearchStore>,
    /// How stages hand records to each other and to live views.
    pub bus: Arc<dyn Bus>,
    /// Renders the Prometheus metrics.
    pub metrics: PrometheusHandle,
    /// The running rules and their switches.
    pub detection: Detection,
    /// Incident handling.
    pub incidents: Incidents,
    /// Notification channels and the outbox.
    pub notifications: Notifications,
    /// CAP messages to first responders.
    pub cap: crate::cap::CapMessages,
    /// Hospital availability and its history.
    pub availability: crate::availability::Availability,
    /// The privacy layer.
    pub privacy: Arc<Privacy>,
    /// The configured event sources and their health.
    pub sources: Sources,
    /// How far behind the stores' logs the stages are.
    pub progress: Progress,
    /// Serialises read-modify-write changes of the inventory.
    pub inventory_lock: Arc<tokio::sync::Mutex<()>>,
    /// The one inventory: events are resolved against it (listeners and
    /// the HTTP routes alike), incidents and `POST /api/v1/impact/assess`
    /// assessed over it; replaced in place on every change.
    pub assets: Arc<LiveInventory>,
    /// Login attempts per client address.
    pub login_throttle: Arc<LoginThrottle>,
    /// Requests per caller, for every route.
    pub rate_limits: Arc<RateLimits>,
    /// The site's language and time zone, for people who chose none.
    pub display: Arc<safecare_i18n::Defaults>,
    /// Cancelled when the service begins to stop, so that endless
    /// responses (live streams) end and let the graceful shutdown finish.
    pub shutdown: CancellationToken,
}

impl AppState {
    /// Stores a (validated) inventory and makes it the live one (for tools
    /// and tests; handlers go through [`InventoryIo`]).
    pub async fn replace_inventory(&self, inventory: Inventory) -> Result<usize, StoreError> {
        InventoryIo::from_ref(self).replace(inventory).await
    }
}

/// What changing the inventory needs: where it is stored, the live one
/// events resolve against, and the lock that serialises changes.
#[derive(Clone)]
pub struct InventoryIo {
    /// Where the inventory is stored.
    pub store: Arc<dyn Store>,
    /// The live inventory.
    pub assets: Arc<LiveInventory>,
    /// Serialises read-modify-write changes.
    pub lock: Arc<tokio::sync::Mutex<()>>,
}

impl InventoryIo {
    /// Stores a (validated) inventory and makes it the live one, so that
    /// events from then on resolve against it; returns its asset count.
    pub async fn replace(&self, inventory: Inventory) -> Result<usize, StoreError> {
        let (assets, relations) = inventory.clone().into_parts();
        let count = assets.len();
        self.store.replace_inventory(assets, relations).await?;
        self.assets.replace(inventory);
        Ok(count)
    }
}

impl FromRef<AppState> for InventoryIo {
    fn from_ref(state: &AppState) -> Self {
        InventoryIo { store: state.store.clone(), assets: state.assets.clone(), lock: state.inventory_lock.clone() }
    }
}

impl FromRef<AppState> for IngestIo {
    fn from_ref(state: &AppState) -> Self {
        IngestIo {
            store: state.store.clone(),
            bus: state.bus.clone(),
            progress: state.progress.clone(),
            privacy: state.privacy.clone(),
        }
    }
}

impl FromRef<AppState> for Logins {
    fn from_ref(state: &AppState) -> Self {
        Logins {
            accounts: state.accounts.clone(),
            config: state.config.clone(),
            throttle: state.login_throttle.clone(),
            privacy: state.privacy.clone(),
        }
    }
}

impl FromRef<AppState> for StageIo {
    fn from_ref(state: &AppState) -> Self {
        StageIo { store: state.store.clone(), bus: state.bus.clone(), progress: state.progress.clone() }
    }
}

impl FromRef<AppState> for NotifyIo {
    fn from_ref(state: &AppState) -> Self {
        NotifyIo {
            store: state.store.clone(),
            bus: state.bus.clone(),
            incidents: state.incidents.clone(),
            privacy: state.privacy.clone(),
            sends_cap: !state.config.cap.channels.is_empty() || !state.config.availability.channels.is_empty(),
        }
    }
}
