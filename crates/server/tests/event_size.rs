//! One size limit per event on every ingest route.
#![allow(clippy::unwrap_used, clippy::expect_used)]

mod common;

use std::time::Duration;

use common::{config, start_with_admin};
use safecare_ingest::Decoder;
use safecare_server::{SourceConfig, Transport};
use serde_json::{Value, json};
use tokio::io::AsyncWriteExt;

const LIMIT: usize = 4096;

fn event(size: usize) -> Value {
    json!({"domain": "cyber", "message": "sized", "fields": {"pad": "x".repeat(size)}})
}

async fn post(client: &reqwest::Client, url: &str, kind: &str, body: String) -> (u16, Value) {
    let answer = client.post(url).header("content-type", kind).body(body).send().await.unwrap();
    (answer.status().as_u16(), answer.json().await.unwrap_or(Value::Null))
}

#[tokio::test]
async fn an_event_over_the_limit_is_refused_on_every_route_and_its_batch_kept() {
    let dir = tempfile::tempdir().unwrap();
    let port = common::ports::free_port();
    let mut cfg = config(dir.path());
    cfg.max_event_bytes = LIMIT;
    cfg.sources.push(SourceConfig {
        name: "web".into(),
        transport: Transport::Http,
        decoder: Decoder::Syslog,
        site: None,
        timezone: None,
    });
    cfg.sources.push(SourceConfig {
        name: "tcp".into(),
        transport: Transport::SyslogTcp { listen: format!("127.0.0.1:{port}") },
        decoder: Decoder::Syslog,
        site: None,
        timezone: None,
    });
    let (server, client) = start_with_admin(cfg).await;
    let base = server.url();
    let events = format!("{base}/api/v1/events");
    let (big, small) = (event(LIMIT), event(10));

    let (status, reply) = post(&client, &events, "application/x-ndjson", format!("{big}\n{small}\n")).await;
    assert_eq!((status, &reply["accepted"], &reply["rejected"]), (202, &json!(1), &json!(1)), "{reply}");
    assert!(reply["errors"][0]["error"].as_str().unwrap().contains("over the limit"), "{reply}");
    let (status, reply) = post(&client, &events, "application/json", json!([small, big]).to_string()).await;
    assert_eq!((status, &reply["accepted"], &reply["errors"][0]["line"]), (202, &json!(1), &json!(2)), "{reply}");
    let (status, reply) = post(&client, &events, "application/json", big.to_string()).await;
    assert_eq!(status, 400, "{reply}");

    let line = |n: usize| format!("<34>1 2026-11-28T10:00:00Z host app - - - {}", "y".repeat(n));
    let (status, reply) = post(
        &client,
        &format!("{base}/api/v1/sources/web/events"),
        "text/plain",
        format!("{}\n{}\n", line(LIMIT), line(10)),
    )
    .await;
    assert_eq!((status, &reply["accepted"], &reply["rejected"]), (202, &json!(1), &json!(1)), "{reply}");

    let mut stream = tokio::net::TcpStream::connect(("127.0.0.1", port)).await.unwrap();
    stream.write_all(format!("{}\n{}\n", line(LIMIT), line(10)).as_bytes()).await.unwrap();
    stream.shutdown().await.unwrap();
    let mut tcp = Value::Null;
    for _ in 0..100 {
        let health: Value = client.get(format!("{base}/api/v1/sources")).send().await.unwrap().json().await.unwrap();
        tcp = health["listeners"].as_array().unwrap().iter().find(|l| l["source"] == "tcp").unwrap().clone();
        if tcp["events"] == 1 && !tcp.to_string().contains("\"errors\":{}") && tcp.to_string().contains("too_large") {
            break;
        }
        tokio::time::sleep(Duration::from_millis(50)).await;
    }
    assert_eq!(tcp["events"], 1, "{tcp}");
    assert!(tcp.to_string().contains("too_large"), "{tcp}");
    let metrics = client.get(format!("{base}/metrics")).send().await.unwrap().text().await.unwrap();
    assert!(metrics.contains("safecare_ingest_oversized_events_total 3"), "{metrics}");
    server.stop().await.unwrap();
}
