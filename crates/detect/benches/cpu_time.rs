//! The same measurements as `detect.rs` for SigmaHQ evaluation and
//! correlation, timed by the thread's own CPU time
//! (`/proc/thread-self/schedstat`) instead of the wall clock: on a shared,
//! loaded machine wall-clock medians move by 2× between runs, CPU time by
//! about 15 %. Prints events per second of CPU; Linux only.
//!
//! `SAFECARE_SAMPLES_DIR=… cargo bench -p safecare-detect --bench cpu_time`
#![allow(clippy::unwrap_used, clippy::expect_used)]

use std::hint::black_box;
use std::path::PathBuf;
use std::sync::Arc;

use safecare_detect::reference::{PlainEvent, PlainLibrary};
use safecare_detect::{Detector, RuleSet, samples};

/// Nanoseconds this thread has run on a CPU.
fn cpu_ns() -> Option<u64> {
    std::fs::read_to_string("/proc/thread-self/schedstat").ok()?.split_whitespace().next()?.parse().ok()
}

/// Events per CPU second of `run`, which processes `events` events.
fn rate(events: usize, run: impl FnOnce()) -> Option<f64> {
    let start = cpu_ns()?;
    run();
    let spent = cpu_ns()?.checked_sub(start)?.max(1);
    Some(events as f64 * 1e9 / spent as f64)
}

fn show(label: &str, value: Option<f64>) {
    match value {
        Some(v) => println!("{label}: {v:.0} events per CPU second"),
        None => println!("{label}: no thread CPU clock here"),
    }
}

fn sigmahq() {
    let Some(dir) = std::env::var_os("SAFECARE_SAMPLES_DIR").map(PathBuf::from) else {
        println!("SAFECARE_SAMPLES_DIR unset: SigmaHQ measurement skipped");
        return;
    };
    let Ok(rules) = RuleSet::load_dirs(&[dir.join("sigmahq/rules/windows")]) else { return };
    let Ok(plain) = PlainLibrary::load_dirs(&[dir.join("sigmahq/rules/windows")]) else { return };
    let events = samples::windows_events(&dir).expect("Windows samples");
    let plain_events: Vec<PlainEvent> = events.iter().map(PlainEvent::of).collect();
    // Builds every route's plan before timing.
    events.iter().for_each(|e| drop(black_box(rules.matches(e))));
    for round in 1..=3 {
        let fast = rate(20 * events.len(), || {
            for _ in 0..20 {
                events.iter().for_each(|e| drop(black_box(rules.matches(e))));
            }
        });
        let plain = rate(3 * events.len(), || {
            for _ in 0..3 {
                plain_events.iter().for_each(|e| drop(black_box(plain.matches(e))));
            }
        });
        show(&format!("sigmahq windows, round {round}, evaluation alone, prefilter"), fast);
        show(&format!("sigmahq windows, round {round}, evaluation alone, plain library"), plain);
    }
}

fn correlation() {
    let pack = PathBuf::from(env!("CARGO_MANIFEST_DIR")).join("../../content/rules/hospital");
    let Ok(rules) = RuleSet::load_dirs(&[pack]).map(Arc::new) else { return };
    for (n, per_second, users) in [(10_000, 1, 500), (10_000, 1000, 200), (50_000, 1000, 200), (200_000, 1000, 200)] {
        let events = samples::failed_logons(n, per_second, users);
        let label = format!("{n} failed logons, {per_second}/s over {users} accounts");
        let mut detector = Detector::new(rules.clone());
        show(&format!("{label}, Detector::process"), rate(n, || events.iter().for_each(|e| drop(detector.process(e)))));
        show(&format!("{label}, detection only"), rate(n, || events.iter().for_each(|e| drop(rules.detect(e)))));
    }
    // The growing stream in quarters: flat means window size does not matter.
    let events = samples::failed_logons(200_000, 1000, 200);
    let mut detector = Detector::new(rules);
    for (q, quarter) in events.chunks(50_000).enumerate() {
        let r = rate(quarter.len(), || quarter.iter().for_each(|e| drop(detector.process(e))));
        show(&format!("200,000 failed logons, quarter {}", q + 1), r);
    }
}

fn main() {
    // `cargo bench` passes `--bench`; a filter is not supported.
    sigmahq();
    correlation();
}
