//! Per-source health: what the API shows for each configured source.

use std::collections::BTreeMap;
use std::sync::{Arc, Mutex, PoisonError};

use safecare_model::Timestamp;
use serde::{Deserialize, Serialize};

/// The most recent failure of a source.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct LastError {
    /// When it happened.
    pub time: Timestamp,
    /// Its short name (as counted in `errors_by_kind`).
    pub kind: String,
    /// Its message.
    pub message: String,
}

/// A snapshot of one source's counters.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct SourceHealth {
    /// The source name.
    pub source: String,
    /// When counting started (the listener's start), for rates.
    pub started: Timestamp,
    /// Events decoded.
    pub events: u64,
    /// Records refused and transport failures.
    pub errors: u64,
    /// Error counts by [`crate::DecodeError::kind`] (and transport kinds
    /// such as `frame_too_large`).
    pub errors_by_kind: BTreeMap<String, u64>,
    /// The latest event time seen.
    pub last_event: Option<Timestamp>,
    /// The latest failure.
    pub last_error: Option<LastError>,
    /// Connections accepted (TCP, TLS) or (re)established (MQTT).
    pub connections: u64,
}

impl SourceHealth {
    /// Mean events per second since `started`.
    pub fn events_per_second(&self, now: Timestamp) -> f64 {
        let secs = now.duration_since(self.started).as_secs_f64();
        if secs > 0.0 { self.events as f64 / secs } else { 0.0 }
    }
}

/// Shared, cheaply cloned counters that listeners update.
#[derive(Debug, Clone)]
pub struct SourceStats {
    inner: Arc<Mutex<SourceHealth>>,
}

impl SourceStats {
    /// Zeroed counters for `source`, counting from now.
    pub fn new(source: impl Into<String>) -> Self {
        let health = SourceHealth {
            source: source.into(),
            started: Timestamp::now(),
            events: 0,
            errors: 0,
            errors_by_kind: BTreeMap::new(),
            last_event: None,
            last_error: None,
            connections: 0,
        };
        SourceStats { inner: Arc::new(Mutex::new(health)) }
    }

    // A panic while holding the lock cannot leave the counters invalid, so
    // a poisoned lock is used as is rather than spreading the panic.
    fn with<R>(&self, f: impl FnOnce(&mut SourceHealth) -> R) -> R {
        let mut guard = self.inner.lock().unwrap_or_else(PoisonError::into_inner);
        f(&mut guard)
    }

    /// Counts an event that occurred at `at`.
    pub fn record_event(&self, at: Timestamp) {
        self.with(|h| {
            h.events += 1;
            h.last_event = Some(h.last_event.map_or(at, |t| t.max(at)));
        });
    }

    /// Counts a failure of `kind` and keeps it as the latest.
    pub fn record_error(&self, kind: &str, message: impl Into<String>) {
        let message = message.into();
        self.with(|h| {
            h.errors += 1;
            *h.errors_by_kind.entry(kind.to_owned()).or_default() += 1;
            h.last_error = Some(LastError { time: Timestamp::now(), kind: kind.to_owned(), message });
        });
    }

    /// Counts an accepted or re-established connection.
    pub fn record_connection(&self) {
        self.with(|h| h.connections += 1);
    }

    /// A copy of the counters now.
    pub fn snapshot(&self) -> SourceHealth {
        self.with(|h| h.clone())
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn counts_events_and_errors_by_kind() {
        let stats = SourceStats::new("syslog-udp");
        let t1: Timestamp = "2026-01-05T10:00:00Z".parse().unwrap();
        let t0: Timestamp = "2026-01-05T09:00:00Z".parse().unwrap();
        stats.record_event(t1);
        stats.clone().record_event(t0);
        stats.record_error("missing_pri", "line does not start with <PRI>");
        stats.record_error("missing_pri", "again");
        stats.record_error("invalid_utf8", "bad");
        let h = stats.snapshot();
        assert_eq!(h.events, 2);
        assert_eq!(h.last_event, Some(t1));
        assert_eq!(h.errors, 3);
        assert_eq!(h.errors_by_kind["missing_pri"], 2);
        assert_eq!(h.last_error.unwrap().kind, "invalid_utf8");
        assert!(stats.snapshot().events_per_second(Timestamp::now()) >= 0.0);
    }
}
