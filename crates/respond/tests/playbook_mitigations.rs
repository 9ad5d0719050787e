//! Playbook tasks name the decision-support mitigations they carry out; the
//! names must exist in the impact crate's bundled set, and ranking them for
//! an incident is the what-if of the impact crate, not the playbook's order.
#![allow(clippy::unwrap_used, clippy::expect_used)]

mod common;

use std::path::PathBuf;

use common::library;
use safecare_impact::{Assessor, Gamma, Inventory, MitigationSet, RuleSet};
use safecare_respond::{Playbook, PlaybookError};

fn demo() -> Assessor {
    let dir = PathBuf::from(env!("CARGO_MANIFEST_DIR")).join("../../content/sites/demo-hospital");
    Assessor::new(Inventory::load(&dir).unwrap(), RuleSet::bundled(), Gamma::ProbabilisticOr)
}

#[test]
fn every_mitigation_a_playbook_names_is_a_bundled_mitigation() {
    let bundled = MitigationSet::bundled();
    let library = library();
    let mut named = 0;
    for playbook in library.playbooks() {
        for task in &playbook.tasks {
            if let Some(id) = &task.mitigation {
                named += 1;
                assert!(bundled.get(id).is_some(), "{}/{} names unknown mitigation `{id}`", playbook.id, task.id);
            }
        }
        assert!(bundled.subset(&playbook.mitigations()).is_ok(), "{}", playbook.id);
    }
    let with_mitigations = library.playbooks().iter().filter(|p| !p.mitigations().is_empty()).count();
    assert!(with_mitigations >= 10, "only {with_mitigations} playbooks name a mitigation");
    assert!(named >= 15, "only {named} tasks name a mitigation");
}

#[test]
fn ransomware_playbook_mitigations_are_ranked_by_what_if_not_task_order() {
    let library = library();
    let playbook = library.get("ransomware").unwrap();
    let ids = playbook.mitigations();
    assert_eq!(
        ids,
        [
            "isolate-host",
            "block-user-segments",
            "paper-downtime-procedures",
            "reset-credentials",
            "restore-from-backup"
        ]
    );
    let set = MitigationSet::bundled().subset(&ids).unwrap();
    let assessor = demo();

    // The HIS application server is encrypted: what it serves is already
    // lost, so isolating it saves little; restoring the applications and
    // data it feeds from backups saves most.
    let seeds = ["srv-his-app-01"];
    let ranked = assessor.rank_mitigations("ransomware", &seeds, &set).unwrap();
    assert_eq!(ranked[0].id, "restore-from-backup", "{ranked:#?}");
    assert!(ranked[0].reduction > ranked[1].reduction && !ranked[0].patient_safety_risk);
    let isolate = ranked.iter().find(|m| m.id == "isolate-host").unwrap();
    assert!(isolate.reduction < ranked[0].reduction / 2.0, "{isolate:?}");
    let before = assessor.assess("ransomware", &seeds).unwrap().service_impact;
    assert!((ranked[0].service_impact_before - before).abs() < 1e-9);
    assert!(ranked.iter().all(|m| ids.contains(&m.id.as_str())), "only the playbook's mitigations are ranked");

    // On the file server, what reaches services is the spread over the
    // network, so isolating it comes first: the same list, another order.
    let ranked = assessor.rank_mitigations("ransomware", &["srv-file-01"], &set).unwrap();
    assert_eq!(ranked[0].id, "isolate-host", "{ranked:#?}");
    assert!(ranked[0].reduction > 0.0);
}

const PLAYBOOK: &str = r#"
id: test
title: Test
threats: [ransomware]
tasks:
  - {id: a, title: Isolate, role: it, mitigation: isolate-host}
  - {id: b, title: Paper, role: clinical_lead, mitigation: paper-downtime-procedures}
  - {id: c, title: Isolate again, role: it, mitigation: isolate-host}
  - {id: d, title: Talk, role: crisis_manager}
"#;

#[test]
fn a_playbook_lists_its_mitigations_once_in_task_order() {
    let playbook = Playbook::from_yaml(PLAYBOOK).unwrap();
    assert_eq!(playbook.mitigations(), ["isolate-host", "paper-downtime-procedures"]);
    assert_eq!(playbook.task("d").unwrap().mitigation, None);
    let bad = PLAYBOOK.replace("mitigation: paper-downtime-procedures", "mitigation: Paper Downtime");
    assert_eq!(Playbook::from_yaml(&bad).unwrap_err(), [PlaybookError::InvalidId("Paper Downtime".into())]);
    let unknown = PLAYBOOK.replace("mitigation: paper-downtime-procedures", "mitigation: pray");
    let ids = Playbook::from_yaml(&unknown).unwrap().mitigations().into_iter().map(str::to_owned).collect::<Vec<_>>();
    let err = MitigationSet::bundled().subset(&ids).unwrap_err();
    assert_eq!(err.to_string(), "unknown mitigation(s): pray");
}
