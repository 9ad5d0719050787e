//! The hospital rule pack: every rule fires on its case and stays quiet on
//! its near misses.
#![allow(clippy::unwrap_used, clippy::expect_used)]

mod common;

use std::collections::BTreeSet;
use std::sync::Arc;

use common::{CaseEvent, events, pack_dir};
use safecare_detect::{Detector, RuleKind, RuleSet, RuleSetBuilder};
use serde::Deserialize;

#[derive(Deserialize)]
struct Case {
    rule: String,
    fire: Vec<CaseEvent>,
    miss: Vec<CaseEvent>,
}

fn cases() -> Vec<Case> {
    let text = include_str!("fixtures/hospital_cases.json");
    serde_json::from_str(text).expect("cases parse")
}

fn pack() -> RuleSet {
    RuleSet::load_dirs(&[pack_dir()]).expect("pack dir")
}

#[test]
fn pack_loads_whole_and_is_tagged() {
    let rules = pack();
    assert_eq!(rules.refused(), [], "{}", rules.summary());
    assert!(rules.len() >= 40, "{}", rules.summary());
    let cyber_physical = rules
        .rules()
        .filter(|r| r.kind == RuleKind::Correlation && r.name.as_deref().is_some_and(|n| n.starts_with("hospital-cp-")))
        .count();
    assert!(cyber_physical >= 10, "{cyber_physical} cyber-physical correlations");
    for rule in rules.rules() {
        assert!(
            rule.tags.iter().any(|t| t.starts_with("attack.t") || t.starts_with("attack-ics.t")),
            "{} has no ATT&CK technique",
            rule.title
        );
        assert!(rule.threat.is_some(), "{} has no threat type", rule.title);
    }
}

#[test]
fn every_rule_has_a_case() {
    let rules = pack();
    let covered: BTreeSet<String> = cases().into_iter().map(|c| c.rule).collect();
    let names: BTreeSet<String> = rules.rules().filter_map(|r| r.name.clone()).collect();
    assert_eq!(names.len(), rules.len(), "every pack rule has a name");
    let missing: Vec<_> = names.difference(&covered).collect();
    assert!(missing.is_empty(), "rules without a case: {missing:?}");
}

/// Detections are tried alone, so that a rule that only feeds correlations
/// still shows it matches; correlations run with the whole pack.
fn rules_for(all: &RuleSet, name: &str) -> Arc<RuleSet> {
    let meta = all.rule(name).unwrap_or_else(|| panic!("{name} is not in the pack"));
    match meta.kind {
        RuleKind::Detection => {
            let mut builder = RuleSetBuilder::new();
            builder.add_file(std::path::Path::new(&meta.path));
            Arc::new(builder.build())
        }
        RuleKind::Correlation => Arc::new(pack()),
    }
}

fn raised(rules: &Arc<RuleSet>, rule_id: &str, case: &[CaseEvent]) -> usize {
    let mut detector = Detector::new(rules.clone());
    events(case)
        .iter()
        .flat_map(|e| detector.process(e))
        .filter(|a| a.safecare.rule.as_deref() == Some(rule_id))
        .count()
}

#[test]
fn every_rule_fires_on_its_case_and_not_on_its_near_misses() {
    let pack = pack();
    let mut failures = Vec::new();
    for case in cases() {
        let rules = rules_for(&pack, &case.rule);
        let id = rules.rule(&case.rule).map(|m| m.id.clone()).unwrap_or_default();
        if raised(&rules, &id, &case.fire) == 0 {
            failures.push(format!("{} did not fire", case.rule));
        }
        if case.miss.is_empty() {
            failures.push(format!("{} has no near miss", case.rule));
        }
        for (i, miss) in case.miss.iter().enumerate() {
            // Near misses of a detection are single events; those of a
            // correlation are one sequence.
            let sequence = match rules.rule(&case.rule).map(|m| m.kind) {
                Some(RuleKind::Correlation) => case.miss.clone(),
                _ => vec![miss.clone()],
            };
            if raised(&rules, &id, &sequence) > 0 {
                failures.push(format!("{} fired on near miss {i}", case.rule));
            }
        }
    }
    assert!(failures.is_empty(), "{failures:#?}");
}
