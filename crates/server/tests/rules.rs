//! Rules managed while the service runs: a rule folder reloaded on change
//! (open correlation windows kept, a refused rule keeping the old set), and
//! rules switched off and on through the API, surviving a restart.
#![allow(clippy::unwrap_used, clippy::expect_used)]

mod common;

use std::path::Path;
use std::time::Duration;

use common::{client_with, config, start_with_admin, token};
use reqwest::StatusCode;
use safecare_model::Role;
use safecare_server::{Config, RunningServer};
use serde_json::{Value, json};

const PROBE_ID: &str = "0c6f3a57-7e0b-4c1e-9a1f-2b8e5d1a0001";
const MARKER_ID: &str = "0c6f3a57-7e0b-4c1e-9a1f-2b8e5d1a0002";

/// A physical rule matching `action: <action>`.
fn rule(id: &str, title: &str, action: &str) -> String {
    format!(
        "title: {title}\nid: {id}\nlogsource:\n    product: safecare\n    category: access_control\ndetection:\n    selection:\n        action: {action}\n    condition: selection\nlevel: high\n"
    )
}

fn event(action: &str) -> Value {
    json!({
        "domain": "physical", "message": format!("door {action}"),
        "logsource": {"product": "safecare", "category": "access_control"},
        "fields": {"action": action, "door": "D-TEST"}
    })
}

async fn send(client: &reqwest::Client, base: &str, events: &[Value]) {
    let response = client.post(format!("{base}/api/v1/events")).json(&events).send().await.unwrap();
    assert_eq!(response.status(), 202, "{}", response.text().await.unwrap());
}

async fn alerts_of(client: &reqwest::Client, base: &str, rule: &str) -> Vec<Value> {
    client.get(format!("{base}/api/v1/alerts?rule={rule}")).send().await.unwrap().json().await.unwrap()
}

/// Waits (detection runs behind the API) for an alert of `rule`.
async fn wait_alert(client: &reqwest::Client, base: &str, rule: &str) -> Vec<Value> {
    for _ in 0..200 {
        let list = alerts_of(client, base, rule).await;
        if !list.is_empty() {
            return list;
        }
        tokio::time::sleep(Duration::from_millis(50)).await;
    }
    panic!("no alert of {rule}");
}

async fn rules(client: &reqwest::Client, base: &str) -> Value {
    client.get(format!("{base}/api/v1/rules")).send().await.unwrap().json().await.unwrap()
}

fn find<'a>(view: &'a Value, id: &str) -> Option<&'a Value> {
    view["rules"].as_array().unwrap().iter().find(|r| r["id"] == id || r["name"] == id)
}

/// Waits for the watcher to have reloaded a rule set holding `id`.
async fn wait_rule(client: &reqwest::Client, base: &str, id: &str) -> Value {
    for _ in 0..200 {
        let view = rules(client, base).await;
        if let Some(rule) = find(&view, id) {
            return rule.clone();
        }
        tokio::time::sleep(Duration::from_millis(50)).await;
    }
    panic!("rule {id} never loaded");
}

fn watched(data: &Path, rules_dir: &Path, builtin: bool) -> Config {
    let mut config = config(data);
    config.rules.builtin = builtin;
    config.rules.dirs = vec![rules_dir.to_owned()];
    config
}

async fn metric(base: &str, client: &reqwest::Client, name: &str) -> f64 {
    let text = client.get(format!("{base}/metrics")).send().await.unwrap().text().await.unwrap();
    text.lines().filter(|l| l.starts_with(name)).filter_map(|l| l.rsplit(' ').next()?.parse::<f64>().ok()).sum()
}

#[tokio::test]
async fn a_rule_added_to_a_watched_folder_alerts_without_a_restart() {
    let dir = tempfile::tempdir().unwrap();
    let rules_dir = dir.path().join("rules");
    std::fs::create_dir(&rules_dir).unwrap();
    let (server, client) = start_with_admin(watched(&dir.path().join("data"), &rules_dir, false)).await;
    let base = server.url();
    assert!(find(&rules(&client, &base).await, PROBE_ID).is_none());

    std::fs::write(rules_dir.join("probe.yml"), rule(PROBE_ID, "Probe Door", "probe")).unwrap();
    let loaded = wait_rule(&client, &base, PROBE_ID).await;
    assert_eq!(loaded["enabled"], true);
    send(&client, &base, &[event("probe")]).await;
    let alerts = wait_alert(&client, &base, PROBE_ID).await;
    assert_eq!(alerts[0]["Description"], "Probe Door");

    // A broken edit keeps the running rules (and says so in the metrics).
    std::fs::write(rules_dir.join("probe.yml"), "title: Probe Door\nid: [unclosed\n").unwrap();
    for _ in 0..200 {
        if metric(&base, &client, "safecare_rules_reloads_total{result=\"refused\"}").await >= 1.0 {
            break;
        }
        tokio::time::sleep(Duration::from_millis(50)).await;
    }
    assert!(metric(&base, &client, "safecare_rules_refused_on_reload_total").await >= 1.0);
    assert!(find(&rules(&client, &base).await, PROBE_ID).is_some(), "the old rule still runs");
    send(&client, &base, &[event("probe")]).await;
    for _ in 0..200 {
        if alerts_of(&client, &base, PROBE_ID).await.len() >= 2 {
            break;
        }
        tokio::time::sleep(Duration::from_millis(50)).await;
    }
    assert_eq!(alerts_of(&client, &base, PROBE_ID).await.len(), 2);
    // Nor can a switch bring the broken edit in: it reads no file and
    // compiles nothing, the running set comes from the rules loaded before.
    let compiled = server.state.detection.catalog().all.compilation();
    let switched =
        client.put(format!("{base}/api/v1/rules/{PROBE_ID}")).json(&json!({"enabled": false})).send().await.unwrap();
    assert_eq!(switched.status(), StatusCode::OK);
    let listed = rules(&client, &base).await;
    let probe = find(&listed, PROBE_ID).unwrap();
    assert_eq!((probe["title"].as_str(), probe["enabled"].as_bool()), (Some("Probe Door"), Some(false)));
    assert_eq!(server.state.detection.catalog().all.compilation(), compiled);
    server.stop().await.unwrap();
}

const ROOM: &str = r#"{"site": "hq", "building": "main", "floor": "-1", "zone": "server_room", "room": "B1.04"}"#;

#[tokio::test]
async fn a_reload_keeps_the_open_correlation_windows() {
    let dir = tempfile::tempdir().unwrap();
    let rules_dir = dir.path().join("rules");
    std::fs::create_dir(&rules_dir).unwrap();
    let (server, client) = start_with_admin(watched(&dir.path().join("data"), &rules_dir, true)).await;
    let base = server.url();
    let room: Value = serde_json::from_str(ROOM).unwrap();
    let badge = json!({
        "time": "2026-11-28T02:10:00Z", "domain": "physical", "message": "access granted outside schedule",
        "logsource": {"product": "safecare", "category": "access_control"}, "location": room,
        "asset": "door-b1-04", "fields": {"action": "granted", "schedule": "outside", "door": "D-B1.04"}
    });
    let usb = json!({
        "time": "2026-11-28T02:25:00Z", "domain": "cyber", "message": "external disk connected",
        "logsource": {"product": "windows", "service": "security"}, "location": room, "asset": "srv-ehr-01",
        "fields": {"EventID": 6416, "ClassName": "DiskDrive", "Channel": "Security", "Computer": "srv-ehr-01"}
    });
    send(&client, &base, &[badge]).await;
    let after_hours = find(&rules(&client, &base).await, "hospital-after-hours-restricted-access").unwrap()["id"]
        .as_str()
        .unwrap()
        .to_owned();
    wait_alert(&client, &base, &after_hours).await;

    // The badge sits in the correlation's window; now the rules change.
    std::fs::write(rules_dir.join("probe.yml"), rule(PROBE_ID, "Probe Door", "probe")).unwrap();
    wait_rule(&client, &base, PROBE_ID).await;

    send(&client, &base, &[usb]).await;
    let correlation = find(&rules(&client, &base).await, "hospital-cp-after-hours-badge-then-usb").unwrap()["id"]
        .as_str()
        .unwrap()
        .to_owned();
    let alerts = wait_alert(&client, &base, &correlation).await;
    assert_eq!(
        alerts[0]["Attachment"][0]["Content"]["events"].as_array().unwrap().len(),
        2,
        "badge (before the reload) and USB"
    );
    server.stop().await.unwrap();
}

async fn switch(client: &reqwest::Client, base: &str, id: &str, enabled: bool) -> reqwest::Response {
    client.put(format!("{base}/api/v1/rules/{id}")).json(&json!({ "enabled": enabled })).send().await.unwrap()
}

/// Sends `action` then a marker event; once the marker's alert is there,
/// the first event has been through detection too (one stage, in order).
async fn alerts_for(client: &reqwest::Client, base: &str, action: &str) -> usize {
    let before = alerts_of(client, base, MARKER_ID).await.len();
    send(client, base, &[event(action), event("marker")]).await;
    for _ in 0..200 {
        if alerts_of(client, base, MARKER_ID).await.len() > before {
            break;
        }
        tokio::time::sleep(Duration::from_millis(50)).await;
    }
    assert!(alerts_of(client, base, MARKER_ID).await.len() > before, "the marker was detected");
    alerts_of(client, base, PROBE_ID).await.len()
}

async fn restart(server: RunningServer, config: Config) -> (RunningServer, reqwest::Client) {
    server.stop().await.unwrap();
    start_with_admin(config).await
}

#[tokio::test]
async fn a_rule_switched_off_stops_alerting_and_stays_off_after_a_restart() {
    let dir = tempfile::tempdir().unwrap();
    let rules_dir = dir.path().join("rules");
    std::fs::create_dir(&rules_dir).unwrap();
    std::fs::write(rules_dir.join("probe.yml"), rule(PROBE_ID, "Probe Door", "probe")).unwrap();
    std::fs::write(rules_dir.join("marker.yml"), rule(MARKER_ID, "Marker Door", "marker")).unwrap();
    let config = watched(&dir.path().join("data"), &rules_dir, false);
    let (server, client) = start_with_admin(config.clone()).await;
    let base = server.url();
    assert_eq!(alerts_for(&client, &base, "probe").await, 1);

    let compiled = server.state.detection.rules().compilation();
    let off = switch(&client, &base, PROBE_ID, false).await;
    assert_eq!(off.status(), StatusCode::OK);
    assert_eq!(server.state.detection.rules().compilation(), compiled, "a switch does not compile the rules again");
    let view: Value = off.json().await.unwrap();
    assert_eq!((view["id"].as_str(), view["enabled"].as_bool()), (Some(PROBE_ID), Some(false)));
    assert_eq!(find(&rules(&client, &base).await, PROBE_ID).unwrap()["enabled"], false);
    assert_eq!(alerts_for(&client, &base, "probe").await, 1, "no alert from a disabled rule");

    let (server, client) = restart(server, config.clone()).await;
    let base = server.url();
    assert_eq!(find(&rules(&client, &base).await, PROBE_ID).unwrap()["enabled"], false, "still off");
    assert_eq!(alerts_for(&client, &base, "probe").await, 1);

    let compiled = server.state.detection.rules().compilation();
    assert_eq!(switch(&client, &base, PROBE_ID, true).await.status(), StatusCode::OK);
    assert_eq!(server.state.detection.catalog().all.compilation(), compiled, "switching on reuses the loaded rules");
    assert_eq!(alerts_for(&client, &base, "probe").await, 2);
    let (server, client) = restart(server, config).await;
    assert_eq!(find(&rules(&client, &server.url()).await, PROBE_ID).unwrap()["enabled"], true);
    server.stop().await.unwrap();
}

#[tokio::test]
async fn switching_rules_is_for_analysts_and_admins_and_checks_what_it_breaks() {
    let dir = tempfile::tempdir().unwrap();
    let (server, admin) = start_with_admin(config(dir.path())).await;
    let base = server.url();
    let guard = client_with(&token(&server, Role::SecurityGuard, None).await);
    let analyst = client_with(&token(&server, Role::SocAnalyst, None).await);
    let badge = "hospital-access-controller-tamper";

    assert_eq!(switch(&guard, &base, badge, false).await.status(), StatusCode::FORBIDDEN);
    assert_eq!(find(&rules(&admin, &base).await, badge).unwrap()["enabled"], true);
    assert_eq!(switch(&analyst, &base, badge, false).await.status(), StatusCode::OK);
    assert_eq!(find(&rules(&admin, &base).await, badge).unwrap()["enabled"], false);

    let unknown = switch(&admin, &base, "no-such-rule", false).await;
    assert_eq!(unknown.status(), StatusCode::NOT_FOUND);
    // A correlation needs the USB rule: switching it off alone is refused.
    let needed = switch(&admin, &base, "hospital-usb-storage", false).await;
    assert_eq!(needed.status(), StatusCode::CONFLICT);
    let reason: Value = needed.json().await.unwrap();
    assert!(reason["error"].as_str().unwrap().contains("After-Hours Badge Then USB"), "{reason}");
    assert_eq!(find(&rules(&admin, &base).await, "hospital-usb-storage").unwrap()["enabled"], true);
    let bad = admin.put(format!("{base}/api/v1/rules/{badge}")).json(&json!({"enabled": "no"})).send().await.unwrap();
    assert_eq!(bad.status(), StatusCode::UNPROCESSABLE_ENTITY);
    server.stop().await.unwrap();
}

#[tokio::test]
async fn the_rules_page_shows_the_state_and_switches_with_the_session_csrf_token() {
    let dir = tempfile::tempdir().unwrap();
    let server = safecare_server::start(config(dir.path())).await.unwrap();
    let base = server.url();
    safecare_server::provision::add_user(server.state.accounts.as_ref(), "soc", Role::SocAnalyst, "soc password 123")
        .await
        .unwrap();
    let browser = reqwest::Client::builder().cookie_store(true).build().unwrap();
    let login = json!({"username": "soc", "password": "soc password 123"});
    let session: Value =
        browser.post(format!("{base}/api/v1/auth/login")).json(&login).send().await.unwrap().json().await.unwrap();
    let csrf = session["csrf"].as_str().unwrap().to_owned();
    let id = find(&rules(&browser, &base).await, "hospital-access-controller-tamper").unwrap()["id"]
        .as_str()
        .unwrap()
        .to_owned();

    let page = browser.get(format!("{base}/rules")).send().await.unwrap().text().await.unwrap();
    let switch_form = format!("data-rule=\"{id}\" data-enabled=\"false\"");
    assert!(page.contains(&switch_form) && page.contains(">Disable</button>"), "{page}");
    assert!(page.contains(", 0 disabled"));

    // What app.js sends on submit; without the token the session may not change anything.
    let url = format!("{base}/api/v1/rules/{id}");
    let forged = browser.put(&url).json(&json!({"enabled": false})).send().await.unwrap();
    assert_eq!(forged.status(), StatusCode::FORBIDDEN);
    let sent = browser.put(&url).header("x-csrf-token", &csrf).json(&json!({"enabled": false})).send().await.unwrap();
    assert_eq!(sent.status(), StatusCode::OK);

    let page = browser.get(format!("{base}/rules")).send().await.unwrap().text().await.unwrap();
    assert!(page.contains(&format!("data-rule=\"{id}\" data-enabled=\"true\"")), "{page}");
    assert!(page.contains(">Enable</button>") && page.contains(", 1 disabled"));
    let script = browser.get(format!("{base}/static/app.js")).send().await.unwrap().text().await.unwrap();
    assert!(script.contains("form.rule-switch") && script.contains("\"PUT\""));
    server.stop().await.unwrap();
}
