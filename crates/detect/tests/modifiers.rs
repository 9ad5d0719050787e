//! Every Sigma modifier, keywords, selectors and filter rules, through
//! SafeCare's `RuleSet`: each with an event that matches and one that does
//! not, and the prefiltered path agreeing with the plain library on both.
#![allow(clippy::unwrap_used, clippy::expect_used)]

use safecare_detect::RuleSet;
use safecare_detect::reference::{PlainEvent, PlainLibrary};
use safecare_model::{Domain, Event, Timestamp};
use serde_json::{Value, json};

const ID: &str = "5b9f2f4e-0000-4000-8000-000000000001";

fn rules(detection: &str) -> (RuleSet, PlainLibrary) {
    let yaml =
        format!("title: Modifier\nid: {ID}\nlogsource: {{product: safecare, category: test}}\ndetection:\n{detection}");
    let both = loaded(&yaml);
    assert_eq!(both.0.refused(), [], "{yaml}");
    assert_eq!(both.0.len(), 1);
    both
}

/// The rules through SafeCare and through the plain library.
fn loaded(yaml: &str) -> (RuleSet, PlainLibrary) {
    (RuleSet::from_yaml(yaml), PlainLibrary::from_yaml(yaml).expect("the plain library loads it"))
}

fn event(fields: Value) -> Event {
    let mut e = Event::new("test", Domain::Cyber, Timestamp::UNIX_EPOCH, "");
    e.logsource.product = Some("safecare".into());
    e.logsource.category = Some("test".into());
    e.fields = fields.as_object().cloned().unwrap_or_default();
    e
}

fn fires((rules, plain): &(RuleSet, PlainLibrary), fields: Value) -> bool {
    let e = event(fields);
    assert_eq!(rules.matches(&e), plain.matches(&PlainEvent::of(&e)), "prefilter and plain library disagree on {e:?}");
    let alerts = rules.detect(&e);
    alerts.iter().any(|a| a.safecare.rule.as_deref() == Some(ID))
}

/// One rule, one matching and one non-matching event.
fn case(detection: &str, hit: Value, miss: Value) {
    let set = rules(detection);
    assert!(fires(&set, hit.clone()), "should match {hit}:\n{detection}");
    assert!(!fires(&set, miss.clone()), "should not match {miss}:\n{detection}");
}

#[test]
fn contains_startswith_endswith_with_all() {
    case(
        "  sel:\n    CommandLine|contains|all: ['-nop', 'hidden']\n  condition: sel\n",
        json!({"CommandLine": "powershell -NoP -w HIDDEN -nop"}),
        json!({"CommandLine": "powershell -nop"}),
    );
    case(
        "  sel:\n    Image|startswith: 'C:\\Temp\\'\n  condition: sel\n",
        json!({"Image": "c:\\temp\\x.exe"}),
        json!({"Image": "D:\\Temp\\x.exe"}),
    );
    case(
        "  sel:\n    Image|endswith: ['\\rundll32.exe', '\\regsvr32.exe']\n  condition: sel\n",
        json!({"Image": "C:\\Windows\\System32\\RUNDLL32.EXE"}),
        json!({"Image": "C:\\Windows\\System32\\rundll32.exe.bak"}),
    );
    case(
        "  sel:\n    CommandLine|startswith|all: ['cmd', 'cmd.exe /c']\n  condition: sel\n",
        json!({"CommandLine": "cmd.exe /c whoami"}),
        json!({"CommandLine": "cmd /c whoami"}),
    );
}

#[test]
fn regular_expressions_and_their_flags() {
    case(
        "  sel:\n    CommandLine|re: 'Invoke-(Mimikatz|Kerberoast)'\n  condition: sel\n",
        json!({"CommandLine": "IEX; Invoke-Kerberoast -x"}),
        json!({"CommandLine": "iex; invoke-kerberoast -x"}),
    );
    case(
        "  sel:\n    CommandLine|re|i: 'invoke-(mimikatz|kerberoast)'\n  condition: sel\n",
        json!({"CommandLine": "Invoke-MIMIKATZ"}),
        json!({"CommandLine": "Invoke-Other"}),
    );
    case(
        "  sel:\n    Message|re|m: '^error$'\n  condition: sel\n",
        json!({"Message": "ok\nerror\nok"}),
        json!({"Message": "ok error ok"}),
    );
    case(
        "  sel:\n    Message|re|s: 'begin.end'\n  condition: sel\n",
        json!({"Message": "begin\nend"}),
        json!({"Message": "beginend"}),
    );
}

#[test]
fn cidr() {
    case(
        "  sel:\n    SourceIp|cidr: ['10.1.0.0/16', 'fd00::/8']\n  condition: sel\n",
        json!({"SourceIp": "10.1.200.3"}),
        json!({"SourceIp": "10.2.0.1"}),
    );
    case(
        "  sel:\n    SourceIp|cidr: 'fd00::/8'\n  condition: sel\n",
        json!({"SourceIp": "fd12::1"}),
        json!({"SourceIp": "fe80::1"}),
    );
}

#[test]
fn base64_and_base64offset() {
    case(
        "  sel:\n    Payload|base64|contains: 'secret'\n  condition: sel\n",
        json!({"Payload": "data=c2VjcmV0;"}),
        json!({"Payload": "data=secret;"}),
    );
    case(
        "  sel:\n    Payload|base64offset|contains: 'https:'\n  condition: sel\n",
        json!({"Payload": "-e aHR0cHM6Ly9ldmlsLmV4YW1wbGU="}),
        json!({"Payload": "-e aGVsbG8gdGhlcmU="}),
    );
}

#[test]
fn utf16le_utf16be_utf16_and_wide() {
    let le = json!({"Payload": "-enc cABpAG4AZwAgADgALgA4AC4AOAAuADgA"});
    let be = json!({"Payload": "-enc AHAAaQBuAGcAIAA4AC4AOAAuADgALgA4"});
    let bom = json!({"Payload": "-enc //5wAGkAbgBnACAAOAAuADgALgA4AC4AOAA="});
    let other = json!({"Payload": "-enc aABlAGwAbABvACAAdABoAGUAcgBlAA=="});
    case("  sel:\n    Payload|utf16le|base64offset|contains: 'ping'\n  condition: sel\n", le.clone(), other.clone());
    case("  sel:\n    Payload|wide|base64offset|contains: 'ping'\n  condition: sel\n", le.clone(), other.clone());
    case("  sel:\n    Payload|utf16be|base64offset|contains: 'ping'\n  condition: sel\n", be, le.clone());
    // With the BOM, 'ping ' is 12 bytes: no partial base64 character at its end.
    case("  sel:\n    Payload|utf16|base64offset|contains: 'ping '\n  condition: sel\n", bom, other);
}

#[test]
fn windash() {
    case(
        "  sel:\n    CommandLine|windash|contains: ' -encodedcommand '\n  condition: sel\n",
        json!({"CommandLine": "powershell /encodedcommand AAA"}),
        json!({"CommandLine": "powershell encodedcommand AAA"}),
    );
    case(
        "  sel:\n    CommandLine|windash|contains: ' -encodedcommand '\n  condition: sel\n",
        json!({"CommandLine": "powershell \u{2013}encodedcommand AAA"}),
        json!({"CommandLine": "powershell _encodedcommand AAA"}),
    );
}

#[test]
fn exists_cased_neq_and_fieldref() {
    case("  sel:\n    User|exists: true\n  condition: sel\n", json!({"User": "tok-1"}), json!({"Other": 1}));
    case("  sel:\n    User|exists: false\n  condition: sel\n", json!({"Other": 1}), json!({"User": "tok-1"}));
    case(
        "  sel:\n    Action|cased: 'Login'\n  condition: sel\n",
        json!({"Action": "Login"}),
        json!({"Action": "login"}),
    );
    case("  sel:\n    Status|neq: 'ok'\n  condition: sel\n", json!({"Status": "failed"}), json!({"Status": "OK"}));
    case(
        "  sel:\n    SourceUser|fieldref: TargetUser\n  condition: sel\n",
        json!({"SourceUser": "tok-1", "TargetUser": "tok-1"}),
        json!({"SourceUser": "tok-1", "TargetUser": "tok-2"}),
    );
}

#[test]
fn numeric_comparisons() {
    case("  sel:\n    Count|gt: 10\n  condition: sel\n", json!({"Count": 11}), json!({"Count": 10}));
    case("  sel:\n    Count|gte: 10\n  condition: sel\n", json!({"Count": "10"}), json!({"Count": 9.5}));
    case("  sel:\n    Count|lt: 5\n  condition: sel\n", json!({"Count": 4.9}), json!({"Count": 5}));
    case("  sel:\n    Count|lte: 5\n  condition: sel\n", json!({"Count": 5}), json!({"Count": "6"}));
    case("  sel:\n    EventID: 4625\n  condition: sel\n", json!({"EventID": "4625"}), json!({"EventID": 4624}));
}

#[test]
fn keywords() {
    case(
        "  keywords:\n    - mimikatz\n    - 'sekurlsa::'\n  condition: keywords\n",
        json!({"Message": "process ran SEKURLSA::logonpasswords", "nested": {"x": 1}}),
        json!({"Message": "benign", "mimi": "katz"}),
    );
    case(
        "  keywords:\n    - mimikatz\n  condition: keywords\n",
        json!({"deep": {"list": ["a", "Mimikatz.exe"]}}),
        json!({"deep": {"list": ["a", "b"]}}),
    );
    // A string as long as the keyword; a keyword split across two strings.
    case(
        "  keywords:\n    - katz\n  condition: keywords\n",
        json!({"a": "x", "b": "KATZ"}),
        json!({"a": "ka", "b": "tz", "c": "kat"}),
    );
    // Strings shorter than the keyword in bytes that lowercasing lengthens
    // (`İ` is two bytes, its lowercase three) or turns into it.
    case("  keywords:\n    - 'İx'\n  condition: keywords\n", json!({"a": "İX"}), json!({"a": "Ix"}));
    case("  keywords:\n    - kat\n  condition: keywords\n", json!({"a": "\u{212A}AT"}), json!({"a": "KA"}));
}

#[test]
fn one_of_and_all_of_patterns() {
    let sels = "  sel_img:\n    Image|endswith: '\\certutil.exe'\n  sel_cli:\n    CommandLine|contains: 'urlcache'\n  other:\n    User: nobody\n";
    case(
        &format!("{sels}  condition: 1 of sel_*\n"),
        json!({"CommandLine": "x -urlcache"}),
        json!({"Image": "C:\\x.exe", "User": "nobody"}),
    );
    case(
        &format!("{sels}  condition: all of sel_*\n"),
        json!({"Image": "C:\\certutil.exe", "CommandLine": "-urlcache -f"}),
        json!({"Image": "C:\\certutil.exe", "CommandLine": "-decode"}),
    );
    case(
        &format!("{sels}  condition: all of them\n"),
        json!({"Image": "C:\\certutil.exe", "CommandLine": "-urlcache", "User": "nobody"}),
        json!({"Image": "C:\\certutil.exe", "CommandLine": "-urlcache"}),
    );
    case(
        &format!("{sels}  condition: 1 of sel_* and not other\n"),
        json!({"Image": "C:\\certutil.exe", "User": "alice"}),
        json!({"Image": "C:\\certutil.exe", "User": "nobody"}),
    );
}

#[test]
fn filter_rules_exclude_their_targets_only() {
    let rule = format!(
        "title: Admin share\nid: {ID}\nlogsource: {{product: safecare, category: test}}\ndetection:\n  sel:\n    Share|endswith: 'ADMIN$'\n  condition: sel\n"
    );
    let other = "title: Other\nid: 5b9f2f4e-0000-4000-8000-000000000002\nlogsource: {product: safecare, category: test}\ndetection:\n  sel:\n    Share|endswith: 'ADMIN$'\n  condition: sel\n";
    let filter = format!(
        "title: Backups are expected\nlogsource: {{product: safecare, category: test}}\nfilter:\n  rules:\n    - {ID}\n  selection:\n    User: svc_backup\n  condition: not selection\n"
    );
    let unfiltered = loaded(&format!("{rule}---\n{other}"));
    let filtered = loaded(&format!("{rule}---\n{other}---\n{filter}"));
    assert_eq!(filtered.0.refused(), []);
    let backup = json!({"Share": "\\\\srv\\ADMIN$", "User": "svc_backup"});
    let intruder = json!({"Share": "\\\\srv\\ADMIN$", "User": "tok-9"});
    assert!(fires(&unfiltered, backup.clone()), "without the filter the backup account matches");
    assert!(!fires(&filtered, backup.clone()), "the filter removes the backup account");
    assert!(fires(&filtered, intruder), "the filter keeps everyone else");
    let e = event(backup);
    assert_eq!(
        filtered.0.matches(&e),
        ["5b9f2f4e-0000-4000-8000-000000000002"],
        "rules not named by the filter are untouched"
    );
}
