//! A big store for measuring the dashboard: 1,000,000 events over the last
//! day, 10,000 incidents (one in ten open) and 5,000 alerts, seeded once
//! under the build directory (`bench-data/dashboard`) and reused, since
//! seeding takes about a minute. Shared by `benches/dashboard.rs` and the
//! browser timing in `tests/dashboard_scale.rs`.

// Each user takes what it needs.
#![allow(dead_code)]

use std::path::PathBuf;

use jiff::{SignedDuration, Timestamp};
use safecare_model::{Alert, Domain, Event, Incident, IncidentStatus, Location, Severity};
use safecare_store::{Durability, SqliteConfig, SqliteStore, Store, StoredIncident};

pub const EVENTS: usize = 1_000_000;
pub const INCIDENTS: usize = 10_000;
pub const ALERTS: usize = 5_000;
const BATCH: usize = 10_000;

pub fn data_dir() -> PathBuf {
    let target = std::env::var_os("CARGO_TARGET_DIR")
        .map(PathBuf::from)
        .unwrap_or_else(|| PathBuf::from(concat!(env!("CARGO_MANIFEST_DIR"), "/../../target")));
    target.join("bench-data/dashboard")
}

/// The store settings the seeded folder is opened with.
pub fn store_config() -> SqliteConfig {
    SqliteConfig { durability: Durability::Normal, check_on_start: false, ..SqliteConfig::default() }
}

fn place(i: usize) -> Location {
    let building = ["main", "tech", "out"][i % 3];
    Location::from_path(&format!("hq/{building}/{}/ward/{}.{:02}", i % 4, i % 4, i % 40))
}

/// Creates the folder and fills its store once; a store that already holds
/// the events is reused.
pub async fn seed() -> PathBuf {
    let dir = data_dir();
    std::fs::create_dir_all(&dir).unwrap();
    let store = SqliteStore::open(dir.join("safecare.db"), &store_config()).unwrap();
    if store.count_events().await.unwrap() < EVENTS as u64 {
        fill(&store).await;
    }
    store.close().await;
    dir
}

async fn fill(store: &SqliteStore) {
    let now = Timestamp::now();
    let severities = [Severity::Low, Severity::Medium, Severity::High, Severity::Critical];
    for batch in 0..EVENTS / BATCH {
        let events = (0..BATCH)
            .map(|j| {
                let i = batch * BATCH + j;
                let ago = SignedDuration::from_millis((i as i64 * 86_400_000) / EVENTS as i64);
                let domain = [Domain::Cyber, Domain::Physical, Domain::Building, Domain::Medical][i % 4];
                let message = format!("event {i} on ws-{}", i % 500);
                let mut event = Event::new(format!("source-{}", i % 20), domain, now - ago, message);
                event.asset = Some(format!("ws-{}", i % 500).into());
                event.location = place(i);
                event
            })
            .collect();
        store.append_events(events).await.unwrap();
    }
    let alerts = (0..ALERTS)
        .map(|i| {
            let mut alert = Alert::new(format!("alert {i}"), severities[i % 4]);
            alert.safecare.location = place(i);
            alert.create_time = now - SignedDuration::from_secs(i as i64 * 17);
            alert
        })
        .collect();
    store.put_alerts(alerts).await.unwrap();
    for i in 0..INCIDENTS {
        let mut incident = Incident::new(format!("incident {i}"), severities[i % 4]);
        // One in ten still open, as in a SOC that keeps up.
        incident.status = if i % 10 == 0 { IncidentStatus::New } else { IncidentStatus::Closed };
        incident.location = place(i);
        incident.updated = now - SignedDuration::from_secs(i as i64 * 60);
        store.put_incident(StoredIncident::bare(incident)).await.unwrap();
    }
}
