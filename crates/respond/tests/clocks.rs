//! NIS2 and GDPR deadlines (including across a DST change), reminders,
//! submissions and report templates.
#![allow(clippy::unwrap_used, clippy::expect_used)]

mod common;

use common::{record, t};
use jiff::SignedDuration;
use safecare_model::{Alert, AlertCause, Language, Severity};
use safecare_respond::{
    ClockConfig, ClockError as E, ClockKind as K, ReminderStage, ReportContext, ReportKind, TimelineAction,
    mark_personal_data_breach, mark_significant, record_reminder_sent, record_submission, reminders_due, render_report,
    render_report_in,
};

fn paris() -> ClockConfig {
    ClockConfig::with_default_reminders("Europe/Paris").unwrap()
}

fn due(rec: &safecare_respond::IncidentRecord, kind: K) -> jiff::Timestamp {
    rec.clocks.iter().find(|c| c.kind == kind).unwrap().due
}

#[test]
fn nis2_deadlines_across_the_spring_dst_change() {
    // Aware 10 March 09:00 in Paris (UTC+1); clocks go forward on 29 March.
    let mut rec = record("x", "2026-03-10T08:00:00Z");
    mark_significant(&mut rec, &paris(), "bob", t("2026-03-10T08:00:00Z"), t("2026-03-10T08:30:00Z")).unwrap();
    assert_eq!(due(&rec, K::Nis2EarlyWarning), t("2026-03-11T08:00:00Z"));
    assert_eq!(due(&rec, K::Nis2Notification), t("2026-03-13T08:00:00Z"));
    // 10 April 09:00 in Paris is now UTC+2: 07:00Z, 31 days minus one hour.
    assert_eq!(due(&rec, K::Nis2FinalReport), t("2026-04-10T07:00:00Z"));
    let significant = rec.significant.as_ref().unwrap();
    assert_eq!((significant.by.as_str(), significant.aware_at), ("bob", t("2026-03-10T08:00:00Z")));
    let entry = rec.timeline.last().unwrap();
    assert_eq!((entry.action, entry.actor.as_str()), (TimelineAction::MarkedSignificant, "bob"));
    assert!(entry.detail.contains("2026-04-10 09:00 CEST"), "{}", entry.detail);
}

#[test]
fn hour_deadlines_are_elapsed_time_across_dst() {
    // Aware 27 March 10:00 Paris (CET, 09:00Z); 72 h later is 30 March
    // 09:00Z = 11:00 CEST on the wall clock, not 10:00.
    let mut rec = record("x", "2026-03-27T09:00:00Z");
    mark_personal_data_breach(&mut rec, &paris(), "dpo", t("2026-03-27T09:00:00Z"), t("2026-03-27T09:00:00Z")).unwrap();
    assert_eq!(due(&rec, K::GdprArt33), t("2026-03-30T09:00:00Z"));
    assert!(rec.timeline.last().unwrap().detail.contains("2026-03-30 11:00 CEST"));
}

#[test]
fn final_report_month_in_autumn_and_at_month_end() {
    // Aware 15 October 10:00 CEST (08:00Z); 15 November 10:00 CET = 09:00Z.
    let mut rec = record("x", "2026-10-15T08:00:00Z");
    mark_significant(&mut rec, &paris(), "bob", t("2026-10-15T08:00:00Z"), t("2026-10-15T08:00:00Z")).unwrap();
    assert_eq!(due(&rec, K::Nis2FinalReport), t("2026-11-15T09:00:00Z"));
    // 31 January + one month is the last day of February.
    let mut rec = record("x", "2026-01-31T11:00:00Z");
    mark_significant(&mut rec, &paris(), "bob", t("2026-01-31T11:00:00Z"), t("2026-01-31T11:00:00Z")).unwrap();
    assert_eq!(due(&rec, K::Nis2FinalReport), t("2026-02-28T11:00:00Z"));
}

#[test]
fn notification_submission_re_anchors_the_final_report() {
    let config = paris();
    let mut rec = record("x", "2026-03-10T08:00:00Z");
    mark_significant(&mut rec, &config, "bob", t("2026-03-10T08:00:00Z"), t("2026-03-10T08:00:00Z")).unwrap();
    assert_eq!(
        record_submission(&mut rec, &config, K::Nis2FinalReport, "bob", "", t("2026-03-11T08:00:00Z")),
        Err(E::NotificationFirst)
    );
    record_submission(&mut rec, &config, K::Nis2Notification, "bob", "ref CSIRT-42", t("2026-03-12T15:00:00Z"))
        .unwrap();
    // 12 March 16:00 CET + one month = 12 April 16:00 CEST = 14:00Z.
    assert_eq!(due(&rec, K::Nis2FinalReport), t("2026-04-12T14:00:00Z"));
    assert_eq!(
        record_submission(&mut rec, &config, K::Nis2Notification, "carol", "", t("2026-03-12T16:00:00Z")),
        Err(E::AlreadySubmitted { kind: K::Nis2Notification, by: "bob".into() })
    );
    assert_eq!(
        record_submission(&mut rec, &config, K::GdprArt33, "bob", "", t("2026-03-12T16:00:00Z")),
        Err(E::NoSuchClock(K::GdprArt33))
    );
}

#[test]
fn marking_errors_are_specific() {
    let config = paris();
    let mut rec = record("x", "2026-03-10T08:00:00Z");
    assert_eq!(
        mark_significant(&mut rec, &config, "bob", t("2026-03-10T09:00:00Z"), t("2026-03-10T08:00:00Z")),
        Err(E::AwarenessInFuture { aware_at: t("2026-03-10T09:00:00Z"), at: t("2026-03-10T08:00:00Z") })
    );
    mark_significant(&mut rec, &config, "bob", t("2026-03-10T08:00:00Z"), t("2026-03-10T08:00:00Z")).unwrap();
    assert_eq!(
        mark_significant(&mut rec, &config, "carol", t("2026-03-10T08:00:00Z"), t("2026-03-10T09:00:00Z")),
        Err(E::AlreadyMarked { by: "bob".into(), at: t("2026-03-10T08:00:00Z") })
    );
    assert_eq!(
        ClockConfig::with_default_reminders("Mars/Olympus").unwrap_err(),
        E::UnknownTimeZone("Mars/Olympus".into())
    );
    assert_eq!(ClockConfig::new("UTC", &[SignedDuration::ZERO]).unwrap_err(), E::NonPositiveReminder);
}

#[test]
fn reminders_come_at_6h_1h_and_overdue_once_each() {
    let config = paris();
    let mut rec = record("x", "2026-03-10T08:00:00Z");
    mark_personal_data_breach(&mut rec, &config, "dpo", t("2026-03-10T08:00:00Z"), t("2026-03-10T08:00:00Z")).unwrap();
    // Due 13 March 08:00Z.
    assert!(reminders_due(&rec, &config, t("2026-03-13T01:59:00Z")).is_empty());
    let six = reminders_due(&rec, &config, t("2026-03-13T02:00:00Z"));
    assert_eq!(six.len(), 1);
    assert_eq!((six[0].kind, six[0].stage), (K::GdprArt33, ReminderStage::Before { minutes: 360 }));
    assert_eq!(six[0].fire_at, t("2026-03-13T02:00:00Z"));
    record_reminder_sent(&mut rec, &six[0], t("2026-03-13T02:00:00Z")).unwrap();
    assert!(reminders_due(&rec, &config, t("2026-03-13T06:59:00Z")).is_empty(), "not twice");
    let one = reminders_due(&rec, &config, t("2026-03-13T07:00:00Z"));
    assert_eq!(one[0].stage, ReminderStage::Before { minutes: 60 });
    record_reminder_sent(&mut rec, &one[0], t("2026-03-13T07:00:00Z")).unwrap();
    let late = reminders_due(&rec, &config, t("2026-03-13T09:00:00Z"));
    assert_eq!(late[0].stage, ReminderStage::Overdue);
    record_reminder_sent(&mut rec, &late[0], t("2026-03-13T09:00:00Z")).unwrap();
    assert!(reminders_due(&rec, &config, t("2026-03-20T00:00:00Z")).is_empty());
    assert_eq!(rec.timeline.iter().filter(|e| e.action == TimelineAction::ReminderSent).count(), 3);
    let json = serde_json::to_string(&rec).unwrap();
    assert_eq!(serde_json::from_str::<safecare_respond::IncidentRecord>(&json).unwrap(), rec, "{json}");
}

#[test]
fn missed_reminders_collapse_and_submitted_clocks_stay_quiet() {
    let config = paris();
    let mut rec = record("x", "2026-03-10T08:00:00Z");
    mark_significant(&mut rec, &config, "bob", t("2026-03-10T08:00:00Z"), t("2026-03-10T08:00:00Z")).unwrap();
    // 30 min before the early warning is due: the 1 h reminder, not the 6 h.
    let due_now = reminders_due(&rec, &config, t("2026-03-11T07:30:00Z"));
    assert_eq!(due_now.len(), 1);
    assert_eq!((due_now[0].kind, due_now[0].stage), (K::Nis2EarlyWarning, ReminderStage::Before { minutes: 60 }));
    record_submission(&mut rec, &config, K::Nis2EarlyWarning, "bob", "", t("2026-03-11T07:40:00Z")).unwrap();
    assert!(reminders_due(&rec, &config, t("2026-03-11T09:00:00Z")).is_empty());
    // A reminder computed before the notification moved the final report is stale.
    let before_move = reminders_due(&rec, &config, t("2026-04-10T06:30:00Z"));
    let final_reminder = before_move.iter().find(|r| r.kind == K::Nis2FinalReport).unwrap().clone();
    record_submission(&mut rec, &config, K::Nis2Notification, "bob", "", t("2026-03-12T08:00:00Z")).unwrap();
    assert_eq!(
        record_reminder_sent(&mut rec, &final_reminder, t("2026-04-10T06:30:00Z")),
        Err(E::StaleReminder { kind: K::Nis2FinalReport, due: t("2026-04-10T07:00:00Z") })
    );
}

#[test]
fn reports_are_prefilled_from_the_incident() {
    let config = paris();
    let mut rec = record("Ransomware on the file server", "2026-03-10T08:00:00Z");
    rec.incident.threat = Some("ransomware".into());
    rec.incident.assets = vec!["srv-file-01".into()];
    rec.incident.tags = vec!["attack.t1486".into()];
    rec.impact_summary = Some("Radiology reporting degraded via srv-file-01 → PACS.".into());
    mark_significant(&mut rec, &config, "bob", t("2026-03-10T08:00:00Z"), t("2026-03-10T08:00:00Z")).unwrap();
    mark_personal_data_breach(&mut rec, &config, "dpo", t("2026-03-10T09:00:00Z"), t("2026-03-10T09:00:00Z")).unwrap();
    let mut alert = Alert::new("Mass file encryption on srv-file-01", Severity::Critical);
    alert.create_time = t("2026-03-10T07:55:00Z");
    alert.cause = Some(AlertCause::Malicious);
    let alerts = [alert];
    let ctx = ReportContext {
        record: &rec,
        alerts: &alerts,
        clocks: &config,
        organisation: "CH Exemple",
        now: t("2026-03-10T10:00:00Z"),
    };
    let early = render_report(ReportKind::Nis2EarlyWarning, &ctx);
    for fact in [
        "# NIS2 early warning — Ransomware on the file server",
        "Reporting entity: CH Exemple",
        "Aware since: 2026-03-10 09:00 CET",
        "Due: 2026-03-11 09:00 CET",
        "Type of threat: ransomware",
        "2026-03-10 08:55 CET — Mass file encryption on srv-file-01 (critical)",
        "Yes: at least one alert is classified as malicious.",
        "Cross-border impact",
    ] {
        assert!(early.contains(fact), "missing {fact:?} in\n{early}");
    }
    assert!(!early.contains("## Impact"), "the early warning stays short");

    let notification = render_report(ReportKind::Nis2Notification, &ctx);
    for fact in ["Radiology reporting degraded", "- srv-file-01", "attack.t1486", "## Measures taken"] {
        assert!(notification.contains(fact), "missing {fact:?} in\n{notification}");
    }
    let final_report = render_report(ReportKind::Nis2FinalReport, &ctx);
    assert!(final_report.contains("## Root cause") && final_report.contains("## Timeline"));
    assert!(final_report.contains("Due: 2026-04-10 09:00 CEST"), "{final_report}");
    let gdpr = render_report(ReportKind::GdprNotification, &ctx);
    assert!(gdpr.contains("Aware since: 2026-03-10 10:00 CET"), "{gdpr}");
    assert!(gdpr.contains("Approximate number of data subjects: [to complete"));
    assert!(!gdpr.contains("Cross-border"));

    // The same report in French: French words, day-first times, French task titles.
    let french = render_report_in(Language::Fr, ReportKind::Nis2Notification, &ctx);
    for fact in [
        "# Notification d'incident NIS2 — Ransomware on the file server",
        "- Entité déclarante : CH Exemple",
        "- Connaissance depuis : 10/03/2026 09:00 CET",
        "10/03/2026 08:55 CET — Mass file encryption on srv-file-01 (critical)",
        "## Impact transfrontière",
        "## Mesures prises",
    ] {
        assert!(french.contains(fact), "missing {fact:?} in\n{french}");
    }
    assert!(!french.contains("[to complete"), "{french}");
}
