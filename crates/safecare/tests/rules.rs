//! `safecare rules check` and `safecare rules test` as a rule author runs
//! them: their output and exit codes.
#![allow(clippy::unwrap_used, clippy::expect_used)]

mod common;

use std::path::Path;
use std::process::Output;

use common::safecare;

fn run(args: &[&Path]) -> Output {
    safecare().arg("rules").args(args).output().unwrap()
}

fn stdout(out: &Output) -> String {
    String::from_utf8_lossy(&out.stdout).into_owned()
}

fn stderr(out: &Output) -> String {
    String::from_utf8_lossy(&out.stderr).into_owned()
}

const GOOD: &str = "title: Forced Pharmacy Door
id: 6f1e7a52-3c1b-4a58-9d55-0d2e61f0a001
logsource:
    product: safecare
    category: access_control
detection:
    selection:
        action: forced
        door: pharmacy
    condition: selection
level: high
";

const ALSO_GOOD: &str = "title: Drug Cabinet Opened
id: 6f1e7a52-3c1b-4a58-9d55-0d2e61f0a002
logsource:
    product: safecare
    category: access_control
detection:
    selection:
        action: cabinet_open
    condition: selection
level: medium
";

/// A condition naming a selection that does not exist: parses, cannot compile.
const UNCOMPILABLE: &str = "title: Broken Condition
id: 6f1e7a52-3c1b-4a58-9d55-0d2e61f0a003
logsource:
    product: safecare
detection:
    selection:
        action: forced
    condition: selection and nowhere
";

#[test]
fn check_lists_each_refused_rule_and_ends_with_the_counts() {
    let dir = tempfile::tempdir().unwrap();
    std::fs::write(dir.path().join("good.yml"), GOOD).unwrap();
    std::fs::create_dir(dir.path().join("more")).unwrap();
    std::fs::write(dir.path().join("more/also-good.yaml"), ALSO_GOOD).unwrap();
    std::fs::write(dir.path().join("more/not-yaml.yml"), "title: [unclosed\n").unwrap();
    std::fs::write(dir.path().join("uncompilable.yml"), UNCOMPILABLE).unwrap();
    std::fs::write(dir.path().join("notes.txt"), "not a rule").unwrap();

    let out = run(&[Path::new("check"), dir.path()]);
    let text = stdout(&out);
    assert_eq!(out.status.code(), Some(1), "{text}{}", stderr(&out));
    let lines: Vec<&str> = text.lines().collect();
    assert_eq!(lines.last(), Some(&"2 rules loaded, 2 refused"), "{text}");
    assert_eq!(lines.len(), 3, "one line per refusal, then the counts: {text}");
    assert!(lines.iter().any(|l| l.contains("not-yaml.yml: ")), "{text}");
    assert!(lines.iter().any(|l| l.contains("uncompilable.yml: Broken Condition: ")), "{text}");

    std::fs::remove_file(dir.path().join("more/not-yaml.yml")).unwrap();
    std::fs::remove_file(dir.path().join("uncompilable.yml")).unwrap();
    let out = run(&[Path::new("check"), dir.path()]);
    assert_eq!(out.status.code(), Some(0), "{}", stdout(&out));
    assert_eq!(stdout(&out), "2 rules loaded, 0 refused\n");
}

#[test]
fn check_of_a_missing_folder_cannot_run() {
    let dir = tempfile::tempdir().unwrap();
    let out = run(&[Path::new("check"), &dir.path().join("nope")]);
    assert_eq!(out.status.code(), Some(2));
    assert!(stderr(&out).contains("nope"), "{}", stderr(&out));
}

#[test]
fn check_loads_every_sigmahq_rule() {
    let Some(samples) = std::env::var_os("SAFECARE_SAMPLES_DIR").map(std::path::PathBuf::from) else {
        println!("SigmaHQ check not run: SAFECARE_SAMPLES_DIR is not set");
        return;
    };
    let out = run(&[Path::new("check"), &samples.join("sigmahq/rules")]);
    assert_eq!(out.status.code(), Some(0), "{}", stdout(&out));
    assert_eq!(stdout(&out), "3141 rules loaded, 0 refused\n");
}

fn forced(door: &str) -> String {
    format!(
        r#"{{"domain":"physical","time":"2026-11-28T02:00:00Z","logsource":{{"product":"safecare","category":"access_control"}},"fields":{{"action":"forced","door":"{door}"}}}}"#
    )
}

#[test]
fn test_prints_each_match_with_the_rule_id_and_title() {
    let dir = tempfile::tempdir().unwrap();
    let rule = dir.path().join("forced.yml");
    std::fs::write(&rule, GOOD).unwrap();

    // An array: the second event matches.
    let events = dir.path().join("events.json");
    std::fs::write(&events, format!("[{}, {}]", forced("lab"), forced("pharmacy"))).unwrap();
    let out = run(&[Path::new("test"), &rule, &events]);
    assert_eq!(out.status.code(), Some(0), "{}", stderr(&out));
    assert_eq!(stdout(&out), "6f1e7a52-3c1b-4a58-9d55-0d2e61f0a001  Forced Pharmacy Door  (event 2)\n");

    // JSON lines, and a folder of rules.
    let lines = dir.path().join("events.jsonl");
    std::fs::write(&lines, format!("{}\n\n{}\n", forced("pharmacy"), forced("pharmacy"))).unwrap();
    let out = run(&[Path::new("test"), dir.path(), &lines]);
    assert_eq!(out.status.code(), Some(0), "{}", stderr(&out));
    assert_eq!(stdout(&out).lines().count(), 2, "{}", stdout(&out));
}

#[test]
fn test_without_a_match_exits_1() {
    let dir = tempfile::tempdir().unwrap();
    let rule = dir.path().join("forced.yml");
    std::fs::write(&rule, GOOD).unwrap();
    let events = dir.path().join("one.json");
    std::fs::write(&events, forced("lab")).unwrap();
    let out = run(&[Path::new("test"), &rule, &events]);
    assert_eq!(out.status.code(), Some(1), "{}", stderr(&out));
    assert_eq!(stdout(&out), "");
    let why = stderr(&out);
    assert!(why.contains("event 1 is routed as product: safecare, category: access_control"), "{why}");
}

#[test]
fn test_with_malformed_events_says_where_and_exits_2() {
    let dir = tempfile::tempdir().unwrap();
    let rule = dir.path().join("forced.yml");
    std::fs::write(&rule, GOOD).unwrap();
    let cases = [
        ("broken.jsonl", format!("{}\n{{\"domain\": \n", forced("pharmacy")), "line 2"),
        ("unknown.json", r#"[{"domain":"physical","fields":{"a":1},"colour":"red"}]"#.to_owned(), "element 1"),
        ("empty.json", String::new(), "empty"),
    ];
    for (name, text, says) in cases {
        let events = dir.path().join(name);
        std::fs::write(&events, text).unwrap();
        let out = run(&[Path::new("test"), &rule, &events]);
        assert_eq!(out.status.code(), Some(2), "{name}: {}", stderr(&out));
        assert!(stderr(&out).contains(says) && stderr(&out).contains(name), "{name}: {}", stderr(&out));
    }
    let out = run(&[Path::new("test"), &dir.path().join("no-rule.yml"), &dir.path().join("empty.json")]);
    assert_eq!(out.status.code(), Some(2));
}
