//! The demo hospital in `content/sites/demo-hospital` loads, is valid and
//! has what the demo and the tests rely on.
#![allow(clippy::unwrap_used, clippy::expect_used)]

use std::path::PathBuf;

use safecare_impact::{IdentifierKind, Inventory};
use safecare_model::{AssetKind, RelationKind};

fn demo() -> Inventory {
    let dir = PathBuf::from(env!("CARGO_MANIFEST_DIR")).join("../../content/sites/demo-hospital");
    Inventory::load(&dir).unwrap_or_else(|e| panic!("demo hospital: {e}"))
}

#[test]
fn demo_hospital_is_valid_and_large_enough() {
    let inventory = demo();
    assert!(inventory.assets().len() >= 400, "{} assets", inventory.assets().len());
    let count = |kind| inventory.assets().iter().filter(|a| a.kind == kind).count();
    assert_eq!(count(AssetKind::Building), 3);
    assert!(count(AssetKind::Service) >= 10);
    assert!(count(AssetKind::MedicalDevice) >= 50);
    assert!(count(AssetKind::Door) >= 30);
    assert!(inventory.assets().iter().filter(|a| a.id.starts_with("cws-")).count() >= 30);
    for zone in [
        "pharmacy",
        "server_room",
        "icu",
        "theatre",
        "data_center",
        "ward",
        "office",
        "emergency",
        "imaging",
        "lab",
        "technical",
    ] {
        assert!(
            inventory.assets().iter().any(|a| a.kind == AssetKind::Zone && a.location.zone.as_deref() == Some(zone)),
            "zone {zone} missing"
        );
    }
}

#[test]
fn every_room_has_a_plan_and_every_door_joins_rooms() {
    let inventory = demo();
    for room in inventory.assets().iter().filter(|a| a.kind == AssetKind::Room) {
        let plan = room.attributes.get("plan").unwrap_or_else(|| panic!("{} has no plan", room.id));
        for key in ["x", "y", "w", "h"] {
            assert!(plan.get(key).and_then(|v| v.as_f64()).is_some(), "{} plan lacks {key}", room.id);
        }
        assert!(room.location.room.is_some(), "{} has no location room", room.id);
    }
    for door in inventory.assets().iter().filter(|a| a.kind == AssetKind::Door) {
        let plan = door.attributes.get("plan").unwrap_or_else(|| panic!("{} has no plan", door.id));
        assert!(plan.get("x").is_some() && plan.get("y").is_some(), "{}", door.id);
        let joined = inventory
            .relations()
            .iter()
            .filter(|r| r.kind == RelationKind::LeadsTo && r.from == door.id)
            .filter(|r| inventory.asset(&r.to).is_some_and(|a| a.kind == AssetKind::Room))
            .count();
        assert!(joined >= 1, "{} leads nowhere", door.id);
    }
}

#[test]
fn demo_identifiers_resolve() {
    let inventory = demo();
    let id = |kind, value| inventory.resolve(kind, value).map(|a| a.id.clone());
    assert_eq!(id(IdentifierKind::DeviceId, "R-0.12-in").as_deref(), Some("door-main-0.12"));
    assert_eq!(id(IdentifierKind::Hostname, "HIS-APP-01").as_deref(), Some("srv-his-app-01"));
    assert_eq!(id(IdentifierKind::Ip, "10.50.0.21").as_deref(), Some("mon-icu-01"));
    assert_eq!(id(IdentifierKind::BmsPoint, "ahu-ot.sat").as_deref(), Some("ahu-ot"));
    assert_eq!(id(IdentifierKind::Mac, "3C-52-82-10-00-11").as_deref(), Some("cws-ed-01"));
    assert_eq!(id(IdentifierKind::Serial, "VT-900-0001").as_deref(), Some("vent-icu-01"));
    assert_eq!(id(IdentifierKind::Hl7Application, "LIS").as_deref(), Some("srv-lis-01"));
    assert_eq!(id(IdentifierKind::Hl7Application, "lis"), None, "HL7 application names are case-sensitive");
    assert_eq!(id(IdentifierKind::AeTitle, "PACS_MAIN ").as_deref(), Some("srv-pacs-01"));
}

#[test]
fn the_campus_is_geo_referenced_and_rooms_fall_inside_their_buildings() {
    let inventory = demo();
    for building in inventory.assets().iter().filter(|a| matches!(a.kind, AssetKind::Building | AssetKind::Site)) {
        let geo = building.geo.as_ref().unwrap_or_else(|| panic!("{} has no geo", building.id));
        assert_eq!(geo.footprint.len(), 5, "{}", building.id);
    }
    for room in inventory.assets().iter().filter(|a| a.kind == AssetKind::Room && a.attributes.contains_key("plan")) {
        let g = inventory.geometry_of(&room.location).unwrap_or_else(|| panic!("{} has no area", room.id));
        let building = inventory
            .assets()
            .iter()
            .find(|a| a.kind == AssetKind::Building && a.location.building == room.location.building)
            .unwrap();
        let footprint = &building.geo.as_ref().unwrap().footprint;
        assert_eq!(g.polygons.as_slice(), std::slice::from_ref(footprint), "{}", room.id);
        let (centre, radius_km) = g.circles[0];
        let (lats, lons): (Vec<f64>, Vec<f64>) = footprint.iter().map(|p| (p.lat, p.lon)).unzip();
        let inside = |v: f64, vs: &[f64]| {
            vs.iter().cloned().fold(f64::MAX, f64::min) <= v && v <= vs.iter().cloned().fold(f64::MIN, f64::max)
        };
        assert!(
            inside(centre.lat, &lats) && inside(centre.lon, &lons),
            "{}: {centre:?} outside {}",
            room.id,
            building.id
        );
        assert!(radius_km > 0.0 && radius_km < 0.05, "{}: {radius_km} km", room.id);
    }
    let switchroom = inventory.geometry_of(&safecare_model::Location::from_path("hq/tech/0/technical/0.01")).unwrap();
    assert!(switchroom.description.starts_with("LV switchroom (0.01), Energy and plant"), "{}", switchroom.description);
}
