//! The notification outbox: a key stored once, pending rows found when due,
//! updates kept across a reopen, listing per incident.
#![allow(clippy::unwrap_used, clippy::expect_used)]

use jiff::{SignedDuration, Timestamp};
use safecare_model::IncidentId;
use safecare_store::{NotificationQuery, OutboxStore, PENDING, SqliteConfig, SqliteStore, Store, StoredNotification};

fn open(dir: &tempfile::TempDir) -> SqliteStore {
    SqliteStore::open(dir.path().join("safecare.db"), &SqliteConfig::default()).unwrap()
}

fn row(key: &str, incident: Option<IncidentId>, due: Timestamp) -> StoredNotification {
    StoredNotification {
        key: key.into(),
        incident,
        status: PENDING.into(),
        next_try: due,
        created: due,
        body: format!(r#"{{"key":"{key}"}}"#),
    }
}

fn keys(rows: &[StoredNotification]) -> Vec<&str> {
    rows.iter().map(|r| r.key.as_str()).collect()
}

#[tokio::test]
async fn a_key_is_stored_once_and_pending_rows_come_due_in_order_across_a_reopen() {
    let dir = tempfile::tempdir().unwrap();
    let now = Timestamp::from_second(1_764_842_400).unwrap();
    let later = now + SignedDuration::from_secs(30);
    let (one, two) = (IncidentId::new(), IncidentId::new());
    let store = open(&dir);
    let stored = store
        .outbox_insert(vec![row("b", Some(one), later), row("a", Some(one), now), row("t", None, now)])
        .await
        .unwrap();
    assert_eq!(stored, ["b", "a", "t"]);
    // Planning the same messages again (an alert storm, a restart) adds none.
    let again = store.outbox_insert(vec![row("a", Some(one), now), row("c", Some(two), now)]).await.unwrap();
    assert_eq!(again, ["c"]);

    assert_eq!(keys(&store.outbox_due(now, 10).await.unwrap()), ["a", "t", "c"]);
    assert_eq!(keys(&store.outbox_due(later, 2).await.unwrap()), ["a", "t"]);

    let mut delivered = row("a", Some(one), now);
    delivered.status = "delivered".into();
    delivered.body = r#"{"key":"a","status":"delivered"}"#.into();
    store.outbox_update(delivered.clone()).await.unwrap();
    let mut retry = row("t", None, now + SignedDuration::from_secs(60));
    retry.body = r#"{"attempts":1}"#.into();
    store.outbox_update(retry).await.unwrap();
    assert!(store.outbox_update(row("nope", None, now)).await.is_err(), "an unknown key is an error");
    store.close().await;
    drop(store);

    let store = open(&dir);
    assert_eq!(keys(&store.outbox_due(later, 10).await.unwrap()), ["c", "b"]);
    let of_one = store.outbox_list(NotificationQuery { incident: Some(one), ..Default::default() }).await.unwrap();
    assert_eq!(keys(&of_one), ["a", "b"]);
    assert_eq!(of_one[0], delivered);
    let done = NotificationQuery { status: Some("delivered".into()), ..Default::default() };
    assert_eq!(keys(&store.outbox_list(done).await.unwrap()), ["a"]);
    let page = NotificationQuery { offset: 1, limit: 2, ..Default::default() };
    assert_eq!(keys(&store.outbox_list(page).await.unwrap()), ["t", "a"]);
}
