//! What the incident service needs from the rest of the system, and
//! nothing more: incident records to load and save, the alerts they hold,
//! and the current asset inventory. The server implements it over its store
//! and bus; tests implement it in memory.

use std::sync::Arc;

use safecare_impact::Inventory;
use safecare_model::{Alert, IncidentId};

use crate::record::IncidentRecord;

/// A failure of the storage behind the repository, with its cause kept.
#[derive(Debug, thiserror::Error)]
#[error(transparent)]
pub struct RepositoryError(#[from] pub Box<dyn std::error::Error + Send + Sync>);

impl RepositoryError {
    /// Wraps any storage error.
    pub fn new(err: impl std::error::Error + Send + Sync + 'static) -> Self {
        RepositoryError(Box::new(err))
    }
}

/// Where incident records live.
#[async_trait::async_trait]
pub trait IncidentRepository: Send + Sync {
    /// One incident's record, `None` when there is none.
    async fn load(&self, id: IncidentId) -> Result<Option<IncidentRecord>, RepositoryError>;

    /// Stores the record; `from` is the first timeline entry not yet
    /// announced (the implementation publishes and audits entries from it).
    async fn save(&self, record: &IncidentRecord, from: usize) -> Result<(), RepositoryError>;

    /// Stores the records one batch of alerts touched, all or none, with
    /// `through`: the position in the alert log the batch ends at, where
    /// grouping resumes after a restart. Each record is announced as by
    /// [`Self::save`], from its own first new entry.
    async fn save_grouped(&self, records: &[(&IncidentRecord, usize)], through: u64) -> Result<(), RepositoryError>;

    /// Incidents (only the open ones with `open_only`), `limit` of them
    /// from `offset`, in a stable order.
    async fn incidents(
        &self,
        open_only: bool,
        offset: usize,
        limit: usize,
    ) -> Result<Vec<IncidentRecord>, RepositoryError>;

    /// The alerts of an incident that are still stored.
    async fn alerts(&self, record: &IncidentRecord) -> Result<Vec<Alert>, RepositoryError>;

    /// The current asset inventory, `None` while it is empty.
    async fn inventory(&self) -> Result<Option<Arc<Inventory>>, RepositoryError>;
}
