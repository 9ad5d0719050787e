//! Events posted over HTTP reach the Sigma rules; alerts, including a
//! cyber-physical correlation, come out of the API.
#![allow(clippy::unwrap_used, clippy::expect_used)]

mod common;

use std::time::Duration;

use common::{config, start_with_admin};
use serde_json::{Value, json};

const ROOM: &str = r#"{"site": "hq", "building": "main", "floor": "-1", "zone": "server_room", "room": "B1.04"}"#;

async fn alerts(client: &reqwest::Client, base: &str) -> Vec<Value> {
    // Detection runs behind the API; give it a moment.
    for _ in 0..100 {
        let list: Vec<Value> = client.get(format!("{base}/api/v1/alerts")).send().await.unwrap().json().await.unwrap();
        if list.len() >= 3 {
            return list;
        }
        tokio::time::sleep(Duration::from_millis(50)).await;
    }
    client.get(format!("{base}/api/v1/alerts")).send().await.unwrap().json().await.unwrap()
}

fn badge() -> Value {
    let room: Value = serde_json::from_str(ROOM).unwrap();
    json!({
        "time": "2026-11-28T02:10:00Z", "domain": "physical", "message": "access granted outside schedule",
        "logsource": {"product": "safecare", "category": "access_control"}, "location": room,
        "asset": "door-b1-04", "fields": {"action": "granted", "schedule": "outside", "door": "D-B1.04", "badge_holder": "bdg_7f2c"}
    })
}

fn usb() -> Value {
    let room: Value = serde_json::from_str(ROOM).unwrap();
    json!({
        "time": "2026-11-28T02:25:00Z", "domain": "cyber", "message": "external disk connected",
        "logsource": {"product": "windows", "service": "security"}, "location": room, "asset": "srv-ehr-01",
        "fields": {"EventID": 6416, "ClassName": "DiskDrive", "Channel": "Security", "Computer": "srv-ehr-01"}
    })
}

async fn send(client: &reqwest::Client, base: &str, events: &[Value]) {
    common::post_ndjson(client, base, events.iter().map(|e| format!("{e}\n")).collect()).await;
}

#[tokio::test]
async fn after_hours_badge_then_usb_in_the_same_room_raises_a_correlated_alert() {
    let dir = tempfile::tempdir().unwrap();
    let (server, client) = start_with_admin(config(dir.path())).await;
    let base = server.url();
    send(&client, &base, &[badge(), usb()]).await;

    let list = alerts(&client, &base).await;
    let rules_view: Value = client.get(format!("{base}/api/v1/rules")).send().await.unwrap().json().await.unwrap();
    let rule =
        |name: &str| rules_view["rules"].as_array().unwrap().iter().find(|r| r["name"] == name).cloned().unwrap();
    let alert_of = |name: &str| {
        let id = rule(name)["id"].clone();
        list.iter()
            .find(|a| a["Attachment"][0]["Content"]["rule"] == id)
            .cloned()
            .unwrap_or_else(|| panic!("no {name} alert in {list:#?}"))
    };
    alert_of("hospital-after-hours-restricted-access");
    alert_of("hospital-usb-storage");
    let correlated = alert_of("hospital-cp-after-hours-badge-then-usb");
    assert_eq!(correlated["Attachment"][0]["Content"]["severity"], "critical");
    assert_eq!(correlated["Attachment"][0]["Content"]["threat"], "data_exfiltration");
    assert_eq!(correlated["Attachment"][0]["Content"]["events"].as_array().unwrap().len(), 2);
    assert_eq!(correlated["Version"], "2.D.V08");
    assert_eq!(correlated["Category"], json!(["Theft.Data"]));
    assert_eq!(rule("hospital-cp-after-hours-badge-then-usb")["hits"], 1);
    server.stop().await.unwrap();
}

#[tokio::test]
async fn an_open_correlation_window_survives_a_restart() {
    let dir = tempfile::tempdir().unwrap();
    let (server, client) = start_with_admin(config(dir.path())).await;
    send(&client, &server.url(), &[badge()]).await;
    server.stop().await.unwrap();

    let (server, client) = start_with_admin(config(dir.path())).await;
    let base = server.url();
    send(&client, &base, &[usb()]).await;
    let list = alerts(&client, &base).await;
    let correlated = list
        .iter()
        .filter(|a| a["Attachment"][0]["Content"]["events"].as_array().is_some_and(|e| e.len() == 2))
        .count();
    assert_eq!(correlated, 1, "{list:#?}");
    server.stop().await.unwrap();
}
