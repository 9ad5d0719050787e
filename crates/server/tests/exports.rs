//! Exports leave SafeCare only with an audit entry naming who took what,
//! and the audit chain stays intact.
#![allow(clippy::unwrap_used, clippy::expect_used)]

mod common;

use common::{client_with, config, import_assets, token};
use reqwest::StatusCode;
use safecare_model::Role;
use safecare_server::start;
use serde_json::{Value, json};

const SITE: &str = r#"
assets:
  - {id: svc-pharmacy, name: Pharmacy, kind: service}
  - {id: rm-0.12, name: Drug store, kind: room, location: {site: hq, building: main, floor: "0", room: "0.12"}}
relations:
  - {from: svc-pharmacy, to: rm-0.12, kind: depends_on, class: access}
"#;

async fn audit_log(client: &reqwest::Client, base: &str) -> Vec<Value> {
    client.get(format!("{base}/api/v1/audit")).send().await.unwrap().json().await.unwrap()
}

#[tokio::test]
async fn asset_and_event_exports_are_audited_with_actor_and_content() {
    let dir = tempfile::tempdir().unwrap();
    let server = start(config(dir.path())).await.unwrap();
    let base = server.url();
    let admin = client_with(&token(&server, Role::Admin, None).await);
    let analyst = client_with(&token(&server, Role::SocAnalyst, None).await);

    let (imported, _) = import_assets(&admin, &base, "", "application/yaml", SITE).await;
    assert_eq!(imported, StatusCode::OK);
    let exported = analyst.get(format!("{base}/api/v1/assets/export?format=json")).send().await.unwrap();
    assert_eq!(exported.status(), StatusCode::OK);
    let inventory: Value = exported.json().await.unwrap();
    assert_eq!(inventory["assets"].as_array().unwrap().len(), 2);

    let events: String = (0..2500)
        .map(|i| {
            let source = if i % 5 == 0 { "badges" } else { "fw" };
            format!("{}\n", json!({"domain": "cyber", "source": source, "message": format!("connection {i}")}))
        })
        .collect();
    common::post_ndjson(&admin, &base, events).await;

    // Every page of the store is streamed, and only what the filter asks.
    let all = analyst.get(format!("{base}/api/v1/events/export?source=fw")).send().await.unwrap();
    assert_eq!(all.status(), StatusCode::OK);
    assert_eq!(all.headers()["content-type"], "application/x-ndjson");
    let text = all.text().await.unwrap();
    let lines: Vec<Value> = text.lines().map(|l| serde_json::from_str(l).unwrap()).collect();
    assert_eq!(lines.len(), 2000);
    assert!(lines.iter().all(|e| e["source"] == "fw"));
    let capped = analyst.get(format!("{base}/api/v1/events/export?limit=1200")).send().await.unwrap();
    assert_eq!(capped.text().await.unwrap().lines().count(), 1200);
    let bad = analyst.get(format!("{base}/api/v1/events/export?after=1.2")).send().await.unwrap();
    assert_eq!(bad.status(), StatusCode::BAD_REQUEST);
    let responder = client_with(&token(&server, Role::Responder, None).await);
    let forbidden = responder.get(format!("{base}/api/v1/events/export")).send().await.unwrap();
    assert_eq!(forbidden.status(), StatusCode::FORBIDDEN, "responders do not read raw events");

    let log = audit_log(&admin, &base).await;
    let exports: Vec<(&str, &str, &str)> = log
        .iter()
        .filter(|e| e["action"].as_str().unwrap().ends_with(".export"))
        .map(|e| (e["actor"].as_str().unwrap(), e["action"].as_str().unwrap(), e["detail"].as_str().unwrap()))
        .collect();
    // Newest first.
    assert_eq!(
        exports,
        [
            ("token:test-soc_analyst", "events.export", "limit=1200"),
            ("token:test-soc_analyst", "events.export", "source=fw"),
            ("token:test-soc_analyst", "assets.export", "2 assets, 1 relations as json"),
        ],
        "{log:#?}"
    );
    let verdict: Value = admin.get(format!("{base}/api/v1/audit/verify")).send().await.unwrap().json().await.unwrap();
    assert_eq!(verdict["intact"], true, "{verdict}");
    server.stop().await.unwrap();

    // The same check the `safecare audit verify` command makes, on the
    // stopped service's files.
    let store = std::sync::Arc::new(
        safecare_store::SqliteStore::open(dir.path().join("safecare.db"), &Default::default()).unwrap(),
    );
    let privacy = safecare_server::privacy::Privacy::open(&config(dir.path()), store.clone()).unwrap();
    privacy.audit.check().await.unwrap();
    safecare_store::Store::close(store.as_ref()).await;
}
