//! Where SafeCare keeps what it knows: events, alerts, incidents, the asset
//! inventory and small pieces of engine state.
//!
//! This crate owns the [`Store`] interface and its embedded SQLite
//! implementation ([`SqliteStore`]): schema migrations, batched durable
//! writes and the queries the API needs. A write that returned `Ok` is on
//! disk. It does not know about HTTP, detection rules or impact: callers
//! hand it model types and get model types back.

mod error;
mod query;
mod sqlite;

use async_trait::async_trait;
use safecare_model::{Alert, AlertId, Asset, Event, EventId, Incident, IncidentId, Relation};

pub use error::StoreError;
pub use query::{AlertQuery, Cursor, EventPage, EventQuery, IncidentQuery, MAX_PAGE};
pub use sqlite::{Durability, SqliteConfig, SqliteStore};

/// Result of the store's operations.
pub type Result<T> = std::result::Result<T, StoreError>;

/// The storage interface the rest of SafeCare programs against.
///
/// Every write is durable when it returns `Ok`.
#[async_trait]
pub trait Store: Send + Sync + 'static {
    /// Appends events; an event whose id is already stored is skipped (so a
    /// sender may retry). Returns how many were new.
    async fn append_events(&self, events: Vec<Event>) -> Result<usize>;
    /// Events matching the query, newest first, one page at a time.
    async fn query_events(&self, query: EventQuery) -> Result<EventPage>;
    async fn get_event(&self, id: EventId) -> Result<Option<Event>>;
    async fn count_events(&self) -> Result<u64>;

    /// Inserts or replaces an alert.
    async fn put_alert(&self, alert: Alert) -> Result<()>;
    async fn get_alert(&self, id: AlertId) -> Result<Option<Alert>>;
    /// Alerts matching the query, newest first.
    async fn list_alerts(&self, query: AlertQuery) -> Result<Vec<Alert>>;

    /// Inserts or replaces an incident.
    async fn put_incident(&self, incident: Incident) -> Result<()>;
    async fn get_incident(&self, id: IncidentId) -> Result<Option<Incident>>;
    /// Incidents matching the query, most recently updated first.
    async fn list_incidents(&self, query: IncidentQuery) -> Result<Vec<Incident>>;

    /// Replaces the whole asset inventory in one transaction.
    async fn replace_inventory(&self, assets: Vec<Asset>, relations: Vec<Relation>) -> Result<()>;
    async fn list_assets(&self) -> Result<Vec<Asset>>;
    async fn list_relations(&self) -> Result<Vec<Relation>>;

    /// Saves a named piece of engine state (correlation windows, cursors).
    async fn put_state(&self, key: &str, value: serde_json::Value) -> Result<()>;
    async fn get_state(&self, key: &str) -> Result<Option<serde_json::Value>>;

    /// Finishes every write queued so far and stops taking new ones; reads
    /// may still work. Called once on shutdown.
    async fn close(&self);
}
