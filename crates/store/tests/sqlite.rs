//! The embedded store against real files in a temporary directory.
#![allow(clippy::unwrap_used, clippy::expect_used)]

use jiff::{SignedDuration, Timestamp};
use safecare_model::{Alert, Asset, AssetKind, Domain, Event, Incident, IncidentStatus, Location, Severity};
use safecare_store::{
    AlertQuery, AvailabilityStore, EventQuery, IncidentQuery, SqliteConfig, SqliteStore, Store, StoreError,
    StoredAvailabilityChange, StoredIncident,
};
use serde_json::json;

fn t0() -> Timestamp {
    "2026-11-28T08:00:00Z".parse().unwrap()
}

fn event(minute: i64, domain: Domain, message: &str, room: Option<&str>, asset: Option<&str>) -> Event {
    let mut e = Event::new("test", domain, t0() + SignedDuration::from_mins(minute), message);
    if let Some(room) = room {
        e.location = Location {
            site: Some("hq".into()),
            building: Some("main".into()),
            floor: room.split('.').next().map(str::to_owned),
            zone: None,
            room: Some(room.into()),
        };
    }
    e.asset = asset.map(Into::into);
    e
}

fn open(dir: &tempfile::TempDir) -> SqliteStore {
    SqliteStore::open(dir.path().join("safecare.db"), &SqliteConfig::default()).unwrap()
}

fn query() -> EventQuery {
    EventQuery { limit: 1000, ..Default::default() }
}

#[tokio::test]
async fn missing_file_is_created_and_events_survive_reopen() {
    let dir = tempfile::tempdir().unwrap();
    let store = open(&dir);
    let events: Vec<Event> = (0..50).map(|i| event(i, Domain::Cyber, "login failed", None, None)).collect();
    assert_eq!(store.append_events(events.clone()).await.unwrap(), 50);
    store.close().await;
    drop(store);

    let store = open(&dir);
    assert_eq!(store.count_events().await.unwrap(), 50);
    let got = store.get_event(events[7].id).await.unwrap().unwrap();
    assert_eq!(got, events[7]);
}

#[tokio::test]
async fn retried_events_are_not_duplicated() {
    let dir = tempfile::tempdir().unwrap();
    let store = open(&dir);
    let events: Vec<Event> = (0..10).map(|i| event(i, Domain::Cyber, "x", None, None)).collect();
    assert_eq!(store.append_events(events.clone()).await.unwrap(), 10);
    assert_eq!(store.append_events(events).await.unwrap(), 0);
    assert_eq!(store.count_events().await.unwrap(), 10);
}

#[tokio::test]
async fn queries_filter_by_time_domain_asset_location_and_text() {
    let dir = tempfile::tempdir().unwrap();
    let store = open(&dir);
    let mut badge = event(5, Domain::Physical, "door forced open", Some("2.14"), Some("door-pharm-1"));
    badge.fields.insert("badge_holder".into(), json!("tok_9f3a"));
    store
        .append_events(vec![
            event(1, Domain::Cyber, "login failed for admin", None, Some("srv-ehr-01")),
            event(2, Domain::Cyber, "login succeeded", None, Some("srv-ehr-01")),
            badge,
            event(7, Domain::Building, "supply air temperature high", Some("2.01"), Some("ahu-1")),
            event(9, Domain::Physical, "door held open", Some("20.1"), None),
        ])
        .await
        .unwrap();

    let messages = |page: safecare_store::EventPage| page.events.into_iter().map(|e| e.message).collect::<Vec<_>>();

    let q = EventQuery { domain: Some(Domain::Cyber), ..query() };
    assert_eq!(messages(store.query_events(q).await.unwrap()), ["login succeeded", "login failed for admin"]);

    let q = EventQuery {
        from: Some(t0() + SignedDuration::from_mins(2)),
        to: Some(t0() + SignedDuration::from_mins(7)),
        ..query()
    };
    assert_eq!(messages(store.query_events(q).await.unwrap()), ["door forced open", "login succeeded"]);

    let q = EventQuery { asset: Some("srv-ehr-01".into()), ..query() };
    assert_eq!(store.query_events(q).await.unwrap().events.len(), 2);

    // Floor 2 holds rooms 2.14 and 2.01 but not floor 20's room.
    let q = EventQuery { location: Some("hq/main/2".into()), ..query() };
    assert_eq!(messages(store.query_events(q).await.unwrap()), ["supply air temperature high", "door forced open"]);

    let q = EventQuery { text: Some("login failed".into()), ..query() };
    assert_eq!(messages(store.query_events(q).await.unwrap()), ["login failed for admin"]);

    // Field values are searchable too, and FTS operators are taken literally.
    let q = EventQuery { text: Some("tok_9f3a".into()), ..query() };
    assert_eq!(messages(store.query_events(q).await.unwrap()), ["door forced open"]);
    let q = EventQuery { text: Some("door OR login".into()), ..query() };
    assert!(store.query_events(q).await.unwrap().events.is_empty());

    let q = EventQuery { min_severity: Some(Severity::High), ..query() };
    assert!(store.query_events(q).await.unwrap().events.is_empty());
}

#[tokio::test]
async fn pages_walk_every_event_once_newest_first() {
    let dir = tempfile::tempdir().unwrap();
    let store = open(&dir);
    // Several events share a timestamp, so the cursor must break ties.
    let events: Vec<Event> = (0..95).map(|i| event(i / 3, Domain::Cyber, &format!("e{i}"), None, None)).collect();
    store.append_events(events).await.unwrap();

    let mut seen = Vec::new();
    let mut after = None;
    loop {
        let page = store.query_events(EventQuery { limit: 10, after, ..Default::default() }).await.unwrap();
        assert!(page.events.len() <= 10);
        seen.extend(page.events.iter().map(|e| e.time));
        match page.next {
            Some(next) => after = Some(next),
            None => break,
        }
    }
    assert_eq!(seen.len(), 95);
    assert!(seen.windows(2).all(|w| w[0] >= w[1]), "newest first");
}

#[tokio::test]
async fn concurrent_writers_all_land() {
    let dir = tempfile::tempdir().unwrap();
    let store = std::sync::Arc::new(open(&dir));
    let mut tasks = Vec::new();
    for w in 0..8 {
        let store = store.clone();
        tasks.push(tokio::spawn(async move {
            let events: Vec<Event> = (0..250).map(|i| event(i, Domain::Cyber, &format!("w{w}"), None, None)).collect();
            store.append_events(events).await.unwrap()
        }));
    }
    let mut total = 0;
    for task in tasks {
        total += task.await.unwrap();
    }
    assert_eq!(total, 2000);
    assert_eq!(store.count_events().await.unwrap(), 2000);
}

#[tokio::test]
async fn a_batch_of_alerts_is_stored_in_one_write() {
    let dir = tempfile::tempdir().unwrap();
    let store = open(&dir);
    store.put_alerts(Vec::new()).await.unwrap();
    let batch: Vec<Alert> = (0..250).map(|i| Alert::new(format!("failed logon {i}"), Severity::Medium)).collect();
    store.put_alerts(batch.clone()).await.unwrap();
    let stored = store.list_alerts(AlertQuery { limit: 1000, ..Default::default() }).await.unwrap();
    assert_eq!(stored.len(), 250);
    assert_eq!(store.get_alert(batch[137].id).await.unwrap(), Some(batch[137].clone()));
}

#[tokio::test]
async fn alerts_list_newest_first_by_when_they_happened_then_by_arrival() {
    let dir = tempfile::tempdir().unwrap();
    let store = open(&dir);
    let at = |minute: i64, name: &str| {
        let mut alert = Alert::new(name, Severity::High);
        alert.start_time = Some(t0() + SignedDuration::from_mins(minute));
        alert
    };
    // Same moment for the last three: the one stored last is the newest.
    let batch = [at(1, "first"), at(5, "same a"), at(5, "same b"), at(5, "same c"), at(3, "middle")];
    store.put_alerts(batch[..3].to_vec()).await.unwrap();
    store.put_alerts(batch[3..].to_vec()).await.unwrap();
    let listed: Vec<String> = store
        .list_alerts(AlertQuery { limit: 10, ..Default::default() })
        .await
        .unwrap()
        .into_iter()
        .map(|a| a.description)
        .collect();
    assert_eq!(listed, ["same c", "same b", "same a", "middle", "first"]);
}

#[tokio::test]
async fn alerts_incidents_inventory_and_state_round_trip() {
    let dir = tempfile::tempdir().unwrap();
    let store = open(&dir);

    let mut alert = Alert::new("Door forced", Severity::High);
    alert.safecare.rule = Some("door-forced".into());
    alert.safecare.asset = Some("door-pharm-1".into());
    store.put_alerts(vec![alert.clone(), Alert::new("noise", Severity::Low)]).await.unwrap();
    assert_eq!(store.get_alert(alert.id).await.unwrap(), Some(alert.clone()));
    let high =
        store.list_alerts(AlertQuery { min_severity: Some(Severity::High), ..Default::default() }).await.unwrap();
    assert_eq!(high, vec![alert.clone()]);
    let by_rule =
        store.list_alerts(AlertQuery { rule: Some("door-forced".into()), ..Default::default() }).await.unwrap();
    assert_eq!(by_rule.len(), 1);

    let mut incident = Incident::new("Pharmacy break-in", Severity::High);
    incident.alerts.push(alert.id);
    store.put_incident(StoredIncident::bare(incident.clone())).await.unwrap();
    let mut closed = Incident::new("old", Severity::Low);
    closed.status = IncidentStatus::Closed;
    closed.updated = incident.updated - SignedDuration::from_mins(10);
    store.put_incident(StoredIncident::bare(closed.clone())).await.unwrap();
    let open_ones = store.list_incidents(IncidentQuery { open_only: true, ..Default::default() }).await.unwrap();
    assert_eq!(open_ones, vec![StoredIncident::bare(incident.clone())]);
    let since = |t: Timestamp| IncidentQuery { updated_since: Some(t), ..Default::default() };
    let recent = store.list_incidents(since(incident.updated)).await.unwrap();
    assert_eq!(recent, vec![StoredIncident::bare(incident.clone())], "changed at or after the time given");
    assert_eq!(store.list_incidents(since(closed.updated)).await.unwrap().len(), 2);
    incident.status = IncidentStatus::Acknowledged;
    let record = json!({"incident": incident, "comments": ["kept as given"]}).to_string();
    store.put_incident(StoredIncident::from_record(record.clone()).unwrap()).await.unwrap();
    let back = store.get_incident(incident.id).await.unwrap().unwrap();
    assert_eq!(back.incident.status, IncidentStatus::Acknowledged);
    assert_eq!(back.record, record);

    let asset = |id: &str| Asset {
        id: id.into(),
        name: id.into(),
        kind: AssetKind::Server,
        location: Location::default(),
        identifiers: Default::default(),
        protections: Default::default(),
        attributes: Default::default(),
        geo: None,
        capacity: None,
    };
    store.replace_inventory(vec![asset("a"), asset("b")], vec![]).await.unwrap();
    store.replace_inventory(vec![asset("c")], vec![]).await.unwrap();
    let ids: Vec<String> = store.list_assets().await.unwrap().into_iter().map(|a| a.id.into_string()).collect();
    assert_eq!(ids, ["c"]);

    store.put_state("detect.correlation", json!({"windows": [1, 2]})).await.unwrap();
    assert_eq!(store.get_state("detect.correlation").await.unwrap(), Some(json!({"windows": [1, 2]})));
    assert_eq!(store.get_state("nope").await.unwrap(), None);
}

#[tokio::test]
async fn writes_after_shutdown_fail_cleanly() {
    let dir = tempfile::tempdir().unwrap();
    let store = open(&dir);
    store.close().await;
    let err = store.append_events(vec![event(0, Domain::Cyber, "late", None, None)]).await.unwrap_err();
    assert!(matches!(err, StoreError::Closed), "{err}");
}

#[test]
fn a_file_that_is_not_a_database_is_refused_clearly() {
    let dir = tempfile::tempdir().unwrap();
    let path = dir.path().join("safecare.db");
    std::fs::write(&path, b"this is not a database at all, just some text that is long enough").unwrap();
    let err = SqliteStore::open(&path, &SqliteConfig::default()).err().unwrap();
    assert!(matches!(err, StoreError::Corrupt { .. }), "{err}");
    assert!(err.to_string().contains("corrupt"), "{err}");
}

#[test]
fn a_damaged_database_is_refused_clearly() {
    let dir = tempfile::tempdir().unwrap();
    let path = dir.path().join("safecare.db");
    let rt = tokio::runtime::Runtime::new().unwrap();
    rt.block_on(async {
        let store = SqliteStore::open(&path, &SqliteConfig::default()).unwrap();
        let events: Vec<Event> =
            (0..2000).map(|i| event(i, Domain::Cyber, &"padding ".repeat(20), None, None)).collect();
        store.append_events(events).await.unwrap();
        store.close().await;
    });
    // Scribble over pages past the header, where the tables and indexes live.
    let mut bytes = std::fs::read(&path).unwrap();
    assert!(bytes.len() > 64 * 1024);
    for b in &mut bytes[8192..40960] {
        *b = 0xA5;
    }
    std::fs::write(&path, bytes).unwrap();
    let err = SqliteStore::open(&path, &SqliteConfig::default()).err().unwrap();
    assert!(matches!(err, StoreError::Corrupt { .. }), "{err}");
}

#[test]
fn a_database_from_a_newer_safecare_is_refused() {
    let dir = tempfile::tempdir().unwrap();
    let path = dir.path().join("safecare.db");
    drop(SqliteStore::open(&path, &SqliteConfig::default()).unwrap());
    let conn = rusqlite::Connection::open(&path).unwrap();
    conn.pragma_update(None, "user_version", 999).unwrap();
    drop(conn);
    let err = SqliteStore::open(&path, &SqliteConfig::default()).err().unwrap();
    assert!(matches!(err, StoreError::NewerSchema { found: 999, .. }), "{err}");
    assert!(err.to_string().contains("newer"), "{err}");
}

#[test]
fn another_programs_database_is_refused() {
    let dir = tempfile::tempdir().unwrap();
    let path = dir.path().join("other.db");
    let conn = rusqlite::Connection::open(&path).unwrap();
    conn.execute_batch("CREATE TABLE accounts (id INTEGER)").unwrap();
    drop(conn);
    let err = SqliteStore::open(&path, &SqliteConfig::default()).err().unwrap();
    assert!(matches!(err, StoreError::NotOurs { .. }), "{err}");
}

#[tokio::test]
async fn accounts_sessions_and_tokens_round_trip() {
    use safecare_model::{ApiToken, Language, Preferences, Role, Session, User};
    use safecare_store::AccountStore;
    let dir = tempfile::tempdir().unwrap();
    let store = open(&dir);
    let user = User {
        name: "alice".into(),
        role: Role::SocAnalyst,
        password_hash: "$argon2id$…".into(),
        disabled: false,
        failed_logins: 0,
        locked_until: None,
        created: t0(),
        preferences: Preferences { language: Some(Language::Fr), time_zone: Some("Europe/Paris".into()) },
    };
    store.put_user(user.clone()).await.unwrap();
    assert_eq!(store.get_user("alice").await.unwrap(), Some(user.clone()));
    assert_eq!(store.get_user("bob").await.unwrap(), None);
    assert_eq!(store.list_users().await.unwrap().len(), 1);

    let session = |hash: &str, expires: Timestamp| Session {
        token_hash: hash.into(),
        user: "alice".into(),
        role: Role::SocAnalyst,
        csrf: "c".into(),
        created: t0(),
        expires,
        preferences: Preferences::default(),
    };
    let later = Timestamp::now() + SignedDuration::from_hours(1);
    store.put_session(session("live", later)).await.unwrap();
    store.put_session(session("expired", t0())).await.unwrap();
    store.put_session(session("other", later)).await.unwrap();
    assert!(store.get_session("live").await.unwrap().is_some());
    assert!(store.get_session("expired").await.unwrap().is_none(), "expired sessions do not count");
    store.delete_session("live").await.unwrap();
    assert!(store.get_session("live").await.unwrap().is_none());
    store.delete_sessions_of("alice").await.unwrap();
    assert!(store.get_session("other").await.unwrap().is_none());

    let token = ApiToken {
        id: "tk1".into(),
        name: "door gateway".into(),
        token_hash: "h".into(),
        role: Role::Sensor,
        owner: "alice".into(),
        source: Some("doors".into()),
        created: t0(),
        expires: None,
        revoked: false,
    };
    store.put_api_token(token.clone()).await.unwrap();
    assert_eq!(store.get_api_token("tk1").await.unwrap(), Some(token));
    assert_eq!(store.list_api_tokens().await.unwrap().len(), 1);
}

#[tokio::test]
async fn dashboard_aggregates_count_rates_sources_and_open_incidents() {
    let dir = tempfile::tempdir().unwrap();
    let store = open(&dir);
    let now = Timestamp::now();
    let mut events = Vec::new();
    for (minutes_ago, source) in [(1, "doors"), (1, "doors"), (3, "syslog"), (59, "doors"), (120, "syslog")] {
        let mut e = Event::new(source, Domain::Physical, now - SignedDuration::from_mins(minutes_ago), "x");
        e.received = now - SignedDuration::from_mins(minutes_ago);
        events.push(e);
    }
    store.append_events(events).await.unwrap();
    let from = now - SignedDuration::from_mins(60);
    let rate = store.event_rate(from, SignedDuration::from_mins(1)).await.unwrap();
    assert_eq!(rate.len(), 61);
    assert_eq!(rate.iter().map(|(_, n)| n).sum::<u64>(), 4, "the event two hours ago is outside");
    assert_eq!(rate[58].1 + rate[59].1, 2, "two events one minute ago");

    let activity = store.source_activity(from).await.unwrap();
    let summary: Vec<(&str, u64)> = activity.iter().map(|a| (a.source.as_str(), a.events)).collect();
    assert_eq!(summary, [("doors", 3), ("syslog", 1)]);
    assert_eq!(activity[1].last_received.as_microsecond(), (now - SignedDuration::from_mins(3)).as_microsecond());
    // A source silent for longer than the window is still listed, silent.
    let silent = store.source_activity(now - SignedDuration::from_mins(2)).await.unwrap();
    let summary: Vec<(&str, u64)> = silent.iter().map(|a| (a.source.as_str(), a.events)).collect();
    assert_eq!(summary, [("doors", 2), ("syslog", 0)]);

    for (severity, status) in [
        (Severity::High, IncidentStatus::New),
        (Severity::High, IncidentStatus::InProgress),
        (Severity::Low, IncidentStatus::Acknowledged),
        (Severity::Critical, IncidentStatus::Closed),
    ] {
        let mut incident = Incident::new("i", severity);
        incident.status = status;
        store.put_incident(StoredIncident::bare(incident)).await.unwrap();
    }
    let mut counts = store.open_incidents_by_severity().await.unwrap();
    counts.sort();
    assert_eq!(counts, [(Severity::Low, 1), (Severity::High, 2)]);
}

#[tokio::test]
async fn vault_audit_and_retention_records() {
    use safecare_store::{Expiring, PrivacyStore};
    let dir = tempfile::tempdir().unwrap();
    let store = open(&dir);
    assert!(store.vault_insert("usr_a", t0(), json!({"token": "usr_a"})).await.unwrap());
    assert!(!store.vault_insert("usr_a", t0(), json!({"token": "other"})).await.unwrap(), "first entry wins");
    assert_eq!(store.vault_get("usr_a").await.unwrap(), Some(json!({"token": "usr_a"})));
    assert_eq!(store.vault_get("usr_b").await.unwrap(), None);

    assert_eq!(store.audit_last().await.unwrap(), None);
    store.audit_append(1, json!({"seq": 1})).await.unwrap();
    store.audit_append(2, json!({"seq": 2})).await.unwrap();
    assert!(
        store.audit_append(2, json!({"seq": 2, "forged": true})).await.is_err(),
        "a sequence number is never reused"
    );
    assert_eq!(store.audit_last().await.unwrap(), Some(json!({"seq": 2})));
    assert_eq!(store.audit_all().await.unwrap().len(), 2);

    let old = event(0, Domain::Cyber, "old login", None, None);
    let mut new = event(0, Domain::Cyber, "new login", None, None);
    new.time = Timestamp::now();
    store.append_events(vec![old, new]).await.unwrap();
    let mut closed = Incident::new("done", Severity::Low);
    closed.status = IncidentStatus::Closed;
    closed.updated = t0();
    let mut open_old = Incident::new("still open", Severity::Low);
    open_old.updated = t0();
    store.put_incident(StoredIncident::bare(closed)).await.unwrap();
    store.put_incident(StoredIncident::bare(open_old)).await.unwrap();

    let cutoff = t0() + SignedDuration::from_hours(1);
    assert_eq!(store.count_expired(Expiring::Events, cutoff).await.unwrap(), 1);
    assert_eq!(store.count_expired(Expiring::Incidents, cutoff).await.unwrap(), 1, "open incidents are never purged");
    assert_eq!(store.count_expired(Expiring::VaultEntries, cutoff).await.unwrap(), 1);
    assert_eq!(store.purge_expired(Expiring::Events, cutoff).await.unwrap(), 1);
    assert_eq!(store.purge_expired(Expiring::Incidents, cutoff).await.unwrap(), 1);
    assert_eq!(store.count_events().await.unwrap(), 1);
    // The purged event is gone from free-text search too.
    let q = EventQuery { text: Some("login".into()), ..query() };
    let found: Vec<String> = store.query_events(q).await.unwrap().events.into_iter().map(|e| e.message).collect();
    assert_eq!(found, ["new login"]);
    assert_eq!(store.list_incidents(IncidentQuery::default()).await.unwrap().len(), 1);
}

#[tokio::test]
async fn incidents_filter_by_assignee_asset_tag_and_threat_and_page() {
    let dir = tempfile::tempdir().unwrap();
    let store = open(&dir);
    for i in 0..30u32 {
        let mut incident = Incident::new(format!("incident {i}"), Severity::Medium);
        incident.updated = t0() + SignedDuration::from_mins(i64::from(i));
        incident.assignee = (i % 3 == 0).then(|| "alice".to_string());
        incident.assets = vec![format!("asset-{}", i % 5).into()];
        incident.tags = if i % 2 == 0 { vec!["attack.t1486".into()] } else { vec![] };
        incident.threat = Some(if i < 10 { "ransomware" } else { "forced_entry" }.into());
        store.put_incident(StoredIncident::bare(incident)).await.unwrap();
    }
    let q = |f: fn(&mut IncidentQuery)| {
        let mut q = IncidentQuery::default();
        f(&mut q);
        q
    };
    let count = |query: IncidentQuery| {
        let store = &store;
        async move { store.count_incidents(query).await.unwrap() }
    };
    assert_eq!(count(q(|q| q.assignee = Some("alice".into()))).await, 10);
    assert_eq!(count(q(|q| q.asset = Some("asset-2".into()))).await, 6);
    assert_eq!(count(q(|q| q.tag = Some("attack.t1486".into()))).await, 15);
    assert_eq!(count(q(|q| q.threat = Some("ransomware".into()))).await, 10);
    assert_eq!(count(q(|q| q.asset = Some("asset-9".into()))).await, 0);
    let page = |offset| q_page(offset);
    let first = store.list_incidents(page(0)).await.unwrap();
    let second = store.list_incidents(page(10)).await.unwrap();
    let titles = |v: &[StoredIncident]| v.iter().map(|s| s.incident.title.clone()).collect::<Vec<_>>();
    assert_eq!(titles(&first)[0], "incident 29", "most recently updated first");
    assert_eq!(titles(&second)[0], "incident 19");
    assert_eq!(first.len() + second.len(), 20);
}

fn q_page(offset: usize) -> IncidentQuery {
    IncidentQuery { offset, limit: 10, ..Default::default() }
}

#[tokio::test]
async fn the_availability_history_keeps_every_entry_and_answers_the_last_of_each_kind() {
    let dir = tempfile::tempdir().unwrap();
    let store = open(&dir);
    let entry = |service: &str, kind: &str, minute: i64, body: &str| StoredAvailabilityChange {
        seq: 0,
        service: service.into(),
        kind: kind.into(),
        at: t0() + SignedDuration::from_mins(minute),
        body: body.into(),
    };
    store
        .availability_append(vec![
            entry("svc-ot", "status", 0, r#"{"n":1}"#),
            entry("svc-icu", "status", 0, r#"{"n":2}"#),
            entry("svc-ot", "override", 1, r#"{"n":3}"#),
        ])
        .await
        .unwrap();
    store.availability_append(vec![entry("svc-ot", "status", 2, r#"{"n":4}"#)]).await.unwrap();
    store.close().await;
    drop(store);

    let store = open(&dir);
    let all = store.availability_history(None, 10).await.unwrap();
    let bodies: Vec<&str> = all.iter().map(|e| e.body.as_str()).collect();
    assert_eq!(bodies, [r#"{"n":4}"#, r#"{"n":3}"#, r#"{"n":2}"#, r#"{"n":1}"#], "newest first, kept across a reopen");
    assert!(all.windows(2).all(|w| w[0].seq > w[1].seq));
    assert_eq!(all[0].at, t0() + SignedDuration::from_mins(2));
    let ot = store.availability_history(Some("svc-ot".into()), 2).await.unwrap();
    assert_eq!(ot.iter().map(|e| e.body.as_str()).collect::<Vec<_>>(), [r#"{"n":4}"#, r#"{"n":3}"#]);
    let latest = store.availability_latest().await.unwrap();
    let mut last: Vec<(&str, &str, &str)> =
        latest.iter().map(|e| (e.service.as_str(), e.kind.as_str(), e.body.as_str())).collect();
    last.sort();
    assert_eq!(
        last,
        [("svc-icu", "status", r#"{"n":2}"#), ("svc-ot", "override", r#"{"n":3}"#), ("svc-ot", "status", r#"{"n":4}"#)]
    );
}
