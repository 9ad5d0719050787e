//! Parallel hunting gives exactly the sequential hunt's alerts, in order,
//! correlations included; the bench helper counts what it measured.
#![allow(clippy::unwrap_used, clippy::expect_used)]

mod common;

use std::sync::Arc;

use common::{CaseEvent, events, pack_dir};
use safecare_detect::{RuleSet, bench, hunt, hunt_parallel};
use safecare_model::Event;
use serde::Deserialize;

#[derive(Deserialize)]
struct Case {
    fire: Vec<CaseEvent>,
    miss: Vec<CaseEvent>,
}

/// Every case's events, one case after another, several times over: a
/// few thousand events, many batches, correlations firing throughout.
fn stream() -> Vec<Event> {
    let cases: Vec<Case> = serde_json::from_str(include_str!("fixtures/hospital_cases.json")).expect("cases");
    let mut out = Vec::new();
    for _ in 0..8 {
        for case in &cases {
            out.extend(events(&case.fire));
            out.extend(events(&case.miss));
        }
    }
    out
}

fn key(alerts: &[safecare_model::Alert]) -> Vec<(Option<String>, Vec<safecare_model::EventId>)> {
    alerts.iter().map(|a| (a.safecare.rule.clone(), a.safecare.events.clone())).collect()
}

#[test]
fn parallel_hunt_equals_sequential_hunt_in_order() {
    let rules = Arc::new(RuleSet::load_dirs(&[pack_dir()]).expect("pack"));
    let events = stream();
    assert!(events.len() > 2000, "{}", events.len());
    let sequential: Vec<_> = hunt(rules.clone(), events.clone()).collect();
    let correlations = sequential
        .iter()
        .filter(|a| {
            a.safecare
                .rule
                .as_deref()
                .and_then(|r| rules.rule(r))
                .is_some_and(|m| m.kind == safecare_detect::RuleKind::Correlation)
        })
        .count();
    assert!(correlations > 10, "the stream should fire correlations: {correlations}");
    for threads in [0, 1, 2, 3] {
        let parallel = hunt_parallel(rules.clone(), events.clone().into_iter(), threads);
        assert_eq!(key(&parallel), key(&sequential), "{threads} threads");
    }
}

#[test]
fn bench_reports_events_matches_and_rate() {
    let rules = RuleSet::load_dirs(&[pack_dir()]).expect("pack");
    let events = stream();
    let report = bench(&rules, &events, 2);
    assert_eq!(report.events, 2 * events.len() as u64);
    let once: usize = events.iter().map(|e| rules.matches(e).len()).sum();
    assert_eq!(report.matches, 2 * once as u64);
    assert!(report.matches > 0);
    assert!(report.events_per_second > 0.0);
    assert!(report.elapsed.as_nanos() > 0);
}
