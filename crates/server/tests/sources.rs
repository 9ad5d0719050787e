//! Configured sources: syslog over TCP and physical sensors over MQTT, all
//! the way to the store.

mod common;

use std::time::Duration;

use common::{config, start_with_admin};
use safecare_ingest::Decoder;
use safecare_server::{SourceConfig, Transport};
use serde_json::Value;
use tokio::io::AsyncWriteExt;

fn free_port() -> u16 {
    std::net::TcpListener::bind("127.0.0.1:0").unwrap().local_addr().unwrap().port()
}

async fn count(client: &reqwest::Client, base: &str, query: &str) -> usize {
    let mut total = 0;
    let mut after = String::new();
    loop {
        let page: Value = client
            .get(format!("{base}/api/v1/events?limit=1000&{query}&after={after}"))
            .send()
            .await
            .unwrap()
            .json()
            .await
            .unwrap();
        total += page["events"].as_array().unwrap().len();
        match page["next"].as_str() {
            Some(next) => after = next.to_owned(),
            None => return total,
        }
    }
}

#[tokio::test]
async fn a_hundred_thousand_syslog_messages_over_tcp_are_all_stored() {
    let dir = tempfile::tempdir().unwrap();
    let port = free_port();
    let mut cfg = config(dir.path());
    cfg.store.durability = safecare_store::Durability::Normal;
    cfg.sources.push(SourceConfig {
        name: "syslog-tcp".into(),
        transport: Transport::SyslogTcp { listen: format!("127.0.0.1:{port}") },
        decoder: Decoder::Syslog,
        site: Some("hq".into()),
        timezone: None,
    });
    let (server, client) = start_with_admin(cfg).await;
    let mut stream = tokio::net::TcpStream::connect(("127.0.0.1", port)).await.unwrap();
    let mut chunk = String::new();
    for i in 0..100_000 {
        chunk.push_str(&format!(
            "<34>1 2026-11-28T10:00:00Z ehr-01 sshd 42 - - Failed password for user{} from 10.0.0.{}\n",
            i % 100,
            i % 250
        ));
        if chunk.len() > 64 * 1024 {
            stream.write_all(chunk.as_bytes()).await.unwrap();
            chunk.clear();
        }
    }
    stream.write_all(chunk.as_bytes()).await.unwrap();
    stream.shutdown().await.unwrap();
    drop(stream);
    let base = server.url();
    let mut stored = 0;
    for _ in 0..300 {
        stored = count(&client, &base, "source=syslog-tcp").await;
        if stored == 100_000 {
            break;
        }
        tokio::time::sleep(Duration::from_millis(200)).await;
    }
    assert_eq!(stored, 100_000);
    let health: Value = client.get(format!("{base}/api/v1/sources")).send().await.unwrap().json().await.unwrap();
    assert_eq!(health["listeners"][0]["source"], "syslog-tcp", "{health}");
    assert_eq!(health["listeners"][0]["events"], 100_000, "{health}");
    server.stop().await.unwrap();
}
