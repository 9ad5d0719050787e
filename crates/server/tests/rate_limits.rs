//! Request rate limits over HTTP: a caller past its burst gets 429 with
//! `Retry-After`, others keep their own budget, and refusals are counted in
//! the metrics.
#![allow(clippy::unwrap_used, clippy::expect_used)]

mod common;

use std::num::NonZeroU32;

use common::{client_with, config, token};
use reqwest::StatusCode;
use safecare_model::Role;
use safecare_server::auth::RequestLimits;
use safecare_server::start;
use serde_json::Value;

const BURST: u32 = 5;

/// Requests refused so far, of signed-in callers and of strangers.
async fn refused_so_far(client: &reqwest::Client, base: &str) -> (u64, u64) {
    let text = client.get(format!("{base}/metrics")).send().await.unwrap().text().await.unwrap();
    let count = |caller: &str| {
        let series = format!("safecare_http_rate_limited_total{{caller=\"{caller}\"}} ");
        text.lines().find_map(|line| line.strip_prefix(&series)).map_or(0, |n| n.trim().parse().unwrap())
    };
    (count("principal"), count("address"))
}

/// Checks the answer is the documented 429 and returns its `Retry-After`.
async fn assert_limited(response: reqwest::Response) -> u64 {
    assert_eq!(response.status(), StatusCode::TOO_MANY_REQUESTS);
    let retry_after: u64 = response.headers()["retry-after"].to_str().unwrap().parse().unwrap();
    let body: Value = response.json().await.unwrap();
    assert!(body["error"].as_str().unwrap().starts_with("too many requests"), "{body}");
    assert_eq!(body["detail"]["retry_after_seconds"], retry_after, "{body}");
    retry_after
}

#[tokio::test]
async fn a_caller_past_its_burst_waits_and_the_others_do_not() {
    let dir = tempfile::tempdir().unwrap();
    let mut cfg = config(dir.path());
    // One request a second: the test's requests come far faster, so the
    // bucket does not refill between them.
    cfg.limits = RequestLimits { requests_per_second: 1, burst: NonZeroU32::new(BURST).unwrap() };
    cfg.store.durability = safecare_store::Durability::Normal;
    let server = start(cfg).await.unwrap();
    let base = server.url();
    let analyst = client_with(&token(&server, Role::SocAnalyst, None).await);
    let admin = client_with(&token(&server, Role::Admin, None).await);
    let sensor = client_with(&token(&server, Role::Sensor, Some("door-gw")).await);
    let (by_principal, by_address) = refused_so_far(&analyst, &base).await;

    for _ in 0..BURST {
        assert_eq!(admin.get(format!("{base}/api/v1/auth/me")).send().await.unwrap().status(), StatusCode::OK);
    }
    let retry_after = assert_limited(admin.get(format!("{base}/api/v1/auth/me")).send().await.unwrap()).await;
    assert_eq!(retry_after, 1, "at one request a second the next is at most a second away");

    // Another token, and strangers from the same address, have their own
    // buckets.
    assert_eq!(analyst.get(format!("{base}/api/v1/auth/me")).send().await.unwrap().status(), StatusCode::OK);
    let stranger = reqwest::Client::new();
    for _ in 0..BURST {
        assert_eq!(stranger.get(format!("{base}/healthz")).send().await.unwrap().status(), StatusCode::OK);
    }
    assert_limited(stranger.get(format!("{base}/healthz")).send().await.unwrap()).await;
    // Guessing tokens from that address is held back the same way.
    let guess = client_with("sc_AAAAAAAAAAAA_not-a-real-secret");
    assert_limited(guess.get(format!("{base}/api/v1/auth/me")).send().await.unwrap()).await;

    // A body of a thousand events is one request.
    let body: String = (0..1000).map(|i| format!("{{\"domain\":\"physical\",\"message\":\"badge {i}\"}}\n")).collect();
    let sent = sensor.post(format!("{base}/api/v1/events")).header("content-type", "application/x-ndjson").body(body);
    let sent = sent.send().await.unwrap();
    assert_eq!(sent.status(), StatusCode::ACCEPTED);
    assert_eq!(sent.json::<Value>().await.unwrap()["accepted"], 1000);
    for _ in 1..BURST {
        let one = sensor
            .post(format!("{base}/api/v1/events"))
            .json(&serde_json::json!({"domain": "physical", "message": "door held"}));
        assert_eq!(one.send().await.unwrap().status(), StatusCode::ACCEPTED);
    }
    let over = sensor
        .post(format!("{base}/api/v1/events"))
        .json(&serde_json::json!({"domain": "physical", "message": "door held"}));
    assert_limited(over.send().await.unwrap()).await;

    assert_eq!(refused_so_far(&analyst, &base).await, (by_principal + 2, by_address + 2));
    server.stop().await.unwrap();
}
