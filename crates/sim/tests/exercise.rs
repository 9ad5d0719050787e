//! An exercise run against a running SafeCare leaves no trace once removed:
//! the counts of events, alerts and incidents are what they were before
//! plus what real activity added meanwhile; the real alert never joins an
//! exercise incident, and the exercise incidents carry the mark while they
//! exist.
#![allow(clippy::unwrap_used, clippy::expect_used)]

use std::net::SocketAddr;
use std::time::Duration;

use safecare_model::Role;
use safecare_privacy::AuditStore;
use safecare_server::{Config, RunningServer, provision};
use safecare_sim::embedded::target_for;
use safecare_sim::{RunOptions, Target, prepare, run};
use safecare_store::{AlertQuery, IncidentQuery};
use serde_json::{Value, json};

const RUN: &str = "drill-2026-12-05";

#[derive(Debug, PartialEq)]
struct Counts {
    events: u64,
    alerts: usize,
    incidents: u64,
}

async fn counts(server: &RunningServer) -> Counts {
    let store = &server.state.store;
    Counts {
        events: store.count_events().await.unwrap(),
        alerts: store.list_alerts(AlertQuery { limit: 10_000, ..Default::default() }).await.unwrap().len(),
        incidents: store.count_incidents(IncidentQuery::default()).await.unwrap(),
    }
}

/// A forced pharmacy door, for real: an alert and an incident of its own.
fn real_break_in(n: u32) -> Value {
    json!({"time": jiff::Timestamp::now().to_string(), "domain": "physical", "severity": "high",
        "message": format!("door forced ({n})"),
        "logsource": {"product": "safecare", "category": "access_control"},
        "location": {"site": "hq", "building": "main", "floor": "-1", "zone": "pharmacy", "room": "-1.12"},
        "fields": {"action": "forced", "door": "D--1.12"}})
}

async fn caught_up(target: &Target) {
    for _ in 0..100 {
        if target.caught_up().await.unwrap() {
            return;
        }
        tokio::time::sleep(Duration::from_millis(100)).await;
    }
    panic!("the pipeline did not catch up");
}

/// How many stored incidents are marked as exercises.
async fn during_exercise_incidents(server: &RunningServer) -> usize {
    let stored = server.state.store.list_incidents(IncidentQuery::default()).await.unwrap();
    stored.iter().filter(|s| s.record.contains(r#""exercise":true"#)).count()
}

#[tokio::test(flavor = "multi_thread")]
async fn an_exercise_run_is_marked_and_removed_without_touching_real_data() {
    let (plan, site) = prepare("technical-fire-icu").unwrap();
    let data = tempfile::tempdir().unwrap();
    let config = Config {
        listen: SocketAddr::from(([127, 0, 0, 1], 0)),
        data_dir: data.path().to_owned(),
        sources: plan.sources.clone(),
        ..Config::default()
    };
    let server = safecare_server::start(config).await.unwrap();
    server.state.replace_inventory(site).await.unwrap();
    let real = target_for(&server, &plan).await.unwrap();
    real.send("api", None, &[real_break_in(1)]).await.unwrap();
    caught_up(&real).await;
    let before = counts(&server).await;
    assert_eq!(before.incidents, 1);

    // The drill, with a real break-in in the middle of it.
    let drill = real.clone().exercise(RUN);
    let options = RunOptions { seed: 3, speed: 10.0, progress: false, announce: false, wait_ack: None };
    let (report, ()) = tokio::join!(run(&plan, &drill, options), async {
        tokio::time::sleep(Duration::from_millis(800)).await;
        real.send("api", None, &[real_break_in(2)]).await.unwrap();
    });
    let report = report.unwrap();
    assert!(report.passed, "{}", report.table());
    caught_up(&real).await;
    let during = counts(&server).await;
    assert!(during.events > before.events + 1 && during.alerts > before.alerts + 1, "{during:?}");

    // Exercise incidents are marked, on the dashboard too; the real
    // break-in joined none of them.
    let admin =
        provision::issue_token(server.state.accounts.as_ref(), "pages", Role::Admin, None, "test").await.unwrap();
    let page = |path: String| {
        let (url, admin) = (format!("{}{path}", server.url()), admin.clone());
        async move { reqwest::Client::new().get(url).bearer_auth(admin).send().await.unwrap().text().await.unwrap() }
    };
    let list = page("/incidents".into()).await;
    assert_eq!(list.matches(r#"class="exercise-tag""#).count(), during_exercise_incidents(&server).await, "{list}");
    let mut exercise = 0;
    for incident in real.incidents().await.unwrap() {
        let record = real.incident(&incident.id.to_string()).await.unwrap();
        let alerts: Vec<_> = server.state.incidents.alerts(&record).await.unwrap();
        let marked = alerts.iter().filter(|a| a.safecare.exercise.as_deref() == Some(RUN)).count();
        let shown = page(format!("/incidents/{}", incident.id)).await;
        assert_eq!(shown.contains(r#"id="exercise-banner""#), record.exercise);
        if record.exercise {
            exercise += 1;
            assert_eq!(record.exercise_run.as_deref(), Some(RUN));
            assert_eq!(marked, alerts.len(), "an exercise incident holds a real alert");
        } else {
            assert_eq!(marked, 0, "a real incident holds an exercise alert");
        }
    }
    assert!(exercise >= 1);

    let removed = real.remove_exercise(RUN).await.unwrap();
    assert!(removed["events"].as_u64().unwrap() >= 2, "{removed}");
    assert_eq!(removed["incidents"].as_u64().unwrap(), exercise);
    let after = counts(&server).await;
    // The second break-in is real: one event more, and its alert; it joined
    // the incident of the first (same door).
    assert_eq!(after.events, before.events + 1);
    assert_eq!(after.alerts, before.alerts + 1);
    assert_eq!(after.incidents, before.incidents);
    for incident in real.incidents().await.unwrap() {
        assert!(!real.incident(&incident.id.to_string()).await.unwrap().exercise);
    }
    // Removing again finds nothing; the removal is in the audit log.
    let again = real.remove_exercise(RUN).await.unwrap();
    assert_eq!(again["events"], 0);
    let audit = server.state.privacy.audit.store().all().await.unwrap();
    assert!(audit.iter().any(|e| e.action == "exercise.remove" && e.target == RUN), "{audit:?}");
    server.stop().await.unwrap();
}
