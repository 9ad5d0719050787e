//! What the stages that follow a store log share: their position in it, the
//! bus's wake-ups, backing off after a store error, and the lag they
//! report.

use std::sync::Arc;
use std::time::Duration;

use safecare_bus::{Bus, Subscription};
use safecare_store::{Log, LogPage, Store, StoreError};

use super::progress::Progress;

/// What a stage that follows a store log reaches, and nothing more: the
/// store it reads and writes, the bus that wakes it and carries its output,
/// and where it reports its lag. The server hands it over from its state
/// (`FromRef`); a stage never holds the whole service state.
#[derive(Clone)]
pub struct StageIo {
    /// The store whose log the stage follows and where its output goes.
    pub store: Arc<dyn Store>,
    /// Wakes the stage and carries what it publishes.
    pub bus: Arc<dyn Bus>,
    /// Where the stage reports how far behind it is.
    pub progress: Progress,
}

/// How long a stage with nothing to do waits before looking at the store
/// without a wake-up (one lost, or records stored by another process).
const POLL: Duration = Duration::from_millis(500);
/// The longest wait before retrying after a store error.
const MAX_BACKOFF: Duration = Duration::from_secs(5);

/// The bus messages that tell a stage its log has grown. Their content is
/// not used: the log in the store is the one copy a stage reads.
pub struct Wakeups {
    subscription: Subscription,
}

impl Wakeups {
    pub fn new(subscription: Subscription) -> Self {
        Wakeups { subscription }
    }

    /// Drops the wake-ups already queued: the next read from the store
    /// covers them. The bus thus never holds ingest back; how far ingest
    /// may run ahead of a stage is bounded by its lag instead (see
    /// [`super::Progress::admit`]), in the store rather than in memory.
    pub fn consume(&mut self) {
        while self.subscription.try_recv().is_some() {}
    }

    /// Waits for a wake-up, at most `limit`.
    pub async fn wait(&mut self, limit: Duration) {
        tokio::select! {
            message = self.subscription.recv() => if message.is_none() {
                // The bus has closed: poll the store only.
                tokio::time::sleep(limit).await;
            },
            () = tokio::time::sleep(limit) => {}
        }
    }
}

/// A stage's place in the log it follows.
pub struct Follow {
    stage: &'static str,
    log: Log,
    position: u64,
    /// Store errors in a row, for the back-off.
    errors: u32,
    progress: Progress,
}

impl Follow {
    pub fn new(stage: &'static str, log: Log, position: u64, progress: Progress) -> Self {
        progress.record(stage, log, position, None);
        Follow { stage, log, position, errors: 0, progress }
    }

    /// The last position whose output is stored.
    pub fn position(&self) -> u64 {
        self.position
    }

    /// Moves past a batch whose output (and the checkpoint) is stored, and
    /// records the lag behind the log's head.
    pub async fn advance(&mut self, store: &dyn Store, to: u64) {
        self.position = to;
        self.errors = 0;
        let head = store.log_head(self.log).await.ok();
        self.progress.record(self.stage, self.log, to, head);
    }

    /// Goes back to a position whose output is stored, to handle what
    /// follows again.
    pub fn rewind(&mut self, to: u64) {
        self.position = to;
        self.progress.record(self.stage, self.log, to, None);
    }

    /// The records a read of the log after [`Follow::position`] gave, with
    /// the last position read; `None` when there was nothing new or the
    /// read failed (logged and counted; the stage backs off).
    pub async fn page<T>(
        &mut self,
        read: impl Future<Output = Result<LogPage<T>, StoreError>>,
    ) -> Option<(Vec<(u64, T)>, u64)> {
        match read.await {
            Ok(LogPage { records, last }) => last.map(|last| (records, last)),
            Err(err) => {
                self.failed(&err, "cannot read the log");
                None
            }
        }
    }

    /// Logs and counts a failed step; the stage backs off before retrying.
    pub fn failed(&mut self, err: &dyn std::fmt::Display, what: &str) {
        self.errors = self.errors.saturating_add(1);
        tracing::error!(stage = self.stage, err = %err, "{what}");
        metrics::counter!("safecare_stage_errors_total", "stage" => self.stage).increment(1);
    }

    /// How long to wait when a step did nothing: a poll interval when the
    /// log was simply caught up, a growing back-off after errors.
    pub fn retry_after(&self) -> Duration {
        if self.errors == 0 {
            POLL
        } else {
            (Duration::from_millis(100) * 2u32.saturating_pow(self.errors.min(8))).min(MAX_BACKOFF)
        }
    }
}
