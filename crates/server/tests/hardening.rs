//! Defects found by probing the running server, each shut: inventory wipes,
//! open redirects, NUL bytes in searches, files readable by everyone.
#![allow(clippy::unwrap_used, clippy::expect_used)]

mod common;

use common::{config, import_assets as import, start_with_admin};
use reqwest::StatusCode;
use safecare_model::Role;
use safecare_server::provision;
use serde_json::{Value, json};

const SITE: &str = r#"
assets:
  - {id: svc-pharmacy, name: Pharmacy, kind: service}
  - {id: rm-0.12, name: Drug store, kind: room}
relations:
  - {from: svc-pharmacy, to: rm-0.12, kind: depends_on, class: access}
"#;

async fn asset_ids(admin: &reqwest::Client, base: &str) -> Vec<String> {
    let assets: Vec<Value> = admin.get(format!("{base}/api/v1/assets")).send().await.unwrap().json().await.unwrap();
    let mut ids: Vec<String> = assets.iter().map(|a| a["id"].as_str().unwrap().to_owned()).collect();
    ids.sort();
    ids
}

#[tokio::test]
async fn an_empty_import_is_refused_and_imports_merge_unless_replace_is_asked() {
    let dir = tempfile::tempdir().unwrap();
    let (server, admin) = start_with_admin(config(dir.path())).await;
    let base = server.url();
    assert_eq!(import(&admin, &base, "", "application/yaml", SITE).await.0, StatusCode::OK);
    for (kind, body) in [("application/json", "{}"), ("application/yaml", ""), ("application/yaml", "assets: []\n")] {
        let (status, answer) = import(&admin, &base, "", kind, body).await;
        assert_eq!(status, StatusCode::BAD_REQUEST, "{kind} {body:?}: {answer}");
        let (status, _) = import(&admin, &base, "?mode=replace", kind, body).await;
        assert_eq!(status, StatusCode::BAD_REQUEST, "replace with {body:?}");
    }
    assert_eq!(asset_ids(&admin, &base).await, ["rm-0.12", "svc-pharmacy"], "nothing was wiped");

    let door = "assets:\n  - {id: door-0.12, name: Drug store door, kind: door}\nrelations:\n  - {from: door-0.12, to: rm-0.12, kind: leads_to}\n";
    let (status, answer) = import(&admin, &base, "", "application/yaml", door).await;
    assert_eq!(status, StatusCode::OK, "{answer}");
    assert_eq!(answer["mode"], "merge");
    assert_eq!(asset_ids(&admin, &base).await, ["door-0.12", "rm-0.12", "svc-pharmacy"], "merged, not replaced");
    let relations: Vec<Value> =
        admin.get(format!("{base}/api/v1/relations")).send().await.unwrap().json().await.unwrap();
    assert_eq!(relations.len(), 2);

    let only = "assets:\n  - {id: svc-pharmacy, name: Pharmacy (renamed), kind: service}\n";
    let (status, _) = import(&admin, &base, "?mode=replace", "application/yaml", only).await;
    assert_eq!(status, StatusCode::OK);
    assert_eq!(asset_ids(&admin, &base).await, ["svc-pharmacy"], "replace is explicit and does replace");
    let (status, _) = import(&admin, &base, "?mode=wipe", "application/yaml", only).await;
    assert_eq!(status, StatusCode::BAD_REQUEST);
    let log: Vec<Value> = admin.get(format!("{base}/api/v1/audit")).send().await.unwrap().json().await.unwrap();
    assert!(log.iter().any(|e| e["action"] == "assets.import" && e["detail"].as_str().unwrap().starts_with("replace")));
    server.stop().await.unwrap();
}

#[tokio::test]
async fn after_login_only_a_same_origin_path_is_followed() {
    let dir = tempfile::tempdir().unwrap();
    let (server, _) = start_with_admin(config(dir.path())).await;
    let base = server.url();
    provision::add_user(server.state.accounts.as_ref(), "analyst", Role::SocAnalyst, "analyst password 1")
        .await
        .unwrap();
    let browser = reqwest::Client::builder().redirect(reqwest::redirect::Policy::none()).build().unwrap();
    for (next, expected) in [
        ("/\t/evil.example", "/"),
        ("/\n/evil.example", "/"),
        ("/\\evil.example", "/"),
        ("/x\r\nSet-Cookie: a=b", "/"),
        ("/incidents?status=open", "/incidents?status=open"),
    ] {
        let answer = browser
            .post(format!("{base}/login"))
            .form(&[("username", "analyst"), ("password", "analyst password 1"), ("next", next)])
            .send()
            .await
            .unwrap();
        assert_eq!(answer.status(), StatusCode::SEE_OTHER, "next={next:?}");
        assert_eq!(answer.headers()["location"], expected, "next={next:?}");
    }
    server.stop().await.unwrap();
}

#[tokio::test]
async fn a_nul_byte_in_a_search_is_searched_not_a_storage_failure() {
    let dir = tempfile::tempdir().unwrap();
    let (server, admin) = start_with_admin(config(dir.path())).await;
    let base = server.url();
    let event = json!({"domain": "cyber", "message": "door forced open"});
    assert_eq!(admin.post(format!("{base}/api/v1/events")).json(&event).send().await.unwrap().status(), 202);
    let found = admin.get(format!("{base}/api/v1/events?q=door%00forced")).send().await.unwrap();
    assert_eq!(found.status(), StatusCode::OK);
    let page: Value = found.json().await.unwrap();
    assert_eq!(page["events"].as_array().unwrap().len(), 1, "{page}");
    let export = admin.get(format!("{base}/api/v1/events/export?q=%00door")).send().await.unwrap();
    assert_eq!(export.status(), StatusCode::OK);
    let body = export.text().await.expect("the export runs to its end");
    assert_eq!(body.lines().count(), 1, "{body}");
    server.stop().await.unwrap();
}

#[cfg(unix)]
#[tokio::test]
async fn the_database_its_wal_and_the_audit_anchor_are_for_the_owner_only() {
    use std::os::unix::fs::PermissionsExt;
    let dir = tempfile::tempdir().unwrap();
    let data = dir.path().join("data");
    let (server, admin) = start_with_admin(config(&data)).await;
    let base = server.url();
    let event = json!({"domain": "cyber", "message": "anything"});
    assert_eq!(admin.post(format!("{base}/api/v1/events")).json(&event).send().await.unwrap().status(), 202);
    // An audited action, so the anchor is written.
    assert_eq!(admin.get(format!("{base}/api/v1/assets/export")).send().await.unwrap().status(), 200);
    let mode = |name: &str| std::fs::metadata(data.join(name)).unwrap().permissions().mode() & 0o777;
    assert_eq!(mode("safecare.db"), 0o600);
    assert_eq!(mode("safecare.db-wal"), 0o600);
    assert_eq!(mode("audit-anchor.json"), 0o600);
    assert_eq!(std::fs::metadata(&data).unwrap().permissions().mode() & 0o077, 0, "data folder closed to others");
    server.stop().await.unwrap();
}
