//! The availability stage: once a second, the services' status is taken
//! again from the open incidents and the overrides, so that a change (an
//! incident assessed, resolved, an override expiring) is recorded and sent
//! as EDXL-HAVE without anyone asking for the board.

use std::sync::Arc;
use std::time::Duration;

use jiff::Timestamp;
use safecare_impact::LiveInventory;
use safecare_store::Store;
use tokio::task::JoinHandle;
use tokio_util::sync::CancellationToken;

use crate::availability::{Availability, RefreshIo};
use crate::notify::Notifications;

/// How often the stage looks.
const PASS_EVERY: Duration = Duration::from_secs(1);

/// Starts the stage; it runs until `stop` is cancelled.
pub fn spawn_availability(
    availability: Availability,
    store: Arc<dyn Store>,
    inventory: Arc<LiveInventory>,
    notifications: Notifications,
    stop: CancellationToken,
) -> JoinHandle<()> {
    tokio::spawn(async move {
        loop {
            tokio::select! {
                () = stop.cancelled() => break,
                () = tokio::time::sleep(PASS_EVERY) => {}
            }
            let inventory = inventory.current();
            let io = RefreshIo { store: store.as_ref(), inventory: &inventory, outbox: &notifications.outbox };
            if let Err(err) = availability.refresh(io, Timestamp::now()).await {
                tracing::warn!(%err, "availability not refreshed");
            }
        }
    })
}
