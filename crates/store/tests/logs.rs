//! The ordered event and alert logs the stages read, and their checkpoints.
#![allow(clippy::unwrap_used, clippy::expect_used)]

use jiff::{SignedDuration, Timestamp};
use safecare_model::{Alert, Domain, Event, Incident, Severity};
use safecare_store::{Checkpoint, Expiring, Log, PrivacyStore, SqliteConfig, SqliteStore, Store, StoredIncident};

fn open(dir: &tempfile::TempDir) -> SqliteStore {
    SqliteStore::open(dir.path().join("safecare.db"), &SqliteConfig::default()).unwrap()
}

fn events(n: usize, at: Timestamp) -> Vec<Event> {
    (0..n).map(|i| Event::new("test", Domain::Cyber, at, format!("event {i}"))).collect()
}

fn ids<T>(page: &[(u64, T)]) -> Vec<u64> {
    page.iter().map(|(seq, _)| *seq).collect()
}

#[tokio::test]
async fn events_are_read_back_in_stored_order_by_position_and_retries_take_none() {
    let dir = tempfile::tempdir().unwrap();
    let store = open(&dir);
    assert_eq!(store.log_head(Log::Events).await.unwrap(), 0);
    let first = events(5, Timestamp::now());
    store.append_events(first.clone()).await.unwrap();
    // A retry of two stored events and one new: only the new one is logged
    // (positions only grow; the skipped retries may leave gaps).
    let mut retry = first[..2].to_vec();
    retry.extend(events(1, Timestamp::now()));
    assert_eq!(store.append_events(retry.clone()).await.unwrap(), 1);
    let head = store.log_head(Log::Events).await.unwrap();

    let page = store.events_after(0, 4).await.unwrap();
    assert_eq!(ids(&page.records), [1, 2, 3, 4]);
    assert_eq!(page.last, Some(4));
    let order: Vec<_> = page.records.iter().map(|(_, e)| e.id).collect();
    assert_eq!(order, first[..4].iter().map(|e| e.id).collect::<Vec<_>>());
    let rest = store.events_after(4, 100).await.unwrap();
    assert_eq!(ids(&rest.records), [5, head]);
    assert_eq!(rest.records[1].1.id, retry[2].id);
    let none = store.events_after(head, 100).await.unwrap();
    assert!(none.records.is_empty() && none.last.is_none());
}

#[tokio::test]
async fn purging_the_newest_events_never_gives_their_positions_again() {
    let dir = tempfile::tempdir().unwrap();
    let store = open(&dir);
    let old = Timestamp::now() - SignedDuration::from_hours(24 * 400);
    store.append_events(events(3, old)).await.unwrap();
    assert_eq!(store.purge_expired(Expiring::Events, Timestamp::now()).await.unwrap(), 3);
    store.append_events(events(2, Timestamp::now())).await.unwrap();
    // A stage whose checkpoint is 3 must still see the two new events.
    let page = store.events_after(3, 100).await.unwrap();
    assert_eq!(ids(&page.records), [4, 5]);
    assert_eq!(store.log_head(Log::Events).await.unwrap(), 5);
}

#[tokio::test]
async fn alerts_insert_once_with_their_checkpoint_and_updates_keep_their_position() {
    let dir = tempfile::tempdir().unwrap();
    let store = open(&dir);
    assert_eq!(store.checkpoint("detection").await.unwrap(), None);
    let a = Alert::new("a", Severity::High);
    let b = Alert::new("b", Severity::Low);
    let new = store.insert_alerts(vec![a.clone(), b.clone()], Checkpoint::new("detection", 10)).await.unwrap();
    assert_eq!(new, [a.clone(), b.clone()]);
    assert_eq!(store.checkpoint("detection").await.unwrap(), Some(10));

    // Replayed: the same ids raise nothing new and leave the stored alerts as they were.
    let mut replayed = a.clone();
    replayed.description = "raised again".into();
    let c = Alert::new("c", Severity::Medium);
    let new = store.insert_alerts(vec![replayed, c.clone()], Checkpoint::new("detection", 12)).await.unwrap();
    assert_eq!(new, [c]);
    assert_eq!(store.get_alert(a.id).await.unwrap().unwrap().description, "a");
    assert_eq!(store.checkpoint("detection").await.unwrap(), Some(12));

    // An update through the API keeps the alert where it was in the log.
    let mut edited = b.clone();
    edited.description = "b, edited".into();
    store.put_alerts(vec![edited]).await.unwrap();
    let page = store.alerts_after(0, 10).await.unwrap();
    let order: Vec<_> = page.records.iter().map(|(_, a)| a.description.as_str()).collect();
    assert_eq!(order, ["a", "b, edited", "c"]);
    assert_eq!(ids(&page.records)[..2], [1, 2], "an update keeps the position");
    assert!(store.log_head(Log::Alerts).await.unwrap() >= page.last.unwrap());
}

#[tokio::test]
async fn incidents_and_their_checkpoint_are_written_together() {
    let dir = tempfile::tempdir().unwrap();
    let store = open(&dir);
    let one = StoredIncident::bare(Incident::new("one", Severity::High));
    let two = StoredIncident::bare(Incident::new("two", Severity::Low));
    store.put_incidents(vec![one.clone(), two.clone()], Checkpoint::new("incidents", 7)).await.unwrap();
    assert_eq!(store.checkpoint("incidents").await.unwrap(), Some(7));
    assert_eq!(store.get_incident(one.incident.id).await.unwrap(), Some(one));
    assert_eq!(store.get_incident(two.incident.id).await.unwrap(), Some(two));
    store.put_checkpoint(Checkpoint::new("incidents", 9)).await.unwrap();
    assert_eq!(store.checkpoint("incidents").await.unwrap(), Some(9));
}

#[tokio::test]
async fn checkpoints_survive_a_reopen() {
    let dir = tempfile::tempdir().unwrap();
    let store = open(&dir);
    store.append_events(events(3, Timestamp::now())).await.unwrap();
    store.put_checkpoint(Checkpoint::new("detection", 2)).await.unwrap();
    store.close().await;
    drop(store);
    let store = open(&dir);
    assert_eq!(store.checkpoint("detection").await.unwrap(), Some(2));
    assert_eq!(ids(&store.events_after(2, 10).await.unwrap().records), [3]);
}
