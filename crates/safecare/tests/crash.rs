//! `safecare serve` killed with SIGKILL, several times, while events that
//! raise alerts stream in over HTTP NDJSON and TCP syslog, then restarted:
//! every acknowledged event is stored exactly once, and the alerts and the
//! incidents they are grouped into are exactly those a run of the same
//! events without kills gives.
#![allow(clippy::unwrap_used, clippy::expect_used)]

mod common;

use std::collections::{BTreeMap, BTreeSet};
use std::fs::File;
use std::io::{BufRead, BufReader};
use std::path::{Path, PathBuf};
use std::process::{Child, Command, Stdio};
use std::sync::atomic::{AtomicUsize, Ordering};
use std::sync::{Arc, Mutex};
use std::time::Duration;

use jiff::Timestamp;
use safecare_store::{IncidentQuery, Log, MAX_PAGE, SqliteConfig, SqliteStore, Store};
use tokio::io::AsyncWriteExt;

const HTTP_BATCHES: usize = 40;
const BATCH: usize = 100;
const SYSLOG_LINES: usize = 2000;
const SYSLOG_CHUNK: usize = 20;
const KILLS: u64 = 3;

/// A rule of our own for the syslog stream (the hospital pack has none for
/// plain sshd lines); the HTTP stream raises the pack's logon-failure
/// alerts and its brute-force correlation.
const SSH_RULE: &str = "title: SSH password failure (crash test)
id: 5b0e3a52-9d0c-4c51-8f0e-2f7f0a6b1c01
name: crash-test-ssh-failure
status: test
logsource:
    service: auth
detection:
    selection:
        syslog.appname: sshd
    condition: selection
level: medium
";

/// One of the two runs: its data directory, configuration and sensor token.
struct Site {
    _dir: tempfile::TempDir,
    data: PathBuf,
    config: PathBuf,
    syslog: u16,
    token: String,
}

impl Site {
    fn new() -> Site {
        let dir = tempfile::tempdir().unwrap();
        let data = dir.path().join("data");
        let rules = dir.path().join("rules");
        std::fs::create_dir_all(&rules).unwrap();
        std::fs::write(rules.join("ssh.yml"), SSH_RULE).unwrap();
        let syslog = std::net::TcpListener::bind("127.0.0.1:0").unwrap().local_addr().unwrap().port();
        let config = dir.path().join("safecare.toml");
        std::fs::write(
            &config,
            format!(
                "[store]\ndurability = \"full\"\n[rules]\ndirs = [{rules:?}]\nwatch = false\n\
                 [[sources]]\nname = \"syslog-tcp\"\ntype = \"syslog_tcp\"\nlisten = \"127.0.0.1:{syslog}\"\n\
                 decoder = {{ parser = \"syslog\" }}\n"
            ),
        )
        .unwrap();
        common::init(&data);
        let out = Command::new(env!("CARGO_BIN_EXE_safecare"))
            .args(["tokens", "add", "feed", "--role", "sensor", "--source", "feed", "--config"])
            .arg(&config)
            .arg("--data")
            .arg(&data)
            .output()
            .unwrap();
        assert!(out.status.success(), "{}", String::from_utf8_lossy(&out.stderr));
        let token = String::from_utf8_lossy(&out.stdout).trim().to_owned();
        Site { _dir: dir, data, config, syslog, token }
    }

    /// Starts `safecare serve`; answers the process and its URL.
    fn start(&self, run: usize) -> (Child, String) {
        let log = File::create(self.data.join(format!("serve-{run}.log"))).unwrap();
        let mut child = Command::new(env!("CARGO_BIN_EXE_safecare"))
            .args(["serve", "--listen", "127.0.0.1:0", "--config"])
            .arg(&self.config)
            .arg("--data")
            .arg(&self.data)
            .stdout(Stdio::piped())
            .stderr(log)
            .spawn()
            .unwrap();
        let mut line = String::new();
        BufReader::new(child.stdout.take().unwrap()).read_line(&mut line).unwrap();
        let url = line.split_whitespace().find(|w| w.starts_with("http://")).unwrap_or_else(|| {
            panic!("serve did not start: {line:?}; see {}", self.data.display());
        });
        (child, url.to_owned())
    }
}

/// A UUIDv7-shaped id for the `n`th event, the same in both runs.
fn event_id(base_ms: u64, n: usize) -> String {
    let v = (u128::from(base_ms) << 80) | (0x7u128 << 76) | (0x8u128 << 60) | n as u128;
    let hex = format!("{v:032x}");
    format!("{}-{}-{}-{}-{}", &hex[..8], &hex[8..12], &hex[12..16], &hex[16..20], &hex[20..])
}

fn at(base: Timestamp, n: usize) -> Timestamp {
    base + jiff::SignedDuration::from_millis(n as i64)
}

/// Batch `k` of Windows logon failures: every event raises an alert, and
/// ten for one user within five minutes a brute-force correlation.
fn http_batch(base: Timestamp, k: usize) -> String {
    let base_ms = base.as_millisecond() as u64;
    (k * BATCH..(k + 1) * BATCH)
        .map(|n| {
            format!(
                "{{\"id\":\"{}\",\"time\":\"{}\",\"domain\":\"cyber\",\"message\":\"An account failed to log on\",\
                 \"asset\":\"ws-{}\",\"logsource\":{{\"product\":\"windows\",\"service\":\"security\"}},\
                 \"fields\":{{\"EventID\":4625,\"TargetUserName\":\"user{}\",\"IpAddress\":\"10.1.0.{}\",\"LogonType\":3}}}}\n",
                event_id(base_ms, n),
                at(base, n),
                n % 7,
                n % 13,
                n % 250
            )
        })
        .collect()
}

fn syslog_line(base: Timestamp, n: usize) -> String {
    format!(
        "<34>1 {} ehr-{} sshd 42 - - Failed password for invalid user from 10.9.0.{} marker=s{n}\n",
        at(base, 100_000 + n),
        n % 5,
        n % 250
    )
}

/// Posts batch `k` until it is acknowledged, through whichever server is up.
async fn post_until_acknowledged(client: &reqwest::Client, url: &Mutex<Option<String>>, token: &str, body: String) {
    loop {
        let target = url.lock().unwrap().clone();
        if let Some(target) = target {
            let sent = client
                .post(format!("{target}/api/v1/events"))
                .bearer_auth(token)
                .header("content-type", "application/x-ndjson")
                .timeout(Duration::from_secs(20))
                .body(body.clone())
                .send()
                .await;
            match sent {
                Ok(r) if r.status().as_u16() == 202 => return,
                Ok(r) if matches!(r.status().as_u16(), 429 | 503) => {}
                Ok(r) => panic!("ingest answered {}: {}", r.status(), r.text().await.unwrap_or_default()),
                Err(_) => {} // The server died under the request: send it again.
            }
        }
        tokio::time::sleep(Duration::from_millis(50)).await;
    }
}

/// Sends the syslog lines `lines` over TCP, reconnecting after a kill;
/// lines written into a dying connection may be lost (syslog over TCP has
/// no acknowledgement) and are simply not sent again.
async fn send_syslog(port: u16, lines: Vec<String>, pause: Duration) {
    let mut stream = None;
    for chunk in lines.chunks(SYSLOG_CHUNK) {
        let text: String = chunk.concat();
        for _ in 0..400 {
            if stream.is_none() {
                stream = tokio::net::TcpStream::connect(("127.0.0.1", port)).await.ok();
            }
            match stream.as_mut() {
                Some(s) => {
                    if s.write_all(text.as_bytes()).await.is_err() {
                        stream = None;
                    }
                    break;
                }
                None => tokio::time::sleep(Duration::from_millis(50)).await,
            }
        }
        tokio::time::sleep(pause).await;
    }
    if let Some(mut s) = stream {
        let _ = s.shutdown().await;
    }
}

fn stop(mut child: Child) {
    let pid = child.id().to_string();
    assert!(Command::new("kill").args(["-TERM", &pid]).status().unwrap().success());
    let status = child.wait().unwrap();
    assert!(status.success(), "graceful stop failed: {status}");
}

/// Waits until `serve` has stored `n` events (the syslog collector stores
/// in batches after the lines are written).
async fn wait_for_events(url: &str, n: u64) {
    for _ in 0..600 {
        let health: serde_json::Value = reqwest::get(format!("{url}/healthz")).await.unwrap().json().await.unwrap();
        if health["events"].as_u64() >= Some(n) {
            return;
        }
        tokio::time::sleep(Duration::from_millis(50)).await;
    }
    panic!("serve never stored {n} events");
}

/// An alert in terms both runs share: its rule and its events' names.
type AlertKey = (String, Vec<String>);

/// What a run left in its store, in terms both runs share: an event by its
/// id (HTTP) or its marker (syslog, whose ids are made at ingest).
#[derive(Debug)]
struct Outcome {
    /// HTTP event ids, each as often as stored.
    http: Vec<String>,
    /// Syslog markers, each as often as stored.
    syslog: Vec<String>,
    /// Alerts as (rule, their events' names), each as often as stored.
    alerts: Vec<AlertKey>,
    /// Incidents as the sorted alerts they list, and how many more they
    /// count without listing.
    incidents: BTreeSet<(Vec<AlertKey>, u64)>,
}

async fn outcome(data: &Path) -> Outcome {
    let store = SqliteStore::open(data.join("safecare.db"), &SqliteConfig::default()).unwrap();
    let mut names = BTreeMap::new();
    let (mut http, mut syslog) = (Vec::new(), Vec::new());
    let mut position = 0;
    while let Some(last) = {
        let page = store.events_after(position, 5000).await.unwrap();
        for (_, event) in &page.records {
            let name = match event.message.split("marker=").nth(1) {
                Some(marker) => {
                    syslog.push(marker.to_owned());
                    marker.to_owned()
                }
                None => {
                    http.push(event.id.to_string());
                    event.id.to_string()
                }
            };
            names.insert(event.id, name);
        }
        page.last
    } {
        position = last;
    }
    let mut alerts = BTreeMap::new();
    let page = store.alerts_after(0, 1_000_000).await.unwrap();
    for (_, alert) in page.records {
        let events = alert.safecare.events.iter().map(|id| names.get(id).cloned().unwrap_or_default()).collect();
        alerts.insert(alert.id, (alert.safecare.rule.clone().unwrap_or_default(), events));
    }
    let mut incidents = BTreeSet::new();
    let mut offset = 0;
    loop {
        let page = store.list_incidents(IncidentQuery { offset, limit: MAX_PAGE, ..Default::default() }).await.unwrap();
        for stored in &page {
            let mut listed: Vec<_> = stored.incident.alerts.iter().map(|id| alerts[id].clone()).collect();
            listed.sort();
            let record: serde_json::Value = serde_json::from_str(&stored.record).unwrap();
            incidents.insert((listed, record["unlisted_alerts"].as_u64().unwrap_or(0)));
        }
        if page.len() < MAX_PAGE {
            break;
        }
        offset += page.len();
    }
    for (stage, log) in [("detection", Log::Events), ("incidents", Log::Alerts)] {
        let head = store.log_head(log).await.unwrap();
        assert_eq!(store.checkpoint(stage).await.unwrap(), Some(head), "{stage} did not reach the head");
    }
    store.close().await;
    let mut alerts: Vec<_> = alerts.into_values().collect();
    alerts.sort();
    http.sort();
    syslog.sort();
    Outcome { http, syslog, alerts, incidents }
}

fn duplicates<T: Ord + Clone>(items: &[T]) -> Vec<T> {
    items.windows(2).filter(|w| w[0] == w[1]).map(|w| w[0].clone()).collect()
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn sigkill_during_ingest_loses_no_acknowledged_event_and_no_detection() {
    let base = Timestamp::now() - jiff::SignedDuration::from_mins(2);
    let client = reqwest::Client::new();

    // With kills.
    let crashed = Site::new();
    let (child, url) = crashed.start(0);
    let shared = Arc::new(Mutex::new(Some(url)));
    // Kills follow the stream's progress, not the clock, so that a faster
    // or slower machine still kills mid-stream.
    let acknowledged = Arc::new(AtomicUsize::new(0));
    let http = {
        let (client, shared, token) = (client.clone(), shared.clone(), crashed.token.clone());
        let acknowledged = acknowledged.clone();
        tokio::spawn(async move {
            for k in 0..HTTP_BATCHES {
                post_until_acknowledged(&client, &shared, &token, http_batch(base, k)).await;
                acknowledged.fetch_add(1, Ordering::SeqCst);
                tokio::time::sleep(Duration::from_millis(60)).await;
            }
        })
    };
    let lines: Vec<String> = (0..SYSLOG_LINES).map(|n| syslog_line(base, n)).collect();
    let syslog = tokio::spawn(send_syslog(crashed.syslog, lines, Duration::from_millis(40)));
    let mut child = child;
    for kill in 0..KILLS {
        let due = (kill as usize + 1) * HTTP_BATCHES / (KILLS as usize + 1);
        while acknowledged.load(Ordering::SeqCst) < due {
            tokio::time::sleep(Duration::from_millis(20)).await;
        }
        assert!(!http.is_finished(), "the stream ended before kill {kill}");
        *shared.lock().unwrap() = None;
        child.kill().unwrap();
        child.wait().unwrap();
        let (next, url) = crashed.start(kill as usize + 1);
        child = next;
        *shared.lock().unwrap() = Some(url);
    }
    http.await.unwrap();
    syslog.await.unwrap();
    let url = shared.lock().unwrap().clone().unwrap();
    // Let the collector store the last syslog lines, then stop cleanly.
    tokio::time::sleep(Duration::from_millis(500)).await;
    wait_for_events(&url, (HTTP_BATCHES * BATCH) as u64).await;
    stop(child);
    let after_kills = outcome(&crashed.data).await;

    // Every acknowledged HTTP event once; syslog lines at most once.
    let expected: Vec<String> = {
        let base_ms = base.as_millisecond() as u64;
        let mut ids: Vec<String> = (0..HTTP_BATCHES * BATCH).map(|n| event_id(base_ms, n)).collect();
        ids.sort();
        ids
    };
    assert_eq!(after_kills.http, expected, "acknowledged HTTP events missing or stored twice");
    assert!(duplicates(&after_kills.syslog).is_empty(), "syslog lines stored twice");
    assert!(
        after_kills.syslog.len() > SYSLOG_LINES / 2,
        "most syslog lines should survive: {}",
        after_kills.syslog.len()
    );
    assert!(duplicates(&after_kills.alerts).is_empty(), "an alert was raised twice");

    // Without kills: the same HTTP events, and the syslog lines the crashed
    // run stored, in the order they were sent.
    let calm = Site::new();
    let (child, url) = calm.start(0);
    let shared = Mutex::new(Some(url.clone()));
    for k in 0..HTTP_BATCHES {
        post_until_acknowledged(&client, &shared, &calm.token, http_batch(base, k)).await;
    }
    let stored: BTreeSet<usize> =
        after_kills.syslog.iter().filter_map(|m| m.trim_start_matches('s').trim().parse().ok()).collect();
    let lines: Vec<String> = stored.iter().map(|&n| syslog_line(base, n)).collect();
    send_syslog(calm.syslog, lines, Duration::ZERO).await;
    wait_for_events(&url, (HTTP_BATCHES * BATCH + stored.len()) as u64).await;
    stop(child);
    let without = outcome(&calm.data).await;

    assert_eq!(after_kills.syslog, without.syslog);
    assert!(!without.alerts.is_empty());
    assert!(
        without.alerts.iter().any(|(_, events)| events.len() >= 10),
        "the brute-force correlation should fire in this stream"
    );
    assert!(without.alerts.iter().any(|(rule, _)| rule == "5b0e3a52-9d0c-4c51-8f0e-2f7f0a6b1c01"));
    let per_rule = |alerts: &[AlertKey]| {
        let mut counts = BTreeMap::<String, usize>::new();
        for (rule, _) in alerts {
            *counts.entry(rule.clone()).or_default() += 1;
        }
        counts
    };
    assert_eq!(per_rule(&after_kills.alerts), per_rule(&without.alerts), "alerts per rule differ");
    assert_eq!(after_kills.alerts, without.alerts, "alerts differ");
    assert_eq!(after_kills.incidents, without.incidents, "incidents differ");
}
