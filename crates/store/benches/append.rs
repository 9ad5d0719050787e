//! Store append throughput: events per second through the group-committing
//! writer, for several batch sizes (one HTTP request's worth each).
#![allow(clippy::unwrap_used, clippy::expect_used)]

use criterion::{BenchmarkId, Criterion, Throughput, criterion_group, criterion_main};
use jiff::Timestamp;
use safecare_model::{Domain, Event, Location};
use safecare_store::{Durability, SqliteConfig, SqliteStore, Store};
use serde_json::json;

fn sample(i: usize) -> Event {
    let mut e = Event::new(
        "bench",
        Domain::Cyber,
        Timestamp::now(),
        format!("user login failed from 10.1.{}.{}", i % 200, i % 250),
    );
    e.asset = Some(format!("ws-{}", i % 300).into());
    e.location = Location::from_path("hq/main/2/_/2.14");
    e.fields.insert("EventID".into(), json!(4625));
    e.fields.insert("TargetUserName".into(), json!(format!("tok_{i:08x}")));
    e.fields.insert("IpAddress".into(), json!(format!("10.1.{}.{}", i % 200, i % 250)));
    e
}

fn append(c: &mut Criterion) {
    let rt = tokio::runtime::Runtime::new().unwrap();
    let mut group = c.benchmark_group("store_append");
    group.sample_size(10);
    for durability in [Durability::Full, Durability::Normal] {
        for batch in [100usize, 1_000, 10_000] {
            let dir = tempfile::tempdir().unwrap();
            let config = SqliteConfig { durability, ..Default::default() };
            let store = SqliteStore::open(dir.path().join("bench.db"), &config).unwrap();
            group.throughput(Throughput::Elements(batch as u64));
            group.bench_with_input(BenchmarkId::new(format!("{durability:?}"), batch), &batch, |b, &batch| {
                b.iter_batched(
                    || (0..batch).map(sample).collect::<Vec<_>>(),
                    |events| rt.block_on(store.append_events(events)).unwrap(),
                    criterion::BatchSize::LargeInput,
                )
            });
            rt.block_on(store.close());
        }
    }
    group.finish();
}

criterion_group!(benches, append);
criterion_main!(benches);
