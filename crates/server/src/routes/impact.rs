//! `POST /api/v1/impact/assess`: what a threat on some assets does to the
//! hospital, down to its clinical services, over the current inventory.

use std::sync::Arc;

use axum::Json;
use axum::extract::State;
use safecare_impact::{
    AssessError, Assessor, Gamma, ImpactReport, Inventory, LiveInventory, MitigationSet, RankedMitigation, RuleSet,
    ServiceImpact,
};
use serde::{Deserialize, Serialize};

use crate::error::ApiError;

#[derive(Debug, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct Assessment {
    /// A threat type of the propagation rules (`ransomware`,
    /// `forced_entry`, `hvac_tampering`, `fire`…).
    threat: String,
    /// The assets it starts on.
    assets: Vec<String>,
    /// How protections combine; probabilistic OR unless given.
    #[serde(default)]
    gamma: Option<Gamma>,
}

/// The report, one row per impacted service (worst first, with its level
/// and impact types) and the mitigations, best reduction of the impact on
/// clinical services first (computed by re-propagating with each one).
/// Scores are written with three decimals, each with its `level`.
#[derive(Debug, Serialize)]
pub struct Assessed {
    report: ImpactReport,
    services: Vec<ServiceImpact>,
    mitigations: Vec<RankedMitigation>,
}

pub async fn assess(
    State(inventory): State<Arc<LiveInventory>>,
    Json(ask): Json<Assessment>,
) -> Result<Json<Assessed>, ApiError> {
    let inventory = Inventory::clone(&inventory.current());
    let assessor = Assessor::new(inventory, RuleSet::bundled(), ask.gamma.unwrap_or_default());
    let seeds: Vec<&str> = ask.assets.iter().map(String::as_str).collect();
    // Every assessment error names what the request got wrong.
    let wrong = |err: AssessError| ApiError::bad_request(err.to_string());
    let report = assessor.assess(&ask.threat, &seeds).map_err(wrong)?;
    let mitigations = assessor.rank_mitigations(&ask.threat, &seeds, &MitigationSet::bundled()).map_err(wrong)?;
    Ok(Json(Assessed { services: report.by_service(), report, mitigations }))
}
