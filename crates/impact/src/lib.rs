//! SafeCare's impact crate: the hospital's asset graph and what an incident
//! does to it.
//!
//! It owns:
//! - the [`Inventory`]: assets and relations after the SAFECARE ontology,
//!   loaded from YAML or JSON (one file or a folder of parts), validated as a
//!   whole, with an [`IdentifierKind`] index that lets ingest resolve a
//!   hostname, IP, MAC, serial, door/reader id or BMS point to its asset;
//!
//! It does not own storage, HTTP or the incident lifecycle: the server keeps
//! inventories and reports, the respond crate attaches reports to incidents.

mod error;
mod identifiers;
mod inventory;
mod validate;

pub use error::LoadError;
pub use identifiers::{IdentifierKind, normalise_identifier};
pub use inventory::Inventory;
pub use validate::{InvalidInventory, Problem};
