//! Every allowed transition and every refused one, with its error, plus the
//! record-level guards and the timeline.
#![allow(clippy::unwrap_used, clippy::expect_used)]

mod common;

use common::{record, t};
use safecare_model::IncidentStatus as S;
use safecare_respond::{
    ClockConfig, ClockKind, Playbook, TimelineAction, Transition as T, TransitionError as E, apply_transition,
    attach_playbook, check_transition, complete_task, mark_significant, record_submission,
};

#[test]
fn every_pair_of_status_and_transition_has_its_outcome() {
    let expected: [(S, T, Result<S, E>); 25] = [
        (S::New, T::Acknowledge, Ok(S::Acknowledged)),
        (S::New, T::Start, Err(E::NotAcknowledged)),
        (S::New, T::Resolve, Err(E::NotInProgress { status: S::New })),
        (S::New, T::Close, Err(E::NotResolved { status: S::New })),
        (S::New, T::Reopen, Err(E::StillOpen { status: S::New })),
        (S::Acknowledged, T::Acknowledge, Err(E::AlreadyInState { status: S::Acknowledged })),
        (S::Acknowledged, T::Start, Ok(S::InProgress)),
        (S::Acknowledged, T::Resolve, Err(E::NotInProgress { status: S::Acknowledged })),
        (S::Acknowledged, T::Close, Err(E::NotResolved { status: S::Acknowledged })),
        (S::Acknowledged, T::Reopen, Err(E::StillOpen { status: S::Acknowledged })),
        (S::InProgress, T::Acknowledge, Err(E::AlreadyPast { transition: T::Acknowledge, status: S::InProgress })),
        (S::InProgress, T::Start, Err(E::AlreadyInState { status: S::InProgress })),
        (S::InProgress, T::Resolve, Ok(S::Resolved)),
        (S::InProgress, T::Close, Err(E::NotResolved { status: S::InProgress })),
        (S::InProgress, T::Reopen, Err(E::StillOpen { status: S::InProgress })),
        (S::Resolved, T::Acknowledge, Err(E::AlreadyPast { transition: T::Acknowledge, status: S::Resolved })),
        (S::Resolved, T::Start, Err(E::UseReopen)),
        (S::Resolved, T::Resolve, Err(E::AlreadyInState { status: S::Resolved })),
        (S::Resolved, T::Close, Ok(S::Closed)),
        (S::Resolved, T::Reopen, Ok(S::InProgress)),
        (S::Closed, T::Acknowledge, Err(E::IncidentClosed)),
        (S::Closed, T::Start, Err(E::IncidentClosed)),
        (S::Closed, T::Resolve, Err(E::IncidentClosed)),
        (S::Closed, T::Close, Err(E::AlreadyInState { status: S::Closed })),
        (S::Closed, T::Reopen, Ok(S::InProgress)),
    ];
    for (from, transition, outcome) in &expected {
        assert_eq!(&check_transition(*from, *transition), outcome, "{from:?} + {transition:?}");
    }
    // The table covers every pair exactly once.
    for from in S::ALL {
        for transition in T::ALL {
            assert_eq!(expected.iter().filter(|(f, tr, _)| *f == from && *tr == transition).count(), 1);
        }
    }
}

#[test]
fn refused_transition_leaves_record_unchanged() {
    let mut rec = record("x", "2026-03-10T08:00:00Z");
    let before = rec.clone();
    assert_eq!(
        apply_transition(&mut rec, T::Resolve, "bob", t("2026-03-10T08:05:00Z")),
        Err(E::NotInProgress { status: S::New })
    );
    assert_eq!(rec, before);
}

#[test]
fn full_life_is_logged_with_actors() {
    let mut rec = record("Door forced", "2026-03-10T08:00:00Z");
    let steps = [
        (T::Acknowledge, "bob", "2026-03-10T08:01:00Z", S::Acknowledged),
        (T::Start, "bob", "2026-03-10T08:02:00Z", S::InProgress),
        (T::Resolve, "carol", "2026-03-10T09:00:00Z", S::Resolved),
        (T::Reopen, "dave", "2026-03-10T09:30:00Z", S::InProgress),
        (T::Resolve, "carol", "2026-03-10T10:00:00Z", S::Resolved),
        (T::Close, "erin", "2026-03-10T11:00:00Z", S::Closed),
        (T::Reopen, "erin", "2026-03-11T08:00:00Z", S::InProgress),
    ];
    for (transition, actor, at, status) in steps {
        apply_transition(&mut rec, transition, actor, t(at)).unwrap();
        assert_eq!(rec.incident.status, status);
        let last = rec.timeline.last().unwrap();
        assert_eq!((last.actor.as_str(), last.action, last.at), (actor, TimelineAction::StatusChanged, t(at)));
        assert_eq!(rec.incident.updated, t(at));
    }
    assert_eq!(rec.timeline[0].action, TimelineAction::Opened);
    assert_eq!(rec.timeline[0].actor, "alice");
    assert_eq!(rec.timeline.len(), 1 + steps.len());
    assert!(rec.timeline[3].detail.contains("resolve: in_progress → resolved"), "{}", rec.timeline[3].detail);
    assert_eq!(rec.entries_by("erin").count(), 2);
}

#[test]
fn resolve_waits_for_pending_tasks() {
    let playbook = Playbook::from_yaml(
        "id: p\ntitle: P\nthreats: [x]\ntasks:\n  - {id: a, title: Do A, role: soc}\n  - {id: b, title: Do B, role: it}\n",
    )
    .unwrap();
    let mut rec = record("x", "2026-03-10T08:00:00Z");
    attach_playbook(&mut rec, &playbook, "alice", t("2026-03-10T08:00:00Z")).unwrap();
    apply_transition(&mut rec, T::Acknowledge, "bob", t("2026-03-10T08:01:00Z")).unwrap();
    apply_transition(&mut rec, T::Start, "bob", t("2026-03-10T08:02:00Z")).unwrap();
    complete_task(&mut rec, "p/a", "bob", "", t("2026-03-10T08:03:00Z")).unwrap();
    assert_eq!(
        apply_transition(&mut rec, T::Resolve, "bob", t("2026-03-10T08:04:00Z")),
        Err(E::PendingTasks { tasks: vec!["Do B".into()] })
    );
    complete_task(&mut rec, "p/b", "bob", "", t("2026-03-10T08:05:00Z")).unwrap();
    apply_transition(&mut rec, T::Resolve, "bob", t("2026-03-10T08:06:00Z")).unwrap();
}

#[test]
fn close_waits_for_owed_reports() {
    let config = ClockConfig::with_default_reminders("Europe/Paris").unwrap();
    let mut rec = record("x", "2026-03-10T08:00:00Z");
    for (tr, at) in [(T::Acknowledge, "08:01"), (T::Start, "08:02")] {
        apply_transition(&mut rec, tr, "bob", t(&format!("2026-03-10T{at}:00Z"))).unwrap();
    }
    mark_significant(&mut rec, &config, "bob", t("2026-03-10T08:00:00Z"), t("2026-03-10T08:03:00Z")).unwrap();
    apply_transition(&mut rec, T::Resolve, "bob", t("2026-03-10T09:00:00Z")).unwrap();
    let owed = apply_transition(&mut rec, T::Close, "bob", t("2026-03-10T10:00:00Z"));
    assert_eq!(
        owed,
        Err(E::ReportsOwed {
            clocks: vec!["nis2_early_warning".into(), "nis2_notification".into(), "nis2_final_report".into()]
        })
    );
    for kind in [ClockKind::Nis2EarlyWarning, ClockKind::Nis2Notification, ClockKind::Nis2FinalReport] {
        record_submission(&mut rec, &config, kind, "bob", "", t("2026-03-10T10:00:00Z")).unwrap();
    }
    apply_transition(&mut rec, T::Close, "bob", t("2026-03-10T10:01:00Z")).unwrap();
}
