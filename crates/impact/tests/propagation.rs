//! Propagation on small hand-built graphs, with exact scores and paths.
#![allow(clippy::unwrap_used, clippy::expect_used)]

use safecare_impact::{AssessError, Assessor, Gamma, ImpactReport, ImpactType, Inventory, RuleSet};

const RULES: &str = r#"
min_score: 0.01
max_paths: 3
threats:
  fire: {impact: availability}
rules:
  - name: dep
    when: {impacts: [availability]}
    via: {relation: depends_on, direction: backward}
    then: {impact: availability, factor: 0.5, delay_minutes: 10}
  - name: walk
    when: {impacts: [availability]}
    via: {relation: leads_to, direction: forward}
    then: {impact: availability, factor: 0.5, delay_minutes: 1}
"#;

const CHAIN: &str = r#"
assets:
  - {id: dev, name: Device, kind: building_device, protections: {fire: 0.2}}
  - {id: room, name: Room, kind: room, protections: {fire: 0.4, availability: 0.5}}
  - {id: svc, name: Service, kind: service}
relations:
  - {from: room, to: dev, kind: depends_on, delay_minutes: 5}
  - {from: svc, to: room, kind: depends_on}
"#;

fn assessor(inventory: &str, gamma: Gamma) -> Assessor {
    Assessor::new(Inventory::from_yaml(inventory).unwrap(), RuleSet::from_yaml(RULES).unwrap(), gamma)
}

fn score(report: &ImpactReport, id: &str) -> f64 {
    report.get(id).unwrap_or_else(|| panic!("{id} not impacted")).score
}

fn path(report: &ImpactReport, id: &str) -> Vec<String> {
    report.get(id).unwrap().path.iter().map(|s| s.asset.to_string()).collect()
}

fn close(a: f64, b: f64) {
    assert!((a - b).abs() < 1e-9, "{a} != {b}");
}

#[test]
fn chain_scores_for_each_gamma() {
    let cases = [
        (Gamma::Max, [0.8, 0.2, 0.1]),
        (Gamma::ProbabilisticOr, [0.8, 0.12, 0.06]),
        (Gamma::WeightedSum { threat: 0.5, impact: 0.5, all: 0.0 }, [0.9, 0.2475, 0.12375]),
    ];
    for (gamma, [dev, room, svc]) in cases {
        let report = assessor(CHAIN, gamma).assess("fire", &["dev"]).unwrap();
        close(score(&report, "dev"), dev);
        close(score(&report, "room"), room);
        close(score(&report, "svc"), svc);
        close(report.service_impact, svc);
        assert_eq!(path(&report, "svc"), ["dev", "room", "svc"]);
        let svc_entry = report.get("svc").unwrap();
        assert_eq!(svc_entry.impact, ImpactType::Availability);
        // 5 from the relation's own delay, then 10 from the rule's default.
        close(svc_entry.minutes, 15.0);
        assert_eq!(report.services.len(), 1, "services come first, apart");
        assert_eq!(report.services[0].asset, "svc");
        let crossing = svc_entry.path[2].via.as_ref().unwrap();
        assert_eq!(crossing.relation, safecare_model::RelationKind::DependsOn);
        assert_eq!(crossing.direction, safecare_impact::Direction::Backward, "svc depends_on room, crossed to -> from");
        assert_eq!(crossing.rule, "dep");
    }
}

#[test]
fn a_fully_protected_asset_stops_the_path() {
    let inventory = CHAIN.replace("{fire: 0.4, availability: 0.5}", "{all: 1.0}");
    for gamma in [Gamma::Max, Gamma::ProbabilisticOr] {
        let report = assessor(&inventory, gamma).assess("fire", &["dev"]).unwrap();
        assert!(report.get("dev").is_some());
        assert!(report.get("room").is_none());
        assert!(report.get("svc").is_none(), "nothing beyond the protected room");
        assert_eq!(report.service_impact, 0.0);
    }
    let seed_protected = CHAIN.replace("{fire: 0.2}", "{fire: 1.0}");
    let report = assessor(&seed_protected, Gamma::Max).assess("fire", &["dev"]).unwrap();
    assert!(report.assets.is_empty() && report.services.is_empty());
}

#[test]
fn cycles_end_and_keep_the_best_score() {
    let inventory = r#"
assets:
  - {id: a, name: A, kind: server}
  - {id: b, name: B, kind: server}
  - {id: c, name: C, kind: server}
relations:
  - {from: a, to: b, kind: depends_on}
  - {from: b, to: c, kind: depends_on}
  - {from: c, to: a, kind: depends_on}
"#;
    let report = assessor(inventory, Gamma::Max).assess("fire", &["a"]).unwrap();
    close(score(&report, "a"), 1.0);
    close(score(&report, "c"), 0.5);
    close(score(&report, "b"), 0.25);
    assert_eq!(path(&report, "b"), ["a", "c", "b"]);
    assert!(report.get("a").unwrap().other_paths.is_empty(), "the way back to the seed is a cycle, not a path");
    assert_eq!(report.assets.len(), 3);
}

#[test]
fn other_paths_are_kept_below_the_best() {
    let inventory = r#"
assets:
  - {id: x, name: X, kind: server}
  - {id: a, name: A, kind: software, protections: {availability: 0.5}}
  - {id: b, name: B, kind: software}
  - {id: t, name: T, kind: operation}
relations:
  - {from: a, to: x, kind: depends_on}
  - {from: b, to: x, kind: depends_on}
  - {from: t, to: a, kind: depends_on}
  - {from: t, to: b, kind: depends_on}
"#;
    let report = assessor(inventory, Gamma::Max).assess("fire", &["x"]).unwrap();
    let t = report.get("t").unwrap();
    close(t.score, 0.25);
    assert_eq!(path(&report, "t"), ["x", "b", "t"]);
    assert_eq!(t.other_paths.len(), 1);
    let other: Vec<&str> = t.other_paths[0].iter().map(|s| s.asset.as_str()).collect();
    assert_eq!(other, ["x", "a", "t"]);
    close(t.other_paths[0][2].score, 0.125);
    assert_eq!(report.assets[0].asset, "t", "business assets (operations) lead the other assets");
}

#[test]
fn leads_to_is_one_way_unless_two_way() {
    let one_way = r#"
assets:
  - {id: door, name: Door, kind: door}
  - {id: room, name: Room, kind: room}
relations:
  - {from: door, to: room, kind: leads_to}
"#;
    let a = assessor(one_way, Gamma::Max);
    close(score(&a.assess("fire", &["door"]).unwrap(), "room"), 0.5);
    assert!(a.assess("fire", &["room"]).unwrap().get("door").is_none());

    let two_way = one_way.replace("kind: leads_to}", "kind: leads_to, two_way: true}");
    let b = assessor(&two_way, Gamma::Max);
    let report = b.assess("fire", &["room"]).unwrap();
    close(score(&report, "door"), 0.5);
    close(report.get("door").unwrap().minutes, 1.0);
}

#[test]
fn supports_is_read_as_the_inverse_of_depends_on() {
    let inventory = r#"
assets:
  - {id: ups, name: UPS, kind: building_device}
  - {id: room, name: Room, kind: room}
relations:
  - {from: ups, to: room, kind: supports}
"#;
    let report = assessor(inventory, Gamma::Max).assess("fire", &["ups"]).unwrap();
    close(score(&report, "room"), 0.5);
    let crossing = report.get("room").unwrap().path[1].via.clone().unwrap();
    assert_eq!(crossing.relation, safecare_model::RelationKind::Supports);
}

#[test]
fn cyber_to_physical_to_service_with_the_bundled_rules() {
    let inventory = r#"
assets:
  - {id: bms, name: BMS software, kind: software}
  - {id: ctl, name: HVAC controller, kind: controller}
  - {id: ahu, name: Theatre air handler, kind: building_device}
  - {id: theatre, name: Theatre 1, kind: room}
  - {id: surgery, name: Surgery, kind: operation}
  - {id: svc, name: Operating theatres, kind: service}
relations:
  - {from: bms, to: ctl, kind: controls}
  - {from: ctl, to: ahu, kind: controls}
  - {from: theatre, to: ahu, kind: depends_on, class: cooling}
  - {from: surgery, to: theatre, kind: depends_on}
  - {from: svc, to: surgery, kind: depends_on}
"#;
    let assessor = Assessor::new(Inventory::from_yaml(inventory).unwrap(), RuleSet::bundled(), Gamma::Max);
    let report = assessor.assess("tampering", &["bms"]).unwrap();
    let svc = report.get("svc").unwrap();
    assert_eq!(path(&report, "svc"), ["bms", "ctl", "ahu", "theatre", "surgery", "svc"]);
    close(svc.score, 0.9 * 0.9 * 0.8 * 0.9 * 0.9);
    close(svc.minutes, 5.0 + 5.0 + 15.0);
    assert_eq!(svc.impact, ImpactType::Availability);
    assert_eq!(report.get("theatre").unwrap().threat, "overheating");
    assert_eq!(report.get("ahu").unwrap().impact, ImpactType::Integrity);
}

#[test]
fn bad_requests_are_named() {
    let a = assessor(CHAIN, Gamma::Max);
    assert_eq!(a.assess("meteor", &["dev"]).unwrap_err(), AssessError::UnknownThreat("meteor".into()));
    assert_eq!(a.assess("fire", &["nope"]).unwrap_err(), AssessError::UnknownAsset("nope".into()));
    assert_eq!(a.assess("fire", &[]).unwrap_err(), AssessError::NoSeed);
}

#[test]
fn rule_sets_are_checked() {
    let bad_factor = RULES.replace("factor: 0.5, delay_minutes: 10", "factor: 1.5");
    assert!(RuleSet::from_yaml(&bad_factor).unwrap_err().to_string().contains("rule `dep`: factor 1.5"));
    let bad_threat = RULES.replace(
        "when: {impacts: [availability]}\n    via: {relation: depends_on",
        "when: {threats: [meteor]}\n    via: {relation: depends_on",
    );
    assert!(RuleSet::from_yaml(&bad_threat).unwrap_err().to_string().contains("unknown threat `meteor`"));
    let supports = RULES.replace("relation: depends_on", "relation: supports");
    assert!(RuleSet::from_yaml(&supports).unwrap_err().to_string().contains("supports"));
}

#[test]
fn reports_round_trip_as_json() {
    let report = assessor(CHAIN, Gamma::ProbabilisticOr).assess("fire", &["dev"]).unwrap();
    let json = serde_json::to_string(&report).unwrap();
    assert!(json.contains("\"probabilistic_or\""));
    let back: ImpactReport = serde_json::from_str(&json).unwrap();
    // Scores are written with three decimals: what is read back writes the same text.
    assert_eq!(serde_json::to_string(&back).unwrap(), json);
    assert_eq!(back.services.len(), report.services.len());
    for (read, made) in back.services.iter().zip(&report.services) {
        assert!((read.score - made.score).abs() <= 0.0005, "{} vs {}", read.score, made.score);
        assert_eq!(
            (&read.asset, read.impact, read.level, read.path.len()),
            (&made.asset, made.impact, made.level, made.path.len())
        );
    }
}
