//! The notification outbox as the store keeps it: one row per message,
//! unique by its key, with the columns delivery looks rows up by and the
//! rest as JSON the store does not interpret (the response crate's entry).

use async_trait::async_trait;
use jiff::Timestamp;
use safecare_model::IncidentId;

use crate::Result;

/// The status of a row still to be tried.
pub const PENDING: &str = "pending";

/// One stored message.
#[derive(Debug, Clone, PartialEq)]
pub struct StoredNotification {
    /// Unique; a second row with the same key is not stored.
    pub key: String,
    /// The incident it is about, if any.
    pub incident: Option<IncidentId>,
    /// `pending` while it is to be tried; anything else is final.
    pub status: String,
    /// When a pending row is next due.
    pub next_try: Timestamp,
    /// When it was planned.
    pub created: Timestamp,
    /// The whole entry as JSON.
    pub body: String,
}

/// Which stored messages to list, newest first.
#[derive(Debug, Clone, Default, PartialEq)]
pub struct NotificationQuery {
    /// Only messages about this incident.
    pub incident: Option<IncidentId>,
    /// Only messages in this status.
    pub status: Option<String>,
    /// How many to skip (paging).
    pub offset: usize,
    /// Page size, at most [`crate::MAX_PAGE`] (100 when 0).
    pub limit: usize,
}

/// Where the notification outbox lives.
#[async_trait]
pub trait OutboxStore: Send + Sync + 'static {
    /// Stores the rows whose key is not stored yet, in one transaction;
    /// returns the keys stored.
    async fn outbox_insert(&self, rows: Vec<StoredNotification>) -> Result<Vec<String>>;
    /// Pending rows due at or before `now`, the earliest due first.
    async fn outbox_due(&self, now: Timestamp, limit: usize) -> Result<Vec<StoredNotification>>;
    /// Replaces the status, next try and body of the row with this key.
    async fn outbox_update(&self, row: StoredNotification) -> Result<()>;
    /// Rows matching the query, newest first.
    async fn outbox_list(&self, query: NotificationQuery) -> Result<Vec<StoredNotification>>;
}
