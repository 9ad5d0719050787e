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

#[test]
fn users_and_tokens_are_managed_from_the_command_line() {
    use std::io::Write;
    let dir = tempfile::tempdir().unwrap();
    let data = dir.path().to_str().unwrap();
    let mut add = safecare()
        .args(["users", "add", "chief", "--role", "crisis_manager", "--password-stdin", "--data", data])
        .stdin(Stdio::piped())
        .output_with_stdin("a very long password\n");
    assert!(add.status.success(), "{}", String::from_utf8_lossy(&add.stderr));
    add = safecare()
        .args(["users", "add", "chief", "--role", "admin", "--password-stdin", "--data", data])
        .output_with_stdin("another long password\n");
    assert!(!add.status.success());
    assert!(String::from_utf8_lossy(&add.stderr).contains("already exists"));
    let short = safecare()
        .args(["users", "add", "x", "--role", "admin", "--password-stdin", "--data", data])
        .output_with_stdin("short\n");
    assert!(String::from_utf8_lossy(&short.stderr).contains("too short"));
    let bad_role = safecare().args(["users", "add", "y", "--role", "king", "--data", data]).output().unwrap();
    assert!(String::from_utf8_lossy(&bad_role.stderr).contains("king"));

    let list = safecare().args(["users", "list", "--data", data]).output().unwrap();
    assert_eq!(String::from_utf8_lossy(&list.stdout).trim(), "chief\tcrisis_manager\tactive");
    let disable = safecare().args(["users", "disable", "chief", "--data", data]).output().unwrap();
    assert!(disable.status.success());
    let list = safecare().args(["users", "list", "--data", data]).output().unwrap();
    assert!(String::from_utf8_lossy(&list.stdout).contains("disabled"));

    let token = safecare()
        .args(["tokens", "add", "door gateway", "--role", "sensor", "--source", "doors", "--data", data])
        .output()
        .unwrap();
    assert!(token.status.success());
    assert!(String::from_utf8_lossy(&token.stdout).starts_with("sc_"));

    trait WithStdin {
        fn output_with_stdin(&mut self, input: &str) -> std::process::Output;
    }
    impl WithStdin for Command {
        fn output_with_stdin(&mut self, input: &str) -> std::process::Output {
            let mut child = self.stdin(Stdio::piped()).stdout(Stdio::piped()).stderr(Stdio::piped()).spawn().unwrap();
            child.stdin.take().unwrap().write_all(input.as_bytes()).unwrap();
            child.wait_with_output().unwrap()
        }
    }
}

#[test]
fn certs_init_writes_a_usable_certificate_once() {
    let dir = tempfile::tempdir().unwrap();
    let data = dir.path().to_str().unwrap();
    let out = safecare()
        .args(["certs", "init", "--data", data, "--hosts", "localhost,safecare.hospital.example"])
        .output()
        .unwrap();
    assert!(out.status.success(), "{}", String::from_utf8_lossy(&out.stderr));
    assert!(String::from_utf8_lossy(&out.stdout).contains("[tls]"));
    let key = dir.path().join("tls/key.pem");
    assert!(std::fs::read_to_string(&key).unwrap().contains("PRIVATE KEY"));
    #[cfg(unix)]
    {
        use std::os::unix::fs::PermissionsExt;
        assert_eq!(std::fs::metadata(&key).unwrap().permissions().mode() & 0o777, 0o600);
    }
    let again = safecare().args(["certs", "init", "--data", data]).output().unwrap();
    assert!(!again.status.success());
    assert!(String::from_utf8_lossy(&again.stderr).contains("--force"));
}

#[test]
fn audit_verify_and_purge_dry_run_work_on_the_data_directory() {
    let dir = tempfile::tempdir().unwrap();
    let data = dir.path().to_str().unwrap();
    let verify = safecare().args(["audit", "verify", "--data", data]).output().unwrap();
    assert!(verify.status.success(), "{}", String::from_utf8_lossy(&verify.stderr));
    assert!(String::from_utf8_lossy(&verify.stdout).contains("intact"));

    let plan = safecare().args(["purge", "--dry-run", "--data", data]).output().unwrap();
    assert!(plan.status.success(), "{}", String::from_utf8_lossy(&plan.stderr));
    let text = String::from_utf8_lossy(&plan.stdout);
    assert!(text.contains("dry run") && text.contains("raw_events") && text.contains("total"), "{text}");

    let purge = safecare().args(["purge", "--data", data]).output().unwrap();
    assert!(purge.status.success());
    let verify = safecare().args(["audit", "verify", "--data", data]).output().unwrap();
    assert!(verify.status.success(), "the purge's own audit entry keeps the chain intact");

    // Remove the signed head: a log with entries but no anchor is not trusted.
    std::fs::remove_file(dir.path().join("audit-anchor.json")).unwrap();
    let verify = safecare().args(["audit", "verify", "--data", data]).output().unwrap();
    assert!(!verify.status.success());
}

#[test]
fn bench_ingest_reports_a_rate() {
    let out = safecare()
        .args(["bench", "ingest", "--events", "3000", "--batch", "500", "--concurrency", "2"])
        .output()
        .unwrap();
    assert!(out.status.success(), "{}", String::from_utf8_lossy(&out.stderr));
    let text = String::from_utf8_lossy(&out.stdout);
    assert!(text.contains("3000 events in 6 requests") && text.contains("events/s"), "{text}");
}

#[test]
fn bench_detect_reports_medians_for_each_rule_set() {
    let out = safecare()
        .args(["bench", "detect", "--runs", "3", "--events", "500"])
        .env_remove("SAFECARE_SAMPLES_DIR")
        .output()
        .unwrap();
    assert!(out.status.success(), "{}", String::from_utf8_lossy(&out.stderr));
    let text = String::from_utf8_lossy(&out.stdout);
    assert!(text.starts_with("hospital pack (") && text.contains("median of 3 runs"), "{text}");
    let rate = |label: &str| -> f64 {
        let after = text.split(label).nth(1).unwrap_or_else(|| panic!("no {label} in {text}"));
        after.split_whitespace().next().unwrap().parse().unwrap()
    };
    assert!(rate("evaluation ") > 0.0 && rate("parse+normalise+evaluate ") > 0.0, "{text}");
    assert!(String::from_utf8_lossy(&out.stderr).contains("SigmaHQ Windows measurement skipped"));

    let Some(samples) = std::env::var_os("SAFECARE_SAMPLES_DIR") else { return };
    let out = safecare()
        .args(["bench", "detect", "--runs", "1", "--events", "1"])
        .arg("--samples")
        .arg(samples)
        .output()
        .unwrap();
    assert!(out.status.success(), "{}", String::from_utf8_lossy(&out.stderr));
    let text = String::from_utf8_lossy(&out.stdout);
    assert!(text.contains("SigmaHQ Windows (2407 rules, 2137 events)"), "{text}");
}

#[test]
fn hunt_finds_detections_in_json_lines_in_every_format() {
    let dir = tempfile::tempdir().unwrap();
    let logs = dir.path().join("logs");
    std::fs::create_dir_all(&logs).unwrap();
    let cleared = r#"{"EventID": 1102, "Channel": "Security", "Computer": "srv-ehr-01", "TimeCreated": "2026-11-28T02:00:00Z", "SubjectUserName": "svc_backup"}"#;
    let benign = r#"{"EventID": 4624, "Channel": "Security", "Computer": "srv-ehr-01", "TimeCreated": "2026-11-28T02:01:00Z", "LogonType": 2}"#;
    std::fs::write(logs.join("security.jsonl"), format!("{cleared}\n{benign}\nnot json\n")).unwrap();
    std::fs::write(logs.join("ignored.txt"), "not a log").unwrap();

    let json = safecare().args(["hunt", "--format", "json"]).arg(&logs).output().unwrap();
    assert!(json.status.success(), "{}", String::from_utf8_lossy(&json.stderr));
    let lines: Vec<serde_json::Value> =
        String::from_utf8_lossy(&json.stdout).lines().map(|l| serde_json::from_str(l).unwrap()).collect();
    assert!(lines.iter().any(|a| a["Description"].as_str().unwrap().contains("Log")), "{lines:?}");
    let summary = String::from_utf8_lossy(&json.stderr);
    assert!(summary.contains("1 files, 2 events, 1 records skipped"), "{summary}");

    let csv = safecare().args(["hunt", "--format", "csv"]).arg(&logs).output().unwrap();
    let text = String::from_utf8_lossy(&csv.stdout);
    assert!(text.starts_with("time,severity,alert,rule,asset\n") && text.lines().count() >= 2, "{text}");

    let missing = safecare().args(["hunt"]).arg(dir.path().join("nope")).output().unwrap();
    assert!(!missing.status.success());
}

#[test]
fn hunt_over_the_public_windows_samples_with_sigmahq() {
    let Some(samples) = std::env::var_os("SAFECARE_SAMPLES_DIR").map(std::path::PathBuf::from) else {
        println!("hunt sample test not run: SAFECARE_SAMPLES_DIR is not set");
        return;
    };
    let out = safecare()
        .args(["hunt", "--format", "json", "--rules"])
        .arg(samples.join("sigmahq/rules/windows"))
        .arg(samples.join("windows-events-json"))
        .output()
        .unwrap();
    assert!(out.status.success(), "{}", String::from_utf8_lossy(&out.stderr));
    let detections = String::from_utf8_lossy(&out.stdout).lines().count();
    assert!(detections >= 20, "the labelled attacks raise SigmaHQ detections: {detections}");
    assert!(String::from_utf8_lossy(&out.stderr).contains("2137 events"));
}

#[test]
fn demo_loads_the_hospital_and_its_attack_raises_cross_domain_alerts_and_incidents() {
    let dir = tempfile::tempdir().unwrap();
    let mut child = safecare()
        .args(["demo", "--listen", "127.0.0.1:0", "--speed", "30", "--data"])
        .arg(dir.path())
        .env("SAFECARE_DEMO_PASSWORD", "demo password 123")
        .env("SAFECARE_STORE__DURABILITY", "normal")
        .stdout(Stdio::piped())
        .stderr(Stdio::null())
        .spawn()
        .unwrap();
    let mut lines = BufReader::new(child.stdout.take().unwrap()).lines();
    let mut url = None;
    for line in lines.by_ref() {
        let line = line.unwrap();
        if let Some(u) = line.split_whitespace().find(|w| w.starts_with("http://")) {
            url = Some(u.to_owned());
        }
        if line.contains("attack played") {
            break;
        }
    }
    let url = url.expect("the demo prints its URL");
    let rt = tokio::runtime::Runtime::new().unwrap();
    let (assets, alerts, incident) = rt.block_on(async {
        let client = reqwest::Client::builder().cookie_store(true).build().unwrap();
        let login = client
            .post(format!("{url}/api/v1/auth/login"))
            .json(&serde_json::json!({"username": "admin", "password": "demo password 123"}))
            .send()
            .await
            .unwrap();
        assert_eq!(login.status(), 200);
        let assets: Vec<serde_json::Value> =
            client.get(format!("{url}/api/v1/assets")).send().await.unwrap().json().await.unwrap();
        let mut alerts: Vec<serde_json::Value> = Vec::new();
        for _ in 0..50 {
            alerts = client.get(format!("{url}/api/v1/alerts")).send().await.unwrap().json().await.unwrap();
            if alerts.iter().filter(|a| a["SafeCare"]["severity"] == "critical").count() >= 2 {
                break;
            }
            tokio::time::sleep(std::time::Duration::from_millis(100)).await;
        }
        // The incident the phishing click opened, once the set-point change
        // and their correlation have joined it with its impact.
        let mut incident = serde_json::Value::Null;
        for _ in 0..100 {
            let page: serde_json::Value =
                client.get(format!("{url}/api/v1/incidents")).send().await.unwrap().json().await.unwrap();
            let opened = page["incidents"].as_array().unwrap().iter().find(|i| i["threat"] == "bms_tampering").cloned();
            if let Some(id) = opened.as_ref().and_then(|i| i["id"].as_str()) {
                incident =
                    client.get(format!("{url}/api/v1/incidents/{id}")).send().await.unwrap().json().await.unwrap();
                if incident["impact"]["report"]["threat"] == "intrusion" {
                    break;
                }
            }
            tokio::time::sleep(std::time::Duration::from_millis(100)).await;
        }
        (assets, alerts, incident)
    });
    assert!(assets.len() >= 400, "{} assets", assets.len());
    let critical: Vec<&str> = alerts
        .iter()
        .filter(|a| a["SafeCare"]["severity"] == "critical")
        .map(|a| a["Description"].as_str().unwrap())
        .collect();
    assert!(critical.len() >= 2, "the cyber-physical correlations fire: {alerts:#?}");
    assert!(
        alerts.iter().any(|a| a["SafeCare"]["domains"].as_array().is_some_and(|d| d.len() >= 2)),
        "an alert spans two domains"
    );
    let services: Vec<&str> = incident["impact"]["report"]["services"]
        .as_array()
        .unwrap_or_else(|| panic!("the demo's incident carries its impact: {incident:#}"))
        .iter()
        .map(|s| s["name"].as_str().unwrap())
        .collect();
    assert!(services.contains(&"Operating theatres"), "{services:?}");
    assert!(!incident["tasks"].as_array().unwrap().is_empty());
    assert!(Command::new("kill").args(["-TERM", &child.id().to_string()]).status().unwrap().success());
    assert!(child.wait().unwrap().success());
}

#[test]
fn assets_import_validates_and_loads_the_demo_site() {
    let dir = tempfile::tempdir().unwrap();
    let data = dir.path().to_str().unwrap();
    let site = concat!(env!("CARGO_MANIFEST_DIR"), "/../../content/sites/demo-hospital");
    let out = safecare().args(["assets", "import", site, "--data", data]).output().unwrap();
    assert!(out.status.success(), "{}", String::from_utf8_lossy(&out.stderr));
    assert!(String::from_utf8_lossy(&out.stdout).contains("imported 454 assets"));
    let bad = dir.path().join("bad.yaml");
    std::fs::write(&bad, "assets:\n  - {id: a, name: A, kind: toaster}\n").unwrap();
    let out = safecare().args(["assets", "import"]).arg(&bad).args(["--data", data]).output().unwrap();
    assert!(!out.status.success());
    assert!(String::from_utf8_lossy(&out.stderr).contains("toaster"));
}

/// A real EVTX file (`$SAFECARE_TEST_EVTX`, fetched by `.ci/run`): hunt reads
/// its binary chunks and SigmaHQ finds the failed remote logon from a public
/// address that it holds.
#[test]
fn hunt_reads_a_real_evtx_file() {
    let (Some(evtx), Some(samples)) =
        (std::env::var_os("SAFECARE_TEST_EVTX"), std::env::var_os("SAFECARE_SAMPLES_DIR"))
    else {
        println!("EVTX hunt test not run: SAFECARE_TEST_EVTX or SAFECARE_SAMPLES_DIR is not set");
        return;
    };
    let dir = tempfile::tempdir().unwrap();
    std::fs::copy(&evtx, dir.path().join("Security.evtx")).unwrap();
    let out = safecare()
        .args(["hunt", "--format", "json", "--rules"])
        .arg(std::path::Path::new(&samples).join("sigmahq/rules/windows"))
        .arg(dir.path())
        .output()
        .unwrap();
    assert!(out.status.success(), "{}", String::from_utf8_lossy(&out.stderr));
    let alerts: Vec<serde_json::Value> =
        String::from_utf8_lossy(&out.stdout).lines().map(|l| serde_json::from_str(l).unwrap()).collect();
    let rules: Vec<&str> = alerts.iter().map(|a| a["SafeCare"]["rule"].as_str().unwrap()).collect();
    assert_eq!(rules, ["f88e112a-21aa-44bd-9b01-6ee2a2bbbed1"], "Failed Logon From Public IP");
    assert_eq!(alerts[0]["StartTime"], "2016-06-29T15:24:36.686Z");
    let summary = String::from_utf8_lossy(&out.stderr);
    assert!(summary.contains("1 files, 7 events, 0 records skipped, 1 detections"), "{summary}");
    assert!(!summary.contains("Chunk 0"), "the evtx crate's chunk logs are hidden: {summary}");
}
