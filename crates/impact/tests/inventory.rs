//! Inventory import/export, validation errors and identifier resolution.
#![allow(clippy::unwrap_used, clippy::expect_used)]

use safecare_impact::{IdentifierKind, Inventory, LoadError, Problem};
use safecare_model::{AssetKind, RelationKind};

const SMALL: &str = r#"
assets:
  - id: srv-his
    name: HIS application server
    kind: server
    location: {site: hq, building: tech, floor: "0", zone: data_center, room: dc-1}
    identifiers:
      hostnames: [his-app-01.hq.local]
      ips: [10.20.0.11]
      macs: ["00-1A-2B-3C-4D-5E"]
      serials: [SN-HIS-0001]
    protections: {ransomware: 0.6}
  - id: sw-his
    name: HIS
    kind: software
  - id: door-dc
    name: Data centre door
    kind: door
    identifiers: {device_ids: [D-0.12, R-0.12-in]}
  - id: ahu-1
    name: Air handler 1
    kind: building_device
    identifiers: {bms_points: [AHU1.SAT]}
relations:
  - {from: srv-his, to: sw-his, kind: hosts}
  - {from: sw-his, to: srv-his, kind: depends_on, class: power, delay_minutes: 0}
"#;

fn problems(result: Result<Inventory, LoadError>) -> Vec<Problem> {
    match result {
        Err(LoadError::Invalid(invalid)) => invalid.problems,
        other => panic!("expected an invalid inventory, got {other:?}"),
    }
}

#[test]
fn yaml_and_json_round_trip() {
    let inventory = Inventory::from_yaml(SMALL).unwrap();
    assert_eq!(inventory.assets().len(), 4);
    assert_eq!(inventory.relations()[0].kind, RelationKind::Hosts);
    let json = inventory.to_json().unwrap();
    let back = Inventory::from_json(&json).unwrap();
    assert_eq!(back.assets(), inventory.assets());
    assert_eq!(back.relations(), inventory.relations());
    let yaml = inventory.to_yaml().unwrap();
    let again = Inventory::from_yaml(&yaml).unwrap();
    assert_eq!(again.assets(), inventory.assets());
    assert_eq!(again.relations(), inventory.relations());
}

#[test]
fn resolves_every_identifier_kind_after_normalisation() {
    let inventory = Inventory::from_yaml(SMALL).unwrap();
    let id = |kind, value| inventory.resolve(kind, value).map(|a| a.id.as_str());
    assert_eq!(id(IdentifierKind::Hostname, "HIS-APP-01"), Some("srv-his"));
    assert_eq!(id(IdentifierKind::Hostname, "his-app-01.hq.local."), Some("srv-his"));
    assert_eq!(id(IdentifierKind::Ip, "10.20.0.11"), Some("srv-his"));
    assert_eq!(id(IdentifierKind::Mac, "00:1a:2b:3c:4d:5e"), Some("srv-his"));
    assert_eq!(id(IdentifierKind::Serial, "sn-his-0001"), Some("srv-his"));
    assert_eq!(id(IdentifierKind::DeviceId, "R-0.12-in"), Some("door-dc"));
    assert_eq!(id(IdentifierKind::DeviceId, "r-0.12-in"), None, "device ids are exact");
    assert_eq!(id(IdentifierKind::BmsPoint, "ahu1.sat"), Some("ahu-1"));
    assert_eq!(id(IdentifierKind::Ip, "10.20.0.12"), None);
    assert_eq!(id(IdentifierKind::Ip, "not an ip"), None);
}

#[test]
fn unknown_asset_kind_is_named() {
    let text = "assets:\n  - {id: x, name: X, kind: toaster}\n";
    match Inventory::from_yaml(text) {
        Err(LoadError::Parse { source, .. }) => assert!(source.to_string().contains("toaster"), "{source}"),
        other => panic!("expected a parse error, got {other:?}"),
    }
}

#[test]
fn every_problem_is_reported_with_its_asset_or_relation() {
    let text = r#"
assets:
  - {id: a, name: A, kind: room, protections: {fire: 1.5}}
  - {id: a, name: A again, kind: room}
  - {id: b, name: B, kind: floor, identifiers: {macs: [nonsense]}}
  - {id: c, name: C, kind: server, identifiers: {ips: [10.0.0.1]}}
  - {id: d, name: D, kind: server, identifiers: {ips: ["10.0.0.1"]}}
relations:
  - {from: a, to: ghost, kind: depends_on}
  - {from: b, to: b, kind: leads_to}
  - {from: a, to: b, kind: hosts, two_way: true}
  - {from: a, to: b, kind: part_of, class: power}
  - {from: a, to: b, kind: leads_to, delay_minutes: -3}
"#;
    let found = problems(Inventory::from_yaml(text));
    let text: Vec<String> = found.iter().map(ToString::to_string).collect();
    let has = |needle: &str| assert!(text.iter().any(|t| t.contains(needle)), "no `{needle}` in {text:#?}");
    has("asset `a` is defined more than once");
    has("asset `a`: protection `fire` is 1.5");
    has("asset `b`: mac `nonsense` is invalid");
    has("ip `10.0.0.1` names both `c` and `d`");
    has("unknown asset `ghost`");
    has("(b LeadsTo b) links an asset to itself");
    has("two_way only applies to leads_to");
    has("a dependency class only applies to depends_on");
    has("delay_minutes -3");
    assert_eq!(found.len(), 9, "{text:#?}");
}

#[test]
fn part_of_and_hosts_cycles_are_refused_but_dependency_loops_are_not() {
    let text = r#"
assets:
  - {id: room, name: Room, kind: room}
  - {id: floor, name: Floor, kind: floor}
  - {id: building, name: Building, kind: building}
relations:
  - {from: room, to: floor, kind: part_of}
  - {from: floor, to: building, kind: part_of}
  - {from: building, to: room, kind: part_of}
"#;
    let found = problems(Inventory::from_yaml(text));
    assert_eq!(found.len(), 1);
    match &found[0] {
        Problem::Cycle { kind, cycle } => {
            assert_eq!(*kind, RelationKind::PartOf);
            assert_eq!(cycle, &["room", "floor", "building", "room"]);
        }
        other => panic!("expected a cycle, got {other}"),
    }

    let loops = r#"
assets:
  - {id: bms, name: BMS server, kind: server}
  - {id: pwr, name: Power controller, kind: controller}
relations:
  - {from: bms, to: pwr, kind: depends_on, class: power}
  - {from: pwr, to: bms, kind: depends_on, class: network}
  - {from: bms, to: pwr, kind: leads_to, two_way: true}
"#;
    assert!(Inventory::from_yaml(loops).is_ok());
}

#[test]
fn deserialising_validates() {
    let text =
        r#"{"assets":[{"id":"x","name":"X","kind":"room"}],"relations":[{"from":"x","to":"y","kind":"part_of"}]}"#;
    let err = serde_json::from_str::<Inventory>(text).unwrap_err();
    assert!(err.to_string().contains("unknown asset `y`"), "{err}");
}

#[test]
fn editing_revalidates() {
    let inventory = Inventory::from_yaml(SMALL).unwrap();
    let mut asset = inventory.asset("sw-his").unwrap().clone();
    asset.kind = AssetKind::Data;
    let edited = inventory.upsert_asset(asset).unwrap();
    assert_eq!(edited.asset("sw-his").unwrap().kind, AssetKind::Data);

    let mut clash = inventory.asset("ahu-1").unwrap().clone();
    clash.id = "ahu-2".into();
    assert!(inventory.upsert_asset(clash).is_err(), "same BMS point on two assets");

    let removed = inventory.remove_asset("srv-his").unwrap();
    assert!(removed.asset("srv-his").is_none());
    assert!(removed.relations().is_empty());
    assert!(removed.resolve(IdentifierKind::Ip, "10.20.0.11").is_none());
    assert!(inventory.remove_asset("nope").is_none());
}

#[test]
fn a_folder_of_parts_loads_as_one_inventory() {
    let dir = std::env::temp_dir().join(format!("safecare-impact-parts-{}", std::process::id()));
    std::fs::create_dir_all(dir.join("b")).unwrap();
    std::fs::write(dir.join("a.yaml"), "assets:\n  - {id: r1, name: R1, kind: room}\n").unwrap();
    std::fs::write(
        dir.join("b/c.json"),
        r#"{"assets":[{"id":"f1","name":"F1","kind":"floor"}],"relations":[{"from":"r1","to":"f1","kind":"part_of"}]}"#,
    )
    .unwrap();
    std::fs::write(dir.join("notes.txt"), "ignored").unwrap();
    let inventory = Inventory::load(&dir);
    std::fs::remove_dir_all(&dir).unwrap();
    let inventory = inventory.unwrap();
    assert_eq!(inventory.assets().len(), 2);
    assert_eq!(inventory.relations().len(), 1);
}

#[test]
fn bad_geography_is_named_with_its_asset() {
    let yaml = r#"
assets:
  - id: bld-a
    name: A
    kind: building
    geo:
      footprint: [{lat: 95.0, lon: 4.0}, {lat: 50.0, lon: 4.1}, {lat: 50.1, lon: 4.1}, {lat: 95.0, lon: 4.0}]
  - id: bld-b
    name: B
    kind: building
    geo:
      footprint: [{lat: 50.0, lon: 4.0}, {lat: 50.0, lon: 4.1}, {lat: 50.1, lon: 4.1}, {lat: 50.1, lon: 4.0}]
  - id: bld-c
    name: C
    kind: building
    geo:
      control_points: [{x: 0, y: 0, lat: 50.0, lon: 4.0}, {x: 10, y: 0, lat: 50.0, lon: 4.001}, {x: 20, y: 0, lat: 50.0, lon: 4.002}]
  - id: rm-d
    name: D
    kind: room
    geo:
      control_points: [{x: 0, y: 0, lat: 50.0, lon: 4.0}, {x: 10, y: 0, lat: 50.0, lon: 4.001}]
"#;
    let found = problems(Inventory::from_yaml(yaml));
    let text: Vec<String> = found.iter().map(ToString::to_string).collect();
    assert_eq!(found.len(), 4, "{text:#?}");
    assert!(text[0].contains("bld-a") && text[0].contains("latitude 95"), "{}", text[0]);
    assert!(text[1].contains("bld-b") && text[1].contains("not closed"), "{}", text[1]);
    assert!(text[2].contains("bld-c") && text[2].contains("collinear"), "{}", text[2]);
    assert!(matches!(&found[3], Problem::GeoReferenceNotOnPlan { asset, kind: AssetKind::Room } if asset == "rm-d"));
}

#[test]
fn entrances_and_assembly_points_are_checked_where_they_belong() {
    let yaml = r#"
assets:
  - id: bld-a
    name: A
    kind: building
    geo:
      footprint: [{lat: 50.0, lon: 4.0}, {lat: 50.0, lon: 4.001}, {lat: 50.001, lon: 4.001}, {lat: 50.001, lon: 4.0}, {lat: 50.0, lon: 4.0}]
      entrances: [{name: Main door, lat: 50.0, lon: 4.0005}, {name: Far door, lat: 50.002, lon: 4.0005}]
  - id: bld-b
    name: B
    kind: building
    geo:
      footprint: [{lat: 50.0, lon: 4.0}, {lat: 50.0, lon: 4.001}, {lat: 50.001, lon: 4.001}, {lat: 50.001, lon: 4.0}, {lat: 50.0, lon: 4.0}]
      assembly_points: [{name: Lawn, lat: 50.0005, lon: 4.0005}]
  - id: site-c
    name: C
    kind: site
    geo:
      footprint: [{lat: 50.0, lon: 4.0}, {lat: 50.0, lon: 4.001}, {lat: 50.001, lon: 4.001}, {lat: 50.001, lon: 4.0}, {lat: 50.0, lon: 4.0}]
      assembly_points: [{name: Car park, lat: 50.0005, lon: 4.0005}]
"#;
    let found = problems(Inventory::from_yaml(yaml));
    let text: Vec<String> = found.iter().map(ToString::to_string).collect();
    assert_eq!(found.len(), 2, "{text:#?}");
    assert!(text[0].contains("bld-a") && text[0].contains("entrance `Far door` is 111"), "{}", text[0]);
    assert!(matches!(&found[1], Problem::GeoPointsMisplaced { asset, kind: AssetKind::Building } if asset == "bld-b"));
}

#[test]
fn beds_that_do_not_add_up_are_named_with_their_service_and_ward() {
    let yaml = r#"
assets:
  - id: svc-icu
    name: ICU
    kind: service
    capacity:
      wards:
        - {id: icu-a, name: ICU A, bed_type: AdultICU, total: 10, occupied: 8, available: 2, blocked: 1}
        - {id: icu-b, name: ICU B, bed_type: AdultICU, total: 6, occupied: 4, available: 2}
      staffing: [{role: nurses, on_shift: 5, needed: 6}]
  - id: rm-1
    name: Room
    kind: room
    capacity: {wards: [{id: r, name: R, bed_type: Burn, total: 1, occupied: 0, available: 1}]}
"#;
    let found = problems(Inventory::from_yaml(yaml));
    let text: Vec<String> = found.iter().map(ToString::to_string).collect();
    assert_eq!(found.len(), 2, "{text:#?}");
    assert!(
        text[0].contains("svc-icu") && text[0].contains("icu-a") && text[0].contains("exceeds total 10"),
        "{}",
        text[0]
    );
    assert!(matches!(&found[1], Problem::CapacityNotOnService { asset, kind: AssetKind::Room } if asset == "rm-1"));
    let unknown = Inventory::from_yaml(
        "assets:\n  - {id: s, name: S, kind: service, capacity: {wards: [{id: a, name: A, bed_type: Sofa, total: 1, occupied: 0, available: 1}]}}\n",
    );
    assert!(unknown.unwrap_err().to_string().contains("Sofa"));
}
