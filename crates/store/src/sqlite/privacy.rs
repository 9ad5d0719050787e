//! Vault, audit chain and retention on the embedded store.

use async_trait::async_trait;
use jiff::Timestamp;
use rusqlite::{Connection, OptionalExtension, params};

use super::SqliteStore;
use super::codec::micros;
use crate::{Expiring, PrivacyStore, Result, StoreError};

/// The table and the condition under which a record of `kind` is older
/// than the cut-off `?1`.
fn expiry(kind: Expiring) -> (&'static str, &'static str) {
    match kind {
        Expiring::Events => ("events", "time < ?1"),
        Expiring::Alerts => ("alerts", "time < ?1"),
        Expiring::Incidents => ("incidents", "updated < ?1 AND status IN ('resolved', 'closed')"),
        Expiring::VaultEntries => ("vault", "created < ?1"),
    }
}

fn purge(conn: &Connection, kind: Expiring, cutoff: i64) -> Result<usize> {
    if kind == Expiring::Events {
        // The free-text index is keyed by the events' rowids.
        conn.execute("DELETE FROM events_text WHERE rowid IN (SELECT seq FROM events WHERE time < ?1)", [cutoff])?;
    }
    let (table, condition) = expiry(kind);
    Ok(conn.execute(&format!("DELETE FROM {table} WHERE {condition}"), [cutoff])?)
}

fn json(value: &serde_json::Value) -> Result<String> {
    Ok(serde_json::to_string(value)?)
}

#[async_trait]
impl PrivacyStore for SqliteStore {
    async fn vault_insert(&self, token: &str, created: Timestamp, entry: serde_json::Value) -> Result<bool> {
        let token = token.to_owned();
        let body = json(&entry)?;
        let n = self
            .write(
                1,
                Box::new(move |conn| {
                    Ok(conn.execute(
                        "INSERT OR IGNORE INTO vault (token, created, body) VALUES (?1, ?2, ?3)",
                        params![token, micros(created), body],
                    )?)
                }),
            )
            .await?;
        Ok(n == 1)
    }

    async fn vault_insert_many(&self, entries: Vec<(String, Timestamp, serde_json::Value)>) -> Result<usize> {
        let rows = entries
            .into_iter()
            .map(|(token, created, entry)| Ok((token, micros(created), json(&entry)?)))
            .collect::<Result<Vec<_>>>()?;
        let weight = rows.len();
        self.write(
            weight,
            Box::new(move |conn| {
                let mut insert =
                    conn.prepare_cached("INSERT OR IGNORE INTO vault (token, created, body) VALUES (?1, ?2, ?3)")?;
                let mut stored = 0;
                for (token, created, body) in &rows {
                    stored += insert.execute(params![token, created, body])?;
                }
                Ok(stored)
            }),
        )
        .await
    }

    async fn vault_get(&self, token: &str) -> Result<Option<serde_json::Value>> {
        let token = token.to_owned();
        self.read(move |conn| super::read::get_body(conn, "SELECT body FROM vault WHERE token = ?1", &token)).await
    }

    async fn audit_append(&self, seq: u64, entry: serde_json::Value) -> Result<()> {
        let seq =
            i64::try_from(seq).map_err(|_| StoreError::InvalidQuery(format!("audit sequence {seq} too large")))?;
        let body = json(&entry)?;
        self.write(
            1,
            Box::new(
                move |conn| Ok(conn.execute("INSERT INTO audit (seq, body) VALUES (?1, ?2)", params![seq, body])?),
            ),
        )
        .await
        .map(drop)
    }

    async fn audit_last(&self) -> Result<Option<serde_json::Value>> {
        self.read(|conn| {
            let body: Option<String> =
                conn.query_row("SELECT body FROM audit ORDER BY seq DESC LIMIT 1", [], |r| r.get(0)).optional()?;
            Ok(body.map(|b| serde_json::from_str(&b)).transpose()?)
        })
        .await
    }

    async fn audit_all(&self) -> Result<Vec<serde_json::Value>> {
        self.read(|conn| super::read::bodies(conn, "SELECT body FROM audit ORDER BY seq", &[])).await
    }

    async fn count_expired(&self, kind: Expiring, cutoff: Timestamp) -> Result<u64> {
        let cutoff = micros(cutoff);
        self.read(move |conn| {
            let (table, condition) = expiry(kind);
            let n: i64 =
                conn.query_row(&format!("SELECT count(*) FROM {table} WHERE {condition}"), [cutoff], |r| r.get(0))?;
            Ok(u64::try_from(n).unwrap_or(0))
        })
        .await
    }

    async fn purge_expired(&self, kind: Expiring, cutoff: Timestamp) -> Result<u64> {
        let cutoff = micros(cutoff);
        let n = self.write(1, Box::new(move |conn| purge(conn, kind, cutoff))).await?;
        Ok(n as u64)
    }
}
