//! The incident service over an in-memory repository: the grouping loop,
//! saving and the errors it answers live here, not in the server.
#![allow(clippy::unwrap_used, clippy::expect_used)]

mod common;

use std::collections::HashMap;
use std::sync::{Arc, Mutex};

use common::{AlertSpec, alert, room};
use safecare_impact::Inventory;
use safecare_model::{Alert, IncidentId};
use safecare_respond::{
    IncidentError, IncidentRecord, IncidentRepository, Incidents, IncidentsConfig, RepositoryError,
};

/// Records kept in a map; every save counted.
#[derive(Default)]
struct Memory {
    records: Mutex<HashMap<IncidentId, IncidentRecord>>,
    saves: Mutex<Vec<(IncidentId, usize)>>,
    alerts: Mutex<Vec<Alert>>,
    /// The alert-log position the last grouped batch was saved with.
    through: Mutex<Option<u64>>,
}

#[async_trait::async_trait]
impl IncidentRepository for Memory {
    async fn load(&self, id: IncidentId) -> Result<Option<IncidentRecord>, RepositoryError> {
        Ok(self.records.lock().unwrap().get(&id).cloned())
    }

    async fn save(&self, record: &IncidentRecord, from: usize) -> Result<(), RepositoryError> {
        self.saves.lock().unwrap().push((record.id(), from));
        self.records.lock().unwrap().insert(record.id(), record.clone());
        Ok(())
    }

    async fn save_grouped(&self, records: &[(&IncidentRecord, usize)], through: u64) -> Result<(), RepositoryError> {
        for (record, from) in records {
            self.save(record, *from).await?;
        }
        *self.through.lock().unwrap() = Some(through);
        Ok(())
    }

    async fn incidents(
        &self,
        open_only: bool,
        offset: usize,
        limit: usize,
    ) -> Result<Vec<IncidentRecord>, RepositoryError> {
        let records = self.records.lock().unwrap();
        let mut all: Vec<IncidentRecord> =
            records.values().filter(|r| !open_only || r.incident.status.is_open()).cloned().collect();
        all.sort_by_key(|r| r.id());
        Ok(all.into_iter().skip(offset).take(limit).collect())
    }

    async fn alerts(&self, record: &IncidentRecord) -> Result<Vec<Alert>, RepositoryError> {
        let alerts = self.alerts.lock().unwrap();
        Ok(alerts.iter().filter(|a| record.incident.alerts.contains(&a.id)).cloned().collect())
    }

    async fn inventory(&self) -> Result<Option<Arc<Inventory>>, RepositoryError> {
        Ok(None)
    }
}

/// Two alerts of the last minutes (a restarted service forgets grouping
/// keys older than their window) on one host.
fn two_on_one_host() -> Vec<Alert> {
    let now = jiff::Timestamp::now();
    [120, 60]
        .into_iter()
        .map(|ago| (now - jiff::SignedDuration::from_secs(ago)).to_string())
        .map(|at| {
            alert(AlertSpec {
                at: &at,
                description: "Ransomware behaviour",
                threat: Some("ransomware"),
                asset: Some("ws-ward3-12"),
                location: room("3", Some("ward-3"), "3.12"),
                hostname: Some("ws-ward3-12"),
                ..Default::default()
            })
        })
        .collect()
}

#[tokio::test]
async fn one_batch_groups_into_one_incident_saved_once() {
    let memory = Arc::new(Memory::default());
    let incidents = Incidents::new(&IncidentsConfig::default(), memory.clone()).await.unwrap();
    let alerts = two_on_one_host();
    memory.alerts.lock().unwrap().extend(alerts.clone());
    let batch: Vec<&Alert> = alerts.iter().collect();
    incidents.take_alerts(&batch, 7).await.unwrap();
    let saves = memory.saves.lock().unwrap().clone();
    assert_eq!(saves.len(), 1, "{saves:?}");
    assert_eq!(*memory.through.lock().unwrap(), Some(7), "the batch is saved with its log position");
    let (id, from) = saves[0];
    assert_eq!(from, 0, "a new incident announces its whole timeline");
    let record = incidents.get(id).await.unwrap().unwrap();
    assert_eq!(record.incident.alerts.len(), 2);
    assert!(record.impact.is_none(), "no inventory, no assessment");
}

#[tokio::test]
async fn a_restarted_service_joins_alerts_to_the_incidents_it_left() {
    let memory = Arc::new(Memory::default());
    let alerts = two_on_one_host();
    memory.alerts.lock().unwrap().extend(alerts.clone());
    let first = Incidents::new(&IncidentsConfig::default(), memory.clone()).await.unwrap();
    first.take_alerts(&[&alerts[0]], 1).await.unwrap();
    drop(first);
    let again = Incidents::new(&IncidentsConfig::default(), memory.clone()).await.unwrap();
    again.take_alerts(&[&alerts[1]], 2).await.unwrap();
    let records = memory.records.lock().unwrap();
    assert_eq!(records.len(), 1, "the second alert joined the first incident");
    assert_eq!(records.values().next().unwrap().incident.alerts.len(), 2);
}

#[tokio::test]
async fn changes_and_reassessment_of_an_unknown_incident_are_not_found() {
    let incidents = Incidents::new(&IncidentsConfig::default(), Arc::new(Memory::default())).await.unwrap();
    let unknown = IncidentId::new();
    assert!(matches!(incidents.reassess(unknown).await, Err(IncidentError::NotFound(id)) if id == unknown));
    let changed = incidents.change(unknown, |_, _| Ok::<_, IncidentError>(())).await;
    assert!(matches!(changed, Err(IncidentError::NotFound(_))));
}
