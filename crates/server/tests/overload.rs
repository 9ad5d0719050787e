//! More offered than SafeCare takes, for a fixed short time: the excess is
//! refused with 503 and `Retry-After` (never taken and then dropped), every
//! acknowledged event is stored, memory stays bounded, and once the burst
//! ends the stages catch up and ingest is accepted again.
#![allow(clippy::unwrap_used, clippy::expect_used)]

mod common;

use std::time::{Duration, Instant};

use common::{client_with, config, start_with_admin, token};
use safecare_model::Role;
use serde_json::Value;

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
    let mut caught_up = false;
    for _ in 0..1200 {
        let health: Value = admin.get(format!("{base}/healthz")).send().await.unwrap().json().await.unwrap();
        let stages = health["stages"].as_array().unwrap();
        assert_eq!(stages.len(), 2, "{health}");
        if stages.iter().all(|s| s["behind"] == 0) {
            assert_eq!(health["status"], "ok");
            caught_up = true;
            break;
        }
        tokio::time::sleep(Duration::from_millis(100)).await;
    }
    assert!(caught_up, "the stages never caught up after the burst");
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
