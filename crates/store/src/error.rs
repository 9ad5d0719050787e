use std::path::PathBuf;

/// What can go wrong in the store.
#[derive(Debug, thiserror::Error)]
pub enum StoreError {
    /// The database file could not be opened.
    #[error("cannot open the database {path}: {source}")]
    Open {
        /// The database file.
        path: PathBuf,
        /// Why SQLite refused it.
        source: rusqlite::Error,
    },
    /// The file is an SQLite database of another application.
    #[error("{path} is not a SafeCare database (application id {found:#x}); refusing to use it")]
    NotOurs {
        /// The database file.
        path: PathBuf,
        /// The SQLite application id found in its header.
        found: i32,
    },
    /// The integrity check found the file damaged.
    #[error("the database {path} is corrupt ({detail}); restore it from a backup or move it aside to start empty")]
    Corrupt {
        /// The database file.
        path: PathBuf,
        /// What the integrity check reported.
        detail: String,
    },
    /// The file was written by a newer SafeCare, with a schema this one
    /// cannot read.
    #[error(
        "the database {path} has schema version {found}, newer than this SafeCare supports ({supported}); upgrade SafeCare or use another data directory"
    )]
    NewerSchema {
        /// The database file.
        path: PathBuf,
        /// The schema version in the file.
        found: i64,
        /// The newest schema version this build reads.
        supported: i64,
    },
    /// Any other SQLite failure.
    #[error("database error: {0}")]
    Sqlite(#[from] rusqlite::Error),
    /// A stored record's JSON no longer decodes into its type.
    #[error("stored record is unreadable: {0}")]
    Decode(#[from] serde_json::Error),
    /// The query or cursor given by the caller is malformed.
    #[error("invalid query: {0}")]
    InvalidQuery(String),
    /// A write transaction failed and nothing of it was stored. Every write
    /// of the batch gets the same failure, hence shared.
    #[error("the write transaction failed and was rolled back: {0}")]
    Transaction(#[source] std::sync::Arc<StoreError>),
    /// The writer thread could not be started.
    #[error("cannot start the store's writer thread: {0}")]
    Writer(#[source] std::io::Error),
    /// A read on a blocking thread panicked or was cancelled.
    #[error("a store read failed: {0}")]
    ReadTask(#[source] tokio::task::JoinError),
    /// A stage's checkpoint holds something other than a log position.
    #[error("checkpoint of stage {stage} is not a position: {value}")]
    BadCheckpoint {
        /// The stage.
        stage: String,
        /// What is stored instead.
        value: String,
    },
    /// A stored notification holds a value its column cannot mean (a
    /// time out of range, an incident id of the wrong length).
    #[error("stored notification {key} is unreadable: {reason}")]
    BadNotification {
        /// The notification's key.
        key: String,
        /// What is wrong with it.
        reason: String,
    },
    /// A stored availability history entry cannot be read back.
    #[error("stored availability change {seq} is unreadable: {reason}")]
    BadAvailabilityChange {
        /// Its place in the history.
        seq: i64,
        /// What is wrong with it.
        reason: String,
    },
    /// A stored CAP message cannot be read back.
    #[error("stored CAP message {identifier} is unreadable: {reason}")]
    BadCapMessage {
        /// The message's identifier.
        identifier: String,
        /// What is wrong with it.
        reason: String,
    },
    /// An update named a notification the outbox does not hold.
    #[error("no notification with key {0}")]
    UnknownNotification(String),
    /// The store was closed; it takes no more writes.
    #[error("the store is shut down")]
    Closed,
}
