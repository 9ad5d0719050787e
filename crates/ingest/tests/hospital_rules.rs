//! Physical MQTT messages, decoded by ingest, fire the hospital rule pack's
//! rules: the decoder and the rules share one schema (docs/detection.md).
#![allow(clippy::unwrap_used, clippy::expect_used)]

use std::collections::BTreeSet;

use safecare_detect::RuleSet;
use safecare_ingest::decode::sensor_map::SensorMap;
use safecare_ingest::decode::{Context, physical};

const PACK: &str = concat!(env!("CARGO_MANIFEST_DIR"), "/../../content/rules/hospital");

fn pack() -> RuleSet {
    let rules = RuleSet::load_dirs(&[PACK]).expect("hospital rule pack directory");
    assert_eq!(rules.refused(), [], "{}", rules.summary());
    rules
}

/// The names of the rules one decoded MQTT message raises alerts for.
fn fired(rules: &RuleSet, topic: &str, payload: &str) -> BTreeSet<String> {
    let ctx = Context::new("mqtt").received_at("2026-01-05T12:00:00Z".parse().expect("time"));
    let event = physical::decode(topic, payload.as_bytes(), &ctx).unwrap_or_else(|e| panic!("{topic}: {e}"));
    rules
        .detect(&event)
        .iter()
        .filter_map(|alert| alert.safecare.rule.as_deref())
        .filter_map(|id| rules.rule(id))
        .filter_map(|meta| meta.name.clone())
        .collect()
}

fn assert_fires(rules: &RuleSet, rule: &str, topic: &str, payload: &str) {
    let names = fired(rules, topic, payload);
    assert!(names.contains(rule), "{rule} did not fire for {topic} {payload}; fired: {names:?}");
}

fn assert_quiet(rules: &RuleSet, rule: &str, topic: &str, payload: &str) {
    let names = fired(rules, topic, payload);
    assert!(!names.contains(rule), "{rule} fired for the near miss {topic} {payload}");
}

#[test]
fn forced_pharmacy_door_fires_its_rule() {
    let rules = pack();
    let rule = "hospital-door-forced-pharmacy";
    let forced = r#"{"action":"forced","door":"D-PH-01","reader":"R-PH-01","location":{"building":"main","floor":"0","zone":"pharmacy","room":"0.12"}}"#;
    assert_fires(&rules, rule, "safecare/hq/physical/access_control/ctrl-7", forced);
    // A gateway still on the previous names raises the same alert.
    let legacy = r#"{"event":"forced","door":"D-PH-01","location":{"zone":"pharmacy"}}"#;
    assert_fires(&rules, rule, "safecare/hq/physical/access/ctrl-7", legacy);
    let elsewhere = r#"{"action":"forced","door":"D-IC-01","location":{"zone":"icu"}}"#;
    assert_quiet(&rules, rule, "safecare/hq/physical/access_control/ctrl-8", elsewhere);
    assert_fires(&rules, "hospital-door-forced-icu", "safecare/hq/physical/access_control/ctrl-8", elsewhere);
    let granted = r#"{"action":"granted","door":"D-PH-01","location":{"zone":"pharmacy"}}"#;
    assert_quiet(&rules, rule, "safecare/hq/physical/access_control/ctrl-7", granted);
}

#[test]
fn long_loitering_fires_the_loitering_rule() {
    let rules = pack();
    let rule = "hospital-loitering";
    let topic = "safecare/hq/physical/video_analytics/cam-4";
    let long = r#"{"analytic":"loitering","camera":"cam-4","dwell_seconds":420,"confidence":0.92,"location":{"zone":"pharmacy","room":"0.10"}}"#;
    assert_fires(&rules, rule, topic, long);
    assert_fires(&rules, rule, "safecare/hq/physical/video/cam-4", r#"{"event":"loitering","dwell_seconds":300}"#);
    assert_quiet(&rules, rule, topic, r#"{"analytic":"loitering","camera":"cam-4","dwell_seconds":60}"#);
    assert_quiet(&rules, rule, topic, r#"{"analytic":"crowd","camera":"cam-4","dwell_seconds":900}"#);
}

#[test]
fn fire_alarm_fires_the_fire_rule() {
    let rules = pack();
    let rule = "hospital-fire-alarm";
    let topic = "safecare/hq/building/fire_alarm/det-9";
    assert_fires(&rules, rule, topic, r#"{"alarm":"smoke","state":"alarm","detector":"SD-2-14"}"#);
    assert_fires(&rules, rule, "safecare/hq/building/fire/det-9", r#"{"event":"smoke"}"#);
    assert_quiet(&rules, rule, topic, r#"{"alarm":"smoke","state":"restored","detector":"SD-2-14"}"#);
}

#[test]
fn warm_freezer_fires_the_cold_chain_rule() {
    let rules = pack();
    let rule = "hospital-freezer-excursion";
    let topic = "safecare/hq/building/environment/fz-ph-1";
    let warm = r#"{"sensor":"FZ-PH-1","metric":"temperature","value":-9.5,"unit":"°C","equipment":"freezer"}"#;
    assert_fires(&rules, rule, topic, warm);
    assert_fires(&rules, rule, topic, r#"{"temperature":-3,"equipment":"freezer"}"#);
    let cold = r#"{"sensor":"FZ-PH-1","metric":"temperature","value":-24,"unit":"°C","equipment":"freezer"}"#;
    assert_quiet(&rules, rule, topic, cold);
}

/// The rules fired by every event a flat gateway message gives through a
/// sensor mapping table.
fn fired_by_sensor(rules: &RuleSet, map: &SensorMap, topic: &str, payload: &str) -> BTreeSet<String> {
    let ctx = Context::new("mqtt").received_at("2026-01-05T12:00:00Z".parse().expect("time"));
    let events = map.decode(topic, payload.as_bytes(), &ctx).unwrap_or_else(|e| panic!("{topic}: {e}"));
    events
        .iter()
        .flat_map(|event| rules.detect(event))
        .filter_map(|alert| alert.safecare.rule.clone())
        .filter_map(|id| rules.rule(&id).and_then(|meta| meta.name.clone()))
        .collect()
}

fn gateways() -> SensorMap {
    serde_json::from_value(serde_json::json!({"rules": [
        {"topic": "gateway/+/theatre/#", "location": {"building": "main", "zone": "theatre", "room": "OT-2"},
         "equipment": "room", "measurements": {"temperature": "temperature", "humidity": "humidity"}},
        {"topic": "gateway/+/pharmacy/#", "equipment": "pharmacy_fridge", "device_field": "id",
         "measurements": {"t": "temperature"}},
        {"topic": "gateway/+/freezer/#", "equipment": "freezer", "measurements": {"temperature": "temperature"}}
    ]}))
    .expect("sensor map")
}

#[test]
fn flat_gateway_messages_fire_the_environment_rules() {
    let rules = pack();
    let map = gateways();
    let theatre =
        fired_by_sensor(&rules, &map, "gateway/pi-1/theatre/ot-2", r#"{"temperature": 31.5, "humidity": 70}"#);
    assert!(theatre.contains("hospital-theatre-temperature"), "{theatre:?}");
    assert!(theatre.contains("hospital-theatre-humidity"), "{theatre:?}");
    let comfortable =
        fired_by_sensor(&rules, &map, "gateway/pi-1/theatre/ot-2", r#"{"temperature": 21, "humidity": 45}"#);
    assert!(comfortable.is_empty(), "{comfortable:?}");
    // The payload's own zone wins over the rule's: a ward is not a theatre.
    let ward = fired_by_sensor(&rules, &map, "gateway/pi-1/theatre/x", r#"{"temperature": 31.5, "zone": "ward"}"#);
    assert!(ward.is_empty(), "{ward:?}");

    let fridge = fired_by_sensor(&rules, &map, "gateway/pi-2/pharmacy/f1", r#"{"id": "fr-ph-1", "t": 9.1}"#);
    assert!(fridge.contains("hospital-fridge-excursion"), "{fridge:?}");
    let cool = fired_by_sensor(&rules, &map, "gateway/pi-2/pharmacy/f1", r#"{"id": "fr-ph-1", "t": 5}"#);
    assert!(cool.is_empty(), "{cool:?}");
    let freezer = fired_by_sensor(&rules, &map, "gateway/pi-3/freezer/fz1", r#"{"temperature": -9.5}"#);
    assert!(freezer.contains("hospital-freezer-excursion"), "{freezer:?}");
}

/// The rules one DICOM activity record, decoded by ingest, raises alerts for.
fn fired_by_dicom(rules: &RuleSet, record: serde_json::Value) -> BTreeSet<String> {
    let ctx = Context::new("pacs-monitor").received_at("2026-01-05T12:00:00Z".parse().expect("time"));
    let event = safecare_ingest::decode::dicom::decode(record.to_string().as_bytes(), &ctx).expect("dicom record");
    rules
        .detect(&event)
        .iter()
        .filter_map(|alert| alert.safecare.rule.as_deref())
        .filter_map(|id| rules.rule(id))
        .filter_map(|meta| meta.name.clone())
        .collect()
}

#[test]
fn dicom_records_fire_the_dicom_rules() {
    let rules = pack();
    let record = |activity: &str, extra: serde_json::Value| {
        let mut record = serde_json::json!({"activity": activity, "time": "2026-01-05T02:00:00Z",
            "calling_ae": "EVIL_SCU", "called_ae": "PACS_MAIN"});
        record.as_object_mut().unwrap().extend(extra.as_object().unwrap().clone());
        record
    };
    let stranger = fired_by_dicom(
        &rules,
        record(
            "association",
            serde_json::json!({"calling_ae_known": false, "peer_expected": false, "schedule": "outside"}),
        ),
    );
    assert!(stranger.contains("hospital-dicom-unknown-ae"), "{stranger:?}");
    assert!(stranger.contains("hospital-dicom-after-hours"), "{stranger:?}");
    let known = fired_by_dicom(
        &rules,
        record("association", serde_json::json!({"calling_ae_known": true, "schedule": "inside"})),
    );
    assert!(known.is_empty(), "{known:?}");
    let store =
        fired_by_dicom(&rules, record("command", serde_json::json!({"command": "C-STORE", "peer_expected": false})));
    assert!(store.contains("hospital-dicom-store-unexpected-peer"), "{store:?}");
    let store =
        fired_by_dicom(&rules, record("command", serde_json::json!({"command": "C-STORE", "peer_expected": true})));
    assert!(store.is_empty(), "{store:?}");
    let echo =
        fired_by_dicom(&rules, record("command", serde_json::json!({"command": "C-ECHO", "peer_expected": false})));
    assert!(echo.is_empty(), "{echo:?}");
}
