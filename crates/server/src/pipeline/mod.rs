//! The stages behind the API, each a task: detection turns stored events
//! into alerts, with its rules reloaded when their folders change; the
//! incident stage groups alerts into incidents; the notification stage
//! plans and delivers messages; retention purges on schedule. Detection
//! and incidents read the store's logs from a checkpoint they move with
//! their own output (the bus only wakes them), so nothing stored is left
//! unprocessed, at a clean shutdown or after a crash.

mod availability;
mod detection;
mod follow;
mod incidents;
mod notify;
mod progress;
mod retention;
mod sources;
mod watch;

pub use availability::spawn_availability;
pub use detection::{Detection, SwitchError, spawn_detection};
pub use follow::StageIo;
pub use incidents::{STAGE as INCIDENT_STAGE, spawn_incidents};
pub use notify::{NotifyIo, spawn_notify};
pub use progress::{Busy, Progress};
pub use retention::{purge_due, spawn_retention};
pub use sources::{IngestIo, Sources, spawn_sources, store_and_publish};
pub use watch::{WatchError, spawn_rule_watcher};

/// Why a stage could not start.
#[derive(Debug, thiserror::Error)]
pub enum StageError {
    #[error("cannot subscribe to the bus: {0}")]
    Bus(#[from] safecare_bus::BusError),
    #[error("cannot read where the stage stopped: {0}")]
    Store(#[from] safecare_store::StoreError),
}
