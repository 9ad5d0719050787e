//! Steps sent through SafeCare's listeners: a target without the
//! scenario's listener source is named before anything is sent, and an
//! exercise run refuses transports that cannot carry its mark.
#![allow(clippy::unwrap_used, clippy::expect_used)]

use safecare_sim::{Embedded, RunError, RunOptions, prepare, run};

const OPTIONS: RunOptions = RunOptions { seed: 1, speed: 10.0, progress: false, announce: false, wait_ack: None };

#[tokio::test(flavor = "multi_thread")]
async fn a_target_without_the_scenarios_listener_source_is_named() {
    let (http_only, site) = prepare("demo-attack").unwrap();
    let embedded = Embedded::start(&http_only, site).await.unwrap();
    let (over_mllp, _) = prepare("infusion-pumps").unwrap();
    let err = run(&over_mllp, embedded.target(), OPTIONS).await.unwrap_err();
    let RunError::Target(err) = &err else { panic!("{err}") };
    let text = err.to_string();
    assert!(text.starts_with("the target has no mllp source named \"sim-hl7\" (its sources: sim-winlog)"), "{text}");
    // Nothing was sent: the target stored no event.
    let stored = embedded.target().events("sim", jiff::Timestamp::UNIX_EPOCH).await.unwrap();
    assert!(stored.is_empty(), "{stored:?}");
    embedded.stop().await.unwrap();
}

#[tokio::test(flavor = "multi_thread")]
async fn an_exercise_run_refuses_a_listener_source() {
    let (plan, site) = prepare("ransomware").unwrap();
    let embedded = Embedded::start(&plan, site).await.unwrap();
    let target = embedded.target().clone().exercise("drill-1");
    let err = run(&plan, &target, OPTIONS).await.unwrap_err();
    assert_eq!(
        err.to_string(),
        "an exercise run sends over HTTP only: source \"sim-winlog\" is syslog_tcp, which cannot carry the exercise mark"
    );
    embedded.stop().await.unwrap();
}
