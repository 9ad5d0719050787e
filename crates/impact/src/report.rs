//! The impact report: what an incident reaches, how badly, how soon and
//! through which path, clinical services first.

use safecare_model::{AssetId, AssetKind, RelationKind};
use serde::{Deserialize, Serialize};

use crate::gamma::Gamma;
use crate::level::{ImpactLevel, serialize_rounded};
use crate::name::Name;
use crate::rules::{Direction, ImpactType};

/// The impact of one threat on given assets, over the whole inventory.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct ImpactReport {
    /// The threat assessed.
    pub threat: String,
    /// The assets it strikes.
    pub seeds: Vec<AssetId>,
    /// How protections were combined.
    pub gamma: Gamma,
    /// Impacted services, worst first.
    pub services: Vec<ImpactedAsset>,
    /// Every other impacted asset: operations first, then by score.
    pub assets: Vec<ImpactedAsset>,
    /// Σ over services of their worst score × their `criticality`
    /// attribute (1 when absent): the number mitigations try to lower.
    #[serde(serialize_with = "serialize_rounded")]
    pub service_impact: f64,
}

/// One impacted asset and how the impact reached it.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct ImpactedAsset {
    /// The asset's id.
    pub asset: Name,
    /// The asset's name.
    pub name: Name,
    /// The asset's kind.
    pub kind: AssetKind,
    /// What the impact does to it.
    pub impact: ImpactType,
    /// The threat this asset faces (the incident's, or what it became).
    pub threat: Name,
    /// In (0, 1]: the share of the asset's function expected lost (see
    /// [`ImpactLevel`] for the scale); written with three decimals.
    #[serde(serialize_with = "serialize_rounded")]
    pub score: f64,
    /// The score's word on the scale.
    #[serde(default)]
    pub level: ImpactLevel,
    /// Estimated minutes from the incident to this impact, along `path`.
    pub minutes: f64,
    /// The best-scored path, from a seed to this asset.
    pub path: Vec<PathStep>,
    /// Other paths that reached it with lower scores (bounded; kept for
    /// services and operations, where the choice of response depends on
    /// them).
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub other_paths: Vec<Vec<PathStep>>,
}

/// One step of an impact path.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct PathStep {
    /// The asset reached.
    pub asset: Name,
    /// The impact it suffers.
    pub impact: ImpactType,
    /// The threat it faces.
    pub threat: Name,
    /// The score on arrival, in (0, 1]; written with three decimals.
    #[serde(serialize_with = "serialize_rounded")]
    pub score: f64,
    /// Estimated minutes from the incident to this step.
    pub minutes: f64,
    /// How the impact got here; absent on the seed.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub via: Option<Crossing>,
}

/// How an impact crossed from one asset to the next.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct Crossing {
    /// The relation as written in the inventory, crossed from the previous
    /// step's asset: `forward` when that asset is the relation's `from`.
    pub relation: RelationKind,
    /// Which way it was crossed.
    pub direction: Direction,
    /// The propagation rule that carried the impact.
    pub rule: Name,
}

/// One clinical service with every way it is impacted: the report's
/// entries for it (one per impact type) folded into one row.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct ServiceImpact {
    /// The service's id.
    pub asset: Name,
    /// The service's name.
    pub name: Name,
    /// Its worst score over the impact types; written with three decimals.
    #[serde(serialize_with = "serialize_rounded")]
    pub score: f64,
    /// The worst score's word on the scale.
    pub level: ImpactLevel,
    /// Each impact type it suffers, worst first.
    pub impacts: Vec<ImpactType>,
    /// The soonest of its impacts, in minutes from the incident.
    pub minutes: f64,
    /// Where its worst entry is in [`ImpactReport::services`] (whose path
    /// is the one to draw).
    #[serde(skip)]
    pub worst: usize,
}

impl ImpactReport {
    /// One row per impacted service, worst first: each service's entries
    /// folded together, so that a service hit in several ways is listed
    /// once with the ways it is hit.
    pub fn by_service(&self) -> Vec<ServiceImpact> {
        let mut rows: Vec<ServiceImpact> = Vec::with_capacity(self.services.len());
        // Entries are sorted worst first, so a service's first entry is its worst.
        for (at, entry) in self.services.iter().enumerate() {
            match rows.iter_mut().find(|row| row.asset == entry.asset) {
                Some(row) => {
                    if !row.impacts.contains(&entry.impact) {
                        row.impacts.push(entry.impact);
                    }
                    row.minutes = row.minutes.min(entry.minutes);
                }
                None => rows.push(ServiceImpact {
                    asset: entry.asset.clone(),
                    name: entry.name.clone(),
                    score: entry.score,
                    level: ImpactLevel::of(entry.score),
                    impacts: vec![entry.impact],
                    minutes: entry.minutes,
                    worst: at,
                }),
            }
        }
        rows
    }

    /// The worst entry for an asset, if it is impacted.
    pub fn get(&self, asset: &str) -> Option<&ImpactedAsset> {
        self.services.iter().chain(&self.assets).filter(|a| a.asset == asset).max_by(|a, b| a.score.total_cmp(&b.score))
    }
}
