//! `safecare sim` as a user runs it: a bundled scenario played in-process
//! with a JSON report (and the HTML one written to a file) and exit code 0,
//! a broken scenario file refused with every problem named and exit code 2,
//! an exercise clean-up without a reachable SafeCare refused with 2.
#![allow(clippy::unwrap_used, clippy::expect_used)]

mod common;

use common::safecare;
use serde_json::Value;

#[test]
fn a_bundled_scenario_plays_in_process_and_reports_json() {
    let dir = tempfile::tempdir().unwrap();
    let html = dir.path().join("report.html");
    let out = safecare()
        .args(["sim", "run", "demo-attack", "--in-process", "--speed", "20", "--seed", "5", "--format", "json"])
        .arg("--report")
        .arg(&html)
        .env("RUST_LOG", "warn")
        .output()
        .unwrap();
    let stdout = String::from_utf8_lossy(&out.stdout);
    assert_eq!(out.status.code(), Some(0), "{stdout}\n{}", String::from_utf8_lossy(&out.stderr));
    let report: Value = serde_json::from_str(&stdout).unwrap();
    assert_eq!((report["scenario"].as_str(), report["passed"].as_bool()), (Some("demo-attack"), Some(true)));
    assert_eq!(report["seed"], 5);
    let steps = report["steps"].as_array().unwrap();
    assert_eq!(steps.len(), 8);
    assert!(steps.iter().all(|s| s["outcome"] == "met"), "{report:#}");
    assert_eq!(report["incidents"][0]["threat_found"], "bms_tampering");
    assert_eq!(report["incidents"][1]["threat_found"], "fire", "the switchroom fire is an incident of its own");
    let page = std::fs::read_to_string(&html).unwrap();
    assert!(page.starts_with("<!DOCTYPE html>"), "{page}");
    assert!(page.contains(r#"id="verdict" class="verdict passed""#) && page.contains("phishing-click"), "{page}");
}

#[test]
fn cleaning_an_exercise_needs_a_reachable_safecare() {
    let out = safecare()
        .args(["sim", "clean", "drill-1", "--target", "http://127.0.0.1:9", "--token", "t"])
        .output()
        .unwrap();
    let stderr = String::from_utf8_lossy(&out.stderr);
    assert_eq!(out.status.code(), Some(2), "{stderr}");
    assert!(stderr.contains("removing exercise run drill-1"), "{stderr}");
}

#[test]
fn a_broken_scenario_is_refused_with_its_problems() {
    let dir = tempfile::tempdir().unwrap();
    let file = dir.path().join("broken.yaml");
    std::fs::write(
        &file,
        "name: broken\ntitle: t\nsite: demo-hospital\nphases: [{id: in, name: In, stage: get_in}]\n\
         steps:\n  - {id: a, phase: in, at: 2 minutes later, say: x, asset: srv-nowhere, source: api, records: [{time: '${time}'}]}\n",
    )
    .unwrap();
    let out = safecare().args(["sim", "check"]).arg(&file).output().unwrap();
    let stderr = String::from_utf8_lossy(&out.stderr);
    assert_eq!(out.status.code(), Some(2), "{stderr}");
    assert!(stderr.contains("steps[0] (a): unknown asset \"srv-nowhere\""), "{stderr}");
    assert!(stderr.contains("steps[0] (a): at: bad time \"2 minutes later\""), "{stderr}");

    let out = safecare().args(["sim", "check", "ransomware"]).output().unwrap();
    assert_eq!(out.status.code(), Some(0));
    assert!(String::from_utf8_lossy(&out.stdout).starts_with("ransomware: valid"));
}
