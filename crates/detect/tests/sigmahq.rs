//! The full SigmaHQ rule set over the OTRF Windows samples (needs
//! `SAFECARE_SAMPLES_DIR`; skipped when it is unset).
#![allow(clippy::unwrap_used, clippy::expect_used)]

use std::collections::BTreeSet;
use std::path::PathBuf;
use std::sync::Arc;

use safecare_detect::samples::windows_event;
use safecare_detect::{RuleSet, hunt};
use safecare_model::Event;

mod shared_data;
use shared_data::samples_dir;

fn samples() -> Option<PathBuf> {
    samples_dir("SigmaHQ sample tests")
}

fn dataset(dir: &std::path::Path, name: &str) -> Vec<Event> {
    let text = std::fs::read_to_string(dir.join("windows-events-json").join(name)).expect("sample file");
    text.lines().filter_map(windows_event).collect()
}

fn load(dir: &std::path::Path) -> RuleSet {
    RuleSet::load_dirs(&[dir.join("sigmahq/rules")]).expect("rules dir")
}

#[test]
fn all_sigmahq_rules_load_and_refusals_are_explained() {
    let Some(dir) = samples() else { return };
    let rules = load(&dir);
    println!("{}", rules.summary());
    for r in rules.refused() {
        println!("refused {}: {}", r.path.display(), r.reason);
    }
    assert_eq!(rules.files(), 3141);
    assert_eq!(rules.len() + rules.refused().len(), 3141, "every file is one rule, loaded or refused");
    assert_eq!(rules.refused(), [], "{}", rules.summary());
}

/// Dataset file, and SigmaHQ rule titles its labelled attack must raise.
const EXPECTED: [(&str, &[&str]); 8] = [
    (
        "credential_access__cmd_psexec_lsa_secrets_dump.json",
        &["PsExec Service Execution", "Dumping of Sensitive Hives Via Reg.EXE"],
    ),
    (
        "credential_access__psh_lsass_memory_dump_comsvcs.json",
        &[
            "Process Memory Dump Via Comsvcs.DLL",
            "Lsass Memory Dump via Comsvcs DLL",
            "LSASS Process Memory Dump Files",
        ],
    ),
    ("defense_evasion__cmd_bitsadmin_download_psh_script.json", &["File Download Via Bitsadmin"]),
    ("discovery__cmd_discover_iexplorer_version_registry.json", &["Detected Windows Software Discovery"]),
    ("execution__psh_powershell_httplistener.json", &["Security Eventlog Cleared"]),
    ("lateral_movement__covenant_copy_smb_CreateRequest.json", &["SMB Create Remote File Admin Share"]),
    ("persistence__cmd_userinitmprlogonscript_batch.json", &["Potential Persistence Via Logon Scripts - Registry"]),
    ("privilege_escalation__cmd_service_mod_fax.json", &["Suspicious Service Path Modification"]),
];

#[test]
fn labelled_attacks_trigger_the_expected_sigmahq_rules() {
    let Some(dir) = samples() else { return };
    let rules = Arc::new(load(&dir));
    for (file, expected) in EXPECTED {
        let titles: BTreeSet<String> = hunt(rules.clone(), dataset(&dir, file)).map(|a| a.description).collect();
        println!("{file}:\n  {}", titles.iter().cloned().collect::<Vec<_>>().join("\n  "));
        for title in expected {
            assert!(titles.contains(*title), "{file}: {title:?} not raised; got {titles:#?}");
        }
    }
}

/// The same record as EVTX rendered to JSON: `Event.System` + `Event.EventData`.
fn as_evtx(event: &Event) -> Event {
    let mut system = serde_json::Map::new();
    let mut data = serde_json::Map::new();
    for (k, v) in &event.fields {
        match k.as_str() {
            "EventID" | "Channel" => {
                system.insert(k.clone(), v.clone());
            }
            "Hostname" => {
                system.insert("Computer".into(), v.clone());
            }
            "SourceName" => {
                system.insert("Provider".into(), serde_json::json!({"#attributes": {"Name": v}}));
            }
            _ => {
                data.insert(k.clone(), v.clone());
            }
        }
    }
    let mut out = event.clone();
    out.fields = serde_json::Map::new();
    out.fields.insert("Event".into(), serde_json::json!({"System": system, "EventData": data}));
    out
}

/// The same record as Winlogbeat ships it, nested or with dotted keys.
fn as_winlogbeat(event: &Event, dotted: bool) -> Event {
    let mut winlog = serde_json::Map::new();
    let mut data = serde_json::Map::new();
    for (k, v) in &event.fields {
        match k.as_str() {
            "EventID" => {
                winlog.insert("event_id".into(), v.clone());
            }
            "Channel" => {
                winlog.insert("channel".into(), v.clone());
            }
            "Hostname" => {
                winlog.insert("computer_name".into(), v.clone());
            }
            "SourceName" => {
                winlog.insert("provider_name".into(), v.clone());
            }
            _ => {
                data.insert(k.clone(), v.clone());
            }
        }
    }
    let mut out = event.clone();
    out.fields = serde_json::Map::new();
    if dotted {
        for (k, v) in winlog {
            out.fields.insert(format!("winlog.{k}"), v);
        }
        for (k, v) in data {
            out.fields.insert(format!("winlog.event_data.{k}"), v);
        }
    } else {
        winlog.insert("event_data".into(), serde_json::Value::Object(data));
        out.fields.insert("winlog".into(), serde_json::Value::Object(winlog));
    }
    out
}

#[test]
fn sigmahq_rules_match_alike_across_windows_json_variants() {
    let Some(dir) = samples() else { return };
    let rules = load(&dir);
    for (file, _) in EXPECTED {
        let events = dataset(&dir, file);
        let raised = |shape: &dyn Fn(&Event) -> Event| -> BTreeSet<(usize, String)> {
            events
                .iter()
                .enumerate()
                .flat_map(|(i, e)| {
                    rules.detect(&shape(e)).into_iter().map(move |a| (i, a.safecare.rule.unwrap_or_default()))
                })
                .collect()
        };
        let flat = raised(&|e| e.clone());
        assert!(!flat.is_empty(), "{file}");
        assert_eq!(raised(&as_evtx), flat, "{file}: EVTX JSON shape");
        assert_eq!(raised(&|e| as_winlogbeat(e, false)), flat, "{file}: Winlogbeat nested");
        assert_eq!(raised(&|e| as_winlogbeat(e, true)), flat, "{file}: Winlogbeat dotted");
    }
}
