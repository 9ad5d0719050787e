//! More offered than SafeCare takes, for a fixed short time: over HTTP the
//! excess is refused with 503 and `Retry-After` (never taken and then
//! dropped), over TCP syslog the senders are slowed (SafeCare stops reading);
//! every acknowledged event or written line is stored, memory stays bounded,
//! and once the burst ends the stages catch up and ingest is accepted again.
#![allow(clippy::unwrap_used, clippy::expect_used)]

mod common;

use std::time::{Duration, Instant};

use common::{client_with, config, start_with_admin, token};
use safecare_ingest::Decoder;
use safecare_model::Role;
use safecare_server::{SourceConfig, Transport};
use serde_json::Value;
use tokio::io::AsyncWriteExt;

const SENDERS: usize = 6;
const BODY: usize = 200;
const BURST: Duration = Duration::from_secs(4);
/// The stages may fall this far behind before ingest is refused: well
/// under one body, so that every accepted body puts detection over it.
const MAX_LAG: u64 = 100;

fn flood(sender: usize, n: usize) -> String {
    (0..BODY)
        .map(|i| {
            let k = (sender * 1_000_000) + n * BODY + i;
            format!(
                "{{\"domain\":\"cyber\",\"message\":\"An account failed to log on\",\"asset\":\"ws-{}\",\
                 \"logsource\":{{\"product\":\"windows\",\"service\":\"security\"}},\
                 \"fields\":{{\"EventID\":4625,\"TargetUserName\":\"user{}\",\"IpAddress\":\"10.2.{}.{}\",\"LogonType\":3}}}}\n",
                k % 50,
                k % 400,
                (k / 250) % 250,
                k % 250
            )
        })
        .collect()
}

/// The test process's peak resident set (the server runs inside it), KiB.
fn peak_rss_kib() -> u64 {
    let status = std::fs::read_to_string("/proc/self/status").unwrap();
    let line = status.lines().find(|l| l.starts_with("VmHWM:")).unwrap();
    line.split_whitespace().nth(1).unwrap().parse().unwrap()
}

/// Waits until every stage is at the head of its log; panics after two
/// minutes.
async fn stages_catch_up(admin: &reqwest::Client, base: &str) {
    for _ in 0..1200 {
        let health: Value = admin.get(format!("{base}/healthz")).send().await.unwrap().json().await.unwrap();
        let stages = health["stages"].as_array().unwrap();
        assert_eq!(stages.len(), 2, "{health}");
        if stages.iter().all(|s| s["behind"] == 0) {
            assert_eq!(health["status"], "ok");
            return;
        }
        tokio::time::sleep(Duration::from_millis(100)).await;
    }
    panic!("the stages never caught up after the burst");
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_burst_over_capacity_is_pushed_back_nothing_is_lost_and_ingest_recovers() {
    let dir = tempfile::tempdir().unwrap();
    let mut cfg = config(dir.path());
    cfg.max_lag = MAX_LAG;
    cfg.store.durability = safecare_store::Durability::Normal;
    cfg.limits.requests_per_second = 0;
    let (server, admin) = start_with_admin(cfg).await;
    let sensor = client_with(&token(&server, Role::Sensor, Some("burst")).await);
    let base = server.url();

    let until = Instant::now() + BURST;
    let mut senders = Vec::new();
    for sender in 0..SENDERS {
        let (client, url) = (sensor.clone(), format!("{base}/api/v1/events"));
        senders.push(tokio::spawn(async move {
            let (mut acknowledged, mut refused, mut n) = (0u64, 0u64, 0);
            // Offered as fast as answered, ignoring Retry-After: more than
            // the pipeline takes.
            while Instant::now() < until {
                let response = client
                    .post(&url)
                    .header("content-type", "application/x-ndjson")
                    .body(flood(sender, n))
                    .send()
                    .await
                    .unwrap();
                n += 1;
                match response.status().as_u16() {
                    202 => {
                        let reply: Value = response.json().await.unwrap();
                        acknowledged += reply["accepted"].as_u64().unwrap();
                    }
                    503 => {
                        let wait = response.headers().get("retry-after").expect("503 without Retry-After");
                        assert!(wait.to_str().unwrap().parse::<u64>().unwrap() >= 1);
                        let reply: Value = response.json().await.unwrap();
                        assert!(reply["error"].as_str().unwrap().contains("behind"), "{reply}");
                        refused += 1;
                    }
                    other => panic!("unexpected answer {other}"),
                }
            }
            (acknowledged, refused)
        }));
    }
    let (mut acknowledged, mut refused) = (0, 0);
    for sender in senders {
        let (a, r) = sender.await.unwrap();
        acknowledged += a;
        refused += r;
    }
    assert!(refused > 0, "the burst was never pushed back ({acknowledged} events acknowledged)");
    assert!(acknowledged > 0, "nothing was taken in during the burst");

    // The stages catch up, and ingest is accepted again.
    stages_catch_up(&admin, &base).await;
    let after = sensor
        .post(format!("{base}/api/v1/events"))
        .header("content-type", "application/x-ndjson")
        .body(flood(SENDERS, 0))
        .send()
        .await
        .unwrap();
    assert_eq!(after.status(), 202, "ingest did not recover");

    // Exactly the acknowledged events are stored: none refused was kept,
    // none acknowledged was lost.
    let stored = server.state.store.count_events().await.unwrap();
    assert_eq!(stored, acknowledged + BODY as u64);
    let metrics = admin.get(format!("{base}/metrics")).send().await.unwrap().text().await.unwrap();
    assert!(metrics.contains("safecare_ingest_busy_total"), "refusals are counted");
    assert!(metrics.contains("safecare_stage_lag{stage=\"detection\"}"), "lag is exported");
    let sources: Value = admin.get(format!("{base}/api/v1/sources")).send().await.unwrap().json().await.unwrap();
    assert!(sources["stages"].as_array().unwrap().iter().any(|s| s["stage"] == "detection"), "{sources}");

    // Memory stays bounded: the backlog waited on disk.
    let peak = peak_rss_kib();
    assert!(peak < 1024 * 1024, "peak RSS {peak} KiB");
    server.stop().await.unwrap();
}

/// Lines of sshd failures, each of which the hospital pack evaluates.
fn syslog_chunk(sender: usize, n: usize, lines: usize) -> String {
    (0..lines)
        .map(|i| {
            let k = sender * 1_000_000 + n * lines + i;
            format!(
                "<34>1 2026-11-28T10:00:00Z ehr-{} sshd 42 - - Failed password for user{} from 10.0.{}.{} port 22 ssh2\n",
                k % 20,
                k % 300,
                (k / 250) % 250,
                k % 250
            )
        })
        .collect()
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_syslog_flood_over_capacity_is_slowed_nothing_is_lost_and_ingest_recovers() {
    const LINES: usize = 500;
    let dir = tempfile::tempdir().unwrap();
    let port = common::ports::free_port();
    let mut cfg = config(dir.path());
    cfg.max_lag = MAX_LAG;
    cfg.store.durability = safecare_store::Durability::Normal;
    cfg.sources.push(SourceConfig {
        name: "syslog-flood".into(),
        transport: Transport::SyslogTcp { listen: format!("127.0.0.1:{port}") },
        decoder: Decoder::Syslog,
        site: Some("hq".into()),
        timezone: None,
    });
    let (server, admin) = start_with_admin(cfg).await;
    let base = server.url();

    // Three connections write as fast as SafeCare reads, for the burst.
    let until = Instant::now() + BURST;
    let mut senders = Vec::new();
    for sender in 0..3 {
        senders.push(tokio::spawn(async move {
            let mut stream = tokio::net::TcpStream::connect(("127.0.0.1", port)).await.unwrap();
            let (mut written, mut n) = (0u64, 0);
            while Instant::now() < until {
                stream.write_all(syslog_chunk(sender, n, LINES).as_bytes()).await.unwrap();
                written += LINES as u64;
                n += 1;
            }
            stream.shutdown().await.unwrap();
            written
        }));
    }
    let mut written = 0;
    for sender in senders {
        written += sender.await.unwrap();
    }
    assert!(written > 0, "nothing was written during the burst");

    // The senders were slowed, and SafeCare said so: it stopped reading
    // while its queue was full (the store behind) or while detection was
    // more than `max_lag` behind.
    let metrics = admin.get(format!("{base}/metrics")).send().await.unwrap().text().await.unwrap();
    let counted = |prefix: &str| {
        metrics
            .lines()
            .filter(|l| l.starts_with(prefix))
            .filter_map(|l| l.rsplit(' ').next().and_then(|v| v.parse::<f64>().ok()))
            .sum::<f64>()
    };
    let slowed = counted("safecare_sources_slowed_total{source=\"syslog-flood\"}");
    let held_back = counted("safecare_sources_held_back_total");
    assert!(slowed + held_back >= 1.0, "the flood was never pushed back ({written} lines written)");
    println!(
        "{written} lines written in {BURST:?}; queue full {slowed} times, held back for detection {held_back} times"
    );

    // Every line written is stored, once the stages have caught up.
    stages_catch_up(&admin, &base).await;
    let mut stored = 0;
    for _ in 0..600 {
        stored = server.state.store.count_events().await.unwrap();
        if stored >= written {
            break;
        }
        tokio::time::sleep(Duration::from_millis(100)).await;
    }
    assert_eq!(stored, written, "lines written were dropped");

    // Ingest goes on after the burst.
    let mut stream = tokio::net::TcpStream::connect(("127.0.0.1", port)).await.unwrap();
    stream.write_all(syslog_chunk(9, 0, 10).as_bytes()).await.unwrap();
    stream.shutdown().await.unwrap();
    let mut after = 0;
    for _ in 0..300 {
        after = server.state.store.count_events().await.unwrap();
        if after == written + 10 {
            break;
        }
        tokio::time::sleep(Duration::from_millis(100)).await;
    }
    assert_eq!(after, written + 10, "ingest did not recover");

    let peak = peak_rss_kib();
    assert!(peak < 1024 * 1024, "peak RSS {peak} KiB");
    server.stop().await.unwrap();
}
