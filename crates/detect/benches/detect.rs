//! Events per second through the detection engine, one core, SafeCare's
//! prefiltered path against `rsigma-eval` used plainly (strict logsource):
//! (a) the hospital pack over its own case events, (b) the SigmaHQ Windows
//! rules over the OTRF Windows samples (needs `SAFECARE_SAMPLES_DIR`), each
//! as evaluation alone and as parse+normalise+evaluate from JSON lines; and
//! correlation throughput on streams where every event feeds a window,
//! including one whose windows keep growing; and the cost of switching one
//! rule off (deriving the running set from the loaded one).
#![allow(clippy::unwrap_used, clippy::expect_used)]

use std::collections::HashSet;
use std::hint::black_box;
use std::path::PathBuf;
use std::sync::Arc;
use std::time::Duration;

use criterion::{
    BatchSize, BenchmarkGroup, Criterion, Throughput, criterion_group, criterion_main, measurement::WallTime,
};
use safecare_detect::reference::{PlainEvent, PlainLibrary};
use safecare_detect::samples::{failed_logons, hospital_event, hospital_lines, windows_event, windows_lines};
use safecare_detect::{Detector, RuleSet, hunt_parallel};
use safecare_model::Event;

/// The four measurements of one rule set over one event set.
fn measure(
    group: &mut BenchmarkGroup<'_, WallTime>,
    (rules, plain): (&RuleSet, &PlainLibrary),
    lines: &[String],
    parse: fn(&str) -> Option<Event>,
) {
    let events: Vec<Event> = lines.iter().filter_map(|l| parse(l)).collect();
    let plain_events: Vec<PlainEvent> = events.iter().map(PlainEvent::of).collect();
    group.throughput(Throughput::Elements(events.len() as u64));
    group.bench_function("evaluate/prefilter", |b| {
        b.iter(|| events.iter().map(|e| rules.matches(black_box(e)).len()).sum::<usize>())
    });
    group.bench_function("evaluate/plain_library", |b| {
        b.iter(|| plain_events.iter().map(|e| plain.matches(black_box(e)).len()).sum::<usize>())
    });
    group.bench_function("parse_normalise_evaluate/prefilter", |b| {
        b.iter(|| lines.iter().filter_map(|l| parse(black_box(l))).map(|e| rules.matches(&e).len()).sum::<usize>())
    });
    group.bench_function("parse_normalise_evaluate/plain_library", |b| {
        b.iter(|| {
            lines
                .iter()
                .filter_map(|l| parse(black_box(l)))
                .map(|e| plain.matches(&PlainEvent::of(&e)).len())
                .sum::<usize>()
        })
    });
}

fn bench_sigmahq_windows(c: &mut Criterion) {
    let Some(dir) = std::env::var_os("SAFECARE_SAMPLES_DIR").map(PathBuf::from) else {
        println!("SAFECARE_SAMPLES_DIR unset: SigmaHQ benchmark skipped");
        return;
    };
    let rules = Arc::new(RuleSet::load_dirs(&[dir.join("sigmahq/rules/windows")]).expect("SigmaHQ rules"));
    let plain = PlainLibrary::load_dirs(&[dir.join("sigmahq/rules/windows")]).expect("SigmaHQ rules");
    let lines = windows_lines(&dir).expect("Windows samples");
    let mut group = c.benchmark_group(format!("sigmahq_windows_{}_rules_{}_events", rules.len(), lines.len()));
    measure(&mut group, (&rules, &plain), &lines, windows_event);
    // An offline hunt as Hayabusa runs one: every event, detection alerts
    // built, on one and on both cores of this machine.
    let events: Vec<Event> = lines.iter().filter_map(|l| windows_event(l)).collect();
    for threads in [1, 2] {
        group.bench_function(format!("hunt_parallel/{threads}_threads"), |b| {
            b.iter_batched(
                || events.clone(),
                |events| hunt_parallel(rules.clone(), events.into_iter(), threads).len(),
                BatchSize::LargeInput,
            )
        });
    }
    group.finish();

    let mut group = c.benchmark_group("sigmahq_windows_load");
    group.sample_size(10);
    group.bench_function("load_rules", |b| {
        b.iter(|| RuleSet::load_dirs(&[dir.join("sigmahq/rules/windows")]).map(|r| r.len()).unwrap_or_default())
    });
    group.finish();
}

fn pack_dir() -> PathBuf {
    PathBuf::from(env!("CARGO_MANIFEST_DIR")).join("../../content/rules/hospital")
}

fn pack() -> Arc<RuleSet> {
    Arc::new(RuleSet::load_dirs(&[pack_dir()]).expect("pack"))
}

fn bench_hospital(c: &mut Criterion) {
    let rules = pack();
    let lines = hospital_lines();
    let mut group = c.benchmark_group(format!("hospital_{}_rules_{}_events", rules.len(), lines.len()));
    let plain = PlainLibrary::load_dirs(&[pack_dir()]).expect("pack");
    measure(&mut group, (&rules, &plain), &lines, hospital_event);
    let events: Vec<Event> = lines.iter().filter_map(|l| hospital_event(l)).collect();
    group.bench_function("detector_process_with_correlation", |b| {
        let mut detector = Detector::new(rules.clone());
        b.iter(|| events.iter().map(|e| detector.process(black_box(e)).len()).sum::<usize>())
    });
    group.finish();
}

/// Switching one rule off through the API derives the running set from
/// the loaded one ([`RuleSet::without`]): what that costs for the hospital
/// pack and for the SigmaHQ Windows rules.
fn bench_derive(c: &mut Criterion) {
    let mut sets = vec![("hospital", pack())];
    if let Some(dir) = std::env::var_os("SAFECARE_SAMPLES_DIR").map(PathBuf::from) {
        let rules = RuleSet::load_dirs(&[dir.join("sigmahq/rules/windows")]).expect("SigmaHQ rules");
        sets.push(("sigmahq_windows", Arc::new(rules)));
    }
    let mut group = c.benchmark_group("derive_without_one_rule");
    for (name, rules) in sets {
        let mut ids: Vec<&str> = rules.rules().map(|m| m.id.as_str()).collect();
        ids.sort_unstable();
        let off: HashSet<String> = ids.first().map(|id| (*id).to_owned()).into_iter().collect();
        group.bench_function(format!("{name}_{}_rules", rules.len()), |b| {
            b.iter(|| rules.without(black_box(&off)).len())
        });
    }
    group.finish();
}

/// One event a second over 500 accounts: windows stay small and never
/// fire. Stateless detection is measured on the same events, so the
/// difference is the cost of correlation itself.
fn bench_correlation(c: &mut Criterion) {
    let rules = pack();
    let events = failed_logons(10_000, 1, 500);
    let mut group = c.benchmark_group("correlation");
    group.throughput(Throughput::Elements(events.len() as u64));
    group.bench_function("failed_logons_10000_events", |b| {
        b.iter(|| {
            let mut detector = Detector::new(rules.clone());
            events.iter().map(|e| detector.process(black_box(e)).len()).sum::<usize>()
        })
    });
    group.bench_function("failed_logons_10000_events_detection_only", |b| {
        b.iter(|| events.iter().map(|e| rules.detect(black_box(e)).len()).sum::<usize>())
    });
    group.finish();
}

/// 1,000 failed logons a second over 200 accounts: each account's
/// five-minute window fills up to 1,500 events and every event after the
/// tenth fires brute force. The time per event must not grow with the
/// stream (and so the window) length.
fn bench_window_growth(c: &mut Criterion) {
    let rules = pack();
    let mut group = c.benchmark_group("correlation_window_growth");
    for n in [10_000, 50_000, 200_000] {
        let events = failed_logons(n, 1000, 200);
        group.throughput(Throughput::Elements(n as u64));
        group.bench_function(format!("failed_logons_{n}_events"), |b| {
            b.iter(|| {
                let mut detector = Detector::new(rules.clone());
                events.iter().map(|e| detector.process(black_box(e)).len()).sum::<usize>()
            })
        });
    }
    group.finish();
}

criterion_group! {
    name = benches;
    config = Criterion::default().sample_size(20).measurement_time(Duration::from_secs(4)).warm_up_time(Duration::from_secs(1));
    targets = bench_sigmahq_windows, bench_hospital, bench_correlation, bench_window_growth, bench_derive
}
criterion_main!(benches);
