//! Test events written as compact JSON cases.

use std::path::PathBuf;

use safecare_model::{Domain, Event, Location, Logsource, Timestamp};
use serde::Deserialize;
use serde_json::{Map, Value};

/// One event of a case; `t` is seconds after the case's start, and
/// `repeat`/`step` make a burst of identical events.
#[derive(Debug, Clone, Deserialize)]
pub struct CaseEvent {
    pub domain: Domain,
    #[serde(default)]
    pub logsource: Logsource,
    #[serde(default)]
    pub location: Location,
    #[serde(default)]
    pub asset: Option<String>,
    #[serde(default)]
    pub fields: Map<String, Value>,
    #[serde(default)]
    pub t: f64,
    #[serde(default)]
    pub repeat: Option<usize>,
    #[serde(default)]
    pub step: f64,
}

/// The rule pack shipped in the repository.
pub fn pack_dir() -> PathBuf {
    PathBuf::from(env!("CARGO_MANIFEST_DIR")).join("../../content/rules/hospital")
}

pub fn start() -> Timestamp {
    "2026-11-28T02:00:00Z".parse().expect("valid time")
}

/// Expands case events into model events, in time order of the case.
pub fn events(case: &[CaseEvent]) -> Vec<Event> {
    let mut out = Vec::new();
    for c in case {
        for i in 0..c.repeat.unwrap_or(1) {
            let offset = c.t + c.step * i as f64;
            let time = start() + jiff::SignedDuration::from_secs_f64(offset);
            let mut event = Event::new("test", c.domain, time, "");
            event.logsource = c.logsource.clone();
            event.location = c.location.clone();
            event.asset = c.asset.clone().map(Into::into);
            event.fields = c.fields.clone();
            out.push(event);
        }
    }
    out
}
