//! A keyed signature of the chain's head.
//!
//! The hash chain alone shows any change in the middle, but someone who can
//! write the store can cut off its tail or rebuild the whole chain with fresh
//! hashes. An anchor is an HMAC, under a key the store never holds, over the
//! last `seq` and hash. Kept outside the database (a file beside the keys, or
//! shipped to a remote log), it makes truncation and rewriting detectable.

use std::path::Path;

use hmac::{Hmac, Mac};
use serde::{Deserialize, Serialize};
use sha2::Sha256;

use crate::key::SecretKey;

/// The signed head of the audit chain.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct AuditAnchor {
    /// The sequence number of the chain's head when signed.
    pub seq: u64,
    /// The hash of entry `seq`.
    pub hash: String,
    /// Hex HMAC-SHA-256 over `seq` and `hash`.
    pub mac: String,
}

impl AuditAnchor {
    /// Signs `seq` and `hash` under the anchor key.
    pub fn sign(key: &SecretKey, seq: u64, hash: &str) -> Self {
        let mac = crate::hex::encode(&keyed(key, seq, hash).finalize().into_bytes());
        AuditAnchor { seq, hash: hash.to_owned(), mac }
    }

    /// Whether `mac` was made with `key` for this `seq` and `hash`; compared
    /// in constant time.
    pub fn is_signed_by(&self, key: &SecretKey) -> bool {
        match crate::hex::decode(&self.mac) {
            Some(mac) => keyed(key, self.seq, &self.hash).verify_slice(&mac).is_ok(),
            None => false,
        }
    }

    /// Writes the anchor as JSON, replacing the file atomically so that a
    /// crash leaves either the old anchor or the new one.
    pub fn save(&self, path: &Path) -> std::io::Result<()> {
        let tmp = path.with_extension("tmp");
        let json = serde_json::to_vec_pretty(self).map_err(std::io::Error::other)?;
        // The head names the last entry and its hash: for the owner only.
        let mut options = std::fs::OpenOptions::new();
        options.write(true).create(true).truncate(true);
        #[cfg(unix)]
        {
            use std::os::unix::fs::OpenOptionsExt;
            options.mode(0o600);
        }
        std::io::Write::write_all(&mut options.open(&tmp)?, &json)?;
        std::fs::rename(&tmp, path)
    }

    /// Reads an anchor file; `Ok(None)` when there is none yet.
    pub fn load(path: &Path) -> std::io::Result<Option<Self>> {
        match std::fs::read(path) {
            Ok(bytes) => serde_json::from_slice(&bytes).map(Some).map_err(std::io::Error::other),
            Err(e) if e.kind() == std::io::ErrorKind::NotFound => Ok(None),
            Err(e) => Err(e),
        }
    }
}

fn keyed(key: &SecretKey, seq: u64, hash: &str) -> Hmac<Sha256> {
    let mut mac = match Hmac::<Sha256>::new_from_slice(key.as_bytes()) {
        Ok(mac) => mac,
        Err(_) => unreachable!("HMAC-SHA-256 takes keys of every length"),
    };
    mac.update(b"safecare-audit-anchor-v1\0");
    mac.update(&seq.to_be_bytes());
    mac.update(hash.as_bytes());
    mac
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn anchor_verifies_only_under_its_key_and_content() {
        let key = SecretKey::from_bytes([3; 32]);
        let anchor = AuditAnchor::sign(&key, 5, &"a".repeat(64));
        assert!(anchor.is_signed_by(&key));
        assert!(!anchor.is_signed_by(&SecretKey::from_bytes([4; 32])));
        assert!(!AuditAnchor { seq: 4, ..anchor.clone() }.is_signed_by(&key));
        assert!(!AuditAnchor { mac: "zz".into(), ..anchor }.is_signed_by(&key));
    }

    #[test]
    fn anchor_file_round_trips() {
        let dir = tempfile::tempdir().unwrap();
        let path = dir.path().join("audit.anchor");
        assert_eq!(AuditAnchor::load(&path).unwrap(), None);
        let anchor = AuditAnchor::sign(&SecretKey::from_bytes([3; 32]), 1, "h");
        anchor.save(&path).unwrap();
        assert_eq!(AuditAnchor::load(&path).unwrap(), Some(anchor));
    }
}
