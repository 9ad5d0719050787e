//! CAP messages to first responders as the store keeps them: one row per
//! message, unique by its CAP identifier, with the columns the API looks
//! rows up by and the rest as JSON the store does not interpret (the
//! response crate's `CapMessage`).

use async_trait::async_trait;
use jiff::Timestamp;
use safecare_model::IncidentId;

use crate::Result;

/// One stored CAP message.
#[derive(Debug, Clone, PartialEq)]
pub struct StoredCapMessage {
    /// The CAP identifier; unique.
    pub identifier: String,
    /// The incident it is about.
    pub incident: IncidentId,
    /// `draft` or `approved`.
    pub state: String,
    /// When it was drafted.
    pub created: Timestamp,
    /// The whole message as JSON.
    pub body: String,
}

/// Where CAP messages live.
#[async_trait]
pub trait CapStore: Send + Sync + 'static {
    /// Inserts the message, or replaces the one with its identifier.
    async fn cap_put(&self, message: StoredCapMessage) -> Result<()>;
    /// One incident's messages, oldest first.
    async fn cap_of_incident(&self, incident: IncidentId) -> Result<Vec<StoredCapMessage>>;
    /// The newest messages in `state` (all states when none), newest first, at most `limit`.
    async fn cap_latest(&self, state: Option<String>, limit: usize) -> Result<Vec<StoredCapMessage>>;
}
