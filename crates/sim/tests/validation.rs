//! A scenario is checked against the site as a whole: every problem is
//! named with where it is.
#![allow(clippy::unwrap_used, clippy::expect_used)]

use safecare_sim::{Scenario, bundled_names, demo_site, validate};

const BROKEN: &str = r#"
name: broken
title: Everything wrong at once
site: demo-hospital
sources:
  - {name: winlog, type: http, decoder: {parser: windows}}
  - {name: listener, type: syslog_udp, listen: "127.0.0.1:0", decoder: {parser: syslog}}
  - {name: api, type: http, decoder: {parser: windows}}
phases:
  - {id: in, name: Getting in, stage: get_in}
steps:
  - id: a
    phase: in
    at: 3x
    say: a step at a bad time
    asset: srv-bakup-01
    source: winlog
    records: [{TimeCreated: "${time}", Computer: "${asset.hostname}"}]
    expect: [{rule: hospital-usb-storage, within: soon}]
  - id: b
    phase: out
    at: 5s
    say: a step of an unknown phase through an unknown source
    source: firewall
    records: ["<13>1 ${time} ${asset.hostname} app - - - ${whatever}"]
  - id: a
    phase: in
    at: 6s
    say: a second step a, posting a line to the event API
    asset: door-tech-1.10
    source: api
    records: ["${asset.ip}"]
noise:
  - name: badges
    source: api
    every: 0s
    assets: [door-nowhere]
    values: {holder: [], kind: [{a: 1}]}
    records: [{time: "${time}", message: "${holder}"}]
incidents:
  - {threat: ransomware, by: zz, within: 1m, services: [svc-nothing, srv-backup-01]}
"#;

#[test]
fn every_problem_is_named_with_its_place() {
    let scenario = Scenario::from_yaml(BROKEN, "broken.yaml").unwrap();
    let problems = validate(&scenario, &demo_site().unwrap()).unwrap_err().lines();
    let expected = [
        "sources[1] (listener): the runner cannot send over syslog_udp: a source is of type http, syslog_tcp, mllp, mqtt",
        "sources[2] (api): \"api\" is the built-in event API, not a source name",
        "steps[0] (a): unknown asset \"srv-bakup-01\": the site demo-hospital has none",
        "steps[0] (a): records[0]: ${asset.hostname}: the asset has no such value",
        "steps[0] (a): at: bad time \"3x\" (write e.g. 90s, 2m30s, 1h)",
        "steps[0] (a): within: bad time \"soon\" (write e.g. 90s, 2m30s, 1h)",
        "steps[1] (b): unknown phase \"out\"",
        "steps[1] (b): unknown source \"firewall\" (known: api, winlog)",
        "steps[1] (b): records[0]: ${asset.hostname}: it needs an asset",
        "steps[1] (b): records[0]: ${whatever}: unknown placeholder",
        "steps[2] (a): step id \"a\" is used twice",
        "steps[2] (a): records[0]: the event API takes JSON events, not lines",
        "steps[2] (a): records[0]: ${asset.ip}: the asset has no such value",
        "noise[0] (badges): unknown asset \"door-nowhere\": the site demo-hospital has none",
        "noise[0] (badges): value list \"holder\" is empty",
        "noise[0] (badges): value list \"kind\": each value is a string or a number",
        "noise[0] (badges): every: must be more than zero",
        "incidents[0]: unknown step \"zz\"",
        "incidents[0]: unknown service \"svc-nothing\"",
        "incidents[0]: \"srv-backup-01\" is a server, not a service",
    ];
    for line in expected {
        assert!(problems.iter().any(|p| p == line), "missing {line:?} in\n{}", problems.join("\n"));
    }
    assert_eq!(problems.len(), expected.len(), "{}", problems.join("\n"));
}

const WRONG_TRANSPORTS: &str = r#"
name: wrong-transports
title: Records that do not suit their transport
site: demo-hospital
sources:
  - {name: tcp, type: syslog_tcp, listen: "0.0.0.0:1514", decoder: {parser: syslog}}
  - {name: hl7, type: mllp, listen: "0.0.0.0:2575", decoder: {parser: hl7}}
  - {name: doors, type: mqtt, url: "mqtt://127.0.0.1:1883", client_id: sim, decoder: {parser: physical}}
  - {name: web, type: http, decoder: {parser: syslog}}
phases:
  - {id: in, name: Getting in, stage: get_in}
steps:
  - id: two-lines
    phase: in
    at: 1s
    say: a line holding a newline
    source: tcp
    records: ["<13>1 ${time} host app - - - one\n<13>1 ${time} host app - - - two", {json: "one line"}]
  - id: mapping
    phase: in
    at: 2s
    say: a mapping sent as an HL7 message
    source: hl7
    records: [{MSH: "x"}]
  - id: no-topic
    phase: in
    at: 3s
    say: a door event without a topic
    source: doors
    records: [{action: forced}]
  - id: topic-on-http
    phase: in
    at: 4s
    say: a topic for an HTTP source
    source: web
    topic: safecare/hq/physical/access_control/D-1
    records: ["<13>1 ${time} host app - - - x"]
  - id: bad-topic
    phase: in
    at: 5s
    say: a topic with a wildcard and a placeholder nothing fills
    source: doors
    topic: "safecare/hq/physical/+/${asset.device}"
    records: [{action: forced}]
"#;

#[test]
fn records_and_topics_must_suit_their_source_transport() {
    let scenario = Scenario::from_yaml(WRONG_TRANSPORTS, "wrong.yaml").unwrap();
    let problems = validate(&scenario, &demo_site().unwrap()).unwrap_err().lines();
    let expected = [
        "steps[0] (two-lines): records[0]: a line sent over syslog_tcp is framed by newlines and cannot hold one",
        "steps[1] (mapping): records[0]: an mllp source takes HL7 messages, not mappings",
        "steps[2] (no-topic): an mqtt source needs a topic to publish on (topic: safecare/<site>/...)",
        "steps[3] (topic-on-http): topic: only records sent to an mqtt source have a topic",
        "steps[4] (bad-topic): topic: ${asset.device}: it needs an asset",
        "steps[4] (bad-topic): topic \"safecare/hq/physical/+/${asset.device}\": a publication's topic has no wildcards",
    ];
    for line in expected {
        assert!(problems.iter().any(|p| p == line), "missing {line:?} in\n{}", problems.join("\n"));
    }
    assert_eq!(problems.len(), expected.len(), "{}", problems.join("\n"));
}

#[test]
fn every_listener_transport_is_used_by_a_bundled_step_with_expectations() {
    let mut used = std::collections::BTreeSet::new();
    for name in bundled_names() {
        let (plan, _) = safecare_sim::prepare(&name).unwrap();
        for step in plan.steps.iter().filter(|s| !s.expect.is_empty()) {
            if let Some(source) = plan.sources.iter().find(|s| s.name == step.source) {
                used.insert(safecare_sim::validate::transport_name(&source.transport));
            }
        }
    }
    for transport in ["http", "syslog_tcp", "mllp", "mqtt"] {
        assert!(used.contains(transport), "no bundled step with expectations goes over {transport}: {used:?}");
    }
}

#[test]
fn notification_expectations_name_known_steps_routes_and_channels() {
    let text = r#"
name: pages
title: Pages expected
site: demo-hospital
phases: [{id: in, name: In, stage: get_in}]
steps:
  - {id: s, phase: in, at: 1s, say: x, source: api, records: [{time: "${time}", message: x}]}
notify:
  channels: {pager: {type: webhook, url: "http://127.0.0.1:9/", secret: s}}
  routes: [{name: guards, channel: pager}]
notifications:
  - {by: nowhere, route: wardens, channel: sms, within: 0s}
acknowledge:
  - {after: later}
"#;
    let scenario = Scenario::from_yaml(text, "pages.yaml").unwrap();
    let problems = validate(&scenario, &demo_site().unwrap()).unwrap_err().lines();
    let expected = [
        "notifications[0]: unknown step \"nowhere\"",
        "notifications[0]: the notify settings have no route \"wardens\"",
        "notifications[0]: the notify settings have no channel \"sms\"",
        "notifications[0]: within: must be more than zero",
        "acknowledge[0]: after: bad time \"later\" (write e.g. 90s, 2m30s, 1h)",
    ];
    assert_eq!(problems, expected);
}

#[test]
fn a_file_that_is_not_a_scenario_is_refused_with_its_name() {
    let err = Scenario::from_yaml("name: x\nsteps: 3\n", "x.yaml").unwrap_err();
    assert!(err.to_string().contains("x.yaml: not a scenario"), "{err}");
    let err =
        Scenario::from_yaml("name: x\ntitle: t\nsite: s\nphases: []\nsteps: []\nsurprise: 1\n", "y.yaml").unwrap_err();
    assert!(err.to_string().contains("surprise"), "{err}");
}

#[test]
fn every_bundled_scenario_is_valid() {
    let names = bundled_names();
    assert!(names.len() >= 3, "{names:?}");
    for name in names {
        if let Err(problems) = safecare_sim::prepare(&name) {
            panic!("{name}: {problems}");
        }
    }
}
