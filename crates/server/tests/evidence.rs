//! Evidence one click away and views that agree (issue 23): the alert and
//! event pages, related events, one severity in every view, error answers
//! in the form the client reads (a page for pages, JSON for the API).
#![allow(clippy::unwrap_used, clippy::expect_used)]

mod common;

use common::{config, signed_in};
use reqwest::StatusCode;
use safecare_model::{Role, Severity};
use safecare_server::{RunningServer, provision, start};
use serde_json::{Value, json};

/// A pharmacy door event `minutes_ago` minutes ago; `action: forced` raises
/// the critical "Door Forced Open At Pharmacy" alert.
fn door_event(action: &str, minutes_ago: i64, badge: &str) -> Value {
    let at = jiff::Timestamp::now() - jiff::SignedDuration::from_mins(minutes_ago);
    json!({"domain": "physical", "message": format!("door {action} ({minutes_ago} min ago)"), "severity": "high",
        "time": at.to_string(),
        "logsource": {"product": "safecare", "category": "access_control"},
        "location": {"site": "hq", "building": "main", "floor": "0", "zone": "pharmacy", "room": "0.12"},
        "fields": {"action": action, "door": "D-0.12", "badge_id": badge}})
}

async fn send(server: &RunningServer, events: &[Value]) {
    let sensor = common::client_with(&common::token(server, Role::Sensor, Some("doors")).await);
    let body: String = events.iter().map(|e| format!("{e}\n")).collect();
    common::post_ndjson(&sensor, &server.url(), body).await;
}

async fn html(client: &reqwest::Client, url: String) -> (StatusCode, String, String) {
    let response = client.get(url).send().await.unwrap();
    let status = response.status();
    let kind = response.headers().get("content-type").map(|v| v.to_str().unwrap().to_owned()).unwrap_or_default();
    (status, kind, response.text().await.unwrap())
}

/// The id of the event whose message starts with `message`.
async fn event_id(admin: &reqwest::Client, base: &str, message: &str) -> String {
    let page = common::events_page(admin, base, "source=doors&limit=100").await;
    let events = page["events"].as_array().unwrap();
    let event = events.iter().find(|e| e["message"].as_str().unwrap().starts_with(message)).unwrap();
    event["id"].as_str().unwrap().to_owned()
}

#[tokio::test]
async fn an_alert_has_one_severity_on_its_page_in_the_api_and_in_idmef() {
    let dir = tempfile::tempdir().unwrap();
    let server = start(config(dir.path())).await.unwrap();
    let base = server.url();
    send(&server, &[door_event("forced", 5, "B-77")]).await;
    let admin = common::client_with(&common::token(&server, Role::Admin, None).await);
    let incidents = common::settled_incidents(&admin, &base).await;
    let alerts = common::get_json(&admin, format!("{base}/api/v1/alerts")).await;
    let alert = &alerts[0];
    let id = alert["ID"].as_str().unwrap();
    let own = alert["Attachment"].as_array().unwrap().iter().find(|a| a["Name"] == "safecare").unwrap();
    let word = own["Content"]["severity"].as_str().unwrap();
    assert_eq!(word, "critical", "the rule's level");
    let severity: Severity = word.parse().unwrap();
    assert_eq!(alert["Priority"], severity.idmef_priority(), "IDMEFv2's form of the same severity");
    let one = common::get_json(&admin, format!("{base}/api/v1/alerts/{id}")).await;
    assert_eq!(one["Priority"], alert["Priority"]);

    let analyst = signed_in(&server, "analyst", Role::SocAnalyst).await;
    let (status, _, page) = html(&analyst, format!("{base}/alerts/{id}")).await;
    assert_eq!(status, StatusCode::OK, "{page}");
    assert!(page.contains("<span class=\"sev sev-critical\">critical</span>"), "{page}");
    assert!(page.contains("(IDMEFv2 priority: High)"), "the page names the API's word too: {page}");
    assert!(page.contains("href=\"/rules#rule-f21e57a0-8778-517a-b243-b94d62b54109\""), "{page}");
    assert!(page.contains("href=\"/plan?building=main&amp;floor=0\""), "{page}");
    let incident = incidents["incidents"][0]["id"].as_str().unwrap();
    assert!(page.contains(&format!("href=\"/incidents/{incident}\"")), "the incident it joined: {page}");
    let event = event_id(&admin, &base, "door forced").await;
    assert!(page.contains(&format!("href=\"/events/{event}\"")), "the event behind it: {page}");

    // A responder reads the alert, not the events: they are named, not linked.
    let responder = signed_in(&server, "responder", Role::Responder).await;
    let (status, _, responder_page) = html(&responder, format!("{base}/alerts/{id}")).await;
    assert_eq!(status, StatusCode::OK);
    assert!(responder_page.contains("door forced (5 min ago)"), "{responder_page}");
    assert!(!responder_page.contains("href=\"/events/"), "{responder_page}");

    // The incident shows the same word, and its timeline leads to the alert.
    let (_, _, incident_page) = html(&analyst, format!("{base}/incidents/{incident}")).await;
    assert!(incident_page.contains("<span class=\"sev sev-critical\">critical</span>"));
    assert!(incident_page.contains(&format!("href=\"/alerts/{id}\"")), "{incident_page}");
    let api_incident = common::get_json(&admin, format!("{base}/api/v1/incidents/{incident}")).await;
    assert_eq!(api_incident["incident"]["severity"].as_str().or(api_incident["severity"].as_str()), Some(word));
    server.stop().await.unwrap();
}

#[tokio::test]
async fn an_event_page_shows_its_fields_its_alert_and_the_related_events_in_the_window() {
    let dir = tempfile::tempdir().unwrap();
    let server = start(config(dir.path())).await.unwrap();
    let base = server.url();
    send(
        &server,
        &[door_event("opened", 30, "B-77"), door_event("opened", 180, "B-88"), door_event("forced", 5, "B-77")],
    )
    .await;
    let admin = common::client_with(&common::token(&server, Role::Admin, None).await);
    common::settled_incidents(&admin, &base).await;
    let forced = event_id(&admin, &base, "door forced").await;
    let near = event_id(&admin, &base, "door opened (30").await;
    let far = event_id(&admin, &base, "door opened (180").await;

    let analyst = signed_in(&server, "analyst", Role::SocAnalyst).await;
    let (status, _, page) = html(&analyst, format!("{base}/events/{forced}")).await;
    assert_eq!(status, StatusCode::OK, "{page}");
    for part in ["<code>door</code>", "D-0.12", "access_control", "Door Forced Open At Pharmacy", "class=\"token\""] {
        assert!(page.contains(part), "the page lacks {part}: {page}");
    }
    assert!(!page.contains("B-77"), "the badge is shown as its pseudonym only");
    assert!(page.contains("data-pivot=\"door\"") && page.contains("data-pivot=\"badge\""), "{page}");
    assert!(page.contains(&format!("href=\"/events/{near}\"")), "30 minutes away is within the hour: {page}");
    assert!(!page.contains(&format!("href=\"/events/{far}\"")), "3 hours away is not");
    assert!(!page.contains("Re-identify"), "an analyst may not re-identify");

    let (_, _, wide) = html(&analyst, format!("{base}/events/{forced}?window=240")).await;
    assert!(wide.contains(&format!("href=\"/events/{far}\"")), "a wider window reaches it");
    // The far event has another badge: it is related by the door only.
    let door_only = wide.split("data-pivot=\"badge\"").nth(1).unwrap();
    assert!(!door_only.contains(&format!("href=\"/events/{far}\"")), "{wide}");

    let (status, kind, bad) = html(&analyst, format!("{base}/events/{forced}?window=lots")).await;
    assert_eq!(status, StatusCode::BAD_REQUEST);
    assert!(kind.starts_with("text/html"), "{kind}");
    assert!(bad.contains("The window &quot;lots&quot; is not a number of minutes from 1 to 1440."), "{bad}");
    let (status, _, missing) = html(&analyst, format!("{base}/events/{}", uuid_like())).await;
    assert_eq!(status, StatusCode::NOT_FOUND);
    assert!(missing.contains("There is no event"), "{missing}");

    // A privacy officer is offered the re-identification request.
    let officer = signed_in(&server, "officer", Role::PrivacyOfficer).await;
    let (status, _, page) = html(&officer, format!("{base}/events/{forced}")).await;
    assert_eq!(status, StatusCode::OK);
    assert!(page.contains("data-url=\"/api/v1/reidentify\"") && page.contains("Re-identify"), "{page}");

    // The events list leads to each event's page.
    let (_, _, list) = html(&analyst, format!("{base}/events")).await;
    assert!(list.contains(&format!("href=\"/events/{forced}\"")), "{list}");
    server.stop().await.unwrap();
}

fn uuid_like() -> &'static str {
    "00000000-0000-4000-8000-000000000000"
}

#[tokio::test]
async fn pages_refuse_with_pages_and_the_api_with_json() {
    let dir = tempfile::tempdir().unwrap();
    let server = start(config(dir.path())).await.unwrap();
    let base = server.url();

    let guard = signed_in(&server, "guard", Role::SecurityGuard).await;
    let (status, kind, page) = html(&guard, format!("{base}/rules")).await;
    assert_eq!(status, StatusCode::FORBIDDEN);
    assert!(kind.starts_with("text/html"), "{kind}");
    assert!(page.contains("<h1>Not for your role</h1>"), "{page}");
    assert!(page.contains("lacks the permission"), "the reason: {page}");
    assert!(page.contains("href=\"/incidents\""), "inside the shell, with the guard's menu: {page}");
    let (status, kind, page) = html(&guard, format!("{base}/no/such/page")).await;
    assert_eq!(status, StatusCode::NOT_FOUND);
    assert!(kind.starts_with("text/html") && page.contains("There is no page /no/such/page."), "{page}");
    let (status, _, page) = html(&guard, format!("{base}/alerts/not-an-id")).await;
    assert_eq!(status, StatusCode::BAD_REQUEST);
    assert!(page.contains("&quot;not-an-id&quot; is not an id."), "{page}");
    // The API keeps JSON, for the same caller.
    let refused = guard.get(format!("{base}/api/v1/rules")).send().await.unwrap();
    assert_eq!(refused.status(), StatusCode::FORBIDDEN);
    assert!(refused.json::<Value>().await.unwrap()["error"].as_str().unwrap().contains("lacks the permission"));

    let anonymous = reqwest::Client::new();
    let icon = anonymous.get(format!("{base}/favicon.ico")).send().await.unwrap();
    assert_eq!(icon.status(), StatusCode::OK);
    assert_eq!(icon.headers()["content-type"], "image/svg+xml");
    assert!(icon.text().await.unwrap().starts_with("<svg"));

    // The login API's extractor refusals are the documented JSON error.
    let login = |body: &'static str| {
        anonymous.post(format!("{base}/api/v1/auth/login")).header("content-type", "application/json").body(body)
    };
    for (body, status, says) in [
        (r#"{"username": "someone"}"#, StatusCode::UNPROCESSABLE_ENTITY, "missing field `password`"),
        ("{not json", StatusCode::BAD_REQUEST, "JSON"),
    ] {
        let answer = login(body).send().await.unwrap();
        assert_eq!(answer.status(), status, "{body}");
        assert_eq!(answer.headers()["content-type"], "application/json", "{body}");
        let error: Value = answer.json().await.unwrap();
        assert!(error["error"].as_str().unwrap().contains(says), "{body}: {error}");
    }
    let no_type = anonymous.post(format!("{base}/api/v1/auth/login")).body("{}").send().await.unwrap();
    assert_eq!(no_type.status(), StatusCode::UNSUPPORTED_MEDIA_TYPE);
    assert_eq!(no_type.headers()["content-type"], "application/json");
    let wrong_method = anonymous.delete(format!("{base}/api/v1/auth/login")).send().await.unwrap();
    assert_eq!(wrong_method.status(), StatusCode::METHOD_NOT_ALLOWED);
    assert!(wrong_method.json::<Value>().await.unwrap()["error"].is_string());
    let unknown = anonymous.get(format!("{base}/api/v1/nothing-here")).send().await.unwrap();
    assert_eq!(unknown.status(), StatusCode::NOT_FOUND);
    assert!(unknown.json::<Value>().await.unwrap()["error"].as_str().unwrap().contains("/api/v1/nothing-here"));

    // A failed login keeps the name typed, never the password.
    provision::add_user(server.state.accounts.as_ref(), "nurse", Role::SecurityGuard, "nurse password 123")
        .await
        .unwrap();
    let wrong = anonymous
        .post(format!("{base}/login"))
        .form(&[("username", "nurse"), ("password", "wrong password here"), ("next", "/")])
        .send()
        .await
        .unwrap();
    assert_eq!(wrong.status(), StatusCode::UNAUTHORIZED);
    let form = wrong.text().await.unwrap();
    assert!(form.contains("name=\"username\" value=\"nurse\""), "{form}");
    assert!(!form.contains("wrong password here"));
    server.stop().await.unwrap();
}
