//! How far behind the head of its log each stage is: exported as metrics,
//! shown in the sources view and `/healthz`, and what ingest checks before
//! taking more in.

use std::collections::BTreeMap;
use std::sync::{Arc, Mutex};

use safecare_store::{Log, Store};
use serde::Serialize;

/// Each stage's last recorded position and the head it last saw.
#[derive(Clone, Default)]
pub struct Progress {
    stages: Arc<Mutex<BTreeMap<&'static str, Place>>>,
}

#[derive(Debug, Clone, Copy)]
struct Place {
    log: Log,
    position: u64,
    head: u64,
}

/// Why ingest is refused for now: a stage is too far behind.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
#[error("the {stage} stage is {behind} records behind (limit {limit}); retry after {retry_after} s")]
pub struct Busy {
    pub stage: &'static str,
    pub behind: u64,
    pub limit: u64,
    /// Whole seconds to wait, for `Retry-After`.
    pub retry_after: u64,
}

/// One stage's lag, for the API.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct StageLag {
    pub stage: String,
    /// The log it reads: `events` or `alerts`.
    pub log: &'static str,
    /// The last position whose output is stored.
    pub position: u64,
    /// The log's last position.
    pub head: u64,
    /// Records stored but not yet handled by the stage.
    pub behind: u64,
}

fn log_name(log: Log) -> &'static str {
    match log {
        Log::Events => "events",
        Log::Alerts => "alerts",
    }
}

impl Progress {
    /// Records a stage's position, and the log's head when known.
    pub fn record(&self, stage: &'static str, log: Log, position: u64, head: Option<u64>) {
        let Ok(mut stages) = self.stages.lock() else { return };
        let place = stages.entry(stage).or_insert(Place { log, position, head: position });
        place.position = position;
        place.head = head.unwrap_or(place.head).max(position);
        let behind = place.head - position;
        metrics::gauge!("safecare_stage_position", "stage" => stage).set(position as f64);
        metrics::gauge!("safecare_stage_lag", "stage" => stage).set(behind as f64);
    }

    /// Counts records newly appended to `log`, so that the lag ingest
    /// checks grows at once, not only when a stage next looks at the head.
    pub fn appended(&self, log: Log, n: u64) {
        let Ok(mut stages) = self.stages.lock() else { return };
        for place in stages.values_mut().filter(|p| p.log == log) {
            place.head += n;
        }
    }

    /// Whether ingest may take more in: no stage more than `limit` records
    /// behind. The wait suggested grows with how far over the limit it is.
    pub fn admit(&self, limit: u64) -> Result<(), Busy> {
        let Ok(stages) = self.stages.lock() else { return Ok(()) };
        let worst = stages.iter().map(|(stage, p)| (*stage, p.head - p.position)).max_by_key(|(_, behind)| *behind);
        match worst {
            Some((stage, behind)) if behind > limit => {
                let retry_after = (behind / limit.max(1)).clamp(1, 30);
                metrics::counter!("safecare_ingest_busy_total", "stage" => stage).increment(1);
                Err(Busy { stage, behind, limit, retry_after })
            }
            _ => Ok(()),
        }
    }

    /// How many records `stage` had left to handle when it last looked.
    pub fn behind(&self, stage: &str) -> u64 {
        self.stages.lock().ok().and_then(|s| s.get(stage).map(|p| p.head - p.position)).unwrap_or(0)
    }

    /// Every stage's lag, with the heads read from the store now (a stage
    /// that is stuck does not look at the head itself).
    pub async fn lag(&self, store: &dyn Store) -> Vec<StageLag> {
        let places: Vec<(&'static str, Place)> =
            self.stages.lock().map(|s| s.iter().map(|(k, v)| (*k, *v)).collect()).unwrap_or_default();
        let mut out = Vec::with_capacity(places.len());
        for (stage, place) in places {
            let head = store.log_head(place.log).await.unwrap_or(place.head).max(place.position);
            metrics::gauge!("safecare_stage_lag", "stage" => stage).set((head - place.position) as f64);
            out.push(StageLag {
                stage: stage.to_owned(),
                log: log_name(place.log),
                position: place.position,
                head,
                behind: head - place.position,
            });
        }
        out
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn lag_is_head_minus_position_and_never_negative() {
        let progress = Progress::default();
        assert_eq!(progress.behind("detection"), 0);
        progress.record("detection", Log::Events, 10, Some(250));
        assert_eq!(progress.behind("detection"), 240);
        // A later record without a head keeps the head seen before.
        progress.record("detection", Log::Events, 200, None);
        assert_eq!(progress.behind("detection"), 50);
        progress.record("detection", Log::Events, 300, None);
        assert_eq!(progress.behind("detection"), 0);
    }

    #[test]
    fn ingest_is_refused_while_a_stage_is_past_the_limit_and_admitted_after() {
        let progress = Progress::default();
        assert!(progress.admit(100).is_ok(), "no stage yet");
        progress.record("detection", Log::Events, 0, Some(0));
        progress.record("incidents", Log::Alerts, 0, Some(0));
        progress.appended(Log::Events, 100);
        assert!(progress.admit(100).is_ok());
        progress.appended(Log::Events, 250);
        let busy = progress.admit(100).unwrap_err();
        assert_eq!((busy.stage, busy.behind, busy.retry_after), ("detection", 350, 3));
        assert_eq!(progress.behind("incidents"), 0, "another log's stage is not behind");
        progress.record("detection", Log::Events, 300, None);
        assert!(progress.admit(100).is_ok());
    }
}
