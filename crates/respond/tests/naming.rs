//! Incident names: the threat and the most specific place the alerts
//! share, in the site's names; renamed as alerts join, until a person
//! titles the incident.
#![allow(clippy::unwrap_used, clippy::expect_used)]

mod common;

use common::{AlertSpec, alert, library, room, t};
use safecare_impact::Inventory;
use safecare_model::{Asset, AssetKind, IncidentId, Location, Severity};
use safecare_respond::{TimelineAction, add_alert, open_from_alert, place_words, set_title};

fn place(id: &str, name: &str, kind: AssetKind, path: &str) -> Asset {
    Asset {
        id: id.into(),
        name: name.into(),
        kind,
        location: Location::from_path(path),
        identifiers: Default::default(),
        protections: Default::default(),
        attributes: Default::default(),
        geo: None,
        capacity: None,
    }
}

fn site() -> Inventory {
    Inventory::new(
        vec![
            place("site-hq", "General Hospital", AssetKind::Site, "hq"),
            place("bld-main", "Main building", AssetKind::Building, "hq/main"),
            place("bld-tech", "Technical building", AssetKind::Building, "hq/tech"),
            place("flr-main-1", "Main building first floor", AssetKind::Floor, "hq/main/1"),
            place("rm-1.01", "Operating theatre 1", AssetKind::Room, "hq/main/1/theatre/1.01"),
            place("rm-1.02", "Operating theatre 2", AssetKind::Room, "hq/main/1/theatre/1.02"),
            place("rm-t0.05", "BMS control room", AssetKind::Room, "hq/tech/0/technical/0.05"),
        ],
        vec![],
    )
    .unwrap()
}

#[test]
fn places_read_in_the_sites_names() {
    let inventory = site();
    let words = |path: &str| place_words(&Location::from_path(path), Some(&inventory));
    assert_eq!(words("hq/main/1/theatre/1.01").as_deref(), Some("Operating theatre 1, Main building"));
    // A zone without its own asset is spelt from its id.
    assert_eq!(words("hq/main/1/theatre").as_deref(), Some("theatre, Main building"));
    assert_eq!(words("hq/main/1").as_deref(), Some("Main building first floor"));
    assert_eq!(words("hq/main").as_deref(), Some("Main building"));
    assert_eq!(words("hq").as_deref(), Some("General Hospital"));
    assert_eq!(words(""), None);
    // Without an inventory, the ids.
    assert_eq!(place_words(&Location::from_path("hq/main/2/server_room"), None).as_deref(), Some("server room, main"));
}

#[test]
fn an_incident_is_named_from_threat_and_place_and_renamed_as_alerts_join() {
    let inventory = site();
    let library = library();
    let phishing = alert(AlertSpec {
        at: "2026-03-10T08:00:00Z",
        description: "Click On Suspicious Mail Link",
        severity: Severity::Medium,
        threat: Some("phishing"),
        location: Location::from_path("hq/tech/0/technical/0.05"),
        ..Default::default()
    });
    let mut rec = open_from_alert(&phishing, IncidentId::new(), &library, Some(&inventory), t("2026-03-10T08:00:00Z"));
    assert_eq!(rec.incident.title, "Phishing — BMS control room, Technical building");
    assert!(rec.timeline[0].detail.contains("Phishing — BMS control room"), "opened under its name");

    // A more severe alert of another family renames it; its place in
    // another building lists both places rather than just the site.
    let bms = alert(AlertSpec {
        at: "2026-03-10T08:02:00Z",
        description: "BMS Set Point Changed",
        severity: Severity::Critical,
        threat: Some("bms_tampering"),
        location: room("1", Some("theatre"), "1.01"),
        ..Default::default()
    });
    add_alert(&mut rec, &bms, &[], &library, Some(&inventory), t("2026-03-10T08:02:00Z")).unwrap();
    assert_eq!(rec.incident.location.path(), "hq");
    assert_eq!(
        rec.incident.title,
        "BMS tampering — BMS control room, Technical building; Operating theatre 1, Main building"
    );
    let renamed = rec.timeline.iter().rfind(|e| e.action == TimelineAction::TitleChanged).unwrap();
    assert_eq!(renamed.actor, "safecare");

    // A second theatre: the main building's place becomes the theatre zone.
    let theatre = alert(AlertSpec {
        at: "2026-03-10T08:03:00Z",
        description: "Theatre Temperature Out Of Range",
        severity: Severity::High,
        threat: Some("environmental"),
        location: room("1", Some("theatre"), "1.02"),
        ..Default::default()
    });
    add_alert(&mut rec, &theatre, &[], &library, Some(&inventory), t("2026-03-10T08:03:00Z")).unwrap();
    assert_eq!(rec.incident.title, "BMS tampering — BMS control room, Technical building; theatre, Main building");

    // A person's title sticks.
    set_title(&mut rec, "Theatre AHU attack", "alice", t("2026-03-10T08:04:00Z")).unwrap();
    let ransomware = alert(AlertSpec {
        at: "2026-03-10T08:05:00Z",
        description: "Shadow copies deleted",
        severity: Severity::Critical,
        threat: Some("ransomware"),
        location: room("1", Some("theatre"), "1.02"),
        ..Default::default()
    });
    add_alert(&mut rec, &ransomware, &[], &library, Some(&inventory), t("2026-03-10T08:05:00Z")).unwrap();
    assert_eq!(rec.incident.title, "Theatre AHU attack");
    assert_eq!(rec.incident.threat.as_deref(), Some("ransomware"));
}

#[test]
fn the_threat_comes_from_the_alerts_rules_and_an_alert_without_one_keeps_its_words() {
    let library = library();
    let badge = alert(AlertSpec {
        at: "2026-03-10T22:40:00Z",
        description: "After-Hours Access To Restricted Zone",
        severity: Severity::High,
        threat: Some("unauthorised_access"),
        location: Location::from_path("hq/tech/1/server_room/1.10"),
        ..Default::default()
    });
    let rec = open_from_alert(&badge, IncidentId::new(), &library, None, t("2026-03-10T22:40:00Z"));
    assert_eq!(rec.incident.threat.as_deref(), Some("unauthorized_access"));
    assert_eq!(rec.incident.title, "Unauthorised access — room 1.10, tech");

    let unknown = alert(AlertSpec {
        description: "Odd Thing Seen",
        location: Location::from_path("hq/tech"),
        ..Default::default()
    });
    let rec = open_from_alert(&unknown, IncidentId::new(), &library, None, t("2026-03-10T08:00:00Z"));
    assert_eq!(rec.incident.title, "Odd Thing Seen");
}
