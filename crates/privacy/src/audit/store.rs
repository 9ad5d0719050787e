//! Where audit entries live.

use std::sync::Mutex;

use async_trait::async_trait;

use super::AuditEntry;

/// A failure of the place audit entries live, whatever it is.
#[derive(Debug, thiserror::Error)]
#[error("audit store: {0}")]
pub struct AuditStoreError(#[source] pub Box<dyn std::error::Error + Send + Sync>);

/// Append-only storage of audit entries. Implementations never update or
/// delete an entry; a unique constraint on `seq` is a useful second guard.
#[async_trait]
pub trait AuditStore: Send + Sync {
    /// Stores a new entry; its `seq` must not be used yet.
    async fn append(&self, entry: &AuditEntry) -> Result<(), AuditStoreError>;
    /// The entry with the highest `seq`, if any.
    async fn last(&self) -> Result<Option<AuditEntry>, AuditStoreError>;
    /// Every entry in storage order (ascending `seq` unless tampered with).
    async fn all(&self) -> Result<Vec<AuditEntry>, AuditStoreError>;
}

/// Audit entries in memory, for tests and single-run tools.
#[derive(Debug, Default)]
pub struct MemoryAuditStore {
    entries: Mutex<Vec<AuditEntry>>,
}

impl MemoryAuditStore {
    fn lock(&self) -> Result<std::sync::MutexGuard<'_, Vec<AuditEntry>>, AuditStoreError> {
        self.entries.lock().map_err(|_| AuditStoreError("in-memory audit lock poisoned".into()))
    }
}

#[async_trait]
impl AuditStore for MemoryAuditStore {
    async fn append(&self, entry: &AuditEntry) -> Result<(), AuditStoreError> {
        self.lock()?.push(entry.clone());
        Ok(())
    }

    async fn last(&self) -> Result<Option<AuditEntry>, AuditStoreError> {
        Ok(self.lock()?.last().cloned())
    }

    async fn all(&self) -> Result<Vec<AuditEntry>, AuditStoreError> {
        Ok(self.lock()?.clone())
    }
}
