//! Where SafeCare keeps what it knows: events, alerts, incidents, the asset
//! inventory, the notification outbox, CAP messages to first responders and small pieces of engine state.
//!
//! This crate owns the [`Store`] interface and its embedded SQLite
//! implementation ([`SqliteStore`]): schema migrations, batched durable
//! writes and the queries the API needs. A write that returned `Ok` is on
//! disk. It does not know about HTTP, detection rules or impact: callers
//! hand it model types and get model types back.

mod availability;
mod cap;
mod error;
mod exercise;
mod incident;
mod log;
mod outbox;
mod query;
mod search;
mod sqlite;

use async_trait::async_trait;
use jiff::{SignedDuration, Timestamp};
use safecare_model::{Alert, AlertId, ApiToken, Asset, Event, EventId, IncidentId, Relation, Session, Severity, User};

pub use availability::{AvailabilityStore, StoredAvailabilityChange};
pub use cap::{CapStore, StoredCapMessage};
pub use error::StoreError;
pub use exercise::ExerciseRemoved;
pub use incident::StoredIncident;
pub use log::{Checkpoint, Log, LogPage};
pub use outbox::{NotificationQuery, OutboxStore, PENDING, StoredNotification};
pub use query::{
    AlertQuery, Cursor, EventPage, EventQuery, FieldFilter, IncidentQuery, MAX_PAGE, MAX_PAGE_BYTES, SourceActivity,
};
pub use search::{SavedSearch, SearchStore};
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
    /// The event with this id, if stored.
    async fn get_event(&self, id: EventId) -> Result<Option<Event>>;
    /// How many events are stored.
    async fn count_events(&self) -> Result<u64>;
    /// Events matching `query` (its paging ignored) per bucket of `bucket`
    /// over its range, which must have both ends: oldest first, empty
    /// buckets included, at most 10,000 buckets.
    async fn event_histogram(&self, query: EventQuery, bucket: SignedDuration) -> Result<Vec<(Timestamp, u64)>>;
    /// Events per time bucket (by occurrence time) from `from` to now,
    /// oldest first, empty buckets included.
    async fn event_rate(&self, from: Timestamp, bucket: SignedDuration) -> Result<Vec<(Timestamp, u64)>>;
    /// Every source that ever sent an event: how many arrived since `since`
    /// (none for a source gone silent) and when the last one arrived.
    async fn source_activity(&self, since: Timestamp) -> Result<Vec<SourceActivity>>;

    /// Inserts or replaces alerts in one write: all are stored or none.
    async fn put_alerts(&self, alerts: Vec<Alert>) -> Result<()>;
    /// The alert with this id, if stored.
    async fn get_alert(&self, id: AlertId) -> Result<Option<Alert>>;
    /// Alerts matching the query, newest first.
    async fn list_alerts(&self, query: AlertQuery) -> Result<Vec<Alert>>;

    /// Inserts or replaces an incident's record.
    async fn put_incident(&self, incident: StoredIncident) -> Result<()>;
    /// The incident with this id, if stored.
    async fn get_incident(&self, id: IncidentId) -> Result<Option<StoredIncident>>;
    /// Incidents matching the query, most recently updated first.
    async fn list_incidents(&self, query: IncidentQuery) -> Result<Vec<StoredIncident>>;
    /// How many incidents match the query (its paging ignored).
    async fn count_incidents(&self, query: IncidentQuery) -> Result<u64>;
    /// How many incidents are open, per severity.
    async fn open_incidents_by_severity(&self) -> Result<Vec<(Severity, u64)>>;

    /// Replaces the whole asset inventory in one transaction.
    async fn replace_inventory(&self, assets: Vec<Asset>, relations: Vec<Relation>) -> Result<()>;
    /// Every asset of the stored inventory.
    async fn list_assets(&self) -> Result<Vec<Asset>>;
    /// Every relation between assets of the stored inventory.
    async fn list_relations(&self) -> Result<Vec<Relation>>;

    /// Events stored after position `after` of the event log, in log
    /// order, at most `limit` of them.
    async fn events_after(&self, after: u64, limit: usize) -> Result<LogPage<Event>>;
    /// Alerts after position `after` of the alert log, likewise.
    async fn alerts_after(&self, after: u64, limit: usize) -> Result<LogPage<Alert>>;
    /// The highest position ever given in `log` (0 before the first record).
    async fn log_head(&self, log: Log) -> Result<u64>;
    /// Where a stage has got to, if it ever saved a checkpoint.
    async fn checkpoint(&self, stage: &str) -> Result<Option<u64>>;
    /// Saves where a stage has got to, replacing its previous checkpoint.
    async fn put_checkpoint(&self, checkpoint: Checkpoint) -> Result<()>;
    /// Stores the alerts not stored yet (an alert whose id is already there
    /// stays as it is) and moves `checkpoint`, in one transaction; returns
    /// the alerts that were new, in the order given.
    async fn insert_alerts(&self, alerts: Vec<Alert>, checkpoint: Checkpoint) -> Result<Vec<Alert>>;
    /// Inserts or replaces incidents and moves `checkpoint`, in one
    /// transaction.
    async fn put_incidents(&self, incidents: Vec<StoredIncident>, checkpoint: Checkpoint) -> Result<()>;

    /// Removes everything exercise run `run` made: the events marked with
    /// it, the alerts they raised, the incidents it opened and the messages
    /// about those, in one transaction; records without the mark stay.
    async fn delete_exercise(&self, run: &str) -> Result<ExerciseRemoved>;

    /// Saves a named piece of engine state (correlation windows, cursors).
    async fn put_state(&self, key: &str, value: serde_json::Value) -> Result<()>;
    /// A piece of engine state saved with [`Store::put_state`], if any.
    async fn get_state(&self, key: &str) -> Result<Option<serde_json::Value>>;

    /// Finishes every write queued so far and stops taking new ones; reads
    /// may still work. Called once on shutdown.
    async fn close(&self);
}

/// Where accounts live: users, browser sessions and API tokens.
///
/// Kept apart from [`Store`] because it serves authentication, not the
/// security data; one backend usually implements both.
#[async_trait]
pub trait AccountStore: Send + Sync + 'static {
    /// Inserts or replaces a user.
    async fn put_user(&self, user: User) -> Result<()>;
    /// The user with this name, if any.
    async fn get_user(&self, name: &str) -> Result<Option<User>>;
    /// Every user.
    async fn list_users(&self) -> Result<Vec<User>>;

    /// Inserts or replaces a browser session.
    async fn put_session(&self, session: Session) -> Result<()>;
    /// The session with this token hash, if it has not expired.
    async fn get_session(&self, token_hash: &str) -> Result<Option<Session>>;
    /// Ends the session with this token hash (logout).
    async fn delete_session(&self, token_hash: &str) -> Result<()>;
    /// Ends every session of a user (on password change or disabling).
    async fn delete_sessions_of(&self, user: &str) -> Result<()>;

    /// Inserts or replaces an API token.
    async fn put_api_token(&self, token: ApiToken) -> Result<()>;
    /// The API token with this id, if any.
    async fn get_api_token(&self, id: &str) -> Result<Option<ApiToken>>;
    /// Every API token.
    async fn list_api_tokens(&self) -> Result<Vec<ApiToken>>;
}

/// The kinds of security data a retention policy purges.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Expiring {
    /// Raw events, by occurrence time.
    Events,
    /// Alerts, by their start time.
    Alerts,
    /// Resolved and closed incidents, by their last update (open ones are
    /// never purged).
    Incidents,
    /// Re-identification vault entries, by when the token was first seen.
    VaultEntries,
}

/// Where privacy records live: the re-identification vault (sealed
/// entries, opaque here), the audit chain (entries as JSON, in sequence),
/// and what retention removes.
#[async_trait]
pub trait PrivacyStore: Send + Sync + 'static {
    /// Stores a vault entry unless its token is already there; true when
    /// stored.
    async fn vault_insert(&self, token: &str, created: Timestamp, entry: serde_json::Value) -> Result<bool>;
    /// Stores many entries in one transaction, skipping tokens already
    /// there; returns how many were stored.
    async fn vault_insert_many(&self, entries: Vec<(String, Timestamp, serde_json::Value)>) -> Result<usize>;
    /// The vault entry of this token, if stored.
    async fn vault_get(&self, token: &str) -> Result<Option<serde_json::Value>>;

    /// Appends an audit entry under its sequence number; a number already
    /// used is an error (the chain never rewrites).
    async fn audit_append(&self, seq: u64, entry: serde_json::Value) -> Result<()>;
    /// The newest audit entry, if the chain is not empty.
    async fn audit_last(&self) -> Result<Option<serde_json::Value>>;
    /// The whole chain, in sequence.
    async fn audit_all(&self) -> Result<Vec<serde_json::Value>>;

    /// How many records of `kind` are older than `cutoff`.
    async fn count_expired(&self, kind: Expiring, cutoff: Timestamp) -> Result<u64>;
    /// Deletes the records of `kind` older than `cutoff`; returns how many.
    async fn purge_expired(&self, kind: Expiring, cutoff: Timestamp) -> Result<u64>;
}
