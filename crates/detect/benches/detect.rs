//! Events per second through the detection engine, one core, SafeCare's
//! prefiltered path against `rsigma-eval` used plainly (strict logsource):
//! (a) the hospital pack over its own case events, (b) the SigmaHQ Windows
//! rules over the OTRF Windows samples (needs `SAFECARE_SAMPLES_DIR`), each
//! as evaluation alone and as parse+normalise+evaluate from JSON lines; and
//! correlation throughput on a stream where every event feeds a window.

use std::hint::black_box;
use std::path::PathBuf;
use std::sync::Arc;
use std::time::Duration;

use criterion::{BenchmarkGroup, Criterion, Throughput, criterion_group, criterion_main, measurement::WallTime};
use safecare_detect::samples::{hospital_event, hospital_lines, windows_event, windows_lines};
use safecare_detect::{Detector, RuleSet};
use safecare_model::{Domain, Event, Timestamp};

/// The four measurements of one rule set over one event set.
fn measure(
    group: &mut BenchmarkGroup<'_, WallTime>,
    rules: &RuleSet,
    lines: &[String],
    parse: fn(&str) -> Option<Event>,
) {
    let events: Vec<Event> = lines.iter().filter_map(|l| parse(l)).collect();
    group.throughput(Throughput::Elements(events.len() as u64));
    group.bench_function("evaluate/prefilter", |b| {
        b.iter(|| events.iter().map(|e| rules.matches(black_box(e)).len()).sum::<usize>())
    });
    group.bench_function("evaluate/plain_library", |b| {
        b.iter(|| events.iter().map(|e| rules.matches_plain(black_box(e)).len()).sum::<usize>())
    });
    group.bench_function("parse_normalise_evaluate/prefilter", |b| {
        b.iter(|| lines.iter().filter_map(|l| parse(black_box(l))).map(|e| rules.matches(&e).len()).sum::<usize>())
    });
    group.bench_function("parse_normalise_evaluate/plain_library", |b| {
        b.iter(|| {
            lines.iter().filter_map(|l| parse(black_box(l))).map(|e| rules.matches_plain(&e).len()).sum::<usize>()
        })
    });
}

fn bench_sigmahq_windows(c: &mut Criterion) {
    let Some(dir) = std::env::var_os("SAFECARE_SAMPLES_DIR").map(PathBuf::from) else {
        println!("SAFECARE_SAMPLES_DIR unset: SigmaHQ benchmark skipped");
        return;
    };
    let rules = RuleSet::load_dirs(&[dir.join("sigmahq/rules/windows")]).expect("SigmaHQ rules");
    let lines = windows_lines(&dir).expect("Windows samples");
    let mut group = c.benchmark_group(format!("sigmahq_windows_{}_rules_{}_events", rules.len(), lines.len()));
    measure(&mut group, &rules, &lines, windows_event);
    group.finish();
}

fn pack() -> Arc<RuleSet> {
    let manifest = PathBuf::from(env!("CARGO_MANIFEST_DIR"));
    Arc::new(RuleSet::load_dirs(&[manifest.join("../../content/rules/hospital")]).expect("pack"))
}

fn bench_hospital(c: &mut Criterion) {
    let rules = pack();
    let lines = hospital_lines();
    let mut group = c.benchmark_group(format!("hospital_{}_rules_{}_events", rules.len(), lines.len()));
    measure(&mut group, &rules, &lines, hospital_event);
    let events: Vec<Event> = lines.iter().filter_map(|l| hospital_event(l)).collect();
    group.bench_function("detector_process_with_correlation", |b| {
        let mut detector = Detector::new(rules.clone());
        b.iter(|| events.iter().map(|e| detector.process(black_box(e)).len()).sum::<usize>())
    });
    group.finish();
}

/// Failed Windows logons spread over 500 accounts and hosts, one per
/// second: every event feeds the brute-force and spraying windows.
fn correlation_stream(n: usize) -> Vec<Event> {
    let start: Timestamp = "2026-11-28T02:00:00Z".parse().unwrap_or(Timestamp::UNIX_EPOCH);
    (0..n)
        .map(|i| {
            let time = start + jiff::SignedDuration::from_secs(i as i64);
            let mut e = Event::new("wef", Domain::Cyber, time, "");
            e.logsource.product = Some("windows".into());
            e.logsource.service = Some("security".into());
            e.asset = Some(format!("ws-{}", i % 50));
            e.fields = serde_json::json!({
                "Channel": "Security", "EventID": 4625,
                "TargetUserName": format!("tok-{}", i % 500), "IpAddress": format!("10.0.{}.{}", i % 7, i % 200),
            })
            .as_object()
            .cloned()
            .unwrap_or_default();
            e
        })
        .collect()
}

fn bench_correlation(c: &mut Criterion) {
    let rules = pack();
    let events = correlation_stream(10_000);
    let mut group = c.benchmark_group("correlation");
    group.throughput(Throughput::Elements(events.len() as u64));
    group.bench_function("failed_logons_10000_events", |b| {
        b.iter(|| {
            let mut detector = Detector::new(rules.clone());
            events.iter().map(|e| detector.process(black_box(e)).len()).sum::<usize>()
        })
    });
    group.finish();
}

criterion_group! {
    name = benches;
    config = Criterion::default().sample_size(20).measurement_time(Duration::from_secs(4)).warm_up_time(Duration::from_secs(1));
    targets = bench_sigmahq_windows, bench_hospital, bench_correlation
}
criterion_main!(benches);
