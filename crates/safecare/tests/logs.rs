//! What `safecare serve` writes to its log when the log is a file: no colour
//! codes, and no line a caller can forge.
#![allow(clippy::unwrap_used, clippy::expect_used)]

use std::io::{BufRead, BufReader};
use std::process::{Command, Stdio};

#[test]
fn a_log_file_has_no_colour_codes_and_no_forged_lines() {
    let dir = tempfile::tempdir().unwrap();
    let log_path = dir.path().join("serve.log");
    let log = std::fs::File::create(&log_path).unwrap();
    let mut child = Command::new(env!("CARGO_BIN_EXE_safecare"))
        .args(["serve", "--listen", "127.0.0.1:0", "--data"])
        .arg(dir.path().join("data"))
        .env("SAFECARE_STORE__DURABILITY", "normal")
        .env_remove("RUST_LOG")
        .stdout(Stdio::piped())
        .stderr(Stdio::from(log))
        .spawn()
        .unwrap();
    let mut line = String::new();
    BufReader::new(child.stdout.take().unwrap()).read_line(&mut line).unwrap();
    let url = line.split_whitespace().find(|w| w.starts_with("http://")).unwrap().to_owned();
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
    assert!(Command::new("kill").args(["-TERM", &child.id().to_string()]).status().unwrap().success());
    assert!(child.wait().unwrap().success());
    let written = std::fs::read_to_string(&log_path).unwrap();
    assert!(written.contains("login refused"), "{written}");
    assert!(!written.contains('\u{1b}'), "colour codes in a log file: {written:?}");
    assert!(!written.lines().any(|l| l.contains("FORGED") && !l.contains("login refused")), "{written}");
}
