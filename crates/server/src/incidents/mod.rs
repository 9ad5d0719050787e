//! Incidents in the running service: alerts grouped into incident records,
//! changes made by people through the API, impact assessments attached,
//! regulatory reminders, and every change stored and announced on the bus.
//!
//! The rules of all of it live in `safecare-respond`; this module holds the
//! state the rules need between calls (the grouper, the playbooks, the clock
//! settings) and does the I/O around them. One lock serialises every change
//! to every incident, so an alert arriving while an analyst edits the same
//! incident cannot undo either change.

mod assess;
mod playbooks;

use std::sync::Arc;

use axum::http::StatusCode;
use jiff::Timestamp;
use safecare_bus::Message;
use safecare_model::{Alert, AlertId, IncidentChange, IncidentId};
use safecare_respond::{
    ClockConfig, GroupDecision, Grouper, IncidentRecord, IntakeError, PlaybookLibrary, SYSTEM_ACTOR, SplitRequest,
    TimelineAction, TimelineEntry, add_alert, merge, open_from_alert, record_reminder_sent, reminders_due, split,
};
use safecare_store::{Checkpoint, IncidentQuery, MAX_PAGE, Store, StoreError, StoredIncident};
use tokio::sync::{Mutex, MutexGuard};

pub use assess::{assess_impact, try_assess};
pub use playbooks::{PlaybooksError, load_playbooks};

use crate::error::ApiError;
use crate::{AppState, IncidentsConfig};

/// Why the incident service could not start.
#[derive(Debug, thiserror::Error)]
pub enum IncidentsError {
    #[error(transparent)]
    Playbooks(#[from] PlaybooksError),
    #[error("invalid incidents.time_zone: {0}")]
    TimeZone(#[from] safecare_respond::ClockError),
    #[error("cannot read open incidents to resume grouping: {0}")]
    Store(#[from] StoreError),
}

/// What every change needs besides the record: the playbooks and clocks.
pub struct Rules {
    pub playbooks: PlaybookLibrary,
    pub clocks: ClockConfig,
    /// The reporting entity named in NIS2/GDPR report drafts.
    pub organisation: String,
}

/// The incident service, shared by the incident stage and the API.
#[derive(Clone)]
pub struct Incidents {
    rules: Arc<Rules>,
    /// The grouper, and the lock every change to any incident takes.
    grouper: Arc<Mutex<Grouper>>,
}

/// A stored record that does not read as an incident record.
fn unreadable(stored: &StoredIncident, err: serde_json::Error) -> StoreError {
    tracing::error!(incident = %stored.incident.id, %err, "stored incident record is unreadable");
    StoreError::Decode(err)
}

fn decode(stored: StoredIncident) -> Result<IncidentRecord, StoreError> {
    serde_json::from_str(&stored.record).map_err(|err| unreadable(&stored, err))
}

impl Incidents {
    /// Loads the playbooks and clock settings, and rebuilds the grouper
    /// from the open incidents a previous run left, so that alerts after a
    /// restart still join the incidents they belong to.
    pub async fn new(config: &IncidentsConfig, store: &dyn Store) -> Result<Self, IncidentsError> {
        let rules = Rules {
            playbooks: load_playbooks(config.playbooks_dir.as_deref())?,
            clocks: ClockConfig::with_default_reminders(&config.time_zone)?,
            organisation: config.organisation.clone(),
        };
        let mut grouper = Grouper::new(config.grouping.clone());
        let mut offset = 0;
        loop {
            let query = IncidentQuery { open_only: true, offset, limit: MAX_PAGE, ..Default::default() };
            let page = store.list_incidents(query).await?;
            for stored in &page {
                let mut latest = None;
                for id in &stored.incident.alerts {
                    if let Some(alert) = store.get_alert(*id).await? {
                        grouper.observe(stored.incident.id, &alert);
                        latest = latest.max(Some(alert.start_time.unwrap_or(alert.create_time)));
                    }
                }
                if let Some(at) = latest {
                    expect_impact(&mut grouper, &decode(stored.clone())?, at);
                }
            }
            if page.len() < MAX_PAGE {
                break;
            }
            offset += page.len();
        }
        grouper.expire(Timestamp::now());
        Ok(Incidents { rules: Arc::new(rules), grouper: Arc::new(Mutex::new(grouper)) })
    }

    pub fn rules(&self) -> &Rules {
        &self.rules
    }

    /// Takes the lock every change to an incident holds.
    pub async fn lock(&self) -> MutexGuard<'_, Grouper> {
        self.grouper.lock().await
    }

    /// One incident's record.
    pub async fn get(&self, store: &dyn Store, id: IncidentId) -> Result<Option<IncidentRecord>, StoreError> {
        store.get_incident(id).await?.map(decode).transpose()
    }

    /// Groups alerts: each joins the open incident it shares the most
    /// with, or opens a new one. Each incident the batch touches is read
    /// and written once, so an alert flood into one incident costs one
    /// write per batch, not one per alert. An incident's impact is
    /// reassessed as soon as an alert brings it a new threat or asset, so
    /// that a later alert of the same batch on an asset that impact
    /// reaches joins it. Every incident the batch touched is stored in one
    /// transaction with the incident stage's `checkpoint`, so a crash never
    /// leaves an alert half-grouped or grouped twice.
    pub async fn take_alerts(
        &self,
        state: &AppState,
        alerts: &[&Alert],
        checkpoint: Checkpoint,
    ) -> Result<(), StoreError> {
        let mut grouper = self.lock().await;
        let now = Timestamp::now();
        let mut touched: Vec<Touched> = Vec::new();
        for alert in alerts {
            let seen = alert.start_time.unwrap_or(alert.create_time);
            let at = loop {
                match grouper.route(alert) {
                    GroupDecision::Open { incident } => {
                        metrics::counter!("safecare_incidents_opened_total").increment(1);
                        let record = open_from_alert(alert, incident, &self.rules.playbooks, now);
                        touched.push(Touched { record, from: 0, latest: seen, assessed: None });
                        break touched.len() - 1;
                    }
                    GroupDecision::Join { incident, reasons, .. } => {
                        let at = match touched.iter().position(|t| t.record.id() == incident) {
                            Some(at) => at,
                            None => match self.get(state.store.as_ref(), incident).await? {
                                Some(record) => {
                                    // One without an impact yet (no inventory when it
                                    // opened) is tried again.
                                    let facts = record.impact.as_ref().map(|_| Touched::facts_of(&record));
                                    let from = record.timeline.len();
                                    touched.push(Touched { record, from, latest: seen, assessed: facts });
                                    touched.len() - 1
                                }
                                None => {
                                    // Purged or never stored: group without it.
                                    grouper.forget(incident);
                                    continue;
                                }
                            },
                        };
                        let entry = &mut touched[at];
                        match add_alert(&mut entry.record, alert, &reasons, &self.rules.playbooks, now) {
                            Ok(()) | Err(IntakeError::DuplicateAlert(_)) => {
                                entry.latest = entry.latest.max(seen);
                                break at;
                            }
                            Err(IntakeError::MergedInto { .. } | IntakeError::NotOpen { .. }) => {
                                grouper.forget(incident)
                            }
                        }
                    }
                }
            };
            touched[at].assess(state, &mut grouper).await;
        }
        let mut stored = Vec::with_capacity(touched.len());
        for entry in &mut touched {
            entry.assess(state, &mut grouper).await;
            expect_impact(&mut grouper, &entry.record, entry.latest);
            stored.push(to_stored(&entry.record)?);
        }
        state.store.put_incidents(stored, checkpoint).await?;
        for entry in &touched {
            self.announce_from(state, &entry.record, entry.from).await;
        }
        Ok(())
    }

    /// Applies one change made through the API to one incident, under the
    /// lock, and stores and announces it. Grouping follows the status: a
    /// resolved or closed incident takes no more alerts, a reopened one
    /// does again.
    pub async fn change(
        &self,
        state: &AppState,
        id: IncidentId,
        f: impl FnOnce(&mut IncidentRecord, &Rules) -> Result<(), ApiError>,
    ) -> Result<IncidentRecord, ApiError> {
        let mut grouper = self.lock().await;
        let mut record = self.get(state.store.as_ref(), id).await?.ok_or_else(|| no_such(id))?;
        let (from, was_open) = (record.timeline.len(), record.incident.status.is_open());
        f(&mut record, &self.rules)?;
        match (was_open, record.incident.status.is_open()) {
            (true, false) => grouper.forget(id),
            (false, true) => {
                for alert in alerts_of(state.store.as_ref(), &record).await? {
                    grouper.observe(id, &alert);
                }
            }
            _ => {}
        }
        self.save(state, &record, from).await?;
        Ok(record)
    }

    /// Merges incident `from` into `into`; returns `into` as it now is.
    pub async fn merge(
        &self,
        state: &AppState,
        from_id: IncidentId,
        into_id: IncidentId,
        actor: &str,
    ) -> Result<IncidentRecord, ApiError> {
        let mut grouper = self.lock().await;
        let store = state.store.as_ref();
        let mut from = self.get(store, from_id).await?.ok_or_else(|| no_such(from_id))?;
        let mut into = self.get(store, into_id).await?.ok_or_else(|| no_such(into_id))?;
        let (from_start, into_start) = (from.timeline.len(), into.timeline.len());
        merge(&mut into, &mut from, actor, Timestamp::now())
            .map_err(|e| ApiError::new(StatusCode::CONFLICT, e.to_string()))?;
        grouper.merged(from_id, into_id);
        self.save(state, &from, from_start).await?;
        self.save(state, &into, into_start).await?;
        Ok(into)
    }

    /// Moves the chosen alerts of an incident into a new one; returns the
    /// new incident.
    pub async fn split(
        &self,
        state: &AppState,
        id: IncidentId,
        chosen: &[AlertId],
        title: &str,
        actor: &str,
    ) -> Result<IncidentRecord, ApiError> {
        let mut grouper = self.lock().await;
        let store = state.store.as_ref();
        let mut source = self.get(store, id).await?.ok_or_else(|| no_such(id))?;
        let alerts = alerts_of(store, &source).await?;
        let from = source.timeline.len();
        let request = SplitRequest { alerts: &alerts, chosen, new_id: IncidentId::new(), title };
        let mut new = split(&mut source, request, &self.rules.playbooks, actor, Timestamp::now())
            .map_err(|e| ApiError::bad_request(e.to_string()))?;
        // Both incidents regroup from the alerts they now hold.
        grouper.forget(id);
        for alert in &alerts {
            let owner = if new.incident.alerts.contains(&alert.id) { new.id() } else { id };
            grouper.observe(owner, alert);
        }
        assess_impact(state, &mut source, false).await;
        assess_impact(state, &mut new, false).await;
        self.save(state, &source, from).await?;
        self.save(state, &new, 0).await?;
        Ok(new)
    }

    /// Stores a record and announces its timeline entries from `from` on.
    /// What people did, and the reminders SafeCare sent, also go to the
    /// audit chain; automatic grouping stays on the timeline only, so an
    /// alert flood does not flood the audit.
    pub async fn save(&self, state: &AppState, record: &IncidentRecord, from: usize) -> Result<(), StoreError> {
        state.store.put_incident(to_stored(record)?).await?;
        self.announce_from(state, record, from).await;
        Ok(())
    }

    /// Announces a stored record's timeline entries from `from` on.
    async fn announce_from(&self, state: &AppState, record: &IncidentRecord, from: usize) {
        for entry in record.timeline.iter().skip(from) {
            let action = announce(state, record, entry).await;
            if entry.actor != SYSTEM_ACTOR || entry.action == TimelineAction::ReminderSent {
                state.audit(&entry.actor, &format!("incident.{action}"), &record.id().to_string(), &entry.detail).await;
            }
        }
    }

    /// Records every regulatory reminder that has come due, on every open
    /// incident, once.
    pub async fn remind(&self, state: &AppState, now: Timestamp) -> Result<usize, StoreError> {
        let _guard = self.lock().await;
        let mut sent = 0;
        let mut offset = 0;
        loop {
            let query = IncidentQuery { offset, limit: MAX_PAGE, ..Default::default() };
            let page = state.store.list_incidents(query).await?;
            let live = page.iter().filter(|s| s.incident.status != safecare_model::IncidentStatus::Closed);
            for stored in live {
                let mut record = decode(stored.clone())?;
                let due = reminders_due(&record, &self.rules.clocks, now);
                if due.is_empty() {
                    continue;
                }
                let from = record.timeline.len();
                for reminder in &due {
                    if record_reminder_sent(&mut record, reminder, now).is_ok() {
                        tracing::warn!(incident = %record.id(), clock = reminder.kind.as_str(), due = %reminder.due, "regulatory deadline approaching");
                        metrics::counter!("safecare_incident_reminders_total", "clock" => reminder.kind.as_str())
                            .increment(1);
                        sent += 1;
                    }
                }
                self.save(state, &record, from).await?;
            }
            if page.len() < MAX_PAGE {
                break;
            }
            offset += page.len();
        }
        Ok(sent)
    }
}

/// Tells the grouper what the incident's impact reaches, so that alerts on
/// those assets join it.
/// An incident a batch of alerts touched.
struct Touched {
    record: IncidentRecord,
    /// The first timeline entry the batch added.
    from: usize,
    /// The time of its latest alert.
    latest: Timestamp,
    /// The threat and assets its impact was last assessed for.
    assessed: Option<(Option<String>, usize)>,
}

impl Touched {
    /// What an assessment depends on that alerts change: the threat, and
    /// the assets (which alerts only ever add to).
    fn facts_of(record: &IncidentRecord) -> (Option<String>, usize) {
        (record.incident.threat.clone(), record.incident.assets.len())
    }

    /// Reassesses the impact if the threat or assets changed since the
    /// last assessment, and tells the grouper what it reaches.
    async fn assess(&mut self, state: &AppState, grouper: &mut Grouper) {
        let facts = Self::facts_of(&self.record);
        if self.assessed.as_ref() == Some(&facts) {
            return;
        }
        assess_impact(state, &mut self.record, false).await;
        expect_impact(grouper, &self.record, self.latest);
        self.assessed = Some(facts);
    }
}

fn expect_impact(grouper: &mut Grouper, record: &IncidentRecord, at: Timestamp) {
    if let Some(impact) = &record.impact {
        let report = &impact.report;
        let reached = report.services.iter().chain(&report.assets).map(|a| (a.asset.as_str(), a.score));
        grouper.expect_impact(record.id(), reached, at);
    }
}

fn to_stored(record: &IncidentRecord) -> Result<StoredIncident, StoreError> {
    Ok(StoredIncident { incident: record.incident.clone(), record: serde_json::to_string(record)? })
}

fn no_such(id: IncidentId) -> ApiError {
    ApiError::not_found(format!("no incident {id}"))
}

/// The alerts of an incident, as stored (purged ones are left out).
pub async fn alerts_of(store: &dyn Store, record: &IncidentRecord) -> Result<Vec<Alert>, StoreError> {
    let mut alerts = Vec::with_capacity(record.incident.alerts.len());
    for id in &record.incident.alerts {
        alerts.extend(store.get_alert(*id).await?);
    }
    Ok(alerts)
}

/// Publishes one change for the live feed (a full bus only delays it, a
/// closed one is logged); returns the change's action name.
async fn announce(state: &AppState, record: &IncidentRecord, entry: &TimelineEntry) -> String {
    let action =
        serde_json::to_value(entry.action).ok().and_then(|v| v.as_str().map(str::to_owned)).unwrap_or_default();
    metrics::counter!("safecare_incident_changes_total", "action" => action.clone()).increment(1);
    let change = IncidentChange {
        incident: record.incident.clone(),
        at: entry.at,
        actor: entry.actor.clone(),
        action: action.clone(),
        detail: entry.detail.clone(),
    };
    if let Err(err) = state.bus.publish(Message::Incident(Box::new(change))).await {
        tracing::warn!(%err, "cannot publish incident change");
    }
    action
}
