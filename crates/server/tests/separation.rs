//! Separation of duties around re-identification: the admin cannot make a
//! privacy officer, an approver's password is a login, and every
//! re-identification attempt is audited, including those the permission
//! layer refuses.
#![allow(clippy::unwrap_used, clippy::expect_used)]

mod common;

use common::{add_privacy_officers, client_with, config, token};
use reqwest::StatusCode;
use safecare_model::{Incident, Role, Severity};
use safecare_server::{provision, start};
use serde_json::{Value, json};

async fn send(request: reqwest::RequestBuilder) -> (StatusCode, Value) {
    let response = request.send().await.unwrap();
    let status = response.status();
    (status, response.json().await.unwrap_or(Value::Null))
}

async fn audit(admin: &reqwest::Client, base: &str) -> Vec<Value> {
    admin.get(format!("{base}/api/v1/audit")).send().await.unwrap().json().await.unwrap()
}

#[tokio::test]
async fn the_admin_cannot_mint_a_privacy_officer_over_the_api() {
    let dir = tempfile::tempdir().unwrap();
    let server = start(config(dir.path())).await.unwrap();
    let base = server.url();
    let admin = client_with(&token(&server, Role::Admin, None).await);
    // Granted on the host, as `safecare users add` does.
    provision::add_user(server.state.accounts.as_ref(), "po1", Role::PrivacyOfficer, "first officer password")
        .await
        .unwrap();
    let (status, body) =
        send(admin.post(format!("{base}/api/v1/tokens")).json(&json!({"name": "mine", "role": "privacy_officer"})))
            .await;
    assert_eq!(status, StatusCode::FORBIDDEN, "{body}");
    assert!(body["error"].as_str().unwrap().contains("only on the host"), "{body}");
    let (status, _) = send(
        admin
            .post(format!("{base}/api/v1/users"))
            .json(&json!({"name": "po9", "role": "privacy_officer", "password": "a long enough password"})),
    )
    .await;
    assert_eq!(status, StatusCode::FORBIDDEN);
    let (status, _) = send(
        admin
            .post(format!("{base}/api/v1/users"))
            .json(&json!({"name": "guard", "role": "security_guard", "password": "a long enough password"})),
    )
    .await;
    assert_eq!(status, StatusCode::CREATED);
    let (status, _) =
        send(admin.put(format!("{base}/api/v1/users/guard")).json(&json!({"role": "privacy_officer"}))).await;
    assert_eq!(status, StatusCode::FORBIDDEN, "no promotion to privacy officer");
    let (status, _) =
        send(admin.put(format!("{base}/api/v1/users/po1")).json(&json!({"password": "the admin's chosen password"})))
            .await;
    assert_eq!(status, StatusCode::FORBIDDEN, "no taking over a privacy officer's account");
    let (status, _) = send(admin.put(format!("{base}/api/v1/users/po1")).json(&json!({"unlock": true}))).await;
    assert_eq!(status, StatusCode::OK, "lifting a lock grants nothing");
    let tokens: Vec<Value> = admin.get(format!("{base}/api/v1/tokens")).send().await.unwrap().json().await.unwrap();
    assert!(tokens.iter().all(|t| t["role"] != "privacy_officer"), "{tokens:?}");

    // The admin's own attempt to re-identify is refused and audited.
    let (status, _) = send(
        admin
            .post(format!("{base}/api/v1/reidentify"))
            .json(&json!({"token": "usr_aaaaaaaaaaaaaaaa", "reason": "just looking around"})),
    )
    .await;
    assert_eq!(status, StatusCode::FORBIDDEN);
    let log = audit(&admin, &base).await;
    let refused = log.iter().find(|e| e["action"] == "reidentify").expect("the refused attempt is audited");
    assert!(refused["actor"].as_str().unwrap().contains("test-admin"), "{refused}");
    assert!(refused["detail"].as_str().unwrap().contains("lacks the permission"), "{refused}");
    server.stop().await.unwrap();
}

#[tokio::test]
async fn an_approver_password_is_a_login_locked_throttled_answered_alike_and_audited() {
    let dir = tempfile::tempdir().unwrap();
    let mut cfg = config(dir.path());
    cfg.privacy.reidentify.require_second_approver = true;
    let server = start(cfg).await.unwrap();
    let base = server.url();
    add_privacy_officers(&server).await;
    let accounts = server.state.accounts.as_ref();
    provision::add_user(accounts, "guard", Role::SecurityGuard, "guard long password").await.unwrap();
    let admin = client_with(&token(&server, Role::Admin, None).await);
    let logon = json!({"domain": "cyber", "message": "logon", "fields": {"TargetUserName": "jdoe"}});
    assert_eq!(admin.post(format!("{base}/api/v1/events")).json(&logon).send().await.unwrap().status(), 202);
    let page: Value = admin.get(format!("{base}/api/v1/events")).send().await.unwrap().json().await.unwrap();
    let user_token = page["events"][0]["fields"]["TargetUserName"].as_str().unwrap().to_owned();
    let incident = Incident::new("Password guessing", Severity::Medium);
    server.state.store.put_incident(safecare_store::StoredIncident::bare(incident.clone())).await.unwrap();
    let officer = client_with(&token(&server, Role::PrivacyOfficer, None).await);
    let ask = |approver: &str, password: &str| {
        officer.post(format!("{base}/api/v1/reidentify")).json(&json!({
            "token": user_token, "reason": "needed to contact the account owner", "incident": incident.id,
            "approver": approver, "approver_password": password}))
    };

    // Unknown approver, wrong password, right password of someone who may
    // not approve: one answer.
    let unknown = send(ask("nobody", "whatever password")).await;
    let wrong = send(ask("po2", "wrong password 1")).await;
    let not_officer = send(ask("guard", "guard long password")).await;
    assert_eq!(unknown.0, StatusCode::FORBIDDEN);
    assert_eq!(unknown, wrong);
    assert_eq!(wrong, not_officer);
    // Four more wrong guesses lock po2 (lockout after 5 failures); then even
    // the right password is refused, with 429.
    for i in 2..=5 {
        assert_eq!(send(ask("po2", &format!("wrong password {i}"))).await, wrong);
    }
    let locked = send(ask("po2", "second officer password")).await;
    assert_eq!(locked.0, StatusCode::TOO_MANY_REQUESTS, "{locked:?}");
    assert_eq!(locked.1, wrong.1, "a lock says nothing about the password");
    let user: Value = admin.get(format!("{base}/api/v1/users")).send().await.unwrap().json().await.unwrap();
    let po2 = user.as_array().unwrap().iter().find(|u| u["name"] == "po2").unwrap();
    assert!(!po2["locked_until"].is_null(), "the approver's own account is locked: {po2}");

    let log = audit(&admin, &base).await;
    let approvals: Vec<&Value> = log.iter().filter(|e| e["action"] == "reidentify.approver").collect();
    assert_eq!(approvals.len(), 8, "every failed approval is audited: {log:#?}");
    assert!(approvals.iter().all(|e| e["detail"].as_str().unwrap().starts_with("refused")));

    let (status, _) = send(admin.put(format!("{base}/api/v1/users/po2")).json(&json!({"unlock": true}))).await;
    assert_eq!(status, StatusCode::OK);
    let (status, body) = send(ask("po2", "second officer password")).await;
    assert_eq!(status, StatusCode::OK, "{body}");
    assert_eq!(body["value"], "jdoe");
    server.stop().await.unwrap();

    // The login throttle of the address holds approver guesses back too.
    let dir = tempfile::tempdir().unwrap();
    let mut cfg = config(dir.path());
    cfg.auth.logins_per_minute = 3;
    let server = start(cfg).await.unwrap();
    let base = server.url();
    let officer = client_with(&token(&server, Role::PrivacyOfficer, None).await);
    let statuses: Vec<StatusCode> = {
        let mut out = Vec::new();
        for i in 0..4 {
            let body = json!({"token": "usr_aaaaaaaaaaaaaaaa", "reason": "needed for the incident",
                "approver": format!("someone{i}"), "approver_password": "a guessed password"});
            out.push(officer.post(format!("{base}/api/v1/reidentify")).json(&body).send().await.unwrap().status());
        }
        out
    };
    assert_eq!(statuses[..3], [StatusCode::FORBIDDEN; 3]);
    assert_eq!(statuses[3], StatusCode::TOO_MANY_REQUESTS);
    server.stop().await.unwrap();
}
