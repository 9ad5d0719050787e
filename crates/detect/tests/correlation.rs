//! Live correlation: cross-domain joins, alert contents and restarts.
#![allow(clippy::unwrap_used, clippy::expect_used)]

mod common;

use std::sync::Arc;

use common::{events, pack_dir, start};
use safecare_detect::{DetectError, Detector, RuleSet};
use safecare_model::{Domain, Event, Location};
use serde_json::json;

fn pack() -> Arc<RuleSet> {
    Arc::new(RuleSet::load_dirs(&[pack_dir()]).expect("pack dir"))
}

fn server_room() -> Location {
    serde_json::from_value(
        json!({"site": "hq", "building": "main", "floor": "-1", "zone": "server_room", "room": "-1.04"}),
    )
    .expect("location")
}

fn after_hours_badge() -> Event {
    let mut e = Event::new("pacs", Domain::Physical, start(), "badge accepted");
    e.logsource.product = Some("safecare".into());
    e.logsource.category = Some("access_control".into());
    e.location = server_room();
    e.fields = json!({"action": "granted", "schedule": "outside", "badge_holder": "tok-77", "door": "d1"})
        .as_object()
        .cloned()
        .unwrap_or_default();
    e
}

fn usb_in_server_room(minutes: i64) -> Event {
    let mut e = Event::new("wef", Domain::Cyber, start() + jiff::SignedDuration::from_mins(minutes), "");
    e.logsource.product = Some("windows".into());
    e.location = server_room();
    e.asset = Some("srv-dc-01".into());
    e.fields = json!({"Channel": "Security", "EventID": 6416, "ClassName": "DiskDrive"})
        .as_object()
        .cloned()
        .unwrap_or_default();
    e
}

const RULE: &str = "hospital-cp-after-hours-badge-then-usb";

fn in_drill(mut event: Event, run: &str) -> Event {
    event.fields.insert(safecare_model::EXERCISE_FIELD.into(), json!(run));
    event
}

#[test]
fn a_drill_and_real_events_never_complete_one_correlation() {
    let rules = pack();
    let id = rules.rule(RULE).map(|m| m.id.clone());
    let fired = |events: &[Event]| {
        let mut detector = Detector::new(rules.clone());
        let alerts: Vec<_> = events.iter().flat_map(|e| detector.process(e)).collect();
        alerts.into_iter().find(|a| a.safecare.rule == id).map(|a| a.safecare.exercise)
    };
    // Real badge, real USB: a real alert.
    assert_eq!(fired(&[after_hours_badge(), usb_in_server_room(10)]), Some(None));
    // The drill's badge and a real USB (and the other way round): nothing.
    assert_eq!(fired(&[in_drill(after_hours_badge(), "drill-1"), usb_in_server_room(10)]), None);
    assert_eq!(fired(&[after_hours_badge(), in_drill(usb_in_server_room(10), "drill-1")]), None);
    // Two runs do not mix either; one run alone makes its own exercise alert.
    let two_runs = [in_drill(after_hours_badge(), "drill-1"), in_drill(usb_in_server_room(10), "drill-2")];
    assert_eq!(fired(&two_runs), None);
    let one_run = [in_drill(after_hours_badge(), "drill-1"), in_drill(usb_in_server_room(10), "drill-1")];
    assert_eq!(fired(&one_run), Some(Some("drill-1".to_owned())));
}

#[test]
fn physical_and_cyber_events_in_one_room_make_one_alert() {
    let rules = pack();
    let mut detector = Detector::new(rules.clone());
    let badge = after_hours_badge();
    let usb = usb_in_server_room(10);
    detector.process(&badge);
    let alerts = detector.process(&usb);
    let id = rules.rule(RULE).map(|m| m.id.clone());
    let alert = alerts.iter().find(|a| a.safecare.rule == id).expect("correlation alert");
    assert_eq!(alert.safecare.events, [badge.id, usb.id]);
    assert_eq!(alert.safecare.domains, [Domain::Cyber, Domain::Physical]);
    assert_eq!(alert.safecare.location, server_room());
    assert_eq!(alert.safecare.asset.as_deref(), Some("srv-dc-01"));
    assert_eq!(alert.safecare.threat.as_deref(), Some("data_exfiltration"));
    assert_eq!(alert.start_time, Some(badge.time));
    assert_eq!(alert.cease_time, Some(usb.time));
    assert!(alert.safecare.tags.iter().any(|t| t == "attack.t1052.001"));
    assert_eq!(detector.hits().get(id.as_deref().unwrap_or_default()), Some(&1));
}

#[test]
fn an_open_window_survives_a_restart_through_a_snapshot() {
    let rules = pack();
    let id = rules.rule(RULE).map(|m| m.id.clone());
    let mut before = Detector::new(rules.clone());
    before.process(&after_hours_badge());
    let saved = serde_json::to_string(&before.snapshot()).expect("snapshot serialises");
    drop(before);

    let mut after = Detector::new(rules.clone());
    after.restore(serde_json::from_str(&saved).expect("snapshot parses")).expect("restore");
    let fired = after.process(&usb_in_server_room(20));
    assert!(fired.iter().any(|a| a.safecare.rule == id), "window lost across restart");

    let mut amnesiac = Detector::new(rules.clone());
    let fired = amnesiac.process(&usb_in_server_room(20));
    assert!(!fired.iter().any(|a| a.safecare.rule == id), "without the snapshot nothing should fire");

    let mut late = Detector::new(rules);
    late.restore(serde_json::from_str(&saved).expect("snapshot parses")).expect("restore");
    let fired = late.process(&usb_in_server_room(45));
    assert!(!fired.iter().any(|a| a.safecare.rule == id), "a restored window still expires");
}

#[test]
fn a_bad_snapshot_is_refused_clearly() {
    let mut detector = Detector::new(pack());
    let err = detector.restore(json!({"windows": 5})).expect_err("garbage refused");
    assert!(matches!(err, DetectError::BadSnapshot(_)), "{err}");
    detector.restore(serde_json::Value::Null).expect("an empty store restores nothing");
}

#[test]
fn building_blocks_only_feed_correlations() {
    let rules = pack();
    let mut detector = Detector::new(rules.clone());
    let case = serde_json::from_value::<Vec<common::CaseEvent>>(json!([{
        "domain": "cyber", "logsource": {"product": "windows", "service": "security"},
        "fields": {"Channel": "Security", "EventID": 4625, "TargetUserName": "tok-1", "IpAddress": "10.0.0.1"}
    }]))
    .expect("case");
    let alerts: Vec<_> = events(&case).iter().flat_map(|e| detector.process(e)).collect();
    assert!(alerts.is_empty(), "a single failed logon raised {alerts:#?}");
}
