//! The re-identification vault: each token's original value, encrypted.
//!
//! Entries are sealed with XChaCha20-Poly1305 under the vault key (separate
//! from the pseudonymisation key) with a fresh random 192-bit nonce each, so
//! random nonces never collide in practice. The token is the associated data:
//! an entry moved under another token fails to open instead of revealing the
//! wrong person.

use std::sync::Mutex;

use async_trait::async_trait;
use chacha20poly1305::aead::{Aead, KeyInit, Payload};
use chacha20poly1305::{XChaCha20Poly1305, XNonce};
use jiff::Timestamp;
use serde::{Deserialize, Serialize};
use zeroize::Zeroizing;

use crate::key::SecretKey;
use crate::pseudonymiser::Replacement;

const NONCE_LEN: usize = 24;
const AAD_PREFIX: &[u8] = b"safecare-vault-v1\0";

/// One sealed original, in the form the store persists.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct VaultEntry {
    /// The token the original stands behind.
    pub token: String,
    /// The normalised original value, encrypted; hex in JSON.
    #[serde(with = "crate::hex::serde_bytes")]
    pub ciphertext: Vec<u8>,
    /// The XChaCha20-Poly1305 nonce it was sealed with; hex in JSON.
    #[serde(with = "crate::hex::serde_bytes")]
    pub nonce: Vec<u8>,
    /// When the token was first (or, after a purge, again) seen; retention
    /// counts from here.
    pub created: Timestamp,
}

/// A failure of the place vault entries live, whatever it is.
#[derive(Debug, thiserror::Error)]
#[error("vault store: {0}")]
pub struct VaultStoreError(#[source] pub Box<dyn std::error::Error + Send + Sync>);

/// Where vault entries live. Tokens are unique: the first entry for a token
/// is kept.
#[async_trait]
pub trait VaultStore: Send + Sync {
    /// Whether an entry for `token` is stored.
    async fn contains(&self, token: &str) -> Result<bool, VaultStoreError>;
    /// Stores `entry` unless its token is already present; says whether it did.
    async fn insert(&self, entry: VaultEntry) -> Result<bool, VaultStoreError>;
    /// The entry for `token`, if stored.
    async fn get(&self, token: &str) -> Result<Option<VaultEntry>, VaultStoreError>;
    /// How many entries were created before `cutoff` (for a dry run).
    async fn count_before(&self, cutoff: Timestamp) -> Result<u64, VaultStoreError>;
    /// Deletes the entries created before `cutoff`; returns how many.
    async fn purge_before(&self, cutoff: Timestamp) -> Result<u64, VaultStoreError>;
}

/// Vault entries in memory, for tests and single-run tools.
#[derive(Debug, Default)]
pub struct MemoryVaultStore {
    entries: Mutex<std::collections::HashMap<String, VaultEntry>>,
}

/// Why sealing, storing or opening failed.
#[derive(Debug, thiserror::Error)]
pub enum VaultError {
    /// No randomness for a nonce.
    #[error("the operating system's random source failed: {0}")]
    Random(#[source] getrandom::Error),
    /// The value could not be sealed.
    #[error("value for token {token} is too long to encrypt")]
    Encrypt {
        /// The token it belongs to.
        token: String,
    },
    /// The entry could not be opened.
    #[error("vault entry for token {token} does not open: wrong vault key, or the entry was altered")]
    Decrypt {
        /// The token it belongs to.
        token: String,
    },
    /// The vault store failed.
    #[error(transparent)]
    Store(#[from] VaultStoreError),
}

/// Seals and opens vault entries, and keeps them in a [`VaultStore`].
pub struct Vault<S> {
    cipher: XChaCha20Poly1305,
    store: S,
}

impl MemoryVaultStore {
    fn lock(
        &self,
    ) -> Result<std::sync::MutexGuard<'_, std::collections::HashMap<String, VaultEntry>>, VaultStoreError> {
        self.entries.lock().map_err(|_| VaultStoreError("in-memory vault lock poisoned".into()))
    }
}

#[async_trait]
impl VaultStore for MemoryVaultStore {
    async fn contains(&self, token: &str) -> Result<bool, VaultStoreError> {
        Ok(self.lock()?.contains_key(token))
    }

    async fn insert(&self, entry: VaultEntry) -> Result<bool, VaultStoreError> {
        let mut entries = self.lock()?;
        if entries.contains_key(&entry.token) {
            return Ok(false);
        }
        entries.insert(entry.token.clone(), entry);
        Ok(true)
    }

    async fn get(&self, token: &str) -> Result<Option<VaultEntry>, VaultStoreError> {
        Ok(self.lock()?.get(token).cloned())
    }

    async fn count_before(&self, cutoff: Timestamp) -> Result<u64, VaultStoreError> {
        Ok(self.lock()?.values().filter(|e| e.created < cutoff).count() as u64)
    }

    async fn purge_before(&self, cutoff: Timestamp) -> Result<u64, VaultStoreError> {
        let mut entries = self.lock()?;
        let before = entries.len();
        entries.retain(|_, e| e.created >= cutoff);
        Ok((before - entries.len()) as u64)
    }
}

impl<S> std::fmt::Debug for Vault<S> {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str("Vault(<keyed>)")
    }
}

impl<S: VaultStore> Vault<S> {
    /// A vault sealing with `key` into `store`.
    pub fn new(key: &SecretKey, store: S) -> Self {
        Vault { cipher: XChaCha20Poly1305::new(key.as_bytes().into()), store }
    }

    /// The store the entries are kept in.
    pub fn store(&self) -> &S {
        &self.store
    }

    /// Encrypts `value` as the original of `token`.
    pub fn seal(&self, token: &str, value: &str, now: Timestamp) -> Result<VaultEntry, VaultError> {
        let mut nonce = [0u8; NONCE_LEN];
        getrandom::fill(&mut nonce).map_err(VaultError::Random)?;
        let aad = aad(token);
        let ciphertext = self
            .cipher
            .encrypt(XNonce::from_slice(&nonce), Payload { msg: value.as_bytes(), aad: &aad })
            .map_err(|_| VaultError::Encrypt { token: token.to_owned() })?;
        Ok(VaultEntry { token: token.to_owned(), ciphertext, nonce: nonce.to_vec(), created: now })
    }

    /// Decrypts an entry; fails on a wrong key, an altered entry or one
    /// filed under another token.
    pub fn open(&self, entry: &VaultEntry) -> Result<Zeroizing<String>, VaultError> {
        let failed = || VaultError::Decrypt { token: entry.token.clone() };
        if entry.nonce.len() != NONCE_LEN {
            return Err(failed());
        }
        let aad = aad(&entry.token);
        let plain = Zeroizing::new(
            self.cipher
                .decrypt(XNonce::from_slice(&entry.nonce), Payload { msg: &entry.ciphertext, aad: &aad })
                .map_err(|_| failed())?,
        );
        String::from_utf8(plain.to_vec()).map(Zeroizing::new).map_err(|_| failed())
    }

    /// Stores the originals of tokens not yet in the vault; returns how many
    /// were new. Already-known tokens cost one lookup and no encryption.
    pub async fn remember(&self, replacements: &[Replacement], now: Timestamp) -> Result<usize, VaultError> {
        let mut added = 0;
        for r in replacements {
            if self.store.contains(&r.token).await? {
                continue;
            }
            if self.store.insert(self.seal(&r.token, &r.value, now)?).await? {
                added += 1;
            }
        }
        Ok(added)
    }
}

fn aad(token: &str) -> Vec<u8> {
    let mut aad = Vec::with_capacity(AAD_PREFIX.len() + token.len());
    aad.extend_from_slice(AAD_PREFIX);
    aad.extend_from_slice(token.as_bytes());
    aad
}
