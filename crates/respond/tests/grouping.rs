//! Grouping rules, and the multi-step attack that must become one incident.
#![allow(clippy::unwrap_used, clippy::expect_used)]

mod common;

use std::collections::HashMap;

use common::{AlertSpec, alert, library, room, t};
use safecare_model::{Alert, EventId, IncidentId, IncidentStatus, Location, Severity};
use safecare_respond::{
    GroupDecision, Grouper, GroupingRules, IncidentRecord, IntakeError, LocationLevel, MatchReason, PlaybookLibrary,
    TimelineAction, Transition, add_alert, apply_transition, open_from_alert,
};

/// What the server does with each alert: route, then open or add.
fn ingest(
    grouper: &mut Grouper,
    store: &mut HashMap<IncidentId, IncidentRecord>,
    library: &PlaybookLibrary,
    alert: &Alert,
) -> IncidentId {
    match grouper.route(alert) {
        GroupDecision::Open { incident } => {
            store.insert(incident, open_from_alert(alert, incident, library, None, alert.create_time));
            incident
        }
        GroupDecision::Join { incident, reasons, .. } => {
            let record = store.get_mut(&incident).expect("grouper routes to known incidents");
            add_alert(record, alert, &reasons, library, None, alert.create_time).unwrap();
            incident
        }
    }
}

fn server_room() -> Location {
    room("0", Some("it-core"), "0.05")
}

fn attack() -> Vec<Alert> {
    vec![
        alert(AlertSpec {
            at: "2026-03-10T16:30:00Z",
            description: "User clicked a known phishing link",
            threat: Some("phishing"),
            asset: Some("ws-ward3-12"),
            location: room("3", Some("ward-3"), "3.12"),
            user: Some("tok-P1"),
            hostname: Some("ws-ward3-12"),
            ..Default::default()
        }),
        alert(AlertSpec {
            at: "2026-03-10T16:50:00Z",
            description: "Account added to Domain Admins",
            severity: Severity::High,
            threat: Some("account_compromise"),
            asset: Some("dc-01"),
            location: server_room(),
            user: Some("tok-P1"),
            ..Default::default()
        }),
        alert(AlertSpec {
            at: "2026-03-10T22:40:00Z",
            description: "After-hours badge at the server room",
            severity: Severity::High,
            threat: Some("unauthorised_access"),
            location: server_room(),
            user: Some("tok-B9"),
            ..Default::default()
        }),
        alert(AlertSpec {
            at: "2026-03-10T22:48:00Z",
            description: "USB mass storage on srv-file-01",
            severity: Severity::High,
            threat: Some("removable_media"),
            asset: Some("srv-file-01"),
            location: server_room(),
            hostname: Some("SRV-FILE-01"),
            ..Default::default()
        }),
        alert(AlertSpec {
            at: "2026-03-10T23:05:00Z",
            description: "Mass file encryption on srv-file-01",
            severity: Severity::Critical,
            threat: Some("ransomware"),
            asset: Some("srv-file-01"),
            ..Default::default()
        }),
    ]
}

fn unrelated() -> Vec<Alert> {
    vec![
        alert(AlertSpec {
            at: "2026-03-10T17:00:00Z",
            description: "Door forced at the pharmacy",
            severity: Severity::High,
            threat: Some("forced_entry"),
            location: room("1", Some("pharmacy"), "1.20"),
            ..Default::default()
        }),
        alert(AlertSpec {
            at: "2026-03-10T19:00:00Z",
            description: "Theatre air handler setpoint changed",
            threat: Some("bms_tampering"),
            asset: Some("ahu-ot-1"),
            location: room("-1", Some("plant"), "B.02"),
            ..Default::default()
        }),
        alert(AlertSpec {
            at: "2026-03-10T23:10:00Z",
            description: "Smoke detected in the kitchen",
            severity: Severity::Critical,
            threat: Some("fire"),
            location: room("0", Some("kitchen"), "0.40"),
            ..Default::default()
        }),
    ]
}

#[test]
fn multi_step_attack_becomes_one_incident_with_the_right_tasks() {
    let library = library();
    let mut grouper = Grouper::new(GroupingRules::default());
    let mut store = HashMap::new();
    // Interleave the attack with unrelated alerts, in time order.
    let mut stream: Vec<Alert> = attack().into_iter().chain(unrelated()).collect();
    stream.sort_by_key(|a| a.create_time);
    let routed: Vec<(String, IncidentId)> =
        stream.iter().map(|a| (a.description.clone(), ingest(&mut grouper, &mut store, &library, a))).collect();

    assert_eq!(store.len(), 4, "one attack incident + three unrelated: {routed:#?}");
    let attack_ids: Vec<IncidentId> =
        attack().iter().map(|a| routed.iter().find(|(d, _)| *d == a.description).unwrap().1).collect();
    assert!(attack_ids.iter().all(|id| *id == attack_ids[0]), "{routed:#?}");

    let record = &store[&attack_ids[0]];
    let incident = &record.incident;
    assert_eq!(incident.alerts.len(), 5);
    assert_eq!(incident.severity, Severity::Critical);
    assert_eq!(incident.threat.as_deref(), Some("ransomware"));
    // Named from its threat and the place its alerts share (no inventory
    // here: the building's id), not from its first alert.
    assert_eq!(incident.title, "Ransomware — main");
    assert_eq!(incident.assets, ["ws-ward3-12", "dc-01", "srv-file-01"]);
    assert_eq!(incident.location.path(), "hq/main", "common place of ward 3 and the server room");
    assert_eq!(
        record.playbooks,
        ["phishing", "account_compromise", "unauthorised_access", "removable_media", "ransomware"]
    );
    assert!(record.tasks.iter().any(|t| t.key() == "ransomware/isolate-segment" && t.task.requires_approval.is_some()));
    assert!(record.tasks.iter().any(|t| t.key() == "phishing/reset-credentials"));

    // The timeline says why each alert joined, and who (the system) did it.
    let joins: Vec<&str> =
        record.timeline.iter().filter(|e| e.action == TimelineAction::AlertAdded).map(|e| e.detail.as_str()).collect();
    assert_eq!(joins.len(), 5);
    assert!(joins[1].contains("same person tok-P1"), "{}", joins[1]);
    assert!(joins[2].contains("same place hq/main/0/it-core/0.05"), "{}", joins[2]);
    assert!(joins[4].contains("same asset srv-file-01"), "{}", joins[4]);
    assert!(record.timeline.iter().all(|e| e.actor == "safecare"));
    assert!(
        record.timeline.iter().any(|e| e.action == TimelineAction::SeverityChanged && e.detail.contains("critical"))
    );

    for alert in unrelated() {
        let id = routed.iter().find(|(d, _)| *d == alert.description).unwrap().1;
        assert_eq!(store[&id].incident.alerts.len(), 1, "{} stands alone", alert.description);
        assert_ne!(id, attack_ids[0]);
    }
}

fn asset_alert(at: &str, asset: &str) -> Alert {
    alert(AlertSpec { at, asset: Some(asset), ..Default::default() })
}

fn joined(decision: &GroupDecision) -> Option<IncidentId> {
    match decision {
        GroupDecision::Join { incident, .. } => Some(*incident),
        GroupDecision::Open { .. } => None,
    }
}

fn opened(decision: &GroupDecision) -> IncidentId {
    match decision {
        GroupDecision::Open { incident } => *incident,
        GroupDecision::Join { .. } => panic!("expected a new incident, got {decision:?}"),
    }
}

#[test]
fn time_window_applies_both_ways() {
    let mut grouper = Grouper::new(GroupingRules { window_minutes: 60, ..Default::default() });
    let first = opened(&grouper.route(&asset_alert("2026-03-10T10:00:00Z", "pacs-01")));
    // Out of order but within the window: joins.
    assert_eq!(joined(&grouper.route(&asset_alert("2026-03-10T09:30:00Z", "pacs-01"))), Some(first));
    assert_eq!(joined(&grouper.route(&asset_alert("2026-03-10T11:00:00Z", "pacs-01"))), Some(first));
    // 61 minutes after the last sighting: a new incident.
    opened(&grouper.route(&asset_alert("2026-03-10T12:01:00Z", "pacs-01")));
}

#[test]
fn each_key_can_be_turned_off() {
    let a = alert(AlertSpec { user: Some("tok-1"), ..Default::default() });
    let b = alert(AlertSpec { user: Some("tok-1"), at: "2026-03-10T08:10:00Z", ..Default::default() });
    let mut on = Grouper::new(GroupingRules::default());
    let first = opened(&on.route(&a));
    match on.route(&b) {
        GroupDecision::Join { incident, reasons, also_matches } => {
            assert_eq!(incident, first);
            assert_eq!(reasons, [MatchReason::Person("tok-1".into())]);
            assert!(also_matches.is_empty());
        }
        other => panic!("{other:?}"),
    }
    let mut off = Grouper::new(GroupingRules { by_person: false, ..Default::default() });
    opened(&off.route(&a));
    opened(&off.route(&b));

    let ransom = |at| alert(AlertSpec { at, threat: Some("ransomware"), ..Default::default() });
    let mut families = Grouper::new(GroupingRules::default());
    let first = opened(&families.route(&ransom("2026-03-10T08:00:00Z")));
    assert_eq!(joined(&families.route(&ransom("2026-03-10T08:01:00Z"))), Some(first));
    let mut no_families = Grouper::new(GroupingRules { by_rule_family: false, ..Default::default() });
    opened(&no_families.route(&ransom("2026-03-10T08:00:00Z")));
    opened(&no_families.route(&ransom("2026-03-10T08:01:00Z")));

    // Without a threat, the rule id is the family.
    let by_rule = |at| alert(AlertSpec { at, rule: Some("hospital-pump-config"), ..Default::default() });
    let first = opened(&families.route(&by_rule("2026-03-10T09:00:00Z")));
    assert_eq!(joined(&families.route(&by_rule("2026-03-10T09:05:00Z"))), Some(first));

    let mut no_assets = Grouper::new(GroupingRules { by_asset: false, ..Default::default() });
    opened(&no_assets.route(&asset_alert("2026-03-10T08:00:00Z", "pacs-01")));
    opened(&no_assets.route(&asset_alert("2026-03-10T08:01:00Z", "pacs-01")));
}

#[test]
fn two_spellings_of_a_threat_are_one_family_and_one_incident_threat() {
    let spelt = |at, threat| alert(AlertSpec { at, threat: Some(threat), ..Default::default() });
    let mut grouper = Grouper::new(GroupingRules::default());
    let british = spelt("2026-03-10T08:00:00Z", "unauthorised_access");
    let first = opened(&grouper.route(&british));
    let american = spelt("2026-03-10T08:01:00Z", "unauthorized_access");
    assert_eq!(joined(&grouper.route(&american)), Some(first));

    let record = open_from_alert(&british, first, &library(), None, british.create_time);
    assert_eq!(record.incident.threat.as_deref(), Some("unauthorized_access"));
}

#[test]
fn correlation_alerts_join_the_alerts_they_correlate() {
    let rules = GroupingRules {
        by_rule_family: false,
        by_asset: false,
        by_location: None,
        by_person: false,
        by_impact: None,
        ..Default::default()
    };
    let mut grouper = Grouper::new(rules);
    let shared = EventId::new();
    let mut base = alert(AlertSpec::default());
    base.safecare.events = vec![shared, EventId::new()];
    let first = opened(&grouper.route(&base));
    let mut correlation = alert(AlertSpec { at: "2026-03-10T08:20:00Z", ..Default::default() });
    correlation.safecare.events = vec![EventId::new(), shared];
    match grouper.route(&correlation) {
        GroupDecision::Join { incident, reasons, .. } => {
            assert_eq!(incident, first);
            assert_eq!(reasons, [MatchReason::Correlation(shared)]);
        }
        other => panic!("{other:?}"),
    }
    let mut without = Grouper::new(GroupingRules { by_correlation: false, ..grouper.rules().clone() });
    opened(&without.route(&base));
    opened(&without.route(&correlation));
}

#[test]
fn location_level_sets_how_close_is_close() {
    let at = |at, location| alert(AlertSpec { at, location, ..Default::default() });
    let kitchen = room("0", Some("kitchen"), "0.40");
    let pantry = room("0", Some("kitchen"), "0.41");
    let server = server_room();

    let mut rooms = Grouper::new(GroupingRules::default());
    opened(&rooms.route(&at("2026-03-10T08:00:00Z", kitchen.clone())));
    opened(&rooms.route(&at("2026-03-10T08:01:00Z", pantry.clone())));

    let mut zones = Grouper::new(GroupingRules { by_location: Some(LocationLevel::Zone), ..Default::default() });
    let first = opened(&zones.route(&at("2026-03-10T08:00:00Z", kitchen.clone())));
    assert_eq!(joined(&zones.route(&at("2026-03-10T08:01:00Z", pantry))), Some(first));
    opened(&zones.route(&at("2026-03-10T08:02:00Z", server.clone())));

    let mut floors = Grouper::new(GroupingRules { by_location: Some(LocationLevel::Floor), ..Default::default() });
    let first = opened(&floors.route(&at("2026-03-10T08:00:00Z", kitchen)));
    assert_eq!(joined(&floors.route(&at("2026-03-10T08:01:00Z", server))), Some(first));

    // A location known only to the site never groups the whole site.
    let site = Location { site: Some("hq".into()), ..Default::default() };
    let mut grouper = Grouper::new(GroupingRules { by_location: Some(LocationLevel::Floor), ..Default::default() });
    opened(&grouper.route(&at("2026-03-10T08:00:00Z", site.clone())));
    opened(&grouper.route(&at("2026-03-10T08:01:00Z", site)));

    // IDMEFv2 target locations (paths) count as places too.
    let mut grouper = Grouper::new(GroupingRules::default());
    let first = opened(&grouper.route(&at("2026-03-10T08:00:00Z", server_room())));
    let mut by_path = alert(AlertSpec { at: "2026-03-10T08:02:00Z", ..Default::default() });
    by_path.target.push(safecare_model::AlertNode { location: Some(server_room().path()), ..Default::default() });
    assert_eq!(joined(&grouper.route(&by_path)), Some(first));
}

#[test]
fn bridging_alert_names_the_other_candidates() {
    let mut grouper = Grouper::new(GroupingRules::default());
    let a = opened(&grouper.route(&asset_alert("2026-03-10T08:00:00Z", "pacs-01")));
    let b = opened(&grouper.route(&asset_alert("2026-03-10T08:01:00Z", "ris-01")));
    let mut bridge = asset_alert("2026-03-10T08:02:00Z", "pacs-01");
    bridge.target.push(safecare_model::AlertNode { hostname: Some("ris-01".into()), ..Default::default() });
    match grouper.route(&bridge) {
        GroupDecision::Join { incident, also_matches, .. } => {
            assert_eq!(incident, a, "the older incident wins a tie");
            assert_eq!(also_matches, [b]);
        }
        other => panic!("{other:?}"),
    }
}

#[test]
fn forget_merged_and_expire_update_the_routing() {
    let mut grouper = Grouper::new(GroupingRules { window_minutes: 60, ..Default::default() });
    let a = opened(&grouper.route(&asset_alert("2026-03-10T08:00:00Z", "pacs-01")));
    let b = opened(&grouper.route(&asset_alert("2026-03-10T08:00:00Z", "ris-01")));
    grouper.merged(b, a);
    assert_eq!(joined(&grouper.route(&asset_alert("2026-03-10T08:05:00Z", "ris-01"))), Some(a));
    assert_eq!(grouper.open_incidents(), 1);
    grouper.forget(a);
    let c = opened(&grouper.route(&asset_alert("2026-03-10T08:06:00Z", "pacs-01")));
    assert_ne!(c, a);
    grouper.observe(a, &asset_alert("2026-03-10T10:00:00Z", "lis-01"));
    assert_eq!(grouper.open_incidents(), 2);
    grouper.expire(t("2026-03-10T10:30:00Z"));
    assert_eq!(grouper.open_incidents(), 1, "only the 10:00 incident is within the window");
    assert_eq!(joined(&grouper.route(&asset_alert("2026-03-10T10:20:00Z", "lis-01"))), Some(a));
}

#[test]
fn alerts_are_not_added_to_closed_or_duplicate_incidents() {
    let library = library();
    let first = asset_alert("2026-03-10T08:00:00Z", "pacs-01");
    let mut record = open_from_alert(&first, IncidentId::new(), &library, None, t("2026-03-10T08:00:00Z"));
    assert_eq!(
        add_alert(&mut record, &first, &[], &library, None, t("2026-03-10T08:01:00Z")),
        Err(IntakeError::DuplicateAlert(first.id))
    );
    for tr in [Transition::Acknowledge, Transition::Start, Transition::Resolve] {
        apply_transition(&mut record, tr, "bob", t("2026-03-10T08:02:00Z")).unwrap();
    }
    let second = asset_alert("2026-03-10T08:03:00Z", "pacs-01");
    assert_eq!(
        add_alert(&mut record, &second, &[], &library, None, t("2026-03-10T08:03:00Z")),
        Err(IntakeError::NotOpen { status: IncidentStatus::Resolved })
    );
}

#[test]
fn a_consequence_on_an_asset_the_impact_reaches_joins_its_cause() {
    let mut grouper = Grouper::new(GroupingRules::default());
    let tampering = alert(AlertSpec {
        at: "2026-03-10T10:00:00Z",
        description: "Set point changed on the theatres' air handler",
        threat: Some("bms_tampering"),
        asset: Some("ws-bms-01"),
        location: room("0", Some("technical"), "0.05"),
        ..Default::default()
    });
    let cause = opened(&grouper.route(&tampering));
    grouper.expect_impact(
        cause,
        [("ahu-ot", 0.9), ("rm-theatre-1", 0.36), ("door-far-away", 0.05)],
        t("2026-03-10T10:00:00Z"),
    );
    let warm = |at, asset| {
        alert(AlertSpec {
            at,
            description: "Theatre temperature out of range",
            threat: Some("environmental"),
            asset: Some(asset),
            location: room("1", Some("theatre"), "1.01"),
            ..Default::default()
        })
    };
    match grouper.route(&warm("2026-03-10T10:20:00Z", "rm-theatre-1")) {
        GroupDecision::Join { incident, reasons, .. } => {
            assert_eq!(incident, cause);
            assert_eq!(reasons, [MatchReason::Impact("rm-theatre-1".into())]);
            assert_eq!(reasons[0].describe(), "rm-theatre-1 is in the incident's impact");
        }
        other => panic!("expected to join the tampering incident, got {other:?}"),
    }
    // Barely reached is not enough, and the rule can be switched off.
    let door = alert(AlertSpec {
        at: "2026-03-10T10:30:00Z",
        description: "Door held open",
        threat: Some("forced_entry"),
        asset: Some("door-far-away"),
        location: room("2", Some("ward"), "2.40"),
        ..Default::default()
    });
    opened(&grouper.route(&door));
    let mut off = Grouper::new(GroupingRules { by_impact: None, ..Default::default() });
    let cause = opened(&off.route(&tampering));
    off.expect_impact(cause, [("rm-theatre-1", 0.9)], t("2026-03-10T10:00:00Z"));
    opened(&off.route(&warm("2026-03-10T10:20:00Z", "rm-theatre-1")));
}

#[test]
fn an_alert_flood_is_counted_beyond_the_listed_alerts() {
    let library = library();
    let first =
        alert(AlertSpec { description: "Failed logon burst", threat: Some("credential_access"), ..Default::default() });
    let mut record = open_from_alert(&first, IncidentId::new(), &library, None, first.create_time);
    let flood = safecare_respond::MAX_LISTED_ALERTS + 250;
    for i in 1..flood {
        let severity = if i == flood - 1 { Severity::Critical } else { Severity::Medium };
        let next = alert(AlertSpec { description: "Failed logon burst", severity, ..Default::default() });
        add_alert(&mut record, &next, &[], &library, None, next.create_time).unwrap();
    }
    assert_eq!(record.incident.alerts.len(), safecare_respond::MAX_LISTED_ALERTS);
    assert_eq!(record.unlisted_alerts, 250);
    let added = record.timeline.iter().filter(|e| e.action == TimelineAction::AlertAdded).count();
    assert_eq!(added, safecare_respond::MAX_LISTED_ALERTS + 1, "one entry says the rest are counted");
    assert_eq!(record.incident.severity, Severity::Critical, "an unlisted alert still raises the severity");
}
