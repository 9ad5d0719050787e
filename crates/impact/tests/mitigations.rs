//! Decision support: what-if ranking of mitigations and patient-safety flags.
#![allow(clippy::unwrap_used, clippy::expect_used)]

use std::path::PathBuf;

use safecare_impact::{AssessError, Assessor, Gamma, Inventory, MitigationSet, RankedMitigation, RuleSet};

fn demo() -> Assessor {
    let dir = PathBuf::from(env!("CARGO_MANIFEST_DIR")).join("../../content/sites/demo-hospital");
    Assessor::new(Inventory::load(&dir).unwrap(), RuleSet::bundled(), Gamma::ProbabilisticOr)
}

fn find<'a>(ranked: &'a [RankedMitigation], id: &str) -> &'a RankedMitigation {
    ranked.iter().find(|m| m.id == id).unwrap_or_else(|| panic!("{id} not a candidate"))
}

const SMALL: &str = r#"
assets:
  - {id: ws, name: Workstation, kind: computer}
  - {id: net, name: Network, kind: network_segment}
  - {id: srv, name: Server, kind: server}
  - {id: app, name: Application, kind: software}
  - {id: pump, name: Pump, kind: medical_device, attributes: {life_critical: true}}
  - {id: svc, name: Service, kind: service}
relations:
  - {from: ws, to: net, kind: leads_to, two_way: true}
  - {from: srv, to: net, kind: leads_to, two_way: true}
  - {from: srv, to: app, kind: hosts}
  - {from: svc, to: app, kind: depends_on, class: data}
  - {from: svc, to: pump, kind: depends_on}
"#;

const SMALL_MITIGATIONS: &str = r#"
mitigations:
  - id: isolate
    name: Isolate the workstation
    select: {seeds: true}
    effects: [{cut: {relations: [leads_to]}}]
  - id: harden
    name: Harden the server
    select: {ids: [srv]}
    effects: [{raise_protection: {key: intrusion, degree: 0.5}}]
  - id: pull-pump
    name: Unplug the pump
    select: {ids: [pump]}
    effects: [offline]
  - id: unrelated
    name: Only for fires
    threats: [fire]
    select: {ids: [srv]}
    effects: [offline]
"#;

#[test]
fn ranking_follows_the_what_if_not_the_list_order() {
    let assessor = Assessor::new(Inventory::from_yaml(SMALL).unwrap(), RuleSet::bundled(), Gamma::Max);
    let set = MitigationSet::from_yaml(SMALL_MITIGATIONS).unwrap();
    let base = assessor.assess("phishing", &["ws"]).unwrap().service_impact;
    assert!(base > 0.0);
    let ranked = assessor.rank_mitigations("phishing", &["ws"], &set).unwrap();
    let ids: Vec<&str> = ranked.iter().map(|m| m.id.as_str()).collect();
    assert_eq!(ids, ["isolate", "harden", "pull-pump"], "fire-only mitigation is no candidate");
    let isolate = &ranked[0];
    assert!((isolate.reduction - base).abs() < 1e-9, "isolation stops the spread entirely");
    assert_eq!(isolate.service_impact_after, 0.0);
    assert!(!isolate.patient_safety_risk);
    assert!(ranked[1].reduction > 0.0 && ranked[1].reduction < base);
    let pump = &ranked[2];
    assert!(pump.reduction < 0.0, "unplugging the pump only adds impact");
    assert!(pump.patient_safety_risk);
    assert!(pump.safety_reasons.iter().any(|r| r.contains("life-critical `pump`")), "{:?}", pump.safety_reasons);
}

#[test]
fn bad_mitigation_files_are_refused() {
    let duplicate = SMALL_MITIGATIONS.replace("id: harden", "id: isolate");
    assert!(
        MitigationSet::from_yaml(&duplicate).unwrap_err().to_string().contains("`isolate` is defined more than once")
    );
    let degree = SMALL_MITIGATIONS.replace("degree: 0.5", "degree: 2");
    assert!(MitigationSet::from_yaml(&degree).unwrap_err().to_string().contains("outside [0, 1]"));
    let effect =
        SMALL_MITIGATIONS.replace("effects: [offline]\n  - id: unrelated", "effects: [explode]\n  - id: unrelated");
    assert!(MitigationSet::from_yaml(&effect).is_err());
}

#[test]
fn phishing_at_reception_ranks_isolation_and_flags_cutting_the_medical_network() {
    let assessor = demo();
    let set = MitigationSet::bundled();
    assert!(set.mitigations.len() >= 20);
    let ranked = assessor.rank_mitigations("phishing", &["ws-out-reception-01"], &set).unwrap();
    assert!(ranked.windows(2).all(|w| w[0].reduction >= w[1].reduction));
    let best = &ranked[0];
    assert!(best.reduction > 0.0 && !best.patient_safety_risk, "{best:?}");
    let isolate = find(&ranked, "isolate-host");
    // The compromised workstation still troubles check-in; the spread stops.
    assert!(isolate.reduction > 0.5 * isolate.service_impact_before, "{isolate:?}");
    let medical = find(&ranked, "isolate-medical-network");
    assert!(medical.patient_safety_risk);
    assert!(medical.safety_reasons.iter().any(|r| r.contains("raises the impact on life-critical")), "{medical:?}");
}

#[test]
fn tampered_theatre_air_handler_prefers_manual_override_to_shutting_it_down() {
    let ranked = demo().rank_mitigations("tampering", &["ahu-ot"], &MitigationSet::bundled()).unwrap();
    let manual = find(&ranked, "manual-hvac-override");
    let shutdown = find(&ranked, "shut-down-theatre-ahu");
    assert!(manual.reduction > shutdown.reduction, "{manual:?} vs {shutdown:?}");
    assert!(manual.reduction > 0.0);
    assert!(shutdown.patient_safety_risk);
    assert!(shutdown.safety_reasons.iter().any(|r| r.contains("`ahu-ot` out of service")));
}

#[test]
fn fire_in_the_technical_room_values_backup_power_and_flags_evacuation() {
    let ranked = demo().rank_mitigations("fire", &["rm-tech-0.01"], &MitigationSet::bundled()).unwrap();
    assert!(find(&ranked, "switch-to-backup-power").reduction > 0.0);
    let evacuate = find(&ranked, "evacuate-building");
    assert!(evacuate.patient_safety_risk);
    assert!(
        evacuate.targets.iter().all(|t| t.starts_with("rm-tech-")),
        "only the burning building: {:?}",
        evacuate.targets
    );
    let transfer = find(&ranked, "transfer-icu-patients");
    assert!(transfer.patient_safety_risk && transfer.safety_reasons[0].contains("ventilated"));
}

#[test]
fn a_subset_keeps_the_named_mitigations_in_order_and_names_every_unknown_id() {
    let set = MitigationSet::from_yaml(SMALL_MITIGATIONS).unwrap();
    let subset = set.subset(&["pull-pump", "isolate", "pull-pump"]).unwrap();
    let ids: Vec<&str> = subset.mitigations.iter().map(|m| m.id.as_str()).collect();
    assert_eq!(ids, ["pull-pump", "isolate"]);
    assert!(set.subset::<&str>(&[]).unwrap().mitigations.is_empty());
    let err = set.subset(&["isolate", "pray", "dance"]).unwrap_err();
    assert_eq!(err, AssessError::UnknownMitigations(vec!["pray".into(), "dance".into()]));
    assert_eq!(err.to_string(), "unknown mitigation(s): pray, dance");

    // Only the subset is ranked, still by what-if.
    let assessor = Assessor::new(Inventory::from_yaml(SMALL).unwrap(), RuleSet::bundled(), Gamma::Max);
    let ranked = assessor.rank_mitigations("phishing", &["ws"], &subset).unwrap();
    let ids: Vec<&str> = ranked.iter().map(|m| m.id.as_str()).collect();
    assert_eq!(ids, ["isolate", "pull-pump"]);
}
