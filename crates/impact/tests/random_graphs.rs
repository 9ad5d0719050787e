//! Random graphs never panic, never loop, and give sane reports.
#![allow(clippy::unwrap_used, clippy::expect_used)]

use proptest::prelude::*;
use safecare_impact::{Assessor, Gamma, Inventory, RuleSet};
use safecare_model::{Asset, AssetKind, DependencyClass, Relation, RelationKind};

const KINDS: [AssetKind; 10] = [
    AssetKind::Service,
    AssetKind::Operation,
    AssetKind::Room,
    AssetKind::Server,
    AssetKind::Computer,
    AssetKind::Software,
    AssetKind::Data,
    AssetKind::Door,
    AssetKind::Controller,
    AssetKind::NetworkSegment,
];
const RELATIONS: [RelationKind; 6] = [
    RelationKind::DependsOn,
    RelationKind::Supports,
    RelationKind::Hosts,
    RelationKind::Controls,
    RelationKind::LeadsTo,
    RelationKind::PartOf,
];
const CLASSES: [DependencyClass; 4] =
    [DependencyClass::Power, DependencyClass::Cooling, DependencyClass::Data, DependencyClass::Network];
const THREATS: [&str; 5] = ["fire", "tampering", "phishing", "ransomware", "physical_intrusion"];

fn graph() -> impl Strategy<Value = (Vec<Asset>, Vec<Relation>)> {
    (2usize..40)
        .prop_flat_map(|n| {
            let assets = prop::collection::vec((0..KINDS.len(), prop::option::of(0.0f64..=1.0)), n);
            let relations = prop::collection::vec(
                (0..n, 0..n, 0..RELATIONS.len(), prop::option::of(0..CLASSES.len()), any::<bool>(), 0.0f64..60.0),
                0..n * 3,
            );
            (assets, relations)
        })
        .prop_map(|(assets, relations)| {
            let assets: Vec<Asset> = assets
                .into_iter()
                .enumerate()
                .map(|(i, (kind, protection))| Asset {
                    id: format!("a{i}").into(),
                    name: format!("A{i}"),
                    kind: KINDS[kind],
                    location: Default::default(),
                    identifiers: Default::default(),
                    protections: protection.map(|p| [("all".to_owned(), p)].into()).unwrap_or_default(),
                    attributes: Default::default(),
                    geo: None,
                    capacity: None,
                })
                .collect();
            let relations = relations
                .into_iter()
                .filter(|(from, to, ..)| from != to)
                .map(|(from, to, kind, class, two_way, delay)| {
                    let kind = RELATIONS[kind];
                    // part_of and hosts must stay acyclic: only point downwards.
                    let (from, to) = if matches!(kind, RelationKind::PartOf | RelationKind::Hosts) {
                        (from.max(to), from.min(to))
                    } else {
                        (from, to)
                    };
                    let dependency = matches!(kind, RelationKind::DependsOn | RelationKind::Supports);
                    Relation {
                        from: format!("a{from}").into(),
                        to: format!("a{to}").into(),
                        kind,
                        class: class.filter(|_| dependency).map(|c| CLASSES[c]),
                        two_way: two_way && kind == RelationKind::LeadsTo,
                        delay_minutes: Some(delay),
                    }
                })
                .collect();
            (assets, relations)
        })
}

proptest! {
    #![proptest_config(ProptestConfig::with_cases(64))]
    #[test]
    fn random_graphs_propagate_sanely((assets, relations) in graph(), seed in 0usize..40, threat in 0..THREATS.len()) {
        let n = assets.len();
        let inventory = Inventory::new(assets, relations).expect("generated graphs are valid");
        let seed = format!("a{}", seed % n);
        for gamma in [Gamma::Max, Gamma::ProbabilisticOr, Gamma::WeightedSum { threat: 0.5, impact: 0.3, all: 0.2 }] {
            let assessor = Assessor::new(inventory.clone(), RuleSet::bundled(), gamma);
            let report = assessor.assess(THREATS[threat], &[seed.as_str()]).unwrap();
            prop_assert!(report.services.len() + report.assets.len() <= n * 4);
            for entry in report.services.iter().chain(&report.assets) {
                prop_assert!(entry.score > 0.0 && entry.score <= 1.0);
                for path in std::iter::once(&entry.path).chain(&entry.other_paths) {
                    prop_assert_eq!(&path[0].asset, &seed);
                    prop_assert_eq!(&path[path.len() - 1].asset, &entry.asset);
                    prop_assert!(path.len() <= n * 4);
                    prop_assert!(path.windows(2).all(|w| w[1].score <= w[0].score + 1e-12 && w[1].minutes >= w[0].minutes));
                }
            }
        }
    }
}
