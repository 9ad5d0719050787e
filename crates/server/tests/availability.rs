//! Hospital availability over the API: the demo attack (phishing, then the
//! theatres' air handler tampered with from the BMS workstation, then the
//! server room and the pharmacy) leaves the operating theatres degraded
//! with the incident as their cause; the EDXL-HAVE document says so and is
//! pushed to the region's webhook; a crisis manager's override shows with
//! its reason and expiry and is refused to every other role; the history
//! keeps the assessed change and the override; the audit has the override.
#![allow(clippy::unwrap_used, clippy::expect_used)]

mod common;

use std::net::SocketAddr;
use std::sync::{Arc, Mutex};

use common::{
    attack_events, client_with, config, get_json, load_demo_hospital, post_ndjson, settled_incidents, token, until,
};
use safecare_model::Role;
use safecare_server::{Config, start};
use serde_json::{Value, json};

fn have_config(dir: &std::path::Path, hook: SocketAddr) -> Config {
    let mut config = config(dir);
    config.notify = serde_json::from_value(json!({
        "channels": { "region": { "type": "webhook", "url": format!("http://{hook}/have"), "secret": "s3cret" } },
    }))
    .unwrap();
    config.availability = serde_json::from_value(json!({ "channels": ["region"] })).unwrap();
    config
}

fn service<'a>(board: &'a Value, id: &str) -> &'a Value {
    board["services"].as_array().unwrap().iter().find(|s| s["id"] == id).unwrap()
}

#[tokio::test]
async fn the_demo_attack_degrades_the_theatres_on_the_board_and_in_edxl_have() {
    let accepted = Arc::new(Mutex::new(Vec::new()));
    let hook = common::json_receiver("/have", accepted.clone()).await;
    let dir = tempfile::tempdir().unwrap();
    let server = start(have_config(dir.path(), hook)).await.unwrap();
    let base = server.url();
    load_demo_hospital(&server).await;
    let admin = client_with(&token(&server, Role::Admin, None).await);
    let guard = client_with(&token(&server, Role::SecurityGuard, None).await);
    let crisis = client_with(&token(&server, Role::CrisisManager, None).await);
    let responder = client_with(&token(&server, Role::Responder, None).await);
    let board_url = format!("{base}/api/v1/availability");

    // Before the attack every service is operational, its beds counted.
    let calm = get_json(&responder, &board_url).await;
    assert!(calm["services"].as_array().unwrap().iter().all(|s| s["status"] == "operational"), "{calm:#}");
    let icu = service(&calm, "svc-icu");
    assert_eq!(icu["beds"], json!({"total": 14, "occupied": 11, "available": 2, "blocked": 1}));
    assert_eq!(icu["capacity"]["staffing"][1]["role"], "ICU nurses");

    post_ndjson(&admin, &base, attack_events(usize::MAX)).await;
    let page = settled_incidents(&admin, &base).await;
    let incidents = page["incidents"].as_array().unwrap();

    let board = until("the theatres degraded", async || {
        let board = get_json(&responder, &board_url).await;
        (service(&board, "svc-theatres")["status"] == "degraded").then_some(board)
    })
    .await;
    let theatres = service(&board, "svc-theatres");
    let cause = &theatres["causes"][0];
    let incident = incidents.iter().find(|i| i["id"] == cause["incident"]).expect("the cause is an incident");
    assert_eq!(incident["status"], "new");
    assert!(cause["score"].as_f64().unwrap() >= 0.3 && cause["score"].as_f64().unwrap() < 0.9, "{cause}");
    assert_ne!(cause["impact"], "confidentiality", "disclosure alone takes no capacity");
    assert!(theatres["since"].is_string(), "{theatres}");
    let icu = service(&board, "svc-icu");
    eprintln!(
        "measured: theatres {} {} by {} ({}); ICU {} causes {}",
        cause["score"], cause["impact"], cause["threat"], incident["title"], icu["status"], icu["causes"]
    );
    let history = board["history"].as_array().unwrap();
    assert!(
        history.iter().any(|h| h["service"] == "svc-theatres" && h["kind"] == "status" && h["status"] == "degraded"),
        "{history:#?}"
    );

    // The EDXL-HAVE document says the same, and went to the region.
    let have = responder.get(format!("{base}/api/v1/availability/edxl-have")).send().await.unwrap();
    assert_eq!(have.status(), 200);
    assert!(have.headers()["content-type"].to_str().unwrap().starts_with("application/xml"));
    let xml = have.text().await.unwrap();
    assert!(xml.contains("<have:FacilityStatus>Compromised</have:FacilityStatus>"), "{xml}");
    let theatres_xml = xml.split("<have:Service>").find(|s| s.contains("svc-theatres")).unwrap();
    assert!(theatres_xml.contains("<have:OperationalStatus>Compromised</have:OperationalStatus>"), "{theatres_xml}");
    let pushed = until("the EDXL-HAVE push", async || {
        accepted
            .lock()
            .unwrap()
            .iter()
            .find(|m| m["payload"]["xml"].as_str().is_some_and(|x| x.contains("Compromised")))
            .cloned()
    })
    .await;
    assert_eq!(pushed["reason"], "availability");
    assert_eq!(pushed["payload"]["format"], "edxl-have-2.0");

    // Only a crisis manager overrides.
    let url = format!("{base}/api/v1/availability/services/svc-theatres");
    let expires = (jiff::Timestamp::now() + jiff::SignedDuration::from_hours(2)).round(jiff::Unit::Second).unwrap();
    let ask = json!({"status": "closed", "reason": "OT 1-4 too warm to operate safely", "expires": expires});
    for (who, client) in [("guard", &guard), ("admin", &admin), ("responder", &responder)] {
        assert_eq!(client.put(&url).json(&ask).send().await.unwrap().status(), 403, "{who}");
    }
    let no_reason = crisis.put(&url).json(&json!({"status": "closed", "reason": " ", "expires": expires})).send();
    assert_eq!(no_reason.await.unwrap().status(), 422);
    let unknown = crisis.put(format!("{base}/api/v1/availability/services/ahu-ot")).json(&ask).send();
    assert_eq!(unknown.await.unwrap().status(), 404);
    let set = crisis.put(&url).json(&ask).send().await.unwrap();
    assert_eq!(set.status(), 200);
    let set: Value = set.json().await.unwrap();
    assert_eq!(set["status"], "closed");
    assert_eq!(set["assessed"], "degraded");
    assert_eq!(set["override"]["reason"], "OT 1-4 too warm to operate safely");
    assert_eq!(set["override"]["by"], "token:test-crisis_manager");
    assert_eq!(set["override"]["expires"], expires.to_string());

    let board = get_json(&responder, &board_url).await;
    assert_eq!(service(&board, "svc-theatres")["override"]["expires"], expires.to_string());
    let kinds: Vec<(&str, &str)> = board["history"]
        .as_array()
        .unwrap()
        .iter()
        .filter(|h| h["service"] == "svc-theatres")
        .map(|h| (h["kind"].as_str().unwrap(), h["status"].as_str().unwrap()))
        .collect();
    assert!(kinds.contains(&("override", "closed")) && kinds.contains(&("status", "degraded")), "{kinds:?}");
    assert!(kinds.contains(&("status", "closed")), "the overridden status is a change too: {kinds:?}");
    let xml =
        responder.get(format!("{base}/api/v1/availability/edxl-have")).send().await.unwrap().text().await.unwrap();
    let theatres_xml = xml.split("<have:Service>").find(|s| s.contains("svc-theatres")).unwrap();
    assert!(theatres_xml.contains("<have:OperationalStatus>Closed</have:OperationalStatus>"), "{theatres_xml}");
    assert!(theatres_xml.contains("OT 1-4 too warm"), "{theatres_xml}");
    until("the closed theatres pushed", async || {
        accepted
            .lock()
            .unwrap()
            .iter()
            .any(|m| m["payload"]["xml"].as_str().is_some_and(|x| x.contains("too warm")))
            .then_some(())
    })
    .await;

    // Ended early by a crisis manager (no one else), the assessed status is back.
    assert_eq!(responder.delete(&url).send().await.unwrap().status(), 403);
    let ended = crisis.delete(&url).send().await.unwrap();
    assert_eq!(ended.status(), 200);
    let ended: Value = ended.json().await.unwrap();
    assert_eq!(ended["status"], "degraded");
    assert!(ended["override"].is_null(), "{ended}");
    assert_eq!(crisis.delete(&url).send().await.unwrap().status(), 409, "nothing left to end");
    let board = get_json(&responder, &board_url).await;
    let history = board["history"].as_array().unwrap();
    let last = history.iter().find(|h| h["service"] == "svc-theatres").unwrap();
    assert_eq!((&last["kind"], &last["status"]), (&json!("status"), &json!("degraded")), "the return is recorded");
    let ending = history.iter().find(|h| h["kind"] == "override").unwrap();
    assert_eq!(ending["ended_by"], "token:test-crisis_manager");
    assert!(ending["override"].is_null());

    let audit = admin.get(format!("{base}/api/v1/audit")).send().await.unwrap().text().await.unwrap();
    assert!(audit.contains("availability.override") && audit.contains("test-crisis_manager"), "{audit}");
    assert!(audit.contains("availability.override_ended"), "{audit}");
    let metrics = admin.get(format!("{base}/metrics")).send().await.unwrap().text().await.unwrap();
    assert!(metrics.contains(r#"safecare_availability_override_refused_total{reason="no_reason"} 1"#), "{metrics}");
    server.stop().await.unwrap();
}
