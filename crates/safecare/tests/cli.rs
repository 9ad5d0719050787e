//! The `safecare` binary as a user runs it.
#![allow(clippy::unwrap_used, clippy::expect_used)]

mod common;

use std::io::{BufRead, BufReader};
use std::process::{Command, Stdio};

use common::{Served, init, safecare, serve_command, url_in};

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
    // Without any user, serve says in its log how to create the first
    // administrator.
    let mut child = serve_command(dir.path()).stdout(Stdio::null()).stderr(Stdio::piped()).spawn().unwrap();
    let stderr = child.stderr.take().unwrap();
    let (found, hint) = std::sync::mpsc::channel();
    std::thread::spawn(move || {
        let line = BufReader::new(stderr).lines().map_while(Result::ok).find(|l| l.contains("no one can log in yet"));
        let _ = found.send(line);
    });
    let hint = hint.recv_timeout(std::time::Duration::from_secs(30)).ok().flatten();
    child.kill().unwrap();
    child.wait().unwrap();
    assert!(hint.is_some_and(|h| h.contains("safecare init --admin NAME")));

    let served = Served::start(&mut serve_command(dir.path()));

    let rt = tokio::runtime::Runtime::new().unwrap();
    let url = &served.url;
    let health: serde_json::Value =
        rt.block_on(async { reqwest::get(format!("{url}/healthz")).await.unwrap().json().await.unwrap() });
    assert_eq!(health["status"], "ok");

    served.stop();
    assert!(dir.path().join("safecare.db").exists());
}

#[test]
fn a_users_language_and_time_zone_are_set_from_the_command_line() {
    let dir = tempfile::tempdir().unwrap();
    let data = dir.path().to_str().unwrap();
    init(dir.path());
    let run = |args: &[&str], stdin: &str| {
        use std::io::Write;
        let mut child = safecare()
            .args(args)
            .args(["--data", data])
            .stdin(Stdio::piped())
            .stdout(Stdio::piped())
            .stderr(Stdio::piped())
            .spawn()
            .unwrap();
        child.stdin.take().unwrap().write_all(stdin.as_bytes()).unwrap();
        let out = child.wait_with_output().unwrap();
        (
            out.status.success(),
            String::from_utf8_lossy(&out.stdout).into_owned(),
            String::from_utf8_lossy(&out.stderr).into_owned(),
        )
    };
    let (ok, _, stderr) = run(
        &[
            "users",
            "add",
            "garde",
            "--role",
            "security_guard",
            "--password-stdin",
            "--language",
            "fr",
            "--time-zone",
            "Europe/Paris",
        ],
        "a very long password\n",
    );
    assert!(ok, "{stderr}");
    let (_, list, _) = run(&["users", "list"], "");
    assert!(list.lines().any(|l| l == "garde\tsecurity_guard\tactive\tfr\tEurope/Paris"), "{list}");

    let (ok, _, stderr) = run(&["users", "set", "garde", "--language", "nl"], "");
    assert!(ok, "{stderr}");
    let (_, list, _) = run(&["users", "list"], "");
    assert!(list.lines().any(|l| l == "garde\tsecurity_guard\tactive\tnl\tEurope/Paris"), "the zone is kept: {list}");

    let (ok, _, stderr) = run(&["users", "set", "garde", "--time-zone", "Mars/Olympus"], "");
    assert!(!ok && stderr.contains("Mars/Olympus"), "{stderr}");
    let (ok, _, stderr) = run(&["users", "set", "garde", "--language", "de"], "");
    assert!(!ok && stderr.contains("de"), "{stderr}");
    let (ok, _, stderr) = run(&["users", "set", "garde"], "");
    assert!(!ok && stderr.contains("nothing to set"), "{stderr}");
    let (ok, _, stderr) = run(&["users", "set", "nobody", "--language", "fr"], "");
    assert!(!ok && stderr.contains("no user nobody"), "{stderr}");
    // A bad zone on `add` adds no one.
    let (ok, _, _) = run(
        &["users", "add", "other", "--role", "responder", "--password-stdin", "--time-zone", "Paris"],
        "a very long password\n",
    );
    assert!(!ok);
    let (_, list, _) = run(&["users", "list"], "");
    assert!(!list.contains("other"), "{list}");
}

#[test]
fn users_and_tokens_are_managed_from_the_command_line() {
    use std::io::Write;
    let dir = tempfile::tempdir().unwrap();
    let data = dir.path().to_str().unwrap();
    init(data.as_ref());
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
    let help = safecare().args(["users", "add", "--help"]).output().unwrap();
    let help = String::from_utf8_lossy(&help.stdout);
    for role in ["admin", "soc_analyst", "security_guard", "crisis_manager", "privacy_officer", "responder", "sensor"] {
        assert!(help.contains(role), "users add --help lists {role}: {help}");
    }

    let list = safecare().args(["users", "list", "--data", data]).output().unwrap();
    let list = String::from_utf8_lossy(&list.stdout);
    assert_eq!(list.lines().collect::<Vec<_>>(), ["admin\tadmin\tactive\t-\t-", "chief\tcrisis_manager\tactive\t-\t-"]);
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
    // Run in a folder without a database, they refuse and create none.
    for command in [&["audit", "verify"][..], &["purge", "--dry-run"], &["users", "list"]] {
        let out = safecare().args(command).args(["--data", data]).output().unwrap();
        assert!(!out.status.success(), "{command:?}");
        assert!(String::from_utf8_lossy(&out.stderr).contains("no SafeCare database at"), "{command:?}");
        assert!(!dir.path().join("safecare.db").exists(), "{command:?} created a database");
    }
    init(data.as_ref());
    let token = safecare().args(["tokens", "add", "gateway", "--role", "sensor", "--data", data]).output().unwrap();
    assert!(token.status.success(), "{}", String::from_utf8_lossy(&token.stderr));
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
fn bench_detect_reports_both_engines_for_each_corpus() {
    let out = safecare()
        .args(["bench", "detect", "--runs", "3", "--events", "500"])
        .env_remove("SAFECARE_SAMPLES_DIR")
        .output()
        .unwrap();
    assert!(out.status.success(), "{}", String::from_utf8_lossy(&out.stderr));
    let text = String::from_utf8_lossy(&out.stdout);
    assert!(text.starts_with("hospital pack (") && text.contains(" matches"), "{text}");
    let rate = text.split("): ").nth(1).and_then(|r| r.split_whitespace().next()).unwrap_or_default();
    assert!(rate.parse::<f64>().is_ok_and(|r| r > 0.0), "{text}");
    assert!(String::from_utf8_lossy(&out.stderr).contains("SigmaHQ measurements skipped"));

    let Some(samples) = std::env::var_os("SAFECARE_SAMPLES_DIR").map(std::path::PathBuf::from) else { return };
    let out = safecare()
        .args(["bench", "detect", "--runs", "1", "--events", "1", "--corpus"])
        .arg(samples.join("windows-events-json"))
        .arg("--corpus")
        .arg(samples.join("evtx-attack"))
        .output()
        .unwrap();
    assert!(out.status.success(), "{}", String::from_utf8_lossy(&out.stderr));
    let text = String::from_utf8_lossy(&out.stdout);
    for (corpus, events) in [("windows-events-json", 2137), ("evtx-attack", 10_015)] {
        let line = text.lines().find(|l| l.contains(corpus)).unwrap_or_else(|| panic!("no {corpus} in {text}"));
        assert!(line.contains(&format!("2407 rules, {events} events")), "{line}");
        // Both engines find the same matches (the equivalence tests prove it per event).
        let counts: Vec<&str> = line.split(" matches").filter_map(|p| p.rsplit(' ').next()).collect();
        assert!(counts.len() >= 2 && counts[0] == counts[1] && counts[0] != "0", "{line}");
        assert!(line.contains("SafeCare/plain"), "{line}");
    }
}

const CLEARED: &str = r#"{"EventID": 1102, "Channel": "Security", "Provider_Name": "Microsoft-Windows-Eventlog", "Computer": "srv-ehr-01", "TimeCreated": "2026-11-28T02:00:00Z", "EventRecordID": 77, "SubjectUserName": "svc_backup"}"#;
const BENIGN: &str = r#"{"EventID": 4624, "Channel": "Security", "Computer": "srv-ehr-01", "TimeCreated": "2026-11-28T02:01:00Z", "LogonType": 2}"#;

/// A folder with one Windows JSON-lines log (a cleared audit log, a benign
/// logon, a line that is not JSON) and a file hunt does not read.
fn security_logs() -> (tempfile::TempDir, std::path::PathBuf) {
    let dir = tempfile::tempdir().unwrap();
    let logs = dir.path().join("logs");
    std::fs::create_dir_all(&logs).unwrap();
    std::fs::write(logs.join("security.jsonl"), format!("{CLEARED}\n{BENIGN}\nnot json\n")).unwrap();
    std::fs::write(logs.join("ignored.txt"), "not a log").unwrap();
    (dir, logs)
}

fn text(bytes: &[u8]) -> String {
    String::from_utf8_lossy(bytes).into_owned()
}

#[test]
fn hunt_finds_detections_in_json_lines_in_every_format() {
    let (dir, logs) = security_logs();
    let json = safecare().args(["hunt", "--format", "json"]).arg(&logs).output().unwrap();
    assert!(json.status.success(), "{}", text(&json.stderr));
    let lines: Vec<serde_json::Value> = text(&json.stdout).lines().map(|l| serde_json::from_str(l).unwrap()).collect();
    assert!(lines.iter().any(|a| a["Description"].as_str().unwrap().contains("Log")), "{lines:?}");
    let summary = text(&json.stderr);
    assert!(summary.contains("1 files, 2 events, 1 records skipped (invalid_json ×1)"), "{summary}");

    let csv = safecare().args(["hunt", "--format", "csv"]).arg(&logs).output().unwrap();
    let out = text(&csv.stdout);
    let mut rows = out.lines();
    assert_eq!(rows.next(), Some("time,computer,channel,event_id,record_id,level,rule,rule_id,asset,details"));
    let row: Vec<&str> = rows.next().expect("a detection").split(',').collect();
    assert_eq!(row[..5], ["2026-11-28T02:00:00Z", "srv-ehr-01", "Security", "1102", "77"], "{out}");
    assert_eq!(row[8], "srv-ehr-01", "the asset column names the computer: {out}");
    assert!(row[9].starts_with("user: usr_"), "the user shown as this run's token: {out}");

    let missing = safecare().args(["hunt"]).arg(dir.path().join("nope")).output().unwrap();
    assert!(!missing.status.success());
}

#[test]
fn hunt_table_shows_where_each_detection_is_and_a_summary() {
    let (_dir, logs) = security_logs();
    let out = safecare().args(["hunt"]).arg(&logs).output().unwrap();
    assert!(out.status.success(), "{}", text(&out.stderr));
    let table = text(&out.stdout);
    let header = table.lines().next().unwrap();
    for column in ["TIME", "COMPUTER", "CHANNEL", "EVENT", "RECORD", "LEVEL", "RULE", "DETAILS"] {
        assert!(header.contains(column), "{header}");
    }
    let row = table.lines().nth(1).expect("a detection");
    for value in ["2026-11-28T02:00:00Z", "srv-ehr-01", "Security", "1102", "77", "user: usr_"] {
        assert!(row.contains(value), "{value} in {row}");
    }
    let summary = text(&out.stderr);
    assert!(summary.contains("by level: "), "{summary}");
    assert!(summary.contains("top rules: ") && summary.contains("top computers: srv-ehr-01 (1)"), "{summary}");
    assert!(summary.contains("first: 2026-11-28T02:00:00Z, last: 2026-11-28T02:00:00Z"), "{summary}");
}

#[test]
fn hunt_filters_by_level_and_excluded_rules_and_takes_rule_files() {
    let (dir, logs) = security_logs();
    let rule = dir.path().join("cleared.yml");
    std::fs::write(
        &rule,
        "title: Audit log cleared here\nid: 0d7e4b44-0000-4000-8000-00000000c1ea\nlevel: high\nlogsource: {product: windows, service: security}\ndetection:\n  sel: {EventID: 1102}\n  condition: sel\n",
    )
    .unwrap();
    let hunt = |extra: &[&str]| {
        let out =
            safecare().args(["hunt", "--format", "csv", "--rules"]).arg(&rule).args(extra).arg(&logs).output().unwrap();
        assert!(out.status.success(), "{}", text(&out.stderr));
        text(&out.stdout).lines().skip(1).map(str::to_owned).collect::<Vec<_>>()
    };
    let all = hunt(&[]);
    assert_eq!(all.len(), 1, "{all:?}");
    assert!(all[0].contains("Audit log cleared here") && all[0].contains(",high,"), "{all:?}");
    assert_eq!(hunt(&["--min-level", "high"]).len(), 1);
    assert!(hunt(&["--min-level", "critical"]).is_empty());
    assert!(hunt(&["--exclude-rules", "0d7e4b44-0000-4000-8000-00000000c1ea"]).is_empty());
    let noisy = dir.path().join("noisy.txt");
    std::fs::write(&noisy, "# too noisy here\n0d7e4b44-0000-4000-8000-00000000c1ea\n").unwrap();
    assert!(hunt(&["--exclude-rules", noisy.to_str().unwrap()]).is_empty());
}

#[test]
fn a_second_hunt_takes_its_rules_from_the_cache_and_a_changed_file_is_parsed_again() {
    let (dir, logs) = security_logs();
    let rule = dir.path().join("cleared.yml");
    let write_rule = |level: &str| {
        let yaml = format!(
            "title: Audit log cleared, cached\nid: 0d7e4b44-0000-4000-8000-0000000cac4e\nlevel: {level}\nlogsource: {{product: windows, service: security}}\ndetection:\n  sel: {{EventID: 1102}}\n  condition: sel\n"
        );
        std::fs::write(&rule, yaml).unwrap();
    };
    let cache = dir.path().join("cache");
    let hunt = |extra: &[&str]| {
        let out = safecare()
            .env("XDG_CACHE_HOME", &cache)
            .args(["hunt", "--format", "csv", "--rules"])
            .arg(&rule)
            .args(extra)
            .arg(&logs)
            .output()
            .unwrap();
        assert!(out.status.success(), "{}", text(&out.stderr));
        (text(&out.stdout), text(&out.stderr))
    };
    write_rule("high");
    let (first, said) = hunt(&[]);
    assert!(said.contains("(0 of 1 rule files from the cache)"), "{said}");
    assert!(first.contains("Audit log cleared, cached") && first.contains(",high,"), "{first}");
    let (second, said) = hunt(&[]);
    assert!(said.contains("(1 of 1 rule files from the cache)"), "{said}");
    // Each run pseudonymises persons with its own key: the details differ.
    let columns =
        |csv: &str| csv.lines().map(|l| l.rsplit_once(',').map(|(kept, _)| kept.to_owned())).collect::<Vec<_>>();
    assert_eq!(columns(&second), columns(&first));

    write_rule("critical");
    let (changed, said) = hunt(&[]);
    assert!(said.contains("(0 of 1 rule files from the cache)"), "{said}");
    assert!(changed.contains(",critical,"), "{changed}");

    let before = std::fs::read_dir(cache.join("safecare")).unwrap().count();
    let (_, said) = hunt(&["--no-rule-cache"]);
    assert!(!said.contains("from the cache"), "{said}");
    assert_eq!(std::fs::read_dir(cache.join("safecare")).unwrap().count(), before);
}

#[test]
fn hunt_refuses_files_it_cannot_decode_with_a_non_zero_exit() {
    let (dir, logs) = security_logs();
    let notes = dir.path().join("notes.txt");
    std::fs::write(&notes, "plain text\n").unwrap();
    let out = safecare().args(["hunt"]).arg(&notes).output().unwrap();
    assert!(!out.status.success());
    assert!(text(&out.stderr).contains("not an .evtx, .json, .jsonl, .ndjson or .log file"), "{}", text(&out.stderr));
    // A `.log` is read, as Zeek's tab-separated form or line by line, and
    // refused when nothing in it decodes.
    let log = dir.path().join("app.log");
    std::fs::write(&log, "plain text\n").unwrap();
    let out = safecare().args(["hunt"]).arg(&log).output().unwrap();
    assert!(!out.status.success());
    assert!(text(&out.stderr).contains("app.log could be decoded"), "{}", text(&out.stderr));

    let named = safecare().args(["hunt", "--parser", "eve"]).arg(logs.join("security.jsonl")).output().unwrap();
    assert!(!named.status.success());
    let err = text(&named.stderr);
    assert!(err.contains("no record of") && err.contains("security.jsonl could be decoded"), "{err}");

    let folder = safecare().args(["hunt", "--parser", "eve"]).arg(&logs).output().unwrap();
    assert!(!folder.status.success());
    let err = text(&folder.stderr);
    assert!(err.contains("none of the 3 records could be decoded") && err.contains("--parser eve"), "{err}");
}

#[test]
fn rules_test_reads_what_hunt_reads_with_parser() {
    let (_dir, logs) = security_logs();
    let Some(samples) = std::env::var_os("SAFECARE_SAMPLES_DIR").map(std::path::PathBuf::from) else {
        println!("rules test --parser not run: SAFECARE_SAMPLES_DIR is not set");
        return;
    };
    let rule = samples.join("sigmahq/rules/windows/builtin/security/win_security_audit_log_cleared.yml");
    let out = safecare().args(["rules", "test", "--parser", "windows"]).arg(&rule).arg(&logs).output().unwrap();
    assert_eq!(out.status.code(), Some(0), "{}", text(&out.stderr));
    assert!(text(&out.stdout).contains("(event 1)"), "{}", text(&out.stdout));
    assert!(text(&out.stderr).contains("1 records skipped (invalid_json)"), "{}", text(&out.stderr));
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
        if let Some(u) = url_in(&line) {
            url = Some(u);
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
            if alerts.iter().filter(|a| a["Attachment"][0]["Content"]["severity"] == "critical").count() >= 2 {
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
        .filter(|a| a["Attachment"][0]["Content"]["severity"] == "critical")
        .map(|a| a["Description"].as_str().unwrap())
        .collect();
    assert!(critical.len() >= 2, "the cyber-physical correlations fire: {alerts:#?}");
    assert!(
        alerts.iter().any(|a| a["Attachment"][0]["Content"]["domains"].as_array().is_some_and(|d| d.len() >= 2)),
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
    init(data.as_ref());
    let out = safecare().args(["assets", "import", site, "--data", data]).output().unwrap();
    assert!(out.status.success(), "{}", String::from_utf8_lossy(&out.stderr));
    assert!(String::from_utf8_lossy(&out.stdout).contains("imported 455 assets"));
    let bad = dir.path().join("bad.yaml");
    std::fs::write(&bad, "assets:\n  - {id: a, name: A, kind: toaster}\n").unwrap();
    let out = safecare().args(["assets", "import"]).arg(&bad).args(["--data", data]).output().unwrap();
    assert!(!out.status.success());
    assert!(String::from_utf8_lossy(&out.stderr).contains("toaster"));
}

/// A real EVTX file of `evtx-attack/` (an RDP session hijack on a file
/// server's Security log): hunt reads its binary chunks, presents Security
/// 4688 under SigmaHQ's process-creation names, and SigmaHQ finds the
/// hijack in the exact records that hold it.
#[test]
fn hunt_reads_a_real_evtx_file() {
    let Some(samples) = std::env::var_os("SAFECARE_SAMPLES_DIR").map(std::path::PathBuf::from) else {
        println!("EVTX hunt test not run: SAFECARE_SAMPLES_DIR is not set");
        return;
    };
    let evtx = samples.join("evtx-attack/EVTX-to-MITRE-Attack/TA0008-Lateral Movement/T1021.001-Remote Desktop Protocol/ID4688-4778 RDP hijack command execution.evtx");
    let out = safecare()
        .args(["hunt", "--format", "csv", "--rules"])
        .arg(samples.join("sigmahq/rules/windows"))
        .arg(&evtx)
        .output()
        .unwrap();
    assert!(out.status.success(), "{}", text(&out.stderr));
    let rows: Vec<Vec<String>> =
        text(&out.stdout).lines().skip(1).map(|l| l.split(',').map(str::to_owned).collect()).collect();
    let found: Vec<(&str, &str, &str)> = rows.iter().map(|r| (r[4].as_str(), r[5].as_str(), r[7].as_str())).collect();
    assert_eq!(
        found,
        [
            ("1829537", "high", "f72aa3e8-49f9-4c7d-bd74-f8ab84ff9bbb"),
            ("1829538", "high", "f72aa3e8-49f9-4c7d-bd74-f8ab84ff9bbb"),
            ("1829538", "medium", "224f140f-3553-4cd1-af78-13d81bf9f7cc"),
        ],
        "Suspicious RDP Redirect Using TSCON ×2, Potential RDP Session Hijacking Activity"
    );
    assert_eq!(rows[0][..4], ["2021-05-14T20:40:16.8467736Z", "fs01.offsec.lan", "Security", "4688"]);
    assert!(rows[1][9].contains("cmd: tscon 2 /dest:rdp-tcp#5") && rows[1][9].contains("user: FS01$"), "{rows:?}");
    let summary = text(&out.stderr);
    assert!(summary.contains("1 files, 22 events, 0 records skipped, 3 detections"), "{summary}");
    assert!(summary.contains("by level: high 2, medium 1") && summary.contains("top computers: fs01.offsec.lan (3)"));
    assert!(!summary.contains("Chunk 0"), "the evtx crate's chunk logs are hidden: {summary}");
}
