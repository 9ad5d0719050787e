//! Incidents that can be closed: a false positive, a benign event or a
//! duplicate closed in one step over the API (tasks settled with it,
//! audited), the rest of a playbook skipped with one note, refusals that
//! name tasks by title, and report drafts downloaded as Markdown or HTML.
#![allow(clippy::unwrap_used, clippy::expect_used)]

mod common;

use common::{config, get_json, load_demo_hospital, play_attack, start_with_admin};
use serde_json::{Value, json};

async fn post(client: &reqwest::Client, url: String, body: Value) -> (u16, Value) {
    let response = client.post(&url).json(&body).send().await.unwrap();
    let status = response.status().as_u16();
    (status, response.json().await.unwrap_or(Value::Null))
}

#[tokio::test]
async fn a_false_positive_is_closed_in_one_step_and_a_real_incident_skips_the_rest_with_one_note() {
    let dir = tempfile::tempdir().unwrap();
    let (server, admin) = start_with_admin(config(dir.path())).await;
    load_demo_hospital(&server).await;
    let base = server.url();
    // Phishing and the BMS set-point change: one incident; the forced door:
    // another.
    let page = play_attack(&server, &admin, 7).await;
    let id_of = |threat: &str| {
        let incidents = page["incidents"].as_array().unwrap();
        incidents.iter().find(|i| i["threat"] == threat).unwrap()["id"].as_str().unwrap().to_owned()
    };
    let (bms, door, server_room) = (id_of("bms_tampering"), id_of("forced_entry"), id_of("ransomware"));

    // Bad requests are told what is wrong.
    let close = |id: &str| format!("{base}/api/v1/incidents/{id}/close");
    let (status, body) = post(&admin, close(&door), json!({"disposition": "boring", "reason": "x"})).await;
    assert_eq!(status, 400, "{body}");
    assert!(body["error"].as_str().unwrap().contains("unknown disposition"), "{body}");
    let (status, body) = post(&admin, close(&door), json!({"disposition": "false_positive"})).await;
    assert_eq!(status, 400, "{body}");
    assert!(body["error"].as_str().unwrap().contains("a reason is needed"), "{body}");
    let (status, body) = post(&admin, close(&door), json!({"disposition": "duplicate", "reason": "x"})).await;
    assert_eq!(status, 400, "{body}");
    assert!(body["error"].as_str().unwrap().contains("duplicate_of"), "{body}");
    let (status, _) =
        post(&admin, close(&door), json!({"disposition": "benign", "reason": "x", "duplicate_of": bms})).await;
    assert_eq!(status, 400);

    // The forced door was the porter with a jammed key: closed from "new"
    // in one step, its tasks settled with the reason, audited.
    let (status, record) =
        post(&admin, close(&door), json!({"disposition": "false_positive", "reason": "porter, jammed key"})).await;
    assert_eq!(status, 200, "{record}");
    assert_eq!(record["incident"]["status"], "closed");
    assert_eq!(record["closure"]["disposition"], "false_positive");
    assert_eq!(record["closure"]["reason"], "porter, jammed key");
    assert!(record["tasks"].as_array().unwrap().iter().all(|t| t["status"]["state"] == "skipped"), "{record}");
    let audit = admin.get(format!("{base}/api/v1/audit")).send().await.unwrap().text().await.unwrap();
    assert!(audit.contains("close as false_positive: new → closed: porter, jammed key"), "{audit}");
    let (status, _) = post(&admin, close(&door), json!({"disposition": "benign", "reason": "again"})).await;
    assert_eq!(status, 409, "closed once");

    // The server-room incident duplicates nothing open any more once merged.
    let (status, record) = post(
        &admin,
        close(&server_room),
        json!({"disposition": "duplicate", "reason": "same intrusion", "duplicate_of": bms}),
    )
    .await;
    assert_eq!(status, 200, "{record}");
    assert_eq!(record["merged_into"], bms.as_str());
    assert_eq!(record["closure"]["duplicate_of"], bms.as_str());
    let original = get_json(&admin, format!("{base}/api/v1/incidents/{bms}")).await;
    assert!(original["incident"]["status"] != "closed");
    assert!(original["playbooks"].as_array().unwrap().iter().any(|p| p == "ransomware"), "{original}");

    // The BMS incident is real: resolving with tasks pending names them by title.
    let url = format!("{base}/api/v1/incidents/{bms}");
    for step in ["acknowledge", "start"] {
        let (status, _) = post(&admin, format!("{url}/transition"), json!({"transition": step})).await;
        assert_eq!(status, 200);
    }
    let (status, body) = post(&admin, format!("{url}/transition"), json!({"transition": "resolve"})).await;
    assert_eq!(status, 409);
    let error = body["error"].as_str().unwrap();
    let first = original["tasks"][0]["task"]["title"].as_str().unwrap();
    assert!(error.contains(first), "{error}");
    assert!(!error.contains("phishing/"), "no internal task ids: {error}");
    assert!(error.contains("skip the rest with one note"), "{error}");

    // Skipping the rest: one note for all of a playbook, then for the others.
    let skip = format!("{url}/tasks/skip");
    let (status, _) = post(&admin, skip.clone(), json!({"playbook": "phishing"})).await;
    assert_eq!(status, 400, "a note is needed");
    let (status, _) = post(&admin, skip.clone(), json!({"playbook": "fire", "note": "x"})).await;
    assert_eq!(status, 400, "not attached");
    let (status, record) =
        post(&admin, skip.clone(), json!({"playbook": "phishing", "note": "one recipient, mail purged"})).await;
    assert_eq!(status, 200, "{record}");
    let tasks = record["tasks"].as_array().unwrap();
    assert!(
        tasks
            .iter()
            .filter(|t| t["playbook"] == "phishing")
            .all(|t| t["status"]["note"] == "one recipient, mail purged")
    );
    assert!(tasks.iter().any(|t| t["playbook"] != "phishing" && t["status"]["state"] == "pending"));
    let (status, _) = post(&admin, skip.clone(), json!({"playbook": "phishing", "note": "again"})).await;
    assert_eq!(status, 409, "nothing left to skip");
    let (status, _) = post(&admin, skip, json!({"note": "handled by the BMS vendor on site"})).await;
    assert_eq!(status, 200);
    let (status, record) = post(&admin, format!("{url}/transition"), json!({"transition": "resolve"})).await;
    assert_eq!(status, 200, "{record}");
    server.stop().await.unwrap();
}

#[tokio::test]
async fn report_drafts_download_as_markdown_and_html() {
    let dir = tempfile::tempdir().unwrap();
    let (server, admin) = start_with_admin(config(dir.path())).await;
    load_demo_hospital(&server).await;
    let base = server.url();
    let page = play_attack(&server, &admin, 1).await;
    let id = page["incidents"][0]["id"].as_str().unwrap().to_owned();
    let url = format!("{base}/api/v1/incidents/{id}/reports/nis2_early_warning");

    let markdown = admin.get(&url).send().await.unwrap();
    assert_eq!(markdown.status(), 200);
    let disposition = markdown.headers()["content-disposition"].to_str().unwrap().to_owned();
    assert_eq!(disposition, format!("attachment; filename=\"incident-{id}-nis2_early_warning.md\""));
    let text = markdown.text().await.unwrap();
    assert!(text.starts_with('#'), "{text}");

    let html = admin.get(format!("{url}?format=html")).send().await.unwrap();
    assert_eq!(html.status(), 200);
    assert!(html.headers()["content-type"].to_str().unwrap().starts_with("text/html"));
    assert!(html.headers()["content-disposition"].to_str().unwrap().ends_with(".html\""));
    let doc = html.text().await.unwrap();
    assert!(doc.starts_with("<!DOCTYPE html>") && doc.contains("<h1>"), "{doc}");

    let wrong = admin.get(format!("{url}?format=pdf")).send().await.unwrap();
    assert_eq!(wrong.status(), 400);

    server.stop().await.unwrap();
}
