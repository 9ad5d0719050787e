//! The incident service: alerts grouped into incident records, changes made
//! by people, impact assessments attached, regulatory reminders, every
//! change saved through the [`IncidentRepository`].
//!
//! It holds the state the rules need between calls (the grouper, the
//! playbooks, the clock settings). One lock serialises every change to
//! every incident, so an alert arriving while an analyst edits the same
//! incident cannot undo either change.

use std::path::PathBuf;
use std::sync::Arc;

use jiff::Timestamp;
use safecare_impact::Inventory;
use safecare_model::{Alert, AlertId, IncidentId, IncidentStatus};
use serde::{Deserialize, Serialize};
use tokio::sync::{Mutex, MutexGuard};

use crate::assessment::{ImpactError, try_assess};
use crate::bundled::{PlaybooksError, load_playbooks};
use crate::clocks::{ClockConfig, ClockError, record_reminder_sent, reminders_due};
use crate::closing::{CloseError, close_as_duplicate};
use crate::grouping::{GroupDecision, Grouper, GroupingRules};
use crate::intake::{IntakeError, add_alert, open_from_alert};
use crate::merge::{MergeError, SplitError, SplitRequest, merge, split};
use crate::naming::rename;
use crate::playbook::PlaybookLibrary;
use crate::record::IncidentRecord;
use crate::repository::{IncidentRepository, RepositoryError};

/// How many open incidents are read at a time.
const PAGE: usize = 1000;

/// How alerts become incidents and what the response works from.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(default, deny_unknown_fields)]
pub struct IncidentsConfig {
    /// Which alerts join the same incident, and within what window.
    pub grouping: GroupingRules,
    /// A folder of playbooks replacing the ones built into SafeCare.
    pub playbooks_dir: Option<PathBuf>,
    /// The hospital's IANA time zone: regulatory deadlines are shown, and
    /// month-long ones counted, in it.
    pub time_zone: String,
    /// The reporting entity named in NIS2 and GDPR report drafts.
    pub organisation: String,
}

impl Default for IncidentsConfig {
    fn default() -> Self {
        IncidentsConfig {
            grouping: GroupingRules::default(),
            playbooks_dir: None,
            time_zone: "UTC".to_owned(),
            organisation: "[to complete: the hospital's registered name]".to_owned(),
        }
    }
}

/// Why the incident service could not start.
#[derive(Debug, thiserror::Error)]
pub enum StartError {
    /// The playbooks could not be loaded.
    #[error(transparent)]
    Playbooks(#[from] PlaybooksError),
    /// The configured time zone is not valid.
    #[error("invalid incidents.time_zone: {0}")]
    TimeZone(#[from] ClockError),
    /// The open incidents could not be read back.
    #[error("cannot read open incidents to resume grouping: {0}")]
    Repository(#[from] RepositoryError),
}

/// Why a change to an incident was not made.
#[derive(Debug, thiserror::Error)]
pub enum IncidentError {
    /// No incident has this id.
    #[error("no incident {0}")]
    NotFound(IncidentId),
    /// The incident or its alerts could not be read or saved.
    #[error(transparent)]
    Repository(#[from] RepositoryError),
    /// The merge was refused.
    #[error(transparent)]
    Merge(#[from] MergeError),
    /// The split was refused.
    #[error(transparent)]
    Split(#[from] SplitError),
    /// The impact could not be assessed.
    #[error(transparent)]
    Impact(#[from] ImpactError),
    /// Closing with a disposition was refused.
    #[error(transparent)]
    Close(#[from] CloseError),
}

/// What every change needs besides the record: the playbooks and clocks.
pub struct IncidentRules {
    /// The playbooks attached to incidents by threat.
    pub playbooks: PlaybookLibrary,
    /// The time zone and reminder points of the regulatory clocks.
    pub clocks: ClockConfig,
    /// The reporting entity named in NIS2/GDPR report drafts.
    pub organisation: String,
}

/// The incident service, shared by the incident stage and the API.
#[derive(Clone)]
pub struct Incidents {
    rules: Arc<IncidentRules>,
    /// The grouper, and the lock every change to any incident takes.
    grouper: Arc<Mutex<Grouper>>,
    repository: Arc<dyn IncidentRepository>,
}

impl Incidents {
    /// Loads the playbooks and clock settings, and rebuilds the grouper
    /// from the open incidents a previous run left, so that alerts after a
    /// restart still join the incidents they belong to.
    pub async fn new(config: &IncidentsConfig, repository: Arc<dyn IncidentRepository>) -> Result<Self, StartError> {
        let rules = IncidentRules {
            playbooks: load_playbooks(config.playbooks_dir.as_deref())?,
            clocks: ClockConfig::with_default_reminders(&config.time_zone)?,
            organisation: config.organisation.clone(),
        };
        let mut grouper = Grouper::new(config.grouping.clone());
        let mut offset = 0;
        loop {
            let page = repository.incidents(true, offset, PAGE).await?;
            for record in &page {
                let mut latest = None;
                for alert in repository.alerts(record).await? {
                    grouper.observe(record.id(), &alert);
                    latest = latest.max(Some(alert.start_time.unwrap_or(alert.create_time)));
                }
                if let Some(at) = latest {
                    expect_impact(&mut grouper, record, at);
                }
            }
            if page.len() < PAGE {
                break;
            }
            offset += page.len();
        }
        grouper.expire(Timestamp::now());
        Ok(Incidents { rules: Arc::new(rules), grouper: Arc::new(Mutex::new(grouper)), repository })
    }

    /// The playbooks, clocks and organisation every change uses.
    pub fn rules(&self) -> &IncidentRules {
        &self.rules
    }

    /// Takes the lock every change to an incident holds.
    pub async fn lock(&self) -> MutexGuard<'_, Grouper> {
        self.grouper.lock().await
    }

    /// One incident's record.
    pub async fn get(&self, id: IncidentId) -> Result<Option<IncidentRecord>, RepositoryError> {
        self.repository.load(id).await
    }

    /// The alerts of an incident, as stored (purged ones are left out).
    pub async fn alerts(&self, record: &IncidentRecord) -> Result<Vec<Alert>, RepositoryError> {
        self.repository.alerts(record).await
    }

    async fn existing(&self, id: IncidentId) -> Result<IncidentRecord, IncidentError> {
        self.get(id).await?.ok_or(IncidentError::NotFound(id))
    }

    /// Groups alerts: each joins the open incident it shares the most
    /// with, or opens a new one. Each incident the batch touches is read
    /// and written once, so an alert flood into one incident costs one
    /// write per batch, not one per alert. An incident's impact is
    /// reassessed as soon as an alert brings it a new threat or asset, so
    /// that a later alert of the same batch on an asset that impact
    /// reaches joins it. Every incident the batch touched is saved at once
    /// with `through`, the alert-log position the batch ends at, so a crash
    /// never leaves an alert half-grouped or grouped twice.
    pub async fn take_alerts(&self, alerts: &[&Alert], through: u64) -> Result<(), RepositoryError> {
        let mut grouper = self.lock().await;
        let now = Timestamp::now();
        let inventory = self.repository.inventory().await?;
        let places = inventory.as_deref();
        let mut touched: Vec<Touched> = Vec::new();
        for alert in alerts {
            let seen = alert.start_time.unwrap_or(alert.create_time);
            let at = loop {
                match grouper.route(alert) {
                    GroupDecision::Open { incident } => {
                        metrics::counter!("safecare_incidents_opened_total").increment(1);
                        let record = open_from_alert(alert, incident, &self.rules.playbooks, places, now);
                        touched.push(Touched { record, from: 0, latest: seen, assessed: None });
                        break touched.len() - 1;
                    }
                    GroupDecision::Join { incident, reasons, .. } => {
                        let at = match touched.iter().position(|t| t.record.id() == incident) {
                            Some(at) => at,
                            None => match self.get(incident).await? {
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
                        match add_alert(&mut entry.record, alert, &reasons, &self.rules.playbooks, places, now) {
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
            touched[at].assess(self, &mut grouper).await;
        }
        for entry in &mut touched {
            entry.assess(self, &mut grouper).await;
            expect_impact(&mut grouper, &entry.record, entry.latest);
        }
        let grouped: Vec<(&IncidentRecord, usize)> = touched.iter().map(|t| (&t.record, t.from)).collect();
        self.repository.save_grouped(&grouped, through).await?;
        Ok(())
    }

    /// Applies one change made by a person to one incident, under the
    /// lock, and saves it. Grouping follows the status: a resolved or
    /// closed incident takes no more alerts, a reopened one does again.
    pub async fn change<E: From<IncidentError>>(
        &self,
        id: IncidentId,
        f: impl FnOnce(&mut IncidentRecord, &IncidentRules) -> Result<(), E>,
    ) -> Result<IncidentRecord, E> {
        let mut grouper = self.lock().await;
        let mut record = self.existing(id).await?;
        let (from, was_open) = (record.timeline.len(), record.incident.status.is_open());
        f(&mut record, &self.rules)?;
        match (was_open, record.incident.status.is_open()) {
            (true, false) => grouper.forget(id),
            (false, true) => {
                for alert in self.alerts(&record).await.map_err(IncidentError::from)? {
                    grouper.observe(id, &alert);
                }
            }
            _ => {}
        }
        self.repository.save(&record, from).await.map_err(IncidentError::from)?;
        Ok(record)
    }

    /// Merges incident `from` into `into`; returns `into` as it now is.
    pub async fn merge(
        &self,
        from_id: IncidentId,
        into_id: IncidentId,
        actor: &str,
    ) -> Result<IncidentRecord, IncidentError> {
        let (_, into) = self.merge_with(from_id, into_id, |into, from, now| Ok(merge(into, from, actor, now)?)).await?;
        Ok(into)
    }

    /// Closes incident `duplicate_id` as a duplicate of `original_id`
    /// (merged into it, see [`close_as_duplicate`]); returns the duplicate
    /// as it now is.
    pub async fn close_duplicate(
        &self,
        duplicate_id: IncidentId,
        original_id: IncidentId,
        reason: &str,
        actor: &str,
    ) -> Result<IncidentRecord, IncidentError> {
        let (duplicate, _) = self
            .merge_with(duplicate_id, original_id, |original, duplicate, now| {
                Ok(close_as_duplicate(duplicate, original, reason, actor, now)?)
            })
            .await?;
        Ok(duplicate)
    }

    /// Runs a change that merges `from_id` into `into_id` under the lock:
    /// the surviving incident is renamed from its new alerts, the grouper
    /// routes the merged one's alerts there, both are saved.
    async fn merge_with(
        &self,
        from_id: IncidentId,
        into_id: IncidentId,
        change: impl FnOnce(&mut IncidentRecord, &mut IncidentRecord, Timestamp) -> Result<(), IncidentError>,
    ) -> Result<(IncidentRecord, IncidentRecord), IncidentError> {
        let mut grouper = self.lock().await;
        let mut from = self.existing(from_id).await?;
        let mut into = self.existing(into_id).await?;
        let (from_start, into_start) = (from.timeline.len(), into.timeline.len());
        let now = Timestamp::now();
        change(&mut into, &mut from, now)?;
        rename(&mut into, self.repository.inventory().await?.as_deref(), now);
        grouper.merged(from_id, into_id);
        self.repository.save(&from, from_start).await?;
        self.repository.save(&into, into_start).await?;
        Ok((from, into))
    }

    /// Moves the chosen alerts of an incident into a new one; returns the
    /// new incident.
    pub async fn split(
        &self,
        id: IncidentId,
        chosen: &[AlertId],
        title: &str,
        actor: &str,
    ) -> Result<IncidentRecord, IncidentError> {
        let mut grouper = self.lock().await;
        let mut source = self.existing(id).await?;
        let alerts = self.alerts(&source).await?;
        let from = source.timeline.len();
        let request = SplitRequest { alerts: &alerts, chosen, new_id: IncidentId::new(), title };
        let now = Timestamp::now();
        let mut new = split(&mut source, request, &self.rules.playbooks, actor, now)?;
        rename(&mut source, self.repository.inventory().await?.as_deref(), now);
        // Both incidents regroup from the alerts they now hold.
        grouper.forget(id);
        for alert in &alerts {
            let owner = if new.incident.alerts.contains(&alert.id) { new.id() } else { id };
            grouper.observe(owner, alert);
        }
        self.assess_quietly(&mut source).await;
        self.assess_quietly(&mut new).await;
        self.repository.save(&source, from).await?;
        self.repository.save(&new, 0).await?;
        Ok(new)
    }

    /// Reassesses an incident's impact over the current inventory (after
    /// it changed), whether or not its threat and assets changed.
    pub async fn reassess(&self, id: IncidentId) -> Result<IncidentRecord, IncidentError> {
        let _guard = self.lock().await;
        let mut record = self.existing(id).await?;
        let from = record.timeline.len();
        self.assess(&mut record, true).await?;
        self.repository.save(&record, from).await?;
        Ok(record)
    }

    /// Assesses the incident's impact over the current inventory and
    /// attaches it (see [`try_assess`]).
    async fn assess(&self, record: &mut IncidentRecord, force: bool) -> Result<bool, ImpactError> {
        let inventory = self.repository.inventory().await?.ok_or(ImpactError::NothingToAssess)?;
        try_assess(record, Inventory::clone(&inventory), &self.rules.playbooks, force, Timestamp::now())
    }

    /// [`Self::assess`] for automatic updates: what cannot be assessed is
    /// logged and the incident goes on without it.
    async fn assess_quietly(&self, record: &mut IncidentRecord) {
        match self.assess(record, false).await {
            Ok(_) | Err(ImpactError::NothingToAssess) => {}
            Err(err) => tracing::info!(incident = %record.id(), %err, "no impact assessment attached"),
        }
    }

    /// Records the regulatory reminders that came due on open incidents;
    /// returns how many were sent.
    pub async fn remind(&self, now: Timestamp) -> Result<usize, RepositoryError> {
        let _grouper = self.lock().await;
        let mut sent = 0;
        let mut offset = 0;
        loop {
            // Resolved incidents keep their clocks running; closed ones do not.
            let page = self.repository.incidents(false, offset, PAGE).await?;
            for mut record in page.iter().filter(|r| r.incident.status != IncidentStatus::Closed).cloned() {
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
                self.repository.save(&record, from).await?;
            }
            if page.len() < PAGE {
                break;
            }
            offset += page.len();
        }
        Ok(sent)
    }
}

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
    async fn assess(&mut self, incidents: &Incidents, grouper: &mut Grouper) {
        let facts = Self::facts_of(&self.record);
        if self.assessed.as_ref() == Some(&facts) {
            return;
        }
        incidents.assess_quietly(&mut self.record).await;
        expect_impact(grouper, &self.record, self.latest);
        self.assessed = Some(facts);
    }
}

/// Tells the grouper what the incident's impact reaches, so that alerts on
/// those assets join it.
fn expect_impact(grouper: &mut Grouper, record: &IncidentRecord, at: Timestamp) {
    if let Some(impact) = &record.impact {
        let report = &impact.report;
        let reached = report.services.iter().chain(&report.assets).map(|a| (a.asset.as_str(), a.score));
        grouper.expect_impact(record.id(), reached, at);
    }
}
