//! Pseudonymising events: which fields change, into what, and what stays.
#![allow(clippy::unwrap_used, clippy::expect_used)]

use safecare_model::{Domain, Event, Timestamp};
use safecare_privacy::{FieldKind, FieldRule, PseudonymConfig, Pseudonymiser, Scrub, SecretKey};
use serde_json::{Value, json};

fn key(byte: u8) -> SecretKey {
    SecretKey::from_bytes([byte; 32])
}

fn event(source: &str, fields: Value, message: &str) -> Event {
    let time: Timestamp = "2026-11-28T10:00:00Z".parse().unwrap();
    let mut e = Event::new(source, Domain::Cyber, time, message);
    e.fields = fields.as_object().unwrap().clone();
    e
}

fn default_pseudonymiser() -> Pseudonymiser {
    Pseudonymiser::new(&key(1), &PseudonymConfig::default())
}

#[test]
fn nested_windows_and_winlogbeat_paths_are_replaced() {
    let p = default_pseudonymiser();
    let mut evtx = event(
        "evtx",
        json!({"Event": {"EventData": {"TargetUserName": "JDoe", "LogonType": 3}, "System": {"EventID": 4624}}}),
        "",
    );
    let mut beat = event("winlogbeat", json!({"winlog": {"event_data": {"SubjectUserName": "jdoe"}}}), "");
    let r1 = p.pseudonymise(&mut evtx);
    let r2 = p.pseudonymise(&mut beat);

    let t1 = evtx.field("Event.EventData.TargetUserName").unwrap().as_str().unwrap().to_owned();
    let t2 = beat.field("winlog.event_data.SubjectUserName").unwrap().as_str().unwrap().to_owned();
    assert!(t1.starts_with("usr_"), "{t1}");
    // Same person in two sources, two spellings: one token, so they correlate.
    assert_eq!(t1, t2);
    assert_eq!(r1.len(), 1);
    assert_eq!(r1[0].token, t1);
    assert_eq!(r1[0].value.as_str(), "jdoe");
    assert_eq!(r2[0].token, t1);
    // Fields that are not personal are untouched.
    assert_eq!(evtx.field("Event.EventData.LogonType"), Some(&json!(3)));
    assert_eq!(evtx.field("Event.System.EventID"), Some(&json!(4624)));
}

#[test]
fn flat_field_names_as_sigma_uses_them_are_replaced() {
    let p = default_pseudonymiser();
    let mut e =
        event("syslog", json!({"TargetUserName": "alice", "SubjectUserName": "SYSTEM", "User": "HOSP\\Alice"}), "");
    p.pseudonymise(&mut e);
    let target = e.fields["TargetUserName"].as_str().unwrap();
    assert!(target.starts_with("usr_"));
    assert_eq!(e.fields["SubjectUserName"], json!("SYSTEM"), "built-in accounts stay for Sigma");
    assert_eq!(e.fields["User"], json!(format!("HOSP\\{target}")), "domain kept, account tokenised");
}

#[test]
fn tokens_are_deterministic_and_depend_on_the_key() {
    let fields = json!({"TargetUserName": "alice", "user": {"email": "Alice@Hospital.example"}, "badge_id": "000042"});
    let run = |k: u8| {
        let mut e = event("doors", fields.clone(), "");
        Pseudonymiser::new(&key(k), &PseudonymConfig::default()).pseudonymise(&mut e);
        e.fields
    };
    assert_eq!(run(1), run(1));
    let (a, b) = (run(1), run(2));
    for path in ["TargetUserName", "badge_id"] {
        assert_ne!(a[path], b[path], "{path}");
    }
    assert_ne!(a["user"]["email"], b["user"]["email"]);
    assert!(a["badge_id"].as_str().unwrap().starts_with("bdg_"));
    let email = a["user"]["email"].as_str().unwrap();
    assert!(email.starts_with("eml_") && email.ends_with("@Hospital.example"), "{email}");
}

#[test]
fn numbers_and_arrays_are_replaced_and_badge_padding_ignored() {
    let p = default_pseudonymiser();
    let mut numeric = event("doors", json!({"badge_id": 42, "email": {"to": {"address": ["a@x.org", "b@x.org"]}}}), "");
    let mut padded = event("doors", json!({"badge_id": "0042"}), "");
    let replaced = p.pseudonymise(&mut numeric);
    p.pseudonymise(&mut padded);
    assert_eq!(numeric.fields["badge_id"], padded.fields["badge_id"]);
    let to = numeric.field("email.to.address").unwrap().as_array().unwrap();
    assert!(to.iter().all(|v| v.as_str().unwrap().starts_with("eml_")));
    assert_ne!(to[0], to[1]);
    assert_eq!(replaced.len(), 3);
}

#[test]
fn no_original_value_survives_anywhere_in_the_serialised_event() {
    let p = default_pseudonymiser();
    let mut e = event(
        "winlogbeat",
        json!({
            "winlog": {"event_data": {"TargetUserName": "jsmith", "SubjectUserName": "HOSP\\mbrown"}},
            "patient_id": "MRN-778812",
            "PatientName": "Smith^Jane",
            "cardholder_name": "Jane Smith"
        }),
        "Logon by HOSP\\MBrown for JSMITH (patient MRN-778812, Jane  Smith)",
    );
    p.pseudonymise(&mut e);
    let text = serde_json::to_string(&e).unwrap().to_lowercase();
    for secret in ["jsmith", "mbrown", "mrn-778812", "smith^jane"] {
        assert!(!text.contains(secret), "{secret} leaked: {text}");
    }
    assert!(e.message.starts_with("Logon by HOSP\\usr_"), "{}", e.message);
}

#[test]
fn per_source_rules_apply_only_to_their_source() {
    let mut config = PseudonymConfig::default();
    config.sources.insert("doors".into(), vec![FieldRule { field: "holder.badge".into(), kind: FieldKind::Badge }]);
    let p = Pseudonymiser::new(&key(1), &config);
    let mut door = event("doors", json!({"holder": {"badge": "B-17"}}), "");
    let mut other = event("syslog", json!({"holder": {"badge": "B-17"}}), "");
    p.pseudonymise(&mut door);
    p.pseudonymise(&mut other);
    assert!(door.field("holder.badge").unwrap().as_str().unwrap().starts_with("bdg_"));
    assert_eq!(other.field("holder.badge"), Some(&json!("B-17")));
}

#[test]
fn workstation_ips_only_when_enabled_and_prefix_preserved() {
    let fields = json!({"IpAddress": "10.4.7.21", "source": {"ip": "10.4.7.99"}, "client": {"ip": "::1"}});
    let mut off = event("dc", fields.clone(), "");
    default_pseudonymiser().pseudonymise(&mut off);
    assert_eq!(off.fields["IpAddress"], json!("10.4.7.21"));

    let config = PseudonymConfig { workstation_ips: true, ..PseudonymConfig::default() };
    let p = Pseudonymiser::new(&key(1), &config);
    let mut on = event("dc", fields, "from 10.4.7.21");
    let replaced = p.pseudonymise(&mut on);
    let a: std::net::Ipv4Addr = on.fields["IpAddress"].as_str().unwrap().parse().unwrap();
    let b: std::net::Ipv4Addr = on.field("source.ip").unwrap().as_str().unwrap().parse().unwrap();
    assert_ne!(a.to_string(), "10.4.7.21");
    assert_eq!(a.octets()[..3], b.octets()[..3], "same /24 stays one /24");
    assert_eq!(on.field("client.ip"), Some(&json!("::1")));
    assert_eq!(on.message, format!("from {a}"));
    assert_eq!(replaced.len(), 2);
}

#[test]
fn config_reads_from_yaml() {
    let yaml = "workstation_ips: true\nscrub: \"off\"\nsources:\n  hl7:\n    - field: PID.3.1\n      kind: patient\n";
    let config: PseudonymConfig = serde_saphyr::from_str(yaml).unwrap();
    assert!(config.workstation_ips && config.scrub == Scrub::Off);
    assert_eq!(config.common, PseudonymConfig::default().common);
    let p = Pseudonymiser::new(&key(1), &config);
    let mut e = event("hl7", json!({"PID": {"3": {"1": "12345"}}}), "patient 12345");
    p.pseudonymise(&mut e);
    assert!(e.field("PID.3.1").unwrap().as_str().unwrap().starts_with("pat_"));
    assert_eq!(e.message, "patient 12345", "scrubbing was turned off");
}

#[test]
fn pseudonymise_value_matches_the_field_token() {
    let p = default_pseudonymiser();
    let mut e = event("x", json!({"TargetUserName": "Alice"}), "");
    p.pseudonymise(&mut e);
    assert_eq!(
        p.pseudonymise_value(FieldKind::User, "alice@hosp.local").unwrap(),
        format!("{}@hosp.local", e.fields["TargetUserName"].as_str().unwrap())
    );
    assert_eq!(p.pseudonymise_value(FieldKind::User, "ANONYMOUS LOGON"), None);
}

#[test]
fn a_field_listed_twice_is_tokenised_once() {
    let mut config = PseudonymConfig::default();
    config.sources.insert("dc".into(), vec![FieldRule { field: "TargetUserName".into(), kind: FieldKind::User }]);
    let twice = Pseudonymiser::new(&key(1), &config);
    let mut a = event("dc", json!({"TargetUserName": "alice", "winlog.event_data.TargetUserName": "alice"}), "");
    let mut b = event("other", json!({"TargetUserName": "alice"}), "");
    twice.pseudonymise(&mut a);
    twice.pseudonymise(&mut b);
    assert_eq!(a.fields["TargetUserName"], b.fields["TargetUserName"]);
    assert_eq!(a.fields["winlog.event_data.TargetUserName"], b.fields["TargetUserName"], "flat dotted key");
}

#[test]
fn recurrences_in_other_text_fields_are_scrubbed_by_default() {
    let fields = json!({
        "TargetUserName": "jdoe",
        "CommandLine": "C:\\Users\\JDoe\\AppData\\x.exe --user jdoe2",
        "Message": "Account Name:\tjdoe",
        "nested": [{"path": "/home/jdoe/.ssh"}]
    });
    let mut e = event("x", fields.clone(), "jdoe logged on");
    default_pseudonymiser().pseudonymise(&mut e);
    let token = e.fields["TargetUserName"].as_str().unwrap().to_owned();
    assert_eq!(e.fields["CommandLine"], json!(format!("C:\\Users\\{token}\\AppData\\x.exe --user jdoe2")));
    assert_eq!(e.fields["Message"], json!(format!("Account Name:\t{token}")));
    assert_eq!(e.fields["nested"][0]["path"], json!(format!("/home/{token}/.ssh")));
    assert_eq!(e.message, format!("{token} logged on"));

    let only_message = PseudonymConfig { scrub: Scrub::Message, ..PseudonymConfig::default() };
    let mut e = event("x", fields, "jdoe logged on");
    Pseudonymiser::new(&key(1), &only_message).pseudonymise(&mut e);
    assert_eq!(e.message, format!("{token} logged on"));
    assert_eq!(e.fields["Message"], json!("Account Name:\tjdoe"));
}

/// Every Windows event of the shared samples: after pseudonymisation no
/// replaced account name recurs anywhere in the event, and the same account
/// gets the same token in every file.
#[test]
fn windows_samples_leak_no_replaced_value() {
    let Ok(dir) = std::env::var("SAFECARE_SAMPLES_DIR") else {
        println!("SAFECARE_SAMPLES_DIR not set: Windows sample pseudonymisation test skipped");
        return;
    };
    let dir = std::path::Path::new(&dir).join("windows-events-json");
    let config = PseudonymConfig { workstation_ips: true, ..PseudonymConfig::default() };
    let p = Pseudonymiser::new(&key(1), &config);
    let mut tokens: std::collections::HashMap<String, String> = std::collections::HashMap::new();
    let (mut events, mut replaced_total) = (0, 0);
    for file in std::fs::read_dir(&dir).unwrap() {
        let path = file.unwrap().path();
        if path.extension().is_none_or(|e| e != "json") {
            continue;
        }
        for line in std::fs::read_to_string(&path).unwrap().lines() {
            let Ok(Value::Object(fields)) = serde_json::from_str::<Value>(line) else { continue };
            let message = fields.get("Message").and_then(Value::as_str).unwrap_or_default().to_owned();
            let mut e = event("windows", Value::Object(fields), &message);
            let replaced = p.pseudonymise(&mut e);
            let text = serde_json::to_string(&e).unwrap().to_ascii_lowercase();
            for r in &replaced {
                let original = r.value.to_ascii_lowercase();
                if r.kind == FieldKind::User && original.len() >= 3 {
                    assert!(!contains_word(&text, &original), "{original} recurs in {}: {text}", path.display());
                }
                let previous = tokens.entry(r.value.to_string()).or_insert_with(|| r.token.clone());
                assert_eq!(previous, &r.token, "one account, one token");
            }
            events += 1;
            replaced_total += replaced.len();
        }
    }
    assert!(events > 1000, "read {events} events");
    assert!(replaced_total > 100, "replaced {replaced_total} values");
}

/// Whether `word` occurs in JSON `text` as a whole word; a JSON escape such
/// as `\\t` before it counts as a delimiter.
fn contains_word(text: &str, word: &str) -> bool {
    let bytes = text.as_bytes();
    let is_word = |b: u8| b.is_ascii_alphanumeric() || b == b'_' || !b.is_ascii();
    text.match_indices(word).any(|(at, _)| {
        let end = at + word.len();
        let before_ok = at == 0 || !is_word(bytes[at - 1]) || (at >= 2 && bytes[at - 2] == b'\\');
        before_ok && (end == bytes.len() || !is_word(bytes[end]))
    })
}
