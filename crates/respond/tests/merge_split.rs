//! Merging and splitting incidents, and field edits with their timeline.
#![allow(clippy::unwrap_used, clippy::expect_used)]

mod common;

use common::{AlertSpec, alert, library, record, room, t};
use safecare_model::{Alert, AlertId, IncidentId, IncidentStatus, Severity};
use safecare_respond::{
    ClockConfig, ClockKind, EditError, MergeError, SplitError, SplitRequest, TimelineAction, Transition,
    TransitionError, add_alert, add_comment, add_tag, apply_transition, assign, complete_task, mark_significant, merge,
    open_from_alert, remove_tag, set_severity, set_title, split,
};

#[test]
fn merge_moves_everything_and_closes_the_other() {
    let library = library();
    let config = ClockConfig::with_default_reminders("Europe/Paris").unwrap();
    let door = alert(AlertSpec {
        at: "2026-03-10T08:00:00Z",
        description: "Door forced",
        severity: Severity::High,
        threat: Some("forced_entry"),
        location: room("1", Some("pharmacy"), "1.20"),
        ..Default::default()
    });
    let theft = alert(AlertSpec {
        at: "2026-03-10T08:05:00Z",
        description: "Cabinet opened without prescription",
        severity: Severity::Critical,
        threat: Some("pharmacy_theft"),
        location: room("1", Some("pharmacy"), "1.21"),
        ..Default::default()
    });
    let mut into = open_from_alert(&door, IncidentId::new(), &library, None, t("2026-03-10T08:00:00Z"));
    let mut from = open_from_alert(&theft, IncidentId::new(), &library, None, t("2026-03-10T08:05:00Z"));
    add_comment(&mut into, "guard on the way", "bob", t("2026-03-10T08:01:00Z")).unwrap();
    add_comment(&mut from, "cabinet 3", "carol", t("2026-03-10T08:06:00Z")).unwrap();
    complete_task(&mut from, "pharmacy_theft/dispatch-guard", "carol", "", t("2026-03-10T08:07:00Z")).unwrap();
    mark_significant(&mut from, &config, "carol", t("2026-03-10T08:05:00Z"), t("2026-03-10T08:08:00Z")).unwrap();

    assert_eq!(merge(&mut into.clone(), &mut into, "dave", t("2026-03-10T08:10:00Z")), Err(MergeError::SameIncident));
    merge(&mut into, &mut from, "dave", t("2026-03-10T08:10:00Z")).unwrap();

    assert_eq!(into.incident.alerts, [door.id, theft.id]);
    assert_eq!(into.incident.severity, Severity::Critical);
    assert_eq!(into.incident.threat.as_deref(), Some("pharmacy_theft"));
    assert_eq!(into.incident.location.path(), "hq/main/1/pharmacy");
    assert_eq!(into.playbooks, ["forced_entry", "pharmacy_theft"]);
    assert!(into.tasks.iter().any(|t| t.key() == "pharmacy_theft/dispatch-guard" && !t.is_pending()));
    assert_eq!(
        into.comments.iter().map(|c| (c.number, c.author.as_str())).collect::<Vec<_>>(),
        [(1, "bob"), (2, "carol")]
    );
    assert_eq!(into.clocks.iter().filter(|c| c.kind == ClockKind::Nis2EarlyWarning).count(), 1);
    assert_eq!(into.significant.as_ref().map(|m| m.by.as_str()), Some("carol"));
    assert!(into.timeline.windows(2).all(|w| w[0].at <= w[1].at), "one timeline in time order");
    assert!(into.timeline.iter().any(|e| e.actor == "carol" && e.detail.starts_with(&format!("[{}]", from.id()))));
    let last = into.timeline.last().unwrap();
    assert_eq!((last.action, last.actor.as_str()), (TimelineAction::MergedFrom, "dave"));

    assert_eq!(from.incident.status, IncidentStatus::Closed);
    assert_eq!(from.merged_into, Some(into.id()));
    assert_eq!(from.timeline.last().unwrap().action, TimelineAction::MergedInto);
    // A merged-away incident takes no more changes, even a reopen.
    assert_eq!(
        apply_transition(&mut from, Transition::Reopen, "erin", t("2026-03-10T09:00:00Z")),
        Err(TransitionError::MergedInto { into: into.id() })
    );
    assert_eq!(
        add_comment(&mut from, "x", "erin", t("2026-03-10T09:00:00Z")),
        Err(EditError::MergedInto { into: into.id() })
    );
    let mut other = record("other", "2026-03-10T09:00:00Z");
    assert_eq!(
        merge(&mut other, &mut from, "erin", t("2026-03-10T09:00:00Z")),
        Err(MergeError::AlreadyMerged { id: from.id(), into: into.id() })
    );
}

#[test]
fn merge_refuses_closed_and_resolved_targets() {
    let mut a = record("a", "2026-03-10T08:00:00Z");
    let mut b = record("b", "2026-03-10T08:00:00Z");
    for tr in [Transition::Acknowledge, Transition::Start, Transition::Resolve] {
        apply_transition(&mut a, tr, "bob", t("2026-03-10T08:01:00Z")).unwrap();
    }
    assert_eq!(
        merge(&mut a, &mut b, "bob", t("2026-03-10T08:02:00Z")),
        Err(MergeError::TargetNotOpen { id: a.id(), status: IncidentStatus::Resolved })
    );
    apply_transition(&mut a, Transition::Close, "bob", t("2026-03-10T08:03:00Z")).unwrap();
    assert_eq!(merge(&mut b, &mut a, "bob", t("2026-03-10T08:04:00Z")), Err(MergeError::Closed { id: a.id() }));
}

fn request<'a>(alerts: &'a [Alert], chosen: &'a [AlertId], title: &'a str) -> SplitRequest<'a> {
    SplitRequest { alerts, chosen, new_id: IncidentId::new(), title }
}

#[test]
fn split_moves_chosen_alerts_and_recomputes_both() {
    let library = library();
    let usb = alert(AlertSpec {
        at: "2026-03-10T22:48:00Z",
        description: "USB on srv-file-01",
        severity: Severity::High,
        threat: Some("removable_media"),
        asset: Some("srv-file-01"),
        location: room("0", Some("it-core"), "0.05"),
        ..Default::default()
    });
    let smoke = alert(AlertSpec {
        at: "2026-03-10T22:50:00Z",
        description: "Smoke in the server room",
        severity: Severity::Critical,
        threat: Some("fire"),
        location: room("0", Some("it-core"), "0.05"),
        ..Default::default()
    });
    let mut source = open_from_alert(&usb, IncidentId::new(), &library, None, t("2026-03-10T22:48:00Z"));
    add_alert(&mut source, &smoke, &[], &library, None, t("2026-03-10T22:50:00Z")).unwrap();
    assert_eq!(source.incident.severity, Severity::Critical);
    let alerts = [usb.clone(), smoke.clone()];
    let at = t("2026-03-10T23:00:00Z");

    assert_eq!(
        split(&mut source, request(&alerts, &[], "Fire"), &library, "bob", at).unwrap_err(),
        SplitError::NothingChosen
    );
    assert_eq!(
        split(&mut source, request(&alerts, &[smoke.id], " "), &library, "bob", at).unwrap_err(),
        SplitError::EmptyTitle
    );
    assert_eq!(
        split(&mut source, request(&alerts, &[usb.id, smoke.id], "Fire"), &library, "bob", at).unwrap_err(),
        SplitError::AllAlerts
    );
    let stranger = alert(AlertSpec::default());
    assert_eq!(
        split(&mut source, request(&alerts, &[stranger.id], "Fire"), &library, "bob", at).unwrap_err(),
        SplitError::UnknownAlert(stranger.id)
    );
    let partial = SplitRequest { alerts: &alerts[1..], chosen: &[smoke.id], new_id: IncidentId::new(), title: "Fire" };
    assert_eq!(split(&mut source, partial, &library, "bob", at).unwrap_err(), SplitError::MissingAlert(usb.id));

    let fire =
        split(&mut source, request(&alerts, &[smoke.id], "Fire in the server room"), &library, "bob", at).unwrap();
    assert_eq!(fire.incident.alerts, [smoke.id]);
    assert_eq!(fire.incident.status, IncidentStatus::New);
    assert_eq!((fire.incident.severity, fire.incident.threat.as_deref()), (Severity::Critical, Some("fire")));
    assert_eq!(fire.playbooks, ["fire"]);
    assert_eq!(fire.timeline[0].actor, "bob");
    assert!(fire.timeline.iter().any(|e| e.action == TimelineAction::SplitFrom));

    assert_eq!(source.incident.alerts, [usb.id]);
    assert_eq!(
        (source.incident.severity, source.incident.threat.as_deref()),
        (Severity::High, Some("removable_media"))
    );
    assert_eq!(source.incident.assets, ["srv-file-01"]);
    let last = source.timeline.last().unwrap();
    assert_eq!((last.action, last.actor.as_str()), (TimelineAction::SplitInto, "bob"));
}

#[test]
fn edits_are_validated_and_logged_with_their_actor() {
    let mut rec = record("x", "2026-03-10T08:00:00Z");
    let at = t("2026-03-10T08:01:00Z");
    assign(&mut rec, Some("bob"), "alice", at).unwrap();
    assert_eq!(assign(&mut rec, Some("bob"), "alice", at), Err(EditError::AlreadyAssignedTo("bob".into())));
    assert_eq!(assign(&mut rec, Some("  "), "alice", at), Err(EditError::EmptyAssignee));
    assign(&mut rec, Some("carol"), "bob", at).unwrap();
    assert_eq!(rec.timeline.last().unwrap().detail, "bob → carol");
    assign(&mut rec, None, "carol", at).unwrap();
    assert_eq!(assign(&mut rec, None, "carol", at), Err(EditError::NotAssigned));

    assert_eq!(set_severity(&mut rec, Severity::High, None, "bob", at), Err(EditError::SameSeverity(Severity::High)));
    set_severity(&mut rec, Severity::Critical, Some("ICU affected"), "bob", at).unwrap();
    assert_eq!(rec.timeline.last().unwrap().detail, "high → critical: ICU affected");
    set_title(&mut rec, "Ransomware", "bob", at).unwrap();
    assert_eq!(set_title(&mut rec, "", "bob", at), Err(EditError::EmptyTitle));

    add_tag(&mut rec, "ATTACK.T1486", "bob", at).unwrap();
    add_tag(&mut rec, "attack.t0831", "bob", at).unwrap();
    add_tag(&mut rec, "attack.t1566.001", "bob", at).unwrap();
    add_tag(&mut rec, "attack.impact", "bob", at).unwrap();
    assert_eq!(rec.incident.tags, ["attack.t1486", "attack.t0831", "attack.t1566.001", "attack.impact"]);
    assert_eq!(add_tag(&mut rec, "attack.t1486", "bob", at), Err(EditError::DuplicateTag("attack.t1486".into())));
    assert_eq!(add_tag(&mut rec, "attack.t14", "bob", at), Err(EditError::MalformedAttackTag("attack.t14".into())));
    assert!(matches!(add_tag(&mut rec, "two words", "bob", at), Err(EditError::InvalidTag { .. })));
    assert_eq!(add_tag(&mut rec, "", "bob", at), Err(EditError::EmptyTag));
    remove_tag(&mut rec, "attack.impact", "carol", at).unwrap();
    assert_eq!(remove_tag(&mut rec, "attack.impact", "carol", at), Err(EditError::UnknownTag("attack.impact".into())));

    assert_eq!(add_comment(&mut rec, "first", "dave", at), Ok(1));
    assert_eq!(add_comment(&mut rec, "second", "erin", at), Ok(2));
    assert_eq!(add_comment(&mut rec, "   ", "erin", at), Err(EditError::EmptyComment));
    assert!(matches!(add_comment(&mut rec, &"x".repeat(20_000), "erin", at), Err(EditError::CommentTooLong { .. })));

    let actions: Vec<(TimelineAction, &str)> = rec.timeline.iter().map(|e| (e.action, e.actor.as_str())).collect();
    assert_eq!(
        actions,
        [
            (TimelineAction::Opened, "alice"),
            (TimelineAction::Assigned, "alice"),
            (TimelineAction::Assigned, "bob"),
            (TimelineAction::Unassigned, "carol"),
            (TimelineAction::SeverityChanged, "bob"),
            (TimelineAction::TitleChanged, "bob"),
            (TimelineAction::TagAdded, "bob"),
            (TimelineAction::TagAdded, "bob"),
            (TimelineAction::TagAdded, "bob"),
            (TimelineAction::TagAdded, "bob"),
            (TimelineAction::TagRemoved, "carol"),
            (TimelineAction::Commented, "dave"),
            (TimelineAction::Commented, "erin"),
        ]
    );

    // Closed incidents are read-only except for comments (post-incident review).
    for tr in [Transition::Acknowledge, Transition::Start, Transition::Resolve, Transition::Close] {
        apply_transition(&mut rec, tr, "bob", at).unwrap();
    }
    assert_eq!(set_severity(&mut rec, Severity::Low, None, "bob", at), Err(EditError::IncidentClosed));
    assert_eq!(add_comment(&mut rec, "lessons learned", "bob", at), Ok(3));
}
