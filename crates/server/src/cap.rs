//! CAP messages in the running service: the `[cap]` settings and the
//! messages kept in the store (respond's `CapMessage` over `CapStore`),
//! shared by the API's draft, approval and feed routes. The decisions
//! (what an incident's message says, the reference chain) are
//! `safecare_respond::cap`'s.

use std::sync::Arc;

use safecare_model::IncidentId;
use safecare_respond::RepositoryError;
use safecare_respond::cap::{CapConfig, CapMessage};
use safecare_store::{CapStore, StoreError, StoredCapMessage};

/// The service's CAP side.
#[derive(Clone)]
pub struct CapMessages {
    /// The `[cap]` settings.
    pub config: Arc<CapConfig>,
    /// Where the messages are kept.
    pub store: Arc<dyn CapStore>,
    /// Drafting and approving read the incident's chain and write the next
    /// link: one at a time, so two approvals of one draft cannot both send.
    pub lock: Arc<tokio::sync::Mutex<()>>,
}

impl CapMessages {
    /// The service over the store, with the settings.
    pub fn new(config: CapConfig, store: Arc<dyn CapStore>) -> Self {
        CapMessages { config: Arc::new(config), store, lock: Arc::default() }
    }

    /// One incident's messages, oldest first.
    pub async fn of_incident(&self, incident: IncidentId) -> Result<Vec<CapMessage>, RepositoryError> {
        let rows = self.store.cap_of_incident(incident).await.map_err(RepositoryError::new)?;
        rows.into_iter().map(from_row).collect()
    }

    /// The newest approved messages, newest first.
    pub async fn approved(&self, limit: usize) -> Result<Vec<CapMessage>, RepositoryError> {
        let rows = self.store.cap_latest(Some("approved".to_owned()), limit).await.map_err(RepositoryError::new)?;
        rows.into_iter().map(from_row).collect()
    }

    /// Stores a message (a new draft, or a draft now approved).
    pub async fn put(&self, message: &CapMessage) -> Result<(), RepositoryError> {
        let body = serde_json::to_string(message).map_err(|e| RepositoryError::new(StoreError::Decode(e)))?;
        let row = StoredCapMessage {
            identifier: message.alert.identifier.clone(),
            incident: message.incident,
            state: message.state.as_str().to_owned(),
            created: message.drafted_at,
            body,
        };
        self.store.cap_put(row).await.map_err(RepositoryError::new)
    }
}

fn from_row(row: StoredCapMessage) -> Result<CapMessage, RepositoryError> {
    serde_json::from_str(&row.body).map_err(|err| {
        tracing::error!(identifier = %row.identifier, %err, "stored CAP message is unreadable");
        RepositoryError::new(StoreError::Decode(err))
    })
}
