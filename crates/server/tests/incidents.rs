//! Incidents over the API: the demo's multi-step attack becomes one
//! incident with its playbooks' tasks and its impact on clinical services;
//! people then work it through its lifecycle, tasks, approvals, clocks,
//! merges and splits, and every change reaches the live feed.
#![allow(clippy::unwrap_used, clippy::expect_used)]

mod common;

use std::time::Duration;

use common::{
    attack_events, client_with, config, get_json, load_demo_hospital, play_attack, post_ndjson, settled_incidents,
    start_with_admin, token,
};
use safecare_model::Role;
use serde_json::{Value, json};

#[tokio::test]
async fn the_demo_attack_becomes_one_incident_with_its_tasks_and_impact() {
    let dir = tempfile::tempdir().unwrap();
    let (server, client) = start_with_admin(config(dir.path())).await;
    load_demo_hospital(&server).await;
    let base = server.url();
    let page = play_attack(&server, &client, usize::MAX).await;
    let incidents = page["incidents"].as_array().unwrap();
    let titled = |title: &str| {
        incidents.iter().find(|i| i["title"] == title).cloned().unwrap_or_else(|| panic!("no {title:?} in {page:#}"))
    };

    // Phishing click, BMS set-point change and their correlation: one
    // incident, with both playbooks and the theatres' loss in its impact;
    // the theatre warming up, which that impact predicted, joins it.
    // Each incident is named from its threat and where its alerts are, in
    // the site's names; alerts in two buildings name both places.
    let bms = titled("BMS tampering — BMS control room, Technical building; Operating theatre 1, Main building");
    assert_eq!(bms["alerts"].as_array().unwrap().len(), 4, "{bms:#}");
    assert_eq!(bms["threat"], "bms_tampering");
    assert_eq!(bms["severity"], "critical");
    let record = get_json(&client, format!("{base}/api/v1/incidents/{}", bms["id"].as_str().unwrap())).await;
    assert_eq!(record["playbooks"], json!(["phishing", "bms_tampering", "environmental_excursion"]));
    let tasks: Vec<&str> =
        record["tasks"].as_array().unwrap().iter().map(|t| t["playbook"].as_str().unwrap()).collect();
    assert_eq!(tasks.iter().filter(|p| **p == "phishing").count(), 7);
    assert_eq!(tasks.iter().filter(|p| **p == "bms_tampering").count(), 7);
    let theatre_joined = record["timeline"].as_array().unwrap().iter().any(|e| {
        let detail = e["detail"].as_str().unwrap();
        detail.contains("Operating Theatre Temperature Out Of Range")
            && detail.contains("rm-main-1.01 is in the incident's impact")
    });
    assert!(theatre_joined, "{:#}", record["timeline"]);
    let services: Vec<&str> = record["impact"]["report"]["services"]
        .as_array()
        .unwrap()
        .iter()
        .map(|s| s["asset"].as_str().unwrap())
        .collect();
    assert!(services.iter().any(|s| s.contains("theatre")), "{services:?}");
    // The mitigations ranked are the ones its playbooks carry out, best
    // reduction first.
    let ranked: Vec<&str> =
        record["impact"]["mitigations"].as_array().unwrap().iter().map(|m| m["id"].as_str().unwrap()).collect();
    assert!(!ranked.is_empty());
    let named: Vec<&str> =
        record["tasks"].as_array().unwrap().iter().filter_map(|t| t["task"]["mitigation"].as_str()).collect();
    assert!(ranked.iter().all(|m| named.contains(m)), "{ranked:?} not all in {named:?}");
    let reductions: Vec<f64> =
        record["impact"]["mitigations"].as_array().unwrap().iter().map(|m| m["reduction"].as_f64().unwrap()).collect();
    assert!(reductions.windows(2).all(|w| w[0] >= w[1]), "{reductions:?}");
    assert!(record["impact_summary"].as_str().unwrap().starts_with("intrusion on ws-bms-01"));

    // The night-time badge, the USB disk, their correlation and the shadow
    // copy deletion in the same server room: a second incident. The fire
    // in the same technical building's LV switchroom minutes later joins
    // it (sabotage after the intrusion is what a crisis cell must suspect),
    // and the incident is now the fire the fire brigade is told of.
    let server_room = titled("Fire — Technical building");
    assert_eq!(server_room["alerts"].as_array().unwrap().len(), 5);
    assert_eq!(server_room["threat"], "fire");
    let record = get_json(&client, format!("{base}/api/v1/incidents/{}", server_room["id"].as_str().unwrap())).await;
    assert_eq!(record["playbooks"], json!(["unauthorised_access", "data_exfiltration", "ransomware", "fire"]));
    assert!(record["timeline"].as_array().unwrap().iter().all(|e| e["actor"] == "safecare"));

    // The forced pharmacy door shares nothing with them; it gets its own
    // playbook and impact.
    let services_of = |incident: &Value| {
        let url = format!("{base}/api/v1/incidents/{}", incident["id"].as_str().unwrap());
        let client = client.clone();
        async move {
            let record = get_json(&client, url).await;
            let services = record["impact"]["report"]["services"].as_array().cloned().unwrap_or_default();
            services.iter().map(|s| s["name"].as_str().unwrap().to_owned()).collect::<Vec<_>>()
        }
    };
    let door = titled("Forced entry — Controlled drugs store, Main building");
    assert_eq!(door["alerts"].as_array().unwrap().len(), 1);
    assert!(!services_of(&door).await.is_empty(), "an intruder in the basement reaches clinical areas");
    let alerts = get_json(&client, format!("{base}/api/v1/alerts")).await;
    let grouped: usize = incidents.iter().map(|i| i["alerts"].as_array().unwrap().len()).sum();
    assert_eq!(grouped, alerts.as_array().unwrap().len(), "every alert is in exactly one incident");
    assert_eq!(page["total"], incidents.len());
    server.stop().await.unwrap();
}

async fn post(client: &reqwest::Client, url: String, body: Value) -> (u16, Value) {
    let response = client.post(&url).json(&body).send().await.unwrap();
    let status = response.status().as_u16();
    (status, response.json().await.unwrap_or(Value::Null))
}

/// Starts a server with the demo hospital and plays the attack's first
/// `steps` events; returns the one incident they make.
async fn incident_from_attack(
    steps: usize,
) -> (tempfile::TempDir, safecare_server::RunningServer, reqwest::Client, String) {
    let dir = tempfile::tempdir().unwrap();
    let (server, admin) = start_with_admin(config(dir.path())).await;
    load_demo_hospital(&server).await;
    let page = play_attack(&server, &admin, steps).await;
    let id = page["incidents"][0]["id"].as_str().unwrap().to_owned();
    (dir, server, admin, id)
}

#[tokio::test]
async fn people_work_an_incident_through_its_tasks_approvals_and_lifecycle() {
    let (_dir, server, admin, id) = incident_from_attack(2).await;
    let base = server.url();
    let url = format!("{base}/api/v1/incidents/{id}");
    let soc = client_with(&token(&server, Role::SocAnalyst, None).await);
    let crisis = client_with(&token(&server, Role::CrisisManager, None).await);
    let (status, _) = post(
        &admin,
        format!("{base}/api/v1/users"),
        json!({"name": "alice", "role": "soc_analyst", "password": "correct horse battery"}),
    )
    .await;
    assert_eq!(status, 201);

    // Resolving skips steps: refused with the reason.
    let (status, body) = post(&soc, format!("{url}/transition"), json!({"transition": "resolve"})).await;
    assert_eq!(status, 409, "{body}");
    assert!(body["error"].as_str().unwrap().contains("start work on it first"), "{body}");
    let (status, body) = post(&soc, format!("{url}/transition"), json!({"transition": "fly"})).await;
    assert_eq!((status, body["error"].as_str().unwrap()), (400, "unknown transition \"fly\""));
    assert_eq!(post(&soc, format!("{url}/transition"), json!({"transition": "acknowledge"})).await.0, 200);

    let edit = soc.patch(&url).json(&json!({"assignee": "alice", "add_tags": ["attack.t1566"]})).send().await.unwrap();
    assert_eq!(edit.status(), 200);
    let edit = soc.patch(&url).json(&json!({"assignee": "mallory"})).send().await.unwrap();
    assert_eq!(edit.status(), 400, "only real users are assigned");
    let edit = soc.patch(&url).json(&json!({"add_tags": ["attack.t15"]})).send().await.unwrap();
    assert_eq!(edit.status(), 422);
    let (status, _) = post(&soc, format!("{url}/comments"), json!({"text": "BMS operator called, PC isolated"})).await;
    assert_eq!(status, 201);
    assert_eq!(post(&soc, format!("{url}/transition"), json!({"transition": "start"})).await.0, 200);

    // Pending tasks hold the resolution back.
    let (status, body) = post(&soc, format!("{url}/transition"), json!({"transition": "resolve"})).await;
    assert_eq!(status, 409);
    assert!(body["error"].as_str().unwrap().contains("playbook tasks are pending"), "{body}");

    // The clinical-safety guardrail: manual mode needs a clinical lead's
    // approval, which the SOC cannot give and the crisis cell can.
    let task = |key: &str| format!("{url}/tasks/{key}");
    for key in ["bms_tampering/triage", "bms_tampering/check-conditions", "bms_tampering/clinical-check"] {
        let (status, body) = post(&soc, task(key), json!({"action": "complete"})).await;
        assert_eq!(status, 200, "{key}: {body}");
    }
    let (status, body) = post(&soc, task("bms_tampering/manual-mode"), json!({"action": "complete"})).await;
    assert_eq!(status, 409);
    assert!(body["error"].as_str().unwrap().contains("needs the approval of a clinical_lead"), "{body}");
    let (status, body) = post(&soc, task("bms_tampering/manual-mode"), json!({"action": "approve"})).await;
    assert_eq!(status, 403, "{body}");
    let (status, body) =
        post(&crisis, task("bms_tampering/manual-mode"), json!({"action": "approve", "note": "theatres empty"})).await;
    assert_eq!(status, 200, "{body}");
    assert_eq!(post(&soc, task("bms_tampering/manual-mode"), json!({"action": "complete"})).await.0, 200);
    assert_eq!(post(&soc, task("bms_tampering/nope"), json!({"action": "complete"})).await.0, 404);
    let (status, _) = post(&soc, task("phishing/warn-staff"), json!({"action": "skip"})).await;
    assert_eq!(status, 400, "a skip needs a reason");

    let record = get_json(&soc, url.clone()).await;
    let pending: Vec<String> = record["tasks"]
        .as_array()
        .unwrap()
        .iter()
        .filter(|t| t["status"]["state"] == "pending")
        .map(|t| format!("{}/{}", t["playbook"].as_str().unwrap(), t["task"]["id"].as_str().unwrap()))
        .collect();
    // Tasks come in playbook order, each after the ones it waits for.
    for key in &pending {
        let (status, body) =
            post(&soc, task(key), json!({"action": "skip", "note": "not needed in this exercise"})).await;
        assert_eq!(status, 200, "{key}: {body}");
    }
    assert_eq!(post(&soc, format!("{url}/transition"), json!({"transition": "resolve"})).await.0, 200);
    assert_eq!(post(&soc, format!("{url}/transition"), json!({"transition": "close"})).await.0, 200);
    let (status, body) = post(&soc, format!("{url}/comments"), json!({"text": "post-incident review booked"})).await;
    assert_eq!(status, 201, "a closed incident still takes notes: {body}");
    let edit = soc.patch(&url).json(&json!({"title": "renamed"})).send().await.unwrap();
    assert_eq!(edit.status(), 422, "but no other change");

    // Every change is on the timeline under the caller's name.
    let record = get_json(&soc, url.clone()).await;
    let by = |action: &str| -> Vec<String> {
        record["timeline"]
            .as_array()
            .unwrap()
            .iter()
            .filter(|e| e["action"] == action)
            .map(|e| e["actor"].as_str().unwrap().to_owned())
            .collect()
    };
    assert_eq!(by("status_changed").len(), 4);
    assert_eq!(by("task_approved"), ["token:test-crisis_manager"]);
    assert!(by("commented").iter().all(|a| a == "token:test-soc_analyst"));
    assert_eq!(record["incident"]["assignee"], "alice");
    assert_eq!(record["incident"]["status"], "closed");
    assert_eq!(record["comments"][0]["text"], "BMS operator called, PC isolated");

    // People's changes are in the audit chain too; automatic grouping is not.
    let audit = get_json(&admin, format!("{base}/api/v1/audit")).await;
    let entries = audit["entries"].as_array().or(audit.as_array()).unwrap().clone();
    let audited = |action: &str| entries.iter().filter(|e| e["action"] == action && e["target"] == id.as_str()).count();
    assert_eq!(audited("incident.status_changed"), 4, "{entries:#?}");
    assert_eq!(audited("incident.task_approved"), 1);
    assert_eq!(audited("incident.alert_added"), 0);

    // Filters see it.
    let page = get_json(&soc, format!("{base}/api/v1/incidents?status=closed&assignee=alice&tag=attack.t1566")).await;
    assert_eq!(page["total"], 1);
    let page = get_json(&soc, format!("{base}/api/v1/incidents?open=true")).await;
    assert_eq!(page["total"], 0);
    let bad = soc.get(format!("{base}/api/v1/incidents?status=sleeping")).send().await.unwrap();
    assert_eq!(bad.status(), 400);
    server.stop().await.unwrap();
}

#[tokio::test]
async fn regulatory_clocks_start_when_marked_and_reports_are_drafted_and_stop_them() {
    let (_dir, server, admin, id) = incident_from_attack(1).await;
    let url = format!("{}/api/v1/incidents/{id}", server.url());
    let aware = jiff::Timestamp::now() - jiff::SignedDuration::from_hours(1);
    let (status, record) =
        post(&admin, format!("{url}/markings"), json!({"marking": "significant", "aware_at": aware.to_string()})).await;
    assert_eq!(status, 200, "{record}");
    let due = |kind: &str| -> jiff::Timestamp {
        let clock = record["clocks"].as_array().unwrap().iter().find(|c| c["kind"] == kind).unwrap();
        clock["due"].as_str().unwrap().parse().unwrap()
    };
    assert_eq!(due("nis2_early_warning"), aware + jiff::SignedDuration::from_hours(24));
    assert_eq!(due("nis2_notification"), aware + jiff::SignedDuration::from_hours(72));
    let (status, _) = post(&admin, format!("{url}/markings"), json!({"marking": "significant"})).await;
    assert_eq!(status, 409, "marked once");
    let (status, record) = post(&admin, format!("{url}/markings"), json!({"marking": "personal_data_breach"})).await;
    assert_eq!(status, 200);
    assert!(record["clocks"].as_array().unwrap().iter().any(|c| c["kind"] == "gdpr_art33"));

    let draft = admin.get(format!("{url}/reports/nis2_early_warning")).send().await.unwrap();
    assert_eq!(draft.status(), 200);
    assert!(draft.headers()["content-type"].to_str().unwrap().starts_with("text/markdown"));
    let text = draft.text().await.unwrap();
    assert!(text.contains("Phishing — BMS control room, Technical building"), "{text}");
    let (status, _) = post(&admin, format!("{url}/reports/nis2_final_report"), json!({})).await;
    assert_eq!(status, 409, "the final report follows the notification");
    let (status, record) =
        post(&admin, format!("{url}/reports/nis2_early_warning"), json!({"note": "CSIRT portal ref 42"})).await;
    assert_eq!(status, 200);
    let clock =
        record["clocks"].as_array().unwrap().iter().find(|c| c["kind"] == "nis2_early_warning").unwrap().clone();
    assert_eq!(clock["submitted"]["note"], "CSIRT portal ref 42");
    assert_eq!(admin.get(format!("{url}/reports/nis2_summary")).send().await.unwrap().status(), 400);

    // A guard works incidents but does not declare them to regulators.
    let guard = client_with(&token(&server, Role::SecurityGuard, None).await);
    let (status, _) = post(&guard, format!("{url}/markings"), json!({"marking": "significant"})).await;
    assert_eq!(status, 403);
    server.stop().await.unwrap();
}

/// Reads the live stream until an `incident` event whose action is
/// `action` arrives; returns its data.
async fn next_change(stream: &mut reqwest::Response, buffer: &mut String, action: &str) -> Value {
    loop {
        while let Some(end) = buffer.find("\n\n") {
            let frame: String = buffer.drain(..end + 2).collect();
            if frame.contains("event: incident")
                && let Some(data) = frame.lines().find_map(|l| l.strip_prefix("data: "))
            {
                let change: Value = serde_json::from_str(data).unwrap();
                if change["action"] == action {
                    return change;
                }
            }
        }
        let chunk = tokio::time::timeout(Duration::from_secs(10), stream.chunk()).await.expect("feed silent").unwrap();
        buffer.push_str(&String::from_utf8_lossy(&chunk.expect("feed ended")));
    }
}

#[tokio::test]
async fn merge_split_export_and_the_live_feed() {
    let (_dir, server, admin, _) = incident_from_attack(7).await;
    let base = server.url();
    let page = get_json(&admin, format!("{base}/api/v1/incidents")).await;
    let id_of = |title: &str| {
        page["incidents"].as_array().unwrap().iter().find(|i| i["title"] == title).unwrap()["id"]
            .as_str()
            .unwrap()
            .to_owned()
    };
    let bms = id_of("BMS tampering — BMS control room, Technical building; Operating theatre 1, Main building");
    let door = id_of("Forced entry — Controlled drugs store, Main building");
    let server_room = id_of("Ransomware — Secondary server room, Technical building");
    let mut feed = admin.get(format!("{base}/api/v1/stream")).send().await.unwrap();
    let mut buffer = String::new();

    // The analyst decides the forced drugs-store door and the night-time
    // server-room entry are the same intruder's work.
    let (status, merged) =
        post(&admin, format!("{base}/api/v1/incidents/{door}/merge"), json!({"into": server_room})).await;
    assert_eq!(status, 200, "{merged}");
    assert_eq!(merged["incident"]["alerts"].as_array().unwrap().len(), 5);
    let change = next_change(&mut feed, &mut buffer, "merged_from").await;
    assert_eq!(change["incident"]["id"], server_room.as_str());
    assert_eq!(change["actor"], "token:test-admin");
    let gone = get_json(&admin, format!("{base}/api/v1/incidents/{door}")).await;
    assert_eq!(gone["merged_into"], server_room.as_str());
    let (status, _) = post(&admin, format!("{base}/api/v1/incidents/{door}/merge"), json!({"into": server_room})).await;
    assert_eq!(status, 409, "merged once");

    // The shadow-copy deletion is split off as its own ransomware incident.
    let record = get_json(&admin, format!("{base}/api/v1/incidents/{server_room}")).await;
    let alerts = get_json(&admin, format!("{base}/api/v1/alerts")).await;
    let shadow = alerts
        .as_array()
        .unwrap()
        .iter()
        .find(|a| a["Description"] == "Shadow Copies Or Backup Catalogue Deleted")
        .unwrap()["ID"]
        .clone();
    assert!(record["incident"]["alerts"].as_array().unwrap().contains(&shadow));
    let (status, new) = post(
        &admin,
        format!("{base}/api/v1/incidents/{server_room}/split"),
        json!({"alerts": [shadow], "title": "Ransomware on the backup server"}),
    )
    .await;
    assert_eq!(status, 201, "{new}");
    assert_eq!(new["incident"]["threat"], "ransomware");
    assert_eq!(new["playbooks"], json!(["ransomware"]));
    let rest = get_json(&admin, format!("{base}/api/v1/incidents/{server_room}")).await;
    assert_eq!(rest["incident"]["alerts"].as_array().unwrap().len(), 4);
    assert_eq!(rest["incident"]["threat"], "forced_entry");
    let (status, _) =
        post(&admin, format!("{base}/api/v1/incidents/{server_room}/split"), json!({"alerts": [], "title": "x"})).await;
    assert_eq!(status, 400);

    // The export carries the record and its alerts, and is audited.
    let export = admin.get(format!("{base}/api/v1/incidents/{bms}/export")).send().await.unwrap();
    assert_eq!(export.status(), 200);
    assert!(export.headers()["content-disposition"].to_str().unwrap().contains(&format!("incident-{bms}.json")));
    let document: Value = export.json().await.unwrap();
    assert_eq!(document["alerts"].as_array().unwrap().len(), 4);
    assert_eq!(document["record"]["incident"]["id"], bms.as_str());
    let audit = get_json(&admin, format!("{base}/api/v1/audit")).await;
    let exported = audit["entries"]
        .as_array()
        .or(audit.as_array())
        .unwrap()
        .iter()
        .any(|e| e["action"] == "incident.export" && e["target"] == bms.as_str());
    assert!(exported, "{audit:#}");
    server.stop().await.unwrap();
}

#[tokio::test]
async fn an_open_incident_keeps_taking_its_alerts_after_a_restart() {
    let dir = tempfile::tempdir().unwrap();
    let (server, admin) = start_with_admin(config(dir.path())).await;
    load_demo_hospital(&server).await;
    let events: Vec<String> = attack_events(usize::MAX).lines().map(str::to_owned).collect();
    post_ndjson(&admin, &server.url(), events[0].clone()).await;
    let first = settled_incidents(&admin, &server.url()).await;
    assert_eq!(first["total"], 1);
    server.stop().await.unwrap();

    let (server, admin) = start_with_admin(config(dir.path())).await;
    post_ndjson(&admin, &server.url(), events[1].clone()).await;
    let mut page = Value::Null;
    for _ in 0..100 {
        page = get_json(&admin, format!("{}/api/v1/incidents", server.url())).await;
        if page["incidents"][0]["alerts"].as_array().unwrap().len() == 3 {
            break;
        }
        tokio::time::sleep(Duration::from_millis(100)).await;
    }
    assert_eq!(page["total"], 1, "the set-point change joins the phishing incident: {page:#}");
    assert_eq!(page["incidents"][0]["id"], first["incidents"][0]["id"]);
    server.stop().await.unwrap();
}

#[tokio::test]
async fn reminders_are_recorded_once_as_deadlines_approach() {
    let (_dir, server, admin, id) = incident_from_attack(1).await;
    let url = format!("{}/api/v1/incidents/{id}", server.url());
    // Aware 20 h ago: the 24 h early warning is due in 4 h, inside the
    // 6 h reminder; the 72 h notification is not near yet.
    let aware = jiff::Timestamp::now() - jiff::SignedDuration::from_hours(20);
    let (status, _) =
        post(&admin, format!("{url}/markings"), json!({"marking": "significant", "aware_at": aware.to_string()})).await;
    assert_eq!(status, 200);
    let state = &server.state;
    assert_eq!(state.incidents.remind(jiff::Timestamp::now()).await.unwrap(), 1);
    assert_eq!(state.incidents.remind(jiff::Timestamp::now()).await.unwrap(), 0, "sent once");
    let record = get_json(&admin, url.clone()).await;
    let reminders: Vec<&str> = record["timeline"]
        .as_array()
        .unwrap()
        .iter()
        .filter(|e| e["action"] == "reminder_sent")
        .map(|e| e["detail"].as_str().unwrap())
        .collect();
    assert_eq!(reminders.len(), 1, "{reminders:?}");
    assert!(reminders[0].starts_with("nis2_early_warning reminder (360 min before)"), "{reminders:?}");
    let audit = get_json(&admin, format!("{}/api/v1/audit", server.url())).await;
    let entries = audit["entries"].as_array().or(audit.as_array()).unwrap().clone();
    assert_eq!(
        entries.iter().filter(|e| e["action"] == "incident.reminder_sent").count(),
        1,
        "a notification is audited"
    );
    // Past the deadline, the overdue reminder follows.
    let later = jiff::Timestamp::now() + jiff::SignedDuration::from_hours(5);
    assert_eq!(state.incidents.remind(later).await.unwrap(), 1);
    server.stop().await.unwrap();
}
