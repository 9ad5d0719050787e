//! The embedded store: one SQLite file in WAL mode, one writer thread doing
//! group commits, a small pool of read connections.

mod accounts;
mod availability;
mod cap;
mod codec;
mod exercise;
mod outbox;
mod privacy;
mod read;
mod schema;
mod search;
mod searches;
mod writer;

use std::path::{Path, PathBuf};
use std::sync::Mutex;
use std::thread::JoinHandle;

use async_trait::async_trait;
use jiff::{SignedDuration, Timestamp};
use rusqlite::Connection;
use safecare_model::{Alert, AlertId, Asset, Event, EventId, IncidentId, Relation, Severity};
use serde::{Deserialize, Serialize};
use tokio::sync::{mpsc, oneshot};

use crate::{
    AlertQuery, Checkpoint, EventPage, EventQuery, IncidentQuery, Log, LogPage, Result, SourceActivity, Store,
    StoreError, StoredIncident,
};
use writer::{Command, WriteFn};

/// How hard a commit insists on reaching the disk.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default, Serialize, Deserialize)]
#[serde(rename_all = "lowercase")]
pub enum Durability {
    /// fsync on every commit: an acknowledged write survives a power cut.
    #[default]
    Full,
    /// fsync at checkpoints only: survives a crash of SafeCare, may lose the
    /// last commits on a power cut; faster on slow disks.
    Normal,
}

impl Durability {
    fn pragma(self) -> &'static str {
        match self {
            Durability::Full => "FULL",
            Durability::Normal => "NORMAL",
        }
    }
}

/// Settings of the embedded store.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(default, deny_unknown_fields)]
pub struct SqliteConfig {
    /// How hard a write is pushed to disk before it counts as stored.
    pub durability: Durability,
    /// Run SQLite's quick integrity check when opening an existing file
    /// (reads the whole file once; turn off for very large stores).
    pub check_on_start: bool,
    /// Read connections kept open for queries.
    pub readers: usize,
}

impl Default for SqliteConfig {
    fn default() -> Self {
        SqliteConfig { durability: Durability::Full, check_on_start: true, readers: 4 }
    }
}

/// The embedded SQLite [`Store`].
pub struct SqliteStore {
    path: PathBuf,
    writer: mpsc::Sender<Command>,
    writer_thread: Mutex<Option<JoinHandle<()>>>,
    readers: Mutex<Vec<Connection>>,
    max_readers: usize,
}

impl SqliteStore {
    /// Opens the database file at `path`, creating it when missing.
    ///
    /// Fails with a specific error when the file is not a SafeCare database,
    /// is corrupt, or was written by a newer SafeCare.
    pub fn open(path: impl AsRef<Path>, config: &SqliteConfig) -> Result<Self> {
        let path = path.as_ref().to_owned();
        let conn = schema::open_writer(&path, config.durability, config.check_on_start)?;
        let (writer, thread) = writer::spawn(conn).map_err(StoreError::Writer)?;
        Ok(SqliteStore {
            path,
            writer,
            writer_thread: Mutex::new(Some(thread)),
            readers: Mutex::new(Vec::new()),
            max_readers: config.readers.max(1),
        })
    }

    /// The database file.
    pub fn path(&self) -> &Path {
        &self.path
    }

    async fn stop_writer(&self) {
        // Stop is queued behind every write sent before it.
        let _ = self.writer.send(Command::Stop).await;
        let handle = self.writer_thread.lock().ok().and_then(|mut h| h.take());
        if let Some(handle) = handle {
            let _ = tokio::task::spawn_blocking(move || handle.join()).await;
        }
    }

    async fn write(&self, weight: usize, job: WriteFn) -> Result<usize> {
        let (reply, answer) = oneshot::channel();
        self.writer.send(Command::Write { job, weight, reply }).await.map_err(|_| StoreError::Closed)?;
        answer.await.map_err(|_| StoreError::Closed)?
    }

    async fn read<T, F>(&self, f: F) -> Result<T>
    where
        T: Send + 'static,
        F: FnOnce(&Connection) -> Result<T> + Send + 'static,
    {
        let pooled = self.readers.lock().ok().and_then(|mut pool| pool.pop());
        let conn = match pooled {
            Some(conn) => conn,
            None => schema::open_reader(&self.path)?,
        };
        let (conn, result) = tokio::task::spawn_blocking(move || {
            let result = f(&conn);
            (conn, result)
        })
        .await
        .map_err(StoreError::ReadTask)?;
        if let Ok(mut pool) = self.readers.lock()
            && pool.len() < self.max_readers
        {
            pool.push(conn);
        }
        result
    }
}

#[async_trait]
impl Store for SqliteStore {
    async fn append_events(&self, events: Vec<Event>) -> Result<usize> {
        if events.is_empty() {
            return Ok(0);
        }
        let weight = events.len();
        let new = self.write(weight, Box::new(move |conn| codec::insert_events(conn, &events))).await?;
        metrics::counter!("safecare_store_events_written_total").increment(new as u64);
        Ok(new)
    }

    async fn query_events(&self, query: EventQuery) -> Result<EventPage> {
        self.read(move |conn| read::query_events(conn, &query)).await
    }

    async fn get_event(&self, id: EventId) -> Result<Option<Event>> {
        self.read(move |conn| read::get_by_id(conn, "events", id.0.as_bytes())).await
    }

    async fn count_events(&self) -> Result<u64> {
        self.read(read::count_events).await
    }

    async fn event_histogram(&self, query: EventQuery, bucket: SignedDuration) -> Result<Vec<(Timestamp, u64)>> {
        let (Some(from), Some(to)) = (query.from, query.to) else {
            return Err(StoreError::InvalidQuery("a histogram needs both ends of its range".into()));
        };
        let (from_us, to_us) = (from.as_microsecond(), to.as_microsecond());
        let bucket_us = i64::try_from(bucket.as_micros()).unwrap_or(i64::MAX);
        let counts = self.read(move |conn| search::histogram(conn, &query, from_us, to_us, bucket_us)).await?;
        Ok(counts
            .into_iter()
            .zip(0i64..)
            .filter_map(|(n, i)| Timestamp::from_microsecond(from_us + i * bucket_us).ok().map(|t| (t, n)))
            .collect())
    }

    async fn event_rate(&self, from: Timestamp, bucket: SignedDuration) -> Result<Vec<(Timestamp, u64)>> {
        let (from_us, bucket_us, now_us) =
            (from.as_microsecond(), bucket.as_micros() as i64, Timestamp::now().as_microsecond());
        let rows = self.read(move |conn| read::event_rate(conn, from_us, bucket_us, now_us)).await?;
        Ok(rows.into_iter().filter_map(|(t, n)| Timestamp::from_microsecond(t).ok().map(|t| (t, n))).collect())
    }

    async fn source_activity(&self, since: Timestamp) -> Result<Vec<SourceActivity>> {
        let since = since.as_microsecond();
        let rows = self.read(move |conn| read::source_activity(conn, since)).await?;
        Ok(rows
            .into_iter()
            .filter_map(|(source, events, last)| {
                Timestamp::from_microsecond(last).ok().map(|last_received| SourceActivity {
                    source,
                    events,
                    last_received,
                })
            })
            .collect())
    }

    async fn put_alerts(&self, alerts: Vec<Alert>) -> Result<()> {
        if alerts.is_empty() {
            return Ok(());
        }
        let weight = alerts.len();
        let job =
            move |conn: &Connection| alerts.iter().try_fold(0, |n, alert| Ok(n + codec::upsert_alert(conn, alert)?));
        self.write(weight, Box::new(job)).await.map(drop)
    }

    async fn get_alert(&self, id: AlertId) -> Result<Option<Alert>> {
        self.read(move |conn| read::get_by_id(conn, "alerts", id.0.as_bytes())).await
    }

    async fn list_alerts(&self, query: AlertQuery) -> Result<Vec<Alert>> {
        self.read(move |conn| read::list_alerts(conn, &query)).await
    }

    async fn put_incident(&self, incident: StoredIncident) -> Result<()> {
        self.write(1, Box::new(move |conn| codec::upsert_incident(conn, &incident))).await.map(drop)
    }

    async fn get_incident(&self, id: IncidentId) -> Result<Option<StoredIncident>> {
        self.read(move |conn| read::get_incident(conn, id.0.as_bytes())).await
    }

    async fn list_incidents(&self, query: IncidentQuery) -> Result<Vec<StoredIncident>> {
        self.read(move |conn| read::list_incidents(conn, &query)).await
    }

    async fn count_incidents(&self, query: IncidentQuery) -> Result<u64> {
        self.read(move |conn| read::count_incidents(conn, &query)).await
    }

    async fn open_incidents_by_severity(&self) -> Result<Vec<(Severity, u64)>> {
        let rows = self.read(read::open_incidents_by_severity).await?;
        Ok(rows.into_iter().filter_map(|(rank, n)| Severity::from_rank(rank).map(|s| (s, n))).collect())
    }

    async fn replace_inventory(&self, assets: Vec<Asset>, relations: Vec<Relation>) -> Result<()> {
        let weight = assets.len() + relations.len();
        self.write(weight, Box::new(move |conn| codec::replace_inventory(conn, &assets, &relations))).await.map(drop)
    }

    async fn list_assets(&self) -> Result<Vec<Asset>> {
        self.read(read::list_assets).await
    }

    async fn list_relations(&self) -> Result<Vec<Relation>> {
        self.read(read::list_relations).await
    }

    async fn events_after(&self, after: u64, limit: usize) -> Result<LogPage<Event>> {
        self.read(move |conn| read::log_after(conn, Log::Events, after, limit)).await
    }

    async fn alerts_after(&self, after: u64, limit: usize) -> Result<LogPage<Alert>> {
        self.read(move |conn| read::log_after(conn, Log::Alerts, after, limit)).await
    }

    async fn log_head(&self, log: Log) -> Result<u64> {
        self.read(move |conn| read::log_head(conn, log)).await
    }

    async fn checkpoint(&self, stage: &str) -> Result<Option<u64>> {
        let Some(value) = self.get_state(&Checkpoint::key(stage)).await? else { return Ok(None) };
        value
            .as_u64()
            .map(Some)
            .ok_or_else(|| StoreError::BadCheckpoint { stage: stage.to_owned(), value: value.to_string() })
    }

    async fn put_checkpoint(&self, checkpoint: Checkpoint) -> Result<()> {
        self.write(1, Box::new(move |conn| codec::put_checkpoint(conn, &checkpoint))).await.map(drop)
    }

    async fn insert_alerts(&self, alerts: Vec<Alert>, checkpoint: Checkpoint) -> Result<Vec<Alert>> {
        let (reply, answer) = oneshot::channel();
        let weight = alerts.len() + 1;
        let job = move |conn: &Connection| {
            let mut new = Vec::with_capacity(alerts.len());
            for alert in alerts {
                if codec::insert_alert(conn, &alert)? == 1 {
                    new.push(alert);
                }
            }
            codec::put_checkpoint(conn, &checkpoint)?;
            let stored = new.len();
            // The writer answers with a count; the new alerts go back beside it.
            let _ = reply.send(new);
            Ok(stored)
        };
        self.write(weight, Box::new(job)).await?;
        answer.await.map_err(|_| StoreError::Closed)
    }

    async fn put_incidents(&self, incidents: Vec<StoredIncident>, checkpoint: Checkpoint) -> Result<()> {
        let weight = incidents.len() + 1;
        let job = move |conn: &Connection| {
            for incident in &incidents {
                codec::upsert_incident(conn, incident)?;
            }
            codec::put_checkpoint(conn, &checkpoint)?;
            Ok(incidents.len())
        };
        self.write(weight, Box::new(job)).await.map(drop)
    }

    async fn delete_exercise(&self, run: &str) -> Result<crate::ExerciseRemoved> {
        let run = run.to_owned();
        let removed = std::sync::Arc::new(Mutex::new(crate::ExerciseRemoved::default()));
        let out = removed.clone();
        self.write(
            1,
            Box::new(move |conn| {
                let counts = exercise::delete_run(conn, &run)?;
                if let Ok(mut slot) = out.lock() {
                    *slot = counts;
                }
                Ok(0)
            }),
        )
        .await?;
        Ok(removed.lock().map(|r| *r).unwrap_or_default())
    }

    async fn put_state(&self, key: &str, value: serde_json::Value) -> Result<()> {
        let key = key.to_owned();
        self.write(1, Box::new(move |conn| codec::put_state(conn, &key, &value))).await.map(drop)
    }

    async fn get_state(&self, key: &str) -> Result<Option<serde_json::Value>> {
        let key = key.to_owned();
        self.read(move |conn| read::get_state(conn, &key)).await
    }

    /// Later writes fail with [`StoreError::Closed`]; reads still work.
    async fn close(&self) {
        self.stop_writer().await;
    }
}
