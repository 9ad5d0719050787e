//! The notification outbox on the embedded store.

use async_trait::async_trait;
use jiff::Timestamp;
use rusqlite::{Connection, Row, params};
use safecare_model::IncidentId;

use super::SqliteStore;
use super::codec::micros;
use crate::outbox::PENDING;
use crate::query::page_size;
use crate::{NotificationQuery, OutboxStore, Result, StoreError, StoredNotification};

const COLUMNS: &str = "key, incident, status, next_try, created, body";

fn incident_bytes(id: Option<IncidentId>) -> Option<Vec<u8>> {
    id.map(|id| id.0.as_bytes().to_vec())
}

/// A row as SQLite holds it: key, incident bytes, status, next try and
/// creation in microseconds, body.
type RawRow = (String, Option<Vec<u8>>, String, i64, i64, String);

fn from_row(row: &Row<'_>) -> rusqlite::Result<RawRow> {
    Ok((row.get(0)?, row.get(1)?, row.get(2)?, row.get(3)?, row.get(4)?, row.get(5)?))
}

fn decode(raw: RawRow) -> Result<StoredNotification> {
    let (key, incident, status, next_try, created, body) = raw;
    let time = |us: i64| {
        Timestamp::from_microsecond(us)
            .map_err(|e| StoreError::BadNotification { key: key.clone(), reason: e.to_string() })
    };
    let incident = match incident {
        None => None,
        Some(bytes) => Some(IncidentId(
            uuid::Uuid::from_slice(&bytes)
                .map_err(|e| StoreError::BadNotification { key: key.clone(), reason: e.to_string() })?,
        )),
    };
    Ok(StoredNotification { incident, status, next_try: time(next_try)?, created: time(created)?, body, key })
}

fn select(conn: &Connection, sql: &str, params: impl rusqlite::Params) -> Result<Vec<StoredNotification>> {
    let mut stmt = conn.prepare_cached(sql)?;
    let rows = stmt.query_map(params, from_row)?.collect::<rusqlite::Result<Vec<_>>>()?;
    rows.into_iter().map(decode).collect()
}

#[async_trait]
impl OutboxStore for SqliteStore {
    async fn outbox_insert(&self, rows: Vec<StoredNotification>) -> Result<Vec<String>> {
        if rows.is_empty() {
            return Ok(Vec::new());
        }
        let (reply, answer) = tokio::sync::oneshot::channel();
        let weight = rows.len();
        let job = move |conn: &Connection| {
            let mut stored = Vec::new();
            for row in rows {
                let n = conn.execute(
                    &format!("INSERT OR IGNORE INTO notifications ({COLUMNS}) VALUES (?1, ?2, ?3, ?4, ?5, ?6)"),
                    params![
                        row.key,
                        incident_bytes(row.incident),
                        row.status,
                        micros(row.next_try),
                        micros(row.created),
                        row.body
                    ],
                )?;
                if n == 1 {
                    stored.push(row.key);
                }
            }
            let count = stored.len();
            let _ = reply.send(stored);
            Ok(count)
        };
        self.write(weight, Box::new(job)).await?;
        answer.await.map_err(|_| StoreError::Closed)
    }

    async fn outbox_due(&self, now: Timestamp, limit: usize) -> Result<Vec<StoredNotification>> {
        let (now, limit) = (micros(now), i64::try_from(page_size(limit)).unwrap_or(100));
        self.read(move |conn| {
            select(
                conn,
                &format!(
                    "SELECT {COLUMNS} FROM notifications WHERE status = '{PENDING}' AND next_try <= ?1
                     ORDER BY next_try, seq LIMIT ?2"
                ),
                params![now, limit],
            )
        })
        .await
    }

    async fn outbox_update(&self, row: StoredNotification) -> Result<()> {
        let job = move |conn: &Connection| {
            let n = conn.execute(
                "UPDATE notifications SET status = ?2, next_try = ?3, body = ?4 WHERE key = ?1",
                params![row.key, row.status, micros(row.next_try), row.body],
            )?;
            if n == 0 {
                return Err(StoreError::UnknownNotification(row.key.clone()));
            }
            Ok(n)
        };
        self.write(1, Box::new(job)).await.map(drop)
    }

    async fn outbox_list(&self, query: NotificationQuery) -> Result<Vec<StoredNotification>> {
        let limit = i64::try_from(page_size(query.limit)).unwrap_or(100);
        let offset = i64::try_from(query.offset).unwrap_or(i64::MAX);
        self.read(move |conn| {
            select(
                conn,
                &format!(
                    "SELECT {COLUMNS} FROM notifications
                     WHERE (?1 IS NULL OR incident = ?1) AND (?2 IS NULL OR status = ?2)
                     ORDER BY seq DESC LIMIT ?3 OFFSET ?4"
                ),
                params![incident_bytes(query.incident), query.status, limit, offset],
            )
        })
        .await
    }
}
