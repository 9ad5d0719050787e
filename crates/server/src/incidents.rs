//! The incident service's repository over the store: records stored as
//! JSON, every new timeline entry announced on the bus for the live feed,
//! and what people did (and the reminders sent) written to the audit chain.
//! The decisions themselves are `safecare-respond`'s.

use std::sync::Arc;

use safecare_bus::{Bus, Message};
use safecare_impact::{Inventory, LiveInventory};
use safecare_model::{Alert, IncidentChange, IncidentId};
use safecare_respond::{
    IncidentRecord, IncidentRepository, RepositoryError, SYSTEM_ACTOR, TimelineAction, TimelineEntry,
};
use safecare_store::{Checkpoint, IncidentQuery, Store, StoreError, StoredIncident};

use crate::pipeline::INCIDENT_STAGE;
use crate::privacy::Privacy;

/// Incident records in the store, changes on the bus and in the audit.
pub struct StoreIncidents {
    /// Where incident records are kept.
    pub store: Arc<dyn Store>,
    /// Where changes are announced.
    pub bus: Arc<dyn Bus>,
    /// Audits the changes that concern personal data.
    pub privacy: Arc<Privacy>,
    /// The inventory impact is assessed over.
    pub inventory: Arc<LiveInventory>,
}

fn to_stored(record: &IncidentRecord) -> Result<StoredIncident, RepositoryError> {
    let json = serde_json::to_string(record).map_err(|e| RepositoryError::new(StoreError::Decode(e)))?;
    Ok(StoredIncident { incident: record.incident.clone(), record: json })
}

fn decode(stored: StoredIncident) -> Result<IncidentRecord, RepositoryError> {
    serde_json::from_str(&stored.record).map_err(|err| {
        tracing::error!(incident = %stored.incident.id, %err, "stored incident record is unreadable");
        RepositoryError::new(StoreError::Decode(err))
    })
}

#[async_trait::async_trait]
impl IncidentRepository for StoreIncidents {
    async fn load(&self, id: IncidentId) -> Result<Option<IncidentRecord>, RepositoryError> {
        self.store.get_incident(id).await.map_err(RepositoryError::new)?.map(decode).transpose()
    }

    /// Stores a record and announces its timeline entries from `from` on.
    /// What people did, and the reminders SafeCare sent, also go to the
    /// audit chain; automatic grouping stays on the timeline only, so an
    /// alert flood does not flood the audit.
    async fn save(&self, record: &IncidentRecord, from: usize) -> Result<(), RepositoryError> {
        self.store.put_incident(to_stored(record)?).await.map_err(RepositoryError::new)?;
        self.announce_from(record, from).await;
        Ok(())
    }

    /// The batch and the incident stage's checkpoint in one transaction.
    async fn save_grouped(&self, records: &[(&IncidentRecord, usize)], through: u64) -> Result<(), RepositoryError> {
        let stored = records.iter().map(|(record, _)| to_stored(record)).collect::<Result<Vec<_>, _>>()?;
        let checkpoint = Checkpoint::new(INCIDENT_STAGE, through);
        self.store.put_incidents(stored, checkpoint).await.map_err(RepositoryError::new)?;
        for (record, from) in records {
            self.announce_from(record, *from).await;
        }
        Ok(())
    }

    async fn incidents(
        &self,
        open_only: bool,
        offset: usize,
        limit: usize,
    ) -> Result<Vec<IncidentRecord>, RepositoryError> {
        let query = IncidentQuery { open_only, offset, limit, ..Default::default() };
        let page = self.store.list_incidents(query).await.map_err(RepositoryError::new)?;
        page.into_iter().map(decode).collect()
    }

    async fn alerts(&self, record: &IncidentRecord) -> Result<Vec<Alert>, RepositoryError> {
        let mut alerts = Vec::with_capacity(record.incident.alerts.len());
        for id in &record.incident.alerts {
            alerts.extend(self.store.get_alert(*id).await.map_err(RepositoryError::new)?);
        }
        Ok(alerts)
    }

    async fn inventory(&self) -> Result<Option<Arc<Inventory>>, RepositoryError> {
        let inventory = self.inventory.current();
        Ok((!inventory.assets().is_empty()).then_some(inventory))
    }
}

impl StoreIncidents {
    /// Announces a stored record's timeline entries from `from` on. What
    /// people did, and the reminders SafeCare sent, also go to the audit
    /// chain; automatic grouping stays on the timeline only, so an alert
    /// flood does not flood the audit.
    async fn announce_from(&self, record: &IncidentRecord, from: usize) {
        for entry in record.timeline.iter().skip(from) {
            let action = self.announce(record, entry).await;
            if entry.actor != SYSTEM_ACTOR || entry.action == TimelineAction::ReminderSent {
                let target = record.id().to_string();
                let _ = self.privacy.record(&entry.actor, &format!("incident.{action}"), &target, &entry.detail).await;
            }
        }
    }

    /// Publishes one change for the live feed (a full bus only delays it, a
    /// closed one is logged); returns the change's action name.
    async fn announce(&self, record: &IncidentRecord, entry: &TimelineEntry) -> String {
        let action = entry.action.as_str().to_owned();
        metrics::counter!("safecare_incident_changes_total", "action" => action.clone()).increment(1);
        let change = IncidentChange {
            incident: record.incident.clone(),
            at: entry.at,
            actor: entry.actor.clone(),
            action: action.clone(),
            detail: entry.detail.clone(),
        };
        if let Err(err) = self.bus.publish(Message::Incident(Box::new(change))).await {
            tracing::warn!(%err, "cannot publish incident change");
        }
        action
    }
}
