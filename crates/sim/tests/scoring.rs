//! The scorer can fail: a step nothing in the hospital pack detects is
//! reported missed and the run fails, an incident without what was expected
//! of it incomplete; noise that sets off a rule is reported
//! as a false alert, traced to its generator. Both run in-process through
//! the real ingest routes.
#![allow(clippy::unwrap_used, clippy::expect_used)]

use safecare_sim::{Outcome, RunOptions, Scenario, demo_site, run_in_process, validate};

const OPTIONS: RunOptions = RunOptions { seed: 7, speed: 10.0, progress: false, announce: false, wait_ack: None };

/// A normal Suricata flow record, which no rule matches, expected to be
/// caught as lateral movement; next to it a USB disk that is caught.
const UNDETECTABLE: &str = r#"
name: undetectable
title: A quiet flow nobody sees
site: demo-hospital
sources:
  - {name: sim-eve, type: http, decoder: {parser: eve}, site: hq}
  - {name: sim-winlog, type: http, decoder: {parser: windows}, site: hq}
phases:
  - {id: find, name: Looking around, stage: find}
steps:
  - id: quiet-flow
    phase: find
    at: 2s
    say: the attacker copies the HIS database over SMB, as an ordinary flow
    asset: srv-his-db-01
    source: sim-eve
    records:
      - {timestamp: "${time_suricata}", event_type: flow, src_ip: 10.10.0.77, src_port: 50122, dest_ip: "${asset.ip}", dest_port: 445, proto: TCP, flow: {pkts_toserver: 900, pkts_toclient: 40000, bytes_toserver: 90000, bytes_toclient: 52000000, state: closed}}
    expect:
      - {rule: hospital-lateral-fan-out, within: 5s}
  - id: usb
    phase: find
    at: 4s
    say: a USB disk on the backup server
    asset: srv-backup-01
    source: sim-winlog
    records:
      - {TimeCreated: "${time_ms}", EventID: 6416, Channel: Security, Computer: "${asset.hostname}", ClassName: DiskDrive, DeviceDescription: USB Mass Storage Device}
    expect:
      - {rule: hospital-usb-storage, within: 10s}
incidents:
  # Opened, but a data-exfiltration incident gets no fire playbook.
  - {threat: data_exfiltration, by: usb, within: 10s, playbooks: [fire]}
  # Opened with its playbook's triage, but no playbook has this task.
  - {threat: data_exfiltration, by: usb, within: 10s, tasks: [triage, evacuate-the-ward]}
"#;

/// A reader that refuses every badge at the main entrance: normal people
/// trying again and again make a burst of refused badges, which the pack
/// raises as an alert.
const NOISY: &str = r#"
name: noisy
title: Refused badges in the background
site: demo-hospital
duration: 30s
phases:
  - {id: exploit, name: Theft, stage: exploit}
steps:
  - id: forced
    phase: exploit
    at: 12s
    say: the pharmacy store door is forced
    asset: door-main--1.12
    source: api
    records:
      - time: "${time}"
        domain: physical
        severity: high
        message: Door forced open
        asset: "${asset}"
        location: {site: "${site}", building: "${building}", floor: "${floor}", zone: "${zone}", room: "${room}"}
        logsource: {product: safecare, category: access_control}
        fields: {action: forced, door: "${asset.device}"}
    expect:
      - {rule: hospital-door-forced-pharmacy, within: 30s}
noise:
  - name: refused-badges
    source: api
    every: 4s
    assets: [door-main-0.01]
    values: {holder: ["0001001", "0001002", "0001003"]}
    records:
      - time: "${time}"
        domain: physical
        severity: info
        message: Badge refused
        asset: "${asset}"
        location: {site: "${site}", building: "${building}", floor: "${floor}", zone: "${zone}", room: "${room}"}
        logsource: {product: safecare, category: access_control}
        fields: {action: denied, door: "${asset.device}", badge_holder: "${holder}", direction: in}
"#;

fn plan(yaml: &str) -> safecare_sim::Plan {
    let scenario = Scenario::from_yaml(yaml, "test").unwrap();
    validate(&scenario, &demo_site().unwrap()).unwrap()
}

#[tokio::test(flavor = "multi_thread")]
async fn an_undetectable_step_is_reported_missed_and_fails_the_run() {
    let report = run_in_process(&plan(UNDETECTABLE), demo_site().unwrap(), OPTIONS).await.unwrap();
    assert!(!report.passed, "{}", report.table());
    let flow = &report.steps[0];
    assert_eq!((flow.id.as_str(), flow.outcome), ("quiet-flow", Outcome::Missed), "{}", report.table());
    assert_eq!(flow.expected[0].time_to_detect_ms, None);
    let usb = &report.steps[1];
    assert_eq!(usb.outcome, Outcome::Met, "{}", report.table());
    assert!(usb.expected[0].time_to_detect_ms.is_some());
    assert!(report.table().contains("quiet-flow           find     missed"), "{}", report.table());
    let incident = &report.incidents[0];
    assert_eq!(incident.outcome, Outcome::Incomplete, "{}", report.table());
    assert!(incident.incident.is_some());
    assert!(!incident.playbooks_found.contains(&"fire".to_owned()));
    let tasks = &report.incidents[1];
    assert_eq!(tasks.outcome, Outcome::Incomplete, "{}", report.table());
    assert_eq!(tasks.tasks_found, ["triage"]);
}

#[tokio::test(flavor = "multi_thread")]
async fn noise_that_sets_off_a_rule_is_reported_as_a_false_alert() {
    let plan = plan(NOISY);
    let report = run_in_process(&plan, demo_site().unwrap(), OPTIONS).await.unwrap();
    assert!(report.passed, "{}", report.table());
    assert!(report.records_sent.noise >= 2, "{}", report.table());
    assert!(!report.false_alerts.is_empty(), "{}", report.table());
    for alert in &report.false_alerts {
        assert_eq!(alert.noise, ["refused-badges"], "{}", report.table());
        assert_eq!(alert.rule, "hospital-badge-denied-burst", "{}", report.table());
    }
    // The forced door is the attack's, not noise.
    assert!(report.false_alerts.iter().all(|a| !a.rule.contains("forced")));
}

#[tokio::test(flavor = "multi_thread")]
async fn the_same_seed_plays_the_same_timeline() {
    let plan = plan(NOISY);
    let a = safecare_sim::timeline::timeline(&plan, 3);
    assert_eq!(a, safecare_sim::timeline::timeline(&plan, 3));
    assert_ne!(a, safecare_sim::timeline::timeline(&plan, 4));
    let seconds: std::collections::BTreeSet<u64> = a.iter().map(|e| e.second).collect();
    assert_eq!(seconds.len(), a.len(), "each emission has its own second");
}
