//! Hospital availability in the running service: the `[availability]`
//! settings and the history kept in the store (respond's
//! `AvailabilityChange` over `AvailabilityStore`). A refresh reads the open
//! incidents and the overrides, records what changed and sends the new
//! EDXL-HAVE document through the outbox; the decisions are
//! `safecare_respond::availability`'s and `safecare_respond::have`'s.

use std::collections::HashMap;
use std::sync::Arc;

use jiff::Timestamp;
use safecare_impact::Inventory;
use safecare_model::AssetId;
use safecare_respond::availability::{
    AvailabilityChange, AvailabilityConfig, ChangeKind, Override, ServiceAvailability, assess_services, record_changes,
};
use safecare_respond::notify::outbox::Outbox;
use safecare_respond::{IncidentRecord, RepositoryError, have};
use safecare_store::{AvailabilityStore, IncidentQuery, Store, StoreError, StoredAvailabilityChange};

use crate::notify::StoreOutbox;

/// The most open incidents read per refresh.
const OPEN_INCIDENTS: usize = 1000;

/// The service's availability side.
#[derive(Clone)]
pub struct Availability {
    /// The `[availability]` settings.
    pub config: Arc<AvailabilityConfig>,
    /// Where the history is kept.
    pub store: Arc<dyn AvailabilityStore>,
    /// A refresh reads the last entries and appends the next: one at a
    /// time, so one change is not recorded (and sent) twice.
    pub lock: Arc<tokio::sync::Mutex<()>>,
}

/// What a refresh reads besides the history.
pub struct RefreshIo<'a> {
    /// The stored incidents.
    pub store: &'a dyn Store,
    /// The current inventory.
    pub inventory: &'a Inventory,
    /// Where EDXL-HAVE documents wait to be sent.
    pub outbox: &'a StoreOutbox,
}

fn decode(row: StoredAvailabilityChange) -> Result<AvailabilityChange, RepositoryError> {
    serde_json::from_str(&row.body).map_err(|err| {
        tracing::error!(seq = row.seq, %err, "stored availability change is unreadable");
        RepositoryError::new(StoreError::Decode(err))
    })
}

fn encode(change: &AvailabilityChange) -> Result<StoredAvailabilityChange, RepositoryError> {
    Ok(StoredAvailabilityChange {
        seq: 0,
        service: change.service.to_string(),
        kind: change.kind.as_str().to_owned(),
        at: change.at,
        body: serde_json::to_string(change).map_err(|e| RepositoryError::new(StoreError::Decode(e)))?,
    })
}

impl Availability {
    /// The service over the store, with the settings.
    pub fn new(config: AvailabilityConfig, store: Arc<dyn AvailabilityStore>) -> Self {
        Availability { config: Arc::new(config), store, lock: Arc::default() }
    }

    /// The history, newest first (of one service, or all).
    pub async fn history(
        &self,
        service: Option<String>,
        limit: usize,
    ) -> Result<Vec<AvailabilityChange>, RepositoryError> {
        let rows = self.store.availability_history(service, limit).await.map_err(RepositoryError::new)?;
        rows.into_iter().map(decode).collect()
    }

    /// The last override and the last status entry of each service.
    async fn latest(
        &self,
    ) -> Result<(HashMap<AssetId, Override>, HashMap<AssetId, AvailabilityChange>), RepositoryError> {
        let mut overrides = HashMap::new();
        let mut statuses = HashMap::new();
        for row in self.store.availability_latest().await.map_err(RepositoryError::new)? {
            let change = decode(row)?;
            match change.kind {
                ChangeKind::Override => {
                    if let Some(set) = change.overridden.clone() {
                        overrides.insert(change.service.clone(), set);
                    }
                }
                ChangeKind::Status => {
                    statuses.insert(change.service.clone(), change);
                }
            }
        }
        Ok((overrides, statuses))
    }

    /// Every service's availability now; records what changed since the
    /// last refresh and, when something did, sends the new EDXL-HAVE
    /// document on the configured channels.
    pub async fn refresh(
        &self,
        io: RefreshIo<'_>,
        now: Timestamp,
    ) -> Result<Vec<ServiceAvailability>, RepositoryError> {
        let _one_at_a_time = self.lock.lock().await;
        let query = IncidentQuery { open_only: true, limit: OPEN_INCIDENTS, ..Default::default() };
        let stored = io.store.list_incidents(query).await.map_err(RepositoryError::new)?;
        let open: Vec<IncidentRecord> = stored
            .into_iter()
            .filter_map(|s| match serde_json::from_str(&s.record) {
                Ok(record) => Some(record),
                Err(err) => {
                    tracing::error!(incident = %s.incident.id, %err, "stored incident record is unreadable; left out of availability");
                    None
                }
            })
            .collect();
        let (overrides, last) = self.latest().await?;
        let mut services = assess_services(io.inventory, &open, &overrides, &self.config, now);
        let changes = record_changes(&mut services, &last, now);
        if changes.is_empty() {
            return Ok(services);
        }
        let rows = changes.iter().map(encode).collect::<Result<Vec<_>, _>>()?;
        self.store.availability_append(rows).await.map_err(RepositoryError::new)?;
        for change in &changes {
            tracing::info!(service = %change.service, status = %change.status, "service availability changed");
            metrics::counter!("safecare_availability_changes_total", "status" => change.status.as_str()).increment(1);
        }
        if !self.config.channels.is_empty() {
            let document = have::document(io.inventory, &services, now);
            let status = document.facilities.first().map_or(have::FacilityStatus::Normal, |f| f.status);
            let xml = document.to_xml().map_err(RepositoryError::new)?;
            let key = now.as_microsecond().to_string();
            io.outbox.enqueue(have::notifications(&xml, status, &key, &self.config, now)).await?;
        }
        Ok(services)
    }

    /// Records a crisis manager's override.
    pub async fn put_override(&self, change: &AvailabilityChange) -> Result<(), RepositoryError> {
        self.store.availability_append(vec![encode(change)?]).await.map_err(RepositoryError::new)
    }
}
