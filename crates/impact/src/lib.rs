//! SafeCare's impact crate: the hospital's asset graph and what an incident
//! does to it.
//!
//! It owns:
//! - the [`Inventory`]: assets and relations after the SAFECARE ontology,
//!   loaded from YAML or JSON (one file or a folder of parts), validated as a
//!   whole, with the model's identifier index that resolves a hostname, IP,
//!   MAC, serial, door/reader id or BMS point to its asset;
//! - where places are on the map ([`Inventory::geometry_of`]): footprints
//!   and geo-referenced floor plans give a room, zone or building its
//!   WGS84 area ([`PlaceGeometry`]);
//! - the [`LiveInventory`]: the running service's one inventory, replaced
//!   in place on every change and read without a lock by ingest's resolver,
//!   the API and incident assessment alike;
//! - the propagation [`RuleSet`] (data, in `content/impact/rules.yaml`) and
//!   the [`Assessor`] that runs it: an incident's score spreads along
//!   relations, shrunk by rule factors and by each asset's protections
//!   combined with a configurable [`Gamma`], into an [`ImpactReport`] that
//!   names the clinical services reached, how badly, how soon and by which
//!   path, each score with its word on the [`ImpactLevel`] scale;
//! - decision support: [`MitigationSet`] (data, in
//!   `content/impact/mitigations.yaml`) ranked by [`Assessor::rank_mitigations`]
//!   by how much each lowers the impact on clinical services, re-propagating
//!   with it applied, and flagged when it would itself endanger patients;
//!   [`MitigationSet::subset`] narrows the candidates to a given list (the
//!   mitigations a playbook's tasks carry out).
//!
//! It does not own storage, HTTP or the incident lifecycle: the server stores
//! inventories, the respond crate assesses incidents and attaches reports.

mod assess;
mod egress;
mod error;
mod gamma;
mod graph;
mod inventory;
mod level;
mod live;
mod mitigation;
mod name;
mod place;
mod propagate;
mod report;
mod rules;
mod validate;

pub use assess::{AssessError, Assessor};
pub use egress::{DoorRole, EMERGENCY_ACCESS, EVACUATION_ROUTE};
pub use error::LoadError;
pub use gamma::Gamma;
pub use inventory::Inventory;
pub use level::{CRITICAL, DECIMALS, ImpactLevel, LOW, MODERATE, SEVERE, rounded};
pub use live::LiveInventory;
pub use mitigation::{Effect, Mitigation, MitigationSet, RankedMitigation, Selector};
pub use name::Name;
pub use place::PlaceGeometry;
pub use report::{Crossing, ImpactReport, ImpactedAsset, PathStep, ServiceImpact};
pub use rules::{
    DEFAULT_RECOVERY_HOURS, Direction, ImpactType, MAX_RECOVERY_HOURS, Rule, RuleSet, Then, ThreatDef, Via, When,
    valid_recovery_hours,
};
pub use safecare_model::{IdentifierKind, normalise_identifier};
pub use validate::{InvalidInventory, Problem};
