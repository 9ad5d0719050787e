//! One audit entry and the hash that chains it to its predecessor.

use jiff::Timestamp;
use serde::{Deserialize, Serialize};
use sha2::{Digest, Sha256};

/// One thing that happened: who did what to which target.
///
/// `hash` is SHA-256 over a canonical encoding of every other field,
/// including `prev_hash`, so changing any field or the order of entries
/// breaks the chain from that point on.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct AuditEntry {
    /// 1 for the first entry, then consecutive.
    pub seq: u64,
    /// Whole microseconds, so that any store (PostgreSQL keeps microseconds)
    /// gives back exactly what was hashed.
    pub at: Timestamp,
    /// The login name of the person, or `system`.
    pub actor: String,
    /// What was done, e.g. `login`, `reidentify`, `export`.
    pub action: String,
    /// What it was done to (a token, an incident id, a user).
    pub target: String,
    /// Free text or a JSON document, hashed as the exact string given.
    pub detail: String,
    /// Hex SHA-256 of the previous entry; [`AuditEntry::GENESIS`] for the first.
    pub prev_hash: String,
    /// Hex SHA-256 of this entry.
    pub hash: String,
}

impl AuditEntry {
    /// The `prev_hash` of the first entry.
    pub const GENESIS: &'static str = "0000000000000000000000000000000000000000000000000000000000000000";

    /// The hash this entry should carry, computed from its other fields.
    ///
    /// Encoding: a version tag, `seq` as 8 big-endian bytes, `at` as 16
    /// big-endian bytes of nanoseconds, then each text field (actor, action,
    /// target, detail, prev_hash) as an 8-byte length and its UTF-8 bytes.
    /// Length prefixes make the encoding unambiguous: moving text from one
    /// field into the next changes the hash.
    pub fn compute_hash(&self) -> String {
        let mut h = Sha256::new();
        h.update(b"safecare-audit-v1\0");
        h.update(self.seq.to_be_bytes());
        h.update(self.at.as_nanosecond().to_be_bytes());
        for text in [&self.actor, &self.action, &self.target, &self.detail, &self.prev_hash] {
            h.update((text.len() as u64).to_be_bytes());
            h.update(text.as_bytes());
        }
        crate::hex::encode(&h.finalize())
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn entry() -> AuditEntry {
        AuditEntry {
            seq: 1,
            at: "2026-11-28T10:00:00Z".parse().unwrap(),
            actor: "alice".into(),
            action: "login".into(),
            target: "ab".into(),
            detail: "c".into(),
            prev_hash: AuditEntry::GENESIS.into(),
            hash: String::new(),
        }
    }

    #[test]
    fn hash_covers_every_field_unambiguously() {
        let base = entry().compute_hash();
        assert_eq!(base.len(), 64);
        let shifted = AuditEntry { target: "a".into(), detail: "bc".into(), ..entry() };
        assert_ne!(shifted.compute_hash(), base);
        let later = AuditEntry { at: "2026-11-28T10:00:00.000001Z".parse().unwrap(), ..entry() };
        assert_ne!(later.compute_hash(), base);
        assert_ne!(AuditEntry { seq: 2, ..entry() }.compute_hash(), base);
        assert_ne!(AuditEntry { prev_hash: "1".repeat(64), ..entry() }.compute_hash(), base);
        // The stored hash itself is not an input.
        assert_eq!(AuditEntry { hash: "x".into(), ..entry() }.compute_hash(), base);
    }
}
