//! The store's ordered logs: events and alerts, each record at a position
//! that only grows (with gaps where a retried record was skipped), and how far each stage that reads them has got.
//!
//! Stages after the store (detection, incident grouping) read a log from
//! their checkpoint and move the checkpoint in the same transaction as
//! their output, so a crash at any point leaves either both or neither,
//! and a restart resumes where the durable output ends.

/// One of the store's ordered logs.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Log {
    /// Events, in the order they were stored.
    Events,
    /// Alerts, in the order they were first stored (an update keeps its
    /// position).
    Alerts,
}

impl Log {
    pub(crate) fn table(self) -> &'static str {
        match self {
            Log::Events => "events",
            Log::Alerts => "alerts",
        }
    }
}

/// How far a stage has got in a log: every record up to and including
/// `position` is handled and its output stored.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Checkpoint {
    /// The stage's name, unique per stage.
    pub stage: String,
    /// The last log position the stage has finished.
    pub position: u64,
}

impl Checkpoint {
    /// A checkpoint of `stage` at `position`.
    pub fn new(stage: impl Into<String>, position: u64) -> Self {
        Checkpoint { stage: stage.into(), position }
    }

    /// The state key a stage's checkpoint is kept under.
    pub(crate) fn key(stage: &str) -> String {
        format!("cursor.{stage}")
    }
}

/// Records read from a log after some position.
#[derive(Debug, Clone, PartialEq)]
pub struct LogPage<T> {
    /// The records, in log order, with their positions.
    pub records: Vec<(u64, T)>,
    /// The last position read, including records that could not be decoded
    /// (logged and counted, and skipped so they cannot wedge a stage); the
    /// position a stage that handled this page may move its checkpoint to.
    /// `None` when nothing was read.
    pub last: Option<u64>,
}
