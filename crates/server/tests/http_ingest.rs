//! The HTTP API end to end: a real server on an ephemeral port with its own
//! data directory, driven over HTTP.
#![allow(clippy::unwrap_used, clippy::expect_used)]

mod common;

use std::collections::HashSet;

use common::{config, start_with_admin};
use reqwest::StatusCode;
use safecare_model::EventId;
use safecare_server::{Config, RunningServer};
use serde_json::{Value, json};

/// The server under test with its authenticated client.
struct Api {
    server: RunningServer,
    client: reqwest::Client,
}

async fn api(config: Config) -> Api {
    let (server, client) = start_with_admin(config).await;
    Api { server, client }
}

async fn post(api: &Api, content_type: &str, body: impl Into<reqwest::Body>) -> (StatusCode, Value) {
    let response = api
        .client
        .post(format!("{}/api/v1/events", api.server.url()))
        .header("content-type", content_type)
        .body(body)
        .send()
        .await
        .unwrap();
    let status = response.status();
    (status, response.json().await.unwrap())
}

async fn get(api: &Api, path_and_query: &str) -> (StatusCode, Value) {
    let response = api.client.get(format!("{}{}", api.server.url(), path_and_query)).send().await.unwrap();
    let status = response.status();
    (status, response.json().await.unwrap_or(Value::Null))
}

/// Every stored event id, walking all pages.
async fn all_ids(api: &Api) -> HashSet<String> {
    let mut ids = HashSet::new();
    let mut after = String::new();
    loop {
        let (status, page) = get(api, &format!("/api/v1/events?limit=1000&after={after}")).await;
        assert_eq!(status, StatusCode::OK, "{page}");
        for event in page["events"].as_array().unwrap() {
            ids.insert(event["id"].as_str().unwrap().to_owned());
        }
        match page["next"].as_str() {
            Some(next) => after = next.to_owned(),
            None => return ids,
        }
    }
}

#[tokio::test]
async fn ten_thousand_ndjson_events_with_bad_lines_survive_a_restart() {
    let dir = tempfile::tempdir().unwrap();
    let server = api(config(dir.path())).await;

    let mut body = String::new();
    let mut expected_ids = HashSet::new();
    let mut bad_lines = Vec::new();
    for line in 1..=10_000usize {
        match line % 97 {
            0 => body.push_str("{\"domain\": \"cyber\", \"message\": \"cut off\n"),
            13 => body.push_str("{\"domain\": \"hyperspace\", \"message\": \"x\"}\n"),
            29 => body.push_str("{\"domain\": \"physical\"}\n"),
            _ => {
                let id = EventId::new();
                expected_ids.insert(id.to_string());
                let domain = ["cyber", "physical", "building", "medical"][line % 4];
                body.push_str(
                    &json!({"id": id, "domain": domain, "message": format!("event {line}"),
                    "fields": {"line": line}})
                    .to_string(),
                );
                body.push('\n');
                continue;
            }
        }
        bad_lines.push(line);
    }

    let (status, reply) = post(&server, "application/x-ndjson", body).await;
    assert_eq!(status, StatusCode::ACCEPTED, "{reply}");
    assert_eq!(reply["accepted"], expected_ids.len());
    assert_eq!(reply["rejected"], bad_lines.len());
    assert_eq!(reply["duplicates"], 0);
    let reported: Vec<usize> =
        reply["errors"].as_array().unwrap().iter().map(|e| e["line"].as_u64().unwrap() as usize).collect();
    assert_eq!(reported, bad_lines);
    let reasons: Vec<&str> = reply["errors"].as_array().unwrap().iter().map(|e| e["error"].as_str().unwrap()).collect();
    assert!(reasons.iter().any(|r| r.contains("EOF while parsing")), "{reasons:?}");
    assert!(reasons.iter().any(|r| r.contains("hyperspace")), "{reasons:?}");
    assert!(reasons.iter().any(|r| r.contains("neither a message nor any fields")), "{reasons:?}");

    server.server.stop().await.unwrap();
    let server = api(config(dir.path())).await;
    assert_eq!(all_ids(&server).await, expected_ids);
    server.server.stop().await.unwrap();
}

#[tokio::test]
async fn refused_requests_get_specific_errors_and_lose_nothing() {
    let dir = tempfile::tempdir().unwrap();
    let server = api(Config { max_body_bytes: 4096, ..config(dir.path()) }).await;
    let (status, reply) = post(&server, "application/json", r#"{"domain":"physical","message":"door forced"}"#).await;
    assert_eq!(status, StatusCode::ACCEPTED, "{reply}");

    let too_big = format!("{{\"domain\":\"cyber\",\"message\":\"{}\"}}", "x".repeat(8192));
    let (status, reply) = post(&server, "application/json", too_big).await;
    assert_eq!(status, StatusCode::PAYLOAD_TOO_LARGE, "{reply}");
    assert!(reply["error"].as_str().unwrap().contains("4096"), "{reply}");

    // Both ingest routes read the media type alike (tests/media_types.rs).
    let (status, reply) = post(&server, "text/csv", "hello").await;
    assert_eq!(status, StatusCode::UNSUPPORTED_MEDIA_TYPE, "{reply}");
    assert!(reply["error"].as_str().unwrap().contains("text/csv"), "{reply}");

    let (status, reply) = post(&server, "application/json", "{\"domain\": \"cyber\",\n \"message\": }").await;
    assert_eq!(status, StatusCode::BAD_REQUEST, "{reply}");
    assert_eq!(reply["accepted"], 0);
    assert_eq!(reply["errors"][0]["line"], 2);
    assert!(reply["errors"][0]["error"].as_str().unwrap().contains("expected value"), "{reply}");

    let (status, reply) = post(&server, "application/x-ndjson", "\n\n").await;
    assert_eq!(status, StatusCode::BAD_REQUEST, "{reply}");

    let (_, page) = get(&server, "/api/v1/events").await;
    let messages: Vec<&str> =
        page["events"].as_array().unwrap().iter().map(|e| e["message"].as_str().unwrap()).collect();
    assert_eq!(messages, ["door forced"]);

    let metrics =
        server.client.get(format!("{}/metrics", server.server.url())).send().await.unwrap().text().await.unwrap();
    assert!(metrics.contains("safecare_ingest_refused_requests_total"), "{metrics}");
    assert!(metrics.contains("reason=\"too_large\""), "{metrics}");
    assert!(metrics.contains("safecare_ingest_accepted_total"), "{metrics}");
    server.server.stop().await.unwrap();
}

#[tokio::test]
async fn queries_filter_and_bad_parameters_are_named() {
    let dir = tempfile::tempdir().unwrap();
    let server = api(config(dir.path())).await;
    let body = [
        json!({"domain": "physical", "message": "door forced", "severity": "high", "asset": "door-ph-1",
               "location": {"site": "hq", "building": "main", "floor": "0", "zone": "pharmacy"}}),
        json!({"domain": "cyber", "message": "usb storage mounted", "asset": "ws-ph-2",
               "time": "2026-11-28T03:00:00Z"}),
    ]
    .map(|v| v.to_string())
    .join("\n");
    let (status, _) = post(&server, "application/x-ndjson", body).await;
    assert_eq!(status, StatusCode::ACCEPTED);

    let count = |v: &Value| v["events"].as_array().unwrap().len();
    assert_eq!(count(&get(&server, "/api/v1/events?domain=physical").await.1), 1);
    assert_eq!(count(&get(&server, "/api/v1/events?location=hq/main").await.1), 1);
    assert_eq!(count(&get(&server, "/api/v1/events?q=usb").await.1), 1);
    assert_eq!(count(&get(&server, "/api/v1/events?min_severity=high").await.1), 1);
    assert_eq!(count(&get(&server, "/api/v1/events?to=2026-11-28T04:00:00Z").await.1), 1);
    assert_eq!(count(&get(&server, "/api/v1/events?asset=ws-ph-2").await.1), 1);

    let (status, err) = get(&server, "/api/v1/events?from=soon").await;
    assert_eq!(status, StatusCode::BAD_REQUEST);
    assert!(err["error"].as_str().unwrap().contains("from"), "{err}");
    let (status, err) = get(&server, "/api/v1/events?domain=space").await;
    assert_eq!(status, StatusCode::BAD_REQUEST);
    assert!(err["error"].as_str().unwrap().contains("space"), "{err}");
    let (status, err) = get(&server, "/api/v1/events?colour=red").await;
    assert_eq!(status, StatusCode::BAD_REQUEST);
    assert!(err["error"].as_str().unwrap().contains("colour"), "{err}");

    let (_, page) = get(&server, "/api/v1/events?domain=cyber").await;
    let id = page["events"][0]["id"].as_str().unwrap();
    let (status, one) = get(&server, &format!("/api/v1/events/{id}")).await;
    assert_eq!(status, StatusCode::OK);
    assert_eq!(one["message"], "usb storage mounted");
    let (status, _) = get(&server, &format!("/api/v1/events/{}", EventId::new())).await;
    assert_eq!(status, StatusCode::NOT_FOUND);
    server.server.stop().await.unwrap();
}

#[tokio::test]
async fn a_request_still_arriving_at_shutdown_is_finished_and_stored() {
    let dir = tempfile::tempdir().unwrap();
    let Api { server, client } = api(config(dir.path())).await;
    let url = format!("{}/api/v1/events", server.url());
    let (chunks, body) = futures::channel::mpsc::unbounded::<Result<String, std::io::Error>>();
    let request = tokio::spawn(async move {
        client
            .post(url)
            .header("content-type", "application/x-ndjson")
            .body(reqwest::Body::wrap_stream(body))
            .send()
            .await
    });
    let line = |i: usize| Ok(format!("{{\"domain\":\"cyber\",\"message\":\"m{i}\"}}\n"));
    for i in 0..500 {
        chunks.unbounded_send(line(i)).unwrap();
    }
    // The connection is open and half the body is in; now ask the server to
    // stop, and only then send the rest.
    tokio::time::sleep(std::time::Duration::from_millis(300)).await;
    let stopping = tokio::spawn(server.stop());
    tokio::time::sleep(std::time::Duration::from_millis(100)).await;
    for i in 500..1000 {
        chunks.unbounded_send(line(i)).unwrap();
    }
    drop(chunks);
    let response = request.await.unwrap().unwrap();
    assert_eq!(response.status(), StatusCode::ACCEPTED);
    let reply: Value = response.json().await.unwrap();
    assert_eq!(reply["accepted"], 1000);
    stopping.await.unwrap().unwrap();

    let server = api(config(dir.path())).await;
    assert_eq!(all_ids(&server).await.len(), 1000);
    server.server.stop().await.unwrap();
}
