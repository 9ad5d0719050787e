//! Sources of transport `http`: IDMEFv2 alerts from another detector and
//! JSON records with a configured field mapping, posted to
//! `POST /api/v1/sources/{name}/events`, decoded by the source's decoder,
//! placed and stored; bad records are listed and counted in the source's
//! health.
#![allow(clippy::unwrap_used, clippy::expect_used)]

mod common;

use common::{client_with, config, start_with_admin, token};
use safecare_model::Role;
use safecare_server::SourceConfig;
use serde_json::{Value, json};

const PEER_ALERT: &str = r#"{"Version":"2.D.V08","ID":"09db946e-673e-49af-b4b2-a8cd9da58de6","CreateTime":"2026-11-29T02:01:00Z","StartTime":"2026-11-29T03:00:00+01:00","Description":"Unauthorized access to server room","Priority":"High","Type":["Physical"],"Category":["Access.Unauthorized"],"Analyzer":{"IP":"10.2.0.5","Name":"psim-01","Model":"PSIM 3","Category":["PHY.ACCESS-CTRL"]},"Target":[{"ID":"8e2c1ad0-1c51-4b7e-9a3e-0d5d0e0c2f11","Location":"hq/main/-1/it/srv"}]}"#;

fn sources() -> Vec<SourceConfig> {
    serde_json::from_value(json!([
        {"name": "peer-psim", "type": "http", "decoder": {"parser": "idmef"}, "site": "hq"},
        {"name": "bms-gateway", "type": "http", "site": "hq",
         "decoder": {"parser": "json", "domain": "building", "time": "ts", "time_required": true, "message": "text",
                     "severity": "level", "severity_values": {"ALARM": "high", "INFO": "info"},
                     "logsource": {"product": "bms", "category": "bms"}}}
    ]))
    .unwrap()
}

async fn events_of(client: &reqwest::Client, base: &str, source: &str) -> Vec<Value> {
    let page: Value =
        client.get(format!("{base}/api/v1/events?source={source}")).send().await.unwrap().json().await.unwrap();
    page["events"].as_array().unwrap().clone()
}

#[tokio::test]
async fn idmef_and_mapped_json_arrive_over_http_sources_and_bad_records_are_listed() {
    let dir = tempfile::tempdir().unwrap();
    let (server, admin) = start_with_admin(safecare_server::Config { sources: sources(), ..config(dir.path()) }).await;
    let base = server.url();

    // An IDMEFv2 alert from a physical-security detector.
    let sent = admin
        .post(format!("{base}/api/v1/sources/peer-psim/events"))
        .header("content-type", "application/json")
        .body(PEER_ALERT)
        .send()
        .await
        .unwrap();
    assert_eq!(sent.status(), 202);
    let reply: Value = sent.json().await.unwrap();
    assert_eq!((reply["accepted"].as_u64(), reply["rejected"].as_u64()), (Some(1), Some(0)));
    let stored = events_of(&admin, &base, "peer-psim").await;
    assert_eq!(stored.len(), 1);
    assert_eq!(stored[0]["domain"], "physical");
    assert_eq!(stored[0]["fields"]["Analyzer"]["Name"], "psim-01");

    // Mapped JSON lines: two good, one without its time, one not JSON.
    let lines = [
        json!({"ts": "2026-11-29T02:10:00Z", "level": "ALARM", "text": "AHU-OT supply air 31 C"}).to_string(),
        json!({"ts": "2026-11-29T02:11:00Z", "level": "INFO", "text": "AHU-OT back to 19 C"}).to_string(),
        json!({"level": "INFO", "text": "no time"}).to_string(),
        "{not json".to_owned(),
    ];
    let sent = admin
        .post(format!("{base}/api/v1/sources/bms-gateway/events"))
        .header("content-type", "application/x-ndjson")
        .body(lines.join("\n"))
        .send()
        .await
        .unwrap();
    assert_eq!(sent.status(), 202);
    let reply: Value = sent.json().await.unwrap();
    assert_eq!((reply["accepted"].as_u64(), reply["rejected"].as_u64()), (Some(2), Some(2)), "{reply}");
    let lines_refused: Vec<u64> =
        reply["errors"].as_array().unwrap().iter().map(|e| e["line"].as_u64().unwrap()).collect();
    assert_eq!(lines_refused, [3, 4]);
    let stored = events_of(&admin, &base, "bms-gateway").await;
    assert_eq!(stored.len(), 2);
    let alarm = stored.iter().find(|e| e["message"] == "AHU-OT supply air 31 C").unwrap();
    assert_eq!((alarm["severity"].as_str(), alarm["logsource"]["product"].as_str()), (Some("high"), Some("bms")));

    // The source's health counts the refusals by kind.
    let health: Value = admin.get(format!("{base}/api/v1/sources")).send().await.unwrap().json().await.unwrap();
    let gateway = health["listeners"]
        .as_array()
        .unwrap()
        .iter()
        .find(|s| s["source"] == "bms-gateway")
        .cloned()
        .unwrap_or_else(|| panic!("{health:#}"));
    assert_eq!((gateway["events"].as_u64(), gateway["errors"].as_u64()), (Some(2), Some(2)), "{gateway:#}");

    // Unknown sources, sensors of other sources and unknown bodies are refused.
    let unknown = admin
        .post(format!("{base}/api/v1/sources/nope/events"))
        .header("content-type", "application/json")
        .body(PEER_ALERT)
        .send()
        .await
        .unwrap();
    assert_eq!(unknown.status(), 404);
    let sensor = client_with(&token(&server, Role::Sensor, Some("bms-gateway")).await);
    let other = sensor
        .post(format!("{base}/api/v1/sources/peer-psim/events"))
        .header("content-type", "application/json")
        .body(PEER_ALERT)
        .send()
        .await
        .unwrap();
    assert_eq!(other.status(), 403);
    let xml = admin
        .post(format!("{base}/api/v1/sources/peer-psim/events"))
        .header("content-type", "application/xml")
        .body("<alert/>")
        .send()
        .await
        .unwrap();
    assert_eq!(xml.status(), 415);
    server.stop().await.unwrap();
}
