//! Pseudonymisation throughput: Windows logon events with three personal
//! fields each (subject user, target user, e-mail), under the default rules;
//! and the cost of one token and of one IPv4 address.
#![allow(clippy::unwrap_used, clippy::expect_used)]

use std::hint::black_box;
use std::net::Ipv4Addr;

use criterion::{BatchSize, Criterion, Throughput, criterion_group, criterion_main};
use safecare_model::{Domain, Event, Timestamp};
use safecare_privacy::{FieldKind, PseudonymConfig, Pseudonymiser, SecretKey};
use serde_json::json;

const BATCH: usize = 1000;

fn events() -> Vec<Event> {
    let time: Timestamp = "2026-11-28T10:00:00Z".parse().unwrap_or(Timestamp::UNIX_EPOCH);
    (0..BATCH)
        .map(|i| {
            let mut e =
                Event::new("winlogbeat", Domain::Cyber, time, format!("An account was logged on: user{}", i % 50));
            e.fields.insert(
                "winlog".into(),
                json!({"event_data": {
                    "SubjectUserName": format!("HOSP\\admin{}", i % 7),
                    "TargetUserName": format!("user{}", i % 50),
                    "LogonType": "3",
                }}),
            );
            e.fields.insert("user".into(), json!({"email": format!("user{}@hospital.example", i % 50)}));
            e
        })
        .collect()
}

fn bench(c: &mut Criterion) {
    let pseudonymiser = Pseudonymiser::new(&SecretKey::from_bytes([9; 32]), &PseudonymConfig::default());
    let input = events();
    let mut group = c.benchmark_group("pseudonymise");
    group.throughput(Throughput::Elements(BATCH as u64));
    group.bench_function("3_fields_per_event", |b| {
        b.iter_batched(
            || input.clone(),
            |mut batch| {
                for event in &mut batch {
                    black_box(pseudonymiser.pseudonymise(event));
                }
                batch
            },
            BatchSize::LargeInput,
        )
    });
    group.finish();

    // The parts: one keyed token, and one prefix-preserving IPv4 address.
    let tokeniser = pseudonymiser.tokeniser();
    c.bench_function("token_user", |b| b.iter(|| tokeniser.token(FieldKind::User, black_box("jdoe"))));
    let addr: Ipv4Addr = "10.20.30.40".parse().unwrap_or(Ipv4Addr::LOCALHOST);
    c.bench_function("ipv4", |b| b.iter(|| tokeniser.ipv4(black_box(addr))));
}

criterion_group!(benches, bench);
criterion_main!(benches);
