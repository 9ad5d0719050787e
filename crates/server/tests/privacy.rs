//! Pseudonymisation at ingest, audited re-identification, the audit chain
//! and retention, over HTTP.
#![allow(clippy::unwrap_used, clippy::expect_used)]

mod common;

use common::{add_privacy_officers, client_with, config, token};
use reqwest::StatusCode;
use safecare_model::{Incident, Role, Severity};
use safecare_server::start;
use serde_json::{Value, json};

async fn reidentify(client: &reqwest::Client, base: &str, body: Value) -> (StatusCode, Value) {
    let response = client.post(format!("{base}/api/v1/reidentify")).json(&body).send().await.unwrap();
    let status = response.status();
    (status, response.json().await.unwrap())
}

#[tokio::test]
async fn identifiers_are_tokens_in_the_store_and_come_back_only_through_an_audited_request() {
    let dir = tempfile::tempdir().unwrap();
    let mut cfg = config(dir.path());
    cfg.privacy.reidentify.require_second_approver = true;
    let server = start(cfg).await.unwrap();
    let base = server.url();
    add_privacy_officers(&server).await;

    let admin = client_with(&token(&server, Role::Admin, None).await);
    let logon = json!({"domain": "cyber", "message": "An account failed to log on: HOSP\\jdoe",
        "logsource": {"product": "windows", "service": "security"},
        "fields": {"EventID": 4625, "TargetUserName": "jdoe", "TargetDomainName": "HOSP"}});
    let sent = admin.post(format!("{base}/api/v1/events")).json(&logon).send().await.unwrap();
    assert_eq!(sent.status(), 202);
    let mut again = logon.clone();
    again["fields"]["TargetUserName"] = json!("JDOE");
    again["message"] = json!("An account failed to log on again");
    let sent = admin.post(format!("{base}/api/v1/events")).json(&again).send().await.unwrap();
    assert_eq!(sent.status(), 202);
    let page: Value = admin.get(format!("{base}/api/v1/events")).send().await.unwrap().json().await.unwrap();
    assert_eq!(
        page["events"][0]["fields"]["TargetUserName"], page["events"][1]["fields"]["TargetUserName"],
        "two events of the same user carry the same token, so they still correlate"
    );
    let stored = &page["events"][0];
    let user_token = stored["fields"]["TargetUserName"].as_str().unwrap().to_owned();
    assert!(user_token.starts_with("usr_"), "{stored}");
    assert!(!stored.to_string().contains("jdoe"), "no clear name anywhere in the stored event: {stored}");
    let found: Value =
        admin.get(format!("{base}/api/v1/events?q={user_token}")).send().await.unwrap().json().await.unwrap();
    assert_eq!(found["events"].as_array().unwrap().len(), 2, "tokens still correlate and search");

    let incident = Incident::new("Password guessing on EHR", Severity::Medium);
    server.state.store.put_incident(safecare_store::StoredIncident::bare(incident.clone())).await.unwrap();
    let officer = client_with(&token(&server, Role::PrivacyOfficer, None).await);
    let ask = |extra: Value| {
        let mut body =
            json!({"token": user_token, "reason": "needed to contact the account owner", "incident": incident.id});
        body.as_object_mut().unwrap().extend(extra.as_object().unwrap().clone());
        body
    };

    let (status, _) = reidentify(&admin, &base, ask(json!({}))).await;
    assert_eq!(status, StatusCode::FORBIDDEN, "even an admin may not");
    let (status, body) = reidentify(&officer, &base, ask(json!({}))).await;
    assert_eq!(status, StatusCode::FORBIDDEN);
    assert!(body["error"].as_str().unwrap().contains("second"), "{body}");
    let (status, body) = reidentify(&officer, &base, ask(json!({"reason": "curious"}))).await;
    assert_eq!(status, StatusCode::FORBIDDEN, "{body}");
    let (status, body) = reidentify(&officer, &base, ask(json!({"incident": null}))).await;
    assert_eq!(status, StatusCode::FORBIDDEN, "{body}");
    let (status, _) =
        reidentify(&officer, &base, ask(json!({"approver": "po2", "approver_password": "wrong password"}))).await;
    assert_eq!(status, StatusCode::FORBIDDEN);
    let (status, body) =
        reidentify(&officer, &base, ask(json!({"approver": "po2", "approver_password": "second officer password"})))
            .await;
    assert_eq!(status, StatusCode::OK, "{body}");
    assert_eq!(body["value"], "jdoe");

    let log: Vec<Value> = admin.get(format!("{base}/api/v1/audit")).send().await.unwrap().json().await.unwrap();
    let reids: Vec<&Value> = log.iter().filter(|e| e["action"] == "reidentify").collect();
    assert_eq!(reids.len(), 5, "every attempt, the admin's included, is audited: {log:#?}");
    assert!(reids[0]["detail"].as_str().unwrap().contains("granted"));
    assert!(!serde_json::to_string(&log).unwrap().contains("jdoe"), "the audit log never holds the value");
    let verdict: Value = admin.get(format!("{base}/api/v1/audit/verify")).send().await.unwrap().json().await.unwrap();
    assert_eq!(verdict["intact"], true);
    server.stop().await.unwrap();

    // Nowhere in the database files is the clear name: not in events, the
    // free-text index, alerts, the audit log or the (sealed) vault.
    for file in ["safecare.db", "safecare.db-wal"] {
        if let Ok(bytes) = std::fs::read(dir.path().join(file)) {
            let lower = bytes.to_ascii_lowercase();
            assert!(!lower.windows(4).any(|w| w == b"jdoe"), "{file} holds the clear name");
        }
    }

    // Someone edits an audit entry behind SafeCare's back.
    let conn = rusqlite::Connection::open(dir.path().join("safecare.db")).unwrap();
    let changed = conn
        .execute("UPDATE audit SET body = replace(body, 'granted', 'refused') WHERE body LIKE '%granted%'", [])
        .unwrap();
    assert_eq!(changed, 1);
    drop(conn);
    let server = start(config(dir.path())).await.unwrap();
    let admin = client_with(&token(&server, Role::Admin, None).await);
    let response = admin.get(format!("{}/api/v1/audit/verify", server.url())).send().await.unwrap();
    assert_eq!(response.status(), StatusCode::CONFLICT);
    let verdict: Value = response.json().await.unwrap();
    assert_eq!(verdict["intact"], false);
    server.stop().await.unwrap();
}

#[tokio::test]
async fn logins_and_account_changes_are_audited_and_retention_is_planned() {
    let dir = tempfile::tempdir().unwrap();
    let server = start(config(dir.path())).await.unwrap();
    let base = server.url();
    let admin = client_with(&token(&server, Role::Admin, None).await);
    let created = admin
        .post(format!("{base}/api/v1/users"))
        .json(&json!({"name": "guard7", "role": "security_guard", "password": "guard seven password"}))
        .send()
        .await
        .unwrap();
    assert_eq!(created.status(), StatusCode::CREATED);
    let login = |password: &'static str| {
        reqwest::Client::new()
            .post(format!("{base}/api/v1/auth/login"))
            .json(&json!({"username": "guard7", "password": password}))
            .send()
    };
    assert_eq!(login("not the password").await.unwrap().status(), StatusCode::UNAUTHORIZED);
    assert_eq!(login("guard seven password").await.unwrap().status(), StatusCode::OK);

    let log: Vec<Value> = admin.get(format!("{base}/api/v1/audit")).send().await.unwrap().json().await.unwrap();
    let actions: Vec<(&str, &str)> =
        log.iter().map(|e| (e["action"].as_str().unwrap(), e["detail"].as_str().unwrap())).collect();
    assert!(actions.contains(&("user.create", "role security_guard")), "{actions:?}");
    assert!(actions.iter().any(|(a, d)| *a == "login" && d.starts_with("refused")), "{actions:?}");
    assert!(actions.contains(&("login", "success")), "{actions:?}");
    assert!(!serde_json::to_string(&log).unwrap().contains("guard seven password"));

    let plan: Value = admin.get(format!("{base}/api/v1/retention")).send().await.unwrap().json().await.unwrap();
    assert_eq!(plan["items"].as_array().unwrap().len(), 4, "{plan}");
    server.stop().await.unwrap();
}
