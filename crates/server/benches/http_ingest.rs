//! HTTP NDJSON ingest end to end: a real server on loopback, bodies of
//! 1,000 events posted one request at a time, each answered after the
//! events are durable.
#![allow(clippy::unwrap_used, clippy::expect_used)]

use std::net::SocketAddr;

use criterion::{Criterion, Throughput, criterion_group, criterion_main};
use safecare_model::Role;
use safecare_server::{Config, provision, start};

const BATCH: usize = 1_000;

fn body() -> String {
    (0..BATCH)
        .map(|i| {
            format!(
                "{{\"domain\":\"cyber\",\"message\":\"login failed for tok_{i:06x}\",\"asset\":\"ws-{}\",\"fields\":{{\"EventID\":4625,\"IpAddress\":\"10.1.2.{}\"}}}}\n",
                i % 300,
                i % 250
            )
        })
        .collect()
}

fn http_ingest(c: &mut Criterion) {
    let rt = tokio::runtime::Runtime::new().unwrap();
    let dir = tempfile::tempdir().unwrap();
    let config =
        Config { listen: SocketAddr::from(([127, 0, 0, 1], 0)), data_dir: dir.path().to_owned(), ..Config::default() };
    let server = rt.block_on(start(config)).unwrap();
    let url = format!("{}/api/v1/events", server.url());
    let token = rt
        .block_on(provision::issue_token(server.state.accounts.as_ref(), "bench", Role::Sensor, Some("bench"), "bench"))
        .unwrap();
    let client = reqwest::Client::new();
    let body = body();

    let mut group = c.benchmark_group("http_ingest");
    group.sample_size(20);
    group.throughput(Throughput::Elements(BATCH as u64));
    group.bench_function("ndjson_1000", |b| {
        b.iter(|| {
            rt.block_on(async {
                let response = client
                    .post(&url)
                    .header("content-type", "application/x-ndjson")
                    .bearer_auth(&token)
                    .body(body.clone())
                    .send()
                    .await
                    .unwrap();
                assert_eq!(response.status(), 202);
            })
        })
    });
    group.finish();
    rt.block_on(server.stop()).unwrap();
}

criterion_group!(benches, http_ingest);
criterion_main!(benches);
