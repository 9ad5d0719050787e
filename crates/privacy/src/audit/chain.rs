//! Appending to the audit chain.

use std::path::PathBuf;

use jiff::Timestamp;
use tokio::sync::Mutex;

use super::{AuditAnchor, AuditEntry, AuditStore, AuditStoreError, AuditViolation, verify, verify_anchored};
use crate::key::SecretKey;

/// The audit log: appends chained entries to an [`AuditStore`] and, when
/// given an anchor key and file, re-signs the head after every append.
pub struct AuditChain<S> {
    store: S,
    /// `seq` and hash of the last entry; loaded from the store on first use.
    /// The lock also serialises appends, so `seq` has no gaps or duplicates.
    head: Mutex<Option<(u64, String)>>,
    anchor: Option<(SecretKey, PathBuf)>,
}

/// Why appending to or checking the audit log failed.
#[derive(Debug, thiserror::Error)]
pub enum AuditError {
    /// The audit store failed.
    #[error(transparent)]
    Store(#[from] AuditStoreError),
    /// The anchor file could not be read or written.
    #[error("cannot read or write the audit anchor {path}: {source}")]
    Anchor {
        /// The anchor file.
        path: PathBuf,
        /// The I/O failure.
        source: std::io::Error,
    },
    /// The stored chain is not what was written.
    #[error("audit log has been tampered with: {0}")]
    Violation(#[from] AuditViolation),
}

impl<S> std::fmt::Debug for AuditChain<S> {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("AuditChain").field("anchored", &self.anchor.is_some()).finish_non_exhaustive()
    }
}

impl<S: AuditStore> AuditChain<S> {
    /// A chain over `store`, without an anchor.
    pub fn new(store: S) -> Self {
        AuditChain { store, head: Mutex::new(None), anchor: None }
    }

    /// Signs the head into `path` under `key` after every append, and makes
    /// [`AuditChain::check`] compare the stored chain against that anchor.
    pub fn with_anchor(mut self, key: SecretKey, path: PathBuf) -> Self {
        self.anchor = Some((key, path));
        self
    }

    /// The store the chain is kept in.
    pub fn store(&self) -> &S {
        &self.store
    }

    /// Appends one entry and returns it as stored.
    pub async fn append(
        &self,
        at: Timestamp,
        actor: &str,
        action: &str,
        target: &str,
        detail: &str,
    ) -> Result<AuditEntry, AuditError> {
        let mut head = self.head.lock().await;
        let (last_seq, last_hash) = match head.as_ref() {
            Some(h) => h.clone(),
            None => match self.store.last().await? {
                Some(last) => (last.seq, last.hash),
                None => (0, AuditEntry::GENESIS.to_owned()),
            },
        };
        let mut entry = AuditEntry {
            seq: last_seq + 1,
            at: Timestamp::from_microsecond(at.as_microsecond()).unwrap_or(at),
            actor: actor.to_owned(),
            action: action.to_owned(),
            target: target.to_owned(),
            detail: detail.to_owned(),
            prev_hash: last_hash,
            hash: String::new(),
        };
        entry.hash = entry.compute_hash();
        self.store.append(&entry).await?;
        *head = Some((entry.seq, entry.hash.clone()));
        if let Some((key, path)) = &self.anchor {
            AuditAnchor::sign(key, entry.seq, &entry.hash)
                .save(path)
                .map_err(|source| AuditError::Anchor { path: path.clone(), source })?;
        }
        Ok(entry)
    }

    /// Verifies the whole stored chain, against the anchor when there is one
    /// (`safecare audit verify`).
    pub async fn check(&self) -> Result<(), AuditError> {
        let entries = self.store.all().await?;
        match &self.anchor {
            None => verify(&entries)?,
            Some((key, path)) => {
                let anchor =
                    AuditAnchor::load(path).map_err(|source| AuditError::Anchor { path: path.clone(), source })?;
                match anchor {
                    Some(anchor) => verify_anchored(&entries, &anchor, key)?,
                    // No anchor yet is only honest when nothing was ever appended.
                    None if entries.is_empty() => {}
                    None => {
                        return Err(AuditError::Anchor {
                            path: path.clone(),
                            source: std::io::Error::new(std::io::ErrorKind::NotFound, "anchor missing"),
                        });
                    }
                }
            }
        }
        Ok(())
    }
}
