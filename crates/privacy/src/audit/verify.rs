//! Checking an audit chain.

use std::fmt;

use super::{AuditAnchor, AuditEntry};
use crate::key::SecretKey;

/// The first place where a chain is not what was written.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
#[error("audit entry {seq}: {kind}")]
pub struct AuditViolation {
    /// The first sequence number at which the chain goes wrong.
    pub seq: u64,
    /// What is wrong there.
    pub kind: ViolationKind,
}

/// What went wrong at [`AuditViolation::seq`].
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum ViolationKind {
    /// An entry with another number stands where `seq` should be: entries
    /// were removed, inserted or reordered.
    OutOfSequence {
        /// The number of the entry found there.
        found: u64,
    },
    /// The entry's content does not match its own hash: it was altered.
    HashMismatch,
    /// The entry does not point at its predecessor's hash: an entry before it
    /// was altered and re-hashed, or replaced.
    BrokenLink,
    /// The anchor was not signed by the anchor key (forged or damaged).
    AnchorNotSigned,
    /// The chain ends before the anchored entry: its tail was cut off.
    Truncated {
        /// The anchored sequence number.
        anchored: u64,
    },
    /// The anchored entry's hash differs: the chain was rewritten.
    AnchorMismatch,
    /// Entries after the anchored one: appended by someone who could not
    /// re-sign the anchor.
    BeyondAnchor {
        /// The anchored sequence number.
        anchored: u64,
    },
}

impl fmt::Display for ViolationKind {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            ViolationKind::OutOfSequence { found } => {
                write!(f, "found entry {found} instead (entries removed, inserted or reordered)")
            }
            ViolationKind::HashMismatch => f.write_str("content does not match its hash (entry altered)"),
            ViolationKind::BrokenLink => f.write_str("does not link to the previous entry's hash (chain broken)"),
            ViolationKind::AnchorNotSigned => f.write_str("anchor signature is invalid (anchor forged or damaged)"),
            ViolationKind::Truncated { anchored } => {
                write!(f, "missing; the anchor covers up to {anchored} (truncated)")
            }
            ViolationKind::AnchorMismatch => f.write_str("hash differs from the anchored hash (chain rewritten)"),
            ViolationKind::BeyondAnchor { anchored } => {
                write!(f, "lies beyond the anchored entry {anchored} (appended without the anchor key)")
            }
        }
    }
}

/// Checks a whole chain, from entry 1, in the order given.
pub fn verify(entries: &[AuditEntry]) -> Result<(), AuditViolation> {
    let mut prev_hash = AuditEntry::GENESIS;
    for (expected, entry) in (1u64..).zip(entries) {
        let violation = |seq, kind| Err(AuditViolation { seq, kind });
        if entry.seq != expected {
            return violation(expected, ViolationKind::OutOfSequence { found: entry.seq });
        }
        if entry.prev_hash != prev_hash {
            return violation(expected, ViolationKind::BrokenLink);
        }
        if entry.compute_hash() != entry.hash {
            return violation(expected, ViolationKind::HashMismatch);
        }
        prev_hash = &entry.hash;
    }
    Ok(())
}

/// Checks a chain and that it ends exactly at a genuine `anchor`, which
/// also catches a cut-off tail and a chain rebuilt from scratch.
pub fn verify_anchored(entries: &[AuditEntry], anchor: &AuditAnchor, key: &SecretKey) -> Result<(), AuditViolation> {
    if !anchor.is_signed_by(key) {
        return Err(AuditViolation { seq: anchor.seq, kind: ViolationKind::AnchorNotSigned });
    }
    verify(entries)?;
    let last = entries.last().map_or(0, |e| e.seq);
    if last < anchor.seq {
        return Err(AuditViolation { seq: last + 1, kind: ViolationKind::Truncated { anchored: anchor.seq } });
    }
    // `verify` passed, so entry n sits at index n - 1.
    let anchored_at = usize::try_from(anchor.seq).ok().and_then(|seq| seq.checked_sub(1));
    match anchored_at.and_then(|i| entries.get(i)) {
        Some(entry) if entry.hash != anchor.hash => {
            Err(AuditViolation { seq: anchor.seq, kind: ViolationKind::AnchorMismatch })
        }
        // An anchor at 0 over a non-empty chain signs an empty log.
        None if !entries.is_empty() => {
            Err(AuditViolation { seq: 1, kind: ViolationKind::BeyondAnchor { anchored: 0 } })
        }
        _ if last > anchor.seq => {
            Err(AuditViolation { seq: anchor.seq + 1, kind: ViolationKind::BeyondAnchor { anchored: anchor.seq } })
        }
        _ => Ok(()),
    }
}
