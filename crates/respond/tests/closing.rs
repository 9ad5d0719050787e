//! Closing an incident that needs no response work (false positive,
//! benign, duplicate) in one step, skipping the rest of a playbook with one
//! note, and errors that name tasks by their titles.
#![allow(clippy::unwrap_used, clippy::expect_used)]

mod common;

use common::{library, record, t};
use safecare_model::IncidentStatus;
use safecare_respond::{
    ClockConfig, CloseError, Disposition, TaskError, TaskStatus, TimelineAction, Transition, TransitionError,
    apply_transition, attach_playbook, close_as, close_as_duplicate, complete_task, mark_significant,
    record_submission, skip_remaining,
};

fn with_ransomware_tasks() -> safecare_respond::IncidentRecord {
    let mut rec = record("Ransomware", "2026-03-10T08:00:00Z");
    attach_playbook(&mut rec, library().get("ransomware").unwrap(), "alice", t("2026-03-10T08:00:00Z")).unwrap();
    rec
}

#[test]
fn a_false_positive_closes_in_one_step_from_new_with_its_tasks() {
    let mut rec = with_ransomware_tasks();
    let pending = rec.tasks.len();
    assert!(pending > 3);
    let at = t("2026-03-10T08:10:00Z");
    assert_eq!(
        close_as(&mut rec, Disposition::FalsePositive, "  ", "bob", at),
        Err(CloseError::EmptyReason(Disposition::FalsePositive))
    );
    assert_eq!(close_as(&mut rec, Disposition::Duplicate, "same", "bob", at), Err(CloseError::NoOriginal));
    let before = rec.timeline.len();
    close_as(&mut rec, Disposition::FalsePositive, "backup job run by IT", "bob", at).unwrap();

    assert_eq!(rec.incident.status, IncidentStatus::Closed);
    let closure = rec.closure.as_ref().unwrap();
    assert_eq!(
        (closure.disposition, closure.reason.as_str(), closure.by.as_str()),
        (Disposition::FalsePositive, "backup job run by IT", "bob")
    );
    assert!(rec.tasks.iter().all(|task| matches!(&task.status,
        TaskStatus::Skipped(s) if s.by == "bob" && s.note == "closed as false_positive: backup job run by IT")));
    assert_eq!(rec.timeline.len(), before + 1, "one timeline entry");
    let entry = rec.timeline.last().unwrap();
    assert_eq!(entry.action, TimelineAction::StatusChanged);
    assert!(entry.detail.contains(&format!("{pending} pending tasks skipped")), "{}", entry.detail);
    assert!(entry.detail.starts_with("close as false_positive: new → closed"), "{}", entry.detail);
    assert_eq!(close_as(&mut rec, Disposition::Benign, "again", "bob", at), Err(CloseError::AlreadyClosed));

    // Reopening takes the disposition off.
    apply_transition(&mut rec, Transition::Reopen, "carol", t("2026-03-10T09:00:00Z")).unwrap();
    assert!(rec.closure.is_none());
}

#[test]
fn done_tasks_stay_done_and_owed_reports_block_closing() {
    let config = ClockConfig::with_default_reminders("Europe/Paris").unwrap();
    let mut rec = with_ransomware_tasks();
    complete_task(&mut rec, "ransomware/triage", "bob", "3 hosts", t("2026-03-10T08:05:00Z")).unwrap();
    mark_significant(&mut rec, &config, "bob", t("2026-03-10T08:00:00Z"), t("2026-03-10T08:06:00Z")).unwrap();
    let at = t("2026-03-10T08:10:00Z");
    match close_as(&mut rec, Disposition::Benign, "pen test", "bob", at) {
        Err(CloseError::ReportsOwed { clocks }) => assert_eq!(clocks.len(), 3, "{clocks:?}"),
        other => panic!("closed with reports owed: {other:?}"),
    }
    for kind in [
        safecare_respond::ClockKind::Nis2EarlyWarning,
        safecare_respond::ClockKind::Nis2Notification,
        safecare_respond::ClockKind::Nis2FinalReport,
    ] {
        record_submission(&mut rec, &config, kind, "bob", "ref 1", at).unwrap();
    }
    close_as(&mut rec, Disposition::Benign, "pen test", "bob", at).unwrap();
    assert!(matches!(&rec.tasks[0].status, TaskStatus::Done(s) if s.note == "3 hosts"));
}

#[test]
fn a_duplicate_is_merged_into_its_original_whose_tasks_stay_open() {
    let mut original = with_ransomware_tasks();
    let mut duplicate = with_ransomware_tasks();
    let at = t("2026-03-10T08:10:00Z");
    close_as_duplicate(&mut duplicate, &mut original, "same host, same hour", "bob", at).unwrap();

    assert_eq!(duplicate.incident.status, IncidentStatus::Closed);
    assert_eq!(duplicate.merged_into, Some(original.id()));
    let closure = duplicate.closure.as_ref().unwrap();
    assert_eq!((closure.disposition, closure.duplicate_of), (Disposition::Duplicate, Some(original.id())));
    assert!(duplicate.tasks.iter().all(|task| !task.is_pending()));
    assert!(original.tasks.iter().all(|task| task.is_pending()), "the work goes on in the original");
    assert!(original.incident.status.is_open());
    assert!(original.timeline.iter().any(|e| e.action == TimelineAction::MergedFrom));

    let mut closed = with_ransomware_tasks();
    close_as(&mut closed, Disposition::FalsePositive, "nothing", "bob", at).unwrap();
    let mut another = with_ransomware_tasks();
    assert!(matches!(
        close_as_duplicate(&mut another, &mut closed, "dup", "bob", at),
        Err(CloseError::Merge(safecare_respond::MergeError::Closed { .. }))
    ));
    assert!(another.incident.status.is_open(), "a refused duplicate stays as it was");
}

#[test]
fn the_rest_of_a_playbook_is_skipped_with_one_note() {
    let mut rec = with_ransomware_tasks();
    attach_playbook(&mut rec, library().get("phishing").unwrap(), "alice", t("2026-03-10T08:00:00Z")).unwrap();
    complete_task(&mut rec, "ransomware/triage", "bob", "", t("2026-03-10T08:05:00Z")).unwrap();
    let at = t("2026-03-10T08:10:00Z");
    assert_eq!(skip_remaining(&mut rec, Some("ransomware"), "bob", " ", at), Err(TaskError::EmptyReason));
    assert_eq!(
        skip_remaining(&mut rec, Some("fire"), "bob", "why", at),
        Err(TaskError::UnknownPlaybook("fire".into()))
    );
    let ransomware_pending = rec.tasks.iter().filter(|t| t.playbook == "ransomware" && t.is_pending()).count();
    let before = rec.timeline.len();
    let skipped = skip_remaining(&mut rec, Some("ransomware"), "bob", "contained at triage", at).unwrap();
    assert_eq!(skipped, ransomware_pending);
    assert_eq!(rec.timeline.len(), before + 1);
    assert_eq!(rec.timeline.last().unwrap().action, TimelineAction::TaskSkipped);
    assert!(rec.tasks.iter().filter(|t| t.playbook == "ransomware").all(|t| !t.is_pending()));
    assert!(rec.tasks.iter().filter(|t| t.playbook == "phishing").all(|t| t.is_pending()), "other playbooks stay");
    assert_eq!(skip_remaining(&mut rec, Some("ransomware"), "bob", "again", at), Err(TaskError::NothingPending));
    skip_remaining(&mut rec, None, "bob", "no mail involved", at).unwrap();
    assert!(rec.tasks.iter().all(|t| !t.is_pending()));
}

#[test]
fn resolving_with_pending_tasks_names_their_titles_not_ids() {
    let mut rec = with_ransomware_tasks();
    for (step, at) in [(Transition::Acknowledge, "08:01"), (Transition::Start, "08:02")] {
        apply_transition(&mut rec, step, "bob", t(&format!("2026-03-10T{at}:00Z"))).unwrap();
    }
    let err = apply_transition(&mut rec, Transition::Resolve, "bob", t("2026-03-10T08:03:00Z")).unwrap_err();
    let TransitionError::PendingTasks { tasks } = &err else { panic!("{err:?}") };
    assert_eq!(tasks[0], rec.tasks[0].task.title);
    let text = err.to_string();
    assert!(text.contains(&format!("\"{}\"", rec.tasks[0].task.title)), "{text}");
    assert!(!text.contains("ransomware/"), "no internal ids: {text}");
    assert!(text.contains("skip the rest with one note"), "{text}");
    if rec.tasks.len() > 5 {
        assert!(text.contains(&format!("and {} more", rec.tasks.len() - 5)), "{text}");
    }
}
