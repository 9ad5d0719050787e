//! The inventory API: import, export, change one asset, all validated.
#![allow(clippy::unwrap_used, clippy::expect_used)]

mod common;

use common::{config, import_assets, start_with_admin};
use reqwest::StatusCode;
use serde_json::{Value, json};

const SITE: &str = r#"
assets:
  - {id: svc-pharmacy, name: Pharmacy, kind: service}
  - {id: rm-0.12, name: Drug store, kind: room, location: {site: hq, building: main, floor: "0", room: "0.12"}}
  - {id: door-0.12, name: Drug store door, kind: door, location: {site: hq, building: main, floor: "0", room: "0.12"}, identifiers: {device_ids: [D-0.12]}}
relations:
  - {from: svc-pharmacy, to: rm-0.12, kind: depends_on, class: access}
  - {from: door-0.12, to: rm-0.12, kind: leads_to}
"#;

#[tokio::test]
async fn import_change_and_export_the_inventory_with_validation() {
    let dir = tempfile::tempdir().unwrap();
    let (server, admin) = start_with_admin(config(dir.path())).await;
    let base = server.url();

    let broken = SITE.replace("to: rm-0.12, kind: leads_to", "to: rm-9.99, kind: leads_to");
    let (refused, body) = import_assets(&admin, &base, "", "application/yaml", &broken).await;
    assert_eq!(refused, StatusCode::UNPROCESSABLE_ENTITY);
    assert!(body["detail"]["problems"][0].as_str().unwrap().contains("rm-9.99"), "{body}");

    let (imported, _) = import_assets(&admin, &base, "", "application/yaml", SITE).await;
    assert_eq!(imported, StatusCode::OK);
    let one: Value = admin.get(format!("{base}/api/v1/assets/rm-0.12")).send().await.unwrap().json().await.unwrap();
    assert_eq!(one["relations"].as_array().unwrap().len(), 2);

    let mut door =
        json!({"id": "door-0.12", "name": "Drug store door", "kind": "door", "protections": {"forced_entry": 0.9}});
    let put = admin.put(format!("{base}/api/v1/assets/door-0.12")).json(&door).send().await.unwrap();
    assert_eq!(put.status(), StatusCode::OK);
    door["protections"]["forced_entry"] = json!(1.5);
    let bad = admin.put(format!("{base}/api/v1/assets/door-0.12")).json(&door).send().await.unwrap();
    assert_eq!(bad.status(), StatusCode::UNPROCESSABLE_ENTITY);
    let mismatch = admin.put(format!("{base}/api/v1/assets/other")).json(&door).send().await.unwrap();
    assert_eq!(mismatch.status(), StatusCode::BAD_REQUEST);

    let deleted = admin.delete(format!("{base}/api/v1/assets/door-0.12")).send().await.unwrap();
    assert_eq!(deleted.status(), StatusCode::NO_CONTENT);
    let relations: Vec<Value> =
        admin.get(format!("{base}/api/v1/relations")).send().await.unwrap().json().await.unwrap();
    assert_eq!(relations.len(), 1, "the door's relation went with it");

    let exported =
        admin.get(format!("{base}/api/v1/assets/export?format=json")).send().await.unwrap().text().await.unwrap();
    assert!(exported.contains("svc-pharmacy") && !exported.contains("door-0.12"));
    let (reimported, _) = import_assets(&admin, &base, "", "application/json", &exported).await;
    assert_eq!(reimported, StatusCode::OK, "an export imports back");
    let log: Vec<Value> = admin.get(format!("{base}/api/v1/audit")).send().await.unwrap().json().await.unwrap();
    assert!(log.iter().any(|e| e["action"] == "assets.delete"));
    server.stop().await.unwrap();
}

#[tokio::test]
async fn a_tampered_air_handler_is_assessed_down_to_the_operating_theatres() {
    let dir = tempfile::tempdir().unwrap();
    let (server, admin) = start_with_admin(config(dir.path())).await;
    let base = server.url();
    common::load_demo_hospital(&server).await;

    let report: Value = admin
        .post(format!("{base}/api/v1/impact/assess"))
        .json(&json!({"threat": "tampering", "assets": ["ahu-ot"]}))
        .send()
        .await
        .unwrap()
        .json()
        .await
        .unwrap();
    let services: Vec<&str> =
        report["report"]["services"].as_array().unwrap().iter().map(|s| s["asset"].as_str().unwrap()).collect();
    assert!(services.contains(&"svc-theatres"), "{report:#}");
    let ranked = report["mitigations"].as_array().unwrap();
    assert!(!ranked.is_empty(), "mitigations are proposed: {report:#}");
    let reductions: Vec<f64> = ranked.iter().map(|m| m["reduction"].as_f64().unwrap()).collect();
    assert!(reductions.windows(2).all(|w| w[0] >= w[1]), "best reduction first: {reductions:?}");
    assert!(reductions[0] > 0.0);

    let unknown = admin
        .post(format!("{base}/api/v1/impact/assess"))
        .json(&json!({"threat": "alien invasion", "assets": ["ahu-ot"]}))
        .send()
        .await
        .unwrap();
    assert_eq!(unknown.status(), StatusCode::BAD_REQUEST);
    assert!(unknown.text().await.unwrap().contains("alien invasion"));
    server.stop().await.unwrap();
}

/// Posts one event and reads it back by its message.
async fn post_and_read(admin: &reqwest::Client, base: &str, event: Value) -> Value {
    let message = event["message"].as_str().unwrap().to_owned();
    let reply = admin.post(format!("{base}/api/v1/events")).json(&event).send().await.unwrap();
    assert_eq!(reply.status(), StatusCode::ACCEPTED);
    let page: Value = admin.get(format!("{base}/api/v1/events?limit=1000")).send().await.unwrap().json().await.unwrap();
    page["events"].as_array().unwrap().iter().find(|e| e["message"] == message).cloned().expect("stored event")
}

#[tokio::test]
async fn http_events_resolve_against_the_current_inventory() {
    let dir = tempfile::tempdir().unwrap();
    let (server, admin) = start_with_admin(config(dir.path())).await;
    let base = server.url();
    let inventory = r#"
assets:
  - {id: srv-pacs-01, name: PACS, kind: server, location: {site: hq, building: main, floor: "-1", room: dc}, identifiers: {hostnames: [pacs-01.hq.local]}}
"#;
    let (imported, _) = import_assets(&admin, &base, "", "application/yaml", inventory).await;
    assert_eq!(imported, StatusCode::OK);

    let by_host = post_and_read(
        &admin,
        &base,
        json!({"domain": "cyber", "message": "by host", "fields": {"Computer": "PACS-01"}}),
    )
    .await;
    assert_eq!(by_host["asset"], "srv-pacs-01", "{by_host}");
    assert_eq!(by_host["location"]["room"], "dc");
    assert!(by_host["fields"].get("safecare.unknown_device").is_none());

    let before = post_and_read(
        &admin,
        &base,
        json!({"domain": "medical", "message": "before put", "fields": {"src_ip": "10.50.0.21"}}),
    )
    .await;
    assert!(before.get("asset").is_none(), "{before}");
    assert_eq!(before["fields"]["safecare.unknown_device"], true, "unknown devices are kept and flagged");

    let monitor = json!({"id": "mon-icu-01", "name": "ICU monitor", "kind": "medical_device",
        "location": {"site": "hq", "building": "main", "floor": "2", "zone": "icu"},
        "identifiers": {"ips": ["10.50.0.21"]}});
    let put = admin.put(format!("{base}/api/v1/assets/mon-icu-01")).json(&monitor).send().await.unwrap();
    assert_eq!(put.status(), StatusCode::OK);
    let after = post_and_read(
        &admin,
        &base,
        json!({"domain": "medical", "message": "after put", "fields": {"src_ip": "10.50.0.21"}}),
    )
    .await;
    assert_eq!(after["asset"], "mon-icu-01", "{after}");
    assert_eq!(after["location"]["zone"], "icu");

    let named = post_and_read(
        &admin,
        &base,
        json!({"domain": "cyber", "message": "named", "asset": "srv-pacs-01", "fields": {"src_ip": "10.50.0.21"}}),
    )
    .await;
    assert_eq!(named["asset"], "srv-pacs-01", "an event that names its asset keeps it");

    let deleted = admin.delete(format!("{base}/api/v1/assets/mon-icu-01")).send().await.unwrap();
    assert_eq!(deleted.status(), StatusCode::NO_CONTENT);
    let gone = post_and_read(
        &admin,
        &base,
        json!({"domain": "medical", "message": "after delete", "fields": {"src_ip": "10.50.0.21"}}),
    )
    .await;
    assert!(gone.get("asset").is_none(), "{gone}");
    server.stop().await.unwrap();
}
