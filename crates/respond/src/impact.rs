//! The impact assessment attached to an incident: what its threat, striking
//! the assets it concerns, does to the hospital down to its clinical
//! services, and the mitigations ranked by how much they reduce that.
//!
//! The assessment itself is the impact crate's; this module decides what to
//! assess from an incident, whether an attached assessment is still current,
//! and records an attachment on the timeline.

use jiff::Timestamp;
use safecare_impact::{ImpactReport, RankedMitigation};
use safecare_model::AssetId;
use serde::{Deserialize, Serialize};

use crate::edit::{EditError, check_editable};
use crate::record::{IncidentRecord, TimelineAction};

/// How many impacted services the summary text names.
const SUMMARY_SERVICES: usize = 5;
/// How many impacted assets besides services an incident keeps, and how
/// many alternative paths per service: a full report of a hospital-wide
/// threat runs to megabytes, and the record is rewritten on every change.
/// The whole report is one reassessment away.
const KEPT_ASSETS: usize = 60;
const KEPT_OTHER_PATHS: usize = 2;

/// An impact report and its ranked mitigations, as of one moment.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct IncidentImpact {
    /// When the assessment was made; it reflects the inventory and incident as of then.
    pub assessed_at: Timestamp,
    /// Every impacted service; the most impacted other assets, by score.
    pub report: ImpactReport,
    /// Best reduction of the impact on clinical services first.
    pub mitigations: Vec<RankedMitigation>,
}

impl IncidentImpact {
    /// Keeps what an incident needs of a report: every service with its
    /// best paths, and the most impacted other assets with their best path.
    pub fn new(assessed_at: Timestamp, mut report: ImpactReport, mitigations: Vec<RankedMitigation>) -> Self {
        for service in &mut report.services {
            service.other_paths.truncate(KEPT_OTHER_PATHS);
        }
        // The most impacted, whatever their kind: grouping looks for the
        // likely consequences among them.
        report.assets.sort_by(|a, b| b.score.total_cmp(&a.score));
        report.assets.truncate(KEPT_ASSETS);
        for asset in &mut report.assets {
            asset.other_paths.clear();
        }
        IncidentImpact { assessed_at, report, mitigations }
    }
}

/// The threat and the assets an assessment of the incident starts from, or
/// `None` when it has no threat type or concerns no asset yet. `known`
/// tells which asset ids the inventory holds; the others cannot be assessed.
pub fn impact_seeds(record: &IncidentRecord, known: impl Fn(&str) -> bool) -> Option<(&str, Vec<&str>)> {
    let threat = record.incident.threat.as_deref()?;
    let seeds: Vec<&str> = record.incident.assets.iter().map(AssetId::as_str).filter(|id| known(id)).collect();
    (!seeds.is_empty()).then_some((threat, seeds))
}

/// True when the attached assessment was made for exactly this threat and
/// these assets, so a new alert that changed neither needs no new one.
pub fn impact_is_current(record: &IncidentRecord, threat: &str, seeds: &[&str]) -> bool {
    record.impact.as_ref().is_some_and(|i| i.report.threat == threat && i.report.seeds == seeds)
}

/// Attaches (or replaces) the assessment, with a one-line-per-service
/// summary for reports and the timeline.
pub fn attach_impact(
    record: &mut IncidentRecord,
    impact: IncidentImpact,
    actor: &str,
    at: Timestamp,
) -> Result<(), EditError> {
    check_editable(record)?;
    let services = &impact.report.services;
    let detail = match services.first() {
        Some(worst) => format!(
            "{} clinical service(s) impacted, worst {}: {} ({:.2}); {} mitigation(s) ranked",
            impact.report.by_service().len(),
            worst.name,
            worst.level,
            worst.score,
            impact.mitigations.len()
        ),
        None => format!("no clinical service impacted; {} mitigation(s) ranked", impact.mitigations.len()),
    };
    record.impact_summary = Some(summary(&impact.report));
    record.impact = Some(impact);
    record.log(at, actor, TimelineAction::ImpactUpdated, detail);
    Ok(())
}

fn summary(report: &ImpactReport) -> String {
    if report.services.is_empty() {
        return format!("{} on {}: no clinical service impacted.", report.threat, report.seeds.join(", "));
    }
    let mut lines = vec![format!("{} on {}:", report.threat, report.seeds.join(", "))];
    let rows = report.by_service();
    for service in rows.iter().take(SUMMARY_SERVICES) {
        let impacts: Vec<&str> = service.impacts.iter().map(|i| i.as_str()).collect();
        lines.push(format!(
            "- {}: {} ({:.2}), {}, in about {:.0} min",
            service.name,
            service.level,
            service.score,
            impacts.join(" and "),
            service.minutes
        ));
    }
    if rows.len() > SUMMARY_SERVICES {
        lines.push(format!("- and {} more", rows.len() - SUMMARY_SERVICES));
    }
    lines.join("\n")
}

#[cfg(test)]
mod tests {
    use safecare_impact::{Assessor, Gamma, Inventory, MitigationSet, RuleSet};
    use safecare_model::{Incident, Severity};

    use super::*;

    const HOSPITAL: &str = r#"
assets:
  - {id: srv, name: File server, kind: server}
  - {id: his, name: Hospital information system, kind: software}
  - {id: ed, name: Emergency department, kind: service}
relations:
  - {from: srv, to: his, kind: hosts}
  - {from: ed, to: his, kind: depends_on, class: data}
"#;

    fn record(threat: Option<&str>, assets: &[&str]) -> IncidentRecord {
        let at: Timestamp = "2026-11-28T10:00:00Z".parse().unwrap();
        let mut incident = Incident::new("Files encrypted", Severity::Critical);
        incident.threat = threat.map(str::to_owned);
        incident.assets = assets.iter().map(|a| AssetId::from(*a)).collect();
        IncidentRecord::new(incident, "safecare", at)
    }

    #[test]
    fn seeds_need_a_threat_and_a_known_asset() {
        let known = |id: &str| id == "srv";
        assert_eq!(
            impact_seeds(&record(Some("ransomware"), &["srv", "laptop-9"]), known),
            Some(("ransomware", vec!["srv"]))
        );
        assert_eq!(impact_seeds(&record(None, &["srv"]), known), None);
        assert_eq!(impact_seeds(&record(Some("ransomware"), &["laptop-9"]), known), None);
    }

    #[test]
    fn an_attached_assessment_names_the_services_and_stays_current_until_the_seeds_change() {
        let inventory = Inventory::from_yaml(HOSPITAL).unwrap();
        let assessor = Assessor::new(inventory, RuleSet::bundled(), Gamma::default());
        let report = assessor.assess("ransomware", &["srv"]).unwrap();
        let mitigations = assessor.rank_mitigations("ransomware", &["srv"], &MitigationSet::bundled()).unwrap();
        let at: Timestamp = "2026-11-28T10:05:00Z".parse().unwrap();
        let mut rec = record(Some("ransomware"), &["srv"]);
        attach_impact(&mut rec, IncidentImpact::new(at, report, mitigations), "safecare", at).unwrap();

        let summary = rec.impact_summary.clone().unwrap();
        assert!(summary.contains("Emergency department"), "{summary}");
        let last = rec.timeline.last().unwrap();
        assert_eq!(last.action, TimelineAction::ImpactUpdated);
        assert!(
            last.detail.starts_with("1 clinical service(s) impacted, worst Emergency department"),
            "{}",
            last.detail
        );
        assert!(impact_is_current(&rec, "ransomware", &["srv"]));
        assert!(!impact_is_current(&rec, "ransomware", &["srv", "his"]));
        assert!(!impact_is_current(&rec, "fire", &["srv"]));
    }
}
