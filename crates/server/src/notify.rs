//! Notifications in the running service: the configured channels and the
//! outbox kept in the store (respond's [`Outbox`] over [`OutboxStore`]),
//! shared by the notification stage, the API and the admins' test send.
//! The decisions (routes, roster, escalation, retries) are
//! `safecare_respond::notify`'s.

use std::sync::Arc;

use async_trait::async_trait;
use jiff::Timestamp;
use safecare_i18n::Language;
use safecare_model::IncidentId;
use safecare_respond::RepositoryError;
use safecare_respond::notify::config::{NotifyConfig, NotifyConfigError};
use safecare_respond::notify::outbox::{Channels, Outbox, SendError, after_try};
use safecare_respond::notify::text::{language_for, test_subject};
use safecare_respond::notify::{Notification, OutboxEntry, Reason};
use safecare_store::{NotificationQuery, OutboxStore, StoreError, StoredNotification};

/// The service's notification side.
#[derive(Clone)]
pub struct Notifications {
    /// The `[notify]` settings.
    pub config: Arc<NotifyConfig>,
    /// Every channel's transport, by name.
    pub channels: Arc<Channels>,
    /// The outbox.
    pub outbox: StoreOutbox,
    /// The site's `[display]` language: messages to people on call who
    /// chose none are written in it.
    pub language: Language,
}

/// The outbox as rows of the store.
#[derive(Clone)]
pub struct StoreOutbox {
    /// Where the rows are.
    pub store: Arc<dyn OutboxStore>,
}

fn to_row(entry: &OutboxEntry) -> Result<StoredNotification, RepositoryError> {
    let body = serde_json::to_string(entry).map_err(|e| RepositoryError::new(StoreError::Decode(e)))?;
    Ok(StoredNotification {
        key: entry.notification.key.clone(),
        incident: entry.notification.incident,
        status: entry.status.as_str().to_owned(),
        next_try: entry.next_try,
        created: entry.notification.created,
        body,
    })
}

fn from_row(row: StoredNotification) -> Result<OutboxEntry, RepositoryError> {
    serde_json::from_str(&row.body).map_err(|err| {
        tracing::error!(key = %row.key, %err, "stored notification is unreadable");
        RepositoryError::new(StoreError::Decode(err))
    })
}

#[async_trait]
impl Outbox for StoreOutbox {
    async fn enqueue(&self, notifications: Vec<Notification>) -> Result<Vec<Notification>, RepositoryError> {
        let rows = notifications.iter().map(|n| to_row(&OutboxEntry::pending(n.clone()))).collect::<Result<_, _>>()?;
        let mut stored: std::collections::HashSet<String> =
            self.store.outbox_insert(rows).await.map_err(RepositoryError::new)?.into_iter().collect();
        // A key given twice in one batch was stored once: answer it once.
        Ok(notifications.into_iter().filter(|n| stored.remove(&n.key)).collect())
    }

    async fn due(&self, now: Timestamp, limit: usize) -> Result<Vec<OutboxEntry>, RepositoryError> {
        let rows = self.store.outbox_due(now, limit).await.map_err(RepositoryError::new)?;
        rows.into_iter().map(from_row).collect()
    }

    async fn update(&self, entry: &OutboxEntry) -> Result<(), RepositoryError> {
        self.store.outbox_update(to_row(entry)?).await.map_err(RepositoryError::new)
    }
}

impl StoreOutbox {
    /// Stored messages, newest first, about one incident or all.
    pub async fn list(
        &self,
        incident: Option<IncidentId>,
        status: Option<String>,
        offset: usize,
        limit: usize,
    ) -> Result<Vec<OutboxEntry>, RepositoryError> {
        let query = NotificationQuery { incident, status, offset, limit };
        let rows = self.store.outbox_list(query).await.map_err(RepositoryError::new)?;
        rows.into_iter().map(from_row).collect()
    }
}

/// Why a test send could not be made.
#[derive(Debug, thiserror::Error)]
pub enum TestSendError {
    /// No route of that name.
    #[error("no notify route named `{0}`")]
    UnknownRoute(String),
    /// The outbox could not be written.
    #[error(transparent)]
    Outbox(#[from] RepositoryError),
}

impl Notifications {
    /// Sets the channels up from the configuration (secrets from the
    /// environment); fails on settings that cannot be used.
    pub fn new(
        config: NotifyConfig,
        store: Arc<dyn OutboxStore>,
        language: Language,
    ) -> Result<Self, NotifyConfigError> {
        let channels = config.channels()?;
        Ok(Notifications {
            config: Arc::new(config),
            channels: Arc::new(channels),
            outbox: StoreOutbox { store },
            language,
        })
    }

    /// Sends a test message on a route's channel at once (to the route's
    /// tier-1 people on call now) and keeps it in the outbox with its
    /// outcome; a failed test is not tried again.
    pub async fn test_send(&self, route: &str, actor: &str) -> Result<OutboxEntry, TestSendError> {
        let route = self.config.route(route).ok_or_else(|| TestSendError::UnknownRoute(route.to_owned()))?;
        let now = Timestamp::now();
        let recipients = route.role.as_deref().map(|role| self.config.roster.on_call(role, 1, now)).unwrap_or_default();
        let language = language_for(&recipients, self.language);
        let notification = Notification {
            // A fresh time-ordered UUID: every press of the button is a new message.
            key: format!("test:{}", IncidentId::new()),
            incident: None,
            route: route.name.clone(),
            channel: route.channel.clone(),
            reason: Reason::Test,
            tier: 1,
            recipients,
            exercise: route.exercise,
            subject: test_subject(language, &route.name, actor),
            payload: serde_json::json!({ "test": true, "requested_by": actor, "language": language }),
            created: now,
        };
        let mut entry = OutboxEntry::pending(notification);
        let result = match self.channels.get(&route.channel) {
            Some(notifier) => notifier.send(&entry.notification).await,
            None => Err(SendError::permanent(format!("channel `{}` is not configured", route.channel))),
        };
        let backoff = safecare_respond::notify::outbox::Backoff { max_attempts: 1, ..self.config.retry };
        after_try(&mut entry, result, now, &backoff);
        self.outbox.store.outbox_insert(vec![to_row(&entry)?]).await.map_err(RepositoryError::new)?;
        Ok(entry)
    }
}
