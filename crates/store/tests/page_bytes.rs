//! A page of events is bounded in bytes, not only in events.
#![allow(clippy::unwrap_used, clippy::expect_used)]

use jiff::{SignedDuration, Timestamp};
use safecare_model::{Domain, Event};
use safecare_store::{EventQuery, MAX_PAGE_BYTES, SqliteConfig, SqliteStore, Store};
use serde_json::json;

#[tokio::test]
async fn large_events_end_a_page_early_and_paging_still_reaches_every_one() {
    let dir = tempfile::tempdir().unwrap();
    let store = SqliteStore::open(dir.path().join("safecare.db"), &SqliteConfig::default()).unwrap();
    let t0: Timestamp = "2026-11-28T08:00:00Z".parse().unwrap();
    let big = "x".repeat(1024 * 1024);
    let events: Vec<Event> = (0..12)
        .map(|i| {
            let mut e = Event::new("test", Domain::Cyber, t0 + SignedDuration::from_secs(i), "big");
            e.fields.insert("blob".into(), json!(big));
            e
        })
        .collect();
    store.append_events(events).await.unwrap();
    let mut query = EventQuery { limit: 1000, ..Default::default() };
    let mut seen = 0;
    let mut pages = 0;
    loop {
        let page = store.query_events(query.clone()).await.unwrap();
        let bytes: usize = page.events.iter().map(|e| serde_json::to_string(e).unwrap().len()).sum();
        assert!(!page.events.is_empty());
        assert!(bytes <= MAX_PAGE_BYTES + 1024, "a page holds {bytes} bytes");
        seen += page.events.len();
        pages += 1;
        match page.next {
            Some(next) => query.after = Some(next),
            None => break,
        }
    }
    assert_eq!(seen, 12);
    assert!(pages >= 3, "{pages} pages");
    store.close().await;
}
