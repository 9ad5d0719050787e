//! The dashboard over a big store: 1,000,000 events over the last day,
//! 10,000 incidents and 5,000 alerts. Measures how long the server takes
//! to render the overview (the first thing a user sees), the incident list
//! and the first page of event search, and prints each page's weight.
//!
//! The seeded store is kept under the build directory
//! (`bench-data/dashboard`) and reused by later runs: seeding takes about a
//! minute.

use std::net::SocketAddr;
use std::path::PathBuf;

use criterion::{Criterion, criterion_group, criterion_main};
use jiff::{SignedDuration, Timestamp};
use safecare_model::{Alert, Domain, Event, Incident, IncidentStatus, Location, Role, Severity};
use safecare_server::{Config, provision, start};
use safecare_store::{Durability, SqliteConfig, SqliteStore, Store, StoredIncident};

const EVENTS: usize = 1_000_000;
const INCIDENTS: usize = 10_000;
const ALERTS: usize = 5_000;
const BATCH: usize = 10_000;

fn data_dir() -> PathBuf {
    let target = std::env::var_os("CARGO_TARGET_DIR")
        .map(PathBuf::from)
        .unwrap_or_else(|| PathBuf::from(concat!(env!("CARGO_MANIFEST_DIR"), "/../../target")));
    target.join("bench-data/dashboard")
}

fn place(i: usize) -> Location {
    let building = ["main", "tech", "out"][i % 3];
    Location::from_path(&format!("hq/{building}/{}/ward/{}.{:02}", i % 4, i % 4, i % 40))
}

/// Fills the store once; a store that already holds the events is reused.
async fn seed(store: &SqliteStore) {
    if store.count_events().await.unwrap() >= EVENTS as u64 {
        return;
    }
    let now = Timestamp::now();
    let severities = [Severity::Low, Severity::Medium, Severity::High, Severity::Critical];
    for batch in 0..EVENTS / BATCH {
        let events = (0..BATCH)
            .map(|j| {
                let i = batch * BATCH + j;
                let ago = SignedDuration::from_millis((i as i64 * 86_400_000) / EVENTS as i64);
                let domain = [Domain::Cyber, Domain::Physical, Domain::Building, Domain::Medical][i % 4];
                let mut event =
                    Event::new(format!("source-{}", i % 20), domain, now - ago, format!("event {i} on ws-{}", i % 500));
                event.asset = Some(format!("ws-{}", i % 500));
                event.location = place(i);
                event
            })
            .collect();
        store.append_events(events).await.unwrap();
    }
    for i in 0..ALERTS {
        let mut alert = Alert::new(format!("alert {i}"), severities[i % 4]);
        alert.safecare.location = place(i);
        alert.create_time = now - SignedDuration::from_secs(i as i64 * 17);
        store.put_alert(alert).await.unwrap();
    }
    for i in 0..INCIDENTS {
        let mut incident = Incident::new(format!("incident {i}"), severities[i % 4]);
        // One in ten still open, as in a SOC that keeps up.
        incident.status = if i % 10 == 0 { IncidentStatus::New } else { IncidentStatus::Closed };
        incident.location = place(i);
        incident.updated = now - SignedDuration::from_secs(i as i64 * 60);
        store.put_incident(StoredIncident::bare(incident)).await.unwrap();
    }
}

fn dashboard(c: &mut Criterion) {
    let rt = tokio::runtime::Runtime::new().unwrap();
    let dir = data_dir();
    std::fs::create_dir_all(&dir).unwrap();
    let store_config =
        SqliteConfig { durability: Durability::Normal, check_on_start: false, ..SqliteConfig::default() };
    rt.block_on(async {
        let store = SqliteStore::open(dir.join("safecare.db"), &store_config).unwrap();
        seed(&store).await;
        store.close().await;
    });
    let config = Config {
        listen: SocketAddr::from(([127, 0, 0, 1], 0)),
        data_dir: dir.clone(),
        store: store_config,
        ..Config::default()
    };
    let server = rt.block_on(start(config)).unwrap();
    let token = rt
        .block_on(provision::issue_token(server.state.accounts.as_ref(), "bench", Role::Admin, None, "bench"))
        .unwrap();
    let client = reqwest::Client::new();
    let base = server.url();
    let fetch = |path: &str| {
        let request = client.get(format!("{base}{path}")).bearer_auth(&token);
        async move {
            let response = request.send().await.unwrap();
            assert!(response.status().is_success(), "{}", response.status());
            response.bytes().await.unwrap().len()
        }
    };
    for path in ["/", "/static/app.css", "/static/app.js", "/events"] {
        let bytes = rt.block_on(fetch(path));
        println!("page weight {path}: {bytes} bytes");
    }

    let mut group = c.benchmark_group("dashboard_1m_events_10k_incidents");
    group.sample_size(20);
    for (name, path) in [
        ("overview", "/"),
        ("incident_list_api", "/api/v1/incidents?open=true&limit=50"),
        ("event_search_page", "/events"),
    ] {
        group.bench_function(name, |b| b.iter(|| rt.block_on(fetch(path))));
    }
    group.finish();
    rt.block_on(server.stop()).unwrap();
}

criterion_group!(benches, dashboard);
criterion_main!(benches);
