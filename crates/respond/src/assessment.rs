//! Attaching an impact assessment to an incident: its threat on its assets,
//! propagated over the current inventory, with the mitigations its
//! playbooks carry out ranked by what-if re-propagation.

use jiff::Timestamp;
use safecare_impact::{AssessError, Assessor, Gamma, Inventory, MitigationSet, RuleSet};
use safecare_model::Threat;

use crate::edit::EditError;
use crate::impact::{IncidentImpact, attach_impact, impact_is_current, impact_seeds};
use crate::playbook::PlaybookLibrary;
use crate::record::{IncidentRecord, SYSTEM_ACTOR};
use crate::repository::RepositoryError;

/// Why no assessment could be attached.
#[derive(Debug, thiserror::Error)]
pub enum ImpactError {
    /// The incident or the inventory could not be read.
    #[error(transparent)]
    Repository(#[from] RepositoryError),
    /// Nothing to assess: no threat type, or no asset of the incident in the inventory.
    #[error("the incident has no threat type, or none of its assets is in the inventory")]
    NothingToAssess,
    /// The impact model refused the threat or the assets.
    #[error(transparent)]
    Assess(#[from] AssessError),
    /// The incident is closed or merged away and takes no new assessment.
    #[error("the incident cannot change: {0}")]
    Closed(#[from] EditError),
}

/// Assesses the incident's impact over `inventory` and attaches it, unless
/// the attached one is already for the same threat and assets (`force`
/// reassesses anyway, after the inventory changed). Returns whether a new
/// one was attached.
pub fn try_assess(
    record: &mut IncidentRecord,
    inventory: Inventory,
    playbooks: &PlaybookLibrary,
    force: bool,
    now: Timestamp,
) -> Result<bool, ImpactError> {
    let (threat, seeds) =
        impact_seeds(record, |id| inventory.position(id).is_some()).ok_or(ImpactError::NothingToAssess)?;
    let threat = Threat::impact_of(threat);
    if !force && impact_is_current(record, threat, &seeds) {
        return Ok(false);
    }
    let (threat, seeds): (String, Vec<String>) = (threat.to_owned(), seeds.into_iter().map(str::to_owned).collect());
    let seeds: Vec<&str> = seeds.iter().map(String::as_str).collect();
    let assessor = Assessor::new(inventory, RuleSet::bundled(), Gamma::default());
    let report = assessor.assess(&threat, &seeds)?;
    let candidates = candidate_mitigations(playbooks, record)?;
    let mitigations = assessor.rank_mitigations(&threat, &seeds, &candidates)?;
    attach_impact(record, IncidentImpact::new(now, report, mitigations), SYSTEM_ACTOR, now)?;
    Ok(true)
}

/// The mitigations the incident's playbooks carry out, or every bundled
/// one that answers the threat when its playbooks name none: what the
/// response will actually do is what gets ranked.
fn candidate_mitigations(playbooks: &PlaybookLibrary, record: &IncidentRecord) -> Result<MitigationSet, AssessError> {
    let mut ids: Vec<&str> = Vec::new();
    for id in record.playbooks.iter().filter_map(|p| playbooks.get(p)).flat_map(|p| p.mitigations()) {
        if !ids.contains(&id) {
            ids.push(id);
        }
    }
    let bundled = MitigationSet::bundled();
    if ids.is_empty() { Ok(bundled) } else { bundled.subset(&ids) }
}

#[cfg(test)]
mod tests {
    use safecare_impact::RuleSet;

    use super::*;

    #[test]
    fn every_mapped_threat_is_one_the_impact_model_knows() {
        use strum::VariantArray;
        let rules = RuleSet::bundled();
        for seen in Threat::VARIANTS.iter().filter(|t| t.impact() != <&str>::from(**t)) {
            assert!(rules.threats.contains_key(seen.impact()), "{seen} maps to unknown {}", seen.impact());
        }
        assert_eq!(Threat::impact_of("ransomware"), "ransomware");
        assert_eq!(Threat::impact_of("forced_entry"), "physical_intrusion");
    }
}
