//! CAP to first responders over the API: the demo hospital's fire in the
//! technical building's LV switchroom becomes a CAP alert whose area is the
//! technical building's footprint; a guard drafts it, neither the guard nor
//! the admin may approve it, the crisis manager does; it then leaves
//! through the outbox to a webhook receiver (the XML there valid against the
//! OASIS XSD), appears in the Atom feed a responder reads, on the
//! incident's timeline and in the audit; an Update follows, referencing it.
#![allow(clippy::unwrap_used, clippy::expect_used)]

mod common;

use std::net::SocketAddr;
use std::path::Path;
use std::sync::{Arc, Mutex};

use common::{
    client_with, config, fire_event, get_json, load_demo_hospital, post_ndjson, settled_incidents, token, until,
    xsd_check,
};
use safecare_model::Role;
use safecare_server::{Config, start};
use serde_json::{Value, json};

fn cap_config(dir: &Path, hook: SocketAddr) -> Config {
    let mut config = config(dir);
    config.notify = serde_json::from_value(json!({
        "channels": { "fire-brigade": { "type": "webhook", "url": format!("http://{hook}/cap"), "secret": "s3cret" } },
    }))
    .unwrap();
    config.cap = serde_json::from_value(json!({
        "sender": "safecare@hq.example",
        "languages": ["en", "fr", "nl"],
        "channels": ["fire-brigade"],
        "web": "https://safecare.hq.example",
    }))
    .unwrap();
    config
}

#[tokio::test]
async fn the_demo_fire_goes_to_responders_only_after_a_crisis_manager_approves() {
    let accepted = Arc::new(Mutex::new(Vec::new()));
    let hook = common::json_receiver("/cap", accepted.clone()).await;
    let dir = tempfile::tempdir().unwrap();
    let server = start(cap_config(dir.path(), hook)).await.unwrap();
    let base = server.url();
    load_demo_hospital(&server).await;
    let admin = client_with(&token(&server, Role::Admin, None).await);
    let guard = client_with(&token(&server, Role::SecurityGuard, None).await);
    let crisis = client_with(&token(&server, Role::CrisisManager, None).await);
    let responder = client_with(&token(&server, Role::Responder, None).await);

    post_ndjson(&admin, &base, fire_event()).await;
    let page = settled_incidents(&admin, &base).await;
    let fire = page["incidents"].as_array().unwrap().iter().find(|i| i["threat"] == "fire").expect("a fire incident");
    let id = fire["id"].as_str().unwrap().to_owned();
    let cap_url = format!("{base}/api/v1/incidents/{id}/cap");

    // Choices the form offers are checked by the API alike: each bad one is refused, nothing drafted.
    for bad in [
        json!({"msg_type": "Alert", "languages": ["french"]}),
        json!({"msg_type": "Alert", "languages": []}),
        json!({"msg_type": "Alert", "threat": "ransomware"}),
        json!({"msg_type": "Alert", "instruction": "x".repeat(2001)}),
    ] {
        let refused = guard.post(&cap_url).json(&bad).send().await.unwrap();
        assert_eq!(refused.status(), 422, "{bad}");
    }
    assert!(get_json(&admin, &cap_url).await["messages"].as_array().unwrap().is_empty());

    // The guard drafts; nothing leaves yet.
    let drafted = guard.post(&cap_url).json(&json!({"msg_type": "Alert"})).send().await.unwrap();
    assert_eq!(drafted.status(), 201);
    let drafted: Value = drafted.json().await.unwrap();
    assert_eq!(drafted["state"], "draft");
    let identifier = drafted["alert"]["identifier"].as_str().unwrap().to_owned();
    let xml = drafted["xml"].as_str().unwrap();
    xsd_check(xml).unwrap();

    // Its area is the technical building's footprint, as the site model gives it.
    let building = get_json(&admin, &format!("{base}/api/v1/assets/bld-tech")).await;
    let footprint = &building["asset"]["geo"]["footprint"];
    assert!(footprint.as_array().is_some_and(|f| f.len() == 5), "{building}");
    let infos = drafted["alert"]["infos"].as_array().unwrap();
    assert_eq!(infos.len(), 3, "one info per language");
    for info in infos {
        let area = &info["areas"][0];
        assert_eq!(&area["polygons"][0], footprint);
        assert!(area["area_desc"].as_str().unwrap().contains("Technical building"), "{area}");
        assert_eq!(area["circles"].as_array().unwrap().len(), 1, "the switchroom itself");
    }
    let polygon: Vec<String> = footprint
        .as_array()
        .unwrap()
        .iter()
        .map(|p| format!("{},{}", p["lat"].as_f64().unwrap(), p["lon"].as_f64().unwrap()))
        .collect();
    assert!(xml.contains(&format!("<polygon>{}</polygon>", polygon.join(" "))), "{xml}");
    let again = guard.post(&cap_url).json(&json!({"msg_type": "Alert"})).send().await.unwrap();
    assert_eq!(again.status(), 409, "one draft waits at a time");
    let metrics = admin.get(format!("{base}/metrics")).send().await.unwrap().text().await.unwrap();
    assert!(metrics.contains(r#"safecare_cap_refused_total{reason="draft_pending"} 1"#), "{metrics}");

    // Neither the guard nor the admin may approve; the crisis manager does.
    let approve_url = format!("{cap_url}/{identifier}/approve");
    assert_eq!(guard.post(&approve_url).send().await.unwrap().status(), 403);
    assert_eq!(admin.post(&approve_url).send().await.unwrap().status(), 403);
    assert!(accepted.lock().unwrap().is_empty(), "nothing left before approval");
    let notifications = get_json(&admin, &format!("{base}/api/v1/incidents/{id}/notifications")).await;
    assert!(notifications["notifications"].as_array().unwrap().is_empty());
    let feed = responder.get(format!("{base}/api/v1/cap/feed")).send().await.unwrap().text().await.unwrap();
    assert!(!feed.contains(&identifier), "a draft is not in the feed");

    let approved = crisis.post(&approve_url).send().await.unwrap();
    assert_eq!(approved.status(), 200);
    let approved: Value = approved.json().await.unwrap();
    assert_eq!(approved["state"], "approved");
    assert_eq!(approved["approved_by"], "token:test-crisis_manager");
    assert_eq!(crisis.post(&approve_url).send().await.unwrap().status(), 409, "approved once");

    // Sent through the outbox, to the receiver, as valid CAP.
    let delivered = until("the CAP delivery", async || accepted.lock().unwrap().first().cloned()).await;
    assert_eq!(delivered["reason"], "cap");
    assert_eq!(delivered["payload"]["identifier"], identifier);
    xsd_check(delivered["payload"]["xml"].as_str().unwrap()).unwrap();
    let outbox = get_json(&admin, &format!("{base}/api/v1/incidents/{id}/notifications")).await;
    let entry = &outbox["notifications"][0];
    assert_eq!(entry["notification"]["channel"], "fire-brigade");
    assert_eq!(entry["notification"]["key"], format!("cap:{identifier}:fire-brigade"));

    // In the feed a responder reads.
    let feed = responder.get(format!("{base}/api/v1/cap/feed")).send().await.unwrap();
    assert_eq!(feed.status(), 200);
    assert!(feed.headers()["content-type"].to_str().unwrap().starts_with("application/atom+xml"));
    let feed = feed.text().await.unwrap();
    assert!(feed.contains(&format!("<identifier>{identifier}</identifier>")), "{feed}");
    assert_eq!(guard.get(format!("{base}/api/v1/cap/feed")).send().await.unwrap().status(), 200);

    // On the timeline and in the audit.
    let record = get_json(&admin, &format!("{base}/api/v1/incidents/{id}")).await;
    let actions: Vec<&str> =
        record["timeline"].as_array().unwrap().iter().map(|e| e["action"].as_str().unwrap()).collect();
    assert!(actions.contains(&"cap_drafted") && actions.contains(&"cap_approved"), "{actions:?}");
    let audit = admin.get(format!("{base}/api/v1/audit")).send().await.unwrap().text().await.unwrap();
    assert!(audit.contains("incident.cap_approved") && audit.contains("test-crisis_manager"), "{audit}");

    // An Update references the alert.
    let update: Value = crisis
        .post(&cap_url)
        .json(&json!({"msg_type": "Update", "note": "Fire service on site"}))
        .send()
        .await
        .unwrap()
        .json()
        .await
        .unwrap();
    let reference = format!("safecare@hq.example,{identifier},{}", approved["alert"]["sent"].as_str().unwrap());
    assert_eq!(update["alert"]["references"], json!([reference]));
    xsd_check(update["xml"].as_str().unwrap()).unwrap();
    let update_id = update["alert"]["identifier"].as_str().unwrap();
    let sent = crisis.post(format!("{cap_url}/{update_id}/approve")).send().await.unwrap();
    assert_eq!(sent.status(), 200);
    // A draft can be dropped instead of sent; it never reaches the feed.
    let cancel: Value =
        guard.post(&cap_url).json(&json!({"msg_type": "Cancel"})).send().await.unwrap().json().await.unwrap();
    let cancel_id = cancel["alert"]["identifier"].as_str().unwrap();
    let dropped = guard.post(format!("{cap_url}/{cancel_id}/discard")).send().await.unwrap();
    assert_eq!(dropped.status(), 200);
    assert_eq!(crisis.post(format!("{cap_url}/{cancel_id}/approve")).send().await.unwrap().status(), 409);
    let listed = get_json(&guard, &cap_url).await;
    let states: Vec<&str> =
        listed["messages"].as_array().unwrap().iter().map(|m| m["state"].as_str().unwrap()).collect();
    assert_eq!(states, ["approved", "approved", "discarded"]);
    let feed = responder.get(format!("{base}/api/v1/cap/feed")).send().await.unwrap().text().await.unwrap();
    assert_eq!(feed.matches("<entry>").count(), 2, "{feed}");
    assert!(!feed.contains(cancel_id));
    server.stop().await.unwrap();
}
