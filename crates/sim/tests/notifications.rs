//! Notifications and people in the score: the page the infusion-pumps
//! scenario requires is sent through the real broker (a subscriber of our
//! own receives it) and reported with its delay, the scripted
//! acknowledgement gives the incident its time to acknowledge in the table,
//! the JSON and the HTML; a required notification SafeCare does not send is
//! reported missed and fails the run.
#![allow(clippy::unwrap_used, clippy::expect_used)]

use std::time::Duration;

use safecare_sim::{Outcome, RunOptions, Scenario, demo_site, prepare, run_in_process, validate};

const OPTIONS: RunOptions = RunOptions { seed: 5, speed: 10.0, progress: false, announce: false, wait_ack: None };

fn broker() -> String {
    std::env::var("SAFECARE_TEST_MQTT_URL").unwrap_or_else(|_| "mqtt://127.0.0.1:1883".into())
}

/// Every payload published on `topic` from now on.
async fn subscribe(url: &str, topic: &str) -> tokio::sync::mpsc::UnboundedReceiver<String> {
    let hostport = url.trim_start_matches("mqtt://").trim_end_matches('/');
    let (host, port) = hostport.rsplit_once(':').map_or((hostport, 1883), |(h, p)| (h, p.parse().unwrap()));
    let id = format!("sim-notify-test-{}", std::process::id());
    let (client, mut eventloop) = rumqttc::AsyncClient::new(rumqttc::MqttOptions::new(id, host, port), 16);
    let (tx, rx) = tokio::sync::mpsc::unbounded_channel();
    let (subscribed, ready) = tokio::sync::oneshot::channel();
    let mut subscribed = Some(subscribed);
    client.subscribe(topic, rumqttc::QoS::AtLeastOnce).await.unwrap();
    tokio::spawn(async move {
        let _client = client;
        while let Ok(event) = eventloop.poll().await {
            match event {
                rumqttc::Event::Incoming(rumqttc::Packet::SubAck(_)) => {
                    if let Some(s) = subscribed.take() {
                        let _ = s.send(());
                    }
                }
                rumqttc::Event::Incoming(rumqttc::Packet::Publish(p)) => {
                    let _ = tx.send(String::from_utf8_lossy(&p.payload).into_owned());
                }
                _ => {}
            }
        }
    });
    tokio::time::timeout(Duration::from_secs(10), ready).await.unwrap().unwrap();
    rx
}

#[tokio::test(flavor = "multi_thread")]
async fn the_required_page_is_sent_and_the_acknowledgement_timed() {
    let url = broker();
    let mut pages = subscribe(&url, "safecare/notify/sim-biomed-pager").await;
    let (plan, site) = prepare("infusion-pumps").unwrap();
    let report = run_in_process(&plan.with_broker(&url), site, OPTIONS).await.unwrap();
    assert!(report.passed, "{}", report.table());

    let [page] = &report.notifications[..] else { panic!("{:?}", report.notifications) };
    assert_eq!(page.outcome, Outcome::Met);
    assert_eq!(page.status.as_deref(), Some("delivered"));
    assert_eq!(page.sent_on.as_deref(), Some("biomed-on-call/biomed-pager"));
    assert_eq!(page.recipients, ["Night biomedical engineer"]);
    assert!(page.delay_ms.unwrap() <= page.within_ms);

    // The broker really carried it: our own subscriber got the page about
    // the run's incident.
    let incident = report.incidents[0].incident.clone().unwrap();
    let received = tokio::time::timeout(Duration::from_secs(10), async {
        loop {
            let payload = pages.recv().await.unwrap();
            if payload.contains(&incident) {
                break payload;
            }
        }
    })
    .await
    .unwrap();
    assert!(received.contains("medical_device_tampering"), "{received}");

    let acks: Vec<_> =
        report.acknowledgements.iter().filter(|a| a.threat.as_deref() == Some("medical_device_tampering")).collect();
    assert!(!acks.is_empty(), "{:?}", report.acknowledgements);
    for ack in &acks {
        let tta = ack.time_to_acknowledge_ms.unwrap();
        // Scripted 20 s after opening on the timeline, played 10× faster.
        assert!(tta >= 2_000, "{ack:?}");
        assert_eq!(ack.by.as_deref(), Some("token:sim reader"), "the API token acknowledged it");
    }
    let table = report.table();
    assert!(table.contains("biomed-on-call/biomed-pager"), "{table}");
    assert!(table.contains(&acks[0].incident), "{table}");
    let json = serde_json::to_value(&report).unwrap();
    assert_eq!(json["notifications"][0]["status"], "delivered");
    assert!(json["acknowledgements"].as_array().unwrap().iter().any(|a| a["time_to_acknowledge_ms"].is_u64()));
    let html = safecare_sim::html::render(&report);
    assert!(html.contains(r#"<table id="notifications">"#) && html.contains(r#"<table id="acknowledgements">"#));
}

/// A forced pharmacy door opens a real incident; the only route that
/// would page the security guards takes exercise incidents only, so the
/// notification the scenario requires is never sent.
const UNNOTIFIED: &str = r#"
name: unnotified
title: A break-in nobody is paged for
site: demo-hospital
phases:
  - {id: exploit, name: Theft, stage: exploit}
steps:
  - id: forced
    phase: exploit
    at: 2s
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
notify:
  channels:
    guards: {type: webhook, url: "http://127.0.0.1:9/never", secret: not-used}
  routes:
    - {name: guards-drill, channel: guards, role: security_guard, exercise: true}
notifications:
  - {by: forced, route: guards-drill, role: security_guard, within: 10s}
"#;

#[tokio::test(flavor = "multi_thread")]
async fn a_required_notification_that_is_not_sent_is_missed() {
    let scenario = Scenario::from_yaml(UNNOTIFIED, "unnotified.yaml").unwrap();
    let site = demo_site().unwrap();
    let plan = validate(&scenario, &site).unwrap();
    let report = run_in_process(&plan, site, OPTIONS).await.unwrap();
    assert!(!report.passed, "{}", report.table());
    assert_eq!(report.steps[0].outcome, Outcome::Met, "{}", report.table());
    let [missed] = &report.notifications[..] else { panic!("{:?}", report.notifications) };
    assert_eq!(missed.outcome, Outcome::Missed);
    assert_eq!(missed.status, None);
    assert_eq!(missed.delay_ms, None);
    // The incident was opened, and nobody acknowledged it.
    assert!(!report.acknowledgements.is_empty());
    assert!(report.acknowledgements.iter().all(|a| a.time_to_acknowledge_ms.is_none()));
    assert!(report.table().contains("not yet"), "{}", report.table());
}
