//! The availability history on the embedded store.

use async_trait::async_trait;
use jiff::Timestamp;
use rusqlite::{Connection, Row, params};

use super::SqliteStore;
use super::codec::micros;
use crate::query::page_size;
use crate::{AvailabilityStore, Result, StoreError, StoredAvailabilityChange};

const COLUMNS: &str = "seq, service, kind, at, body";

type RawRow = (i64, String, String, i64, String);

fn from_row(row: &Row<'_>) -> rusqlite::Result<RawRow> {
    Ok((row.get(0)?, row.get(1)?, row.get(2)?, row.get(3)?, row.get(4)?))
}

fn decode(raw: RawRow) -> Result<StoredAvailabilityChange> {
    let (seq, service, kind, at, body) = raw;
    let at = Timestamp::from_microsecond(at)
        .map_err(|e| StoreError::BadAvailabilityChange { seq, reason: e.to_string() })?;
    let seq = u64::try_from(seq).map_err(|e| StoreError::BadAvailabilityChange { seq, reason: e.to_string() })?;
    Ok(StoredAvailabilityChange { seq, service, kind, at, body })
}

fn select(conn: &Connection, sql: &str, params: impl rusqlite::Params) -> Result<Vec<StoredAvailabilityChange>> {
    let mut stmt = conn.prepare_cached(sql)?;
    let rows = stmt.query_map(params, from_row)?.collect::<rusqlite::Result<Vec<_>>>()?;
    rows.into_iter().map(decode).collect()
}

#[async_trait]
impl AvailabilityStore for SqliteStore {
    async fn availability_append(&self, entries: Vec<StoredAvailabilityChange>) -> Result<()> {
        let n = entries.len();
        let job = move |conn: &Connection| {
            let mut stmt = conn
                .prepare_cached("INSERT INTO availability_history (service, kind, at, body) VALUES (?1, ?2, ?3, ?4)")?;
            for e in &entries {
                stmt.execute(params![e.service, e.kind, micros(e.at), e.body])?;
            }
            Ok(entries.len())
        };
        self.write(n, Box::new(job)).await.map(drop)
    }

    async fn availability_history(
        &self,
        service: Option<String>,
        limit: usize,
    ) -> Result<Vec<StoredAvailabilityChange>> {
        let limit = i64::try_from(page_size(limit)).unwrap_or(100);
        self.read(move |conn| {
            select(
                conn,
                &format!(
                    "SELECT {COLUMNS} FROM availability_history WHERE (?1 IS NULL OR service = ?1)
                     ORDER BY seq DESC LIMIT ?2"
                ),
                params![service, limit],
            )
        })
        .await
    }

    async fn availability_latest(&self) -> Result<Vec<StoredAvailabilityChange>> {
        self.read(move |conn| {
            select(
                conn,
                &format!(
                    "SELECT {COLUMNS} FROM availability_history WHERE seq IN
                     (SELECT max(seq) FROM availability_history GROUP BY service, kind) ORDER BY seq"
                ),
                [],
            )
        })
        .await
    }
}
