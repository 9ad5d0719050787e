//! Every alert the test suite raises is valid IDMEFv2: the hospital pack's
//! firing cases and the SigmaHQ Windows rules over every record of the real
//! EVTX recordings, each alert serialised as SafeCare sends it and checked
//! against the draft's official JSON schema (`idmefv2/` under
//! `SAFECARE_SAMPLES_DIR`) with the `jsonschema` crate. Skipped when
//! `SAFECARE_SAMPLES_DIR` is unset.
#![allow(clippy::unwrap_used, clippy::expect_used)]

mod common;
mod evtx;

use std::path::PathBuf;
use std::sync::Arc;

use common::{CaseEvent, events, pack_dir};
use safecare_detect::{Detector, RuleSet};
use safecare_model::Alert;
use serde::Deserialize;

mod shared_data;
use shared_data::samples_dir;

fn samples() -> Option<PathBuf> {
    samples_dir("IDMEFv2 schema tests")
}

fn validator(dir: &std::path::Path) -> jsonschema::Validator {
    let text = std::fs::read_to_string(dir.join("idmefv2/IDMEFv2-2.D.V08.schema.json")).expect("schema file");
    let schema: serde_json::Value = serde_json::from_str(&text).unwrap();
    assert_eq!(schema["$schema"], "http://json-schema.org/draft-04/schema#");
    jsonschema::validator_for(&schema).expect("the schema compiles")
}

/// The schema's complaints about each alert that fails it, as text.
fn invalid(validator: &jsonschema::Validator, alerts: &[Alert]) -> Vec<String> {
    let mut out = Vec::new();
    for alert in alerts {
        let json = serde_json::to_value(alert).unwrap();
        let errors: Vec<String> =
            validator.iter_errors(&json).map(|e| format!("{} at {}", e, e.instance_path())).collect();
        if !errors.is_empty() {
            out.push(format!("{}: {}", alert.description, errors.join("; ")));
        }
    }
    out
}

#[derive(Deserialize)]
struct Case {
    fire: Vec<CaseEvent>,
}

#[test]
fn every_alert_of_the_hospital_packs_firing_cases_validates() {
    let Some(dir) = samples() else { return };
    let validator = validator(&dir);
    let cases: Vec<Case> = serde_json::from_str(include_str!("fixtures/hospital_cases.json")).unwrap();
    let rules = Arc::new(RuleSet::load_dirs(&[pack_dir()]).unwrap());
    let mut alerts = Vec::new();
    for case in &cases {
        let mut detector = Detector::new(rules.clone());
        alerts.extend(events(&case.fire).iter().flat_map(|e| detector.process(e)));
    }
    assert!(alerts.len() >= cases.len(), "{} alerts from {} cases", alerts.len(), cases.len());
    let bad = invalid(&validator, &alerts);
    println!("hospital pack: {} alerts, {} invalid", alerts.len(), bad.len());
    assert!(bad.is_empty(), "{} of {} alerts fail the schema: {bad:#?}", bad.len(), alerts.len());
}

#[test]
fn every_sigmahq_alert_over_the_real_evtx_records_validates() {
    let Some(dir) = samples() else { return };
    let validator = validator(&dir);
    let rules = Arc::new(RuleSet::load_dirs(&[dir.join("sigmahq/rules/windows")]).unwrap());
    let records = evtx::evtx_events(&dir.join("evtx-attack"));
    assert_eq!(records.len(), 10_015);
    let mut detector = Detector::new(rules);
    let alerts: Vec<Alert> = records.iter().flat_map(|e| detector.process(e)).collect();
    assert!(alerts.len() >= 1000, "{} alerts", alerts.len());
    let bad = invalid(&validator, &alerts);
    println!("SigmaHQ over evtx-attack: {} alerts, {} invalid", alerts.len(), bad.len());
    assert!(
        bad.is_empty(),
        "{} of {} alerts fail the schema: {:#?}",
        bad.len(),
        alerts.len(),
        &bad[..bad.len().min(20)]
    );
}
