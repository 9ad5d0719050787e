//! CAP messages on the embedded store.

use async_trait::async_trait;
use jiff::Timestamp;
use rusqlite::{Connection, Row, params};
use safecare_model::IncidentId;

use super::SqliteStore;
use super::codec::micros;
use crate::query::page_size;
use crate::{CapStore, Result, StoreError, StoredCapMessage};

const COLUMNS: &str = "identifier, incident, state, created, body";

type RawRow = (String, Vec<u8>, String, i64, String);

fn from_row(row: &Row<'_>) -> rusqlite::Result<RawRow> {
    Ok((row.get(0)?, row.get(1)?, row.get(2)?, row.get(3)?, row.get(4)?))
}

fn decode(raw: RawRow) -> Result<StoredCapMessage> {
    let (identifier, incident, state, created, body) = raw;
    let bad = |reason: String| StoreError::BadCapMessage { identifier: identifier.clone(), reason };
    let incident = IncidentId(uuid::Uuid::from_slice(&incident).map_err(|e| bad(e.to_string()))?);
    let created = Timestamp::from_microsecond(created).map_err(|e| bad(e.to_string()))?;
    Ok(StoredCapMessage { incident, state, created, body, identifier })
}

fn select(conn: &Connection, sql: &str, params: impl rusqlite::Params) -> Result<Vec<StoredCapMessage>> {
    let mut stmt = conn.prepare_cached(sql)?;
    let rows = stmt.query_map(params, from_row)?.collect::<rusqlite::Result<Vec<_>>>()?;
    rows.into_iter().map(decode).collect()
}

#[async_trait]
impl CapStore for SqliteStore {
    async fn cap_put(&self, m: StoredCapMessage) -> Result<()> {
        let job = move |conn: &Connection| {
            let n = conn.execute(
                &format!(
                    "INSERT INTO cap_messages ({COLUMNS}) VALUES (?1, ?2, ?3, ?4, ?5)
                     ON CONFLICT(identifier) DO UPDATE SET state = excluded.state, body = excluded.body"
                ),
                params![m.identifier, m.incident.0.as_bytes().to_vec(), m.state, micros(m.created), m.body],
            )?;
            Ok(n)
        };
        self.write(1, Box::new(job)).await.map(drop)
    }

    async fn cap_of_incident(&self, incident: IncidentId) -> Result<Vec<StoredCapMessage>> {
        let id = incident.0.as_bytes().to_vec();
        self.read(move |conn| {
            select(conn, &format!("SELECT {COLUMNS} FROM cap_messages WHERE incident = ?1 ORDER BY seq"), params![id])
        })
        .await
    }

    async fn cap_latest(&self, state: Option<String>, limit: usize) -> Result<Vec<StoredCapMessage>> {
        let limit = i64::try_from(page_size(limit)).unwrap_or(100);
        self.read(move |conn| {
            select(
                conn,
                &format!(
                    "SELECT {COLUMNS} FROM cap_messages WHERE (?1 IS NULL OR state = ?1) ORDER BY seq DESC LIMIT ?2"
                ),
                params![state, limit],
            )
        })
        .await
    }
}
