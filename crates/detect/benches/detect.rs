//! Events per second through the detection engine: the full SigmaHQ set over
//! the OTRF Windows samples (needs `SAFECARE_SAMPLES_DIR`), and the hospital
//! pack over its own test events, correlation included.

use std::hint::black_box;
use std::path::{Path, PathBuf};
use std::sync::Arc;
use std::time::Duration;

use criterion::{Criterion, Throughput, criterion_group, criterion_main};
use safecare_detect::{Detector, RuleSet};
use safecare_model::{Domain, Event, Timestamp};

fn windows_events(dir: &Path) -> Vec<Event> {
    let mut files: Vec<PathBuf> = std::fs::read_dir(dir.join("windows-events-json"))
        .map(|d| d.filter_map(|e| e.ok().map(|e| e.path())).collect())
        .unwrap_or_default();
    files.retain(|p| p.extension().is_some_and(|x| x == "json"));
    files.sort();
    let mut events = Vec::new();
    for file in files {
        let Ok(text) = std::fs::read_to_string(&file) else { continue };
        for line in text.lines() {
            let Ok(serde_json::Value::Object(fields)) = serde_json::from_str(line) else { continue };
            let mut event = Event::new("otrf", Domain::Cyber, Timestamp::UNIX_EPOCH, "");
            event.fields = fields;
            events.push(event);
        }
    }
    events
}

fn hospital_events() -> Vec<Event> {
    #[derive(serde::Deserialize)]
    struct Case {
        fire: Vec<serde_json::Value>,
        miss: Vec<serde_json::Value>,
    }
    let text = include_str!("../tests/fixtures/hospital_cases.json");
    let cases: Vec<Case> = serde_json::from_str(text).unwrap_or_default();
    let start: Timestamp = "2026-11-28T02:00:00Z".parse().unwrap_or(Timestamp::UNIX_EPOCH);
    let mut events = Vec::new();
    for raw in cases.into_iter().flat_map(|c| c.fire.into_iter().chain(c.miss)) {
        let Some(domain) = raw["domain"].as_str().and_then(|d| d.parse().ok()) else { continue };
        let mut event = Event::new("bench", domain, start, "");
        event.logsource = serde_json::from_value(raw["logsource"].clone()).unwrap_or_default();
        event.location = serde_json::from_value(raw["location"].clone()).unwrap_or_default();
        event.asset = raw["asset"].as_str().map(str::to_owned);
        event.fields = raw["fields"].as_object().cloned().unwrap_or_default();
        events.push(event);
    }
    events
}

fn bench_sigmahq(c: &mut Criterion) {
    let Some(dir) = std::env::var_os("SAFECARE_SAMPLES_DIR").map(PathBuf::from) else {
        println!("SAFECARE_SAMPLES_DIR unset: SigmaHQ benchmark skipped");
        return;
    };
    let rules = RuleSet::load_dirs(&[dir.join("sigmahq/rules")]).expect("SigmaHQ rules");
    let events = windows_events(&dir);
    let mut group = c.benchmark_group("sigmahq");
    group.throughput(Throughput::Elements(events.len() as u64));
    group.bench_function(format!("{}_rules_{}_windows_events", rules.len(), events.len()), |b| {
        b.iter(|| events.iter().map(|e| rules.detect(black_box(e)).len()).sum::<usize>())
    });
    group.finish();
}

fn bench_hospital(c: &mut Criterion) {
    let manifest = PathBuf::from(env!("CARGO_MANIFEST_DIR"));
    let rules = Arc::new(RuleSet::load_dirs(&[manifest.join("../../content/rules/hospital")]).expect("pack"));
    let events = hospital_events();
    let mut group = c.benchmark_group("hospital");
    group.throughput(Throughput::Elements(events.len() as u64));
    group.bench_function(format!("{}_rules_{}_events_with_correlation", rules.len(), events.len()), |b| {
        let mut detector = Detector::new(rules.clone());
        b.iter(|| events.iter().map(|e| detector.process(black_box(e)).len()).sum::<usize>())
    });
    group.finish();
}

criterion_group! {
    name = benches;
    config = Criterion::default().sample_size(20).measurement_time(Duration::from_secs(5)).warm_up_time(Duration::from_secs(1));
    targets = bench_sigmahq, bench_hospital
}
criterion_main!(benches);
