//! Accounts on the embedded store.

use async_trait::async_trait;
use jiff::Timestamp;
use rusqlite::{OptionalExtension, params};
use safecare_model::{ApiToken, Session, User};

use super::SqliteStore;
use super::codec::micros;
use crate::{AccountStore, Result};

fn json<T: serde::Serialize>(value: &T) -> Result<String> {
    Ok(serde_json::to_string(value)?)
}

#[async_trait]
impl AccountStore for SqliteStore {
    async fn put_user(&self, user: User) -> Result<()> {
        self.write(
            1,
            Box::new(move |conn| {
                Ok(conn.execute(
                    "INSERT OR REPLACE INTO users (name, body) VALUES (?1, ?2)",
                    params![user.name, json(&user)?],
                )?)
            }),
        )
        .await
        .map(drop)
    }

    async fn get_user(&self, name: &str) -> Result<Option<User>> {
        let name = name.to_owned();
        self.read(move |conn| super::read::get_body(conn, "SELECT body FROM users WHERE name = ?1", &name)).await
    }

    async fn list_users(&self) -> Result<Vec<User>> {
        self.read(|conn| super::read::bodies(conn, "SELECT body FROM users ORDER BY name", &[])).await
    }

    async fn put_session(&self, session: Session) -> Result<()> {
        self.write(
            1,
            Box::new(move |conn| {
                Ok(conn.execute(
                    "INSERT OR REPLACE INTO sessions (token_hash, user, expires, body) VALUES (?1, ?2, ?3, ?4)",
                    params![session.token_hash, session.user, micros(session.expires), json(&session)?],
                )?)
            }),
        )
        .await
        .map(drop)
    }

    async fn get_session(&self, token_hash: &str) -> Result<Option<Session>> {
        let hash = token_hash.to_owned();
        let now = micros(Timestamp::now());
        self.read(move |conn| {
            let body: Option<String> = conn
                .query_row(
                    "SELECT body FROM sessions WHERE token_hash = ?1 AND expires > ?2",
                    params![hash, now],
                    |r| r.get(0),
                )
                .optional()?;
            Ok(body.map(|b| serde_json::from_str(&b)).transpose()?)
        })
        .await
    }

    async fn delete_session(&self, token_hash: &str) -> Result<()> {
        let hash = token_hash.to_owned();
        self.write(1, Box::new(move |conn| Ok(conn.execute("DELETE FROM sessions WHERE token_hash = ?1", [hash])?)))
            .await
            .map(drop)
    }

    async fn delete_sessions_of(&self, user: &str) -> Result<()> {
        let user = user.to_owned();
        self.write(1, Box::new(move |conn| Ok(conn.execute("DELETE FROM sessions WHERE user = ?1", [user])?)))
            .await
            .map(drop)
    }

    async fn put_api_token(&self, token: ApiToken) -> Result<()> {
        self.write(
            1,
            Box::new(move |conn| {
                Ok(conn.execute(
                    "INSERT OR REPLACE INTO api_tokens (id, body) VALUES (?1, ?2)",
                    params![token.id, json(&token)?],
                )?)
            }),
        )
        .await
        .map(drop)
    }

    async fn get_api_token(&self, id: &str) -> Result<Option<ApiToken>> {
        let id = id.to_owned();
        self.read(move |conn| super::read::get_body(conn, "SELECT body FROM api_tokens WHERE id = ?1", &id)).await
    }

    async fn list_api_tokens(&self) -> Result<Vec<ApiToken>> {
        self.read(|conn| super::read::bodies(conn, "SELECT body FROM api_tokens ORDER BY id", &[])).await
    }
}
