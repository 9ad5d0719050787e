//! One live inventory: what the API changes, the listeners and the HTTP
//! routes resolve against at once, with short and full host names matched
//! the same way everywhere.
#![allow(clippy::unwrap_used, clippy::expect_used)]

mod common;

use std::time::Duration;

use common::{config, start_with_admin};
use safecare_ingest::Decoder;
use safecare_server::{SourceConfig, Transport};
use serde_json::{Value, json};
use tokio::io::AsyncWriteExt;

fn host_asset(id: &str, hostname: &str) -> Value {
    json!({"id": id, "name": id, "kind": "server",
           "location": {"site": "hq", "building": "main", "floor": "-1", "room": "dc"},
           "identifiers": {"hostnames": [hostname]}})
}

/// The events of `source` stored so far, waiting up to ten seconds for `n`.
async fn events(client: &reqwest::Client, base: &str, source: &str, n: usize) -> Vec<Value> {
    for _ in 0..100 {
        let page = common::events_page(client, base, &format!("source={source}&limit=100")).await;
        let list = page["events"].as_array().cloned().unwrap_or_default();
        if list.len() >= n {
            return list;
        }
        tokio::time::sleep(Duration::from_millis(100)).await;
    }
    panic!("fewer than {n} events from {source}");
}

#[tokio::test]
async fn an_asset_added_through_the_api_is_resolved_by_a_listener_without_restart() {
    let dir = tempfile::tempdir().unwrap();
    let port = common::ports::free_port();
    let mut cfg = config(dir.path());
    cfg.sources.push(SourceConfig {
        name: "syslog-tcp".into(),
        transport: Transport::SyslogTcp { listen: format!("127.0.0.1:{port}") },
        decoder: Decoder::Syslog,
        site: Some("hq".into()),
        timezone: None,
    });
    let (server, client) = start_with_admin(cfg).await;
    let base = server.url();
    let mut stream = tokio::net::TcpStream::connect(("127.0.0.1", port)).await.unwrap();
    stream.write_all(b"<34>1 2026-11-28T10:00:00Z ehr-01 sshd 42 - - before\n").await.unwrap();
    let before = events(&client, &base, "syslog-tcp", 1).await;
    assert_eq!(before[0]["asset"], Value::Null, "{:#}", before[0]);
    // The inventory knows the full name; the syslog header carries the short one.
    let put = client.put(format!("{base}/api/v1/assets/srv-ehr")).json(&host_asset("srv-ehr", "ehr-01.hq.local"));
    assert_eq!(put.send().await.unwrap().status(), 200);
    stream.write_all(b"<34>1 2026-11-28T10:00:01Z ehr-01 sshd 42 - - after\n").await.unwrap();
    let after = events(&client, &base, "syslog-tcp", 2).await;
    let resolved = after.iter().find(|e| e["message"].as_str().is_some_and(|m| m.contains("after"))).unwrap();
    assert_eq!(resolved["asset"], "srv-ehr", "{resolved:#}");
    assert_eq!(resolved["location"]["room"], "dc", "{resolved:#}");
    drop(stream);
    server.stop().await.unwrap();
}

#[tokio::test]
async fn a_full_host_name_resolves_to_an_asset_known_by_its_short_name() {
    let dir = tempfile::tempdir().unwrap();
    let (server, client) = start_with_admin(config(dir.path())).await;
    let base = server.url();
    let put = client.put(format!("{base}/api/v1/assets/srv-pacs")).json(&host_asset("srv-pacs", "PACS-01"));
    assert_eq!(put.send().await.unwrap().status(), 200);
    let event = json!({"source": "fqdn-probe", "domain": "cyber", "message": "logon",
                       "fields": {"Computer": "pacs-01.hq.local"}});
    let sent = client.post(format!("{base}/api/v1/events")).json(&event).send().await.unwrap();
    assert_eq!(sent.status(), 202, "{}", sent.text().await.unwrap_or_default());
    let stored = events(&client, &base, "fqdn-probe", 1).await;
    assert_eq!(stored[0]["asset"], "srv-pacs", "{:#}", stored[0]);
    server.stop().await.unwrap();
}
