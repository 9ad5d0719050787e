//! `safecare hunt` never prints a person's name from the files it reads.
#![allow(clippy::unwrap_used, clippy::expect_used)]

use std::process::Command;

#[test]
fn hunt_output_names_people_only_by_token() {
    let dir = tempfile::tempdir().unwrap();
    let cleared = r#"{"EventID": 1102, "Channel": "Security", "Computer": "srv-ehr-01", "TimeCreated": "2026-11-28T02:00:00Z", "SubjectUserName": "zqhunter"}"#;
    let again = cleared.replace("02:00:00", "02:05:00");
    std::fs::write(dir.path().join("security.jsonl"), format!("{cleared}\n{again}\n")).unwrap();
    let out = Command::new(env!("CARGO_BIN_EXE_safecare"))
        .args(["hunt", "--format", "json"])
        .arg(dir.path())
        .output()
        .unwrap();
    assert!(out.status.success(), "{}", String::from_utf8_lossy(&out.stderr));
    let text = String::from_utf8_lossy(&out.stdout);
    let alerts: Vec<serde_json::Value> = text.lines().map(|l| serde_json::from_str(l).unwrap()).collect();
    assert!(!alerts.is_empty(), "no detections");
    assert!(!text.to_lowercase().contains("zqhunter"), "{text}");
    let users: Vec<String> = alerts
        .iter()
        .flat_map(|a| ["Source", "Target"].map(|k| a[k].as_array().cloned().unwrap_or_default()))
        .flatten()
        .filter_map(|n| n["User"].as_str().map(str::to_owned))
        .collect();
    assert!(!users.is_empty() && users.iter().all(|u| u.starts_with("usr_")), "{users:?}");
    assert!(users.windows(2).all(|w| w[0] == w[1]), "one person, one token within a run: {users:?}");
    for format in ["table", "csv"] {
        let out = Command::new(env!("CARGO_BIN_EXE_safecare"))
            .args(["hunt", "--format", format])
            .arg(dir.path())
            .output()
            .unwrap();
        assert!(out.status.success(), "{}", String::from_utf8_lossy(&out.stderr));
        let text = String::from_utf8_lossy(&out.stdout);
        assert!(text.contains("user: usr_"), "{format}: {text}");
        assert!(!text.to_lowercase().contains("zqhunter"), "{format}: {text}");
    }
}
