//! The dashboard over a big store: 1,000,000 events over the last day,
//! 10,000 incidents and 5,000 alerts. Measures how long the server takes
//! to render the overview (the first thing a user sees), the incident list
//! and the first page of event search, and prints each page's weight.
//!
//! The seeded store is kept under the build directory and reused by later
//! runs (see `tests/scale_support`).
#![allow(clippy::unwrap_used, clippy::expect_used)]

#[path = "../tests/scale_support/mod.rs"]
mod scale_support;

use std::net::SocketAddr;

use criterion::{Criterion, criterion_group, criterion_main};
use safecare_model::Role;
use safecare_server::auth::RequestLimits;
use safecare_server::{Config, provision, start};

fn dashboard(c: &mut Criterion) {
    let rt = tokio::runtime::Runtime::new().unwrap();
    let dir = rt.block_on(scale_support::seed());
    let config = Config {
        listen: SocketAddr::from(([127, 0, 0, 1], 0)),
        data_dir: dir,
        store: scale_support::store_config(),
        // The benchmark is one caller asking as fast as it can.
        limits: RequestLimits { requests_per_second: 0, ..RequestLimits::default() },
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
