//! What `safecare serve` writes to its log when the log is a file: no colour
//! codes, and no line a caller can forge.
#![allow(clippy::unwrap_used, clippy::expect_used)]

mod common;

use std::process::Stdio;

use common::{Served, serve_command};

#[test]
fn a_log_file_has_no_colour_codes_and_no_forged_lines() {
    let dir = tempfile::tempdir().unwrap();
    let log_path = dir.path().join("serve.log");
    let log = std::fs::File::create(&log_path).unwrap();
    let served = Served::start(serve_command(&dir.path().join("data")).env_remove("RUST_LOG").stderr(Stdio::from(log)));
    let url = &served.url;
    let forged = "nobody\n2026-12-05T00:00:00.000000Z  INFO safecare_server: FORGED login user=admin";
    let rt = tokio::runtime::Runtime::new().unwrap();
    let status = rt.block_on(async {
        reqwest::Client::new()
            .post(format!("{url}/api/v1/auth/login"))
            .json(&serde_json::json!({"username": forged, "password": "whatever it is"}))
            .send()
            .await
            .unwrap()
            .status()
    });
    assert_eq!(status, 401);
    served.stop();
    let written = std::fs::read_to_string(&log_path).unwrap();
    assert!(written.contains("login refused"), "{written}");
    assert!(!written.contains('\u{1b}'), "colour codes in a log file: {written:?}");
    assert!(!written.lines().any(|l| l.contains("FORGED") && !l.contains("login refused")), "{written}");
}
