//! The `safecare` binary as a user runs it.

use std::io::{BufRead, BufReader};
use std::process::{Command, Stdio};

fn safecare() -> Command {
    Command::new(env!("CARGO_BIN_EXE_safecare"))
}

#[test]
fn version_is_printed() {
    let out = safecare().arg("--version").output().unwrap();
    assert!(out.status.success());
    assert_eq!(String::from_utf8_lossy(&out.stdout).trim(), format!("safecare {}", env!("CARGO_PKG_VERSION")));
}

#[test]
fn a_bad_config_file_stops_start_with_its_reason() {
    let dir = tempfile::tempdir().unwrap();
    let file = dir.path().join("safecare.toml");
    std::fs::write(&file, "listen = 8080\n").unwrap();
    let out = safecare().args(["serve", "--config"]).arg(&file).output().unwrap();
    assert!(!out.status.success());
    let stderr = String::from_utf8_lossy(&out.stderr);
    assert!(stderr.contains("listen"), "{stderr}");
}

#[test]
fn serve_answers_and_stops_on_sigterm() {
    let dir = tempfile::tempdir().unwrap();
    let mut child = safecare()
        .args(["serve", "--listen", "127.0.0.1:0", "--data"])
        .arg(dir.path())
        .env("SAFECARE_STORE__DURABILITY", "normal")
        .stdout(Stdio::piped())
        .stderr(Stdio::null())
        .spawn()
        .unwrap();
    let mut line = String::new();
    BufReader::new(child.stdout.take().unwrap()).read_line(&mut line).unwrap();
    let url = line.split_whitespace().find(|w| w.starts_with("http://")).unwrap().to_owned();

    let rt = tokio::runtime::Runtime::new().unwrap();
    let health: serde_json::Value =
        rt.block_on(async { reqwest::get(format!("{url}/healthz")).await.unwrap().json().await.unwrap() });
    assert_eq!(health["status"], "ok");

    let pid = child.id().to_string();
    assert!(Command::new("kill").args(["-TERM", &pid]).status().unwrap().success());
    let status = child.wait().unwrap();
    assert!(status.success(), "{status}");
    assert!(dir.path().join("safecare.db").exists());
}
