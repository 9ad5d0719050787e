//! Authentication and the permission matrix, over HTTP.
#![allow(clippy::unwrap_used, clippy::expect_used)]

mod common;

use common::{client_with, config, start_with_admin, token};
use reqwest::{Method, StatusCode};
use safecare_model::Role;
use safecare_server::auth::Access;
use safecare_server::{access_matrix_markdown, provision, route_table, start};
use serde_json::{Value, json};

fn concrete(path: &str) -> String {
    path.replace("{id}", "0195d2a0-0000-7000-8000-000000000000").replace("{name}", "nobody")
}

async fn call(client: &reqwest::Client, base: &str, method: &Method, path: &str) -> StatusCode {
    let mut request = client.request(method.clone(), format!("{base}{}", concrete(path)));
    if *method != Method::GET {
        request = request.header("content-type", "application/json").body("{}");
    }
    request.send().await.unwrap().status()
}

#[tokio::test]
async fn every_route_refuses_strangers_and_wrong_roles_and_admits_the_right_ones() {
    let dir = tempfile::tempdir().unwrap();
    let server = start(config(dir.path())).await.unwrap();
    let base = server.url();
    let anonymous = reqwest::Client::builder().redirect(reqwest::redirect::Policy::none()).build().unwrap();
    let mut clients = Vec::new();
    for role in Role::ALL {
        let source = (role == Role::Sensor).then_some("sensor-test");
        clients.push((role, client_with(&token(&server, role, source).await)));
    }
    let table = route_table();
    assert!(table.len() >= 20, "the table lists every route");
    for route in &table {
        let status = call(&anonymous, &base, &route.method, route.path).await;
        if route.access == Access::Public {
            assert_ne!(status, StatusCode::UNAUTHORIZED, "{} {} is public", route.method, route.path);
        } else if route.page {
            assert_eq!(status, StatusCode::SEE_OTHER, "{} {} sends strangers to log in", route.method, route.path);
        } else {
            assert_eq!(status, StatusCode::UNAUTHORIZED, "{} {} without credentials", route.method, route.path);
        }
        for (role, client) in &clients {
            let status = call(client, &base, &route.method, route.path).await;
            if route.access.allows(*role) {
                assert!(
                    status != StatusCode::UNAUTHORIZED && status != StatusCode::FORBIDDEN,
                    "{} {} as {role}: {status}",
                    route.method,
                    route.path
                );
            } else {
                assert_eq!(status, StatusCode::FORBIDDEN, "{} {} as {role}", route.method, route.path);
            }
        }
    }
    server.stop().await.unwrap();
}

#[test]
fn docs_security_md_shows_the_matrix_the_server_enforces() {
    let path = concat!(env!("CARGO_MANIFEST_DIR"), "/../../docs/security.md");
    let doc = std::fs::read_to_string(path).unwrap();
    let (start, end) = ("<!-- access-matrix:start -->\n", "<!-- access-matrix:end -->");
    let from = doc.find(start).expect("start marker") + start.len();
    let to = doc.find(end).expect("end marker");
    let generated = access_matrix_markdown();
    if std::env::var_os("SAFECARE_TEST_UPDATE_DOCS").is_some() {
        std::fs::write(path, format!("{}{generated}{}", &doc[..from], &doc[to..])).unwrap();
        return;
    }
    assert_eq!(
        &doc[from..to],
        generated,
        "docs/security.md is out of date: run SAFECARE_TEST_UPDATE_DOCS=1 cargo test -p safecare-server --test auth"
    );
}

#[tokio::test]
async fn login_sessions_csrf_lockout_and_logout() {
    let dir = tempfile::tempdir().unwrap();
    let mut cfg = config(dir.path());
    cfg.auth.lockout.after_failures = 3;
    let server = start(cfg).await.unwrap();
    let base = server.url();
    let accounts = server.state.accounts.as_ref();
    provision::add_user(accounts, "guard1", Role::SecurityGuard, "long enough password").await.unwrap();
    assert!(provision::add_user(accounts, "short", Role::Admin, "short").await.is_err());

    let browser = reqwest::Client::builder().cookie_store(true).build().unwrap();
    let login = |user: &str, password: &str| {
        browser.post(format!("{base}/api/v1/auth/login")).json(&json!({"username": user, "password": password})).send()
    };
    assert_eq!(login("guard1", "wrong password!!").await.unwrap().status(), StatusCode::UNAUTHORIZED);
    assert_eq!(login("nobody", "long enough password").await.unwrap().status(), StatusCode::UNAUTHORIZED);

    let response = login("guard1", "long enough password").await.unwrap();
    assert_eq!(response.status(), StatusCode::OK);
    let cookie = response.headers()["set-cookie"].to_str().unwrap().to_owned();
    assert!(cookie.contains("HttpOnly") && cookie.contains("SameSite=Strict"), "{cookie}");
    let me: Value = response.json().await.unwrap();
    assert_eq!(me["role"], "security_guard");
    let csrf = me["csrf"].as_str().unwrap().to_owned();

    // The cookie now authenticates; the guard may read events but not
    // manage users.
    assert_eq!(browser.get(format!("{base}/api/v1/events")).send().await.unwrap().status(), StatusCode::OK);
    assert_eq!(browser.get(format!("{base}/api/v1/users")).send().await.unwrap().status(), StatusCode::FORBIDDEN);

    // Changing state with a cookie needs the CSRF header.
    let logout = browser.post(format!("{base}/api/v1/auth/logout")).send().await.unwrap();
    assert_eq!(logout.status(), StatusCode::FORBIDDEN);
    let logout = browser.post(format!("{base}/api/v1/auth/logout")).header("x-csrf-token", &csrf).send().await.unwrap();
    assert_eq!(logout.status(), StatusCode::NO_CONTENT);
    assert_eq!(browser.get(format!("{base}/api/v1/events")).send().await.unwrap().status(), StatusCode::UNAUTHORIZED);

    // Three failures lock the account, even against the right password.
    for _ in 0..3 {
        assert_eq!(login("guard1", "wrong password!!").await.unwrap().status(), StatusCode::UNAUTHORIZED);
    }
    let locked = login("guard1", "long enough password").await.unwrap();
    assert_eq!(locked.status(), StatusCode::TOO_MANY_REQUESTS);
    let body: Value = locked.json().await.unwrap();
    assert!(body["error"].as_str().unwrap().contains("try again after"), "{body}");

    // A password reset lifts the lock.
    provision::set_password(accounts, "guard1", "another long password").await.unwrap();
    assert_eq!(login("guard1", "another long password").await.unwrap().status(), StatusCode::OK);
    server.stop().await.unwrap();
}

#[tokio::test]
async fn tokens_are_shown_once_revocable_and_sensor_events_keep_their_source() {
    let dir = tempfile::tempdir().unwrap();
    let (server, admin) = start_with_admin(config(dir.path())).await;
    let base = server.url();

    let created: Value = admin
        .post(format!("{base}/api/v1/tokens"))
        .json(&json!({"name": "pharmacy doors", "role": "sensor", "source": "doors-pharmacy"}))
        .send()
        .await
        .unwrap()
        .json()
        .await
        .unwrap();
    let bearer = created["token"].as_str().unwrap().to_owned();
    let sensor = client_with(&bearer);
    let list: Value = admin.get(format!("{base}/api/v1/tokens")).send().await.unwrap().json().await.unwrap();
    assert!(!list.to_string().contains(&bearer[16..]), "secrets are never listed");

    let sent = sensor
        .post(format!("{base}/api/v1/events"))
        .header("content-type", "application/json")
        .body(r#"{"domain":"physical","message":"door forced","source":"somewhere-else"}"#)
        .send()
        .await
        .unwrap();
    assert_eq!(sent.status(), StatusCode::ACCEPTED);
    let page: Value = admin.get(format!("{base}/api/v1/events")).send().await.unwrap().json().await.unwrap();
    assert_eq!(page["events"][0]["source"], "doors-pharmacy");

    let revoked =
        admin.delete(format!("{base}/api/v1/tokens/{}", created["id"].as_str().unwrap())).send().await.unwrap();
    assert_eq!(revoked.status(), StatusCode::NO_CONTENT);
    let refused = sensor
        .post(format!("{base}/api/v1/events"))
        .header("content-type", "application/json")
        .body(r#"{"domain":"physical","message":"again"}"#)
        .send()
        .await
        .unwrap();
    assert_eq!(refused.status(), StatusCode::UNAUTHORIZED);

    let garbage = client_with("sc_AAAAAAAAAAAA_not-a-real-secret");
    assert_eq!(garbage.get(format!("{base}/api/v1/events")).send().await.unwrap().status(), StatusCode::UNAUTHORIZED);
    server.stop().await.unwrap();
}

#[tokio::test]
async fn login_attempts_from_one_address_are_throttled_across_accounts() {
    let dir = tempfile::tempdir().unwrap();
    let mut cfg = config(dir.path());
    cfg.auth.logins_per_minute = 3;
    let server = start(cfg).await.unwrap();
    let base = server.url();
    let client = reqwest::Client::new();
    for user in ["alice", "bob", "carol"] {
        let r = client
            .post(format!("{base}/api/v1/auth/login"))
            .json(&json!({"username": user, "password": "guess guess guess"}))
            .send()
            .await
            .unwrap();
        assert_eq!(r.status(), StatusCode::UNAUTHORIZED);
    }
    let r = client
        .post(format!("{base}/api/v1/auth/login"))
        .json(&json!({"username": "dave", "password": "guess guess guess"}))
        .send()
        .await
        .unwrap();
    assert_eq!(r.status(), StatusCode::TOO_MANY_REQUESTS);
    let body: Value = r.json().await.unwrap();
    assert!(body["error"].as_str().unwrap().contains("this address"), "{body}");
    server.stop().await.unwrap();
}
