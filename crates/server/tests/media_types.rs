//! Both ingest routes read the body's Content-Type with the one parser of
//! `safecare-ingest`: what one accepts, the other accepts, and both refuse
//! the same with 415.
#![allow(clippy::unwrap_used, clippy::expect_used)]

mod common;

use common::{config, start_with_admin};
use safecare_server::SourceConfig;
use serde_json::json;

const ACCEPTED: [&str; 6] = [
    "application/json; charset=utf-8",
    "application/x-ndjson",
    "application/ndjson",
    "application/jsonl",
    "application/x-jsonlines",
    "text/plain",
];

#[tokio::test]
async fn the_same_media_types_are_accepted_on_both_ingest_routes() {
    let dir = tempfile::tempdir().unwrap();
    let sources: Vec<SourceConfig> =
        serde_json::from_value(json!([{"name": "probe", "type": "http", "decoder": {"parser": "json", "domain": "cyber", "message": "message"}}])).unwrap();
    let (server, admin) = start_with_admin(safecare_server::Config { sources, ..config(dir.path()) }).await;
    let base = server.url();
    let event = json!({"domain": "cyber", "message": "media type probe"}).to_string();
    for route in ["/api/v1/events", "/api/v1/sources/probe/events"] {
        for mime in ACCEPTED {
            let sent = admin
                .post(format!("{base}{route}"))
                .header("content-type", mime)
                .body(event.clone())
                .send()
                .await
                .unwrap();
            assert_eq!(sent.status(), 202, "{route} {mime}: {}", sent.text().await.unwrap_or_default());
        }
        for mime in ["application/xml", "text/csv"] {
            let sent =
                admin.post(format!("{base}{route}")).header("content-type", mime).body(event.clone()).send().await;
            assert_eq!(sent.unwrap().status(), 415, "{route} {mime}");
        }
        let bare = admin.post(format!("{base}{route}")).body(event.clone()).send().await.unwrap();
        assert_eq!(bare.status(), 415, "{route} without a Content-Type");
    }
    server.stop().await.unwrap();
}
