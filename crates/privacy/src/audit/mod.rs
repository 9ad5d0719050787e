//! The tamper-evident audit log: an append-only SHA-256 hash chain, with an
//! optional HMAC-signed anchor of its head.

mod anchor;
mod chain;
mod entry;
mod store;
mod verify;

pub use anchor::AuditAnchor;
pub use chain::{AuditChain, AuditError};
pub use entry::AuditEntry;
pub use store::{AuditStore, AuditStoreError, MemoryAuditStore};
pub use verify::{AuditViolation, ViolationKind, verify, verify_anchored};
