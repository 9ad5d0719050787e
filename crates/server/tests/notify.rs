//! Notifications end to end: an incident raised over HTTP ingest is sent to
//! a webhook receiver that fails twice, across a restart of the service,
//! and delivered exactly once with a signature the receiver checks with
//! its own HMAC; every try is on the incident's timeline, in the metrics
//! and in the audit; the routes view and an admin's test send.
#![allow(clippy::unwrap_used, clippy::expect_used)]

mod common;

use std::net::SocketAddr;
use std::sync::{Arc, Mutex};
use std::time::Duration;

use axum::body::Bytes;
use axum::http::{HeaderMap, StatusCode};
use common::{attack_events, client_with, config, get_json, post_ndjson, token, until};
use hmac::{Hmac, Mac};
use safecare_model::Role;
use safecare_server::{Config, start};
use serde_json::{Value, json};
use sha2::Sha256;

const SECRET: &str = "receiver-shared-secret";

/// What the receiver saw: every request, and the bodies it accepted.
#[derive(Default)]
struct Received {
    tries: Vec<String>,
    accepted: Vec<Value>,
    refuse_first: usize,
}

/// The receiver's own check, written from the documented scheme rather than
/// with SafeCare's code: HMAC-SHA256 over `<timestamp>.<body>`.
fn signature_ok(headers: &HeaderMap, body: &[u8]) -> bool {
    let header = |name: &str| headers.get(name).and_then(|v| v.to_str().ok()).unwrap_or_default().to_owned();
    let timestamp = header("x-safecare-timestamp");
    let signed: i64 = timestamp.parse().unwrap();
    assert!((jiff::Timestamp::now().as_second() - signed).abs() < 300, "stale timestamp {timestamp}");
    let mut mac = Hmac::<Sha256>::new_from_slice(SECRET.as_bytes()).unwrap();
    mac.update(format!("{timestamp}.").as_bytes());
    mac.update(body);
    let expected: String = mac.finalize().into_bytes().iter().map(|b| format!("{b:02x}")).collect();
    header("x-safecare-signature") == format!("v1={expected}")
}

async fn receiver(received: Arc<Mutex<Received>>) -> SocketAddr {
    let hook = move |headers: HeaderMap, body: Bytes| {
        let received = received.clone();
        async move {
            let mut seen = received.lock().unwrap();
            let key = headers.get("x-safecare-delivery").unwrap().to_str().unwrap().to_owned();
            seen.tries.push(key);
            if seen.tries.len() <= seen.refuse_first {
                return StatusCode::SERVICE_UNAVAILABLE;
            }
            if !signature_ok(&headers, &body) {
                return StatusCode::UNAUTHORIZED;
            }
            seen.accepted.push(serde_json::from_slice(&body).unwrap());
            StatusCode::OK
        }
    };
    let app = axum::Router::new().route("/hook", axum::routing::post(hook));
    let listener = tokio::net::TcpListener::bind("127.0.0.1:0").await.unwrap();
    let addr = listener.local_addr().unwrap();
    tokio::spawn(async move { axum::serve(listener, app).await.unwrap() });
    addr
}

fn notify_config(dir: &std::path::Path, hook: SocketAddr, soc_route: Value) -> Config {
    let mut config = config(dir);
    config.notify = serde_json::from_value(json!({
        "channels": { "soc-hook": { "type": "webhook", "url": format!("http://{hook}/hook"), "secret": SECRET } },
        "routes": [soc_route, { "name": "drill", "channel": "soc-hook", "exercise": true }],
        "retry": { "first_seconds": 2, "max_seconds": 2, "max_attempts": 10 }
    }))
    .unwrap();
    config
}

#[tokio::test]
async fn a_failing_webhook_gets_the_incident_once_across_a_restart_with_a_valid_signature() {
    let received = Arc::new(Mutex::new(Received { refuse_first: 2, ..Default::default() }));
    let hook = receiver(received.clone()).await;
    let dir = tempfile::tempdir().unwrap();

    let soc = json!({ "name": "soc", "channel": "soc-hook" });
    let server = start(notify_config(dir.path(), hook, soc.clone())).await.unwrap();
    let admin = token(&server, Role::Admin, None).await;
    let client = client_with(&admin);
    post_ndjson(&client, &server.url(), attack_events(1)).await;
    let tries = || received.lock().unwrap().tries.len();
    until("the first try", async || (tries() >= 1).then_some(())).await;
    server.stop().await.unwrap();
    let before_restart = tries();
    assert!(before_restart < 3, "the receiver had accepted before the restart");

    let server = start(notify_config(dir.path(), hook, soc)).await.unwrap();
    let client = client_with(&admin);
    let base = server.url();
    let listed = until("the delivery", async || {
        let page = get_json(&client, format!("{base}/api/v1/notifications")).await;
        let first = page["notifications"][0].clone();
        (first["status"] == "delivered").then_some(page)
    })
    .await;

    // Exactly once: three tries, one accepted, one message in the outbox.
    let notifications = listed["notifications"].as_array().unwrap();
    assert_eq!(notifications.len(), 1, "{listed:#}");
    let entry = &notifications[0];
    assert_eq!(entry["attempts"], 3, "{entry:#}");
    {
        let seen = received.lock().unwrap();
        assert_eq!(seen.tries.len(), 3);
        assert!(seen.tries.iter().all(|key| *key == seen.tries[0]), "one key on every try: {:?}", seen.tries);
        assert_eq!(seen.accepted.len(), 1);
        let body = &seen.accepted[0];
        assert_eq!(body["route"], "soc");
        assert_eq!(body["payload"]["incident"]["id"], entry["notification"]["incident"]);
        assert!(body["payload"]["alert"].is_object(), "the incident's first alert goes along: {body:#}");
    }

    // On the incident's timeline, its own list, the metrics and the audit.
    let incident = entry["notification"]["incident"].as_str().unwrap();
    let record = get_json(&client, format!("{base}/api/v1/incidents/{incident}")).await;
    let actions: Vec<&str> = record["timeline"]
        .as_array()
        .unwrap()
        .iter()
        .filter_map(|e| e["action"].as_str().filter(|a| a.starts_with("notification")))
        .collect();
    assert_eq!(actions, ["notification_failed", "notification_failed", "notification_sent"], "{record:#}");
    let own = get_json(&client, format!("{base}/api/v1/incidents/{incident}/notifications")).await;
    assert_eq!(own["notifications"].as_array().unwrap().len(), 1);
    let metrics = client.get(format!("{base}/metrics")).send().await.unwrap().text().await.unwrap();
    assert!(
        metrics.lines().any(|l| l.starts_with("safecare_notifications_total")
            && l.contains("outcome=\"delivered\"")
            && l.contains("route=\"soc\"")
            && l.contains("channel=\"soc-hook\"")),
        "{metrics}"
    );
    let audit = get_json(&client, format!("{base}/api/v1/audit")).await.to_string();
    assert!(audit.contains("notification.delivered") && audit.contains("notification.retry"), "{audit}");
    assert!(!audit.contains(SECRET) && !metrics.contains(SECRET));

    // Another pass of the stage sends nothing more.
    tokio::time::sleep(Duration::from_millis(2500)).await;
    assert_eq!(received.lock().unwrap().tries.len(), 3);
    server.stop().await.unwrap();
}

#[tokio::test]
async fn routes_are_shown_without_secrets_an_admin_test_sends_and_an_exercise_takes_exercise_routes() {
    let received = Arc::new(Mutex::new(Received::default()));
    let hook = receiver(received.clone()).await;
    let dir = tempfile::tempdir().unwrap();
    // The real route takes a threat the demo's first step is not, so that
    // nothing is sent for the incident until it is marked as an exercise.
    let soc = json!({ "name": "soc", "channel": "soc-hook", "threats": ["no_such_threat"] });
    let server = start(notify_config(dir.path(), hook, soc)).await.unwrap();
    let base = server.url();
    let admin = client_with(&token(&server, Role::Admin, None).await);
    let analyst = client_with(&token(&server, Role::SocAnalyst, None).await);

    let view = get_json(&analyst, format!("{base}/api/v1/notify/routes")).await;
    assert_eq!(view["routes"][0]["name"], "soc");
    assert_eq!(view["channels"], json!([{ "name": "soc-hook", "type": "webhook" }]));
    assert!(!view.to_string().contains(SECRET));

    let refused = analyst.post(format!("{base}/api/v1/notify/routes/soc/test")).send().await.unwrap();
    assert_eq!(refused.status(), 403);
    let unknown = admin.post(format!("{base}/api/v1/notify/routes/nope/test")).send().await.unwrap();
    assert_eq!(unknown.status(), 404);
    let sent: Value =
        admin.post(format!("{base}/api/v1/notify/routes/soc/test")).send().await.unwrap().json().await.unwrap();
    assert_eq!(sent["status"], "delivered", "{sent:#}");
    assert_eq!(received.lock().unwrap().accepted[0]["reason"], "test");

    // An incident marked as an exercise goes to the exercise route only.
    post_ndjson(&admin, &base, attack_events(1)).await;
    let incident = until("the incident", async || {
        let page = get_json(&admin, format!("{base}/api/v1/incidents")).await;
        page["incidents"][0]["id"].as_str().map(str::to_owned)
    })
    .await;
    let marked = admin
        .put(format!("{base}/api/v1/incidents/{incident}/exercise"))
        .json(&json!({ "exercise": true }))
        .send()
        .await
        .unwrap();
    assert_eq!(marked.status(), 200);
    let record: Value = marked.json().await.unwrap();
    assert_eq!(record["exercise"], true);
    let again = admin
        .put(format!("{base}/api/v1/incidents/{incident}/exercise"))
        .json(&json!({ "exercise": true }))
        .send()
        .await
        .unwrap();
    assert_eq!(again.status(), 409);
    let routes = until("the incident's notifications", async || {
        let own = get_json(&admin, format!("{base}/api/v1/incidents/{incident}/notifications")).await;
        let routes: Vec<String> = own["notifications"]
            .as_array()
            .unwrap()
            .iter()
            .map(|n| n["notification"]["route"].as_str().unwrap().to_owned())
            .collect();
        (!routes.is_empty()).then_some(routes)
    })
    .await;
    assert_eq!(routes, ["drill"]);
    let sent = until("the exercise message", async || received.lock().unwrap().accepted.get(1).cloned()).await;
    assert_eq!(sent["exercise"], true);
    assert!(sent["subject"].as_str().unwrap().starts_with("[EXERCISE] "), "{sent:#}");
    server.stop().await.unwrap();
}

/// A syslog receiver of the test's own: what each connection sent, until
/// it closed.
async fn syslog_receiver() -> (SocketAddr, Arc<Mutex<Vec<String>>>) {
    use tokio::io::AsyncReadExt;
    let listener = tokio::net::TcpListener::bind("127.0.0.1:0").await.unwrap();
    let addr = listener.local_addr().unwrap();
    let frames = Arc::new(Mutex::new(Vec::new()));
    let kept = frames.clone();
    tokio::spawn(async move {
        loop {
            let (mut stream, _) = listener.accept().await.unwrap();
            let mut bytes = Vec::new();
            stream.read_to_end(&mut bytes).await.unwrap();
            kept.lock().unwrap().push(String::from_utf8(bytes).unwrap());
        }
    });
    (addr, frames)
}

/// An SMS gateway of the test's own: refuses its first `fail` requests
/// with 503, and keeps every request's query and form body.
async fn sms_gateway(fail: usize) -> (SocketAddr, Arc<Mutex<Vec<(String, String)>>>) {
    let requests = Arc::new(Mutex::new(Vec::new()));
    let seen = requests.clone();
    let sms = move |headers: HeaderMap, uri: axum::http::Uri, body: Bytes| {
        let seen = seen.clone();
        async move {
            assert_eq!(headers["x-api-key"], GATEWAY_KEY);
            let mut seen = seen.lock().unwrap();
            seen.push((uri.query().unwrap_or_default().to_owned(), String::from_utf8(body.to_vec()).unwrap()));
            if seen.len() <= fail { StatusCode::SERVICE_UNAVAILABLE } else { StatusCode::OK }
        }
    };
    let app = axum::Router::new().route("/sms", axum::routing::post(sms));
    let listener = tokio::net::TcpListener::bind("127.0.0.1:0").await.unwrap();
    let addr = listener.local_addr().unwrap();
    tokio::spawn(async move { axum::serve(listener, app).await.unwrap() });
    (addr, requests)
}

const GATEWAY_KEY: &str = "gateway-api-key";

#[tokio::test]
async fn syslog_and_sms_gateway_channels_are_shown_tested_and_reach_the_siem_and_each_person_on_call() {
    let (siem, frames) = syslog_receiver().await;
    let (gateway, requests) = sms_gateway(1).await;
    let dir = tempfile::tempdir().unwrap();
    let mut cfg = config(dir.path());
    cfg.notify = serde_json::from_value(json!({
        "channels": {
            "siem": { "type": "syslog", "url": format!("tcp://{siem}"), "hostname": "safecare-test" },
            "sms": {
                "type": "http_template", "url": format!("http://{gateway}/sms?to={{{{recipient.contact}}}}"),
                "content_type": "application/x-www-form-urlencoded", "headers": { "X-Api-Key": GATEWAY_KEY },
                "body": "text={{subject}}&incident={{incident}}"
            }
        },
        "routes": [{ "name": "siem-forward", "channel": "siem" }, { "name": "pager", "channel": "sms", "role": "it" }],
        "roster": { "shifts": [
            { "role": "it", "tier": 1, "name": "Ann", "contact": "+33600000001" },
            { "role": "it", "tier": 1, "name": "Bob", "contact": "+33600000002" }
        ] },
        "retry": { "first_seconds": 2, "max_seconds": 2, "max_attempts": 10 }
    }))
    .unwrap();
    let server = start(cfg).await.unwrap();
    let base = server.url();
    let admin = client_with(&token(&server, Role::Admin, None).await);

    let view = get_json(&admin, format!("{base}/api/v1/notify/routes")).await;
    assert_eq!(
        view["channels"],
        json!([{ "name": "siem", "type": "syslog" }, { "name": "sms", "type": "http_template" }])
    );
    assert!(!view.to_string().contains(GATEWAY_KEY));

    let sent: Value = admin
        .post(format!("{base}/api/v1/notify/routes/siem-forward/test"))
        .send()
        .await
        .unwrap()
        .json()
        .await
        .unwrap();
    assert_eq!(sent["status"], "delivered", "{sent:#}");
    {
        let frames = frames.lock().unwrap();
        assert_eq!(frames.len(), 1);
        let (count, message) = frames[0].split_once(' ').unwrap();
        assert_eq!(count.parse::<usize>().unwrap(), message.len());
        assert!(message.contains(" safecare-test safecare ") && message.contains(" test - CEF:0|SafeCare|SafeCare|"));
        assert!(message.contains("|siem-forward|SafeCare test notification on route siem-forward"), "{message}");
    }

    // An incident: forwarded to the SIEM, and texted to both people on call;
    // the gateway refuses the first text, which is sent again, alone.
    post_ndjson(&admin, &base, attack_events(1)).await;
    let pager = until("the texts", async || {
        let page = get_json(&admin, format!("{base}/api/v1/notifications?status=delivered")).await;
        page["notifications"].as_array().unwrap().iter().find(|n| n["notification"]["route"] == "pager").cloned()
    })
    .await;
    assert_eq!(pager["attempts"], 2, "{pager:#}");
    let incident = pager["notification"]["incident"].as_str().unwrap().to_owned();
    {
        let requests = requests.lock().unwrap();
        let to: Vec<&str> = requests.iter().map(|(query, _)| query.as_str()).collect();
        assert_eq!(to, ["to=%2B33600000001", "to=%2B33600000002", "to=%2B33600000001"]);
        assert!(requests.iter().all(|(_, body)| body.ends_with(&format!("&incident={incident}"))), "{requests:?}");
    }
    until("the SIEM's copy", async || {
        frames.lock().unwrap().iter().find(|f| f.contains(&format!("cs1={incident}"))).cloned()
    })
    .await;
    // The timeline is written just after the outbox.
    let pages: Vec<String> = until("both tries on the timeline", async || {
        let record = get_json(&admin, format!("{base}/api/v1/incidents/{incident}")).await;
        let pages: Vec<String> = record["timeline"]
            .as_array()
            .unwrap()
            .iter()
            .filter_map(|e| e["detail"].as_str().filter(|d| d.contains("route pager")).map(str::to_owned))
            .collect();
        (pages.len() == 2).then_some(pages)
    })
    .await;
    assert!(pages[0].contains("Ann: gateway answered HTTP 503") && pages[1].ends_with("sent"), "{pages:?}");
    server.stop().await.unwrap();
}

#[tokio::test]
async fn an_incident_resolved_before_the_stage_looked_is_notified_saying_so() {
    use safecare_store::StoredIncident;

    let received = Arc::new(Mutex::new(Received::default()));
    let hook = receiver(received.clone()).await;
    let dir = tempfile::tempdir().unwrap();

    // Without a route the stage does not look at incidents: this one is
    // opened and resolved unseen. It is resolved in the store, as the
    // incident service saves it; the API would first want its playbook's
    // tasks done, which is beside the point here.
    let server = start(config(dir.path())).await.unwrap();
    let admin = token(&server, Role::Admin, None).await;
    let client = client_with(&admin);
    let base = server.url();
    post_ndjson(&client, &base, attack_events(1)).await;
    let page = common::settled_incidents(&client, &base).await;
    let id = page["incidents"][0]["id"].as_str().unwrap().to_owned();
    let mut record = get_json(&client, format!("{base}/api/v1/incidents/{id}")).await;
    record["incident"]["status"] = json!("resolved");
    record["incident"]["updated"] = json!(jiff::Timestamp::now().to_string());
    let stored = StoredIncident::from_record(record.to_string()).unwrap();
    server.state.store.put_incident(stored).await.unwrap();
    server.stop().await.unwrap();
    assert!(received.lock().unwrap().tries.is_empty());

    let soc = json!({ "name": "soc", "channel": "soc-hook" });
    let server = start(notify_config(dir.path(), hook, soc)).await.unwrap();
    let sent = until("the message", async || received.lock().unwrap().accepted.first().cloned()).await;
    assert_eq!(sent["reason"], "opened");
    assert_eq!(sent["route"], "soc");
    assert_eq!(sent["payload"]["incident"]["id"], id.as_str());
    assert_eq!(sent["payload"]["incident"]["status"], "resolved");
    assert!(sent["subject"].as_str().unwrap().ends_with("(already resolved)"), "{sent:#}");
    // Looked at again and again, it is sent once.
    tokio::time::sleep(Duration::from_millis(2500)).await;
    assert_eq!(received.lock().unwrap().tries.len(), 1);
    // When the stage looked is kept, so that a restart looks from there.
    let looked = server.state.store.get_state("notify.looked").await.unwrap().expect("the look is saved");
    let looked: jiff::Timestamp = looked.as_str().unwrap().parse().unwrap();
    assert!(looked > jiff::Timestamp::now() - jiff::SignedDuration::from_secs(60), "{looked}");
    server.stop().await.unwrap();
}
