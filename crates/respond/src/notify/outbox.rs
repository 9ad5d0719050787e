//! The outbox: every planned message kept until its channel accepts it,
//! tried again with exponential back-off after a failure, given up after a
//! permanent refusal or too many tries.
//!
//! The outbox itself is the server's (rows in the store, so a message
//! planned before a restart is still sent after it); here are the rules:
//! what a try does to an entry ([`after_try`]), one pass of delivery over
//! the entries due ([`deliver_due`]), and the timeline entry a try leaves on
//! its incident ([`record_delivery`]).

use std::collections::BTreeMap;
use std::sync::Arc;

use async_trait::async_trait;
use jiff::{SignedDuration, Timestamp};
use serde::{Deserialize, Serialize};

use super::{DeliveryStatus, Notification, OutboxEntry};
use crate::record::{IncidentRecord, SYSTEM_ACTOR, TimelineAction};
use crate::repository::RepositoryError;

/// Why a channel did not take a message.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
#[error("{message}")]
pub struct SendError {
    /// What went wrong, for people (never holds a secret).
    pub message: String,
    /// True when trying again cannot help (the receiver refused the
    /// message itself, e.g. HTTP 400); false for outages and timeouts.
    pub permanent: bool,
    /// The recipients (by index) this failed try did reach, kept with the
    /// message so that the next try skips them.
    pub reached: Vec<usize>,
}

impl SendError {
    /// A failure worth trying again.
    pub fn transient(message: impl Into<String>) -> Self {
        SendError { message: message.into(), permanent: false, reached: Vec::new() }
    }

    /// A refusal that another try would get again.
    pub fn permanent(message: impl Into<String>) -> Self {
        SendError { message: message.into(), permanent: true, reached: Vec::new() }
    }

    /// Says which recipients this try reached after all.
    pub fn reaching(mut self, reached: Vec<usize>) -> Self {
        self.reached = reached;
        self
    }
}

/// A channel's transport: one per notifier file.
#[async_trait]
pub trait Notifier: Send + Sync {
    /// Sends one message; `Ok` once the receiver has taken it.
    async fn send(&self, notification: &Notification) -> Result<(), SendError>;
}

/// The channels by name.
pub type Channels = BTreeMap<String, Arc<dyn Notifier>>;

/// Where the outbox is kept. The server implements it over the store.
#[async_trait]
pub trait Outbox: Send + Sync {
    /// Adds the notifications whose key is not in the outbox yet (one
    /// write: all or none); returns the ones added.
    async fn enqueue(&self, notifications: Vec<Notification>) -> Result<Vec<Notification>, RepositoryError>;
    /// Pending entries whose next try is at or before `now`, oldest first.
    async fn due(&self, now: Timestamp, limit: usize) -> Result<Vec<OutboxEntry>, RepositoryError>;
    /// Saves an entry after a try.
    async fn update(&self, entry: &OutboxEntry) -> Result<(), RepositoryError>;
}

/// How failed messages are tried again (`[notify.retry]`).
#[derive(Debug, Clone, Copy, PartialEq, Serialize, Deserialize)]
#[serde(default, deny_unknown_fields)]
pub struct Backoff {
    /// Seconds before the second try; doubled for each try after it.
    pub first_seconds: u32,
    /// The longest wait between tries, in seconds.
    pub max_seconds: u32,
    /// Tries before giving up.
    pub max_attempts: u32,
}

impl Default for Backoff {
    fn default() -> Self {
        // Doubling from 5 s reaches the 10 min cap after 7 tries; 20 tries
        // keep a message going for about two hours of outage.
        Backoff { first_seconds: 5, max_seconds: 600, max_attempts: 20 }
    }
}

impl Backoff {
    /// The wait after the `attempts`-th failed try.
    pub fn wait(&self, attempts: u32) -> SignedDuration {
        let doubled = u64::from(self.first_seconds).saturating_mul(1u64 << attempts.saturating_sub(1).min(32));
        SignedDuration::from_secs(i64::try_from(doubled.min(u64::from(self.max_seconds))).unwrap_or(i64::MAX))
    }
}

/// What one try does to its entry.
pub fn after_try(entry: &mut OutboxEntry, result: Result<(), SendError>, now: Timestamp, backoff: &Backoff) {
    entry.attempts = entry.attempts.saturating_add(1);
    match result {
        Ok(()) => {
            entry.status = DeliveryStatus::Delivered;
            entry.delivered = Some(now);
            entry.last_error = None;
        }
        Err(err) => {
            for index in &err.reached {
                if let Some(person) = entry.notification.recipients.get_mut(*index) {
                    person.reached = true;
                }
            }
            let out_of_tries = entry.attempts >= backoff.max_attempts;
            entry.status = if err.permanent || out_of_tries { DeliveryStatus::Failed } else { DeliveryStatus::Pending };
            entry.next_try = now + backoff.wait(entry.attempts);
            entry.last_error = Some(err.message);
        }
    }
}

/// Tries every entry due at `now` once (at most `limit`), saving each
/// before the next; returns the entries tried, as saved. An entry whose
/// channel is not configured fails for good (the configuration dropped
/// it). A store error stops the pass: what was sent and not saved is
/// sent again on the next pass, so delivery is at least once, and the
/// receiver tells repeats apart by the notification's key.
pub async fn deliver_due(
    outbox: &dyn Outbox,
    channels: &Channels,
    backoff: &Backoff,
    now: Timestamp,
    limit: usize,
) -> Result<Vec<OutboxEntry>, RepositoryError> {
    let mut tried = Vec::new();
    for mut entry in outbox.due(now, limit).await? {
        let result = match channels.get(&entry.notification.channel) {
            Some(notifier) => notifier.send(&entry.notification).await,
            None => Err(SendError::permanent(format!("channel `{}` is not configured", entry.notification.channel))),
        };
        after_try(&mut entry, result, now, backoff);
        outbox.update(&entry).await?;
        tried.push(entry);
    }
    Ok(tried)
}

/// Puts a try on its incident's timeline: a delivery, a failure that will
/// be tried again, or giving up.
pub fn record_delivery(record: &mut IncidentRecord, entry: &OutboxEntry, at: Timestamp) {
    let n = &entry.notification;
    let to = n.recipients.iter().map(|r| r.name.as_str()).collect::<Vec<_>>().join(", ");
    let to = if to.is_empty() { String::new() } else { format!(" to {to}") };
    let what = format!("{} via {} (route {}, tier {}){to}", reason_name(n), n.channel, n.route, n.tier);
    let (action, detail) = match (entry.status, &entry.last_error) {
        (DeliveryStatus::Delivered, _) => (TimelineAction::NotificationSent, format!("{what} sent")),
        (DeliveryStatus::Pending, error) => (
            TimelineAction::NotificationFailed,
            format!(
                "{what} failed (try {}, trying again at {}): {}",
                entry.attempts,
                entry.next_try,
                error.as_deref().unwrap_or("")
            ),
        ),
        (DeliveryStatus::Failed, error) => (
            TimelineAction::NotificationFailed,
            format!("{what} given up after {} tries: {}", entry.attempts, error.as_deref().unwrap_or("")),
        ),
    };
    record.log(at, SYSTEM_ACTOR, action, detail);
}

fn reason_name(n: &Notification) -> &'static str {
    match n.reason {
        super::Reason::Opened => "notification",
        super::Reason::Escalated => "escalation",
        super::Reason::Test => "test notification",
        super::Reason::Cap => "CAP message",
        super::Reason::Availability => "EDXL-HAVE availability report",
    }
}

#[cfg(test)]
pub(crate) mod tests {
    use std::sync::Mutex;

    use super::*;
    use crate::notify::Reason;

    fn notification(key: &str, channel: &str, at: Timestamp) -> Notification {
        Notification {
            key: key.into(),
            incident: None,
            route: "r".into(),
            channel: channel.into(),
            reason: Reason::Opened,
            tier: 1,
            recipients: vec![],
            exercise: false,
            subject: "s".into(),
            payload: serde_json::json!({}),
            created: at,
        }
    }

    /// An outbox in memory, keyed like the store's (the channels' tests
    /// deliver through it too).
    #[derive(Default)]
    pub(crate) struct Memory(Mutex<BTreeMap<String, OutboxEntry>>);

    #[async_trait]
    impl Outbox for Memory {
        async fn enqueue(&self, notifications: Vec<Notification>) -> Result<Vec<Notification>, RepositoryError> {
            let mut rows = self.0.lock().unwrap();
            let mut new = Vec::new();
            for n in notifications {
                if !rows.contains_key(&n.key) {
                    rows.insert(n.key.clone(), OutboxEntry::pending(n.clone()));
                    new.push(n);
                }
            }
            Ok(new)
        }
        async fn due(&self, now: Timestamp, limit: usize) -> Result<Vec<OutboxEntry>, RepositoryError> {
            let rows = self.0.lock().unwrap();
            let due = rows.values().filter(|e| e.status == DeliveryStatus::Pending && e.next_try <= now);
            Ok(due.take(limit).cloned().collect())
        }
        async fn update(&self, entry: &OutboxEntry) -> Result<(), RepositoryError> {
            self.0.lock().unwrap().insert(entry.notification.key.clone(), entry.clone());
            Ok(())
        }
    }

    /// Fails with the queued errors first, then takes messages.
    struct Scripted {
        failures: Mutex<Vec<SendError>>,
        sent: Mutex<Vec<String>>,
    }

    #[async_trait]
    impl Notifier for Scripted {
        async fn send(&self, n: &Notification) -> Result<(), SendError> {
            if let Some(err) = self.failures.lock().unwrap().pop() {
                return Err(err);
            }
            self.sent.lock().unwrap().push(n.key.clone());
            Ok(())
        }
    }

    fn at(seconds: i64) -> Timestamp {
        "2026-12-04T10:00:00Z".parse::<Timestamp>().unwrap() + SignedDuration::from_secs(seconds)
    }

    #[test]
    fn the_wait_doubles_up_to_its_cap() {
        let backoff = Backoff { first_seconds: 5, max_seconds: 60, max_attempts: 3 };
        let waits: Vec<i64> = (1..=6).map(|n| backoff.wait(n).as_secs()).collect();
        assert_eq!(waits, [5, 10, 20, 40, 60, 60]);
        assert_eq!(Backoff::default().wait(u32::MAX).as_secs(), 600);
    }

    #[tokio::test]
    async fn a_failing_channel_is_tried_again_after_the_back_off_and_delivers_once() {
        let outbox = Memory::default();
        let pager = Arc::new(Scripted {
            failures: Mutex::new(vec![SendError::transient("503"), SendError::transient("timeout")]),
            sent: Mutex::default(),
        });
        let channels: Channels = BTreeMap::from([("pager".to_owned(), pager.clone() as Arc<dyn Notifier>)]);
        let backoff = Backoff { first_seconds: 5, max_seconds: 60, max_attempts: 5 };
        let n = notification("k", "pager", at(0));
        assert_eq!(outbox.enqueue(vec![n.clone(), n.clone()]).await.unwrap().len(), 1);
        assert!(outbox.enqueue(vec![n]).await.unwrap().is_empty());

        let first = deliver_due(&outbox, &channels, &backoff, at(0), 10).await.unwrap();
        assert_eq!(
            (first[0].status, first[0].next_try, first[0].last_error.as_deref()),
            (DeliveryStatus::Pending, at(5), Some("timeout"))
        );
        // Not due before its back-off has passed.
        assert!(deliver_due(&outbox, &channels, &backoff, at(4), 10).await.unwrap().is_empty());
        let second = deliver_due(&outbox, &channels, &backoff, at(5), 10).await.unwrap();
        assert_eq!(second[0].next_try, at(15));
        let third = deliver_due(&outbox, &channels, &backoff, at(15), 10).await.unwrap();
        assert_eq!(
            (third[0].status, third[0].attempts, third[0].delivered),
            (DeliveryStatus::Delivered, 3, Some(at(15)))
        );
        assert!(deliver_due(&outbox, &channels, &backoff, at(10_000), 10).await.unwrap().is_empty());
        assert_eq!(*pager.sent.lock().unwrap(), ["k"]);
    }

    #[tokio::test]
    async fn a_permanent_refusal_an_unknown_channel_or_the_last_try_gives_up() {
        let outbox = Memory::default();
        let refusing =
            Arc::new(Scripted { failures: Mutex::new(vec![SendError::permanent("HTTP 400")]), sent: Mutex::default() });
        let flaky = Arc::new(Scripted {
            failures: Mutex::new(vec![SendError::transient("a"), SendError::transient("b")]),
            sent: Mutex::default(),
        });
        let channels: Channels = BTreeMap::from([
            ("refusing".to_owned(), refusing as Arc<dyn Notifier>),
            ("flaky".to_owned(), flaky as Arc<dyn Notifier>),
        ]);
        let backoff = Backoff { first_seconds: 1, max_seconds: 1, max_attempts: 2 };
        let rows = vec![
            notification("a", "refusing", at(0)),
            notification("b", "gone", at(0)),
            notification("c", "flaky", at(0)),
        ];
        outbox.enqueue(rows).await.unwrap();
        let tried = deliver_due(&outbox, &channels, &backoff, at(0), 10).await.unwrap();
        let status: Vec<_> = tried.iter().map(|e| (e.notification.key.as_str(), e.status)).collect();
        assert_eq!(
            status,
            [("a", DeliveryStatus::Failed), ("b", DeliveryStatus::Failed), ("c", DeliveryStatus::Pending)]
        );
        assert_eq!(tried[1].last_error.as_deref(), Some("channel `gone` is not configured"));
        let last = deliver_due(&outbox, &channels, &backoff, at(1), 10).await.unwrap();
        assert_eq!((last[0].status, last[0].attempts), (DeliveryStatus::Failed, 2));
    }

    #[test]
    fn every_try_is_on_the_incident_timeline() {
        let incident = safecare_model::Incident::new("x", safecare_model::Severity::High);
        let mut record = IncidentRecord::new(incident, SYSTEM_ACTOR, at(0));
        let mut entry = OutboxEntry::pending(notification("k", "pager", at(0)));
        entry.notification.recipients.push(crate::notify::Recipient::new("ann", "ann@h"));
        let backoff = Backoff::default();
        after_try(&mut entry, Err(SendError::transient("HTTP 503")), at(0), &backoff);
        record_delivery(&mut record, &entry, at(0));
        after_try(&mut entry, Ok(()), at(5), &backoff);
        record_delivery(&mut record, &entry, at(5));
        let lines: Vec<_> = record.timeline[1..].iter().map(|e| (e.action, e.detail.as_str())).collect();
        assert_eq!(lines[0].0, TimelineAction::NotificationFailed);
        assert!(
            lines[0].1.contains("try 1") && lines[0].1.contains("HTTP 503") && lines[0].1.contains("to ann"),
            "{}",
            lines[0].1
        );
        assert_eq!(
            lines[1],
            (TimelineAction::NotificationSent, "notification via pager (route r, tier 1) to ann sent")
        );
    }
}
