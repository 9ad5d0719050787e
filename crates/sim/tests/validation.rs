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
        "sources[1] (listener): the runner posts records: the source must be of type http",
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
