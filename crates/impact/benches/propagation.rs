//! Compiling and one propagation on generated hospital-shaped graphs of
//! 1,000, 10,000 and 100,000 assets, and the what-if ranking of the bundled
//! mitigations on the demo hospital.
#![allow(clippy::unwrap_used, clippy::expect_used)]

use std::path::PathBuf;

use criterion::{BatchSize, BenchmarkId, Criterion, criterion_group, criterion_main};
use safecare_impact::{Assessor, Gamma, Inventory, MitigationSet, RuleSet};
use safecare_model::{Asset, AssetKind, DependencyClass, Relation, RelationKind};

fn asset(id: String, kind: AssetKind) -> Asset {
    Asset {
        name: id.clone(),
        id: id.into(),
        kind,
        location: Default::default(),
        identifiers: Default::default(),
        protections: Default::default(),
        attributes: Default::default(),
        geo: None,
        capacity: None,
    }
}

fn relation(from: &str, to: &str, kind: RelationKind, class: Option<DependencyClass>) -> Relation {
    Relation {
        from: from.into(),
        to: to.into(),
        kind,
        class,
        two_way: kind == RelationKind::LeadsTo,
        delay_minutes: None,
    }
}

/// A hospital-shaped graph of about `n` assets: care units of 20 assets (a
/// room, its door, an operation, 14 medical devices, 2 workstations and a
/// distribution board shared by 5 units) under one main switchboard, with
/// network segments, servers running software, and services over the
/// operations. About 2.6 relations per asset.
fn hospital(n: usize) -> Inventory {
    let units = n / 20;
    let mut assets = vec![asset("msb".into(), AssetKind::BuildingDevice)];
    let mut relations = Vec::new();
    let segments = units / 25 + 1;
    let servers = units / 50 + 1;
    let services = units / 10 + 1;
    for s in 0..segments {
        assets.push(asset(format!("net{s}"), AssetKind::NetworkSegment));
    }
    for s in 0..servers {
        assets.push(asset(format!("srv{s}"), AssetKind::Server));
        assets.push(asset(format!("sw{s}"), AssetKind::Software));
        relations.push(relation(&format!("srv{s}"), &format!("sw{s}"), RelationKind::Hosts, None));
        relations.push(relation(&format!("srv{s}"), &format!("net{}", s % segments), RelationKind::LeadsTo, None));
    }
    for s in 0..services {
        assets.push(asset(format!("svc{s}"), AssetKind::Service));
    }
    for u in 0..units {
        let room = format!("room{u}");
        let op = format!("op{u}");
        let net = format!("net{}", u / 25);
        let board = format!("board{}", u / 5);
        if u % 5 == 0 {
            assets.push(asset(board.clone(), AssetKind::BuildingDevice));
            relations.push(relation(&board, "msb", RelationKind::DependsOn, Some(DependencyClass::Power)));
        }
        assets.push(asset(room.clone(), AssetKind::Room));
        assets.push(asset(format!("door{u}"), AssetKind::Door));
        assets.push(asset(op.clone(), AssetKind::Operation));
        relations.push(relation(&room, &board, RelationKind::DependsOn, Some(DependencyClass::Power)));
        relations.push(relation(&format!("door{u}"), &room, RelationKind::LeadsTo, None));
        if u > 0 {
            relations.push(relation(&format!("door{u}"), &format!("room{}", u - 1), RelationKind::LeadsTo, None));
        }
        relations.push(relation(&op, &room, RelationKind::DependsOn, None));
        relations.push(relation(
            &op,
            &format!("sw{}", u % servers),
            RelationKind::DependsOn,
            Some(DependencyClass::Data),
        ));
        relations.push(relation(&format!("svc{}", u / 10), &op, RelationKind::DependsOn, None));
        for d in 0..16 {
            let (id, kind) = if d < 14 {
                (format!("dev{u}.{d}"), AssetKind::MedicalDevice)
            } else {
                (format!("ws{u}.{d}"), AssetKind::Computer)
            };
            assets.push(asset(id.clone(), kind));
            relations.push(relation(&id, &room, RelationKind::PartOf, None));
            relations.push(relation(&id, &net, RelationKind::LeadsTo, None));
            relations.push(relation(&op, &id, RelationKind::DependsOn, None));
        }
    }
    Inventory::new(assets, relations).expect("generated hospital is valid")
}

fn propagation(c: &mut Criterion) {
    let mut group = c.benchmark_group("propagate");
    group.sample_size(10);
    for n in [1_000, 10_000, 100_000] {
        let inventory = hospital(n);
        let edges = inventory.relations().len();
        // What a caller pays before its first report: interning ids and
        // compiling the graph.
        group.bench_with_input(BenchmarkId::new("compile", n), &inventory, |b, inventory| {
            b.iter_batched(
                || inventory.clone(),
                |inventory| Assessor::new(inventory, RuleSet::bundled(), Gamma::ProbabilisticOr),
                BatchSize::LargeInput,
            )
        });
        let assessor = Assessor::new(inventory, RuleSet::bundled(), Gamma::ProbabilisticOr);
        // A fire on the main switchboard reaches every care unit.
        let impacted = assessor.assess("fire", &["msb"]).map(|r| r.assets.len() + r.services.len()).unwrap_or(0);
        eprintln!("{n} assets, {edges} relations: {impacted} impacted states");
        group.bench_with_input(BenchmarkId::new("fire_on_main_switchboard", n), &assessor, |b, a| {
            b.iter(|| a.assess("fire", &["msb"]))
        });
        group.bench_with_input(BenchmarkId::new("fire_on_main_switchboard_score_only", n), &assessor, |b, a| {
            b.iter(|| a.service_impact("fire", &["msb"]))
        });
        group.bench_with_input(BenchmarkId::new("phishing_on_workstation", n), &assessor, |b, a| {
            b.iter(|| a.assess("phishing", &["ws0.14"]))
        });
    }
    group.finish();
}

fn ranking(c: &mut Criterion) {
    let dir = PathBuf::from(env!("CARGO_MANIFEST_DIR")).join("../../content/sites/demo-hospital");
    let assessor =
        Assessor::new(Inventory::load(&dir).expect("demo hospital loads"), RuleSet::bundled(), Gamma::ProbabilisticOr);
    // Every bundled mitigation made a candidate, so that all of them are
    // re-propagated.
    let mut set = MitigationSet::bundled();
    for m in &mut set.mitigations {
        m.threats.clear();
    }
    let seeds = ["ws-out-reception-01", "rm-tech-0.01", "ahu-ot"];
    let count = assessor.candidate_mitigations("phishing", &seeds, &set).len();
    eprintln!("ranking {count} mitigations");
    c.bench_function("rank_mitigations/demo_hospital", |b| {
        b.iter(|| assessor.rank_mitigations("phishing", &seeds, &set))
    });
}

criterion_group!(benches, propagation, ranking);
criterion_main!(benches);
