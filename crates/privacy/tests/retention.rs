//! Retention durations, cut-offs and the dry-run purge plan.
#![allow(clippy::unwrap_used, clippy::expect_used)]

use safecare_model::Timestamp;
use safecare_privacy::{DataClass, ParseRetentionError, PurgePlan, Retention, RetentionPolicy};

fn now() -> Timestamp {
    "2026-11-28T10:00:00Z".parse().unwrap()
}

#[test]
fn durations_parse_and_print_back() {
    for text in ["36h", "90d", "12w", "7y", "forever"] {
        let r: Retention = text.parse().unwrap();
        assert_eq!(r.to_string(), text);
    }
    assert_eq!("FOREVER".parse::<Retention>().unwrap(), Retention::Forever);
    assert_eq!("90d".parse::<Retention>().unwrap().duration().unwrap().as_hours(), 90 * 24);
}

#[test]
fn bad_durations_are_refused_with_a_reason() {
    for text in ["", "d", "90", "90m", "90 days", "-5d", "1.5d", "90dd", "é"] {
        assert!(matches!(text.parse::<Retention>(), Err(ParseRetentionError::Format(_))), "{text}");
    }
    assert!(matches!("0d".parse::<Retention>(), Err(ParseRetentionError::Zero(_))));
    assert!(matches!("101y".parse::<Retention>(), Err(ParseRetentionError::TooLong(_))));
    assert!(matches!("99999999999d".parse::<Retention>(), Err(ParseRetentionError::TooLong(_))));
}

#[test]
fn cutoffs_are_now_minus_retention() {
    let policy: RetentionPolicy = serde_json::from_str(
        r#"{"raw_events": "30d", "alerts": "2w", "incidents": "forever", "vault_entries": "48h"}"#,
    )
    .unwrap();
    let cutoffs = policy.cutoffs(now());
    assert_eq!(
        cutoffs,
        vec![
            (DataClass::RawEvents, Some("2026-10-29T10:00:00Z".parse().unwrap())),
            (DataClass::Alerts, Some("2026-11-14T10:00:00Z".parse().unwrap())),
            (DataClass::Incidents, None),
            (DataClass::VaultEntries, Some("2026-11-26T10:00:00Z".parse().unwrap())),
        ]
    );
}

#[test]
fn policy_has_defaults_and_refuses_unknown_classes() {
    let policy: RetentionPolicy = serde_json::from_str(r#"{"alerts": "2y"}"#).unwrap();
    assert_eq!(policy.raw_events, RetentionPolicy::default().raw_events);
    assert_eq!(policy.alerts.to_string(), "2y");
    assert!(serde_json::from_str::<RetentionPolicy>(r#"{"raw_event": "2d"}"#).is_err());
    assert!(serde_json::from_str::<RetentionPolicy>(r#"{"alerts": "2 years"}"#).is_err());
    let yaml: RetentionPolicy = serde_saphyr::from_str("raw_events: 14d\nincidents: forever\n").unwrap();
    assert_eq!(yaml.incidents, Retention::Forever);
    assert_eq!(serde_json::to_value(&yaml).unwrap()["raw_events"], "14d");
}

#[test]
fn purge_plan_lists_every_class_and_totals_counts() {
    let mut plan = PurgePlan::new(&RetentionPolicy::default(), now());
    assert_eq!(plan.items.len(), 4);
    assert!(plan.items.iter().all(|i| i.count.is_none()));
    plan.set_count(DataClass::RawEvents, 1200);
    plan.set_count(DataClass::VaultEntries, 35);
    assert_eq!(plan.total(), 1235);
    let text = plan.to_string();
    assert!(
        text.contains("raw_events") && text.contains("1200") && text.contains("older than 2026-08-30T10:00:00Z"),
        "{text}"
    );
    assert!(text.lines().any(|l| l.contains("alerts") && l.contains('?')), "{text}");
}
