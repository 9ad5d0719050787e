//! The single writer: one thread owns the write connection and commits
//! whatever jobs are waiting in one transaction (group commit).
//!
//! SQLite allows one writer at a time; funnelling every write through one
//! thread turns many small durable writes into few fsyncs, which is where
//! ingest throughput comes from. Each job runs under its own savepoint, so
//! one failing job (say, a record that cannot be encoded) does not take the
//! other jobs of its transaction down with it.

use std::thread::JoinHandle;
use std::time::Instant;

use rusqlite::Connection;
use tokio::sync::mpsc::{Receiver, Sender, channel};
use tokio::sync::oneshot;

use crate::StoreError;

/// A write to run inside the writer's transaction; returns rows written.
pub(crate) type WriteFn = Box<dyn FnOnce(&Connection) -> Result<usize, StoreError> + Send>;

pub(crate) enum Command {
    Write { job: WriteFn, weight: usize, reply: oneshot::Sender<Result<usize, StoreError>> },
    Stop,
}

/// How many jobs may wait for the writer before senders wait in turn: the
/// store's share of the pipeline's backpressure.
const QUEUE: usize = 256;

/// Rows one transaction aims at before it commits and starts another.
const BATCH_ROWS: usize = 20_000;

pub(crate) fn spawn(conn: Connection) -> std::io::Result<(Sender<Command>, JoinHandle<()>)> {
    let (tx, rx) = channel(QUEUE);
    let handle = std::thread::Builder::new().name("safecare-store-writer".into()).spawn(move || run(conn, rx))?;
    Ok((tx, handle))
}

fn run(conn: Connection, mut rx: Receiver<Command>) {
    let mut stopping = false;
    while !stopping {
        let Some(first) = rx.blocking_recv() else { break };
        let mut batch = Vec::new();
        let mut rows = 0;
        let mut next = Some(first);
        while let Some(command) = next.take() {
            match command {
                Command::Stop => stopping = true,
                Command::Write { job, weight, reply } => {
                    rows += weight;
                    batch.push((job, reply));
                }
            }
            if stopping || rows >= BATCH_ROWS {
                break;
            }
            // Empty or disconnected both mean: commit what we have.
            next = rx.try_recv().ok();
        }
        if !batch.is_empty() {
            commit(&conn, batch, rows);
        }
    }
    // Leave a compact file behind: fold the WAL into the database on exit.
    if let Err(err) = conn.execute_batch("PRAGMA wal_checkpoint(TRUNCATE)") {
        tracing::warn!(%err, "final WAL checkpoint failed");
    }
    tracing::debug!("store writer stopped");
}

type Pending = (WriteFn, oneshot::Sender<Result<usize, StoreError>>);

fn commit(conn: &Connection, batch: Vec<Pending>, rows: usize) {
    let started = Instant::now();
    let mut results = Vec::with_capacity(batch.len());
    let mut replies = Vec::with_capacity(batch.len());
    let outcome = (|| -> Result<(), StoreError> {
        conn.execute_batch("BEGIN IMMEDIATE")?;
        for (job, reply) in batch {
            conn.execute_batch("SAVEPOINT job")?;
            let result = job(conn);
            conn.execute_batch(if result.is_ok() { "RELEASE job" } else { "ROLLBACK TO job; RELEASE job" })?;
            results.push(result);
            replies.push(reply);
        }
        conn.execute_batch("COMMIT")?;
        Ok(())
    })();
    match outcome {
        Ok(()) => {
            metrics::histogram!("safecare_store_commit_seconds").record(started.elapsed().as_secs_f64());
            metrics::histogram!("safecare_store_commit_rows").record(rows as f64);
            for (reply, result) in replies.into_iter().zip(results) {
                // A caller that gave up waiting is no reason to fail the others.
                let _ = reply.send(result);
            }
        }
        Err(err) => {
            tracing::error!(%err, "store transaction failed; rolling back");
            let _ = conn.execute_batch("ROLLBACK");
            metrics::counter!("safecare_store_commit_failures_total").increment(1);
            let err = std::sync::Arc::new(err);
            for reply in replies {
                let _ = reply.send(Err(StoreError::Transaction(err.clone())));
            }
        }
    }
}
