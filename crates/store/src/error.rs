use std::path::PathBuf;

/// What can go wrong in the store.
#[derive(Debug, thiserror::Error)]
pub enum StoreError {
    #[error("cannot open the database {path}: {source}")]
    Open { path: PathBuf, source: rusqlite::Error },
    #[error("{path} is not a SafeCare database (application id {found:#x}); refusing to use it")]
    NotOurs { path: PathBuf, found: i32 },
    #[error("the database {path} is corrupt ({detail}); restore it from a backup or move it aside to start empty")]
    Corrupt { path: PathBuf, detail: String },
    #[error(
        "the database {path} has schema version {found}, newer than this SafeCare supports ({supported}); upgrade SafeCare or use another data directory"
    )]
    NewerSchema { path: PathBuf, found: i64, supported: i64 },
    #[error("database error: {0}")]
    Sqlite(#[from] rusqlite::Error),
    #[error("stored record is unreadable: {0}")]
    Decode(#[from] serde_json::Error),
    #[error("invalid query: {0}")]
    InvalidQuery(String),
    #[error("the write transaction failed and was rolled back: {0}")]
    Transaction(String),
    #[error("the store is shut down")]
    Closed,
}
