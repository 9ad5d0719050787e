//! What removing an exercise run took away.

use serde::Serialize;

/// How many records of each kind an exercise run's removal deleted.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq, Serialize)]
pub struct ExerciseRemoved {
    /// Events sent as part of the run.
    pub events: u64,
    /// Alerts those events raised.
    pub alerts: u64,
    /// Incidents the run opened.
    pub incidents: u64,
    /// Notifications and CAP messages about those incidents.
    pub messages: u64,
}
