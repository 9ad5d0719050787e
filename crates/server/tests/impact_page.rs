//! Impact that reads right, as the API and the incident page show it: the
//! scale's words with the scores, no floating-point residue, one row per
//! service, mitigations that lower nothing folded away, lock-downs of
//! evacuation routes flagged, the worst path from the attacked asset.
#![allow(clippy::unwrap_used, clippy::expect_used)]

mod common;

use common::{config, signed_in, start_with_admin};
use safecare_model::Role;
use serde_json::{Value, json};

/// Every number of a JSON document, wherever it is.
fn numbers(value: &Value, into: &mut Vec<f64>) {
    match value {
        Value::Number(n) => into.extend(n.as_f64()),
        Value::Array(items) => items.iter().for_each(|v| numbers(v, into)),
        Value::Object(map) => map.values().for_each(|v| numbers(v, into)),
        _ => {}
    }
}

#[tokio::test]
async fn the_api_writes_scores_with_their_level_and_flags_the_lock_down() {
    let dir = tempfile::tempdir().unwrap();
    let (server, admin) = start_with_admin(config(dir.path())).await;
    let base = server.url();
    common::load_demo_hospital(&server).await;
    let assess = |threat: &'static str, asset: &'static str| {
        let request =
            admin.post(format!("{base}/api/v1/impact/assess")).json(&json!({"threat": threat, "assets": [asset]}));
        async move { request.send().await.unwrap().text().await.unwrap() }
    };

    let text = assess("tampering", "ahu-ot").await;
    assert!(!text.contains("0.6480000000000001"), "no floating-point residue: {text}");
    let body: Value = serde_json::from_str(&text).unwrap();
    let mut all = Vec::new();
    numbers(&body, &mut all);
    let long: Vec<&f64> =
        all.iter().filter(|n| format!("{n}").split('.').nth(1).is_some_and(|d| d.len() > 3)).collect();
    assert!(long.is_empty(), "numbers past three decimals: {long:?}");
    let theatres = &body["services"][0];
    assert_eq!(theatres["asset"], "svc-theatres", "{body:#}");
    assert_eq!(theatres["score"], 0.648);
    assert_eq!(theatres["level"], "severe");
    assert_eq!(body["report"]["services"][0]["level"], "severe");

    let forced: Value = serde_json::from_str(&assess("physical_intrusion", "door-main--1.12").await).unwrap();
    assert_eq!(forced["services"][0]["asset"], "svc-pharmacy", "{:#}", forced["services"]);
    let lockdown = forced["mitigations"].as_array().unwrap().iter().find(|m| m["id"] == "lock-down-zone").unwrap();
    assert_eq!(lockdown["patient_safety_risk"], true, "{lockdown:#}");
    let reasons = lockdown["safety_reasons"].to_string();
    assert!(reasons.contains("evacuation routes") && reasons.contains("emergency access"), "{reasons}");
    server.stop().await.unwrap();
}

#[tokio::test]
async fn the_incident_page_names_levels_folds_idle_mitigations_and_starts_the_worst_path_at_the_attacked_pc() {
    let dir = tempfile::tempdir().unwrap();
    let (server, admin) = start_with_admin(config(dir.path())).await;
    let base = server.url();
    common::load_demo_hospital(&server).await;
    // The demo attack: a phished BMS PC raises the theatres' set point, theatre 1 warms.
    let page = common::play_attack(&server, &admin, 3).await;
    let incident = page["incidents"]
        .as_array()
        .unwrap()
        .iter()
        .find(|i| i["assets"].as_array().unwrap().iter().any(|a| a == "rm-main-1.01"))
        .unwrap_or_else(|| panic!("no incident on the theatre: {page:#}"));
    let id = incident["id"].as_str().unwrap();
    let record = common::until("the incident's impact", async || {
        let record = common::get_json(&admin, format!("{base}/api/v1/incidents/{id}")).await;
        (!record["impact"].is_null()).then_some(record)
    })
    .await;
    let api = record.to_string();
    assert!(!api.contains("0000000"), "no floating-point residue in the incident: {api}");
    let path = &record["impact"]["report"]["services"][0]["path"];
    assert_eq!(path[0]["asset"], "ws-bms-01", "the worst path starts at the attacked PC, not the theatre: {path:#}");

    let browser = signed_in(&server, "lead", Role::SocAnalyst).await;
    let html = browser.get(format!("{base}/incidents/{id}")).send().await.unwrap().text().await.unwrap();
    let services = &html[html.find("<table class=\"services\"").expect("services table")..];
    let services = &services[..services.find("</table>").unwrap()];
    let rows = services.matches("<tr data-service=").count();
    let distinct: std::collections::HashSet<&str> =
        services.split("data-service=\"").skip(1).filter_map(|r| r.split('"').next()).collect();
    assert_eq!(rows, distinct.len(), "one row per service: {services}");
    assert!(
        ["low", "moderate", "severe", "critical"].iter().any(|w| services.contains(&format!("\">{w}</span> (0."))),
        "levels in words with their scores: {services}"
    );
    assert!(html.contains("What the levels mean"), "the scale is explained");
    let worst = &html[html.find("id=\"worst-path\"").expect("worst path legend")..];
    assert!(
        worst.starts_with("id=\"worst-path\">Thick line: the worst path, from the attacked BMS"),
        "{}",
        &worst[..200]
    );
    let mitigations = record["impact"]["mitigations"].as_array().unwrap();
    let idle = mitigations.iter().filter(|m| m["reduction"].as_f64().unwrap() <= 0.0).count();
    assert!(idle > 0 && idle < mitigations.len(), "the playbooks' mitigations include idle ones: {mitigations:#?}");
    let at = html.find("<details class=\"no-reduction\"").expect("idle mitigations are folded");
    let folded = &html[at..];
    let folded = &folded[..folded.find("</details>").unwrap()];
    assert!(folded.contains(&format!("Show all: {idle} more mitigation")), "{folded}");
    assert_eq!(folded.matches("data-mitigation=").count(), idle, "{folded}");
    assert!(!html[..at].contains(">0.00<br>"), "the main table shows none that lower nothing");
    assert_eq!(html[..at].matches("data-mitigation=").count(), mitigations.len() - idle);
    server.stop().await.unwrap();
}
