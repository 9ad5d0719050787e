//! Offline hunting over a batch of events on all cores, and the events/s
//! measurement behind `safecare bench detect`.

use std::collections::BTreeMap;
use std::sync::mpsc::{Receiver, sync_channel};
use std::sync::{Arc, Mutex};
use std::time::{Duration, Instant};

use safecare_model::{Alert, Event};

use crate::detector::{Detector, Staged};
use crate::ruleset::RuleSet;

/// Events handed to a worker at once: large enough that channel traffic is
/// negligible, small enough to keep all cores busy to the end.
const BATCH: usize = 512;

/// Runs `rules` over `events` with `threads` worker threads (0 or 1: on the
/// calling thread) and returns every alert, correlations included.
///
/// Ordering guarantee: the result is exactly what [`crate::hunt`] yields on
/// the same events, in the same order: alerts follow the input order of the
/// events that raised them; for one event its detection alerts come first
/// (in rule load order), then the correlation alerts it completed. Workers
/// only do the stateless part (routing, prefilter, matching, alert
/// building); correlation runs on the calling thread in input order, so
/// windows see events exactly as a single detector would.
pub fn hunt_parallel<I>(rules: Arc<RuleSet>, events: I, threads: usize) -> Vec<Alert>
where
    I: Iterator<Item = Event> + Send,
{
    let mut alerts = Vec::new();
    hunt_parallel_each(rules, events, threads, |_, raised| alerts.extend(raised));
    alerts
}

/// [`hunt_parallel`], handing each event that raised alerts to `sink` with
/// them, in the same order, so that a caller can show what in the event
/// matched without keeping every event.
pub fn hunt_parallel_each<I>(rules: Arc<RuleSet>, events: I, threads: usize, mut sink: impl FnMut(&Event, Vec<Alert>))
where
    I: Iterator<Item = Event> + Send,
{
    let mut detector = Detector::new(rules.clone());
    if threads <= 1 {
        for event in events {
            let raised = detector.process(&event);
            if !raised.is_empty() {
                sink(&event, raised);
            }
        }
        return;
    }
    let (work_tx, work_rx) = sync_channel::<(u64, Vec<Event>)>(threads * 2);
    let (done_tx, done_rx) = sync_channel::<(u64, Vec<(Event, Staged)>)>(threads * 2);
    let work_rx = Arc::new(Mutex::new(work_rx));
    std::thread::scope(|scope| {
        scope.spawn(move || {
            let mut events = events;
            let mut seq = 0;
            loop {
                let batch: Vec<Event> = events.by_ref().take(BATCH).collect();
                if batch.is_empty() || work_tx.send((seq, batch)).is_err() {
                    break;
                }
                seq += 1;
            }
        });
        for _ in 0..threads {
            let (rules, work_rx, done_tx) = (rules.clone(), work_rx.clone(), done_tx.clone());
            scope.spawn(move || {
                while let Some((seq, batch)) = next(&work_rx) {
                    let staged = batch
                        .into_iter()
                        .map(|e| {
                            let s = rules.stage(&e);
                            (e, s)
                        })
                        .collect();
                    if done_tx.send((seq, staged)).is_err() {
                        break;
                    }
                }
            });
        }
        drop(done_tx);
        // Batches finish out of order; correlate them in input order.
        let mut pending: BTreeMap<u64, Vec<(Event, Staged)>> = BTreeMap::new();
        let mut expected = 0;
        for (seq, staged) in done_rx {
            pending.insert(seq, staged);
            while let Some(batch) = pending.remove(&expected) {
                for (event, staged) in batch {
                    let raised = detector.absorb(&event, staged);
                    if !raised.is_empty() {
                        sink(&event, raised);
                    }
                }
                expected += 1;
            }
        }
    });
}

fn next<T>(rx: &Mutex<Receiver<T>>) -> Option<T> {
    rx.lock().unwrap_or_else(|e| e.into_inner()).recv().ok()
}

/// What [`bench`] measured.
#[derive(Debug, Clone, Copy, PartialEq, serde::Serialize)]
pub struct BenchReport {
    /// Events evaluated (the input length times the rounds).
    pub events: u64,
    /// (event, rule) matches found.
    pub matches: u64,
    /// Wall time the evaluation took.
    pub elapsed: Duration,
    /// `events` over `elapsed`; 0 when no time was measured.
    pub events_per_second: f64,
}

/// Evaluation alone (routing, prefilter, matching; no alerts, no
/// correlation) of `events`, `rounds` times over, on the calling thread:
/// the figure `safecare bench detect` reports, comparable to the criterion
/// bench's `evaluate/prefilter`.
pub fn bench(rules: &RuleSet, events: &[Event], rounds: usize) -> BenchReport {
    let start = Instant::now();
    let mut matches = 0u64;
    for _ in 0..rounds.max(1) {
        for event in events {
            matches += rules.matches(std::hint::black_box(event)).len() as u64;
        }
    }
    let elapsed = start.elapsed();
    let events = (events.len() * rounds.max(1)) as u64;
    let secs = elapsed.as_secs_f64();
    BenchReport { events, matches, elapsed, events_per_second: if secs > 0.0 { events as f64 / secs } else { 0.0 } }
}
