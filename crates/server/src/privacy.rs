//! The privacy layer wired to the store: pseudonymisation at ingest, the
//! re-identification vault and the audit chain kept in the database, and
//! retention.

use std::collections::HashSet;
use std::sync::{Arc, Mutex};

use async_trait::async_trait;
use jiff::Timestamp;
use safecare_privacy::{
    AuditChain, AuditEntry, AuditError, AuditStore, AuditStoreError, DataClass, KeyError, KeyRing, Pseudonymiser,
    PurgePlan, Replacement, Vault, VaultEntry, VaultStore, VaultStoreError,
};
use safecare_store::{Expiring, PrivacyStore, StoreError};

use crate::Config;

/// Vault entries in the store's `vault` table.
pub struct StoreVault(pub Arc<dyn PrivacyStore>);

/// Audit entries in the store's `audit` table.
pub struct StoreAudit(pub Arc<dyn PrivacyStore>);

fn vault_err(err: impl std::error::Error + Send + Sync + 'static) -> VaultStoreError {
    VaultStoreError(Box::new(err))
}

fn audit_err(err: impl std::error::Error + Send + Sync + 'static) -> AuditStoreError {
    AuditStoreError(Box::new(err))
}

#[async_trait]
impl VaultStore for StoreVault {
    async fn contains(&self, token: &str) -> Result<bool, VaultStoreError> {
        Ok(self.0.vault_get(token).await.map_err(vault_err)?.is_some())
    }

    async fn insert(&self, entry: VaultEntry) -> Result<bool, VaultStoreError> {
        let value = serde_json::to_value(&entry).map_err(vault_err)?;
        self.0.vault_insert(&entry.token, entry.created, value).await.map_err(vault_err)
    }

    async fn get(&self, token: &str) -> Result<Option<VaultEntry>, VaultStoreError> {
        let value = self.0.vault_get(token).await.map_err(vault_err)?;
        value.map(serde_json::from_value).transpose().map_err(vault_err)
    }

    async fn count_before(&self, cutoff: Timestamp) -> Result<u64, VaultStoreError> {
        self.0.count_expired(Expiring::VaultEntries, cutoff).await.map_err(vault_err)
    }

    async fn purge_before(&self, cutoff: Timestamp) -> Result<u64, VaultStoreError> {
        self.0.purge_expired(Expiring::VaultEntries, cutoff).await.map_err(vault_err)
    }
}

#[async_trait]
impl AuditStore for StoreAudit {
    async fn append(&self, entry: &AuditEntry) -> Result<(), AuditStoreError> {
        let value = serde_json::to_value(entry).map_err(audit_err)?;
        self.0.audit_append(entry.seq, value).await.map_err(audit_err)
    }

    async fn last(&self) -> Result<Option<AuditEntry>, AuditStoreError> {
        let value = self.0.audit_last().await.map_err(audit_err)?;
        value.map(serde_json::from_value).transpose().map_err(audit_err)
    }

    async fn all(&self) -> Result<Vec<AuditEntry>, AuditStoreError> {
        let values = self.0.audit_all().await.map_err(audit_err)?;
        values.into_iter().map(serde_json::from_value).collect::<Result<_, _>>().map_err(audit_err)
    }
}

/// Why originals could not be sealed in the vault.
#[derive(Debug, thiserror::Error)]
pub enum SealError {
    /// Sealing failed.
    #[error(transparent)]
    Vault(#[from] safecare_privacy::VaultError),
    /// A sealed entry could not be encoded for the store.
    #[error("cannot encode a vault entry: {0}")]
    Encode(#[from] serde_json::Error),
    /// The privacy store failed.
    #[error(transparent)]
    Store(#[from] StoreError),
}

/// Why the privacy layer could not start.
#[derive(Debug, thiserror::Error)]
pub enum PrivacyError {
    /// The key folder could not be created.
    #[error("cannot create the key folder {path}: {source}")]
    KeysDir {
        /// The key folder.
        path: std::path::PathBuf,
        /// The I/O failure.
        source: std::io::Error,
    },
    /// The keys could not be loaded or created.
    #[error("cannot load the privacy keys: {0}")]
    Keys(#[from] KeyError),
}

/// The running privacy layer.
pub struct Privacy {
    /// Where vault entries and the audit chain are kept.
    pub store: Arc<dyn PrivacyStore>,
    /// Replaces identifiers in events with tokens.
    pub pseudonymiser: Pseudonymiser,
    /// Seals the originals behind the tokens.
    pub vault: Vault<StoreVault>,
    /// The tamper-evident log of privacy-relevant actions.
    pub audit: AuditChain<StoreAudit>,
    /// Tokens known to be sealed in the vault already. The same people and
    /// hosts recur in almost every batch; without this every replacement
    /// would cost a database lookup on the ingest path.
    sealed: Mutex<HashSet<String>>,
}

/// Sealed tokens remembered in memory; past this the set starts afresh
/// (misses then cost one idempotent insert each), so memory stays bounded.
const SEALED_CACHE: usize = 1 << 20;

impl Privacy {
    /// Loads (or, on a first start, creates) the keys and opens the vault and
    /// the audit chain on `store`.
    pub fn open(config: &Config, store: Arc<dyn PrivacyStore>) -> Result<Self, PrivacyError> {
        let dir = config.keys_dir();
        crate::private_files::create_private_dir(&dir)
            .map_err(|source| PrivacyError::KeysDir { path: dir.clone(), source })?;
        let keys = KeyRing::load_or_generate(&dir)?;
        Ok(Privacy {
            store: store.clone(),
            pseudonymiser: Pseudonymiser::new(&keys.pseudonym, &config.privacy.pseudonymise),
            vault: Vault::new(&keys.vault, StoreVault(store.clone())),
            audit: AuditChain::new(StoreAudit(store)).with_anchor(keys.audit_anchor, config.audit_anchor_path()),
            sealed: Mutex::new(HashSet::new()),
        })
    }

    /// Seals the originals of tokens not yet in the vault, all in one
    /// transaction; returns how many were new.
    pub async fn seal(&self, replacements: &[Replacement], now: Timestamp) -> Result<usize, SealError> {
        let fresh: Vec<&Replacement> = {
            let sealed = self.sealed.lock().unwrap_or_else(|p| p.into_inner());
            let mut seen = HashSet::new();
            replacements.iter().filter(|r| !sealed.contains(&r.token) && seen.insert(r.token.as_str())).collect()
        };
        if fresh.is_empty() {
            return Ok(0);
        }
        let mut entries = Vec::with_capacity(fresh.len());
        for r in &fresh {
            let entry = self.vault.seal(&r.token, &r.value, now)?;
            entries.push((entry.token.clone(), entry.created, serde_json::to_value(&entry)?));
        }
        let stored = self.store.vault_insert_many(entries).await?;
        let mut sealed = self.sealed.lock().unwrap_or_else(|p| p.into_inner());
        if sealed.len() + fresh.len() > SEALED_CACHE {
            sealed.clear();
        }
        sealed.extend(fresh.into_iter().map(|r| r.token.clone()));
        Ok(stored)
    }

    /// Records one action in the audit chain. A failure to audit is logged
    /// and counted loudly; callers of actions that must not happen
    /// unaudited (re-identification) go through the vault instead, which
    /// refuses.
    pub async fn record(&self, actor: &str, action: &str, target: &str, detail: &str) -> Result<(), AuditError> {
        let outcome = self.audit.append(Timestamp::now(), actor, action, target, detail).await.map(drop);
        if let Err(err) = &outcome {
            tracing::error!(%err, action, "cannot write the audit log");
            metrics::counter!("safecare_audit_failures_total").increment(1);
        }
        outcome
    }
}

/// Verifies the audit chain when the service starts: a chain altered while
/// SafeCare was stopped is reported at once (an error in the log and
/// `safecare_audit_chain_intact 0`), not only when someone asks. The
/// service still starts, so that the evidence can be examined through it.
pub async fn check_audit_chain_at_start(privacy: &Privacy) {
    match privacy.audit.check().await {
        Ok(()) => metrics::gauge!("safecare_audit_chain_intact").set(1.0),
        Err(err) => {
            metrics::gauge!("safecare_audit_chain_intact").set(0.0);
            tracing::error!(%err, "the audit chain does not verify: it was altered, truncated or rolled back while SafeCare was stopped");
        }
    }
}

/// The store's kind for a retention class.
fn expiring(class: DataClass) -> Expiring {
    match class {
        DataClass::RawEvents => Expiring::Events,
        DataClass::Alerts => Expiring::Alerts,
        DataClass::Incidents => Expiring::Incidents,
        DataClass::VaultEntries => Expiring::VaultEntries,
    }
}

/// What the retention policy would purge now, with counts.
pub async fn purge_plan(config: &Config, store: &dyn PrivacyStore) -> Result<PurgePlan, StoreError> {
    let mut plan = PurgePlan::new(&config.retention, Timestamp::now());
    for (class, cutoff) in config.retention.cutoffs(plan.now) {
        if let Some(cutoff) = cutoff {
            plan.set_count(class, store.count_expired(expiring(class), cutoff).await?);
        }
    }
    Ok(plan)
}

/// Purges what the retention policy says is due; returns the plan carried
/// out (its counts are what was removed).
pub async fn purge(config: &Config, store: &dyn PrivacyStore) -> Result<PurgePlan, StoreError> {
    let mut plan = PurgePlan::new(&config.retention, Timestamp::now());
    for (class, cutoff) in config.retention.cutoffs(plan.now) {
        if let Some(cutoff) = cutoff {
            plan.set_count(class, store.purge_expired(expiring(class), cutoff).await?);
        }
    }
    Ok(plan)
}
