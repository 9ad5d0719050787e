//! Saved searches on the embedded store.

use std::sync::Arc;
use std::sync::atomic::{AtomicBool, Ordering};

use async_trait::async_trait;
use jiff::Timestamp;
use rusqlite::{Connection, params};

use super::SqliteStore;
use super::codec::micros;
use crate::{Result, SavedSearch, SearchStore, StoreError};

#[async_trait]
impl SearchStore for SqliteStore {
    async fn put_search(&self, search: SavedSearch) -> Result<()> {
        let job = move |conn: &Connection| {
            let mut stmt = conn.prepare_cached(
                "INSERT INTO saved_searches (user, name, query, saved) VALUES (?1, ?2, ?3, ?4)
                 ON CONFLICT (user, name) DO UPDATE SET query = excluded.query, saved = excluded.saved",
            )?;
            Ok(stmt.execute(params![search.user, search.name, search.query, micros(search.saved)])?)
        };
        self.write(1, Box::new(job)).await.map(drop)
    }

    async fn list_searches(&self, user: &str) -> Result<Vec<SavedSearch>> {
        let user = user.to_owned();
        self.read(move |conn| {
            let mut stmt =
                conn.prepare_cached("SELECT name, query, saved FROM saved_searches WHERE user = ?1 ORDER BY name")?;
            let rows = stmt
                .query_map([&user], |r| Ok((r.get::<_, String>(0)?, r.get::<_, String>(1)?, r.get::<_, i64>(2)?)))?
                .collect::<rusqlite::Result<Vec<_>>>()?;
            rows.into_iter()
                .map(|(name, query, saved)| {
                    let saved = Timestamp::from_microsecond(saved)
                        .map_err(|e| StoreError::InvalidQuery(format!("saved search {name:?}: {e}")))?;
                    Ok(SavedSearch { user: user.clone(), name, query, saved })
                })
                .collect()
        })
        .await
    }

    async fn delete_search(&self, user: &str, name: &str) -> Result<bool> {
        let (user, name) = (user.to_owned(), name.to_owned());
        let deleted = Arc::new(AtomicBool::new(false));
        let out = deleted.clone();
        let job = move |conn: &Connection| {
            let n = conn.execute("DELETE FROM saved_searches WHERE user = ?1 AND name = ?2", params![user, name])?;
            out.store(n > 0, Ordering::Relaxed);
            Ok(n)
        };
        self.write(1, Box::new(job)).await?;
        Ok(deleted.load(Ordering::Relaxed))
    }
}
