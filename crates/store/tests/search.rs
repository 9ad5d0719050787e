//! Event search on the embedded store: words by their start, `field:value`
//! conditions on the stored fields, the histogram over a range, and saved
//! searches.
#![allow(clippy::unwrap_used, clippy::expect_used)]

use jiff::{SignedDuration, Timestamp};
use safecare_model::{Domain, Event};
use safecare_store::{EventQuery, FieldFilter, SavedSearch, SearchStore, SqliteConfig, SqliteStore, Store};
use serde_json::{Value, json};

fn t0() -> Timestamp {
    "2026-12-05T08:00:00Z".parse().unwrap()
}

fn event(minute: i64, message: &str, asset: Option<&str>, fields: Value) -> Event {
    let mut e = Event::new("test", Domain::Cyber, t0() + SignedDuration::from_mins(minute), message);
    e.asset = asset.map(Into::into);
    if let Value::Object(map) = fields {
        e.fields = map;
    }
    e
}

fn open(dir: &tempfile::TempDir) -> SqliteStore {
    SqliteStore::open(dir.path().join("safecare.db"), &SqliteConfig::default()).unwrap()
}

async fn seeded(dir: &tempfile::TempDir) -> SqliteStore {
    let store = open(dir);
    store
        .append_events(vec![
            event(1, "vssadmin delete shadows /all /quiet", Some("ws-12"), json!({"User": "usr_1f2e", "EventID": 4688})),
            event(2, "An account failed to log on", Some("dc-1"),
                json!({"Event": {"EventData": {"TargetUserName": "usr_1f2e", "WorkstationName": "WS-12"}}, "EventID": 4625})),
            event(3, "An account failed to log on", Some("dc-1"), json!({"TargetUserName": "usr_9a9a", "EventID": 4625})),
            event(4, "door forced", None, json!({"door": "pharmacy-1", "action": "forced"})),
            event(5, "door held open", None, json!({"door": "pharmacy-12", "note": "50% open"})),
        ])
        .await
        .unwrap();
    store
}

fn q() -> EventQuery {
    EventQuery { limit: 100, ..EventQuery::default() }
}

fn field(names: &[&str], values: &[&str]) -> FieldFilter {
    FieldFilter {
        names: names.iter().map(|s| s.to_string()).collect(),
        values: values.iter().map(|s| s.to_string()).collect(),
    }
}

async fn minutes(store: &SqliteStore, query: EventQuery) -> Vec<i64> {
    let page = store.query_events(query).await.unwrap();
    page.events.iter().map(|e| (e.time - t0()).as_mins()).collect()
}

#[tokio::test]
async fn words_match_by_their_start_but_not_inside() {
    let dir = tempfile::tempdir().unwrap();
    let store = seeded(&dir).await;
    let text = |t: &str| EventQuery { text: Some(t.into()), ..q() };
    assert_eq!(minutes(&store, text("shadow")).await, [1], "shadow finds shadows");
    assert_eq!(minutes(&store, text("vssad shadow")).await, [1]);
    assert_eq!(minutes(&store, text("door")).await, [5, 4]);
    assert_eq!(minutes(&store, text("pharmacy-1")).await, [5, 4], "pharmacy-1 starts pharmacy-12 too");
    assert!(minutes(&store, text("hadows")).await.is_empty(), "the middle of a word is not a start");
    assert!(minutes(&store, text("door OR shadow")).await.is_empty(), "operators are words");
}

#[tokio::test]
async fn field_conditions_hold_to_the_named_field_and_the_whole_value() {
    let dir = tempfile::tempdir().unwrap();
    let store = seeded(&dir).await;
    let with = |fields: Vec<FieldFilter>| EventQuery { fields, ..q() };
    // A nested field is found by its own name; values compare without case.
    let user = field(&["user", "targetusername"], &["alice", "USR_1F2E"]);
    assert_eq!(minutes(&store, with(vec![user.clone()])).await, [2, 1]);
    // Numbers compare as their text; several conditions must all hold.
    assert_eq!(minutes(&store, with(vec![user, field(&["eventid"], &["4625"])])).await, [2]);
    assert_eq!(minutes(&store, with(vec![field(&["EventID"], &["4625"])])).await, [3, 2], "names in any case");
    // The whole value: pharmacy-1 is not pharmacy-12, unless asked by its start.
    assert_eq!(minutes(&store, with(vec![field(&["door"], &["pharmacy-1"])])).await, [4]);
    assert_eq!(minutes(&store, with(vec![field(&["door"], &["pharmacy-1*"])])).await, [5, 4]);
    // The value must be in the named field, not just anywhere.
    assert!(minutes(&store, with(vec![field(&["action"], &["pharmacy-1"])])).await.is_empty());
    // A dotted name is a path.
    assert_eq!(minutes(&store, with(vec![field(&["event.eventdata.workstationname"], &["ws-12"])])).await, [2]);
}

#[tokio::test]
async fn the_asset_name_also_matches_the_events_asset() {
    let dir = tempfile::tempdir().unwrap();
    let store = seeded(&dir).await;
    let host = |v: &str| EventQuery { fields: vec![field(&["asset", "workstationname"], &[v])], ..q() };
    // ws-12 is event 1's asset and event 2's workstation field.
    assert_eq!(minutes(&store, host("ws-12")).await, [2, 1]);
    assert_eq!(minutes(&store, host("dc-*")).await, [3, 2]);
}

#[tokio::test]
async fn typed_values_are_data_not_sql_or_patterns() {
    let dir = tempfile::tempdir().unwrap();
    let store = seeded(&dir).await;
    let note = |v: &str| EventQuery { fields: vec![field(&["note"], &[v])], ..q() };
    assert_eq!(minutes(&store, note("50% open")).await, [5]);
    assert!(minutes(&store, note("5_% open")).await.is_empty(), "_ and % are literal");
    assert!(minutes(&store, note("' OR 1=1 --")).await.is_empty());
    let sneaky = EventQuery { fields: vec![field(&["note') OR 1=1 --"], &["x"])], text: Some("\"))".into()), ..q() };
    assert!(minutes(&store, sneaky).await.is_empty());
    assert_eq!(store.count_events().await.unwrap(), 5, "nothing was changed");
}

#[tokio::test]
async fn the_histogram_counts_matches_per_bucket_over_the_range() {
    let dir = tempfile::tempdir().unwrap();
    let store = seeded(&dir).await;
    let range = EventQuery { from: Some(t0()), to: Some(t0() + SignedDuration::from_mins(6)), ..q() };
    let bars = store.event_histogram(range.clone(), SignedDuration::from_mins(2)).await.unwrap();
    let counts: Vec<u64> = bars.iter().map(|(_, n)| *n).collect();
    assert_eq!(counts, [1, 2, 2], "minutes 0-1, 2-3, 4-5");
    assert_eq!(bars[1].0, t0() + SignedDuration::from_mins(2));
    // Filters apply; empty buckets stay.
    let doors = EventQuery { text: Some("door".into()), ..range.clone() };
    let counts: Vec<u64> =
        store.event_histogram(doors, SignedDuration::from_mins(1)).await.unwrap().iter().map(|(_, n)| *n).collect();
    assert_eq!(counts, [0, 0, 0, 0, 1, 1]);
    // A range without an end, or one cut too fine, is refused.
    assert!(
        store.event_histogram(EventQuery { to: None, ..range.clone() }, SignedDuration::from_mins(1)).await.is_err()
    );
    assert!(store.event_histogram(range, SignedDuration::from_micros(1)).await.is_err());
}

#[tokio::test]
async fn saved_searches_are_each_users_own_and_survive_reopening() {
    let dir = tempfile::tempdir().unwrap();
    let store = open(&dir);
    let saved = |user: &str, name: &str, query: &str| SavedSearch {
        user: user.into(),
        name: name.into(),
        query: query.into(),
        saved: t0(),
    };
    store.put_search(saved("alice", "logons", "q=EventID%3A4625")).await.unwrap();
    store.put_search(saved("alice", "doors", "q=door&from=-24h")).await.unwrap();
    store.put_search(saved("bob", "logons", "q=bob")).await.unwrap();
    // Saving under a name again replaces the search.
    store.put_search(saved("alice", "logons", "q=EventID%3A4625&from=-7d")).await.unwrap();
    store.close().await;
    drop(store);

    let store = open(&dir);
    let alice = store.list_searches("alice").await.unwrap();
    assert_eq!(alice.iter().map(|s| s.name.as_str()).collect::<Vec<_>>(), ["doors", "logons"]);
    assert_eq!(alice[1].query, "q=EventID%3A4625&from=-7d");
    assert_eq!(store.list_searches("bob").await.unwrap()[0].query, "q=bob");
    assert!(store.delete_search("alice", "logons").await.unwrap());
    assert!(!store.delete_search("alice", "logons").await.unwrap(), "already gone");
    assert_eq!(store.list_searches("alice").await.unwrap().len(), 1);
    assert_eq!(store.list_searches("bob").await.unwrap().len(), 1, "another's searches stay");
}

#[tokio::test]
async fn common_words_and_values_walk_the_range_and_find_the_same_events() {
    let dir = tempfile::tempdir().unwrap();
    let store = open(&dir);
    // More matches than the store fetches from the text index.
    let events: Vec<Event> = (0..5_000)
        .map(|i| {
            let message = if i % 5 == 0 { "badge refused" } else { "badge granted" };
            event(i, message, None, json!({"EventID": 4624 + i % 2}))
        })
        .collect();
    store.append_events(events).await.unwrap();
    let page = EventQuery { text: Some("badge".into()), limit: 3, ..q() };
    assert_eq!(minutes(&store, page).await, [4999, 4998, 4997]);
    // 2,500 events hold 4625, more than the last 1,000 minutes: checked
    // field by field while walking those.
    let last = Some(t0() + SignedDuration::from_mins(4_000));
    let odd = EventQuery { from: last, fields: vec![field(&["eventid"], &["4625"])], limit: 3, ..q() };
    assert_eq!(minutes(&store, odd.clone()).await, [4999, 4997, 4995]);
    let to = Some(t0() + SignedDuration::from_mins(5_000));
    let bars = store.event_histogram(EventQuery { to, ..odd }, SignedDuration::from_mins(500)).await.unwrap();
    assert_eq!(bars.iter().map(|(_, n)| *n).collect::<Vec<_>>(), [250, 250]);
    let refused = EventQuery { text: Some("badge ref".into()), fields: vec![field(&["eventid"], &["4624"])], ..q() };
    assert_eq!(minutes(&store, refused.clone()).await.len(), 100, "a page of the 500 (one minute in ten)");
    let range = EventQuery { from: Some(t0()), to: Some(t0() + SignedDuration::from_mins(5_000)), ..refused };
    let bars = store.event_histogram(range.clone(), SignedDuration::from_mins(1_000)).await.unwrap();
    assert_eq!(bars.iter().map(|(_, n)| *n).collect::<Vec<_>>(), [100; 5]);
    let common = EventQuery { text: Some("granted".into()), fields: vec![field(&["eventid"], &["4625"])], ..range };
    let bars = store.event_histogram(common, SignedDuration::from_mins(1_000)).await.unwrap();
    assert_eq!(bars.iter().map(|(_, n)| *n).collect::<Vec<_>>(), [400; 5], "odd minutes not divisible by five");
}
