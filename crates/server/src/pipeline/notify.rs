//! The notification stage: plans the messages open incidents call for into
//! the outbox, and delivers the outbox's due messages.
//!
//! Planning reads the stored open incidents (woken by incident changes on
//! the bus, and once a second for escalations). It keeps no checkpoint of
//! its own because it needs none: a plan is repeatable (the same incident
//! gives the same keys) and the outbox keeps the first message per key, so
//! planning again after a restart adds only what is missing. Messages live
//! in the store until delivered, so a message planned before a restart is
//! sent after it; each try is counted in the metrics (per route, channel
//! and outcome), written to the incident's timeline and to the audit chain.

use std::collections::hash_map::Entry;
use std::collections::{HashMap, HashSet};
use std::sync::Arc;
use std::time::Duration;

use jiff::Timestamp;
use safecare_bus::{Bus, Delivery, Topic};
use safecare_model::{Domain, IncidentId};
use safecare_respond::notify::outbox::{Outbox, deliver_due, record_delivery};
use safecare_respond::notify::plan::{Facts, plan};
use safecare_respond::notify::{DeliveryStatus, OutboxEntry};
use safecare_respond::{IncidentError, IncidentRecord, Incidents};
use safecare_store::{IncidentQuery, Store};
use tokio::task::JoinHandle;
use tokio_util::sync::CancellationToken;

use super::follow::Wakeups;
use crate::notify::Notifications;
use crate::privacy::Privacy;

/// What the stage reads and writes besides the outbox: the stored open
/// incidents and their alerts, the bus that wakes it, incident handling
/// (for the timeline) and the audit chain.
#[derive(Clone)]
pub struct NotifyIo {
    /// The stored incidents and alerts.
    pub store: Arc<dyn Store>,
    /// Where incident changes are announced.
    pub bus: Arc<dyn Bus>,
    /// Incident handling, to put each try on the timeline.
    pub incidents: Incidents,
    /// Where each try is audited.
    pub privacy: Arc<Privacy>,
}

/// How often the stage looks for escalations and retries due without a
/// wake-up.
const PASS_EVERY: Duration = Duration::from_secs(1);
/// The most open incidents planned per pass (most recently updated first).
const OPEN_INCIDENTS: usize = 1000;
/// The most messages tried per pass.
const DELIVERIES: usize = 100;

/// What the stage remembers of an open incident between passes, so that an
/// incident that has not changed is not read again: when it last changed,
/// and its first alert's facts.
struct Known {
    updated: Timestamp,
    domains: Vec<Domain>,
    alert: Option<serde_json::Value>,
}

/// Starts the stage; it runs until `stop` is cancelled. Does nothing but
/// wait when no route is configured.
pub async fn spawn_notify(
    io: NotifyIo,
    notifications: Notifications,
    stop: CancellationToken,
) -> Result<JoinHandle<()>, super::StageError> {
    let wakeups = Wakeups::new(io.bus.subscribe(Topic::Incidents, Delivery::Lossy).await?);
    Ok(tokio::spawn(run(io, notifications, wakeups, stop)))
}

async fn run(io: NotifyIo, notifications: Notifications, mut wakeups: Wakeups, stop: CancellationToken) {
    let mut known = HashMap::new();
    while !stop.is_cancelled() {
        wakeups.consume();
        if !notifications.config.routes.is_empty() {
            pass(&io, &notifications, &mut known).await;
        }
        tokio::select! {
            () = wakeups.wait(PASS_EVERY) => {}
            () = stop.cancelled() => {}
        }
    }
    tracing::debug!("notification stage stopped");
}

/// One pass: plan, then deliver what is due.
async fn pass(io: &NotifyIo, notifications: &Notifications, known: &mut HashMap<IncidentId, Known>) {
    let now = Timestamp::now();
    if let Err(err) = plan_open(io, notifications, known, now).await {
        tracing::warn!(%err, "notifications not planned; trying again");
        metrics::counter!("safecare_stage_errors_total", "stage" => "notify").increment(1);
    }
    let config = &notifications.config;
    match deliver_due(&notifications.outbox, &notifications.channels, &config.retry, now, DELIVERIES).await {
        Ok(tried) => {
            for entry in tried {
                after_delivery(io, &entry, now).await;
            }
        }
        Err(err) => {
            tracing::warn!(%err, "notifications not delivered; trying again");
            metrics::counter!("safecare_stage_errors_total", "stage" => "notify").increment(1);
        }
    }
}

async fn plan_open(
    io: &NotifyIo,
    notifications: &Notifications,
    known: &mut HashMap<IncidentId, Known>,
    now: Timestamp,
) -> Result<(), Box<dyn std::error::Error + Send + Sync>> {
    let query = IncidentQuery { open_only: true, limit: OPEN_INCIDENTS, ..Default::default() };
    let stored = io.store.list_incidents(query).await?;
    let config = &notifications.config;
    let mut planned = Vec::new();
    let mut open = HashSet::with_capacity(stored.len());
    for stored in stored {
        // One unreadable record must not hold up every other incident's messages.
        let record: IncidentRecord = match serde_json::from_str(&stored.record) {
            Ok(record) => record,
            Err(err) => {
                tracing::error!(incident = %stored.incident.id, %err, "stored incident record is unreadable; not notified");
                continue;
            }
        };
        let id = record.id();
        open.insert(id);
        let unchanged = known.get(&id).is_some_and(|k| k.updated == record.incident.updated);
        // Only a new (unacknowledged) incident can come due for escalation
        // without changing.
        if unchanged && record.incident.status != safecare_model::IncidentStatus::New {
            continue;
        }
        let facts = match known.entry(id) {
            Entry::Occupied(seen) => seen.into_mut(),
            Entry::Vacant(new) => {
                let first = match record.incident.alerts.first() {
                    Some(alert) => io.store.get_alert(*alert).await?,
                    None => None,
                };
                let domains = first.as_ref().map(|a| a.safecare.domains.clone()).unwrap_or_default();
                let alert = first.map(|a| serde_json::to_value(&a)).transpose()?;
                new.insert(Known { updated: record.incident.updated, domains, alert })
            }
        };
        facts.updated = record.incident.updated;
        let facts = Facts { domains: &facts.domains, alert: facts.alert.as_ref() };
        planned.extend(plan(&config.routes, &config.roster, &record, facts, now));
    }
    known.retain(|id, _| open.contains(id));
    for added in notifications.outbox.enqueue(planned).await? {
        tracing::info!(key = %added.key, route = %added.route, tier = added.tier, "notification planned");
        metrics::counter!("safecare_notifications_planned_total", "route" => added.route.clone()).increment(1);
    }
    Ok(())
}

/// Counts a try, puts it on its incident's timeline and in the audit.
async fn after_delivery(io: &NotifyIo, entry: &OutboxEntry, now: Timestamp) {
    let n = &entry.notification;
    let outcome = match entry.status {
        DeliveryStatus::Delivered => "delivered",
        DeliveryStatus::Pending => "retry",
        DeliveryStatus::Failed => "failed",
    };
    metrics::counter!(
        "safecare_notifications_total",
        "route" => n.route.clone(), "channel" => n.channel.clone(), "outcome" => outcome
    )
    .increment(1);
    let detail = match &entry.last_error {
        Some(error) => format!("route {} channel {} try {}: {outcome}: {error}", n.route, n.channel, entry.attempts),
        None => format!("route {} channel {} try {}: {outcome}", n.route, n.channel, entry.attempts),
    };
    let _ =
        io.privacy.record(safecare_respond::SYSTEM_ACTOR, &format!("notification.{outcome}"), &n.key, &detail).await;
    if let Some(id) = n.incident {
        let logged = io
            .incidents
            .change(id, |record, _| {
                record_delivery(record, entry, now);
                Ok::<(), IncidentError>(())
            })
            .await;
        if let Err(err) = logged {
            tracing::warn!(incident = %id, %err, "notification outcome not on the incident timeline");
        }
    }
}
