//! The hospital availability history as the store keeps it: one row per
//! change of a service's status and per crisis-manager override, with the
//! columns it is looked up by and the rest as JSON the store does not
//! interpret (the response crate's `AvailabilityChange`).

use async_trait::async_trait;
use jiff::Timestamp;

use crate::Result;

/// One stored history entry.
#[derive(Debug, Clone, PartialEq)]
pub struct StoredAvailabilityChange {
    /// Its place in the history (set by the store; ignored on append).
    pub seq: u64,
    /// The service's asset id.
    pub service: String,
    /// `status` or `override`.
    pub kind: String,
    /// When.
    pub at: Timestamp,
    /// The whole entry as JSON.
    pub body: String,
}

/// Where the availability history lives.
#[async_trait]
pub trait AvailabilityStore: Send + Sync + 'static {
    /// Appends entries, in order, in one transaction.
    async fn availability_append(&self, entries: Vec<StoredAvailabilityChange>) -> Result<()>;
    /// The newest entries (of one service, or all), newest first, at most `limit`.
    async fn availability_history(
        &self,
        service: Option<String>,
        limit: usize,
    ) -> Result<Vec<StoredAvailabilityChange>>;
    /// The last entry of each kind for each service.
    async fn availability_latest(&self) -> Result<Vec<StoredAvailabilityChange>>;
}
