//! Event search over a big store: 1,000,000 events spread over the last 30
//! days (Windows logons and process starts, badge readers, building
//! telemetry; user names as pseudonym tokens, as ingest stores them). Times
//! the events page's typical reads: the first page of 50 and the histogram,
//! for no condition, a word by its start, field conditions, and ranges of
//! 24 hours and 30 days.
//!
//! The store is seeded once under the build directory
//! (`bench-data/search`) and reused; seeding prints its size and time.
#![allow(clippy::unwrap_used, clippy::expect_used)]

use std::path::PathBuf;
use std::time::Instant;

use criterion::{Criterion, criterion_group, criterion_main};
use jiff::{SignedDuration, Timestamp};
use safecare_model::{Domain, Event};
use safecare_store::{Durability, EventQuery, FieldFilter, SqliteConfig, SqliteStore, Store};
use serde_json::json;

const EVENTS: usize = 1_000_000;
const BATCH: usize = 10_000;
const DAYS: i64 = 30;

fn data_dir() -> PathBuf {
    let target = std::env::var_os("CARGO_TARGET_DIR")
        .map(PathBuf::from)
        .unwrap_or_else(|| PathBuf::from(concat!(env!("CARGO_MANIFEST_DIR"), "/../../target")));
    target.join("bench-data/search")
}

fn config() -> SqliteConfig {
    SqliteConfig { durability: Durability::Normal, check_on_start: false, ..SqliteConfig::default() }
}

/// A pseudonym token as ingest writes it for user `n`.
fn user(n: usize) -> String {
    format!("usr_{:016x}", (n as u64).wrapping_mul(0x9e37_79b9_7f4a_7c15))
}

fn event(i: usize, now: Timestamp) -> Event {
    let ago = SignedDuration::from_millis((i as i64 * DAYS * 86_400_000) / EVENTS as i64);
    let host = format!("ws-{}", i % 500);
    let (domain, message, fields) = match i % 10 {
        0..=3 => (
            Domain::Cyber,
            "An account failed to log on".to_owned(),
            json!({"EventID": 4625, "TargetUserName": user(i % 5000), "WorkstationName": host, "IpAddress": format!("10.1.{}.{}", i % 200, i % 250)}),
        ),
        4..=5 => (
            Domain::Cyber,
            "An account was successfully logged on".to_owned(),
            json!({"EventID": 4624, "TargetUserName": user(i % 5000), "LogonType": 3}),
        ),
        6 => {
            let command = if i % 10_000 == 6 { "vssadmin delete shadows /all /quiet" } else { "cmd.exe /c whoami" };
            (
                Domain::Cyber,
                format!("Process created: {command}"),
                json!({"EventID": 4688, "SubjectUserName": user(i % 5000), "CommandLine": command, "Computer": host}),
            )
        }
        7..=8 => (
            Domain::Physical,
            format!("badge granted at door pharmacy-{}", (i / 10) % 20),
            json!({"door": format!("pharmacy-{}", (i / 10) % 20), "badge_holder": format!("bdg_{:08x}", i % 3000), "action": "granted"}),
        ),
        _ => (
            Domain::Building,
            format!("supply air {} C", 18 + i % 6),
            json!({"sensor": format!("ahu-{}", i % 40), "value": 18 + i % 6}),
        ),
    };
    let mut e = Event::new(format!("source-{}", i % 20), domain, now - ago, message);
    e.asset = Some(host.into());
    if let serde_json::Value::Object(map) = fields {
        e.fields = map;
    }
    e
}

/// Opens the seeded store, seeding it first when it lacks the events.
fn seeded(rt: &tokio::runtime::Runtime) -> SqliteStore {
    let dir = data_dir();
    std::fs::create_dir_all(&dir).unwrap();
    let path = dir.join("safecare.db");
    let store = SqliteStore::open(&path, &config()).unwrap();
    if rt.block_on(store.count_events()).unwrap() < EVENTS as u64 {
        let started = Instant::now();
        let now = Timestamp::now();
        for batch in 0..EVENTS / BATCH {
            let events = (batch * BATCH..(batch + 1) * BATCH).map(|i| event(i, now)).collect();
            rt.block_on(store.append_events(events)).unwrap();
        }
        rt.block_on(store.close());
        println!("seeded {EVENTS} events in {:.1} s", started.elapsed().as_secs_f64());
        return SqliteStore::open(&path, &config()).unwrap();
    }
    store
}

fn search(c: &mut Criterion) {
    let rt = tokio::runtime::Runtime::new().unwrap();
    let store = seeded(&rt);
    let size = std::fs::metadata(store.path()).map(|m| m.len()).unwrap_or(0);
    println!("store file: {} MB for {EVENTS} events", size / 1_000_000);
    // The events are 30 days back from when they were seeded.
    let newest =
        rt.block_on(store.query_events(EventQuery { limit: 1, ..EventQuery::default() })).unwrap().events[0].time;
    let end = newest + SignedDuration::from_secs(1);
    let day = end - SignedDuration::from_hours(24);
    let month = end - SignedDuration::from_hours(24 * DAYS);
    let field = |names: &[&str], value: &str| FieldFilter {
        names: names.iter().map(|n| n.to_string()).collect(),
        values: vec![value.to_owned()],
    };
    let user_names = ["user", "username", "targetusername", "subjectusername"];
    let host_names = ["asset", "host", "hostname", "computer", "workstationname"];
    let cases: Vec<(&str, EventQuery, SignedDuration)> = vec![
        (
            "24h_all",
            EventQuery { from: Some(day), to: Some(end), ..EventQuery::default() },
            SignedDuration::from_hours(1),
        ),
        (
            "30d_all",
            EventQuery { from: Some(month), to: Some(end), ..EventQuery::default() },
            SignedDuration::from_hours(24),
        ),
        (
            "30d_text_prefix_shadow",
            EventQuery { from: Some(month), to: Some(end), text: Some("shadow".into()), ..EventQuery::default() },
            SignedDuration::from_hours(24),
        ),
        (
            "24h_text_prefix_pharm",
            EventQuery { from: Some(day), to: Some(end), text: Some("pharm".into()), ..EventQuery::default() },
            SignedDuration::from_hours(1),
        ),
        (
            "30d_user_token",
            EventQuery {
                from: Some(month),
                to: Some(end),
                fields: vec![field(&user_names, &user(42))],
                ..EventQuery::default()
            },
            SignedDuration::from_hours(24),
        ),
        (
            "24h_user_and_eventid",
            EventQuery {
                from: Some(day),
                to: Some(end),
                fields: vec![field(&user_names, &user(42)), field(&["eventid"], "4625")],
                ..EventQuery::default()
            },
            SignedDuration::from_hours(1),
        ),
        (
            "24h_eventid_4625",
            EventQuery {
                from: Some(day),
                to: Some(end),
                fields: vec![field(&["eventid"], "4625")],
                ..EventQuery::default()
            },
            SignedDuration::from_hours(1),
        ),
        (
            "24h_host",
            EventQuery {
                from: Some(day),
                to: Some(end),
                fields: vec![field(&host_names, "ws-12")],
                ..EventQuery::default()
            },
            SignedDuration::from_hours(1),
        ),
        (
            "30d_door",
            EventQuery {
                from: Some(month),
                to: Some(end),
                fields: vec![field(&["door"], "pharmacy-1")],
                ..EventQuery::default()
            },
            SignedDuration::from_hours(24),
        ),
    ];
    let mut group = c.benchmark_group("search_1m_events_30d");
    group.sample_size(10);
    for (name, query, bucket) in &cases {
        let page = EventQuery { limit: 50, ..query.clone() };
        let found = rt.block_on(store.query_events(page.clone())).unwrap().events.len();
        let total: u64 =
            rt.block_on(store.event_histogram(query.clone(), *bucket)).unwrap().iter().map(|(_, n)| n).sum();
        println!("{name}: {total} matches, first page {found}");
        group.bench_function(format!("{name}/page"), |b| {
            b.iter(|| rt.block_on(store.query_events(page.clone())).unwrap())
        });
        group.bench_function(format!("{name}/histogram"), |b| {
            b.iter(|| rt.block_on(store.event_histogram(query.clone(), *bucket)).unwrap())
        });
    }
    group.finish();
}

criterion_group!(benches, search);
criterion_main!(benches);
