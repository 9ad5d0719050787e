//! The logsource table against SigmaHQ itself: every (product, service,
//! category) that SigmaHQ's `rules/windows` use has a channel or event id
//! routed to it, or a documented reason why no event log carries it; and
//! each route fixed for real attack logs, checked with a real record from
//! `evtx-attack/` and the SigmaHQ rule written for it. Needs
//! `SAFECARE_SAMPLES_DIR`; skipped when it is unset.
#![allow(clippy::unwrap_used, clippy::expect_used)]

use std::collections::BTreeSet;
use std::path::{Path, PathBuf};
use std::sync::OnceLock;

use rsigma_parser::parse_sigma_yaml;
use safecare_detect::logsource::{CATEGORIES, CHANNELS, NOT_IN_EVENT_LOGS, SECURITY_4657};
use safecare_detect::{EventRoute, RuleSet};
use safecare_model::Event;

mod evtx;

mod shared_data;
use shared_data::samples_dir;

fn samples() -> Option<PathBuf> {
    samples_dir("logsource tests over SigmaHQ")
}

fn yaml_files(dir: &Path, out: &mut Vec<PathBuf>) {
    for entry in std::fs::read_dir(dir).expect("folder") {
        let path = entry.expect("entry").path();
        if path.is_dir() {
            yaml_files(&path, out);
        } else if path.extension().is_some_and(|x| x == "yml") {
            out.push(path);
        }
    }
}

type Logsource = (Option<String>, Option<String>, Option<String>);

/// Why `ls` cannot be routed, or `None` when the table routes it.
fn unrouted(ls: &Logsource) -> Option<String> {
    let (product, service, category) = ls;
    if product.as_deref() != Some("windows") {
        return Some(format!("product {product:?} is not windows"));
    }
    if let Some(service) = service
        && !CHANNELS.iter().any(|(_, s)| s == service)
    {
        return Some(format!("no channel is service {service}"));
    }
    let category = category.as_deref()?;
    if NOT_IN_EVENT_LOGS.iter().any(|(c, _)| *c == category) {
        return None;
    }
    let security = service.as_deref().is_none_or(|w| w == "security");
    let routed =
        CATEGORIES.iter().any(|(s, _, cats)| cats.contains(&category) && service.as_deref().is_none_or(|w| w == *s))
            || (security && SECURITY_4657.iter().any(|(_, cats)| cats.contains(&category)));
    (!routed).then(|| format!("no event id is category {category} of service {service:?}"))
}

#[test]
fn every_logsource_of_sigmahq_windows_rules_is_routed_or_explained() {
    let Some(dir) = samples() else { return };
    let mut files = Vec::new();
    yaml_files(&dir.join("sigmahq/rules/windows"), &mut files);
    let mut used: BTreeSet<Logsource> = BTreeSet::new();
    for file in &files {
        let text = std::fs::read_to_string(file).expect("rule file");
        let collection = parse_sigma_yaml(&text).unwrap_or_else(|e| panic!("{}: {e}", file.display()));
        for rule in collection.rules {
            let ls = rule.logsource;
            used.insert((ls.product, ls.service, ls.category));
        }
    }
    assert!(used.len() > 60, "{} logsources", used.len());
    let missing: Vec<String> = used.iter().filter_map(|ls| unrouted(ls).map(|why| format!("{ls:?}: {why}"))).collect();
    assert!(missing.is_empty(), "SigmaHQ logsources the table does not route:\n{}", missing.join("\n"));
    println!("{} logsources of SigmaHQ's Windows rules, all routed or explained", used.len());
}

#[test]
fn the_coverage_check_catches_a_missing_route() {
    let ls =
        |s: Option<&str>, c: Option<&str>| (Some("windows".to_owned()), s.map(str::to_owned), c.map(str::to_owned));
    assert!(unrouted(&ls(Some("no-such-service"), None)).is_some());
    assert!(unrouted(&ls(None, Some("no_such_category"))).is_some());
    assert!(unrouted(&ls(Some("security"), Some("registry_set"))).is_none(), "Security 4657 is registry_set");
    assert!(unrouted(&ls(Some("security"), Some("registry_delete"))).is_some(), "Security has no registry_delete id");
    assert!(unrouted(&ls(None, Some("registry_set"))).is_none());
    assert!(unrouted(&ls(None, Some("file_access"))).is_none(), "documented as ETW only");
}

/// The SigmaHQ Windows rules and every evtx-attack record, loaded once.
fn corpus() -> Option<&'static (RuleSet, Vec<Event>)> {
    static CORPUS: OnceLock<Option<(RuleSet, Vec<Event>)>> = OnceLock::new();
    CORPUS
        .get_or_init(|| {
            let dir = samples()?;
            let rules = RuleSet::load_dirs(&[dir.join("sigmahq/rules/windows")]).expect("rules");
            let events = evtx::evtx_events(&dir.join("evtx-attack"));
            Some((rules, events))
        })
        .as_ref()
}

/// Checks the route of the first real record of `channel`/`event_id` and
/// answers the titles of the SigmaHQ rules that fire on such records.
fn route(channel: &str, event_id: i64, service: &str, categories: &[&str]) -> Option<BTreeSet<String>> {
    let (rules, events) = corpus()?;
    let of = |e: &&Event| {
        e.fields.get("Channel").and_then(|c| c.as_str()) == Some(channel)
            && e.fields.get("EventID").is_some_and(|id| id.to_string().trim_matches('"') == event_id.to_string())
    };
    let records: Vec<&Event> = events.iter().filter(of).collect();
    let first = records.first().unwrap_or_else(|| panic!("no {channel} {event_id} record in evtx-attack"));
    let route = EventRoute::of(first);
    assert_eq!(route.product.as_deref(), Some("windows"));
    assert_eq!(route.service.as_deref(), Some(service), "{channel} {event_id}");
    assert_eq!(route.categories, categories, "{channel} {event_id}");
    let titles = records
        .iter()
        .flat_map(|e| rules.matches(e))
        .filter_map(|id| rules.rule(id).map(|r| r.title.clone()))
        .collect::<BTreeSet<_>>();
    println!("{channel} {event_id}: {titles:#?}");
    Some(titles)
}

fn fires(titles: Option<BTreeSet<String>>, title: &str) {
    if let Some(titles) = titles {
        assert!(titles.contains(title), "{title:?} should fire; fired: {titles:#?}");
    }
}

#[test]
fn sysmon_12_is_registry_add_and_delete() {
    // No SigmaHQ rule fires on evtx-attack's Sysmon 12 records; the route is what matters.
    route("Microsoft-Windows-Sysmon/Operational", 12, "sysmon", &["registry_add", "registry_delete", "registry_event"]);
}

#[test]
fn sysmon_13_is_registry_set() {
    fires(
        route("Microsoft-Windows-Sysmon/Operational", 13, "sysmon", &["registry_set", "registry_event"]),
        "CurrentVersion NT Autorun Keys Modification",
    );
}

#[test]
fn defender_events_reach_windefend_rules() {
    let titles = route("Microsoft-Windows-Windows Defender/Operational", 1116, "windefend", &[]);
    assert!(titles.is_none_or(|t| !t.is_empty()));
}

#[test]
fn openssh_events_reach_openssh_rules() {
    fires(route("OpenSSH/Operational", 4, "openssh", &[]), "OpenSSH Server Listening On Socket");
}

#[test]
fn capi2_events_reach_capi2_rules() {
    fires(route("Microsoft-Windows-CAPI2/Operational", 70, "capi2", &[]), "Certificate Private Key Acquired");
}

#[test]
fn msexchange_events_reach_msexchange_rules() {
    fires(
        route("MSExchange Management", 6, "msexchange-management", &[]),
        "MSExchange Transport Agent Installation - Builtin",
    );
}

#[test]
fn security_4688_is_process_creation_under_sysmon_names() {
    fires(
        route("Security", 4688, "security", &["process_creation"]),
        "Suspicious High IntegrityLevel Conhost Legacy Option",
    );
}

#[test]
fn wmi_activity_is_service_wmi() {
    // evtx-attack holds no WMI-Activity record; its channel as Windows writes it.
    let mut event = Event::new("t", safecare_model::Domain::Cyber, safecare_model::Timestamp::UNIX_EPOCH, "");
    event.fields = serde_json::json!({"Channel": "Microsoft-Windows-WMI-Activity/Operational", "EventID": 5861})
        .as_object()
        .cloned()
        .unwrap_or_default();
    assert_eq!(EventRoute::of(&event).service.as_deref(), Some("wmi"));
}

/// evtx-attack holds no Security 4657 or 5156 record; these are shaped as
/// Windows writes them (Microsoft's event documentation), flat as ingest
/// decodes EVTX.
fn security(fields: serde_json::Value) -> Event {
    let mut event = Event::new("t", safecare_model::Domain::Cyber, safecare_model::Timestamp::UNIX_EPOCH, "");
    event.fields = fields.as_object().cloned().unwrap_or_default();
    event
}

#[test]
fn security_4657_modified_value_is_registry_set_under_sysmon_names() {
    let record = security(serde_json::json!({
        "Channel": "Security", "EventID": 4657, "SubjectUserName": "alice", "SubjectLogonId": "0x3e7",
        "ObjectName": "\\REGISTRY\\MACHINE\\SOFTWARE\\Microsoft\\Windows\\CurrentVersion\\Run",
        "ObjectValueName": "updater", "OperationType": "%%1905", "OldValueType": "%%1873", "OldValue": "a.exe",
        "NewValueType": "%%1873", "NewValue": "C:\\Users\\Public\\evil.exe", "ProcessId": "0x1a2c",
        "ProcessName": "C:\\Windows\\System32\\reg.exe"
    }));
    let route = EventRoute::of(&record);
    assert_eq!(route.service.as_deref(), Some("security"));
    assert_eq!(route.categories, ["registry_set", "registry_event"]);
    let mut added = record.clone();
    added.fields.insert("OperationType".into(), "%%1904".into());
    assert_eq!(EventRoute::of(&added).categories, ["registry_add", "registry_event"]);
    // A registry_set rule as SigmaHQ writes them, over Sysmon's names.
    let rules = RuleSet::from_yaml(
        "title: t\nid: t-4657\nlogsource:\n  product: windows\n  category: registry_set\ndetection:\n  sel:\n    Image|endswith: '\\reg.exe'\n    Details|contains: '\\Users\\Public\\'\n  condition: sel\n",
    );
    assert!(rules.refused().is_empty(), "{:?}", rules.refused());
    assert_eq!(rules.matches(&record), ["t-4657"]);
    let mut deleted = record.clone();
    deleted.fields.insert("OperationType".into(), "%%1906".into());
    assert!(rules.matches(&deleted).is_empty(), "a deleted value is no registry_set event");
}

#[test]
fn security_5156_stays_a_security_event_without_category() {
    let record = security(serde_json::json!({
        "Channel": "Security", "EventID": 5156, "ProcessID": "1234",
        "Application": "\\device\\harddiskvolume2\\windows\\system32\\svchost.exe", "Direction": "%%14593",
        "SourceAddress": "10.0.0.5", "SourcePort": "50123", "DestAddress": "10.0.0.1", "DestPort": "88", "Protocol": "6"
    }));
    let route = EventRoute::of(&record);
    assert_eq!(route.service.as_deref(), Some("security"));
    assert!(route.categories.is_empty(), "{route:?}");
    let Some((rules, _)) = corpus() else { return };
    let titles: Vec<&str> =
        rules.matches(&record).into_iter().filter_map(|id| rules.rule(id)).map(|r| r.title.as_str()).collect();
    assert!(titles.contains(&"Uncommon Outbound Kerberos Connection - Security"), "{titles:?}");
}
