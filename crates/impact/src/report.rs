//! The impact report: what an incident reaches, how badly, how soon and
//! through which path, clinical services first.

use safecare_model::{AssetId, AssetKind, RelationKind};
use serde::{Deserialize, Serialize};

use crate::gamma::Gamma;
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
    /// In (0, 1]: 1 is the incident at full strength.
    pub score: f64,
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
    /// The score on arrival, in (0, 1].
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

impl ImpactReport {
    /// The worst entry for an asset, if it is impacted.
    pub fn get(&self, asset: &str) -> Option<&ImpactedAsset> {
        self.services.iter().chain(&self.assets).filter(|a| a.asset == asset).max_by(|a, b| a.score.total_cmp(&b.score))
    }
}
