//! The notification outbox across a crash: `safecare serve` is killed with
//! SIGKILL while a webhook receiver is refusing every try, then started
//! again with the receiver accepting. Every message planned before the kill
//! (and any planned after it) is delivered, each exactly once, under the
//! delivery key it was first tried with.
#![allow(clippy::unwrap_used, clippy::expect_used)]

mod common;

use std::collections::{BTreeMap, BTreeSet};
use std::io::{BufRead, BufReader, Read, Write};
use std::net::{SocketAddr, TcpListener, TcpStream};
use std::path::Path;
use std::sync::{Arc, Mutex};
use std::time::Duration;

use common::{Served, init, safecare, serve_command};
use serde_json::Value;

/// What the receiver saw: the delivery key of every try, and the bodies it
/// accepted by key.
#[derive(Default)]
struct Received {
    accepting: bool,
    tries: Vec<String>,
    accepted: BTreeMap<String, Vec<Value>>,
}

/// Reads one HTTP request: its `x-safecare-delivery` header and its body.
fn read_request(stream: &TcpStream) -> Option<(String, Vec<u8>)> {
    let mut reader = BufReader::new(stream);
    let (mut key, mut length) = (String::new(), 0usize);
    loop {
        let mut line = String::new();
        if reader.read_line(&mut line).ok()? == 0 {
            return None;
        }
        let lower = line.to_ascii_lowercase();
        if let Some(value) = lower.strip_prefix("content-length:") {
            length = value.trim().parse().ok()?;
        }
        if let Some(value) = lower.strip_prefix("x-safecare-delivery:") {
            key = value.trim().to_owned();
        }
        if line == "\r\n" {
            break;
        }
    }
    let mut body = vec![0; length];
    reader.read_exact(&mut body).ok()?;
    Some((key, body))
}

/// A webhook receiver on its own thread, written without SafeCare's code:
/// 503 while it is not accepting, 200 once it is.
fn receiver(received: Arc<Mutex<Received>>) -> SocketAddr {
    let listener = TcpListener::bind("127.0.0.1:0").unwrap();
    let addr = listener.local_addr().unwrap();
    std::thread::spawn(move || {
        for stream in listener.incoming() {
            let Ok(mut stream) = stream else { continue };
            let Some((key, body)) = read_request(&stream) else { continue };
            let status = {
                let mut seen = received.lock().unwrap();
                seen.tries.push(key.clone());
                if seen.accepting {
                    seen.accepted.entry(key).or_default().push(serde_json::from_slice(&body).unwrap());
                    "200 OK"
                } else {
                    "503 Service Unavailable"
                }
            };
            let _ = write!(stream, "HTTP/1.1 {status}\r\ncontent-length: 0\r\nconnection: close\r\n\r\n");
        }
    });
    addr
}

fn configure(dir: &Path, hook: SocketAddr) -> std::path::PathBuf {
    let file = dir.join("safecare.toml");
    let toml = format!(
        "[notify.channels.hook]\ntype = \"webhook\"\nurl = \"http://{hook}/hook\"\nsecret = \"crash-test\"\n\n\
         [[notify.routes]]\nname = \"soc\"\nchannel = \"hook\"\n\n\
         [notify.retry]\nfirst_seconds = 1\nmax_seconds = 1\nmax_attempts = 100\n"
    );
    std::fs::write(&file, toml).unwrap();
    file
}

fn token(config: &Path, data: &Path, role: &str) -> String {
    let out = safecare()
        .args(["tokens", "add", role, "--role", role, "--config"])
        .arg(config)
        .arg("--data")
        .arg(data)
        .output()
        .unwrap();
    assert!(out.status.success(), "{}", String::from_utf8_lossy(&out.stderr));
    String::from_utf8_lossy(&out.stdout).trim().to_owned()
}

/// Windows logon failures for one account: each raises an alert, together
/// a brute-force correlation, grouped into an incident the route matches.
fn logon_failures() -> String {
    let now = jiff::Timestamp::now();
    (0..12)
        .map(|n| {
            format!(
                "{{\"time\":\"{}\",\"domain\":\"cyber\",\"message\":\"An account failed to log on\",\
                 \"asset\":\"ws-crash\",\"logsource\":{{\"product\":\"windows\",\"service\":\"security\"}},\
                 \"fields\":{{\"EventID\":4625,\"TargetUserName\":\"nurse\",\"IpAddress\":\"10.1.0.9\",\"LogonType\":3}}}}\n",
                now + jiff::SignedDuration::from_secs(n)
            )
        })
        .collect()
}

/// Polls `check` every 100 ms until it answers, at most 60 s.
async fn until<T>(what: &str, mut check: impl AsyncFnMut() -> Option<T>) -> T {
    for _ in 0..600 {
        if let Some(found) = check().await {
            return found;
        }
        tokio::time::sleep(Duration::from_millis(100)).await;
    }
    panic!("gave up waiting for {what}");
}

async fn notifications(client: &reqwest::Client, url: &str, token: &str) -> Vec<Value> {
    let Ok(response) = client.get(format!("{url}/api/v1/notifications")).bearer_auth(token).send().await else {
        return Vec::new();
    };
    let page: Value = response.json().await.unwrap_or_default();
    page["notifications"].as_array().cloned().unwrap_or_default()
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_message_refused_before_a_sigkill_is_delivered_once_after_the_restart() {
    let received = Arc::new(Mutex::new(Received::default()));
    let hook = receiver(received.clone());
    let dir = tempfile::tempdir().unwrap();
    let data = dir.path().join("data");
    let config = configure(dir.path(), hook);
    init(&data);
    let sensor = token(&config, &data, "sensor");
    let admin = token(&config, &data, "admin");

    let served = Served::start(serve_command(&data).arg("--config").arg(&config));
    let client = reqwest::Client::new();
    let response = client
        .post(format!("{}/api/v1/events", served.url))
        .bearer_auth(&sensor)
        .header("content-type", "application/x-ndjson")
        .body(logon_failures())
        .send()
        .await
        .unwrap();
    assert_eq!(response.status().as_u16(), 202);
    until("two refused tries", async || (received.lock().unwrap().tries.len() >= 2).then_some(())).await;
    served.kill();

    let refused: BTreeSet<String> = {
        let mut seen = received.lock().unwrap();
        assert!(seen.accepted.is_empty());
        seen.accepting = true;
        seen.tries.iter().cloned().collect()
    };
    let served = Served::start(serve_command(&data).arg("--config").arg(&config));
    let listed = until("every message delivered", async || {
        let all = notifications(&client, &served.url, &admin).await;
        (!all.is_empty() && all.iter().all(|n| n["status"] == "delivered")).then_some(all)
    })
    .await;
    // Passes of the stage after the deliveries send nothing more.
    tokio::time::sleep(Duration::from_millis(2500)).await;
    served.stop();

    let seen = received.lock().unwrap();
    let delivered: BTreeSet<String> = seen.accepted.keys().cloned().collect();
    assert!(refused.is_subset(&delivered), "refused before the kill {refused:?}, delivered after {delivered:?}");
    for (key, bodies) in &seen.accepted {
        assert_eq!(bodies.len(), 1, "{key} delivered {} times", bodies.len());
        assert_eq!(bodies[0]["route"], "soc");
    }
    assert_eq!(listed.len(), delivered.len(), "the outbox and the receiver agree: {listed:#?}");
}
