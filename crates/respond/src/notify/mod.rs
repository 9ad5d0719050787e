//! Notifications: who hears about an incident, through which channel, and
//! the record of every message in the durable outbox.
//!
//! The decisions are here, as functions over the configuration and the
//! incident record with the time passed in: which routes an incident
//! matches ([`routing`]), who is on call ([`oncall`]), which messages an
//! incident calls for now, escalations included ([`plan`]), and when a failed
//! message is tried again ([`outbox`]), and what people may see of a
//! channel's settings ([`shown`]). Each transport is one file
//! ([`webhook`], [`email`], [`mqtt`], [`syslog`], [`template`]). The
//! server keeps the outbox in the store, runs the delivery loop and wires
//! the configuration.

pub mod config;
pub mod email;
pub mod mqtt;
pub mod oncall;
pub mod outbox;
pub mod plan;
pub mod routing;
pub mod shown;
pub mod syslog;
pub mod template;
#[cfg(test)]
mod test_tls;
pub mod text;
pub mod tls_client;
pub mod webhook;

use jiff::Timestamp;
use safecare_model::{IncidentId, Severity};
use serde::{Deserialize, Serialize};

/// Why a message is sent.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum Reason {
    /// The incident matched the route (first tier).
    Opened,
    /// The incident was not acknowledged in time: the next tier is called.
    Escalated,
    /// An administrator's test send.
    Test,
    /// A CAP message to first responders, approved by a crisis manager.
    Cap,
    /// An EDXL-HAVE document: the hospital's availability changed.
    Availability,
}

/// A person reached through a route: the on-call entry's name and contact
/// (an address, a number, a pager id; the channel decides how it is used).
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct Recipient {
    /// The person's name.
    pub name: String,
    /// How the channel reaches them.
    pub contact: String,
    /// An earlier try of this message reached them (a channel that sends
    /// one request per person): a retry, even after a restart, skips them.
    #[serde(default, skip_serializing_if = "std::ops::Not::not")]
    pub reached: bool,
    /// The language they read (their roster entry's), when they chose one.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub language: Option<safecare_i18n::Language>,
}

impl Recipient {
    /// Someone not reached yet.
    pub fn new(name: impl Into<String>, contact: impl Into<String>) -> Self {
        Recipient { name: name.into(), contact: contact.into(), reached: false, language: None }
    }
}

/// One message to send, as the outbox keeps it.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct Notification {
    /// The incident, route and tier (or the test's id). The outbox keeps
    /// only the first notification with a key: an alert storm that touches
    /// one incident a thousand times asks for the same key a thousand times
    /// and sends once.
    pub key: String,
    /// The incident it is about (none for a test send).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub incident: Option<IncidentId>,
    /// The route that asked for it.
    pub route: String,
    /// The channel it goes out on.
    pub channel: String,
    /// Why it is sent.
    pub reason: Reason,
    /// The on-call tier called (1 first).
    pub tier: u8,
    /// The people on call for the route's role and tier when it was planned.
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub recipients: Vec<Recipient>,
    /// The incident is an exercise.
    #[serde(default)]
    pub exercise: bool,
    /// A one-line subject for people.
    pub subject: String,
    /// What is sent: the incident and its first alert as JSON.
    pub payload: serde_json::Value,
    /// When it was planned.
    pub created: Timestamp,
}

impl Notification {
    /// A text of the incident the payload carries (`title`,
    /// `location.building`), for channels that write it in their own form;
    /// none for a test send or a field the incident does not have.
    pub fn incident_text(&self, path: &str) -> Option<&str> {
        path.split('.').try_fold(&self.payload["incident"], |value, key| value.get(key))?.as_str()
    }

    /// The incident's severity; none for a test send.
    pub fn severity(&self) -> Option<Severity> {
        self.incident_text("severity")?.parse().ok()
    }

    /// The reason's name (`opened`, `escalated`, `test`, `cap`, `availability`).
    pub fn reason_name(&self) -> &'static str {
        match self.reason {
            Reason::Opened => "opened",
            Reason::Escalated => "escalated",
            Reason::Test => "test",
            Reason::Cap => "cap",
            Reason::Availability => "availability",
        }
    }
}

/// Where a message is in its delivery.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum DeliveryStatus {
    /// Not sent yet, or to be tried again at `next_try`.
    Pending,
    /// The channel accepted it.
    Delivered,
    /// Given up: refused for good, or out of tries.
    Failed,
}

impl DeliveryStatus {
    /// The name used in the API and the store (`pending`).
    pub fn as_str(self) -> &'static str {
        match self {
            DeliveryStatus::Pending => "pending",
            DeliveryStatus::Delivered => "delivered",
            DeliveryStatus::Failed => "failed",
        }
    }
}

/// A notification with its delivery state: one row of the outbox.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct OutboxEntry {
    /// The message.
    pub notification: Notification,
    /// Where its delivery is.
    pub status: DeliveryStatus,
    /// Tries so far.
    pub attempts: u32,
    /// When to try (again), while pending.
    pub next_try: Timestamp,
    /// Why the last try failed.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub last_error: Option<String>,
    /// When the channel accepted it.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub delivered: Option<Timestamp>,
}

impl OutboxEntry {
    /// A message waiting for its first try, due at once.
    pub fn pending(notification: Notification) -> Self {
        let next_try = notification.created;
        OutboxEntry {
            notification,
            status: DeliveryStatus::Pending,
            attempts: 0,
            next_try,
            last_error: None,
            delivered: None,
        }
    }
}

/// A secret of a channel's settings (a signing key, a password); never
/// printed, serialised as `<redacted>`.
#[derive(Clone, PartialEq, Eq, Deserialize)]
#[serde(from = "String")]
pub struct Secret(Vec<u8>);

impl From<String> for Secret {
    fn from(secret: String) -> Self {
        Secret(secret.into_bytes())
    }
}

impl Serialize for Secret {
    fn serialize<S: serde::Serializer>(&self, serializer: S) -> Result<S::Ok, S::Error> {
        serializer.serialize_str("<redacted>")
    }
}

impl Secret {
    /// Wraps secret bytes.
    pub fn new(bytes: impl Into<Vec<u8>>) -> Self {
        Secret(bytes.into())
    }

    /// The secret's bytes, for the one place that uses them.
    pub fn expose(&self) -> &[u8] {
        &self.0
    }

    /// True when empty.
    pub fn is_empty(&self) -> bool {
        self.0.is_empty()
    }
}

impl std::fmt::Debug for Secret {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str("Secret(..)")
    }
}
