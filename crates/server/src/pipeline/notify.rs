//! The notification stage: plans the messages open incidents call for into
//! the outbox, and delivers the outbox's due messages.
//!
//! Planning reads the stored open incidents (woken by incident changes on
//! the bus, and once a second for escalations), and those resolved or
//! closed since it last looked: an incident opened and resolved between two
//! looks is still notified, saying it is already resolved. A plan is
//! repeatable (the same incident gives the same keys) and the outbox keeps
//! the first message per key, so planning again after a restart adds only
//! what is missing; the one thing kept is when the stage last looked (in
//! the store's state: at the first look, then every minute and when the
//! stage stops), so that after a restart it still finds the incidents
//! resolved just before it stopped. Messages live
//! in the store until delivered, so a message planned before a restart is
//! sent after it; each try is counted in the metrics (per route, channel
//! and outcome), written to the incident's timeline and to the audit chain.

use std::collections::hash_map::Entry;
use std::collections::{HashMap, HashSet};
use std::sync::Arc;
use std::time::Duration;

use jiff::{SignedDuration, Timestamp};
use safecare_bus::{Bus, Delivery, Topic};
use safecare_model::{Domain, IncidentId, IncidentStatus};
use safecare_respond::notify::outbox::{Outbox, deliver_due, record_delivery};
use safecare_respond::notify::plan::{Facts, due_for_planning, plan};
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
    /// CAP messages go out through the outbox (`[cap] channels` is set):
    /// the stage delivers even with no route configured.
    pub sends_cap: bool,
}

/// How often the stage looks for escalations and retries due without a
/// wake-up.
const PASS_EVERY: Duration = Duration::from_secs(1);
/// The most open incidents planned per pass (most recently updated first).
const OPEN_INCIDENTS: usize = 1000;
/// The most messages tried per pass.
const DELIVERIES: usize = 100;
/// How far before its last look the stage searches for resolved and closed
/// incidents: a change is stamped before it is stored, so one stored just
/// after a look may carry a time just before it.
const SLACK: SignedDuration = SignedDuration::from_secs(60);
/// The store state key of the time of the last look.
const LOOKED_KEY: &str = "notify.looked";
/// How often that time is saved.
const SAVE_LOOKED_EVERY: SignedDuration = SignedDuration::from_secs(60);

/// When the stage last looked at the incidents, and the last such time
/// saved (none yet in this run).
struct Looked {
    at: Timestamp,
    saved: Option<Timestamp>,
}

impl Looked {
    /// The time saved before a restart; now on the first start, so that
    /// incidents resolved long before notifications were set up stay quiet.
    async fn load(io: &NotifyIo) -> Self {
        let saved = match io.store.get_state(LOOKED_KEY).await {
            Ok(value) => value.and_then(|v| v.as_str()?.parse::<Timestamp>().ok()),
            Err(err) => {
                tracing::warn!(%err, "last notification look not read; looking from now");
                None
            }
        };
        Looked { at: saved.unwrap_or_else(Timestamp::now), saved: None }
    }

    /// Records a complete look made at `now`, saving it now and then.
    async fn advance(&mut self, io: &NotifyIo, now: Timestamp) {
        self.at = now;
        if self.saved.is_none_or(|saved| now.duration_since(saved) >= SAVE_LOOKED_EVERY) {
            self.save(io).await;
        }
    }

    async fn save(&mut self, io: &NotifyIo) {
        match io.store.put_state(LOOKED_KEY, serde_json::Value::String(self.at.to_string())).await {
            Ok(()) => self.saved = Some(self.at),
            Err(err) => tracing::warn!(%err, "last notification look not saved"),
        }
    }
}

/// What the stage remembers of an incident between passes, so that an
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
    let mut looked = Looked::load(&io).await;
    while !stop.is_cancelled() {
        wakeups.consume();
        // Approved CAP messages wait in the outbox too, routes or not.
        if !notifications.config.routes.is_empty() || io.sends_cap {
            pass(&io, &notifications, &mut known, &mut looked).await;
        }
        tokio::select! {
            () = wakeups.wait(PASS_EVERY) => {}
            () = stop.cancelled() => {}
        }
    }
    if looked.saved.is_some_and(|saved| saved != looked.at) {
        looked.save(&io).await;
    }
    tracing::debug!("notification stage stopped");
}

/// One pass: plan, then deliver what is due.
async fn pass(
    io: &NotifyIo,
    notifications: &Notifications,
    known: &mut HashMap<IncidentId, Known>,
    looked: &mut Looked,
) {
    let now = Timestamp::now();
    match plan_incidents(io, notifications, known, looked.at - SLACK, now).await {
        Ok(()) => looked.advance(io, now).await,
        Err(err) => {
            tracing::warn!(%err, "notifications not planned; trying again");
            metrics::counter!("safecare_stage_errors_total", "stage" => "notify").increment(1);
        }
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

/// Plans the open incidents and those resolved or closed since `since`.
async fn plan_incidents(
    io: &NotifyIo,
    notifications: &Notifications,
    known: &mut HashMap<IncidentId, Known>,
    since: Timestamp,
    now: Timestamp,
) -> Result<(), Box<dyn std::error::Error + Send + Sync>> {
    let query = IncidentQuery { open_only: true, limit: OPEN_INCIDENTS, ..Default::default() };
    let mut stored = io.store.list_incidents(query).await?;
    for status in [IncidentStatus::Resolved, IncidentStatus::Closed] {
        let query = IncidentQuery {
            status: Some(status),
            updated_since: Some(since),
            limit: OPEN_INCIDENTS,
            ..Default::default()
        };
        stored.extend(io.store.list_incidents(query).await?);
    }
    let config = &notifications.config;
    let mut planned = Vec::new();
    let mut seen = HashSet::with_capacity(stored.len());
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
        if !due_for_planning(&record, since) {
            continue;
        }
        seen.insert(id);
        let unchanged = known.get(&id).is_some_and(|k| k.updated == record.incident.updated);
        // Only a new (unacknowledged) incident can come due for escalation
        // without changing.
        if unchanged && record.incident.status != IncidentStatus::New {
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
        let facts = Facts { domains: &facts.domains, alert: facts.alert.as_ref(), language: notifications.language };
        planned.extend(plan(&config.routes, &config.roster, &record, facts, now));
    }
    known.retain(|id, _| seen.contains(id));
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
