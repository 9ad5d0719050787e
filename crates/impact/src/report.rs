//! The impact report: what an incident reaches, how badly, how soon and
//! through which path, clinical services first.

use safecare_model::{AssetKind, RelationKind};
use serde::{Deserialize, Serialize};

use crate::gamma::Gamma;
use crate::name::Name;
use crate::rules::{Direction, ImpactType};

#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct ImpactReport {
    pub threat: String,
    pub seeds: Vec<String>,
    pub gamma: Gamma,
    /// Impacted services, worst first.
    pub services: Vec<ImpactedAsset>,
    /// Every other impacted asset: operations first, then by score.
    pub assets: Vec<ImpactedAsset>,
    /// Σ over services of their worst score × their `criticality`
    /// attribute (1 when absent): the number mitigations try to lower.
    pub service_impact: f64,
}

#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct ImpactedAsset {
    pub asset: Name,
    pub name: Name,
    pub kind: AssetKind,
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

#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct PathStep {
    pub asset: Name,
    pub impact: ImpactType,
    pub threat: Name,
    pub score: f64,
    pub minutes: f64,
    /// How the impact got here; absent on the seed.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub via: Option<Crossing>,
}

#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct Crossing {
    /// The relation as written in the inventory, crossed from the previous
    /// step's asset: `forward` when that asset is the relation's `from`.
    pub relation: RelationKind,
    pub direction: Direction,
    pub rule: Name,
}

impl ImpactReport {
    /// The worst entry for an asset, if it is impacted.
    pub fn get(&self, asset: &str) -> Option<&ImpactedAsset> {
        self.services.iter().chain(&self.assets).filter(|a| a.asset == asset).max_by(|a, b| a.score.total_cmp(&b.score))
    }
}
