//! SafeCare's privacy layer.
//!
//! This crate owns what keeps personal data pseudonymised by design:
//! - [`Pseudonymiser`]: replaces configured person fields of an
//!   [`Event`](safecare_model::Event) with deterministic keyed tokens
//!   (`usr_…`, `bdg_…`, `pat_…`, `eml_…`, `nam_…`) and IP addresses with
//!   prefix-preserving pseudonymous addresses, so correlation and Sigma
//!   matching keep working;
//! - the re-identification [`Vault`]: originals encrypted under a separate
//!   key, released only to a privacy officer, for an incident, optionally
//!   with a second approver, and audited every time;
//! - the [`AuditChain`]: an append-only, hash-chained, optionally anchored
//!   log whose [`verify`] finds any altered, removed, inserted or reordered
//!   entry;
//! - [`RetentionPolicy`]: how long each data class is kept, and the
//!   [`PurgePlan`] that shows what a purge would remove.
//!
//! It does not own storage, authentication or HTTP: the server persists
//! [`VaultEntry`]s and [`AuditEntry`]s through the [`VaultStore`] and
//! [`AuditStore`] traits, authenticates people and passes them in as
//! [`Actor`]s, and runs the purge the plan describes.

mod audit;
mod config;
mod emails;
mod hex;
mod ip;
mod key;
mod kind;
mod path;
mod pseudonymiser;
mod reid;
mod retention;
mod role;
mod token;
mod vault;

pub use audit::{
    AuditAnchor, AuditChain, AuditEntry, AuditError, AuditStore, AuditStoreError, AuditViolation, MemoryAuditStore,
    ViolationKind, verify, verify_anchored,
};
pub use config::{FieldRule, PseudonymConfig, Scrub, default_common_fields, default_workstation_ip_fields};
pub use key::{KEY_LEN, KeyError, KeyRing, SecretKey};
pub use kind::FieldKind;
pub use pseudonymiser::{Pseudonymiser, Replacement};
pub use reid::{ReidPolicy, ReidRefusal, Reidentified, ReidentifyError, Request};
pub use retention::{DataClass, ParseRetentionError, PurgeItem, PurgePlan, Retention, RetentionPolicy};
pub use role::{Actor, Role};
pub use token::{Tokeniser, bare_token};
pub use vault::{MemoryVaultStore, Vault, VaultEntry, VaultError, VaultStore, VaultStoreError};
