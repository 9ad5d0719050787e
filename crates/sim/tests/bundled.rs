//! Every bundled scenario, played in-process through the real ingest
//! routes and listeners (syslog over TCP, MLLP, and MQTT through the real
//! broker at `SAFECARE_TEST_MQTT_URL`, by default the one the scenario
//! names), meets every expectation it states.
#![allow(clippy::unwrap_used, clippy::expect_used)]

use safecare_sim::{RunOptions, prepare, run_in_process};

async fn play(name: &str) {
    let (mut plan, site) = prepare(name).unwrap();
    if let Ok(url) = std::env::var("SAFECARE_TEST_MQTT_URL") {
        plan = plan.with_broker(&url);
    }
    let options = RunOptions { seed: 1, speed: 10.0, progress: false, announce: false, wait_ack: None };
    let report = run_in_process(&plan, site, options).await.unwrap();
    assert!(report.passed, "{name}:\n{}", report.table());
    assert!(report.steps.iter().any(|s| !s.expected.is_empty()));
}

#[tokio::test(flavor = "multi_thread")]
async fn demo_attack() {
    play("demo-attack").await;
}

#[tokio::test(flavor = "multi_thread")]
async fn ransomware() {
    play("ransomware").await;
}

#[tokio::test(flavor = "multi_thread")]
async fn tailgating_usb() {
    play("tailgating-usb").await;
}

#[tokio::test(flavor = "multi_thread")]
async fn insider_after_hours() {
    play("insider-after-hours").await;
}

#[tokio::test(flavor = "multi_thread")]
async fn portal_ddos() {
    play("portal-ddos").await;
}

#[tokio::test(flavor = "multi_thread")]
async fn bms_theatres() {
    play("bms-theatres").await;
}

#[tokio::test(flavor = "multi_thread")]
async fn technical_fire_icu() {
    play("technical-fire-icu").await;
}

#[tokio::test(flavor = "multi_thread")]
async fn infusion_pumps() {
    play("infusion-pumps").await;
}

#[tokio::test(flavor = "multi_thread")]
async fn vaccine_theft() {
    play("vaccine-theft").await;
}
