//! The SAFECARE examples on the demo hospital with the bundled rules.
#![allow(clippy::unwrap_used, clippy::expect_used)]

use std::path::PathBuf;

use safecare_impact::{Assessor, Gamma, ImpactReport, ImpactType, ImpactedAsset, Inventory, PathStep, RuleSet};

fn assessor() -> Assessor {
    let dir = PathBuf::from(env!("CARGO_MANIFEST_DIR")).join("../../content/sites/demo-hospital");
    Assessor::new(Inventory::load(&dir).unwrap(), RuleSet::bundled(), Gamma::ProbabilisticOr)
}

fn assets_on_path(report: &ImpactReport, id: &str) -> Vec<String> {
    let entry = report.get(id).unwrap_or_else(|| panic!("{id} not impacted"));
    entry.path.iter().map(|s| s.asset.to_string()).collect()
}

fn entry<'a>(report: &'a ImpactReport, id: &str, impact: ImpactType) -> &'a ImpactedAsset {
    report
        .services
        .iter()
        .chain(&report.assets)
        .find(|a| a.asset == id && a.impact == impact)
        .unwrap_or_else(|| panic!("{id} has no {impact} impact"))
}

fn names(path: &[PathStep]) -> Vec<String> {
    path.iter().map(|s| s.asset.to_string()).collect()
}

fn in_order(path: &[String], expected: &[&str]) -> bool {
    let mut rest = path.iter();
    expected.iter().all(|want| rest.any(|got| got == want))
}

#[test]
fn fire_in_the_technical_room_degrades_the_icu_through_power_loss() {
    let report = assessor().assess("fire", &["rm-tech-0.01"]).unwrap();
    let icu = report.services.iter().find(|s| s.asset == "svc-icu").expect("ICU impacted");
    assert!(icu.score > 0.1 && icu.score < 1.0, "degraded, not gone: {}", icu.score);
    assert_eq!(icu.impact, ImpactType::Availability);
    let path = assets_on_path(&report, "svc-icu");
    assert!(in_order(&path, &["rm-tech-0.01", "pwr-msb-1", "pwr-db-main", "svc-icu"]), "{path:?}");
    // The ICU bays' critical board is UPS-backed: hit only after the UPS
    // autonomy; the bays lose power and air handling.
    let board = entry(&report, "pwr-db-main-1-crit", ImpactType::Availability);
    assert!(in_order(&names(&board.path), &["pwr-msb-1", "pwr-db-main", "pwr-ups-crit", "pwr-db-main-1-crit"]));
    assert!(board.minutes >= 20.0, "{}", board.minutes);
    assert_eq!(board.threat, "power_loss");
    let bay = entry(&report, "rm-main-1.20", ImpactType::Availability);
    assert!(bay.score > 0.0 && bay.score < board.score);
}

#[test]
fn tampered_air_treatment_makes_the_operating_theatres_unavailable() {
    let report = assessor().assess("tampering", &["ahu-ot"]).unwrap();
    let theatres = report.services.iter().find(|s| s.asset == "svc-theatres").expect("theatres impacted");
    assert!(theatres.score > 0.5, "{}", theatres.score);
    assert_eq!(theatres.impact, ImpactType::Availability);
    let path = assets_on_path(&report, "svc-theatres");
    assert!(in_order(&path, &["ahu-ot", "op-ot-surgery", "svc-theatres"]), "{path:?}");
    assert!(
        path.iter().any(|a| ["rm-main-1.01", "rm-main-1.02", "rm-main-1.03", "rm-main-1.04"].contains(&a.as_str()))
    );
    assert_eq!(report.get("rm-main-1.01").unwrap().threat, "overheating");
    assert!(report.get("svc-icu").is_none(), "the ICU has its own air handler");
}

#[test]
fn tampering_at_the_bms_reaches_the_theatres_too() {
    let report = assessor().assess("tampering", &["sw-bms"]).unwrap();
    let path = assets_on_path(&report, "svc-theatres");
    assert!(in_order(&path, &["sw-bms", "ctl-hvac-main", "ahu-ot", "op-ot-surgery", "svc-theatres"]), "{path:?}");
}

#[test]
fn phishing_reaches_the_his_the_appointments_and_crowds_the_waiting_room() {
    let report = assessor().assess("phishing", &["ws-out-reception-01"]).unwrap();
    let his = assets_on_path(&report, "sw-his");
    assert!(in_order(&his, &["ws-out-reception-01", "net-admin", "net-dc", "srv-his-app-01", "sw-his"]), "{his:?}");
    // Once the HIS is compromised, the attacker's hold on it alone reaches
    // the appointment system and fills the waiting room.
    let from_his = assessor().assess("intrusion", &["srv-his-app-01"]).unwrap();
    let crowded = entry(&from_his, "rm-out-0.02", ImpactType::Safety);
    let chain = names(&crowded.path);
    assert!(
        in_order(&chain, &["srv-his-app-01", "sw-his", "sw-appointments", "op-opd-checkin", "rm-out-0.02"]),
        "{chain:?}"
    );

    let waiting = entry(&report, "rm-out-0.02", ImpactType::Safety);
    assert_eq!(waiting.threat, "overcrowding");
    let path = names(&waiting.path);
    assert!(in_order(&path, &["sw-appointments", "op-opd-checkin", "rm-out-0.02"]), "{path:?}");

    let outpatient = report.services.iter().filter(|s| s.asset == "svc-outpatient").collect::<Vec<_>>();
    assert!(outpatient.iter().any(|s| s.impact == ImpactType::Safety), "{outpatient:?}");
    let ed = report.services.iter().find(|s| s.asset == "svc-ed").expect("ED degraded through registration");
    assert!(ed.score > 0.0);
}

#[test]
fn a_server_room_fire_makes_the_information_system_unavailable() {
    let report = assessor().assess("fire", &["rm-tech-1.01"]).unwrap();
    let his = report.services.iter().find(|s| s.asset == "svc-his").expect("HIS service impacted");
    assert_eq!(his.impact, ImpactType::Availability);
    let path = assets_on_path(&report, "svc-his");
    assert!(in_order(&path, &["rm-tech-1.01", "srv-his-app-01", "sw-his", "op-his-records", "svc-his"]), "{path:?}");
    for service in ["svc-imaging", "svc-lab", "svc-appointments"] {
        assert!(report.get(service).is_some(), "{service} runs on the data hall too");
    }
    // Services come first and worst first.
    assert!(report.services.windows(2).all(|w| w[0].score >= w[1].score));
}

#[test]
fn a_forced_data_centre_door_exposes_the_servers_and_their_data() {
    let report = assessor().assess("physical_intrusion", &["door-tech-1.01"]).unwrap();
    let breach = entry(&report, "data-ehr", ImpactType::Confidentiality);
    let path = names(&breach.path);
    assert!(in_order(&path, &["door-tech-1.01", "rm-tech-1.01", "srv-his-db-01", "data-ehr"]), "{path:?}");
    assert_eq!(breach.threat, "data_breach");
}
