//! The retention purge over aged data: events and alerts older than the
//! policy go, recent ones stay, and the purge is audited.
#![allow(clippy::unwrap_used, clippy::expect_used)]

mod common;

use std::time::Duration;

use common::{config, start_with_admin};
use jiff::{SignedDuration, Timestamp};
use serde_json::{Value, json};

/// A door of the server room forced open `days_ago`: one event, and one
/// alert from the hospital pack, both dated then.
fn forced_door(days_ago: i64, door: &str) -> Value {
    let time = Timestamp::now() - SignedDuration::from_hours(24 * days_ago);
    json!({
        "time": time.to_string(), "domain": "physical", "message": format!("door {door} forced"),
        "logsource": {"product": "safecare", "category": "access_control"},
        "location": {"site": "hq", "building": "main", "floor": "-1", "zone": "server_room", "room": "B1.04"},
        "fields": {"action": "forced", "door": door}
    })
}

async fn alert_events(client: &reqwest::Client, base: &str) -> Vec<String> {
    let alerts: Vec<Value> = client.get(format!("{base}/api/v1/alerts")).send().await.unwrap().json().await.unwrap();
    let mut doors: Vec<String> = alerts
        .iter()
        .filter_map(|a| a["Attachment"][0]["Content"]["events"][0].as_str())
        .map(|id| id.to_owned())
        .collect();
    doors.sort();
    doors
}

async fn event_messages(client: &reqwest::Client, base: &str) -> Vec<String> {
    let page: Value =
        client.get(format!("{base}/api/v1/events?limit=1000")).send().await.unwrap().json().await.unwrap();
    let mut messages: Vec<String> =
        page["events"].as_array().unwrap().iter().map(|e| e["message"].as_str().unwrap().to_owned()).collect();
    messages.sort();
    messages
}

#[tokio::test]
async fn the_purge_removes_exactly_the_aged_events_and_alerts_and_is_audited() {
    let dir = tempfile::tempdir().unwrap();
    let mut cfg = config(dir.path());
    cfg.retention.raw_events = "90d".parse().unwrap();
    cfg.retention.alerts = "30d".parse().unwrap();
    let (server, client) = start_with_admin(cfg).await;
    let base = server.url();

    // Events of 200, 60 and 1 days ago: only the first is past 90 days.
    // Their alerts: the first two are past 30 days.
    let body: String = [forced_door(200, "D-OLD"), forced_door(60, "D-MID"), forced_door(1, "D-NEW")]
        .iter()
        .map(|e| format!("{e}\n"))
        .collect();
    common::post_ndjson(&client, &base, body).await;
    let mut alerts = Vec::new();
    for _ in 0..100 {
        alerts = alert_events(&client, &base).await;
        if alerts.len() == 3 {
            break;
        }
        tokio::time::sleep(Duration::from_millis(50)).await;
    }
    assert_eq!(alerts.len(), 3, "one alert per forced door: {alerts:?}");
    let page: Value =
        client.get(format!("{base}/api/v1/events?limit=1000")).send().await.unwrap().json().await.unwrap();
    let id_of = |door: &str| {
        page["events"].as_array().unwrap().iter().find(|e| e["fields"]["door"] == door).unwrap()["id"]
            .as_str()
            .unwrap()
            .to_owned()
    };
    let new_event = id_of("D-NEW");

    let plan: Value = client.get(format!("{base}/api/v1/retention")).send().await.unwrap().json().await.unwrap();
    let due =
        |class: &str| plan["items"].as_array().unwrap().iter().find(|i| i["class"] == class).unwrap()["count"].clone();
    assert_eq!((due("raw_events"), due("alerts")), (json!(1), json!(2)), "{plan}");

    // What the hourly retention stage runs.
    let done = safecare_server::purge_due(&server.state.config, &server.state.privacy).await.unwrap();
    assert_eq!(done.total(), 3, "{done}");

    assert_eq!(event_messages(&client, &base).await, ["door D-MID forced", "door D-NEW forced"]);
    assert_eq!(alert_events(&client, &base).await, [new_event], "only the alert of the recent door is left");
    let log: Vec<Value> = client.get(format!("{base}/api/v1/audit")).send().await.unwrap().json().await.unwrap();
    let purge = log.iter().find(|e| e["action"] == "retention.purge").unwrap_or_else(|| panic!("{log:#?}"));
    assert_eq!(purge["actor"], "safecare");
    let detail = purge["detail"].as_str().unwrap();
    let removed = |class: &str, n: &str| detail.lines().any(|l| l.split_whitespace().take(2).eq([class, n]));
    assert!(removed("raw_events", "1") && removed("alerts", "2"), "the entry says what went: {detail}");
    let verdict: Value = client.get(format!("{base}/api/v1/audit/verify")).send().await.unwrap().json().await.unwrap();
    assert_eq!(verdict["intact"], true);

    // Nothing more is due: a second pass removes nothing and audits nothing.
    assert_eq!(safecare_server::purge_due(&server.state.config, &server.state.privacy).await.unwrap().total(), 0);
    let again: Vec<Value> = client.get(format!("{base}/api/v1/audit")).send().await.unwrap().json().await.unwrap();
    assert_eq!(again.iter().filter(|e| e["action"] == "retention.purge").count(), 1);
    server.stop().await.unwrap();
}
