//! Saved searches: a person's named event searches, kept as the query
//! string of the events page so the page and the API replay them alike.

use async_trait::async_trait;
use jiff::Timestamp;
use serde::{Deserialize, Serialize};

use crate::Result;

/// One saved search.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct SavedSearch {
    /// Whose it is.
    pub user: String,
    /// Its name, unique per user.
    pub name: String,
    /// The events page's query string (`q=user:alice&from=-24h`).
    pub query: String,
    /// When it was last saved.
    pub saved: Timestamp,
}

/// Where saved searches live.
#[async_trait]
pub trait SearchStore: Send + Sync + 'static {
    /// Saves a search, replacing the user's search of the same name.
    async fn put_search(&self, search: SavedSearch) -> Result<()>;
    /// A user's saved searches, by name.
    async fn list_searches(&self, user: &str) -> Result<Vec<SavedSearch>>;
    /// Deletes a user's search by name; `false` when there was none.
    async fn delete_search(&self, user: &str, name: &str) -> Result<bool>;
}
