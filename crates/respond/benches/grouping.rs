//! Throughput of alert routing with many open incidents.
#![allow(clippy::unwrap_used, clippy::expect_used)]

use std::hint::black_box;

use criterion::{BatchSize, Criterion, criterion_group, criterion_main};
use jiff::{SignedDuration, Timestamp};
use safecare_model::{Alert, AlertNode, Location, Severity};
use safecare_respond::{Grouper, GroupingRules};

/// `n` alerts spread over 200 rooms, 500 assets and 300 people, one a second.
fn alerts(n: usize) -> Vec<Alert> {
    let start: Timestamp = "2026-03-10T08:00:00Z".parse().expect("valid timestamp");
    (0..n)
        .map(|i| {
            let mut alert = Alert::new("bench", Severity::Medium);
            alert.create_time = start + SignedDuration::from_secs(i as i64);
            alert.safecare.asset = Some(format!("asset-{}", i % 500).into());
            alert.safecare.threat = Some(format!("threat-{}", i % 7));
            alert.safecare.location = Location {
                site: Some("hq".into()),
                building: Some("main".into()),
                floor: Some(format!("{}", i % 5)),
                zone: Some(format!("z{}", i % 20)),
                room: Some(format!("r{}", i % 200)),
            };
            alert.source.push(AlertNode { user: Some(format!("tok-{}", i % 300)), ..Default::default() });
            alert
        })
        .collect()
}

fn route(c: &mut Criterion) {
    let stream = alerts(10_000);
    // Rule families off: with them on, 7 families would put every alert into 7 incidents.
    let rules = GroupingRules { by_rule_family: false, window_minutes: 10, ..Default::default() };
    c.bench_function("route 10k alerts", |b| {
        b.iter_batched(
            || Grouper::new(rules.clone()),
            |mut grouper| {
                for alert in &stream {
                    black_box(grouper.route(alert));
                }
                grouper
            },
            BatchSize::LargeInput,
        )
    });
}

criterion_group!(benches, route);
criterion_main!(benches);
